//! File primitives the append-only stores share (the audit segment and the status journal):
//! a two-slot anchor file, crash-safe creation, directory sync and the writer lock.
//!
//! ```text
//! slot = magic[8] ‖ u64 seq ‖ payload ‖ u32 crc32c(magic ‖ seq ‖ payload)
//! ```
//!
//! An anchor file holds two slots written alternately (`seq` even → slot 0, odd → slot 1), so
//! a torn write leaves the other one intact; the valid slot with the higher `seq` wins.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

const RETRY: Duration = Duration::from_millis(2);
const MAX_SEQ: u64 = 1 << 62;

/// The newest valid slot of an anchor file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Slot {
    pub seq: u64,
    pub payload: Vec<u8>,
}

/// An anchor file: two fixed-size slots after each other.
#[derive(Debug)]
pub(crate) struct SlotFile {
    file: File,
    magic: [u8; 8],
    slot_len: usize,
}

/// What an anchor file held when opened.
pub(crate) enum SlotRead {
    /// No file, or an empty one (created by older code and never written).
    Absent,
    /// Bytes, but no valid slot.
    Damaged,
    /// The newest valid slot.
    Found(Slot),
}

impl SlotFile {
    /// Reads the anchor at `path` without creating or locking anything.
    pub(crate) fn read(path: &Path, magic: &[u8; 8], slot_len: usize) -> io::Result<SlotRead> {
        match std::fs::read(path) {
            Ok(bytes) => Ok(newest(&bytes, magic, slot_len)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(SlotRead::Absent),
            Err(e) => Err(e),
        }
    }

    /// Opens the anchor at `path` for writing, creating it (atomically, with `first` in
    /// slot `first.seq % 2`) when it is absent or empty.
    pub(crate) fn open_or_create(
        path: &Path,
        magic: &[u8; 8],
        slot_len: usize,
        first: &Slot,
    ) -> io::Result<(Self, SlotRead)> {
        let read = Self::read(path, magic, slot_len)?;
        if matches!(read, SlotRead::Absent) {
            return Ok((Self::replace(path, magic, slot_len, first)?, read));
        }
        let file = OpenOptions::new().read(true).write(true).open(path)?;
        Ok((
            Self {
                file,
                magic: *magic,
                slot_len,
            },
            read,
        ))
    }

    /// Replaces whatever is at `path` (atomically) by an anchor holding only `first`, in slot
    /// `first.seq % 2`.
    pub(crate) fn replace(
        path: &Path,
        magic: &[u8; 8],
        slot_len: usize,
        first: &Slot,
    ) -> io::Result<Self> {
        let mut bytes = vec![0u8; 2 * slot_len];
        let at = usize::from(first.seq % 2 == 1) * slot_len;
        bytes[at..at + slot_len].copy_from_slice(&encode(magic, first, slot_len));
        create_atomically(path, &bytes)?;
        let file = OpenOptions::new().read(true).write(true).open(path)?;
        Ok(Self {
            file,
            magic: *magic,
            slot_len,
        })
    }

    /// Writes `slot` over the older of the two; with `sync`, durably.
    pub(crate) fn store(&mut self, slot: &Slot, sync: bool) -> io::Result<()> {
        let bytes = encode(&self.magic, slot, self.slot_len);
        self.file
            .seek(SeekFrom::Start((slot.seq % 2) * self.slot_len as u64))?;
        self.file.write_all(&bytes)?;
        if sync {
            self.file.sync_data()?;
        }
        Ok(())
    }
}

fn encode(magic: &[u8; 8], slot: &Slot, slot_len: usize) -> Vec<u8> {
    let mut b = Vec::with_capacity(slot_len);
    b.extend_from_slice(magic);
    b.extend_from_slice(&slot.seq.to_be_bytes());
    b.extend_from_slice(&slot.payload);
    b.resize(slot_len - 4, 0);
    let crc = crc32c::crc32c(&b);
    b.extend_from_slice(&crc.to_be_bytes());
    b
}

/// The newest valid slot in an anchor file's bytes.
pub(crate) fn newest(bytes: &[u8], magic: &[u8; 8], slot_len: usize) -> SlotRead {
    if bytes.is_empty() {
        return SlotRead::Absent;
    }
    let best = bytes
        .chunks(slot_len)
        .take(2)
        .filter(|b| {
            b.len() == slot_len
                && b[..8] == magic[..]
                && crc32c::crc32c(&b[..slot_len - 4]).to_be_bytes() == b[slot_len - 4..]
        })
        .map(|b| Slot {
            seq: u64::from_be_bytes(b[8..16].try_into().unwrap_or_default()),
            payload: b[16..slot_len - 4].to_vec(),
        })
        // A writer counts up from 1; a sequence this large was never written by one, and
        // honouring it would leave no room to advance.
        .filter(|s| s.seq < MAX_SEQ)
        .max_by_key(|s| s.seq);
    best.map_or(SlotRead::Damaged, SlotRead::Found)
}

/// `path` with `suffix` appended to its file name (`status.journal` → `status.journal.lock`).
pub(crate) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Creates (or replaces) `path` with `contents` so that a crash leaves either no file or the
/// whole one: written under a temporary name, synced, renamed, and the directory synced.
pub(crate) fn create_atomically(path: &Path, contents: &[u8]) -> io::Result<()> {
    let tmp = sibling(path, ".tmp");
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&tmp)?;
    file.write_all(contents)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, path)?;
    sync_parent(path)
}

