//! QR text: `YZ1:` followed by the Base45 (RFC 9285) encoding of the object's bytes, or
//! `YZ2:` followed by the Base45 of their zlib compression when that is shorter.
//!
//! `YZ2:` streams are written with the preset dictionary [`QR_DICTIONARY`] (RFC 1950 `FDICT`,
//! named in the stream by its Adler-32): the media types, the identifier prefix, and the
//! province, agency, certificate-type and field names that recur in Chinese certificates.
//! It takes 15–30 % off a QR text. Any zlib library decodes it given the dictionary (Python:
//! `zlib.decompressobj(zdict=...)`, Java: `Inflater.setDictionary`). Streams without a
//! dictionary are still read.
//!
//! The Base45 alphabet itself is in [`super::base45`].

use super::{base45, zlib};
use crate::limits::Limits;

/// Prefix of the QR text of an uncompressed object.
pub const QR_PREFIX: &str = "YZ1:";
/// Prefix of the QR text of a zlib-compressed object.
pub const QR_PREFIX_ZLIB: &str = "YZ2:";

/// The preset zlib dictionary of `YZ2:` texts, version 1. Frozen: a QR text names it by its
/// Adler-32 ([`QR_DICTIONARY_ID`]) and printed codes must decode for years, so a change
/// means a new dictionary next to this one, never an edit.
pub const QR_DICTIONARY: &[u8] = include_bytes!("qr-dictionary-v1.txt");

/// The zlib `DICTID` (Adler-32) of [`QR_DICTIONARY`].
pub const QR_DICTIONARY_ID: u32 = 0x09DD_3852;

/// Why a QR text does not decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QrError {
    /// The text does not start with a known prefix.
    #[error("QR text does not start with {QR_PREFIX}")]
    UnknownPrefix,
    /// A character outside the Base45 alphabet.
    #[error("character outside the Base45 alphabet at position {position}")]
    InvalidCharacter {
        /// Character index after the prefix.
        position: usize,
    },
    /// A group whose value is too large for the bytes it encodes.
    #[error("Base45 group out of range at position {position}")]
    GroupOutOfRange {
        /// Character index after the prefix.
        position: usize,
    },
    /// A single character left over (Base45 text length is never 1 mod 3).
    #[error("Base45 text has a dangling character")]
    DanglingCharacter,
    /// A `YZ2:` payload that is not a complete zlib stream.
    #[error("QR payload is not valid zlib")]
    Inflate,
    /// A `YZ2:` stream asking for a preset dictionary other than [`QR_DICTIONARY`].
    #[error("QR payload needs an unknown zlib dictionary {id:08x}")]
    UnknownDictionary {
        /// The `DICTID` the stream names.
        id: u32,
    },
    /// The decoded bytes would exceed [`Limits::max_input_bytes`].
    #[error("QR payload of {size} bytes exceeds the limit of {limit}")]
    TooLarge {
        /// Decoded size.
        size: usize,
        /// The limit in force.
        limit: usize,
    },
}

/// The QR text of an object: `YZ2:` + Base45 of its zlib compression (best level, with
/// [`QR_DICTIONARY`]) when that is shorter, else `YZ1:` + Base45 of the bytes. Deterministic.
#[must_use]
pub fn to_qr_text(bytes: &[u8]) -> String {
    let compressed = deflate_with_dictionary(bytes);
    let (prefix, body) = if compressed.len() < bytes.len() {
        (QR_PREFIX_ZLIB, compressed)
    } else {
        (QR_PREFIX, bytes.to_vec())
    };
    let mut text = String::from(prefix);
    text.push_str(&base45::encode(&body));
    text
}

/// The object bytes carried by a QR text (either prefix). Inflation is bounded by
/// [`Limits::max_input_bytes`].
///
/// # Errors
/// [`QrError::UnknownPrefix`], [`QrError::Inflate`], [`QrError::UnknownDictionary`],
/// [`QrError::TooLarge`] and the errors of [`base45::decode`].
pub fn from_qr_text(text: &str, limits: &Limits) -> Result<Vec<u8>, QrError> {
    if let Some(body) = text.strip_prefix(QR_PREFIX) {
        return base45::decode(body, limits);
    }
    let body = text
        .strip_prefix(QR_PREFIX_ZLIB)
        .ok_or(QrError::UnknownPrefix)?;
    let compressed = base45::decode(body, limits)?;
    inflate_bounded(&compressed, limits.max_input_bytes)
}

const DICTIONARY: zlib::Dictionary = zlib::Dictionary {
    bytes: QR_DICTIONARY,
    id: QR_DICTIONARY_ID,
};

