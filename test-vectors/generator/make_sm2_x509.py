#!/usr/bin/env python3
"""Makes the SM2 X.509 test certificates with Python `gmssl` (SM2/SM3) and `asn1crypto` (DER),
so the national chains yinzheng validates come from code independent of the Rust crates that
check them (`sm2`, `der`, `x509-parser`).

Run by the vector generator: reads a JSON list of certificate specs on stdin, writes
{"name": {"der": hex, "pem": text}, ...} on stdout. The specs are those of `make_x509.py`
with the key {"sm2": scalar hex}. Signatures are SM2-with-SM3 (1.2.156.10197.1.501, no
parameters) with the default distinguishing id 1234567812345678, DER SEQUENCE { r, s }.
Deterministic: the signing nonce is SM3(scalar || TBS) reduced into [1, n-1], so
regenerating gives the same bytes.
"""

import datetime
import json
import sys

from asn1crypto import algos, core, keys, pem, x509
from gmssl import sm2, sm3

SM2_WITH_SM3 = "1.2.156.10197.1.501"
SM2_CURVE = "1.2.156.10197.1.301"
N = int(sm2.default_ecc_table["n"], 16)


def sm3_digest(data: bytes) -> bytes:
    return bytes.fromhex(sm3.sm3_hash(list(data)))


class Sm2Key:
    def __init__(self, scalar_hex: str):
        self.scalar = int(scalar_hex, 16)
        if not 1 <= self.scalar < N - 1:
            raise ValueError("SM2 scalar out of range")
        crypt = sm2.CryptSM2(private_key=scalar_hex, public_key="00")
        # gmssl's constructor strips a leading "04" with lstrip, which also eats leading
        # digits of x; the point is therefore set after construction.
        self.point = crypt._kg(self.scalar, sm2.default_ecc_table["g"])
        crypt.public_key = self.point
        self.crypt = crypt

    def public_bytes(self) -> bytes:
        return b"\x04" + bytes.fromhex(self.point)

    def sign(self, message: bytes) -> bytes:
        nonce = int.from_bytes(sm3_digest(self.scalar.to_bytes(32, "big") + message), "big")
        nonce = nonce % (N - 1) + 1
        signature = self.crypt.sign_with_sm3(message, "%064x" % nonce)
        if signature is None:
            raise ValueError("degenerate SM2 nonce")
        r, s = int(signature[:64], 16), int(signature[64:], 16)
        return algos.DSASignature({"r": r, "s": s}).dump()


def name(spec):
    attrs = {"country_name": "CN", "common_name": spec["cn"]}
    if spec.get("org_id"):
        attrs["organization_identifier"] = spec["org_id"]
    return x509.Name.build(attrs, use_printable=False)


def time(secs):
    return x509.Time({"utc_time": datetime.datetime.fromtimestamp(secs, datetime.timezone.utc)})


def extensions(spec):
    out = []
    if spec.get("ca") is not None:
        constraints = {"ca": spec["ca"]}
        if spec.get("path_len") is not None:
            constraints["path_len_constraint"] = spec["path_len"]
        out.append({"extn_id": "basic_constraints", "critical": True,
                    "extn_value": constraints})
    if spec.get("key_usage") is not None:
        usage = set()
        if "digital_signature" in spec["key_usage"]:
            usage.add("digital_signature")
        if "key_cert_sign" in spec["key_usage"]:
            usage |= {"key_cert_sign", "crl_sign"}
        out.append({"extn_id": "key_usage", "critical": True, "extn_value": usage})
    if spec.get("eku"):
        out.append({"extn_id": "extended_key_usage", "critical": False,
                    "extn_value": spec["eku"]})
    return out


def main():
    specs = json.load(sys.stdin)
    made = {}  # name -> (spec, key)
    out = {}
    for spec in specs:
        key = Sm2Key(spec["key"]["sm2"])
        issuer_spec, issuer_key = spec, key
        if spec.get("issuer"):
            issuer_spec, issuer_key = made[spec["issuer"]]
        public_key = keys.PublicKeyInfo({
            "algorithm": {"algorithm": "ec", "parameters": ("named", SM2_CURVE)},
            "public_key": key.public_bytes(),
        })
        tbs = x509.TbsCertificate({
            "version": "v3",
            "serial_number": spec["serial"],
            "signature": {"algorithm": SM2_WITH_SM3},
            "issuer": name(issuer_spec),
            "validity": {"not_before": time(spec["not_before"]),
                         "not_after": time(spec["not_after"])},
            "subject": name(spec),
            "subject_public_key_info": public_key,
            "extensions": extensions(spec),
        })
        certificate = x509.Certificate({
            "tbs_certificate": tbs,
            "signature_algorithm": {"algorithm": SM2_WITH_SM3},
            "signature_value": issuer_key.sign(tbs.dump()),
        })
        der = certificate.dump()
        # asn1crypto must have written what it was given: parse back and compare.
        if x509.Certificate.load(der).dump(force=True) != der:
            raise ValueError(f"{spec['name']}: not DER")
        made[spec["name"]] = (spec, key)
        out[spec["name"]] = {"der": der.hex(),
                             "pem": pem.armor("CERTIFICATE", der).decode()}
    json.dump(out, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
