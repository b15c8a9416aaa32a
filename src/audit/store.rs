//! The durable embedded log: one append-only segment file of CRC32C-framed records, group
//! commit, and an anti-rollback anchor.
//!
//! ```text
//! <dir>/LOCK      advisory lock: one writer per log
//! <dir>/log.seg   header (64 B) then 8-byte-aligned frames:
//!                   type u8 (1 ENTRY, 2 COMMIT) ‖ body_len u24 ‖ crc32c(type ‖ len ‖ body) u32 ‖ body ‖ zero pad
//!                   ENTRY  body: index u64 ‖ AuditEntry
//!                   COMMIT body: tree_size u64 ‖ root[32] ‖ note_len u16 ‖ signed checkpoint note
//! <dir>/anchor    two 64-byte slots: "YZANCHOR" ‖ seq u64 ‖ size u64 ‖ root[32] ‖ 0u32 ‖ crc32c u32
//! ```
//!
//! A batch is acknowledged only after its ENTRY frames and its COMMIT (with the signed
//! checkpoint) are `fdatasync`ed, and the anchor slot recording it is synced too. On open, the
//! segment is scanned: frames after the last valid COMMIT were never acknowledged and are
//! truncated; a bad frame followed by a valid one, a content error under a valid checksum, a
//! size below the anchor (rollback) or a different root at the anchor's size (fork) refuse
//! the open. A failed sync poisons the log: it must be reopened, since the page cache may hold
//! what the disk lost.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, MutexGuard, RwLock};

use crate::audit::entry::{AuditEntry, EntryError, Event};
use crate::audit::merkle::{Hash, MemoryTree, ProofError};
use crate::audit::note::{Checkpoint, KeyRole, Note, NoteError, NoteKey, SignedCheckpoint};
use crate::crypto::{Signer, sha256};
use crate::encoding::durable::{self, Slot, SlotFile, SlotRead};
use crate::encoding::frame;
use crate::time::UnixTime;

const SEGMENT_MAGIC: &[u8; 8] = b"YZLOGSEG";
const ANCHOR_MAGIC: &[u8; 8] = b"YZANCHOR";
const HEADER_LEN: usize = 64;
const FRAME_HEADER_LEN: usize = 8;
const ANCHOR_SLOT_LEN: usize = 64;
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_millis(100);
const ENTRY_FRAME: u8 = 1;
const COMMIT_FRAME: u8 = 2;

/// Why the log could not open, append or prove.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LogError {
    /// An I/O operation failed.
    #[error("I/O error while {context}: {kind}")]
    Io {
        /// What the log was doing.
        context: &'static str,
        /// The error kind.
        kind: std::io::ErrorKind,
    },
    /// Another writer holds the log.
    #[error("the log is locked by another writer")]
    Locked,
    /// The files are not a log of this origin (or not a log at all).
    #[error("not a log of this origin: {0}")]
    WrongLog(&'static str),
    /// Acknowledged data is damaged.
    #[error("the log is corrupt at byte {offset}: {what}")]
    Corrupt {
        /// Where the damage starts.
        offset: u64,
        /// What is wrong.
        what: &'static str,
    },
    /// The log holds fewer entries than the anchor recorded as acknowledged.
    #[error("rollback: the anchor records {anchor_size} entries, the log has {found}")]
    Rollback {
        /// Size recorded by the anchor.
        anchor_size: u64,
        /// Size found in the segment.
        found: u64,
    },
    /// The log's history differs from the one the anchor recorded.
    #[error("fork: the root at size {size} differs from the anchor's")]
    Fork {
        /// The anchor's size.
        size: u64,
    },
    /// The checkpoints are signed by another key than the one given.
    #[error("the log's checkpoints are not signed by this key")]
    WrongKey,
    /// A previous sync failed; reopen the log.
    #[error("a previous write failed; reopen the log")]
    Poisoned,
    /// The event does not fit the entry format.
    #[error(transparent)]
    Entry(#[from] EntryError),
    /// Signing or checking a checkpoint failed.
    #[error("checkpoint: {0}")]
    Checkpoint(String),
    /// A proof was asked for sizes or indices outside the log.
    #[error(transparent)]
    Proof(#[from] ProofError),
}

fn io(context: &'static str) -> impl Fn(std::io::Error) -> LogError {
    move |e| LogError::Io {
        context,
        kind: e.kind(),
    }
}

fn note_error(e: NoteError) -> LogError {
    LogError::Checkpoint(e.to_string())
}

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
}

/// Durable state recorded outside the segment: what was acknowledged last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Anchor {
    seq: u64,
    size: u64,
    root: Hash,
}

