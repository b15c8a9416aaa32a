//! The offline [`Verifier`]: its policy, the seals and status lists it is given, and what
//! it verifies.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use yinzheng::{Limits, verify};

use crate::convert::{Clock, to_system, to_unix};
use crate::error::{YinzhengError, invalid};
use crate::presentation::VerifiedPresentation;
use crate::report::{CertificateVerdict, VerifiedCertificate};
use crate::seal::{SealInfo, VerifiedStamp};
use crate::signer::{SignatureAlgorithm, public_key};
use crate::trust::{TrustAnchors, TrustedIssuerKey, trust_store};

fn presentation_context(
    at: SystemTime,
    nonce: Option<Vec<u8>>,
    audience: Option<String>,
) -> Result<verify::VerificationContext, YinzhengError> {
    let mut ctx = verify::VerificationContext::at(to_unix(at)?);
    if let Some(nonce) = nonce {
        ctx = ctx.with_nonce(nonce);
    }
    if let Some(audience) = audience {
        ctx = ctx.with_audience(audience);
    }
    Ok(ctx)
}

/// What `Verifier.add_seal` did with a genuine seal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SealOutcome {
    /// The first version of its esID: held and current.
    Stored,
    /// A newer version from the same maker: now current.
    Replaced,
    /// An older version: held for certificates naming it, the newer stays current.
    KeptNewer,
    /// Already held.
    AlreadyHeld,
}

/// A seal the verifier accepted, and what it did with it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AddedSeal {
    /// The seal.
    pub seal: SealInfo,
    /// Stored, replaced, kept the newer, or already held.
    pub outcome: SealOutcome,
    /// The trusted maker, as reports name it.
    pub maker: String,
}

/// What `Verifier.add_status_list` did with a genuine list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum StatusListOutcome {
    /// No list was held for its agency and URI.
    Stored,
    /// It replaced an older one.
    Replaced,
    /// A list not older was held and kept.
    KeptHeld,
    /// Already held.
    AlreadyHeld,
}

/// A status list the verifier accepted, and what it did with it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AddedStatusList {
    /// The agency whose list it is (its signer speaks for it).
    pub agency_code: String,
    /// The list's URI.
    pub uri: String,
    /// Its issue time.
    pub issued_at: SystemTime,
    /// Stored, replaced, kept the held one, or already held.
    pub outcome: StatusListOutcome,
}

/// How strict the verifier is. The defaults are strict; each field loosens one check.
#[derive(Debug, Clone, uniffi::Record)]
pub struct VerifierPolicy {
    /// Seconds of clock skew accepted around validity windows (at most 300).
    #[uniffi(default = 0)]
    pub allow_clock_skew_seconds: u64,
    /// Accept certificates whose status cannot be established (no or stale list); the report
    /// still says UNKNOWN. REVOKED and SUSPENDED always reject.
    #[uniffi(default = false)]
    pub allow_unknown_status: bool,
    /// Remember this many unexpired presentations and refuse any shown twice (0: off).
    #[uniffi(default = 0)]
    pub replay_cache_capacity: u64,
    /// Accept a device-bound certificate shown as itself, without a presentation (back
    /// offices only).
    #[uniffi(default = false)]
    pub allow_holder_bound_without_presentation: bool,
    /// Let `verify_certificates` check Ed25519 issuer signatures with one cofactored batch
    /// equation. It also accepts signatures a trusted issuer deliberately gave a small-order
    /// component, which strict single verification refuses (nobody else can make them).
    #[uniffi(default = false)]
    pub allow_cofactored_batch: bool,
}

fn apply_policy(
    builder: verify::VerifierBuilder,
    policy: &VerifierPolicy,
) -> verify::VerifierBuilder {
    let mut builder =
        builder.allow_clock_skew(Duration::from_secs(policy.allow_clock_skew_seconds));
    if policy.allow_unknown_status {
        builder = builder.allow_unknown_status();
    }
    if policy.replay_cache_capacity > 0 {
        let capacity = usize::try_from(policy.replay_cache_capacity).unwrap_or(usize::MAX);
        builder = builder.with_replay_cache(Arc::new(verify::ReplayCache::new(capacity)));
    }
    if policy.allow_holder_bound_without_presentation {
        builder = builder.allow_holder_bound_without_presentation();
    }
    if policy.allow_cofactored_batch {
        builder = builder.allow_cofactored_batch();
    }
    builder
}

/// Verifies certificates offline against trusted keys.
#[derive(uniffi::Object)]
pub struct Verifier {
    pub(crate) inner: verify::Verifier,
}

