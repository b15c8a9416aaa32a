"""The security scenarios (test-vectors/security/) through the Python bindings: roles, revoked
keys, trust bundles, status lists held per agency, seal versions and the replay cache, each
check at the outcome the manifest gives."""
import datetime
import json
import pathlib

import pytest

try:  # freshly generated bindings (conftest.py puts them on sys.path)
    import yinzheng_ffi as yz
except ImportError:  # the installed wheel
    import yinzheng as yz

HERE = pathlib.Path(__file__).resolve().parents[3] / "test-vectors" / "security"
MANIFEST = json.loads((HERE / "manifest.json").read_text(encoding="utf-8"))
OUTCOMES = {
    "stored": ("STORED",), "replaced": ("REPLACED",), "kept-newer": ("KEPT_NEWER",),
    "kept-held": ("KEPT_HELD",), "already-held": ("ALREADY_HELD",),
}


def at(secs):
    return datetime.datetime.fromtimestamp(secs, tz=datetime.timezone.utc)


def alg(name):
    return yz.SignatureAlgorithm.ED25519 if name == "Ed25519" else yz.SignatureAlgorithm.ES256


def roles(names):
    return [getattr(yz.TrustRole, n.upper().replace("-", "_")) for n in names]


def verifier(scenario, now):
    policy = yz.VerifierPolicy(
        allow_unknown_status=scenario["allow_unknown_status"],
        replay_cache_capacity=64 if scenario["replay_cache"] else 0,
    )
    if scenario["bundle"]:
        bundle = scenario["bundle"]
        return yz.Verifier.from_trust_bundle(
            (HERE / bundle["file"]).read_bytes(), yz.SignatureAlgorithm.ED25519,
            bytes.fromhex(bundle["publisher_key"]), now, policy)
    anchors = yz.TrustAnchors(
        issuer_keys=[
            yz.TrustedIssuerKey(name=t["name"], agency_code=t["agency"], algorithm=alg(t["alg"]),
                                public_key=bytes.fromhex(t["public_key"]), roles=roles(t["roles"]),
                                key_id=bytes.fromhex(t["key_id"]) if "key_id" in t else None)
            for t in MANIFEST["trust"]
        ],
        x509_roots=[yz.TrustedRoot(name=r["name"], der=bytes.fromhex(r["der"]), roles=roles(r["roles"]))
                    for r in MANIFEST["x509_roots"]],
        seal_makers=[yz.TrustedSealMaker(name=m["name"], algorithm=alg(m["alg"]), public_key=bytes.fromhex(m["public_key"]))
                     for m in MANIFEST["seal_makers"]],
        revoked_keys=[yz.RevokedKey(key_sha256=bytes.fromhex(r["key_sha256"]),
                                    since=at(r["since"]) if r["since"] is not None else None)
                      for r in scenario["revoked_keys"]],
    )
    return yz.Verifier.with_anchors(anchors=anchors, policy=policy)


@pytest.mark.parametrize("scenario", MANIFEST["vectors"], ids=lambda s: s["id"])
def test_security_scenario(scenario):
    now = at(MANIFEST["time"])
    v = verifier(scenario, now)
    read = lambda f: (HERE / f).read_bytes()  # noqa: E731
    for seal in scenario["seals"]:
        if seal["expect"] == "refused":
            with pytest.raises(yz.YinzhengError.InvalidInput):
                v.add_seal(read(seal["file"]), now)
        else:
            assert v.add_seal(read(seal["file"]), now).outcome.name in OUTCOMES[seal["expect"]]
    for lst in scenario["status_lists"]:
        if lst["expect"] == "refused":
            with pytest.raises(yz.YinzhengError.InvalidInput):
                v.add_status_list(read(lst["file"]), now)
        else:
            assert v.add_status_list(read(lst["file"]), now).outcome.name in OUTCOMES[lst["expect"]]
    for check in scenario["checks"]:
        when = at(check.get("time", MANIFEST["time"]))
        expected = check["expected"]
        data = read(check["file"])
        if check["kind"] == "status-list" and expected["outcome"] == "reject":
            with pytest.raises(yz.YinzhengError.InvalidInput):
                v.add_status_list(data, when)
            continue
        if check["kind"] == "status-list":
            added = v.add_status_list(data, when)
            assert added.uri == "https://example.com/statuslists/1" and added.agency_code == "91110000MA01ETF01L"
            continue
        run = {
            "certificate": lambda: v.verify_certificate(data, when),
            "presentation": lambda: v.verify_presentation(data, when, None, None),
            "stamp": lambda: v.verify_stamp(data, read(check["document"]), when),
        }[check["kind"]]
        if expected["outcome"] == "accept":
            report = run().report
            assert all(c.status != yz.CheckStatus.FAILED for c in report.checks)
        else:
            with pytest.raises(yz.YinzhengError.Rejected) as caught:
                run()
            failed = [c.name for c in caught.value.report.checks if c.status == yz.CheckStatus.FAILED]
            assert failed == [expected["failed_check"]], failed
            if expected["status"]:
                assert caught.value.report.status.name.lower() == expected["status"]


def test_a_loosened_check_reads_allowed_with_its_detail():
    scenario = next(s for s in MANIFEST["vectors"] if s["id"] == "list-overwrite-by-other-agency")
    lenient = dict(scenario, status_lists=[])
    v = verifier(lenient, at(MANIFEST["time"]))
    report = v.verify_certificate((HERE / "certificate-status-5.cose").read_bytes(), at(MANIFEST["time"])).report
    status = next(c for c in report.checks if c.name == "status")
    assert status.status == yz.CheckStatus.ALLOWED and "unknown" in status.detail
    assert report.status == yz.CertificateStatus.UNKNOWN
