#!/usr/bin/env python3
"""Checks the certificate and stamp vectors with an independent stack: cbor2 for CBOR,
`cryptography` for Ed25519, ECDSA P-256 and X.509, and the COSE Sig_structure built here from
RFC 9052.

For every certificate expected to be accepted it finds the issuer key the way the format says
(a trusted key by kid, an X.509 chain in x5chain validated here, or the agency seal the
certificate names), verifies the signature over the received protected header and payload,
the claims the manifest implies, and that each disclosed item hashes to a signed digest. For
vectors rejected at the signature or key checks it confirms that this key resolution or the
signature indeed fails. Stamps: signature, authorisation, seal maker, validity, digest.
Presentations: issuer signature, disclosure digests, and the device signature under the
certificate's cnf key with the time, nonce and audience rules. QR texts: Base45 decoded here,
`YZ2:` inflated by Python's zlib with the preset dictionary, back to the vector's bytes.
Keys and X.509 chains count only for their role (an X.509 leaf must carry the role's key
purpose). The security scenarios are run by check_security.py, imported here.
Prints 'N passed, N failed'.
"""
import hashlib
import json
import zlib
import pathlib
import sys

import datetime

import cbor2
import check_security
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

ROOT = pathlib.Path(__file__).resolve().parent
HERE = ROOT / "certificates"
X5CHAIN = 33
MAX_CHAIN = 5
ROLE_ARC = "2.25.98423080381985072152566409646909312332"
ISSUER, SEAL_MAKER = 1, 2
ED25519_ALGS = {-19, -8}
ES256_ALGS = {-7, -9}
DISCLOSURES = -65537
QR_DICTIONARY = (ROOT.parent / "src" / "encoding" / "qr-dictionary-v1.txt").read_bytes()
BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def from_qr_text(text):
    """RFC 9285 Base45, then zlib (RFC 1950) with the dictionary for YZ2."""
    prefix, body = text[:4], text[4:]
    out = bytearray()
    for i in range(0, len(body), 3):
        group = [BASE45.index(c) for c in body[i : i + 3]]
        n = sum(d * 45**k for k, d in enumerate(group))
        out += n.to_bytes(2 if len(group) == 3 else 1, "big")
    if prefix == "YZ1:":
        return bytes(out)
    assert prefix == "YZ2:", prefix
    inflater = zlib.decompressobj(zdict=QR_DICTIONARY)
    data = inflater.decompress(bytes(out)) + inflater.flush()
    assert inflater.eof and not inflater.unused_data, "zlib stream not exactly complete"
    return data


def public_key(alg, raw):
    if alg in ("Ed25519", -19, -8):
        return ed25519.Ed25519PublicKey.from_public_bytes(raw)
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)


def load_keys(entries, role):
    keys = {}
    for anchor in entries:
        if role not in anchor["roles"]:
            continue
        raw = bytes.fromhex(anchor["public_key"])
        kid = hashlib.sha256(raw).digest()[:8]
        keys[kid] = (anchor, public_key(anchor["alg"], raw))
    return keys


def valid_at(cert, when):
    return cert.not_valid_before_utc <= when <= cert.not_valid_after_utc


