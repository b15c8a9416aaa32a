//! UniFFI bindings of `yinzheng` for Kotlin, Swift and Python: a thin, mobile-shaped facade.
//!
//! Shapes chosen for foreign callers: bytes are `Vec<u8>`, instants are `SystemTime`, dates
//! are `"YYYY-MM-DD"` strings, one error enum ([`YinzhengError`]) whose variants a caller acts
//! on, each with a human `reason` free of personal data. Keys can live in Android Keystore,
//! the Secure Enclave or an HSM: implement [`Signer`] in Kotlin, Swift or Python. Every
//! signature a foreign signer returns is verified in Rust before it is used.

// Errors cross the FFI by value (UniFFI cannot lift a Box), so `Rejected` carries its report inline.
#![allow(clippy::result_large_err)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use yinzheng::crypto::{self, PublicKey};
use yinzheng::issue::{self, CertificateBuilder};
use yinzheng::model::{self, CodeError, HolderCodeType};
use yinzheng::time::{Date, UnixTime};
use yinzheng::{Limits, verify};
use yinzheng::{audit, status};

uniffi::setup_scaffolding!();

// ---------------------------------------------------------------------------------------
// Errors

/// Everything that can go wrong, grouped by what the caller does about it.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum YinzhengError {
    /// An argument is invalid (a code with a wrong check character, a bad date, a duplicate
    /// field name, …): fix the input.
    #[error("invalid input: {reason}")]
    InvalidInput {
        /// What is wrong.
        reason: String,
    },
    /// A key's bytes are not a valid key of its algorithm.
    #[error("invalid key: {reason}")]
    InvalidKey {
        /// What is wrong.
        reason: String,
    },
    /// The signer did not sign (user cancelled, key locked, HSM offline) or returned a
    /// signature that does not verify: retry or report.
    #[error("signer failed: {reason}")]
    SignerFailed {
        /// What happened.
        reason: String,
    },
    /// Verification said no. `report` lists every check; `check` is the one that failed.
    #[error("rejected at check {check:?}: {reason}")]
    Rejected {
        /// The failed check.
        check: Check,
        /// Why it failed.
        reason: String,
        /// Every check with its outcome.
        report: Report,
    },
    /// The clock has no trustworthy time: verification did not run.
    #[error("clock unavailable: {reason}")]
    ClockUnavailable {
        /// What happened.
        reason: String,
    },
    /// The audit log could not record or read (disk, lock, corruption, rollback, fork): the
    /// operator must look; nothing was issued without its record.
    #[error("audit log: {reason}")]
    AuditLogFailed {
        /// What happened.
        reason: String,
    },
    /// The status registry could not record or read (disk, corruption): the operator must
    /// look.
    #[error("status registry: {reason}")]
    StatusRegistryFailed {
        /// What happened.
        reason: String,
    },
    /// An audit artefact (bundle, checkpoint, log file) does not verify.
    #[error("audit proof rejected: {reason}")]
    AuditRejected {
        /// Why.
        reason: String,
    },
    /// The log showed two checkpoints that cannot both be honest: keep both as evidence.
    #[error("the log presented inconsistent checkpoints")]
    Inconsistent {
        /// The checkpoint held before.
        held: String,
        /// The checkpoint offered, inconsistent with it.
        offered: String,
        /// The consistency proof that contradicts the held checkpoint (empty when both
        /// checkpoints have one size and different roots).
        proof: Vec<Vec<u8>>,
    },
    /// A bug or an unexpected exception from foreign code.
    #[error("internal error: {reason}")]
    Internal {
        /// What happened.
        reason: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for YinzhengError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Internal {
            reason: format!("unexpected error from foreign code: {}", e.reason),
        }
    }
}

fn invalid(e: impl std::fmt::Display) -> YinzhengError {
    YinzhengError::InvalidInput {
        reason: e.to_string(),
    }
}

impl From<issue::IssueError> for YinzhengError {
    fn from(e: issue::IssueError) -> Self {
        match e {
            issue::IssueError::Signer(_) | issue::IssueError::SignatureRejected => {
                Self::SignerFailed {
                    reason: error_chain(&e),
                }
            }
            issue::IssueError::Random(_) => Self::Internal {
                reason: e.to_string(),
            },
            issue::IssueError::Audit(_) => Self::AuditLogFailed {
                reason: error_chain(&e),
            },
            issue::IssueError::Status(_) => Self::StatusRegistryFailed {
                reason: error_chain(&e),
            },
            other => invalid(other),
        }
    }
}

impl From<audit::LogError> for YinzhengError {
    fn from(e: audit::LogError) -> Self {
        Self::AuditLogFailed {
            reason: e.to_string(),
        }
    }
}

impl From<status::RegistryError> for YinzhengError {
    fn from(e: status::RegistryError) -> Self {
        match e {
            status::RegistryError::IllegalTransition { .. }
            | status::RegistryError::UnknownCertificate
            | status::RegistryError::UnknownList
            | status::RegistryError::Invalid(_) => invalid(e),
            other => Self::StatusRegistryFailed {
                reason: error_chain(&other),
            },
        }
    }
}

fn audit_rejected(e: impl std::fmt::Display) -> YinzhengError {
    YinzhengError::AuditRejected {
        reason: e.to_string(),
    }
}

/// `e` and its sources, for signer errors whose cause is in foreign code.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

// ---------------------------------------------------------------------------------------
// Time

fn to_unix(t: SystemTime) -> Result<UnixTime, YinzhengError> {
    t.duration_since(UNIX_EPOCH)
        .map(|d| UnixTime::from_secs(d.as_secs()))
        .map_err(|_| invalid("time before 1970"))
}

fn to_unix_opt(t: Option<SystemTime>) -> Result<Option<UnixTime>, YinzhengError> {
    t.map(to_unix).transpose()
}

/// The latest instant handed to foreign code: 9999-12-31T23:59:59Z, which every platform's
/// date type (Python `datetime`, `java.time.Instant`, Swift `Date`) can hold. A signed time
/// beyond it (a "never expires" of `u64::MAX`) is shown as that instant instead of panicking.
const LATEST_SHOWN: u64 = 253_402_300_799;

fn to_system(t: UnixTime) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(t.as_secs().min(LATEST_SHOWN))
}

fn parse_date(text: &str) -> Result<Date, YinzhengError> {
    Date::parse(text).map_err(invalid)
}

/// A source of the current time implemented by the app (e.g. network time).
#[uniffi::export(foreign)]
pub trait Clock: Send + Sync {
    /// The current time.
    ///
    /// # Errors
    /// When no trustworthy time is available.
    fn now(&self) -> Result<SystemTime, YinzhengError>;
}

// ---------------------------------------------------------------------------------------
// Keys and signing

/// Signature algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SignatureAlgorithm {
    /// Ed25519 (COSE -19).
    Ed25519,
    /// ECDSA P-256 with SHA-256 (COSE -7): what phone secure hardware offers.
    Es256,
}

impl From<SignatureAlgorithm> for crypto::Algorithm {
    fn from(a: SignatureAlgorithm) -> Self {
        match a {
            SignatureAlgorithm::Ed25519 => Self::Ed25519,
            SignatureAlgorithm::Es256 => Self::Es256,
        }
    }
}

fn public_key(algorithm: SignatureAlgorithm, bytes: &[u8]) -> Result<PublicKey, YinzhengError> {
    let key = match algorithm {
        SignatureAlgorithm::Ed25519 => {
            let raw: &[u8; 32] = bytes.try_into().map_err(|_| YinzhengError::InvalidKey {
                reason: "an Ed25519 public key is 32 bytes".into(),
            })?;
            PublicKey::ed25519(raw)
        }
        SignatureAlgorithm::Es256 => PublicKey::p256(bytes),
    };
    key.map_err(|e| YinzhengError::InvalidKey {
        reason: e.to_string(),
    })
}

/// A key that signs: implement it over Android Keystore, the Secure Enclave or an HSM.
#[uniffi::export(foreign)]
pub trait Signer: Send + Sync {
    /// The algorithm of the key.
    fn algorithm(&self) -> SignatureAlgorithm;
    /// The public key: 32 raw bytes for Ed25519, SEC1 (compressed or not) for P-256.
    fn public_key(&self) -> Vec<u8>;
    /// Signs `message`: Ed25519 over the bytes, ES256 over their SHA-256 (as platform APIs
    /// do). Returns the raw 64-byte signature (not DER).
    ///
    /// # Errors
    /// When the key is unavailable or the user refuses.
    fn sign(&self, message: Vec<u8>) -> Result<Vec<u8>, YinzhengError>;
}

/// Adapts a foreign [`Signer`] to the core trait, with its public key parsed once.
struct ForeignSigner {
    inner: Arc<dyn Signer>,
    public: PublicKey,
}

impl ForeignSigner {
    fn new(inner: Arc<dyn Signer>) -> Result<Self, YinzhengError> {
        let public = public_key(inner.algorithm(), &inner.public_key())?;
        Ok(Self { inner, public })
    }
}

impl crypto::Signer for ForeignSigner {
    fn public_key(&self) -> PublicKey {
        self.public.clone()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, crypto::SignError> {
        self.inner
            .sign(message.to_vec())
            .map_err(crypto::SignError::from_source)
    }
}

/// An Ed25519 key held in memory by the library (for servers and tests; apps should keep
/// keys in secure hardware behind [`Signer`]).
#[derive(uniffi::Object)]
pub struct SoftwareKey {
    key: crypto::Ed25519SigningKey,
}

#[uniffi::export]
impl SoftwareKey {
    /// A fresh key from the operating system's random generator.
    ///
    /// # Errors
    /// [`YinzhengError::Internal`] if no randomness is available.
    #[uniffi::constructor]
    pub fn generate() -> Result<Arc<Self>, YinzhengError> {
        let key = crypto::Ed25519SigningKey::generate(&crypto::OsRandom).map_err(|e| {
            YinzhengError::Internal {
                reason: e.to_string(),
            }
        })?;
        Ok(Arc::new(Self { key }))
    }

    /// The key for a 32-byte seed.
    ///
    /// # Errors
    /// [`YinzhengError::InvalidKey`] unless the seed is 32 bytes.
    #[uniffi::constructor]
    pub fn from_seed(seed: Vec<u8>) -> Result<Arc<Self>, YinzhengError> {
        let seed: [u8; 32] = seed.try_into().map_err(|_| YinzhengError::InvalidKey {
            reason: "an Ed25519 seed is 32 bytes".into(),
        })?;
        Ok(Arc::new(Self {
            key: crypto::Ed25519SigningKey::from_seed(&seed),
        }))
    }

