//! The holder's side. So far: choosing which disclosable fields travel with a certificate
//! (static disclosure, for certificates shown without a device key). Device-signed, rotating
//! presentations build on this.

use crate::encoding::cbor::DecodeError;
use crate::encoding::cose::CoseSign1;
use crate::limits::Limits;
use crate::model::Disclosure;

/// Why a disclosure selection was not made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PresentError {
    /// The certificate bytes do not decode.
    #[error("certificate does not decode: {0}")]
    Decode(#[from] DecodeError),
    /// A field asked for is not among the certificate's disclosures.
    #[error("requested field {index} is not a disclosable field of this certificate")]
    NotDisclosable {
        /// Position in the request.
        index: usize,
    },
}

/// The certificate with only the disclosures named in `reveal`; the signed parts are kept
/// byte for byte, so the result verifies exactly as the original does, minus the withheld
/// fields.
///
/// # Errors
/// [`PresentError`] if the bytes do not decode or a name is not a disclosable field.
pub fn select_disclosures(
    certificate: &[u8],
    reveal: &[&str],
    limits: &Limits,
) -> Result<Vec<u8>, PresentError> {
    let sign1 = CoseSign1::decode(certificate, limits)?;
    let mut kept: Vec<(&[u8], String)> = Vec::with_capacity(sign1.disclosures.len());
    for raw in &sign1.disclosures {
        let item = Disclosure::decode(raw, limits)?;
        kept.push((raw, item.into_field().name));
    }
    if let Some(index) = reveal
        .iter()
        .position(|name| !kept.iter().any(|(_, n)| n == name))
    {
        return Err(PresentError::NotDisclosable { index });
    }
    let selected: Vec<&[u8]> = kept
        .iter()
        .filter(|(_, name)| reveal.contains(&name.as_str()))
        .map(|(raw, _)| *raw)
        .collect();
    Ok(sign1.with_disclosures(&selected))
}
