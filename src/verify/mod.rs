//! Offline verification: the only way to obtain a [`Verified`] value.
//!
//! ```text
//! bytes ──decode──▶ CoseSign1 + Certificate claims + disclosure items      (check 1)
//!       ──alg, kid──▶ trusted key of the right type                        (checks 2, 3)
//!       ──Sig_structure over the received bytes──▶ signature               (check 4)
//!       ──key's agency = iss──▶ validity at ctx.now ──▶ disclosure digests (checks 5–7)
//!       ──holder binding (cnf: only inside a presentation)──▶                (check 8)
//!       ──status list held for (agency, URI), fresh at ctx.now──▶           (check 9)
//!       ──▶ Verified<Certificate> + Report   or   Rejected { error, Report }
//! ```

mod authority;
mod batch;
mod bundle;
mod envelope;
#[cfg(feature = "gm")]
mod national;
#[cfg(feature = "gm")]
mod ofd;
#[cfg(feature = "gm")]
mod ofd_signature;
mod presentation;
mod report;
mod seals;
mod stamp;
mod status;

pub use batch::BATCH_SIZE;
pub use bundle::TrustBundleError;
pub use envelope::{EnvelopeError, HeaderItem, ObjectKind};
#[cfg(feature = "gm")]
pub use national::{NationalWarning, VerifiedNationalSeal, VerifiedNationalStamp};
#[cfg(feature = "gm")]
pub use ofd::{
    IntegrityOutcome, OfdLicenceError, OfdOutcome, OfdSignatureVerdict, OfdSigned, OfdVerdict,
    VerifiedOfdLicence,
};
#[cfg(feature = "gm")]
pub use ofd_signature::{SignatureForm, VerifiedOfdSignature};
pub use presentation::{Presentation, ReplayCache};
pub use seals::{AddedSeal, SealAdded};
pub use stamp::VerifiedStamp;
pub use status::{ListAdded, StatusListAdded, StatusListRejected, VerifiedStatusList};

use core::fmt;
use core::ops::Deref;
use std::sync::{Arc, RwLock};
use std::time::Duration;

pub use report::{
    Check, CheckResult, Outcome, Report, SealAuthorityError, SkipReason, StatusOutcome,
    UnknownStatus, VerifyError,
};

use crate::crypto::sha256;
use crate::encoding::qr;
use crate::limits::Limits;
use crate::model::{Certificate, Disclosure};
use crate::time::{Clock, ClockError, UnixTime};
use crate::trust::TrustStore;
use envelope::{Authority, Envelope};
use seals::{HeldSeal, SealStore};
use status::StatusCache;

/// Largest clock skew a verifier may allow.
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(300);

/// How long a status list without `ttl` or `exp` is relied on after its `iat`, by default.
pub const DEFAULT_MAX_STATUS_AGE: Duration = Duration::from_secs(24 * 3600);

/// Why a verifier could not be built.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifierBuildError {
    /// The trust store is empty: nothing could ever verify.
    #[error("the trust store holds no anchor")]
    NoTrustAnchors,
}

/// The per-call inputs of a verification: the time to verify at and, for presentations, the
/// nonce this verifier sent and the audience it answers to.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerificationContext {
    /// The time against which validity is checked.
    pub now: UnixTime,
    /// The nonce the presentation must carry (from this verifier's request), if any.
    pub nonce: Option<Vec<u8>>,
    /// This verifier's name: a presentation addressed to another audience is refused.
    pub audience: Option<String>,
}

impl VerificationContext {
    /// Verify as of `now` (e.g. a fixed time when re-checking history).
    #[must_use]
    pub fn at(now: UnixTime) -> Self {
        Self {
            now,
            nonce: None,
            audience: None,
        }
    }

    /// Requires presentations to carry `nonce` (the one in this verifier's request).
    #[must_use]
    pub fn with_nonce(mut self, nonce: impl Into<Vec<u8>>) -> Self {
        self.nonce = Some(nonce.into());
        self
    }

