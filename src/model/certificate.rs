//! The certificate (电子证照) as plain data: its holder, issuing agency, validity, status
//! reference, device key and face fields. Its signed encoding is in [`claims`](super::claims).
use core::fmt;

use crate::model::codes::{CodeError, HolderCodeType, ResidentId, Uscc};
use crate::model::identifier::{CertificateId, CertificateType};
use crate::model::value::Field;
use crate::time::{Date, UnixTime};

/// COSE `typ` of a certificate.
pub const CERTIFICATE_TYP: &str = "application/yz-cert+cwt";

/// A SHA-256 digest of a disclosure item (or a decoy).
pub type DisclosureDigest = [u8; 32];

/// The issuing authority (颁发机构): name and unified social credit code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agency {
    /// Name, e.g. 北京市市场监督管理局.
    pub name: String,
    /// Unified social credit code.
    pub code: Uscc,
}

impl Agency {
    /// An agency with a strictly checked code.
    ///
    /// # Errors
    /// [`CodeError`] if the code is not a valid USCC.
    pub fn new(name: &str, code: &str) -> Result<Self, CodeError> {
        Ok(Self {
            name: name.to_owned(),
            code: Uscc::parse(code)?,
        })
    }
}

/// The holder (持证主体): a person or an organisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holder {
    /// Name (of the person or organisation).
    pub name: String,
    /// The holder's code (identity number, USCC, …).
    pub code: String,
    /// What kind of code it is.
    pub code_type: HolderCodeType,
}

impl Holder {
    /// A citizen identified by a checked identity number.
    #[must_use]
    pub fn resident(name: &str, id: &ResidentId) -> Self {
        Self {
            name: name.to_owned(),
            code: id.as_str().to_owned(),
            code_type: HolderCodeType::ResidentId,
        }
    }

    /// An organisation identified by a checked USCC.
    #[must_use]
    pub fn organisation(name: &str, code: &Uscc) -> Self {
        Self {
            name: name.to_owned(),
            code: code.as_str().to_owned(),
            code_type: HolderCodeType::Uscc,
        }
    }

    /// A holder with another code type (passport, permit, …); the code is not checked.
    #[must_use]
    pub fn other(name: &str, code_type: &str, code: &str) -> Self {
        Self {
            name: name.to_owned(),
            code: code.to_owned(),
            code_type: HolderCodeType::from_code(code_type),
        }
    }

    /// Checks the code against its type, leniently: a syntax error is fatal, a wrong check
    /// character comes back beside `Ok`.
    pub(crate) fn check_code(&self) -> Result<Option<CodeError>, CodeError> {
        match self.code_type {
            HolderCodeType::ResidentId => ResidentId::parse_lenient(&self.code).map(|(_, w)| w),
            HolderCodeType::Uscc => Uscc::parse_lenient(&self.code).map(|(_, w)| w),
            _ if self.code.is_empty() => Err(CodeError::Structure {
                part: "holder code",
            }),
            _ => Ok(None),
        }
    }
}

/// The validity period: the instants `nbf` and `exp` of the claims.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Validity {
    /// First instant of validity.
    pub not_before: UnixTime,
    /// First instant after validity; `None` is long-term (长期有效).
    pub not_after: Option<UnixTime>,
}

impl Validity {
    /// Valid from the start of `from` to the end of `until`, in China Standard Time, as a
    /// licence face writes it (有效期 2024-01-08 至 2034-01-07).
    #[must_use]
    pub fn days(from: Date, until: Date) -> Self {
        Self {
            not_before: from.start_in_china(),
            not_after: Some(until.next_day().start_in_china()),
        }
    }

    /// Valid from the start of `from` without an end (长期有效).
    #[must_use]
    pub fn long_term(from: Date) -> Self {
        Self {
            not_before: from.start_in_china(),
            not_after: None,
        }
    }

