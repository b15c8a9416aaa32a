//! Reading `SESeal` and `SES_Signature` (GB/T 38540-2020 §5–§6; GM/T 0031-2014 for version
//! 1). The ASN.1 is in docs/FORMAT.md.

use der::Tag;
use der::asn1::ObjectIdentifier;

use super::asn1::{Element, Field, sequence};
use super::{Deviation, SM2_WITH_SM3, SesError, signature_value, verify_value};
use crate::crypto::PublicKey;
use crate::limits::Limits;
use crate::time::UnixTime;

/// Which edition of the standard a seal follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SealVersion {
    /// GM/T 0031-2014: the maker signs `SEQUENCE { SES_SealInfo, cert, signatureAlgorithm }`.
    V1,
    /// GB/T 38540-2020: the maker signs `SES_SealInfo`.
    V4,
    /// GM/T 0031-2025: version 4's layout with header version 5 (read only).
    V5,
}

/// The signers a seal authorises (`certList`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignerList {
    /// `certListType` 1: the signers' certificates (DER).
    Certificates(Vec<Vec<u8>>),
    /// `certListType` 2: digests of the signers' certificates.
    Digests(Vec<CertDigest>),
}

/// One `CertDigestObj`: a digest of a signer certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertDigest {
    /// The digest algorithm or a producer-defined label (`type`, e.g. `SM3`).
    pub kind: String,
    /// The digest (`value`).
    pub value: Vec<u8>,
}

/// `SES_ESPropertyInfo`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealProperty {
    /// 印章类型 (`type`): business-defined in version 4; 1 单位印章, 2 个人印章 in version 1.
    pub seal_type: u64,
    /// 印章名称 (`name`).
    pub name: String,
    /// 签章者证书信息列表 (`certListType` and `certList`).
    pub signers: SignerList,
    /// 制作时间 (`createDate`).
    pub created: UnixTime,
    /// 有效期起始 (`validStart`).
    pub valid_from: UnixTime,
    /// 有效期终止 (`validEnd`).
    pub valid_until: UnixTime,
}

/// `SES_ESPictureInfo`: the seal's image, for display.
#[derive(Clone, PartialEq, Eq)]
pub struct SealPicture {
    /// The image type as written (`PNG`, `JPG`, `GIF`, `BMP`, `SVG`, `OFD`, …).
    pub kind: String,
    /// The image bytes.
    pub data: Vec<u8>,
    /// Display width in millimetres.
    pub width_mm: u64,
    /// Display height in millimetres.
    pub height_mm: u64,
}

impl core::fmt::Debug for SealPicture {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "SealPicture({}, {} bytes, {}×{} mm)",
            self.kind,
            self.data.len(),
            self.width_mm,
            self.height_mm
        )
    }
}

/// One `ExtData` of `extDatas`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extension {
    /// `extnID`, dotted.
    pub id: String,
    /// `critical`.
    pub critical: bool,
    /// `extnValue`.
    pub value: Vec<u8>,
}

/// `SES_SealInfo`: what the seal says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealInfo {
    /// `header.version` as written (1 to 5).
    pub header_version: u64,
    /// `header.vid`: the producing vendor (厂商标识).
    pub vendor: String,
    /// `esID`: the seal's unique identifier (电子印章唯一标识).
    pub es_id: String,
    /// `property`.
    pub property: SealProperty,
    /// `picture`.
    pub picture: SealPicture,
    /// `extDatas`.
    pub extensions: Vec<Extension>,
}

/// A decoded `SESeal` (电子印章数据): nothing about it is verified yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NationalSeal {
    /// The edition the seal follows.
    pub version: SealVersion,
    /// `eSealInfo`.
    pub info: SealInfo,
    /// 制章者证书 (`cert`): the maker's X.509 certificate, DER.
    pub maker_certificate: Vec<u8>,
    /// 制章者签名值 (`signedValue`), as carried.
    pub signature: Vec<u8>,
    /// What the producer did that the standard does not say.
    pub deviations: Vec<Deviation>,
    maker_signed: Vec<u8>,
    bytes: Vec<u8>,
}

