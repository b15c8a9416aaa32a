//! Making seals (制章) and stamping documents (电子签章), each optionally recorded in the
//! audit log before the result is released.
//!
//! ```
//! use yinzheng::crypto::{Ed25519SigningKey, Signer as _, sha256};
//! use yinzheng::issue::{SealMaker, Stamper};
//! use yinzheng::model::{Agency, Seal, SealKind, SealPicture};
//! use yinzheng::time::UnixTime;
//! use yinzheng::trust::TrustStore;
//! use yinzheng::verify::{Check, VerificationContext, Verifier};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let maker = Ed25519SigningKey::from_seed(&[1; 32]);
//! let stamping = Ed25519SigningKey::from_seed(&[2; 32]);
//! let t = UnixTime::from_secs(1_790_000_000);
//! let seal = Seal {
//!     id: "3501000012345678".into(),
//!     kind: SealKind::Contract,
//!     name: "福州示例科技有限公司合同专用章".into(),
//!     owner: Agency::new("福州示例科技有限公司", "91350100M000100Y43")?,
//!     authorised_keys: vec![sha256(&stamping.public_key().to_bytes())],
//!     created: t,
//!     valid_from: t,
//!     valid_until: t.saturating_add(365 * 86_400),
//!     picture: SealPicture { format: "svg".into(), data: b"<svg/>".to_vec(), width_mm: 40, height_mm: 40 },
//!     status: None,
//! };
//! let maker_key = maker.public_key();
//! let sealed = SealMaker::new(maker).make(&seal, t)?;
//! let stamp = Stamper::new(sealed, stamping)?.stamp(b"%PDF-1.7 ...", "全文", t)?;
//!
//! let mut trust = TrustStore::new();
//! trust.add_seal_maker("福州市印章制作中心", maker_key)?;
//! let verifier = Verifier::builder(trust).build()?;
//! let ctx = VerificationContext::at(t.saturating_add(60));
//! let verified = verifier.verify_stamp(&stamp, b"%PDF-1.7 ...", &ctx)?;
//! assert_eq!(verified.seal.kind, SealKind::Contract);
//! let altered = verifier.verify_stamp(&stamp, b"%PDF-1.7 ..!", &ctx).unwrap_err();
//! assert_eq!(altered.failed_check(), Check::DocumentDigest);
//! # Ok(())
//! # }
//! ```

use std::sync::Arc;

use super::IssueError;
use crate::audit::{AuditSink, Event, EventKind};
use crate::crypto::{CheckedSignError, Signer, sha256, sign_cose_verified};
use crate::encoding::cose::CoseSign1;
use crate::limits::Limits;
use crate::model::seal::{SEAL_TYP, SHA256_ALG, STAMP_TYP, Seal, StampClaims};
use crate::time::UnixTime;

/// A seal maker (制章者): checks and signs seals.
///
/// ```
/// use yinzheng::issue::SealMaker;
/// # use yinzheng::crypto::{Ed25519SigningKey, Signer as _, sha256};
/// # use yinzheng::model::{Agency, Seal, SealKind, SealPicture};
/// # use yinzheng::time::UnixTime;
/// # fn seal(stamping: &Ed25519SigningKey, t: UnixTime) -> Result<Seal, Box<dyn std::error::Error>> {
/// #     Ok(Seal {
/// #         id: "3501000012345678".into(),
/// #         kind: SealKind::Contract,
/// #         name: "福州示例科技有限公司合同专用章".into(),
/// #         owner: Agency::new("福州示例科技有限公司", "91350100M000100Y43")?,
/// #         authorised_keys: vec![sha256(&stamping.public_key().to_bytes())],
/// #         created: t,
/// #         valid_from: t,
/// #         valid_until: t.saturating_add(365 * 86_400),
/// #         picture: SealPicture { format: "svg".into(), data: b"<svg/>".to_vec(), width_mm: 40, height_mm: 40 },
/// #         status: None,
/// #     })
/// # }
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let t = UnixTime::from_secs(1_790_000_000);
/// let stamping = Ed25519SigningKey::from_seed(&[2; 32]);
/// let maker = SealMaker::new(Ed25519SigningKey::from_seed(&[1; 32]));
/// let sealed = maker.make(&seal(&stamping, t)?, t)?; // a signed COSE_Sign1
///
/// // A seal that authorises no key is refused, not signed.
/// let mut empty = seal(&stamping, t)?;
/// empty.authorised_keys.clear();
/// assert!(maker.make(&empty, t).is_err());
/// # let _ = sealed;
/// # Ok(())
/// # }
/// ```
#[must_use]
pub struct SealMaker {
    signer: Box<dyn Signer>,
    audit: Option<Arc<dyn AuditSink>>,
}

impl core::fmt::Debug for SealMaker {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SealMaker")
            .field("public_key", &self.signer.public_key())
            .finish_non_exhaustive()
    }
}

