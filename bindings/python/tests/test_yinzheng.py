"""The Python bindings against the shared test vectors: the same bytes and outcomes as the
Rust and Kotlin suites, plus Python-implemented signers (via `cryptography`) and clocks."""
import datetime
import json
import pathlib

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

try:  # freshly generated bindings (conftest.py puts them on sys.path)
    import yinzheng_ffi as yz
except ImportError:  # the installed wheel
    import yinzheng as yz

AGENCY_ROLES = [yz.TrustRole.ISSUER, yz.TrustRole.STATUS_LISTS]


def roles(names):
    """The bindings' roles for the manifest's role names."""
    return [getattr(yz.TrustRole, name.upper().replace("-", "_")) for name in names]

VECTORS = pathlib.Path(__file__).resolve().parents[3] / "test-vectors" / "certificates"
MANIFEST = json.loads((VECTORS / "manifest.json").read_text(encoding="utf-8"))
NOW = datetime.datetime.fromtimestamp(MANIFEST["time"], tz=datetime.timezone.utc)
JILIN = "11220000013544541J"


def algorithm(name):
    return yz.SignatureAlgorithm.ED25519 if name == "Ed25519" else yz.SignatureAlgorithm.ES256


def verifier_from_manifest(allow_unknown_status=False):
    anchors = yz.TrustAnchors(
        issuer_keys=[
            yz.TrustedIssuerKey(
                name=t["name"],
                agency_code=t["agency"],
                algorithm=algorithm(t["alg"]),
                public_key=bytes.fromhex(t["public_key"]),
            roles=roles(t["roles"]))
            for t in MANIFEST["trust"]
        ],
        x509_roots=[yz.TrustedRoot(name=r["name"], der=bytes.fromhex(r["der"]), roles=roles(r["roles"])) for r in MANIFEST["x509_roots"]],
        seal_makers=[
            yz.TrustedSealMaker(name=t["name"], algorithm=algorithm(t["alg"]), public_key=bytes.fromhex(t["public_key"]))
            for t in MANIFEST["seal_makers"]
        ],
    )
    verifier = yz.Verifier.with_anchors(
        anchors=anchors, policy=yz.VerifierPolicy(allow_unknown_status=allow_unknown_status)
    )
    for seal in MANIFEST["seals"]:
        verifier.add_seal(bytes.fromhex(seal), NOW)
    return verifier


VERIFIER = verifier_from_manifest()


def status_name(status):
    return None if status is None else status.name.lower()


def verifier_for(vector):
    verifier = verifier_from_manifest(vector["allow_unknown_status"])
    for name in vector["status_lists"]:
        token = (VECTORS / name).read_bytes()
        if "malformed" in name or "bomb" in name:
            with pytest.raises(yz.YinzhengError.InvalidInput):
                verifier.add_status_list(token, NOW)
        else:
            verifier.add_status_list(token, NOW)
    return verifier


@pytest.mark.parametrize("vector", MANIFEST["vectors"], ids=lambda v: v["id"])
def test_vector(vector):
    data = (VECTORS / vector["file"]).read_bytes()
    expected = vector["expected"]
    verifier = verifier_for(vector)
    if expected["outcome"] == "accept":
        verified = verifier.verify_certificate(data, NOW)
        assert status_name(verified.report.status) == expected["status"]
        assert [f.name for f in verified.certificate.disclosed] == expected["disclosed"]
        assert len(verified.report.warnings) == expected["warnings"]
        assert all(c.status != yz.CheckStatus.FAILED for c in verified.report.checks)
        same = verifier.verify_qr_text(vector["qr"], NOW)
        assert same.certificate == verified.certificate
    else:
        with pytest.raises(yz.YinzhengError.Rejected) as caught:
            verifier.verify_certificate(data, NOW)
        assert status_name(caught.value.report.status) == expected["status"]
        failed = [c for c in caught.value.report.checks if c.status == yz.CheckStatus.FAILED]
        assert [c.name for c in failed] == [expected["failed_check"]]
        assert caught.value.check == failed[0].check


def licence_request(**overrides):
    fields = [
        yz.Field(name="类型", value=yz.FieldValue.TEXT(value="有限责任公司")),
        yz.Field(name="法定代表人", value=yz.FieldValue.TEXT(value="林示例")),
        yz.Field(name="注册资本", value=yz.FieldValue.TEXT(value="壹佰万元整")),
        yz.Field(name="成立日期", value=yz.FieldValue.DATE(value="2018-06-01")),
        yz.Field(name="住所", value=yz.FieldValue.TEXT(value="福建省福州市鼓楼区示例路1号")),
    ]
    request = dict(
        type_code="11100000MB0341032Y002",
        type_name="营业执照",
        number="91350100M000100Y43",
        holder_name="福州示例科技有限公司",
        holder_code="91350100M000100Y43",
        holder_code_type="001",
        issued_on="2024-03-15",
        valid_from="2024-03-15",
        jurisdiction="350100",
        fields=fields,
        serial="2024031500001",
    )
    request.update(overrides)
    return yz.CertificateRequest(**request)


