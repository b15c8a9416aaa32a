//! UniFFI bindings of `yinzheng` for Kotlin, Swift and Python: a thin, mobile-shaped facade.
//!
//! Shapes chosen for foreign callers: bytes are `Vec<u8>`, instants are `SystemTime`, dates
//! are `"YYYY-MM-DD"` strings, one error enum ([`YinzhengError`]) whose variants a caller acts
//! on, each with a human `reason` free of personal data. Keys can live in Android Keystore,
//! the Secure Enclave or an HSM: implement [`Signer`] in Kotlin, Swift or Python. Every
//! signature a foreign signer returns is verified in Rust before it is used.

// Errors cross the FFI by value (UniFFI cannot lift a Box), so `Rejected` carries its report inline.
#![allow(clippy::result_large_err)]

uniffi::setup_scaffolding!();

mod audit;
mod certificate;
mod codes;
mod convert;
mod error;
mod issuer;
#[cfg(feature = "gm")]
mod national;
#[cfg(feature = "gm")]
mod national_make;
mod presentation;
mod qr;
mod report;
mod seal;
mod signer;
mod status;
#[cfg(feature = "tiles")]
mod tiles;
mod trust;
mod verifier;

pub use audit::{
    AuditEvent, AuditEventKind, AuditLog, AuditLogReader, AuditRecord, CheckpointAuditor,
    verify_inclusion_bundle, verify_log_dir, verify_log_file,
};
pub use certificate::{
    Certificate, CertificateRequest, DeviceKey, Field, FieldValue, IssuedCertificate,
    LabelledValue, MapEntry,
};
pub use codes::{CertificateIdParts, check_resident_id, check_uscc, parse_certificate_id};
pub use convert::Clock;
pub use error::YinzhengError;
pub use issuer::{IdentifiedRequest, IssuanceLedger, IssuedOnce, Issuer, PreparedCertificate};
#[cfg(feature = "gm")]
pub use national::{
    NationalSealInfo, OfdIntegrityOutcome, OfdSignatureOutcome, OfdSignatureVerdict, OfdSigned,
    OfdVerdict, VerifiedNationalSeal, VerifiedNationalStamp, VerifiedOfdSignature,
};
#[cfg(feature = "gm")]
pub use national_make::{
    NationalSealDraft, OfdTextLine, Sm2Key, StampPlacement, VerifiedOfdLicence, make_national_seal,
    make_national_stamp, make_ofd, sign_ofd, stamp_ofd,
};
pub use presentation::{
    Presentation, PresentationOptions, PresentationRequest, Presenter, RotatingCode,
    VerifiedPresentation, presentation_request_qr_text, read_presentation_request,
    select_disclosures,
};
pub use qr::{QrLevel, from_qr_text, qr_version, render_qr_png, render_qr_svg, to_qr_text};
pub use report::{
    CertificateStatus, CertificateVerdict, Check, CheckOutcome, CheckStatus, Report,
    VerifiedCertificate,
};
pub use seal::{SealInfo, SealRequest, VerifiedStamp, make_seal, stamp_document};
pub use signer::{SignatureAlgorithm, Signer, SoftwareKey};
pub use status::{LegalStatus, StatusEntry, StatusRegistry, publish_status_list_to_directory};
#[cfg(feature = "tiles")]
pub use tiles::{
    ObjectFetcher, PublishedLog, Witness, WitnessPolicy, WitnessedCheckpoint, add_cosignatures,
    create_witness_state,
};
pub use trust::{
    RevokedKey, TrustAnchors, TrustRole, TrustedIssuerKey, TrustedRoot, TrustedSealMaker,
};
pub use verifier::{
    AddedSeal, AddedStatusList, SealOutcome, StatusListOutcome, Verifier, VerifierPolicy,
};

/// The library version.
#[uniffi::export]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
