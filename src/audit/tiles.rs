//! C2SP tlog-tiles: the paths of tiles and entry bundles, their codecs, which objects a new
//! checkpoint adds, and [`TileBuilder`], which makes tiles from leaf hashes holding only the
//! right edge of the tree. Pure: publishing (`audit::publish`) and reading
//! (`audit::tile_client`) sit on it.
//!
//! ```text
//! tile/<L>/<N>[.p/<W>]        hashes of level 8·L, nodes N·256 .. N·256+W (W = 256 if full)
//! tile/entries/<N>[.p/<W>]    entries N·256 .. N·256+W, each as u16 length ‖ bytes
//! checkpoint                  the signed checkpoint
//! ```
//!
//! `N` is written in groups of three digits, every group but the last prefixed with `x`
//! (1234067 → `x001/x234/067`).

use crate::audit::entry::MAX_ENTRY_LEN;
use crate::audit::merkle::{CompactRange, Hash, node_hash};

/// Tree levels per tile level.
pub const TILE_HEIGHT: u32 = 8;
/// Hashes in a full tile, entries in a full bundle.
pub const TILE_WIDTH: u64 = 256;
/// Bytes of a full tile.
pub const FULL_TILE_LEN: usize = 256 * 32;
/// The longest entry bundle: 256 entries of the longest length, each with its prefix.
pub const MAX_BUNDLE_LEN: usize = 256 * (2 + MAX_ENTRY_LEN);
/// Tile levels a tree of at most 2^64 leaves can have.
pub const MAX_TILE_LEVELS: u8 = 8;
/// The checkpoint's path.
pub const CHECKPOINT_PATH: &str = "checkpoint";

/// Why tile data was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TileError {
    /// A tile is not `width` hashes long.
    #[error("tile {path} is {got} bytes, expected {expected}")]
    TileLength {
        /// The tile's path.
        path: String,
        /// Its length.
        got: usize,
        /// The length its width needs.
        expected: usize,
    },
    /// An entry bundle is cut short, has trailing bytes or another number of entries.
    #[error("entry bundle {path} is malformed: {reason}")]
    Bundle {
        /// The bundle's path.
        path: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// An entry too long for a bundle.
    #[error("an entry of {0} bytes does not fit a bundle (at most 65535)")]
    EntryTooLong(usize),
    /// A published tile that does not hold the hashes of the entries under it.
    #[error("{path} does not hold the hashes its entries give")]
    WrongTile {
        /// The tile's path.
        path: String,
    },
    /// Hashes that do not lead to the checkpoint's root.
    #[error("the tiles do not match the checkpoint of size {size}")]
    RootMismatch {
        /// The checkpoint's size.
        size: u64,
    },
}

/// One tile: its level, index, and width (1 to 256 hashes; the fields are plain data, so a
/// width outside that range names no tile the library writes or reads).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TileId {
    /// Tile level `L` (tree level `8·L`).
    pub level: u8,
    /// Index `N` among the level's tiles.
    pub index: u64,
    /// Hashes (or, for an entry bundle, entries) it holds.
    pub width: u16,
}

impl TileId {
    /// Whether the tile holds all 256 hashes (and never changes).
    #[must_use]
    pub fn is_full(&self) -> bool {
        u64::from(self.width) == TILE_WIDTH
    }

    /// `tile/<L>/<N>[.p/<W>]`.
    #[must_use]
    pub fn path(&self) -> String {
        format!("tile/{}/{}", self.level, self.suffix())
    }

    /// `tile/entries/<N>[.p/<W>]`: the bundle of the level-0 tile's entries.
    #[must_use]
    pub fn entries_path(&self) -> String {
        format!("tile/entries/{}", self.suffix())
    }

    /// The same tile when full.
    #[must_use]
    pub fn full(self) -> Self {
        Self {
            width: TILE_WIDTH as u16,
            ..self
        }
    }

    fn suffix(&self) -> String {
        let index = index_path(self.index);
        if self.is_full() {
            index
        } else {
            format!("{index}.p/{}", self.width)
        }
    }

    /// The byte length of this tile.
    #[must_use]
    pub fn byte_len(&self) -> usize {
        usize::from(self.width) * 32
    }
}

/// `N` in groups of three digits, all but the last prefixed with `x`.
fn index_path(index: u64) -> String {
    let mut groups = vec![format!("{:03}", index % 1000)];
    let mut rest = index / 1000;
    while rest > 0 {
        groups.push(format!("x{:03}", rest % 1000));
        rest /= 1000;
    }
    groups.reverse();
    groups.join("/")
}

/// Nodes at tile level `level` in a tree of `size`.
fn nodes_at(level: u8, size: u64) -> u64 {
    size.checked_shr(TILE_HEIGHT * u32::from(level))
        .unwrap_or(0)
}

/// The tile that holds node `node` of tile level `level` in a tree of `size` (for a node
/// beyond the tree, a tile of width 0, which no path names and no parser accepts).
#[must_use]
pub fn tile_of(level: u8, node: u64, size: u64) -> TileId {
    let index = node / TILE_WIDTH;
    let remaining = nodes_at(level, size).saturating_sub(index * TILE_WIDTH);
    TileId {
        level,
        index,
        width: remaining.min(TILE_WIDTH) as u16,
    }
}

