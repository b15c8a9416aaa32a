//! Publishing a log as C2SP tlog-tiles into an [`ObjectSink`]: the [`Publisher`] holds the
//! tree's right edge at the size last published, and each call adds the entries since and
//! the checkpoint that covers them.
//!
//! A call first hashes the new entries on a copy of the edge and compares the root with the
//! checkpoint, so nothing is written for entries the checkpoint does not sign. It then reads
//! the entries again and writes, bundle by bundle, checking each leaf against the first pass:
//! full bundles and full tiles create-only, partial ones replaced, the checkpoint last. A
//! failure leaves the publisher where it was; calling again rewrites the same bytes, which
//! create-only writes accept.

use crate::audit::entry::MAX_ENTRY_LEN;
use crate::audit::merkle::{Hash, leaf_hash};
use crate::audit::note::{NoteError, NoteKey, SignedCheckpoint};
use crate::audit::objects::{ObjectSink, ObjectSource, Put, SinkError, SourceError, StoreError};
use crate::audit::tile_client::{ClientError, fetch_checkpoint, fetch_tile};
use crate::audit::tiles::{
    CHECKPOINT_PATH, CompletedTile, MAX_TILE_LEVELS, TILE_WIDTH, TileBuilder, TileError,
    encode_entry_bundle, parse_tile, tile_of,
};
use crate::crypto::sha256;

/// How long readers may cache the checkpoint (C2SP: a few seconds at most).
pub const CHECKPOINT_MAX_AGE_SECS: u32 = 5;
/// How long readers may cache a partial tile or bundle: its bytes never change, but the
/// object is replaced, not created once.
pub const PARTIAL_MAX_AGE_SECS: u32 = 3600;

