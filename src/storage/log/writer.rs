//! The durable embedded log's writer: group commit into the segment, the tree cache and the
//! anti-rollback anchor, one writer per directory.
//!
//! ```text
//! <dir>/LOCK        advisory lock: one writer per log
//! <dir>/log.seg     the segment: header and CRC32C frames (see `segment`)
//! <dir>/log.hashes  the tree cache (see `cache`): derived from the segment
//! <dir>/log.offsets
//! <dir>/anchor      two slots: the acknowledged size and root, and the cache mark (see `reader`)
//! ```
//!
//! A batch is acknowledged only after its ENTRY frames and its COMMIT (with the signed
//! checkpoint) are `fdatasync`ed, and the anchor slot recording it is synced too. Its tree
//! hashes go to the cache first, unsynced; every few commits (and when the log is dropped) the
//! cache is synced and the anchor's mark moves up to it. On open, the segment is scanned from
//! the mark: frames after the last valid COMMIT were never acknowledged and are truncated; a
//! bad frame followed by a valid one, a content error under a valid checksum, a size below the
//! anchor (rollback) or a different root at the anchor's size (fork) refuse the open. A failed
//! sync poisons the log: it must be reopened, since the page cache may hold what the disk lost.

use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use crate::audit::entry::{AuditEntry, Event};
use crate::audit::merkle::{Hash, empty_root, leaf_hash};
use crate::audit::note::{KeyRole, NoteKey, SignedCheckpoint};
use crate::crypto::Signer;
use crate::encoding::durable::{self, SlotFile};
use crate::encoding::frame;
use crate::storage::log::anchor::{
    ANCHOR_FILE, ANCHOR_MAGIC, ANCHOR_SLOT_LEN, Anchor, Mark, read_anchor,
};
use crate::storage::log::cache::TreeCache;
use crate::storage::log::reader::{LogReader, Overlay, SEGMENT_FILE, State, load};
use crate::storage::log::segment::{self, COMMIT_FRAME, ENTRY_FRAME, HEADER_LEN};
use crate::time::UnixTime;

use crate::audit::error::{LogError, io, note_error};
use crate::audit::{AuditSink, Receipt};

const LOCK_WAIT: std::time::Duration = std::time::Duration::from_millis(100);
/// The cache is synced, and the anchor's mark moved up, after this many commits or entries:
/// what an open re-scans is bounded by it.
const CACHE_SYNC_COMMITS: u64 = 64;
const CACHE_SYNC_ENTRIES: u64 = 8192;
/// Yields a commit leader makes while its batch still grows.
const GATHER_ROUNDS: usize = 16;

/// What only the committing thread touches.
struct WriterIo {
    segment: File,
    anchor: SlotFile,
    anchor_seq: u64,
    /// How far the cache is synced and recorded in the anchor, and commits since.
    mark: Mark,
    commits_since_mark: u64,
    /// Whether the cache may be vouched for at all (false once a proof from it failed).
    cache_trusted: bool,
    poisoned: bool,
}

/// The events waiting for the next commit, their callers, and where they find its outcome.
#[derive(Default)]
struct OpenBatch {
    events: Vec<(Event, UnixTime)>,
    callers: Vec<std::thread::Thread>,
    outcome: Arc<OnceLock<Result<Vec<Receipt>, LogError>>>,
}

/// Hands a commit's outcome to its callers when dropped: the result if it was set, else
/// (the leader panicked) [`LogError::Poisoned`].
struct Release {
    outcome: Arc<OnceLock<Result<Vec<Receipt>, LogError>>>,
    callers: Vec<std::thread::Thread>,
}

impl Drop for Release {
    fn drop(&mut self) {
        let _ = self.outcome.set(Err(LogError::Poisoned));
        // Each caller wakes once, without contending for a lock to read the outcome.
        self.callers.iter().for_each(std::thread::Thread::unpark);
    }
}

/// Group commit bookkeeping.
#[derive(Default)]
struct Group {
    open: OpenBatch,
    /// Whether a caller is waiting to commit the open batch.
    leader: bool,
}