class CryptographySigner(yz.Signer):
    """An app's signer: Ed25519 or P-256 from the `cryptography` package."""

    def __init__(self, private_key, fail=None):
        self.key = private_key
        self.fail = fail
        self.calls = 0

    def algorithm(self):
        if isinstance(self.key, ed25519.Ed25519PrivateKey):
            return yz.SignatureAlgorithm.ED25519
        return yz.SignatureAlgorithm.ES256

    def public_key(self):
        pub = self.key.public_key()
        if isinstance(self.key, ed25519.Ed25519PrivateKey):
            return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return pub.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)

    def sign(self, message):
        self.calls += 1
        if self.fail == "declared":
            raise yz.YinzhengError.SignerFailed("user cancelled the fingerprint prompt")
        if self.fail == "unexpected":
            raise ValueError("keystore exploded")
        if self.fail == "garbage":
            return bytes(64)
        if isinstance(self.key, ed25519.Ed25519PrivateKey):
            return self.key.sign(message)
        r, s = decode_dss_signature(self.key.sign(message, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def test_python_signer_issue_verify_tamper():
    signer = CryptographySigner(ed25519.Ed25519PrivateKey.from_private_bytes(bytes([0x11] * 32)))
    issuer = yz.Issuer("吉林省市场监督管理局（测试）", JILIN, signer)
    signed_at = NOW - datetime.timedelta(days=30)
    issued = issuer.issue(licence_request(), signed_at)
    assert signer.calls == 1
    # The same inputs give the same bytes as the committed vector, whoever signs.
    assert issued.bytes == (VECTORS / "valid-plain.cbor").read_bytes()
    verified = VERIFIER.verify_certificate(issued.bytes, NOW)
    assert verified.certificate.holder_name == "福州示例科技有限公司"
    assert verified.report.trusted_key == MANIFEST["trust"][0]["name"]
    assert {c.label: c.status for c in verified.report.checks}["签发机构签名"] == yz.CheckStatus.PASSED
    forged = bytearray(issued.bytes)
    at = forged.find("路1号".encode())
    forged[at : at + len("路1号".encode())] = "路2号".encode()
    with pytest.raises(yz.YinzhengError.Rejected) as caught:
        VERIFIER.verify_certificate(bytes(forged), NOW)
    assert caught.value.check == yz.Check.ISSUER_SIGNATURE
    assert "✗ 4." in caught.value.report.text


def test_p256_signer_like_a_secure_enclave():
    key = ec.derive_private_key(int.from_bytes(bytes([0x33] * 32), "big"), ec.SECP256R1())
    signer = CryptographySigner(key)
    issuer = yz.Issuer("湖南省测试厅", "11430000006122244L", signer)
    issued = issuer.issue(licence_request(serial=None), NOW)
    verified = VERIFIER.verify_certificate(issued.bytes, NOW)
    assert verified.report.trusted_key == MANIFEST["trust"][1]["name"]


@pytest.mark.parametrize("fail", ["declared", "unexpected", "garbage"])
def test_failing_signers_raise_signer_failed(fail):
    signer = CryptographySigner(ed25519.Ed25519PrivateKey.generate(), fail=fail)
    issuer = yz.Issuer("测试", JILIN, signer)
    with pytest.raises(yz.YinzhengError.SignerFailed):
        issuer.issue(licence_request(), NOW)


def test_selective_disclosure_and_two_phase_signing():
    key = yz.SoftwareKey.from_seed(bytes([7] * 32))
    issuer = yz.Issuer.with_software_key("测试", JILIN, key)
    request = licence_request(
        disclosable_fields=[
            yz.Field(name="出生日期", value=yz.FieldValue.DATE(value="1949-12-31")),
            yz.Field(name="age_over_18", value=yz.FieldValue.BOOL(value=True)),
            yz.Field(name="准驾车型", value=yz.FieldValue.VALUE_LIST(items=[yz.FieldValue.TEXT(value="C1")])),
        ]
    )
    prepared = issuer.prepare(request, NOW)
    external = ed25519.Ed25519PrivateKey.from_private_bytes(bytes([7] * 32))
    issued = prepared.complete(external.sign(prepared.to_be_signed()))
    with pytest.raises(yz.YinzhengError.InvalidInput):
        prepared.complete(bytes(64))
    shown = yz.select_disclosures(issued.bytes, ["age_over_18"])
    verifier = yz.Verifier(
        anchors=[yz.TrustedIssuerKey(name="k", agency_code=JILIN, algorithm=yz.SignatureAlgorithm.ED25519, public_key=key.public_key(), roles=AGENCY_ROLES)],
        policy=yz.VerifierPolicy(),
    )
    verified = verifier.verify_qr_text(yz.to_qr_text(shown), NOW)
    assert [(f.name, f.value) for f in verified.certificate.disclosed] == [("age_over_18", yz.FieldValue.BOOL(value=True))]
    with pytest.raises(yz.YinzhengError.InvalidInput):
        yz.select_disclosures(issued.bytes, ["住所"])


def test_clocks_and_times():
    class AppClock(yz.Clock):
        def __init__(self, now):
            self.value = now

        def now(self):
            if self.value is None:
                raise yz.YinzhengError.ClockUnavailable("no network time yet")
            return self.value

    data = (VECTORS / "valid-plain.cbor").read_bytes()
    assert VERIFIER.verify_certificate_now(data, AppClock(NOW)).certificate.number == "91350100M000100Y43"
    with pytest.raises(yz.YinzhengError.ClockUnavailable):
        VERIFIER.verify_certificate_now(data, AppClock(None))
    with pytest.raises(TypeError):
        VERIFIER.verify_certificate(data, datetime.datetime(2026, 11, 21))  # naive: refused
    expired = (VECTORS / "expired.cbor").read_bytes()
    with pytest.raises(yz.YinzhengError.Rejected) as caught:
        VERIFIER.verify_certificate(expired, NOW)
    assert caught.value.check == yz.Check.VALIDITY


def test_clock_skew_is_a_named_loosening():
    key = yz.SoftwareKey.from_seed(bytes([9] * 32))
    issuer = yz.Issuer.with_software_key("测试", JILIN, key)
    issued = issuer.issue(licence_request(valid_from="2026-01-01", valid_until="2026-11-20"), NOW - datetime.timedelta(days=30))
    end = issued.certificate.valid_until
    anchor = yz.TrustedIssuerKey(name="k", agency_code=JILIN, algorithm=yz.SignatureAlgorithm.ED25519, public_key=key.public_key(), roles=AGENCY_ROLES)
    strict = yz.Verifier(anchors=[anchor], policy=yz.VerifierPolicy())
    lenient = yz.Verifier(anchors=[anchor], policy=yz.VerifierPolicy(allow_clock_skew_seconds=120))
    late = end + datetime.timedelta(seconds=100)
    with pytest.raises(yz.YinzhengError.Rejected):
        strict.verify_certificate(issued.bytes, late)
    assert lenient.verify_certificate(issued.bytes, late).certificate.valid_until == end


def test_a_queue_in_one_call_with_the_batch_equation():
    key = yz.SoftwareKey.from_seed(bytes([12] * 32))
    issuer = yz.Issuer.with_software_key("测试", JILIN, key)
    signed_at = NOW - datetime.timedelta(days=1)
    queue = [issuer.issue(licence_request(serial=f"2024{i:05}"), signed_at).bytes for i in range(150)]
    forged = bytearray(queue[140])
    forged[-1] ^= 1
    queue[140] = bytes(forged)
    queue[3] = b"junk"
    anchor = yz.TrustedIssuerKey(name="k", agency_code=JILIN, algorithm=yz.SignatureAlgorithm.ED25519, public_key=key.public_key(), roles=AGENCY_ROLES)
    batching = yz.Verifier(anchors=[anchor], policy=yz.VerifierPolicy(allow_cofactored_batch=True))
    verdicts = batching.verify_certificates(queue, NOW)
    rejected = {i: v.check for i, v in enumerate(verdicts) if isinstance(v, yz.CertificateVerdict.REJECTED)}
    assert rejected == {3: yz.Check.DECODE, 140: yz.Check.ISSUER_SIGNATURE}
    assert verdicts[0].verified.certificate.holder_name == "福州示例科技有限公司"
    assert verdicts[0].verified == batching.verify_certificate(queue[0], NOW)


def test_codes_and_input_errors():
    yz.check_uscc("91350100M000100Y43")
    yz.check_resident_id("11010519491231002X")
    with pytest.raises(yz.YinzhengError.InvalidInput, match="check character"):
        yz.check_uscc("91350100M000100Y44")
    parts = yz.parse_certificate_id("1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F")
    assert (parts.type_code, parts.serial, parts.version) == ("11100000000013338W032", "2430599", "001")
    with pytest.raises(yz.YinzhengError.InvalidInput):
        yz.Verifier(anchors=[], policy=yz.VerifierPolicy())
    with pytest.raises(yz.YinzhengError.InvalidKey):
        yz.SoftwareKey.from_seed(b"short")
    with pytest.raises(yz.YinzhengError.InvalidInput):
        yz.from_qr_text("HC1:ABC")


def test_the_bindings_under_test_are_the_ones_asked_for():
    import os

    if os.environ.get("YINZHENG_PY_BINDINGS") == "installed":
        assert yz.__name__.startswith("yinzheng") and "site-packages" in yz.__file__
    else:
        assert yz.__name__ == "yinzheng_ffi" and "site-packages" not in yz.__file__
    assert yz.version() == "0.1.0"
