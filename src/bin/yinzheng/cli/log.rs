//! The audit log's and the witness's clap types, and opening a log from them.

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Subcommand};
use yinzheng::audit::{ConsistencyBundle, InclusionBundle, NoteKey};
use yinzheng::storage::{AuditLog, LogReader};

use super::examples;
use crate::files::{self, Result};

#[derive(Args)]
pub(crate) struct LogArgs {
    /// The audit log's directory: a command that records an event records it there (the
    /// directory is created if missing).
    #[arg(long)]
    pub(crate) log: Option<PathBuf>,
    /// The log's origin line.
    #[arg(long, default_value = "audit.example.gov.cn/agency")]
    pub(crate) origin: String,
    /// The log's checkpoint key (Ed25519 PEM); required with --log.
    #[arg(long)]
    pub(crate) log_key: Option<PathBuf>,
}

/// Reading a log without its private key: `--vkey` instead of `--log-key`.
#[derive(Args)]
pub(crate) struct ReaderArgs {
    /// Read the log (or a read-only copy) with this verifier key (C2SP vkey) alone: no
    /// private key, no writer lock.
    #[arg(long, conflicts_with = "log_key")]
    pub(crate) vkey: Option<String>,
}

/// A log identified by its public key alone, for checks an auditor makes.
#[derive(Args)]
pub(crate) struct LogKeyArgs {
    /// The log's origin line.
    #[arg(long)]
    pub(crate) origin: String,
    /// The log's verifier key (C2SP vkey).
    #[arg(long)]
    pub(crate) vkey: String,
}

impl LogKeyArgs {
    pub(crate) fn note_key(&self) -> Result<NoteKey> {
        Ok(NoteKey::from_vkey(&self.vkey)?)
    }
}

/// A log opened for reading: by its verifier key alone, or through its writer.
pub(crate) enum OpenedLog {
    Reader(Box<LogReader>),
    Writer(Arc<AuditLog>),
}

impl OpenedLog {
    pub(crate) fn inclusion_bundle(&self, index: u64) -> Result<InclusionBundle> {
        Ok(match self {
            Self::Reader(reader) => reader.inclusion_bundle(index)?,
            // Through the writer, so that a damaged tree cache is marked for rebuilding.
            Self::Writer(log) => log.inclusion_bundle(index)?,
        })
    }

    pub(crate) fn consistency_bundle(&self, old_size: u64) -> Result<ConsistencyBundle> {
        Ok(match self {
            Self::Reader(reader) => reader.consistency_bundle(old_size)?,
            Self::Writer(log) => log.consistency_bundle(old_size)?,
        })
    }

    pub(crate) fn reader(&self) -> &LogReader {
        match self {
            Self::Reader(reader) => reader,
            Self::Writer(log) => log.reader(),
        }
    }

    pub(crate) fn checkpoint_note(&self) -> String {
        match self {
            Self::Reader(reader) => reader.checkpoint().note,
            Self::Writer(log) => log.checkpoint().note,
        }
    }
}

impl LogArgs {
    /// The log in `--log`, read with `--vkey` alone (no lock, nothing written) or opened
    /// with `--log-key`.
    pub(crate) fn open_for_reading(&self, reader: &ReaderArgs, command: &str) -> Result<OpenedLog> {
        let Some(vkey) = &reader.vkey else {
            let log = self
                .open()?
                .ok_or_else(|| format!("{command} needs --log with --log-key or --vkey"))?;
            return Ok(OpenedLog::Writer(log));
        };
        let dir = self
            .log
            .as_ref()
            .ok_or("--vkey needs --log (the log directory)")?;
        Ok(OpenedLog::Reader(Box::new(LogReader::open(
            dir,
            &self.origin,
            &NoteKey::from_vkey(vkey)?,
        )?)))
    }