/// The embedded durable audit log (one writer process per directory).
///
/// ```
/// use yinzheng::audit::merkle::verify_inclusion;
/// use yinzheng::audit::{Event, EventKind};
/// use yinzheng::storage::AuditLog;
/// use yinzheng::crypto::{Ed25519SigningKey, sha256};
/// use yinzheng::time::UnixTime;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let dir = std::env::temp_dir().join(format!("yz-doc-log-{}", std::process::id()));
/// # let _ = std::fs::remove_dir_all(&dir);
/// let key = Ed25519SigningKey::from_seed(&[5; 32]);
/// let log = AuditLog::open(&dir, "audit.example.gov.cn/jilin", key)?;
/// let event = Event {
///     kind: EventKind::CertificateIssued,
///     actor_key_id: [1; 32],
///     subject: b"1.2.156.3005.2.11100000000013338W032.11220000013544541J.A1.001".to_vec(),
///     object_digest: sha256(b"the certificate bytes"),
///     attributes: vec![0xa0], // an empty CBOR map
/// };
/// // Returns once the entry and a signed checkpoint covering it are on disk.
/// let receipt = log.append(event, UnixTime::from_secs(1_790_000_000))?;
/// let checkpoint = &receipt.checkpoint.checkpoint;
/// let proof = log.inclusion_proof(receipt.index, checkpoint.size)?;
/// verify_inclusion(&receipt.leaf_hash, receipt.index, checkpoint.size, &proof, &checkpoint.root)?;
/// # drop(log);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub struct AuditLog {
    reader: LogReader,
    signer: Box<dyn Signer>,
    writer: Mutex<WriterIo>,
    group: Mutex<Group>,
    _lock: File,
    dir: PathBuf,
}

