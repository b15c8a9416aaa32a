#!/usr/bin/env python3
"""Checks the certificate vectors with an independent stack: cbor2 for CBOR, `cryptography`
for Ed25519 and ECDSA P-256, and the COSE Sig_structure built here from RFC 9052.

For every vector expected to be accepted it verifies the issuer signature over the received
protected header and payload, the claims the manifest implies, and that each disclosed item
hashes to a signed digest. For vectors rejected at the signature check it confirms that the
signature indeed fails. Prints 'N passed, N failed'.
"""
import hashlib
import json
import pathlib
import sys

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

HERE = pathlib.Path(__file__).resolve().parent / "certificates"
ED25519_ALGS = {-19, -8}
ES256_ALGS = {-7, -9}
DISCLOSURES = -65537


def load_keys(manifest):
    keys = {}
    for anchor in manifest["trust"]:
        raw = bytes.fromhex(anchor["public_key"])
        if anchor["alg"] == "Ed25519":
            key = ed25519.Ed25519PublicKey.from_public_bytes(raw)
        else:
            key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
        kid = hashlib.sha256(raw).digest()[:8]
        keys[kid] = (anchor, key)
    return keys


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


def check(vector, keys, now):
    data = (HERE / vector["file"]).read_bytes()
    assert data.hex() == vector["hex"], "file differs from manifest hex"
    tag = cbor2.loads(data)
    assert isinstance(tag, cbor2.CBORTag) and tag.tag == 18, "not a tagged COSE_Sign1"
    protected_bytes, unprotected, payload, sig = tag.value
    protected = cbor2.loads(protected_bytes)
    alg, kid = protected[1], protected[4]
    tbs = cbor2.dumps(["Signature1", protected_bytes, b"", payload])
    anchor, key = keys.get(kid, (None, None))
    ok = key is not None and signature_valid(key, alg, tbs, sig)
    expected = vector["expected"]
    if expected["outcome"] == "accept":
        assert ok, "issuer signature does not verify"
        assert protected[16] == "application/yz-cert+cwt"
        claims = cbor2.loads(payload)
        assert claims[1] == anchor["agency"], "iss is not the anchor's agency"
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
        assert not ok, "signature verifies although the vector says it must not"


def main():
    manifest = json.loads((HERE / "manifest.json").read_text(encoding="utf-8"))
    keys = load_keys(manifest)
    passed = failed = 0
    for vector in manifest["vectors"]:
        try:
            check(vector, keys, manifest["time"])
            passed += 1
        except Exception as e:  # noqa: BLE001 - report every vector
            failed += 1
            print(f"FAIL {vector['id']}: {e!r}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
