//! GB/T 35275 `SignedData`: PKCS#7 signed data with the national object identifiers, the
//! value of an OFD digital signature (`Type="Sign"`, GM/T 0099 §7.2.2) and of an OFD
//! integrity list. Read on the same strict DER element reader as the seals, because the
//! `cms` crate neither knows the GM content types nor takes the raw `r‖s` signature values
//! real producers write.
//!
//! ```text
//! ContentInfo ::= SEQUENCE { contentType OID (1.2.156.10197.6.1.4.2.2, or PKCS#7 signedData),
//!                            content [0] EXPLICIT SignedData }
//! SignedData  ::= SEQUENCE { version INTEGER, digestAlgorithms SET OF AlgorithmIdentifier,
//!                            contentInfo SEQUENCE { contentType OID, content [0] EXPLICIT OCTET STRING },
//!                            certificates [0] IMPLICIT SET OF Certificate OPTIONAL,
//!                            crls [1] IMPLICIT SET OF CertificateList OPTIONAL,
//!                            signerInfos SET OF SignerInfo }
//! SignerInfo  ::= SEQUENCE { version INTEGER, issuerAndSerialNumber SEQUENCE { Name, INTEGER },
//!                            digestAlgorithm AlgorithmIdentifier (SM3),
//!                            authenticatedAttributes [0] IMPLICIT SET OF Attribute OPTIONAL,
//!                            digestEncryptionAlgorithm AlgorithmIdentifier (SM2),
//!                            encryptedDigest OCTET STRING, unauthenticatedAttributes [1] OPTIONAL }
//! ```
//!
//! The content is the SM3 digest of the signed file, and the SM2 signature (with `Z_A`) is
//! over that content, as ofdrw and the vendors' systems make it. Authenticated attributes,
//! which would move the signature onto them, are refused rather than half-checked.

use der::Tag;
use der::asn1::ObjectIdentifier;

use super::asn1::{Element, Field, sequence, write};
use super::{Deviation, SM2_WITH_SM3, SesError, signature_value};
use crate::crypto::PublicKey;
use crate::limits::Limits;

/// 1.2.156.10197.6.1.4.2.2, GM/T 0010 signedData.
pub const GM_SIGNED_DATA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.156.10197.6.1.4.2.2");
/// 1.2.156.10197.6.1.4.2.1, GM/T 0010 data.
pub const GM_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.6.1.4.2.1");
const PKCS7_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const PKCS7_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const SM3: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.401");
/// 1.2.156.10197.1.301.1, the SM2 signature scheme (`sm2-1`), which GM/T 0010 writes as
/// `digestEncryptionAlgorithm`.
const SM2_SIGN: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.301.1");

/// One `SignerInfo`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedDataSigner {
    /// `issuerAndSerialNumber.issuer`, the DER `Name` as received.
    pub issuer: Vec<u8>,
    /// `issuerAndSerialNumber.serialNumber`, the INTEGER's content octets.
    pub serial: Vec<u8>,
    /// `encryptedDigest`, as received (DER `SEQUENCE { r, s }`, or raw `r‖s`).
    pub signature: Vec<u8>,
}

/// A GB/T 35275 `SignedData`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignedData {
    /// The encapsulated content (in OFD: the SM3 digest of the signed file).
    pub content: Vec<u8>,
    /// `certificates`, DER.
    pub certificates: Vec<Vec<u8>>,
    /// `signerInfos`, in order (at least one).
    pub signers: Vec<SignedDataSigner>,
    /// How the value departs from the standard.
    pub deviations: Vec<Deviation>,
}

fn malformed(field: Field, problem: &'static str) -> SesError {
    SesError::Malformed { field, problem }
}

fn bounded<T>(items: Vec<T>, field: Field, limits: &Limits) -> Result<Vec<T>, SesError> {
    if items.len() > limits.max_collection_len {
        return Err(SesError::TooMany {
            field,
            count: items.len(),
            limit: limits.max_collection_len,
        });
    }
    Ok(items)
}

/// An `AlgorithmIdentifier` whose OID is one of `allowed`, with absent or NULL parameters.
fn algorithm_in(
    element: Element<'_>,
    allowed: &[ObjectIdentifier],
    field: Field,
) -> Result<(), SesError> {
    let parts = element.elements(field)?;
    let oid = match parts.as_slice() {
        [oid] => oid.oid(field)?,
        [oid, params] if params.to_bytes(field)? == [0x05, 0x00] => oid.oid(field)?,
        _ => return Err(malformed(field, "algorithm parameters other than NULL")),
    };
    if allowed.contains(&oid) {
        Ok(())
    } else {
        Err(malformed(field, "not an SM2 or SM3 algorithm"))
    }
}

