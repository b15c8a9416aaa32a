//! C2SP `tlog-witness`: [`Witness`] cosigns a log's checkpoint only after proving it
//! consistent with the last one it cosigned for that log (agencies of two provinces witness
//! each other's logs this way); [`add_cosignatures`] is the log's side, attaching the
//! response; [`WitnessPolicy`] is the verifier's "k of these n witnesses".
//!
//! The witness's state (per origin, the size and root it last cosigned) sits behind
//! [`WitnessStore`], a compare-and-swap, so that two requests cannot both move it and a
//! restart cannot roll it back: it is stored before the cosignature is returned. A log that
//! shows two witnesses two different trees cannot get both to cosign one checkpoint, so a
//! policy needing both refuses each view, and the cosigned views are evidence of the fork
//! ([`crate::audit::bundle::Evidence`]).
//!
//! `add-checkpoint` outcomes and their HTTP statuses ([`WitnessError::http_status`]): 200 with
//! the cosignature line; 400 malformed; 403 the log's signature fails; 404 unknown origin;
//! 409 the old size is not the witness's (its size is the body, `text/x.tlog.size`); 422 the
//! proof fails.

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::audit::bundle::ConsistencyBundle;
use crate::audit::merkle::{self, Hash};
use crate::audit::note::{
    Checkpoint, KeyRole, Note, NoteError, NoteKey, NoteSignature, SignedCheckpoint,
};
use crate::audit::objects::StoreError;
use crate::crypto::Signer;

/// What a witness last cosigned for a log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WitnessedHead {
    /// The tree size.
    pub size: u64,
    /// Its root.
    pub root: Hash,
}

/// The witness's durable state: per origin, the head it last cosigned.
pub trait WitnessStore: Send + Sync {
    /// The head last cosigned for `origin`, if any.
    ///
    /// # Errors
    /// When the store cannot be read.
    fn latest(&self, origin: &str) -> Result<Option<WitnessedHead>, StoreError>;

    /// Replaces `origin`'s head with `new` if it is still `old`, durably before returning;
    /// `false` if another request moved it first.
    ///
    /// # Errors
    /// When the store cannot be written.
    fn compare_and_swap(
        &self,
        origin: &str,
        old: Option<WitnessedHead>,
        new: WitnessedHead,
    ) -> Result<bool, StoreError>;
}

/// A witness store in memory (tests, and witnesses whose state lives elsewhere).
#[derive(Debug, Default)]
pub struct MemoryWitnessStore {
    heads: Mutex<BTreeMap<String, WitnessedHead>>,
}

impl WitnessStore for MemoryWitnessStore {
    fn latest(&self, origin: &str) -> Result<Option<WitnessedHead>, StoreError> {
        let heads = self.heads.lock().map_err(|_| "witness state poisoned")?;
        Ok(heads.get(origin).copied())
    }

    fn compare_and_swap(
        &self,
        origin: &str,
        old: Option<WitnessedHead>,
        new: WitnessedHead,
    ) -> Result<bool, StoreError> {
        let mut heads = self.heads.lock().map_err(|_| "witness state poisoned")?;
        if heads.get(origin).copied() != old {
            return Ok(false);
        }
        heads.insert(origin.to_owned(), new);
        Ok(true)
    }
}

/// Why a witness refused a checkpoint.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WitnessError {
    /// The request is not an `add-checkpoint` body, or its sizes go backwards.
    #[error("malformed request: {0}")]
    Malformed(String),
    /// The witness does not witness this log.
    #[error("unknown log {0}")]
    UnknownOrigin(String),
    /// The log's signature does not verify.
    #[error("the checkpoint is not signed by the log: {0}")]
    BadSignature(NoteError),
    /// The request starts from another size than the witness holds.
    #[error("the witness holds size {held}, not {stated}")]
    Conflict {
        /// The witness's size: the 409 body.
        held: u64,
        /// The request's old size.
        stated: u64,
    },
    /// The checkpoint is not consistent with what the witness cosigned: a fork, or a bad
    /// proof.
    #[error("the checkpoint is not consistent with the one cosigned at size {held}")]
    Inconsistent {
        /// The size the witness cosigned.
        held: u64,
    },
    /// The witness's store or signer failed.
    #[error("witness: {0}")]
    Internal(StoreError),
}

