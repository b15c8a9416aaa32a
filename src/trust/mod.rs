//! The verifier's trust anchors: named issuer keys, X.509 roots and seal makers.
//!
//! A key speaks for an agency (USCC) in one of three ways: it was added for that agency, an
//! X.509 chain to a trusted root certifies it (the agency code in the leaf), or a seal made
//! by a trusted seal maker authorises it (the seal owner's code). The verifier requires that
//! agency to equal the certificate's claimed issuer.

pub mod x509;

use std::collections::HashMap;

use crate::crypto::{KeyId, PublicKey};
use crate::model::Uscc;
pub use x509::{ChainError, ValidatedChain, X509Anchor};

/// Why a trust anchor was not added.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TrustError {
    /// The same public key is already in the store.
    #[error("key {0} is already trusted")]
    DuplicateKey(KeyId),
    /// The anchor's name is empty.
    #[error("a trusted key needs a name")]
    EmptyName,
    /// An X.509 root that cannot serve as one.
    #[error("X.509 root refused: {0}")]
    Root(#[from] ChainError),
    /// The same X.509 root is already in the store.
    #[error("this X.509 root is already trusted")]
    DuplicateRoot,
}

/// An issuer key the verifier trusts, and what it is trusted for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustedKey {
    name: String,
    agency: Uscc,
    key: PublicKey,
    key_id: KeyId,
}

impl TrustedKey {
    /// A key established by a chain or a seal rather than configured.
    pub(crate) fn established(name: String, agency: Uscc, key: PublicKey) -> Self {
        let key_id = key.key_id();
        Self {
            name,
            agency,
            key,
            key_id,
        }
    }

    /// A human-readable name for reports, e.g. "北京市市场监督管理局 2026".
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The agency this key speaks for.
    #[must_use]
    pub fn agency(&self) -> &Uscc {
        &self.agency
    }

    /// The public key.
    #[must_use]
    pub fn public_key(&self) -> &PublicKey {
        &self.key
    }

    /// The key identifier.
    #[must_use]
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }
}

/// A set of trusted issuer keys, looked up by key identifier.
#[derive(Clone, Debug, Default)]
pub struct TrustStore {
    by_kid: HashMap<KeyId, Vec<TrustedKey>>,
    seal_makers: HashMap<KeyId, Vec<(String, PublicKey)>>,
    roots: Vec<X509Anchor>,
}

impl TrustStore {
    /// An empty store. A verifier refuses to be built on an empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Trusts `key` to sign certificates for the agency `agency`.
    ///
    /// # Errors
    /// [`TrustError`] for an empty name or a key already present.
    pub fn add_issuer_key(
        &mut self,
        name: &str,
        agency: Uscc,
        key: PublicKey,
    ) -> Result<&mut Self, TrustError> {
        if name.trim().is_empty() {
            return Err(TrustError::EmptyName);
        }
        let key_id = key.key_id();
        let slot = self.by_kid.entry(key_id).or_default();
        if slot.iter().any(|t| t.key == key) {
            return Err(TrustError::DuplicateKey(key_id));
        }
        slot.push(TrustedKey {
            name: name.to_owned(),
            agency,
            key,
            key_id,
        });
        Ok(self)
    }

    /// Trusts `key` to make electronic seals (制章者): seals it signs are genuine.
    ///
    /// # Errors
    /// [`TrustError`] for an empty name or a key already present.
    pub fn add_seal_maker(&mut self, name: &str, key: PublicKey) -> Result<&mut Self, TrustError> {
        if name.trim().is_empty() {
            return Err(TrustError::EmptyName);
        }
        let key_id = key.key_id();
        let slot = self.seal_makers.entry(key_id).or_default();
        if slot.iter().any(|(_, k)| *k == key) {
            return Err(TrustError::DuplicateKey(key_id));
        }
        slot.push((name.to_owned(), key));
        Ok(self)
    }

