//! Deterministic CBOR (RFC 8949 §4.2.1) on top of `ciborium-ll`, ciborium's header layer.
//!
//! [`Writer`] emits only shortest-form heads and definite lengths; callers write map keys in
//! canonical order (the encoders in this crate do so by construction). [`Reader`] is a strict,
//! zero-copy pull parser: it rejects non-shortest heads, indefinite lengths, floats, simple
//! values other than `false`/`true`, unsorted or duplicate map keys, invalid UTF-8, and lengths
//! or counts beyond [`Limits`]. Byte and text strings are borrowed from the input, so decoding
//! allocates nothing for them.

use ciborium_ll::{Decoder, Encoder, Header};

use crate::limits::Limits;

/// Why a byte string is not an acceptable deterministic CBOR encoding of the expected object.
///
/// Offsets count bytes from the start of the object being decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input is longer than [`Limits::max_input_bytes`].
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
    /// Nesting deeper than [`Limits::max_depth`].
    #[error("nesting deeper than the limit of {limit}")]
    TooDeep {
        /// The limit in force.
        limit: usize,
    },
    /// More entries than [`Limits::max_collection_len`] (or another count limit).
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

/// The CBOR major type of the next item, for formats with a choice of types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// Major type 0 or 1.
    Integer,
    /// Major type 2.
    Bytes,
    /// Major type 3.
    Text,
    /// Major type 4.
    Array,
    /// Major type 5.
    Map,
    /// Major type 6.
    Tag,
    /// `false` or `true`.
    Bool,
}

/// Strict, zero-copy reader of one deterministic CBOR object.
#[derive(Debug)]
pub struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
    max_collection_len: usize,
}

impl<'a> Reader<'a> {
    /// A reader over `input`, which must not exceed [`Limits::max_input_bytes`].
    ///
    /// # Errors
    /// [`DecodeError::TooLarge`] if the input is over the limit.
    pub fn new(input: &'a [u8], limits: &Limits) -> Result<Self, DecodeError> {
        if input.len() > limits.max_input_bytes {
            return Err(DecodeError::TooLarge {
                size: input.len(),
                limit: limits.max_input_bytes,
            });
        }
        Ok(Self {
            input,
            pos: 0,
            max_collection_len: limits.max_collection_len,
        })
    }