impl Anchor {
    fn to_slot(self) -> Slot {
        let mut payload = self.size.to_be_bytes().to_vec();
        payload.extend_from_slice(&self.root);
        Slot {
            seq: self.seq,
            payload,
        }
    }

    fn from_slot(slot: &Slot) -> Option<Self> {
        Some(Self {
            seq: slot.seq,
            size: u64::from_be_bytes(slot.payload.get(..8)?.try_into().ok()?),
            root: slot.payload.get(8..40)?.try_into().ok()?,
        })
    }
}

/// Reads the anchor in `dir`: `None` if there is none yet.
fn read_anchor(path: &Path) -> Result<Option<Anchor>, LogError> {
    match SlotFile::read(path, ANCHOR_MAGIC, ANCHOR_SLOT_LEN).map_err(io("reading the anchor"))? {
        SlotRead::Absent => Ok(None),
        SlotRead::Damaged => Err(LogError::Corrupt {
            offset: 0,
            what: "both anchor slots are damaged",
        }),
        SlotRead::Found(slot) => Anchor::from_slot(&slot).map(Some).ok_or(LogError::Corrupt {
            offset: 0,
            what: "anchor slot malformed",
        }),
    }
}

fn segment_header(origin: &str) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[..8].copy_from_slice(SEGMENT_MAGIC);
    h[8..10].copy_from_slice(&1u16.to_be_bytes());
    h[12..16].copy_from_slice(&64u32.to_be_bytes());
    h[16..48].copy_from_slice(&sha256(origin.as_bytes()));
    let crc = crc32c::crc32c(&h[..60]);
    h[60..].copy_from_slice(&crc.to_be_bytes());
    h
}

/// One frame read from a segment.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame<'a> {
    /// An entry and its index.
    Entry {
        /// Its index.
        index: u64,
        /// The encoded entry.
        entry: &'a [u8],
    },
    /// A commit: tree size, root and the signed checkpoint note.
    Commit {
        /// Entries covered.
        size: u64,
        /// The tree head.
        root: Hash,
        /// The signed checkpoint note.
        note: &'a str,
    },
}

/// Why bytes at an offset are not a segment frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// Fewer bytes than the frame needs (or the all-zero end marker).
    Incomplete,
    /// The checksum does not match.
    Checksum,
    /// A valid checksum over a body that is not a well-formed frame.
    Malformed,
}

/// Parses the segment frame at the start of `bytes`; returns it and its padded length.
///
/// # Errors
/// [`FrameError`] describing why it is not a frame.
pub fn parse_frame(bytes: &[u8]) -> Result<(Frame<'_>, usize), FrameError> {
    let (kind, body, padded) = frame::read_frame(bytes).map_err(|e| match e {
        frame::FrameError::Incomplete => FrameError::Incomplete,
        frame::FrameError::Damaged => FrameError::Checksum,
    })?;
    let u64_at = |at: usize| {
        body.get(at..at + 8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_be_bytes)
    };
    let frame = match kind {
        ENTRY_FRAME => Frame::Entry {
            index: u64_at(0).ok_or(FrameError::Malformed)?,
            entry: &body[8.min(body.len())..],
        },
        COMMIT_FRAME => {
            let size = u64_at(0).ok_or(FrameError::Malformed)?;
            let root: Hash = body
                .get(8..40)
                .and_then(|r| r.try_into().ok())
                .ok_or(FrameError::Malformed)?;
            let note_len = body
                .get(40..42)
                .map(|n| usize::from(u16::from_be_bytes([n[0], n[1]])))
                .ok_or(FrameError::Malformed)?;
            if body.len() != 42 + note_len {
                return Err(FrameError::Malformed);
            }
            let note = core::str::from_utf8(&body[42..]).map_err(|_| FrameError::Malformed)?;
            Frame::Commit { size, root, note }
        }
        _ => return Err(FrameError::Malformed),
    };
    Ok((frame, padded))
}

