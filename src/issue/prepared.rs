//! Certificates between encoding and release: [`PreparedCertificate`] (encoded, waiting for a
//! signature) and [`IssuedCertificate`] (signed), with the protected header and the audit
//! event of an issuance.

use crate::audit::{Event, EventKind};
use crate::crypto::{Algorithm, PublicKey, sha256};
use crate::encoding::cose::{self, ProtectedHeader};
use crate::encoding::qr;
use crate::model::certificate::CERTIFICATE_TYP;
use crate::model::{Certificate, Disclosure};

/// A certificate encoded and waiting for its signature from a key outside the process: a
/// plain value, completed by [`Issuer::complete`](super::Issuer::complete).
pub struct PreparedCertificate {
    pub(super) certificate: Certificate,
    pub(super) disclosures: Vec<Disclosure>,
    pub(super) protected: Vec<u8>,
    pub(super) payload: Vec<u8>,
    pub(super) to_be_signed: Vec<u8>,
    pub(super) algorithm: Algorithm,
}

impl core::fmt::Debug for PreparedCertificate {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PreparedCertificate")
            .field("id", &self.certificate.id)
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
        self.algorithm
    }

    /// The certificate being issued.
    #[must_use]
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The signed certificate, with `signature` (already checked) in its canonical form.
    pub(super) fn assemble(self, signature: &[u8]) -> IssuedCertificate {
        let items: Vec<&[u8]> = self.disclosures.iter().map(Disclosure::as_bytes).collect();
        let signature = crate::crypto::canonical_signature(self.algorithm, signature);
        let bytes = cose::encode_sign1(&self.protected, &items, &self.payload, &signature);
        IssuedCertificate {
            bytes,
            certificate: self.certificate,
            disclosures: self.disclosures,
            audit_index: None,
        }
    }
}

/// The protected header of this issuer's certificates, with its X.509 chain if it has one.
pub(super) fn certificate_header(key: &PublicKey, chain: &[Vec<u8>]) -> Vec<u8> {
    let kid = key.key_id();
    let mut header = ProtectedHeader::new(
        crate::crypto::cose_alg(key),
        kid.as_bytes(),
        CERTIFICATE_TYP,
    );
    header.x5chain = chain.iter().map(Vec::as_slice).collect();
    header.encode()
}

/// The audit event of an issuance: identifiers and digests only.
pub(super) fn issuance_event(key: &PublicKey, certificate: &Certificate, bytes: &[u8]) -> Event {
    issuance_event_of(
        sha256(&key.to_bytes()),
        certificate.id.as_str(),
        certificate.kind.code(),
        bytes,
    )
}

/// The issuance event: who issued (`actor_key_id`), which identifier, of which type, and the
/// digest of the bytes released.
pub(super) fn issuance_event_of(
    actor_key_id: [u8; 32],
    identifier: &str,
    kind: &str,
    bytes: &[u8],
) -> Event {
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
    pub(super) bytes: Vec<u8>,
    pub(super) certificate: Certificate,
    pub(super) disclosures: Vec<Disclosure>,
    pub(super) audit_index: Option<u64>,
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