    /// Byte offset of the next item.
    #[must_use]
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The input bytes from `start` to the current position: the exact encoding of what was
    /// read in between.
    #[must_use]
    pub fn since(&self, start: usize) -> &'a [u8] {
        self.input.get(start..self.pos).unwrap_or(&[])
    }

    /// Succeeds only if every byte was consumed.
    ///
    /// # Errors
    /// [`DecodeError::TrailingBytes`] otherwise.
    pub fn finish(self) -> Result<(), DecodeError> {
        match self.input.len() - self.pos {
            0 => Ok(()),
            count => Err(DecodeError::TrailingBytes {
                offset: self.pos,
                count,
            }),
        }
    }

    fn remaining(&self) -> usize {
        self.input.len() - self.pos
    }

    /// Reads one head, enforcing shortest form and definite lengths.
    fn head(&mut self) -> Result<(Header, usize), DecodeError> {
        let start = self.pos;
        let rest = self.input.get(start..).unwrap_or(&[]);
        if rest.is_empty() {
            return Err(DecodeError::Truncated { offset: start });
        }
        let mut decoder = Decoder::from(rest);
        let header = decoder.pull().map_err(|e| match e {
            ciborium_ll::Error::Io(_) => DecodeError::Truncated { offset: start },
            ciborium_ll::Error::Syntax(_) => DecodeError::Malformed { offset: start },
        })?;
        let used = decoder.offset();
        match header {
            Header::Break
            | Header::Bytes(None)
            | Header::Text(None)
            | Header::Array(None)
            | Header::Map(None) => return Err(DecodeError::IndefiniteLength { offset: start }),
            Header::Float(_) => return Err(DecodeError::UnsupportedValue { offset: start }),
            // Simple values below 32 in the two-byte form are not well-formed (RFC 8949 §3.3).
            Header::Simple(x) if x < 32 && used == 2 => {
                return Err(DecodeError::Malformed { offset: start });
            }
            _ => {}
        }
        if used != shortest_head_len(header) {
            return Err(DecodeError::NonCanonical { offset: start });
        }
        self.pos = start + used;
        Ok((header, start))
    }

    fn unexpected<T>(&self, offset: usize, expected: &'static str) -> Result<T, DecodeError> {
        Err(DecodeError::UnexpectedType { offset, expected })
    }

    /// The kind of the next item, without consuming it.
    ///
    /// # Errors
    /// Any [`DecodeError`] in the next head.
    pub fn peek_kind(&self) -> Result<Kind, DecodeError> {
        let mut probe = Reader {
            input: self.input,
            pos: self.pos,
            max_collection_len: self.max_collection_len,
        };
        let (header, start) = probe.head()?;
        Ok(match header {
            Header::Positive(_) | Header::Negative(_) => Kind::Integer,
            Header::Bytes(_) => Kind::Bytes,
            Header::Text(_) => Kind::Text,
            Header::Array(_) => Kind::Array,
            Header::Map(_) => Kind::Map,
            Header::Tag(_) => Kind::Tag,
            Header::Simple(20 | 21) => Kind::Bool,
            _ => return Err(DecodeError::UnsupportedValue { offset: start }),
        })
    }

    /// An unsigned integer (major type 0).
    ///
    /// # Errors
    /// [`DecodeError::UnexpectedType`] for any other item.
    pub fn uint(&mut self) -> Result<u64, DecodeError> {
        match self.head()? {
            (Header::Positive(v), _) => Ok(v),
            (_, at) => self.unexpected(at, "unsigned integer"),
        }
    }

    /// A signed integer in the `i64` range.
    ///
    /// # Errors
    /// [`DecodeError::IntegerOutOfRange`] beyond `i64`; [`DecodeError::UnexpectedType`] for
    /// non-integers.
    pub fn int(&mut self) -> Result<i64, DecodeError> {
        match self.head()? {
            (Header::Positive(v), at) => {
                i64::try_from(v).map_err(|_| DecodeError::IntegerOutOfRange { offset: at })
            }
            (Header::Negative(v), at) => i64::try_from(v)
                .map(|v| -1 - v)
                .map_err(|_| DecodeError::IntegerOutOfRange { offset: at }),
            (_, at) => self.unexpected(at, "integer"),
        }
    }

    fn payload(&mut self, len: usize) -> Result<&'a [u8], DecodeError> {
        if len > self.remaining() {
            return Err(DecodeError::Truncated {
                offset: self.input.len(),
            });
        }
        let bytes = self.input.get(self.pos..self.pos + len).unwrap_or(&[]);
        self.pos += len;
        Ok(bytes)
    }

    /// A byte string, borrowed from the input.
    ///
    /// # Errors
    /// [`DecodeError::UnexpectedType`] for any other item; [`DecodeError::Truncated`].
    pub fn bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        match self.head()? {
            (Header::Bytes(Some(len)), _) => self.payload(len),
            (_, at) => self.unexpected(at, "byte string"),
        }
    }

    /// A text string, borrowed from the input and checked to be UTF-8.
    ///
    /// # Errors
    /// [`DecodeError::InvalidUtf8`], [`DecodeError::UnexpectedType`], [`DecodeError::Truncated`].
    pub fn text(&mut self) -> Result<&'a str, DecodeError> {
        match self.head()? {
            (Header::Text(Some(len)), at) => {
                let raw = self.payload(len)?;
                core::str::from_utf8(raw).map_err(|_| DecodeError::InvalidUtf8 { offset: at })
            }
            (_, at) => self.unexpected(at, "text string"),
        }
    }

    /// `false` or `true`.
    ///
    /// # Errors
    /// [`DecodeError::UnexpectedType`] for any other item.
    pub fn bool(&mut self) -> Result<bool, DecodeError> {
        match self.head()? {
            (Header::Simple(20), _) => Ok(false),
            (Header::Simple(21), _) => Ok(true),
            (_, at) => self.unexpected(at, "boolean"),
        }
    }

    /// A tag number; the tagged item follows.
    ///
    /// # Errors
    /// [`DecodeError::UnexpectedType`] for any other item.
    pub fn tag(&mut self) -> Result<u64, DecodeError> {
        match self.head()? {
            (Header::Tag(t), _) => Ok(t),
            (_, at) => self.unexpected(at, "tag"),
        }
    }

    fn checked_len(
        &self,
        len: usize,
        at: usize,
        min_item_bytes: usize,
    ) -> Result<usize, DecodeError> {
        if len > self.max_collection_len {
            return Err(DecodeError::TooManyItems {
                len: u64::try_from(len).unwrap_or(u64::MAX),
                limit: self.max_collection_len,
            });
        }
        // Every item takes at least one byte: a count the input cannot hold is truncated.
        if len.saturating_mul(min_item_bytes) > self.remaining() {
            return Err(DecodeError::Truncated { offset: at });
        }
        Ok(len)
    }

    /// An array head; returns the element count (bounded by the limits and the input size).
    ///
    /// # Errors
    /// [`DecodeError::UnexpectedType`], [`DecodeError::TooManyItems`], [`DecodeError::Truncated`].
    pub fn array(&mut self) -> Result<usize, DecodeError> {
        match self.head()? {
            (Header::Array(Some(len)), at) => self.checked_len(len, at, 1),
            (_, at) => self.unexpected(at, "array"),
        }
    }

    /// An array head with at least one and at most `limit` elements (formats omit empty
    /// lists, so an empty one is a second encoding of "absent"). `what` names the list in the
    /// error.
    ///
    /// # Errors
    /// [`DecodeError::InvalidValue`] if empty, [`DecodeError::TooManyItems`] over `limit`, and
    /// as [`Reader::array`].
    pub fn non_empty_array(
        &mut self,
        limit: usize,
        what: &'static str,
    ) -> Result<usize, DecodeError> {
        let at = self.pos;
        match self.array()? {
            0 => Err(DecodeError::InvalidValue { offset: at, what }),
            len if len > limit => Err(DecodeError::TooManyItems {
                len: u64::try_from(len).unwrap_or(u64::MAX),
                limit,
            }),
            len => Ok(len),
        }
    }

    /// An array head that must hold exactly `len` elements.
    ///
    /// # Errors
    /// [`DecodeError::WrongLength`] for another count, and as [`Reader::array`].
    pub fn array_of(&mut self, len: usize) -> Result<(), DecodeError> {
        let at = self.pos;
        if self.array()? == len {
            Ok(())
        } else {
            Err(DecodeError::WrongLength { offset: at })
        }
    }

    /// A map head whose keys the caller reads in any order (for external formats whose
    /// published encodings do not sort keys); the caller must reject duplicate keys.
    ///
    /// # Errors
    /// [`DecodeError::UnexpectedType`], [`DecodeError::TooManyItems`], [`DecodeError::Truncated`].
    pub fn map_any_order(&mut self) -> Result<usize, DecodeError> {
        match self.head()? {
            (Header::Map(Some(len)), at) => self.checked_len(len, at, 2),
            (_, at) => self.unexpected(at, "map"),
        }
    }

    /// A map head; iterate its keys with the returned [`MapKeys`], which enforces canonical
    /// key order (and so the absence of duplicates).
    ///
    /// # Errors
    /// [`DecodeError::UnexpectedType`], [`DecodeError::TooManyItems`], [`DecodeError::Truncated`].
    pub fn map(&mut self) -> Result<MapKeys<'a>, DecodeError> {
        match self.head()? {
            (Header::Map(Some(len)), at) => Ok(MapKeys {
                remaining: self.checked_len(len, at, 2)?,
                previous: None,
            }),
            (_, at) => self.unexpected(at, "map"),
        }
    }
}