def extension(cert, kind):
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def chain_identity(ders, roots, when, role=ISSUER):
    """RFC 5280 checks on a leaf-first chain, for the yinzheng role `role` (the leaf's key
    purposes must include it); returns (leaf key, organizationIdentifier)."""
    if len(ders) > MAX_CHAIN:
        raise ValueError("chain too long")
    certs = [x509.load_der_x509_certificate(d) for d in ders]
    if len(certs) > 1 and certs[-1] in roots:
        certs = certs[:-1]
    subjects = [c.subject for c in certs]
    if len(set(subjects)) != len(subjects):
        raise ValueError("loop")
    known = {x509.BasicConstraints, x509.KeyUsage, x509.ExtendedKeyUsage}
    for i, cert in enumerate(certs):
        if not valid_at(cert, when):
            raise ValueError(f"certificate {i} not valid at the signing time")
        if any(e.critical and type(e.value) not in known for e in cert.extensions):
            raise ValueError(f"certificate {i} has an unknown critical extension")
        bc, ku = extension(cert, x509.BasicConstraints), extension(cert, x509.KeyUsage)
        if i == 0:
            if (bc and bc.ca) or not (ku and ku.digital_signature):
                raise ValueError("leaf constraints")
            eku = extension(cert, x509.ExtendedKeyUsage)
            if not eku or f"{ROLE_ARC}.{role}" not in {o.dotted_string for o in eku}:
                raise ValueError("leaf not marked for the role")
        else:
            if not (bc and bc.ca) or not (ku and ku.key_cert_sign):
                raise ValueError(f"certificate {i} is not a CA")
            if bc.path_length is not None and i - 1 > bc.path_length:
                raise ValueError(f"certificate {i} path length")
    for child, parent in zip(certs, certs[1:]):
        child.verify_directly_issued_by(parent)
    issuers = [r for r in roots if r.subject == certs[-1].issuer]
    if not issuers:
        raise ValueError("untrusted root")
    root = issuers[0]
    certs[-1].verify_directly_issued_by(root)
    if not valid_at(root, when):
        raise ValueError("root not valid")
    rbc = extension(root, x509.BasicConstraints)
    if rbc and rbc.path_length is not None and len(certs) - 1 > rbc.path_length:
        raise ValueError("root path length")
    org = certs[0].subject.get_attributes_for_oid(x509.oid.NameOID.ORGANIZATION_IDENTIFIER)
    return certs[0].public_key(), org[0].value


def utc(secs):
    return datetime.datetime.fromtimestamp(secs, datetime.timezone.utc)


def sign1(data):
    tag = cbor2.loads(data)
    assert isinstance(tag, cbor2.CBORTag) and tag.tag == 18, "not a tagged COSE_Sign1"
    protected_bytes, unprotected, payload, sig = tag.value
    protected = cbor2.loads(protected_bytes)
    tbs = cbor2.dumps(["Signature1", protected_bytes, b"", payload])
    return protected, unprotected, payload, sig, tbs


def seal_maker_name(seal_bytes, makers, roots):
    """The seal's maker (trusted by kid, or by an X.509 chain), if its signature verifies."""
    protected, _, payload, sig, tbs = sign1(seal_bytes)
    seal = cbor2.loads(payload)
    if X5CHAIN in protected:
        chain = protected[X5CHAIN]
        chain = [chain] if isinstance(chain, bytes) else chain
        key, _ = chain_identity(chain, roots, utc(seal[7]), SEAL_MAKER)
        return "x509" if signature_valid(key, protected[1], tbs, sig) else None
    anchor, key = makers.get(protected[4], (None, None))
    return anchor["name"] if key and signature_valid(key, protected[1], tbs, sig) else None


def signature_valid(key, alg, tbs, sig):
    try:
        if alg in ED25519_ALGS and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(sig, tbs)
        elif alg in ES256_ALGS and isinstance(key, ec.EllipticCurvePublicKey) and len(sig) == 64:
            der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
            key.verify(der, tbs, ec.ECDSA(hashes.SHA256()))
        else:
            return False
        return True
    except InvalidSignature:
        return False


def resolve_issuer(protected, claims, ctx):
    """The key and agency the format gives the signer, or an exception saying why not."""
    if X5CHAIN in protected:
        chain = protected[X5CHAIN]
        chain = [chain] if isinstance(chain, bytes) else chain
        key, agency = chain_identity(chain, ctx["roots"], utc(claims[6]))
        return key, agency
    reference = claims[-65537].get(11)
    if reference is not None:
        esid, digest, signer = reference
        seal_bytes = ctx["seals"][esid]
        assert hashlib.sha256(seal_bytes).digest() == digest, "seal digest"
        assert seal_maker_name(seal_bytes, ctx["makers"], ctx["roots"]), "seal maker"
        seal = cbor2.loads(sign1(seal_bytes)[2])
        assert hashlib.sha256(signer).digest() in seal[6], "key not authorised by the seal"
        assert seal[8] <= claims[6] < seal[9], "signed outside the seal's validity"
        return public_key(protected[1], signer), seal[5]
    anchor, key = ctx["keys"][protected[4]]
    return key, anchor["agency"]


