//! National electronic seals and stamps (feature `gm`): GB/T 38540-2020 `SESeal` and
//! `SES_Signature` (version 4), read support for GM/T 0031-2014 (version 1) and the
//! GM/T 0031-2025 revision (version 5), in strict, bounded DER, signed with SM2-with-SM3.
//!
//! This layer reads and writes the structures and knows what each signature covers; whether
//! a seal or a stamp is *trusted* (the maker's and signer's chains, their roles, the seal's
//! status) is decided in `verify`. What the maker signs is the received `SES_SealInfo`
//! (version 4 and 5) or the received `SEQUENCE { SES_SealInfo, cert, signatureAlgorithm }`
//! (version 1); the signer signs the received `TBS_Sign`. Nothing is ever re-encoded for a
//! signature check.
//!
//! Real files deviate from the standard in ways their signatures still cover (an explicit
//! `critical FALSE`, a raw 64-byte `r‖s`, an OCTET STRING for a BIT STRING, a missing
//! `[0]` tag, lowercase picture types): they are read, and each is reported as a
//! [`Deviation`] for the verifier's warnings. Anything the signatures do not cover, or that
//! could be read two ways, is refused.

mod asn1;
pub mod ofd;
mod ses;
mod signed_data;
mod write;

pub use ses::{
    CertDigest, Extension, NationalSeal, NationalStamp, SealInfo, SealPicture, SealProperty,
    SealVersion, SignerList,
};
pub use signed_data::{GM_DATA, GM_SIGNED_DATA, SignedData, SignedDataSigner, write_signed_data};
pub use write::{MakeError, SealDraft, StampDraft, make_seal, make_signed_data, make_stamp};

use crate::crypto::{Algorithm, PublicKey, sm2_signature_from_der};

/// Why a national seal or stamp does not decode. `field` names the element by its name in
/// the standard's ASN.1, e.g. `SESeal.eSealInfo.property.validStart`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SesError {
    /// The element at `field` is not what the standard places there.
    #[error("{field}: {problem}")]
    Malformed {
        /// The element, by its ASN.1 name.
        field: &'static str,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The input is larger than [`crate::Limits::max_input_bytes`] allows.
    #[error("{len} bytes exceed the limit of {limit}")]
    TooLarge {
        /// Bytes received.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// A structure has more entries (certificates, extensions) than the limits allow.
    #[error("{field}: {count} entries exceed the limit of {limit}")]
    TooMany {
        /// The list, by its ASN.1 name.
        field: &'static str,
        /// Entries received.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// A value cannot be written (a time after 9999, an empty signature).
    #[error("{field}: cannot be written: {problem}")]
    Unwritable {
        /// The element, by its ASN.1 name.
        field: &'static str,
        /// Why.
        problem: &'static str,
    },
}

/// A departure from the standard that a real producer makes and the signature still covers:
/// read, and reported as a warning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Deviation {
    /// The seal header says version 5 (GM/T 0031-2025), read as version 4.
    HeaderVersion5,
    /// An extension encodes `critical FALSE` explicitly (DER leaves a DEFAULT out).
    ExplicitDefaultCritical,
    /// A signature is raw 64-byte `r‖s` instead of DER `SEQUENCE { r, s }`.
    RawSignature,
    /// An OCTET STRING where the standard specifies a BIT STRING.
    OctetStringForBitString,
    /// An optional element the standard tags `[0]` came without its tag.
    UntaggedOptional,
    /// A version 1 seal with GeneralizedTime where GM/T 0031-2014 has UTCTime.
    GeneralizedTimeInVersion1,
    /// The picture type is written in lowercase (`png` for `PNG`).
    LowercasePictureType,
    /// The signature algorithm came as an `AlgorithmIdentifier` with NULL parameters instead
    /// of the bare OBJECT IDENTIFIER.
    AlgorithmWithNullParameters,
}

impl Deviation {
    /// A short English description for reports.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Self::HeaderVersion5 => "seal header version 5 (GM/T 0031-2025), read as version 4",
            Self::ExplicitDefaultCritical => {
                "an extension encodes critical=FALSE explicitly (not DER; covered by the signature)"
            }
            Self::RawSignature => "signature is raw r||s, not DER SEQUENCE { r, s }",
            Self::OctetStringForBitString => "OCTET STRING where a BIT STRING is specified",
            Self::UntaggedOptional => "optional element without its [0] tag",
            Self::GeneralizedTimeInVersion1 => "GeneralizedTime in a version 1 seal",
            Self::LowercasePictureType => "picture type in lowercase",
            Self::AlgorithmWithNullParameters => {
                "signature algorithm as AlgorithmIdentifier with NULL parameters"
            }
        }
    }
}

/// 1.2.156.10197.1.501, SM2 signature with SM3: the only signature algorithm accepted.
pub const SM2_WITH_SM3: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.156.10197.1.501");

/// A signature value as carried (DER, or raw `r‖s` with a deviation) in the raw form
/// [`PublicKey::verify`] takes.
fn signature_value(value: &[u8], deviations: &mut Vec<Deviation>) -> Option<[u8; 64]> {
    if let Some(raw) = sm2_signature_from_der(value) {
        return Some(raw);
    }
    let raw: [u8; 64] = value.try_into().ok()?;
    deviations.push(Deviation::RawSignature);
    Some(raw)
}

/// Verifies an SM2-with-SM3 signature value (DER or raw) over `message` under `key`.
fn verify_value(key: &PublicKey, message: &[u8], value: &[u8]) -> bool {
    let mut ignored = Vec::new();
    signature_value(value, &mut ignored)
        .is_some_and(|raw| key.verify(Algorithm::Sm2Sm3, message, &raw).is_ok())
}
