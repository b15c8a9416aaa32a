//! [`FileWitnessStore`]: a witness's state in one file, a line per log
//! (`<origin> <size> <base64 root>`), so that the head it cosigned survives a restart and
//! two witness processes on one host cannot both move it. The file is made once
//! ([`FileWitnessStore::create`]) and must exist afterwards ([`FileWitnessStore::open`]).
//!
//! A compare-and-swap takes the file's writer lock, reads the file again, compares, and
//! replaces the file atomically (written aside, synced, renamed, directory synced) before the
//! lock is released: the cosignature is returned only after that.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

use crate::audit::objects::StoreError;
use crate::audit::witness::{WitnessStore, WitnessedHead};
use crate::encoding::durable::{create_atomically, lock_exclusive, sibling, sync_parent};

/// How long a compare-and-swap waits for another process holding the lock.
const LOCK_WAIT: Duration = Duration::from_secs(5);
/// The longest state file read (a line per log).
const MAX_STATE_LEN: u64 = 16 * 1024 * 1024;

/// A witness's state in a file.
#[derive(Debug)]
pub struct FileWitnessStore {
    path: PathBuf,
}

impl FileWitnessStore {
    /// Creates an empty state at `path` for a new witness; refuses if one exists.
    ///
    /// # Errors
    /// When `path` exists or cannot be created.
    pub fn create(path: &Path) -> std::io::Result<Self> {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)?;
        file.sync_all()?;
        sync_parent(path)?;
        Ok(Self {
            path: path.to_owned(),
        })
    }

    /// The state at `path`, which must exist: a missing state is never taken for a new
    /// witness (which would cosign a fork offered from size 0), so a mistyped path, an
    /// unmounted volume or a deleted file is an error, not a fresh start.
    ///
    /// # Errors
    /// When `path` is not a file.
    pub fn open(path: &Path) -> std::io::Result<Self> {
        if !std::fs::metadata(path)?.is_file() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "the witness state is not a file",
            ));
        }
        Ok(Self {
            path: path.to_owned(),
        })
    }

    fn read(&self) -> Result<BTreeMap<String, WitnessedHead>, StoreError> {
        let text = match std::fs::metadata(&self.path) {
            Ok(m) if m.len() > MAX_STATE_LEN => {
                return Err(
                    format!("{} is over {MAX_STATE_LEN} bytes", self.path.display()).into(),
                );
            }
            Ok(_) => std::fs::read_to_string(&self.path)?,
            // Opened as existing: gone since is an error, not an empty state.
            Err(e) => return Err(e.into()),
        };
        let mut heads = BTreeMap::new();
        for (n, line) in text.lines().enumerate() {
            let bad = || {
                format!(
                    "{}: line {}: expected `origin size root`",
                    self.path.display(),
                    n + 1
                )
            };
            let mut parts = line.split(' ');
            let (Some(origin), Some(size), Some(root), None) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return Err(bad().into());
            };
            let size = size.parse().map_err(|_| bad())?;
            let root = B64
                .decode(root)
                .ok()
                .and_then(|r| <[u8; 32]>::try_from(r).ok())
                .ok_or_else(bad)?;
            if heads
                .insert(origin.to_owned(), WitnessedHead { size, root })
                .is_some()
            {
                return Err(format!("{}: {origin} appears twice", self.path.display()).into());
            }
        }
        Ok(heads)
    }
}

impl WitnessStore for FileWitnessStore {
    fn latest(&self, origin: &str) -> Result<Option<WitnessedHead>, StoreError> {
        Ok(self.read()?.get(origin).copied())
    }

    fn compare_and_swap(
        &self,
        origin: &str,
        old: Option<WitnessedHead>,
        new: WitnessedHead,
    ) -> Result<bool, StoreError> {
        if origin.is_empty() || origin.contains(char::is_whitespace) {
            return Err("a log origin has no spaces".into());
        }
        let _lock = lock_exclusive(&sibling(&self.path, ".lock"), LOCK_WAIT)?
            .ok_or("another witness process holds the state")?;
        let mut heads = self.read()?;
        if heads.get(origin).copied() != old {
            return Ok(false);
        }
        heads.insert(origin.to_owned(), new);
        let text: String = heads
            .iter()
            .map(|(o, h)| format!("{o} {} {}\n", h.size, B64.encode(h.root)))
            .collect();
        create_atomically(&self.path, text.as_bytes())?;
        Ok(true)
    }
}