/// What a scan of a segment established.
#[derive(Debug)]
struct Scan {
    tree: MemoryTree,
    offsets: Vec<u64>,
    last_time: u64,
    committed_end: u64,
    checkpoint: Option<SignedCheckpoint>,
    /// Offset of a damaged frame that valid frames follow (unwritten pages in an unsynced tail,
    /// or corruption: the anchor decides which).
    damage: Option<u64>,
}

/// Scans a segment: entries, hash chain, commits (root and signature). Returns the state at
/// the last valid commit, and where a damaged frame is followed by valid ones.
fn scan(bytes: &[u8], origin: &str, keys: &[NoteKey]) -> Result<Scan, LogError> {
    let header = bytes
        .get(..HEADER_LEN)
        .ok_or(LogError::WrongLog("segment shorter than its header"))?;
    if header != segment_header(origin) {
        return Err(if header[..8] == *SEGMENT_MAGIC {
            LogError::WrongLog("segment header is for another origin or damaged")
        } else {
            LogError::WrongLog("not a yinzheng log segment")
        });
    }
    let mut tree = MemoryTree::new();
    let mut offsets = Vec::new();
    let mut pos = HEADER_LEN;
    let mut last_time = 0;
    let mut previous = [0u8; 32];
    let mut committed = (0u64, HEADER_LEN, None::<SignedCheckpoint>, 0u64);
    let corrupt = |offset: usize, what| LogError::Corrupt {
        offset: offset as u64,
        what,
    };
    let mut damage = None;
    loop {
        let (frame, len) = match parse_frame(&bytes[pos..]) {
            Ok(f) => f,
            Err(FrameError::Malformed) => {
                return Err(corrupt(pos, "malformed frame under a valid checksum"));
            }
            Err(FrameError::Incomplete | FrameError::Checksum) => {
                if pos < bytes.len() && frame::intact_frame_after(bytes, pos + 8) {
                    damage = Some(pos as u64);
                }
                break;
            }
        };
        match frame {
            Frame::Entry { index, entry } => {
                if index != tree.size() {
                    return Err(corrupt(pos, "entry index out of sequence"));
                }
                let decoded =
                    AuditEntry::decode(entry).map_err(|_| corrupt(pos, "undecodable entry"))?;
                if decoded.previous_leaf != previous {
                    return Err(corrupt(pos, "hash chain broken"));
                }
                if decoded.log_time_ms < last_time {
                    return Err(corrupt(pos, "log time went backwards"));
                }
                last_time = decoded.log_time_ms;
                previous = crate::audit::merkle::leaf_hash(entry);
                tree.push(previous);
                offsets.push(pos as u64);
            }
            Frame::Commit { size, root, note } => {
                if size != tree.size() || tree.root(size).ok() != Some(root) {
                    return Err(corrupt(pos, "commit does not match the entries"));
                }
                let (signed, _) =
                    SignedCheckpoint::verify(note, origin, keys).map_err(|e| match e {
                        NoteError::NoKnownSignature => LogError::WrongKey,
                        _ => corrupt(pos, "commit checkpoint does not verify"),
                    })?;
                if signed.checkpoint.size != size || signed.checkpoint.root != root {
                    return Err(corrupt(pos, "commit checkpoint differs from the commit"));
                }
                committed = (size, pos + len, Some(signed), last_time);
            }
        }
        pos += len;
    }
    let (size, end, checkpoint, time) = committed;
    tree.truncate(size);
    offsets.truncate(usize::try_from(size).unwrap_or(usize::MAX));
    Ok(Scan {
        tree,
        offsets,
        last_time: time,
        committed_end: end as u64,
        checkpoint,
        damage,
    })
}