def check(vector, ctx, now):
    data = (HERE / vector["file"]).read_bytes()
    assert data.hex() == vector["hex"], "file differs from manifest hex"
    if "qr" in vector:
        assert from_qr_text(vector["qr"]) == data, "QR text does not decode to the bytes"
    protected, unprotected, payload, sig, tbs = sign1(data)
    alg = protected[1]
    claims = cbor2.loads(payload)
    try:
        key, agency = resolve_issuer(protected, claims, ctx)
        resolved = True
    except Exception:  # noqa: BLE001 - any failure to resolve is a rejection
        key, agency, resolved = None, None, False
    ok = key is not None and signature_valid(key, alg, tbs, sig)
    expected = vector["expected"]
    if expected["outcome"] == "accept":
        assert ok, "issuer signature does not verify"
        assert protected[16] == "application/yz-cert+cwt"
        assert claims[1] == agency, "iss is not the certified agency"
        assert claims[5] <= now < claims.get(4, now + 1), "not valid at the manifest time"
        digests = set(claims[-65537].get(10, []))
        names = []
        for item_bytes in unprotected.get(DISCLOSURES, []):
            assert hashlib.sha256(item_bytes).digest() in digests, "disclosure not signed"
            salt, name, _value = cbor2.loads(item_bytes)
            assert len(salt) == 16
            names.append(name)
        assert names == expected["disclosed"], f"disclosed {names}"
    elif expected["failed_check"] == "issuer-signature":
        assert resolved and not ok, "signature verifies although the vector says it must not"
    elif expected["failed_check"] == "issuer-key" and vector["id"].startswith(("x509-", "sealed-")):
        revoked = vector["id"] in ("sealed-seal-revoked", "sealed-seal-suspended")
        # Seal status is read from the status list by the Rust verifier; not re-checked here.
        assert revoked or not (resolved and ok), "the issuer key resolves although it must not"
    elif expected["failed_check"] == "issuer-identity":
        assert ok and claims[1] != agency, "agency matches although it must not"


def check_stamp(vector, ctx, now):
    directory = ROOT / "seals"
    protected, _, payload, sig, tbs = sign1((directory / vector["stamp"]).read_bytes())
    document = (directory / vector["document"]).read_bytes()
    claims = cbor2.loads(payload)
    seal_bytes, signed_at, (digest_alg, digest), _scope, signer = (claims[k] for k in range(1, 6))
    seal = cbor2.loads(sign1(seal_bytes)[2])
    steps = {
        "stamp-signature": lambda: signature_valid(public_key(protected[1], signer), protected[1], tbs, sig),
        "seal-authorisation": lambda: hashlib.sha256(signer).digest() in seal[6],
        "seal-maker": lambda: seal_maker_name(seal_bytes, ctx["makers"], ctx["roots"]) is not None,
        "seal-validity": lambda: seal[8] <= signed_at < seal[9] and signed_at <= now,
        "document-digest": lambda: digest_alg == -16 and hashlib.sha256(document).digest() == digest,
    }
    results = {}
    for name, step in steps.items():
        try:
            results[name] = bool(step())
        except Exception:  # noqa: BLE001
            results[name] = False
    expected = vector["expected"]
    if expected["outcome"] == "accept":
        assert all(results.values()), f"a step fails: {results}"
    elif expected["failed_check"] in results:
        assert not results[expected["failed_check"]], f"{expected['failed_check']} passes"
    # seal-status is read from the status list by the Rust verifier; not re-checked here.


def cose_key(cnf):
    """The public key of a cnf COSE_Key (OKP Ed25519 or compressed EC2 P-256)."""
    key = cnf[1]
    if key[1] == 1:
        return ed25519.Ed25519PublicKey.from_public_bytes(key[-2])
    point = bytes([0x03 if key[-3] else 0x02]) + key[-2]
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)