    /// Whether `now` lies inside the period, allowing `skew` seconds either side.
    #[must_use]
    pub fn contains(&self, now: UnixTime, skew: u64) -> bool {
        now.saturating_add(skew) >= self.not_before
            && self
                .not_after
                .is_none_or(|end| now.saturating_sub(skew) < end)
    }
}

impl fmt::Display for Validity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let from = self.not_before.date_in_china();
        match self.not_after {
            Some(end) => write!(f, "{from} 至 {}", end.saturating_sub(1).date_in_china()),
            None => write!(f, "{from} 起长期有效"),
        }
    }
}

/// Where a certificate's status is published: entry `index` of the status list at `uri`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StatusReference {
    /// The entry's index in the list.
    pub index: u64,
    /// The list's URI (its token's `sub`).
    pub uri: String,
}

/// A holder's device key (the certificate's `cnf`), as plain data. It converts to and from a
/// key's bytes in the form of `crypto::PublicKey::to_bytes` and `PublicKey::from_bytes`, so
/// the crypto layer needs no knowledge of certificates.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum DeviceKey {
    /// An Ed25519 key (COSE OKP, crv 6).
    Ed25519([u8; 32]),
    /// A P-256 key in compressed form (COSE EC2, crv 1): what phone secure hardware (Secure
    /// Enclave, StrongBox) holds.
    P256 {
        /// x coordinate, big-endian.
        x: [u8; 32],
        /// Whether y is odd (the compressed point's sign bit).
        y_odd: bool,
    },
}

impl DeviceKey {
    /// The device key of a public key's bytes: 32 raw bytes for Ed25519, a 33-byte compressed
    /// SEC1 point for P-256 (the form `crypto::PublicKey::to_bytes` gives). `None` for any
    /// other length or point prefix.
    #[must_use]
    pub fn from_key_bytes(bytes: &[u8]) -> Option<Self> {
        if let Ok(ed25519) = <[u8; 32]>::try_from(bytes) {
            return Some(Self::Ed25519(ed25519));
        }
        match bytes {
            [prefix @ (0x02 | 0x03), x @ ..] => Some(Self::P256 {
                x: x.try_into().ok()?,
                y_odd: *prefix == 0x03,
            }),
            _ => None,
        }
    }

    /// The key's bytes in the form [`DeviceKey::from_key_bytes`] reads (and
    /// `crypto::PublicKey::from_bytes` parses).
    #[must_use]
    pub fn key_bytes(&self) -> Vec<u8> {
        match self {
            Self::Ed25519(x) => x.to_vec(),
            Self::P256 { x, y_odd } => {
                let mut sec1 = Vec::with_capacity(33);
                sec1.push(if *y_odd { 0x03 } else { 0x02 });
                sec1.extend_from_slice(x);
                sec1
            }
        }
    }
}

/// The agency seal a certificate is signed under: which seal, exactly, and the key it
/// authorises that signed the certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealReference {
    /// The seal's esID.
    pub id: String,
    /// SHA-256 of the seal's `COSE_Sign1` bytes.
    pub digest: [u8; 32],
    /// The signing key's bytes (Ed25519 32 B, or compressed SEC1 P-256).
    pub signer_key: Vec<u8>,
}

/// Something acceptable but irregular in a certificate, reported beside the result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Warning {
    /// The identifier's check character is wrong (third-party identifiers sometimes are).
    #[error("identifier check character: {0}")]
    IdentifierCheck(CodeError),
    /// The issuing authority's USCC has a wrong check character.
    #[error("issuer code check character: {0}")]
    IssuerCodeCheck(CodeError),
    /// The holder's code has a wrong check character.
    #[error("holder code check character: {0}")]
    HolderCodeCheck(CodeError),
    /// The licence type code's authority part has a wrong check character.
    #[error("licence type code check character: {0}")]
    TypeCodeCheck(CodeError),
}

