#!/usr/bin/env python3
"""Checks test-vectors/gm/ with code independent of yinzheng: asn1crypto parses the GB/T 38540
structures and GB/T 35275 SignedData (and must write them back byte for byte, so they are
DER), gmssl computes SM3 and verifies the SM2 signatures, and OpenSSL 3 verifies every one of
those signatures and certificates again (`pkeyutl -verify -rawin -digest sm3 -pkeyopt
distid:1234567812345678`, `verify -vfyopt distid:…`). OFD packages are read with zipfile and
ElementTree: every reference's SM3 check value, a listing changed only by later signatures,
the stamp or SignedData over each Signature.xml, its propertyInfo and Seal.esl, and for the
e-licence the attached certificate (cbor2 + cryptography Ed25519) covered by a signature. Each
vector must get its manifest verdict, failing at the listed check, in the GB/T 38540 order.
Usage: python3 test-vectors/check_gm.py
"""

import base64
import datetime
import io
import json
import pathlib
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zipfile

import cbor2
from asn1crypto import algos, cms, core, pem, x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519
from gmssl import sm2, sm3

DIR = pathlib.Path(__file__).resolve().parent / "gm"
SM2_WITH_SM3 = "1.2.156.10197.1.501"
DISTID = "1234567812345678"
ROLE_OID = "2.25.98423080381985072152566409646909312332."
ROLE_NUMBERS = {"seal-maker": 2, "stamp-signer": 5}


# --- GB/T 38540-2020 version 4, as asn1crypto schemas ---------------------------------------

class Header(core.Sequence):
    _fields = [("id", core.IA5String), ("version", core.Integer), ("vid", core.IA5String)]


class PropertyInfo(core.Sequence):
    _fields = [("type", core.Integer), ("name", core.UTF8String),
               ("cert_list_type", core.Integer), ("cert_list", core.Any),
               ("create_date", core.GeneralizedTime), ("valid_start", core.GeneralizedTime),
               ("valid_end", core.GeneralizedTime)]


class Certificates(core.SequenceOf):
    _child_spec = core.OctetString


class CertDigest(core.Sequence):
    _fields = [("type", core.PrintableString), ("value", core.OctetString)]


class CertDigests(core.SequenceOf):
    _child_spec = CertDigest


class Picture(core.Sequence):
    _fields = [("type", core.IA5String), ("data", core.OctetString),
               ("width", core.Integer), ("height", core.Integer)]


class ExtData(core.Sequence):
    _fields = [("extn_id", core.ObjectIdentifier),
               ("critical", core.Boolean, {"default": False}),
               ("extn_value", core.OctetString)]


class ExtDatas(core.SequenceOf):
    _child_spec = ExtData


class SealInfo(core.Sequence):
    _fields = [("header", Header), ("es_id", core.IA5String), ("property", PropertyInfo),
               ("picture", Picture), ("ext_datas", ExtDatas, {"optional": True})]


class SESeal(core.Sequence):
    _fields = [("info", SealInfo), ("cert", core.OctetString),
               ("sign_alg", core.ObjectIdentifier), ("signed_value", core.OctetBitString)]


class TBSSign(core.Sequence):
    _fields = [("version", core.Integer), ("eseal", SESeal),
               ("time_info", core.GeneralizedTime), ("data_hash", core.OctetBitString),
               ("property_info", core.IA5String),
               ("ext_datas", ExtDatas, {"explicit": 0, "optional": True})]


class SESSignature(core.Sequence):
    _fields = [("to_sign", TBSSign), ("cert", core.OctetString),
               ("sig_alg", core.ObjectIdentifier), ("signature", core.OctetBitString),
               ("time_stamp", core.OctetBitString, {"explicit": 0, "optional": True})]


class GmContentInfo(core.Sequence):
    """GB/T 35275 ContentInfo: the GM signedData OID around a PKCS#7 SignedData."""
    _fields = [("content_type", core.ObjectIdentifier),
               ("content", cms.SignedData, {"explicit": 0})]


GM_SIGNED_DATA, GM_DATA = "1.2.156.10197.6.1.4.2.2", "1.2.156.10197.6.1.4.2.1"
SM3_OID, SM2_SIGN = "1.2.156.10197.1.401", "1.2.156.10197.1.301.1"


