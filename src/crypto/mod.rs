//! Algorithms, keys and signing: the only module that touches `ed25519-dalek`,
//! `curve25519-dalek`, `p256`, `ring`, and with feature `gm`, `sm2` and `sm3`.
//!
//! Every signature the library makes goes through the [`Signer`] trait, so a key may live in
//! an HSM, a cloud KMS, Android Keystore or the Secure Enclave. Verification is strict:
//! Ed25519 uses `verify_strict` (no small-order keys or points, canonical `S`), the key type
//! must match the algorithm, and only allow-listed algorithms are accepted.

mod batch;
#[cfg(feature = "encrypted-keys")]
mod key_files;
mod keys;
#[cfg(feature = "pkcs11")]
pub mod pkcs11;
mod random;
#[cfg(feature = "gm")]
mod sm2;

use core::fmt;

use crate::encoding::cose::{ProtectedHeader, encode_sign1};
pub use batch::Ed25519Batch;
#[cfg(feature = "encrypted-keys")]
pub use key_files::{
    KeyFileError, SCRYPT_LOG_N, decrypt_pkcs8_pem, encrypt_pkcs8_pem, is_encrypted_pem,
};
pub use keys::{Ed25519SigningKey, P256SigningKey};
pub use random::{OsRandom, RandomError, RandomSource, SeededRandom};
use sha2::Digest as _;
#[cfg(feature = "gm")]
pub use sm2::{
    DEFAULT_SM2_DISTID, Sm2SigningKey, sm2_signature_from_der, sm2_signature_to_der, sm3,
};

/// A signature algorithm on the allow-list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// Ed25519: written as COSE `-19` (RFC 9864, fully specified); `-8` (EdDSA) accepted.
    Ed25519,
    /// ECDSA P-256 with SHA-256: written as COSE `-7` (ES256); `-9` (ESP256) accepted. For
    /// holder device keys, since phone secure hardware only does P-256.
    Es256,
    /// SM2 with SM3 (GB/T 32918, GM/T 0009; OID 1.2.156.10197.1.501), feature `gm`: the
    /// national algorithm of GB/T 38540 seals, OFD stamps and SM2 certificates. It has no
    /// COSE identifier, so it signs national-format objects only.
    #[cfg(feature = "gm")]
    Sm2Sm3,
}

impl Algorithm {
    /// The algorithm for a COSE identifier, if it is on the allow-list. `-50` (now ML-DSA-87,
    /// once a draft Ed25519 value) and everything else is refused.
    #[must_use]
    pub fn from_cose(id: i64) -> Option<Self> {
        match id {
            -19 | -8 => Some(Self::Ed25519),
            -7 | -9 => Some(Self::Es256),
            _ => None,
        }
    }

    /// The COSE identifier written on output; `None` for SM2, which COSE has none for.
    #[must_use]
    pub fn cose_id(self) -> Option<i64> {
        match self {
            Self::Ed25519 => Some(-19),
            Self::Es256 => Some(-7),
            #[cfg(feature = "gm")]
            Self::Sm2Sm3 => None,
        }
    }

    /// Signature length in bytes.
    #[must_use]
    pub fn signature_len(self) -> usize {
        64
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Ed25519 => "Ed25519",
            Self::Es256 => "ES256",
            #[cfg(feature = "gm")]
            Self::Sm2Sm3 => "SM2-with-SM3",
        })
    }
}

/// Why a key or signature was refused. Signature failure is deliberately opaque.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// The bytes are not a valid public key of the stated type.
    #[error("invalid {0} public key")]
    InvalidPublicKey(Algorithm),
    /// A weak (small-order) Ed25519 public key.
    #[error("weak Ed25519 public key")]
    WeakPublicKey,
    /// The bytes are not a valid private key (seed, scalar or PKCS#8 document).
    #[error("invalid private key")]
    InvalidPrivateKey,
    /// The algorithm has no COSE identifier (SM2), so it cannot sign a COSE object.
    #[error("{0} has no COSE identifier")]
    NotCose(Algorithm),
    /// An SM2 distinguishing id too long for its 16-bit bit length (over 8191 bytes).
    #[error("SM2 distinguishing id longer than 8191 bytes")]
    InvalidDistId,
    /// The signature does not verify.
    #[error("signature does not verify")]
    BadSignature,
    /// The algorithm named does not fit the key.
    #[error("algorithm {alg} does not match a {key} key")]
    AlgorithmMismatch {
        /// Algorithm named by the signed object.
        alg: Algorithm,
        /// Algorithm of the key.
        key: Algorithm,
    },
}