    /// A PKCS#8 PEM private key (`-----BEGIN PRIVATE KEY-----`).
    ///
    /// # Errors
    /// [`YinzhengError::InvalidKey`] if it is not an Ed25519 PKCS#8 key.
    #[uniffi::constructor]
    pub fn from_pkcs8_pem(pem: String) -> Result<Arc<Self>, YinzhengError> {
        let key = crypto::Ed25519SigningKey::from_pkcs8_pem(&pem).map_err(|e| {
            YinzhengError::InvalidKey {
                reason: e.to_string(),
            }
        })?;
        Ok(Arc::new(Self { key }))
    }

    /// The 32-byte public key.
    pub fn public_key(&self) -> Vec<u8> {
        crypto::Signer::public_key(&self.key).to_bytes()
    }

    /// The 8-byte key identifier written in certificates, as hex.
    pub fn key_id(&self) -> String {
        crypto::Signer::public_key(&self.key).key_id().to_string()
    }
}

impl crypto::Signer for SoftwareKey {
    fn public_key(&self) -> PublicKey {
        self.key.public_key()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, crypto::SignError> {
        self.key.sign(message)
    }
}

/// The signer behind an [`Issuer`] (the app's own or one the library holds), shareable so
/// that [`Issuer::with_deterministic_randomness`] can reuse it.
#[derive(Clone)]
struct SharedSigner(Arc<dyn crypto::Signer>);

impl crypto::Signer for SharedSigner {
    fn public_key(&self) -> PublicKey {
        self.0.public_key()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, crypto::SignError> {
        self.0.sign(message)
    }
}

// ---------------------------------------------------------------------------------------
// Certificates

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

/// An agency that issues certificates with one key.
#[derive(uniffi::Object)]
pub struct Issuer {
    inner: issue::Issuer,
    parts: IssuerParts,
}

/// What an [`Issuer`] is built from, so each `with_*` call can build a configured copy.
#[derive(Clone)]
struct IssuerParts {
    agency: model::Agency,
    key: SharedSigner,
    rng_seed: Option<[u8; 32]>,
    audit: Option<Arc<audit::AuditLog>>,
    registry: Option<Arc<status::StatusRegistry>>,
    ledger: Option<Arc<issue::IssuanceLedger>>,
    seal: Option<Vec<u8>>,
    x509_chain: Option<Vec<Vec<u8>>>,
}

impl Issuer {
    fn build(parts: IssuerParts) -> Result<Arc<Self>, YinzhengError> {
        let mut inner = issue::Issuer::new(parts.agency.clone(), parts.key.clone());
        if let Some(seed) = parts.rng_seed {
            inner = inner.with_rng(crypto::SeededRandom::from_seed(seed));
        }
        if let Some(log) = &parts.audit {
            inner = inner.with_audit_log(log.clone());
        }
        if let Some(registry) = &parts.registry {
            inner = inner.with_status_registry(registry.clone());
        }
        if let Some(ledger) = &parts.ledger {
            inner = inner.with_ledger(ledger.clone());
        }
        if let Some(seal) = &parts.seal {
            inner = inner.with_seal(seal)?;
        }
        if let Some(chain) = &parts.x509_chain {
            inner = inner.with_x509_chain(chain.clone())?;
        }
        Ok(Arc::new(Self { inner, parts }))
    }

    fn new_with_key(
        agency_name: &str,
        agency_code: &str,
        key: SharedSigner,
    ) -> Result<Arc<Self>, YinzhengError> {
        let agency = model::Agency::new(agency_name, agency_code).map_err(invalid)?;
        Self::build(IssuerParts {
            agency,
            key,
            rng_seed: None,
            audit: None,
            registry: None,
            ledger: None,
            seal: None,
            x509_chain: None,
        })
    }
}

#[uniffi::export]
impl Issuer {
    /// An issuer for the agency `agency_name` / `agency_code` (USCC, checked) signing with an
    /// app-provided key.
    ///
    /// # Errors
    /// [`YinzhengError::InvalidInput`] for a bad agency code, [`YinzhengError::InvalidKey`] for
    /// a bad public key.
    #[uniffi::constructor]
    pub fn new(
        agency_name: String,
        agency_code: String,
        signer: Arc<dyn Signer>,
    ) -> Result<Arc<Self>, YinzhengError> {
        Self::new_with_key(
            &agency_name,
            &agency_code,
            SharedSigner(Arc::new(ForeignSigner::new(signer)?)),
        )
    }

    /// An issuer signing with a key the library holds.
    ///
    /// # Errors
    /// [`YinzhengError::InvalidInput`] for a bad agency code.
    #[uniffi::constructor]
    pub fn with_software_key(
        agency_name: String,
        agency_code: String,
        key: Arc<SoftwareKey>,
    ) -> Result<Arc<Self>, YinzhengError> {
        Self::new_with_key(&agency_name, &agency_code, SharedSigner(key))
    }

    /// The same issuer drawing salts, decoys and serials from a seeded stream, so output is
    /// reproducible (test vectors). Never in production.
    ///
    /// # Errors
    /// [`YinzhengError::InvalidInput`] unless the seed is 32 bytes.
    pub fn with_deterministic_randomness(&self, seed: Vec<u8>) -> Result<Arc<Self>, YinzhengError> {
        let seed: [u8; 32] = seed
            .try_into()
            .map_err(|_| invalid("the seed is 32 bytes"))?;
        let mut parts = self.parts.clone();
        parts.rng_seed = Some(seed);
        Self::build(parts)
    }

    /// The same issuer recording every certificate in `log` before releasing it.
    ///
    /// # Errors
    /// Never in practice: the rest of the configuration was accepted before.
    pub fn with_audit_log(&self, log: Arc<AuditLog>) -> Result<Arc<Self>, YinzhengError> {
        let mut parts = self.parts.clone();
        parts.audit = Some(log.inner.clone());
        Self::build(parts)
    }

    /// The same issuer giving every certificate a status entry in `registry`.
    ///
    /// # Errors
    /// Never in practice: the rest of the configuration was accepted before.
    pub fn with_status_registry(
        &self,
        registry: Arc<StatusRegistry>,
    ) -> Result<Arc<Self>, YinzhengError> {
        let mut parts = self.parts.clone();
        parts.registry = Some(registry.inner.clone());
        Self::build(parts)
    }

    /// The same issuer journalling every request it issues in `ledger`, for
    /// [`issue_once`](Self::issue_once).
    ///
    /// # Errors
    /// Never in practice: the rest of the configuration was accepted before.
    pub fn with_ledger(&self, ledger: Arc<IssuanceLedger>) -> Result<Arc<Self>, YinzhengError> {
        let mut parts = self.parts.clone();
        parts.ledger = Some(ledger.inner.clone());
        Self::build(parts)
    }

    /// Issues each request once: a request id the ledger holds gets the certificate issued
    /// for it the first time; the others are signed, journalled, logged, then returned.
    ///
    /// # Errors
    /// [`YinzhengError::InvalidInput`] without a ledger, for a request id that is not 32
    /// bytes or invalid content; [`YinzhengError::AuditLogFailed`],
    /// [`YinzhengError::StatusRegistryFailed`].
    pub fn issue_once(
        &self,
        requests: Vec<IdentifiedRequest>,
        signed_at: SystemTime,
    ) -> Result<Vec<IssuedOnce>, YinzhengError> {
        let requests = requests
            .into_iter()
            .map(|r| {
                let id: issue::RequestId = r
                    .request_id
                    .try_into()
                    .map_err(|_| invalid("a request id is 32 bytes"))?;
                Ok((id, r.request.try_into()?))
            })
            .collect::<Result<Vec<_>, YinzhengError>>()?;
        Ok(self
            .inner
            .issue_once(requests, to_unix(signed_at)?)?
            .into_iter()
            .map(|c| IssuedOnce {
                request_id: c.request.to_vec(),
                identifier: c.identifier,
                bytes: c.bytes,
                audit_index: c.audit_index,
                newly_issued: c.new,
            })
            .collect())
    }

    /// The same issuer signing every certificate under the agency seal `seal`, which must
    /// authorise this issuer's key and belong to its agency.
    ///
    /// # Errors
    /// [`YinzhengError::InvalidInput`] otherwise.
    pub fn with_seal(&self, seal: Vec<u8>) -> Result<Arc<Self>, YinzhengError> {
        let mut parts = self.parts.clone();
        parts.seal = Some(seal);
        Self::build(parts)
    }

    /// The same issuer carrying `chain` (X.509 DER, leaf first) in every certificate, so
    /// verifiers trusting its root accept the key.
    ///
    /// # Errors
    /// [`YinzhengError::InvalidInput`] if the leaf does not certify this key and agency.
    pub fn with_x509_chain(&self, chain: Vec<Vec<u8>>) -> Result<Arc<Self>, YinzhengError> {
        let mut parts = self.parts.clone();
        parts.x509_chain = Some(chain);
        Self::build(parts)
    }

    /// The public key that verifies this issuer's certificates.
    pub fn public_key(&self) -> Vec<u8> {
        self.inner.public_key().to_bytes()
    }

    /// Issues a certificate signed at `signed_at`. The signature is verified before the
    /// certificate is returned, so a faulty signer cannot produce an invalid certificate.
    ///
    /// # Errors
    /// [`YinzhengError::InvalidInput`] for invalid content, [`YinzhengError::SignerFailed`]
    /// if the signer fails or its signature does not verify.
    pub fn issue(
        &self,
        request: CertificateRequest,
        signed_at: SystemTime,
    ) -> Result<IssuedCertificate, YinzhengError> {
        let prepared = self
            .inner
            .prepare(request.try_into()?, to_unix(signed_at)?)?;
        let signature =
            crypto::Signer::sign(&self.parts.key, prepared.to_be_signed()).map_err(|e| {
                YinzhengError::SignerFailed {
                    reason: error_chain(&e),
                }
            })?;
        Ok(prepared.complete(&signature)?.into())
    }

    /// Prepares a certificate for a signature made elsewhere (two-phase signing).
    ///
    /// # Errors
    /// [`YinzhengError::InvalidInput`] for invalid content.
    pub fn prepare(
        &self,
        request: CertificateRequest,
        signed_at: SystemTime,
    ) -> Result<Arc<PreparedCertificate>, YinzhengError> {
        let prepared = self
            .inner
            .prepare(request.try_into()?, to_unix(signed_at)?)?;
        Ok(Arc::new(PreparedCertificate {
            to_be_signed: prepared.to_be_signed().to_vec(),
            inner: Mutex::new(Some(prepared)),
        }))
    }
}

/// A certificate waiting for its signature.
#[derive(uniffi::Object)]
pub struct PreparedCertificate {
    to_be_signed: Vec<u8>,
    inner: Mutex<Option<issue::PreparedCertificate>>,
}

#[uniffi::export]
impl PreparedCertificate {
    /// The exact bytes to sign.
    pub fn to_be_signed(&self) -> Vec<u8> {
        self.to_be_signed.clone()
    }

