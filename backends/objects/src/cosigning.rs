//! [`CosigningTarget`]: a tiles target whose checkpoint is witnessed before anyone can read
//! it. Every object passes through to the target untouched except the checkpoint, which the
//! publisher writes last (after the tiles it covers): that one is sent to every witness at once
//! with a consistency proof built from the tiles just written, and what is published is the
//! note with the cosignatures that came back. With fewer than the quorum the checkpoint is not
//! written at all: readers keep the last witnessed one, and the next publication tries again.
//!
//! It wraps any target, so the database integrator (`PgLog::with_tiles`) and the file log's
//! publisher both collect cosignatures the same way.

use std::collections::HashSet;
use std::sync::Mutex;

use yinzheng::audit::note::{KeyRole, NoteError, NoteKey, SignedCheckpoint};
use yinzheng::audit::objects::{ObjectSink, ObjectSource, Put, SinkError, SourceError};
use yinzheng::audit::tile_client::{ClientError, TileClient};
use yinzheng::audit::tiles::CHECKPOINT_PATH;
use yinzheng::audit::witness::add_cosignatures;

use crate::witness_http::{WitnessClient, WitnessClientError};

/// Why a checkpoint was not witnessed, or a [`CosigningTarget`] not made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CosignError {
    /// The quorum is 0 or more than the witnesses.
    #[error("the quorum must be between 1 and the number of witnesses ({witnesses}), not {quorum}")]
    Quorum {
        /// The quorum asked for.
        quorum: usize,
        /// The witnesses given.
        witnesses: usize,
    },
    /// A witness key or URL is given twice: it would count twice towards the quorum.
    #[error("witness {0} is given twice")]
    DuplicateWitness(String),
    /// The key is not a witness's (`cosignature/v1`) key.
    #[error("{0} is not a witness key")]
    NotAWitnessKey(String),
    /// The checkpoint handed to the target is not the log's.
    #[error("the checkpoint to publish does not verify: {0}")]
    Unverified(NoteError),
    /// Fewer witnesses than the quorum cosigned; each failure is kept (see
    /// [`WitnessClientError::is_fork`]).
    #[error("{got} of the required {quorum} witnesses cosigned: {}", join(.failures))]
    TooFew {
        /// Witnesses that cosigned.
        got: usize,
        /// The quorum.
        quorum: usize,
        /// Why each of the others did not.
        failures: Vec<WitnessClientError>,
    },
}

impl CosignError {
    /// A witness reported a fork (see [`WitnessClientError::is_fork`]).
    #[must_use]
    pub fn is_fork(&self) -> bool {
        matches!(self, Self::TooFew { failures, .. } if failures.iter().any(WitnessClientError::is_fork))
    }
}

fn join(failures: &[WitnessClientError]) -> String {
    let texts: Vec<String> = failures.iter().map(ToString::to_string).collect();
    texts.join("; ")
}

type FailureHook = Box<dyn Fn(&WitnessClientError) + Send + Sync>;

/// A target that publishes only checkpoints cosigned by `quorum` of its witnesses.
pub struct CosigningTarget<T> {
    inner: T,
    origin: String,
    log_key: NoteKey,
    witnesses: Vec<WitnessClient>,
    quorum: usize,
    /// What each witness is believed to hold (0 until it first answers): the size the next
    /// consistency proof starts from. A wrong guess costs one 409 and a second proof.
    believed: Mutex<Vec<u64>>,
    on_failure: FailureHook,
}

impl<T> core::fmt::Debug for CosigningTarget<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CosigningTarget")
            .field("origin", &self.origin)
            .field("witnesses", &self.witnesses)
            .field("quorum", &self.quorum)
            .finish_non_exhaustive()
    }
}