#[uniffi::export]
impl Verifier {
    /// A verifier trusting `anchors` (at least one).
    ///
    /// # Errors
    /// [`YinzhengError::InvalidInput`] with no anchors, no roles or a bad agency code,
    /// [`YinzhengError::InvalidKey`] for a bad key.
    #[uniffi::constructor]
    pub fn new(
        anchors: Vec<TrustedIssuerKey>,
        policy: VerifierPolicy,
    ) -> Result<Arc<Self>, YinzhengError> {
        Self::with_anchors(
            TrustAnchors {
                issuer_keys: anchors,
                x509_roots: Vec::new(),
                seal_makers: Vec::new(),
                pinned_certificates: Vec::new(),
                revoked_keys: Vec::new(),
            },
            policy,
        )
    }

    /// A verifier trusting agency keys, X.509 roots and seal makers for their roles, and
    /// refusing what revoked keys signed.
    ///
    /// # Errors
    /// [`YinzhengError::InvalidInput`] with no anchors, a bad agency code or a root that cannot
    /// be one; [`YinzhengError::InvalidKey`] for a bad key.
    #[uniffi::constructor]
    pub fn with_anchors(
        anchors: TrustAnchors,
        policy: VerifierPolicy,
    ) -> Result<Arc<Self>, YinzhengError> {
        let trust = trust_store(anchors)?;
        let inner = apply_policy(verify::Verifier::builder(trust), &policy)
            .build()
            .map_err(invalid)?;
        Ok(Arc::new(Self { inner }))
    }

    /// A verifier configured from a trust bundle (anchors, agency seals, status lists)
    /// signed by the publisher key the app pins, fresh at `at`.
    ///
    /// # Errors
    /// [`YinzhengError::InvalidKey`] for a bad publisher key; [`YinzhengError::InvalidInput`]
    /// if the bundle does not verify, is not fresh at `at`, or holds an invalid item.
    #[uniffi::constructor]
    pub fn from_trust_bundle(
        bundle: Vec<u8>,
        publisher_algorithm: SignatureAlgorithm,
        publisher_key: Vec<u8>,
        at: SystemTime,
        policy: VerifierPolicy,
    ) -> Result<Arc<Self>, YinzhengError> {
        let publisher = public_key(publisher_algorithm, &publisher_key)?;
        let ctx = verify::VerificationContext::at(to_unix(at)?);
        let builder =
            verify::Verifier::from_trust_bundle(&bundle, &publisher, &ctx, &Limits::default())
                .map_err(invalid)?;
        let inner = apply_policy(builder, &policy).build().map_err(invalid)?;
        Ok(Arc::new(Self { inner }))
    }

    /// Gives the verifier an agency seal (made by a trusted seal maker, not revoked at
    /// `at`), so certificates signed under it verify. Returns the seal and what was done
    /// with it: only its maker can replace it with a newer version.
    ///
    /// # Errors
    /// [`YinzhengError::InvalidInput`] if it does not decode, its maker is not trusted, or it
    /// conflicts with the version held.
    pub fn add_seal(&self, seal: Vec<u8>, at: SystemTime) -> Result<AddedSeal, YinzhengError> {
        let ctx = verify::VerificationContext::at(to_unix(at)?);
        let added = self.inner.add_seal(&seal, &ctx).map_err(invalid)?;
        Ok(AddedSeal {
            seal: SealInfo::from(&added.seal),
            outcome: match added.outcome {
                verify::SealAdded::Stored => SealOutcome::Stored,
                verify::SealAdded::Replaced { .. } => SealOutcome::Replaced,
                verify::SealAdded::KeptNewer { .. } => SealOutcome::KeptNewer,
                _ => SealOutcome::AlreadyHeld,
            },
            maker: added.maker,
        })
    }

    /// Verifies a presentation (亮证) from its QR text as of `at`; with `nonce`, it must carry
    /// this verifier's nonce; with `audience`, it must not be addressed to anyone else.
    ///
    /// # Errors
    /// [`YinzhengError::Rejected`] with the failed check and the full report.
    pub fn verify_presentation_qr(
        &self,
        text: String,
        at: SystemTime,
        nonce: Option<Vec<u8>>,
        audience: Option<String>,
    ) -> Result<VerifiedPresentation, YinzhengError> {
        let ctx = presentation_context(at, nonce, audience)?;
        let verified = self.inner.verify_presentation_qr(&text, &ctx)?;
        Ok(VerifiedPresentation::from(&verified))
    }

    /// Verifies presentation bytes as of `at` (see [`Verifier::verify_presentation_qr`]).
    ///
    /// # Errors
    /// [`YinzhengError::Rejected`] with the failed check and the full report.
    pub fn verify_presentation(
        &self,
        bytes: Vec<u8>,
        at: SystemTime,
        nonce: Option<Vec<u8>>,
        audience: Option<String>,
    ) -> Result<VerifiedPresentation, YinzhengError> {
        let ctx = presentation_context(at, nonce, audience)?;
        let verified = self.inner.verify_presentation(&bytes, &ctx)?;
        Ok(VerifiedPresentation::from(&verified))
    }

