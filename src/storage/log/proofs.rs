//! Offline bundles and tlog-tiles publication straight from the file log.

use crate::audit::LogError;
use crate::audit::bundle::{ConsistencyBundle, InclusionBundle};
use crate::audit::note::SignedCheckpoint;
use crate::audit::objects::{ObjectSink, StoreError};
use crate::audit::publish::{PublishError, Publisher};
use crate::storage::log::reader::LogReader;
use crate::storage::log::writer::AuditLog;

impl LogReader {
    /// The inclusion bundle of entry `index` against the latest checkpoint.
    ///
    /// # Errors
    /// [`LogError`] if `index` is not durable or the entry cannot be read.
    pub fn inclusion_bundle(&self, index: u64) -> Result<InclusionBundle, LogError> {
        let checkpoint = self.checkpoint();
        let size = checkpoint.checkpoint.size;
        Ok(InclusionBundle {
            entry: self.entry(index)?,
            index,
            proof: self.inclusion_proof(index, size)?,
            checkpoint_note: checkpoint.note,
        })
    }

    /// The consistency bundle from `old_size` to the latest checkpoint.
    ///
    /// # Errors
    /// [`LogError::Proof`] if `old_size` is beyond the log.
    pub fn consistency_bundle(&self, old_size: u64) -> Result<ConsistencyBundle, LogError> {
        let checkpoint = self.checkpoint();
        Ok(ConsistencyBundle {
            old_size,
            proof: self.consistency_proof(old_size, checkpoint.checkpoint.size)?,
            checkpoint_note: checkpoint.note,
        })
    }
}

impl AuditLog {
    /// The inclusion bundle of entry `index` against the latest checkpoint.
    ///
    /// # Errors
    /// [`LogError`] if `index` is not durable or the entry cannot be read.
    pub fn inclusion_bundle(&self, index: u64) -> Result<InclusionBundle, LogError> {
        self.distrust_cache(self.reader().inclusion_bundle(index))
    }

    /// The consistency bundle from `old_size` to the latest checkpoint.
    ///
    /// # Errors
    /// [`LogError::Proof`] if `old_size` is beyond the log.
    pub fn consistency_bundle(&self, old_size: u64) -> Result<ConsistencyBundle, LogError> {
        self.distrust_cache(self.reader().consistency_bundle(old_size))
    }
}

impl LogReader {
    /// Publishes this log's entries since `publisher`'s size and its latest checkpoint.
    ///
    /// # Errors
    /// [`PublishError`].
    pub fn publish(
        &self,
        publisher: &mut Publisher,
        sink: &dyn ObjectSink,
    ) -> Result<SignedCheckpoint, PublishError> {
        let checkpoint = self.checkpoint();
        publisher.publish(
            &checkpoint,
            |from, to| {
                (from..to)
                    .map(|i| {
                        self.entry(i)
                            .map_err(|e: LogError| Box::new(e) as StoreError)
                    })
                    .collect()
            },
            sink,
        )?;
        Ok(checkpoint)
    }
}