impl<T: ObjectSink + ObjectSource> CosigningTarget<T> {
    /// Wraps `inner` for the log `log_key` names; checkpoints are published once `quorum` of
    /// `witnesses` (at least one) cosigned them.
    ///
    /// # Errors
    /// [`CosignError::Quorum`] when `quorum` is 0 or larger than the number of witnesses;
    /// [`CosignError::DuplicateWitness`] when a key or URL is given twice;
    /// [`CosignError::NotAWitnessKey`] for a key of another role.
    pub fn new(
        inner: T,
        log_key: NoteKey,
        witnesses: Vec<WitnessClient>,
        quorum: usize,
    ) -> Result<Self, CosignError> {
        if quorum == 0 || quorum > witnesses.len() {
            return Err(CosignError::Quorum {
                quorum,
                witnesses: witnesses.len(),
            });
        }
        let mut seen = HashSet::new();
        for (i, witness) in witnesses.iter().enumerate() {
            let key = witness.key();
            if key.role() != KeyRole::Witness {
                return Err(CosignError::NotAWitnessKey(key.to_vkey()));
            }
            // By name as well as by public key: a verifier's policy counts cosigners by name,
            // and one key's cosignature verifies under any name it is listed with.
            if witnesses[..i]
                .iter()
                .any(|earlier| earlier.key().public_key() == key.public_key())
            {
                return Err(CosignError::DuplicateWitness(key.to_vkey()));
            }
            for id in [key.name(), witness.url()] {
                if !seen.insert(id) {
                    return Err(CosignError::DuplicateWitness(id.to_owned()));
                }
            }
        }
        Ok(Self {
            inner,
            origin: log_key.name().to_owned(),
            believed: Mutex::new(vec![0; witnesses.len()]),
            log_key,
            witnesses,
            quorum,
            on_failure: Box::new(|_| {}),
        })
    }

    /// Calls `hook` with every witness failure, also when the quorum was still met (a
    /// witness that falls behind, or reports a fork, should be looked at before it matters).
    #[must_use]
    pub fn on_witness_failure(
        mut self,
        hook: impl Fn(&WitnessClientError) + Send + Sync + 'static,
    ) -> Self {
        self.on_failure = Box::new(hook);
        self
    }

    /// The wrapped target.
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// `note` with the cosignatures of every witness that gave one, all asked at once; an
    /// error holding each failure when fewer than the quorum did.
    fn cosign(&self, note: &str) -> Result<String, CosignError> {
        let keys = std::slice::from_ref(&self.log_key);
        let checkpoint = SignedCheckpoint::verify(note, &self.origin, keys)
            .map_err(CosignError::Unverified)?
            .0;
        let reader = TileClient::new(&self.inner, &self.origin, keys.to_vec());
        let prove = |old: u64| -> Result<_, ClientError> {
            let root = reader.root_at(&checkpoint, old)?;
            reader.consistency_bundle(old, &root, &checkpoint)
        };
        // One publication at a time: the sizes believed are those after the last one.
        let mut believed = self
            .believed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let answers: Vec<_> = std::thread::scope(|scope| {
            let asking: Vec<_> = self
                .witnesses
                .iter()
                .zip(believed.iter())
                .map(|(witness, &held)| {
                    scope.spawn(move || witness.cosignatures(note, held, prove))
                })
                .collect();
            asking
                .into_iter()
                .zip(&self.witnesses)
                .map(|(asked, witness)| {
                    asked.join().unwrap_or_else(|_| {
                        Err(WitnessClientError::Transport {
                            url: witness.url().to_owned(),
                            message: "the request thread panicked".into(),
                        })
                    })
                })
                .collect()
        });
        let mut cosigned = note.to_owned();
        let mut failures = Vec::new();
        let mut got = 0;
        for ((answer, witness), held) in answers
            .into_iter()
            .zip(&self.witnesses)
            .zip(believed.iter_mut())
        {
            match answer.and_then(|lines| {
                add_cosignatures(&cosigned, witness.key(), &lines)
                    .map_err(WitnessClientError::BadCosignature)
            }) {
                Ok(with_this_one) => {
                    cosigned = with_this_one;
                    *held = checkpoint.checkpoint.size;
                    got += 1;
                }
                Err(e) => {
                    (self.on_failure)(&e);
                    failures.push(e);
                }
            }
        }
        if got < self.quorum {
            return Err(CosignError::TooFew {
                got,
                quorum: self.quorum,
                failures,
            });
        }
        Ok(cosigned)
    }
}

impl<T: ObjectSink + ObjectSource> ObjectSink for CosigningTarget<T> {
    fn put(&self, path: &str, bytes: &[u8], put: Put) -> Result<(), SinkError> {
        if path != CHECKPOINT_PATH {
            return self.inner.put(path, bytes, put);
        }
        let refused = |source: yinzheng::audit::objects::StoreError| SinkError::Store {
            path: path.to_owned(),
            source,
        };
        let note = std::str::from_utf8(bytes).map_err(|_| refused("not UTF-8".into()))?;
        let cosigned = self.cosign(note).map_err(|e| refused(Box::new(e)))?;
        self.inner.put(path, cosigned.as_bytes(), put)
    }
}

impl<T: ObjectSource> ObjectSource for CosigningTarget<T> {
    fn fetch(&self, path: &str, max_len: usize) -> Result<Option<Vec<u8>>, SourceError> {
        self.inner.fetch(path, max_len)
    }
}
