//! zlib (RFC 1950) over miniz_oxide's deflate engine, written and read here so that one
//! bounded, strict inflate serves QR texts and status lists, and QR texts can use a preset
//! dictionary (`FDICT`), which flate2's pure-Rust backend cannot.
//!
//! Reading refuses output over a limit before allocating it, a wrong Adler-32, bytes after the
//! stream, and any preset dictionary other than the one the caller names.

use miniz_oxide::deflate::core::{
    CompressorOxide, TDEFLFlush, TDEFLStatus, compress, create_comp_flags_from_zip_params,
};
use miniz_oxide::inflate::TINFLStatus;
use miniz_oxide::inflate::core::{DecompressorOxide, decompress, inflate_flags};

/// `CMF`: deflate with a 32 KiB window.
const CMF: u8 = 0x78;
/// `FLG` bit: a preset dictionary's Adler-32 follows the header.
const FDICT: u8 = 0x20;
/// `FLG` compression-level bits: maximum compression.
const FLEVEL_BEST: u8 = 0xC0;

/// A preset dictionary and its `DICTID` (Adler-32).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Dictionary {
    pub(crate) bytes: &'static [u8],
    pub(crate) id: u32,
}

/// Why a zlib stream was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum InflateError {
    /// Not a complete, valid zlib stream (header, deflate data, checksum, trailing bytes).
    Malformed,
    /// The stream asks for a preset dictionary the caller does not hold.
    UnknownDictionary { id: u32 },
    /// The output would exceed the limit (at least `size` bytes).
    TooLarge { size: usize, limit: usize },
}

/// Adler-32 of `bytes`.
pub(crate) fn adler32(bytes: &[u8]) -> u32 {
    adler2::adler32_slice(bytes)
}

/// The zlib stream of `bytes` at miniz `level` (0–10), primed with `dictionary` if given:
/// the compressor reads the dictionary and is flushed to a byte boundary, and what it writes
/// for `bytes` afterwards is the body, whose matches may reach back into the dictionary.
/// Deterministic.
pub(crate) fn deflate(bytes: &[u8], level: u8, dictionary: Option<Dictionary>) -> Vec<u8> {
    // Raw deflate (negative window bits): the container is written here.
    let mut compressor =
        CompressorOxide::new(create_comp_flags_from_zip_params(level.into(), -15, 0));
    let mut flags = FLEVEL_BEST;
    let mut out = vec![CMF, 0];
    if let Some(dictionary) = dictionary {
        let mut scratch = vec![0; dictionary.bytes.len() + 1024];
        let (status, read, _) = compress(
            &mut compressor,
            dictionary.bytes,
            &mut scratch,
            TDEFLFlush::Sync,
        );
        debug_assert!(status == TDEFLStatus::Okay && read == dictionary.bytes.len());
        flags |= FDICT;
        out.extend_from_slice(&dictionary.id.to_be_bytes());
    }
    // FCHECK makes CMF·256 + FLG a multiple of 31.
    let remainder = (u16::from(CMF) * 256 + u16::from(flags)) % 31;
    out[1] = flags | u8::try_from((31 - remainder) % 31).unwrap_or(0);
    let header = out.len();
    out.resize(header + bytes.len() + bytes.len() / 8 + 64, 0);
    let (mut read, mut written) = (0, header);
    let status = loop {
        let (status, r, w) = compress(
            &mut compressor,
            &bytes[read..],
            &mut out[written..],
            TDEFLFlush::Finish,
        );
        read += r;
        written += w;
        if status != TDEFLStatus::Okay {
            break status;
        }
        // Out of room (not with the margin above, but cheap to handle): continue.
        out.resize(out.len() * 2, 0);
    };
    debug_assert_eq!(status, TDEFLStatus::Done);
    out.truncate(written);
    out.extend_from_slice(&adler32(bytes).to_be_bytes());
    out
}

