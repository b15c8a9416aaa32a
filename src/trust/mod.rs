//! The verifier's trust anchors: raw keys and X.509 roots, each trusted for named [`Role`]s,
//! and the keys known to be compromised.
//!
//! A key speaks for an agency (USCC) in one of three ways: it was added for that agency, an
//! X.509 chain to a root trusted for the role certifies it (the agency code in the leaf, the
//! role in the leaf's key purposes), or a seal made by a trusted seal maker authorises it (the
//! seal owner's code). The verifier requires that agency to equal the one the signed object
//! claims. A key marked revoked ([`TrustStore::revoke_key`]) verifies nothing, whatever
//! signing time an object claims.

mod roles;
pub mod x509;

use std::collections::HashMap;

use crate::crypto::{KeyId, PublicKey, sha256};
use crate::model::Uscc;
use crate::time::UnixTime;
pub use roles::{Role, Roles};
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
    /// An anchor trusted for no role could never verify anything.
    #[error("anchor {name}: no role given")]
    NoRoles {
        /// The anchor's name.
        name: String,
    },
    /// Issuers and status-list signers speak for one agency, which must be named.
    #[error("anchor {name}: the {role} role needs the agency the key speaks for")]
    AgencyRequired {
        /// The anchor's name.
        name: String,
        /// The role that needs it.
        role: Role,
    },
    /// An X.509 root that cannot serve as one.
    #[error("X.509 root refused: {0}")]
    Root(#[from] ChainError),
    /// The same X.509 root is already in the store.
    #[error("this X.509 root is already trusted")]
    DuplicateRoot,
    /// No X.509 root of that name is in the store.
    #[error("no X.509 root named {0} is trusted")]
    UnknownRoot(String),
    /// Unmarked leaves can only be accepted under a root trusted for that one role.
    #[error("root {name}: unmarked leaves need a root trusted for the {role} role alone")]
    UnmarkedLeavesNeedOneRole {
        /// The root's name.
        name: String,
        /// The role asked for.
        role: Role,
    },
}

/// A key the verifier trusts, and what it is trusted for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustedKey {
    name: String,
    agency: Option<Uscc>,
    key: PublicKey,
    key_id: KeyId,
    roles: Roles,
    external_key_id: Option<Vec<u8>>,
}

impl TrustedKey {
    /// `key`, named `name` in reports, trusted for `roles`. Issuer and status-list roles also
    /// need [`TrustedKey::for_agency`].
    #[must_use]
    pub fn new(name: &str, key: PublicKey, roles: Roles) -> Self {
        Self {
            name: name.to_owned(),
            agency: None,
            key_id: key.key_id(),
            key,
            roles,
            external_key_id: None,
        }
    }

    /// The agency the key speaks for.
    #[must_use]
    pub fn for_agency(mut self, agency: Uscc) -> Self {
        self.agency = Some(agency);
        self
    }

    /// Also finds the key under `kid`, the key identifier another issuer's objects carry (an
    /// IETF status list's `kid` is whatever its issuer chose, e.g. `"12"`); our own 8-byte
    /// identifier still works.
    #[must_use]
    pub fn with_key_id(mut self, kid: &[u8]) -> Self {
        self.external_key_id = Some(kid.to_vec());
        self
    }

    /// A human-readable name for reports, e.g. "北京市市场监督管理局 2026".
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The agency this key speaks for, if it speaks for one.
    #[must_use]
    pub fn agency(&self) -> Option<&Uscc> {
        self.agency.as_ref()
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

    /// What the key is trusted for.
    #[must_use]
    pub fn roles(&self) -> Roles {
        self.roles
    }
}

/// A compromised key: nothing it signed is accepted when verifying at or after `since`
/// (always, without it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RevokedKey {
    /// SHA-256 of the key's bytes ([`PublicKey::to_bytes`]; for an X.509 certificate, of the
    /// key it certifies).
    pub digest: [u8; 32],
    /// When the key stopped being trustworthy; `None` is "always".
    pub since: Option<UnixTime>,
}

impl RevokedKey {
    /// Whether the revocation applies when verifying at `now`.
    #[must_use]
    pub fn applies_at(&self, now: UnixTime) -> bool {
        self.since.is_none_or(|since| now >= since)
    }
}

/// The SHA-256 digest by which keys are revoked and seals authorise them.
#[must_use]
pub fn key_digest(key: &PublicKey) -> [u8; 32] {
    sha256(&key.to_bytes())
}

