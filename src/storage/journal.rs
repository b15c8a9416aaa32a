//! The embedded status store: a journal with the audit log's discipline.
//!
//! ```text
//! <journal>         header (16 B): "YZSTATUS" ‖ u32 version 2 ‖ u32 crc32c(header[..12])
//!                   then frames (crate::encoding::frame): type 1 RECORD, type 2 RECORD ending a batch
//!                     body = u64 sequence (0, 1, 2, …) ‖ record
//! <journal>.anchor  two 96-byte slots (encoding::durable), payload:
//!                     u64 count ‖ u64 end ‖ u64 observed ‖ chain[32]
//! <journal>.lock    advisory lock: one writer at a time
//!
//! chain(0) = 32 zero bytes; chain(n) = SHA-256(chain(n-1) ‖ body of record n-1)
//! ```
//!
//! A batch is acknowledged once its frames are `fdatasync`ed and then an anchor slot recording
//! its count, end offset and chain value is synced. On open, every acknowledged record must be
//! there, intact, in sequence and with the anchor's chain value: a shorter journal is a
//! rollback, a damaged record is corruption, and edited, swapped, replaced or repeated records
//! break the sequence or the chain. After the acknowledged records, whole batches (synced
//! before a crash stopped the anchor write) are kept and anchored; a torn batch was never
//! acknowledged and is truncated. `observed` counts the records whose observer (the audit
//! log) is known to have them; the registry completes the rest when an observer is attached.

use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::crypto::sha256;
use crate::encoding::durable::{self, Slot, SlotFile, SlotRead};
use crate::encoding::frame;
use crate::status::{LoadedRecords, RegistryConfig, RegistryError, StatusRegistry, StatusStore};

const JOURNAL_MAGIC: &[u8; 8] = b"YZSTATUS";
const ANCHOR_MAGIC: &[u8; 8] = b"YZJANCHR";
const VERSION: u32 = 2;
const HEADER_LEN: usize = 16;
const SLOT_LEN: usize = 96;
const RECORD: u8 = 1;
const BATCH_END: u8 = 2;
/// How long a writer retries a held lock by default (see `durable::lock_exclusive`).
const DEFAULT_LOCK_WAIT: Duration = Duration::from_millis(100);

fn io(context: &'static str) -> impl Fn(std::io::Error) -> RegistryError {
    move |e| RegistryError::Io {
        context,
        kind: e.kind(),
    }
}

fn corrupt(offset: usize, what: &'static str) -> RegistryError {
    RegistryError::Corrupt {
        offset: offset as u64,
        what,
    }
}

/// What the anchor records: the acknowledged prefix of the journal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Acknowledged {
    slot: u64,
    count: u64,
    end: u64,
    observed: u64,
    chain: [u8; 32],
}

impl Acknowledged {
    const EMPTY: Self = Self {
        slot: 1,
        count: 0,
        end: HEADER_LEN as u64,
        observed: 0,
        chain: [0; 32],
    };

    fn to_slot(self) -> Slot {
        let mut payload = Vec::with_capacity(56);
        payload.extend_from_slice(&self.count.to_be_bytes());
        payload.extend_from_slice(&self.end.to_be_bytes());
        payload.extend_from_slice(&self.observed.to_be_bytes());
        payload.extend_from_slice(&self.chain);
        Slot {
            seq: self.slot,
            payload,
        }
    }

    fn from_slot(slot: &Slot) -> Option<Self> {
        let p = &slot.payload;
        let u64_at = |at: usize| Some(u64::from_be_bytes(p.get(at..at + 8)?.try_into().ok()?));
        Some(Self {
            slot: slot.seq,
            count: u64_at(0)?,
            end: u64_at(8)?,
            observed: u64_at(16)?,
            chain: p.get(24..56)?.try_into().ok()?,
        })
    }
}

/// What the anchor at `path` records; `None` if there is none yet.
fn read_acknowledged(path: &Path) -> Result<Option<Acknowledged>, RegistryError> {
    match SlotFile::read(path, ANCHOR_MAGIC, SLOT_LEN).map_err(io("reading the anchor"))? {
        SlotRead::Absent => Ok(None),
        SlotRead::Damaged => Err(corrupt(0, "both anchor slots are damaged")),
        SlotRead::Found(slot) => Acknowledged::from_slot(&slot)
            .map(Some)
            .ok_or(corrupt(0, "anchor slot malformed")),
    }
}

