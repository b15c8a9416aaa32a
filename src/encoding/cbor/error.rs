//! Why bytes are not an acceptable deterministic CBOR encoding of the expected object.
//!
//! One enum serves both kinds of failure, because a decoder meets them interleaved: *wire*
//! errors (the bytes are not well-formed deterministic CBOR within the limits) and *schema*
//! errors (well-formed CBOR that is not the expected object). [`DecodeError::is_schema`] tells
//! them apart.

/// Why a byte string is not an acceptable deterministic CBOR encoding of the expected object.
///
/// Offsets count bytes from the start of the object being decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input is longer than [`Limits::max_input_bytes`](crate::Limits::max_input_bytes).
    #[error("input of {size} bytes exceeds the limit of {limit}")]
    TooLarge {
        /// Size of the input.
        size: usize,
        /// The limit in force.
        limit: usize,
    },
    /// The input ends inside an item.
    #[error("input ends early (at byte {offset})")]
    Truncated {
        /// Where more bytes were needed.
        offset: usize,
    },
    /// Bytes follow the complete object.
    #[error("{count} trailing bytes after the object (at byte {offset})")]
    TrailingBytes {
        /// Where the trailing bytes start.
        offset: usize,
        /// How many there are.
        count: usize,
    },
    /// A head is not in its shortest form (RFC 8949 §4.2.1).
    #[error("non-canonical (not shortest-form) head at byte {offset}")]
    NonCanonical {
        /// Where the head starts.
        offset: usize,
    },
    /// An indefinite-length item or a stray `break`.
    #[error("indefinite length at byte {offset}")]
    IndefiniteLength {
        /// Where the head starts.
        offset: usize,
    },
    /// Reserved additional-information values (28–30) or otherwise ill-formed CBOR.
    #[error("ill-formed CBOR at byte {offset}")]
    Malformed {
        /// Where the item starts.
        offset: usize,
    },
    /// A float, `null`, `undefined` or other simple value: none appears in these formats.
    #[error("unsupported CBOR value at byte {offset}")]
    UnsupportedValue {
        /// Where the item starts.
        offset: usize,
    },
    /// An item of another type than the format requires here.
    #[error("expected {expected} at byte {offset}")]
    UnexpectedType {
        /// Where the item starts.
        offset: usize,
        /// What the format requires.
        expected: &'static str,
    },
    /// A map key equal to the previous one.
    #[error("duplicate map key at byte {offset}")]
    DuplicateKey {
        /// Where the key starts.
        offset: usize,
    },
    /// A map key not greater (bytewise) than the previous one.
    #[error("map keys out of canonical order at byte {offset}")]
    UnsortedKeys {
        /// Where the key starts.
        offset: usize,
    },
    /// A map key the format does not define.
    #[error("unknown map key at byte {offset}")]
    UnknownKey {
        /// Where the key starts.
        offset: usize,
    },
    /// A required map key is absent.
    #[error("required map key {key} is missing")]
    MissingKey {
        /// The key (an integer label, or the index into the format's text keys).
        key: i64,
    },
    /// An array of the wrong length for its position in the format.
    #[error("array at byte {offset} has the wrong number of elements")]
    WrongLength {
        /// Where the array starts.
        offset: usize,
    },
    /// Nesting deeper than [`Limits::max_depth`](crate::Limits::max_depth).
    #[error("nesting deeper than the limit of {limit}")]
    TooDeep {
        /// The limit in force.
        limit: usize,
    },
    /// More entries than [`Limits::max_collection_len`](crate::Limits::max_collection_len)
    /// (or another count limit).
    #[error("{len} entries exceed the limit of {limit}")]
    TooManyItems {
        /// The declared count.
        len: u64,
        /// The limit in force.
        limit: usize,
    },
    /// A text string that is not UTF-8.
    #[error("invalid UTF-8 in text string at byte {offset}")]
    InvalidUtf8 {
        /// Where the string starts.
        offset: usize,
    },
    /// An integer outside the range the format allows.
    #[error("integer out of range at byte {offset}")]
    IntegerOutOfRange {
        /// Where the integer starts.
        offset: usize,
    },
    /// A well-formed value that breaks a rule of the format (a bad date, an empty name, …).
    #[error("invalid {what} at byte {offset}")]
    InvalidValue {
        /// Where the item starts.
        offset: usize,
        /// Which rule it breaks.
        what: &'static str,
    },
}

impl DecodeError {
    /// Whether the bytes were well-formed deterministic CBOR within the limits but not the
    /// expected object (a wrong type, key, length or value), rather than bad CBOR.
    #[must_use]
    pub fn is_schema(&self) -> bool {
        matches!(
            self,
            Self::UnexpectedType { .. }
                | Self::UnknownKey { .. }
                | Self::MissingKey { .. }
                | Self::WrongLength { .. }
                | Self::IntegerOutOfRange { .. }
                | Self::InvalidValue { .. }
        )
    }
}
