//! The agency's tamper-evident audit log: writing, reading, and verifying its proofs and
//! checkpoints.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use yinzheng::{audit, storage};

use crate::convert::{digest32, to_unix};
use crate::error::{YinzhengError, audit_rejected, invalid};
use crate::signer::{ForeignSigner, Signer, SoftwareKey};

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
    pub(crate) inner: Arc<storage::AuditLog>,
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
            inner: Arc::new(storage::AuditLog::open(
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
        Ok(Arc::new(Self {
            inner: Arc::new(storage::AuditLog::open(
                std::path::Path::new(&dir),
                &origin,
                key,
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

/// A log opened read-only — the writer's directory or a copy of it — by someone who holds
/// only its verifier key: entries' bundles and checks of the whole history, with no lock.
#[derive(uniffi::Object)]
pub struct AuditLogReader {
    inner: storage::LogReader,
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
            inner: storage::LogReader::open(std::path::Path::new(&dir), &origin, &key)?,
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
        storage::log::verify_dir_full
    } else {
        storage::log::verify_dir
    };
    check(dir, &origin, &key)
        .map(|s| s.size)
        .map_err(audit_rejected)
}

pub(crate) fn note_keys(vkeys: &[String]) -> Result<Vec<audit::NoteKey>, YinzhengError> {
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
    storage::log::verify_segment(&segment, &origin, &key)
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
