"""A Python-implemented Ed25519 signer (via `cryptography`), shared by the test modules."""
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

try:
    import yinzheng_ffi as yz
except ImportError:
    import yinzheng as yz


class PySigner(yz.Signer):
    """Signs with the Ed25519 key whose seed is 32 bytes of `byte`."""

    def __init__(self, byte):
        self.key = ed25519.Ed25519PrivateKey.from_private_bytes(bytes([byte]) * 32)

    def algorithm(self):
        return yz.SignatureAlgorithm.ED25519

    def public_key(self):
        return self.key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    def sign(self, message):
        return self.key.sign(message)


class PhoneSigner(yz.Signer):
    """A P-256 key as a phone's secure hardware holds it (ECDSA with SHA-256, raw r‖s)."""

    def __init__(self, scalar_byte):
        from cryptography.hazmat.primitives.asymmetric import ec

        self.key = ec.derive_private_key(int.from_bytes(bytes([scalar_byte]) * 32, "big"), ec.SECP256R1())

    def algorithm(self):
        return yz.SignatureAlgorithm.ES256

    def public_key(self):
        return self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
        )

    def sign(self, message):
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        r, s = decode_dss_signature(self.key.sign(message, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")
