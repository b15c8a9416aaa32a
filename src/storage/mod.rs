//! Durable stores behind the seams the layers below define: a directory of published objects
//! ([`DirectoryObjects`], the embedded target for tlog-tiles and status lists, servable by
//! any static HTTP server) and a witness's state ([`FileWitnessStore`]). Database and object-store backends live in their own crate, so
//! that the mobile library links none of them.

mod directory;
mod witness_file;

pub use directory::{DirectoryObjects, PublisherLock};
pub use witness_file::FileWitnessStore;