class Failed(Exception):
    def __init__(self, check, why):
        super().__init__(f"{check}: {why}")
        self.check = check


# --- SM2 with gmssl, and again with OpenSSL -------------------------------------------------

def sm3_digest(data: bytes) -> bytes:
    return bytes.fromhex(sm3.sm3_hash(list(data)))


def public_point(cert: x509.Certificate) -> str:
    info = cert.public_key
    if info["algorithm"]["parameters"].chosen.dotted != "1.2.156.10197.1.301":
        raise ValueError("not an SM2 key")
    point = info["public_key"].native
    if len(point) != 65 or point[0] != 4:
        raise ValueError("not an uncompressed point")
    return point[1:].hex()


def gmssl_verifies(cert: x509.Certificate, message: bytes, signature: bytes) -> bool:
    crypt = sm2.CryptSM2(private_key="00", public_key="00")
    crypt.public_key = public_point(cert)  # set after: the constructor's lstrip eats digits
    try:
        rs = algos.DSASignature.load(signature, strict=True)
    except ValueError:
        return False
    r, s = rs["r"].native, rs["s"].native
    n = int(sm2.default_ecc_table["n"], 16)
    if not (0 < r < n and 0 < s < n):
        return False
    return bool(crypt.verify_with_sm3("%064x%064x" % (r, s), message))


OPENSSL_CALLS = [0]


def openssl_verifies(cert: x509.Certificate, message: bytes, signature: bytes) -> bool:
    OPENSSL_CALLS[0] += 1
    with tempfile.TemporaryDirectory() as tmp:
        t = pathlib.Path(tmp)
        (t / "key.pem").write_bytes(pem.armor("PUBLIC KEY", cert.public_key.dump()))
        (t / "msg").write_bytes(message)
        (t / "sig").write_bytes(signature)
        run = subprocess.run(
            ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(t / "key.pem"),
             "-rawin", "-digest", "sm3", "-pkeyopt", f"distid:{DISTID}",
             "-in", str(t / "msg"), "-sigfile", str(t / "sig")],
            capture_output=True)
        return run.returncode == 0


def verifies(cert, message, signature) -> bool:
    ours, theirs = gmssl_verifies(cert, message, signature), openssl_verifies(cert, message, signature)
    if ours != theirs:
        raise AssertionError(f"gmssl says {ours}, OpenSSL says {theirs}")
    return ours


def openssl_chain_verifies(root_pem: bytes, leaf_der: bytes, at: int) -> bool:
    OPENSSL_CALLS[0] += 1
    with tempfile.TemporaryDirectory() as tmp:
        t = pathlib.Path(tmp)
        (t / "root.pem").write_bytes(root_pem)
        (t / "leaf.pem").write_bytes(pem.armor("CERTIFICATE", leaf_der))
        run = subprocess.run(
            ["openssl", "verify", "-vfyopt", f"distid:{DISTID}", "-attime", str(at),
             "-CAfile", str(t / "root.pem"), str(t / "leaf.pem")], capture_output=True)
        return run.returncode == 0


# --- the GB/T 38540 checks ------------------------------------------------------------------

def load_der(spec, data: bytes, what: str):
    try:
        value = spec.load(data, strict=True)
        value.native  # parse every element
        if value.dump(force=True) != data:
            raise ValueError("not DER: re-encoding differs")
        return value
    except (ValueError, TypeError) as e:
        raise Failed("decode", f"{what}: {e}")


def unix(t: datetime.datetime) -> int:
    return int(t.timestamp())


