//! Reading a log directory — for its writer, and for auditors who hold only the public key and
//! maybe a read-only copy: opening from the anchor and the tree cache (or scanning the whole
//! segment), entries and proofs, and the directory checks behind `yinzheng log verify`.
//!
//! Opening reads the anchor, the compact range at the cache mark (the anchor's
//! `cached_size`) and the segment from the commit at `cached_commit_at` on; the history
//! before the mark is vouched for by the synced cache and that signed commit, and re-read
//! only by [`verify_dir_full`] or [`LogReader::verify_history`]. Proofs are checked against
//! the signed head before they are returned, so a damaged cache is reported, never served.

use std::fs::File;
use std::path::Path;
use std::sync::{RwLock, RwLockReadGuard};

use crate::audit::entry::AuditEntry;
use crate::audit::error::{LogError, io};
use crate::audit::merkle::{
    self, CompactRange, Hash, ProofError, Subtrees, consistency_proof_in, empty_root,
    inclusion_proof_in, leaf_hash, root_at, stored_hash_count, stored_hash_index,
};
use crate::audit::note::{NoteKey, SignedCheckpoint};
use crate::encoding::durable;
use crate::storage::log::anchor::{Anchor, Mark, check_against_anchor, read_anchor};
use crate::storage::log::cache::TreeCache;
use crate::storage::log::segment::{
    self, Frame, HEADER_LEN, LogSummary, Scan, Start, parse_frame, read_frame_at,
};

pub(crate) const SEGMENT_FILE: &str = "log.seg";

/// Reads `from..to` of `file`.
fn read_range(file: &File, from: u64, to: u64) -> Result<Vec<u8>, LogError> {
    let len = usize::try_from(to.saturating_sub(from)).map_err(|_| LogError::Io {
        context: "reading the segment",
        kind: std::io::ErrorKind::OutOfMemory,
    })?;
    let mut bytes = vec![0u8; len];
    durable::read_exact_at(file, &mut bytes, from).map_err(io("reading the segment"))?;
    Ok(bytes)
}

/// The state at the cache mark, if the cache and the segment agree on it: the compact range
/// there gives the signed root of the commit at `mark.commit_at`, and the last entry's frame
/// (where the cache places it) hashes to the cached leaf. `None` sends the caller to a full scan.
fn start_at_mark(
    segment: &File,
    len: u64,
    cache: &TreeCache,
    mark: Mark,
    origin: &str,
    keys: &[NoteKey],
) -> Result<Option<Start>, LogError> {
    if mark.size == 0 || mark.commit_at >= len {
        return Ok(None);
    }
    let last = mark.size - 1;
    let (Ok(range), Ok(offset), Ok(cached_leaf)) = (
        cache.range(mark.size),
        cache.offset(last),
        cache.node(0, last),
    ) else {
        return Ok(None);
    };
    let Ok(entry_frame) = read_frame_at(segment, offset) else {
        return Ok(None);
    };
    let Ok((Frame::Entry { index, entry }, _)) = parse_frame(&entry_frame) else {
        return Ok(None);
    };
    let Ok(decoded) = AuditEntry::decode(entry) else {
        return Ok(None);
    };
    if index != last || leaf_hash(entry) != cached_leaf || offset >= mark.commit_at {
        return Ok(None);
    }
    let Ok(commit_frame) = read_frame_at(segment, mark.commit_at) else {
        return Ok(None);
    };
    let Ok((Frame::Commit { size, root, note }, commit_len)) = parse_frame(&commit_frame) else {
        return Ok(None);
    };
    if size != mark.size || root != range.root() {
        return Ok(None);
    }
    let checkpoint = match segment::verify_commit(size, root, note, origin, keys, mark.commit_at) {
        Ok(c) => c,
        Err(LogError::WrongKey) => return Err(LogError::WrongKey),
        Err(_) => return Ok(None),
    };
    Ok(Some(Start {
        range,
        previous: cached_leaf,
        last_time: decoded.log_time_ms,
        checkpoint: Some(checkpoint),
        commit_at: mark.commit_at,
        at: mark.commit_at + commit_len as u64,
    }))
}

