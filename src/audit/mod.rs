//! The tamper-evident audit log: RFC 9162 Merkle math, hash-chained entries, C2SP signed
//! checkpoints, a durable file store with group commit, and offline proof bundles.

mod anchor;
pub mod bundle;
mod cache;
pub mod entry;
mod error;
pub mod merkle;
pub mod note;
pub mod objects;
pub mod observer;
pub mod publish;
pub mod reader;
pub mod segment;
mod sink;
pub mod store;
pub mod subtree;
pub mod tile_client;
pub mod tiles;
pub mod witness;

pub use bundle::{CheckpointAuditor, ConsistencyBundle, InclusionBundle};
pub use entry::{AuditEntry, Event, EventKind};
pub use note::{KeyRole, NoteKey, SignedCheckpoint};
pub use reader::LogReader;
pub use store::{AuditLog, AuditSink, LogError, Receipt};
