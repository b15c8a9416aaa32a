//! SM2 with SM3 (GB/T 32918, GM/T 0009) and SM3 (GB/T 32905), feature `gm`: the national
//! algorithms of GB/T 38540 seals, OFD stamps and SM2 X.509 certificates.
//!
//! Built on RustCrypto's `sm2` and `sm3`, which share the `elliptic-curve` stack `p256`
//! already brings (one set of field and point code, constant-time scalar arithmetic). The
//! signed digest is `e = SM3(Z_A ‖ M)` with `Z_A` over the signer's distinguishing id, the
//! curve and the public key; `Z_A` is computed once per key. Signatures pass through the
//! [`Signer`] trait as raw 64-byte `r‖s` (as for ES256), so a UKey or an HSM can sign; the
//! national formats carry them as DER `SEQUENCE { r, s }` ([`sm2_signature_to_der`]).

use core::fmt;

use sm2::elliptic_curve::sec1::ToSec1Point as _;
use sm2::pkcs8::DecodePrivateKey as _;
use sm3::Digest as _;
use zeroize::Zeroizing;

use super::{CryptoError, KeyInner, PublicKey, RandomError, RandomSource, SignError, Signer};

/// The distinguishing id every GB/T 38540 seal and OFD stamp in use is signed with: the
/// default of GM/T 0009 and GB/T 35276.
pub const DEFAULT_SM2_DISTID: &str = "1234567812345678";

/// The largest distinguishing id: its bit length must fit the 16-bit `ENTL`.
const MAX_DISTID_LEN: usize = 8191;

/// SM3 of `bytes`.
#[must_use]
pub fn sm3(bytes: &[u8]) -> [u8; 32] {
    sm3::Sm3::digest(bytes).into()
}

/// An SM2 signature in DER (`SEQUENCE { r INTEGER, s INTEGER }`, as GB/T 38540 and X.509
/// carry it) as the raw `r‖s` [`PublicKey::verify`] takes; `None` unless it is strict DER of
/// two integers in `[1, n − 1]`.
#[must_use]
pub fn sm2_signature_from_der(der: &[u8]) -> Option<[u8; 64]> {
    let parsed = sm2::dsa::DerSignature::from_bytes(der).ok()?;
    let raw = sm2::dsa::Signature::try_from(parsed).ok()?;
    raw.to_bytes().as_slice().try_into().ok()
}

/// A raw `r‖s` SM2 signature as DER; `None` if `raw` is not 64 bytes of two in-range scalars.
#[must_use]
pub fn sm2_signature_to_der(raw: &[u8]) -> Option<Vec<u8>> {
    let parsed = sm2::dsa::Signature::from_slice(raw).ok()?;
    Some(sm2::dsa::DerSignature::from(parsed).to_vec())
}

fn distid_ok(distid: &str) -> Result<(), CryptoError> {
    if distid.len() > MAX_DISTID_LEN {
        return Err(CryptoError::InvalidDistId);
    }
    Ok(())
}

impl PublicKey {
    /// An SM2 key from SEC1 bytes (65-byte uncompressed, as certificates carry it, or
    /// 33-byte compressed), for signatures made with the default distinguishing id.
    ///
    /// # Errors
    /// [`CryptoError::InvalidPublicKey`] if the bytes are not a point on the SM2 curve.
    pub fn sm2(sec1: &[u8]) -> Result<Self, CryptoError> {
        Self::sm2_with_distid(sec1, DEFAULT_SM2_DISTID)
    }

    /// As [`PublicKey::sm2`], for a signer that uses another distinguishing id.
    ///
    /// # Errors
    /// [`CryptoError::InvalidPublicKey`]; [`CryptoError::InvalidDistId`] if the id is longer
    /// than 8191 bytes.
    pub fn sm2_with_distid(sec1: &[u8], distid: &str) -> Result<Self, CryptoError> {
        distid_ok(distid)?;
        sm2::dsa::VerifyingKey::from_sec1_bytes(distid, sec1)
            .map(|key| Self(KeyInner::Sm2(Box::new(key))))
            .map_err(|_| CryptoError::InvalidPublicKey(super::Algorithm::Sm2Sm3))
    }

    /// An SM2 key from a PEM `SubjectPublicKeyInfo` (`-----BEGIN PUBLIC KEY-----`, the
    /// id-ecPublicKey algorithm with the SM2 curve), default distinguishing id.
    ///
    /// # Errors
    /// [`CryptoError::InvalidPublicKey`].
    pub fn sm2_from_pem(pem: &str) -> Result<Self, CryptoError> {
        use sm2::pkcs8::DecodePublicKey as _;
        let key = sm2::PublicKey::from_public_key_pem(pem)
            .map_err(|_| CryptoError::InvalidPublicKey(super::Algorithm::Sm2Sm3))?;
        Self::sm2(&key.to_sec1_point(false).to_bytes())
    }
}