/// Scans a segment of `len` bytes against its anchor — from the cache mark when `cache`
/// vouches for it, else from the start — and refuses what the anchor says is missing.
pub(crate) fn load(
    segment: &File,
    len: u64,
    cache: Option<&TreeCache>,
    anchor: Option<Anchor>,
    origin: &str,
    keys: &[NoteKey],
    collect: bool,
) -> Result<Scan, LogError> {
    let header = read_range(segment, 0, len.min(HEADER_LEN as u64))?;
    segment::check_header(&header, origin)?;
    let wanted = anchor.map(|a| a.size);
    let start = match (cache, anchor) {
        (Some(cache), Some(a)) => start_at_mark(segment, len, cache, a.mark, origin, keys)?,
        _ => None,
    };
    let scan = match start {
        Some(start) => {
            let window = read_range(segment, start.at, len)?;
            let at = start.at;
            segment::scan(&window, at, start, origin, keys, wanted, collect)?
        }
        None => {
            let window = read_range(segment, 0, len)?;
            segment::scan(&window, 0, Start::empty(), origin, keys, wanted, collect)?
        }
    };
    check_against_anchor(&scan, anchor, len)?;
    Ok(scan)
}

/// Verifies a log directory as it lies, with nothing but the log's public key and without
/// the writer lock: the anchor, the commit at the tree cache's mark and every frame after it
/// (the history before the mark is vouched for by the synced cache and that signed commit;
/// [`verify_dir_full`] re-reads it). Bytes after the last commit are reported in
/// [`LogSummary::uncommitted_bytes`], not repaired.
///
/// # Errors
/// [`LogError::Rollback`] if the segment ends before the anchor's size, [`LogError::Corrupt`]
/// if acknowledged entries are damaged, [`LogError::Fork`], [`LogError::WrongKey`], …
pub fn verify_dir(dir: &Path, origin: &str, log_key: &NoteKey) -> Result<LogSummary, LogError> {
    check_dir(dir, origin, log_key, true)
}

/// [`verify_dir`] over the whole history: header, every frame checksum, the entries' hash
/// chain and order, and every commit's root and signed checkpoint, then the anchor.
///
/// # Errors
/// As [`verify_dir`].
pub fn verify_dir_full(
    dir: &Path,
    origin: &str,
    log_key: &NoteKey,
) -> Result<LogSummary, LogError> {
    check_dir(dir, origin, log_key, false)
}

fn check_dir(
    dir: &Path,
    origin: &str,
    log_key: &NoteKey,
    use_cache: bool,
) -> Result<LogSummary, LogError> {
    let (anchor, _) = read_anchor(dir)?;
    let segment = File::open(dir.join(SEGMENT_FILE)).map_err(io("reading the segment"))?;
    let len = segment.metadata().map_err(io("reading the segment"))?.len();
    let cache = if use_cache {
        TreeCache::open_read_only(dir).map_err(io("reading the tree cache"))?
    } else {
        None
    };
    let keys = std::slice::from_ref(log_key);
    let scan = load(&segment, len, cache.as_ref(), anchor, origin, keys, false)?;
    if let Some(offset) = scan.damage {
        return Err(LogError::Corrupt {
            offset,
            what: "damaged frame followed by valid frames",
        });
    }
    Ok(segment::summary(&scan, len))
}

/// The stored hashes and offsets of entries past the cache, kept in memory (a read-only copy
/// cannot write them there).
#[derive(Debug, Default)]
pub(crate) struct Overlay {
    pub from: u64,
    pub hashes: Vec<Hash>,
    pub offsets: Vec<u64>,
}

/// The verified state of a log.
#[derive(Debug)]
pub(crate) struct State {
    pub range: CompactRange,
    pub previous: Hash,
    pub last_time: u64,
    pub checkpoint: SignedCheckpoint,
    /// Where the last commit's frame starts and ends.
    pub commit_at: u64,
    pub end: u64,
    pub overlay: Overlay,
}

impl State {
    pub(crate) fn size(&self) -> u64 {
        self.range.size()
    }
}

/// A log opened for reading: its entries, checkpoint and proofs, with nothing but its public
/// key and no lock, from the writer's directory or a read-only copy of it.
#[derive(Debug)]
pub struct LogReader {
    origin: String,
    key: NoteKey,
    segment: File,
    cache: Option<TreeCache>,
    pub(crate) state: RwLock<State>,
}

