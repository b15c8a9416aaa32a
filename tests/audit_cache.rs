//! Opening a log from its tree cache: only the anchor, the commit at the cache mark and the
//! tail after it are read; older damage is found by the history checks; a damaged or missing
//! cache is never served (proofs are checked before they are returned) and is rebuilt.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use yinzheng::audit::LogError;
use yinzheng::audit::merkle::{verify_consistency, verify_inclusion};
use yinzheng::audit::{Event, EventKind, KeyRole, NoteKey};
use yinzheng::crypto::{Ed25519SigningKey, Signer as _};
use yinzheng::storage::log::{verify_dir, verify_dir_full};
use yinzheng::storage::{AuditLog, LogReader};
use yinzheng::time::UnixTime;

const ORIGIN: &str = "audit.example.gov.cn/cache";
const FILES: [&str; 4] = ["log.seg", "anchor", "log.hashes", "log.offsets"];

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("yz-cache-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn log_key() -> Ed25519SigningKey {
    Ed25519SigningKey::from_seed(&[0x5B; 32])
}

fn note_key() -> NoteKey {
    NoteKey::new(ORIGIN, KeyRole::Log, log_key().public_key()).unwrap()
}

fn event(i: u64) -> Event {
    Event {
        kind: EventKind::KeyEvent,
        actor_key_id: [2; 32],
        subject: format!("key-{i:06}").into_bytes(),
        object_digest: yinzheng::crypto::sha256(&i.to_be_bytes()),
        attributes: vec![0xa0],
    }
}

fn at(i: u64) -> UnixTime {
    UnixTime::from_secs(1_795_226_400 + i)
}

fn read_files(dir: &Path) -> Vec<Vec<u8>> {
    FILES
        .iter()
        .map(|f| std::fs::read(dir.join(f)).unwrap())
        .collect()
}