/// A decoded `SES_Signature` (电子签章数据): nothing about it is verified yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NationalStamp {
    /// `toSign.version`.
    pub version: u64,
    /// `toSign.eseal`: the seal stamped with.
    pub seal: NationalSeal,
    /// 签章时间 (`timeInfo`).
    pub signed_at: UnixTime,
    /// 原文杂凑值 (`dataHash`).
    pub data_hash: Vec<u8>,
    /// 原文属性 (`propertyInfo`): in OFD, the path of the `Signature.xml` signed.
    pub property_info: String,
    /// `toSign.extDatas`.
    pub extensions: Vec<Extension>,
    /// 签章者证书 (`cert`): the signer's X.509 certificate, DER.
    pub signer_certificate: Vec<u8>,
    /// 签名值 (`signature`), as carried.
    pub signature: Vec<u8>,
    /// `timeStamp`, as carried (not verified by this version).
    pub timestamp: Option<Vec<u8>>,
    /// What the producer did that the standard does not say (the seal's own are in
    /// [`NationalSeal::deviations`]).
    pub deviations: Vec<Deviation>,
    to_be_signed: Vec<u8>,
}

fn limit_input(bytes: &[u8], limits: &Limits) -> Result<(), SesError> {
    if bytes.len() > limits.max_input_bytes {
        return Err(SesError::TooLarge {
            len: bytes.len(),
            limit: limits.max_input_bytes,
        });
    }
    Ok(())
}

fn arity<'a>(
    parts: &[Element<'a>],
    expected: core::ops::RangeInclusive<usize>,
    field: Field,
) -> Result<(), SesError> {
    if expected.contains(&parts.len()) {
        Ok(())
    } else {
        Err(SesError::Malformed {
            field,
            problem: "wrong number of elements",
        })
    }
}

/// The signature algorithm: the bare OID, or an `AlgorithmIdentifier` with NULL (or no)
/// parameters as a deviation; only SM2-with-SM3.
fn algorithm(
    element: Element<'_>,
    field: Field,
    deviations: &mut Vec<Deviation>,
) -> Result<(), SesError> {
    let oid = if element.tag() == Tag::Sequence {
        let parts = element.elements(field)?;
        let null_params = match parts.as_slice() {
            [_] => true,
            [_, params] => params.tag() == Tag::Null && params.to_bytes(field)? == [0x05, 0x00],
            _ => false,
        };
        if !null_params {
            return Err(SesError::Malformed {
                field,
                problem: "algorithm parameters other than NULL",
            });
        }
        deviations.push(Deviation::AlgorithmWithNullParameters);
        parts[0].oid(field)?
    } else {
        element.oid(field)?
    };
    if oid != SM2_WITH_SM3 {
        return Err(SesError::Malformed {
            field,
            problem: "signature algorithm is not SM2-with-SM3 (1.2.156.10197.1.501)",
        });
    }
    Ok(())
}

fn signature_bits<'a>(
    element: Element<'a>,
    field: Field,
    deviations: &mut Vec<Deviation>,
) -> Result<&'a [u8], SesError> {
    let (bytes, was_octets) = element.bits(field)?;
    if was_octets {
        deviations.push(Deviation::OctetStringForBitString);
    }
    if signature_value(bytes, deviations).is_none() {
        return Err(SesError::Malformed {
            field,
            problem: "neither DER SEQUENCE { r, s } nor 64 bytes r||s",
        });
    }
    Ok(bytes)
}

fn extensions(
    element: Element<'_>,
    field: Field,
    limits: &Limits,
    deviations: &mut Vec<Deviation>,
) -> Result<Vec<Extension>, SesError> {
    let items = element.elements(field)?;
    if items.len() > limits.max_collection_len {
        return Err(SesError::TooMany {
            field,
            count: items.len(),
            limit: limits.max_collection_len,
        });
    }
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let parts = item.elements(field)?;
        let (id, critical, value) = match parts.as_slice() {
            [id, value] => (id, false, value),
            [id, critical, value] => {
                let critical = critical.boolean(field)?;
                if !critical {
                    deviations.push(Deviation::ExplicitDefaultCritical);
                }
                (id, critical, value)
            }
            _ => {
                return Err(SesError::Malformed {
                    field,
                    problem: "ExtData is not { extnID, critical, extnValue }",
                });
            }
        };
        out.push(Extension {
            id: id.oid(field)?.to_string(),
            critical,
            value: value.octets(field)?.to_vec(),
        });
    }
    Ok(out)
}