    /// Trusts an X.509 root (DER): keys certified by a valid chain to it speak for the
    /// agency named in their leaf certificate.
    ///
    /// # Errors
    /// [`TrustError`] for an empty name, a certificate that cannot be a root, or a duplicate.
    pub fn add_x509_root(&mut self, name: &str, der: &[u8]) -> Result<&mut Self, TrustError> {
        if name.trim().is_empty() {
            return Err(TrustError::EmptyName);
        }
        let root = X509Anchor::from_der(name, der)?;
        if self.roots.iter().any(|r| r.der() == der) {
            return Err(TrustError::DuplicateRoot);
        }
        self.roots.push(root);
        Ok(self)
    }

    /// Trusts every certificate of a PEM text as an X.509 root, numbering the names
    /// (`name`, `name #2`, …) when there are several.
    ///
    /// # Errors
    /// As [`TrustStore::add_x509_root`]; nothing is added unless every root is accepted.
    pub fn add_x509_roots_pem(&mut self, name: &str, pem: &str) -> Result<&mut Self, TrustError> {
        let ders = x509::pem_certificates(pem)?;
        let mut staged = self.clone();
        for (i, der) in ders.iter().enumerate() {
            let numbered = if i == 0 {
                name.to_owned()
            } else {
                format!("{name} #{}", i + 1)
            };
            staged.add_x509_root(&numbered, der)?;
        }
        *self = staged;
        Ok(self)
    }

    /// Every trusted issuer key.
    pub fn issuer_keys(&self) -> impl Iterator<Item = &TrustedKey> {
        self.by_kid.values().flatten()
    }

    /// Every trusted seal maker: (name, key).
    pub fn seal_makers(&self) -> impl Iterator<Item = (&str, &PublicKey)> {
        self.seal_makers
            .values()
            .flatten()
            .map(|(name, key)| (name.as_str(), key))
    }

    /// The trusted X.509 roots.
    #[must_use]
    pub fn x509_roots(&self) -> &[X509Anchor] {
        &self.roots
    }

    /// The trusted seal makers whose key identifier is `kid`: (name, key).
    #[must_use]
    pub fn seal_maker_candidates(&self, kid: &[u8]) -> &[(String, PublicKey)] {
        <[u8; 8]>::try_from(kid)
            .ok()
            .and_then(|id| self.seal_makers.get(&KeyId(id)))
            .map_or(&[], Vec::as_slice)
    }

    /// The trusted keys whose identifier is `kid` (usually one; more on a collision, which
    /// the verifier resolves by trying each).
    #[must_use]
    pub fn candidates(&self, kid: &[u8]) -> &[TrustedKey] {
        <[u8; 8]>::try_from(kid)
            .ok()
            .and_then(|id| self.by_kid.get(&KeyId(id)))
            .map_or(&[], Vec::as_slice)
    }

    /// Number of anchors (issuer keys, seal makers and X.509 roots).
    #[must_use]
    pub fn len(&self) -> usize {
        self.by_kid.values().map(Vec::len).sum::<usize>()
            + self.seal_makers.values().map(Vec::len).sum::<usize>()
            + self.roots.len()
    }

    /// Whether the store holds no anchor.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.by_kid.is_empty() && self.seal_makers.is_empty() && self.roots.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{Ed25519SigningKey, Signer as _};

    #[test]
    fn lookup_and_duplicates() {
        let key = Ed25519SigningKey::from_seed(&[1; 32]).public_key();
        let agency = Uscc::parse("11100000000013338W").unwrap();
        let mut store = TrustStore::new();
        assert!(store.is_empty());
        store
            .add_issuer_key("MOHURD", agency.clone(), key.clone())
            .unwrap();
        assert_eq!(store.len(), 1);
        assert_eq!(store.candidates(key.key_id().as_bytes()).len(), 1);
        assert!(store.candidates(&[0; 8]).is_empty());
        assert!(store.candidates(&[0; 3]).is_empty());
        assert_eq!(
            store
                .add_issuer_key("again", agency.clone(), key.clone())
                .unwrap_err(),
            TrustError::DuplicateKey(key.key_id())
        );
        assert_eq!(
            store.add_issuer_key(" ", agency, key).unwrap_err(),
            TrustError::EmptyName
        );
    }
}