    pub(crate) fn open(&self) -> Result<Option<Arc<AuditLog>>> {
        let Some(dir) = &self.log else {
            return Ok(None);
        };
        let key = self.log_key.as_ref().ok_or("--log needs --log-key")?;
        Ok(Some(Arc::new(AuditLog::open(
            dir,
            &self.origin,
            files::ed25519_key(key)?,
        )?)))
    }
}

#[derive(Subcommand)]
pub(crate) enum LogCommand {
    /// Appends an event (identifiers and digests only).
    #[command(after_help = examples::LOG_APPEND)]
    Append {
        #[command(flatten)]
        log: LogArgs,
        /// certificate-issued, status-changed, status-list-published, seal-made, stamped, key.
        #[arg(long, default_value = "key")]
        kind: String,
        /// The subject (e.g. a certificate identifier).
        #[arg(long)]
        subject: String,
        /// A file whose SHA-256 is the event's object digest.
        #[arg(long)]
        object: Option<PathBuf>,
    },
    /// Prints the log's verifier key (C2SP vkey), which auditors need.
    #[command(after_help = examples::LOG_VKEY)]
    Vkey {
        #[command(flatten)]
        log: LogArgs,
    },
    /// Verifies a log directory with nothing but the log's public key: the anchor and every
    /// commit after the tree cache's mark, or with --full the whole history.
    #[command(after_help = examples::LOG_VERIFY)]
    Verify {
        /// The log directory.
        #[arg(long = "log", alias = "dir", value_name = "DIR")]
        dir: PathBuf,
        #[command(flatten)]
        key: LogKeyArgs,
        /// Accept bytes after the last commit (a writer's interrupted tail); they are
        /// reported either way.
        #[arg(long)]
        allow_uncommitted_tail: bool,
        /// Re-read the whole history (every frame, the hash chain, every checkpoint).
        #[arg(long)]
        full: bool,
    },
    /// Prints an inclusion proof bundle for entry `index`.
    #[command(after_help = examples::LOG_PROVE)]
    Prove {
        #[command(flatten)]
        log: LogArgs,
        #[command(flatten)]
        reader: ReaderArgs,
        /// The entry.
        #[arg(long)]
        index: u64,
    },
    /// Prints the log's latest signed checkpoint (a C2SP signed note) for an auditor to hold.
    #[command(after_help = examples::LOG_CHECKPOINT)]
    Checkpoint {
        #[command(flatten)]
        log: LogArgs,
        #[command(flatten)]
        reader: ReaderArgs,
    },
    /// Checks a signed checkpoint (from a file) against the log's key.
    #[command(after_help = examples::LOG_CHECK_CHECKPOINT)]
    CheckCheckpoint {
        /// The checkpoint file (a C2SP signed note).
        #[arg(long)]
        checkpoint: PathBuf,
        #[command(flatten)]
        key: LogKeyArgs,
    },
    /// Checks that a consistency bundle extends a checkpoint the auditor already holds.
    #[command(after_help = examples::LOG_CHECK_CONSISTENCY)]
    CheckConsistency {
        /// The checkpoint held (a C2SP signed note).
        #[arg(long)]
        held: PathBuf,
        /// The consistency bundle from the held size to a newer checkpoint.
        #[arg(long)]
        bundle: PathBuf,
        #[command(flatten)]
        key: LogKeyArgs,
    },
    /// Checks an inclusion proof bundle (from a file) against the log's key.
    #[command(after_help = examples::LOG_CHECK_PROOF)]
    CheckProof {
        /// The bundle file.
        #[arg(long)]
        bundle: PathBuf,
        #[command(flatten)]
        key: LogKeyArgs,
    },
    /// Prints a consistency bundle from `old_size` to the current size.
    #[command(after_help = examples::LOG_CONSISTENCY)]
    Consistency {
        #[command(flatten)]
        log: LogArgs,
        #[command(flatten)]
        reader: ReaderArgs,
        /// The size a verifier already holds.
        #[arg(long)]
        old_size: u64,
    },
    /// Publishes the log as C2SP tlog-tiles into a directory that any static HTTP server can
    /// serve as it is: the entries since the last publication, their tiles, then the
    /// checkpoint. Restartable; an immutable tile that differs is refused, never overwritten.
    #[command(after_help = examples::LOG_PUBLISH)]
    Publish {
        #[command(flatten)]
        log: LogArgs,
        #[command(flatten)]
        reader: ReaderArgs,
        /// The directory of published objects (`checkpoint`, `tile/…`).
        #[arg(long)]
        tiles: PathBuf,
    },
    /// Verifies a log published as tlog-tiles with nothing but the log's key: every entry,
    /// tile and bundle against the checkpoint; with --index, prints that entry's inclusion
    /// bundle, proven from the tiles, instead.
    #[command(after_help = examples::LOG_VERIFY_TILES)]
    VerifyTiles {
        /// The directory of published objects.
        #[arg(long)]
        tiles: PathBuf,
        #[command(flatten)]
        key: LogKeyArgs,
        /// Prove one entry instead of auditing all.
        #[arg(long)]
        index: Option<u64>,
    },
    /// Attaches a witness's cosignature lines (its add-checkpoint response) to a checkpoint,
    /// each checked under the witness's key first.
    #[command(after_help = examples::LOG_ATTACH_COSIGNATURES)]
    AttachCosignatures {
        /// The checkpoint (a C2SP signed note).
        #[arg(long)]
        checkpoint: PathBuf,
        /// The witness's verifier key (C2SP vkey).
        #[arg(long)]
        witness: String,
        /// The witness's response.
        #[arg(long)]
        response: PathBuf,
    },
    /// Checks that a checkpoint is signed by the log and cosigned by at least --quorum of the
    /// --witness keys.
    #[command(after_help = examples::LOG_CHECK_WITNESSED)]
    CheckWitnessed {
        /// The checkpoint (a C2SP signed note).
        #[arg(long)]
        checkpoint: PathBuf,
        #[command(flatten)]
        key: LogKeyArgs,
        /// A witness's verifier key (C2SP vkey); repeat for each.
        #[arg(long = "witness", required = true)]
        witnesses: Vec<String>,
        /// How many distinct witnesses must have cosigned.
        #[arg(long)]
        quorum: usize,
    },
}