/// A certificate: the signed metadata, the plain face fields, and — once verified — the
/// selectively disclosed fields that were revealed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Certificate {
    /// The e-licence identifier (电子证照标识).
    pub id: CertificateId,
    /// The licence type (证照类型).
    pub kind: CertificateType,
    /// The licence number printed on it (证照编号).
    pub number: String,
    /// The holder (持证主体).
    pub holder: Holder,
    /// The issuing authority (颁发机构).
    pub issuer: Agency,
    /// The jurisdiction (管辖属地), a GB/T 2260 region code.
    pub jurisdiction: Option<String>,
    /// The issue date (颁发日期).
    pub issued_on: Date,
    /// The validity period (有效期).
    pub validity: Validity,
    /// When the certificate was signed (`iat`).
    pub signed_at: UnixTime,
    /// Where its status is published; a verifier must check it.
    pub status: Option<StatusReference>,
    /// The holder's device key (`cnf`): presentations must be signed by it.
    pub holder_key: Option<DeviceKey>,
    /// Face fields that are always shown, in display order.
    pub fields: Vec<Field>,
    /// Disclosable face fields that were revealed (empty on the claims alone).
    pub disclosed: Vec<Field>,
    /// The signed digests of the disclosable fields, decoys included.
    pub digests: Vec<DisclosureDigest>,
    /// The agency seal it is signed under, if any.
    pub seal: Option<SealReference>,
}

impl Certificate {
    /// All face fields shown: plain ones, then revealed ones.
    pub fn all_fields(&self) -> impl Iterator<Item = &Field> {
        self.fields.iter().chain(&self.disclosed)
    }

    /// The field named `name`, plain or revealed.
    #[must_use]
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.all_fields().find(|f| f.name == name)
    }

    /// The metadata with their Chinese labels, in the order a licence face shows them.
    #[must_use]
    pub fn labelled_metadata(&self) -> Vec<(&'static str, String)> {
        let mut rows = vec![
            ("证照名称", self.kind.name().to_owned()),
            ("证照类型代码", self.kind.code().to_owned()),
            ("证照编号", self.number.clone()),
            ("电子证照标识", self.id.to_string()),
            ("持证主体", self.holder.name.clone()),
            ("持证主体代码", self.holder.code.clone()),
            ("持证主体代码类型", self.holder.code_type.label().to_owned()),
            ("颁发机构", self.issuer.name.clone()),
            ("颁发机构代码", self.issuer.code.to_string()),
            ("颁发日期", self.issued_on.to_string()),
            ("有效期", self.validity.to_string()),
        ];
        if let Some(j) = &self.jurisdiction {
            rows.push(("管辖属地", j.clone()));
        }
        rows
    }
}

impl fmt::Display for Certificate {
    /// A readable licence face: metadata with Chinese labels, then the face fields.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (label, value) in self.labelled_metadata() {
            writeln!(f, "{label}：{value}")?;
        }
        for field in &self.fields {
            writeln!(f, "{}：{}", field.name, field.value)?;
        }
        for field in &self.disclosed {
            writeln!(f, "{}：{}（选择性披露）", field.name, field.value)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::DeviceKey;

    #[test]
    fn device_keys_convert_from_exactly_two_byte_forms() {
        // An Ed25519 key may start with any byte, 0x02 and 0x03 included.
        let ed25519 = [0x02; 32];
        assert_eq!(
            DeviceKey::from_key_bytes(&ed25519),
            Some(DeviceKey::Ed25519(ed25519))
        );
        let mut compressed = [0x07; 33];
        compressed[0] = 0x03;
        let p256 = DeviceKey::from_key_bytes(&compressed).unwrap();
        assert_eq!(
            p256,
            DeviceKey::P256 {
                x: [0x07; 32],
                y_odd: true
            }
        );
        assert_eq!(p256.key_bytes(), compressed);
        compressed[0] = 0x04;
        for refused in [&[][..], &[0x02; 31], &compressed, &[0x04; 65]] {
            assert_eq!(DeviceKey::from_key_bytes(refused), None, "{refused:?}");
        }
    }
}
