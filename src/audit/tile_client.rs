//! The auditor's and verifier's path into a published log: [`TileClient`] fetches the
//! checkpoint, tiles and entry bundles from any [`ObjectSource`] (a directory, a URL, a
//! mirror), trusts none of them, and proves inclusion and consistency against the signed
//! checkpoint offline.
//!
//! Proofs are built from the tiles and then verified against the checkpoint's root, so a
//! wrong tile yields a refusal, never a wrong answer. Fetches are bounded by the objects' own
//! sizes (8 KiB a tile, [`MAX_BUNDLE_LEN`] a bundle), and a proof reads at most two tiles per
//! tile level.

use std::cell::RefCell;
use std::collections::BTreeMap;

use crate::audit::bundle::{ConsistencyBundle, InclusionBundle};
use crate::audit::entry::AuditEntry;
use crate::audit::merkle::{
    self, Hash, ProofError, Subtrees, consistency_proof_in, inclusion_proof_in, leaf_hash,
};
use crate::audit::note::{MAX_NOTE_LEN, NoteError, NoteKey, SignedCheckpoint};
use crate::audit::objects::{ObjectSource, SourceError};
use crate::audit::tiles::{
    CHECKPOINT_PATH, MAX_BUNDLE_LEN, TILE_HEIGHT, TILE_WIDTH, TileBuilder, TileError, TileId,
    parse_entry_bundle, parse_tile, perfect_root, tile_of,
};