    /// Attaches the signature after checking it verifies. Once only.
    ///
    /// # Errors
    /// [`YinzhengError::SignerFailed`] if the signature does not verify;
    /// [`YinzhengError::InvalidInput`] if already completed.
    pub fn complete(&self, signature: Vec<u8>) -> Result<IssuedCertificate, YinzhengError> {
        let prepared = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
            .ok_or_else(|| invalid("this certificate was already completed"))?;
        Ok(prepared.complete(&signature)?.into())
    }
}

// ---------------------------------------------------------------------------------------
// Holder

/// The certificate with only the named disclosable fields revealed.
///
/// # Errors
/// [`YinzhengError::InvalidInput`] if the bytes do not decode or a name is not disclosable.
#[uniffi::export]
pub fn select_disclosures(
    certificate: Vec<u8>,
    reveal: Vec<String>,
) -> Result<Vec<u8>, YinzhengError> {
    let names: Vec<&str> = reveal.iter().map(String::as_str).collect();
    yinzheng::present::select_disclosures(&certificate, &names, &Limits::default()).map_err(invalid)
}

/// The QR text (`YZ1:` + Base45) of encoded bytes.
#[uniffi::export]
pub fn to_qr_text(bytes: Vec<u8>) -> String {
    yinzheng::encoding::qr::to_qr_text(&bytes)
}

/// The bytes carried by a QR text.
///
/// # Errors
/// [`YinzhengError::InvalidInput`] if the text is not a strict `YZ1:` Base45 text.
#[uniffi::export]
pub fn from_qr_text(text: String) -> Result<Vec<u8>, YinzhengError> {
    yinzheng::encoding::qr::from_qr_text(&text, &Limits::default()).map_err(invalid)
}

// ---------------------------------------------------------------------------------------
// Codes

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

// ---------------------------------------------------------------------------------------
// Verification

/// The checks of a verification, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Check {
    /// 0. The trust bundle the verifier was loaded from is in force.
    TrustBundle,
    /// 1. Decodes canonically within limits.
    Decode,
    /// 2. Algorithm allowed, key type matches.
    Algorithm,
    /// 3. Issuer key is trusted.
    IssuerKey,
    /// 4. Issuer signature verifies.
    IssuerSignature,
    /// 5. The key is certified for the claimed agency.
    IssuerIdentity,
    /// 6. Inside the validity window.
    Validity,
    /// 7. Disclosed fields match signed digests.
    Disclosures,
    /// 8. Holder binding: signed by the device key, fresh, nonce, audience, no replay.
    HolderBinding,
    /// 9. The published status is VALID.
    Status,
    /// 10a. The stamp's signature verifies under its stamping key.
    StampSignature,
    /// 10b. The seal authorises the stamping key.
    SealAuthorisation,
    /// 10c. The seal maker is trusted and signed the seal.
    SealMaker,
    /// 10d. The seal was valid when the document was stamped.
    SealValidity,
    /// 10e. The seal is not revoked or suspended.
    SealStatus,
    /// 10f. The document is the one stamped.
    DocumentDigest,
    /// A check this version of the bindings does not know yet.
    Other,
}

impl From<verify::Check> for Check {
    fn from(c: verify::Check) -> Self {
        match c {
            verify::Check::TrustBundle => Self::TrustBundle,
            verify::Check::Decode => Self::Decode,
            verify::Check::Algorithm => Self::Algorithm,
            verify::Check::IssuerKey => Self::IssuerKey,
            verify::Check::IssuerSignature => Self::IssuerSignature,
            verify::Check::IssuerIdentity => Self::IssuerIdentity,
            verify::Check::Validity => Self::Validity,
            verify::Check::Disclosures => Self::Disclosures,
            verify::Check::HolderBinding => Self::HolderBinding,
            verify::Check::Status => Self::Status,
            verify::Check::StampSignature => Self::StampSignature,
            verify::Check::SealAuthorisation => Self::SealAuthorisation,
            verify::Check::SealMaker => Self::SealMaker,
            verify::Check::SealValidity => Self::SealValidity,
            verify::Check::SealStatus => Self::SealStatus,
            verify::Check::DocumentDigest => Self::DocumentDigest,
            _ => Self::Other,
        }
    }
}

/// What happened to a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CheckStatus {
    /// Ran and passed.
    Passed,
    /// Ran and failed.
    Failed,
    /// Did not run.
    Skipped,
    /// Failed, but the verifier's policy allows it (e.g. an unknown status).
    Allowed,
}

/// A certificate's published status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CertificateStatus {
    /// VALID.
    Valid,
    /// REVOKED (no longer valid: revoked, cancelled, annulled, …).
    Revoked,
    /// SUSPENDED.
    Suspended,
    /// UNKNOWN: no list, a stale list, … (never taken as revoked).
    Unknown,
}

/// One check and its outcome.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CheckOutcome {
    /// Which check.
    pub check: Check,
    /// Its stable machine name (as in the test vectors), e.g. `issuer-signature`.
    pub name: String,
    /// Its Chinese label.
    pub label: String,
    /// Passed, failed, skipped, or failed but allowed by the verifier's policy.
    pub status: CheckStatus,
    /// Why it failed, was skipped or was allowed.
    pub detail: Option<String>,
}

/// Every check with its outcome.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Report {
    /// The checks, in order.
    pub checks: Vec<CheckOutcome>,
    /// Irregular but acceptable content.
    pub warnings: Vec<String>,
    /// The trust anchor whose key verified the signature.
    pub trusted_key: Option<String>,
    /// The certificate's status, when it has a status reference.
    pub status: Option<CertificateStatus>,
    /// Why the status is unknown, if it is.
    pub status_detail: Option<String>,
    /// The report as readable text.
    pub text: String,
}

impl From<&verify::Report> for Report {
    fn from(r: &verify::Report) -> Self {
        Self {
            checks: r
                .results()
                .iter()
                .map(|result| {
                    let (status, detail) = match &result.outcome {
                        verify::Outcome::Passed => (CheckStatus::Passed, None),
                        verify::Outcome::Failed(e) => (CheckStatus::Failed, Some(e.to_string())),
                        verify::Outcome::Skipped(why) => {
                            (CheckStatus::Skipped, Some(why.to_string()))
                        }
                        verify::Outcome::Allowed(e) => (CheckStatus::Allowed, Some(e.to_string())),
                        _ => (
                            CheckStatus::Failed,
                            Some("an outcome these bindings do not know".to_owned()),
                        ),
                    };
                    CheckOutcome {
                        check: result.check.into(),
                        name: result.check.name().to_owned(),
                        label: result.check.label().to_owned(),
                        status,
                        detail,
                    }
                })
                .collect(),
            warnings: r.warnings().iter().map(ToString::to_string).collect(),
            trusted_key: r.trusted_key().map(str::to_owned),
            status: r.status().map(|s| match s {
                verify::StatusOutcome::Valid => CertificateStatus::Valid,
                verify::StatusOutcome::Revoked => CertificateStatus::Revoked,
                verify::StatusOutcome::Suspended => CertificateStatus::Suspended,
                _ => CertificateStatus::Unknown,
            }),
            status_detail: match r.status() {
                Some(verify::StatusOutcome::Unknown(reason)) => Some(reason.to_string()),
                _ => None,
            },
            text: r.to_string(),
        }
    }
}

impl From<verify::Rejected> for YinzhengError {
    fn from(r: verify::Rejected) -> Self {
        Self::Rejected {
            check: r.failed_check().into(),
            reason: r.error().to_string(),
            report: r.report().into(),
        }
    }
}

/// A certificate that passed every check, and the report.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct VerifiedCertificate {
    /// What it says.
    pub certificate: Certificate,
    /// How it was checked.
    pub report: Report,
    /// The agency seal it is signed under (draw its picture on the certificate face).
    pub seal: Option<SealInfo>,
}

impl From<&verify::Verified<model::Certificate>> for VerifiedCertificate {
    fn from(verified: &verify::Verified<model::Certificate>) -> Self {
        Self {
            certificate: verified.value().into(),
            report: verified.report().into(),
            seal: verified.seal().map(SealInfo::from),
        }
    }
}

/// The verdict on one certificate of a queue (see `Verifier.verify_certificates`).
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
#[allow(
    clippy::large_enum_variant,
    reason = "UniFFI passes records by value; a Box would not cross the boundary"
)]
pub enum CertificateVerdict {
    /// Every check passed.
    Accepted {
        /// The certificate and its report.
        verified: VerifiedCertificate,
    },
    /// A check failed.
    Rejected {
        /// The failed check.
        check: Check,
        /// Why it failed.
        reason: String,
        /// Every check with its outcome.
        report: Report,
    },
}

/// An electronic seal (电子印章) as verified.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SealInfo {
    /// esID.
    pub id: String,
    /// Type code: 1 公章, 2 财务专用章, 3 发票专用章, 4 合同专用章, 5 法定代表人名章, 99 其他.
    pub kind_code: u64,
    /// The type's Chinese name.
    pub kind_label: String,
    /// The seal's name.
    pub name: String,
    /// The owner organisation.
    pub owner_name: String,
    /// The owner's USCC.
    pub owner_code: String,
    /// First instant it may be used.
    pub valid_from: SystemTime,
    /// First instant it may no longer be used.
    pub valid_until: SystemTime,
    /// Picture format: `png` or `svg`.
    pub picture_format: String,
    /// Picture bytes.
    pub picture: Vec<u8>,
    /// Printed width in millimetres.
    pub width_mm: u32,
    /// Printed height in millimetres.
    pub height_mm: u32,
}

impl From<&model::Seal> for SealInfo {
    fn from(s: &model::Seal) -> Self {
        Self {
            id: s.id.clone(),
            kind_code: s.kind.code(),
            kind_label: s.kind.label().to_owned(),
            name: s.name.clone(),
            owner_name: s.owner.name.clone(),
            owner_code: s.owner.code.to_string(),
            valid_from: to_system(s.valid_from),
            valid_until: to_system(s.valid_until),
            picture_format: s.picture.format.clone(),
            picture: s.picture.data.clone(),
            width_mm: s.picture.width_mm,
            height_mm: s.picture.height_mm,
        }
    }
}

/// A stamp (电子签章) that passed every check.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct VerifiedStamp {
    /// The seal it was made with.
    pub seal: SealInfo,
    /// When the document was stamped.
    pub signed_at: SystemTime,
    /// The protection scope and document properties.
    pub property: String,
    /// The stamping public key.
    pub signer_key: Vec<u8>,
    /// The trusted seal maker.
    pub seal_maker: String,
    /// How it was checked.
    pub report: Report,
}

/// A role an anchor is trusted for: a key or chain trusted for one is never accepted for
/// another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum TrustRole {
    /// Signs certificates for its agency.
    Issuer,
    /// Makes seals (for any organisation); issues nothing.
    SealMaker,
    /// Signs its agency's status lists.
    StatusLists,
    /// Signs trust bundles.
    BundlePublisher,
}

