//! The file log published as C2SP tlog-tiles into a directory: read back by our
//! [`TileClient`] and by an independent implementation (the `tlog_tiles` crate, a port of Go's
//! `sumdb/tlog`, which authenticates every tile against the tree hash itself); resumed,
//! extended, and refused when a tile or bundle is changed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use yinzheng::audit::merkle::leaf_hash;
use yinzheng::audit::objects::{ObjectSink as _, Put, SinkError};
use yinzheng::audit::publish::{PublishError, Publisher};
use yinzheng::audit::tile_client::{ClientError, TileClient};
use yinzheng::audit::tiles::{TileId, parse_entry_bundle};
use yinzheng::audit::{Event, EventKind, KeyRole, NoteKey};
use yinzheng::crypto::{Ed25519SigningKey, Signer as _};
use yinzheng::storage::AuditLog;
use yinzheng::storage::DirectoryObjects;
use yinzheng::time::UnixTime;

const ORIGIN: &str = "audit.example.gov.cn/tiles";

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("yz-tiles-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn log_key() -> Ed25519SigningKey {
    Ed25519SigningKey::from_seed(&[0x3C; 32])
}

fn note_key() -> NoteKey {
    NoteKey::new(ORIGIN, KeyRole::Log, log_key().public_key()).unwrap()
}

fn event(i: u64) -> Event {
    Event {
        kind: EventKind::CertificateIssued,
        actor_key_id: [2; 32],
        subject: format!("1.2.156.3005.2.TILE.{i:08}").into_bytes(),
        object_digest: yinzheng::crypto::sha256(&i.to_be_bytes()),
        attributes: vec![0xa0],
    }
}

fn append(log: &AuditLog, from: u64, to: u64) {
    let events = (from..to).map(event).collect();
    log.append_batch(events, UnixTime::from_secs(1_795_226_400 + from))
        .unwrap();
}

/// The independent reader: tiles fetched from our directory by `tlog_tiles`' own paths
/// (Go sumdb style, `tile/8/L/N`, mapped to tlog-tiles' `tile/L/N`).
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
                let ours = path.strip_prefix("tile/8/").unwrap();
                std::fs::read(self.0.join("tile").join(ours))
                    .map_err(|_| tlog_tiles::tlog::Error::InvalidTile)
            })
            .collect()
    }

    fn save_tiles(&self, _: &[tlog_tiles::tile::Tile], _: &[Vec<u8>]) {}
}

/// What `tlog_tiles` says of the published log: the tree hash it authenticates from the
/// tiles equals the checkpoint's, and entry `index`'s record hash is proven in it.
fn they_verify(dir: &Path, index: u64, entry: &[u8]) {
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
}

