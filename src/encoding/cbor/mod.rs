//! Deterministic CBOR (RFC 8949 §4.2.1) on top of `ciborium-ll`, ciborium's header layer.
//!
//! [`Writer`] emits only shortest-form heads and definite lengths; callers write map keys in
//! canonical order (the encoders in this crate do so by construction). [`Reader`] is a strict,
//! zero-copy pull parser: it rejects non-shortest heads, indefinite lengths, floats, simple
//! values other than `false`/`true`, unsorted or duplicate map keys, invalid UTF-8, and lengths
//! or counts beyond [`Limits`](crate::Limits). Byte and text strings are borrowed from the input, so decoding
//! allocates nothing for them.
//!
//! The module has three parts: [`DecodeError`] (`error`), the [`Reader`] (`reader`) and the
//! [`Writer`] (`writer`).

mod error;
mod reader;
mod writer;

pub use error::DecodeError;
pub use reader::{Kind, MapKeys, Reader};
pub use writer::{Writer, canonical_text_order};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;

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
    fn wire_errors_are_told_from_schema_errors() {
        let mut r = reader(&[0x01]);
        let schema = r.text().unwrap_err();
        assert_eq!(
            schema,
            DecodeError::UnexpectedType {
                offset: 0,
                expected: "text string"
            }
        );
        assert!(schema.is_schema());
        let wire = reader(&[0x18]).uint().unwrap_err();
        assert_eq!(wire, DecodeError::Truncated { offset: 0 });
        assert!(!wire.is_schema());
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
