//! A log published as C2SP tlog-tiles, read from a directory or through the app's own HTTP
//! stack ([`ObjectFetcher`]), so the library links no network client; witnessing and witness
//! policies.

use std::sync::Arc;
use std::time::SystemTime;

use yinzheng::audit;
use yinzheng::audit::objects::{ObjectSource, SourceError};
use yinzheng::audit::tile_client::TileClient;
use yinzheng::storage::{DirectoryObjects, FileWitnessStore};

use crate::audit::{AuditLog, note_keys};
use crate::convert::to_unix;
use crate::error::{YinzhengError, audit_rejected};
use crate::signer::{ForeignSigner, Signer};

/// Fetches a published log's objects (`checkpoint`, `tile/0/000`, …) from wherever the app
/// keeps or downloads them, e.g. `GET <log URL>/<path>`.
#[uniffi::export(foreign)]
pub trait ObjectFetcher: Send + Sync {
    /// The object at `path`, or `None` if there is none (HTTP 404). Return at most
    /// `max_len + 1` bytes: more is refused.
    ///
    /// # Errors
    /// When the object cannot be fetched (network, server error).
    fn fetch(&self, path: String, max_len: u64) -> Result<Option<Vec<u8>>, YinzhengError>;
}

/// Adapts a foreign fetcher to the core's source.
struct ForeignSource(Arc<dyn ObjectFetcher>);

impl ObjectSource for ForeignSource {
    fn fetch(&self, path: &str, max_len: usize) -> Result<Option<Vec<u8>>, SourceError> {
        let got =
            self.0
                .fetch(path.to_owned(), max_len as u64)
                .map_err(|e| SourceError::Store {
                    path: path.to_owned(),
                    source: Box::new(e),
                })?;
        match got {
            Some(bytes) if bytes.len() > max_len => Err(SourceError::TooLong {
                path: path.to_owned(),
                limit: max_len,
            }),
            other => Ok(other),
        }
    }
}

/// A log published as tlog-tiles, read and proven offline against its signed checkpoint.
#[derive(uniffi::Object)]
pub struct PublishedLog {
    client: TileClient<Box<dyn ObjectSource>>,
}

fn client_error(e: audit::tile_client::ClientError) -> YinzhengError {
    audit_rejected(e)
}

#[uniffi::export]
impl PublishedLog {
    /// The log published in directory `dir`, for `origin` under `verifier_keys` (the log's
    /// C2SP vkey, and witnesses' to check cosignatures with).
    ///
    /// # Errors
    /// [`YinzhengError::InvalidKey`].
    #[uniffi::constructor]
    pub fn open_directory(
        dir: String,
        origin: String,
        verifier_keys: Vec<String>,
    ) -> Result<Arc<Self>, YinzhengError> {
        let source: Box<dyn ObjectSource> =
            Box::new(DirectoryObjects::new(std::path::Path::new(&dir)));
        Ok(Arc::new(Self {
            client: TileClient::new(source, &origin, note_keys(&verifier_keys)?),
        }))
    }

    /// The log read through `fetcher` (e.g. over HTTP from the log's URL).
    ///
    /// # Errors
    /// [`YinzhengError::InvalidKey`].
    #[uniffi::constructor]
    pub fn open_fetcher(
        fetcher: Arc<dyn ObjectFetcher>,
        origin: String,
        verifier_keys: Vec<String>,
    ) -> Result<Arc<Self>, YinzhengError> {
        let source: Box<dyn ObjectSource> = Box::new(ForeignSource(fetcher));
        Ok(Arc::new(Self {
            client: TileClient::new(source, &origin, note_keys(&verifier_keys)?),
        }))
    }

    /// The published checkpoint, verified (a C2SP signed note).
    ///
    /// # Errors
    /// [`YinzhengError::AuditRejected`] if it is missing or does not verify.
    pub fn checkpoint(&self) -> Result<String, YinzhengError> {
        Ok(self.client.checkpoint().map_err(client_error)?.note)
    }