/// Summary of a verified segment file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogSummary {
    /// Entries up to the last commit.
    pub size: u64,
    /// The last commit's signed checkpoint.
    pub checkpoint: Option<SignedCheckpoint>,
    /// Bytes after the last commit (an unacknowledged tail).
    pub uncommitted_bytes: u64,
}

/// Verifies a whole segment file with nothing but the log's public key: header, every frame
/// checksum, the entries' hash chain and order, and every commit's root and signed checkpoint.
///
/// # Errors
/// [`LogError`] at the first problem.
pub fn verify_segment(
    bytes: &[u8],
    origin: &str,
    log_key: &NoteKey,
) -> Result<LogSummary, LogError> {
    let scan = scan(bytes, origin, std::slice::from_ref(log_key))?;
    if let Some(offset) = scan.damage {
        return Err(LogError::Corrupt {
            offset,
            what: "damaged frame followed by valid frames",
        });
    }
    Ok(summary(scan, bytes.len() as u64))
}

fn summary(scan: Scan, len: u64) -> LogSummary {
    LogSummary {
        size: scan.tree.size(),
        uncommitted_bytes: len - scan.committed_end,
        checkpoint: scan.checkpoint,
    }
}

/// Verifies a log directory as it lies, with nothing but the log's public key and without
/// the writer lock: the segment as [`verify_segment`] does, and the anchor beside it (the
/// segment must hold every entry the anchor records, with the anchor's root). Bytes after
/// the last commit are reported in [`LogSummary::uncommitted_bytes`], not repaired.
///
/// # Errors
/// [`LogError::Rollback`] if the segment ends before the anchor's size, [`LogError::Corrupt`]
/// if acknowledged entries are damaged, [`LogError::Fork`], [`LogError::WrongKey`], …
pub fn verify_dir(dir: &Path, origin: &str, log_key: &NoteKey) -> Result<LogSummary, LogError> {
    let anchor = read_anchor(&dir.join("anchor"))?;
    let bytes = std::fs::read(dir.join("log.seg")).map_err(io("reading the segment"))?;
    let scan = scan(&bytes, origin, std::slice::from_ref(log_key))?;
    let len = bytes.len() as u64;
    check_against_anchor(&scan, anchor, len)?;
    if let Some(offset) = scan.damage {
        return Err(LogError::Corrupt {
            offset,
            what: "damaged frame followed by valid frames",
        });
    }
    Ok(summary(scan, len))
}

/// Refuses a segment that lacks what the anchor records as acknowledged: a clean end before
/// the anchor's size is a rollback, damage before it is corruption, another root a fork.
fn check_against_anchor(scan: &Scan, anchor: Option<Anchor>, len: u64) -> Result<(), LogError> {
    let size = scan.tree.size();
    // Damage with valid frames after it is an unsynced tail only beyond what the anchor
    // records as acknowledged.
    if let Some(offset) = scan.damage
        && anchor.is_none_or(|a| size < a.size)
    {
        return Err(LogError::Corrupt {
            offset,
            what: "damaged frame followed by valid frames",
        });
    }
    let Some(a) = anchor else {
        return Ok(());
    };
    if a.size > size {
        if scan.committed_end < len {
            return Err(LogError::Corrupt {
                offset: scan.committed_end,
                what: "acknowledged entries are damaged or cut short",
            });
        }
        return Err(LogError::Rollback {
            anchor_size: a.size,
            found: size,
        });
    }
    if scan.tree.root(a.size)? != a.root {
        return Err(LogError::Fork { size: a.size });
    }
    Ok(())
}