def check_presentation(vector, keys):
    """Checks 1, 4, 7 and 8 of a presentation vector independently; the failing vectors must
    fail the step they name."""
    data = (ROOT / "presentations" / vector["file"]).read_bytes()
    expected = vector["expected"]
    if "qr" in vector:
        assert from_qr_text(vector["qr"]) == data, "QR text does not decode to the bytes"
    if vector["kind"] == "certificate":
        claims = cbor2.loads(sign1(data)[2])
        assert 8 in claims and expected["failed_check"] == "holder-binding", "bound and shown as itself"
        return
    protected, _, payload, sig, tbs = sign1(data)
    claims = cbor2.loads(payload)
    lifetime_ok = 0 < claims[3] - claims[2] <= 300
    if expected["failed_check"] == "decode":
        assert not lifetime_ok, "decodes although the vector says it must not"
        return
    cert_protected, cert_unprotected, cert_payload, cert_sig, cert_tbs = sign1(claims[1])
    cert = cbor2.loads(cert_payload)
    anchor, issuer_key = keys[cert_protected[4]]
    now = vector["time"]
    steps = {
        "issuer-signature": signature_valid(issuer_key, cert_protected[1], cert_tbs, cert_sig),
        "disclosures": all(
            hashlib.sha256(item).digest() in set(cert[-65537].get(10, []))
            for item in cert_unprotected.get(DISCLOSURES, [])
        ),
        "holder-binding": 8 in cert
        and signature_valid(cose_key(cert[8]), protected[1], tbs, sig)
        and claims[2] <= now < claims[3]
        and (vector["nonce"] is None or claims.get(4) == bytes.fromhex(vector["nonce"]))
        and (vector["audience"] is None or claims.get(5) in (None, vector["audience"]))
        and not vector["replay"],
    }
    if expected["outcome"] == "accept":
        assert all(steps.values()), f"a step fails: {steps}"
        names = [cbor2.loads(item)[1] for item in cert_unprotected.get(DISCLOSURES, [])]
        assert names == expected["disclosed"], f"disclosed {names}"
    elif expected["failed_check"] in steps:
        assert not steps[expected["failed_check"]], f"{expected['failed_check']} passes"
    # status is read from the status list by the Rust verifier; not re-checked here.


def check_bundle(vector, publisher, now):
    """The step at which a trust bundle is refused, found independently; `accept` if none."""
    protected, _, payload, sig, tbs = sign1((ROOT / "bundles" / vector["file"]).read_bytes())
    if protected[16] != "application/yz-trust-bundle+cose":
        step = "wrong-type"
    elif not signature_valid(publisher, protected[1], tbs, sig):
        step = "bad-signature"
    else:
        bundle = cbor2.loads(payload)
        anchors = {hashlib.sha256(k[3]).digest()[:8]: k[3] for k in bundle.get(4, [])}
        makers = {hashlib.sha256(m[2]).digest()[:8] for m in bundle.get(6, [])}
        if bundle[2] > now:
            step = "not-yet-valid"
        elif now >= bundle[3]:
            step = "expired"
        elif not any(bundle.get(k) for k in (4, 5, 6)):
            step = "no-anchors"
        elif any(len(k[3]) != 32 for k in bundle.get(4, [])):
            step = "invalid-key"
        elif any(sign1(seal)[0][4] not in makers for seal in bundle.get(7, [])):
            step = "seal"
        elif any(sign1(token)[0][4] not in anchors for token in bundle.get(8, [])):
            step = "status-list"
        else:
            step = "accept"
    assert step == vector["outcome"], f"independent check says {step}"


def audit_entry(bundle_text, manifest):
    """The entry of a tlog-proof bundle, after checking its Merkle path to the signed
    checkpoint (RFC 9162 §2.1.3.2, C2SP signed-note) with the manifest's vkey alone."""
    import base64
    lines = bundle_text.split("\n")
    assert lines[0] == "c2sp.org/tlog-proof@v1"
    entry = base64.b64decode(lines[1].removeprefix("extra "))
    index = int(lines[2].removeprefix("index "))
    blank = lines.index("", 3)
    proof = [base64.b64decode(h) for h in lines[3:blank]]
    origin, size, root = lines[blank + 1], int(lines[blank + 2]), base64.b64decode(lines[blank + 3])
    body = "\n".join(lines[blank + 1:blank + 4]) + "\n"
    name, key_id, key = manifest["vkey"].split("+")
    signature = base64.b64decode(lines[blank + 5].split(" ")[2])
    assert signature[:4].hex() == key_id
    ed25519.Ed25519PublicKey.from_public_bytes(base64.b64decode(key)[1:]).verify(signature[4:], body.encode())
    node = hashlib.sha256(b"\x00" + entry).digest()
    fn, sn = index, size - 1
    for sibling in proof:
        if fn % 2 == 1 or fn == sn:
            node = hashlib.sha256(b"\x01" + sibling + node).digest()
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            node = hashlib.sha256(b"\x01" + node + sibling).digest()
        fn, sn = fn >> 1, sn >> 1
    assert node == root and origin == manifest["origin"], "inclusion proof"
    return entry


