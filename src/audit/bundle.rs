//! Offline artefacts for auditors who hold nothing but the log's public key.
//!
//! Inclusion bundle: a C2SP `tlog-proof@v1` whose `extra` line carries the entry itself:
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! extra <base64 entry>
//! index <i>
//! <base64 hash>            one line per proof hash
//!
//! <signed checkpoint note>
//! ```
//!
//! Consistency bundle: the C2SP `tlog-witness` `add-checkpoint` request body:
//!
//! ```text
//! old <size>
//! <base64 hash>            one line per proof hash
//!
//! <signed checkpoint note>
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

use crate::audit::entry::AuditEntry;
use crate::audit::merkle::{self, Hash, MAX_PROOF_LEN, ProofError};
use crate::audit::note::{NoteError, NoteKey, SignedCheckpoint, parse_decimal};

/// Why a bundle was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// The text is not a bundle.
    #[error("malformed bundle: {0}")]
    Malformed(&'static str),
    /// The checkpoint note does not verify under the log key.
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] NoteError),
    /// The proof does not match the checkpoint.
    #[error("proof: {0}")]
    Proof(#[from] ProofError),
    /// The entry bytes are not an entry.
    #[error("entry: {0}")]
    Entry(#[from] crate::audit::entry::EntryError),
}

fn proof_lines(proof: &[Hash]) -> String {
    proof.iter().map(|h| B64.encode(h) + "\n").collect()
}

fn parse_hash(line: &str) -> Result<Hash, BundleError> {
    B64.decode(line)
        .ok()
        .and_then(|h| h.try_into().ok())
        .ok_or(BundleError::Malformed("proof line is not a base64 hash"))
}

/// Splits a bundle into its header lines and the checkpoint note after the blank line.
fn split_bundle(text: &str) -> Result<(core::str::Split<'_, char>, &str), BundleError> {
    let (head, note) = text.split_once("\n\n").ok_or(BundleError::Malformed(
        "no blank line before the checkpoint",
    ))?;
    Ok((head.split('\n'), note))
}

/// A header line `<prefix><strict decimal>`.
fn decimal_line(line: Option<&str>, prefix: &str, what: &'static str) -> Result<u64, BundleError> {
    line.and_then(|l| l.strip_prefix(prefix))
        .and_then(parse_decimal)
        .ok_or(BundleError::Malformed(what))
}

/// The remaining lines as proof hashes, at most [`MAX_PROOF_LEN`].
fn proof_lines_from<'a>(lines: impl Iterator<Item = &'a str>) -> Result<Vec<Hash>, BundleError> {
    let proof = lines.map(parse_hash).collect::<Result<Vec<_>, _>>()?;
    if proof.len() > MAX_PROOF_LEN {
        return Err(BundleError::Malformed("proof too long"));
    }
    Ok(proof)
}

/// An entry with its inclusion proof and a checkpoint covering it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InclusionBundle {
    /// The encoded entry.
    pub entry: Vec<u8>,
    /// Its index.
    pub index: u64,
    /// The proof hashes.
    pub proof: Vec<Hash>,
    /// The signed checkpoint the proof leads to.
    pub checkpoint_note: String,
}

/// What verifying an inclusion bundle established.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedInclusion {
    /// The entry, now known to be in the log.
    pub entry: AuditEntry,
    /// Its index.
    pub index: u64,
    /// The checkpoint that covers it.
    pub checkpoint: SignedCheckpoint,
}

impl InclusionBundle {
    /// The bundle text.
    #[must_use]
    pub fn encode(&self) -> String {
        format!(
            "c2sp.org/tlog-proof@v1\nextra {}\nindex {}\n{}\n{}",
            B64.encode(&self.entry),
            self.index,
            proof_lines(&self.proof),
            self.checkpoint_note
        )
    }

