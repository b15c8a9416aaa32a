//! Certificate content as foreign callers see it: requests, fields, issued and decoded
//! certificates.

use std::time::SystemTime;

use yinzheng::issue::{self, CertificateBuilder};
use yinzheng::model::{self, HolderCodeType};

use crate::convert::{parse_date, to_system};
use crate::error::{YinzhengError, invalid};
use crate::signer::{SignatureAlgorithm, public_key};

/// A face field value.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
#[allow(clippy::use_self)] // the UniFFI derive needs the type named
pub enum FieldValue {
    /// Text.
    Text {
        /// The text.
        value: String,
    },
    /// A whole number.
    Integer {
        /// The number.
        value: i64,
    },
    /// Yes or no.
    Bool {
        /// The value.
        value: bool,
    },
    /// Raw bytes (a photo).
    Bytes {
        /// The bytes.
        value: Vec<u8>,
    },
    /// A calendar date, `YYYY-MM-DD`.
    Date {
        /// The date.
        value: String,
    },
    /// A list of values.
    ValueList {
        /// The items.
        items: Vec<FieldValue>,
    },
    /// Named values (keys unique).
    ValueMap {
        /// The entries.
        entries: Vec<MapEntry>,
    },
}

/// One entry of a [`FieldValue::ValueMap`].
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct MapEntry {
    /// The key.
    pub key: String,
    /// The value.
    pub value: FieldValue,
}

/// A named face field.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Field {
    /// The name shown on the licence face.
    pub name: String,
    /// The value.
    pub value: FieldValue,
}

impl TryFrom<FieldValue> for model::FieldValue {
    type Error = YinzhengError;

    fn try_from(v: FieldValue) -> Result<Self, YinzhengError> {
        Ok(match v {
            FieldValue::Text { value } => Self::Text(value),
            FieldValue::Integer { value } => Self::Integer(value),
            FieldValue::Bool { value } => Self::Bool(value),
            FieldValue::Bytes { value } => Self::Bytes(value),
            FieldValue::Date { value } => Self::Date(parse_date(&value)?),
            FieldValue::ValueList { items } => Self::List(
                items
                    .into_iter()
                    .map(Self::try_from)
                    .collect::<Result<_, _>>()?,
            ),
            FieldValue::ValueMap { entries } => Self::Map(
                entries
                    .into_iter()
                    .map(|e| Ok((e.key, Self::try_from(e.value)?)))
                    .collect::<Result<_, YinzhengError>>()?,
            ),
        })
    }
}

impl From<&model::FieldValue> for FieldValue {
    fn from(v: &model::FieldValue) -> Self {
        match v {
            model::FieldValue::Text(value) => Self::Text {
                value: value.clone(),
            },
            model::FieldValue::Integer(value) => Self::Integer { value: *value },
            model::FieldValue::Bool(value) => Self::Bool { value: *value },
            model::FieldValue::Bytes(value) => Self::Bytes {
                value: value.clone(),
            },
            model::FieldValue::Date(d) => Self::Date {
                value: d.to_string(),
            },
            model::FieldValue::List(items) => Self::ValueList {
                items: items.iter().map(Self::from).collect(),
            },
            model::FieldValue::Map(entries) => Self::ValueMap {
                entries: entries
                    .iter()
                    .map(|(key, value)| MapEntry {
                        key: key.clone(),
                        value: value.into(),
                    })
                    .collect(),
            },
            // The core may gain value types; show them as text rather than fail.
            other => Self::Text {
                value: other.to_string(),
            },
        }
    }
}

fn fields_out(fields: &[model::Field]) -> Vec<Field> {
    fields
        .iter()
        .map(|f| Field {
            name: f.name.clone(),
            value: (&f.value).into(),
        })
        .collect()
}

/// What an agency issues: every required part of a certificate and its optional ones.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CertificateRequest {
    /// Licence type code (证照类型代码, 21 characters).
    pub type_code: String,
    /// Licence type name (证照类型名称), e.g. 营业执照.
    pub type_name: String,
    /// Licence number (证照编号).
    pub number: String,
    /// Holder name (持证主体).
    pub holder_name: String,
    /// Holder code (持证主体代码): checked for types `111` and `001`.
    pub holder_code: String,
    /// Holder code type (持证主体代码类型代码): `111` identity number, `001` USCC, …
    pub holder_code_type: String,
    /// Issue date (颁发日期), `YYYY-MM-DD`.
    pub issued_on: String,
    /// First day of validity, `YYYY-MM-DD`.
    pub valid_from: String,
    /// Last day of validity, `YYYY-MM-DD`; none for long-term (长期有效).
    #[uniffi(default = None)]
    pub valid_until: Option<String>,
    /// Jurisdiction (管辖属地), a GB/T 2260 region code.
    #[uniffi(default = None)]
    pub jurisdiction: Option<String>,
    /// Face fields always shown.
    #[uniffi(default = [])]
    pub fields: Vec<Field>,
    /// Face fields the holder may withhold.
    #[uniffi(default = [])]
    pub disclosable_fields: Vec<Field>,
    /// Identifier serial (流水号); random when none.
    #[uniffi(default = None)]
    pub serial: Option<String>,
    /// Identifier version (版本号); `001` when none.
    #[uniffi(default = None)]
    pub version: Option<String>,
    /// The holder's device key (`cnf`): the certificate can then only be shown in a
    /// presentation that key signs (the phone's Keystore / Secure Enclave key, P-256).
    #[uniffi(default = None)]
    pub holder_key: Option<DeviceKey>,
}