/// A verification key. Parsed once (point decompression is not free) and reused.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey(KeyInner);

#[derive(Clone)]
enum KeyInner {
    Ed25519(ed25519_dalek::VerifyingKey),
    P256(p256::ecdsa::VerifyingKey),
    /// Boxed: the key carries its distinguishing id and precomputed `Z_A`.
    #[cfg(feature = "gm")]
    Sm2(Box<::sm2::dsa::VerifyingKey>),
}

impl PartialEq for KeyInner {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Ed25519(a), Self::Ed25519(b)) => a == b,
            (Self::P256(a), Self::P256(b)) => a == b,
            #[cfg(feature = "gm")]
            (Self::Sm2(a), Self::Sm2(b)) => sm2::sm2_keys_equal(a, b),
            _ => false,
        }
    }
}

impl Eq for KeyInner {}

impl PublicKey {
    /// An Ed25519 key from its 32 bytes; weak keys are refused.
    ///
    /// # Errors
    /// [`CryptoError::InvalidPublicKey`] or [`CryptoError::WeakPublicKey`].
    pub fn ed25519(bytes: &[u8; 32]) -> Result<Self, CryptoError> {
        let key = ed25519_dalek::VerifyingKey::from_bytes(bytes)
            .map_err(|_| CryptoError::InvalidPublicKey(Algorithm::Ed25519))?;
        if key.is_weak() {
            return Err(CryptoError::WeakPublicKey);
        }
        Ok(Self(KeyInner::Ed25519(key)))
    }

    /// An Ed25519 key from a PEM `SubjectPublicKeyInfo` (RFC 8410).
    ///
    /// # Errors
    /// [`CryptoError::InvalidPublicKey`] or [`CryptoError::WeakPublicKey`].
    pub fn ed25519_from_pem(pem: &str) -> Result<Self, CryptoError> {
        use ed25519_dalek::pkcs8::DecodePublicKey as _;
        let key = ed25519_dalek::VerifyingKey::from_public_key_pem(pem)
            .map_err(|_| CryptoError::InvalidPublicKey(Algorithm::Ed25519))?;
        Self::ed25519(key.as_bytes())
    }

    /// A P-256 key from SEC1 bytes (compressed or uncompressed).
    ///
    /// # Errors
    /// [`CryptoError::InvalidPublicKey`] if the bytes are not a point on the curve.
    pub fn p256(sec1: &[u8]) -> Result<Self, CryptoError> {
        p256::ecdsa::VerifyingKey::from_sec1_bytes(sec1)
            .map(|k| Self(KeyInner::P256(k)))
            .map_err(|_| CryptoError::InvalidPublicKey(Algorithm::Es256))
    }