fn signers(
    list_type: Option<u64>,
    element: Element<'_>,
    limits: &Limits,
) -> Result<SignerList, SesError> {
    const FIELD: Field = "SESeal.eSealInfo.property.certList";
    let items = element.elements(FIELD)?;
    if items.len() > limits.max_collection_len {
        return Err(SesError::TooMany {
            field: FIELD,
            count: items.len(),
            limit: limits.max_collection_len,
        });
    }
    match list_type {
        None | Some(1) => items
            .iter()
            .map(|i| i.octets(FIELD).map(<[u8]>::to_vec))
            .collect::<Result<_, _>>()
            .map(SignerList::Certificates),
        Some(2) => items
            .iter()
            .map(|item| match item.elements(FIELD)?.as_slice() {
                [kind, value] => Ok(CertDigest {
                    kind: kind.printable(FIELD)?,
                    value: value.octets(FIELD)?.to_vec(),
                }),
                _ => Err(SesError::Malformed {
                    field: FIELD,
                    problem: "CertDigestObj is not { type, value }",
                }),
            })
            .collect::<Result<_, _>>()
            .map(SignerList::Digests),
        Some(_) => Err(SesError::Malformed {
            field: "SESeal.eSealInfo.property.certListType",
            problem: "neither 1 (certificates) nor 2 (digests)",
        }),
    }
}

fn property(
    element: Element<'_>,
    version1: bool,
    limits: &Limits,
    deviations: &mut Vec<Deviation>,
) -> Result<SealProperty, SesError> {
    const FIELD: Field = "SESeal.eSealInfo.property";
    let parts = element.elements(FIELD)?;
    let (list_type, rest) = if version1 {
        arity(&parts, 6..=6, FIELD)?;
        (None, &parts[2..])
    } else {
        arity(&parts, 7..=7, FIELD)?;
        let list_type = parts[2].uint("SESeal.eSealInfo.property.certListType")?;
        (Some(list_type), &parts[3..])
    };
    let mut time = |element: Element<'_>, field: Field| -> Result<UnixTime, SesError> {
        let (at, utc) = element.time(field)?;
        if version1 && !utc && !deviations.contains(&Deviation::GeneralizedTimeInVersion1) {
            deviations.push(Deviation::GeneralizedTimeInVersion1);
        }
        if !version1 && utc {
            return Err(SesError::Malformed {
                field,
                problem: "UTCTime where version 4 has GeneralizedTime",
            });
        }
        Ok(at)
    };
    Ok(SealProperty {
        seal_type: parts[0].uint("SESeal.eSealInfo.property.type")?,
        name: parts[1].utf8("SESeal.eSealInfo.property.name")?,
        signers: signers(list_type, rest[0], limits)?,
        created: time(rest[1], "SESeal.eSealInfo.property.createDate")?,
        valid_from: time(rest[2], "SESeal.eSealInfo.property.validStart")?,
        valid_until: time(rest[3], "SESeal.eSealInfo.property.validEnd")?,
    })
}

fn picture(element: Element<'_>, deviations: &mut Vec<Deviation>) -> Result<SealPicture, SesError> {
    const FIELD: Field = "SESeal.eSealInfo.picture";
    let parts = element.elements(FIELD)?;
    arity(&parts, 4..=4, FIELD)?;
    let kind = parts[0].ia5("SESeal.eSealInfo.picture.type")?;
    if kind.chars().any(|c| c.is_ascii_lowercase()) {
        deviations.push(Deviation::LowercasePictureType);
    }
    Ok(SealPicture {
        kind,
        data: parts[1].octets("SESeal.eSealInfo.picture.data")?.to_vec(),
        width_mm: parts[2].uint("SESeal.eSealInfo.picture.width")?,
        height_mm: parts[3].uint("SESeal.eSealInfo.picture.height")?,
    })
}

/// `SES_SealInfo`; the layout (version 1 or not) comes from the `SESeal` around it.
fn seal_info(
    element: Element<'_>,
    version1: bool,
    limits: &Limits,
    deviations: &mut Vec<Deviation>,
) -> Result<SealInfo, SesError> {
    const FIELD: Field = "SESeal.eSealInfo";
    let parts = element.elements(FIELD)?;
    arity(&parts, 4..=5, FIELD)?;
    let header = parts[0].elements("SESeal.eSealInfo.header")?;
    arity(&header, 3..=3, "SESeal.eSealInfo.header")?;
    if header[0].ia5("SESeal.eSealInfo.header.id")? != "ES" {
        return Err(SesError::Malformed {
            field: "SESeal.eSealInfo.header.id",
            problem: "not \"ES\"",
        });
    }
    let header_version = header[1].uint("SESeal.eSealInfo.header.version")?;
    let fits = if version1 {
        (1..=3).contains(&header_version)
    } else {
        header_version == 4 || header_version == 5
    };
    if !fits {
        return Err(SesError::Malformed {
            field: "SESeal.eSealInfo.header.version",
            problem: "does not match the seal's layout (1–3 for GM/T 0031-2014, 4 or 5 after)",
        });
    }
    if header_version == 5 {
        deviations.push(Deviation::HeaderVersion5);
    }
    Ok(SealInfo {
        header_version,
        vendor: header[2].ia5("SESeal.eSealInfo.header.vid")?,
        es_id: parts[1].ia5("SESeal.eSealInfo.esID")?,
        property: property(parts[2], version1, limits, deviations)?,
        picture: picture(parts[3], deviations)?,
        extensions: match parts.get(4) {
            Some(ext) => extensions(*ext, "SESeal.eSealInfo.extDatas", limits, deviations)?,
            None => Vec::new(),
        },
    })
}