impl From<TrustRole> for yinzheng::trust::Role {
    fn from(r: TrustRole) -> Self {
        match r {
            TrustRole::Issuer => Self::Issuer,
            TrustRole::SealMaker => Self::SealMaker,
            TrustRole::StatusLists => Self::StatusLists,
            TrustRole::BundlePublisher => Self::BundlePublisher,
        }
    }
}

fn roles(roles: &[TrustRole]) -> yinzheng::trust::Roles {
    roles
        .iter()
        .map(|r| yinzheng::trust::Role::from(*r))
        .collect()
}

/// An X.509 root certificate the verifier trusts, for roles.
#[derive(Debug, Clone, uniffi::Record)]
pub struct TrustedRoot {
    /// A name for reports.
    pub name: String,
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// What chains to it are accepted for (each leaf must carry the role's key purpose).
    pub roles: Vec<TrustRole>,
    /// Accept leaves with no yinzheng key purpose for the root's single role (a PKI that
    /// marks none).
    #[uniffi(default = false)]
    pub allow_unmarked_leaves: bool,
}

/// A seal maker (制章者) the verifier trusts.
#[derive(Debug, Clone, uniffi::Record)]
pub struct TrustedSealMaker {
    /// A name for reports.
    pub name: String,
    /// The key's algorithm.
    pub algorithm: SignatureAlgorithm,
    /// The public key bytes.
    pub public_key: Vec<u8>,
}

/// A compromised key: nothing it signed is accepted when verifying at or after `since`
/// (always, without it), whatever signing time an object claims.
#[derive(Debug, Clone, uniffi::Record)]
pub struct RevokedKey {
    /// SHA-256 of the key's bytes (32 raw bytes for Ed25519, 33-byte compressed SEC1 for
    /// P-256; for an X.509 certificate, of the key it certifies).
    pub key_sha256: Vec<u8>,
    /// When the key stopped being trustworthy.
    #[uniffi(default = None)]
    pub since: Option<SystemTime>,
}

/// Everything a verifier may trust. At least one anchor is required.
#[derive(Debug, Clone, uniffi::Record)]
pub struct TrustAnchors {
    /// Agency keys, each for one agency and its roles.
    #[uniffi(default = [])]
    pub issuer_keys: Vec<TrustedIssuerKey>,
    /// X.509 roots: keys certified by a chain to one speak for the agency in their leaf.
    #[uniffi(default = [])]
    pub x509_roots: Vec<TrustedRoot>,
    /// Seal makers: seals they make authorise keys for the seal's owner.
    #[uniffi(default = [])]
    pub seal_makers: Vec<TrustedSealMaker>,
    /// Compromised keys.
    #[uniffi(default = [])]
    pub revoked_keys: Vec<RevokedKey>,
}

/// A key the verifier trusts to sign for an agency, in the roles given.
#[derive(Debug, Clone, uniffi::Record)]
pub struct TrustedIssuerKey {
    /// A name for reports.
    pub name: String,
    /// The agency's USCC the key speaks for.
    pub agency_code: String,
    /// The key's algorithm.
    pub algorithm: SignatureAlgorithm,
    /// The public key bytes.
    pub public_key: Vec<u8>,
    /// What the key is trusted for (`Issuer`, `StatusLists`, or both).
    pub roles: Vec<TrustRole>,
    /// Another key identifier its objects carry (an IETF status list's `kid`, e.g. `"12"`),
    /// besides the library's own.
    #[uniffi(default = None)]
    pub key_id: Option<Vec<u8>>,
}

fn trust_store(anchors: TrustAnchors) -> Result<yinzheng::trust::TrustStore, YinzhengError> {
    let mut trust = yinzheng::trust::TrustStore::new();
    for anchor in anchors.issuer_keys {
        let agency = model::Uscc::parse(&anchor.agency_code).map_err(invalid)?;
        let key = public_key(anchor.algorithm, &anchor.public_key)?;
        let mut trusted = yinzheng::trust::TrustedKey::new(&anchor.name, key, roles(&anchor.roles))
            .for_agency(agency);
        if let Some(kid) = &anchor.key_id {
            trusted = trusted.with_key_id(kid);
        }
        trust.add(trusted).map_err(invalid)?;
    }
    for root in anchors.x509_roots {
        let root_roles = roles(&root.roles);
        trust
            .add_x509_root(&root.name, &root.der, root_roles)
            .map_err(invalid)?;
        if root.allow_unmarked_leaves {
            let role = root_roles
                .single()
                .ok_or_else(|| invalid("unmarked leaves need a root with exactly one role"))?;
            trust
                .allow_unmarked_leaves(&root.name, role)
                .map_err(invalid)?;
        }
    }
    for maker in anchors.seal_makers {
        let key = public_key(maker.algorithm, &maker.public_key)?;
        trust.add_seal_maker(&maker.name, key).map_err(invalid)?;
    }
    for revoked in anchors.revoked_keys {
        let digest = digest32(revoked.key_sha256, "key_sha256")?;
        trust.revoke_key(digest, to_unix_opt(revoked.since)?);
    }
    Ok(trust)
}

/// What `Verifier.add_seal` did with a genuine seal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SealOutcome {
    /// The first version of its esID: held and current.
    Stored,
    /// A newer version from the same maker: now current.
    Replaced,
    /// An older version: held for certificates naming it, the newer stays current.
    KeptNewer,
    /// Already held.
    AlreadyHeld,
}

/// A seal the verifier accepted, and what it did with it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AddedSeal {
    /// The seal.
    pub seal: SealInfo,
    /// Stored, replaced, kept the newer, or already held.
    pub outcome: SealOutcome,
    /// The trusted maker, as reports name it.
    pub maker: String,
}

/// What `Verifier.add_status_list` did with a genuine list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum StatusListOutcome {
    /// No list was held for its agency and URI.
    Stored,
    /// It replaced an older one.
    Replaced,
    /// A list not older was held and kept.
    KeptHeld,
    /// Already held.
    AlreadyHeld,
}

/// A status list the verifier accepted, and what it did with it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AddedStatusList {
    /// The agency whose list it is (its signer speaks for it).
    pub agency_code: String,
    /// The list's URI.
    pub uri: String,
    /// Its issue time.
    pub issued_at: SystemTime,
    /// Stored, replaced, kept the held one, or already held.
    pub outcome: StatusListOutcome,
}

/// How strict the verifier is. The defaults are strict; each field loosens one check.
#[derive(Debug, Clone, uniffi::Record)]
pub struct VerifierPolicy {
    /// Seconds of clock skew accepted around validity windows (at most 300).
    #[uniffi(default = 0)]
    pub allow_clock_skew_seconds: u64,
    /// Accept certificates whose status cannot be established (no or stale list); the report
    /// still says UNKNOWN. REVOKED and SUSPENDED always reject.
    #[uniffi(default = false)]
    pub allow_unknown_status: bool,
    /// Remember this many unexpired presentations and refuse any shown twice (0: off).
    #[uniffi(default = 0)]
    pub replay_cache_capacity: u64,
    /// Accept a device-bound certificate shown as itself, without a presentation (back
    /// offices only).
    #[uniffi(default = false)]
    pub allow_holder_bound_without_presentation: bool,
    /// Let `verify_certificates` check Ed25519 issuer signatures with one cofactored batch
    /// equation. It also accepts signatures a trusted issuer deliberately gave a small-order
    /// component, which strict single verification refuses (nobody else can make them).
    #[uniffi(default = false)]
    pub allow_cofactored_batch: bool,
}

fn apply_policy(
    builder: verify::VerifierBuilder,
    policy: &VerifierPolicy,
) -> verify::VerifierBuilder {
    let mut builder = builder.allow_clock_skew(policy.allow_clock_skew_seconds);
    if policy.allow_unknown_status {
        builder = builder.allow_unknown_status();
    }
    if policy.replay_cache_capacity > 0 {
        let capacity = usize::try_from(policy.replay_cache_capacity).unwrap_or(usize::MAX);
        builder = builder.replay_cache(Arc::new(verify::ReplayCache::new(capacity)));
    }
    if policy.allow_holder_bound_without_presentation {
        builder = builder.allow_holder_bound_without_presentation();
    }
    if policy.allow_cofactored_batch {
        builder = builder.allow_cofactored_batch();
    }
    builder
}

/// Verifies certificates offline against trusted keys.
#[derive(uniffi::Object)]
pub struct Verifier {
    inner: verify::Verifier,
}

#[uniffi::export]
impl Verifier {
    /// A verifier trusting `anchors` (at least one).
    ///
    /// # Errors
    /// [`YinzhengError::InvalidInput`] with no anchors, no roles or a bad agency code,
    /// [`YinzhengError::InvalidKey`] for a bad key.
    #[uniffi::constructor]
    pub fn new(
        anchors: Vec<TrustedIssuerKey>,
        policy: VerifierPolicy,
    ) -> Result<Arc<Self>, YinzhengError> {
        Self::with_anchors(
            TrustAnchors {
                issuer_keys: anchors,
                x509_roots: Vec::new(),
                seal_makers: Vec::new(),
                revoked_keys: Vec::new(),
            },
            policy,
        )
    }

    /// A verifier trusting agency keys, X.509 roots and seal makers for their roles, and
    /// refusing what revoked keys signed.
    ///
    /// # Errors
    /// [`YinzhengError::InvalidInput`] with no anchors, a bad agency code or a root that cannot
    /// be one; [`YinzhengError::InvalidKey`] for a bad key.
    #[uniffi::constructor]
    pub fn with_anchors(
        anchors: TrustAnchors,
        policy: VerifierPolicy,
    ) -> Result<Arc<Self>, YinzhengError> {
        let trust = trust_store(anchors)?;
        let inner = apply_policy(verify::Verifier::builder(trust), &policy)
            .build()
            .map_err(invalid)?;
        Ok(Arc::new(Self { inner }))
    }

    /// A verifier configured from a trust bundle (anchors, agency seals, status lists)
    /// signed by the publisher key the app pins, fresh at `at`.
    ///
    /// # Errors
    /// [`YinzhengError::InvalidKey`] for a bad publisher key; [`YinzhengError::InvalidInput`]
    /// if the bundle does not verify, is not fresh at `at`, or holds an invalid item.
    #[uniffi::constructor]
    pub fn from_trust_bundle(
        bundle: Vec<u8>,
        publisher_algorithm: SignatureAlgorithm,
        publisher_key: Vec<u8>,
        at: SystemTime,
        policy: VerifierPolicy,
    ) -> Result<Arc<Self>, YinzhengError> {
        let publisher = public_key(publisher_algorithm, &publisher_key)?;
        let ctx = verify::VerificationContext::at(to_unix(at)?);
        let builder =
            verify::Verifier::from_trust_bundle(&bundle, &publisher, &ctx, &Limits::default())
                .map_err(invalid)?;
        let inner = apply_policy(builder, &policy).build().map_err(invalid)?;
        Ok(Arc::new(Self { inner }))
    }