/// The hashes of a tile as received; `path` names it in errors.
///
/// # Errors
/// [`TileError::TileLength`] unless it holds exactly `id.width` hashes.
pub fn parse_tile(id: TileId, bytes: &[u8]) -> Result<Vec<Hash>, TileError> {
    if bytes.len() != id.byte_len() {
        return Err(TileError::TileLength {
            path: id.path(),
            got: bytes.len(),
            expected: id.byte_len(),
        });
    }
    Ok(bytes
        .chunks_exact(32)
        .map(|c| {
            let mut h = [0; 32];
            h.copy_from_slice(c);
            h
        })
        .collect())
}

/// An entry bundle: each entry as a big-endian u16 length and its bytes.
///
/// # Errors
/// [`TileError::EntryTooLong`] for an entry over 65,535 bytes.
pub fn encode_entry_bundle<E: AsRef<[u8]>>(entries: &[E]) -> Result<Vec<u8>, TileError> {
    let mut out = Vec::with_capacity(entries.iter().map(|e| 2 + e.as_ref().len()).sum());
    for entry in entries {
        let entry = entry.as_ref();
        let len = u16::try_from(entry.len()).map_err(|_| TileError::EntryTooLong(entry.len()))?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(entry);
    }
    Ok(out)
}

/// The entries of the bundle `id` (exactly `id.width` of them, nothing after).
///
/// # Errors
/// [`TileError::Bundle`] for a cut, long or miscounted bundle.
pub fn parse_entry_bundle(id: TileId, bytes: &[u8]) -> Result<Vec<&[u8]>, TileError> {
    let malformed = |reason| TileError::Bundle {
        path: id.entries_path(),
        reason,
    };
    let mut entries = Vec::with_capacity(usize::from(id.width));
    let mut rest = bytes;
    while !rest.is_empty() {
        let (len, tail) = rest
            .split_first_chunk::<2>()
            .ok_or_else(|| malformed("a length is cut short"))?;
        let len = usize::from(u16::from_be_bytes(*len));
        if tail.len() < len {
            return Err(malformed("an entry is cut short"));
        }
        if entries.len() == usize::from(id.width) {
            return Err(malformed("more entries than its width"));
        }
        let (entry, tail) = tail.split_at(len);
        entries.push(entry);
        rest = tail;
    }
    if entries.len() != usize::from(id.width) {
        return Err(malformed("fewer entries than its width"));
    }
    Ok(entries)
}

/// The root of `hashes`, a power-of-two count of sibling subtrees.
#[must_use]
pub fn perfect_root(hashes: &[Hash]) -> Hash {
    let mut level: Vec<Hash> = hashes.to_vec();
    while level.len() > 1 {
        level = level
            .chunks_exact(2)
            .map(|pair| node_hash(&pair[0], &pair[1]))
            .collect();
    }
    level.first().copied().unwrap_or([0; 32])
}

/// A full tile completed while pushing leaves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompletedTile {
    /// Its id (always full).
    pub id: TileId,
    /// Its 256 hashes.
    pub hashes: Vec<Hash>,
}

/// Makes tiles from leaf hashes, holding only the partial tile of each level (at most
/// 8 × 255 hashes): the integrator's state between checkpoints.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TileBuilder {
    size: u64,
    /// The hashes of each level's partial tile.
    edge: Vec<Vec<Hash>>,
}

impl TileBuilder {
    /// The builder of the empty tree.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Resumes at `size` from the partial tiles of that size (`partials[L]` is level `L`'s,
    /// empty where the level has none), checked against `root`. Every hash of a partial tile
    /// goes into the root, so a match authenticates them all.
    ///
    /// # Errors
    /// [`TileError::TileLength`] for a partial tile of the wrong width,
    /// [`TileError::RootMismatch`] if they do not give `root`.
    pub fn resume(size: u64, partials: Vec<Vec<Hash>>, root: &Hash) -> Result<Self, TileError> {
        if partials.len() > usize::from(MAX_TILE_LEVELS) {
            return Err(TileError::RootMismatch { size });
        }
        for level in 0..MAX_TILE_LEVELS {
            let width = (nodes_at(level, size) % TILE_WIDTH) as usize;
            let got = partials.get(usize::from(level)).map_or(0, Vec::len);
            if got != width {
                let id = tile_of(level, nodes_at(level, size) - width as u64, size);
                return Err(TileError::TileLength {
                    path: id.path(),
                    got: got * 32,
                    expected: width * 32,
                });
            }
        }
        let mut edge = partials;
        while edge.last().is_some_and(Vec::is_empty) {
            edge.pop();
        }
        let builder = Self { size, edge };
        if builder.root() == *root {
            Ok(builder)
        } else {
            Err(TileError::RootMismatch { size })
        }
    }

