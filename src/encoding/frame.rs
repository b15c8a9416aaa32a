//! CRC32C-framed records for append-only files (the audit segment, the status journal).
//!
//! ```text
//! frame = u8 type ‖ u24 body_len ‖ u32 crc32c(type ‖ body_len ‖ body) ‖ body ‖ zero padding to 8
//! ```
//!
//! A type byte of 0 is never written, so zero-filled space reads as "no more frames".

/// Why bytes at an offset are not a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// Fewer bytes than the frame needs (or the all-zero end marker).
    Incomplete,
    /// The checksum does not match, or the padding is not zero.
    Damaged,
}

/// Largest frame body.
pub const MAX_FRAME_BODY: usize = (1 << 24) - 1;

const HEADER: usize = 8;

/// Appends one frame to `out`. Bodies longer than [`MAX_FRAME_BODY`] are the caller's bug
/// and are refused by the writers before they get here.
pub fn push_frame(out: &mut Vec<u8>, kind: u8, body: &[u8]) {
    let len = u32::try_from(body.len().min(MAX_FRAME_BODY)).unwrap_or(0);
    let mut header = [0u8; HEADER];
    header[0] = kind;
    header[1..4].copy_from_slice(&len.to_be_bytes()[1..]);
    let crc = crc32c::crc32c_append(crc32c::crc32c(&header[..4]), body);
    header[4..].copy_from_slice(&crc.to_be_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(body);
    out.resize(out.len().next_multiple_of(8), 0);
}

/// The frame at the start of `bytes`: its type, body and padded length.
///
/// # Errors
/// [`FrameError`] if the bytes are not a complete, intact frame.
pub fn read_frame(bytes: &[u8]) -> Result<(u8, &[u8], usize), FrameError> {
    let header: &[u8; HEADER] = bytes
        .get(..HEADER)
        .and_then(|h| h.try_into().ok())
        .ok_or(FrameError::Incomplete)?;
    if header == &[0u8; HEADER] {
        return Err(FrameError::Incomplete);
    }
    let len = usize::from(header[1]) << 16 | usize::from(header[2]) << 8 | usize::from(header[3]);
    let body = bytes
        .get(HEADER..HEADER + len)
        .ok_or(FrameError::Incomplete)?;
    let padded = (HEADER + len).next_multiple_of(8);
    let padding = bytes
        .get(HEADER + len..padded)
        .ok_or(FrameError::Incomplete)?;
    let crc = crc32c::crc32c_append(crc32c::crc32c(&header[..4]), body);
    // Padding is outside the checksum: a non-zero byte there is damage like a bad checksum.
    if crc.to_be_bytes() != header[4..] || padding.iter().any(|&b| b != 0) {
        return Err(FrameError::Damaged);
    }
    Ok((header[0], body, padded))
}

/// Whether any 8-byte-aligned offset from `from` holds an intact frame (so damage before it
/// is not a torn tail).
#[must_use]
pub fn intact_frame_after(bytes: &[u8], from: usize) -> bool {
    (from..bytes.len())
        .step_by(8)
        .any(|p| read_frame(&bytes[p..]).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_detect_damage() {
        let mut out = Vec::new();
        push_frame(&mut out, 1, b"hello");
        push_frame(&mut out, 2, b"");
        assert_eq!(out.len(), 16 + 8);
        assert_eq!(read_frame(&out).unwrap(), (1, &b"hello"[..], 16));
        assert_eq!(read_frame(&out[16..]).unwrap(), (2, &b""[..], 8));
        for i in 0..16 {
            let mut bad = out.clone();
            bad[i] ^= 0x10;
            assert!(read_frame(&bad).is_err(), "flip at {i}");
        }
        assert!(intact_frame_after(&out, 8));
        assert_eq!(read_frame(&out[..15]), Err(FrameError::Incomplete));
        assert_eq!(read_frame(&[0; 16]), Err(FrameError::Incomplete));
    }
}
