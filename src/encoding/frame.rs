//! CRC32C-framed records for append-only files (the audit segment, the status journal).
//!
//! ```text
//! frame = u8 type ‖ u24 body_len ‖ u32 crc32c(type ‖ body_len ‖ body) ‖ body ‖ zero padding to 8
//! ```
//!
//! A type byte of 0 is never written, so zero-filled space reads as "no more frames".
//!
//! [`intact_frame_after`] asks whether any 8-byte-aligned offset after damage holds an intact
//! frame. Checking each offset with its own CRC costs the claimed body length per offset,
//! quadratic in a crafted tail; it works instead from one pass of prefix CRCs, and the CRC of
//! any range follows from two prefixes and a shift by the range's length in GF(2)\[x\] mod the
//! CRC-32C polynomial (CRCs are linear). The crate's `crc32c_combine` recomputes its shift
//! operator per call (about 25 000 operations), so the shift is written here over byte-indexed
//! tables of x^8n (about 100 operations), keeping the probe linear in the bytes after the
//! damage.

/// Why bytes at an offset are not a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FrameError {
    /// Fewer bytes than the frame needs (or the all-zero end marker).
    Incomplete,
    /// The checksum does not match, or the padding is not zero.
    Damaged,
}

/// Largest frame body.
pub(crate) const MAX_FRAME_BODY: usize = (1 << 24) - 1;

const HEADER: usize = 8;