/// Why a read from a published log failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The source failed.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// An object the checkpoint needs is missing.
    #[error("{0} is missing")]
    Missing(String),
    /// The checkpoint does not verify.
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] NoteError),
    /// A tile or bundle is malformed or does not match the checkpoint.
    #[error(transparent)]
    Tiles(#[from] TileError),
    /// A proof from the tiles does not verify: a tile is wrong.
    #[error("the tiles do not prove it: {0}")]
    Proof(#[from] ProofError),
    /// An entry does not decode, or breaks the hash chain.
    #[error("entry {index}: {reason}")]
    Entry {
        /// The entry's index.
        index: u64,
        /// What is wrong.
        reason: String,
    },
}

/// Reads a log published as tlog-tiles, for one origin under its keys.
pub struct TileClient<S> {
    source: S,
    origin: String,
    keys: Vec<NoteKey>,
}

impl<S> core::fmt::Debug for TileClient<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TileClient")
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl<S: ObjectSource> TileClient<S> {
    /// A client of the log `origin` whose checkpoints are signed by `keys` (the log's key,
    /// and witness keys to check cosignatures with).
    #[must_use]
    pub fn new(source: S, origin: &str, keys: Vec<NoteKey>) -> Self {
        Self {
            source,
            origin: origin.to_owned(),
            keys,
        }
    }

    /// The keys checkpoints are verified with.
    #[must_use]
    pub fn keys(&self) -> &[NoteKey] {
        &self.keys
    }

    /// The published checkpoint, verified.
    ///
    /// # Errors
    /// [`ClientError`] if it is missing or does not verify.
    pub fn checkpoint(&self) -> Result<SignedCheckpoint, ClientError> {
        fetch_checkpoint(&self.source, &self.origin, &self.keys)?
            .ok_or_else(|| ClientError::Missing(CHECKPOINT_PATH.into()))
    }

    fn tree<'a>(&'a self, checkpoint: &SignedCheckpoint) -> TileTree<'a, S> {
        TileTree {
            source: &self.source,
            size: checkpoint.checkpoint.size,
            tiles: RefCell::new(BTreeMap::new()),
        }
    }

    /// Entry `index` with its inclusion proof against `checkpoint` (one the caller verified,
    /// e.g. from [`Self::checkpoint`]), checked before it is returned.
    ///
    /// # Errors
    /// [`ClientError`] if an object is missing or the proof does not verify.
    pub fn inclusion_bundle(
        &self,
        checkpoint: &SignedCheckpoint,
        index: u64,
    ) -> Result<InclusionBundle, ClientError> {
        let size = checkpoint.checkpoint.size;
        if index >= size {
            return Err(ProofError::IndexOutOfRange { index, size }.into());
        }
        let id = tile_of(0, index, size);
        let bundle = self.fetch_bundle(id)?;
        let entries = parse_entry_bundle(id, &bundle)?;
        let entry = entries[(index % TILE_WIDTH) as usize].to_vec();
        let proof = inclusion_proof_in(&self.tree(checkpoint), index, size)?;
        merkle::verify_inclusion(
            &leaf_hash(&entry),
            index,
            size,
            &proof,
            &checkpoint.checkpoint.root,
        )?;
        Ok(InclusionBundle {
            entry,
            index,
            proof,
            checkpoint_note: checkpoint.note.clone(),
        })
    }

    /// The root of the tree's first `size` entries, computed from the tiles of `checkpoint`
    /// (what a log tells a witness whose size it did not know).
    ///
    /// # Errors
    /// [`ClientError`] if a tile is missing or does not match, or `size` is past the
    /// checkpoint.
    pub fn root_at(&self, checkpoint: &SignedCheckpoint, size: u64) -> Result<Hash, ClientError> {
        if size > checkpoint.checkpoint.size {
            return Err(ProofError::IndexOutOfRange {
                index: size,
                size: checkpoint.checkpoint.size,
            }
            .into());
        }
        merkle::root_at(&self.tree(checkpoint), size)
    }

    /// The proof that `newer` extends a tree of `old_size` with head `old_root`, built from
    /// the tiles at `newer`'s size and checked; as a bundle (a tlog-witness `add-checkpoint`
    /// body).
    ///
    /// # Errors
    /// [`ClientError::Proof`] if the tiles do not prove it (a fork, or a damaged tile).
    pub fn consistency_bundle(
        &self,
        old_size: u64,
        old_root: &Hash,
        newer: &SignedCheckpoint,
    ) -> Result<ConsistencyBundle, ClientError> {
        let new = &newer.checkpoint;
        let proof = consistency_proof_in(&self.tree(newer), old_size, new.size)?;
        if old_size > 0 {
            merkle::verify_consistency(old_size, new.size, &proof, old_root, &new.root)?;
        }
        Ok(ConsistencyBundle {
            old_size,
            proof,
            checkpoint_note: newer.note.clone(),
        })
    }

    /// Audits the whole log at `checkpoint`: every entry decodes and chains to the one
    /// before, every tile and bundle is present and matches, and the root is the
    /// checkpoint's. Linear in the log; returns the number of entries.
    ///
    /// # Errors
    /// [`ClientError`] naming the first missing or wrong object or entry.
    pub fn verify_all(&self, checkpoint: &SignedCheckpoint) -> Result<u64, ClientError> {
        let size = checkpoint.checkpoint.size;
        let mut builder = TileBuilder::new();
        let mut completed = Vec::new();
        let mut previous = [0u8; 32];
        let mut start = 0;
        while start < size {
            let id = tile_of(0, start, size);
            let bundle = self.fetch_bundle(id)?;
            for (offset, entry) in parse_entry_bundle(id, &bundle)?.into_iter().enumerate() {
                let index = start + offset as u64;
                let decoded = AuditEntry::decode(entry).map_err(|e| ClientError::Entry {
                    index,
                    reason: e.to_string(),
                })?;
                if decoded.previous_leaf != previous {
                    return Err(ClientError::Entry {
                        index,
                        reason: "does not chain to the entry before".into(),
                    });
                }
                previous = leaf_hash(entry);
                builder.push(previous, &mut completed);
            }
            for tile in completed.drain(..) {
                self.expect_tile(tile.id, &tile.hashes)?;
            }
            start += u64::from(id.width);
        }
        for (id, hashes) in builder.partial_tiles() {
            self.expect_tile(id, hashes)?;
        }
        if builder.root() != checkpoint.checkpoint.root {
            return Err(TileError::RootMismatch { size }.into());
        }
        Ok(size)
    }

    fn expect_tile(&self, id: TileId, hashes: &[Hash]) -> Result<(), ClientError> {
        let bytes = fetch_tile(&self.source, id)?;
        if parse_tile(id, &bytes)? == hashes {
            Ok(())
        } else {
            Err(TileError::WrongTile { path: id.path() }.into())
        }
    }

    fn fetch_bundle(&self, id: TileId) -> Result<Vec<u8>, ClientError> {
        fetch_either(
            &self.source,
            &id.entries_path(),
            &id.full().entries_path(),
            MAX_BUNDLE_LEN,
        )?
        .map(|(bytes, full)| {
            if full {
                prefix_entries(bytes, id)
            } else {
                Ok(bytes)
            }
        })
        .transpose()?
        .ok_or_else(|| ClientError::Missing(id.entries_path()))
    }
}

