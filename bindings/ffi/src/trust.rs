//! What a verifier trusts: issuer keys, X.509 roots, seal makers and revoked keys, for
//! their roles.

use std::time::SystemTime;

use yinzheng::model;

use crate::convert::{digest32, to_unix_opt};
use crate::error::{YinzhengError, invalid};
use crate::signer::{SignatureAlgorithm, public_key};

/// A role an anchor is trusted for: a key or chain trusted for one is never accepted for
/// another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum TrustRole {
    /// Signs certificates for its agency.
    Issuer,
    /// Makes seals (for any organisation); issues nothing.
    SealMaker,
    /// Signs its agency's status lists.
    StatusLists,
    /// Signs trust bundles.
    BundlePublisher,
    /// Stamps documents with a national (GB/T 38540) seal that lists its certificate.
    StampSigner,
}

impl From<TrustRole> for yinzheng::trust::Role {
    fn from(r: TrustRole) -> Self {
        match r {
            TrustRole::Issuer => Self::Issuer,
            TrustRole::SealMaker => Self::SealMaker,
            TrustRole::StatusLists => Self::StatusLists,
            TrustRole::BundlePublisher => Self::BundlePublisher,
            TrustRole::StampSigner => Self::StampSigner,
        }
    }
}

fn roles(roles: &[TrustRole]) -> yinzheng::trust::Roles {
    roles
        .iter()
        .map(|r| yinzheng::trust::Role::from(*r))
        .collect()
}

/// An X.509 root certificate the verifier trusts, for roles.
#[derive(Debug, Clone, uniffi::Record)]
pub struct TrustedRoot {
    /// A name for reports.
    pub name: String,
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// What chains to it are accepted for (each leaf must carry the role's key purpose).
    pub roles: Vec<TrustRole>,
    /// Accept leaves with no yinzheng key purpose for the root's single role (a PKI that
    /// marks none).
    #[uniffi(default = false)]
    pub allow_unmarked_leaves: bool,
}

/// A seal maker (制章者) the verifier trusts.
#[derive(Debug, Clone, uniffi::Record)]
pub struct TrustedSealMaker {
    /// A name for reports.
    pub name: String,
    /// The key's algorithm.
    pub algorithm: SignatureAlgorithm,
    /// The public key bytes.
    pub public_key: Vec<u8>,
}

/// A compromised key: nothing it signed is accepted when verifying at or after `since`
/// (always, without it), whatever signing time an object claims.
#[derive(Debug, Clone, uniffi::Record)]
pub struct RevokedKey {
    /// SHA-256 of the key's bytes (32 raw bytes for Ed25519, 33-byte compressed SEC1 for
    /// P-256; for an X.509 certificate, of the key it certifies).
    pub key_sha256: Vec<u8>,
    /// When the key stopped being trustworthy.
    #[uniffi(default = None)]
    pub since: Option<SystemTime>,
}

/// Everything a verifier may trust. At least one anchor is required.
#[derive(Debug, Clone, uniffi::Record)]
pub struct TrustAnchors {
    /// Agency keys, each for one agency and its roles.
    #[uniffi(default = [])]
    pub issuer_keys: Vec<TrustedIssuerKey>,
    /// X.509 roots: keys certified by a chain to one speak for the agency in their leaf.
    #[uniffi(default = [])]
    pub x509_roots: Vec<TrustedRoot>,
    /// Seal makers: seals they make authorise keys for the seal's owner.
    #[uniffi(default = [])]
    pub seal_makers: Vec<TrustedSealMaker>,
    /// End-entity certificates trusted by themselves for their roles (a national seal
    /// maker's or stamp signer's certificate whose vendor root is not published).
    #[uniffi(default = [])]
    pub pinned_certificates: Vec<TrustedRoot>,
    /// Compromised keys.
    #[uniffi(default = [])]
    pub revoked_keys: Vec<RevokedKey>,
}

/// A key the verifier trusts to sign for an agency, in the roles given.
#[derive(Debug, Clone, uniffi::Record)]
pub struct TrustedIssuerKey {
    /// A name for reports.
    pub name: String,
    /// The agency's USCC the key speaks for.
    pub agency_code: String,
    /// The key's algorithm.
    pub algorithm: SignatureAlgorithm,
    /// The public key bytes.
    pub public_key: Vec<u8>,
    /// What the key is trusted for (`Issuer`, `StatusLists`, or both).
    pub roles: Vec<TrustRole>,
    /// Another key identifier its objects carry (an IETF status list's `kid`, e.g. `"12"`),
    /// besides the library's own.
    #[uniffi(default = None)]
    pub key_id: Option<Vec<u8>>,
}

pub(crate) fn trust_store(
    anchors: TrustAnchors,
) -> Result<yinzheng::trust::TrustStore, YinzhengError> {
    let mut trust = yinzheng::trust::TrustStore::new();
    for anchor in anchors.issuer_keys {
        let agency = model::Uscc::parse(&anchor.agency_code).map_err(invalid)?;
        let key = public_key(anchor.algorithm, &anchor.public_key)?;
        let mut trusted = yinzheng::trust::TrustedKey::new(&anchor.name, key, roles(&anchor.roles))
            .for_agency(agency);
        if let Some(kid) = &anchor.key_id {
            trusted = trusted.with_key_id(kid);
        }
        trust.add(trusted).map_err(invalid)?;
    }
    for root in anchors.x509_roots {
        let root_roles = roles(&root.roles);
        trust
            .add_x509_root(&root.name, &root.der, root_roles)
            .map_err(invalid)?;
        if root.allow_unmarked_leaves {
            let role = root_roles
                .single()
                .ok_or_else(|| invalid("unmarked leaves need a root with exactly one role"))?;
            trust
                .allow_unmarked_leaves(&root.name, role)
                .map_err(invalid)?;
        }
    }
    for pinned in anchors.pinned_certificates {
        trust
            .add_pinned_certificate(&pinned.name, &pinned.der, roles(&pinned.roles))
            .map_err(invalid)?;
    }
    for maker in anchors.seal_makers {
        let key = public_key(maker.algorithm, &maker.public_key)?;
        trust.add_seal_maker(&maker.name, key).map_err(invalid)?;
    }
    for revoked in anchors.revoked_keys {
        let digest = digest32(revoked.key_sha256, "key_sha256")?;
        trust.revoke_key(digest, to_unix_opt(revoked.since)?);
    }
    Ok(trust)
}