#[test]
fn a_published_log_verifies_with_our_client_and_an_independent_one() {
    let dir = temp_dir("publish");
    let tiles = dir.join("public");
    let log = AuditLog::open(&dir.join("log"), ORIGIN, log_key()).unwrap();
    let sink = DirectoryObjects::new(&tiles);
    let mut publisher = Publisher::new();

    append(&log, 0, 300);
    let first = log.reader().publish(&mut publisher, &sink).unwrap();
    assert_eq!(publisher.size(), 300);
    assert!(tiles.join("tile/0/000").is_file());
    assert!(tiles.join("tile/0/001.p/44").is_file());
    assert!(tiles.join("tile/1/000.p/1").is_file());
    assert!(tiles.join("tile/entries/001.p/44").is_file());

    // A second publisher resumes from the directory alone, checked against its checkpoint.
    let mut resumed = Publisher::resume(&sink, ORIGIN, &[note_key()]).unwrap();
    assert_eq!(resumed, publisher);
    append(&log, 300, 66_000);
    let second = log.reader().publish(&mut resumed, &sink).unwrap();
    assert_eq!(second.checkpoint.size, 66_000);
    // Publishing again with nothing new rewrites nothing that differs.
    log.reader().publish(&mut resumed, &sink).unwrap();

    let client = TileClient::new(DirectoryObjects::new(&tiles), ORIGIN, vec![note_key()]);
    let checkpoint = client.checkpoint().unwrap();
    assert_eq!(checkpoint, second);
    assert_eq!(client.verify_all(&checkpoint).unwrap(), 66_000);
    for index in [0, 255, 256, 299, 65_535, 65_999] {
        let bundle = client.inclusion_bundle(&checkpoint, index).unwrap();
        let verified = bundle.verify(ORIGIN, &[note_key()]).unwrap();
        assert_eq!(verified.entry.event, event(index));
        assert_eq!(bundle.entry, log.entry(index).unwrap());
        they_verify(&tiles, index, &bundle.entry);
    }
    // Consistency from the first publication, as a witness would be asked for it.
    let update = client
        .consistency_bundle(first.checkpoint.size, &first.checkpoint.root, &checkpoint)
        .unwrap();
    assert_eq!(update, log.reader().consistency_bundle(300).unwrap());
    // The partial tile of size 300 was replaced by full tiles, but stays readable.
    let old = client.inclusion_bundle(&first, 299).unwrap();
    assert!(old.verify(ORIGIN, &[note_key()]).is_ok());
    drop(log);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn changed_objects_are_refused_and_never_overwritten() {
    let dir = temp_dir("tamper");
    let tiles = dir.join("public");
    let log = AuditLog::open(&dir.join("log"), ORIGIN, log_key()).unwrap();
    let sink = DirectoryObjects::new(&tiles);
    let mut publisher = Publisher::new();
    append(&log, 0, 600);
    log.reader().publish(&mut publisher, &sink).unwrap();
    let client = TileClient::new(DirectoryObjects::new(&tiles), ORIGIN, vec![note_key()]);
    let checkpoint = client.checkpoint().unwrap();

    // A full tile with one hash changed: proofs through it and the audit are refused.
    let path = tiles.join("tile/0/001");
    let good = std::fs::read(&path).unwrap();
    let mut bad = good.clone();
    bad[0] ^= 1; // leaf 256, the sibling in leaf 257's proof
    std::fs::write(&path, &bad).unwrap();
    assert!(matches!(
        client.inclusion_bundle(&checkpoint, 257),
        Err(ClientError::Proof(_))
    ));
    assert!(client.verify_all(&checkpoint).is_err());
    // The publisher refuses to overwrite it: a conflicting immutable object is an alarm.
    assert!(matches!(
        sink.put("tile/0/001", &good, Put::Immutable),
        Err(SinkError::Conflict { .. })
    ));
    let mut fresh = Publisher::new();
    assert!(matches!(
        log.reader().publish(&mut fresh, &sink),
        Err(PublishError::Sink(SinkError::Conflict { .. }))
    ));
    std::fs::write(&path, &good).unwrap();
    assert_eq!(client.verify_all(&checkpoint).unwrap(), 600);

    // An entry bundle with an entry changed.
    let bundle_path = tiles.join("tile/entries/000");
    let good = std::fs::read(&bundle_path).unwrap();
    let mut bad = good.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    std::fs::write(&bundle_path, &bad).unwrap();
    assert!(client.inclusion_bundle(&checkpoint, 255).is_err());
    assert!(client.verify_all(&checkpoint).is_err());
    std::fs::write(&bundle_path, &good).unwrap();
    let id = TileId {
        level: 0,
        index: 0,
        width: 256,
    };
    assert_eq!(parse_entry_bundle(id, &good).unwrap().len(), 256);

    // A missing partial tile, and a resume against a checkpoint its tiles do not give.
    std::fs::remove_file(tiles.join("tile/0/002.p/88")).unwrap();
    assert!(matches!(
        client.inclusion_bundle(&checkpoint, 599),
        Err(ClientError::Missing(_))
    ));
    assert!(Publisher::resume(&sink, ORIGIN, &[note_key()]).is_err());
    // Unsafe paths are not files under the root.
    assert!(sink.put("../escape", b"x", Put::Immutable).is_err());
    assert!(sink.put("tile//0", b"x", Put::Immutable).is_err());
    drop(log);
    let _ = std::fs::remove_dir_all(&dir);
}
