//! QR text (`YZ1:` + Base45) and QR code rendering.

use yinzheng::Limits;

use crate::error::{YinzhengError, invalid};

/// The QR text (`YZ1:` + Base45) of encoded bytes.
#[uniffi::export]
pub fn to_qr_text(bytes: Vec<u8>) -> String {
    yinzheng::encoding::qr::to_qr_text(&bytes)
}

/// The bytes carried by a QR text.
///
/// # Errors
/// [`YinzhengError::InvalidInput`] if the text is not a strict `YZ1:` Base45 text.
#[uniffi::export]
pub fn from_qr_text(text: String) -> Result<Vec<u8>, YinzhengError> {
    yinzheng::encoding::qr::from_qr_text(&text, &Limits::default()).map_err(invalid)
}

/// QR error-correction level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum QrLevel {
    /// ~7 %.
    L,
    /// ~15 %.
    M,
    /// ~25 %.
    Q,
    /// ~30 %.
    H,
}

fn qr_code(text: &str, level: QrLevel) -> Result<yinzheng::present::QrCode, YinzhengError> {
    use yinzheng::present::QrLevel as L;
    let level = match level {
        QrLevel::L => L::L,
        QrLevel::M => L::M,
        QrLevel::Q => L::Q,
        QrLevel::H => L::H,
    };
    yinzheng::present::QrCode::new(text, level).map_err(invalid)
}

/// Renders QR text as an SVG image (one unit per module, quiet zone included).
///
/// # Errors
/// [`YinzhengError::InvalidInput`] if it does not fit a QR code at `level`.
#[uniffi::export]
pub fn render_qr_svg(text: String, level: QrLevel) -> Result<String, YinzhengError> {
    Ok(qr_code(&text, level)?.to_svg())
}

/// Renders QR text as a greyscale PNG with `scale` pixels per module.
///
/// # Errors
/// [`YinzhengError::InvalidInput`] if it does not fit, or PNG encoding fails.
#[uniffi::export]
pub fn render_qr_png(text: String, level: QrLevel, scale: u32) -> Result<Vec<u8>, YinzhengError> {
    qr_code(&text, level)?.to_png(scale).map_err(invalid)
}

/// The QR version (1–40) the text needs at `level`.
///
/// # Errors
/// [`YinzhengError::InvalidInput`] if it does not fit.
#[uniffi::export]
pub fn qr_version(text: String, level: QrLevel) -> Result<u8, YinzhengError> {
    Ok(qr_code(&text, level)?.version())
}