    /// Leaves pushed so far.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf; every tile it completes is handed to `completed`.
    pub fn push(&mut self, leaf: Hash, completed: &mut Vec<CompletedTile>) {
        let mut hash = leaf;
        for level in 0..MAX_TILE_LEVELS {
            let at = usize::from(level);
            if self.edge.len() <= at {
                self.edge.push(Vec::new());
            }
            self.edge[at].push(hash);
            if self.edge[at].len() as u64 != TILE_WIDTH {
                break;
            }
            let hashes = core::mem::take(&mut self.edge[at]);
            hash = perfect_root(&hashes);
            let index = (self.size >> (TILE_HEIGHT * u32::from(level))) / TILE_WIDTH;
            completed.push(CompletedTile {
                id: TileId {
                    level,
                    index,
                    width: TILE_WIDTH as u16,
                },
                hashes,
            });
        }
        // A tree never reaches 2^64 leaves; saturating keeps a forged size from panicking.
        self.size = self.size.saturating_add(1);
    }

    /// The partial tiles at the current size, lowest level first (levels without one left
    /// out).
    #[must_use]
    pub fn partial_tiles(&self) -> Vec<(TileId, &[Hash])> {
        (0..MAX_TILE_LEVELS)
            .zip(&self.edge)
            .filter(|(_, hashes)| !hashes.is_empty())
            .map(|(level, hashes)| {
                let node = nodes_at(level, self.size) - hashes.len() as u64;
                (tile_of(level, node, self.size), hashes.as_slice())
            })
            .collect()
    }

    /// The tree's root at the current size.
    #[must_use]
    pub fn root(&self) -> Hash {
        // The compact range's nodes, largest first: each partial tile's binary decomposition,
        // from the top level down.
        let mut nodes = Vec::new();
        for hashes in self.edge.iter().rev() {
            let mut offset = 0;
            for bit in (0..TILE_HEIGHT).rev() {
                let span = 1usize << bit;
                if hashes.len() & span != 0 {
                    nodes.push(perfect_root(&hashes[offset..offset + span]));
                    offset += span;
                }
            }
        }
        CompactRange::from_nodes(self.size, nodes)
            .map_or_else(crate::audit::merkle::empty_root, |range| range.root())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::merkle::{MemoryTree, leaf_hash};

    #[test]
    fn paths_follow_the_spec() {
        let tile = |level, index, width| TileId {
            level,
            index,
            width,
        };
        assert_eq!(tile(0, 1_234_067, 256).path(), "tile/0/x001/x234/067");
        assert_eq!(tile(1, 5, 7).path(), "tile/1/005.p/7");
        assert_eq!(tile(0, 1000, 256).entries_path(), "tile/entries/x001/000");
        assert_eq!(tile(2, 0, 256).path(), "tile/2/000");
    }

    #[test]
    fn bundles_round_trip_and_refuse_damage() {
        let entries: Vec<Vec<u8>> = vec![vec![1, 2, 3], vec![], vec![9; 300]];
        let id = TileId {
            level: 0,
            index: 0,
            width: 3,
        };
        let bytes = encode_entry_bundle(&entries).unwrap();
        assert_eq!(
            parse_entry_bundle(id, &bytes).unwrap(),
            entries.iter().map(Vec::as_slice).collect::<Vec<_>>()
        );
        assert!(parse_entry_bundle(id, &bytes[..bytes.len() - 1]).is_err());
        assert!(parse_entry_bundle(TileId { width: 2, ..id }, &bytes).is_err());
        assert!(parse_entry_bundle(TileId { width: 4, ..id }, &bytes).is_err());
        assert!(encode_entry_bundle(&[vec![0; 65_536]]).is_err());
    }

    #[test]
    fn the_builder_agrees_with_the_memory_tree_and_resumes() {
        let mut tree = MemoryTree::new();
        let mut builder = TileBuilder::new();
        let mut completed = Vec::new();
        for i in 0..66_000u64 {
            let leaf = leaf_hash(&i.to_be_bytes());
            tree.push(leaf);
            builder.push(leaf, &mut completed);
            if [1, 255, 256, 257, 65_535, 65_536, 65_999].contains(&(i + 1)) {
                assert_eq!(builder.root(), tree.root(i + 1).unwrap(), "size {}", i + 1);
                let partials: Vec<Vec<Hash>> = builder.edge.clone();
                let resumed =
                    TileBuilder::resume(i + 1, partials.clone(), &builder.root()).unwrap();
                assert_eq!(resumed, builder);
                let mut wrong = partials;
                let level = wrong.iter_mut().find(|l| !l.is_empty()).unwrap();
                level[0][0] ^= 1;
                assert!(TileBuilder::resume(i + 1, wrong, &builder.root()).is_err());
            }
        }
        // Every completed tile holds the tree's nodes at its level.
        for tile in &completed {
            let level = TILE_HEIGHT * u32::from(tile.id.level);
            for (i, h) in tile.hashes.iter().enumerate() {
                let node = tile.id.index * TILE_WIDTH + i as u64;
                let start = node << level;
                assert_eq!(
                    *h,
                    crate::audit::merkle::range_hash(&tree, start, 1 << level).unwrap()
                );
            }
        }
        assert_eq!(completed.len(), 257 + 1);
    }
}
