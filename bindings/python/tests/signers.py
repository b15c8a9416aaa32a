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