def check_audit_event(vector, manifest):
    """The status registry's events carry the actor_key_id docs/FORMAT.md gives them."""
    entry = audit_entry((ROOT / "audit" / vector["file"]).read_text(encoding="utf-8"), manifest)
    assert int.from_bytes(entry[:2], "big") == 1
    kind, log_time = entry[2], int.from_bytes(entry[3:11], "big")
    actor = entry[43:75]
    subject_len = entry[75]
    subject = entry[76:76 + subject_len]
    at = 76 + subject_len
    digest = entry[at:at + 32]
    attributes = entry[at + 34:at + 34 + int.from_bytes(entry[at + 32:at + 34], "big")]
    assert at + 34 + len(attributes) == len(entry)
    if vector["id"] == "inclusion-status-change":
        assert kind == 2 and actor == hashlib.sha256(b"operator-7").digest()
        fields = cbor2.loads(attributes)
        assert fields[1] == 5 and fields[2] == 1 and fields[5].startswith("https://status.example.gov.cn/jilin/")
        assert digest == hashlib.sha256(subject + attributes + (log_time // 1000).to_bytes(8, "big")).digest()
    else:
        assert kind == 3 and attributes == b""
        signer = ed25519.Ed25519PrivateKey.from_private_bytes(b"\x11" * 32).public_key()
        assert actor == hashlib.sha256(signer.public_bytes_raw()).digest()


def main():
    manifest = json.loads((HERE / "manifest.json").read_text(encoding="utf-8"))
    ctx = {
        "keys": load_keys(manifest["trust"], "issuer"),
        "makers": load_keys(manifest["seal_makers"], "seal-maker"),
        "roots": [x509.load_der_x509_certificate(bytes.fromhex(r["der"])) for r in manifest["x509_roots"]],
        "seals": {},
    }
    for seal_hex in manifest["seals"]:
        seal_bytes = bytes.fromhex(seal_hex)
        ctx["seals"][cbor2.loads(sign1(seal_bytes)[2])[1]] = seal_bytes
    stamps = json.loads((ROOT / "seals" / "manifest.json").read_text(encoding="utf-8"))
    stamp_ctx = {
        "makers": load_keys(stamps["seal_makers"], "seal-maker"),
        "roots": [x509.load_der_x509_certificate(bytes.fromhex(r["der"])) for r in stamps["x509_roots"]],
    }
    passed = failed = 0
    work = [(v, lambda v: check(v, ctx, manifest["time"])) for v in manifest["vectors"]]
    work += [(v, lambda v: check_stamp(v, stamp_ctx, stamps["time"])) for v in stamps["vectors"]]
    shown = json.loads((ROOT / "presentations" / "manifest.json").read_text(encoding="utf-8"))
    shown_keys = load_keys(shown["trust"], "issuer")
    work += [(v, lambda v: check_presentation(v, shown_keys)) for v in shown["vectors"]]
    bundles = json.loads((ROOT / "bundles" / "manifest.json").read_text(encoding="utf-8"))
    publisher = public_key(-19, bytes.fromhex(bundles["publisher_key"]))
    work += [(v, lambda v: check_bundle(v, publisher, bundles["time"])) for v in bundles["vectors"]]
    work += [(s, lambda s, run=run: run()) for s, run in check_security.scenarios()]
    audit = json.loads((ROOT / "audit" / "manifest.json").read_text(encoding="utf-8"))
    work += [(v, lambda v: check_audit_event(v, audit)) for v in audit["vectors"]
             if v["id"] in ("inclusion-status-change", "inclusion-list-published")]
    for vector, run in work:
        try:
            run(vector)
            passed += 1
        except Exception as e:  # noqa: BLE001 - report every vector
            failed += 1
            print(f"FAIL {vector['id']}: {e!r}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
