//! Encodings: deterministic CBOR, the `COSE_Sign1` envelope, Base45 QR text, and zlib.
//!
//! This layer knows nothing about certificates; it turns bytes into borrowed, strictly
//! validated structures and back.

pub mod base45;
pub mod cbor;
pub mod cose;
pub(crate) mod durable;
pub(crate) mod frame;
pub mod qr;
pub(crate) mod zlib;

pub use cbor::{DecodeError, Reader, Writer};
pub use cose::CoseSign1;
pub use qr::QrError;