impl core::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AuditLog")
            .field("origin", &self.reader.origin())
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl AuditLog {
    /// Opens (or creates) the log in `dir` for `origin`, signing checkpoints with `signer`
    /// (Ed25519). Runs recovery from the anchor's cache mark (see the module docs); the
    /// history before the mark is re-read only by [`LogReader::verify_history`] or
    /// [`verify_dir_full`](crate::storage::log::verify_dir_full).
    ///
    /// # Errors
    /// [`LogError`] if locked, not this log, corrupt, rolled back or forked.
    pub fn open(dir: &Path, origin: &str, signer: impl Signer + 'static) -> Result<Self, LogError> {
        let key = NoteKey::new(origin, KeyRole::Log, signer.public_key()).map_err(note_error)?;
        durable::create_dir_durably(dir).map_err(io("creating the log directory"))?;
        // The lock comes before anything is read. A process that forks while this one opens
        // or closes the log shares the locked descriptor until it execs: retry ~100 ms.
        let lock_file = durable::lock_exclusive(&dir.join("LOCK"), LOCK_WAIT)
            .map_err(io("locking the log"))?
            .ok_or(LogError::Locked)?;
        let (anchor, legacy_anchor) = read_anchor(dir)?;
        let path = dir.join(SEGMENT_FILE);
        let segment_len = durable::file_len(&path).map_err(io("reading the segment"))?;
        if segment_len < HEADER_LEN as u64 {
            // Absent, or torn while it was created: nothing in it was acknowledged, unless
            // the anchor says otherwise.
            if let Some(a) = anchor.filter(|a| a.size > 0) {
                return Err(LogError::Rollback {
                    anchor_size: a.size,
                    found: 0,
                });
            }
            durable::create_atomically(&path, &segment::header(origin))
                .map_err(io("creating the segment"))?;
        }
        let segment = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .map_err(io("opening the segment"))?;
        let len = segment.metadata().map_err(io("reading the segment"))?.len();
        let cache = TreeCache::open(dir).map_err(io("opening the tree cache"))?;
        let keys = std::slice::from_ref(&key);
        let scanned = load(&segment, len, Some(&cache), anchor, origin, keys, true)?;
        if scanned.end.at < len {
            segment
                .set_len(scanned.end.at)
                .map_err(io("truncating the torn tail"))?;
            segment.sync_all().map_err(io("syncing the segment"))?;
        }
        if !scanned.hashes.is_empty() {
            cache
                .write(scanned.start_size, &scanned.hashes, &scanned.offsets)
                .and_then(|()| cache.sync())
                .map_err(io("writing the tree cache"))?;
        }
        let size = scanned.size();
        let checkpoint = match scanned.end.checkpoint.clone() {
            Some(c) => c,
            None => sign_checkpoint(origin, &key, &signer, 0, empty_root())?,
        };
        let mark = Mark {
            size,
            commit_at: scanned.end.commit_at,
        };
        let current = Anchor {
            seq: anchor.map_or(1, |a| a.seq + 1),
            size,
            root: checkpoint.checkpoint.root,
            mark,
        };
        let anchor_path = dir.join(ANCHOR_FILE);
        let slot = current.to_slot();
        let (anchor_file, anchor_seq) = match anchor {
            // The older 64-byte format is replaced whole, recording the same size (or more).
            Some(_) if legacy_anchor => (
                SlotFile::replace(&anchor_path, ANCHOR_MAGIC, ANCHOR_SLOT_LEN, &slot)
                    .map_err(io("rewriting the anchor"))?,
                current.seq,
            ),
            None => (
                SlotFile::open_or_create(&anchor_path, ANCHOR_MAGIC, ANCHOR_SLOT_LEN, &slot)
                    .map_err(io("creating the anchor"))?
                    .0,
                current.seq,
            ),
            Some(a) => {
                let (mut file, _) =
                    SlotFile::open_or_create(&anchor_path, ANCHOR_MAGIC, ANCHOR_SLOT_LEN, &slot)
                        .map_err(io("opening the anchor"))?;
                if a.size == size && a.mark == mark {
                    (file, a.seq)
                } else {
                    file.store(&slot, true).map_err(io("writing the anchor"))?;
                    (file, current.seq)
                }
            }
        };
        let reader_file = File::open(&path).map_err(io("opening the segment for reading"))?;
        let overlay = Overlay {
            from: size,
            ..Overlay::default()
        };
        let state = State::at(scanned.end, checkpoint, overlay);
        Ok(Self {
            reader: LogReader::from_parts(origin, key, reader_file, Some(cache), state),
            signer: Box::new(signer),
            writer: Mutex::new(WriterIo {
                segment,
                anchor: anchor_file,
                anchor_seq,
                mark,
                commits_since_mark: 0,
                cache_trusted: true,
                poisoned: false,
            }),
            group: Mutex::new(Group::default()),
            _lock: lock_file,
            dir: dir.to_owned(),
        })
    }

    /// The log read as an auditor would (entries, proofs, history checks).
    #[must_use]
    pub fn reader(&self) -> &LogReader {
        &self.reader
    }

    /// The log's origin.
    #[must_use]
    pub fn origin(&self) -> &str {
        self.reader.origin()
    }

    /// The log's verifier key (give it to auditors).
    #[must_use]
    pub fn key(&self) -> &NoteKey {
        self.reader.key()
    }

    /// The latest durable signed checkpoint.
    #[must_use]
    pub fn checkpoint(&self) -> SignedCheckpoint {
        self.reader.checkpoint()
    }

    /// Number of durable entries.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.reader.size()
    }

    /// Appends one event, sharing one `fdatasync` with concurrent appends (group commit);
    /// returns once it is durable. The log time is `at`, raised if needed to keep log times
    /// non-decreasing.
    ///
    /// # Errors
    /// [`LogError`] if the event does not fit or the write fails.
    pub fn append(&self, event: Event, at: UnixTime) -> Result<Receipt, LogError> {
        event.check()?;
        let mut group = lock(&self.group);
        let position = group.open.events.len();
        group.open.events.push((event, at));
        group.open.callers.push(std::thread::current());
        let outcome = Arc::clone(&group.open.outcome);
        if group.leader {
            drop(group);
        } else {
            // Lead the next commit: wait for the one in progress (its fsync) while callers
            // keep joining the open batch, then take it. Stepping down as soon as it is taken
            // lets the next leader gather during this commit's fsync, so batches stay full.
            group.leader = true;
            drop(group);
            let mut writer = lock(&self.writer);
            let mut group = lock(&self.group);
            // The callers the last commit just woke re-join a moment later: let them make
            // this batch rather than the next (else commits alternate between two cohorts).
            for _ in 0..GATHER_ROUNDS {
                let gathered = group.open.events.len();
                drop(group);
                std::thread::yield_now();
                group = lock(&self.group);
                if group.open.events.len() == gathered {
                    break;
                }
            }
            let OpenBatch {
                events,
                callers,
                outcome: taken,
            } = std::mem::take(&mut group.open);
            group.leader = false;
            drop(group);
            // Wakes the batch's callers however this ends, a panic included.
            let release = Release {
                outcome: taken,
                callers,
            };
            let result = self.commit_locked(&mut writer, events);
            drop(writer);
            let _ = release.outcome.set(result);
        }
        loop {
            match outcome.get() {
                Some(Ok(receipts)) => {
                    return receipts.get(position).cloned().ok_or(LogError::Poisoned);
                }
                Some(Err(e)) => return Err(e.clone()),
                None => std::thread::park(),
            }
        }
    }

    /// Appends a batch with one `fdatasync`; all or nothing.
    ///
    /// # Errors
    /// [`LogError`] if an event does not fit or the write fails.
    pub fn append_batch(&self, events: Vec<Event>, at: UnixTime) -> Result<Vec<Receipt>, LogError> {
        events.iter().try_for_each(Event::check)?;
        self.commit(events.into_iter().map(|e| (e, at)).collect())
    }

    fn commit(&self, events: Vec<(Event, UnixTime)>) -> Result<Vec<Receipt>, LogError> {
        self.commit_locked(&mut lock(&self.writer), events)
    }

    fn commit_locked(
        &self,
        w: &mut WriterIo,
        events: Vec<(Event, UnixTime)>,
    ) -> Result<Vec<Receipt>, LogError> {
        // A panic mid-commit (a foreign signer's, say) leaves the files in an unknown state:
        // the log must be reopened, as after a failed sync.
        let result =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.commit_io(w, events)));
        result.unwrap_or_else(|panic| {
            w.poisoned = true;
            std::panic::resume_unwind(panic)
        })
    }

    fn commit_io(
        &self,
        w: &mut WriterIo,
        events: Vec<(Event, UnixTime)>,
    ) -> Result<Vec<Receipt>, LogError> {
        if w.poisoned {
            return Err(LogError::Poisoned);
        }
        if events.is_empty() {
            return Ok(Vec::new());
        }
        // Only this thread changes the state, so it is read once and replaced at the end.
        let (mut range, mut previous, mut time, end) = {
            let s = self.reader.read_state();
            (s.range.clone(), s.previous, s.last_time, s.end)
        };
        let first = range.size();
        let mut frames = Vec::with_capacity(events.len() * 300 + 512);
        let mut hashes = Vec::with_capacity(events.len() * 2);
        let mut offsets = Vec::with_capacity(events.len());
        let mut leaves = Vec::with_capacity(events.len());
        for (i, (event, at)) in events.into_iter().enumerate() {
            time = time.max(at.as_secs().saturating_mul(1000));
            let entry = AuditEntry {
                event,
                log_time_ms: time,
                previous_leaf: previous,
            };
            let bytes = entry.encode()?;
            previous = leaf_hash(&bytes);
            let mut body = (first + i as u64).to_be_bytes().to_vec();
            body.extend_from_slice(&bytes);
            offsets.push(end + frames.len() as u64);
            frame::push_frame(&mut frames, ENTRY_FRAME, &body);
            range.push(previous, &mut hashes);
            leaves.push(previous);
        }
        let size = range.size();
        let root = range.root();
        let checkpoint =
            sign_checkpoint(self.origin(), self.key(), self.signer.as_ref(), size, root)?;
        let commit_at = end + frames.len() as u64;
        let mut body = size.to_be_bytes().to_vec();
        body.extend_from_slice(&root);
        let note = checkpoint.note.as_bytes();
        body.extend_from_slice(&u16::try_from(note.len()).unwrap_or(u16::MAX).to_be_bytes());
        body.extend_from_slice(note);
        frame::push_frame(&mut frames, COMMIT_FRAME, &body);
        let cache = self.reader.cache().ok_or(LogError::CacheDamaged)?;
        // The cache first (a failure here leaves nothing acknowledged), then the segment and
        // the anchor, each durable before the next.
        cache
            .write(first, &hashes, &offsets)
            .map_err(io("writing the tree cache"))?;
        let written = w
            .segment
            .seek(SeekFrom::Start(end))
            .and_then(|_| w.segment.write_all(&frames))
            .and_then(|()| w.segment.sync_data())
            .map_err(io("writing the segment"));
        let due = w.cache_trusted
            && (size - w.mark.size >= CACHE_SYNC_ENTRIES
                || w.commits_since_mark + 1 >= CACHE_SYNC_COMMITS);
        if written.is_ok() {
            // The batch is durable now: a cache that cannot be synced (derived data) only
            // stops the mark from moving, it does not fail the commit.
            if due && cache.sync().is_ok() {
                w.mark = Mark { size, commit_at };
                w.commits_since_mark = 0;
            } else {
                w.cache_trusted &= !due;
                w.commits_since_mark += 1;
            }
        }
        let anchored = written.and_then(|()| {
            w.anchor_seq += 1;
            let anchor = Anchor {
                seq: w.anchor_seq,
                size,
                root,
                mark: w.mark,
            };
            w.anchor
                .store(&anchor.to_slot(), true)
                .map_err(io("writing the anchor"))
        });
        if let Err(e) = anchored {
            w.poisoned = true;
            return Err(e);
        }
        {
            let mut state = self
                .reader
                .state
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            state.range = range;
            state.previous = previous;
            state.last_time = time;
            state.checkpoint = checkpoint.clone();
            state.commit_at = commit_at;
            state.end = end + frames.len() as u64;
            state.overlay.from = size;
        }
        Ok(leaves
            .into_iter()
            .enumerate()
            .map(|(i, leaf_hash)| Receipt {
                index: first + i as u64,
                leaf_hash,
                checkpoint: checkpoint.clone(),
            })
            .collect())
    }

    /// Forgets the cache mark after the cache served a proof that does not check, so that the
    /// next open rebuilds the cache from the segment.
    pub(crate) fn distrust_cache<T>(&self, result: Result<T, LogError>) -> Result<T, LogError> {
        if matches!(result, Err(LogError::CacheDamaged)) {
            let mut w = lock(&self.writer);
            w.cache_trusted = false;
            w.mark = Mark::default();
            if !w.poisoned {
                let state = self.reader.read_state();
                w.anchor_seq += 1;
                let anchor = Anchor {
                    seq: w.anchor_seq,
                    size: state.size(),
                    root: state.checkpoint.checkpoint.root,
                    mark: w.mark,
                };
                if w.anchor.store(&anchor.to_slot(), true).is_err() {
                    w.poisoned = true;
                }
            }
        }
        result
    }

    /// The encoded entry at `index` (durable entries only).
    ///
    /// # Errors
    /// [`LogError::Proof`] if out of range, [`LogError::Io`] or [`LogError::Corrupt`].
    pub fn entry(&self, index: u64) -> Result<Vec<u8>, LogError> {
        self.distrust_cache(self.reader.entry(index))
    }

    /// Inclusion proof of `index` in the tree of `size` (≤ the durable size).
    ///
    /// # Errors
    /// [`LogError::Proof`] for sizes or indices outside the durable log.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, LogError> {
        self.distrust_cache(self.reader.inclusion_proof(index, size))
    }

    /// Consistency proof between two durable sizes.
    ///
    /// # Errors
    /// [`LogError::Proof`] for sizes outside the durable log.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, LogError> {
        self.distrust_cache(self.reader.consistency_proof(old, new))
    }
}