/// The checkpoint `source` holds, verified for `origin` under `keys`; `None` if it holds none.
pub(crate) fn fetch_checkpoint<S: ObjectSource + ?Sized>(
    source: &S,
    origin: &str,
    keys: &[NoteKey],
) -> Result<Option<SignedCheckpoint>, ClientError> {
    let Some(note) = source.fetch(CHECKPOINT_PATH, MAX_NOTE_LEN)? else {
        return Ok(None);
    };
    let note = String::from_utf8(note).map_err(|_| NoteError::Malformed("not UTF-8"))?;
    Ok(Some(SignedCheckpoint::verify(&note, origin, keys)?.0))
}

/// The object at `path`, or else at `full` (the same tile once it filled up), with whether it
/// came from `full`.
fn fetch_either<S: ObjectSource + ?Sized>(
    source: &S,
    path: &str,
    full: &str,
    max_len: usize,
) -> Result<Option<(Vec<u8>, bool)>, SourceError> {
    if let Some(bytes) = source.fetch(path, max_len)? {
        return Ok(Some((bytes, false)));
    }
    if path == full {
        return Ok(None);
    }
    Ok(source.fetch(full, max_len)?.map(|b| (b, true)))
}

/// The first `id.width` entries of a full bundle.
fn prefix_entries(bytes: Vec<u8>, id: TileId) -> Result<Vec<u8>, ClientError> {
    let full = parse_entry_bundle(id.full(), &bytes)?;
    let len: usize = full[..usize::from(id.width)]
        .iter()
        .map(|e| 2 + e.len())
        .sum();
    Ok(bytes[..len].to_vec())
}

/// The tile `id`, or the prefix of its full version (C2SP lets a log delete partial tiles
/// once the full one exists).
pub(crate) fn fetch_tile<S: ObjectSource + ?Sized>(
    source: &S,
    id: TileId,
) -> Result<Vec<u8>, ClientError> {
    let (bytes, full) = fetch_either(source, &id.path(), &id.full().path(), id.full().byte_len())?
        .ok_or_else(|| ClientError::Missing(id.path()))?;
    if full {
        parse_tile(id.full(), &bytes)?;
        Ok(bytes[..id.byte_len()].to_vec())
    } else {
        Ok(bytes)
    }
}

/// The tree at a checkpoint's size, read from tiles as proofs need them (each tile fetched
/// once).
struct TileTree<'a, S> {
    source: &'a S,
    size: u64,
    tiles: RefCell<BTreeMap<TileId, Vec<Hash>>>,
}

impl<S: ObjectSource> Subtrees for TileTree<'_, S> {
    type Error = ClientError;

    fn size(&self) -> u64 {
        self.size
    }

    fn node(&self, level: u32, index: u64) -> Result<Hash, ClientError> {
        // A node at tree level 8·L + r is the root of 2^r hashes of tile level L.
        let (tile_level, height) = (level / TILE_HEIGHT, level % TILE_HEIGHT);
        let first = index << height;
        let id = tile_of(tile_level as u8, first, self.size);
        if !self.tiles.borrow().contains_key(&id) {
            let hashes = parse_tile(id, &fetch_tile(self.source, id)?)?;
            self.tiles.borrow_mut().insert(id, hashes);
        }
        let tiles = self.tiles.borrow();
        let offset = (first % TILE_WIDTH) as usize;
        let span = 1usize << height;
        tiles
            .get(&id)
            .and_then(|hashes| hashes.get(offset..offset + span))
            .map(perfect_root)
            .ok_or(ClientError::Proof(ProofError::IndexOutOfRange {
                index: first,
                size: self.size,
            }))
    }
}
