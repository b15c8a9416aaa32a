//! The tamper-evident audit log: RFC 9162 Merkle math, hash-chained entries, C2SP signed
//! checkpoints, offline proof bundles, tlog-tiles and witnessing: what is logged and proved,
//! not where it is kept (the file log is in [`crate::storage`], the database log a crate of its
//! own).

pub mod bundle;
pub mod entry;
pub(crate) mod error;
pub mod merkle;
pub mod note;
pub mod objects;
pub mod observer;
pub mod publish;
mod sink;
pub mod subtree;
pub mod tile_client;
pub mod tiles;
pub mod witness;

pub use bundle::{CheckpointAuditor, ConsistencyBundle, InclusionBundle};
pub use entry::{AuditEntry, Event, EventKind};
pub use error::LogError;
pub use note::{KeyRole, NoteKey, SignedCheckpoint};
pub use sink::{AuditSink, Receipt};