/// Trusted keys (by key identifier) and X.509 roots, each for roles, and revoked keys.
///
/// A collection filled with `add_*`; every key is trusted for roles, and an agency's key for
/// that agency only.
///
/// ```
/// use yinzheng::crypto::{Ed25519SigningKey, Signer as _};
/// use yinzheng::model::Uscc;
/// use yinzheng::trust::{Role, Roles, TrustStore};
/// use yinzheng::time::UnixTime;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let agency_key = Ed25519SigningKey::from_seed(&[7; 32]).public_key();
/// let maker_key = Ed25519SigningKey::from_seed(&[8; 32]).public_key();
/// let mut trust = TrustStore::new();
/// let jilin = Uscc::parse("11220000013544541J")?;
/// trust
///     .add_agency_key("吉林省住建厅 2026", jilin, agency_key.clone(), Roles::AGENCY)?
///     .add_seal_maker("福州市印章制作中心", maker_key.clone())?;
///
/// // A seal maker's key cannot issue, and the agency's key cannot make seals.
/// let kid = maker_key.key_id();
/// assert_eq!(trust.candidates(kid.as_bytes(), Role::Issuer).count(), 0);
/// assert_eq!(trust.candidates(kid.as_bytes(), Role::SealMaker).count(), 1);
///
/// // Revoked from an instant on: refused for verifications after it.
/// let from = UnixTime::from_secs(1_790_000_000);
/// trust.revoke_public_key(&agency_key, Some(from));
/// let digest = yinzheng::trust::key_digest(&agency_key);
/// assert!(trust.revocation(&digest, from.saturating_add(1)).is_some());
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, Default)]
pub struct TrustStore {
    by_kid: HashMap<Vec<u8>, Vec<TrustedKey>>,
    roots: Vec<X509Anchor>,
    revoked: HashMap<[u8; 32], Option<UnixTime>>,
}

impl TrustStore {
    /// An empty store. A verifier refuses to be built on a store without anchors.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Trusts a key for its roles.
    ///
    /// # Errors
    /// [`TrustError`] for an empty name, no roles, an issuer or status-list key without an
    /// agency, or a key already present.
    pub fn add(&mut self, anchor: TrustedKey) -> Result<&mut Self, TrustError> {
        if anchor.name.trim().is_empty() {
            return Err(TrustError::EmptyName);
        }
        if anchor.roles.is_empty() {
            return Err(TrustError::NoRoles { name: anchor.name });
        }
        if anchor.agency.is_none()
            && let Some(role) = [Role::Issuer, Role::StatusLists]
                .into_iter()
                .find(|r| anchor.roles.contains(*r))
        {
            return Err(TrustError::AgencyRequired {
                name: anchor.name,
                role,
            });
        }
        if self.keys().any(|k| k.key == anchor.key) {
            return Err(TrustError::DuplicateKey(anchor.key_id));
        }
        let mut ids = vec![anchor.key_id.as_bytes().to_vec()];
        ids.extend(anchor.external_key_id.clone());
        for id in ids {
            self.by_kid.entry(id).or_default().push(anchor.clone());
        }
        Ok(self)
    }

    /// Trusts `key` for `roles` on behalf of `agency` (usually [`Roles::AGENCY`]: it issues
    /// certificates and signs the agency's status lists).
    ///
    /// # Errors
    /// As [`TrustStore::add`].
    pub fn add_agency_key(
        &mut self,
        name: &str,
        agency: Uscc,
        key: PublicKey,
        roles: Roles,
    ) -> Result<&mut Self, TrustError> {
        self.add(TrustedKey::new(name, key, roles).for_agency(agency))
    }

    /// Trusts `key` to sign certificates for `agency` (and nothing else).
    ///
    /// # Errors
    /// As [`TrustStore::add`].
    pub fn add_issuer_key(
        &mut self,
        name: &str,
        agency: Uscc,
        key: PublicKey,
    ) -> Result<&mut Self, TrustError> {
        self.add_agency_key(name, agency, key, Roles::ISSUER)
    }

    /// Trusts `key` to make electronic seals (制章者): seals it signs are genuine, for any
    /// organisation. It issues nothing.
    ///
    /// # Errors
    /// As [`TrustStore::add`].
    pub fn add_seal_maker(&mut self, name: &str, key: PublicKey) -> Result<&mut Self, TrustError> {
        self.add(TrustedKey::new(name, key, Roles::SEAL_MAKER))
    }

    /// Trusts an X.509 root (DER) for `roles`: a chain to it is accepted for one of them when
    /// its leaf is marked for that role (the role's key purpose in extendedKeyUsage, see
    /// [`Role::key_purpose_oid`]), and speaks for the agency in the leaf's
    /// organizationIdentifier.
    ///
    /// # Errors
    /// [`TrustError`] for an empty name, no roles, a certificate that cannot be a root, or a
    /// duplicate.
    pub fn add_x509_root(
        &mut self,
        name: &str,
        der: &[u8],
        roles: Roles,
    ) -> Result<&mut Self, TrustError> {
        self.add_certificate_anchor(name, der, roles, X509Anchor::from_der)
    }