impl SignedData {
    /// Decodes a `ContentInfo` holding a `SignedData`, strictly, within `limits`.
    ///
    /// # Errors
    /// [`SesError`] naming the first element that is not as GB/T 35275 says.
    pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Self, SesError> {
        if bytes.len() > limits.max_input_bytes {
            return Err(SesError::TooLarge {
                len: bytes.len(),
                limit: limits.max_input_bytes,
            });
        }
        let outer = sequence(bytes, "ContentInfo")?;
        let [content_type, content] = outer.as_slice() else {
            return Err(malformed("ContentInfo", "wrong number of elements"));
        };
        let content_type = content_type.oid("ContentInfo.contentType")?;
        if content_type != GM_SIGNED_DATA && content_type != PKCS7_SIGNED_DATA {
            return Err(malformed("ContentInfo.contentType", "not signedData"));
        }
        let body = content
            .explicit(0, "ContentInfo.content")?
            .ok_or(malformed("ContentInfo.content", "not [0] EXPLICIT"))?
            .elements("SignedData")?;
        let (version, digests, info, rest) = match body.as_slice() {
            [version, digests, info, rest @ ..] if !rest.is_empty() => {
                (version, digests, info, rest)
            }
            _ => return Err(malformed("SignedData", "wrong number of elements")),
        };
        if version.uint("SignedData.version")? != 1 {
            return Err(malformed("SignedData.version", "not 1"));
        }
        if digests.tag() != Tag::Set {
            return Err(malformed("SignedData.digestAlgorithms", "not a SET"));
        }
        for digest in bounded(
            digests.members("SignedData.digestAlgorithms")?,
            "SignedData.digestAlgorithms",
            limits,
        )? {
            algorithm_in(digest, &[SM3], "SignedData.digestAlgorithms")?;
        }
        let content = encapsulated(*info)?;
        let (certificates, signer_infos) = match rest {
            [signers] => (Vec::new(), *signers),
            [certs, signers] | [certs, _, signers] if is_implicit(*certs, 0) => {
                let certs = certs.members("SignedData.certificates")?;
                let certs = bounded(certs, "SignedData.certificates", limits)?;
                let ders = certs
                    .into_iter()
                    .map(|c| c.to_bytes("SignedData.certificates"))
                    .collect::<Result<Vec<_>, _>>()?;
                (ders, *signers)
            }
            _ => return Err(malformed("SignedData", "elements after contentInfo")),
        };
        if signer_infos.tag() != Tag::Set {
            return Err(malformed("SignedData.signerInfos", "not a SET"));
        }
        let mut deviations = Vec::new();
        let signers = bounded(
            signer_infos.members("SignedData.signerInfos")?,
            "SignedData.signerInfos",
            limits,
        )?
        .into_iter()
        .map(|s| signer_info(s, &mut deviations))
        .collect::<Result<Vec<_>, _>>()?;
        if signers.is_empty() {
            return Err(malformed("SignedData.signerInfos", "empty"));
        }
        deviations.dedup();
        Ok(Self {
            content,
            certificates,
            signers,
            deviations,
        })
    }

    /// The certificate of `signer`, found by issuer and serial number.
    #[must_use]
    pub fn certificate_of(&self, signer: &SignedDataSigner) -> Option<&[u8]> {
        self.certificates
            .iter()
            .find(|c| {
                issuer_and_serial(c).is_some_and(|(i, s)| i == signer.issuer && s == signer.serial)
            })
            .map(Vec::as_slice)
    }
}

impl SignedDataSigner {
    /// Whether the signature verifies over `content` under `key` (SM2-with-SM3, `Z_A`).
    #[must_use]
    pub fn verifies(&self, key: &PublicKey, content: &[u8]) -> bool {
        super::verify_value(key, content, &self.signature)
    }
}

fn is_implicit(element: Element<'_>, number: u32) -> bool {
    matches!(element.tag(), Tag::ContextSpecific { constructed: true, number: n } if n.value() == number)
}

/// `contentInfo`: data, with the content as an OCTET STRING inside `[0]`.
fn encapsulated(info: Element<'_>) -> Result<Vec<u8>, SesError> {
    const FIELD: Field = "SignedData.contentInfo";
    let parts = info.elements(FIELD)?;
    let [kind, content] = parts.as_slice() else {
        return Err(malformed(FIELD, "no encapsulated content (detached)"));
    };
    let kind = kind.oid(FIELD)?;
    if kind != GM_DATA && kind != PKCS7_DATA {
        return Err(malformed(FIELD, "content type is not data"));
    }
    let inner = content
        .explicit(0, FIELD)?
        .ok_or(malformed(FIELD, "content not [0] EXPLICIT"))?;
    Ok(inner.octets(FIELD)?.to_vec())
}