/// Appends one frame to `out`. Bodies longer than [`MAX_FRAME_BODY`] are the caller's bug
/// and are refused by the writers before they get here.
pub(crate) fn push_frame(out: &mut Vec<u8>, kind: u8, body: &[u8]) {
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
pub(crate) fn read_frame(bytes: &[u8]) -> Result<(u8, &[u8], usize), FrameError> {
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
/// is not a torn tail). Linear in `bytes.len() - from` (see the module docs).
#[must_use]
pub(crate) fn intact_frame_after(bytes: &[u8], from: usize) -> bool {
    let Some(tail) = bytes.get(from..) else {
        return false;
    };
    let prefix = PrefixCrc::new(tail);
    let shift = Shift::new();
    (0..tail.len()).step_by(8).any(|p| {
        let Some(header) = tail.get(p..p + HEADER) else {
            return false;
        };
        if header.iter().all(|&b| b == 0) {
            return false;
        }
        let len =
            usize::from(header[1]) << 16 | usize::from(header[2]) << 8 | usize::from(header[3]);
        let (start, end) = (p + HEADER, p + HEADER + len);
        let padded = end.next_multiple_of(8);
        if padded > tail.len() || tail[end..padded].iter().any(|&b| b != 0) {
            return false;
        }
        // crc(h ‖ body) = shift(crc(h), len) ^ crc(body), and
        // crc(body) = P(end) ^ shift(P(start), len): one shift of their sum.
        let head = crc32c::crc32c(&header[..4]);
        let crc = prefix.at(tail, end) ^ shift.apply(head ^ prefix.at(tail, start), len);
        crc.to_be_bytes() == header[4..]
    })
}

/// CRC-32C of every 8-byte-aligned prefix of a buffer.
struct PrefixCrc(Vec<u32>);

impl PrefixCrc {
    fn new(bytes: &[u8]) -> Self {
        let mut crcs = Vec::with_capacity(bytes.len() / 8 + 1);
        let mut crc = 0;
        crcs.push(crc);
        for chunk in bytes.chunks_exact(8) {
            crc = crc32c::crc32c_append(crc, chunk);
            crcs.push(crc);
        }
        Self(crcs)
    }

    /// CRC-32C of `bytes[..at]`.
    fn at(&self, bytes: &[u8], at: usize) -> u32 {
        let aligned = at / 8;
        let base = self.0.get(aligned).copied().unwrap_or(0);
        crc32c::crc32c_append(base, bytes.get(aligned * 8..at).unwrap_or(&[]))
    }
}

/// Multiplication by x^(8n) modulo the CRC-32C polynomial (bit-reflected, as the CRC is):
/// what appending n zero bytes does to a CRC, without its pre- and post-conditioning.
struct Shift {
    /// x^(8·i·256^j) for j = 0, 1, 2 and i < 256: n < 2^24 covers every frame body.
    tables: [[u32; 256]; 3],
}

const POLY: u32 = 0x82F6_3B78;
/// x^0 in the reflected representation.
const ONE: u32 = 1 << 31;

fn mul_mod(a: u32, mut b: u32) -> u32 {
    let mut product = 0;
    let mut bit = ONE;
    while bit != 0 {
        if a & bit != 0 {
            product ^= b;
        }
        bit >>= 1;
        b = if b & 1 == 1 { (b >> 1) ^ POLY } else { b >> 1 };
    }
    product
}

impl Shift {
    fn new() -> Self {
        let mut x8 = ONE >> 1; // x^1
        for _ in 0..3 {
            x8 = mul_mod(x8, x8); // x^2, x^4, x^8
        }
        let mut tables = [[ONE; 256]; 3];
        let mut step = x8;
        for table in &mut tables {
            for i in 1..256 {
                table[i] = mul_mod(table[i - 1], step);
            }
            step = mul_mod(table[255], step);
        }
        Self { tables }
    }

    fn apply(&self, crc: u32, n: usize) -> u32 {
        let [t0, t1, t2] = &self.tables;
        let power = mul_mod(
            mul_mod(t0[n & 0xFF], t1[(n >> 8) & 0xFF]),
            t2[(n >> 16) & 0xFF],
        );
        mul_mod(power, crc)
    }
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
        assert!(!intact_frame_after(&out, 24));
        assert!(!intact_frame_after(&out, 99));
        assert_eq!(read_frame(&out[..15]), Err(FrameError::Incomplete));
        assert_eq!(read_frame(&[0; 16]), Err(FrameError::Incomplete));
    }

    /// The prefix-CRC probe agrees with reading every offset (the obvious quadratic check).
    #[test]
    fn probe_agrees_with_reading_each_offset() {
        let mut state = 0x1234_5678_u32;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state
        };
        for case in 0..300 {
            let mut bytes = Vec::new();
            for _ in 0..(next() % 4) {
                let body: Vec<u8> = (0..next() % 40).map(|_| next() as u8).collect();
                push_frame(&mut bytes, 1 + (next() % 3) as u8, &body);
            }
            let flips = next() % 3;
            for _ in 0..flips {
                if !bytes.is_empty() {
                    let at = next() as usize % bytes.len();
                    bytes[at] ^= 1 << (next() % 8);
                }
            }
            if case % 5 == 0 {
                bytes.extend((0..next() % 64).map(|_| next() as u8));
            }
            for from in (0..bytes.len() + 8).step_by(8) {
                let slow = (from..bytes.len())
                    .step_by(8)
                    .any(|p| read_frame(&bytes[p..]).is_ok());
                assert_eq!(
                    intact_frame_after(&bytes, from),
                    slow,
                    "case {case} from {from}"
                );
            }
        }
    }

    /// A tail of headers that each claim a body to the end: the probe stays linear.
    #[test]
    fn crafted_tail_is_probed_in_linear_time() {
        let len = 1 << 20;
        let mut tail = vec![0u8; len];
        for p in (0..len).step_by(8) {
            let body = (len - p - 8).min(MAX_FRAME_BODY);
            let body = body - body % 8;
            tail[p] = 1;
            tail[p + 1..p + 4].copy_from_slice(&u32::try_from(body).unwrap().to_be_bytes()[1..]);
            tail[p + 4..p + 8].copy_from_slice(&[0xAB; 4]);
        }
        // Checking each offset's claimed body would CRC ~64 GiB here.
        assert!(!intact_frame_after(&tail, 0));
    }
}
