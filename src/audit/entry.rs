//! Audit entries: binary, canonical by construction (fixed field order, explicit lengths, no
//! optional encodings), holding digests and identifiers only — never personal data.
//!
//! ```text
//! struct {
//!   uint16 version = 1;
//!   uint8  event;                 // EventKind
//!   uint64 log_time_ms;           // assigned by the log, non-decreasing in index order
//!   opaque previous_leaf[32];     // leaf hash of entry index-1 (zeros for index 0): the hash chain
//!   opaque actor_key_id[32];      // who acted: SHA-256 of the acting key (docs/FORMAT.md table)
//!   opaque subject<1..255>;       // an identifier, e.g. the e-licence identifier
//!   opaque object_digest[32];     // SHA-256 of the object (certificate bytes, list, stamp …)
//!   opaque attributes<0..65535>;  // event details as deterministic CBOR (codes, not names)
//! } AuditEntry;                   // integers big-endian; leaf = SHA-256(0x00 ‖ AuditEntry)
//! ```

use crate::audit::merkle::Hash;

/// Largest encoded entry (the tlog-tiles entry-bundle limit).
pub const MAX_ENTRY_LEN: usize = 65_535;

const FIXED_LEN: usize = 2 + 1 + 8 + 32 + 32 + 1 + 32 + 2;

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventKind {
    /// A certificate was issued (subject: its identifier; digest: its bytes).
    CertificateIssued,
    /// A certificate's status changed (revoked, suspended, reinstated …).
    StatusChanged,
    /// A status list version was published.
    StatusListPublished,
    /// A seal was made.
    SealMade,
    /// A document was stamped.
    Stamped,
    /// A key was created, rotated or retired.
    KeyEvent,
}

impl EventKind {
    /// The wire code.
    #[must_use]
    pub fn code(self) -> u8 {
        match self {
            Self::CertificateIssued => 1,
            Self::StatusChanged => 2,
            Self::StatusListPublished => 3,
            Self::SealMade => 4,
            Self::Stamped => 5,
            Self::KeyEvent => 6,
        }
    }

    /// The kind's name, as the CLI and the log's JSON write it (`certificate-issued`, …).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::CertificateIssued => "certificate-issued",
            Self::StatusChanged => "status-changed",
            Self::StatusListPublished => "status-list-published",
            Self::SealMade => "seal-made",
            Self::Stamped => "stamped",
            Self::KeyEvent => "key",
        }
    }

    /// The kind for a wire code.
    #[must_use]
    pub fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            1 => Self::CertificateIssued,
            2 => Self::StatusChanged,
            3 => Self::StatusListPublished,
            4 => Self::SealMade,
            5 => Self::Stamped,
            6 => Self::KeyEvent,
            _ => return None,
        })
    }
}

/// Why entry bytes are not a valid entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EntryError {
    /// Shorter than its fields say, or longer than [`MAX_ENTRY_LEN`].
    #[error("entry length is wrong ({len} bytes)")]
    Length {
        /// The length found.
        len: usize,
    },
    /// An unknown version.
    #[error("unknown entry version {0}")]
    Version(u16),
    /// An unknown event code.
    #[error("unknown event code {0}")]
    Event(u8),
    /// The subject is empty or longer than 255 bytes.
    #[error("subject must be 1 to 255 bytes")]
    Subject,
}

/// An event before the log sequences it: what the caller supplies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// What happened.
    pub kind: EventKind,
    /// SHA-256 of the acting key's public key bytes.
    pub actor_key_id: Hash,
    /// An identifier (no personal data), 1–255 bytes.
    pub subject: Vec<u8>,
    /// SHA-256 of the object concerned.
    pub object_digest: Hash,
    /// Details as deterministic CBOR (e.g. a status code and reason code), or empty.
    pub attributes: Vec<u8>,
}

/// A sequenced entry: the event, its log time and the previous leaf hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    /// The event.
    pub event: Event,
    /// Milliseconds since the Unix epoch, assigned by the log.
    pub log_time_ms: u64,
    /// Leaf hash of the previous entry (zeros for the first).
    pub previous_leaf: Hash,
}

impl Event {
    /// Checks the sizes the format can carry.
    ///
    /// # Errors
    /// [`EntryError`] for an empty or long subject or oversize attributes.
    pub fn check(&self) -> Result<(), EntryError> {
        if self.subject.is_empty() || self.subject.len() > 255 {
            return Err(EntryError::Subject);
        }
        let len = FIXED_LEN + self.subject.len() + self.attributes.len();
        if len > MAX_ENTRY_LEN {
            return Err(EntryError::Length { len });
        }
        Ok(())
    }
}