    /// Entry `index`'s inclusion bundle (`tlog-proof`) against the published checkpoint,
    /// proven from the tiles; check it with `verify_inclusion_bundle`.
    ///
    /// # Errors
    /// [`YinzhengError::AuditRejected`] if an object is missing or a tile is wrong.
    pub fn inclusion_bundle(&self, index: u64) -> Result<String, YinzhengError> {
        let checkpoint = self.client.checkpoint().map_err(client_error)?;
        Ok(self
            .client
            .inclusion_bundle(&checkpoint, index)
            .map_err(client_error)?
            .encode())
    }

    /// The consistency bundle from `held` (a checkpoint of this log the caller holds) to the
    /// published one, proven from the tiles: what an auditor's `CheckpointAuditor.update`
    /// or a witness takes.
    ///
    /// # Errors
    /// [`YinzhengError::AuditRejected`] if `held` does not verify or the tiles do not prove
    /// the published checkpoint extends it (a fork, or a wrong tile).
    pub fn consistency_bundle(&self, held: String) -> Result<String, YinzhengError> {
        let newer = self.client.checkpoint().map_err(client_error)?;
        let (held, _) =
            audit::SignedCheckpoint::verify(&held, &newer.checkpoint.origin, self.client.keys())
                .map_err(audit_rejected)?;
        Ok(self
            .client
            .consistency_bundle(held.checkpoint.size, &held.checkpoint.root, &newer)
            .map_err(client_error)?
            .encode())
    }

    /// Audits the whole published log: every entry decodes and chains, every tile and bundle
    /// matches, the root is the checkpoint's. Returns the number of entries.
    ///
    /// # Errors
    /// [`YinzhengError::AuditRejected`] naming the first wrong or missing object.
    pub fn verify_all(&self) -> Result<u64, YinzhengError> {
        let checkpoint = self.client.checkpoint().map_err(client_error)?;
        self.client.verify_all(&checkpoint).map_err(client_error)
    }
}

#[uniffi::export]
impl AuditLog {
    /// Publishes the log as tlog-tiles into directory `dir` (entries since the last
    /// publication there, tiles, then the checkpoint); returns the published size.
    ///
    /// # Errors
    /// [`YinzhengError::AuditLogFailed`] if writing fails or the directory holds another
    /// log's tiles.
    pub fn publish_tiles(&self, dir: String) -> Result<u64, YinzhengError> {
        let sink = DirectoryObjects::new(std::path::Path::new(&dir));
        let reader = self.inner.reader();
        let failed = |e: audit::publish::PublishError| YinzhengError::AuditLogFailed {
            reason: e.to_string(),
        };
        let _lock = sink
            .lock_publisher()
            .map_err(|e| YinzhengError::AuditLogFailed {
                reason: e.to_string(),
            })?;
        let mut publisher =
            audit::publish::Publisher::resume(&sink, reader.origin(), &[reader.key().clone()])
                .map_err(failed)?;
        Ok(reader
            .publish(&mut publisher, &sink)
            .map_err(failed)?
            .checkpoint
            .size)
    }
}

/// A witness of other logs, its state (per log, the head it last cosigned) in a file.
#[derive(uniffi::Object)]
pub struct Witness {
    inner: audit::witness::Witness<FileWitnessStore>,
}

#[uniffi::export]
impl Witness {
    /// A witness named `name` signing with `signer` (Ed25519) for the logs whose verifier
    /// keys are `log_verifier_keys`, keeping its state in `state_file` (made once with
    /// [`create_witness_state`]).
    ///
    /// # Errors
    /// [`YinzhengError::InvalidKey`], [`YinzhengError::InvalidInput`] for a missing state.
    #[uniffi::constructor]
    pub fn new(
        name: String,
        signer: Arc<dyn Signer>,
        log_verifier_keys: Vec<String>,
        state_file: String,
    ) -> Result<Arc<Self>, YinzhengError> {
        use yinzheng::crypto::Signer as _;
        let signer = ForeignSigner::new(signer)?;
        let key = audit::NoteKey::new(&name, audit::KeyRole::Witness, signer.public_key())
            .map_err(|e| YinzhengError::InvalidKey {
                reason: e.to_string(),
            })?;
        let store = FileWitnessStore::open(std::path::Path::new(&state_file)).map_err(|e| {
            YinzhengError::InvalidInput {
                reason: format!("{state_file}: {e} (create it once with create_witness_state)"),
            }
        })?;
        let inner =
            audit::witness::Witness::new(key, signer, note_keys(&log_verifier_keys)?, store)
                .map_err(|e| YinzhengError::InvalidKey {
                    reason: e.to_string(),
                })?;
        Ok(Arc::new(Self { inner }))
    }

