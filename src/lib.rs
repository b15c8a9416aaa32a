#![doc = include_str!("../README.md")]
//!
//! # Layers
//!
//! Bottom to top; nothing imports upward (`ARCHITECTURE.md`; `tests/layers.rs` checks it):
//!
//! 1. [`time`]: instants, calendar dates, clocks (time is always an input).
//! 2. [`limits`]: the bounds every decoder works within.
//! 3. [`encoding`]: deterministic CBOR, `COSE_Sign1`, Base45 and QR text, zlib.
//! 4. [`model`]: certificates, seals, stamps, presentations and bundles as plain data, and
//!    their codecs.
//! 5. [`crypto`]: algorithms, public keys, the [`Signer`](crypto::Signer) trait, randomness.
//! 6. `gm` (feature `gm`): GB/T 38540 seals and stamps in DER, SM2-signed.
//! 7. [`trust`]: which keys and X.509 roots are trusted, for which role and agency.
//! 8. [`status`]: Token Status Lists and the issuer's status registry.
//! 9. [`audit`]: the tamper-evident log, its proofs, tlog-tiles and its file store.
//! 10. [`storage`]: durable stores behind the seams below (a directory of published objects).
//! 11. [`issue`]: issuing certificates, making seals, stamping.
//! 12. [`present`]: the holder's side: selective disclosure, presentations, QR codes.
//! 13. [`verify`]: the offline verifier and its per-check report.

pub mod audit;
pub mod crypto;
pub mod encoding;
#[cfg(feature = "gm")]
pub mod gm;
pub mod issue;
pub mod limits;
pub mod model;
pub mod present;
pub mod status;
pub mod storage;
pub mod time;
pub mod trust;
pub mod verify;

pub use limits::Limits;
