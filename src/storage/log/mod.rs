//! The embedded durable audit log: one writer process per directory, group commit into a
//! CRC32C-framed segment, a tree cache and an anti-rollback anchor beside it. What it stores
//! (entries, checkpoints, proofs, tiles) is defined in [`crate::audit`]; this module only keeps
//! it on disk, as an [`AuditSink`](crate::audit::AuditSink) and a
//! [`StatusObserver`](crate::status::StatusObserver).

mod anchor;
mod cache;
mod observer;
mod proofs;
pub mod reader;
pub mod segment;
mod writer;

pub use reader::{LogReader, verify_dir, verify_dir_full};
pub use segment::{Frame, LogSummary, SegmentError, parse_frame, verify_segment};
pub use writer::AuditLog;