    /// Refuses presentations addressed to anyone but `audience` (one addressed to nobody in
    /// particular is accepted).
    #[must_use]
    pub fn with_audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Verify as of the current time of `clock`.
    ///
    /// # Errors
    /// [`ClockError`] when the clock has no trustworthy time; verification must then not
    /// proceed.
    pub fn from_clock(clock: &dyn Clock) -> Result<Self, ClockError> {
        clock.now().map(Self::at)
    }
}

/// A value that passed every check, with the report that says so. Only the verifier
/// constructs one.
#[derive(Clone, Debug)]
#[must_use]
pub struct Verified<T> {
    value: T,
    report: Report,
    seal: Option<Box<crate::model::Seal>>,
}

impl<T> Verified<T> {
    /// The agency seal the value was signed under (its picture is the red stamp an app
    /// draws on the certificate face), when it names one; for a stamp, the seal it used.
    #[must_use]
    pub fn seal(&self) -> Option<&crate::model::Seal> {
        self.seal.as_deref()
    }

    /// The verified value.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// The report of every check.
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// The value, dropping the proof that it was verified.
    pub fn into_inner(self) -> T {
        self.value
    }
}

impl<T> Deref for Verified<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

/// A failed verification: the reason and the full report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected(Box<(VerifyError, Report)>);

impl Rejected {
    /// Why it failed.
    #[must_use]
    pub fn error(&self) -> &VerifyError {
        &self.0.0
    }

    /// The check that failed.
    #[must_use]
    pub fn failed_check(&self) -> Check {
        self.error().check()
    }

    /// Every check with its outcome.
    #[must_use]
    pub fn report(&self) -> &Report {
        &self.0.1
    }
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "rejected at check {} ({}): {}",
            self.failed_check().step(),
            self.failed_check().name(),
            self.error()
        )
    }
}

impl std::error::Error for Rejected {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.error())
    }
}

/// Configures a [`Verifier`]. Defaults are strict; each loosening is a named `allow_*` call.
#[derive(Clone, Debug)]
#[must_use]
pub struct VerifierBuilder {
    trust: TrustStore,
    limits: Limits,
    clock_skew: u64,
    allow_unknown_status: bool,
    max_status_age: u64,
    seals: SealStore,
    status_lists: StatusCache,
    replay: Option<Arc<ReplayCache>>,
    allow_static_holder_bound: bool,
    allow_cofactored_batch: bool,
    bundle: Option<BundleTerms>,
}

/// The validity of the trust bundle a verifier was loaded from, checked at every
/// verification (check 0).
#[derive(Clone, Copy, Debug)]
struct BundleTerms {
    issued_at: UnixTime,
    expires_at: UnixTime,
}

impl VerifierBuilder {
    /// Replaces the default [`Limits`].
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Accepts times up to `skew` outside the validity window (capped at [`MAX_CLOCK_SKEW`];
    /// whole seconds, as every time in these formats). The default is no skew.
    pub fn allow_clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew = skew.min(MAX_CLOCK_SKEW).as_secs();
        self
    }

    /// Accepts a certificate whose status cannot be established (no list, stale list, …).
    /// The report still says UNKNOWN and why; REVOKED and SUSPENDED always reject.
    pub fn allow_unknown_status(mut self) -> Self {
        self.allow_unknown_status = true;
        self
    }

    /// How long a status list that carries neither `ttl` nor `exp` is relied on after its
    /// `iat` (default [`DEFAULT_MAX_STATUS_AGE`]; whole seconds).
    pub fn with_max_status_age(mut self, age: Duration) -> Self {
        self.max_status_age = age.as_secs();
        self
    }

    /// Rejects a presentation already verified within its lifetime, remembering up to the
    /// cache's capacity of unexpired presentations (share one cache between verifiers at
    /// the same desk). Without one, a presentation can be replayed until it expires.
    pub fn with_replay_cache(mut self, cache: Arc<ReplayCache>) -> Self {
        self.replay = Some(cache);
        self
    }