    /// Pins an end-entity X.509 certificate (DER) for `roles` (see [`X509Anchor::pinned`]):
    /// a chain whose leaf is exactly these bytes is accepted for one of them, at times within
    /// the certificate's validity, with no issuer above it. For national PKIs whose seal
    /// makers and signers are known by certificate rather than through a fit root.
    ///
    /// # Errors
    /// [`TrustError`] for an empty name, no roles, a certificate that cannot be a leaf, or a
    /// duplicate.
    pub fn add_pinned_certificate(
        &mut self,
        name: &str,
        der: &[u8],
        roles: Roles,
    ) -> Result<&mut Self, TrustError> {
        self.add_certificate_anchor(name, der, roles, X509Anchor::pinned)
    }

    /// Adds the certificate anchor `read` makes of `der`, after the checks every anchor gets.
    fn add_certificate_anchor(
        &mut self,
        name: &str,
        der: &[u8],
        roles: Roles,
        read: fn(&str, &[u8], Roles) -> Result<X509Anchor, ChainError>,
    ) -> Result<&mut Self, TrustError> {
        if name.trim().is_empty() {
            return Err(TrustError::EmptyName);
        }
        if roles.is_empty() {
            return Err(TrustError::NoRoles {
                name: name.to_owned(),
            });
        }
        let anchor = read(name, der, roles)?;
        if self.roots.iter().any(|r| r.der() == der) {
            return Err(TrustError::DuplicateRoot);
        }
        self.roots.push(anchor);
        Ok(self)
    }

    /// Trusts every certificate of a PEM text as an X.509 root for `roles`, numbering the
    /// names (`name`, `name #2`, …) when there are several.
    ///
    /// # Errors
    /// As [`TrustStore::add_x509_root`]; nothing is added unless every root is accepted.
    pub fn add_x509_roots_pem(
        &mut self,
        name: &str,
        pem: &str,
        roles: Roles,
    ) -> Result<&mut Self, TrustError> {
        let ders = x509::pem_certificates(pem)?;
        let mut staged = self.clone();
        for (i, der) in ders.iter().enumerate() {
            let numbered = if i == 0 {
                name.to_owned()
            } else {
                format!("{name} #{}", i + 1)
            };
            staged.add_x509_root(&numbered, der, roles)?;
        }
        *self = staged;
        Ok(self)
    }

    /// Loosening for a PKI that marks no roles: leaves under the root `root_name` that carry
    /// none of the yinzheng key purposes are accepted for `role`. The root must be trusted
    /// for that role alone, so an unmarked leaf can never serve two roles.
    ///
    /// # Errors
    /// [`TrustError::UnknownRoot`], [`TrustError::UnmarkedLeavesNeedOneRole`].
    pub fn allow_unmarked_leaves(
        &mut self,
        root_name: &str,
        role: Role,
    ) -> Result<&mut Self, TrustError> {
        let root = self
            .roots
            .iter_mut()
            .find(|r| r.name() == root_name)
            .ok_or_else(|| TrustError::UnknownRoot(root_name.to_owned()))?;
        if root.roles().single() != Some(role) {
            return Err(TrustError::UnmarkedLeavesNeedOneRole {
                name: root_name.to_owned(),
                role,
            });
        }
        root.allow_unmarked_leaves();
        Ok(self)
    }

    /// Marks the key with SHA-256 `digest` (see [`key_digest`]) compromised: from `since` (or
    /// always), everything it signed is refused whatever signing time it claims — as issuer,
    /// seal maker, stamping key, status-list signer, bundle publisher or X.509 certificate of
    /// a chain. The earliest `since` given for a key wins.
    pub fn revoke_key(&mut self, digest: [u8; 32], since: Option<UnixTime>) -> &mut Self {
        let held = self.revoked.entry(digest).or_insert(since);
        *held = match (*held, since) {
            (Some(a), Some(b)) => Some(a.min(b)),
            _ => None,
        };
        self
    }

    /// As [`TrustStore::revoke_key`] for a key at hand.
    pub fn revoke_public_key(&mut self, key: &PublicKey, since: Option<UnixTime>) -> &mut Self {
        self.revoke_key(key_digest(key), since)
    }

    /// The revocation of the key with SHA-256 `digest` that applies when verifying at `now`.
    #[must_use]
    pub fn revocation(&self, digest: &[u8; 32], now: UnixTime) -> Option<RevokedKey> {
        let since = *self.revoked.get(digest)?;
        let revoked = RevokedKey {
            digest: *digest,
            since,
        };
        revoked.applies_at(now).then_some(revoked)
    }

