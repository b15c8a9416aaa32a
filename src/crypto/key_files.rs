//! Private keys in files encrypted under a password (feature `encrypted-keys`): PKCS#8
//! `EncryptedPrivateKeyInfo` (RFC 5958, `-----BEGIN ENCRYPTED PRIVATE KEY-----`) with PBES2
//! (RFC 8018) through RustCrypto's `pkcs8`/`pkcs5`. Written with scrypt (N = 2^14, r = 8,
//! p = 1: what OpenSSL 3 reads within its default memory limit) and AES-256-CBC; read with any
//! PBES2 scheme those crates support (scrypt or PBKDF2-HMAC-SHA-2; AES-CBC or AES-GCM), after
//! checking that its cost stays within what a key file may ask for.

use zeroize::Zeroizing;

use super::{Ed25519SigningKey, P256SigningKey, RandomError, RandomSource};

/// scrypt's cost exponent for keys written here (N = 2^14).
pub const SCRYPT_LOG_N: u8 = 14;
/// The most scrypt memory (128 · r · N bytes) a key file may ask for when read: 256 MiB.
const MAX_SCRYPT_MEMORY: u64 = 256 << 20;
/// The most PBKDF2 iterations a key file may ask for when read.
const MAX_PBKDF2_ITERATIONS: u32 = 10_000_000;

const LABEL: &str = "ENCRYPTED PRIVATE KEY";

