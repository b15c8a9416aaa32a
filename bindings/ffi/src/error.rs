//! Errors crossing the FFI: [`YinzhengError`] and its conversions from the core crate's
//! errors.

use yinzheng::{audit, issue, status, verify};

use crate::report::{Check, Report};

/// Everything that can go wrong, grouped by what the caller does about it.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum YinzhengError {
    /// An argument is invalid (a code with a wrong check character, a bad date, a duplicate
    /// field name, …): fix the input.
    #[error("invalid input: {reason}")]
    InvalidInput {
        /// What is wrong.
        reason: String,
    },
    /// A key's bytes are not a valid key of its algorithm.
    #[error("invalid key: {reason}")]
    InvalidKey {
        /// What is wrong.
        reason: String,
    },
    /// The signer did not sign (user cancelled, key locked, HSM offline) or returned a
    /// signature that does not verify: retry or report.
    #[error("signer failed: {reason}")]
    SignerFailed {
        /// What happened.
        reason: String,
    },
    /// Verification said no. `report` lists every check; `check` is the one that failed.
    #[error("rejected at check {check:?}: {reason}")]
    Rejected {
        /// The failed check.
        check: Check,
        /// Why it failed.
        reason: String,
        /// Every check with its outcome.
        report: Report,
    },
    /// The clock has no trustworthy time: verification did not run.
    #[error("clock unavailable: {reason}")]
    ClockUnavailable {
        /// What happened.
        reason: String,
    },
    /// The audit log could not record or read (disk, lock, corruption, rollback, fork): the
    /// operator must look; nothing was issued without its record.
    #[error("audit log: {reason}")]
    AuditLogFailed {
        /// What happened.
        reason: String,
    },
    /// The status registry could not record or read (disk, corruption): the operator must
    /// look.
    #[error("status registry: {reason}")]
    StatusRegistryFailed {
        /// What happened.
        reason: String,
    },
    /// An audit artefact (bundle, checkpoint, log file) does not verify.
    #[error("audit proof rejected: {reason}")]
    AuditRejected {
        /// Why.
        reason: String,
    },
    /// The log showed two checkpoints that cannot both be honest: keep both as evidence.
    #[error("the log presented inconsistent checkpoints")]
    Inconsistent {
        /// The checkpoint held before.
        held: String,
        /// The checkpoint offered, inconsistent with it.
        offered: String,
        /// The consistency proof that contradicts the held checkpoint (empty when both
        /// checkpoints have one size and different roots).
        proof: Vec<Vec<u8>>,
    },
    /// A witness refused a checkpoint; `status` is the tlog-witness HTTP status to answer
    /// (400 malformed, 403 bad log signature, 404 unknown log, 409 another size held, 422
    /// not consistent).
    #[error("witness refused ({status}): {reason}")]
    WitnessRefused {
        /// The HTTP status.
        status: u16,
        /// Why.
        reason: String,
    },
    /// A bug or an unexpected exception from foreign code.
    #[error("internal error: {reason}")]
    Internal {
        /// What happened.
        reason: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for YinzhengError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Internal {
            reason: format!("unexpected error from foreign code: {}", e.reason),
        }
    }
}

pub(crate) fn invalid(e: impl std::fmt::Display) -> YinzhengError {
    YinzhengError::InvalidInput {
        reason: e.to_string(),
    }
}

impl From<issue::IssueError> for YinzhengError {
    fn from(e: issue::IssueError) -> Self {
        match e {
            issue::IssueError::Signer(_) | issue::IssueError::SignatureRejected => {
                Self::SignerFailed {
                    reason: error_chain(&e),
                }
            }
            issue::IssueError::Random(_) => Self::Internal {
                reason: e.to_string(),
            },
            issue::IssueError::Audit(_) => Self::AuditLogFailed {
                reason: error_chain(&e),
            },
            issue::IssueError::Status(_) => Self::StatusRegistryFailed {
                reason: error_chain(&e),
            },
            other => invalid(other),
        }
    }
}

impl From<audit::LogError> for YinzhengError {
    fn from(e: audit::LogError) -> Self {
        Self::AuditLogFailed {
            reason: e.to_string(),
        }
    }
}

impl From<status::RegistryError> for YinzhengError {
    fn from(e: status::RegistryError) -> Self {
        match e {
            status::RegistryError::IllegalTransition { .. }
            | status::RegistryError::UnknownCertificate
            | status::RegistryError::UnknownList
            | status::RegistryError::Invalid(_) => invalid(e),
            other => Self::StatusRegistryFailed {
                reason: error_chain(&other),
            },
        }
    }
}

pub(crate) fn audit_rejected(e: impl std::fmt::Display) -> YinzhengError {
    YinzhengError::AuditRejected {
        reason: e.to_string(),
    }
}

/// `e` and its sources, for signer errors whose cause is in foreign code.
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

impl From<verify::Rejected> for YinzhengError {
    fn from(r: verify::Rejected) -> Self {
        Self::Rejected {
            check: r.failed_check().into(),
            reason: r.error().to_string(),
            report: r.report().into(),
        }
    }
}
