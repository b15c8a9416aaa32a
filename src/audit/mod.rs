//! The tamper-evident audit log: RFC 9162 Merkle math, hash-chained entries, C2SP signed
//! checkpoints, a durable file store with group commit, and offline proof bundles.

pub mod entry;
pub mod merkle;
pub mod note;
