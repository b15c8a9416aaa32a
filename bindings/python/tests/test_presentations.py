"""亮证 from Python: a certificate bound to a phone's P-256 key (held by `cryptography` here),
presented with chosen fields as a rotating QR code, verified offline with a nonce and a replay
cache, rendered to PNG/SVG; and the shared presentation vectors."""
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

from signers import PhoneSigner, PySigner

JILIN = "11220000013544541J"
NOW = datetime.datetime(2026, 11, 21, 2, tzinfo=datetime.timezone.utc)
PRESENTATIONS = pathlib.Path(__file__).resolve().parents[3] / "test-vectors" / "presentations"


def issued_to(device):
    issuer = yz.Issuer(agency_name="吉林省公安厅（测试）", agency_code=JILIN, signer=PySigner(0x11))
    request = yz.CertificateRequest(
        type_code="11100000000013338W032", type_name="居住证", number="吉A0001",
        holder_name="李示例", holder_code="11010519491231002X", holder_code_type="111",
        issued_on="2024-01-08", valid_from="2024-01-08",
        fields=[yz.Field(name="民族", value=yz.FieldValue.TEXT(value="汉"))],
        disclosable_fields=[
            yz.Field(name="住址", value=yz.FieldValue.TEXT(value="吉林省长春市示例街2号")),
            yz.Field(name="age_over_18", value=yz.FieldValue.BOOL(value=True)),
        ],
        holder_key=yz.DeviceKey(algorithm=device.algorithm(), public_key=device.public_key()),
    )
    return issuer.issue(request, NOW - datetime.timedelta(days=1))


def verifier(replay=0):
    anchor = yz.TrustedIssuerKey(name="jilin", agency_code=JILIN, algorithm=yz.SignatureAlgorithm.ED25519,
                                 public_key=PySigner(0x11).public_key(), roles=AGENCY_ROLES)
    return yz.Verifier(anchors=[anchor], policy=yz.VerifierPolicy(replay_cache_capacity=replay))


def test_present_with_a_phone_key_and_verify_offline():
    phone = PhoneSigner(0x71)
    issued = issued_to(phone)
    request_qr = yz.presentation_request_qr_text(
        yz.PresentationRequest(fields=["age_over_18"], nonce=b"nonce-42", audience="网吧前台", purpose="实名上网")
    )
    asked = yz.read_presentation_request(request_qr)
    presenter = yz.Presenter(certificate=issued.bytes, device=phone)
    shown = presenter.present(
        yz.PresentationOptions(reveal=asked.fields, nonce=asked.nonce, audience=asked.audience,
                               purpose=asked.purpose),
        NOW,
    )
    assert "吉林省长春市示例街2号".encode() not in shown.bytes  # the address stays on the phone
    v = verifier(replay=16)
    verified = v.verify_presentation_qr(shown.qr_text, NOW + datetime.timedelta(seconds=3), b"nonce-42", "网吧前台")
    assert [f.name for f in verified.certificate.disclosed] == ["age_over_18"]
    assert verified.purpose == "实名上网"
    with pytest.raises(yz.YinzhengError.Rejected) as replay:
        v.verify_presentation_qr(shown.qr_text, NOW + datetime.timedelta(seconds=4), b"nonce-42", None)
    assert replay.value.check == yz.Check.HOLDER_BINDING
    with pytest.raises(yz.YinzhengError.Rejected) as late:
        verifier().verify_presentation_qr(shown.qr_text, NOW + datetime.timedelta(seconds=61), None, None)
    assert late.value.check == yz.Check.HOLDER_BINDING
    # Another phone cannot present it.
    with pytest.raises(yz.YinzhengError.InvalidInput):
        yz.Presenter(certificate=issued.bytes, device=PhoneSigner(0x72))


def test_rotating_code_and_rendering():
    phone = PhoneSigner(0x71)
    presenter = yz.Presenter(certificate=issued_to(phone).bytes, device=phone)
    code = presenter.rotating_code(yz.PresentationOptions(reveal=["age_over_18"]), NOW, 30)
    assert code.refresh_at > NOW
    assert verifier().verify_presentation_qr(code.qr_text, NOW, None, None).certificate.holder_name == "李示例"
    png = yz.render_qr_png(code.qr_text, yz.QrLevel.M, 4)
    assert png.startswith(b"\x89PNG")
    assert yz.render_qr_svg(code.qr_text, yz.QrLevel.M).startswith("<svg")
    assert 1 <= yz.qr_version(code.qr_text, yz.QrLevel.M) <= 25


MANIFEST = json.loads((PRESENTATIONS / "manifest.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("vector", MANIFEST["vectors"], ids=lambda v: v["id"])
def test_presentation_vector(vector):
    t = MANIFEST["trust"][0]
    anchor = yz.TrustedIssuerKey(name=t["name"], agency_code=t["agency"], algorithm=yz.SignatureAlgorithm.ED25519,
                                 public_key=bytes.fromhex(t["public_key"]), roles=roles(t["roles"]))
    v = yz.Verifier(anchors=[anchor], policy=yz.VerifierPolicy(replay_cache_capacity=16))
    when = datetime.datetime.fromtimestamp(vector["time"], tz=datetime.timezone.utc)
    for name in vector["status_lists"]:
        v.add_status_list((PRESENTATIONS / name).read_bytes(), when)
    nonce = bytes.fromhex(vector["nonce"]) if vector["nonce"] else None

    def verify():
        if vector["kind"] == "certificate":
            return v.verify_certificate((PRESENTATIONS / vector["file"]).read_bytes(), when)
        return v.verify_presentation_qr(vector["qr"], when, nonce, vector["audience"])

    if vector["replay"]:
        verify()
    expected = vector["expected"]
    if expected["outcome"] == "accept":
        verify()
    else:
        with pytest.raises(yz.YinzhengError.Rejected) as e:
            verify()
        failed = [c.name for c in e.value.report.checks if c.status == yz.CheckStatus.FAILED]
        assert failed == [expected["failed_check"]]
