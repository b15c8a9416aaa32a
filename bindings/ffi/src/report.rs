//! Verification reports and verdicts: every check, its outcome, and what passed.

use yinzheng::model;
use yinzheng::verify;

use crate::certificate::Certificate;
use crate::seal::SealInfo;

/// The checks of a verification, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Check {
    /// 0. The trust bundle the verifier was loaded from is in force.
    TrustBundle,
    /// 1. Decodes canonically within limits.
    Decode,
    /// 2. Algorithm allowed, key type matches.
    Algorithm,
    /// 3. Issuer key is trusted.
    IssuerKey,
    /// 4. Issuer signature verifies.
    IssuerSignature,
    /// 5. The key is certified for the claimed agency.
    IssuerIdentity,
    /// 6. Inside the validity window.
    Validity,
    /// 7. Disclosed fields match signed digests.
    Disclosures,
    /// 8. Holder binding: signed by the device key, fresh, nonce, audience, no replay.
    HolderBinding,
    /// 9. The published status is VALID.
    Status,
    /// 10a. The stamp's signature verifies under its stamping key.
    StampSignature,
    /// 10b. The seal authorises the stamping key.
    SealAuthorisation,
    /// 10c. The seal maker is trusted and signed the seal.
    SealMaker,
    /// 10d. The seal was valid when the document was stamped.
    SealValidity,
    /// 10e. The seal is not revoked or suspended.
    SealStatus,
    /// 10f. The document is the one stamped.
    DocumentDigest,
    /// 10g. A national stamp's signer certificate is trusted at the signing time.
    SignerCertificate,
    /// A check this version of the bindings does not know yet.
    Other,
}

impl From<verify::Check> for Check {
    fn from(c: verify::Check) -> Self {
        match c {
            verify::Check::TrustBundle => Self::TrustBundle,
            verify::Check::Decode => Self::Decode,
            verify::Check::Algorithm => Self::Algorithm,
            verify::Check::IssuerKey => Self::IssuerKey,
            verify::Check::IssuerSignature => Self::IssuerSignature,
            verify::Check::IssuerIdentity => Self::IssuerIdentity,
            verify::Check::Validity => Self::Validity,
            verify::Check::Disclosures => Self::Disclosures,
            verify::Check::HolderBinding => Self::HolderBinding,
            verify::Check::Status => Self::Status,
            verify::Check::StampSignature => Self::StampSignature,
            verify::Check::SealAuthorisation => Self::SealAuthorisation,
            verify::Check::SealMaker => Self::SealMaker,
            verify::Check::SealValidity => Self::SealValidity,
            verify::Check::SealStatus => Self::SealStatus,
            verify::Check::DocumentDigest => Self::DocumentDigest,
            verify::Check::SignerCertificate => Self::SignerCertificate,
            _ => Self::Other,
        }
    }
}

/// What happened to a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CheckStatus {
    /// Ran and passed.
    Passed,
    /// Ran and failed.
    Failed,
    /// Did not run.
    Skipped,
    /// Failed, but the verifier's policy allows it (e.g. an unknown status).
    Allowed,
}

/// A certificate's published status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CertificateStatus {
    /// VALID.
    Valid,
    /// REVOKED (no longer valid: revoked, cancelled, annulled, …).
    Revoked,
    /// SUSPENDED.
    Suspended,
    /// UNKNOWN: no list, a stale list, … (never taken as revoked).
    Unknown,
}

/// One check and its outcome.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CheckOutcome {
    /// Which check.
    pub check: Check,
    /// Its stable machine name (as in the test vectors), e.g. `issuer-signature`.
    pub name: String,
    /// Its Chinese label.
    pub label: String,
    /// Passed, failed, skipped, or failed but allowed by the verifier's policy.
    pub status: CheckStatus,
    /// Why it failed, was skipped or was allowed.
    pub detail: Option<String>,
}

/// Every check with its outcome.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Report {
    /// The checks, in order.
    pub checks: Vec<CheckOutcome>,
    /// Irregular but acceptable content.
    pub warnings: Vec<String>,
    /// The trust anchor whose key verified the signature.
    pub trusted_key: Option<String>,
    /// The certificate's status, when it has a status reference.
    pub status: Option<CertificateStatus>,
    /// Why the status is unknown, if it is.
    pub status_detail: Option<String>,
    /// The report as readable text.
    pub text: String,
}

/// The report's warnings as text, the national producers' deviations among them.
fn warnings(r: &verify::Report) -> Vec<String> {
    let plain = r.warnings().iter().map(ToString::to_string);
    #[cfg(feature = "gm")]
    let plain = plain.chain(r.national_warnings().iter().map(ToString::to_string));
    plain.collect()
}

impl From<&verify::Report> for Report {
    fn from(r: &verify::Report) -> Self {
        Self {
            checks: r
                .results()
                .iter()
                .map(|result| {
                    let (status, detail) = match &result.outcome {
                        verify::Outcome::Passed => (CheckStatus::Passed, None),
                        verify::Outcome::Failed(e) => (CheckStatus::Failed, Some(e.to_string())),
                        verify::Outcome::Skipped(why) => {
                            (CheckStatus::Skipped, Some(why.to_string()))
                        }
                        verify::Outcome::Allowed(e) => (CheckStatus::Allowed, Some(e.to_string())),
                        _ => (
                            CheckStatus::Failed,
                            Some("an outcome these bindings do not know".to_owned()),
                        ),
                    };
                    CheckOutcome {
                        check: result.check.into(),
                        name: result.check.name().to_owned(),
                        label: result.check.label().to_owned(),
                        status,
                        detail,
                    }
                })
                .collect(),
            warnings: warnings(r),
            trusted_key: r.trusted_key().map(str::to_owned),
            status: r.status().map(|s| match s {
                verify::StatusOutcome::Valid => CertificateStatus::Valid,
                verify::StatusOutcome::Revoked => CertificateStatus::Revoked,
                verify::StatusOutcome::Suspended => CertificateStatus::Suspended,
                _ => CertificateStatus::Unknown,
            }),
            status_detail: match r.status() {
                Some(verify::StatusOutcome::Unknown(reason)) => Some(reason.to_string()),
                _ => None,
            },
            text: r.to_string(),
        }
    }
}

/// A certificate that passed every check, and the report.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct VerifiedCertificate {
    /// What it says.
    pub certificate: Certificate,
    /// How it was checked.
    pub report: Report,
    /// The agency seal it is signed under (draw its picture on the certificate face).
    pub seal: Option<SealInfo>,
}

impl From<&verify::Verified<model::Certificate>> for VerifiedCertificate {
    fn from(verified: &verify::Verified<model::Certificate>) -> Self {
        Self {
            certificate: verified.value().into(),
            report: verified.report().into(),
            seal: verified.seal().map(SealInfo::from),
        }
    }
}

/// The verdict on one certificate of a queue (see `Verifier.verify_certificates`).
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
#[allow(
    clippy::large_enum_variant,
    reason = "UniFFI passes records by value; a Box would not cross the boundary"
)]
pub enum CertificateVerdict {
    /// Every check passed.
    Accepted {
        /// The certificate and its report.
        verified: VerifiedCertificate,
    },
    /// A check failed.
    Rejected {
        /// The failed check.
        check: Check,
        /// Why it failed.
        reason: String,
        /// Every check with its outcome.
        report: Report,
    },
}
