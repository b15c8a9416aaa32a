//! Manifest entries the vector walkers share (the generator's `kit::RootEntry` and
//! `kit::Expected`).

#![allow(dead_code)] // each walker uses its part

use serde::Deserialize;
use yinzheng::crypto::PublicKey;
use yinzheng::trust::{Role, Roles};

/// A trusted key: an agency's (`trust`) or a seal maker's.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TrustEntry {
    pub(crate) name: String,
    pub(crate) agency: String,
    pub(crate) alg: String,
    pub(crate) public_key: String,
    pub(crate) roles: Vec<String>,
}

/// The roles named.
pub(crate) fn roles_of(roles: &[String]) -> Roles {
    roles.iter().map(|r| Role::from_name(r).unwrap()).collect()
}

/// The entry's public key.
pub(crate) fn key_of(entry: &TrustEntry) -> PublicKey {
    let key_bytes = hex::decode(&entry.public_key).unwrap();
    match entry.alg.as_str() {
        "Ed25519" => PublicKey::ed25519(&key_bytes.try_into().unwrap()).unwrap(),
        "ES256" => PublicKey::p256(&key_bytes).unwrap(),
        other => panic!("unknown alg {other}"),
    }
}

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
