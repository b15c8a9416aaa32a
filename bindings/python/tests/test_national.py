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


def vector_verifier():
    issuer = MANIFEST["licence_issuer"]
    return verifier(
        x509_roots=[
            yz.TrustedRoot(name=r["name"], der=bytes.fromhex(r["der"]), roles=roles(r["roles"]))
            for r in MANIFEST["x509_roots"]
        ],
        issuer_keys=[yz.TrustedIssuerKey(
            name=issuer["name"], agency_code=issuer["agency"],
            algorithm=yz.SignatureAlgorithm.ED25519,
            public_key=bytes.fromhex(issuer["public_key"]), roles=roles(issuer["roles"]))],
    )


NOW = datetime.datetime.fromtimestamp(MANIFEST["time"], tz=datetime.timezone.utc)


def ofd_reason(verdict):
    """The manifest's name for why an OFD is not valid (the first signature that fails)."""
    for s in verdict.signatures:
        if s.stands:
            continue
        if isinstance(s.outcome, yz.OfdSignatureOutcome.REFERENCES_CHANGED):
            return "references"
        if isinstance(s.outcome, yz.OfdSignatureOutcome.REJECTED):
            return [c.name for c in s.outcome.report.checks
                    if c.status == yz.CheckStatus.FAILED][0]
        return repr(s.outcome)
    return "unsigned"


@pytest.mark.parametrize("vector", MANIFEST["vectors"], ids=lambda v: v["id"])
def test_national_vector(vector):
    v = vector_verifier()
    now = NOW
    data = (GM / vector["file"]).read_bytes()
    expected = vector["expected"]
    if vector["kind"] == "ofd":
        verdict = v.verify_ofd(data, now)
        if expected["outcome"] == "accept":
            assert verdict.valid, verdict
        else:
            assert not verdict.valid
            assert ofd_reason(verdict) == expected["failed_check"]
        return
    if vector["kind"] == "licence":
        if expected["outcome"] == "accept":
            licence = v.verify_ofd_licence(data, now)
            assert licence.document.valid
            assert licence.certificate.certificate.holder_name == "福州示例科技有限公司"
        else:
            assert ofd_reason(v.verify_ofd(data, now)) == expected["failed_check"]
            with pytest.raises(yz.YinzhengError.InvalidInput):
                v.verify_ofd_licence(data, now)
        return

    def run():
        if vector["kind"] == "seal":
            return v.verify_national_seal(data, now)
        signed = (GM / vector["data"]).read_bytes()
        if vector["kind"] == "sign":
            at = datetime.datetime.fromtimestamp(vector["signed_at"], tz=datetime.timezone.utc)
            return v.verify_ofd_signed_value(data, signed, at, now)
        return v.verify_national_stamp(data, signed, now)

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
    # The list's signature holds and nothing is smuggled in; a list alone names files, not
    # digests, so the document itself is not called valid.
    assert not verdict.valid
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


class Sm2Signer(yz.Signer):
    """A foreign signer over an in-memory SM2 key (a UKey or HSM would sit here)."""

    def __init__(self, key):
        self.key = key

    def algorithm(self):
        return yz.SignatureAlgorithm.SM2_SM3

    def public_key(self):
        return self.key.public_key()

    def sign(self, message):
        return self.key.sign(message)


def vector_cert(name):
    text = (GM / f"{name}.pem").read_text()
    body = text.split("-----BEGIN CERTIFICATE-----")[1].split("-----END CERTIFICATE-----")[0]
    return base64.b64decode("".join(body.split()))


def test_seals_stamps_and_ofds_made_from_python_verify():
    # The vector certificates' keys are the scalars their specs give (0x72 maker, 0x73 signer).
    maker = Sm2Signer(yz.Sm2Key.from_bytes(bytes([0x72] * 32)))
    signer = Sm2Signer(yz.Sm2Key.from_bytes(bytes([0x73] * 32)))
    assert len(maker.public_key()) == 65
    start = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
    seal = yz.make_national_seal(yz.NationalSealDraft(
        vendor="yinzheng", id="22010000000000000009", kind_code=1, name="测试专用章",
        signer_certificates=[vector_cert("sm2-signer")], created=start, valid_from=start,
        valid_until=datetime.datetime(2028, 1, 1, tzinfo=datetime.timezone.utc),
        picture_format="SVG", picture=b"<svg/>", width_mm=40, height_mm=40),
        vector_cert("sm2-maker"), maker)
    v = vector_verifier()
    assert v.verify_national_seal(seal, NOW).seal.name == "测试专用章"
    at = NOW - datetime.timedelta(days=1)
    stamp = yz.make_national_stamp(seal, b"signed data", "/doc", at, vector_cert("sm2-signer"),
                                   signer)
    assert v.verify_national_stamp(stamp, b"signed data", NOW).property_info == "/doc"
    with pytest.raises(yz.YinzhengError.Rejected):
        v.verify_national_stamp(stamp, b"other data", NOW)

    document = yz.make_ofd("通知（测试）", "2026-10-01", [[
        yz.OfdTextLine(x_mm=25, y_mm=40, size_mm=5, text="通知"),
        yz.OfdTextLine(x_mm=25, y_mm=50, size_mm=5, text="经审查，准予许可。"),
    ]])
    stamped = yz.stamp_ofd(document, seal, yz.StampPlacement(
        page=0, x_mm=140, y_mm=230, width_mm=40, height_mm=40), at, vector_cert("sm2-signer"),
        signer)
    signed = yz.sign_ofd(stamped, at, vector_cert("sm2-signer"), signer)
    verdict = v.verify_ofd(signed, NOW)
    assert verdict.valid, verdict
    kinds = [type(s.outcome.signed) for s in verdict.signatures]
    assert kinds == [yz.OfdSigned.STAMP, yz.OfdSigned.SIGNATURE]
    # Python's own zipfile reads what we wrote, and finds the stamp's files.
    with zipfile.ZipFile(io.BytesIO(signed)) as z:
        assert "Doc_0/Signs/Sign_0/Seal.esl" in z.namelist()
        assert z.read("Doc_0/Signs/Sign_0/Seal.esl") == seal
    with pytest.raises(yz.YinzhengError.InvalidInput):
        yz.stamp_ofd(document, seal, yz.StampPlacement(
            page=3, x_mm=0, y_mm=0, width_mm=40, height_mm=40), at,
            vector_cert("sm2-signer"), signer)