impl NationalSeal {
    /// Decodes a `SESeal` (version 1, 4 or 5, told apart by its layout and header).
    ///
    /// # Errors
    /// [`SesError`] naming the first element that is not as the standard says.
    pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Self, SesError> {
        limit_input(bytes, limits)?;
        let parts = sequence(bytes, "SESeal")?;
        Self::from_parts(&parts, bytes.to_vec(), limits)
    }

    fn from_parts(
        parts: &[Element<'_>],
        bytes: Vec<u8>,
        limits: &Limits,
    ) -> Result<Self, SesError> {
        let mut deviations = Vec::new();
        let version1 = parts.len() == 2;
        let (cert, alg, value, maker_signed) = if version1 {
            let sign_info = parts[1].elements("SESeal.signInfo")?;
            arity(&sign_info, 3..=3, "SESeal.signInfo")?;
            let signed = super::asn1::write::sequence(&[
                &parts[0].to_bytes("SESeal.eSealInfo")?,
                &sign_info[0].to_bytes("SESeal.signInfo.cert")?,
                &sign_info[1].to_bytes("SESeal.signInfo.signatureAlgorithm")?,
            ]);
            (sign_info[0], sign_info[1], sign_info[2], signed)
        } else {
            arity(parts, 4..=4, "SESeal")?;
            (
                parts[1],
                parts[2],
                parts[3],
                parts[0].to_bytes("SESeal.eSealInfo")?,
            )
        };
        let info = seal_info(parts[0], version1, limits, &mut deviations)?;
        let version = match (version1, info.header_version) {
            (true, _) => SealVersion::V1,
            (false, 5) => SealVersion::V5,
            (false, _) => SealVersion::V4,
        };
        algorithm(alg, "SESeal.signAlgID", &mut deviations)?;
        let signature = signature_bits(value, "SESeal.signedValue", &mut deviations)?.to_vec();
        Ok(Self {
            version,
            info,
            maker_certificate: cert.octets("SESeal.cert")?.to_vec(),
            signature,
            deviations,
            maker_signed,
            bytes,
        })
    }

    /// The seal as received.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The bytes the maker signed, as received.
    #[must_use]
    pub fn maker_signed_bytes(&self) -> &[u8] {
        &self.maker_signed
    }

    /// Whether the maker's signature verifies under `key` (the key of
    /// [`NationalSeal::maker_certificate`]).
    #[must_use]
    pub fn maker_signature_verifies(&self, key: &PublicKey) -> bool {
        verify_value(key, &self.maker_signed, &self.signature)
    }
}

impl NationalStamp {
    /// Decodes an `SES_Signature` (version 4 layout, or version 1 with the signer
    /// certificate inside `TBS_Sign`).
    ///
    /// # Errors
    /// [`SesError`] naming the first element that is not as the standard says.
    pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Self, SesError> {
        limit_input(bytes, limits)?;
        let parts = sequence(bytes, "SES_Signature")?;
        let mut deviations = Vec::new();
        let to_sign = parts.first().ok_or(SesError::Malformed {
            field: "SES_Signature",
            problem: "empty",
        })?;
        let tbs = to_sign.elements("SES_Signature.toSign")?;
        let version1 = parts.len() == 2;
        let (cert, alg, value, timestamp) = if version1 {
            arity(&tbs, 7..=7, "SES_Signature.toSign")?;
            (tbs[5], tbs[6], parts[1], None)
        } else {
            arity(&parts, 4..=5, "SES_Signature")?;
            arity(&tbs, 5..=6, "SES_Signature.toSign")?;
            let timestamp = match parts.get(4) {
                Some(ts) => Some(optional_tagged(
                    *ts,
                    "SES_Signature.timeStamp",
                    &mut deviations,
                )?),
                None => None,
            };
            (parts[1], parts[2], parts[3], timestamp)
        };
        let seal_parts = tbs[1].elements("SES_Signature.toSign.eseal")?;
        let seal = NationalSeal::from_parts(
            &seal_parts,
            tbs[1].to_bytes("SES_Signature.toSign.eseal")?,
            limits,
        )?;
        let signed_at = if version1 {
            v1_time(tbs[2], &mut deviations)?
        } else {
            tbs[2].time("SES_Signature.toSign.timeInfo")?.0
        };
        let (data_hash, was_octets) = tbs[3].bits("SES_Signature.toSign.dataHash")?;
        if was_octets {
            deviations.push(Deviation::OctetStringForBitString);
        }
        let extensions = match tbs.get(5).filter(|_| !version1) {
            Some(ext) => {
                let inner = optional_tagged_element(*ext, &mut deviations)?;
                extensions(
                    inner,
                    "SES_Signature.toSign.extDatas",
                    limits,
                    &mut deviations,
                )?
            }
            None => Vec::new(),
        };
        algorithm(alg, "SES_Signature.signatureAlgID", &mut deviations)?;
        let signature = signature_bits(value, "SES_Signature.signature", &mut deviations)?.to_vec();
        Ok(Self {
            version: tbs[0].uint("SES_Signature.toSign.version")?,
            seal,
            signed_at,
            data_hash: data_hash.to_vec(),
            property_info: tbs[4].ia5("SES_Signature.toSign.propertyInfo")?,
            extensions,
            signer_certificate: cert.octets("SES_Signature.cert")?.to_vec(),
            signature,
            timestamp,
            deviations,
            to_be_signed: to_sign.to_bytes("SES_Signature.toSign")?,
        })
    }