impl Drop for AuditLog {
    /// Syncs the cache and moves the mark up to the last commit, so that the next open
    /// re-scans nothing. Best effort: if it fails, the next open re-scans a little more.
    fn drop(&mut self) {
        let mut w = lock(&self.writer);
        let state = self.reader.read_state();
        if w.poisoned || !w.cache_trusted || w.mark.size == state.size() {
            return;
        }
        let Some(cache) = self.reader.cache() else {
            return;
        };
        if cache.sync().is_ok() {
            w.anchor_seq += 1;
            let anchor = Anchor {
                seq: w.anchor_seq,
                size: state.size(),
                root: state.checkpoint.checkpoint.root,
                mark: Mark {
                    size: state.size(),
                    commit_at: state.commit_at,
                },
            };
            let _ = w.anchor.store(&anchor.to_slot(), true);
        }
    }
}

fn sign_checkpoint(
    origin: &str,
    key: &NoteKey,
    signer: &dyn Signer,
    size: u64,
    root: Hash,
) -> Result<SignedCheckpoint, LogError> {
    SignedCheckpoint::sign(origin, key, signer, size, root).map_err(note_error)
}

impl AuditSink for AuditLog {
    fn record(&self, event: Event, at: UnixTime) -> Result<Receipt, LogError> {
        self.append(event, at)
    }

    fn record_batch(&self, events: Vec<Event>, at: UnixTime) -> Result<Vec<Receipt>, LogError> {
        self.append_batch(events, at)
    }

    fn recorded_size(&self) -> Option<u64> {
        Some(self.size())
    }

    fn issued_since(&self, from: u64) -> Result<Option<Vec<(u64, Hash)>>, LogError> {
        let mut issued = Vec::new();
        for index in from..self.size() {
            let entry = AuditEntry::decode(&self.entry(index)?)?;
            if entry.event.kind == crate::audit::EventKind::CertificateIssued {
                issued.push((index, entry.event.object_digest));
            }
        }
        Ok(Some(issued))
    }
}