impl AuditEntry {
    /// The canonical encoding.
    ///
    /// # Errors
    /// [`EntryError`] if the event does not fit the format.
    pub fn encode(&self) -> Result<Vec<u8>, EntryError> {
        let e = &self.event;
        e.check()?;
        let mut out = Vec::with_capacity(FIXED_LEN + e.subject.len() + e.attributes.len());
        out.extend_from_slice(&1u16.to_be_bytes());
        out.push(e.kind.code());
        out.extend_from_slice(&self.log_time_ms.to_be_bytes());
        out.extend_from_slice(&self.previous_leaf);
        out.extend_from_slice(&e.actor_key_id);
        out.push(u8::try_from(e.subject.len()).map_err(|_| EntryError::Subject)?);
        out.extend_from_slice(&e.subject);
        out.extend_from_slice(&e.object_digest);
        let attributes = u16::try_from(e.attributes.len()).map_err(|_| EntryError::Length {
            len: e.attributes.len(),
        })?;
        out.extend_from_slice(&attributes.to_be_bytes());
        out.extend_from_slice(&e.attributes);
        Ok(out)
    }

    /// Decodes an entry; every byte must be accounted for.
    ///
    /// # Errors
    /// [`EntryError`] for any other input.
    pub fn decode(bytes: &[u8]) -> Result<Self, EntryError> {
        let len = bytes.len();
        if !(FIXED_LEN + 1..=MAX_ENTRY_LEN).contains(&len) {
            return Err(EntryError::Length { len });
        }
        let mut r = Cursor { bytes, pos: 0 };
        let version = u16::from_be_bytes(r.array()?);
        if version != 1 {
            return Err(EntryError::Version(version));
        }
        let [code] = r.array()?;
        let kind = EventKind::from_code(code).ok_or(EntryError::Event(code))?;
        let log_time_ms = u64::from_be_bytes(r.array()?);
        let previous_leaf = r.array()?;
        let actor_key_id = r.array()?;
        let [subject_len] = r.array()?;
        if subject_len == 0 {
            return Err(EntryError::Subject);
        }
        let subject = r.take(usize::from(subject_len))?.to_vec();
        let object_digest = r.array()?;
        let attributes_len = u16::from_be_bytes(r.array()?);
        let attributes = r.take(usize::from(attributes_len))?.to_vec();
        if r.pos != len {
            return Err(EntryError::Length { len });
        }
        Ok(Self {
            event: Event {
                kind,
                actor_key_id,
                subject,
                object_digest,
                attributes,
            },
            log_time_ms,
            previous_leaf,
        })
    }
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], EntryError> {
        let out = self
            .bytes
            .get(self.pos..self.pos + n)
            .ok_or(EntryError::Length {
                len: self.bytes.len(),
            })?;
        self.pos += n;
        Ok(out)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], EntryError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> AuditEntry {
        AuditEntry {
            event: Event {
                kind: EventKind::CertificateIssued,
                actor_key_id: [0xAA; 32],
                subject: b"1.2.156.3005.2.X".to_vec(),
                object_digest: [0xBB; 32],
                attributes: vec![0xa0],
            },
            log_time_ms: 0x0102_0304_0506_0708,
            previous_leaf: [0xCC; 32],
        }
    }

    #[test]
    fn layout_is_fixed() {
        let bytes = entry().encode().unwrap();
        assert_eq!(&bytes[..3], &[0, 1, 1]);
        assert_eq!(&bytes[3..11], &[1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(bytes[75], 16); // subject length after 2+1+8+32+32 bytes
        assert_eq!(bytes.len(), FIXED_LEN + 16 + 1);
        assert_eq!(AuditEntry::decode(&bytes).unwrap(), entry());
    }

    #[test]
    fn malformed_entries_are_refused() {
        let bytes = entry().encode().unwrap();
        for cut in 0..bytes.len() {
            assert!(AuditEntry::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(AuditEntry::decode(&longer).is_err());
        let mut version = bytes.clone();
        version[1] = 2;
        assert_eq!(AuditEntry::decode(&version), Err(EntryError::Version(2)));
        let mut event = bytes;
        event[2] = 99;
        assert_eq!(AuditEntry::decode(&event), Err(EntryError::Event(99)));
        let mut empty = entry();
        empty.event.subject.clear();
        assert_eq!(empty.encode(), Err(EntryError::Subject));
    }
}