/// Inflates a zlib stream, with `dictionary` if the stream asks for one, refusing output over
/// `limit` before allocating it.
pub(crate) fn inflate(
    compressed: &[u8],
    limit: usize,
    dictionary: Option<Dictionary>,
) -> Result<Vec<u8>, InflateError> {
    let [cmf, flags, rest @ ..] = compressed else {
        return Err(InflateError::Malformed);
    };
    let deflate_32k = cmf & 0x0f == 8 && cmf >> 4 <= 7;
    if !deflate_32k || (u16::from(*cmf) * 256 + u16::from(*flags)) % 31 != 0 {
        return Err(InflateError::Malformed);
    }
    let (preset, rest) = if flags & FDICT == 0 {
        (&[][..], rest)
    } else {
        let (id, rest) = rest
            .split_first_chunk::<4>()
            .ok_or(InflateError::Malformed)?;
        let id = u32::from_be_bytes(*id);
        match dictionary {
            Some(d) if d.id == id => (d.bytes, rest),
            _ => return Err(InflateError::UnknownDictionary { id }),
        }
    };
    let (body, checksum) = rest
        .split_last_chunk::<4>()
        .ok_or(InflateError::Malformed)?;

    // The dictionary sits in front of the output, where back-references can reach it; the
    // output grows by doubling up to one byte past the limit, which proves it too large.
    let start = preset.len();
    let mut out = preset.to_vec();
    out.resize(start + limit.min(body.len().saturating_mul(4).max(256)), 0);
    let mut decompressor = DecompressorOxide::new();
    let (mut read, mut written) = (0, start);
    loop {
        let (status, r, w) = decompress(
            &mut decompressor,
            &body[read..],
            &mut out,
            written,
            inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF,
        );
        read += r;
        written += w;
        match status {
            TINFLStatus::Done if read == body.len() => break,
            TINFLStatus::HasMoreOutput => {
                let capacity = out.len() - start;
                if capacity > limit {
                    return Err(InflateError::TooLarge {
                        size: capacity,
                        limit,
                    });
                }
                let grown = capacity
                    .saturating_mul(2)
                    .max(1)
                    .min(limit.saturating_add(1));
                out.resize(start + grown, 0);
            }
            _ => return Err(InflateError::Malformed),
        }
    }
    if written - start > limit {
        return Err(InflateError::TooLarge {
            size: written - start,
            limit,
        });
    }
    out.truncate(written);
    let out = out.split_off(start);
    if adler32(&out).to_be_bytes() != *checksum {
        return Err(InflateError::Malformed);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORDS: Dictionary = Dictionary {
        bytes: b"application/yz-cert+cwt 1.2.156.3005.2.",
        id: 0x17CD_0C0A,
    };

    #[test]
    fn streams_round_trip_and_match_rfc_1950() {
        assert_eq!(adler32(WORDS.bytes), WORDS.id);
        // RFC 1950 §9 / the usual check value.
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        for dictionary in [None, Some(WORDS)] {
            for bytes in [
                &b""[..],
                b"a",
                &[7; 5000],
                "application/yz-cert+cwt 长春".as_bytes(),
            ] {
                let z = deflate(bytes, 9, dictionary);
                assert_eq!(inflate(&z, 1 << 20, dictionary).unwrap(), bytes);
                assert_eq!((u16::from(z[0]) * 256 + u16::from(z[1])) % 31, 0);
            }
        }
        // Incompressible input larger than the first output guess.
        let noise: Vec<u8> = (0..20_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        assert_eq!(
            inflate(&deflate(&noise, 10, None), 1 << 20, None).unwrap(),
            noise
        );
    }

    #[test]
    fn the_dictionary_shortens_and_is_required() {
        let text = b"application/yz-cert+cwt 1.2.156.3005.2.x";
        let with = deflate(text, 10, Some(WORDS));
        assert!(with.len() < deflate(text, 10, None).len());
        assert_eq!(
            inflate(&with, 1024, None),
            Err(InflateError::UnknownDictionary { id: WORDS.id })
        );
    }

    #[test]
    fn malformed_and_oversized_streams_are_refused() {
        let z = deflate(&[0x41; 600], 9, None);
        assert!(matches!(
            inflate(&z, 599, None),
            Err(InflateError::TooLarge { .. })
        ));
        assert_eq!(inflate(&z, 600, None).unwrap(), vec![0x41; 600]);
        let mut trailing = z.clone();
        trailing.push(0);
        assert_eq!(inflate(&trailing, 1024, None), Err(InflateError::Malformed));
        let mut checksum = z.clone();
        *checksum.last_mut().unwrap() ^= 1;
        assert_eq!(inflate(&checksum, 1024, None), Err(InflateError::Malformed));
        assert_eq!(
            inflate(&z[..z.len() - 5], 1024, None),
            Err(InflateError::Malformed)
        );
        assert_eq!(inflate(&[0x78], 1024, None), Err(InflateError::Malformed));
        assert_eq!(
            inflate(&[0x78, 0x00, 1, 2, 3, 4], 1024, None),
            Err(InflateError::Malformed)
        );
        assert_eq!(inflate(&z, 0, None).map_err(|_| ()), Err(()));
    }
}