def chain(check, cert_der: bytes, role: str, at: int, roots):
    try:
        cert = x509.Certificate.load(cert_der, strict=True)
        public_point(cert)
    except ValueError as e:
        raise Failed(check, f"certificate: {e}")
    validity = cert["tbs_certificate"]["validity"]
    if not unix(validity["not_before"].native) <= at <= unix(validity["not_after"].native):
        raise Failed(check, "certificate not valid at the time")
    purposes = cert.extended_key_usage_value
    if purposes is None or ROLE_OID + str(ROLE_NUMBERS[role]) not in [p.dotted for p in purposes]:
        raise Failed(check, f"certificate not marked for {role}")
    for root, root_pem, roles in roots:
        if root.subject.dump() != cert.issuer.dump():
            continue
        tbs = cert["tbs_certificate"].dump()
        if cert["signature_algorithm"]["algorithm"].dotted != SM2_WITH_SM3:
            raise Failed(check, "not signed with SM2-with-SM3")
        if not verifies(root, tbs, cert["signature_value"].native):
            raise Failed(check, "certificate signature")
        if not openssl_chain_verifies(root_pem, cert_der, at):
            raise AssertionError("OpenSSL refuses a chain gmssl accepts")
        if role not in roles:
            raise Failed(check, f"root not trusted for {role}")
        return cert
    raise Failed(check, "untrusted root")


def check_seal(seal: SESeal, roots, now):
    """10c: the maker's signature and certificate; returns (valid_start, valid_end)."""
    if seal["sign_alg"].dotted != SM2_WITH_SM3:
        raise Failed("seal-maker", "algorithm")
    prop = seal["info"]["property"]
    created = unix(prop["create_date"].native)
    maker = chain("seal-maker", seal["cert"].native, "seal-maker", created, roots)
    if not verifies(maker, seal["info"].dump(), seal["signed_value"].native):
        raise Failed("seal-maker", "maker signature")
    return unix(prop["valid_start"].native), unix(prop["valid_end"].native)


def lists(prop: PropertyInfo, cert_der: bytes) -> bool:
    raw = prop["cert_list"].dump()
    if prop["cert_list_type"].native == 1:
        return any(c.native == cert_der for c in Certificates.load(raw, strict=True))
    if prop["cert_list_type"].native == 2:
        return any(d["type"].native.upper() == "SM3" and d["value"].native == sm3_digest(cert_der)
                   for d in CertDigests.load(raw, strict=True))
    return False


def verify(vector, roots, now, issuer):
    data = (DIR / vector["file"]).read_bytes()
    kind = vector["kind"]
    if kind == "ofd":
        check_ofd(data, roots, now)
    elif kind == "licence":
        check_licence(data, roots, now, issuer)
    elif kind == "sign":
        document = (DIR / vector["data"]).read_bytes()
        check_signed_data(data, document, vector["signed_at"], roots, now)
    elif kind == "seal":
        seal = load_der(SESeal, data, "SESeal")
        start, end = check_seal(seal, roots, now)
        if not start <= now <= end:
            raise Failed("seal-validity", "outside the seal's validity")
    else:
        check_stamp(data, (DIR / vector["data"]).read_bytes(), roots, now)


def check_signed_data(value: bytes, document: bytes, signed_at: int, roots, now):
    """GB/T 35275: content = SM3(document), each signer's SM2 signature over the content under
    the certificate it names by issuer and serial, trusted for stamp signing at `signed_at`."""
    info = load_der(GmContentInfo, value, "SignedData")
    if info["content_type"].dotted != GM_SIGNED_DATA:
        raise Failed("decode", "not GM signedData")
    signed = info["content"]
    if signed["version"].native != "v1" or [a["algorithm"].dotted for a in
                                              signed["digest_algorithms"]] != [SM3_OID]:
        raise Failed("decode", "version or digest algorithms")
    encap = signed["encap_content_info"]
    if encap["content_type"].dotted != GM_DATA:
        raise Failed("decode", "content type")
    content = encap["content"]
    # An unknown content type leaves the [0] content as Any: it must hold an OCTET STRING.
    content = content.parsed.native if isinstance(content, core.Any) else content.native
    if not isinstance(content, bytes):
        raise Failed("decode", "content is not an OCTET STRING")
    certs = [c.chosen for c in signed["certificates"]]
    signers = list(signed["signer_infos"])
    if not signers:
        raise Failed("decode", "no signer")
    found = []
    for signer in signers:
        sid = signer["sid"].chosen
        if signer["version"].native != "v1" or signer["signed_attrs"].native is not None:
            raise Failed("decode", "signer version or signed attributes")
        if signer["digest_algorithm"]["algorithm"].dotted != SM3_OID or \
                signer["signature_algorithm"]["algorithm"].dotted not in (SM2_SIGN, SM2_WITH_SM3):
            raise Failed("decode", "signer algorithms")
        cert = next((c for c in certs if c.issuer.dump() == sid["issuer"].dump()
                     and c.serial_number == sid["serial_number"].native), None)
        if cert is None:
            raise Failed("stamp-signature", "no certificate for the signer")
        if not verifies(cert, content, signer["signature"].native):
            raise Failed("stamp-signature", "signer signature")
        found.append(cert)
    if signed_at > now:
        raise Failed("validity", "signed after the verification time")
    for cert in found:
        chain("signer-certificate", cert.dump(), "stamp-signer", signed_at, roots)
    if content != sm3_digest(document):
        raise Failed("document-digest", "content is not SM3 of the data")