/// Length of the shortest encoding of a head (RFC 8949 §4.2.1 "preferred serialization").
fn shortest_head_len(header: Header) -> usize {
    let argument = |v: u64| match v {
        0..=23 => 1,
        24..=0xff => 2,
        0x100..=0xffff => 3,
        0x1_0000..=0xffff_ffff => 5,
        _ => 9,
    };
    let len =
        |l: Option<usize>| argument(l.and_then(|l| u64::try_from(l).ok()).unwrap_or(u64::MAX));
    match header {
        Header::Positive(v) | Header::Negative(v) | Header::Tag(v) => argument(v),
        Header::Bytes(l) | Header::Text(l) | Header::Array(l) | Header::Map(l) => len(l),
        Header::Simple(v) => argument(u64::from(v)),
        Header::Float(_) | Header::Break => 1,
    }
}

/// Walks the keys of one map in order, rejecting unsorted and duplicate keys.
#[derive(Debug)]
pub struct MapKeys<'a> {
    remaining: usize,
    previous: Option<&'a [u8]>,
}

impl<'a> MapKeys<'a> {
    /// Number of entries not yet read.
    #[must_use]
    pub fn remaining(&self) -> usize {
        self.remaining
    }

    fn order(&mut self, reader: &Reader<'a>, start: usize) -> Result<(), DecodeError> {
        let key = reader.since(start);
        if let Some(previous) = self.previous {
            match previous.cmp(key) {
                core::cmp::Ordering::Less => {}
                core::cmp::Ordering::Equal => {
                    return Err(DecodeError::DuplicateKey { offset: start });
                }
                core::cmp::Ordering::Greater => {
                    return Err(DecodeError::UnsortedKeys { offset: start });
                }
            }
        }
        self.previous = Some(key);
        Ok(())
    }