pub(super) fn sm2_key_bytes(key: &sm2::dsa::VerifyingKey) -> Vec<u8> {
    key.as_affine().to_sec1_point(true).as_bytes().to_vec()
}

pub(super) fn sm2_key_bytes_uncompressed(key: &sm2::dsa::VerifyingKey) -> Vec<u8> {
    key.as_affine().to_sec1_point(false).as_bytes().to_vec()
}

pub(super) fn sm2_keys_equal(a: &sm2::dsa::VerifyingKey, b: &sm2::dsa::VerifyingKey) -> bool {
    a.as_affine() == b.as_affine() && a.distid() == b.distid()
}

pub(super) fn sm2_verify(
    key: &sm2::dsa::VerifyingKey,
    message: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    use sm2::dsa::signature::Verifier as _;
    let signature =
        sm2::dsa::Signature::from_slice(signature).map_err(|_| CryptoError::BadSignature)?;
    key.verify(message, &signature)
        .map_err(|_| CryptoError::BadSignature)
}

/// An SM2 private key held in memory (tests, seal makers without a UKey; production seal
/// makers and signers keep theirs in a UKey or HSM behind a [`Signer`]).
pub struct Sm2SigningKey(sm2::dsa::SigningKey);

impl Sm2SigningKey {
    /// The key for a 32-byte big-endian scalar, with the default distinguishing id.
    ///
    /// # Errors
    /// [`CryptoError::InvalidPrivateKey`] if the scalar is zero or not below the group order.
    pub fn from_bytes(scalar: &[u8; 32]) -> Result<Self, CryptoError> {
        Self::from_bytes_with_distid(scalar, DEFAULT_SM2_DISTID)
    }

    /// As [`Sm2SigningKey::from_bytes`] with another distinguishing id.
    ///
    /// # Errors
    /// [`CryptoError::InvalidPrivateKey`] or [`CryptoError::InvalidDistId`].
    pub fn from_bytes_with_distid(scalar: &[u8; 32], distid: &str) -> Result<Self, CryptoError> {
        distid_ok(distid)?;
        sm2::dsa::SigningKey::from_slice(distid, scalar)
            .map(Self)
            .map_err(|_| CryptoError::InvalidPrivateKey)
    }

    /// A fresh key from `rng` (rejection-sampled scalar), default distinguishing id.
    ///
    /// # Errors
    /// [`RandomError`] if the random source fails.
    pub fn generate(rng: &dyn RandomSource) -> Result<Self, RandomError> {
        super::keys::sample_scalar(rng, Self::from_bytes)
    }

    /// Reads a PKCS#8 private key in DER (id-ecPublicKey with the SM2 curve, as OpenSSL 3,
    /// gmssl and BouncyCastle write it).
    ///
    /// # Errors
    /// [`CryptoError::InvalidPrivateKey`] if it is not an SM2 PKCS#8 key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, CryptoError> {
        let secret =
            sm2::SecretKey::from_pkcs8_der(der).map_err(|_| CryptoError::InvalidPrivateKey)?;
        Self::from_secret(&secret)
    }

    /// Reads a PKCS#8 PEM private key (`-----BEGIN PRIVATE KEY-----`).
    ///
    /// # Errors
    /// [`CryptoError::InvalidPrivateKey`] if it is not an SM2 PKCS#8 key.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, CryptoError> {
        let secret =
            sm2::SecretKey::from_pkcs8_pem(pem).map_err(|_| CryptoError::InvalidPrivateKey)?;
        Self::from_secret(&secret)
    }

    /// Reads a SEC1 `ECPrivateKey` in DER (RFC 5915) on the SM2 curve.
    ///
    /// # Errors
    /// [`CryptoError::InvalidPrivateKey`] if it is not an SM2 SEC1 key.
    pub fn from_sec1_der(der: &[u8]) -> Result<Self, CryptoError> {
        let secret =
            sm2::SecretKey::from_sec1_der(der).map_err(|_| CryptoError::InvalidPrivateKey)?;
        Self::from_secret(&secret)
    }

    /// Reads a SEC1 PEM private key (`-----BEGIN EC PRIVATE KEY-----`) on the SM2 curve.
    ///
    /// # Errors
    /// [`CryptoError::InvalidPrivateKey`] if it is not an SM2 SEC1 key.
    pub fn from_sec1_pem(pem: &str) -> Result<Self, CryptoError> {
        let secret =
            sm2::SecretKey::from_sec1_pem(pem).map_err(|_| CryptoError::InvalidPrivateKey)?;
        Self::from_secret(&secret)
    }

    /// Reads a private key in any of the four forms: PKCS#8 or SEC1, PEM or DER.
    ///
    /// # Errors
    /// [`CryptoError::InvalidPrivateKey`] if it is none of them.
    pub fn from_any(bytes: &[u8]) -> Result<Self, CryptoError> {
        match core::str::from_utf8(bytes) {
            Ok(pem) if pem.contains("-----BEGIN") => {
                Self::from_pkcs8_pem(pem).or_else(|_| Self::from_sec1_pem(pem))
            }
            _ => Self::from_pkcs8_der(bytes).or_else(|_| Self::from_sec1_der(bytes)),
        }
    }

    fn from_secret(secret: &sm2::SecretKey) -> Result<Self, CryptoError> {
        sm2::dsa::SigningKey::new(DEFAULT_SM2_DISTID, secret)
            .map(Self)
            .map_err(|_| CryptoError::InvalidPrivateKey)
    }

    /// The key as PKCS#8 PEM, zeroized on drop.
    ///
    /// # Errors
    /// [`CryptoError::InvalidPrivateKey`] if encoding fails.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, CryptoError> {
        use sm2::pkcs8::{EncodePrivateKey as _, LineEnding};
        let secret = sm2::SecretKey::from_bytes(&self.0.to_bytes())
            .map_err(|_| CryptoError::InvalidPrivateKey)?;
        secret
            .to_pkcs8_pem(LineEnding::LF)
            .map(|pem| Zeroizing::new(pem.to_string()))
            .map_err(|_| CryptoError::InvalidPrivateKey)
    }

    /// The distinguishing id this key signs with.
    #[must_use]
    pub fn distid(&self) -> &str {
        self.0.distid()
    }
}