    /// Gives the verifier an agency seal (made by a trusted seal maker, not revoked at
    /// `at`), so certificates signed under it verify. Returns the seal and what was done
    /// with it: only its maker can replace it with a newer version.
    ///
    /// # Errors
    /// [`YinzhengError::InvalidInput`] if it does not decode, its maker is not trusted, or it
    /// conflicts with the version held.
    pub fn add_seal(&self, seal: Vec<u8>, at: SystemTime) -> Result<AddedSeal, YinzhengError> {
        let ctx = verify::VerificationContext::at(to_unix(at)?);
        let added = self.inner.add_seal(&seal, &ctx).map_err(invalid)?;
        Ok(AddedSeal {
            seal: SealInfo::from(&added.seal),
            outcome: match added.outcome {
                verify::SealAdded::Stored => SealOutcome::Stored,
                verify::SealAdded::Replaced { .. } => SealOutcome::Replaced,
                verify::SealAdded::KeptNewer { .. } => SealOutcome::KeptNewer,
                _ => SealOutcome::AlreadyHeld,
            },
            maker: added.maker,
        })
    }

    /// Verifies a presentation (亮证) from its QR text as of `at`; with `nonce`, it must carry
    /// this verifier's nonce; with `audience`, it must not be addressed to anyone else.
    ///
    /// # Errors
    /// [`YinzhengError::Rejected`] with the failed check and the full report.
    pub fn verify_presentation_qr(
        &self,
        text: String,
        at: SystemTime,
        nonce: Option<Vec<u8>>,
        audience: Option<String>,
    ) -> Result<VerifiedPresentation, YinzhengError> {
        let ctx = presentation_context(at, nonce, audience)?;
        let verified = self.inner.verify_presentation_qr(&text, &ctx)?;
        Ok(VerifiedPresentation::from(&verified))
    }

    /// Verifies presentation bytes as of `at` (see [`Verifier::verify_presentation_qr`]).
    ///
    /// # Errors
    /// [`YinzhengError::Rejected`] with the failed check and the full report.
    pub fn verify_presentation(
        &self,
        bytes: Vec<u8>,
        at: SystemTime,
        nonce: Option<Vec<u8>>,
        audience: Option<String>,
    ) -> Result<VerifiedPresentation, YinzhengError> {
        let ctx = presentation_context(at, nonce, audience)?;
        let verified = self.inner.verify_presentation(&bytes, &ctx)?;
        Ok(VerifiedPresentation::from(&verified))
    }

    /// Verifies a stamp over `document` as of `at`, in the GB/T 38540 order.
    ///
    /// # Errors
    /// [`YinzhengError::Rejected`] with the failed check and the full report.
    pub fn verify_stamp(
        &self,
        stamp: Vec<u8>,
        document: Vec<u8>,
        at: SystemTime,
    ) -> Result<VerifiedStamp, YinzhengError> {
        let ctx = verify::VerificationContext::at(to_unix(at)?);
        let verified = self.inner.verify_stamp(&stamp, &document, &ctx)?;
        let v = verified.value();
        Ok(VerifiedStamp {
            seal: (&v.seal).into(),
            signed_at: to_system(v.signed_at),
            property: v.property.clone(),
            signer_key: v.signer.to_bytes(),
            seal_maker: v.seal_maker.clone(),
            report: verified.report().into(),
        })
    }

    /// Gives the verifier a status list token (fetched by the app; the library does no network
    /// I/O), verified at `at`. It must be signed by a key trusted for the status-lists role of
    /// its agency (raw key, X.509 chain or agency seal) and not issued after `at`; a newer list
    /// replaces an older one of the same agency and URI only.
    ///
    /// # Errors
    /// [`YinzhengError::InvalidInput`] if the token does not verify or decode.
    pub fn add_status_list(
        &self,
        token: Vec<u8>,
        at: SystemTime,
    ) -> Result<AddedStatusList, YinzhengError> {
        let ctx = verify::VerificationContext::at(to_unix(at)?);
        let added = self.inner.add_status_list(&token, &ctx).map_err(invalid)?;
        Ok(AddedStatusList {
            agency_code: added.agency.to_string(),
            uri: added.uri,
            issued_at: to_system(added.issued_at),
            outcome: match added.outcome {
                verify::ListAdded::Stored => StatusListOutcome::Stored,
                verify::ListAdded::Replaced { .. } => StatusListOutcome::Replaced,
                verify::ListAdded::KeptHeld { .. } => StatusListOutcome::KeptHeld,
                _ => StatusListOutcome::AlreadyHeld,
            },
        })
    }

    /// Verifies an encoded certificate as of `at`.
    ///
    /// # Errors
    /// [`YinzhengError::Rejected`] with the failed check and the full report.
    pub fn verify_certificate(
        &self,
        bytes: Vec<u8>,
        at: SystemTime,
    ) -> Result<VerifiedCertificate, YinzhengError> {
        let ctx = verify::VerificationContext::at(to_unix(at)?);
        let verified = self.inner.verify_certificate(&bytes, &ctx)?;
        Ok((&verified).into())
    }

    /// Verifies a certificate from its QR text as of `at`.
    ///
    /// # Errors
    /// [`YinzhengError::Rejected`] with the failed check and the full report.
    pub fn verify_qr_text(
        &self,
        text: String,
        at: SystemTime,
    ) -> Result<VerifiedCertificate, YinzhengError> {
        let ctx = verify::VerificationContext::at(to_unix(at)?);
        let verified = self.inner.verify_qr_text(&text, &ctx)?;
        Ok((&verified).into())
    }

    /// Verifies a queue of certificates as of `at`: one verdict per certificate, in order,
    /// each the one `verify_certificate` would give. With the policy's
    /// `allow_cofactored_batch`, Ed25519 issuer signatures are checked together (about 2.7
    /// times the throughput).
    ///
    /// # Errors
    /// [`YinzhengError::InvalidInput`] if `at` is before 1970.
    pub fn verify_certificates(
        &self,
        certificates: Vec<Vec<u8>>,
        at: SystemTime,
    ) -> Result<Vec<CertificateVerdict>, YinzhengError> {
        let ctx = verify::VerificationContext::at(to_unix(at)?);
        Ok(self
            .inner
            .verify_certificates(&certificates, &ctx)
            .into_iter()
            .map(|result| match result {
                Ok(verified) => CertificateVerdict::Accepted {
                    verified: (&verified).into(),
                },
                Err(rejected) => CertificateVerdict::Rejected {
                    check: rejected.failed_check().into(),
                    reason: rejected.error().to_string(),
                    report: rejected.report().into(),
                },
            })
            .collect())
    }

    /// Verifies an encoded certificate as of the app's clock.
    ///
    /// # Errors
    /// [`YinzhengError::ClockUnavailable`] if the clock fails; [`YinzhengError::Rejected`].
    pub fn verify_certificate_now(
        &self,
        bytes: Vec<u8>,
        clock: Arc<dyn Clock>,
    ) -> Result<VerifiedCertificate, YinzhengError> {
        let now = clock.now().map_err(|e| YinzhengError::ClockUnavailable {
            reason: e.to_string(),
        })?;
        self.verify_certificate(bytes, now)
    }
}

// ---------------------------------------------------------------------------------------
// Presentations (亮证)

fn presentation_context(
    at: SystemTime,
    nonce: Option<Vec<u8>>,
    audience: Option<String>,
) -> Result<verify::VerificationContext, YinzhengError> {
    let mut ctx = verify::VerificationContext::at(to_unix(at)?);
    if let Some(nonce) = nonce {
        ctx = ctx.with_nonce(nonce);
    }
    if let Some(audience) = audience {
        ctx = ctx.with_audience(audience);
    }
    Ok(ctx)
}

/// A presentation that passed every check.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct VerifiedPresentation {
    /// The certificate, with only the fields the holder revealed.
    pub certificate: Certificate,
    /// When the holder's device signed it.
    pub issued_at: SystemTime,
    /// When it stops being accepted.
    pub expires_at: SystemTime,
    /// Who it was addressed to.
    pub audience: Option<String>,
    /// Purpose of use (用证事由).
    pub purpose: Option<String>,
    /// The agency seal the certificate is signed under.
    pub seal: Option<SealInfo>,
    /// How it was checked.
    pub report: Report,
}

impl From<&verify::Verified<verify::VerifiedPresentation>> for VerifiedPresentation {
    fn from(v: &verify::Verified<verify::VerifiedPresentation>) -> Self {
        Self {
            certificate: (&v.certificate).into(),
            issued_at: to_system(v.issued_at),
            expires_at: to_system(v.expires_at),
            audience: v.audience.clone(),
            purpose: v.purpose.clone(),
            seal: v.seal().map(SealInfo::from),
            report: v.report().into(),
        }
    }
}

/// What to put in a presentation.
#[derive(Debug, Clone, uniffi::Record)]
pub struct PresentationOptions {
    /// The disclosable fields to reveal.
    #[uniffi(default = [])]
    pub reveal: Vec<String>,
    /// Seconds until it expires (1–300).
    #[uniffi(default = 60)]
    pub lifetime_seconds: u64,
    /// The verifier's nonce, from its request.
    #[uniffi(default = None)]
    pub nonce: Option<Vec<u8>>,
    /// Who it is shown to.
    #[uniffi(default = None)]
    pub audience: Option<String>,
    /// Purpose of use (用证事由).
    #[uniffi(default = None)]
    pub purpose: Option<String>,
}

impl From<PresentationOptions> for yinzheng::present::PresentationOptions {
    fn from(o: PresentationOptions) -> Self {
        Self {
            reveal: o.reveal,
            lifetime_secs: o.lifetime_seconds,
            nonce: o.nonce,
            audience: o.audience,
            purpose: o.purpose,
        }
    }
}

/// What a verifier asks a holder to present (shown as the verifier's own QR code).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PresentationRequest {
    /// The disclosable fields asked for.
    #[uniffi(default = [])]
    pub fields: Vec<String>,
    /// A fresh nonce the presentation must carry.
    #[uniffi(default = None)]
    pub nonce: Option<Vec<u8>>,
    /// The verifier's name.
    #[uniffi(default = None)]
    pub audience: Option<String>,
    /// Purpose of use (用证事由).
    #[uniffi(default = None)]
    pub purpose: Option<String>,
}

/// The QR text of a verifier's request.
#[uniffi::export]
pub fn presentation_request_qr_text(request: PresentationRequest) -> String {
    let r = model::presentation::PresentationRequest {
        fields: request.fields,
        nonce: request.nonce,
        audience: request.audience,
        purpose: request.purpose,
    };
    yinzheng::encoding::qr::to_qr_text(&r.encode())
}