def test_a_verified_certificate_renders_as_an_e_licence():
    licence = (GM / "licence-stamped.ofd").read_bytes()
    v = vector_verifier()
    verified = v.verify_ofd_licence(licence, NOW)
    with zipfile.ZipFile(io.BytesIO(licence)) as z:
        attached = z.read("Doc_0/Attachs/certificate.cwt")
    # Rendering the attached certificate again gives the unstamped document the vector
    # stamped: the same face, the same attachment.
    rendered = v.render_ofd_licence(attached, NOW)
    with zipfile.ZipFile(io.BytesIO(rendered)) as z:
        assert z.read("Doc_0/Attachs/certificate.cwt") == attached
        page = z.read("Doc_0/Pages/Page_0/Content.xml").decode()
    assert verified.certificate.certificate.holder_name in page


def pinned_ofdrw(*names):
    role = {"ofdrw-seal-maker.pem": yz.TrustRole.SEAL_MAKER}
    return verifier(pinned_certificates=[
        yz.TrustedRoot(name=n, der=pem(n), roles=[role.get(n, yz.TrustRole.STAMP_SIGNER)])
        for n in names])


# Every OFD of the conformance set, with the verdict its README lists (the same as the Rust
# suite's tests/gm_conformance.rs): (file, pinned certificates, valid?, the outcomes by kind).
CONFORMANCE_OFDS = [
    ("ofdrw/V4RideRight.ofd", ("ofdrw-seal-maker.pem", "ofdrw-user.pem"), True, ["VALID"]),
    ("ofdrw/allprotected.ofd", ("ofdrw-seal-maker.pem", "ofdrw-user.pem"), True, ["VALID"]),
    ("ofdrw/SESV4SignDoc.ofd", ("ofdrw-seal-maker.pem", "ofdrw-user.pem"), False, ["REJECTED"]),
    ("ofdrw/h.ofd", ("ofdrw-seal-maker.pem", "ofdrw-user.pem"), True,
     ["CHANGED_BY_LATER_SIGNATURE", "VALID"]),
    ("ofdrw/DigitalSign.ofd", ("ofdrw-seal-maker.pem", "ofdrw-user.pem"), True, ["VALID"]),
    ("ofdrw/DigitalSign.ofd", ("ofdrw-seal-maker.pem",), False, ["REJECTED"]),
    ("ofdrw/hello-integrity.ofd", ("ofdrw-integrity-signer.pem",), False, []),
    ("vendor/tax-bureau-seal.ofd", ("ofdrw-seal-maker.pem",), False, ["REJECTED"]),
    ("vendor/shandong-seal-modified.ofd", ("ofdrw-seal-maker.pem",), False, ["REFERENCES_CHANGED", "REFERENCES_CHANGED"]),
]


@pytest.mark.skipif(not CONFORMANCE.is_dir(), reason="conformance set not present")
@pytest.mark.parametrize("case", CONFORMANCE_OFDS, ids=lambda c: f"{c[0]}-{len(c[1])}")
def test_conformance_ofd_gets_its_listed_verdict(case):
    file, pins, valid, outcomes = case
    verdict = pinned_ofdrw(*pins).verify_ofd((CONFORMANCE / file).read_bytes(), TODAY)
    assert verdict.valid == valid, verdict
    got = [type(s.outcome) for s in verdict.signatures]
    assert got == [getattr(yz.OfdSignatureOutcome, o) for o in outcomes], verdict
    if file.endswith("SESV4SignDoc.ofd"):
        failed = [c.name for c in verdict.signatures[0].outcome.report.checks
                  if c.status == yz.CheckStatus.FAILED]
        assert failed == ["seal-validity"]
    if file.startswith("vendor/tax"):
        # The signature and the seal verify; only the maker's root is not held.
        assert "seal maker certificate chain" in verdict.signatures[0].outcome.reason
        assert any("critical=FALSE" in w for w in verdict.signatures[0].outcome.report.warnings)