    /// The next integer key (the caller then reads its value), or `None` at the end.
    /// Returns the key and its offset, for [`DecodeError::UnknownKey`] reports.
    ///
    /// # Errors
    /// Key type, order and duplicate errors.
    pub fn next_int(
        &mut self,
        reader: &mut Reader<'a>,
    ) -> Result<Option<(i64, usize)>, DecodeError> {
        if self.remaining == 0 {
            return Ok(None);
        }
        self.remaining -= 1;
        let start = reader.position();
        let key = reader.int()?;
        self.order(reader, start)?;
        Ok(Some((key, start)))
    }

    /// The next text key, or `None` at the end.
    ///
    /// # Errors
    /// Key type, order and duplicate errors.
    pub fn next_text(
        &mut self,
        reader: &mut Reader<'a>,
    ) -> Result<Option<(&'a str, usize)>, DecodeError> {
        if self.remaining == 0 {
            return Ok(None);
        }
        self.remaining -= 1;
        let start = reader.position();
        let key = reader.text()?;
        self.order(reader, start)?;
        Ok(Some((key, start)))
    }
}

/// `Vec<u8>` as an infallible `ciborium_io::Write` sink.
struct Sink<'a>(&'a mut Vec<u8>);

impl ciborium_io::Write for Sink<'_> {
    type Error = core::convert::Infallible;

    fn write_all(&mut self, data: &[u8]) -> Result<(), Self::Error> {
        self.0.extend_from_slice(data);
        Ok(())
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

/// Writer of deterministic CBOR: shortest heads, definite lengths. Map keys must be written
/// in canonical order by the caller ([`canonical_text_order`] helps for text keys).
#[derive(Debug, Default, Clone)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    /// An empty writer.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty writer with room for `capacity` bytes.
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            buf: Vec::with_capacity(capacity),
        }
    }

    fn head(&mut self, header: Header) -> &mut Self {
        let Ok(()) = Encoder::from(Sink(&mut self.buf)).push(header);
        self
    }

    /// An unsigned integer.
    pub fn uint(&mut self, value: u64) -> &mut Self {
        self.head(Header::Positive(value))
    }

    /// A signed integer.
    pub fn int(&mut self, value: i64) -> &mut Self {
        if value >= 0 {
            self.head(Header::Positive(value.unsigned_abs()))
        } else {
            // -1 - value, computed without overflow for i64::MIN.
            self.head(Header::Negative(value.unsigned_abs() - 1))
        }
    }

    /// A byte string.
    pub fn bytes(&mut self, value: &[u8]) -> &mut Self {
        self.head(Header::Bytes(Some(value.len())));
        self.buf.extend_from_slice(value);
        self
    }

    /// A text string.
    pub fn text(&mut self, value: &str) -> &mut Self {
        self.head(Header::Text(Some(value.len())));
        self.buf.extend_from_slice(value.as_bytes());
        self
    }

    /// `false` or `true`.
    pub fn bool(&mut self, value: bool) -> &mut Self {
        self.head(Header::Simple(if value { 21 } else { 20 }))
    }

    /// A tag number (write the tagged item next).
    pub fn tag(&mut self, tag: u64) -> &mut Self {
        self.head(Header::Tag(tag))
    }

    /// An array head for `len` elements (write them next).
    pub fn array(&mut self, len: usize) -> &mut Self {
        self.head(Header::Array(Some(len)))
    }

    /// A map head for `len` entries (write keys and values next, keys in canonical order).
    pub fn map(&mut self, len: usize) -> &mut Self {
        self.head(Header::Map(Some(len)))
    }

    /// Bytes that are already one canonical CBOR item.
    pub fn raw(&mut self, encoded: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(encoded);
        self
    }

    /// The bytes written so far.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// The finished encoding.
    #[must_use]
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }
}