    /// Parses bundle text.
    ///
    /// # Errors
    /// [`BundleError::Malformed`].
    pub fn parse(text: &str) -> Result<Self, BundleError> {
        let (mut lines, note) = split_bundle(text)?;
        if lines.next() != Some("c2sp.org/tlog-proof@v1") {
            return Err(BundleError::Malformed("not a c2sp.org/tlog-proof@v1"));
        }
        let entry = lines
            .next()
            .and_then(|l| l.strip_prefix("extra "))
            .and_then(|e| B64.decode(e).ok())
            .ok_or(BundleError::Malformed("missing extra line with the entry"))?;
        let index = decimal_line(lines.next(), "index ", "missing index line")?;
        Ok(Self {
            entry,
            index,
            proof: proof_lines_from(lines)?,
            checkpoint_note: note.to_owned(),
        })
    }

    /// Verifies with nothing but the log's origin and key(s): the checkpoint signature, the
    /// entry's encoding, and the proof from the entry's leaf hash to the checkpoint's root.
    ///
    /// # Errors
    /// [`BundleError`] describing the first failure.
    pub fn verify(&self, origin: &str, keys: &[NoteKey]) -> Result<VerifiedInclusion, BundleError> {
        let (checkpoint, _) = SignedCheckpoint::verify(&self.checkpoint_note, origin, keys)?;
        let entry = AuditEntry::decode(&self.entry)?;
        let cp = &checkpoint.checkpoint;
        merkle::verify_inclusion(
            &merkle::leaf_hash(&self.entry),
            self.index,
            cp.size,
            &self.proof,
            &cp.root,
        )?;
        Ok(VerifiedInclusion {
            entry,
            index: self.index,
            checkpoint,
        })
    }
}

/// A newer checkpoint and the proof that it extends a tree of size `old_size`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsistencyBundle {
    /// The size the proof starts from.
    pub old_size: u64,
    /// The proof hashes.
    pub proof: Vec<Hash>,
    /// The newer signed checkpoint.
    pub checkpoint_note: String,
}

impl ConsistencyBundle {
    /// The bundle text (a tlog-witness `add-checkpoint` body).
    #[must_use]
    pub fn encode(&self) -> String {
        format!(
            "old {}\n{}\n{}",
            self.old_size,
            proof_lines(&self.proof),
            self.checkpoint_note
        )
    }

    /// Parses bundle text.
    ///
    /// # Errors
    /// [`BundleError::Malformed`].
    pub fn parse(text: &str) -> Result<Self, BundleError> {
        let (mut lines, note) = split_bundle(text)?;
        let old_size = decimal_line(lines.next(), "old ", "missing old line")?;
        Ok(Self {
            old_size,
            proof: proof_lines_from(lines)?,
            checkpoint_note: note.to_owned(),
        })
    }
}

/// Signed statements by one log that cannot all be true: portable proof of a fork. Anyone
/// holding the log's key can re-check it with [`Evidence::check`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    /// The checkpoint the auditor held.
    pub held: String,
    /// The checkpoint offered, signed by the same log.
    pub offered: String,
    /// Empty when both checkpoints have one size and different roots; otherwise a
    /// consistency proof from the held size that reproduces the offered root but implies
    /// another root for the held size.
    pub proof: Vec<Hash>,
}

impl Evidence {
    /// Whether the evidence proves a fork of the log `origin` signed by `keys`.
    ///
    /// # Errors
    /// [`BundleError`] if a checkpoint does not verify or the statements do not contradict
    /// each other.
    pub fn check(&self, origin: &str, keys: &[NoteKey]) -> Result<(), BundleError> {
        let (held, _) = SignedCheckpoint::verify(&self.held, origin, keys)?;
        let (offered, _) = SignedCheckpoint::verify(&self.offered, origin, keys)?;
        if contradiction(&held, &offered, &self.proof) {
            Ok(())
        } else {
            Err(BundleError::Malformed(
                "the checkpoints do not contradict each other",
            ))
        }
    }
}

