//! The log's segment file: its header, its frames, and the scan that checks them — from the
//! start, or resumed at a commit the tree cache vouches for.
//!
//! ```text
//! log.seg = header (64 B) ‖ 8-byte-aligned frames:
//!   type u8 (1 ENTRY, 2 COMMIT) ‖ body_len u24 ‖ crc32c(type ‖ len ‖ body) u32 ‖ body ‖ zero pad
//!   ENTRY  body: index u64 ‖ AuditEntry
//!   COMMIT body: tree_size u64 ‖ root[32] ‖ note_len u16 ‖ signed checkpoint note
//! ```

use std::fs::File;

use crate::audit::entry::AuditEntry;
use crate::audit::error::LogError;
use crate::audit::merkle::{CompactRange, Hash, leaf_hash};
use crate::audit::note::{NoteError, NoteKey, SignedCheckpoint};
use crate::crypto::sha256;
use crate::encoding::{durable, frame};

const SEGMENT_MAGIC: &[u8; 8] = b"YZLOGSEG";
pub(crate) const HEADER_LEN: usize = 64;
const FRAME_HEADER_LEN: usize = 8;
pub(crate) const ENTRY_FRAME: u8 = 1;
pub(crate) const COMMIT_FRAME: u8 = 2;

/// The segment header for `origin`.
pub(crate) fn header(origin: &str) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[..8].copy_from_slice(SEGMENT_MAGIC);
    h[8..10].copy_from_slice(&1u16.to_be_bytes());
    h[12..16].copy_from_slice(&64u32.to_be_bytes());
    h[16..48].copy_from_slice(&sha256(origin.as_bytes()));
    let crc = crc32c::crc32c(&h[..60]);
    h[60..].copy_from_slice(&crc.to_be_bytes());
    h
}

