//! Test support for the backend crates (not published): a fresh PostgreSQL schema per test
//! in the server `YINZHENG_TEST_POSTGRES` names, and [`they_verify`], the independent check
//! of a published log by the `tlog_tiles` crate.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::missing_panics_doc
)]

use yinzheng::audit::merkle::leaf_hash;
use yinzheng::audit::objects::ObjectSource;

/// The URL of a fresh, empty schema `name` (dropped and created), or `None` (with the
/// reason on stderr) when no server is configured; `YINZHENG_REQUIRE_POSTGRES=1` (set in
/// CI) turns the skip into a failure.
#[must_use]
pub fn fresh_schema(name: &str) -> Option<String> {
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
    Some(schema_url(&base, name))
}

/// `base` with its connections' `search_path` set to `schema`.
#[must_use]
pub fn schema_url(base: &str, schema: &str) -> String {
    let separator = if base.contains('?') { '&' } else { '?' };
    format!("{base}{separator}options=-csearch_path%3D{schema}")
}

/// A plain client on `url`, to look at or damage rows.
#[must_use]
pub fn client(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).unwrap()
}

/// `tlog_tiles` authenticates the tree of the checkpoint `source` publishes from its tiles
/// alone and proves entry `index` (whose bytes are `entry`) in it; returns the tree size.
pub fn they_verify(source: &dyn ObjectSource, origin: &str, index: u64, entry: &[u8]) -> u64 {
    struct Their<'a>(&'a dyn ObjectSource);
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
                    // Go sumdb's `tile/8/L/N` is tlog-tiles' `tile/L/N`.
                    let path = t.path();
                    let ours = format!("tile/{}", path.strip_prefix("tile/8/").unwrap());
                    self.0
                        .fetch(&ours, 8192)
                        .ok()
                        .flatten()
                        .ok_or(tlog_tiles::tlog::Error::InvalidTile)
                })
                .collect()
        }
        fn save_tiles(&self, _: &[tlog_tiles::tile::Tile], _: &[Vec<u8>]) {}
    }
    let note = source.fetch("checkpoint", 65_536).unwrap().unwrap();
    let body_end = note.windows(2).position(|w| w == b"\n\n").unwrap() + 1;
    let checkpoint = tlog_tiles::checkpoint::Checkpoint::from_bytes(&note[..body_end]).unwrap();
    assert_eq!(checkpoint.origin(), origin);
    let (size, root) = (checkpoint.size(), *checkpoint.hash());
    let reader = Their(source);
    let hashes = tlog_tiles::tile::TileHashReader::new(size, root, &reader);
    assert_eq!(tlog_tiles::tlog::tree_hash(size, &hashes).unwrap(), root);
    let proof = tlog_tiles::tlog::prove_record(size, index, &hashes).unwrap();
    let record = tlog_tiles::tlog::record_hash(entry);
    tlog_tiles::tlog::check_record(&proof, size, root, index, record).unwrap();
    assert_eq!(record.0, leaf_hash(entry));
    size
}
