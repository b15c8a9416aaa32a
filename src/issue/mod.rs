//! Issuing certificates: the [`Issuer`] (an agency and its signer) and the
//! [`CertificateBuilder`], whose constructor takes every required part, so a certificate
//! missing one cannot be expressed.
//!
//! Signing is one call ([`Issuer::issue`]) or two phases for keys outside the process
//! ([`Issuer::prepare`] → [`PreparedCertificate::to_be_signed`] →
//! [`PreparedCertificate::complete`]).

mod ledger;
mod seal;

use std::sync::Arc;

pub use ledger::{IssuanceLedger, IssuedOnce, RequestId};
pub use seal::{SealMaker, Stamper, make_seal, sign_trust_bundle, stamp};

use crate::audit::{AuditSink, Event, EventKind, LogError};
use crate::crypto::{Algorithm, PublicKey, RandomError, RandomSource, SignError, Signer, sha256};
use crate::encoding::cose::{self, ProtectedHeader};
use crate::encoding::qr;
use crate::limits::Limits;
use crate::model::certificate::{CERTIFICATE_TYP, DisclosureDigest};
use crate::model::value::{SALT_LEN, ValueProblem};
use crate::model::{
    Agency, Certificate, CertificateId, CertificateType, CodeError, Disclosure, Field, FieldValue,
    Holder, StatusReference, Validity,
};
use crate::status::{RegistryError, StatusRegistry};
use crate::time::{Date, UnixTime};