/// Refuses bytes that do not start with the header of a segment of `origin`.
pub(crate) fn check_header(bytes: &[u8], origin: &str) -> Result<(), LogError> {
    let found = bytes
        .get(..HEADER_LEN)
        .ok_or(LogError::WrongLog("segment shorter than its header"))?;
    if found == header(origin) {
        Ok(())
    } else if found[..8] == *SEGMENT_MAGIC {
        Err(LogError::WrongLog(
            "segment header is for another origin or damaged",
        ))
    } else {
        Err(LogError::WrongLog("not a yinzheng log segment"))
    }
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
pub enum SegmentError {
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
/// [`SegmentError`] describing why it is not a frame.
pub fn parse_frame(bytes: &[u8]) -> Result<(Frame<'_>, usize), SegmentError> {
    let (kind, body, padded) = frame::read_frame(bytes).map_err(|e| match e {
        frame::FrameError::Incomplete => SegmentError::Incomplete,
        frame::FrameError::Damaged => SegmentError::Checksum,
    })?;
    let u64_at = |at: usize| {
        body.get(at..at + 8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_be_bytes)
    };
    let frame = match kind {
        ENTRY_FRAME => Frame::Entry {
            index: u64_at(0).ok_or(SegmentError::Malformed)?,
            entry: &body[8.min(body.len())..],
        },
        COMMIT_FRAME => {
            let size = u64_at(0).ok_or(SegmentError::Malformed)?;
            let root: Hash = body
                .get(8..40)
                .and_then(|r| r.try_into().ok())
                .ok_or(SegmentError::Malformed)?;
            let note_len = body
                .get(40..42)
                .map(|n| usize::from(u16::from_be_bytes([n[0], n[1]])))
                .ok_or(SegmentError::Malformed)?;
            if body.len() != 42 + note_len {
                return Err(SegmentError::Malformed);
            }
            let note = core::str::from_utf8(&body[42..]).map_err(|_| SegmentError::Malformed)?;
            Frame::Commit { size, root, note }
        }
        _ => return Err(SegmentError::Malformed),
    };
    Ok((frame, padded))
}

/// The padded bytes of the frame at `offset` in `file` (checksum not yet checked).
pub(crate) fn read_frame_at(file: &File, offset: u64) -> std::io::Result<Vec<u8>> {
    let mut header = [0u8; FRAME_HEADER_LEN];
    durable::read_exact_at(file, &mut header, offset)?;
    let len = usize::from(header[1]) << 16 | usize::from(header[2]) << 8 | usize::from(header[3]);
    let mut bytes = header.to_vec();
    bytes.resize((FRAME_HEADER_LEN + len).next_multiple_of(8), 0);
    durable::read_exact_at(file, &mut bytes[FRAME_HEADER_LEN..], offset + 8)?;
    Ok(bytes)
}

/// Verifies a commit's signed checkpoint against its frame.
pub(crate) fn verify_commit(
    size: u64,
    root: Hash,
    note: &str,
    origin: &str,
    keys: &[NoteKey],
    at: u64,
) -> Result<SignedCheckpoint, LogError> {
    let corrupt = |what| LogError::Corrupt { offset: at, what };
    let (signed, _) = SignedCheckpoint::verify(note, origin, keys).map_err(|e| match e {
        NoteError::NoKnownSignature => LogError::WrongKey,
        _ => corrupt("commit checkpoint does not verify"),
    })?;
    if signed.checkpoint.size != size || signed.checkpoint.root != root {
        return Err(corrupt("commit checkpoint differs from the commit"));
    }
    Ok(signed)
}

/// The state of a segment at a verified commit, where a scan starts.
#[derive(Clone, Debug)]
pub(crate) struct Start {
    pub range: CompactRange,
    /// Leaf hash of the last entry (zeros for none): the next entry's `previous_leaf`.
    pub previous: Hash,
    pub last_time: u64,
    pub checkpoint: Option<SignedCheckpoint>,
    /// File offset of the commit frame (0 for the empty start, which has none).
    pub commit_at: u64,
    /// File offset of the first frame after it.
    pub at: u64,
}

impl Start {
    /// The start of an empty segment.
    pub(crate) fn empty() -> Self {
        Self {
            range: CompactRange::default(),
            previous: [0; 32],
            last_time: 0,
            checkpoint: None,
            commit_at: 0,
            at: HEADER_LEN as u64,
        }
    }
}

/// What a scan established, as of the last valid commit.
#[derive(Debug)]
pub(crate) struct Scan {
    /// The state at the last valid commit, `at` being where that commit's frame ends.
    pub end: Start,
    /// Where the scan started.
    pub start_size: u64,
    /// Offset of a damaged frame that valid frames follow (unwritten pages in an unsynced tail,
    /// or corruption: the anchor decides which).
    pub damage: Option<u64>,
    /// The root at the size asked for, if the scan passed a commit of that size.
    pub root_at_wanted: Option<Hash>,
    /// When collecting: the stored hashes and offsets of the committed entries after the start.
    pub hashes: Vec<Hash>,
    pub offsets: Vec<u64>,
}

impl Scan {
    /// Entries up to the last valid commit.
    pub(crate) fn size(&self) -> u64 {
        self.end.range.size()
    }
}

/// Scans the frames of `window` (the segment's bytes from file offset `window_at`) from
/// `start.at` on: entries in sequence, hash chain, non-decreasing log time, and every
/// commit's root and signed checkpoint. Frames after the last valid commit are not counted.
pub(crate) fn scan(
    window: &[u8],
    window_at: u64,
    start: Start,
    origin: &str,
    keys: &[NoteKey],
    wanted: Option<u64>,
    collect: bool,
) -> Result<Scan, LogError> {
    let start_size = start.range.size();
    let root_at_wanted = (wanted == Some(start_size)).then(|| start.range.root());
    let mut scan = Scan {
        start_size,
        damage: None,
        root_at_wanted,
        hashes: Vec::new(),
        offsets: Vec::new(),
        end: start.clone(),
    };
    let mut range = start.range;
    let (mut previous, mut last_time) = (start.previous, start.last_time);
    let (mut hashes, mut offsets) = (Vec::new(), Vec::new());
    let mut pos = usize::try_from(start.at.saturating_sub(window_at)).unwrap_or(usize::MAX);
    let corrupt = |pos: usize, what| LogError::Corrupt {
        offset: window_at + pos as u64,
        what,
    };
    let mut stored = Vec::with_capacity(8);
    loop {
        let (frame, len) = match window.get(pos..).map(parse_frame) {
            Some(Ok(f)) => f,
            Some(Err(SegmentError::Malformed)) => {
                return Err(corrupt(pos, "malformed frame under a valid checksum"));
            }
            Some(Err(SegmentError::Incomplete | SegmentError::Checksum)) | None => {
                if pos < window.len() && frame::intact_frame_after(window, pos + 8) {
                    scan.damage = Some(window_at + pos as u64);
                }
                break;
            }
        };
        match frame {
            Frame::Entry { index, entry } => {
                if index != range.size() {
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
                previous = leaf_hash(entry);
                stored.clear();
                range.push(previous, &mut stored);
                if collect {
                    hashes.extend_from_slice(&stored);
                    offsets.push(window_at + pos as u64);
                }
            }
            Frame::Commit { size, root, note } => {
                if size != range.size() || range.root() != root {
                    return Err(corrupt(pos, "commit does not match the entries"));
                }
                let at = window_at + pos as u64;
                let signed = verify_commit(size, root, note, origin, keys, at)?;
                if wanted == Some(size) {
                    scan.root_at_wanted = Some(root);
                }
                scan.end = Start {
                    range: range.clone(),
                    previous,
                    last_time,
                    checkpoint: Some(signed),
                    commit_at: at,
                    at: at + len as u64,
                };
                scan.hashes.append(&mut hashes);
                scan.offsets.append(&mut offsets);
            }
        }
        pos += len;
    }
    Ok(scan)
}

/// Summary of a verified segment or log directory.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogSummary {
    /// Entries up to the last commit.
    pub size: u64,
    /// The last commit's signed checkpoint.
    pub checkpoint: Option<SignedCheckpoint>,
    /// Bytes after the last commit (an unacknowledged tail).
    pub uncommitted_bytes: u64,
    /// Entries before this index were taken from the tree cache (vouched for by a synced
    /// cache and a signed commit, not re-read); 0 when the whole history was checked.
    pub checked_from: u64,
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
    check_header(bytes, origin)?;
    let scan = scan(
        bytes,
        0,
        Start::empty(),
        origin,
        std::slice::from_ref(log_key),
        None,
        false,
    )?;
    if let Some(offset) = scan.damage {
        return Err(LogError::Corrupt {
            offset,
            what: "damaged frame followed by valid frames",
        });
    }
    Ok(summary(&scan, bytes.len() as u64))
}

/// The summary of a scan of a segment `len` bytes long.
pub(crate) fn summary(scan: &Scan, len: u64) -> LogSummary {
    LogSummary {
        size: scan.size(),
        uncommitted_bytes: len.saturating_sub(scan.end.at),
        checkpoint: scan.end.checkpoint.clone(),
        checked_from: scan.start_size,
    }
}
