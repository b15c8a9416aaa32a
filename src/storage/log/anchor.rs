//! The anti-rollback anchor beside the segment: what was acknowledged last (size and root) and
//! how far the tree cache is synced (the mark), in two checksummed slots; and the check that
//! refuses a segment holding less than the anchor records (rollback, corruption, fork).
//!
//! ```text
//! <dir>/anchor  two 96-byte slots: "YZANCHR2" ‖ seq u64 ‖ size u64 ‖ root[32]
//!               ‖ cached_size u64 ‖ cached_commit_at u64 ‖ zeros ‖ crc32c u32
//! ```

use std::path::Path;

use crate::audit::error::{LogError, io};
use crate::audit::merkle::Hash;
use crate::encoding::durable::{Slot, SlotFile, SlotRead};
use crate::storage::log::segment::Scan;

pub(crate) const ANCHOR_FILE: &str = "anchor";
pub(crate) const ANCHOR_MAGIC: &[u8; 8] = b"YZANCHR2";
pub(crate) const ANCHOR_SLOT_LEN: usize = 96;
/// Anchors before the tree cache: 64-byte slots without a mark (read, then rewritten).
const LEGACY_ANCHOR_MAGIC: &[u8; 8] = b"YZANCHOR";
const LEGACY_ANCHOR_SLOT_LEN: usize = 64;

/// How far the tree cache is synced: its size and the offset of the commit frame at that size.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Mark {
    pub size: u64,
    pub commit_at: u64,
}

/// Durable state recorded outside the segment: what was acknowledged last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Anchor {
    pub seq: u64,
    pub size: u64,
    pub root: Hash,
    pub mark: Mark,
}

impl Anchor {
    pub(crate) fn to_slot(self) -> Slot {
        let mut payload = self.size.to_be_bytes().to_vec();
        payload.extend_from_slice(&self.root);
        payload.extend_from_slice(&self.mark.size.to_be_bytes());
        payload.extend_from_slice(&self.mark.commit_at.to_be_bytes());
        Slot {
            seq: self.seq,
            payload,
        }
    }

    fn from_slot(slot: &Slot) -> Option<Self> {
        let u64_at = |at: usize| {
            Some(u64::from_be_bytes(
                slot.payload.get(at..at + 8)?.try_into().ok()?,
            ))
        };
        let mark = Mark {
            size: u64_at(40).unwrap_or(0),
            commit_at: u64_at(48).unwrap_or(0),
        };
        Some(Self {
            seq: slot.seq,
            size: u64_at(0)?,
            root: slot.payload.get(8..40)?.try_into().ok()?,
            mark: if mark.size <= u64_at(0)? {
                mark
            } else {
                Mark::default()
            },
        })
    }
}

/// The anchor in `dir`, and whether it is in the older format (to be rewritten).
pub(crate) fn read_anchor(dir: &Path) -> Result<(Option<Anchor>, bool), LogError> {
    let path = dir.join(ANCHOR_FILE);
    let read = |magic, len| SlotFile::read(&path, magic, len).map_err(io("reading the anchor"));
    let (slot, legacy) = match read(ANCHOR_MAGIC, ANCHOR_SLOT_LEN)? {
        SlotRead::Absent => return Ok((None, false)),
        SlotRead::Found(slot) => (slot, false),
        SlotRead::Damaged => match read(LEGACY_ANCHOR_MAGIC, LEGACY_ANCHOR_SLOT_LEN)? {
            SlotRead::Found(slot) => (slot, true),
            _ => {
                return Err(LogError::Corrupt {
                    offset: 0,
                    what: "both anchor slots are damaged",
                });
            }
        },
    };
    let anchor = Anchor::from_slot(&slot).ok_or(LogError::Corrupt {
        offset: 0,
        what: "anchor slot malformed",
    })?;
    Ok((Some(anchor), legacy))
}

/// Refuses a segment that lacks what the anchor records as acknowledged: a clean end before
/// the anchor's size is a rollback, damage before it is corruption, another root a fork.
pub(crate) fn check_against_anchor(
    scan: &Scan,
    anchor: Option<Anchor>,
    len: u64,
) -> Result<(), LogError> {
    let size = scan.size();
    // Damage with valid frames after it is an unsynced tail only beyond what the anchor
    // records as acknowledged.
    if let Some(offset) = scan.damage
        && anchor.is_none_or(|a| size < a.size)
    {
        return Err(LogError::Corrupt {
            offset,
            what: "damaged frame followed by valid frames",
        });
    }
    let Some(a) = anchor else {
        // `AuditLog::open` writes the anchor before any entry can be appended.
        return match size {
            0 => Ok(()),
            found => Err(LogError::AnchorMissing { found }),
        };
    };
    if a.size > size {
        if scan.end.at < len {
            return Err(LogError::Corrupt {
                offset: scan.end.at,
                what: "acknowledged entries are damaged or cut short",
            });
        }
        return Err(LogError::Rollback {
            anchor_size: a.size,
            found: size,
        });
    }
    if scan.root_at_wanted != Some(a.root) {
        return Err(LogError::Fork { size: a.size });
    }
    Ok(())
}
