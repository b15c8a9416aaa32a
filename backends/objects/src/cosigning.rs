//! [`CosigningTarget`]: a tiles target whose checkpoint is witnessed before anyone can read
//! it. Every object passes through to the target untouched except the checkpoint, which the
//! publisher writes last (after the tiles it covers): that one is first sent to each witness
//! with a consistency proof built from the tiles just written, and what is published is the
//! note with the cosignatures that came back. With fewer than the quorum the checkpoint is not
//! written at all: readers keep the last witnessed one, and the next publication tries again.
//!
//! It wraps any target, so the database integrator (`PgLog::with_tiles`) and the file log's
//! publisher both collect cosignatures the same way.

use std::sync::Mutex;

use yinzheng::audit::note::{NoteKey, SignedCheckpoint};
use yinzheng::audit::objects::{ObjectSink, ObjectSource, Put, SinkError, SourceError};
use yinzheng::audit::tile_client::{ClientError, TileClient};
use yinzheng::audit::tiles::CHECKPOINT_PATH;

use crate::witness_http::WitnessClient;

/// A target that publishes only checkpoints cosigned by `quorum` of its witnesses.
#[derive(Debug)]
pub struct CosigningTarget<T> {
    inner: T,
    origin: String,
    log_key: NoteKey,
    witnesses: Vec<WitnessClient>,
    quorum: usize,
    /// What each witness is believed to hold (0 until it first answers): the size the next
    /// consistency proof starts from. A wrong guess costs one 409 and a second proof.
    believed: Mutex<Vec<u64>>,
}

impl<T: ObjectSink + ObjectSource> CosigningTarget<T> {
    /// Wraps `inner` for the log `log_key` names; checkpoints are published once `quorum` of
    /// `witnesses` (at least one) cosigned them.
    ///
    /// # Errors
    /// When `quorum` is 0 or larger than the number of witnesses.
    pub fn new(
        inner: T,
        log_key: NoteKey,
        witnesses: Vec<WitnessClient>,
        quorum: usize,
    ) -> Result<Self, &'static str> {
        if quorum == 0 || quorum > witnesses.len() {
            return Err("the quorum must be between 1 and the number of witnesses");
        }
        Ok(Self {
            inner,
            origin: log_key.name().to_owned(),
            believed: Mutex::new(vec![0; witnesses.len()]),
            log_key,
            witnesses,
            quorum,
        })
    }

    /// The wrapped target.
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// `note` with the cosignatures of every witness that gave one; an error naming each
    /// failure when fewer than the quorum did.
    fn cosign(&self, note: &str) -> Result<String, String> {
        let keys = std::slice::from_ref(&self.log_key);
        let checkpoint = SignedCheckpoint::verify(note, &self.origin, keys)
            .map_err(|e| format!("the checkpoint to publish does not verify: {e}"))?
            .0;
        let reader = TileClient::new(&self.inner, &self.origin, keys.to_vec());
        let prove = |old: u64| -> Result<_, ClientError> {
            let root = reader.root_at(&checkpoint, old)?;
            reader.consistency_bundle(old, &root, &checkpoint)
        };
        let mut believed = self
            .believed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut cosigned = note.to_owned();
        let mut failures = Vec::new();
        let mut got = 0;
        for (witness, held) in self.witnesses.iter().zip(believed.iter_mut()) {
            // Each witness is sent the log's note alone; its answer is added to the others'.
            match witness.cosign(&cosigned, *held, prove) {
                Ok(with_this_one) => {
                    cosigned = with_this_one;
                    *held = checkpoint.checkpoint.size;
                    got += 1;
                }
                Err(e) => failures.push(e.to_string()),
            }
        }
        if got < self.quorum {
            return Err(format!(
                "{got} of the required {} witnesses cosigned: {}",
                self.quorum,
                failures.join("; ")
            ));
        }
        Ok(cosigned)
    }
}

impl<T: ObjectSink + ObjectSource> ObjectSink for CosigningTarget<T> {
    fn put(&self, path: &str, bytes: &[u8], put: Put) -> Result<(), SinkError> {
        if path != CHECKPOINT_PATH {
            return self.inner.put(path, bytes, put);
        }
        let refused = |message: String| SinkError::Store {
            path: path.to_owned(),
            source: message.into(),
        };
        let note = std::str::from_utf8(bytes).map_err(|_| refused("not UTF-8".into()))?;
        let cosigned = self.cosign(note).map_err(refused)?;
        self.inner.put(path, cosigned.as_bytes(), put)
    }
}

impl<T: ObjectSource> ObjectSource for CosigningTarget<T> {
    fn fetch(&self, path: &str, max_len: usize) -> Result<Option<Vec<u8>>, SourceError> {
        self.inner.fetch(path, max_len)
    }
}