/// Reads a verifier's request from its QR text; answer it with
/// `PresentationOptions { reveal: fields, nonce, audience, purpose }`.
///
/// # Errors
/// [`YinzhengError::InvalidInput`] if it is not a request.
#[uniffi::export]
pub fn read_presentation_request(text: String) -> Result<PresentationRequest, YinzhengError> {
    let limits = Limits::default();
    let bytes = yinzheng::encoding::qr::from_qr_text(&text, &limits).map_err(invalid)?;
    let r = model::presentation::PresentationRequest::decode(&bytes, &limits).map_err(invalid)?;
    Ok(PresentationRequest {
        fields: r.fields,
        nonce: r.nonce,
        audience: r.audience,
        purpose: r.purpose,
    })
}

/// A presentation: its bytes and its QR text.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Presentation {
    /// The presentation bytes.
    pub bytes: Vec<u8>,
    /// `YZ1:`/`YZ2:` QR text.
    pub qr_text: String,
}

/// A rotating code (动态码): the QR text for the current slot and when to refresh it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RotatingCode {
    /// The QR text to show now.
    pub qr_text: String,
    /// When the next code is due.
    pub refresh_at: SystemTime,
}

fn present_error(e: yinzheng::present::PresentError) -> YinzhengError {
    match e {
        yinzheng::present::PresentError::Signer(reason) => YinzhengError::SignerFailed { reason },
        yinzheng::present::PresentError::SignatureRejected => YinzhengError::SignerFailed {
            reason: e.to_string(),
        },
        other => invalid(other),
    }
}

/// The holder's app: a device-bound certificate and the device key (behind [`Signer`]).
#[derive(uniffi::Object)]
pub struct Presenter {
    inner: yinzheng::present::Presenter,
}

#[uniffi::export]
impl Presenter {
    /// Presents `certificate` (as issued) with `device`, which must be its device key.
    ///
    /// # Errors
    /// [`YinzhengError::InvalidInput`] if the certificate is not bound to this key;
    /// [`YinzhengError::InvalidKey`] for a bad signer key.
    #[uniffi::constructor]
    pub fn new(certificate: Vec<u8>, device: Arc<dyn Signer>) -> Result<Arc<Self>, YinzhengError> {
        let inner = yinzheng::present::Presenter::new(certificate, ForeignSigner::new(device)?)
            .map_err(present_error)?;
        Ok(Arc::new(Self { inner }))
    }

    /// A presentation signed at `at`.
    ///
    /// # Errors
    /// [`YinzhengError::InvalidInput`] for an unknown field, a bad lifetime or nonce;
    /// [`YinzhengError::SignerFailed`].
    pub fn present(
        &self,
        options: PresentationOptions,
        at: SystemTime,
    ) -> Result<Presentation, YinzhengError> {
        let bytes = self
            .inner
            .present(&options.into(), to_unix(at)?)
            .map_err(present_error)?;
        Ok(Presentation {
            qr_text: yinzheng::encoding::qr::to_qr_text(&bytes),
            bytes,
        })
    }

    /// The rotating code for the slot of `slot_seconds` containing `at`.
    ///
    /// # Errors
    /// As [`Presenter::present`]; a lifetime shorter than the slot is invalid.
    pub fn rotating_code(
        &self,
        options: PresentationOptions,
        at: SystemTime,
        slot_seconds: u64,
    ) -> Result<RotatingCode, YinzhengError> {
        let (qr_text, next) = self
            .inner
            .rotating_qr_text(&options.into(), to_unix(at)?, slot_seconds)
            .map_err(present_error)?;
        Ok(RotatingCode {
            qr_text,
            refresh_at: to_system(next),
        })
    }
}

/// QR error-correction level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum QrLevel {
    /// ~7 %.
    L,
    /// ~15 %.
    M,
    /// ~25 %.
    Q,
    /// ~30 %.
    H,
}

fn qr_code(text: &str, level: QrLevel) -> Result<yinzheng::present::QrCode, YinzhengError> {
    use yinzheng::present::QrLevel as L;
    let level = match level {
        QrLevel::L => L::L,
        QrLevel::M => L::M,
        QrLevel::Q => L::Q,
        QrLevel::H => L::H,
    };
    yinzheng::present::QrCode::new(text, level).map_err(invalid)
}

/// Renders QR text as an SVG image (one unit per module, quiet zone included).
///
/// # Errors
/// [`YinzhengError::InvalidInput`] if it does not fit a QR code at `level`.
#[uniffi::export]
pub fn render_qr_svg(text: String, level: QrLevel) -> Result<String, YinzhengError> {
    Ok(qr_code(&text, level)?.to_svg())
}

/// Renders QR text as a greyscale PNG with `scale` pixels per module.
///
/// # Errors
/// [`YinzhengError::InvalidInput`] if it does not fit, or PNG encoding fails.
#[uniffi::export]
pub fn render_qr_png(text: String, level: QrLevel, scale: u32) -> Result<Vec<u8>, YinzhengError> {
    qr_code(&text, level)?.to_png(scale).map_err(invalid)
}

/// The QR version (1–40) the text needs at `level`.
///
/// # Errors
/// [`YinzhengError::InvalidInput`] if it does not fit.
#[uniffi::export]
pub fn qr_version(text: String, level: QrLevel) -> Result<u8, YinzhengError> {
    Ok(qr_code(&text, level)?.version())
}

// ---------------------------------------------------------------------------------------
// Seals and stamps

/// What a seal maker needs to make an electronic seal (电子印章).
#[derive(Debug, Clone, uniffi::Record)]
pub struct SealRequest {
    /// esID, unique per seal.
    pub id: String,
    /// Type code: 1 公章, 2 财务专用章, 3 发票专用章, 4 合同专用章, 5 法定代表人名章, 99 其他.
    pub kind_code: u64,
    /// The seal's name.
    pub name: String,
    /// The owner organisation.
    pub owner_name: String,
    /// The owner's USCC (checked).
    pub owner_code: String,
    /// The public keys allowed to stamp with it (the seal stores their SHA-256).
    pub authorised_keys: Vec<Vec<u8>>,
    /// When it is made.
    pub created: SystemTime,
    /// First instant it may be used.
    pub valid_from: SystemTime,
    /// First instant it may no longer be used.
    pub valid_until: SystemTime,
    /// Picture format: `png` or `svg`.
    pub picture_format: String,
    /// Picture bytes.
    pub picture: Vec<u8>,
    /// Printed width in millimetres.
    pub width_mm: u32,
    /// Printed height in millimetres.
    pub height_mm: u32,
    /// Where the seal's own status is published: the list URI…
    #[uniffi(default = None)]
    pub status_uri: Option<String>,
    /// …and its index in that list.
    #[uniffi(default = None)]
    pub status_index: Option<u64>,
}

impl TryFrom<SealRequest> for model::Seal {
    type Error = YinzhengError;

    fn try_from(r: SealRequest) -> Result<Self, YinzhengError> {
        let mut authorised_keys: Vec<[u8; 32]> = r
            .authorised_keys
            .iter()
            .map(|k| crypto::sha256(k))
            .collect();
        authorised_keys.sort_unstable();
        authorised_keys.dedup();
        let status = match (r.status_uri, r.status_index) {
            (Some(uri), Some(index)) => Some(model::StatusReference { index, uri }),
            (None, None) => None,
            _ => return Err(invalid("a seal status needs both a URI and an index")),
        };
        Ok(Self {
            id: r.id,
            kind: model::SealKind::from_code(r.kind_code)
                .ok_or_else(|| invalid("unknown seal type code"))?,
            name: r.name,
            owner: model::Agency::new(&r.owner_name, &r.owner_code).map_err(invalid)?,
            authorised_keys,
            created: to_unix(r.created)?,
            valid_from: to_unix(r.valid_from)?,
            valid_until: to_unix(r.valid_until)?,
            picture: model::SealPicture {
                format: r.picture_format,
                data: r.picture,
                width_mm: r.width_mm,
                height_mm: r.height_mm,
            },
            status,
        })
    }
}

/// Makes (signs) a seal as the seal maker `maker`; with `log`, records it first.
///
/// # Errors
/// [`YinzhengError::InvalidInput`] for invalid content, [`YinzhengError::SignerFailed`],
/// [`YinzhengError::AuditLogFailed`].
#[uniffi::export]
pub fn make_seal(
    request: SealRequest,
    maker: Arc<dyn Signer>,
    log: Option<Arc<AuditLog>>,
) -> Result<Vec<u8>, YinzhengError> {
    let created = to_unix(request.created)?;
    let seal = model::Seal::try_from(request)?;
    let mut seal_maker = issue::SealMaker::new(ForeignSigner::new(maker)?);
    if let Some(log) = log {
        seal_maker = seal_maker.with_audit_log(log.inner.clone());
    }
    Ok(seal_maker.make(&seal, created)?)
}

/// Stamps `document` with `seal` (电子签章), signing with `signer`, which the seal must
/// authorise; `property` states the protection scope. With `log`, records it first.
///
/// # Errors
/// [`YinzhengError::InvalidInput`] if the seal does not decode or does not authorise the
/// signer; [`YinzhengError::SignerFailed`]; [`YinzhengError::AuditLogFailed`].
#[uniffi::export]
pub fn stamp_document(
    seal: Vec<u8>,
    document: Vec<u8>,
    property: String,
    signer: Arc<dyn Signer>,
    at: SystemTime,
    log: Option<Arc<AuditLog>>,
) -> Result<Vec<u8>, YinzhengError> {
    let mut stamper = issue::Stamper::new(seal, ForeignSigner::new(signer)?)?;
    if let Some(log) = log {
        stamper = stamper.with_audit_log(log.inner.clone());
    }
    Ok(stamper.stamp(&document, &property, to_unix(at)?)?)
}

// ---------------------------------------------------------------------------------------
// Audit log

/// What an audit event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum AuditEventKind {
    /// A certificate was issued.
    CertificateIssued,
    /// A certificate's status changed.
    StatusChanged,
    /// A status list was published.
    StatusListPublished,
    /// A seal was made.
    SealMade,
    /// A document was stamped.
    Stamped,
    /// A key event.
    KeyEvent,
    /// A kind this version of the bindings does not know.
    Other,
}

impl From<audit::EventKind> for AuditEventKind {
    fn from(k: audit::EventKind) -> Self {
        match k {
            audit::EventKind::CertificateIssued => Self::CertificateIssued,
            audit::EventKind::StatusChanged => Self::StatusChanged,
            audit::EventKind::StatusListPublished => Self::StatusListPublished,
            audit::EventKind::SealMade => Self::SealMade,
            audit::EventKind::Stamped => Self::Stamped,
            audit::EventKind::KeyEvent => Self::KeyEvent,
            _ => Self::Other,
        }
    }
}

