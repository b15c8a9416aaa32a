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
        return v.verify_national_stamp(data, (GM / vector["data"]).read_bytes(), now)

    expected = vector["expected"]
    if expected["outcome"] == "accept":
        verified = run()
        assert verified.seal.picture_format == "SVG"
        assert verified.seal.picture.startswith(b"<svg")
        assert len(verified.report.warnings) == expected["warnings"]
    else:
        with pytest.raises(yz.YinzhengError.Rejected) as e:
            run()
        failed = [c.name for c in e.value.report.checks if c.status == yz.CheckStatus.FAILED]
        assert failed == [expected["failed_check"]]


@pytest.mark.skipif(not CONFORMANCE.is_dir(), reason="conformance set not present")
def test_ofdrw_stamped_ofd_verifies_with_pinned_certificates():
    def pem(name):
        text = (CONFORMANCE / "certs" / name).read_text()
        body = text.split("-----BEGIN CERTIFICATE-----")[1].split("-----END CERTIFICATE-----")[0]
        return base64.b64decode("".join(body.split()))

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