fn signer_info(
    element: Element<'_>,
    deviations: &mut Vec<Deviation>,
) -> Result<SignedDataSigner, SesError> {
    const FIELD: Field = "SignerInfo";
    let parts = element.elements(FIELD)?;
    let [version, id, digest, rest @ ..] = parts.as_slice() else {
        return Err(malformed(FIELD, "wrong number of elements"));
    };
    if version.uint("SignerInfo.version")? != 1 {
        return Err(malformed("SignerInfo.version", "not 1"));
    }
    let id = id.elements("SignerInfo.issuerAndSerialNumber")?;
    let [issuer, serial] = id.as_slice() else {
        return Err(malformed(
            "SignerInfo.issuerAndSerialNumber",
            "wrong number of elements",
        ));
    };
    if issuer.tag() != Tag::Sequence || serial.tag() != Tag::Integer {
        return Err(malformed(
            "SignerInfo.issuerAndSerialNumber",
            "not { Name, INTEGER }",
        ));
    }
    algorithm_in(*digest, &[SM3], "SignerInfo.digestAlgorithm")?;
    let (algorithm, value) = match rest {
        [first, ..] if is_implicit(*first, 0) => {
            return Err(malformed(
                "SignerInfo.authenticatedAttributes",
                "authenticated attributes are not read",
            ));
        }
        [algorithm, value] | [algorithm, value, _] => (*algorithm, *value),
        _ => return Err(malformed(FIELD, "wrong number of elements")),
    };
    algorithm_in(
        algorithm,
        &[SM2_SIGN, SM2_WITH_SM3],
        "SignerInfo.digestEncryptionAlgorithm",
    )?;
    let signature = value.octets("SignerInfo.encryptedDigest")?;
    if signature_value(signature, deviations).is_none() {
        return Err(malformed(
            "SignerInfo.encryptedDigest",
            "neither DER SEQUENCE { r, s } nor 64 bytes r||s",
        ));
    }
    Ok(SignedDataSigner {
        issuer: issuer.to_bytes("SignerInfo.issuerAndSerialNumber")?,
        serial: serial_value(*serial),
        signature: signature.to_vec(),
    })
}

fn serial_value(element: Element<'_>) -> Vec<u8> {
    element.0.value().to_vec()
}

/// A certificate's issuer (DER) and serial number (content octets).
fn issuer_and_serial(certificate: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let parts = sequence(certificate, "Certificate").ok()?;
    let tbs = parts.first()?.elements("Certificate.tbsCertificate").ok()?;
    let skip = usize::from(tbs.first()?.explicit(0, "version").ok()?.is_some());
    let serial = tbs.get(skip)?;
    let issuer = tbs.get(skip + 2)?;
    Some((issuer.to_bytes("issuer").ok()?, serial_value(*serial)))
}

/// Writes a GB/T 35275 `SignedData` (GM object identifiers) carrying `content`, the
/// signer's `certificate` and its DER signature over `content`.
///
/// # Errors
/// [`SesError::Malformed`] if `certificate` is not an X.509 certificate.
pub fn write_signed_data(
    content: &[u8],
    certificate: &[u8],
    signature: &[u8],
) -> Result<Vec<u8>, SesError> {
    let (issuer, serial) = issuer_and_serial(certificate)
        .ok_or(malformed("Certificate", "not an X.509 certificate"))?;
    let sm3 = write::sequence(&[&write::oid(&SM3)]);
    let signer = write::sequence(&[
        &write::uint(1),
        &write::sequence(&[&issuer, &write::tlv(write::tag::INTEGER, &serial)]),
        &sm3,
        &write::sequence(&[&write::oid(&SM2_SIGN)]),
        &write::octets(signature),
    ]);
    let signed_data = write::sequence(&[
        &write::uint(1),
        &write::tlv(write::tag::SET, &sm3),
        &write::sequence(&[
            &write::oid(&GM_DATA),
            &write::explicit(0, &write::octets(content)),
        ]),
        &write::tlv(0xA0, certificate),
        &write::tlv(write::tag::SET, &signer),
    ]);
    Ok(write::sequence(&[
        &write::oid(&GM_SIGNED_DATA),
        &write::explicit(0, &signed_data),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_signed_data() {
        let limits = Limits::default();
        for bytes in [
            &b""[..],
            &[0x30, 0x00],
            &[0x30, 0x03, 0x06, 0x01, 0x2A],
            &write::sequence(&[&write::oid(&GM_DATA), &write::explicit(0, &[0x30, 0x00])]),
        ] {
            assert!(SignedData::decode(bytes, &limits).is_err(), "{bytes:02x?}");
        }
    }
}
