//! Software signing keys. Secrets are zeroized on drop (the wrapped `ed25519-dalek` and
//! `p256` keys implement `ZeroizeOnDrop`), and `Debug` never prints them.

use core::fmt;

use zeroize::Zeroizing;

use super::{CryptoError, PublicKey, RandomError, RandomSource, SignError, Signer};

/// An Ed25519 private key held in memory.
pub struct Ed25519SigningKey(pub(super) ed25519_dalek::SigningKey);

impl Ed25519SigningKey {
    /// The key for a 32-byte seed (RFC 8032 private key).
    #[must_use]
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self(ed25519_dalek::SigningKey::from_bytes(seed))
    }

    /// A fresh key from `rng`.
    ///
    /// # Errors
    /// [`RandomError`] if the random source fails.
    pub fn generate(rng: &dyn RandomSource) -> Result<Self, RandomError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        rng.fill(seed.as_mut())?;
        Ok(Self::from_seed(&seed))
    }

    /// Reads a PKCS#8 PEM private key (`-----BEGIN PRIVATE KEY-----`, RFC 8410).
    ///
    /// # Errors
    /// [`CryptoError::InvalidPrivateKey`] if the document is not an Ed25519 PKCS#8 key.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, CryptoError> {
        use ed25519_dalek::pkcs8::DecodePrivateKey as _;
        ed25519_dalek::SigningKey::from_pkcs8_pem(pem)
            .map(Self)
            .map_err(|_| CryptoError::InvalidPrivateKey)
    }

    /// Writes the key as PKCS#8 PEM; the text is zeroized when dropped.
    ///
    /// # Errors
    /// [`CryptoError::InvalidPrivateKey`] if encoding fails.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, CryptoError> {
        use ed25519_dalek::pkcs8::{EncodePrivateKey as _, spki::der::pem::LineEnding};
        self.pkcs8_v1()
            .to_pkcs8_pem(LineEnding::LF)
            .map(|pem| Zeroizing::new(pem.to_string()))
            .map_err(|_| CryptoError::InvalidPrivateKey)
    }

    /// The key as a version 1 `PrivateKeyInfo` (RFC 8410 §7), without the public key a
    /// version 2 document adds: OpenSSL 3.0 and Python's `cryptography` refuse version 2.
    pub(super) fn pkcs8_v1(&self) -> ed25519_dalek::pkcs8::KeypairBytes {
        ed25519_dalek::pkcs8::KeypairBytes {
            secret_key: self.0.to_bytes(),
            public_key: None,
        }
    }

    /// Signs directly, for callers that hold the concrete type; infallible.
    #[must_use]
    pub fn sign_bytes(&self, message: &[u8]) -> [u8; 64] {
        use ed25519_dalek::Signer as _;
        self.0.sign(message).to_bytes()
    }
}

impl Signer for Ed25519SigningKey {
    fn public_key(&self) -> PublicKey {
        PublicKey(super::KeyInner::Ed25519(self.0.verifying_key()))
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        Ok(self.sign_bytes(message).to_vec())
    }
}

impl fmt::Debug for Ed25519SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ed25519SigningKey({})", self.public_key().key_id())
    }
}

/// A P-256 private key held in memory (software device keys and tests; real devices keep
/// theirs in secure hardware behind a [`Signer`]).
pub struct P256SigningKey(pub(super) p256::ecdsa::SigningKey);

impl P256SigningKey {
    /// The key for a 32-byte big-endian scalar.
    ///
    /// # Errors
    /// [`CryptoError::InvalidPrivateKey`] if the scalar is zero or not below the group order.
    pub fn from_bytes(scalar: &[u8; 32]) -> Result<Self, CryptoError> {
        p256::ecdsa::SigningKey::from_slice(scalar)
            .map(Self)
            .map_err(|_| CryptoError::InvalidPrivateKey)
    }

    /// A key from PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    ///
    /// # Errors
    /// [`CryptoError::InvalidPrivateKey`] if the PEM is not a P-256 PKCS#8 key.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, CryptoError> {
        use p256::pkcs8::DecodePrivateKey as _;
        p256::ecdsa::SigningKey::from_pkcs8_pem(pem)
            .map(Self)
            .map_err(|_| CryptoError::InvalidPrivateKey)
    }

    /// The key as PKCS#8 PEM, zeroized on drop.
    ///
    /// # Errors
    /// [`CryptoError::InvalidPrivateKey`] if encoding fails.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, CryptoError> {
        use p256::pkcs8::{EncodePrivateKey as _, LineEnding};
        self.0
            .to_pkcs8_pem(LineEnding::LF)
            .map(|pem| Zeroizing::new(pem.to_string()))
            .map_err(|_| CryptoError::InvalidPrivateKey)
    }

    /// A fresh key from `rng` (rejection-sampled scalar).
    ///
    /// # Errors
    /// [`RandomError`] if the random source fails.
    pub fn generate(rng: &dyn RandomSource) -> Result<Self, RandomError> {
        sample_scalar(rng, Self::from_bytes)
    }
}

impl Signer for P256SigningKey {
    fn public_key(&self) -> PublicKey {
        PublicKey(super::KeyInner::P256(*self.0.verifying_key()))
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        use p256::ecdsa::signature::Signer as _;
        let signature: p256::ecdsa::Signature =
            self.0.try_sign(message).map_err(SignError::from_source)?;
        // Low S: the one form of the two that verify (see `crypto::sign_cose`).
        Ok(signature.normalize_s().to_bytes().to_vec())
    }
}

impl fmt::Debug for P256SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "P256SigningKey({})", self.public_key().key_id())
    }
}

/// A key from the first 32 random bytes `from_bytes` accepts as a scalar (rejection
/// sampling: a draw outside `[1, n − 1]` is discarded, for a uniform key).
pub(super) fn sample_scalar<K>(
    rng: &dyn RandomSource,
    from_bytes: impl Fn(&[u8; 32]) -> Result<K, CryptoError>,
) -> Result<K, RandomError> {
    loop {
        let mut scalar = Zeroizing::new([0u8; 32]);
        rng.fill(scalar.as_mut())?;
        if let Ok(key) = from_bytes(&scalar) {
            return Ok(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::Algorithm;

    #[test]
    fn pkcs8_pem_round_trip() {
        let key = Ed25519SigningKey::from_seed(&[9; 32]);
        let pem = key.to_pkcs8_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        let again = Ed25519SigningKey::from_pkcs8_pem(&pem).unwrap();
        assert_eq!(again.public_key(), key.public_key());
        assert_eq!(
            Ed25519SigningKey::from_pkcs8_pem("not a key").unwrap_err(),
            CryptoError::InvalidPrivateKey
        );
    }

    #[test]
    fn rfc_8410_private_key_example() {
        // RFC 8410 §10.3.
        let pem = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n-----END PRIVATE KEY-----\n";
        let key = Ed25519SigningKey::from_pkcs8_pem(pem).unwrap();
        let sig = key.sign(b"x").unwrap();
        assert_eq!(
            key.public_key().verify(Algorithm::Ed25519, b"x", &sig),
            Ok(())
        );
        assert!(format!("{key:?}").starts_with("Ed25519SigningKey("));
    }
}
