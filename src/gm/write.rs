//! Making version 4 `SESeal` and `SES_Signature` in DER, signed through the [`Signer`]
//! trait (a UKey or HSM can sign). Optional `[0]` elements are written `EXPLICIT`, as ofdrw
//! writes and reads them; `critical` is left out when FALSE (DER omits a DEFAULT).

use super::asn1::write;
use super::ses::parse_oid;
use super::{
    Extension, NationalSeal, SM2_WITH_SM3, SealPicture, SealProperty, SealVersion, SesError,
    SignerList,
};
use crate::crypto::{Algorithm, SignError, Signer, sm2_signature_to_der};
use crate::limits::Limits;
use crate::time::UnixTime;

/// What a seal says, for [`make_seal`] (the fields of `SES_SealInfo`).
#[derive(Clone, Debug)]
pub struct SealDraft {
    /// `header.vid`: the producing vendor (厂商标识).
    pub vendor: String,
    /// `esID`: the seal's unique identifier.
    pub es_id: String,
    /// Type, name, the signers it authorises, creation and validity.
    pub property: SealProperty,
    /// The seal's image.
    pub picture: SealPicture,
    /// `extDatas` (none if empty).
    pub extensions: Vec<Extension>,
}

/// What a stamp says, for [`make_stamp`] (the fields of `TBS_Sign`).
#[derive(Clone, Debug)]
pub struct StampDraft<'a> {
    /// The seal stamped with (`SESeal` DER, version 4).
    pub seal: &'a [u8],
    /// 签章时间.
    pub signed_at: UnixTime,
    /// 原文杂凑值: in OFD, SM3 of the `Signature.xml` bytes.
    pub data_hash: &'a [u8],
    /// 原文属性: in OFD, the path of that `Signature.xml`.
    pub property_info: &'a str,
    /// `extDatas` (none if empty).
    pub extensions: Vec<Extension>,
}

/// Why a seal or a stamp was not made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MakeError {
    /// A field cannot be written, or the seal given to stamp with does not decode.
    #[error(transparent)]
    Encoding(#[from] SesError),
    /// The signer is not an SM2 key.
    #[error("a national seal or stamp is signed with SM2, not {0}")]
    NotSm2(Algorithm),
    /// The signer did not sign.
    #[error(transparent)]
    Signer(#[from] SignError),
    /// The signer returned a signature that does not verify under its own key.
    #[error("the signature does not verify under the signer's key")]
    Rejected,
}

fn extensions(list: &[Extension], field: &'static str) -> Result<Option<Vec<u8>>, SesError> {
    if list.is_empty() {
        return Ok(None);
    }
    let mut items = Vec::with_capacity(list.len());
    for ext in list {
        let id = write::oid(&parse_oid(&ext.id, field)?);
        let critical = if ext.critical {
            write::boolean(true)
        } else {
            Vec::new()
        };
        items.push(write::sequence(&[
            &id,
            &critical,
            &write::octets(&ext.value),
        ]));
    }
    let refs: Vec<&[u8]> = items.iter().map(Vec::as_slice).collect();
    Ok(Some(write::sequence(&refs)))
}

fn time(at: UnixTime, field: &'static str) -> Result<Vec<u8>, SesError> {
    write::generalized_time(at).ok_or(SesError::Unwritable {
        field,
        problem: "time not writable as GeneralizedTime",
    })
}

fn seal_info(draft: &SealDraft) -> Result<Vec<u8>, SesError> {
    let header = write::sequence(&[
        &write::ia5("ES"),
        &write::uint(4),
        &ia5(&draft.vendor, "SES_Header.vid")?,
    ]);
    let (list_type, list) = match &draft.property.signers {
        SignerList::Certificates(certs) => {
            let items: Vec<Vec<u8>> = certs.iter().map(|c| write::octets(c)).collect();
            (1, items)
        }
        SignerList::Digests(digests) => {
            let items = digests
                .iter()
                .map(|d| {
                    if !d.kind.bytes().all(is_printable) {
                        return Err(SesError::Unwritable {
                            field: "CertDigestObj.type",
                            problem: "not PrintableString text",
                        });
                    }
                    Ok(write::sequence(&[
                        &write::printable(&d.kind),
                        &write::octets(&d.value),
                    ]))
                })
                .collect::<Result<Vec<_>, _>>()?;
            (2, items)
        }
    };
    let list_refs: Vec<&[u8]> = list.iter().map(Vec::as_slice).collect();
    let property = write::sequence(&[
        &write::uint(draft.property.seal_type),
        &write::utf8(&draft.property.name),
        &write::uint(list_type),
        &write::sequence(&list_refs),
        &time(draft.property.created, "SES_ESPropertyInfo.createDate")?,
        &time(draft.property.valid_from, "SES_ESPropertyInfo.validStart")?,
        &time(draft.property.valid_until, "SES_ESPropertyInfo.validEnd")?,
    ]);
    let picture = write::sequence(&[
        &ia5(&draft.picture.kind, "SES_ESPictureInfo.type")?,
        &write::octets(&draft.picture.data),
        &write::uint(draft.picture.width_mm),
        &write::uint(draft.picture.height_mm),
    ]);
    let ext = extensions(&draft.extensions, "SES_SealInfo.extDatas")?.unwrap_or_default();
    Ok(write::sequence(&[
        &header,
        &ia5(&draft.es_id, "SES_SealInfo.esID")?,
        &property,
        &picture,
        &ext,
    ]))
}

fn is_printable(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&b)
}