impl WitnessError {
    /// The `add-checkpoint` HTTP status for this refusal.
    #[must_use]
    pub fn http_status(&self) -> u16 {
        match self {
            Self::Malformed(_) => 400,
            Self::BadSignature(_) => 403,
            Self::UnknownOrigin(_) => 404,
            Self::Conflict { .. } => 409,
            Self::Inconsistent { .. } => 422,
            Self::Internal(_) => 500,
        }
    }
}

/// A witness: its key, the logs it witnesses, and its state.
pub struct Witness<S> {
    key: NoteKey,
    signer: Box<dyn Signer>,
    logs: Vec<NoteKey>,
    store: S,
}

impl<S> core::fmt::Debug for Witness<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Witness")
            .field("name", &self.key.name())
            .field(
                "logs",
                &self.logs.iter().map(NoteKey::name).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl<S: WitnessStore> Witness<S> {
    /// A witness signing with `signer` as `key` (role [`KeyRole::Witness`]) for the logs
    /// whose keys are `logs` (each key's name is its log's origin).
    ///
    /// # Errors
    /// [`WitnessError::Malformed`] if `key` is not a witness key held by `signer`, or a log
    /// key is not a log key.
    pub fn new(
        key: NoteKey,
        signer: impl Signer + 'static,
        logs: Vec<NoteKey>,
        store: S,
    ) -> Result<Self, WitnessError> {
        if key.role() != KeyRole::Witness || signer.public_key() != key.public {
            return Err(WitnessError::Malformed(
                "the signer does not hold this witness key".into(),
            ));
        }
        if logs.iter().any(|k| k.role() != KeyRole::Log) {
            return Err(WitnessError::Malformed("a log key has another role".into()));
        }
        Ok(Self {
            key,
            signer: Box::new(signer),
            logs,
            store,
        })
    }

    /// The witness's public key.
    #[must_use]
    pub fn key(&self) -> &NoteKey {
        &self.key
    }

    /// Handles an `add-checkpoint` request body at `now` (Unix seconds, the cosignature's
    /// time): checks the log's signature and the consistency proof from the head the witness
    /// holds, stores the new head, and returns the cosignature line (the 200 body).
    ///
    /// # Errors
    /// [`WitnessError`]; [`WitnessError::http_status`] gives the response status.
    pub fn add_checkpoint(&self, body: &str, now: u64) -> Result<String, WitnessError> {
        let request =
            ConsistencyBundle::parse(body).map_err(|e| WitnessError::Malformed(e.to_string()))?;
        let mut note = Note::parse(&request.checkpoint_note)
            .map_err(|e| WitnessError::Malformed(e.to_string()))?;
        let origin = Checkpoint::parse(note.text())
            .map_err(|e| WitnessError::Malformed(e.to_string()))?
            .origin;
        let log = self
            .logs
            .iter()
            .find(|k| k.name() == origin)
            .ok_or_else(|| WitnessError::UnknownOrigin(origin.clone()))?;
        let (offered, _) = SignedCheckpoint::verify(
            &request.checkpoint_note,
            &origin,
            core::slice::from_ref(log),
        )
        .map_err(WitnessError::BadSignature)?;
        let new = WitnessedHead {
            size: offered.checkpoint.size,
            root: offered.checkpoint.root,
        };
        if request.old_size > new.size {
            return Err(WitnessError::Malformed(format!(
                "old size {} is beyond the checkpoint's {}",
                request.old_size, new.size
            )));
        }
        let held = self.store.latest(&origin).map_err(WitnessError::Internal)?;
        let held_size = held.map_or(0, |h| h.size);
        if request.old_size != held_size {
            return Err(WitnessError::Conflict {
                held: held_size,
                stated: request.old_size,
            });
        }
        let held_root = held.map_or_else(merkle::empty_root, |h| h.root);
        let consistent = if new.size == held_size {
            // The same size again: only the same root, and no proof.
            request.proof.is_empty() && new.root == held_root
        } else if held_size == 0 {
            request.proof.is_empty()
        } else {
            merkle::verify_consistency(held_size, new.size, &request.proof, &held_root, &new.root)
                .is_ok()
        };
        if !consistent {
            return Err(WitnessError::Inconsistent { held: held_size });
        }
        if !self
            .store
            .compare_and_swap(&origin, held, new)
            .map_err(WitnessError::Internal)?
        {
            let held = self.store.latest(&origin).map_err(WitnessError::Internal)?;
            return Err(WitnessError::Conflict {
                held: held.map_or(0, |h| h.size),
                stated: request.old_size,
            });
        }
        let before = note.signatures().len();
        note.cosign(&self.key, self.signer.as_ref(), now)
            .map_err(|e| WitnessError::Internal(Box::new(e)))?;
        Ok(note.signatures()[before..]
            .iter()
            .map(NoteSignature::line)
            .collect())
    }
}

/// Attaches `witness`'s `add-checkpoint` response (its cosignature lines) to `note`, each line
/// checked first: a line by another key, or one that does not verify, is refused, so that no
/// one relaying the answer can make the checkpoint fail to verify.
///
/// # Errors
/// [`NoteError`] for a malformed note or response, or a line that does not verify.
pub fn add_cosignatures(
    note: &str,
    witness: &NoteKey,
    response: &str,
) -> Result<String, NoteError> {
    let mut note = Note::parse(note)?;
    note.add_cosignatures(witness, response)?;
    Ok(note.encode())
}

/// Why a checkpoint fell short of a witness policy.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The checkpoint does not verify under the log's key.
    #[error(transparent)]
    Note(#[from] NoteError),
    /// The policy's keys are not one log key and distinct witness keys.
    #[error("witness policy: {0}")]
    Keys(&'static str),
    /// Too few of the policy's witnesses cosigned it.
    #[error("{got} of the required {needed} witnesses cosigned it")]
    Quorum {
        /// Distinct witnesses whose cosignatures verify.
        got: usize,
        /// The quorum.
        needed: usize,
    },
}

/// A verifier's witness policy: a checkpoint counts only when `quorum` of `witnesses` cosigned
/// it (C2SP tlog-policy's `group k`).
#[derive(Clone, Debug)]
pub struct WitnessPolicy {
    log: NoteKey,
    witnesses: Vec<NoteKey>,
    quorum: usize,
}

/// A checkpoint that meets a policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WitnessedCheckpoint {
    /// The checkpoint.
    pub checkpoint: SignedCheckpoint,
    /// The witnesses that cosigned it, with their times.
    pub cosigners: Vec<(String, u64)>,
}

impl WitnessPolicy {
    /// `quorum` of `witnesses` must cosign checkpoints signed by `log` (whose name is the
    /// origin). A quorum of 0 or above the number of witnesses can never be met usefully and is
    /// refused.
    ///
    /// # Errors
    /// [`PolicyError::Quorum`] for such a quorum.
    pub fn new(log: NoteKey, witnesses: Vec<NoteKey>, quorum: usize) -> Result<Self, PolicyError> {
        if log.role() != KeyRole::Log {
            return Err(PolicyError::Keys("the log's key is a witness key"));
        }
        for (i, w) in witnesses.iter().enumerate() {
            if w.role() != KeyRole::Witness {
                return Err(PolicyError::Keys("a witness key is a log key"));
            }
            // One witness, one vote: a key listed twice (under any name), or two keys under one
            // name, would let one cosignature count twice or make the quorum unreachable.
            if witnesses[..i]
                .iter()
                .any(|o| o.public == w.public || o.name() == w.name())
            {
                return Err(PolicyError::Keys("a witness is listed twice"));
            }
        }
        if quorum == 0 || quorum > witnesses.len() {
            return Err(PolicyError::Quorum {
                got: witnesses.len(),
                needed: quorum,
            });
        }
        Ok(Self {
            log,
            witnesses,
            quorum,
        })
    }

    /// Verifies `note`: the log's signature, and cosignatures by at least the quorum of
    /// distinct witnesses.
    ///
    /// # Errors
    /// [`PolicyError`].
    pub fn check(&self, note: &str) -> Result<WitnessedCheckpoint, PolicyError> {
        // The log's signature strictly; cosignatures one by one, a bad one only not counted.
        let (checkpoint, _) =
            SignedCheckpoint::verify(note, self.log.name(), core::slice::from_ref(&self.log))?;
        let cosigners: Vec<(String, u64)> = Note::parse(note)?
            .valid_cosignatures(&self.witnesses)
            .into_iter()
            .map(|(key, time)| (key.name().to_owned(), time))
            .collect();
        if cosigners.len() < self.quorum {
            return Err(PolicyError::Quorum {
                got: cosigners.len(),
                needed: self.quorum,
            });
        }
        Ok(WitnessedCheckpoint {
            checkpoint,
            cosigners,
        })
    }
}