/// An event to record: identifiers and digests only, never personal data.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AuditEvent {
    /// What happened.
    pub kind: AuditEventKind,
    /// SHA-256 of the acting key's public key (32 bytes).
    pub actor_key_id: Vec<u8>,
    /// An identifier, 1–255 bytes.
    pub subject: Vec<u8>,
    /// SHA-256 of the object concerned (32 bytes).
    pub object_digest: Vec<u8>,
    /// Details as deterministic CBOR, or empty.
    pub attributes: Vec<u8>,
}

fn digest32(bytes: Vec<u8>, what: &str) -> Result<[u8; 32], YinzhengError> {
    bytes
        .try_into()
        .map_err(|_| invalid(format!("{what} must be 32 bytes")))
}

impl TryFrom<AuditEvent> for audit::Event {
    type Error = YinzhengError;

    fn try_from(e: AuditEvent) -> Result<Self, YinzhengError> {
        let kind = match e.kind {
            AuditEventKind::CertificateIssued => audit::EventKind::CertificateIssued,
            AuditEventKind::StatusChanged => audit::EventKind::StatusChanged,
            AuditEventKind::StatusListPublished => audit::EventKind::StatusListPublished,
            AuditEventKind::SealMade => audit::EventKind::SealMade,
            AuditEventKind::Stamped => audit::EventKind::Stamped,
            AuditEventKind::KeyEvent => audit::EventKind::KeyEvent,
            AuditEventKind::Other => return Err(invalid("unknown event kind")),
        };
        Ok(Self {
            kind,
            actor_key_id: digest32(e.actor_key_id, "actor_key_id")?,
            subject: e.subject,
            object_digest: digest32(e.object_digest, "object_digest")?,
            attributes: e.attributes,
        })
    }
}

/// A recorded entry, as an auditor sees it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AuditRecord {
    /// Its index in the log.
    pub index: u64,
    /// The event.
    pub event: AuditEvent,
    /// When the log recorded it.
    pub log_time: SystemTime,
    /// The size of the checkpoint that proves it (or that was returned with it).
    pub checkpoint_size: u64,
    /// That checkpoint, as a signed note.
    pub checkpoint: String,
}

fn audit_record(
    index: u64,
    entry: &audit::AuditEntry,
    checkpoint: &audit::SignedCheckpoint,
) -> AuditRecord {
    let e = &entry.event;
    AuditRecord {
        index,
        event: AuditEvent {
            kind: e.kind.into(),
            actor_key_id: e.actor_key_id.to_vec(),
            subject: e.subject.clone(),
            object_digest: e.object_digest.to_vec(),
            attributes: e.attributes.clone(),
        },
        log_time: UNIX_EPOCH + Duration::from_millis(entry.log_time_ms),
        checkpoint_size: checkpoint.checkpoint.size,
        checkpoint: checkpoint.note.clone(),
    }
}

/// The agency's durable, tamper-evident audit log (one writer per directory).
#[derive(uniffi::Object)]
pub struct AuditLog {
    inner: Arc<audit::AuditLog>,
}

#[uniffi::export]
impl AuditLog {
    /// Opens (or creates) the log in `dir` for `origin`, signing checkpoints with `signer`
    /// (Ed25519); recovers from a crash, refuses corruption, rollback and forks.
    ///
    /// # Errors
    /// [`YinzhengError::AuditLogFailed`] or [`YinzhengError::InvalidKey`].
    #[uniffi::constructor]
    pub fn open(
        dir: String,
        origin: String,
        signer: Arc<dyn Signer>,
    ) -> Result<Arc<Self>, YinzhengError> {
        let signer = ForeignSigner::new(signer)?;
        Ok(Arc::new(Self {
            inner: Arc::new(audit::AuditLog::open(
                std::path::Path::new(&dir),
                &origin,
                signer,
            )?),
        }))
    }

    /// Opens the log with a key the library holds.
    ///
    /// # Errors
    /// [`YinzhengError::AuditLogFailed`].
    #[uniffi::constructor]
    pub fn open_with_software_key(
        dir: String,
        origin: String,
        key: Arc<SoftwareKey>,
    ) -> Result<Arc<Self>, YinzhengError> {
        let signer = SharedSigner(key);
        Ok(Arc::new(Self {
            inner: Arc::new(audit::AuditLog::open(
                std::path::Path::new(&dir),
                &origin,
                signer,
            )?),
        }))
    }

    /// Records an event; returns once it is durable, with a checkpoint covering it.
    ///
    /// # Errors
    /// [`YinzhengError::InvalidInput`] for a malformed event, [`YinzhengError::AuditLogFailed`].
    pub fn append(&self, event: AuditEvent, at: SystemTime) -> Result<AuditRecord, YinzhengError> {
        let event = audit::Event::try_from(event)?;
        let receipt = self.inner.append(event, to_unix(at)?)?;
        let entry =
            audit::AuditEntry::decode(&self.inner.entry(receipt.index)?).map_err(audit_rejected)?;
        Ok(audit_record(receipt.index, &entry, &receipt.checkpoint))
    }

    /// Number of durable entries.
    pub fn size(&self) -> u64 {
        self.inner.size()
    }

    /// The latest signed checkpoint (a C2SP signed note).
    pub fn checkpoint(&self) -> String {
        self.inner.checkpoint().note
    }

    /// The verifier key auditors need (`name+id+key`).
    pub fn verifier_key(&self) -> String {
        self.inner.key().to_vkey()
    }

    /// The inclusion bundle (C2SP tlog-proof with the entry) of entry `index`.
    ///
    /// # Errors
    /// [`YinzhengError::AuditLogFailed`] if `index` is not in the log.
    pub fn inclusion_bundle(&self, index: u64) -> Result<String, YinzhengError> {
        Ok(self.inner.inclusion_bundle(index)?.encode())
    }

    /// The consistency bundle from `old_size` to the latest checkpoint.
    ///
    /// # Errors
    /// [`YinzhengError::AuditLogFailed`] if `old_size` is beyond the log.
    pub fn consistency_bundle(&self, old_size: u64) -> Result<String, YinzhengError> {
        Ok(self.inner.consistency_bundle(old_size)?.encode())
    }
}

/// A request and the caller's stable id for it (e.g. the SHA-256 of the request file).
#[derive(uniffi::Record)]
pub struct IdentifiedRequest {
    /// 32 bytes.
    pub request_id: Vec<u8>,
    /// The request.
    pub request: CertificateRequest,
}

/// What a request was issued as.
#[derive(uniffi::Record)]
pub struct IssuedOnce {
    /// The request id.
    pub request_id: Vec<u8>,
    /// The certificate's GB/T 36904 identifier.
    pub identifier: String,
    /// The certificate as released.
    pub bytes: Vec<u8>,
    /// Its issuance event in the audit log, when one is configured.
    pub audit_index: Option<u64>,
    /// Whether this call signed it (false: issued before, returned again).
    pub newly_issued: bool,
}

/// The durable record of which requests were issued as which certificates.
#[derive(uniffi::Object)]
pub struct IssuanceLedger {
    inner: Arc<issue::IssuanceLedger>,
}

#[uniffi::export]
impl IssuanceLedger {
    /// Opens (or creates) the ledger journal at `path` as its one writer.
    ///
    /// # Errors
    /// [`YinzhengError::StatusRegistryFailed`] if it is locked, damaged or rolled back.
    #[uniffi::constructor]
    pub fn open(path: String) -> Result<Arc<Self>, YinzhengError> {
        Ok(Arc::new(Self {
            inner: Arc::new(issue::IssuanceLedger::open_file(std::path::Path::new(
                &path,
            ))?),
        }))
    }

    /// Number of requests issued.
    pub fn len(&self) -> u64 {
        self.inner.len() as u64
    }

    /// Whether nothing was issued yet.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }
}

/// A log opened read-only — the writer's directory or a copy of it — by someone who holds
/// only its verifier key: entries' bundles and checks of the whole history, with no lock.
#[derive(uniffi::Object)]
pub struct AuditLogReader {
    inner: audit::LogReader,
}

#[uniffi::export]
impl AuditLogReader {
    /// Opens the log in `dir` with its origin and verifier key (C2SP vkey).
    ///
    /// # Errors
    /// [`YinzhengError::InvalidKey`], or [`YinzhengError::AuditLogFailed`] if the directory is
    /// not this log, is damaged or rolled back.
    #[uniffi::constructor]
    pub fn open(
        dir: String,
        origin: String,
        verifier_key: String,
    ) -> Result<Arc<Self>, YinzhengError> {
        let key = note_keys(std::slice::from_ref(&verifier_key))?.remove(0);
        Ok(Arc::new(Self {
            inner: audit::LogReader::open(std::path::Path::new(&dir), &origin, &key)?,
        }))
    }

    /// Number of durable entries.
    pub fn size(&self) -> u64 {
        self.inner.size()
    }

    /// The latest signed checkpoint (a C2SP signed note).
    pub fn checkpoint(&self) -> String {
        self.inner.checkpoint().note
    }

    /// The inclusion bundle of entry `index`.
    ///
    /// # Errors
    /// [`YinzhengError::AuditLogFailed`] if `index` is not in the log.
    pub fn inclusion_bundle(&self, index: u64) -> Result<String, YinzhengError> {
        Ok(self.inner.inclusion_bundle(index)?.encode())
    }

    /// The consistency bundle from `old_size` to the latest checkpoint.
    ///
    /// # Errors
    /// [`YinzhengError::AuditLogFailed`] if `old_size` is beyond the log.
    pub fn consistency_bundle(&self, old_size: u64) -> Result<String, YinzhengError> {
        Ok(self.inner.consistency_bundle(old_size)?.encode())
    }

    /// Re-reads the whole history (every frame, the hash chain, every signed checkpoint);
    /// returns the number of entries.
    ///
    /// # Errors
    /// [`YinzhengError::AuditRejected`] at the first problem.
    pub fn verify_history(&self) -> Result<u64, YinzhengError> {
        self.inner
            .verify_history()
            .map(|s| s.size)
            .map_err(audit_rejected)
    }
}

/// Verifies a log directory with nothing but its verifier key: the anchor and the commits
/// after the tree cache's mark, or with `full` the whole history. Returns the number of
/// committed entries.
///
/// # Errors
/// [`YinzhengError::AuditRejected`] at the first problem (bytes after the last commit are not
/// one: they were never acknowledged).
#[uniffi::export]
pub fn verify_log_dir(
    dir: String,
    origin: String,
    verifier_key: String,
    full: bool,
) -> Result<u64, YinzhengError> {
    let key = note_keys(std::slice::from_ref(&verifier_key))?.remove(0);
    let dir = std::path::Path::new(&dir);
    let check = if full {
        audit::store::verify_dir_full
    } else {
        audit::store::verify_dir
    };
    check(dir, &origin, &key)
        .map(|s| s.size)
        .map_err(audit_rejected)
}

