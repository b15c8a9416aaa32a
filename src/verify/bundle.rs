//! Loading a trust bundle: the publisher's signature (under a key the app pins, through the
//! one envelope check), the bundle's own freshness, then every anchor (with its roles),
//! revoked key, seal and status list in it, each checked as if added one by one. The
//! verifier keeps the bundle's validity and checks it at every verification (check 0).

use super::envelope::{Envelope, EnvelopeError, ObjectKind};
use super::{
    BundleTerms, StatusListRejected, VerificationContext, Verifier, VerifierBuilder, VerifyError,
};
use crate::crypto::{Algorithm, PublicKey};
use crate::encoding::cbor::DecodeError;
use crate::limits::Limits;
use crate::model::bundle::TrustBundle;
use crate::time::UnixTime;
use crate::trust::{Role, Roles, TrustError, TrustStore, TrustedKey};

/// Why a trust bundle was refused. Nothing from a refused bundle is used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TrustBundleError {
    /// Not a canonical, bounded bundle.
    #[error("trust bundle does not decode: {0}")]
    Decode(#[from] DecodeError),
    /// The envelope: `typ`, header rules, algorithm, or not signed by a publisher key.
    #[error("trust bundle: {0}")]
    Envelope(#[from] EnvelopeError),
    /// Issued after the verification time.
    #[error("trust bundle issued at {issued_at}, after {now}")]
    NotYetValid {
        /// The bundle's issued-at.
        issued_at: UnixTime,
        /// Verification time.
        now: UnixTime,
    },
    /// Past its expiry: fetch a fresh one.
    #[error("trust bundle expired at {expires_at} (now {now})")]
    Expired {
        /// The bundle's expiry.
        expires_at: UnixTime,
        /// Verification time.
        now: UnixTime,
    },
    /// A key in the bundle is not a valid key of its algorithm, or has roles it cannot have.
    #[error("key {index} in the bundle is invalid")]
    InvalidKey {
        /// Position among the bundle's keys (agency keys, then seal makers).
        index: usize,
    },
    /// An anchor could not be trusted (duplicate, bad X.509 root, …).
    #[error("anchor refused: {0}")]
    Anchor(#[from] TrustError),
    /// A seal in the bundle does not verify.
    #[error("seal {index} in the bundle: {error}")]
    Seal {
        /// Position in the bundle's seals.
        index: usize,
        /// Why.
        error: VerifyError,
    },
    /// A status list in the bundle does not verify.
    #[error("status list {index} in the bundle: {error}")]
    StatusList {
        /// Position in the bundle's status lists.
        index: usize,
        /// Why.
        error: StatusListRejected,
    },
    /// The bundle holds no anchor.
    #[error("the trust bundle holds no anchor")]
    NoAnchors,
}

fn key(alg: i64, bytes: &[u8]) -> Option<PublicKey> {
    super::authority::parse_key(Algorithm::from_cose(alg)?, bytes)
}

impl Verifier {
    /// A verifier configured from a trust bundle signed by `publisher` (a key the app pins),
    /// fresh at `ctx`: its anchors become the trust store, its seals and status lists are
    /// verified and held, and every later verification checks the bundle is still in force.
    /// Set the policy on the returned builder.
    ///
    /// # Errors
    /// [`TrustBundleError`]; nothing is loaded from a refused bundle.
    pub fn from_trust_bundle(
        bytes: &[u8],
        publisher: &PublicKey,
        ctx: &VerificationContext,
        limits: &Limits,
    ) -> Result<VerifierBuilder, TrustBundleError> {
        let mut publishers = TrustStore::new();
        publishers.add(TrustedKey::new(
            "pinned bundle publisher",
            publisher.clone(),
            Roles::BUNDLE_PUBLISHER,
        ))?;
        Self::from_trust_bundle_trusting(bytes, &publishers, ctx, limits)
    }

    /// As [`Verifier::from_trust_bundle`], with the publishers in a trust store: keys or
    /// X.509 roots trusted for [`Role::BundlePublisher`] (and its revoked keys).
    ///
    /// # Errors
    /// [`TrustBundleError`]; nothing is loaded from a refused bundle.
    pub fn from_trust_bundle_trusting(
        bytes: &[u8],
        publishers: &TrustStore,
        ctx: &VerificationContext,
        limits: &Limits,
    ) -> Result<VerifierBuilder, TrustBundleError> {
        let kind = ObjectKind::TrustBundle;
        let envelope = Envelope::open(bytes, kind, limits)?;
        let bundle = TrustBundle::decode(envelope.sign1.payload, limits)?;
        let now = ctx.now;
        let candidates = envelope.resolve(
            Role::BundlePublisher,
            publishers,
            bundle.issued_at,
            now,
            limits,
        )?;
        envelope.verify(&candidates)?;
        if bundle.issued_at > now {
            return Err(TrustBundleError::NotYetValid {
                issued_at: bundle.issued_at,
                now,
            });
        }
        if now >= bundle.expires_at {
            return Err(TrustBundleError::Expired {
                expires_at: bundle.expires_at,
                now,
            });
        }
        let trust = anchors(&bundle)?;
        // Items are verified by a verifier on the bundle's anchors, then handed over.
        let staging = Self::builder(trust.clone())
            .with_limits(limits.clone())
            .build()
            .map_err(|_| TrustBundleError::NoAnchors)?;
        for (index, seal) in bundle.seals.iter().enumerate() {
            staging
                .add_seal(seal, ctx)
                .map_err(|error| TrustBundleError::Seal { index, error })?;
        }
        for (index, token) in bundle.status_lists.iter().enumerate() {
            staging
                .add_status_list(token, ctx)
                .map_err(|error| TrustBundleError::StatusList { index, error })?;
        }
        let mut builder = Self::builder(trust).with_limits(limits.clone());
        builder.seals = staging
            .seals
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        builder.status_lists = staging
            .status_lists
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        builder.bundle = Some(BundleTerms {
            issued_at: bundle.issued_at,
            expires_at: bundle.expires_at,
        });
        Ok(builder)
    }
}

/// The trust store a bundle describes: agency keys and roots with their roles, seal makers,
/// revoked keys.
fn anchors(bundle: &TrustBundle) -> Result<TrustStore, TrustBundleError> {
    let mut trust = TrustStore::new();
    for (index, k) in bundle.issuer_keys.iter().enumerate() {
        let invalid = TrustBundleError::InvalidKey { index };
        let public = key(k.alg, &k.key).ok_or(invalid.clone())?;
        let roles = Roles::from_bits(k.roles).ok_or(invalid)?;
        trust.add_agency_key(&k.name, k.agency.clone(), public, roles)?;
    }
    for root in &bundle.x509_roots {
        let roles = Roles::from_bits(root.roles).unwrap_or(Roles::NONE);
        trust.add_x509_root(&root.name, &root.bytes, roles)?;
    }
    for (i, m) in bundle.seal_makers.iter().enumerate() {
        let index = bundle.issuer_keys.len() + i;
        let public = key(m.alg, &m.bytes).ok_or(TrustBundleError::InvalidKey { index })?;
        trust.add_seal_maker(&m.name, public)?;
    }
    for revoked in &bundle.revoked_keys {
        trust.revoke_key(revoked.digest, revoked.since);
    }
    Ok(trust)
}