    /// The bytes the signer signed (`TBS_Sign`), as received.
    #[must_use]
    pub fn to_be_signed(&self) -> &[u8] {
        &self.to_be_signed
    }

    /// Whether the signer's signature verifies under `key` (the key of
    /// [`NationalStamp::signer_certificate`]).
    #[must_use]
    pub fn signer_signature_verifies(&self, key: &PublicKey) -> bool {
        verify_value(key, &self.to_be_signed, &self.signature)
    }
}

/// `timeInfo` of a version 1 `TBS_Sign`: a BIT STRING holding a timestamp or a UTCTime's
/// text, or (as some producers write) a time element.
fn v1_time(element: Element<'_>, deviations: &mut Vec<Deviation>) -> Result<UnixTime, SesError> {
    const FIELD: Field = "SES_Signature.toSign.timeInfo";
    if matches!(element.tag(), Tag::UtcTime | Tag::GeneralizedTime) {
        return Ok(element.time(FIELD)?.0);
    }
    let (text, was_octets) = element.bits(FIELD)?;
    if was_octets {
        deviations.push(Deviation::OctetStringForBitString);
    }
    let wrapped = super::asn1::write::tlv(super::asn1::write::tag::UTC_TIME, text);
    let any = <der::asn1::AnyRef<'_> as der::Decode<'_>>::from_der(&wrapped).map_err(|_| {
        SesError::Malformed {
            field: FIELD,
            problem: "holds neither a UTCTime nor a timestamp we read",
        }
    })?;
    Ok(Element(any).time(FIELD)?.0)
}

/// `timeStamp [0] EXPLICIT BIT STRING`, or the BIT STRING without its tag (a deviation).
fn optional_tagged(
    element: Element<'_>,
    field: Field,
    deviations: &mut Vec<Deviation>,
) -> Result<Vec<u8>, SesError> {
    let inner = optional_tagged_element(element, deviations)?;
    let (bytes, was_octets) = inner.bits(field)?;
    if was_octets {
        deviations.push(Deviation::OctetStringForBitString);
    }
    Ok(bytes.to_vec())
}

fn optional_tagged_element<'a>(
    element: Element<'a>,
    deviations: &mut Vec<Deviation>,
) -> Result<Element<'a>, SesError> {
    match element.explicit(0, "[0]")? {
        Some(inner) => Ok(inner),
        None => {
            deviations.push(Deviation::UntaggedOptional);
            Ok(element)
        }
    }
}

/// The OID a dotted string names, for callers building extensions.
pub(super) fn parse_oid(dotted: &str, field: Field) -> Result<ObjectIdentifier, SesError> {
    ObjectIdentifier::new(dotted).map_err(|_| SesError::Unwritable {
        field,
        problem: "not a dotted OBJECT IDENTIFIER",
    })
}
