//! [`FileWitnessStore`]: a witness's state in one file, a line per log
//! (`<origin> <size> <base64 root>`), so that the head it cosigned survives a restart and
//! two witness processes on one host cannot both move it.
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
use crate::encoding::durable::{create_atomically, lock_exclusive, sibling};

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
    /// The state in `path` (created on the first cosignature).
    #[must_use]
    pub fn new(path: &Path) -> Self {
        Self {
            path: path.to_owned(),
        }
    }

    fn read(&self) -> Result<BTreeMap<String, WitnessedHead>, StoreError> {
        let text = match std::fs::metadata(&self.path) {
            Ok(m) if m.len() > MAX_STATE_LEN => {
                return Err(
                    format!("{} is over {MAX_STATE_LEN} bytes", self.path.display()).into(),
                );
            }
            Ok(_) => std::fs::read_to_string(&self.path)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
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