impl SealMaker {
    /// A seal maker signing with `signer` (its key must be a trusted seal maker for
    /// verifiers, or be certified by an X.509 chain to a trusted root).
    pub fn new(signer: impl Signer + 'static) -> Self {
        Self {
            signer: Box::new(signer),
            audit: None,
        }
    }

    /// Records every seal made in `log` (esID, seal digest, kind; no picture), before the
    /// seal is returned.
    pub fn with_audit_log(mut self, log: Arc<dyn AuditSink>) -> Self {
        self.audit = Some(log);
        self
    }

    /// Signs `seal`, made at `at` (the audit time).
    ///
    /// # Errors
    /// [`IssueError::InvalidSeal`], [`IssueError::Signer`], [`IssueError::Audit`].
    pub fn make(&self, seal: &Seal, at: UnixTime) -> Result<Vec<u8>, IssueError> {
        let bytes = make_seal(seal, self.signer.as_ref())?;
        if let Some(log) = &self.audit {
            let mut attributes = crate::encoding::Writer::new();
            attributes.map(1).int(1).uint(seal.kind.code());
            log.record(
                Event {
                    kind: EventKind::SealMade,
                    actor_key_id: sha256(&self.signer.public_key().to_bytes()),
                    subject: seal.id.as_bytes().to_vec(),
                    object_digest: sha256(&bytes),
                    attributes: attributes.into_bytes(),
                },
                at,
            )?;
        }
        Ok(bytes)
    }
}

/// A holder of a seal's authorised key, stamping documents with that seal.
///
/// ```
/// use yinzheng::issue::{IssueError, SealMaker, Stamper};
/// # use yinzheng::crypto::{Ed25519SigningKey, Signer as _, sha256};
/// # use yinzheng::model::{Agency, Seal, SealKind, SealPicture};
/// # use yinzheng::time::UnixTime;
/// # fn seal(stamping: &Ed25519SigningKey, t: UnixTime) -> Result<Seal, Box<dyn std::error::Error>> {
/// #     Ok(Seal {
/// #         id: "3501000012345678".into(),
/// #         kind: SealKind::Contract,
/// #         name: "福州示例科技有限公司合同专用章".into(),
/// #         owner: Agency::new("福州示例科技有限公司", "91350100M000100Y43")?,
/// #         authorised_keys: vec![sha256(&stamping.public_key().to_bytes())],
/// #         created: t,
/// #         valid_from: t,
/// #         valid_until: t.saturating_add(365 * 86_400),
/// #         picture: SealPicture { format: "svg".into(), data: b"<svg/>".to_vec(), width_mm: 40, height_mm: 40 },
/// #         status: None,
/// #     })
/// # }
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let t = UnixTime::from_secs(1_790_000_000);
/// let stamping = Ed25519SigningKey::from_seed(&[2; 32]);
/// let sealed = SealMaker::new(Ed25519SigningKey::from_seed(&[1; 32])).make(&seal(&stamping, t)?, t)?;
///
/// let stamper = Stamper::new(sealed.clone(), stamping)?;
/// let stamp = stamper.stamp(b"%PDF-1.7 ...", "全文", t.saturating_add(60))?;
/// assert!(!stamp.is_empty());
///
/// // Only a key the seal authorises may stamp with it.
/// let stranger = Ed25519SigningKey::from_seed(&[3; 32]);
/// assert!(matches!(Stamper::new(sealed, stranger), Err(IssueError::NotAuthorised)));
/// # Ok(())
/// # }
/// ```
#[must_use]
pub struct Stamper {
    seal: Vec<u8>,
    seal_id: String,
    signer: Box<dyn Signer>,
    audit: Option<Arc<dyn AuditSink>>,
}

impl core::fmt::Debug for Stamper {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Stamper")
            .field("seal", &self.seal_id)
            .field("public_key", &self.signer.public_key())
            .finish_non_exhaustive()
    }
}

impl Stamper {
    /// Stamps with the seal `seal` (its `COSE_Sign1` bytes), signing with `signer`.
    ///
    /// # Errors
    /// [`IssueError::Seal`] if the seal does not decode; [`IssueError::NotAuthorised`] if it
    /// does not authorise the signer's key.
    pub fn new(seal: Vec<u8>, signer: impl Signer + 'static) -> Result<Self, IssueError> {
        let decoded = authorising_seal(&seal, &signer)?;
        Ok(Self {
            seal,
            seal_id: decoded.id,
            signer: Box::new(signer),
            audit: None,
        })
    }

    /// Records every stamp in `log` (esID, stamp digest, document digest), before the stamp
    /// is returned.
    pub fn with_audit_log(mut self, log: Arc<dyn AuditSink>) -> Self {
        self.audit = Some(log);
        self
    }

