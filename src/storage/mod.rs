//! Durable stores behind the seams the layers below define, each a file format of its own:
//! the embedded audit log ([`AuditLog`], an [`AuditSink`](crate::audit::AuditSink) and the
//! registry's [`StatusObserver`](crate::status::StatusObserver)), the status registry's journal
//! ([`FileStatusStore`], a [`StatusStore`](crate::status::StatusStore)), a directory of
//! published objects ([`DirectoryObjects`], the embedded target for tlog-tiles and status
//! lists, servable by any static HTTP server) and a witness's state ([`FileWitnessStore`]).
//! Database and object-store backends implement the same seams in crates of their own, so
//! that the mobile library links none of them.

mod directory;
pub mod journal;
pub mod log;
mod status_objects;
mod witness_file;

pub use directory::{DirectoryObjects, PublisherLock};
pub use journal::FileStatusStore;
pub use log::{AuditLog, LogReader};
pub use status_objects::{
    STATUS_LIST_CLOCK_SKEW_SECS, STATUS_LIST_DEFAULT_MAX_AGE_SECS, StatusPublishError,
    publish_status_list,
};
pub use witness_file::FileWitnessStore;
