//! Face fields (照面信息) as typed values, and selective-disclosure items.
//!
//! ```cddl
//! value = tstr / int / bool / bstr / full-date / [* value] / {* tstr => value}
//! full-date = #6.1004(tstr)          ; RFC 8943, "YYYY-MM-DD"
//! field = [name: tstr, value: value]
//! disclosure = [salt: bstr .size 16, name: tstr, value: value]
//! ```

use core::fmt;

use crate::encoding::cbor::{DecodeError, Kind, Reader, Writer, canonical_text_order};
use crate::limits::Limits;
use crate::time::Date;

/// CBOR tag of an RFC 8943 `full-date` text string.
pub const TAG_FULL_DATE: u64 = 1004;

/// Length of a disclosure salt in bytes (128 bits, as SD-JWT recommends).
pub const SALT_LEN: usize = 16;

/// A typed field value.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FieldValue {
    /// Text, e.g. a name or an address.
    Text(String),
    /// A whole number.
    Integer(i64),
    /// Yes or no (also derived predicates such as `age_over_18`).
    Bool(bool),
    /// Raw bytes, e.g. a JPEG photo.
    Bytes(Vec<u8>),
    /// A calendar date.
    Date(Date),
    /// An ordered list, e.g. permitted vehicle classes.
    List(Vec<Self>),
    /// Named sub-values. Encoded in canonical key order whatever the order given here; keys
    /// must be unique.
    Map(Vec<(String, Self)>),
}

impl From<&str> for FieldValue {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

impl From<String> for FieldValue {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

impl From<i64> for FieldValue {
    fn from(n: i64) -> Self {
        Self::Integer(n)
    }
}

impl From<bool> for FieldValue {
    fn from(b: bool) -> Self {
        Self::Bool(b)
    }
}

impl From<Date> for FieldValue {
    fn from(d: Date) -> Self {
        Self::Date(d)
    }
}

impl From<Vec<u8>> for FieldValue {
    fn from(bytes: Vec<u8>) -> Self {
        Self::Bytes(bytes)
    }
}

/// A rule a field value breaks, so that it cannot be encoded within the limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValueProblem {
    /// A map value repeats a key.
    #[error("duplicate map key")]
    DuplicateKey,
    /// Lists and maps nest deeper than [`Limits::max_depth`](crate::Limits::max_depth).
    #[error("nested deeper than the limit")]
    TooDeep,
    /// A list or map is longer than
    /// [`Limits::max_collection_len`](crate::Limits::max_collection_len).
    #[error("list or map longer than the limit")]
    TooLong,
}

impl FieldValue {
    /// Writes the canonical encoding.
    pub(crate) fn encode(&self, w: &mut Writer) {
        match self {
            Self::Text(t) => {
                w.text(t);
            }
            Self::Integer(n) => {
                w.int(*n);
            }
            Self::Bool(b) => {
                w.bool(*b);
            }
            Self::Bytes(b) => {
                w.bytes(b);
            }
            Self::Date(d) => {
                w.tag(TAG_FULL_DATE).text(&d.to_string());
            }
            Self::List(items) => {
                w.array(items.len());
                for item in items {
                    item.encode(w);
                }
            }
            Self::Map(entries) => {
                let mut sorted: Vec<&(String, Self)> = entries.iter().collect();
                sorted.sort_by(|a, b| canonical_text_order(&a.0, &b.0));
                w.map(sorted.len());
                for (key, value) in sorted {
                    w.text(key);
                    value.encode(w);
                }
            }
        }
    }

    /// Checks what the encoder cannot express: unique map keys, depth and lengths within
    /// `limits` (so that whatever is issued can also be verified).
    pub(crate) fn check(&self, limits: &Limits, depth: usize) -> Result<(), ValueProblem> {
        if depth > limits.max_depth {
            return Err(ValueProblem::TooDeep);
        }
        match self {
            Self::List(items) => {
                if items.len() > limits.max_collection_len {
                    return Err(ValueProblem::TooLong);
                }
                items.iter().try_for_each(|v| v.check(limits, depth + 1))
            }
            Self::Map(entries) => {
                if entries.len() > limits.max_collection_len {
                    return Err(ValueProblem::TooLong);
                }
                let mut keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
                keys.sort_unstable();
                if keys.windows(2).any(|w| w[0] == w[1]) {
                    return Err(ValueProblem::DuplicateKey);
                }
                entries
                    .iter()
                    .try_for_each(|(_, v)| v.check(limits, depth + 1))
            }
            _ => Ok(()),
        }
    }

