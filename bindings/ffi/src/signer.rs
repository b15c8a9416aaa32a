//! Keys and signing: the foreign [`Signer`] trait, the library-held [`SoftwareKey`] and
//! their adapters to the core's signer trait.

use std::sync::Arc;

use yinzheng::crypto::{self, PublicKey};

use crate::error::YinzhengError;

/// Signature algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SignatureAlgorithm {
    /// Ed25519 (COSE -19).
    Ed25519,
    /// ECDSA P-256 with SHA-256 (COSE -7): what phone secure hardware offers.
    Es256,
    /// SM2 with SM3 and the default distinguishing id (GM/T 0009): national seals, stamps
    /// and OFD signatures only (feature `gm`).
    Sm2Sm3,
}

pub(crate) fn public_key(
    algorithm: SignatureAlgorithm,
    bytes: &[u8],
) -> Result<PublicKey, YinzhengError> {
    let key = match algorithm {
        SignatureAlgorithm::Ed25519 => {
            let raw: &[u8; 32] = bytes.try_into().map_err(|_| YinzhengError::InvalidKey {
                reason: "an Ed25519 public key is 32 bytes".into(),
            })?;
            PublicKey::ed25519(raw)
        }
        SignatureAlgorithm::Es256 => PublicKey::p256(bytes),
        #[cfg(feature = "gm")]
        SignatureAlgorithm::Sm2Sm3 => PublicKey::sm2(bytes),
        #[cfg(not(feature = "gm"))]
        SignatureAlgorithm::Sm2Sm3 => {
            return Err(YinzhengError::InvalidKey {
                reason: "SM2 keys need the bindings' gm feature".into(),
            });
        }
    };
    key.map_err(|e| YinzhengError::InvalidKey {
        reason: e.to_string(),
    })
}

/// A key that signs: implement it over Android Keystore, the Secure Enclave or an HSM.
#[uniffi::export(foreign)]
pub trait Signer: Send + Sync {
    /// The algorithm of the key.
    fn algorithm(&self) -> SignatureAlgorithm;
    /// The public key: 32 raw bytes for Ed25519, SEC1 (compressed or not) for P-256 and SM2.
    fn public_key(&self) -> Vec<u8>;
    /// Signs `message`: Ed25519 over the bytes, ES256 over their SHA-256 (as platform APIs
    /// do), SM2 over SM3(Z_A ‖ message) with the default id. Returns the raw 64-byte
    /// signature (not DER).
    ///
    /// # Errors
    /// When the key is unavailable or the user refuses.
    fn sign(&self, message: Vec<u8>) -> Result<Vec<u8>, YinzhengError>;
}

/// Adapts a foreign [`Signer`] to the core trait, with its public key parsed once.
pub(crate) struct ForeignSigner {
    inner: Arc<dyn Signer>,
    public: PublicKey,
}

impl ForeignSigner {
    pub(crate) fn new(inner: Arc<dyn Signer>) -> Result<Self, YinzhengError> {
        let public = public_key(inner.algorithm(), &inner.public_key())?;
        Ok(Self { inner, public })
    }
}

impl crypto::Signer for ForeignSigner {
    fn public_key(&self) -> PublicKey {
        self.public.clone()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, crypto::SignError> {
        self.inner
            .sign(message.to_vec())
            .map_err(crypto::SignError::from_source)
    }
}

/// An Ed25519 key held in memory by the library (for servers and tests; apps should keep
/// keys in secure hardware behind [`Signer`]).
#[derive(uniffi::Object)]
pub struct SoftwareKey {
    key: crypto::Ed25519SigningKey,
}

#[uniffi::export]
impl SoftwareKey {
    /// A fresh key from the operating system's random generator.
    ///
    /// # Errors
    /// [`YinzhengError::Internal`] if no randomness is available.
    #[uniffi::constructor]
    pub fn generate() -> Result<Arc<Self>, YinzhengError> {
        let key = crypto::Ed25519SigningKey::generate(&crypto::OsRandom).map_err(|e| {
            YinzhengError::Internal {
                reason: e.to_string(),
            }
        })?;
        Ok(Arc::new(Self { key }))
    }

    /// The key for a 32-byte seed.
    ///
    /// # Errors
    /// [`YinzhengError::InvalidKey`] unless the seed is 32 bytes.
    #[uniffi::constructor]
    pub fn from_seed(seed: Vec<u8>) -> Result<Arc<Self>, YinzhengError> {
        let seed: [u8; 32] = seed.try_into().map_err(|_| YinzhengError::InvalidKey {
            reason: "an Ed25519 seed is 32 bytes".into(),
        })?;
        Ok(Arc::new(Self {
            key: crypto::Ed25519SigningKey::from_seed(&seed),
        }))
    }

    /// A PKCS#8 PEM private key (`-----BEGIN PRIVATE KEY-----`).
    ///
    /// # Errors
    /// [`YinzhengError::InvalidKey`] if it is not an Ed25519 PKCS#8 key.
    #[uniffi::constructor]
    pub fn from_pkcs8_pem(pem: String) -> Result<Arc<Self>, YinzhengError> {
        let key = crypto::Ed25519SigningKey::from_pkcs8_pem(&pem).map_err(|e| {
            YinzhengError::InvalidKey {
                reason: e.to_string(),
            }
        })?;
        Ok(Arc::new(Self { key }))
    }

    /// The 32-byte public key.
    pub fn public_key(&self) -> Vec<u8> {
        crypto::Signer::public_key(&self.key).to_bytes()
    }

    /// The 8-byte key identifier written in certificates, as hex.
    pub fn key_id(&self) -> String {
        crypto::Signer::public_key(&self.key).key_id().to_string()
    }
}

impl crypto::Signer for SoftwareKey {
    fn public_key(&self) -> PublicKey {
        self.key.public_key()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, crypto::SignError> {
        self.key.sign(message)
    }
}
