#!/usr/bin/env python3
"""Makes the X.509 test certificates with Python `cryptography` (OpenSSL underneath), so the
chains yinzheng validates come from a tool independent of the Rust code that checks them.

Run by the vector generator: reads a JSON list of certificate specs on stdin, writes
{"name": {"der": hex, "pem": text}, ...} on stdout. Deterministic: Ed25519 signatures are deterministic and
ECDSA uses RFC 6979 (`ecdsa_deterministic`), so regenerating gives the same bytes.

Spec fields: name, cn, org_id (optional organizationIdentifier), issuer (a name signed
earlier, or null for self-signed), key {"ed25519": seed hex} or {"p256": scalar hex},
serial, not_before, not_after (Unix seconds), ca (true/false, or null for no
basicConstraints), path_len (optional), key_usage (list of "digital_signature",
"key_cert_sign", or null for none), eku (optional list of dotted key-purpose OIDs, e.g. the
yinzheng role OIDs), critical_policy (adds an unsupported critical extension).
"""

import datetime
import json
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID


def private_key(spec):
    if "ed25519" in spec:
        return ed25519.Ed25519PrivateKey.from_private_bytes(bytes.fromhex(spec["ed25519"]))
    return ec.derive_private_key(int(spec["p256"], 16), ec.SECP256R1())


def name(spec):
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
             x509.NameAttribute(NameOID.COMMON_NAME, spec["cn"])]
    if spec.get("org_id"):
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, spec["org_id"]))
    return x509.Name(attrs)


def key_usage(flags):
    return x509.KeyUsage(
        digital_signature="digital_signature" in flags, content_commitment=False,
        key_encipherment=False, data_encipherment=False, key_agreement=False,
        key_cert_sign="key_cert_sign" in flags, crl_sign="key_cert_sign" in flags,
        encipher_only=False, decipher_only=False)


def utc(secs):
    return datetime.datetime.fromtimestamp(secs, datetime.timezone.utc)


def main():
    specs = json.load(sys.stdin)
    made = {}  # name -> (spec, key, certificate)
    out = {}
    for spec in specs:
        key = private_key(spec["key"])
        issuer_spec, issuer_key = spec, key
        if spec.get("issuer"):
            issuer_spec, issuer_key, _ = made[spec["issuer"]]
        builder = (x509.CertificateBuilder()
                   .subject_name(name(spec))
                   .issuer_name(name(issuer_spec))
                   .public_key(key.public_key())
                   .serial_number(spec["serial"])
                   .not_valid_before(utc(spec["not_before"]))
                   .not_valid_after(utc(spec["not_after"])))
        if spec.get("ca") is not None:
            builder = builder.add_extension(
                x509.BasicConstraints(ca=spec["ca"], path_length=spec.get("path_len")),
                critical=True)
        if spec.get("key_usage") is not None:
            builder = builder.add_extension(key_usage(spec["key_usage"]), critical=True)
        if spec.get("eku"):
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([x509.ObjectIdentifier(o) for o in spec["eku"]]),
                critical=False)
        if spec.get("critical_policy"):
            builder = builder.add_extension(
                x509.CertificatePolicies([x509.PolicyInformation(
                    x509.ObjectIdentifier("1.2.156.3005.9"), None)]), critical=True)
        if isinstance(issuer_key, ed25519.Ed25519PrivateKey):
            cert = builder.sign(issuer_key, None)
        else:
            cert = builder.sign(issuer_key, hashes.SHA256(), ecdsa_deterministic=True)
        made[spec["name"]] = (spec, key, cert)
        out[spec["name"]] = {"der": cert.public_bytes(Encoding.DER).hex(),
                             "pem": cert.public_bytes(Encoding.PEM).decode()}
    json.dump(out, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