    /// Stamps `document` at `at`; `property` states the protection scope (签名保护范围).
    ///
    /// # Errors
    /// [`IssueError::Signer`], [`IssueError::Audit`].
    pub fn stamp(
        &self,
        document: &[u8],
        property: &str,
        at: UnixTime,
    ) -> Result<Vec<u8>, IssueError> {
        let (bytes, digest) = sign_stamp(&self.seal, self.signer.as_ref(), document, property, at)?;
        if let Some(log) = &self.audit {
            let mut attributes = crate::encoding::Writer::new();
            attributes.map(1).int(1).bytes(&digest);
            log.record(
                Event {
                    kind: EventKind::Stamped,
                    actor_key_id: sha256(&self.signer.public_key().to_bytes()),
                    subject: self.seal_id.as_bytes().to_vec(),
                    object_digest: sha256(&bytes),
                    attributes: attributes.into_bytes(),
                },
                at,
            )?;
        }
        Ok(bytes)
    }
}

/// Signs `seal` as its maker (制章者): the result is the seal (`application/yz-seal+cose`).
/// [`SealMaker`] does the same and can record it in an audit log.
///
/// # Errors
/// [`IssueError::InvalidSeal`] for an empty identifier, name or key list or an empty validity;
/// [`IssueError::Signer`].
pub fn make_seal(seal: &Seal, maker: &dyn Signer) -> Result<Vec<u8>, IssueError> {
    if seal.id.is_empty() || seal.name.trim().is_empty() || seal.owner.name.trim().is_empty() {
        return Err(IssueError::InvalidSeal(
            "identifier, name and owner are required",
        ));
    }
    if seal.authorised_keys.is_empty() || seal.authorised_keys.windows(2).any(|w| w[0] >= w[1]) {
        return Err(IssueError::InvalidSeal(
            "authorised keys must be non-empty, sorted and unique",
        ));
    }
    if seal.valid_until <= seal.valid_from {
        return Err(IssueError::InvalidSeal("validity ends before it starts"));
    }
    sign_checked(maker, SEAL_TYP, &seal.encode())
}

/// Signs with the signature checked (a faulty HSM or keystore cannot produce a seal, stamp
/// or bundle that will never verify).
fn sign_checked(signer: &dyn Signer, typ: &str, payload: &[u8]) -> Result<Vec<u8>, IssueError> {
    sign_cose_verified(signer, typ, payload).map_err(|e| match e {
        CheckedSignError::Signer(e) => IssueError::Signer(e),
        _ => IssueError::SignatureRejected,
    })
}

/// Stamps `document` (电子签章) with the seal `seal_bytes`, signing with `signer`, which the seal
/// must authorise; `property` states the protection scope. The result is the stamp
/// (`application/yz-stamp+cose`), which embeds the seal. [`Stamper`] does the same and can
/// record it in an audit log.
///
/// # Errors
/// [`IssueError::Seal`], [`IssueError::NotAuthorised`], [`IssueError::Signer`].
pub fn stamp(
    seal_bytes: &[u8],
    document: &[u8],
    property: &str,
    signer: &dyn Signer,
    at: UnixTime,
) -> Result<Vec<u8>, IssueError> {
    authorising_seal(seal_bytes, signer)?;
    Ok(sign_stamp(seal_bytes, signer, document, property, at)?.0)
}

/// The seal, decoded, if it authorises `signer`'s key.
pub(super) fn authorising_seal(seal: &[u8], signer: &dyn Signer) -> Result<Seal, IssueError> {
    let limits = Limits::default();
    let sign1 = CoseSign1::decode(seal, &limits).map_err(IssueError::Seal)?;
    if sign1.protected.typ != SEAL_TYP {
        return Err(IssueError::InvalidSeal("not a seal (typ)"));
    }
    let decoded = Seal::decode(sign1.payload, &limits).map_err(IssueError::Seal)?;
    if decoded
        .authorised_keys
        .binary_search(&sha256(&signer.public_key().to_bytes()))
        .is_err()
    {
        return Err(IssueError::NotAuthorised);
    }
    Ok(decoded)
}

/// Signs a stamp; returns it and the document digest.
fn sign_stamp(
    seal: &[u8],
    signer: &dyn Signer,
    document: &[u8],
    property: &str,
    at: UnixTime,
) -> Result<(Vec<u8>, [u8; 32]), IssueError> {
    let key = signer.public_key().to_bytes();
    let digest = sha256(document);
    let claims = StampClaims {
        seal,
        signed_at: at,
        digest_alg: SHA256_ALG,
        digest: &digest,
        property,
        signer_key: &key,
    };
    Ok((sign_checked(signer, STAMP_TYP, &claims.encode())?, digest))
}

/// Signs a trust bundle as its publisher (the key verifier apps pin).
///
/// # Errors
/// [`IssueError::InvalidSeal`] if the bundle expires before it is issued;
/// [`IssueError::Signer`].
pub fn sign_trust_bundle(
    bundle: &crate::model::bundle::TrustBundle,
    publisher: &dyn Signer,
) -> Result<Vec<u8>, IssueError> {
    if bundle.expires_at <= bundle.issued_at {
        return Err(IssueError::InvalidSeal(
            "trust bundle expires before it is issued",
        ));
    }
    sign_checked(
        publisher,
        crate::model::bundle::TRUST_BUNDLE_TYP,
        &bundle.encode(),
    )
}
