//! Issuing: the [`Issuer`], two-phase signing with [`PreparedCertificate`], and issuing
//! each request once through an [`IssuanceLedger`].

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use yinzheng::crypto;
use yinzheng::issue;
use yinzheng::model;
use yinzheng::{status, storage};

use crate::audit::AuditLog;
use crate::certificate::{CertificateRequest, IssuedCertificate};
use crate::convert::to_unix;
use crate::error::{YinzhengError, error_chain, invalid};
use crate::signer::{ForeignSigner, Signer, SoftwareKey};
use crate::status::StatusRegistry;

/// An agency that issues certificates with one key.
#[derive(uniffi::Object)]
pub struct Issuer {
    inner: Arc<issue::Issuer>,
    parts: IssuerParts,
}

/// What an [`Issuer`] is built from, so each `with_*` call can build a configured copy.
#[derive(Clone)]
struct IssuerParts {
    agency: model::Agency,
    key: Arc<dyn crypto::Signer>,
    rng_seed: Option<[u8; 32]>,
    audit: Option<Arc<storage::AuditLog>>,
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
        Ok(Arc::new(Self {
            inner: Arc::new(inner),
            parts,
        }))
    }

    fn new_with_key(
        agency_name: &str,
        agency_code: &str,
        key: Arc<dyn crypto::Signer>,
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
            Arc::new(ForeignSigner::new(signer)?),
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
        Self::new_with_key(&agency_name, &agency_code, key)
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
        Ok(self.inner.complete(prepared, &signature)?.into())
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
            issuer: self.inner.clone(),
        }))
    }
}

/// A certificate waiting for its signature, completed by the issuer that prepared it.
#[derive(uniffi::Object)]
pub struct PreparedCertificate {
    to_be_signed: Vec<u8>,
    inner: Mutex<Option<issue::PreparedCertificate>>,
    issuer: Arc<issue::Issuer>,
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
        Ok(self.issuer.complete(prepared, &signature)?.into())
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
