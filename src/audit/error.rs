//! Why the log could not open, append, read or prove: one error for the writer, the reader
//! and the directory checks.

use crate::audit::entry::EntryError;
use crate::audit::merkle::ProofError;
use crate::audit::note::NoteError;

/// Why the log could not open, append or prove.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LogError {
    /// An I/O operation failed.
    #[error("I/O error while {context}: {kind}")]
    Io {
        /// What the log was doing.
        context: &'static str,
        /// The error kind.
        kind: std::io::ErrorKind,
    },
    /// Another writer holds the log.
    #[error("the log is locked by another writer")]
    Locked,
    /// The files are not a log of this origin (or not a log at all).
    #[error("not a log of this origin: {0}")]
    WrongLog(&'static str),
    /// Acknowledged data is damaged.
    #[error("the log is corrupt at byte {offset}: {what}")]
    Corrupt {
        /// Where the damage starts.
        offset: u64,
        /// What is wrong.
        what: &'static str,
    },
    /// The log holds fewer entries than the anchor recorded as acknowledged.
    #[error("rollback: the anchor records {anchor_size} entries, the log has {found}")]
    Rollback {
        /// Size recorded by the anchor.
        anchor_size: u64,
        /// Size found in the segment.
        found: u64,
    },
    /// The segment holds entries but its anchor is gone. Every log writes its anchor before
    /// its first entry, so this is a deleted (or lost) anchor — the one file that tells a
    /// rolled-back log from a short one. Restore it from a backup.
    #[error("the log holds {found} entries but its anchor is missing")]
    AnchorMissing {
        /// Entries found in the segment.
        found: u64,
    },
    /// The log's history differs from the one the anchor recorded.
    #[error("fork: the root at size {size} differs from the anchor's")]
    Fork {
        /// The anchor's size.
        size: u64,
    },
    /// The checkpoints are signed by another key than the one given.
    #[error("the log's checkpoints are not signed by this key")]
    WrongKey,
    /// A previous sync failed; reopen the log.
    #[error("a previous write failed; reopen the log")]
    Poisoned,
    /// The event does not fit the entry format.
    #[error(transparent)]
    Entry(#[from] EntryError),
    /// Signing or checking a checkpoint failed.
    #[error("checkpoint: {0}")]
    Checkpoint(String),
    /// A proof was asked for sizes or indices outside the log.
    #[error(transparent)]
    Proof(#[from] ProofError),
    /// A storage backend (a database behind the log) failed or refused; the text says
    /// what it was doing and why.
    #[error("log backend: {0}")]
    Backend(String),
    /// The tree cache beside the segment gave a proof that does not check against the signed
    /// head (it is rebuilt from the segment when the writer next opens the log).
    #[error("the tree cache (log.hashes, log.offsets) disagrees with the signed checkpoint")]
    CacheDamaged,
}

pub(crate) fn io(context: &'static str) -> impl Fn(std::io::Error) -> LogError {
    move |e| LogError::Io {
        context,
        kind: e.kind(),
    }
}

pub(crate) fn note_error(e: NoteError) -> LogError {
    LogError::Checkpoint(e.to_string())
}