fn note_keys(vkeys: &[String]) -> Result<Vec<audit::NoteKey>, YinzhengError> {
    vkeys
        .iter()
        .map(|k| {
            audit::NoteKey::from_vkey(k).map_err(|e| YinzhengError::InvalidKey {
                reason: e.to_string(),
            })
        })
        .collect()
}

/// Verifies an inclusion bundle with nothing but the log's origin and verifier key(s).
///
/// # Errors
/// [`YinzhengError::AuditRejected`] if it does not verify.
#[uniffi::export]
pub fn verify_inclusion_bundle(
    bundle: String,
    origin: String,
    verifier_keys: Vec<String>,
) -> Result<AuditRecord, YinzhengError> {
    let keys = note_keys(&verifier_keys)?;
    let verified = audit::InclusionBundle::parse(&bundle)
        .and_then(|b| b.verify(&origin, &keys))
        .map_err(audit_rejected)?;
    Ok(audit_record(
        verified.index,
        &verified.entry,
        &verified.checkpoint,
    ))
}

/// Verifies a whole log file (every frame, the hash chain, every signed checkpoint); returns
/// the number of committed entries.
///
/// # Errors
/// [`YinzhengError::AuditRejected`] at the first problem.
#[uniffi::export]
pub fn verify_log_file(
    segment: Vec<u8>,
    origin: String,
    verifier_key: String,
) -> Result<u64, YinzhengError> {
    let key = audit::NoteKey::from_vkey(&verifier_key).map_err(|e| YinzhengError::InvalidKey {
        reason: e.to_string(),
    })?;
    audit::store::verify_segment(&segment, &origin, &key)
        .map(|s| s.size)
        .map_err(audit_rejected)
}

/// An auditor's view of one log: accepts newer checkpoints only along one history.
#[derive(uniffi::Object)]
pub struct CheckpointAuditor {
    inner: Mutex<audit::CheckpointAuditor>,
}

#[uniffi::export]
impl CheckpointAuditor {
    /// An auditor for `origin` trusting `verifier_keys`, starting from `held` (a signed
    /// checkpoint it already trusts) or from nothing.
    ///
    /// # Errors
    /// [`YinzhengError::InvalidKey`], or [`YinzhengError::AuditRejected`] if `held` does not
    /// verify.
    #[uniffi::constructor]
    pub fn new(
        origin: String,
        verifier_keys: Vec<String>,
        held: Option<String>,
    ) -> Result<Arc<Self>, YinzhengError> {
        let keys = note_keys(&verifier_keys)?;
        let held = match held {
            Some(note) => Some(
                audit::SignedCheckpoint::verify(&note, &origin, &keys)
                    .map_err(audit_rejected)?
                    .0,
            ),
            None => None,
        };
        Ok(Arc::new(Self {
            inner: Mutex::new(audit::CheckpointAuditor::new(&origin, keys, held)),
        }))
    }

    /// Accepts the bundle's checkpoint if it extends the one held; returns its size.
    ///
    /// # Errors
    /// [`YinzhengError::Inconsistent`] with both checkpoints, or
    /// [`YinzhengError::AuditRejected`].
    pub fn update(&self, bundle: String) -> Result<u64, YinzhengError> {
        let bundle = audit::ConsistencyBundle::parse(&bundle).map_err(audit_rejected)?;
        let mut auditor = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match auditor.update(&bundle) {
            Ok(cp) => Ok(cp.checkpoint.size),
            Err(audit::bundle::UpdateError::Inconsistent(evidence)) => {
                Err(YinzhengError::Inconsistent {
                    held: evidence.held,
                    offered: evidence.offered,
                    proof: evidence.proof.iter().map(|h| h.to_vec()).collect(),
                })
            }
            Err(e) => Err(audit_rejected(e)),
        }
    }

    /// The newest accepted checkpoint, if any.
    pub fn newest(&self) -> Option<String> {
        let auditor = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        auditor.newest().map(|c| c.note.clone())
    }
}

// ---------------------------------------------------------------------------------------
// Status registry

/// A certificate's legal status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum LegalStatus {
    /// 有效 valid.
    Valid,
    /// 暂扣 suspended.
    Suspended,
    /// 挂失 reported lost.
    ReportedLost,
    /// 注销 cancelled (final).
    Cancelled,
    /// 吊销 revoked (final).
    Revoked,
    /// 撤销 annulled (final).
    Annulled,
    /// 失效 expired (final).
    Expired,
    /// 转出 transferred out (final).
    TransferredOut,
    /// A status this version of the bindings does not know.
    Other,
}

impl From<status::LegalStatus> for LegalStatus {
    fn from(s: status::LegalStatus) -> Self {
        match s {
            status::LegalStatus::Valid => Self::Valid,
            status::LegalStatus::Suspended => Self::Suspended,
            status::LegalStatus::ReportedLost => Self::ReportedLost,
            status::LegalStatus::Cancelled => Self::Cancelled,
            status::LegalStatus::Revoked => Self::Revoked,
            status::LegalStatus::Annulled => Self::Annulled,
            status::LegalStatus::Expired => Self::Expired,
            status::LegalStatus::TransferredOut => Self::TransferredOut,
            _ => Self::Other,
        }
    }
}

impl TryFrom<LegalStatus> for status::LegalStatus {
    type Error = YinzhengError;

    fn try_from(s: LegalStatus) -> Result<Self, YinzhengError> {
        Ok(match s {
            LegalStatus::Valid => Self::Valid,
            LegalStatus::Suspended => Self::Suspended,
            LegalStatus::ReportedLost => Self::ReportedLost,
            LegalStatus::Cancelled => Self::Cancelled,
            LegalStatus::Revoked => Self::Revoked,
            LegalStatus::Annulled => Self::Annulled,
            LegalStatus::Expired => Self::Expired,
            LegalStatus::TransferredOut => Self::TransferredOut,
            LegalStatus::Other => return Err(invalid("unknown legal status")),
        })
    }
}

/// A certificate's entry in the registry.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StatusEntry {
    /// The current legal status.
    pub status: LegalStatus,
    /// Its index in the status list.
    pub index: u64,
    /// The status list's URI.
    pub uri: String,
}

/// The agency's status registry: legal statuses, random list indices, signed list versions.
#[derive(uniffi::Object)]
pub struct StatusRegistry {
    inner: Arc<status::StatusRegistry>,
}

#[uniffi::export]
impl StatusRegistry {
    /// Opens (or creates) the registry journalled at `journal_path`, with lists named
    /// `<uri_prefix>1`, `<uri_prefix>2`, …; every change and publication goes to `audit_log`
    /// when given.
    ///
    /// # Errors
    /// [`YinzhengError::StatusRegistryFailed`] if the journal is damaged.
    #[uniffi::constructor]
    pub fn open(
        journal_path: String,
        uri_prefix: String,
        audit_log: Option<Arc<AuditLog>>,
    ) -> Result<Arc<Self>, YinzhengError> {
        let registry = status::StatusRegistry::open_file(
            std::path::Path::new(&journal_path),
            status::RegistryConfig::new(&uri_prefix),
        )?;
        let registry = match audit_log {
            Some(log) => registry.with_observer(log.inner.clone())?,
            None => registry,
        };
        Ok(Arc::new(Self {
            inner: Arc::new(registry),
        }))
    }

    /// Sets a certificate's legal status (final statuses cannot be left).
    ///
    /// # Errors
    /// [`YinzhengError::InvalidInput`] for an illegal transition or an unknown certificate.
    pub fn set_status(
        &self,
        certificate_id: String,
        status: LegalStatus,
        operator: String,
        at: SystemTime,
    ) -> Result<(), YinzhengError> {
        self.inner
            .set_status(&certificate_id, status.try_into()?, &operator, to_unix(at)?)?;
        Ok(())
    }

    /// Revokes (吊销) a certificate: final.
    ///
    /// # Errors
    /// As [`StatusRegistry::set_status`].
    pub fn revoke(
        &self,
        certificate_id: String,
        operator: String,
        at: SystemTime,
    ) -> Result<(), YinzhengError> {
        self.set_status(certificate_id, LegalStatus::Revoked, operator, at)
    }

    /// Suspends (暂扣) a certificate.
    ///
    /// # Errors
    /// As [`StatusRegistry::set_status`].
    pub fn suspend(
        &self,
        certificate_id: String,
        operator: String,
        at: SystemTime,
    ) -> Result<(), YinzhengError> {
        self.set_status(certificate_id, LegalStatus::Suspended, operator, at)
    }

    /// Reinstates a suspended or reported-lost certificate.
    ///
    /// # Errors
    /// As [`StatusRegistry::set_status`].
    pub fn reinstate(
        &self,
        certificate_id: String,
        operator: String,
        at: SystemTime,
    ) -> Result<(), YinzhengError> {
        self.set_status(certificate_id, LegalStatus::Valid, operator, at)
    }

    /// A certificate's entry, if it has one.
    pub fn entry(&self, certificate_id: String) -> Option<StatusEntry> {
        self.inner
            .status(&certificate_id)
            .map(|(status, reference)| StatusEntry {
                status: status.into(),
                index: reference.index,
                uri: reference.uri,
            })
    }

    /// The URIs of every list.
    pub fn uris(&self) -> Vec<String> {
        self.inner.uris()
    }

    /// Signs the current version of the list at `uri` (with a key that speaks for the agency),
    /// issued at `at` and cacheable for `ttl_seconds`.
    ///
    /// # Errors
    /// [`YinzhengError::InvalidInput`] for an unknown URI, [`YinzhengError::SignerFailed`].
    pub fn publish(
        &self,
        uri: String,
        signer: Arc<dyn Signer>,
        at: SystemTime,
        ttl_seconds: u64,
    ) -> Result<Vec<u8>, YinzhengError> {
        let signer = ForeignSigner::new(signer)?;
        self.publish_with(&uri, &signer, at, ttl_seconds)
    }

    /// As [`StatusRegistry::publish`], with a key the library holds.
    ///
    /// # Errors
    /// As [`StatusRegistry::publish`].
    pub fn publish_with_software_key(
        &self,
        uri: String,
        key: Arc<SoftwareKey>,
        at: SystemTime,
        ttl_seconds: u64,
    ) -> Result<Vec<u8>, YinzhengError> {
        self.publish_with(&uri, key.as_ref(), at, ttl_seconds)
    }
}

impl StatusRegistry {
    fn publish_with(
        &self,
        uri: &str,
        signer: &dyn crypto::Signer,
        at: SystemTime,
        ttl: u64,
    ) -> Result<Vec<u8>, YinzhengError> {
        self.inner
            .publish(uri, signer, to_unix(at)?, ttl)
            .map_err(|e| match e {
                status::RegistryError::List(status::StatusListError::Signer(reason)) => {
                    YinzhengError::SignerFailed { reason }
                }
                other => other.into(),
            })
    }
}

/// The library version.
#[uniffi::export]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