/// A view of the tree of the log's state, whose hashes come from the cache or the overlay.
struct StateTree<'a> {
    reader: &'a LogReader,
    state: &'a State,
}

impl Subtrees for StateTree<'_> {
    type Error = LogError;

    fn size(&self) -> u64 {
        self.state.size()
    }

    fn node(&self, level: u32, index: u64) -> Result<Hash, LogError> {
        let at = stored_hash_index(level, index);
        let from = stored_hash_count(self.state.overlay.from);
        if at >= from {
            return usize::try_from(at - from)
                .ok()
                .and_then(|i| self.state.overlay.hashes.get(i).copied())
                .ok_or(LogError::Proof(ProofError::IndexOutOfRange {
                    index,
                    size: self.state.size(),
                }));
        }
        let cache = self.reader.cache.as_ref().ok_or(LogError::CacheDamaged)?;
        cache
            .node(level, index)
            .map_err(io("reading the tree cache"))
    }
}

impl LogReader {
    /// Opens the log in `dir` for reading (see the module docs for what is checked).
    ///
    /// # Errors
    /// [`LogError`] if the directory is not this log, is damaged or rolled back, or holds no
    /// commit yet.
    pub fn open(dir: &Path, origin: &str, log_key: &NoteKey) -> Result<Self, LogError> {
        let (anchor, _) = read_anchor(dir)?;
        let segment = File::open(dir.join(SEGMENT_FILE)).map_err(io("opening the segment"))?;
        let len = segment.metadata().map_err(io("reading the segment"))?.len();
        let cache = TreeCache::open_read_only(dir).map_err(io("reading the tree cache"))?;
        let keys = std::slice::from_ref(log_key);
        let scan = load(&segment, len, cache.as_ref(), anchor, origin, keys, true)?;
        let checkpoint = scan
            .end
            .checkpoint
            .clone()
            .ok_or(LogError::WrongLog("the log holds no commit yet"))?;
        let overlay = Overlay {
            from: scan.start_size,
            hashes: scan.hashes,
            offsets: scan.offsets,
        };
        let state = State::at(scan.end, checkpoint, overlay);
        Ok(Self::from_parts(
            origin,
            log_key.clone(),
            segment,
            cache,
            state,
        ))
    }

    pub(crate) fn from_parts(
        origin: &str,
        key: NoteKey,
        segment: File,
        cache: Option<TreeCache>,
        state: State,
    ) -> Self {
        Self {
            origin: origin.to_owned(),
            key,
            segment,
            cache,
            state: RwLock::new(state),
        }
    }

    pub(crate) fn cache(&self) -> Option<&TreeCache> {
        self.cache.as_ref()
    }