/// zlib (best level, with [`QR_DICTIONARY`]) of an object's bytes.
fn deflate_with_dictionary(bytes: &[u8]) -> Vec<u8> {
    zlib::deflate(bytes, 10, Some(DICTIONARY))
}

/// Inflates a `YZ2:` payload, bounded by `limit`.
fn inflate_bounded(compressed: &[u8], limit: usize) -> Result<Vec<u8>, QrError> {
    zlib::inflate(compressed, limit, Some(DICTIONARY)).map_err(|e| match e {
        zlib::InflateError::Malformed => QrError::Inflate,
        zlib::InflateError::UnknownDictionary { id } => QrError::UnknownDictionary { id },
        zlib::InflateError::TooLarge { size, limit } => QrError::TooLarge { size, limit },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressible_payloads_use_zlib_and_bombs_are_bounded() {
        let l = Limits::default();
        assert_eq!(from_qr_text("HC1:BB8", &l), Err(QrError::UnknownPrefix));
        let text = to_qr_text(&[0x41; 600]);
        assert!(text.starts_with("YZ2:") && text.len() < 100, "{text}");
        assert_eq!(from_qr_text(&text, &l).unwrap(), vec![0x41; 600]);
        let small = Limits {
            max_input_bytes: 599,
            ..Limits::default()
        };
        assert!(matches!(
            from_qr_text(&text, &small),
            Err(QrError::TooLarge { .. })
        ));
        assert_eq!(from_qr_text("YZ2:BB8", &l), Err(QrError::Inflate));
    }

    #[test]
    fn the_dictionary_is_the_frozen_version_1() {
        assert_eq!(zlib::adler32(QR_DICTIONARY), QR_DICTIONARY_ID);
        assert!(
            QR_DICTIONARY.len() < 32 * 1024,
            "must fit the deflate window"
        );
    }

    /// Other zlib implementations read our streams given the dictionary, and we read theirs
    /// with or without it: the vector below is Python's
    /// `zlib.compressobj(9, zdict=QR_DICTIONARY)` of the bytes shown.
    #[test]
    fn dictionary_streams_interoperate() {
        let l = Limits::default();
        let bytes =
            "application/yz-cert+cwt 1.2.156.3005.2. 吉林省长春市公安局 居住证 性别 男".as_bytes();
        let ours = deflate_with_dictionary(bytes);
        assert_eq!(&ours[..6], &[0x78, 0xF9, 0x09, 0xDD, 0x38, 0x52]);
        assert_eq!(inflate_bounded(&ours, l.max_input_bytes).unwrap(), bytes);
        assert!(
            ours.len() < bytes.len() / 2,
            "{} of {}",
            ours.len(),
            bytes.len()
        );
        let python = "78f909dd3852c3a15101cd0244ad05afb4e00533529982082c0092d32c28";
        let python: Vec<u8> = (0..python.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&python[i..i + 2], 16).unwrap())
            .collect();
        assert_eq!(inflate_bounded(&python, l.max_input_bytes).unwrap(), bytes);
        let plain = zlib::deflate(bytes, 9, None);
        assert_eq!(inflate_bounded(&plain, l.max_input_bytes).unwrap(), bytes);

        let mut other = ours.clone();
        other[2] ^= 1;
        assert!(matches!(
            inflate_bounded(&other, l.max_input_bytes),
            Err(QrError::UnknownDictionary { .. })
        ));
        let mut trailing = ours.clone();
        trailing.push(0);
        assert_eq!(
            inflate_bounded(&trailing, l.max_input_bytes),
            Err(QrError::Inflate)
        );
        let mut checksum = ours.clone();
        let last = checksum.len() - 1;
        checksum[last] ^= 1;
        assert_eq!(
            inflate_bounded(&checksum, l.max_input_bytes),
            Err(QrError::Inflate)
        );
        assert_eq!(
            inflate_bounded(&ours[..ours.len() - 5], l.max_input_bytes),
            Err(QrError::Inflate)
        );
        assert!(matches!(
            inflate_bounded(&ours, bytes.len() - 1),
            Err(QrError::TooLarge { .. })
        ));
        assert_eq!(inflate_bounded(&ours, bytes.len()).unwrap(), bytes);
    }

    #[test]
    fn qr_text_round_trip() {
        let bytes: Vec<u8> = (0..=255).collect();
        let text = to_qr_text(&bytes);
        assert!(text.starts_with("YZ1:"));
        assert_eq!(from_qr_text(&text, &Limits::default()).unwrap(), bytes);
    }
}
