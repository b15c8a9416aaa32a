//! Manifest entries the vector walkers share (the generator's `kit::RootEntry` and
//! `kit::Expected`).

use serde::Deserialize;

/// A trusted X.509 root (DER, hex) and the roles it is trusted for.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RootEntry {
    pub(crate) name: String,
    pub(crate) der: String,
    pub(crate) roles: Vec<String>,
}

/// The outcome a vector must give.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Expected {
    pub(crate) outcome: String,
    pub(crate) failed_check: Option<String>,
    pub(crate) disclosed: Vec<String>,
    pub(crate) warnings: usize,
    pub(crate) status: Option<String>,
}