impl Signer for Sm2SigningKey {
    fn public_key(&self) -> PublicKey {
        PublicKey(KeyInner::Sm2(Box::new(self.0.verifying_key().clone())))
    }

    /// Deterministic (RFC 6979-style) `k`; returns raw `r‖s`.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        use sm2::dsa::signature::Signer as _;
        let signature: sm2::dsa::Signature =
            self.0.try_sign(message).map_err(SignError::from_source)?;
        Ok(signature.to_bytes().to_vec())
    }
}

impl fmt::Debug for Sm2SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sm2SigningKey({})", self.public_key().key_id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::Algorithm;

    #[test]
    fn sm3_of_abc() {
        // GB/T 32905-2016 Appendix A, example 1.
        assert_eq!(
            hex::encode(sm3(b"abc")),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }

    #[test]
    fn sign_verify_and_der_round_trip() {
        let key = Sm2SigningKey::from_bytes(&[0x42; 32]).unwrap();
        let public = key.public_key();
        assert_eq!(public.algorithm(), Algorithm::Sm2Sm3);
        let raw = key.sign(b"seal info").unwrap();
        assert_eq!(raw.len(), 64);
        assert_eq!(public.verify(Algorithm::Sm2Sm3, b"seal info", &raw), Ok(()));
        assert_eq!(
            public.verify(Algorithm::Sm2Sm3, b"seal inf0", &raw),
            Err(CryptoError::BadSignature)
        );
        let der = sm2_signature_to_der(&raw).unwrap();
        assert_eq!(
            sm2_signature_from_der(&der),
            Some(raw.clone().try_into().unwrap())
        );
        // Another distinguishing id gives another Z_A: the signature does not verify.
        let other =
            PublicKey::sm2_with_distid(&public.to_sec1_uncompressed().unwrap(), "ALICE").unwrap();
        assert_eq!(
            other.verify(Algorithm::Sm2Sm3, b"seal info", &raw),
            Err(CryptoError::BadSignature)
        );
        assert_ne!(other, public);
        assert_eq!(
            PublicKey::sm2(&public.to_sec1_uncompressed().unwrap()).unwrap(),
            public
        );
    }

    #[test]
    fn pkcs8_round_trip_and_debug() {
        let key = Sm2SigningKey::from_bytes(&[7; 32]).unwrap();
        let pem = key.to_pkcs8_pem().unwrap();
        let again = Sm2SigningKey::from_any(pem.as_bytes()).unwrap();
        assert_eq!(again.public_key(), key.public_key());
        assert!(format!("{key:?}").starts_with("Sm2SigningKey("));
        assert!(!format!("{key:?}").contains("07070707"));
        assert_eq!(
            Sm2SigningKey::from_any(b"not a key").unwrap_err(),
            CryptoError::InvalidPrivateKey
        );
    }

    #[test]
    fn strict_der_only() {
        let key = Sm2SigningKey::from_bytes(&[0x42; 32]).unwrap();
        let der = sm2_signature_to_der(&key.sign(b"m").unwrap()).unwrap();
        let mut trailing = der.clone();
        trailing.push(0);
        assert_eq!(sm2_signature_from_der(&trailing), None);
        assert_eq!(sm2_signature_from_der(&der[..der.len() - 1]), None);
        assert_eq!(sm2_signature_to_der(&[0; 64]), None);
    }
}