    /// Accepts a certificate bound to a holder device (`cnf`) shown as itself, without a
    /// presentation signed by the device (for back offices re-checking stored certificates;
    /// never at a counter). The report marks check 8 as allowed.
    pub fn allow_holder_bound_without_presentation(mut self) -> Self {
        self.allow_static_holder_bound = true;
        self
    }

    /// Lets [`Verifier::verify_certificates`] check Ed25519 issuer signatures together, with
    /// the cofactored batch equation (2.6–2.7× the throughput measured). It accepts exactly
    /// what strict single verification accepts, plus signatures whose `R` its signer gave a
    /// small-order component on purpose: only the holder of a trusted issuer's private key
    /// can make those, so this loosens nothing an outsider can use — but two verifiers, one
    /// batching and one not, could disagree on such a certificate. Off by default.
    pub fn allow_cofactored_batch(mut self) -> Self {
        self.allow_cofactored_batch = true;
        self
    }

    /// The verifier.
    ///
    /// # Errors
    /// [`VerifierBuildError::NoTrustAnchors`] if the trust store is empty.
    pub fn build(self) -> Result<Verifier, VerifierBuildError> {
        if self.trust.is_empty() {
            return Err(VerifierBuildError::NoTrustAnchors);
        }
        Ok(Verifier {
            trust: self.trust,
            limits: self.limits,
            clock_skew: self.clock_skew,
            allow_unknown_status: self.allow_unknown_status,
            max_status_age: self.max_status_age,
            status_lists: RwLock::new(self.status_lists),
            seals: RwLock::new(self.seals),
            replay: self.replay,
            allow_static_holder_bound: self.allow_static_holder_bound,
            allow_cofactored_batch: self.allow_cofactored_batch,
            bundle: self.bundle,
        })
    }
}

/// Verifies certificates offline against a trust store and the status lists it was given.
///
/// ```
/// use yinzheng::crypto::{Ed25519SigningKey, Signer as _};
/// use yinzheng::issue::Issuer;
/// use yinzheng::model::{Agency, Uscc};
/// use yinzheng::time::UnixTime;
/// use yinzheng::trust::{Roles, TrustStore};
/// use yinzheng::verify::{Check, VerificationContext, Verifier};
/// # use yinzheng::model::{CertificateType, Holder, ResidentId, Validity};
/// # use yinzheng::time::Date;
/// # fn builder() -> Result<yinzheng::issue::CertificateBuilder, Box<dyn std::error::Error>> {
/// #     let day = Date::new(2026, 1, 5)?;
/// #     Ok(yinzheng::issue::CertificateBuilder::new(
/// #         CertificateType::new("11100000000013338W032", "建筑施工特种作业人员操作资格证书")?,
/// #         "吉A042012000939",
/// #         Holder::resident("李示例", &ResidentId::parse("11010519491231002X")?),
/// #         day,
/// #         Validity::days(day, Date::new(2032, 1, 4)?),
/// #     ))
/// # }
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let key = Ed25519SigningKey::from_seed(&[7; 32]);
/// let mut trust = TrustStore::new();
/// let jilin = Uscc::parse("11220000013544541J")?;
/// trust.add_agency_key("吉林省住建厅 2026", jilin.clone(), key.public_key(), Roles::AGENCY)?;
/// let verifier = Verifier::builder(trust).build()?;
///
/// let now = UnixTime::from_secs(1_790_000_000);
/// let issuer = Issuer::new(Agency::new("吉林省住房和城乡建设厅", jilin.as_str())?, key);
/// let issued = issuer.issue(builder()?, now)?;
///
/// let ctx = VerificationContext::at(now.saturating_add(60));
/// let verified = verifier.verify_certificate(issued.as_bytes(), &ctx)?;
/// assert_eq!(verified.holder.name, "李示例");
///
/// let mut forged = issued.as_bytes().to_vec();
/// let last = forged.len() - 1;
/// forged[last] ^= 1; // one bit of the signature
/// let rejected = verifier.verify_certificate(&forged, &ctx).unwrap_err();
/// assert_eq!(rejected.failed_check(), Check::IssuerSignature);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Verifier {
    trust: TrustStore,
    limits: Limits,
    clock_skew: u64,
    allow_unknown_status: bool,
    max_status_age: u64,
    status_lists: RwLock<StatusCache>,
    seals: RwLock<SealStore>,
    replay: Option<Arc<ReplayCache>>,
    allow_static_holder_bound: bool,
    allow_cofactored_batch: bool,
    bundle: Option<BundleTerms>,
}