#[derive(Subcommand)]
pub(crate) enum WitnessCommand {
    /// Creates the state file of a new witness (once: add-checkpoint refuses a missing state,
    /// so that a lost file is never taken for a fresh start).
    #[command(after_help = examples::WITNESS_INIT)]
    Init {
        /// The state file to create.
        #[arg(long)]
        state: PathBuf,
    },
    /// Prints the witness's verifier key (C2SP vkey), which the logs and verifiers it serves
    /// need.
    #[command(after_help = examples::WITNESS_VKEY)]
    Vkey {
        #[command(flatten)]
        witness: WitnessArgs,
    },
    /// Answers a tlog-witness add-checkpoint request (a consistency bundle, e.g. from `log
    /// consistency --old-size <the witness's size>`): prints the cosignature line, or exits 1
    /// with the HTTP status and reason (409 gives the witness's size).
    #[command(after_help = examples::WITNESS_ADD_CHECKPOINT)]
    AddCheckpoint {
        #[command(flatten)]
        witness: WitnessArgs,
        /// A witnessed log's verifier key (its name is the log's origin); repeat for each.
        #[arg(long = "log-vkey", required = true)]
        logs: Vec<String>,
        /// The witness's state file: per log, the size and root it last cosigned.
        #[arg(long)]
        state: PathBuf,
        /// The request body.
        #[arg(long)]
        request: PathBuf,
    },
}

/// The witness's identity: its key and name.
#[derive(Args)]
pub(crate) struct WitnessArgs {
    /// The witness's Ed25519 key (PEM).
    #[arg(long)]
    pub(crate) key: PathBuf,
    /// The witness's name (its key name in cosignature lines).
    #[arg(long)]
    pub(crate) name: String,
}