fn ia5(text: &str, field: &'static str) -> Result<Vec<u8>, SesError> {
    if !text.is_ascii() {
        return Err(SesError::Unwritable {
            field,
            problem: "not IA5 (ASCII) text",
        });
    }
    Ok(write::ia5(text))
}

/// Signs `message` with the SM2 `signer`, checks the signature under the signer's own key,
/// and returns it in DER.
fn sign_checked(signer: &dyn Signer, message: &[u8]) -> Result<Vec<u8>, MakeError> {
    let key = signer.public_key();
    if key.algorithm() != Algorithm::Sm2Sm3 {
        return Err(MakeError::NotSm2(key.algorithm()));
    }
    let raw = signer.sign(message)?;
    key.verify(Algorithm::Sm2Sm3, message, &raw)
        .map_err(|_| MakeError::Rejected)?;
    sm2_signature_to_der(&raw).ok_or(MakeError::Rejected)
}

/// Makes a version 4 `SESeal`: the maker (制章者) signs DER(`SES_SealInfo`) with the key of
/// `maker_certificate` (DER X.509; that the two match is the caller's to check).
///
/// # Errors
/// [`MakeError`].
pub fn make_seal(
    draft: &SealDraft,
    maker_certificate: &[u8],
    maker: &dyn Signer,
) -> Result<Vec<u8>, MakeError> {
    let info = seal_info(draft)?;
    let signature = sign_checked(maker, &info)?;
    Ok(write::sequence(&[
        &info,
        &write::octets(maker_certificate),
        &write::oid(&SM2_WITH_SM3),
        &write::bits(&signature),
    ]))
}

/// Makes a version 4 `SES_Signature`: the signer (签章者) signs DER(`TBS_Sign`) with the key
/// of `signer_certificate`, which the seal should list.
///
/// # Errors
/// [`MakeError`]; [`MakeError::Encoding`] too if the seal is not a version 4 `SESeal`.
pub fn make_stamp(
    draft: &StampDraft<'_>,
    signer_certificate: &[u8],
    signer: &dyn Signer,
    limits: &Limits,
) -> Result<Vec<u8>, MakeError> {
    let seal = NationalSeal::decode(draft.seal, limits)?;
    if seal.version != SealVersion::V4 {
        return Err(SesError::Unwritable {
            field: "TBS_Sign.eseal",
            problem: "stamps are made with version 4 seals",
        }
        .into());
    }
    let ext = extensions(&draft.extensions, "TBS_Sign.extDatas")?
        .map(|e| write::explicit(0, &e))
        .unwrap_or_default();
    let to_be_signed = write::sequence(&[
        &write::uint(4),
        draft.seal,
        &time(draft.signed_at, "TBS_Sign.timeInfo")?,
        &write::bits(draft.data_hash),
        &ia5(draft.property_info, "TBS_Sign.propertyInfo")?,
        &ext,
    ]);
    let signature = sign_checked(signer, &to_be_signed)?;
    Ok(write::sequence(&[
        &to_be_signed,
        &write::octets(signer_certificate),
        &write::oid(&SM2_WITH_SM3),
        &write::bits(&signature),
    ]))
}

/// Makes a GB/T 35275 `SignedData` over `signed_file` (in OFD, a `Type="Sign"` signature's
/// `Signature.xml`, or an integrity list): the content is SM3(`signed_file`), signed with
/// the key of `signer_certificate` (DER X.509, carried inside).
///
/// # Errors
/// [`MakeError`]; [`MakeError::Encoding`] if the certificate is not X.509.
pub fn make_signed_data(
    signed_file: &[u8],
    signer_certificate: &[u8],
    signer: &dyn Signer,
) -> Result<Vec<u8>, MakeError> {
    let content = crate::crypto::sm3(signed_file);
    let signature = sign_checked(signer, &content)?;
    Ok(super::write_signed_data(
        &content,
        signer_certificate,
        &signature,
    )?)
}