/// Why publishing stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PublishError {
    /// Writing an object failed, or found a conflicting immutable object.
    #[error(transparent)]
    Sink(#[from] SinkError),
    /// Reading the published state back failed.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// A published tile could not be read back.
    #[error("reading the published tiles: {0}")]
    Read(#[from] ClientError),
    /// The published checkpoint does not verify.
    #[error("the published checkpoint: {0}")]
    Checkpoint(#[from] NoteError),
    /// The entries do not give the checkpoint's root, or published tiles are damaged.
    #[error(transparent)]
    Tiles(#[from] TileError),
    /// The entries could not be read, or changed between the two passes.
    #[error("reading entries: {0}")]
    Entries(StoreError),
    /// The checkpoint is older than what was published.
    #[error("checkpoint of size {offered} is behind the published size {published}")]
    Behind {
        /// The published size.
        published: u64,
        /// The checkpoint's size.
        offered: u64,
    },
}

/// The publisher's state: the right edge of the tree at the published size.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Publisher {
    builder: TileBuilder,
}

impl Publisher {
    /// A publisher for a store that holds nothing yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Resumes from what `source` holds: its checkpoint (verified for `origin` under `keys`)
    /// and that size's partial tiles, checked against the checkpoint's root. A source with
    /// no checkpoint gives a new publisher.
    ///
    /// # Errors
    /// [`PublishError`] if the checkpoint does not verify or the partial tiles do not match.
    pub fn resume(
        source: &dyn ObjectSource,
        origin: &str,
        keys: &[NoteKey],
    ) -> Result<Self, PublishError> {
        let published = fetch_checkpoint(source, origin, keys).map_err(|e| match e {
            ClientError::Source(e) => PublishError::Source(e),
            ClientError::Checkpoint(e) => PublishError::Checkpoint(e),
            other => PublishError::Read(other),
        })?;
        let Some(checkpoint) = published else {
            return Ok(Self::new());
        };
        let size = checkpoint.checkpoint.size;
        let mut partials = Vec::new();
        for level in 0..MAX_TILE_LEVELS {
            let nodes = size >> (8 * u32::from(level));
            let width = nodes % TILE_WIDTH;
            if width == 0 {
                partials.push(Vec::new());
                continue;
            }
            let id = tile_of(level, nodes - width, size);
            partials.push(parse_tile(id, &fetch_tile(source, id)?)?);
        }
        let builder = TileBuilder::resume(size, partials, &checkpoint.checkpoint.root)?;
        Ok(Self { builder })
    }

    /// The size published so far.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.builder.size()
    }

    /// Publishes the entries from [`Self::size`] up to `checkpoint`'s size, and `checkpoint`.
    /// `entries(from, to)` returns the encoded entries `from..to` (at most 256 at a time,
    /// and entries already published again, for the partial bundle).
    ///
    /// # Errors
    /// [`PublishError`]; the publisher is unchanged and the call can be repeated.
    pub fn publish<E>(
        &mut self,
        checkpoint: &SignedCheckpoint,
        mut entries: E,
        sink: &dyn ObjectSink,
    ) -> Result<(), PublishError>
    where
        E: FnMut(u64, u64) -> Result<Vec<Vec<u8>>, StoreError>,
    {
        let (from, to) = (self.size(), checkpoint.checkpoint.size);
        if to < from {
            return Err(PublishError::Behind {
                published: from,
                offered: to,
            });
        }
        // Pass 1: hash; keep the root and, per bundle, a digest of its new leaves (32 bytes
        // per 256 entries).
        let mut builder = self.builder.clone();
        let mut scratch = Vec::new();
        let mut digests = Vec::new();
        for (start, end) in chunks(from, to) {
            let leaves: Vec<Hash> = read(&mut entries, start, end)?
                .iter()
                .map(|e| leaf_hash(e))
                .collect();
            for leaf in &leaves {
                builder.push(*leaf, &mut scratch);
            }
            scratch.clear();
            digests.push(sha256(&leaves.concat()));
        }
        if builder.root() != checkpoint.checkpoint.root {
            return Err(TileError::RootMismatch { size: to }.into());
        }
        // Pass 2: each bundle and the tiles it completes, the partial tiles, then the
        // checkpoint. The first bundle also holds entries published before, whose leaves the
        // edge's level-0 tile holds.
        let first_bundle = from - from % TILE_WIDTH;
        let published = self
            .builder
            .partial_tiles()
            .first()
            .filter(|(id, _)| id.level == 0)
            .map_or_else(Vec::new, |(_, h)| h.to_vec());
        let mut writer = self.builder.clone();
        let mut completed = Vec::new();
        for ((start, end), digest) in chunks(first_bundle, to).zip(&digests) {
            let bundle = read(&mut entries, start, end)?;
            let mut new_leaves = Vec::with_capacity(bundle.len());
            for (index, entry) in (start..end).zip(&bundle) {
                let leaf = leaf_hash(entry);
                if index < from {
                    if published.get((index - first_bundle) as usize) != Some(&leaf) {
                        return Err(changed(index));
                    }
                } else {
                    new_leaves.push(leaf);
                }
            }
            if sha256(&new_leaves.concat()) != *digest {
                return Err(changed(start.max(from)));
            }
            for leaf in new_leaves {
                writer.push(leaf, &mut completed);
            }
            let id = tile_of(0, start, to);
            let put = if id.is_full() {
                Put::Immutable
            } else {
                partial()
            };
            sink.put(&id.entries_path(), &encode_entry_bundle(&bundle)?, put)?;
            for CompletedTile { id, hashes } in completed.drain(..) {
                sink.put(&id.path(), &hashes.concat(), Put::Immutable)?;
            }
        }
        for (id, hashes) in builder.partial_tiles() {
            sink.put(&id.path(), &hashes.concat(), partial())?;
        }
        sink.put(
            CHECKPOINT_PATH,
            checkpoint.note.as_bytes(),
            Put::Replace {
                max_age_secs: CHECKPOINT_MAX_AGE_SECS,
            },
        )?;
        self.builder = builder;
        Ok(())
    }
}

fn changed(index: u64) -> PublishError {
    PublishError::Entries(format!("entries from {index} are not the ones hashed").into())
}

fn partial() -> Put {
    Put::Replace {
        max_age_secs: PARTIAL_MAX_AGE_SECS,
    }
}

/// `from..to` cut at multiples of 256.
fn chunks(from: u64, to: u64) -> impl Iterator<Item = (u64, u64)> {
    let mut start = from;
    core::iter::from_fn(move || {
        (start < to).then(|| {
            let end = (start - start % TILE_WIDTH)
                .saturating_add(TILE_WIDTH)
                .min(to);
            let chunk = (start, end);
            start = end;
            chunk
        })
    })
}

fn read<E>(entries: &mut E, start: u64, end: u64) -> Result<Vec<Vec<u8>>, PublishError>
where
    E: FnMut(u64, u64) -> Result<Vec<Vec<u8>>, StoreError>,
{
    let got = entries(start, end).map_err(PublishError::Entries)?;
    if got.len() as u64 != end - start {
        return Err(PublishError::Entries(
            format!("asked for entries {start}..{end}, got {}", got.len()).into(),
        ));
    }
    if let Some(long) = got.iter().find(|e| e.len() > MAX_ENTRY_LEN) {
        return Err(TileError::EntryTooLong(long.len()).into());
    }
    Ok(got)
}