/// Canonical (RFC 8949 §4.2.1) order of two text map keys: the encoded head carries the
/// length, so shorter keys sort first, then bytewise.
#[must_use]
pub fn canonical_text_order(a: &str, b: &str) -> core::cmp::Ordering {
    a.len()
        .cmp(&b.len())
        .then_with(|| a.as_bytes().cmp(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(bytes: &[u8]) -> Reader<'_> {
        Reader::new(bytes, &Limits::default()).unwrap()
    }

    #[test]
    fn shortest_heads_are_written() {
        let mut w = Writer::new();
        w.uint(0)
            .uint(23)
            .uint(24)
            .uint(255)
            .uint(256)
            .uint(65_536)
            .int(-1)
            .int(-25);
        w.int(i64::MIN);
        assert_eq!(
            hex::encode(w.as_bytes()),
            concat!(
                "00",
                "17",
                "1818",
                "18ff",
                "190100",
                "1a00010000", // 0, 23, 24, 255, 256, 65536
                "20",
                "3818",               // -1, -25
                "3b7fffffffffffffff", // i64::MIN
            )
        );
    }

    #[test]
    fn reads_back_what_it_writes() {
        let mut w = Writer::new();
        w.array(6)
            .int(-70_000)
            .bytes(b"\x01\x02")
            .text("证照")
            .bool(true)
            .tag(1004);
        w.text("2026-11-21").map(0);
        let bytes = w.into_bytes();
        let mut r = reader(&bytes);
        assert_eq!(r.array().unwrap(), 6);
        assert_eq!(r.int().unwrap(), -70_000);
        assert_eq!(r.bytes().unwrap(), b"\x01\x02");
        assert_eq!(r.text().unwrap(), "证照");
        assert!(r.bool().unwrap());
        assert_eq!(r.tag().unwrap(), 1004);
        assert_eq!(r.text().unwrap(), "2026-11-21");
        assert_eq!(r.map().unwrap().remaining(), 0);
        r.finish().unwrap();
    }

    #[test]
    fn non_canonical_heads_are_rejected() {
        for (hex, offset) in [
            ("1817", 0),   // 23 in two bytes
            ("190017", 0), // 23 in three bytes
            ("3900ff", 0), // -256 in three bytes (fits one byte)
            ("5801ff", 0), // 1-byte bstr with a 1-byte length
            ("f814", 0),   // false as a two-byte simple value (ill-formed, also caught)
        ] {
            let bytes = hex::decode(hex).unwrap();
            let mut r = reader(&bytes);
            let err = match r.peek_kind() {
                Err(e) => e,
                Ok(_) => r
                    .int()
                    .map(|_| ())
                    .or_else(|_| r.bytes().map(|_| ()))
                    .unwrap_err(),
            };
            assert!(
                matches!(err, DecodeError::NonCanonical { offset: o } | DecodeError::Malformed { offset: o } if o == offset),
                "{hex}: {err:?}"
            );
        }
    }

    #[test]
    fn indefinite_floats_and_trailing_bytes_are_rejected() {
        let cases: [(&str, DecodeError); 5] = [
            ("9f01ff", DecodeError::IndefiniteLength { offset: 0 }),
            ("5f4101ff", DecodeError::IndefiniteLength { offset: 0 }),
            ("f93c00", DecodeError::UnsupportedValue { offset: 0 }),
            ("f6", DecodeError::UnsupportedValue { offset: 0 }),
            ("1c", DecodeError::Malformed { offset: 0 }),
        ];
        for (hex, expected) in cases {
            let bytes = hex::decode(hex).unwrap();
            assert_eq!(reader(&bytes).peek_kind(), Err(expected), "{hex}");
        }
        let mut r = reader(&[0x01, 0x02]);
        assert_eq!(r.uint().unwrap(), 1);
        assert_eq!(
            r.finish(),
            Err(DecodeError::TrailingBytes {
                offset: 1,
                count: 1
            })
        );
    }

    #[test]
    fn map_keys_must_be_sorted_and_unique() {
        // {1: 0, 1: 0}
        let dup = hex::decode("a201000100").unwrap();
        let mut r = reader(&dup);
        let mut keys = r.map().unwrap();
        keys.next_int(&mut r).unwrap();
        r.uint().unwrap();
        assert_eq!(
            keys.next_int(&mut r),
            Err(DecodeError::DuplicateKey { offset: 3 })
        );
        // {2: 0, 1: 0}
        let unsorted = hex::decode("a202000100").unwrap();
        let mut r = reader(&unsorted);
        let mut keys = r.map().unwrap();
        keys.next_int(&mut r).unwrap();
        r.uint().unwrap();
        assert_eq!(
            keys.next_int(&mut r),
            Err(DecodeError::UnsortedKeys { offset: 3 })
        );
        // {"b": 0, "aa": 0} is canonical (shorter key first); the reverse is not.
        let ok = hex::decode("a261620062616100").unwrap();
        let mut r = reader(&ok);
        let mut keys = r.map().unwrap();
        assert_eq!(keys.next_text(&mut r).unwrap().unwrap().0, "b");
        r.uint().unwrap();
        assert_eq!(keys.next_text(&mut r).unwrap().unwrap().0, "aa");
        assert_eq!(canonical_text_order("b", "aa"), core::cmp::Ordering::Less);
    }

    #[test]
    fn counts_and_sizes_are_bounded() {
        let limits = Limits {
            max_collection_len: 3,
            ..Limits::default()
        };
        let bytes = hex::decode("8401020304").unwrap();
        let mut r = Reader::new(&bytes, &limits).unwrap();
        assert_eq!(
            r.array(),
            Err(DecodeError::TooManyItems { len: 4, limit: 3 })
        );
        // A huge declared length must not allocate or panic.
        let bytes = hex::decode("9bffffffffffffffff").unwrap();
        assert!(reader(&bytes).array().is_err());
        let bytes = hex::decode("5bffffffffffffffff").unwrap();
        assert!(reader(&bytes).bytes().is_err());
        let tiny = Limits {
            max_input_bytes: 1,
            ..Limits::default()
        };
        assert_eq!(
            Reader::new(&[0, 0], &tiny).unwrap_err(),
            DecodeError::TooLarge { size: 2, limit: 1 }
        );
    }

    #[test]
    fn invalid_utf8_is_rejected() {
        let bytes = hex::decode("62c328").unwrap();
        assert_eq!(
            reader(&bytes).text(),
            Err(DecodeError::InvalidUtf8 { offset: 0 })
        );
    }
}