    /// The witness's verifier key (C2SP vkey).
    pub fn verifier_key(&self) -> String {
        self.inner.key().to_vkey()
    }

    /// Answers an `add-checkpoint` request body at `now`: the cosignature line.
    ///
    /// # Errors
    /// [`YinzhengError::WitnessRefused`] with the HTTP status to answer.
    pub fn add_checkpoint(
        &self,
        request: String,
        now: SystemTime,
    ) -> Result<String, YinzhengError> {
        self.inner
            .add_checkpoint(&request, to_unix(now)?.as_secs())
            .map_err(|e| YinzhengError::WitnessRefused {
                status: e.http_status(),
                reason: e.to_string(),
            })
    }
}

/// Creates the state file of a new witness, once (a `Witness` refuses a missing state, so
/// that a lost file is never taken for a fresh start).
///
/// # Errors
/// [`YinzhengError::InvalidInput`] if the file exists or cannot be created.
#[uniffi::export]
pub fn create_witness_state(state_file: String) -> Result<(), YinzhengError> {
    FileWitnessStore::create(std::path::Path::new(&state_file))
        .map(|_| ())
        .map_err(|e| YinzhengError::InvalidInput {
            reason: format!("{state_file}: {e}"),
        })
}

/// Attaches the response of the witness whose verifier key is `witness_verifier_key` (its
/// cosignature lines) to a checkpoint, each line checked under that key first.
///
/// # Errors
/// [`YinzhengError::InvalidKey`], or [`YinzhengError::AuditRejected`] for a malformed note or
/// a line that is not the witness's valid cosignature.
#[uniffi::export]
pub fn add_cosignatures(
    checkpoint: String,
    witness_verifier_key: String,
    response: String,
) -> Result<String, YinzhengError> {
    let witness = note_keys(std::slice::from_ref(&witness_verifier_key))?.remove(0);
    audit::witness::add_cosignatures(&checkpoint, &witness, &response).map_err(audit_rejected)
}

/// A checkpoint that met a witness policy.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WitnessedCheckpoint {
    /// The tree size.
    pub size: u64,
    /// The root hash.
    pub root: Vec<u8>,
    /// The witnesses that cosigned it.
    pub cosigners: Vec<String>,
}

/// "k of these n witnesses": a verifier's policy for a log's checkpoints.
#[derive(uniffi::Object)]
pub struct WitnessPolicy {
    inner: audit::witness::WitnessPolicy,
}

#[uniffi::export]
impl WitnessPolicy {
    /// `quorum` of `witness_verifier_keys` must cosign checkpoints signed by the log's
    /// `log_verifier_key`.
    ///
    /// # Errors
    /// [`YinzhengError::InvalidKey`], or [`YinzhengError::InvalidInput`] for a quorum of 0 or
    /// above the witnesses.
    #[uniffi::constructor]
    pub fn new(
        log_verifier_key: String,
        witness_verifier_keys: Vec<String>,
        quorum: u32,
    ) -> Result<Arc<Self>, YinzhengError> {
        let log = note_keys(std::slice::from_ref(&log_verifier_key))?.remove(0);
        let inner = audit::witness::WitnessPolicy::new(
            log,
            note_keys(&witness_verifier_keys)?,
            quorum as usize,
        )
        .map_err(|e| YinzhengError::InvalidInput {
            reason: e.to_string(),
        })?;
        Ok(Arc::new(Self { inner }))
    }

    /// Checks `checkpoint` against the policy.
    ///
    /// # Errors
    /// [`YinzhengError::AuditRejected`] if a signature fails or too few witnesses cosigned.
    pub fn check(&self, checkpoint: String) -> Result<WitnessedCheckpoint, YinzhengError> {
        let witnessed = self.inner.check(&checkpoint).map_err(audit_rejected)?;
        Ok(WitnessedCheckpoint {
            size: witnessed.checkpoint.checkpoint.size,
            root: witnessed.checkpoint.checkpoint.root.to_vec(),
            cosigners: witnessed.cosigners.into_iter().map(|(n, _)| n).collect(),
        })
    }
}
