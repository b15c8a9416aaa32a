//! The strict, zero-copy pull reader and its map-key walker.

use ciborium_ll::{Decoder, Header};

use super::DecodeError;
use crate::limits::Limits;

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