    /// Reads one value, nested at most `limits.max_depth` deep.
    pub(crate) fn decode(
        r: &mut Reader<'_>,
        limits: &Limits,
        depth: usize,
    ) -> Result<Self, DecodeError> {
        if depth > limits.max_depth {
            return Err(DecodeError::TooDeep {
                limit: limits.max_depth,
            });
        }
        let at = r.position();
        Ok(match r.peek_kind()? {
            Kind::Text => Self::Text(r.text()?.to_owned()),
            Kind::Integer => Self::Integer(r.int()?),
            Kind::Bool => Self::Bool(r.bool()?),
            Kind::Bytes => Self::Bytes(r.bytes()?.to_vec()),
            Kind::Tag => {
                if r.tag()? != TAG_FULL_DATE {
                    return Err(DecodeError::InvalidValue {
                        offset: at,
                        what: "tag",
                    });
                }
                let text = r.text()?;
                Self::Date(Date::parse(text).map_err(|_| DecodeError::InvalidValue {
                    offset: at,
                    what: "full-date",
                })?)
            }
            Kind::Array => {
                let len = r.array()?;
                let mut items = Vec::with_capacity(len);
                for _ in 0..len {
                    items.push(Self::decode(r, limits, depth + 1)?);
                }
                Self::List(items)
            }
            Kind::Map => {
                let mut keys = r.map()?;
                let mut entries = Vec::with_capacity(keys.remaining());
                while let Some((key, _)) = keys.next_text(r)? {
                    entries.push((key.to_owned(), Self::decode(r, limits, depth + 1)?));
                }
                Self::Map(entries)
            }
        })
    }
}

impl fmt::Display for FieldValue {
    /// A short human rendering; bytes show only their size (photos are not printed).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Text(t) => f.write_str(t),
            Self::Integer(n) => write!(f, "{n}"),
            Self::Bool(true) => f.write_str("是"),
            Self::Bool(false) => f.write_str("否"),
            Self::Bytes(b) => write!(f, "<{} 字节>", b.len()),
            Self::Date(d) => write!(f, "{d}"),
            Self::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Self::Map(entries) => {
                f.write_str("{")?;
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: {v}")?;
                }
                f.write_str("}")
            }
        }
    }
}

/// A named face field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// The name shown on the licence face, e.g. 住所 or `birth_date`.
    pub name: String,
    /// The value.
    pub value: FieldValue,
}

impl Field {
    /// A field.
    #[must_use]
    pub fn new(name: impl Into<String>, value: impl Into<FieldValue>) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
        }
    }

    pub(crate) fn encode(&self, w: &mut Writer) {
        w.array(2).text(&self.name);
        self.value.encode(w);
    }

    pub(crate) fn decode(r: &mut Reader<'_>, limits: &Limits) -> Result<Self, DecodeError> {
        r.array_of(2)?;
        let name = decode_name(r)?;
        let value = FieldValue::decode(r, limits, 1)?;
        Ok(Self { name, value })
    }
}

fn decode_name(r: &mut Reader<'_>) -> Result<String, DecodeError> {
    let at = r.position();
    let name = r.text()?;
    if name.is_empty() {
        return Err(DecodeError::InvalidValue {
            offset: at,
            what: "empty field name",
        });
    }
    Ok(name.to_owned())
}

/// A selectively disclosable field with its salt: the item whose SHA-256 digest the issuer
/// signs. The encoding is kept, because the verifier hashes the bytes it received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disclosure {
    salt: [u8; SALT_LEN],
    field: Field,
    encoded: Vec<u8>,
}

impl Disclosure {
    /// An item for `field` with a fresh `salt`.
    #[must_use]
    pub fn new(salt: [u8; SALT_LEN], field: Field) -> Self {
        let mut w = Writer::new();
        w.array(3).bytes(&salt).text(&field.name);
        field.value.encode(&mut w);
        Self {
            salt,
            field,
            encoded: w.into_bytes(),
        }
    }