fn write_files(dir: &Path, files: &[Vec<u8>]) {
    for (name, bytes) in FILES.iter().zip(files) {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

/// A log of 5 batches of 3 whose cache mark is at 12 (the writer was dropped after 4
/// batches): files as they lie while the writer of the 5th batch still runs, and the
/// segment's length at the mark.
fn marked_log(name: &str) -> (PathBuf, Vec<Vec<u8>>, usize) {
    let dir = temp_dir(name);
    let log = AuditLog::open(&dir, ORIGIN, log_key()).unwrap();
    for b in 0..4 {
        log.append_batch((0..3).map(|i| event(b * 3 + i)).collect(), at(b))
            .unwrap();
    }
    drop(log);
    let at_mark = std::fs::metadata(dir.join("log.seg")).unwrap().len() as usize;
    let log = AuditLog::open(&dir, ORIGIN, log_key()).unwrap();
    log.append_batch((12..15).map(event).collect(), at(12))
        .unwrap();
    let files = read_files(&dir);
    drop(log);
    // As if it had been killed: no final cache sync, no new mark.
    write_files(&dir, &files);
    (dir, files, at_mark)
}

/// Every proof the log hands out checks against its signed head, or is refused.
fn every_proof_checks_or_is_refused(log: &AuditLog) -> usize {
    let checkpoint = log.checkpoint().checkpoint;
    let (size, root) = (checkpoint.size, checkpoint.root);
    let mut refused = 0;
    for index in 0..size {
        match (log.inclusion_proof(index, size), log.entry(index)) {
            (Ok(proof), Ok(entry)) => {
                let leaf = yinzheng::audit::merkle::leaf_hash(&entry);
                assert_eq!(verify_inclusion(&leaf, index, size, &proof, &root), Ok(()));
            }
            (Err(LogError::CacheDamaged | LogError::Corrupt { .. }), _)
            | (_, Err(LogError::CacheDamaged | LogError::Corrupt { .. })) => refused += 1,
            (Err(e), _) | (_, Err(e)) => panic!("index {index}: {e}"),
        }
    }
    for old in 1..size {
        let old_root = log.reader().inclusion_proof(0, old).map(|_| ());
        match (log.consistency_proof(old, size), old_root) {
            (Ok(proof), Ok(())) => {
                let bundle = log.consistency_bundle(old);
                assert!(bundle.is_ok() || matches!(bundle, Err(LogError::CacheDamaged)));
                assert_eq!(!proof.is_empty(), old < size);
            }
            (Err(LogError::CacheDamaged), _) | (_, Err(LogError::CacheDamaged)) => refused += 1,
            (Err(e), _) | (_, Err(e)) => panic!("consistency {old}: {e}"),
        }
    }
    refused
}

#[test]
fn open_reads_the_tail_after_the_mark_and_history_checks_find_older_damage() {
    let (dir, files, at_mark) = marked_log("history");
    let segment = &files[0];
    let mut opened_over_damage = 0;
    for offset in 0..segment.len() {
        let mut damaged = files.clone();
        damaged[0][offset] ^= 0x01;
        write_files(&dir, &damaged);
        assert!(
            verify_dir_full(&dir, ORIGIN, &note_key()).is_err(),
            "full check accepted a flip at {offset}"
        );
        match AuditLog::open(&dir, ORIGIN, log_key()) {
            Ok(log) => {
                // Only history before the mark goes unread at open; the history check finds it.
                assert!(offset < at_mark, "flip at {offset} in the tail accepted");
                assert_eq!(log.size(), 15);
                assert!(log.reader().verify_history().is_err(), "flip at {offset}");
                opened_over_damage += 1;
            }
            Err(
                LogError::Corrupt { .. }
                | LogError::Rollback { .. }
                | LogError::Fork { .. }
                | LogError::WrongLog(_),
            ) => {}
            Err(e) => panic!("flip at {offset}: unexpected {e}"),
        }
    }
    // Most of the history was not read at open (that is the point); none of it was lost.
    assert!(
        opened_over_damage > at_mark / 2,
        "{opened_over_damage} of {at_mark}"
    );
    write_files(&dir, &files);
    assert_eq!(
        verify_dir(&dir, ORIGIN, &note_key()).unwrap().checked_from,
        12
    );
    let log = AuditLog::open(&dir, ORIGIN, log_key()).unwrap();
    assert_eq!(log.reader().verify_history().unwrap().size, 15);
    // Opening re-scanned the tail into the cache and moved the mark: nothing is re-scanned.
    assert_eq!(
        verify_dir(&dir, ORIGIN, &note_key()).unwrap().checked_from,
        15
    );
    drop(log);
    assert_eq!(
        verify_dir_full(&dir, ORIGIN, &note_key())
            .unwrap()
            .checked_from,
        0
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_damaged_cache_never_serves_a_wrong_proof_and_is_rebuilt() {
    let (dir, files, _) = marked_log("damaged");
    for file in [2usize, 3] {
        for offset in 0..files[file].len() {
            let mut damaged = files.clone();
            damaged[file][offset] ^= 0x80;
            write_files(&dir, &damaged);
            let log = AuditLog::open(&dir, ORIGIN, log_key())
                .unwrap_or_else(|e| panic!("{} flip at {offset}: {e}", FILES[file]));
            assert_eq!(log.size(), 15);
            let refused = every_proof_checks_or_is_refused(&log);
            drop(log);
            if refused > 0 {
                // Refusing forgot the mark: the next open rebuilds the cache from the segment.
                let log = AuditLog::open(&dir, ORIGIN, log_key()).unwrap();
                assert_eq!(every_proof_checks_or_is_refused(&log), 0, "rebuilt cache");
            }
        }
    }
    // A missing or emptied cache is rebuilt.
    for name in ["log.hashes", "log.offsets"] {
        write_files(&dir, &files);
        std::fs::remove_file(dir.join(name)).unwrap();
        let log = AuditLog::open(&dir, ORIGIN, log_key()).unwrap();
        assert_eq!(every_proof_checks_or_is_refused(&log), 0);
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_reader_proves_from_a_read_only_copy_with_the_public_key_only() {
    let (dir, files, _) = marked_log("reader");
    let writer = AuditLog::open(&dir, ORIGIN, log_key()).unwrap();
    let bundle = writer.inclusion_bundle(13).unwrap();
    drop(writer);
    for keep_cache in [true, false] {
        let copy = temp_dir(if keep_cache {
            "copy-cache"
        } else {
            "copy-bare"
        });
        std::fs::create_dir_all(&copy).unwrap();
        write_files(&copy, &files);
        if !keep_cache {
            std::fs::remove_file(copy.join("log.hashes")).unwrap();
        }
        let reader = LogReader::open(&copy, ORIGIN, &note_key()).unwrap();
        assert_eq!(reader.size(), 15);
        assert_eq!(reader.inclusion_bundle(13).unwrap(), bundle);
        let root = reader.checkpoint().checkpoint.root;
        let proof = reader.consistency_proof(5, 15).unwrap();
        let old_root = {
            let b = reader.consistency_bundle(5).unwrap();
            assert_eq!(b.proof, proof);
            yinzheng::audit::merkle::consistency_roots(5, 15, &proof, &[0; 32])
                .unwrap()
                .0
        };
        assert_eq!(verify_consistency(5, 15, &proof, &old_root, &root), Ok(()));
        assert!(reader.verify_history().is_ok());
        // No lock was taken and nothing was written.
        for (name, bytes) in FILES.iter().zip(&files).take(2) {
            assert_eq!(&std::fs::read(copy.join(name)).unwrap(), bytes);
        }
        assert!(!copy.join("LOCK").exists());
        let _ = std::fs::remove_dir_all(copy);
    }
    // The wrong key is a key error.
    let other = NoteKey::new(
        ORIGIN,
        KeyRole::Log,
        Ed25519SigningKey::from_seed(&[9; 32]).public_key(),
    )
    .unwrap();
    assert!(matches!(
        LogReader::open(&dir, ORIGIN, &other),
        Err(LogError::WrongKey)
    ));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn an_anchor_of_the_older_format_is_read_and_rewritten() {
    let (dir, files, _) = marked_log("legacy");
    write_files(&dir, &files);
    // The 64-byte format: "YZANCHOR" ‖ seq ‖ size ‖ root ‖ 0u32 ‖ crc32c.
    let root = LogReader::open(&dir, ORIGIN, &note_key())
        .unwrap()
        .checkpoint()
        .checkpoint
        .root;
    let mut slot = b"YZANCHOR".to_vec();
    slot.extend_from_slice(&7u64.to_be_bytes());
    slot.extend_from_slice(&15u64.to_be_bytes());
    slot.extend_from_slice(&root);
    slot.extend_from_slice(&[0; 4]);
    let crc = crc32c::crc32c(&slot);
    slot.extend_from_slice(&crc.to_be_bytes());
    let mut legacy = vec![0u8; 64];
    legacy.extend_from_slice(&slot);
    std::fs::write(dir.join("anchor"), &legacy).unwrap();
    let log = AuditLog::open(&dir, ORIGIN, log_key()).unwrap();
    assert_eq!(log.size(), 15);
    drop(log);
    assert_eq!(std::fs::read(dir.join("anchor")).unwrap().len(), 192);
    // The old anchor still protects: a segment behind it is a rollback.
    std::fs::write(dir.join("anchor"), &legacy).unwrap();
    let cut = &files[0][..files[0].len() - 1];
    std::fs::write(dir.join("log.seg"), cut).unwrap();
    assert!(AuditLog::open(&dir, ORIGIN, log_key()).is_err());
    let _ = std::fs::remove_dir_all(dir);
}

/// A checkpoint signer that panics once told to (a foreign signer's bug).
struct Panicking {
    key: Ed25519SigningKey,
    panic: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl yinzheng::crypto::Signer for Panicking {
    fn public_key(&self) -> yinzheng::crypto::PublicKey {
        self.key.public_key()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, yinzheng::crypto::SignError> {
        assert!(
            !self.panic.load(std::sync::atomic::Ordering::SeqCst),
            "signer bug"
        );
        self.key.sign(message)
    }
}

#[test]
fn a_panicking_commit_fails_every_caller_of_its_batch_and_poisons_the_log() {
    let dir = temp_dir("panic");
    let panic = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let log = AuditLog::open(
        &dir,
        ORIGIN,
        Panicking {
            key: log_key(),
            panic: panic.clone(),
        },
    )
    .unwrap();
    log.append(event(0), at(0)).unwrap();
    panic.store(true, std::sync::atomic::Ordering::SeqCst);
    let outcomes: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (1..9)
            .map(|i| {
                let log = &log;
                s.spawn(move || log.append(event(i), at(i)))
            })
            .collect();
        handles.into_iter().map(|h| h.join()).collect()
    });
    // The leader's thread panicked; everyone else got an error, nobody waits forever.
    assert!(outcomes.iter().any(Result::is_err));
    for outcome in outcomes.iter().flatten() {
        assert!(matches!(outcome, Err(LogError::Poisoned)), "{outcome:?}");
    }
    panic.store(false, std::sync::atomic::Ordering::SeqCst);
    assert!(matches!(
        log.append(event(9), at(9)),
        Err(LogError::Poisoned)
    ));
    drop(log);
    assert_eq!(AuditLog::open(&dir, ORIGIN, log_key()).unwrap().size(), 1);
    let _ = std::fs::remove_dir_all(dir);
}