    /// Whether any key is marked revoked (lets verification skip digesting keys when none is).
    #[must_use]
    pub fn has_revocations(&self) -> bool {
        !self.revoked.is_empty()
    }

    /// Every revoked key.
    pub fn revoked_keys(&self) -> impl Iterator<Item = RevokedKey> + '_ {
        self.revoked.iter().map(|(digest, since)| RevokedKey {
            digest: *digest,
            since: *since,
        })
    }

    /// Every trusted key (each once).
    pub fn keys(&self) -> impl Iterator<Item = &TrustedKey> {
        self.by_kid
            .iter()
            .flat_map(|(kid, keys)| keys.iter().filter(move |k| k.key_id.as_bytes() == &kid[..]))
    }

    /// The keys with identifier `kid` trusted for `role` (usually one; more on a collision,
    /// which the verifier resolves by trying each, up to its candidate limit).
    pub fn candidates(&self, kid: &[u8], role: Role) -> impl Iterator<Item = &TrustedKey> {
        self.by_kid
            .get(kid)
            .into_iter()
            .flatten()
            .filter(move |k| k.roles.contains(role))
    }

    /// The trusted X.509 roots and pinned certificates ([`X509Anchor::is_pinned`]).
    #[must_use]
    pub fn x509_roots(&self) -> &[X509Anchor] {
        &self.roots
    }

    /// Number of anchors (keys and X.509 roots).
    #[must_use]
    pub fn len(&self) -> usize {
        self.keys().count() + self.roots.len()
    }

    /// Whether the store holds no anchor (revoked keys alone verify nothing).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.by_kid.is_empty() && self.roots.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{Ed25519SigningKey, Signer as _};

    #[test]
    fn lookup_roles_and_duplicates() {
        let key = Ed25519SigningKey::from_seed(&[1; 32]).public_key();
        let agency = Uscc::parse("11100000000013338W").unwrap();
        let mut store = TrustStore::new();
        assert!(store.is_empty());
        store
            .add_issuer_key("MOHURD", agency.clone(), key.clone())
            .unwrap();
        assert_eq!(store.len(), 1);
        let kid = key.key_id();
        assert_eq!(store.candidates(kid.as_bytes(), Role::Issuer).count(), 1);
        assert_eq!(
            store.candidates(kid.as_bytes(), Role::StatusLists).count(),
            0
        );
        assert_eq!(store.candidates(kid.as_bytes(), Role::SealMaker).count(), 0);
        assert_eq!(store.candidates(&[0; 8], Role::Issuer).count(), 0);
        assert_eq!(
            store
                .add_issuer_key("again", agency.clone(), key.clone())
                .unwrap_err(),
            TrustError::DuplicateKey(kid)
        );
        assert_eq!(
            store.add_issuer_key(" ", agency, key.clone()).unwrap_err(),
            TrustError::EmptyName
        );
        let other = Ed25519SigningKey::from_seed(&[2; 32]).public_key();
        assert!(matches!(
            store.add(TrustedKey::new("lists", other.clone(), Roles::STATUS_LISTS)),
            Err(TrustError::AgencyRequired {
                role: Role::StatusLists,
                ..
            })
        ));
        assert!(matches!(
            store.add(TrustedKey::new("nothing", other.clone(), Roles::NONE)),
            Err(TrustError::NoRoles { .. })
        ));
        store
            .add(TrustedKey::new("maker", other.clone(), Roles::SEAL_MAKER).with_key_id(b"12"))
            .unwrap();
        assert_eq!(store.candidates(b"12", Role::SealMaker).count(), 1);
        assert_eq!(store.keys().count(), 2);
    }

    #[test]
    fn revocations_apply_from_their_time() {
        let key = Ed25519SigningKey::from_seed(&[1; 32]).public_key();
        let digest = key_digest(&key);
        let mut store = TrustStore::new();
        store.revoke_public_key(&key, Some(UnixTime::from_secs(100)));
        assert_eq!(store.revocation(&digest, UnixTime::from_secs(99)), None);
        assert!(
            store
                .revocation(&digest, UnixTime::from_secs(100))
                .is_some()
        );
        store.revoke_key(digest, Some(UnixTime::from_secs(50)));
        assert!(store.revocation(&digest, UnixTime::from_secs(60)).is_some());
        store.revoke_key(digest, None);
        assert!(store.revocation(&digest, UnixTime::from_secs(0)).is_some());
        assert!(store.is_empty(), "revoked keys are not anchors");
    }
}
