"""National seals, stamps and OFD documents from Python (feature `gm`): every case of
test-vectors/gm/ (SM2 certificates made by gmssl + asn1crypto) gets its manifest verdict at
the listed check, and ofdrw's stamped OFDs from the conformance set, when present, verify
with its certificates pinned."""
import base64
import datetime
import io
import json
import pathlib
import zipfile

import pytest

try:
    import yinzheng_ffi as yz
except ImportError:
    import yinzheng as yz

ROOT = pathlib.Path(__file__).resolve().parents[3]
GM = ROOT / "test-vectors" / "gm"
MANIFEST = json.loads((GM / "manifest.json").read_text(encoding="utf-8"))
CONFORMANCE = ROOT.parent / "shared" / "conformance" / "gbt38540"


def roles(names):
    return [getattr(yz.TrustRole, name.upper().replace("-", "_")) for name in names]


def verifier(**anchors):
    return yz.Verifier.with_anchors(anchors=yz.TrustAnchors(**anchors), policy=yz.VerifierPolicy())


@pytest.mark.parametrize("vector", MANIFEST["vectors"], ids=lambda v: v["id"])
def test_national_vector(vector):
    v = verifier(x509_roots=[
        yz.TrustedRoot(name=r["name"], der=bytes.fromhex(r["der"]), roles=roles(r["roles"]))
        for r in MANIFEST["x509_roots"]
    ])
    now = datetime.datetime.fromtimestamp(MANIFEST["time"], tz=datetime.timezone.utc)
    data = (GM / vector["file"]).read_bytes()

    def run():
        if vector["kind"] == "seal":
            return v.verify_national_seal(data, now)
        signed = (GM / vector["data"]).read_bytes()
        if vector["kind"] == "sign":
            at = datetime.datetime.fromtimestamp(vector["signed_at"], tz=datetime.timezone.utc)
            return v.verify_ofd_signed_value(data, signed, at, now)
        return v.verify_national_stamp(data, signed, now)

    expected = vector["expected"]
    if expected["outcome"] == "accept":
        verified = run()
        if vector["kind"] == "sign":
            assert verified.form == "SignedData"
            assert verified.signer_certificate.startswith(b"\x30\x82")
        else:
            assert verified.seal.picture_format == "SVG"
            assert verified.seal.picture.startswith(b"<svg")
        assert len(verified.report.warnings) == expected["warnings"]
    else:
        with pytest.raises(yz.YinzhengError.Rejected) as e:
            run()
        failed = [c.name for c in e.value.report.checks if c.status == yz.CheckStatus.FAILED]
        assert failed == [expected["failed_check"]]


def pem(name):
    text = (CONFORMANCE / "certs" / name).read_text()
    body = text.split("-----BEGIN CERTIFICATE-----")[1].split("-----END CERTIFICATE-----")[0]
    return base64.b64decode("".join(body.split()))


@pytest.mark.skipif(not CONFORMANCE.is_dir(), reason="conformance set not present")
def test_ofdrw_stamped_ofd_verifies_with_pinned_certificates():
    v = verifier(pinned_certificates=[
        yz.TrustedRoot(name="ofdrw seal maker", der=pem("ofdrw-seal-maker.pem"),
                       roles=[yz.TrustRole.SEAL_MAKER]),
        yz.TrustedRoot(name="ofdrw signer", der=pem("ofdrw-user.pem"),
                       roles=[yz.TrustRole.STAMP_SIGNER]),
    ])
    at = datetime.datetime.fromtimestamp(1_795_910_400, tz=datetime.timezone.utc)
    ofd = (CONFORMANCE / "ofdrw" / "V4RideRight.ofd").read_bytes()
    verdict = v.verify_ofd(ofd, at)
    assert verdict.valid, verdict
    assert all(s.stands for s in verdict.signatures)
    # One byte of a covered file changed (the package rewritten with Python's zipfile).
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(ofd)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename == "Doc_0/Document.xml":
                content = content[:-20] + bytes([content[-20] ^ 1]) + content[-19:]
            dst.writestr(info, content)
    changed = v.verify_ofd(out.getvalue(), at)
    assert not changed.valid
    assert [s.outcome.files for s in changed.signatures] == [["Doc_0/Document.xml"]]
    valid = verdict.signatures[0].outcome
    assert isinstance(valid.signed, yz.OfdSigned.STAMP)
    assert valid.signed.stamp.seal.picture_format == "PNG"
    assert verdict.integrity is None


TODAY = datetime.datetime.fromtimestamp(1_795_910_400, tz=datetime.timezone.utc)


@pytest.mark.skipif(not CONFORMANCE.is_dir(), reason="conformance set not present")
def test_a_bare_signature_needs_the_signer_certificate_pinned():
    ofd = (CONFORMANCE / "ofdrw" / "DigitalSign.ofd").read_bytes()
    maker = yz.TrustedRoot(name="ofdrw seal maker", der=pem("ofdrw-seal-maker.pem"),
                           roles=[yz.TrustRole.SEAL_MAKER])
    signer = yz.TrustedRoot(name="ofdrw signer", der=pem("ofdrw-user.pem"),
                            roles=[yz.TrustRole.STAMP_SIGNER])
    verdict = verifier(pinned_certificates=[maker, signer]).verify_ofd(ofd, TODAY)
    assert verdict.valid, verdict
    signed = verdict.signatures[0].outcome.signed
    assert isinstance(signed, yz.OfdSigned.SIGNATURE)
    assert signed.signature.form == "Bare"
    assert signed.signature.signed_at == datetime.datetime(
        2020, 4, 22, 8, 22, 44, tzinfo=datetime.timezone.utc)
    unpinned = verifier(pinned_certificates=[maker]).verify_ofd(ofd, TODAY)
    assert not unpinned.valid
    outcome = unpinned.signatures[0].outcome
    assert isinstance(outcome, yz.OfdSignatureOutcome.REJECTED)
    assert "no certificate for the signer" in outcome.reason


@pytest.mark.skipif(not CONFORMANCE.is_dir(), reason="conformance set not present")
def test_an_integrity_list_verifies_and_a_smuggled_file_is_found():
    ofd = (CONFORMANCE / "ofdrw" / "hello-integrity.ofd").read_bytes()
    v = verifier(pinned_certificates=[
        yz.TrustedRoot(name="integrity signer", der=pem("ofdrw-integrity-signer.pem"),
                       roles=[yz.TrustRole.STAMP_SIGNER])])
    verdict = v.verify_ofd(ofd, TODAY)
    assert verdict.valid, verdict
    assert verdict.signatures == []
    assert isinstance(verdict.integrity, yz.OfdIntegrityOutcome.VALID)
    assert verdict.integrity.signature.form == "SignedData"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(ofd)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr("Doc_0/Res/smuggled.png", b"\x89PNG")
    smuggled = v.verify_ofd(out.getvalue(), TODAY)
    assert not smuggled.valid
    assert isinstance(smuggled.integrity, yz.OfdIntegrityOutcome.UNLISTED)
    assert smuggled.integrity.files == ["Doc_0/Res/smuggled.png"]
