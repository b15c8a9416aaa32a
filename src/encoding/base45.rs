//! Base45 (RFC 9285), the alphabet of QR alphanumeric mode.
//!
//! Written here rather than taken from a crate because the decoder must be strict: a final
//! two-character group above 255 or a three-character group above 65535 is rejected
//! (accepting them would make several QR texts decode to the same bytes), and output is
//! bounded by [`Limits`] before anything is allocated.

use super::qr::QrError;
use crate::limits::Limits;

const ALPHABET: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// Encodes bytes as Base45 (RFC 9285).
#[must_use]
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(2) * 3);
    let mut push = |v: usize| out.push(char::from(ALPHABET[v % 45]));
    for chunk in bytes.chunks(2) {
        match *chunk {
            [a, b] => {
                let n = usize::from(a) * 256 + usize::from(b);
                push(n);
                push(n / 45);
                push(n / 2025);
            }
            [a] => {
                let n = usize::from(a);
                push(n);
                push(n / 45);
            }
            _ => {}
        }
    }
    out
}

fn digit(c: u8, position: usize) -> Result<u32, QrError> {
    ALPHABET
        .iter()
        .position(|&a| a == c)
        .and_then(|v| u32::try_from(v).ok())
        .ok_or(QrError::InvalidCharacter { position })
}

/// Decodes strict Base45 (RFC 9285), with the output bounded by `limits`.
///
/// # Errors
/// [`QrError`] for characters outside the alphabet, out-of-range groups, a dangling
/// character, or output over [`Limits::max_input_bytes`].
pub fn decode(text: &str, limits: &Limits) -> Result<Vec<u8>, QrError> {
    let input = text.as_bytes();
    if input.len() % 3 == 1 {
        return Err(QrError::DanglingCharacter);
    }
    let size = input.len() / 3 * 2 + input.len() % 3 / 2;
    if size > limits.max_input_bytes {
        return Err(QrError::TooLarge {
            size,
            limit: limits.max_input_bytes,
        });
    }
    let mut out = Vec::with_capacity(size);
    for (i, chunk) in input.chunks(3).enumerate() {
        let at = i * 3;
        match *chunk {
            [c, d, e] => {
                let n = digit(c, at)? + digit(d, at + 1)? * 45 + digit(e, at + 2)? * 2025;
                let pair =
                    u16::try_from(n).map_err(|_| QrError::GroupOutOfRange { position: at })?;
                out.extend_from_slice(&pair.to_be_bytes());
            }
            [c, d] => {
                let n = digit(c, at)? + digit(d, at + 1)? * 45;
                out.push(u8::try_from(n).map_err(|_| QrError::GroupOutOfRange { position: at })?);
            }
            _ => return Err(QrError::DanglingCharacter),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_9285_examples() {
        // RFC 9285 §4.3 and §4.4.
        assert_eq!(encode(b"AB"), "BB8");
        assert_eq!(encode(b"Hello!!"), "%69 VD92EX0");
        assert_eq!(encode(b"base-45"), "UJCLQE7W581");
        assert_eq!(encode(b"ietf!"), "QED8WEX0");
        let l = Limits::default();
        assert_eq!(decode("QED8WEX0", &l).unwrap(), b"ietf!");
        assert_eq!(decode("%69 VD92EX0", &l).unwrap(), b"Hello!!");
        assert_eq!(decode("", &l).unwrap(), b"");
    }

    #[test]
    fn strict_decoding() {
        let l = Limits::default();
        assert_eq!(
            decode("GGW", &l),
            Err(QrError::GroupOutOfRange { position: 0 })
        );
        assert_eq!(
            decode("::", &l),
            Err(QrError::GroupOutOfRange { position: 0 })
        );
        assert_eq!(
            decode("a0", &l),
            Err(QrError::InvalidCharacter { position: 0 })
        );
        assert_eq!(decode("BB8B", &l), Err(QrError::DanglingCharacter));
        let tiny = Limits {
            max_input_bytes: 1,
            ..Limits::default()
        };
        assert_eq!(
            decode("BB8", &tiny),
            Err(QrError::TooLarge { size: 2, limit: 1 })
        );
    }
}