/// Checks a journal's bytes against its anchor's bytes as a reader's open and load do, with
/// no files (for tools that hold copies, and for fuzzing). Returns how many records a reader
/// would load: every acknowledged one, and the whole batches after them.
///
/// # Errors
/// As [`FileStatusStore::open_read_only`] and [`StatusStore::load`]: a damaged or missing
/// anchor, acknowledged records lost, damaged, reordered or replaced.
pub fn verify_journal(journal: &[u8], anchor: &[u8]) -> Result<u64, RegistryError> {
    let acknowledged = match durable::newest(anchor, ANCHOR_MAGIC, SLOT_LEN) {
        SlotRead::Absent if journal.len() <= HEADER_LEN => Acknowledged::EMPTY,
        SlotRead::Absent => return Err(RegistryError::AnchorMissing),
        SlotRead::Damaged => return Err(corrupt(0, "both anchor slots are damaged")),
        SlotRead::Found(slot) => {
            Acknowledged::from_slot(&slot).ok_or(corrupt(0, "anchor slot malformed"))?
        }
    };
    Ok(scan(journal, &acknowledged)?.records.len() as u64)
}

/// chain(n) = SHA-256(chain(n−1) ‖ body of record n−1).
fn next_chain(chain: &[u8; 32], body: &[u8]) -> [u8; 32] {
    let mut input = Vec::with_capacity(32 + body.len());
    input.extend_from_slice(chain);
    input.extend_from_slice(body);
    sha256(&input)
}

fn header() -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[..8].copy_from_slice(JOURNAL_MAGIC);
    h[8..12].copy_from_slice(&VERSION.to_be_bytes());
    let crc = crc32c::crc32c(&h[..12]);
    h[12..].copy_from_slice(&crc.to_be_bytes());
    h
}

/// The embedded store: a journal file, its anchor and its writer lock (see the module docs).
#[derive(Debug)]
pub struct FileStatusStore {
    path: PathBuf,
    file: File,
    /// `None` when opened read-only.
    anchor: Option<SlotFile>,
    acknowledged: Acknowledged,
    _lock: Option<File>,
}

impl FileStatusStore {
    /// Opens (or creates) the journal at `path` as its one writer, waiting up to 100 ms for
    /// another writer's lock.
    ///
    /// # Errors
    /// [`RegistryError::Locked`], [`RegistryError::Io`].
    pub fn open(path: &Path) -> Result<Self, RegistryError> {
        Self::open_waiting(path, DEFAULT_LOCK_WAIT)
    }