    pub(crate) fn read_state(&self) -> RwLockReadGuard<'_, State> {
        self.state
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The log's origin.
    #[must_use]
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The log's verifier key.
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
        self.read_state().size()
    }

    /// The encoded entry at `index` (durable entries only), from an intact frame.
    ///
    /// # Errors
    /// [`LogError::Proof`] if out of range, [`LogError::Io`] or [`LogError::Corrupt`].
    pub fn entry(&self, index: u64) -> Result<Vec<u8>, LogError> {
        let (offset, from_cache) = {
            let state = self.read_state();
            let size = state.size();
            if index >= size {
                return Err(ProofError::IndexOutOfRange { index, size }.into());
            }
            let overlay = &state.overlay;
            match index.checked_sub(overlay.from) {
                Some(i) => (
                    usize::try_from(i)
                        .ok()
                        .and_then(|i| overlay.offsets.get(i).copied())
                        .ok_or(LogError::CacheDamaged)?,
                    false,
                ),
                None => (
                    self.cache
                        .as_ref()
                        .ok_or(LogError::CacheDamaged)?
                        .offset(index)
                        .map_err(io("reading the tree cache"))?,
                    true,
                ),
            }
        };
        let entry =
            read_frame_at(&self.segment, offset)
                .ok()
                .and_then(|frame| match parse_frame(&frame) {
                    Ok((Frame::Entry { index: i, entry }, _)) if i == index => Some(entry.to_vec()),
                    _ => None,
                });
        // Where the cache placed it, either may be wrong: the writer's next open rebuilds the
        // cache from the segment with a full scan, which finds a damaged segment.
        match entry {
            Some(entry) => Ok(entry),
            None if from_cache => Err(LogError::CacheDamaged),
            None => Err(LogError::Corrupt {
                offset,
                what: "entry frame changed on disk",
            }),
        }
    }

    /// The head of the tree of `size`, proven consistent with the signed head (so a damaged
    /// cache cannot supply it).
    fn authenticated_root(&self, tree: &StateTree<'_>, size: u64) -> Result<Hash, LogError> {
        let current = tree.state.size();
        let signed = tree.state.checkpoint.checkpoint.root;
        if size == current {
            return Ok(signed);
        }
        if size == 0 {
            return Ok(empty_root());
        }
        let root = root_at(tree, size)?;
        let proof = consistency_proof_in(tree, size, current)?;
        merkle::verify_consistency(size, current, &proof, &root, &signed)
            .map_err(|_| LogError::CacheDamaged)?;
        Ok(root)
    }

    /// Inclusion proof of `index` in the tree of `size` (≤ the durable size), checked against
    /// the signed head before it is returned.
    ///
    /// # Errors
    /// [`LogError::Proof`] for sizes or indices outside the durable log,
    /// [`LogError::CacheDamaged`] if the tree cache gives a proof that does not check.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, LogError> {
        let state = self.read_state();
        check_durable(size, &state)?;
        let tree = StateTree {
            reader: self,
            state: &state,
        };
        let proof = inclusion_proof_in(&tree, index, size)?;
        let root = self.authenticated_root(&tree, size)?;
        let leaf = tree.node(0, index)?;
        merkle::verify_inclusion(&leaf, index, size, &proof, &root)
            .map_err(|_| LogError::CacheDamaged)?;
        Ok(proof)
    }

    /// Consistency proof between two durable sizes, checked against the signed head.
    ///
    /// # Errors
    /// [`LogError::Proof`] for sizes outside the durable log, [`LogError::CacheDamaged`].
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, LogError> {
        let state = self.read_state();
        check_durable(new, &state)?;
        let tree = StateTree {
            reader: self,
            state: &state,
        };
        let proof = consistency_proof_in(&tree, old, new)?;
        if old == 0 {
            // Every tree extends the empty one: the proof is empty, and there is nothing to check.
            return Ok(proof);
        }
        let new_root = self.authenticated_root(&tree, new)?;
        let old_root = root_at(&tree, old)?;
        merkle::verify_consistency(old, new, &proof, &old_root, &new_root)
            .map_err(|_| LogError::CacheDamaged)?;
        Ok(proof)
    }

    /// Re-reads the whole durable history: every frame up to the last commit, the hash chain,
    /// every commit's root and signature, ending at the current signed head.
    ///
    /// # Errors
    /// [`LogError::Corrupt`] (or another [`LogError`]) at the first problem.
    pub fn verify_history(&self) -> Result<LogSummary, LogError> {
        let (end, size, root) = {
            let state = self.read_state();
            (state.end, state.size(), state.checkpoint.checkpoint.root)
        };
        let bytes = read_range(&self.segment, 0, end)?;
        segment::check_header(&bytes, &self.origin)?;
        let keys = std::slice::from_ref(&self.key);
        let scan = segment::scan(
            &bytes,
            0,
            Start::empty(),
            &self.origin,
            keys,
            Some(size),
            false,
        )?;
        if scan.size() != size || scan.root_at_wanted != Some(root) {
            return Err(LogError::Corrupt {
                offset: scan.end.at,
                what: "the segment's history does not end at the signed head",
            });
        }
        Ok(segment::summary(&scan, end))
    }
}

impl State {
    /// The state at the end of a scan.
    pub(crate) fn at(end: Start, checkpoint: SignedCheckpoint, overlay: Overlay) -> Self {
        Self {
            range: end.range,
            previous: end.previous,
            last_time: end.last_time,
            checkpoint,
            commit_at: end.commit_at,
            end: end.at,
            overlay,
        }
    }
}

fn check_durable(size: u64, state: &State) -> Result<(), LogError> {
    let durable = state.size();
    if size > durable {
        return Err(ProofError::SizeOutOfRange {
            old: size,
            new: durable,
        }
        .into());
    }
    Ok(())
}