    /// Verifies a stamp over `document` as of `at`, in the GB/T 38540 order.
    ///
    /// # Errors
    /// [`YinzhengError::Rejected`] with the failed check and the full report.
    pub fn verify_stamp(
        &self,
        stamp: Vec<u8>,
        document: Vec<u8>,
        at: SystemTime,
    ) -> Result<VerifiedStamp, YinzhengError> {
        let ctx = verify::VerificationContext::at(to_unix(at)?);
        let verified = self.inner.verify_stamp(&stamp, &document, &ctx)?;
        let v = verified.value();
        Ok(VerifiedStamp {
            seal: (&v.seal).into(),
            signed_at: to_system(v.signed_at),
            property: v.property.clone(),
            signer_key: v.signer.to_bytes(),
            seal_maker: v.seal_maker.clone(),
            report: verified.report().into(),
        })
    }

    /// Gives the verifier a status list token (fetched by the app; the library does no network
    /// I/O), verified at `at`. It must be signed by a key trusted for the status-lists role of
    /// its agency (raw key, X.509 chain or agency seal) and not issued after `at`; a newer list
    /// replaces an older one of the same agency and URI only.
    ///
    /// # Errors
    /// [`YinzhengError::InvalidInput`] if the token does not verify or decode.
    pub fn add_status_list(
        &self,
        token: Vec<u8>,
        at: SystemTime,
    ) -> Result<AddedStatusList, YinzhengError> {
        let ctx = verify::VerificationContext::at(to_unix(at)?);
        let added = self.inner.add_status_list(&token, &ctx).map_err(invalid)?;
        Ok(AddedStatusList {
            agency_code: added.agency.to_string(),
            uri: added.uri,
            issued_at: to_system(added.issued_at),
            outcome: match added.outcome {
                verify::ListAdded::Stored => StatusListOutcome::Stored,
                verify::ListAdded::Replaced { .. } => StatusListOutcome::Replaced,
                verify::ListAdded::KeptHeld { .. } => StatusListOutcome::KeptHeld,
                _ => StatusListOutcome::AlreadyHeld,
            },
        })
    }

    /// Verifies an encoded certificate as of `at`.
    ///
    /// # Errors
    /// [`YinzhengError::Rejected`] with the failed check and the full report.
    pub fn verify_certificate(
        &self,
        bytes: Vec<u8>,
        at: SystemTime,
    ) -> Result<VerifiedCertificate, YinzhengError> {
        let ctx = verify::VerificationContext::at(to_unix(at)?);
        let verified = self.inner.verify_certificate(&bytes, &ctx)?;
        Ok((&verified).into())
    }

    /// Verifies a certificate from its QR text as of `at`.
    ///
    /// # Errors
    /// [`YinzhengError::Rejected`] with the failed check and the full report.
    pub fn verify_qr_text(
        &self,
        text: String,
        at: SystemTime,
    ) -> Result<VerifiedCertificate, YinzhengError> {
        let ctx = verify::VerificationContext::at(to_unix(at)?);
        let verified = self.inner.verify_qr_text(&text, &ctx)?;
        Ok((&verified).into())
    }

    /// Verifies a queue of certificates as of `at`: one verdict per certificate, in order,
    /// each the one `verify_certificate` would give. With the policy's
    /// `allow_cofactored_batch`, Ed25519 issuer signatures are checked together (about 2.7
    /// times the throughput).
    ///
    /// # Errors
    /// [`YinzhengError::InvalidInput`] if `at` is before 1970.
    pub fn verify_certificates(
        &self,
        certificates: Vec<Vec<u8>>,
        at: SystemTime,
    ) -> Result<Vec<CertificateVerdict>, YinzhengError> {
        let ctx = verify::VerificationContext::at(to_unix(at)?);
        Ok(self
            .inner
            .verify_certificates(&certificates, &ctx)
            .into_iter()
            .map(|result| match result {
                Ok(verified) => CertificateVerdict::Accepted {
                    verified: (&verified).into(),
                },
                Err(rejected) => CertificateVerdict::Rejected {
                    check: rejected.failed_check().into(),
                    reason: rejected.error().to_string(),
                    report: rejected.report().into(),
                },
            })
            .collect())
    }

    /// Verifies an encoded certificate as of the app's clock.
    ///
    /// # Errors
    /// [`YinzhengError::ClockUnavailable`] if the clock fails; [`YinzhengError::Rejected`].
    pub fn verify_certificate_now(
        &self,
        bytes: Vec<u8>,
        clock: Arc<dyn Clock>,
    ) -> Result<VerifiedCertificate, YinzhengError> {
        let now = clock.now().map_err(|e| YinzhengError::ClockUnavailable {
            reason: e.to_string(),
        })?;
        self.verify_certificate(bytes, now)
    }
}
