//! A schema of its own for each test in the PostgreSQL that `YINZHENG_TEST_POSTGRES` names
//! (`bash .ci/postgres.sh start` prints the line to export), and an independent check of
//! published tiles by the `tlog_tiles` crate.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use yinzheng::audit::merkle::leaf_hash;
use yinzheng::audit::{KeyRole, NoteKey};
use yinzheng::crypto::{Ed25519SigningKey, Signer as _};

pub(crate) const ORIGIN: &str = "audit.example.gov.cn/platform";

pub(crate) fn log_signer() -> Ed25519SigningKey {
    Ed25519SigningKey::from_seed(&[0x5A; 32])
}

pub(crate) fn log_key() -> NoteKey {
    NoteKey::new(ORIGIN, KeyRole::Log, log_signer().public_key()).unwrap()
}

/// The URL of a fresh, empty schema `name`, or `None` (with the reason on stderr) when no
/// server is configured; CI sets `YINZHENG_REQUIRE_POSTGRES=1` so that it cannot skip.
pub(crate) fn fresh_schema(name: &str) -> Option<String> {
    let Ok(base) = std::env::var("YINZHENG_TEST_POSTGRES") else {
        assert!(
            std::env::var_os("YINZHENG_REQUIRE_POSTGRES").is_none(),
            "YINZHENG_REQUIRE_POSTGRES is set but YINZHENG_TEST_POSTGRES is not"
        );
        eprintln!(
            "skipped: YINZHENG_TEST_POSTGRES is not set (start a throwaway server with \
             `bash .ci/postgres.sh start` and export the line it prints)"
        );
        return None;
    };
    let mut admin = postgres::Client::connect(&base, postgres::NoTls).unwrap();
    admin
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}"
        ))
        .unwrap();
    let separator = if base.contains('?') { '&' } else { '?' };
    Some(format!("{base}{separator}options=-csearch_path%3D{name}"))
}

/// A plain client on the schema, to look at or damage rows.
pub(crate) fn client(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).unwrap()
}

/// `tlog_tiles` (a port of Go's `sumdb/tlog`) authenticates the published tree from the
/// tiles alone and proves entry `index` in it.
pub(crate) fn they_verify(dir: &Path, index: u64, entry: &[u8]) -> u64 {
    struct Their<'a>(&'a Path);
    impl tlog_tiles::tile::TileReader for Their<'_> {
        fn height(&self) -> u8 {
            8
        }
        fn read_tiles(
            &self,
            tiles: &[tlog_tiles::tile::Tile],
        ) -> Result<Vec<Vec<u8>>, tlog_tiles::tlog::Error> {
            tiles
                .iter()
                .map(|t| {
                    let path = t.path();
                    let ours = path.strip_prefix("tile/8/").unwrap().to_owned();
                    std::fs::read(self.0.join("tile").join(ours))
                        .map_err(|_| tlog_tiles::tlog::Error::InvalidTile)
                })
                .collect()
        }
        fn save_tiles(&self, _: &[tlog_tiles::tile::Tile], _: &[Vec<u8>]) {}
    }
    let note = std::fs::read(dir.join("checkpoint")).unwrap();
    let body_end = note.windows(2).position(|w| w == b"\n\n").unwrap() + 1;
    let checkpoint = tlog_tiles::checkpoint::Checkpoint::from_bytes(&note[..body_end]).unwrap();
    assert_eq!(checkpoint.origin(), ORIGIN);
    let (size, root) = (checkpoint.size(), *checkpoint.hash());
    let reader = Their(dir);
    let hashes = tlog_tiles::tile::TileHashReader::new(size, root, &reader);
    assert_eq!(tlog_tiles::tlog::tree_hash(size, &hashes).unwrap(), root);
    let proof = tlog_tiles::tlog::prove_record(size, index, &hashes).unwrap();
    let record = tlog_tiles::tlog::record_hash(entry);
    tlog_tiles::tlog::check_record(&proof, size, root, index, record).unwrap();
    assert_eq!(record.0, leaf_hash(entry));
    size
}
