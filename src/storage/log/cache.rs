//! The tree cache beside a segment, so that opening a log of any length reads a few hashes
//! instead of its whole history.
//!
//! ```text
//! <dir>/log.hashes   every stored tree hash, 32 bytes each, in storage order: each leaf,
//!                    then the parents it completes (merkle::stored_hash_index)
//! <dir>/log.offsets  u64 BE: the segment offset of each entry's frame
//! ```
//!
//! The cache is derived data: the segment stays the record. Each commit writes its hashes and
//! offsets here before the segment; they are synced only every few commits, and the anchor
//! records how far (the *mark*: a size and the offset of its commit). Opening reads the
//! compact range at the mark, checks it against the signed commit there and re-scans only the
//! segment after it. A cache that disagrees is rebuilt from the segment; proofs made from it
//! are checked against the signed head before they are handed out.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

use crate::audit::merkle::{CompactRange, Hash, stored_hash_count, stored_hash_index};
use crate::encoding::durable;

pub(crate) const HASHES_FILE: &str = "log.hashes";
pub(crate) const OFFSETS_FILE: &str = "log.offsets";

/// The two cache files.
#[derive(Debug)]
pub(crate) struct TreeCache {
    hashes: File,
    offsets: File,
}

impl TreeCache {
    /// Opens the cache in `dir` for reading and writing, creating empty files if needed.
    pub(crate) fn open(dir: &Path) -> io::Result<Self> {
        let open = |name| {
            OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(dir.join(name))
        };
        Ok(Self {
            hashes: open(HASHES_FILE)?,
            offsets: open(OFFSETS_FILE)?,
        })
    }

    /// Opens the cache in `dir` for reading; `None` if it is not there.
    pub(crate) fn open_read_only(dir: &Path) -> io::Result<Option<Self>> {
        let open = |name| match File::open(dir.join(name)) {
            Ok(f) => Ok(Some(f)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        };
        Ok(match (open(HASHES_FILE)?, open(OFFSETS_FILE)?) {
            (Some(hashes), Some(offsets)) => Some(Self { hashes, offsets }),
            _ => None,
        })
    }

    /// The stored hash `(level, index)`.
    pub(crate) fn node(&self, level: u32, index: u64) -> io::Result<Hash> {
        let mut hash = [0u8; 32];
        let at = stored_hash_index(level, index)
            .checked_mul(32)
            .ok_or(io::ErrorKind::InvalidInput)?;
        durable::read_exact_at(&self.hashes, &mut hash, at)?;
        Ok(hash)
    }

    /// The segment offset of entry `index`.
    pub(crate) fn offset(&self, index: u64) -> io::Result<u64> {
        let mut offset = [0u8; 8];
        let at = index.checked_mul(8).ok_or(io::ErrorKind::InvalidInput)?;
        durable::read_exact_at(&self.offsets, &mut offset, at)?;
        Ok(u64::from_be_bytes(offset))
    }

    /// The compact range of the tree of `size` (one read per set bit of `size`).
    pub(crate) fn range(&self, size: u64) -> io::Result<CompactRange> {
        let nodes = CompactRange::positions(size)
            .map(|(level, index)| self.node(level, index))
            .collect::<io::Result<Vec<_>>>()?;
        CompactRange::from_nodes(size, nodes).ok_or_else(|| io::ErrorKind::InvalidData.into())
    }

    /// Writes the stored hashes and offsets of the entries from `first` on.
    pub(crate) fn write(&self, first: u64, hashes: &[Hash], offsets: &[u64]) -> io::Result<()> {
        let hash_bytes: Vec<u8> = hashes.iter().flatten().copied().collect();
        let offset_bytes: Vec<u8> = offsets.iter().flat_map(|o| o.to_be_bytes()).collect();
        durable::write_all_at(&self.hashes, &hash_bytes, stored_hash_count(first) * 32)?;
        durable::write_all_at(&self.offsets, &offset_bytes, first * 8)
    }

    /// Makes everything written so far durable.
    pub(crate) fn sync(&self) -> io::Result<()> {
        self.hashes.sync_data()?;
        self.offsets.sync_data()
    }
}