/// Syncs the directory holding `path` (a bare file name's parent is the current directory).
pub(crate) fn sync_parent(path: &Path) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    sync_dir(dir)
}

/// Makes a directory's entries durable (after creating or renaming files in it).
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Creates `dir` and any missing parents, syncing each parent whose entries changed.
pub(crate) fn create_dir_durably(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_dir_durably(parent)?;
    }
    match std::fs::create_dir(dir) {
        Ok(()) => sync_parent(dir),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Takes the exclusive advisory lock on the file at `path` (created if missing), retrying
/// until `wait` has passed. `None` if another writer still holds it.
///
/// A process that forks while this one holds the lock shares the locked descriptor until it
/// execs, so callers give at least ~100 ms before reporting another writer.
pub(crate) fn lock_exclusive(path: &Path, wait: Duration) -> io::Result<Option<File>> {
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    // Counted sleeps rather than a clock read: the library reads no clock (time is an input).
    let mut retries = wait.as_millis() / RETRY.as_millis();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(Some(file)),
            Err(std::fs::TryLockError::WouldBlock) if retries > 0 => {
                retries -= 1;
                std::thread::sleep(RETRY);
            }
            Err(std::fs::TryLockError::WouldBlock) => return Ok(None),
            Err(std::fs::TryLockError::Error(e)) => return Err(e),
        }
    }
}

/// The length of the file at `path`, 0 if there is none (any other error is an error).
pub(crate) fn file_len(path: &Path) -> io::Result<u64> {
    match std::fs::metadata(path) {
        Ok(m) => Ok(m.len()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(e),
    }
}

/// Reads exactly `buf.len()` bytes at `offset` without moving a shared cursor (so readers
/// on several threads need no lock).
pub(crate) fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
    }
    #[cfg(windows)]
    {
        let mut done = 0;
        while done < buf.len() {
            match std::os::windows::fs::FileExt::seek_read(
                file,
                &mut buf[done..],
                offset + done as u64,
            )? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => done += n,
            }
        }
        Ok(())
    }
    #[cfg(not(any(unix, windows)))]
    {
        let (_, _, _) = (file, buf, offset);
        Err(io::ErrorKind::Unsupported.into())
    }
}

/// Writes all of `buf` at `offset` without moving a shared cursor.
pub(crate) fn write_all_at(file: &File, buf: &[u8], offset: u64) -> io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::write_all_at(file, buf, offset)
    }
    #[cfg(windows)]
    {
        let mut done = 0;
        while done < buf.len() {
            match std::os::windows::fs::FileExt::seek_write(
                file,
                &buf[done..],
                offset + done as u64,
            )? {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                n => done += n,
            }
        }
        Ok(())
    }
    #[cfg(not(any(unix, windows)))]
    {
        let (_, _, _) = (file, buf, offset);
        Err(io::ErrorKind::Unsupported.into())
    }
}

/// Reads a whole file from the start.
pub(crate) fn read_all(file: &mut File) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    file.seek(SeekFrom::Start(0))?;
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newer_intact_slot_wins_and_a_torn_one_is_ignored() {
        let dir = std::env::temp_dir().join(format!("yz-slots-{}", std::process::id()));
        create_dir_durably(&dir.join("a/b")).unwrap();
        let path = dir.join("a/b/anchor");
        let magic = b"YZTESTAN";
        let first = Slot {
            seq: 1,
            payload: vec![7; 8],
        };
        let (mut file, read) = SlotFile::open_or_create(&path, magic, 32, &first).unwrap();
        assert!(matches!(read, SlotRead::Absent));
        let second = Slot {
            seq: 2,
            payload: vec![9; 8],
        };
        file.store(&second, true).unwrap();
        let SlotRead::Found(slot) = SlotFile::read(&path, magic, 32).unwrap() else {
            panic!("no slot");
        };
        assert_eq!(slot.seq, 2);
        assert_eq!(&slot.payload[..8], &[9; 8]);
        // Tear slot 0 (seq 2): slot 1 (seq 1) is what remains.
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[20] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        let SlotRead::Found(slot) = SlotFile::read(&path, magic, 32).unwrap() else {
            panic!("no slot");
        };
        assert_eq!(slot.seq, 1);
        bytes[32 + 20] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        assert!(matches!(
            SlotFile::read(&path, magic, 32).unwrap(),
            SlotRead::Damaged
        ));
        let held = lock_exclusive(&dir.join("LOCK"), Duration::ZERO).unwrap();
        assert!(held.is_some());
        assert!(
            lock_exclusive(&dir.join("LOCK"), Duration::from_millis(10))
                .unwrap()
                .is_none()
        );
        drop(held);
        assert!(
            lock_exclusive(&dir.join("LOCK"), Duration::ZERO)
                .unwrap()
                .is_some()
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}
