//! The deterministic writer: shortest heads, definite lengths.

use ciborium_ll::{Encoder, Header};

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
