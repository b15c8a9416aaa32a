//! Loading a trust bundle: the publisher's signature (under a key the app pins), the
//! bundle's own freshness, then every anchor, seal and status list in it, each checked as if
//! added one by one.

use std::collections::HashMap;

use super::{VerificationContext, Verifier, VerifierBuilder, VerifyError};
use crate::crypto::{Algorithm, PublicKey};
use crate::encoding::cbor::DecodeError;
use crate::encoding::cose::CoseSign1;
use crate::limits::Limits;
use crate::model::bundle::{TRUST_BUNDLE_TYP, TrustBundle};
use crate::status::StatusListError;
use crate::time::UnixTime;
use crate::trust::{TrustError, TrustStore};

/// Why a trust bundle was refused. Nothing from a refused bundle is used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TrustBundleError {
    /// Not a canonical, bounded bundle.
    #[error("trust bundle does not decode: {0}")]
    Decode(#[from] DecodeError),
    /// Not a trust bundle (`typ`).
    #[error("not a trust bundle")]
    WrongType,
    /// Not signed by the pinned publisher key.
    #[error("trust bundle signature does not verify under the publisher key")]
    BadSignature,
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
    /// A key in the bundle is not a valid key of its algorithm.
    #[error("key {index} in the bundle is invalid")]
    InvalidKey {
        /// Position among the bundle's keys (issuer keys, then seal makers).
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
        error: StatusListError,
    },
    /// The bundle holds no anchor.
    #[error("the trust bundle holds no anchor")]
    NoAnchors,
}

fn into_map<V>(lock: std::sync::RwLock<HashMap<String, V>>) -> HashMap<String, V> {
    lock.into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn key(alg: i64, bytes: &[u8]) -> Option<PublicKey> {
    super::authority::parse_key(Algorithm::from_cose(alg)?, bytes)
}

impl Verifier {
    /// A verifier configured from a trust bundle signed by `publisher` (a key the app pins),
    /// fresh at `ctx`: its anchors become the trust store, its seals and status lists are
    /// verified and held. Set the policy on the returned builder.
    ///
    /// # Errors
    /// [`TrustBundleError`]; nothing is loaded from a refused bundle.
    pub fn from_trust_bundle(
        bytes: &[u8],
        publisher: &PublicKey,
        ctx: &VerificationContext,
        limits: &Limits,
    ) -> Result<VerifierBuilder, TrustBundleError> {
        let sign1 = CoseSign1::decode(bytes, limits)?;
        if sign1.protected.typ != TRUST_BUNDLE_TYP {
            return Err(TrustBundleError::WrongType);
        }
        let alg =
            Algorithm::from_cose(sign1.protected.alg).ok_or(TrustBundleError::BadSignature)?;
        publisher
            .verify(alg, &sign1.to_be_signed(), sign1.signature)
            .map_err(|_| TrustBundleError::BadSignature)?;
        let bundle = TrustBundle::decode(sign1.payload, limits)?;
        let now = ctx.now;
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

        let mut trust = TrustStore::new();
        for (index, k) in bundle.issuer_keys.iter().enumerate() {
            let public = key(k.alg, &k.key).ok_or(TrustBundleError::InvalidKey { index })?;
            trust.add_issuer_key(&k.name, k.agency.clone(), public)?;
        }
        for root in &bundle.x509_roots {
            trust.add_x509_root(&root.name, &root.bytes)?;
        }
        for (i, m) in bundle.seal_makers.iter().enumerate() {
            let index = bundle.issuer_keys.len() + i;
            let public = key(m.alg, &m.bytes).ok_or(TrustBundleError::InvalidKey { index })?;
            trust.add_seal_maker(&m.name, public)?;
        }
        // Items are verified by a verifier on the bundle's anchors, then handed over.
        let staging = Self::builder(trust.clone())
            .limits(limits.clone())
            .build()
            .map_err(|_| TrustBundleError::NoAnchors)?;
        for (index, seal) in bundle.seals.iter().enumerate() {
            staging
                .add_seal(seal)
                .map_err(|error| TrustBundleError::Seal { index, error })?;
        }
        for (index, token) in bundle.status_lists.iter().enumerate() {
            staging
                .add_status_list(token)
                .map_err(|error| TrustBundleError::StatusList { index, error })?;
        }
        let mut builder = Self::builder(trust).limits(limits.clone());
        builder.seals = into_map(staging.seals);
        builder.status_lists = into_map(staging.status_lists);
        Ok(builder)
    }
}