    /// The key from [`PublicKey::to_bytes`]'s form: 32 raw bytes for Ed25519, a SEC1 point
    /// (33-byte compressed or 65-byte uncompressed) for P-256. SM2 keys, whose points look
    /// the same, come from [`PublicKey::sm2`] (feature `gm`).
    ///
    /// # Errors
    /// [`CryptoError::InvalidPublicKey`] / [`CryptoError::WeakPublicKey`] if it is not a valid
    /// key (e.g. a point off the curve).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        match <&[u8; 32]>::try_from(bytes) {
            Ok(ed25519) => Self::ed25519(ed25519),
            Err(_) => Self::p256(bytes),
        }
    }

    /// The algorithm this key verifies.
    #[must_use]
    pub fn algorithm(&self) -> Algorithm {
        match self.0 {
            KeyInner::Ed25519(_) => Algorithm::Ed25519,
            KeyInner::P256(_) => Algorithm::Es256,
            #[cfg(feature = "gm")]
            KeyInner::Sm2(_) => Algorithm::Sm2Sm3,
        }
    }

    /// The key's bytes: 32 raw bytes for Ed25519, 33-byte compressed SEC1 for P-256 and SM2.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        match &self.0 {
            KeyInner::Ed25519(k) => k.as_bytes().to_vec(),
            KeyInner::P256(k) => k.to_sec1_point(true).as_bytes().to_vec(),
            #[cfg(feature = "gm")]
            KeyInner::Sm2(k) => sm2::sm2_key_bytes(k),
        }
    }

    /// The 65-byte uncompressed SEC1 point of a P-256 or SM2 key (what an X.509
    /// `SubjectPublicKeyInfo` carries); `None` for Ed25519.
    #[must_use]
    pub fn to_sec1_uncompressed(&self) -> Option<Vec<u8>> {
        match &self.0 {
            KeyInner::Ed25519(_) => None,
            KeyInner::P256(k) => Some(k.to_sec1_point(false).as_bytes().to_vec()),
            #[cfg(feature = "gm")]
            KeyInner::Sm2(k) => Some(sm2::sm2_key_bytes_uncompressed(k)),
        }
    }

    /// The key identifier written in the COSE `kid`: the first 8 bytes of SHA-256 of
    /// [`PublicKey::to_bytes`].
    #[must_use]
    pub fn key_id(&self) -> KeyId {
        let digest = sha256(&self.to_bytes());
        let mut id = [0; 8];
        id.copy_from_slice(&digest[..8]);
        KeyId(id)
    }

    /// Verifies `signature` over `message` under `alg`, strictly.
    ///
    /// # Errors
    /// [`CryptoError::AlgorithmMismatch`] if `alg` is not this key's algorithm;
    /// [`CryptoError::BadSignature`] otherwise on any failure.
    pub fn verify(
        &self,
        alg: Algorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        if alg != self.algorithm() {
            return Err(CryptoError::AlgorithmMismatch {
                alg,
                key: self.algorithm(),
            });
        }
        match &self.0 {
            KeyInner::Ed25519(key) => {
                let bytes: &[u8; 64] = signature
                    .try_into()
                    .map_err(|_| CryptoError::BadSignature)?;
                let signature = ed25519_dalek::Signature::from_bytes(bytes);
                key.verify_strict(message, &signature)
                    .map_err(|_| CryptoError::BadSignature)
            }
            KeyInner::P256(key) => {
                // ring's assembly P-256 verifies ~6× faster than the portable p256 crate,
                // which still parses and validates the key (see docs/PERFORMANCE.md).
                let point = key.to_sec1_point(false);
                ring::signature::UnparsedPublicKey::new(
                    &ring::signature::ECDSA_P256_SHA256_FIXED,
                    point.as_bytes(),
                )
                .verify(message, signature)
                .map_err(|_| CryptoError::BadSignature)
            }
            #[cfg(feature = "gm")]
            KeyInner::Sm2(key) => sm2::sm2_verify(key, message, signature),
        }
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({}, {})", self.algorithm(), self.key_id())
    }
}

/// An 8-byte key identifier (COSE `kid`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub [u8; 8]);

impl KeyId {
    /// The identifier bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; 8] {
        &self.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

/// A signer failed to produce a signature (HSM offline, user cancelled, key locked, …).
#[derive(Debug, thiserror::Error)]
#[error("the signer did not produce a signature")]
pub struct SignError {
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl SignError {
    /// A failure without further detail.
    #[must_use]
    pub fn new() -> Self {
        Self { source: None }
    }

    /// A failure caused by `source` (an I/O or platform error, never cryptographic detail).
    #[must_use]
    pub fn from_source(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self {
            source: Some(source.into()),
        }
    }
}

impl Default for SignError {
    fn default() -> Self {
        Self::new()
    }
}

/// Anything that can sign: a software key, an HSM, a phone keystore.
///
/// Implementations return the raw signature: 64 bytes `R‖S` for Ed25519, 64 bytes `r‖s` for
/// ES256 (not DER).
pub trait Signer: Send + Sync {
    /// The public key that verifies this signer's signatures.
    fn public_key(&self) -> PublicKey;

