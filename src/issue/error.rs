//! Why a certificate, seal or stamp was not issued.

use crate::audit::LogError;
use crate::crypto::{RandomError, SignError};
use crate::model::{CodeError, ValueProblem};
use crate::status::RegistryError;

/// Why a certificate was not issued.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IssueError {
    /// The holder's code does not pass its check (issuing is strict).
    #[error("holder code: {0}")]
    HolderCode(CodeError),
    /// The serial or version cannot form a GB/T 36904 identifier.
    #[error("identifier: {0}")]
    Identifier(CodeError),
    /// The licence number is empty.
    #[error("the licence number is empty")]
    EmptyNumber,
    /// A face field has an empty name.
    #[error("face field {index} has an empty name")]
    EmptyFieldName {
        /// Position among all fields (plain first, then disclosable).
        index: usize,
    },
    /// Two face fields share a name.
    #[error("face field {index} repeats an earlier field name")]
    DuplicateFieldName {
        /// Position among all fields (plain first, then disclosable).
        index: usize,
    },
    /// A field value cannot be encoded within the limits.
    #[error("face field {index}: {problem}")]
    InvalidValue {
        /// Position among all fields (plain first, then disclosable).
        index: usize,
        /// What is wrong.
        problem: ValueProblem,
    },
    /// More face fields or digests than a verifier accepts.
    #[error("{count} fields or digests exceed the limit of {limit}")]
    TooManyFields {
        /// How many.
        count: usize,
        /// The limit in force.
        limit: usize,
    },
    /// The validity period ends before it starts.
    #[error("validity ends before it starts")]
    EmptyValidity,
    /// The encoded certificate is larger than a verifier accepts.
    #[error("encoded certificate of {size} bytes exceeds the limit of {limit}")]
    TooLarge {
        /// Encoded size.
        size: usize,
        /// The limit in force.
        limit: usize,
    },
    /// No randomness for salts, decoys or the serial.
    #[error(transparent)]
    Random(#[from] RandomError),
    /// The signer failed.
    #[error(transparent)]
    Signer(#[from] SignError),
    /// A signature handed to [`Issuer::complete`](super::Issuer::complete) does not verify.
    #[error("the supplied signature does not verify under the issuer key")]
    SignatureRejected,
    /// The configured audit log did not record the issuance, so the certificate was not
    /// released.
    #[error("audit log: {0}")]
    Audit(#[from] LogError),
    /// The status registry could not allocate the certificate's status entry.
    #[error("status registry: {0}")]
    Status(#[from] RegistryError),
    /// The seal does not decode.
    #[error("seal does not decode: {0}")]
    Seal(crate::encoding::cbor::DecodeError),
    /// The stamping key is not among the seal's authorised keys.
    #[error("this key is not authorised to stamp with this seal")]
    NotAuthorised,
    /// The seal's content cannot be signed as it is (empty names, no authorised key, …).
    #[error("invalid seal: {0}")]
    InvalidSeal(&'static str),
    /// The X.509 chain given to the issuer does not certify its key and agency.
    #[error("X.509 chain: {0}")]
    Chain(#[from] crate::trust::ChainError),
    /// [`Issuer::issue_once`](super::Issuer::issue_once) needs an
    /// [`IssuanceLedger`](super::IssuanceLedger).
    #[error("issuing each request once needs an issuance ledger (Issuer::with_ledger)")]
    NoLedger,
    /// The X.509 leaf certifies another agency than the issuer's.
    #[error("the X.509 leaf certifies agency {certified}, not this issuer's")]
    ChainAgencyMismatch {
        /// The USCC in the leaf.
        certified: String,
    },
}
