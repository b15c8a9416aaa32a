//! Rendering QR text as a QR code (ISO/IEC 18004, via the `qrcode` crate) to SVG or PNG. The
//! PNG is written here over the crate's zlib (already used for QR text), with a bitwise
//! CRC-32: the `png` crate, or a CRC table, cost the mobile library more than this module.
//! The Base45 alphabet is the QR alphanumeric set, so the text is encoded in alphanumeric
//! mode (5.5 bits per character).

use qrcode::{Color, EcLevel, Version};

/// QR error-correction level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum QrLevel {
    /// ~7 % of codewords recoverable.
    L,
    /// ~15 % (the usual choice for screens).
    M,
    /// ~25 %.
    Q,
    /// ~30 %.
    H,
}

/// Why a QR code could not be made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// The text does not fit in a QR code (version 40) at this level.
    #[error("the text does not fit in a QR code at this error-correction level")]
    TooLong,
    /// The PNG encoder failed.
    #[error("PNG encoding failed: {0}")]
    Png(String),
}

/// A QR code: its module matrix, version and level.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QrCode {
    version: u8,
    level: QrLevel,
    width: usize,
    dark: Vec<bool>,
}

/// Quiet zone around the code, in modules (ISO/IEC 18004 asks for 4).
const QUIET: usize = 4;

/// The largest PNG side rendered, in pixels (a version-40 code, 177 modules and the quiet
/// zone, at 48 pixels a module): whatever scale a caller asks for, rendering allocates at
/// most about 10 MB.
pub const MAX_PNG_SIDE: usize = 8_880;

impl QrCode {
    /// Encodes `text` at `level`, choosing the smallest version that holds it.
    ///
    /// # Errors
    /// [`RenderError::TooLong`].
    pub fn new(text: &str, level: QrLevel) -> Result<Self, RenderError> {
        let ec = match level {
            QrLevel::L => EcLevel::L,
            QrLevel::M => EcLevel::M,
            QrLevel::Q => EcLevel::Q,
            QrLevel::H => EcLevel::H,
        };
        let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), ec)
            .map_err(|_| RenderError::TooLong)?;
        let version = match code.version() {
            Version::Normal(v) | Version::Micro(v) => u8::try_from(v).unwrap_or(0),
        };
        Ok(Self {
            version,
            level,
            width: code.width(),
            dark: code
                .to_colors()
                .into_iter()
                .map(|c| c == Color::Dark)
                .collect(),
        })
    }

    /// The QR version (1–40): the code is 17 + 4 × version modules wide.
    #[must_use]
    pub fn version(&self) -> u8 {
        self.version
    }

    /// The error-correction level.
    #[must_use]
    pub fn level(&self) -> QrLevel {
        self.level
    }

    /// Modules per side, without the quiet zone.
    #[must_use]
    pub fn width(&self) -> usize {
        self.width
    }

    /// Whether the module at (`x`, `y`) is dark (outside the code: light).
    #[must_use]
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width && y < self.width && self.dark[y * self.width + x]
    }

    /// An SVG image, one unit per module, with a 4-module quiet zone; scale it freely.
    #[must_use]
    pub fn to_svg(&self) -> String {
        let size = self.width + 2 * QUIET;
        let mut path = String::with_capacity(self.dark.len() * 4);
        for y in 0..self.width {
            for x in 0..self.width {
                if self.is_dark(x, y) {
                    path.push_str(&format!("M{} {}h1v1h-1z", x + QUIET, y + QUIET));
                }
            }
        }
        format!(
            concat!(
                r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {s} {s}" "##,
                r##"shape-rendering="crispEdges"><rect width="{s}" height="{s}" fill="#fff"/>"##,
                r##"<path fill="#000" d="{p}"/></svg>"##
            ),
            s = size,
            p = path
        )
    }

    /// A 1-bit greyscale PNG with `scale` pixels per module (at least 1) and the quiet zone.
    ///
    /// # Errors
    /// [`RenderError::Png`] if the image would be more than [`MAX_PNG_SIDE`] pixels a side.
    pub fn to_png(&self, scale: u32) -> Result<Vec<u8>, RenderError> {
        let scale = usize::try_from(scale.max(1)).unwrap_or(usize::MAX);
        let side = (self.width + 2 * QUIET)
            .checked_mul(scale)
            .filter(|side| *side <= MAX_PNG_SIDE)
            .ok_or_else(|| RenderError::Png(format!("more than {MAX_PNG_SIDE} pixels a side")))?;
        let side32 = u32::try_from(side).map_err(|e| RenderError::Png(e.to_string()))?;
        // Scanlines: filter byte 0, then 1 bit per pixel (1 = white), MSB first.
        let row_bytes = side.div_ceil(8);
        let mut raw = Vec::with_capacity(side * (row_bytes + 1));
        for y in 0..side {
            raw.push(0);
            let start = raw.len();
            raw.resize(start + row_bytes, 0);
            for x in 0..side {
                let (mx, my) = (x / scale, y / scale);
                let dark = mx >= QUIET && my >= QUIET && self.is_dark(mx - QUIET, my - QUIET);
                if !dark {
                    raw[start + x / 8] |= 0x80 >> (x % 8);
                }
            }
        }
        let idat = crate::encoding::zlib::deflate(&raw, 9, None);
        let mut ihdr = Vec::with_capacity(13);
        ihdr.extend_from_slice(&side32.to_be_bytes());
        ihdr.extend_from_slice(&side32.to_be_bytes());
        ihdr.extend_from_slice(&[1, 0, 0, 0, 0]); // 1-bit greyscale, deflate, no filter, no interlace
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        for (kind, data) in [(b"IHDR", &ihdr), (b"IDAT", &idat), (b"IEND", &Vec::new())] {
            let len = u32::try_from(data.len()).map_err(|e| RenderError::Png(e.to_string()))?;
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(kind);
            out.extend_from_slice(data);
            out.extend_from_slice(&crc32(&[kind, data]).to_be_bytes());
        }
        Ok(out)
    }

    /// The code as text for a terminal: two modules per character row (▀ ▄ █), quiet zone
    /// included, dark on a light background.
    #[must_use]
    pub fn to_terminal(&self) -> String {
        let size = self.width + 2 * QUIET;
        let dark =
            |x: usize, y: usize| x >= QUIET && y >= QUIET && self.is_dark(x - QUIET, y - QUIET);
        let mut out = String::with_capacity(size * size);
        for y in (0..size).step_by(2) {
            for x in 0..size {
                out.push(match (dark(x, y), dark(x, y + 1)) {
                    (false, false) => '█',
                    (true, false) => '▄',
                    (false, true) => '▀',
                    (true, true) => ' ',
                });
            }
            out.push('\n');
        }
        out
    }
}

/// CRC-32 (ISO-HDLC, as PNG chunks use) of the concatenated parts, bit by bit: chunks here
/// are a few kilobytes, and a lookup table would cost 1–16 KiB of library for no gain.
fn crc32(parts: &[&[u8]]) -> u32 {
    let mut crc = u32::MAX;
    for &byte in parts.iter().flat_map(|p| p.iter()) {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::crc32;

    #[test]
    fn crc32_check_values() {
        // The CRC catalogue's check value for CRC-32/ISO-HDLC, and PNG's IEND chunk CRC.
        assert_eq!(crc32(&[b"123456789"]), 0xCBF4_3926);
        assert_eq!(crc32(&[b"1234", b"56789"]), 0xCBF4_3926);
        assert_eq!(crc32(&[b"IEND", b""]), 0xAE42_6082);
    }
}