    /// Opens (or creates) the journal at `path` as its one writer, waiting up to `wait` for
    /// another writer to finish.
    ///
    /// # Errors
    /// [`RegistryError::Locked`] if the lock is still held after `wait`, [`RegistryError::Io`].
    pub fn open_waiting(path: &Path, wait: Duration) -> Result<Self, RegistryError> {
        // The lock comes before anything is read.
        let lock = durable::lock_exclusive(&durable::sibling(path, ".lock"), wait)
            .map_err(io("locking the journal"))?
            .ok_or(RegistryError::Locked)?;
        let anchor_path = durable::sibling(path, ".anchor");
        let existing = read_acknowledged(&anchor_path)?;
        let journal_len = durable::file_len(path).map_err(io("reading the journal"))?;
        if journal_len < HEADER_LEN as u64 {
            // Absent, empty or torn at creation: nothing in it was acknowledged, unless the
            // anchor says otherwise.
            if let Some(a) = existing.filter(|a| a.count > 0) {
                return Err(RegistryError::Rollback {
                    acknowledged: a.count,
                    found: 0,
                });
            }
            durable::create_atomically(path, &header()).map_err(io("creating the journal"))?;
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(io("opening the journal"))?;
        let acknowledged = match existing {
            Some(a) => a,
            None => {
                // A journal with records but no anchor cannot show what was acknowledged.
                if durable::file_len(path).map_err(io("reading the journal"))? > HEADER_LEN as u64 {
                    return Err(RegistryError::AnchorMissing);
                }
                Acknowledged::EMPTY
            }
        };
        let (anchor, _) = SlotFile::open_or_create(
            &anchor_path,
            ANCHOR_MAGIC,
            SLOT_LEN,
            &acknowledged.to_slot(),
        )
        .map_err(io("creating the anchor"))?;
        Ok(Self {
            path: path.to_owned(),
            file,
            anchor: Some(anchor),
            acknowledged,
            _lock: Some(lock),
        })
    }

    /// Opens the journal at `path` to read its acknowledged records, without the writer lock
    /// and without repairing anything (for publishing lists beside a running writer).
    ///
    /// # Errors
    /// [`RegistryError::AnchorMissing`] and the errors of [`StatusStore::load`].
    pub fn open_read_only(path: &Path) -> Result<Self, RegistryError> {
        let anchor_path = durable::sibling(path, ".anchor");
        let acknowledged = read_acknowledged(&anchor_path)?.ok_or(RegistryError::AnchorMissing)?;
        let file = File::open(path).map_err(io("opening the journal"))?;
        Ok(Self {
            path: path.to_owned(),
            file,
            anchor: None,
            acknowledged,
            _lock: None,
        })
    }

    /// The journal's path.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// What a scan of the journal found.
struct Scan {
    records: Vec<Vec<u8>>,
    /// The end of the last whole batch, its record count and chain value.
    kept: (usize, u64, [u8; 32]),
}

/// Checks the acknowledged records and finds the whole batches after them.
fn scan(bytes: &[u8], acknowledged: &Acknowledged) -> Result<Scan, RegistryError> {
    let head = bytes
        .get(..HEADER_LEN)
        .ok_or(corrupt(0, "shorter than its header"))?;
    if head[..8] != JOURNAL_MAGIC[..] || crc32c::crc32c(&head[..12]).to_be_bytes() != head[12..] {
        return Err(corrupt(0, "not a status journal"));
    }
    if head[8..12] != VERSION.to_be_bytes() {
        return Err(corrupt(8, "journal format version is not 2"));
    }
    let mut records = Vec::new();
    let mut pos = HEADER_LEN;
    let mut chain = [0u8; 32];
    let mut kept = (pos, 0u64, chain);
    loop {
        let count = records.len() as u64;
        if count == acknowledged.count
            && (pos as u64 != acknowledged.end || chain != acknowledged.chain)
        {
            return Err(corrupt(
                pos,
                "the records differ from the acknowledged history (edited, swapped or replaced)",
            ));
        }
        let (kind, body, len) = match frame::read_frame(&bytes[pos..]) {
            Ok(f) => f,
            Err(_) if count < acknowledged.count && pos == bytes.len() => {
                return Err(RegistryError::Rollback {
                    acknowledged: acknowledged.count,
                    found: count,
                });
            }
            Err(_) if count < acknowledged.count => {
                return Err(corrupt(
                    pos,
                    "an acknowledged record is damaged or cut short",
                ));
            }
            // After the acknowledged records: a torn, never-acknowledged batch.
            Err(_) => break,
        };
        if kind != RECORD && kind != BATCH_END {
            return Err(corrupt(pos, "unknown frame type"));
        }
        let sequence = body
            .get(..8)
            .and_then(|s| s.try_into().ok())
            .map(u64::from_be_bytes)
            .ok_or(corrupt(pos, "record without a sequence number"))?;
        if sequence != count {
            return Err(corrupt(
                pos,
                "record out of sequence (swapped, repeated or missing records)",
            ));
        }
        chain = next_chain(&chain, body);
        records.push(body[8..].to_vec());
        pos += len;
        if kind == BATCH_END {
            kept = (pos, count + 1, chain);
        }
    }
    records.truncate(usize::try_from(kept.1).unwrap_or(usize::MAX));
    Ok(Scan { records, kept })
}

impl StatusStore for FileStatusStore {
    fn load(&mut self) -> Result<LoadedRecords, RegistryError> {
        let bytes = durable::read_all(&mut self.file).map_err(io("reading the journal"))?;
        let mut scanned = scan(&bytes, &self.acknowledged)?;
        let Some(anchor) = self.anchor.as_mut() else {
            // A reader sees what was acknowledged, nothing after.
            scanned
                .records
                .truncate(usize::try_from(self.acknowledged.count).unwrap_or(usize::MAX));
            return Ok(LoadedRecords {
                records: scanned.records,
                observed: self.acknowledged.observed,
            });
        };
        let (end, count, chain) = scanned.kept;
        if end < bytes.len() {
            self.file
                .set_len(end as u64)
                .map_err(io("truncating the torn tail"))?;
            self.file.sync_all().map_err(io("syncing the journal"))?;
        }
        if count > self.acknowledged.count {
            let next = Acknowledged {
                slot: self.acknowledged.slot + 1,
                count,
                end: end as u64,
                observed: self.acknowledged.observed,
                chain,
            };
            anchor
                .store(&next.to_slot(), true)
                .map_err(io("writing the anchor"))?;
            self.acknowledged = next;
        }
        Ok(LoadedRecords {
            records: scanned.records,
            observed: self.acknowledged.observed,
        })
    }

    fn append(&mut self, records: &[Vec<u8>]) -> Result<(), RegistryError> {
        let anchor = self.anchor.as_mut().ok_or(RegistryError::ReadOnly)?;
        if records.is_empty() {
            return Ok(());
        }
        let mut next = self.acknowledged;
        let mut framed = Vec::with_capacity(records.iter().map(|r| r.len() + 24).sum());
        for (i, record) in records.iter().enumerate() {
            let mut body = Vec::with_capacity(record.len() + 8);
            body.extend_from_slice(&next.count.to_be_bytes());
            body.extend_from_slice(record);
            let kind = if i + 1 == records.len() {
                BATCH_END
            } else {
                RECORD
            };
            frame::push_frame(&mut framed, kind, &body);
            next.chain = next_chain(&next.chain, &body);
            next.count += 1;
        }
        self.file
            .seek(SeekFrom::Start(next.end))
            .and_then(|_| self.file.write_all(&framed))
            .and_then(|()| self.file.sync_data())
            .map_err(io("writing the journal"))?;
        next.end += framed.len() as u64;
        next.slot += 1;
        anchor
            .store(&next.to_slot(), true)
            .map_err(io("writing the anchor"))?;
        self.acknowledged = next;
        Ok(())
    }

    fn mark_observed(&mut self, through: u64) -> Result<(), RegistryError> {
        if self.anchor.is_none() {
            return Err(RegistryError::ReadOnly);
        }
        // Kept until the next batch's (synced) anchor write: an anchor slot written unsynced
        // could be lost while the next write tears the other one. A lost mark only makes the
        // next open check those records again.
        self.acknowledged.observed = through.min(self.acknowledged.count);
        Ok(())
    }

    fn writable(&self) -> bool {
        self.anchor.is_some()
    }

    fn acknowledged_now(&mut self) -> Result<Option<u64>, RegistryError> {
        Ok(read_acknowledged(&durable::sibling(&self.path, ".anchor"))?.map(|a| a.count))
    }
}

// Inherent here, beside the store they open, so that the registry itself knows no files.
impl StatusRegistry {
    /// Opens the registry journalled in the file at `path` as its one writer (see
    /// [`FileStatusStore::open`]).
    ///
    /// # Errors
    /// [`RegistryError`].
    pub fn open_file(path: &Path, config: RegistryConfig) -> Result<Self, RegistryError> {
        Self::open(FileStatusStore::open(path)?, config)
    }

    /// Opens the registry journalled at `path` read-only, without the writer lock: for
    /// publishing lists and answering queries beside a running writer. Changes are refused
    /// with [`RegistryError::ReadOnly`].
    ///
    /// # Errors
    /// [`RegistryError`].
    pub fn open_file_read_only(path: &Path, config: RegistryConfig) -> Result<Self, RegistryError> {
        Self::open(FileStatusStore::open_read_only(path)?, config)
    }
}
