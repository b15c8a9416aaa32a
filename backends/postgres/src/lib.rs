//! PostgreSQL backend for yinzheng: one audit log shared by many issuing services on many
//! hosts, sequenced in one database and integrated into signed checkpoints by one process at a
//! time, optionally published as C2SP tlog-tiles to any [`ObjectSink`].
//!
//! The shape is Tessera's: appends take a coordination row (`yz_log_head`) `FOR UPDATE`,
//! write a contiguous index range and move the row on, all in one transaction, so indices
//! have no gaps and no duplicates whatever the number of writers; an integrator holding an
//! advisory lock reads the new rows, checks their hash chain, extends the tree and signs a
//! checkpoint. Appends from threads of one process are committed together (group commit).
//!
//! Everything lives in the connection's `current_schema()`: one log per schema. Migrations
//! are versioned (`yz_schema_version`) and run when a log is opened.
//!
//! ```no_run
//! use yinzheng::audit::{Event, EventKind, KeyRole, NoteKey};
//! use yinzheng::crypto::{Ed25519SigningKey, Signer as _};
//! use yinzheng::time::UnixTime;
//! use yinzheng_postgres::PgLog;
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let log_key = Ed25519SigningKey::from_seed(&[7; 32]);
//! let origin = "audit.example.gov.cn/platform";
//! let key = NoteKey::new(origin, KeyRole::Log, log_key.public_key())?;
//! let log = PgLog::connect("postgres://postgres@127.0.0.1:55432/postgres", origin, key)?
//!     .with_signer(log_key)?;
//! let event = Event {
//!     kind: EventKind::CertificateIssued,
//!     actor_key_id: [1; 32],
//!     subject: b"certificate-1".to_vec(),
//!     object_digest: [2; 32],
//!     attributes: Vec::new(),
//! };
//! let sequenced = log.sequence(vec![event], UnixTime::from_secs(1_780_000_000))?;
//! let checkpoint = log.integrate()?.expect("no other integrator in this example");
//! assert!(checkpoint.checkpoint.size > sequenced[0].index);
//! # Ok(())
//! # }
//! ```
//!
//! [`ObjectSink`]: yinzheng::audit::objects::ObjectSink

mod connection;
mod error;
mod integrate;
mod log;
mod registry;
mod schema;

pub use error::PgError;
pub use log::{PgLog, Sequenced};
pub use registry::PgStatusRegistry;
pub use schema::SCHEMA_VERSION;
