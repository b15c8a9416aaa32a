//! The seam between issuing and the log: [`AuditSink`], anything that records audit events
//! durably (the file log, or a remote log behind a service), and the [`Receipt`] it returns.

use crate::audit::entry::Event;
use crate::audit::error::LogError;
use crate::audit::merkle::Hash;
use crate::audit::note::SignedCheckpoint;
use crate::time::UnixTime;

/// What an append returns once the entry is durable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// The entry's index.
    pub index: u64,
    /// Its leaf hash.
    pub leaf_hash: Hash,
    /// A signed checkpoint that covers it (already durable).
    pub checkpoint: SignedCheckpoint,
}

/// Anything that records audit events: the file log, or a remote log behind a service.
pub trait AuditSink: Send + Sync {
    /// Records `event` at `at`; returns once it is durable.
    ///
    /// # Errors
    /// [`LogError`] if it could not be recorded.
    fn record(&self, event: Event, at: UnixTime) -> Result<Receipt, LogError>;

    /// Records `events` at `at`, in order; returns once all are durable. Sinks that can
    /// commit many events at once (the file log: one fdatasync) override this.
    ///
    /// # Errors
    /// [`LogError`] if they could not all be recorded.
    fn record_batch(&self, events: Vec<Event>, at: UnixTime) -> Result<Vec<Receipt>, LogError> {
        events.into_iter().map(|e| self.record(e, at)).collect()
    }

    /// How many entries the sink holds, if it can tell (recovery starts its search there).
    fn recorded_size(&self) -> Option<u64> {
        None
    }

    /// The object digests of the certificate issuances recorded at index `from` or later,
    /// with their indices; `None` if the sink cannot read back (recovery then records again,
    /// at least once instead of exactly once).
    ///
    /// # Errors
    /// [`LogError`] if reading fails.
    fn issued_since(&self, from: u64) -> Result<Option<Vec<(u64, Hash)>>, LogError> {
        let _ = from;
        Ok(None)
    }
}