# --- OFD packages (GB/T 33190 §18), read with zipfile and ElementTree -----------------------

OFD = "{http://www.ofdspec.org/2016}"


def ofd_files(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = [i.filename for i in z.infolist() if not i.is_dir()]
        if len(names) != len(set(names)):
            raise Failed("malformed", "duplicate names")
        return {n: z.read(n) for n in names}


def resolve(base: str, location: str) -> str:
    parts = [] if location.startswith("/") else [p for p in base.split("/") if p]
    for segment in location.strip().lstrip("/").split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            parts.pop()
        else:
            parts.append(segment)
    return "/".join(parts)


def directory(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def beijing_time(text: str) -> int:
    """`YYYY-MM-DD HH:MM:SS` with no zone is China Standard Time, as OFD writers mean it."""
    local = datetime.datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S")
    return unix(local.replace(tzinfo=datetime.timezone(datetime.timedelta(hours=8))))


def without_later_entries(listing: bytes, index: int) -> bytes:
    """Signatures.xml as it was before the entries after `index` were appended."""
    starts = [m.start() for m in re.finditer(rb"<(?:\w+:)?Signature\b", listing)]
    if index + 1 >= len(starts):
        return listing
    return listing[:starts[index + 1]] + listing[listing.rindex(b"</"):]


def check_ofd_signature(files, list_path, index, entry, roots, now):
    path = resolve(directory(list_path), entry.get("BaseLoc"))
    xml = files[path]
    signature = ET.fromstring(xml)
    info = signature.find(OFD + "SignedInfo")
    refs = info.find(OFD + "References")
    if refs.get("CheckMethod") not in ("SM3", SM3_OID):
        raise Failed("malformed", "check method")
    for ref in refs.findall(OFD + "Reference"):
        target = resolve(directory(path), ref.get("FileRef"))
        stored = base64.b64decode(ref.find(OFD + "CheckValue").text.strip())
        if target not in files:
            raise Failed("malformed", f"{target} missing")
        if sm3_digest(files[target]) == stored:
            continue
        if target == list_path and sm3_digest(without_later_entries(files[target], index)) == stored:
            continue
        raise Failed("references", f"{target} changed")
    value = files[resolve(directory(path), signature.find(OFD + "SignedValue").text)]
    if entry.get("Type", "Seal") == "Sign":
        signed_at = beijing_time(info.find(OFD + "SignatureDateTime").text)
        check_signed_data(value, xml, signed_at, roots, now)
        return
    stamp = check_stamp(value, xml, roots, now)
    if stamp["to_sign"]["property_info"].native != "/" + path:
        raise Failed("inconsistent", "propertyInfo names another file")
    seal = info.find(OFD + "Seal/" + OFD + "BaseLoc")
    if seal is not None and files[resolve(directory(path), seal.text)] != \
            stamp["to_sign"]["eseal"].dump():
        raise Failed("inconsistent", "the stamp's seal is not Seal.esl")


def check_ofd(data: bytes, roots, now):
    """Every signature of every document; returns the package's files and the signed paths."""
    files = ofd_files(data)
    root = ET.fromstring(files["OFD.xml"])
    covered, count = set(), 0
    for body in root.findall(OFD + "DocBody"):
        listed = body.find(OFD + "Signatures")
        if listed is None:
            continue
        list_path = resolve("", listed.text)
        entries = ET.fromstring(files[list_path]).findall(OFD + "Signature")
        for index, entry in enumerate(entries):
            check_ofd_signature(files, list_path, index, entry, roots, now)
            count += 1
            sig_path = resolve(directory(list_path), entry.get("BaseLoc"))
            refs = ET.fromstring(files[sig_path]).find(OFD + "SignedInfo/" + OFD + "References")
            covered |= {resolve(directory(sig_path), r.get("FileRef")) for r in refs}
    if count == 0:
        raise Failed("unsigned", "no signature")
    return files, covered


def check_licence(data: bytes, roots, now, issuer):
    """An e-licence: the OFD's signatures, one covering the attached certificate, whose COSE
    signature verifies (cbor2 + cryptography) under the agency key, `iss` that agency."""
    files, covered = check_ofd(data, roots, now)
    document = ET.fromstring(files["Doc_0/Document.xml"])
    listing = resolve("Doc_0", document.find(OFD + "Attachments").text)
    attachments = ET.fromstring(files[listing]).findall(OFD + "Attachment")
    attached = [resolve(directory(listing), a.find(OFD + "FileLoc").text)
                for a in attachments if a.get("Name") == "certificate.cwt"]
    if not attached or attached[0] not in covered:
        raise Failed("licence", "no signature covers the attached certificate")
    tag = cbor2.loads(files[attached[0]])
    protected_bytes, _, payload, sig = tag.value
    tbs = cbor2.dumps(["Signature1", protected_bytes, b"", payload])
    key = ed25519.Ed25519PublicKey.from_public_bytes(bytes.fromhex(issuer["public_key"]))
    try:
        key.verify(sig, tbs)
    except InvalidSignature:
        raise Failed("licence", "the attached certificate's signature")
    if cbor2.loads(payload)[1] != issuer["agency"]:
        raise Failed("licence", "the certificate's issuer")


def check_stamp(data: bytes, document: bytes, roots, now):
    """A GB/T 38540 stamp over `document`, in the standard's order; returns it."""
    stamp = load_der(SESSignature, data, "SES_Signature")
    signer_der = stamp["cert"].native
    try:
        signer = x509.Certificate.load(signer_der, strict=True)
        public_point(signer)
    except ValueError as e:
        raise Failed("signer-certificate", str(e))
    to_sign = stamp["to_sign"]
    if stamp["sig_alg"].dotted != SM2_WITH_SM3 or not verifies(
            signer, to_sign.dump(), stamp["signature"].native):
        raise Failed("stamp-signature", "signer signature")
    seal = to_sign["eseal"]
    if not lists(seal["info"]["property"], signer_der):
        raise Failed("seal-authorisation", "signer not listed in the seal")
    start, end = check_seal(seal, roots, now)
    signed_at = unix(to_sign["time_info"].native)
    if not (start <= signed_at <= end and signed_at <= now):
        raise Failed("seal-validity", "signed outside the seal's validity")
    chain("signer-certificate", signer_der, "stamp-signer", signed_at, roots)
    if to_sign["data_hash"].native != sm3_digest(document):
        raise Failed("document-digest", "dataHash is not SM3 of the data")
    return stamp


def main():
    manifest = json.loads((DIR / "manifest.json").read_text(encoding="utf-8"))
    now = manifest["time"]
    roots = []
    for entry in manifest["x509_roots"]:
        der = bytes.fromhex(entry["der"])
        roots.append((x509.Certificate.load(der), pem.armor("CERTIFICATE", der), entry["roles"]))
    failures, checks = [], set()
    for v in manifest["vectors"]:
        expected = v["expected"]
        try:
            verify(v, roots, now, manifest["licence_issuer"])
            got = "accept"
        except Failed as f:
            got = f"reject at {f.check} ({f})"
            if expected["outcome"] == "reject" and f.check == expected["failed_check"]:
                checks.add(f.check)
                continue
        if got == "accept" and expected["outcome"] == "accept":
            continue
        failures.append(f"{v['id']}: expected {expected}, got {got}")
    for f in failures:
        print("FAIL", f)
    if failures:
        sys.exit(1)
    print(f"{len(manifest['vectors'])} national vectors agree (failing checks covered: "
          f"{', '.join(sorted(checks))}; {OPENSSL_CALLS[0]} OpenSSL verifications)")


if __name__ == "__main__":
    main()