/// A public key and its algorithm.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DeviceKey {
    /// The key's algorithm.
    pub algorithm: SignatureAlgorithm,
    /// The public key: 32 bytes for Ed25519, SEC1 for P-256.
    pub public_key: Vec<u8>,
}

impl TryFrom<CertificateRequest> for CertificateBuilder {
    type Error = YinzhengError;

    fn try_from(r: CertificateRequest) -> Result<Self, YinzhengError> {
        let kind = model::CertificateType::new(&r.type_code, &r.type_name).map_err(invalid)?;
        let holder = match HolderCodeType::from_code(&r.holder_code_type) {
            HolderCodeType::ResidentId => model::Holder::resident(
                &r.holder_name,
                &model::ResidentId::parse(&r.holder_code).map_err(invalid)?,
            ),
            HolderCodeType::Uscc => model::Holder::organisation(
                &r.holder_name,
                &model::Uscc::parse(&r.holder_code).map_err(invalid)?,
            ),
            _ => model::Holder::other(&r.holder_name, &r.holder_code_type, &r.holder_code),
        };
        let from = parse_date(&r.valid_from)?;
        let validity = match r.valid_until {
            Some(until) => model::Validity::days(from, parse_date(&until)?),
            None => model::Validity::long_term(from),
        };
        let mut builder = Self::new(kind, r.number, holder, parse_date(&r.issued_on)?, validity);
        if let Some(j) = r.jurisdiction {
            builder = builder.jurisdiction(j);
        }
        for f in r.fields {
            builder = builder.field(f.name, model::FieldValue::try_from(f.value)?);
        }
        for f in r.disclosable_fields {
            builder = builder.disclosable_field(f.name, model::FieldValue::try_from(f.value)?);
        }
        if let Some(serial) = r.serial {
            builder = builder.serial(serial);
        }
        if let Some(version) = r.version {
            builder = builder.version(version);
        }
        if let Some(key) = r.holder_key {
            builder = builder.holder_key(&public_key(key.algorithm, &key.public_key)?);
        }
        Ok(builder)
    }
}

/// A certificate's content.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Certificate {
    /// The e-licence identifier (电子证照标识).
    pub id: String,
    /// Licence type code.
    pub type_code: String,
    /// Licence type name.
    pub type_name: String,
    /// Licence number.
    pub number: String,
    /// Holder name.
    pub holder_name: String,
    /// Holder code.
    pub holder_code: String,
    /// Holder code type code (`111`, `001`, …).
    pub holder_code_type: String,
    /// Issuing authority name.
    pub issuer_name: String,
    /// Issuing authority USCC.
    pub issuer_code: String,
    /// Jurisdiction.
    pub jurisdiction: Option<String>,
    /// Issue date, `YYYY-MM-DD`.
    pub issued_on: String,
    /// First instant of validity.
    pub valid_from: SystemTime,
    /// First instant after validity; none for long-term.
    pub valid_until: Option<SystemTime>,
    /// When it was signed.
    pub signed_at: SystemTime,
    /// Face fields always shown.
    pub fields: Vec<Field>,
    /// Disclosable fields that were revealed.
    pub disclosed: Vec<Field>,
    /// The metadata with Chinese labels, in display order (label, value).
    pub labelled: Vec<LabelledValue>,
}

/// A label and its value, for display.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct LabelledValue {
    /// The Chinese label, e.g. 证照编号.
    pub label: String,
    /// The value as text.
    pub value: String,
}

impl From<&model::Certificate> for Certificate {
    fn from(c: &model::Certificate) -> Self {
        Self {
            id: c.id.to_string(),
            type_code: c.kind.code().to_owned(),
            type_name: c.kind.name().to_owned(),
            number: c.number.clone(),
            holder_name: c.holder.name.clone(),
            holder_code: c.holder.code.clone(),
            holder_code_type: c.holder.code_type.code().to_owned(),
            issuer_name: c.issuer.name.clone(),
            issuer_code: c.issuer.code.to_string(),
            jurisdiction: c.jurisdiction.clone(),
            issued_on: c.issued_on.to_string(),
            valid_from: to_system(c.validity.not_before),
            valid_until: c.validity.not_after.map(to_system),
            signed_at: to_system(c.signed_at),
            fields: fields_out(&c.fields),
            disclosed: fields_out(&c.disclosed),
            labelled: c
                .labelled_metadata()
                .into_iter()
                .map(|(label, value)| LabelledValue {
                    label: label.to_owned(),
                    value,
                })
                .collect(),
        }
    }
}

/// A signed certificate as issued: its bytes carry every disclosure, for the holder.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct IssuedCertificate {
    /// The encoded certificate (tagged COSE_Sign1).
    pub bytes: Vec<u8>,
    /// Its QR text (`YZ1:` + Base45).
    pub qr_text: String,
    /// Its content, every disclosable field included in `disclosed`.
    pub certificate: Certificate,
}

impl From<issue::IssuedCertificate> for IssuedCertificate {
    fn from(i: issue::IssuedCertificate) -> Self {
        Self {
            qr_text: i.qr_text(),
            certificate: i.certificate().into(),
            bytes: i.into_bytes(),
        }
    }
}
