//! The shared log on a real PostgreSQL: many appenders, one integrator at a time, tiles
//! checked by our client and by `tlog_tiles`, another log or key refused, damaged rows
//! stopping integration, a newer schema refused. Skips (saying why) without a server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use common::{ORIGIN, client, fresh_schema, log_key, log_signer, they_verify};
use yinzheng::audit::merkle::leaf_hash;
use yinzheng::audit::tile_client::TileClient;
use yinzheng::audit::{AuditSink as _, Event, EventKind, KeyRole, NoteKey};
use yinzheng::crypto::{Ed25519SigningKey, Signer as _};
use yinzheng::storage::DirectoryObjects;
use yinzheng::time::UnixTime;
use yinzheng_postgres::{PgError, PgLog, SCHEMA_VERSION};

const AT: UnixTime = UnixTime::from_secs(1_780_000_000);

fn event(n: u64) -> Event {
    Event {
        kind: EventKind::CertificateIssued,
        actor_key_id: [0x22; 32],
        subject: format!("cert-{n}").into_bytes(),
        object_digest: yinzheng::crypto::sha256(&n.to_be_bytes()),
        attributes: Vec::new(),
    }
}

fn tiles_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("yz-pg-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn threads_and_services_append_contiguously_and_the_tiles_verify() {
    let Some(url) = fresh_schema("yz_test_contiguous") else {
        return;
    };
    let dir = tiles_dir("contiguous");
    let integrator = PgLog::connect(&url, ORIGIN, log_key())
        .unwrap()
        .with_signer(log_signer())
        .unwrap()
        .with_tiles(DirectoryObjects::new(&dir));
    // Two services (two handles, their own connections), four threads each.
    let services: Vec<Arc<PgLog>> = (0..2)
        .map(|_| Arc::new(PgLog::connect(&url, ORIGIN, log_key()).unwrap()))
        .collect();
    let mut threads = Vec::new();
    for (s, service) in services.iter().enumerate() {
        for t in 0..4u64 {
            let service = Arc::clone(service);
            threads.push(std::thread::spawn(move || {
                let mut got = Vec::new();
                for round in 0..40u64 {
                    let base = ((s as u64 * 4 + t) * 40 + round) * 10;
                    let events = (base..base + 10).map(event).collect();
                    got.extend(service.sequence(events, AT).unwrap());
                }
                got
            }));
        }
    }
    let mut checkpoints = Vec::new();
    while threads.iter().any(|t| !t.is_finished()) {
        checkpoints.push(integrator.integrate().unwrap().unwrap().checkpoint.size);
    }
    let sequenced: Vec<_> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let total = 2 * 4 * 40 * 10;
    let indices: BTreeSet<u64> = sequenced.iter().map(|s| s.index).collect();
    assert_eq!(indices.len(), total, "an index was given twice");
    assert_eq!(
        indices.last(),
        Some(&(total as u64 - 1)),
        "the indices have a gap"
    );
    assert_eq!(integrator.size().unwrap(), total as u64);

    let checkpoint = integrator.integrate().unwrap().unwrap();
    checkpoints.push(checkpoint.checkpoint.size);
    assert!(
        checkpoints.windows(2).all(|w| w[0] <= w[1]),
        "{checkpoints:?}"
    );
    assert_eq!(checkpoint.checkpoint.size, total as u64);
    let entries = integrator.entries(0, total as u64).unwrap();
    for s in &sequenced {
        assert_eq!(leaf_hash(&entries[s.index as usize]), s.leaf_hash);
    }
    // Every subject is in the log exactly once.
    let subjects: BTreeSet<Vec<u8>> = entries
        .iter()
        .map(|e| {
            yinzheng::audit::AuditEntry::decode(e)
                .unwrap()
                .event
                .subject
        })
        .collect();
    assert_eq!(subjects.len(), total);

    let reader = TileClient::new(DirectoryObjects::new(&dir), ORIGIN, vec![log_key()]);
    let published = reader.checkpoint().unwrap();
    assert_eq!(published, checkpoint);
    assert_eq!(reader.verify_all(&published).unwrap(), total as u64);
    let bundle = reader.inclusion_bundle(&published, 1234).unwrap();
    assert_eq!(bundle.entry, entries[1234]);
    assert_eq!(they_verify(&dir, 1234, &entries[1234]), total as u64);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_audit_sink_returns_receipts_under_a_signed_checkpoint() {
    let Some(url) = fresh_schema("yz_test_sink") else {
        return;
    };
    let log = PgLog::connect(&url, ORIGIN, log_key())
        .unwrap()
        .with_signer(log_signer())
        .unwrap();
    let receipts = log.record_batch((0..5).map(event).collect(), AT).unwrap();
    assert_eq!(receipts.len(), 5);
    let last = log.record(event(5), AT.saturating_add(60)).unwrap();
    assert_eq!(last.index, 5);
    assert!(last.checkpoint.checkpoint.size >= 6);
    assert_eq!(log.recorded_size(), Some(6));
    let issued = log.issued_since(2).unwrap().unwrap();
    assert_eq!(issued.len(), 4);
    assert_eq!(issued[0], (2, event(2).object_digest));

    // A handle without the signer waits for someone else's checkpoint, then gives up.
    let appender = PgLog::connect(&url, ORIGIN, log_key())
        .unwrap()
        .with_receipt_wait(std::time::Duration::from_millis(50));
    match appender.record(event(6), AT) {
        Err(yinzheng::audit::LogError::Backend(text)) => {
            assert!(text.contains("no checkpoint covers size 7"), "{text}");
        }
        other => panic!("{other:?}"),
    }
    // The entry is durable all the same; the next integration covers it.
    assert_eq!(log.integrate().unwrap().unwrap().checkpoint.size, 7);
    assert_eq!(appender.checkpoint().unwrap().unwrap().checkpoint.size, 7);
}

#[test]
fn another_log_another_key_and_a_newer_schema_are_refused() {
    let Some(url) = fresh_schema("yz_test_refused") else {
        return;
    };
    PgLog::connect(&url, ORIGIN, log_key()).unwrap();
    let other = Ed25519SigningKey::from_seed(&[9; 32]);
    let other_key = NoteKey::new(ORIGIN, KeyRole::Log, other.public_key()).unwrap();
    assert!(matches!(
        PgLog::connect(&url, ORIGIN, other_key),
        Err(PgError::WrongKey)
    ));
    let elsewhere = "audit.example.gov.cn/elsewhere";
    let key = NoteKey::new(elsewhere, KeyRole::Log, log_signer().public_key()).unwrap();
    match PgLog::connect(&url, elsewhere, key) {
        Err(PgError::WrongLog { found, .. }) => assert_eq!(found, ORIGIN),
        other => panic!("{other:?}"),
    }
    let log = PgLog::connect(&url, ORIGIN, log_key()).unwrap();
    assert!(matches!(log.with_signer(other), Err(PgError::WrongKey)));
    let appender = PgLog::connect(&url, ORIGIN, log_key()).unwrap();
    assert!(matches!(appender.integrate(), Err(PgError::Invalid(_))));
    let witness = NoteKey::new(ORIGIN, KeyRole::Witness, log_signer().public_key()).unwrap();
    assert!(matches!(
        PgLog::connect(&url, ORIGIN, witness),
        Err(PgError::Invalid(_))
    ));

    client(&url)
        .execute(
            "INSERT INTO yz_schema_version VALUES ($1)",
            &[&(SCHEMA_VERSION + 1)],
        )
        .unwrap();
    match PgLog::connect(&url, ORIGIN, log_key()) {
        Err(PgError::SchemaTooNew { found, supported }) => {
            assert_eq!((found, supported), (SCHEMA_VERSION + 1, SCHEMA_VERSION));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn edited_or_missing_rows_stop_integration() {
    let Some(url) = fresh_schema("yz_test_damage") else {
        return;
    };
    let log = PgLog::connect(&url, ORIGIN, log_key())
        .unwrap()
        .with_signer(log_signer())
        .unwrap();
    log.sequence((0..4).map(event).collect(), AT).unwrap();
    assert_eq!(log.integrate().unwrap().unwrap().checkpoint.size, 4);
    log.sequence((4..8).map(event).collect(), AT).unwrap();
    let mut db = client(&url);
    // An entry edited after it was sequenced: its successor's chain link no longer holds.
    let edited = {
        let mut e: Vec<u8> = db
            .query_one("SELECT entry FROM yz_log_entries WHERE idx = 5", &[])
            .unwrap()
            .get(0);
        let last = e.len() - 3;
        e[last] ^= 1;
        e
    };
    db.execute(
        "UPDATE yz_log_entries SET entry = $1 WHERE idx = 5",
        &[&edited],
    )
    .unwrap();
    match log.integrate() {
        Err(PgError::Corrupt { table, row, .. }) => assert_eq!((table, row), ("yz_log_entries", 6)),
        other => panic!("{other:?}"),
    }
    // The tree did not move past the damage.
    assert_eq!(log.checkpoint().unwrap().unwrap().checkpoint.size, 4);
    db.execute("DELETE FROM yz_log_entries WHERE idx = 5", &[])
        .unwrap();
    match log.integrate() {
        Err(PgError::Corrupt { row, what, .. }) => {
            assert_eq!(row, 5);
            assert!(what.contains("missing"), "{what}");
        }
        other => panic!("{other:?}"),
    }
    // A forged checkpoint in the tree row is refused before anything is built on it.
    db.execute(
        "UPDATE yz_log_tree SET checkpoint = replace(checkpoint, '4', '5')",
        &[],
    )
    .unwrap();
    assert!(matches!(log.checkpoint(), Err(PgError::Log(_))));
}

#[test]
fn integrators_take_turns_and_checkpoints_only_grow() {
    let Some(url) = fresh_schema("yz_test_turns") else {
        return;
    };
    let integrators: Vec<Arc<PgLog>> = (0..3)
        .map(|_| {
            Arc::new(
                PgLog::connect(&url, ORIGIN, log_key())
                    .unwrap()
                    .with_signer(log_signer())
                    .unwrap(),
            )
        })
        .collect();
    let appender = Arc::new(PgLog::connect(&url, ORIGIN, log_key()).unwrap());
    let writer = {
        let appender = Arc::clone(&appender);
        std::thread::spawn(move || {
            for round in 0..50u64 {
                appender
                    .sequence((round * 20..round * 20 + 20).map(event).collect(), AT)
                    .unwrap();
            }
        })
    };
    let watchers: Vec<_> = integrators
        .iter()
        .map(|log| {
            let log = Arc::clone(log);
            std::thread::spawn(move || {
                let (mut sizes, mut busy) = (Vec::new(), 0);
                for _ in 0..200 {
                    match log.integrate().unwrap() {
                        Some(c) => sizes.push(c.checkpoint.size),
                        None => busy += 1,
                    }
                }
                (sizes, busy)
            })
        })
        .collect();
    writer.join().unwrap();
    for watcher in watchers {
        let (sizes, _) = watcher.join().unwrap();
        assert!(sizes.windows(2).all(|w| w[0] <= w[1]), "{sizes:?}");
    }
    let last = integrators[0].integrate().unwrap().unwrap();
    assert_eq!(last.checkpoint.size, 1000);
}