/// Everything decoded in check 1.
struct Decoded<'a> {
    envelope: Envelope<'a>,
    certificate: Certificate,
    disclosures: Vec<Disclosure>,
}

/// A certificate up to its issuer's signature: decoded, its candidate keys resolved.
struct Prepared<'a> {
    decoded: Decoded<'a>,
    /// Usually one; on a `kid` collision, every key that the `kid` names.
    candidates: Vec<Authority>,
    seal: Option<Arc<HeldSeal>>,
    to_be_signed: Vec<u8>,
}

impl Prepared<'_> {
    /// Check 4 on its own: the index of the candidate whose signature verifies.
    fn signing_key(&self) -> Result<usize, VerifyError> {
        self.decoded
            .envelope
            .verify_over(&self.candidates, &self.to_be_signed)
            .map_err(|e| e.reject(ObjectKind::Certificate))
    }
}

impl Verifier {
    /// Starts configuring a verifier that trusts `trust`.
    pub fn builder(trust: TrustStore) -> VerifierBuilder {
        VerifierBuilder {
            trust,
            limits: Limits::default(),
            clock_skew: 0,
            allow_unknown_status: false,
            max_status_age: DEFAULT_MAX_STATUS_AGE.as_secs(),
            seals: SealStore::default(),
            status_lists: StatusCache::default(),
            replay: None,
            allow_static_holder_bound: false,
            allow_cofactored_batch: false,
            bundle: None,
        }
    }

    /// The limits applied to input.
    #[must_use]
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The trust store.
    #[must_use]
    pub fn trust(&self) -> &TrustStore {
        &self.trust
    }

    /// How many seals and status lists are held (each byte form of a seal counts once).
    #[must_use]
    pub fn held(&self) -> (usize, usize) {
        let seals = self
            .seals
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len();
        let lists = self
            .status_lists
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len();
        (seals, lists)
    }

    /// Check 0: the trust bundle the verifier was loaded from is in force at `now`.
    fn trust_bundle_check(&self, now: UnixTime, report: &mut Report) -> Result<(), VerifyError> {
        let Some(terms) = self.bundle else {
            report.set(
                Check::TrustBundle,
                Outcome::Skipped(SkipReason::NoTrustBundle),
            );
            return Ok(());
        };
        let skew = self.clock_skew;
        if now.saturating_add(skew) < terms.issued_at {
            return Err(VerifyError::TrustBundleNotYetValid {
                issued_at: terms.issued_at,
                now,
            });
        }
        if now.saturating_sub(skew) >= terms.expires_at {
            return Err(VerifyError::TrustBundleExpired {
                expires_at: terms.expires_at,
                now,
            });
        }
        report.set(Check::TrustBundle, Outcome::Passed);
        Ok(())
    }

    /// Verifies a certificate from its QR text (`YZ1:` + Base45).
    ///
    /// # Errors
    /// [`Rejected`] with the failed check and the report.
    pub fn verify_qr_text(
        &self,
        text: &str,
        ctx: &VerificationContext,
    ) -> Result<Verified<Certificate>, Rejected> {
        match qr::from_qr_text(text, &self.limits) {
            Ok(bytes) => self.verify_certificate(&bytes, ctx),
            Err(e) => Err(fail(Report::new(&Check::CERTIFICATE), e.into())),
        }
    }