/// Why an encrypted key was not written or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyFileError {
    /// The text is not an encrypted PKCS#8 PEM document.
    #[error("not an encrypted PKCS#8 key (-----BEGIN {LABEL}-----)")]
    NotEncrypted,
    /// The password is wrong or the file is damaged (the two cannot be told apart).
    #[error("wrong password, or the key file is damaged")]
    Decryption,
    /// The file's encryption is not one this library reads (PBES1, DES, SHA-1 …).
    #[error("unsupported key encryption: {0}")]
    Unsupported(String),
    /// The file asks for more key-derivation work than a key file may.
    #[error("the key file's key derivation is too costly: {0}")]
    TooCostly(String),
    /// Decrypted, the key is not one of this algorithm.
    #[error("the decrypted key is not a {0} PKCS#8 key")]
    WrongKind(&'static str),
    /// The password is empty.
    #[error("the password is empty")]
    EmptyPassword,
    /// The random source failed (salt and IV).
    #[error(transparent)]
    Random(#[from] RandomError),
}

/// Whether `text` is an encrypted PKCS#8 PEM document (as opposed to a plain key).
#[must_use]
pub fn is_encrypted_pem(text: &str) -> bool {
    text.trim_start()
        .starts_with(&format!("-----BEGIN {LABEL}-----"))
}

/// A plain PKCS#8 PEM key (`-----BEGIN PRIVATE KEY-----`, any algorithm) encrypted under
/// `password`: what `keygen` writes for every algorithm it makes.
///
/// # Errors
/// [`KeyFileError::NotEncrypted`] is never returned; [`KeyFileError::Unsupported`] if
/// `plain_pem` is not a PKCS#8 key, [`KeyFileError::EmptyPassword`], [`KeyFileError::Random`].
pub fn encrypt_pkcs8_pem(
    plain_pem: &str,
    password: &[u8],
    rng: &dyn RandomSource,
) -> Result<Zeroizing<String>, KeyFileError> {
    let (label, der) = pkcs8::SecretDocument::from_pem(plain_pem)
        .map_err(|e| KeyFileError::Unsupported(e.to_string()))?;
    if label != "PRIVATE KEY" {
        return Err(KeyFileError::Unsupported(format!("a {label} document")));
    }
    encrypt(der.as_bytes(), password, rng)
}

/// The plain PKCS#8 PEM inside encrypted `pem`, for a caller that tells the algorithm from
/// the plain key.
///
/// # Errors
/// [`KeyFileError`]: not encrypted, wrong password, unsupported or too costly encryption.
pub fn decrypt_pkcs8_pem(pem: &str, password: &[u8]) -> Result<Zeroizing<String>, KeyFileError> {
    decrypt(pem, password)?
        .to_pem("PRIVATE KEY", pkcs8::LineEnding::LF)
        .map_err(|e| KeyFileError::Unsupported(e.to_string()))
}

/// `der` (a plain PKCS#8 `PrivateKeyInfo`) encrypted under `password`, as PEM.
fn encrypt(
    der: &[u8],
    password: &[u8],
    rng: &dyn RandomSource,
) -> Result<Zeroizing<String>, KeyFileError> {
    use pkcs8::pkcs5::pbes2;
    if password.is_empty() {
        return Err(KeyFileError::EmptyPassword);
    }
    let mut salt = [0u8; 16];
    let mut iv = [0u8; 16];
    rng.fill(&mut salt)?;
    rng.fill(&mut iv)?;
    let unsupported = |e: &dyn core::fmt::Display| KeyFileError::Unsupported(e.to_string());
    let cost = scrypt::Params::new(SCRYPT_LOG_N, 8, 1).map_err(|e| unsupported(&e))?;
    let params = pbes2::Parameters::generate_scrypt_aes256cbc(cost, &salt, iv)
        .map_err(|e| unsupported(&e))?;
    let info = pkcs8::PrivateKeyInfoRef::try_from(der).map_err(|e| unsupported(&e))?;
    info.encrypt_with_params(params, password)
        .and_then(|doc| doc.to_pem(LABEL, pkcs8::LineEnding::LF).map_err(Into::into))
        .map_err(|e| unsupported(&e))
}

/// The plain PKCS#8 DER inside encrypted `pem`.
fn decrypt(pem: &str, password: &[u8]) -> Result<pkcs8::SecretDocument, KeyFileError> {
    use pkcs8::der::Decode as _;
    use pkcs8::pkcs5::EncryptionScheme;
    if !is_encrypted_pem(pem) {
        return Err(KeyFileError::NotEncrypted);
    }
    let (label, doc) =
        pkcs8::Document::from_pem(pem.trim()).map_err(|_| KeyFileError::NotEncrypted)?;
    if label != LABEL {
        return Err(KeyFileError::NotEncrypted);
    }
    let info = pkcs8::EncryptedPrivateKeyInfoRef::from_der(doc.as_bytes())
        .map_err(|e| KeyFileError::Unsupported(e.to_string()))?;
    let EncryptionScheme::Pbes2(params) = &info.encryption_algorithm else {
        return Err(KeyFileError::Unsupported("PBES1".into()));
    };
    within_cost(&params.kdf)?;
    info.decrypt(password).map_err(|e| match e {
        pkcs8::Error::EncryptedPrivateKey(
            pkcs8::pkcs5::Error::UnsupportedAlgorithm { oid }
            | pkcs8::pkcs5::Error::AlgorithmParametersInvalid { oid },
        ) => KeyFileError::Unsupported(oid.to_string()),
        _ => KeyFileError::Decryption,
    })
}

impl Ed25519SigningKey {
    /// The key as encrypted PKCS#8 PEM (scrypt and AES-256-CBC, salt and IV from `rng`), which
    /// OpenSSL (`openssl pkey -passin …`) and Python's `cryptography` read.
    ///
    /// ```
    /// use yinzheng::crypto::{Ed25519SigningKey, OsRandom, Signer as _};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let key = Ed25519SigningKey::generate(&OsRandom)?;
    /// let pem = key.to_encrypted_pkcs8_pem(b"correct horse", &OsRandom)?;
    /// let again = Ed25519SigningKey::from_encrypted_pkcs8_pem(&pem, b"correct horse")?;
    /// assert_eq!(again.public_key(), key.public_key());
    /// assert!(Ed25519SigningKey::from_encrypted_pkcs8_pem(&pem, b"wrong").is_err());
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`KeyFileError::EmptyPassword`], or [`KeyFileError::Random`] if `rng` fails.
    pub fn to_encrypted_pkcs8_pem(
        &self,
        password: &[u8],
        rng: &dyn RandomSource,
    ) -> Result<Zeroizing<String>, KeyFileError> {
        use ed25519_dalek::pkcs8::EncodePrivateKey as _;
        let der = self
            .pkcs8_v1()
            .to_pkcs8_der()
            .map_err(|e| KeyFileError::Unsupported(e.to_string()))?;
        encrypt(der.as_bytes(), password, rng)
    }

    /// Reads an encrypted PKCS#8 PEM Ed25519 key.
    ///
    /// # Errors
    /// [`KeyFileError`]: not encrypted, wrong password, unsupported or too costly encryption,
    /// or not an Ed25519 key.
    pub fn from_encrypted_pkcs8_pem(pem: &str, password: &[u8]) -> Result<Self, KeyFileError> {
        use ed25519_dalek::pkcs8::DecodePrivateKey as _;
        let der = decrypt(pem, password)?;
        ed25519_dalek::SigningKey::from_pkcs8_der(der.as_bytes())
            .map(Self)
            .map_err(|_| KeyFileError::WrongKind("Ed25519"))
    }
}

