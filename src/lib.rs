#![doc = include_str!("../README.md")]
//!
//! # Layers
//!
//! Bottom to top; nothing imports upward (see `ARCHITECTURE.md`): [`time`], [`limits`],
//! [`encoding`], [`model`], [`crypto`], [`trust`], [`issue`], [`present`], [`verify`].

pub mod audit;
pub mod crypto;
pub mod encoding;
pub mod issue;
pub mod limits;
pub mod model;
pub mod present;
pub mod status;
pub mod time;
pub mod trust;
pub mod verify;

pub use limits::Limits;