    /// Decodes an item from the exact bytes received.
    ///
    /// # Errors
    /// [`DecodeError`] for anything but a canonical `[bstr .size 16, tstr, value]`.
    pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes, limits)?;
        r.array_of(3)?;
        let at = r.position();
        let salt: [u8; SALT_LEN] =
            r.bytes()?
                .try_into()
                .map_err(|_| DecodeError::InvalidValue {
                    offset: at,
                    what: "salt length",
                })?;
        let name = decode_name(&mut r)?;
        let value = FieldValue::decode(&mut r, limits, 1)?;
        r.finish()?;
        Ok(Self {
            salt,
            field: Field { name, value },
            encoded: bytes.to_vec(),
        })
    }

    /// The salt.
    #[must_use]
    pub fn salt(&self) -> &[u8; SALT_LEN] {
        &self.salt
    }

    /// The field it discloses.
    #[must_use]
    pub fn field(&self) -> &Field {
        &self.field
    }

    /// The encoded item: the bytes whose digest is signed.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.encoded
    }

    /// The field, dropping the salt.
    #[must_use]
    pub fn into_field(self) -> Field {
        self.field
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(value: &FieldValue) -> Vec<u8> {
        let mut w = Writer::new();
        value.encode(&mut w);
        let bytes = w.into_bytes();
        let limits = Limits::default();
        let mut r = Reader::new(&bytes, &limits).unwrap();
        let decoded = FieldValue::decode(&mut r, &limits, 1).unwrap();
        r.finish().unwrap();
        let mut again = Writer::new();
        decoded.encode(&mut again);
        assert_eq!(again.into_bytes(), bytes);
        bytes
    }

    #[test]
    fn values_encode_canonically() {
        let date = FieldValue::Date(Date::new(2019, 10, 20).unwrap());
        // RFC 8943 / ISO 18013-5 Annex D: d9 03ec 6a "2019-10-20"
        assert_eq!(
            hex::encode(round_trip(&date)),
            "d903ec6a323031392d31302d3230"
        );
        let map = FieldValue::Map(vec![("aa".into(), 1.into()), ("b".into(), true.into())]);
        // Shorter key first: {"b": true, "aa": 1}
        assert_eq!(
            hex::encode(round_trip(&map)),
            "a26162f5626161 01".replace(' ', "")
        );
        round_trip(&FieldValue::List(vec![
            FieldValue::Bytes(vec![1, 2]),
            (-5).into(),
            "C1".into(),
        ]));
    }

    #[test]
    fn depth_is_bounded_on_decode() {
        let mut w = Writer::new();
        for _ in 0..20 {
            w.array(1);
        }
        w.uint(0);
        let bytes = w.into_bytes();
        let limits = Limits::default();
        let mut r = Reader::new(&bytes, &limits).unwrap();
        assert_eq!(
            FieldValue::decode(&mut r, &limits, 1),
            Err(DecodeError::TooDeep {
                limit: limits.max_depth
            })
        );
    }

    #[test]
    fn duplicate_map_keys_are_caught_before_encoding() {
        let dup = FieldValue::Map(vec![("k".into(), 1.into()), ("k".into(), 2.into())]);
        assert_eq!(
            dup.check(&Limits::default(), 1),
            Err(ValueProblem::DuplicateKey)
        );
    }

    #[test]
    fn disclosure_items_round_trip() {
        let item = Disclosure::new([7; SALT_LEN], Field::new("民族", "汉"));
        assert_eq!(
            hex::encode(item.as_bytes()),
            concat!(
                "83",
                "50",
                "07070707070707070707070707070707",
                "66e6b091e6978f",
                "63e6b189"
            )
        );
        let decoded = Disclosure::decode(item.as_bytes(), &Limits::default()).unwrap();
        assert_eq!(decoded, item);
        let short_salt = hex::decode("8341006161 01".replace(' ', "")).unwrap();
        assert!(Disclosure::decode(&short_salt, &Limits::default()).is_err());
    }
}