    /// Verifies an encoded certificate (tagged `COSE_Sign1`) with checks 1–9: (0, for a
    /// verifier loaded from a trust bundle, the bundle's validity), 1 decoding, 2 the
    /// algorithm, 3 a key that speaks for the agency (X.509 chain, seal or trusted key), 4
    /// the signature over the received bytes, 5 the key's agency is the issuer, 6 the
    /// validity window at `ctx.now`, 7 the disclosure digests, 8 holder binding (a
    /// device-bound certificate shown as itself is refused: see
    /// [`Verifier::verify_presentation`]), 9 the status list.
    ///
    /// # Errors
    /// [`Rejected`] with the failed check and the report.
    pub fn verify_certificate(
        &self,
        bytes: &[u8],
        ctx: &VerificationContext,
    ) -> Result<Verified<Certificate>, Rejected> {
        let mut report = Report::new(&Check::CERTIFICATE);
        let result = self.run(bytes, ctx, &mut report, None);
        conclude(report, result)
    }

    fn run(
        &self,
        bytes: &[u8],
        ctx: &VerificationContext,
        report: &mut Report,
        presented: Option<&presentation::Presented<'_>>,
    ) -> Result<(Certificate, Option<Box<crate::model::Seal>>), VerifyError> {
        let prepared = self.prepare(bytes, ctx, report)?;
        let key = prepared.signing_key()?;
        self.finish(prepared, key, ctx, report, presented)
    }

    /// Checks 0–3: everything before the issuer's signature.
    fn prepare<'a>(
        &self,
        bytes: &'a [u8],
        ctx: &VerificationContext,
        report: &mut Report,
    ) -> Result<Prepared<'a>, VerifyError> {
        self.trust_bundle_check(ctx.now, report)?;
        let decoded = self.decode(bytes, report)?;
        report.set(Check::Decode, Outcome::Passed);
        let (candidates, seal) =
            self.resolve_issuer(&decoded.envelope, &decoded.certificate, ctx, report)?;
        let to_be_signed = decoded.envelope.to_be_signed();
        Ok(Prepared {
            decoded,
            candidates,
            seal,
            to_be_signed,
        })
    }

    /// Checks 5–9, once the signature of `prepared.candidates[key]` has verified (check 4).
    fn finish(
        &self,
        prepared: Prepared<'_>,
        key: usize,
        ctx: &VerificationContext,
        report: &mut Report,
        presented: Option<&presentation::Presented<'_>>,
    ) -> Result<(Certificate, Option<Box<crate::model::Seal>>), VerifyError> {
        let Prepared {
            decoded:
                Decoded {
                    envelope,
                    mut certificate,
                    disclosures,
                },
            candidates,
            seal,
            ..
        } = prepared;
        let key = candidates.get(key).ok_or(VerifyError::BadSignature)?;
        report.set(Check::IssuerSignature, Outcome::Passed);
        report.set_trusted_key(&key.name);

        if key.agency.as_ref() != Some(&certificate.issuer.code) {
            return Err(VerifyError::IssuerMismatch {
                claimed: certificate.issuer.code.to_string(),
                certified: key
                    .agency
                    .as_ref()
                    .map_or_else(|| "no agency".to_owned(), ToString::to_string),
            });
        }
        report.set(Check::IssuerIdentity, Outcome::Passed);

        self.check_validity(&certificate, ctx.now)?;
        report.set(Check::Validity, Outcome::Passed);

        certificate.disclosed = check_disclosures(&certificate, &envelope.sign1, disclosures)?;
        let outcome = if certificate.disclosed.is_empty() {
            Outcome::Skipped(SkipReason::NoDisclosures)
        } else {
            Outcome::Passed
        };
        report.set(Check::Disclosures, outcome);

        let outcome = self.holder_binding(&certificate, presented, ctx)?;
        report.set(Check::HolderBinding, outcome);

        let outcome = match &certificate.status {
            None => Outcome::Skipped(SkipReason::NoStatusClaim),
            Some(reference) => self.status_check(
                reference,
                &certificate.issuer.code,
                ctx.now,
                report,
                |status| match status {
                    StatusOutcome::Revoked => VerifyError::Revoked {
                        index: reference.index,
                    },
                    StatusOutcome::Suspended => VerifyError::Suspended {
                        index: reference.index,
                    },
                    StatusOutcome::Unknown(reason) => VerifyError::StatusUnknown(reason),
                    StatusOutcome::Valid => VerifyError::StatusUnknown(UnknownStatus::NoList),
                },
            )?,
        };
        report.set(Check::Status, outcome);
        Ok((certificate, seal.map(|held| Box::new(held.seal.clone()))))
    }

    fn decode<'a>(&self, bytes: &'a [u8], report: &mut Report) -> Result<Decoded<'a>, VerifyError> {
        let kind = ObjectKind::Certificate;
        let envelope = Envelope::open(bytes, kind, &self.limits).map_err(|e| e.reject(kind))?;
        let (certificate, warnings) =
            Certificate::decode_claims(envelope.sign1.payload, &self.limits)?;
        report.add_warnings(warnings);
        let disclosures = envelope
            .sign1
            .disclosures
            .iter()
            .enumerate()
            .map(|(index, raw)| {
                Disclosure::decode(raw, &self.limits)
                    .map_err(|error| VerifyError::MalformedDisclosure { index, error })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Decoded {
            envelope,
            certificate,
            disclosures,
        })
    }

    fn check_validity(&self, c: &Certificate, now: UnixTime) -> Result<(), VerifyError> {
        let skew = self.clock_skew;
        if c.signed_at > now.saturating_add(skew) {
            return Err(VerifyError::SignedInFuture {
                now,
                signed_at: c.signed_at,
            });
        }
        if now.saturating_add(skew) < c.validity.not_before {
            return Err(VerifyError::NotYetValid {
                now,
                not_before: c.validity.not_before,
            });
        }
        match c.validity.not_after {
            Some(not_after) if now.saturating_sub(skew) >= not_after => {
                Err(VerifyError::Expired { now, not_after })
            }
            _ => Ok(()),
        }
    }
}