    /// Signs `message`.
    ///
    /// # Errors
    /// [`SignError`] when the key is unavailable or refuses.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError>;
}

/// A borrowed, boxed or shared signer signs as the signer itself, so an `Issuer` can own an
/// `Arc` shared with other services, or a `Box<dyn Signer>` chosen at run time.
macro_rules! forward_signer {
    ($($pointer:ty),+) => {$(
        impl<S: Signer + ?Sized> Signer for $pointer {
            fn public_key(&self) -> PublicKey {
                (**self).public_key()
            }

            fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
                (**self).sign(message)
            }
        }
    )+};
}

forward_signer!(&S, Box<S>, std::sync::Arc<S>);

/// Signs `payload` as a tagged `COSE_Sign1` with `typ`, the signer's algorithm and key id,
/// and an empty unprotected header.
///
/// # Errors
/// [`SignError`] if the signer fails.
pub fn sign_cose(signer: &dyn Signer, typ: &str, payload: &[u8]) -> Result<Vec<u8>, SignError> {
    let key = signer.public_key();
    let kid = key.key_id();
    let alg = key.algorithm();
    let cose_id = alg
        .cose_id()
        .ok_or(SignError::from_source(CryptoError::NotCose(alg)))?;
    let header = ProtectedHeader::new(cose_id, kid.as_bytes(), typ);
    let (protected, to_be_signed) = header_and_to_be_signed(&header, payload);
    let signature = low_s(alg, signer.sign(&to_be_signed)?);
    Ok(encode_sign1(&protected, &[], payload, &signature))
}

/// The COSE `alg` a header for `key` carries. An algorithm COSE has no identifier for (SM2)
/// is written as 0, "Reserved" in the IANA registry, which no verifier accepts: the checked
/// signing paths then refuse before anything is released.
pub(crate) fn cose_alg(key: &PublicKey) -> i64 {
    key.algorithm().cose_id().unwrap_or(0)
}

/// The encoded `header` and the `Sig_structure` over `payload`.
fn header_and_to_be_signed(header: &ProtectedHeader<'_>, payload: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let protected = header.encode();
    let to_be_signed = crate::encoding::cose::sig_structure(&protected, payload);
    (protected, to_be_signed)
}

/// The one canonical form of a signature: ES256 with `s` in the lower half of the group order
/// (BIP 62 / "low S"). `(r, s)` and `(r, n − s)` both verify, so every ES256 signature this
/// library emits, its own or a device's, is put in this form; the verifier accepts both,
/// because phones' keystores emit either, and keys nothing on signature bytes.
pub(crate) fn canonical_signature(alg: Algorithm, signature: &[u8]) -> Vec<u8> {
    low_s(alg, signature.to_vec())
}

/// [`canonical_signature`] of an owned signature.
fn low_s(alg: Algorithm, signature: Vec<u8>) -> Vec<u8> {
    if alg != Algorithm::Es256 {
        return signature;
    }
    match p256::ecdsa::Signature::from_slice(&signature) {
        Ok(parsed) => parsed.normalize_s().to_bytes().to_vec(),
        Err(_) => signature,
    }
}

/// An ECDSA P-256 signature in DER (`Ecdsa-Sig-Value`, as X.509 carries it) as the raw
/// `r‖s` the verifier takes; `None` if it is not strict DER of two in-range integers.
#[must_use]
pub fn ecdsa_der_to_raw(der: &[u8]) -> Option<[u8; 64]> {
    let signature = p256::ecdsa::Signature::from_der(der).ok()?;
    signature.to_bytes().as_slice().try_into().ok()
}

/// Why [`sign_cose_verified`] produced nothing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CheckedSignError {
    /// The signer did not sign.
    #[error(transparent)]
    Signer(#[from] SignError),
    /// The signer returned a signature that does not verify under its own key.
    #[error("the signature does not verify under the signer's key")]
    Rejected,
}

/// As [`sign_cose`], then verifies the signature under the signer's key before assembling,
/// so a faulty external signer (HSM, phone keystore) cannot produce an object no verifier
/// accepts.
///
/// # Errors
/// [`CheckedSignError`].
pub fn sign_cose_verified(
    signer: &dyn Signer,
    typ: &str,
    payload: &[u8],
) -> Result<Vec<u8>, CheckedSignError> {
    let key = signer.public_key();
    let kid = key.key_id();
    let header = ProtectedHeader::new(cose_alg(&key), kid.as_bytes(), typ);
    sign_cose_with_header(signer, &header, payload)
}

/// As [`sign_cose_verified`] under a header the caller built (an `x5chain`, a seal); its
/// `alg` and `kid` must be the signer's.
///
/// # Errors
/// [`CheckedSignError`]; [`CheckedSignError::Rejected`] too if the header names another
/// algorithm than the signer's.
pub fn sign_cose_with_header(
    signer: &dyn Signer,
    header: &ProtectedHeader<'_>,
    payload: &[u8],
) -> Result<Vec<u8>, CheckedSignError> {
    let key = signer.public_key();
    let alg = Algorithm::from_cose(header.alg).ok_or(CheckedSignError::Rejected)?;
    let (protected, to_be_signed) = header_and_to_be_signed(header, payload);
    let signature = low_s(alg, signer.sign(&to_be_signed)?);
    key.verify(alg, &to_be_signed, &signature)
        .map_err(|_| CheckedSignError::Rejected)?;
    Ok(encode_sign1(&protected, &[], payload, &signature))
}

/// SHA-256 of `bytes`.
#[must_use]
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    sha2::Sha256::digest(bytes).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_list() {
        assert_eq!(Algorithm::from_cose(-19), Some(Algorithm::Ed25519));
        assert_eq!(Algorithm::from_cose(-8), Some(Algorithm::Ed25519));
        assert_eq!(Algorithm::from_cose(-7), Some(Algorithm::Es256));
        assert_eq!(Algorithm::from_cose(-9), Some(Algorithm::Es256));
        for refused in [-50, -53, -35, -36, -37, 0, 1, 5, -257] {
            assert_eq!(Algorithm::from_cose(refused), None, "{refused}");
        }
        assert_eq!(Algorithm::Ed25519.cose_id(), Some(-19));
        assert_eq!(Algorithm::Es256.cose_id(), Some(-7));
    }