/// Why a certificate was not issued.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IssueError {
    /// The holder's code does not pass its check (issuing is strict).
    #[error("holder code: {0}")]
    HolderCode(CodeError),
    /// The serial or version cannot form a GB/T 36904 identifier.
    #[error("identifier: {0}")]
    Identifier(CodeError),
    /// The licence number is empty.
    #[error("the licence number is empty")]
    EmptyNumber,
    /// A face field has an empty name.
    #[error("face field {index} has an empty name")]
    EmptyFieldName {
        /// Position among all fields (plain first, then disclosable).
        index: usize,
    },
    /// Two face fields share a name.
    #[error("face field {index} repeats an earlier field name")]
    DuplicateFieldName {
        /// Position among all fields (plain first, then disclosable).
        index: usize,
    },
    /// A field value cannot be encoded within the limits.
    #[error("face field {index}: {problem}")]
    InvalidValue {
        /// Position among all fields (plain first, then disclosable).
        index: usize,
        /// What is wrong.
        problem: &'static str,
    },
    /// More face fields or digests than a verifier accepts.
    #[error("{count} fields or digests exceed the limit of {limit}")]
    TooManyFields {
        /// How many.
        count: usize,
        /// The limit in force.
        limit: usize,
    },
    /// The validity period ends before it starts.
    #[error("validity ends before it starts")]
    EmptyValidity,
    /// The encoded certificate is larger than a verifier accepts.
    #[error("encoded certificate of {size} bytes exceeds the limit of {limit}")]
    TooLarge {
        /// Encoded size.
        size: usize,
        /// The limit in force.
        limit: usize,
    },
    /// No randomness for salts, decoys or the serial.
    #[error(transparent)]
    Random(#[from] RandomError),
    /// The signer failed.
    #[error(transparent)]
    Signer(#[from] SignError),
    /// A signature handed to [`PreparedCertificate::complete`] does not verify.
    #[error("the supplied signature does not verify under the issuer key")]
    SignatureRejected,
    /// The configured audit log did not record the issuance, so the certificate was not
    /// released.
    #[error("audit log: {0}")]
    Audit(#[from] LogError),
    /// The status registry could not allocate the certificate's status entry.
    #[error("status registry: {0}")]
    Status(#[from] RegistryError),
    /// The seal does not decode.
    #[error("seal does not decode: {0}")]
    Seal(crate::encoding::cbor::DecodeError),
    /// The stamping key is not among the seal's authorised keys.
    #[error("this key is not authorised to stamp with this seal")]
    NotAuthorised,
    /// The seal's content cannot be signed as it is (empty names, no authorised key, …).
    #[error("invalid seal: {0}")]
    InvalidSeal(&'static str),
    /// The X.509 chain given to the issuer does not certify its key and agency.
    #[error("X.509 chain: {0}")]
    Chain(#[from] crate::trust::ChainError),
    /// [`Issuer::issue_once`] needs an [`IssuanceLedger`].
    #[error("issuing each request once needs an issuance ledger (Issuer::with_ledger)")]
    NoLedger,
    /// The X.509 leaf certifies another agency than the issuer's.
    #[error("the X.509 leaf certifies agency {certified}, not this issuer's")]
    ChainAgencyMismatch {
        /// The USCC in the leaf.
        certified: String,
    },
}

/// Everything a certificate needs, then optional parts by chained calls.
#[derive(Clone, Debug)]
#[must_use]
pub struct CertificateBuilder {
    kind: CertificateType,
    number: String,
    holder: Holder,
    issued_on: Date,
    validity: Validity,
    jurisdiction: Option<String>,
    fields: Vec<Field>,
    disclosable: Vec<Field>,
    serial: Option<String>,
    version: String,
    decoys: Option<usize>,
    status: Option<StatusReference>,
    holder_key: Option<crate::model::DeviceKey>,
}

impl CertificateBuilder {
    /// A certificate of `kind` numbered `number` for `holder`, issued on `issued_on` and
    /// valid for `validity`.
    pub fn new(
        kind: CertificateType,
        number: impl Into<String>,
        holder: Holder,
        issued_on: Date,
        validity: Validity,
    ) -> Self {
        Self {
            kind,
            number: number.into(),
            holder,
            issued_on,
            validity,
            jurisdiction: None,
            fields: Vec::new(),
            disclosable: Vec::new(),
            serial: None,
            version: "001".to_owned(),
            decoys: None,
            status: None,
            holder_key: None,
        }
    }

    /// The jurisdiction (管辖属地), a GB/T 2260 region code such as `110000`.
    pub fn jurisdiction(mut self, region_code: impl Into<String>) -> Self {
        self.jurisdiction = Some(region_code.into());
        self
    }

    /// A face field that is always shown.
    pub fn field(mut self, name: impl Into<String>, value: impl Into<FieldValue>) -> Self {
        self.fields.push(Field::new(name, value));
        self
    }

    /// A face field the holder may reveal or withhold: signed as a salted digest.
    pub fn disclosable_field(
        mut self,
        name: impl Into<String>,
        value: impl Into<FieldValue>,
    ) -> Self {
        self.disclosable.push(Field::new(name, value));
        self
    }

    /// The identifier's serial (流水号, `[0-9A-Z]`, at most 64); by default 20 random
    /// characters.
    pub fn serial(mut self, serial: impl Into<String>) -> Self {
        self.serial = Some(serial.into());
        self
    }

    /// The identifier's version (版本号, three digits); `001` unless set.
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// Where the certificate's status will be published (an index allocated by a status
    /// registry). An issuer with a registry sets this itself.
    pub fn status(mut self, reference: StatusReference) -> Self {
        self.status = Some(reference);
        self
    }

    /// Binds the certificate to the holder's device key (`cnf`): it can then only be
    /// presented (亮证) with a presentation that key signs, so a copied certificate or a
    /// screenshot of its QR code is useless. Phones' secure hardware holds P-256 keys.
    pub fn holder_key(mut self, key: &PublicKey) -> Self {
        self.holder_key = Some(key.to_device_key());
        self
    }

    /// Adds the disclosable predicate `age_over_{years}` (true or false on `on`, from the
    /// holder's birth date), so a holder can prove an age without revealing the birth date.
    pub fn age_over(self, years: u16, birth: Date, on: Date) -> Self {
        let reached = Date::new(birth.year() + years, birth.month(), birth.day())
            .or_else(|_| Date::new(birth.year() + years, 3, 1))
            .is_ok_and(|day| day <= on);
        self.disclosable_field(format!("age_over_{years}"), reached)
    }

    /// How many decoy digests to add. By default the digest count is padded to the next
    /// multiple of 4, so a verifier learns only a range for the number of hidden fields
    /// (and a QR code does not carry more digests than it must).
    pub fn decoys(mut self, count: usize) -> Self {
        self.decoys = Some(count);
        self
    }

    fn check(&self, limits: &Limits) -> Result<(), IssueError> {
        if self.number.trim().is_empty() {
            return Err(IssueError::EmptyNumber);
        }
        if let Some(err) = self.holder.check_code().map_err(IssueError::HolderCode)? {
            return Err(IssueError::HolderCode(err));
        }
        if self
            .validity
            .not_after
            .is_some_and(|end| end <= self.validity.not_before)
        {
            return Err(IssueError::EmptyValidity);
        }
        let all: Vec<&Field> = self.fields.iter().chain(&self.disclosable).collect();
        if all.len() > limits.max_fields {
            return Err(IssueError::TooManyFields {
                count: all.len(),
                limit: limits.max_fields,
            });
        }
        for (index, field) in all.iter().enumerate() {
            if field.name.is_empty() {
                return Err(IssueError::EmptyFieldName { index });
            }
            if all[..index].iter().any(|f| f.name == field.name) {
                return Err(IssueError::DuplicateFieldName { index });
            }
            field
                .value
                .check(limits, 1)
                .map_err(|p| IssueError::InvalidValue {
                    index,
                    problem: match p {
                        ValueProblem::DuplicateKey => "duplicate map key",
                        ValueProblem::TooDeep => "nested deeper than the limit",
                        ValueProblem::TooLong => "list or map longer than the limit",
                    },
                })?;
        }
        Ok(())
    }
}

/// Batches at least this long are signed on several threads.
const PARALLEL_BATCH: usize = 64;

/// An agency that issues certificates with one signing key.
pub struct Issuer {
    agency: Agency,
    signer: Box<dyn Signer>,
    public_key: PublicKey,
    protected: Vec<u8>,
    rng: Box<dyn RandomSource>,
    limits: Limits,
    audit: Option<Arc<dyn AuditSink>>,
    registry: Option<Arc<StatusRegistry>>,
    ledger: Option<Arc<IssuanceLedger>>,
    seal: Option<crate::model::SealReference>,
}

impl core::fmt::Debug for Issuer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Issuer")
            .field("agency", &self.agency)
            .field("public_key", &self.public_key)
            .finish_non_exhaustive()
    }
}

impl Issuer {
    /// An issuer for `agency` signing with `signer`, drawing salts from the OS.
    pub fn new(agency: Agency, signer: impl Signer + 'static) -> Self {
        let public_key = signer.public_key();
        let protected = certificate_header(&public_key, &[]);
        Self {
            agency,
            signer: Box::new(signer),
            public_key,
            protected,
            rng: Box::new(crate::crypto::OsRandom),
            limits: Limits::default(),
            audit: None,
            registry: None,
            ledger: None,
            seal: None,
        }
    }

    /// Carries `chain` (DER, leaf first; the root may be left out) in every certificate's
    /// `x5chain` header, so verifiers that trust its root need not know this key in advance.
    ///
    /// # Errors
    /// [`IssueError::Chain`] if the leaf does not certify this issuer's key and agency code,
    /// or the chain is empty or longer than the limits allow.
    pub fn with_x509_chain(mut self, chain: Vec<Vec<u8>>) -> Result<Self, IssueError> {
        let leaf = chain.first().ok_or(crate::trust::ChainError::Malformed {
            index: 0,
            reason: "empty chain",
        })?;
        if chain.len() > self.limits.max_chain_len {
            return Err(crate::trust::ChainError::TooLong {
                len: chain.len(),
                max: self.limits.max_chain_len,
            }
            .into());
        }
        let (key, agency) = crate::trust::x509::leaf_identity(leaf)?;
        if key != self.public_key {
            return Err(crate::trust::ChainError::LeafKeyMismatch.into());
        }
        if agency != self.agency.code {
            return Err(IssueError::ChainAgencyMismatch {
                certified: agency.to_string(),
            });
        }
        self.protected = certificate_header(&self.public_key, &chain);
        Ok(self)
    }

    /// Signs every certificate under the agency seal `seal` (its `COSE_Sign1` bytes): the
    /// certificate names the seal (esID and digest) and this issuer's key, which the seal
    /// must authorise. Verifiers holding the seal then trust the key through the seal maker,
    /// and can show the seal picture on the certificate face.
    ///
    /// # Errors
    /// [`IssueError::Seal`] / [`IssueError::InvalidSeal`] if it is not a seal,
    /// [`IssueError::NotAuthorised`] if it does not authorise this key, or
    /// [`IssueError::InvalidSeal`] if it belongs to another agency.
    pub fn with_seal(mut self, seal: &[u8]) -> Result<Self, IssueError> {
        let decoded = seal::authorising_seal(seal, self.signer.as_ref())?;
        if decoded.owner.code != self.agency.code {
            return Err(IssueError::InvalidSeal(
                "the seal belongs to another agency",
            ));
        }
        self.seal = Some(crate::model::SealReference {
            id: decoded.id,
            digest: sha256(seal),
            signer_key: self.public_key.to_bytes(),
        });
        Ok(self)
    }

    /// Gives every certificate a status entry in `registry` (a random index in one of its
    /// lists), written as the certificate's status claim, so it can later be suspended or
    /// revoked. Verifiers then require a fresh status list for it.
    #[must_use]
    pub fn with_status_registry(mut self, registry: Arc<StatusRegistry>) -> Self {
        self.registry = Some(registry);
        self
    }

    /// Records every certificate issued in `log` (an [`AuditEvent`](EventKind::CertificateIssued)
    /// with the identifier and the certificate's digest, no personal data). A certificate is
    /// returned only after its event is durable.
    #[must_use]
    pub fn with_audit_log(mut self, log: Arc<dyn AuditSink>) -> Self {
        self.audit = Some(log);
        self
    }

    /// Replaces the random source, e.g. with a seeded one for reproducible test vectors.
    #[must_use]
    pub fn with_rng(mut self, rng: impl RandomSource + 'static) -> Self {
        self.rng = Box::new(rng);
        self
    }

    /// Refuses to issue what a verifier with `limits` would refuse to decode.
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The agency.
    #[must_use]
    pub fn agency(&self) -> &Agency {
        &self.agency
    }

    /// The key that verifies this issuer's certificates (give it to verifiers).
    #[must_use]
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    /// Builds, signs and encodes a certificate. `now` becomes its `iat`.
    ///
    /// # Errors
    /// [`IssueError`] if the builder's content is invalid, randomness fails or the signer
    /// fails.
    pub fn issue(
        &self,
        builder: CertificateBuilder,
        now: UnixTime,
    ) -> Result<IssuedCertificate, IssueError> {
        let prepared = self.prepare(builder, now)?;
        let signature = self.signer.sign(&prepared.to_be_signed)?;
        prepared.assemble(&signature)
    }

    /// Issues many certificates signed at `now`: for agencies issuing in bulk. Every request
    /// is checked before anything is signed; status entries are allocated in one durable
    /// registry write and the issuance events recorded in one audit commit (when a registry
    /// and a log are configured). Nothing is returned unless every certificate was built,
    /// signed and recorded.
    ///
    /// # Errors
    /// The first [`IssueError`] met. An invalid request fails before any allocation; after
    /// that, allocated status entries stay (unused) and nothing is logged.
    pub fn issue_batch(
        &self,
        builders: Vec<CertificateBuilder>,
        now: UnixTime,
    ) -> Result<Vec<IssuedCertificate>, IssueError> {
        let mut issued = self.sign_batch(builders, now)?;
        if let Some(log) = &self.audit {
            let events = issued
                .iter()
                .map(|c| issuance_event(&self.public_key, c.certificate(), c.as_bytes()))
                .collect();
            let receipts = log.record_batch(events, now)?;
            for (certificate, receipt) in issued.iter_mut().zip(receipts) {
                certificate.audit_index = Some(receipt.index);
            }
        }
        Ok(issued)
    }

    /// Checks, identifies, allocates status entries for and signs a batch; logs nothing.
    fn sign_batch(
        &self,
        builders: Vec<CertificateBuilder>,
        now: UnixTime,
    ) -> Result<Vec<IssuedCertificate>, IssueError> {
        let mut ids = Vec::with_capacity(builders.len());
        for builder in &builders {
            builder.check(&self.limits)?;
            ids.push(self.identify(builder)?);
        }
        let statuses: Vec<Option<StatusReference>> = match &self.registry {
            Some(registry) => {
                let names: Vec<&str> = ids.iter().map(CertificateId::as_str).collect();
                registry
                    .allocate_all(&names)?
                    .into_iter()
                    .map(Some)
                    .collect()
            }
            None => builders.iter().map(|b| b.status.clone()).collect(),
        };
        let work: Vec<_> = builders.into_iter().zip(ids).zip(statuses).collect();
        self.sign_all(work, now)
    }

    /// Encodes and signs checked certificates, on several threads for a large batch (signing
    /// dominates bulk issuance); in order, all or nothing.
    fn sign_all(
        &self,
        work: Vec<((CertificateBuilder, CertificateId), Option<StatusReference>)>,
        now: UnixTime,
    ) -> Result<Vec<IssuedCertificate>, IssueError> {
        let one = |((builder, id), status)| {
            let mut prepared = self.prepare_identified(builder, id, status, now)?;
            // Recorded by the caller, all at once.
            prepared.audit = None;
            let signature = self.signer.sign(&prepared.to_be_signed)?;
            prepared.assemble(&signature)
        };
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        if threads < 2 || work.len() < PARALLEL_BATCH {
            return work.into_iter().map(one).collect();
        }
        let chunk = work.len().div_ceil(threads);
        let mut chunks = Vec::with_capacity(threads);
        let mut rest = work;
        while rest.len() > chunk {
            let tail = rest.split_off(chunk);
            chunks.push(rest);
            rest = tail;
        }
        chunks.push(rest);
        std::thread::scope(|scope| {
            let handles: Vec<_> = chunks
                .into_iter()
                .map(|chunk| {
                    scope.spawn(move || chunk.into_iter().map(one).collect::<Result<Vec<_>, _>>())
                })
                .collect();
            let mut issued = Vec::new();
            for handle in handles {
                match handle.join() {
                    Ok(done) => issued.extend(done?),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            Ok(issued)
        })
    }

    /// Builds and encodes a certificate without signing it: sign
    /// [`PreparedCertificate::to_be_signed`] elsewhere, then
    /// [`complete`](PreparedCertificate::complete).
    ///
    /// # Errors
    /// [`IssueError`] if the builder's content is invalid or randomness fails.
    pub fn prepare(
        &self,
        builder: CertificateBuilder,
        now: UnixTime,
    ) -> Result<PreparedCertificate, IssueError> {
        builder.check(&self.limits)?;
        let id = self.identify(&builder)?;
        let status = match &self.registry {
            Some(registry) => Some(registry.allocate(id.as_str())?),
            None => builder.status.clone(),
        };
        self.prepare_identified(builder, id, status, now)
    }

    /// The GB/T 36904 identifier of the certificate `builder` describes (a random serial
    /// unless it gives one).
    fn identify(&self, builder: &CertificateBuilder) -> Result<CertificateId, IssueError> {
        let serial = match builder.serial.clone() {
            Some(serial) => serial,
            None => self.random_serial()?,
        };
        CertificateId::new(&builder.kind, &self.agency.code, &serial, &builder.version)
            .map_err(IssueError::Identifier)
    }

    /// Encodes a checked `builder` under an identifier and status entry already chosen.
    fn prepare_identified(
        &self,
        builder: CertificateBuilder,
        id: CertificateId,
        status: Option<StatusReference>,
        now: UnixTime,
    ) -> Result<PreparedCertificate, IssueError> {
        let mut disclosures = Vec::with_capacity(builder.disclosable.len());
        let mut digests: Vec<DisclosureDigest> = Vec::with_capacity(builder.disclosable.len() + 4);
        for field in builder.disclosable {
            let mut salt = [0u8; SALT_LEN];
            self.rng.fill(&mut salt)?;
            let item = Disclosure::new(salt, field);
            digests.push(sha256(item.as_bytes()));
            disclosures.push(item);
        }
        let decoys = builder
            .decoys
            .unwrap_or_else(|| default_decoys(disclosures.len()));
        for _ in 0..decoys {
            let mut decoy = [0u8; 32];
            self.rng.fill(&mut decoy)?;
            digests.push(decoy);
        }
        digests.sort_unstable();
        digests.dedup();
        if digests.len() > self.limits.max_digests {
            return Err(IssueError::TooManyFields {
                count: digests.len(),
                limit: self.limits.max_digests,
            });
        }

        let mut certificate = Certificate {
            id,
            kind: builder.kind,
            number: builder.number,
            holder: builder.holder,
            issuer: self.agency.clone(),
            jurisdiction: builder.jurisdiction,
            issued_on: builder.issued_on,
            validity: builder.validity,
            signed_at: now,
            status,
            holder_key: builder.holder_key,
            fields: builder.fields,
            disclosed: Vec::new(),
            digests,
            seal: self.seal.clone(),
        };
        let payload = certificate.encode_claims();
        certificate.disclosed = disclosures.iter().map(|d| d.field().clone()).collect();
        let to_be_signed = cose::sig_structure(&self.protected, &payload);
        let size = to_be_signed.len()
            + disclosures
                .iter()
                .map(|d| d.as_bytes().len() + 3)
                .sum::<usize>()
            + 80;
        if size > self.limits.max_input_bytes {
            return Err(IssueError::TooLarge {
                size,
                limit: self.limits.max_input_bytes,
            });
        }
        Ok(PreparedCertificate {
            certificate,
            disclosures,
            protected: self.protected.clone(),
            payload,
            to_be_signed,
            public_key: self.public_key.clone(),
            audit: self.audit.clone(),
            signed_at: now,
        })
    }

    fn random_serial(&self) -> Result<String, IssueError> {
        const ALNUM: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        let mut serial = String::with_capacity(20);
        while serial.len() < 20 {
            let mut bytes = [0u8; 32];
            self.rng.fill(&mut bytes)?;
            // Rejection sampling keeps the characters uniform (252 = 7 × 36).
            for b in bytes.iter().filter(|&&b| b < 252).take(20 - serial.len()) {
                serial.push(char::from(ALNUM[usize::from(b % 36)]));
            }
        }
        Ok(serial)
    }
}

fn default_decoys(disclosable: usize) -> usize {
    disclosable.next_multiple_of(4) - disclosable
}

/// A certificate encoded and waiting for its signature from a key outside the process.
pub struct PreparedCertificate {
    certificate: Certificate,
    disclosures: Vec<Disclosure>,
    protected: Vec<u8>,
    payload: Vec<u8>,
    to_be_signed: Vec<u8>,
    public_key: PublicKey,
    audit: Option<Arc<dyn AuditSink>>,
    signed_at: UnixTime,
}

impl core::fmt::Debug for PreparedCertificate {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PreparedCertificate")
            .field("id", &self.certificate.id)
            .field("audited", &self.audit.is_some())
            .finish_non_exhaustive()
    }
}

impl PreparedCertificate {
    /// The exact bytes to sign (the COSE `Sig_structure`). For Ed25519, sign these bytes;
    /// for ES256, sign their SHA-256 (as every ES256 API does internally).
    #[must_use]
    pub fn to_be_signed(&self) -> &[u8] {
        &self.to_be_signed
    }

    /// The algorithm the signature must use.
    #[must_use]
    pub fn algorithm(&self) -> Algorithm {
        self.public_key.algorithm()
    }

    /// The certificate being issued.
    #[must_use]
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// Attaches a signature made elsewhere, after checking it verifies (a signature from
    /// the wrong key or over other bytes is caught here, not by the first verifier).
    ///
    /// # Errors
    /// [`IssueError::SignatureRejected`] if it does not verify under the issuer key.
    pub fn complete(self, signature: &[u8]) -> Result<IssuedCertificate, IssueError> {
        self.public_key
            .verify(self.algorithm(), &self.to_be_signed, signature)
            .map_err(|_| IssueError::SignatureRejected)?;
        self.assemble(signature)
    }

    fn assemble(self, signature: &[u8]) -> Result<IssuedCertificate, IssueError> {
        let items: Vec<&[u8]> = self.disclosures.iter().map(Disclosure::as_bytes).collect();
        let signature = crate::crypto::canonical_signature(self.algorithm(), signature);
        let bytes = cose::encode_sign1(&self.protected, &items, &self.payload, &signature);
        let audit_index = match &self.audit {
            Some(log) => Some(
                log.record(
                    issuance_event(&self.public_key, &self.certificate, &bytes),
                    self.signed_at,
                )?
                .index,
            ),
            None => None,
        };
        Ok(IssuedCertificate {
            bytes,
            certificate: self.certificate,
            disclosures: self.disclosures,
            audit_index,
        })
    }
}

/// The protected header of this issuer's certificates, with its X.509 chain if it has one.
fn certificate_header(key: &PublicKey, chain: &[Vec<u8>]) -> Vec<u8> {
    let kid = key.key_id();
    let mut header =
        ProtectedHeader::new(key.algorithm().cose_id(), kid.as_bytes(), CERTIFICATE_TYP);
    header.x5chain = chain.iter().map(Vec::as_slice).collect();
    header.encode()
}

/// The audit event of an issuance: identifiers and digests only.
fn issuance_event(key: &PublicKey, certificate: &Certificate, bytes: &[u8]) -> Event {
    issuance_event_of(
        sha256(&key.to_bytes()),
        certificate.id.as_str(),
        certificate.kind.code(),
        bytes,
    )
}

/// The issuance event: who issued (`actor_key_id`), which identifier, of which type, and the
/// digest of the bytes released.
fn issuance_event_of(actor_key_id: [u8; 32], identifier: &str, kind: &str, bytes: &[u8]) -> Event {
    let mut attributes = crate::encoding::Writer::new();
    attributes.map(1).int(1).text(kind);
    Event {
        kind: EventKind::CertificateIssued,
        actor_key_id,
        subject: identifier.as_bytes().to_vec(),
        object_digest: sha256(bytes),
        attributes: attributes.into_bytes(),
    }
}

/// A signed certificate: its bytes (with every disclosure, for the holder) and its content.
#[derive(Clone, Debug)]
pub struct IssuedCertificate {
    bytes: Vec<u8>,
    certificate: Certificate,
    disclosures: Vec<Disclosure>,
    audit_index: Option<u64>,
}

impl IssuedCertificate {
    /// The encoded certificate (tagged `COSE_Sign1`), as delivered to the holder.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The encoded certificate, consumed.
    #[must_use]
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// What was issued (with every disclosable field in `disclosed`).
    #[must_use]
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The disclosure items, with their salts.
    #[must_use]
    pub fn disclosures(&self) -> &[Disclosure] {
        &self.disclosures
    }

    /// The index of the issuance event in the audit log, when one is configured.
    #[must_use]
    pub fn audit_index(&self) -> Option<u64> {
        self.audit_index
    }

    /// The QR text (`YZ1:` + Base45) of the full certificate.
    #[must_use]
    pub fn qr_text(&self) -> String {
        qr::to_qr_text(&self.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{Ed25519SigningKey, SeededRandom};
    use crate::model::{ResidentId, Uscc};

    fn builder() -> CertificateBuilder {
        let kind = CertificateType::new("11100000000013338W032", "资格证书").unwrap();
        let holder = Holder::resident("张三", &ResidentId::parse("11010519491231002X").unwrap());
        let day = Date::new(2026, 1, 1).unwrap();
        CertificateBuilder::new(kind, "A-1", holder, day, Validity::long_term(day))
    }

    fn issuer() -> Issuer {
        let agency = Agency::new("吉林省住房和城乡建设厅", "11220000013544541J").unwrap();
        Issuer::new(agency, Ed25519SigningKey::from_seed(&[3; 32]))
            .with_rng(SeededRandom::from_seed([4; 32]))
    }

    #[test]
    fn decoys_pad_to_a_multiple_of_four() {
        assert_eq!(default_decoys(0), 0);
        assert_eq!(default_decoys(1), 3);
        assert_eq!(default_decoys(3), 1);
        assert_eq!(default_decoys(4), 0);
        assert_eq!(default_decoys(5), 3);
        let issued = issuer()
            .issue(
                builder()
                    .disclosable_field("a", 1)
                    .disclosable_field("b", 2),
                UnixTime::from_secs(9),
            )
            .unwrap();
        assert_eq!(issued.certificate().digests.len(), 4);
        assert!(issued.certificate().digests.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn builder_errors_are_typed() {
        let now = UnixTime::from_secs(0);
        let i = issuer();
        assert!(matches!(
            i.issue(builder().field("x", 1).field("x", 2), now),
            Err(IssueError::DuplicateFieldName { index: 1 })
        ));
        assert!(matches!(
            i.issue(builder().field("x", 1).disclosable_field("x", 2), now),
            Err(IssueError::DuplicateFieldName { index: 1 })
        ));
        assert!(matches!(
            i.issue(builder().field("", 1), now),
            Err(IssueError::EmptyFieldName { index: 0 })
        ));
        assert!(matches!(
            i.issue(builder().serial("bad serial"), now),
            Err(IssueError::Identifier(_))
        ));
        let bad_holder = Holder::other("x", "111", "110105194912310021");
        let b = CertificateBuilder::new(
            CertificateType::new("11100000000013338W032", "x").unwrap(),
            "1",
            bad_holder,
            Date::new(2026, 1, 1).unwrap(),
            Validity::long_term(Date::new(2026, 1, 1).unwrap()),
        );
        assert!(matches!(
            i.issue(b, now),
            Err(IssueError::HolderCode(CodeError::CheckCharacter { .. }))
        ));
        let org = Holder::organisation("某公司", &Uscc::parse("91350100M000100Y43").unwrap());
        assert_eq!(org.code_type.code(), "001");
    }

    #[test]
    fn two_phase_signing_checks_the_signature() {
        let key = Ed25519SigningKey::from_seed(&[3; 32]);
        let i = issuer();
        let prepared = i
            .prepare(builder().serial("S1"), UnixTime::from_secs(5))
            .unwrap();
        let wrong = prepared.to_be_signed().to_vec();
        let signature = key.sign_bytes(prepared.to_be_signed());
        let one_shot = i
            .issue(builder().serial("S1"), UnixTime::from_secs(5))
            .unwrap();
        let completed = prepared.complete(&signature).unwrap();
        assert_eq!(completed.as_bytes(), one_shot.as_bytes());
        let again = i
            .prepare(builder().serial("S1"), UnixTime::from_secs(5))
            .unwrap();
        assert!(matches!(
            again.complete(&wrong[..64]),
            Err(IssueError::SignatureRejected)
        ));
    }

    #[test]
    fn random_serials_are_valid_identifiers() {
        let issued = issuer().issue(builder(), UnixTime::from_secs(1)).unwrap();
        let serial = issued.certificate().id.serial();
        assert_eq!(serial.len(), 20);
        assert!(CertificateId::parse(issued.certificate().id.as_str()).is_ok());
    }
}