impl P256SigningKey {
    /// The key as encrypted PKCS#8 PEM, like
    /// [`Ed25519SigningKey::to_encrypted_pkcs8_pem`].
    ///
    /// # Errors
    /// [`KeyFileError::EmptyPassword`], or [`KeyFileError::Random`] if `rng` fails.
    pub fn to_encrypted_pkcs8_pem(
        &self,
        password: &[u8],
        rng: &dyn RandomSource,
    ) -> Result<Zeroizing<String>, KeyFileError> {
        use p256::pkcs8::EncodePrivateKey as _;
        let der = self
            .0
            .to_pkcs8_der()
            .map_err(|e| KeyFileError::Unsupported(e.to_string()))?;
        encrypt(der.as_bytes(), password, rng)
    }

    /// Reads an encrypted PKCS#8 PEM P-256 key.
    ///
    /// # Errors
    /// [`KeyFileError`], as [`Ed25519SigningKey::from_encrypted_pkcs8_pem`].
    pub fn from_encrypted_pkcs8_pem(pem: &str, password: &[u8]) -> Result<Self, KeyFileError> {
        use p256::pkcs8::DecodePrivateKey as _;
        let der = decrypt(pem, password)?;
        p256::ecdsa::SigningKey::from_pkcs8_der(der.as_bytes())
            .map(Self)
            .map_err(|_| KeyFileError::WrongKind("P-256"))
    }
}