/// Whether `held` and `offered` (both verified) with `proof` are a fork: one size with two
/// roots, or a proof that yields the offered root and another head for the held size.
fn contradiction(held: &SignedCheckpoint, offered: &SignedCheckpoint, proof: &[Hash]) -> bool {
    let (h, o) = (&held.checkpoint, &offered.checkpoint);
    if h.size == o.size {
        return proof.is_empty() && h.root != o.root;
    }
    // Only a proof that does not carry the held head itself can contradict it.
    h.size < o.size
        && !h.size.is_power_of_two()
        && merkle::consistency_roots(h.size, o.size, proof, &h.root)
            .is_ok_and(|(old, new)| new == o.root && old != h.root)
}

/// Why an auditor refused a checkpoint. Only [`UpdateError::Inconsistent`] accuses the log;
/// every other refusal may be a damaged or stale message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UpdateError {
    /// The bundle is malformed or its checkpoint does not verify.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// The offered checkpoint is older than the one held (a stale copy, or a rollback).
    #[error("the offered checkpoint (size {offered}) is older than the held one ({held})")]
    Older {
        /// Size of the held checkpoint.
        held: u64,
        /// Size of the offered one.
        offered: u64,
    },
    /// The bundle's `old` line is not the size of the held checkpoint.
    #[error("the bundle proves from size {stated}, but the held checkpoint has size {held}")]
    WrongOldSize {
        /// Size of the held checkpoint.
        held: u64,
        /// Size the bundle names.
        stated: u64,
    },
    /// The proof does not lead from the held checkpoint to the offered one (damaged, or made
    /// for other trees); it proves nothing either way.
    #[error("the consistency proof does not verify")]
    BadProof,
    /// Signed checkpoints that contradict each other: the log forked.
    #[error("the log presented inconsistent checkpoints")]
    Inconsistent(Box<Evidence>),
}

/// An auditor's view of one log: its key and the newest checkpoint verified so far. Updates
/// only move forward along one history.
#[derive(Clone, Debug)]
pub struct CheckpointAuditor {
    origin: String,
    keys: Vec<NoteKey>,
    newest: Option<SignedCheckpoint>,
}

impl CheckpointAuditor {
    /// An auditor for `origin` trusting `keys`, optionally starting from a checkpoint it
    /// already holds.
    #[must_use]
    pub fn new(origin: &str, keys: Vec<NoteKey>, newest: Option<SignedCheckpoint>) -> Self {
        Self {
            origin: origin.to_owned(),
            keys,
            newest,
        }
    }

    /// The newest checkpoint accepted.
    #[must_use]
    pub fn newest(&self) -> Option<&SignedCheckpoint> {
        self.newest.as_ref()
    }

    /// Accepts a checkpoint if it is signed and consistent with the one held (the same one
    /// again is accepted).
    ///
    /// # Errors
    /// [`UpdateError::Inconsistent`] with the evidence when the log provably forked; any
    /// other [`UpdateError`] when the bundle proves nothing.
    pub fn update(&mut self, bundle: &ConsistencyBundle) -> Result<&SignedCheckpoint, UpdateError> {
        let (offered, _) =
            SignedCheckpoint::verify(&bundle.checkpoint_note, &self.origin, &self.keys)
                .map_err(BundleError::from)?;
        if let Some(held) = &self.newest {
            let (h, o) = (&held.checkpoint, &offered.checkpoint);
            if o.size < h.size {
                return Err(UpdateError::Older {
                    held: h.size,
                    offered: o.size,
                });
            }
            let proof: &[Hash] = if o.size == h.size { &[] } else { &bundle.proof };
            if contradiction(held, &offered, proof) {
                return Err(UpdateError::Inconsistent(Box::new(Evidence {
                    held: held.note.clone(),
                    offered: offered.note.clone(),
                    proof: proof.to_vec(),
                })));
            }
            if bundle.old_size != h.size {
                return Err(UpdateError::WrongOldSize {
                    held: h.size,
                    stated: bundle.old_size,
                });
            }
            // Every tree extends the empty one; from it, only an empty proof is well formed.
            let extends = if h.size == 0 {
                bundle.proof.is_empty()
            } else {
                merkle::verify_consistency(h.size, o.size, &bundle.proof, &h.root, &o.root).is_ok()
            };
            if !extends {
                return Err(UpdateError::BadProof);
            }
        }
        Ok(self.newest.insert(offered))
    }
}