/// Check 7: every received item hashes to a signed digest, once, under a fresh name.
fn check_disclosures(
    certificate: &Certificate,
    sign1: &crate::encoding::cose::CoseSign1<'_>,
    disclosures: Vec<Disclosure>,
) -> Result<Vec<crate::model::Field>, VerifyError> {
    let mut seen: Vec<[u8; 32]> = Vec::with_capacity(disclosures.len());
    let mut fields = Vec::with_capacity(disclosures.len());
    for (index, (item, raw)) in disclosures.into_iter().zip(&sign1.disclosures).enumerate() {
        let digest = sha256(raw);
        if certificate.digests.binary_search(&digest).is_err() {
            return Err(VerifyError::DisclosureNotSigned { index });
        }
        if seen.contains(&digest) {
            return Err(VerifyError::DuplicateDisclosure { index });
        }
        seen.push(digest);
        let field = item.into_field();
        if certificate
            .fields
            .iter()
            .chain(&fields)
            .any(|f: &crate::model::Field| f.name == field.name)
        {
            return Err(VerifyError::DisclosureNameClash { index });
        }
        fields.push(field);
    }
    Ok(fields)
}

/// The verdict from a report and the result of its checks (with the seal the object was
/// signed or stamped under, if any).
fn conclude<T>(
    report: Report,
    result: Result<(T, Option<Box<crate::model::Seal>>), VerifyError>,
) -> Result<Verified<T>, Rejected> {
    match result {
        Ok((value, seal)) => Ok(Verified {
            value,
            report,
            seal,
        }),
        Err(error) => Err(fail(report, error)),
    }
}

fn fail(mut report: Report, error: VerifyError) -> Rejected {
    report.set(error.check(), Outcome::Failed(error.clone()));
    Rejected(Box::new((error, report)))
}
