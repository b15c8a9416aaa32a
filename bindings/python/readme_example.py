"""The README's Python example: verify a certificate file offline in three lines.

Usage: python readme_example.py CERTIFICATE.cbor   (with the wheel installed)
"""
import datetime
import sys

import yinzheng

# The agency's key, as a verifier would get it from a trust bundle (here: the test vectors').
anchor = yinzheng.TrustedIssuerKey(
    name="吉林省 test anchor",
    agency_code="11220000013544541J",
    algorithm=yinzheng.SignatureAlgorithm.ED25519,
    public_key=bytes.fromhex("d04ab232742bb4ab3a1368bd4615e4e6d0224ab71a016baf8520a332c9778737"),
    roles=[yinzheng.TrustRole.ISSUER, yinzheng.TrustRole.STATUS_LISTS],
)
at = datetime.datetime(2026, 11, 21, 2, tzinfo=datetime.timezone.utc)

# --- the three lines ---
verifier = yinzheng.Verifier(anchors=[anchor], policy=yinzheng.VerifierPolicy())
verified = verifier.verify_certificate(open(sys.argv[1], "rb").read(), at)
print(verified.certificate.holder_name, verified.certificate.number, "\n" + verified.report.text)
