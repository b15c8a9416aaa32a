//! The file log as the status registry's observer (the events are defined in
//! [`crate::audit::observer`]).

use crate::audit::observer::{changes_recorded_since, list_published_event, status_change_event};
use crate::status::{ObserverError, RecordedChange, StatusChange, StatusObserver};
use crate::storage::log::writer::AuditLog;
use crate::time::UnixTime;

impl StatusObserver for AuditLog {
    fn status_changed(&self, change: &StatusChange) -> Result<(), ObserverError> {
        self.append(status_change_event(change), change.at)?;
        Ok(())
    }

    fn list_published(
        &self,
        uri: &str,
        digest: [u8; 32],
        signer_key_id: [u8; 32],
        at: UnixTime,
    ) -> Result<(), ObserverError> {
        self.append(list_published_event(uri, digest, signer_key_id), at)?;
        Ok(())
    }

    /// Reads the log backwards until the first change of this registry older than `from`.
    fn recorded_since(
        &self,
        uri_prefix: &str,
        from: u64,
    ) -> Result<Option<Vec<RecordedChange>>, ObserverError> {
        changes_recorded_since(self.size(), |i| self.entry(i), uri_prefix, from).map(Some)
    }
}