/// Refuses a key-derivation function asking for more work than a key file may: a file is
/// untrusted input, and its parameters are read before the password is tried.
fn within_cost(kdf: &pkcs8::pkcs5::pbes2::Kdf) -> Result<(), KeyFileError> {
    if let Some(scrypt) = kdf.scrypt() {
        let memory = (128 * u64::from(scrypt.block_size)).saturating_mul(scrypt.cost_parameter);
        if memory > MAX_SCRYPT_MEMORY || scrypt.parallelization > 16 {
            return Err(KeyFileError::TooCostly(format!(
                "scrypt N = {}, r = {}, p = {}",
                scrypt.cost_parameter, scrypt.block_size, scrypt.parallelization
            )));
        }
    }
    if let Some(pbkdf2) = kdf.pbkdf2()
        && pbkdf2.iteration_count > MAX_PBKDF2_ITERATIONS
    {
        return Err(KeyFileError::TooCostly(format!(
            "{} PBKDF2 iterations",
            pbkdf2.iteration_count
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{SeededRandom, Signer as _};

    #[test]
    fn keys_round_trip_and_refuse_the_wrong_password_or_kind() {
        let rng = SeededRandom::from_seed([7; 32]);
        let ed = Ed25519SigningKey::from_seed(&[1; 32]);
        let pem = ed.to_encrypted_pkcs8_pem(b"pw", &rng).unwrap();
        assert!(is_encrypted_pem(&pem));
        assert_eq!(
            Ed25519SigningKey::from_encrypted_pkcs8_pem(&pem, b"pw")
                .unwrap()
                .public_key(),
            ed.public_key()
        );
        assert!(matches!(
            Ed25519SigningKey::from_encrypted_pkcs8_pem(&pem, b"pW"),
            Err(KeyFileError::Decryption | KeyFileError::WrongKind(_))
        ));
        assert!(matches!(
            P256SigningKey::from_encrypted_pkcs8_pem(&pem, b"pw"),
            Err(KeyFileError::WrongKind("P-256"))
        ));
        let p = P256SigningKey::from_bytes(&[3; 32]).unwrap();
        let pem = p.to_encrypted_pkcs8_pem(b"pw", &rng).unwrap();
        assert_eq!(
            P256SigningKey::from_encrypted_pkcs8_pem(&pem, b"pw")
                .unwrap()
                .public_key(),
            p.public_key()
        );
        assert!(matches!(
            ed.to_encrypted_pkcs8_pem(b"", &rng),
            Err(KeyFileError::EmptyPassword)
        ));
        // A file asking for more scrypt work than a key file may is refused before deriving.
        let (_, der) = pkcs8::Document::from_pem(&pem).unwrap();
        let mut bytes = der.as_bytes().to_vec();
        let cost = [0x02, 0x02, 0x40, 0x00, 0x02, 0x01, 0x08, 0x02, 0x01, 0x01];
        let at = bytes.windows(cost.len()).position(|w| w == cost).unwrap();
        bytes[at + cost.len() - 1] = 0x7f;
        let costly = pkcs8::Document::try_from(bytes)
            .unwrap()
            .to_pem(LABEL, pkcs8::LineEnding::LF)
            .unwrap();
        assert!(matches!(
            P256SigningKey::from_encrypted_pkcs8_pem(&costly, b"pw"),
            Err(KeyFileError::TooCostly(_))
        ));
        let plain = ed.to_pkcs8_pem().unwrap();
        assert!(!is_encrypted_pem(&plain));
        assert!(matches!(
            Ed25519SigningKey::from_encrypted_pkcs8_pem(&plain, b"pw"),
            Err(KeyFileError::NotEncrypted)
        ));
    }

    #[test]
    fn key_derivation_is_allowed_up_to_the_limits_and_refused_one_past_them() {
        use pkcs8::pkcs5::pbes2::{Kdf, Pbkdf2Params, ScryptParams};
        let salt = [0u8; 16];
        let scrypt = |log_n: u8, r: u16, p: u16| {
            within_cost(&Kdf::from(ScryptParams {
                salt: salt[..].try_into().unwrap(),
                cost_parameter: 1 << log_n,
                block_size: r,
                parallelization: p,
                key_length: None,
            }))
        };
        // 128 · r · N bytes: 2^18 · 8 is exactly 256 MiB.
        assert!(scrypt(18, 8, 16).is_ok());
        assert!(matches!(scrypt(19, 8, 1), Err(KeyFileError::TooCostly(_))));
        assert!(matches!(scrypt(18, 9, 1), Err(KeyFileError::TooCostly(_))));
        assert!(matches!(scrypt(18, 8, 17), Err(KeyFileError::TooCostly(_))));
        assert!(matches!(
            scrypt(63, 0xffff, 1),
            Err(KeyFileError::TooCostly(_))
        ));
        let pbkdf2 = |iterations| {
            within_cost(&Kdf::from(
                Pbkdf2Params::hmac_sha256(iterations, &salt).unwrap(),
            ))
        };
        assert!(pbkdf2(MAX_PBKDF2_ITERATIONS).is_ok());
        assert!(matches!(
            pbkdf2(MAX_PBKDF2_ITERATIONS + 1),
            Err(KeyFileError::TooCostly(message)) if message.contains("10000001")
        ));
    }
}
