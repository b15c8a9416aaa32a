"""Seals, stamps and trust from Python: a seal made by a Python-held maker key, a document
stamped and verified offline (and rejected after a one-byte change), a certificate signed
under the seal showing its picture, seal events in the audit log, and the shared stamp
vectors."""
import datetime
import json
import pathlib

import pytest

try:
    import yinzheng_ffi as yz
except ImportError:
    import yinzheng as yz

AGENCY_ROLES = [yz.TrustRole.ISSUER, yz.TrustRole.STATUS_LISTS]


def roles(names):
    """The bindings' roles for the manifest's role names."""
    return [getattr(yz.TrustRole, name.upper().replace("-", "_")) for name in names]

from signers import PySigner

JILIN = "11220000013544541J"
T0 = datetime.datetime(2026, 10, 1, tzinfo=datetime.timezone.utc)
SEALS = pathlib.Path(__file__).resolve().parents[3] / "test-vectors" / "seals"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 42 42"><circle cx="21" cy="21" r="20" stroke="red" fill="none"/></svg>'
DOCUMENT = b"%PDF-1.7\n... \xe8\xaf\x81\xe6\x98\x8e ...\n%%EOF\n"


def seal_request(stamper):
    return yz.SealRequest(
        id="2200000000000042", kind_code=1, name="吉林省市场监督管理局（测试）电子公章",
        owner_name="吉林省市场监督管理局（测试）", owner_code=JILIN,
        authorised_keys=[stamper.public_key()],
        created=T0, valid_from=T0, valid_until=T0 + datetime.timedelta(days=365),
        picture_format="svg", picture=SVG, width_mm=42, height_mm=42,
    )


def verifier_trusting(maker):
    anchors = yz.TrustAnchors(seal_makers=[
        yz.TrustedSealMaker(name="制章中心", algorithm=yz.SignatureAlgorithm.ED25519, public_key=maker.public_key())
    ])
    return yz.Verifier.with_anchors(anchors=anchors, policy=yz.VerifierPolicy())


def test_make_seal_stamp_and_verify_offline(tmp_path):
    maker, stamper = PySigner(0x61), PySigner(0x62)
    log = yz.AuditLog.open_with_software_key(
        str(tmp_path / "audit"), "audit.example/seals", yz.SoftwareKey.from_seed(bytes([7]) * 32)
    )
    seal = yz.make_seal(seal_request(stamper), maker, log)
    stamp = yz.stamp_document(seal, DOCUMENT, "全文", stamper, T0 + datetime.timedelta(days=1), log)
    assert log.size() == 2  # the seal and the stamp were recorded before they were returned

    verifier = verifier_trusting(maker)
    later = T0 + datetime.timedelta(days=2)
    verified = verifier.verify_stamp(stamp, DOCUMENT, later)
    assert verified.seal.picture == SVG
    assert verified.seal.kind_label == "公章"
    statuses = {c.name: c.status for c in verified.report.checks}
    assert statuses.pop("trust-bundle") == yz.CheckStatus.SKIPPED  # not loaded from a bundle
    assert [s for name, s in statuses.items() if name != "seal-status"] == [yz.CheckStatus.PASSED] * 6

    altered = bytearray(DOCUMENT)
    altered[5] ^= 1
    with pytest.raises(yz.YinzhengError.Rejected) as e:
        verifier.verify_stamp(stamp, bytes(altered), later)
    assert e.value.check == yz.Check.DOCUMENT_DIGEST

    # A stranger's key cannot stamp with the seal.
    with pytest.raises(yz.YinzhengError.InvalidInput):
        yz.stamp_document(seal, DOCUMENT, "全文", PySigner(0x63), T0, None)


def test_certificate_signed_under_a_seal_shows_it():
    maker, stamper = PySigner(0x61), PySigner(0x62)
    seal = yz.make_seal(seal_request(stamper), maker, None)
    issuer = yz.Issuer(agency_name="吉林省市场监督管理局（测试）", agency_code=JILIN, signer=stamper).with_seal(seal)
    issued = issuer.issue(
        yz.CertificateRequest(
            type_code="11100000MB0341032Y002", type_name="营业执照", number="91350100M000100Y43",
            holder_name="福州示例科技有限公司", holder_code="91350100M000100Y43", holder_code_type="001",
            issued_on="2026-10-01", valid_from="2026-10-01",
        ),
        T0 + datetime.timedelta(days=1),
    )
    verifier = verifier_trusting(maker)
    with pytest.raises(yz.YinzhengError.Rejected) as e:
        verifier.verify_certificate(issued.bytes, T0 + datetime.timedelta(days=2))
    assert e.value.check == yz.Check.ISSUER_KEY  # the seal is not held yet
    added = verifier.add_seal(seal, T0)
    assert added.outcome == yz.SealOutcome.STORED and added.maker == "制章中心"
    verified = verifier.verify_certificate(issued.bytes, T0 + datetime.timedelta(days=2))
    assert verified.seal.picture == SVG


STAMPS = json.loads((SEALS / "manifest.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("vector", STAMPS["vectors"], ids=lambda v: v["id"])
def test_stamp_vector(vector):
    alg = lambda name: yz.SignatureAlgorithm.ED25519 if name == "Ed25519" else yz.SignatureAlgorithm.ES256  # noqa: E731
    anchors = yz.TrustAnchors(
        issuer_keys=[
            yz.TrustedIssuerKey(name=t["name"], agency_code=t["agency"], algorithm=alg(t["alg"]),
                                public_key=bytes.fromhex(t["public_key"]), roles=roles(t["roles"]))
            for t in STAMPS["trust"]
        ],
        x509_roots=[yz.TrustedRoot(name=r["name"], der=bytes.fromhex(r["der"]), roles=roles(r["roles"])) for r in STAMPS["x509_roots"]],
        seal_makers=[
            yz.TrustedSealMaker(name=t["name"], algorithm=alg(t["alg"]), public_key=bytes.fromhex(t["public_key"]))
            for t in STAMPS["seal_makers"]
        ],
    )
    verifier = yz.Verifier.with_anchors(anchors=anchors, policy=yz.VerifierPolicy())
    now = datetime.datetime.fromtimestamp(STAMPS["time"], tz=datetime.timezone.utc)
    for name in vector["status_lists"]:
        verifier.add_status_list((SEALS / name).read_bytes(), now)
    stamp = (SEALS / vector["stamp"]).read_bytes()
    document = (SEALS / vector["document"]).read_bytes()
    expected = vector["expected"]
    if expected["outcome"] == "accept":
        verifier.verify_stamp(stamp, document, now)
    else:
        with pytest.raises(yz.YinzhengError.Rejected) as e:
            verifier.verify_stamp(stamp, document, now)
        failed = [c.name for c in e.value.report.checks if c.status == yz.CheckStatus.FAILED]
        assert failed == [expected["failed_check"]]
