//! The FFI facade from Rust: Rust implementations of the foreign `Signer` and `Clock` traits,
//! the shared test vectors, and the error variants a Kotlin/Swift/Python caller sees.
//!
//! One module per concept, over the helpers in `support`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bundle;
mod certificate;
mod hostile;
mod presentation;
mod seal;
mod support;
mod verifier;
