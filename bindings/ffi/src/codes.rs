//! Checks of the national codes: USCC, citizen identity numbers, e-licence identifiers.

use yinzheng::model::{self, CodeError};

use crate::error::{YinzhengError, invalid};

/// Checks a unified social credit code (GB 32100).
///
/// # Errors
/// [`YinzhengError::InvalidInput`] saying what is wrong.
#[uniffi::export]
pub fn check_uscc(code: String) -> Result<(), YinzhengError> {
    model::Uscc::parse(&code).map(drop).map_err(invalid)
}

/// Checks a citizen identity number (GB 11643).
///
/// # Errors
/// [`YinzhengError::InvalidInput`] saying what is wrong.
#[uniffi::export]
pub fn check_resident_id(number: String) -> Result<(), YinzhengError> {
    model::ResidentId::parse(&number).map(drop).map_err(invalid)
}

/// The parts of an e-licence identifier (GB/T 36904).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CertificateIdParts {
    /// Licence type code.
    pub type_code: String,
    /// Issuing authority USCC.
    pub issuer_code: String,
    /// Serial.
    pub serial: String,
    /// Version.
    pub version: String,
}

/// Parses an e-licence identifier, checking its MOD 37,36 check character.
///
/// # Errors
/// [`YinzhengError::InvalidInput`] saying what is wrong.
#[uniffi::export]
pub fn parse_certificate_id(text: String) -> Result<CertificateIdParts, YinzhengError> {
    let id = model::CertificateId::parse(&text).map_err(|e: CodeError| invalid(e))?;
    Ok(CertificateIdParts {
        type_code: id.type_code().to_owned(),
        issuer_code: id.issuer_code().to_owned(),
        serial: id.serial().to_owned(),
        version: id.version().to_owned(),
    })
}