    #[test]
    fn rfc_8032_test_1_verifies_strictly() {
        let pk: [u8; 32] =
            hex::decode("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
                .unwrap()
                .try_into()
                .unwrap();
        let sig = hex::decode(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
        )
        .unwrap();
        let key = PublicKey::ed25519(&pk).unwrap();
        assert_eq!(key.verify(Algorithm::Ed25519, b"", &sig), Ok(()));
        assert_eq!(
            key.verify(Algorithm::Ed25519, b"x", &sig),
            Err(CryptoError::BadSignature)
        );
        assert_eq!(
            key.verify(Algorithm::Ed25519, b"", &sig[..63]),
            Err(CryptoError::BadSignature)
        );
        assert_eq!(
            key.verify(Algorithm::Es256, b"", &sig),
            Err(CryptoError::AlgorithmMismatch {
                alg: Algorithm::Es256,
                key: Algorithm::Ed25519
            })
        );
    }

    #[test]
    fn weak_keys_are_refused() {
        // The identity point (small order).
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(
            PublicKey::ed25519(&identity),
            Err(CryptoError::WeakPublicKey)
        );
    }

    #[test]
    fn p256_sign_verify() {
        let key = P256SigningKey::from_bytes(&[0x11; 32]).unwrap();
        let sig = key.sign(b"presentation").unwrap();
        let public = key.public_key();
        assert_eq!(public.to_bytes().len(), 33);
        let reparsed = PublicKey::p256(&public.to_bytes()).unwrap();
        assert_eq!(
            reparsed.verify(Algorithm::Es256, b"presentation", &sig),
            Ok(())
        );
        assert_eq!(
            reparsed.verify(Algorithm::Es256, b"other", &sig),
            Err(CryptoError::BadSignature)
        );
    }

    #[test]
    fn es256_signatures_come_out_low_s() {
        /// A keystore that returns the high-S twin of every signature.
        struct HighS(P256SigningKey);
        impl Signer for HighS {
            fn public_key(&self) -> PublicKey {
                self.0.public_key()
            }
            fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
                let low = p256::ecdsa::Signature::from_slice(&self.0.sign(message)?)
                    .map_err(SignError::from_source)?;
                let (r, s) = low.split_scalars();
                let high =
                    p256::ecdsa::Signature::from_scalars(r, -s).map_err(SignError::from_source)?;
                Ok(high.to_bytes().to_vec())
            }
        }
        let device = HighS(P256SigningKey::from_bytes(&[0x11; 32]).unwrap());
        let public = device.public_key();
        for i in 0u8..16 {
            let raw = device.sign(&[i]).unwrap();
            let raw = p256::ecdsa::Signature::from_slice(&raw).unwrap();
            assert_ne!(raw.normalize_s(), raw, "the wrapper signs high-S");
            let signed = sign_cose_verified(&device, "t", &[i]).unwrap();
            let limits = crate::Limits::default();
            let sign1 = crate::encoding::cose::CoseSign1::decode(&signed, &limits).unwrap();
            let parsed = p256::ecdsa::Signature::from_slice(sign1.signature).unwrap();
            assert_eq!(parsed.normalize_s(), parsed, "signature {i} is high-S");
            let tbs = sign1.to_be_signed();
            assert_eq!(
                public.verify(Algorithm::Es256, &tbs, sign1.signature),
                Ok(())
            );
            // The verifier still accepts the high-S twin: phones emit either.
            let (r, s) = parsed.split_scalars();
            let twin = p256::ecdsa::Signature::from_scalars(r, -s).unwrap();
            assert_eq!(
                public.verify(Algorithm::Es256, &tbs, &twin.to_bytes()),
                Ok(())
            );
        }
    }
}
