//! The [`Issuer`]: an agency, its signer and what it records to (audit log, status registry,
//! issuance ledger); it identifies, salts, encodes and signs certificates, one or a batch.

use std::sync::Arc;

use crate::audit::AuditSink;
use crate::crypto::{PublicKey, RandomSource, Signer, sha256};
use crate::encoding::cose;
use crate::limits::Limits;
use crate::model::certificate::DisclosureDigest;
use crate::model::value::SALT_LEN;
use crate::model::{Agency, Certificate, CertificateId, Disclosure, StatusReference};
use crate::status::{RegistryError, StatusAllocator};
use crate::time::UnixTime;

use super::prepared::{IssuedCertificate, PreparedCertificate, certificate_header, issuance_event};
use super::{CertificateBuilder, IssuanceLedger, IssueError, seal};

/// Batches at least this long are signed on several threads.
const PARALLEL_BATCH: usize = 64;

/// An agency that issues certificates with one signing key.
///
/// ```
/// use yinzheng::crypto::{Ed25519SigningKey, Signer as _};
/// use yinzheng::issue::Issuer;
/// use yinzheng::model::Agency;
/// use yinzheng::time::UnixTime;
/// # use yinzheng::model::{CertificateType, Holder, ResidentId, Validity};
/// # use yinzheng::time::Date;
/// # fn builder() -> Result<yinzheng::issue::CertificateBuilder, Box<dyn std::error::Error>> {
/// #     let day = Date::new(2026, 1, 5)?;
/// #     Ok(yinzheng::issue::CertificateBuilder::new(
/// #         CertificateType::new("11100000000013338W032", "建筑施工特种作业人员操作资格证书")?,
/// #         "吉A042012000939",
/// #         Holder::resident("李示例", &ResidentId::parse("11010519491231002X")?),
/// #         day,
/// #         Validity::days(day, Date::new(2032, 1, 4)?),
/// #     ))
/// # }
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let agency = Agency::new("吉林省住房和城乡建设厅", "11220000013544541J")?;
/// let issuer = Issuer::new(agency, Ed25519SigningKey::from_seed(&[7; 32]));
/// let now = UnixTime::from_secs(1_790_000_000);
///
/// // One call, with the key in the process:
/// let issued = issuer.issue(builder()?, now)?;
/// assert_eq!(issued.certificate().issuer.code.as_str(), "11220000013544541J");
///
/// // Or two phases, for a key elsewhere (an HSM, a signing service):
/// let prepared = issuer.prepare(builder()?, now)?;
/// let signature = Ed25519SigningKey::from_seed(&[7; 32]).sign(prepared.to_be_signed())?;
/// let completed = issuer.complete(prepared, &signature)?;
/// assert!(completed.qr_text().starts_with("YZ"));
/// # Ok(())
/// # }
/// ```
pub struct Issuer {
    pub(super) agency: Agency,
    pub(super) signer: Box<dyn Signer>,
    pub(super) public_key: PublicKey,
    pub(super) protected: Vec<u8>,
    pub(super) rng: Box<dyn RandomSource>,
    pub(super) limits: Limits,
    pub(super) audit: Option<Arc<dyn AuditSink>>,
    pub(super) registry: Option<Arc<dyn StatusAllocator>>,
    pub(super) ledger: Option<Arc<IssuanceLedger>>,
    pub(super) seal: Option<crate::model::SealReference>,
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
    /// revoked. Verifiers then require a fresh status list for it. The registry is the
    /// embedded [`StatusRegistry`](crate::status::StatusRegistry) or one shared by many
    /// services (`yinzheng-postgres`'s `PgStatusRegistry`).
    #[must_use]
    pub fn with_status_registry(mut self, registry: Arc<dyn StatusAllocator>) -> Self {
        self.registry = Some(registry);
        self
    }

    /// Records every certificate issued in `log` (a
    /// [`CertificateIssued`](crate::audit::EventKind::CertificateIssued) event with the
    /// identifier and the certificate's digest, no personal data). A certificate is returned
    /// only after its event is durable.
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
        self.record(prepared.assemble(&signature))
    }

    /// Attaches a signature made elsewhere to a certificate this issuer prepared, after
    /// checking it verifies under the issuer key (a signature from the wrong key or over other
    /// bytes is caught here, not by the first verifier), and records the issuance in the
    /// audit log if there is one.
    ///
    /// # Errors
    /// [`IssueError::SignatureRejected`] if it does not verify under the issuer key;
    /// [`IssueError::Audit`] if the log does not record it.
    pub fn complete(
        &self,
        prepared: PreparedCertificate,
        signature: &[u8],
    ) -> Result<IssuedCertificate, IssueError> {
        self.public_key
            .verify(
                self.public_key.algorithm(),
                &prepared.to_be_signed,
                signature,
            )
            .map_err(|_| IssueError::SignatureRejected)?;
        self.record(prepared.assemble(signature))
    }

    /// Records the issuance of `issued` in the audit log, if there is one.
    fn record(&self, mut issued: IssuedCertificate) -> Result<IssuedCertificate, IssueError> {
        if let Some(log) = &self.audit {
            let event = issuance_event(&self.public_key, &issued.certificate, &issued.bytes);
            issued.audit_index = Some(log.record(event, issued.certificate.signed_at)?.index);
        }
        Ok(issued)
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
    pub(super) fn sign_batch(
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
                allocate(registry.as_ref(), &names)?
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
            let prepared = self.prepare_identified(builder, id, status, now)?;
            let signature = self.signer.sign(&prepared.to_be_signed)?;
            Ok(prepared.assemble(&signature))
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
    /// [`PreparedCertificate::to_be_signed`] elsewhere, then [`complete`](Self::complete).
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
            Some(registry) => Some(allocate(registry.as_ref(), &[id.as_str()])?.pop().ok_or(
                RegistryError::AllocatedWrongCount {
                    asked: 1,
                    allocated: 0,
                },
            )?),
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
            algorithm: self.public_key.algorithm(),
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

/// Decoy digests that pad the disclosable fields to a multiple of four.
pub(super) fn default_decoys(disclosable: usize) -> usize {
    disclosable.next_multiple_of(4) - disclosable
}

/// One status reference per certificate, in order: a registry kept elsewhere is code we did
/// not write, so a wrong count is an error rather than certificates paired with the wrong entry.
fn allocate(
    registry: &dyn StatusAllocator,
    certificates: &[&str],
) -> Result<Vec<StatusReference>, RegistryError> {
    let references = registry.allocate_all(certificates)?;
    if references.len() != certificates.len() {
        return Err(RegistryError::AllocatedWrongCount {
            asked: certificates.len(),
            allocated: references.len(),
        });
    }
    Ok(references)
}
