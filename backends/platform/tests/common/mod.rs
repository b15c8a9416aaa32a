//! The log these tests share, and the test kit's helpers bound to it.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;

use yinzheng::audit::{KeyRole, NoteKey};
use yinzheng::crypto::{Ed25519SigningKey, Signer as _};
use yinzheng::storage::DirectoryObjects;
#[allow(unused_imports)]
pub(crate) use yinzheng_testkit::{client, fresh_schema};

pub(crate) const ORIGIN: &str = "audit.example.gov.cn/platform";

/// `yinzheng-platform append` of `batches` batches of `size` entries as worker `worker`.
pub(crate) fn append_args<'a>(
    url: &'a str,
    vkey: &'a str,
    worker: &'a str,
    batches: &'a str,
    size: &'a str,
) -> [&'a str; 13] {
    [
        "append",
        "--url",
        url,
        "--origin",
        ORIGIN,
        "--vkey",
        vkey,
        "--worker",
        worker,
        "--batches",
        batches,
        "--size",
        size,
    ]
}

pub(crate) fn log_signer() -> Ed25519SigningKey {
    Ed25519SigningKey::from_seed(&[0x5A; 32])
}

pub(crate) fn log_key() -> NoteKey {
    NoteKey::new(ORIGIN, KeyRole::Log, log_signer().public_key()).unwrap()
}

/// `tlog_tiles` checks the log published in `dir` and proves entry `index`.
pub(crate) fn they_verify(dir: &Path, index: u64, entry: &[u8]) -> u64 {
    yinzheng_testkit::they_verify(&DirectoryObjects::new(dir), ORIGIN, index, entry)
}

/// An empty scratch directory for test `name`, with a hex seed file in it for each of
/// `seeds` (file name, seed byte).
pub(crate) fn scratch(name: &str, seeds: &[(&str, u8)]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("yz-platform-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, byte) in seeds {
        std::fs::write(dir.join(file), hex::encode([*byte; 32])).unwrap();
    }
    dir
}