/// Mutable state behind the read/write lock.
struct State {
    tree: MemoryTree,
    offsets: Vec<u64>,
    checkpoint: SignedCheckpoint,
    last_time: u64,
}

/// What only the committing thread touches.
struct WriterIo {
    segment: File,
    end: u64,
    anchor: SlotFile,
    anchor_seq: u64,
    poisoned: bool,
}

/// Group commit bookkeeping.
#[derive(Default)]
struct Group {
    queue: Vec<(u64, Event, UnixTime)>,
    next_ticket: u64,
    done: Vec<(u64, Result<Receipt, LogError>)>,
    leader: bool,
}

/// The embedded durable audit log (one writer process per directory).
pub struct AuditLog {
    origin: String,
    key: NoteKey,
    signer: Box<dyn Signer>,
    state: RwLock<State>,
    writer: Mutex<WriterIo>,
    group: Mutex<Group>,
    wake: Condvar,
    reader: Mutex<File>,
    _lock: File,
    dir: PathBuf,
}

impl core::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AuditLog")
            .field("origin", &self.origin)
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl AuditLog {
    /// Opens (or creates) the log in `dir` for `origin`, signing checkpoints with `signer`
    /// (Ed25519). Runs recovery: see the module docs.
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
        let anchor_path = dir.join("anchor");
        let anchor = read_anchor(&anchor_path)?;
        let path = dir.join("log.seg");
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
            durable::create_atomically(&path, &segment_header(origin))
                .map_err(io("creating the segment"))?;
        }
        let mut segment = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .map_err(io("opening the segment"))?;
        let bytes = durable::read_all(&mut segment).map_err(io("reading the segment"))?;
        let scanned = scan(&bytes, origin, std::slice::from_ref(&key))?;
        check_against_anchor(&scanned, anchor, bytes.len() as u64)?;
        if scanned.committed_end < bytes.len() as u64 {
            segment
                .set_len(scanned.committed_end)
                .map_err(io("truncating the torn tail"))?;
            segment.sync_all().map_err(io("syncing the segment"))?;
        }
        let size = scanned.tree.size();
        let checkpoint = match scanned.checkpoint {
            Some(c) => c,
            None => sign_checkpoint(origin, &key, &signer, 0, crate::audit::merkle::empty_root())?,
        };
        let current = Anchor {
            seq: anchor.map_or(1, |a| a.seq + 1),
            size,
            root: checkpoint.checkpoint.root,
        };
        let (mut anchor_file, _) = SlotFile::open_or_create(
            &anchor_path,
            ANCHOR_MAGIC,
            ANCHOR_SLOT_LEN,
            &current.to_slot(),
        )
        .map_err(io("creating the anchor"))?;
        if anchor.is_some_and(|a| a.size < size) {
            anchor_file
                .store(&current.to_slot(), true)
                .map_err(io("writing the anchor"))?;
        }
        let writer = WriterIo {
            segment,
            end: scanned.committed_end,
            anchor: anchor_file,
            anchor_seq: if anchor.is_some_and(|a| a.size >= size) {
                anchor.map_or(0, |a| a.seq)
            } else {
                current.seq
            },
            poisoned: false,
        };
        let reader = File::open(&path).map_err(io("opening the segment for reading"))?;
        Ok(Self {
            origin: origin.to_owned(),
            key,
            signer: Box::new(signer),
            state: RwLock::new(State {
                tree: scanned.tree,
                offsets: scanned.offsets,
                checkpoint,
                last_time: scanned.last_time,
            }),
            writer: Mutex::new(writer),
            group: Mutex::new(Group::default()),
            wake: Condvar::new(),
            reader: Mutex::new(reader),
            _lock: lock_file,
            dir: dir.to_owned(),
        })
    }

    /// The log's origin.
    #[must_use]
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The log's verifier key (give it to auditors).
    #[must_use]
    pub fn key(&self) -> &NoteKey {
        &self.key
    }

    /// The latest durable signed checkpoint.
    #[must_use]
    pub fn checkpoint(&self) -> SignedCheckpoint {
        self.read_state().checkpoint.clone()
    }

    /// Number of durable entries.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.read_state().checkpoint.checkpoint.size
    }

    fn read_state(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
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
        let ticket = group.next_ticket;
        group.next_ticket += 1;
        group.queue.push((ticket, event, at));
        loop {
            if let Some(i) = group.done.iter().position(|(t, _)| *t == ticket) {
                return group.done.swap_remove(i).1;
            }
            if group.leader {
                group = self
                    .wake
                    .wait(group)
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                continue;
            }
            group.leader = true;
            let batch = std::mem::take(&mut group.queue);
            drop(group);
            let (tickets, events): (Vec<u64>, Vec<(Event, UnixTime)>) =
                batch.into_iter().map(|(t, e, at)| (t, (e, at))).unzip();
            let results = self.commit(events);
            group = lock(&self.group);
            match results {
                Ok(receipts) => group
                    .done
                    .extend(tickets.into_iter().zip(receipts.into_iter().map(Ok))),
                Err(e) => group
                    .done
                    .extend(tickets.into_iter().map(|t| (t, Err(e.clone())))),
            }
            group.leader = false;
            self.wake.notify_all();
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
        let mut w = lock(&self.writer);
        if w.poisoned {
            return Err(LogError::Poisoned);
        }
        if events.is_empty() {
            return Ok(Vec::new());
        }
        // Sequence: entries, leaf hashes, the new root, the signed checkpoint, the frames.
        let mut frames = Vec::with_capacity(events.len() * 300 + 512);
        let (first, leaves, root, last_time, frame_offsets, checkpoint) = {
            let mut state = self
                .state
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let first = state.tree.size();
            let mut previous = state.tree.leaf(first.wrapping_sub(1)).unwrap_or([0; 32]);
            let mut time = state.last_time;
            let mut leaves = Vec::with_capacity(events.len());
            let mut frame_offsets = Vec::with_capacity(events.len());
            for (i, (event, at)) in events.into_iter().enumerate() {
                time = time.max(at.as_secs().saturating_mul(1000));
                let entry = AuditEntry {
                    event,
                    log_time_ms: time,
                    previous_leaf: previous,
                };
                let bytes = entry.encode()?;
                previous = crate::audit::merkle::leaf_hash(&bytes);
                let mut body = (first + i as u64).to_be_bytes().to_vec();
                body.extend_from_slice(&bytes);
                frame_offsets.push(w.end + frames.len() as u64);
                frame::push_frame(&mut frames, ENTRY_FRAME, &body);
                state.tree.push(previous);
                leaves.push(previous);
            }
            let size = state.tree.size();
            let root = state.tree.root(size)?;
            let checkpoint =
                match sign_checkpoint(&self.origin, &self.key, self.signer.as_ref(), size, root) {
                    Ok(c) => c,
                    Err(e) => {
                        state.tree.truncate(first);
                        return Err(e);
                    }
                };
            let mut body = size.to_be_bytes().to_vec();
            body.extend_from_slice(&root);
            let note = checkpoint.note.as_bytes();
            body.extend_from_slice(&u16::try_from(note.len()).unwrap_or(u16::MAX).to_be_bytes());
            body.extend_from_slice(note);
            frame::push_frame(&mut frames, COMMIT_FRAME, &body);
            (first, leaves, root, time, frame_offsets, checkpoint)
        };
        // Durable before anyone sees it: segment, then anchor.
        let end = w.end;
        let written = w
            .segment
            .seek(SeekFrom::Start(end))
            .and_then(|_| w.segment.write_all(&frames))
            .and_then(|()| w.segment.sync_data())
            .map_err(io("writing the segment"));
        let anchored = written.and_then(|()| {
            w.anchor_seq += 1;
            let anchor = Anchor {
                seq: w.anchor_seq,
                size: first + leaves.len() as u64,
                root,
            };
            w.anchor
                .store(&anchor.to_slot(), true)
                .map_err(io("writing the anchor"))
        });
        let mut state = self
            .state
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Err(e) = anchored {
            w.poisoned = true;
            state.tree.truncate(first);
            return Err(e);
        }
        w.end = end + frames.len() as u64;
        state.offsets.extend(frame_offsets);
        state.checkpoint = checkpoint.clone();
        state.last_time = last_time;
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

    /// The encoded entry at `index` (durable entries only).
    ///
    /// # Errors
    /// [`LogError::Proof`] if out of range, [`LogError::Io`] or [`LogError::Corrupt`].
    pub fn entry(&self, index: u64) -> Result<Vec<u8>, LogError> {
        let offset = {
            let state = self.read_state();
            let size = state.checkpoint.checkpoint.size;
            if index >= size {
                return Err(ProofError::IndexOutOfRange { index, size }.into());
            }
            let i = usize::try_from(index).unwrap_or(usize::MAX);
            state.offsets[i]
        };
        let mut reader = lock(&self.reader);
        let mut header = [0u8; 8];
        reader
            .seek(SeekFrom::Start(offset))
            .map_err(io("reading an entry"))?;
        reader
            .read_exact(&mut header)
            .map_err(io("reading an entry"))?;
        let len =
            (usize::from(header[1]) << 16 | usize::from(header[2]) << 8 | usize::from(header[3]))
                .min(frame::MAX_FRAME_BODY);
        let mut frame = header.to_vec();
        frame.resize((FRAME_HEADER_LEN + len).next_multiple_of(8), 0);
        reader
            .read_exact(&mut frame[8..])
            .map_err(io("reading an entry"))?;
        match parse_frame(&frame) {
            Ok((Frame::Entry { index: i, entry }, _)) if i == index => Ok(entry.to_vec()),
            _ => Err(LogError::Corrupt {
                offset,
                what: "entry frame changed on disk",
            }),
        }
    }

    /// Inclusion proof of `index` in the tree of `size` (≤ the durable size).
    ///
    /// # Errors
    /// [`LogError::Proof`] for sizes or indices outside the durable log.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, LogError> {
        let state = self.read_state();
        check_durable(size, &state)?;
        Ok(state.tree.inclusion_proof(index, size)?)
    }

    /// Consistency proof between two durable sizes.
    ///
    /// # Errors
    /// [`LogError::Proof`] for sizes outside the durable log.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, LogError> {
        let state = self.read_state();
        check_durable(new, &state)?;
        Ok(state.tree.consistency_proof(old, new)?)
    }
}

fn check_durable(size: u64, state: &State) -> Result<(), LogError> {
    let durable = state.checkpoint.checkpoint.size;
    if size > durable {
        return Err(ProofError::SizeOutOfRange {
            old: size,
            new: durable,
        }
        .into());
    }
    Ok(())
}

fn sign_checkpoint(
    origin: &str,
    key: &NoteKey,
    signer: &dyn Signer,
    size: u64,
    root: Hash,
) -> Result<SignedCheckpoint, LogError> {
    let checkpoint = Checkpoint {
        origin: origin.to_owned(),
        size,
        root,
        extensions: Vec::new(),
    };
    let mut note = Note::new(&checkpoint.body()).map_err(note_error)?;
    note.sign(key, signer).map_err(note_error)?;
    Ok(SignedCheckpoint {
        checkpoint,
        note: note.encode(),
    })
}

impl AuditSink for AuditLog {
    fn record(&self, event: Event, at: UnixTime) -> Result<Receipt, LogError> {
        self.append(event, at)
    }

    fn record_batch(&self, events: Vec<Event>, at: UnixTime) -> Result<Vec<Receipt>, LogError> {
        self.append_batch(events, at)
    }
}
