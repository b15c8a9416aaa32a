//! Audit log: durable append throughput (per entry, per group commit, and from 1/16/256
//! concurrent callers), proofs at 10^6 entries, and opening a log of 10^6 commits, next to
//! their floors (the SHA-256 work of the same hashes; one checkpoint signature check; the
//! same batch through `append_batch`). See docs/PERFORMANCE.md.
//!
//! The 10^6-commit log is built once under the temporary directory (about a minute with
//! `TMPDIR=/dev/shm`; many more on a disk, one fdatasync pair per commit).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use yinzheng::audit::merkle::{
    MemoryTree, leaf_hash, node_hash, verify_consistency, verify_inclusion,
};
use yinzheng::audit::{AuditEntry, Event, EventKind, KeyRole, NoteKey, SignedCheckpoint};
use yinzheng::crypto::{Ed25519SigningKey, Signer as _, sha256};
use yinzheng::storage::log::{verify_dir, verify_segment};
use yinzheng::storage::{AuditLog, LogReader};
use yinzheng::time::UnixTime;

/// An event whose encoded entry is exactly 256 bytes.
fn event(i: u64) -> Event {
    let e = Event {
        kind: EventKind::CertificateIssued,
        actor_key_id: [7; 32],
        subject: format!("1.2.156.3005.2.11100000000013338W032.11220000013544541J.{i:012}")
            .into_bytes(),
        object_digest: sha256(&i.to_be_bytes()),
        attributes: vec![0xa0; 1],
    };
    let len = AuditEntry {
        event: e.clone(),
        log_time_ms: 0,
        previous_leaf: [0; 32],
    }
    .encode()
    .unwrap()
    .len();
    Event {
        attributes: vec![0; 1 + 256 - len],
        ..e
    }
}

fn append(c: &mut Criterion) {
    let entry = AuditEntry {
        event: event(0),
        log_time_ms: 0,
        previous_leaf: [0; 32],
    }
    .encode()
    .unwrap();
    assert_eq!(entry.len(), 256);
    let dir = std::env::temp_dir().join(format!("yz-bench-audit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let log = AuditLog::open(
        &dir,
        "bench.example/log",
        Ed25519SigningKey::from_seed(&[1; 32]),
    )
    .unwrap();
    let mut i = 0u64;
    let mut g = c.benchmark_group("audit/append 256 B");
    for batch in [1usize, 64, 1024, 4096] {
        g.throughput(Throughput::Elements(batch as u64));
        g.bench_function(format!("batch of {batch}, one commit"), |b| {
            b.iter_batched(
                || {
                    let events: Vec<Event> = (i..i + batch as u64).map(event).collect();
                    i += batch as u64;
                    events
                },
                |events| {
                    log.append_batch(events, UnixTime::from_secs(1_795_226_400))
                        .unwrap()
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.throughput(Throughput::Elements(1));
    g.bench_function("floor: leaf hash of one entry", |b| {
        b.iter(|| leaf_hash(black_box(&entry)))
    });
    let mut tree = MemoryTree::new();
    g.bench_function("hashing only: leaf + tree append", |b| {
        b.iter(|| tree.push(leaf_hash(black_box(&entry))))
    });
    g.finish();
    eprintln!(
        "log file: {} entries, {} bytes",
        log.size(),
        std::fs::metadata(dir.join("log.seg")).unwrap().len()
    );
    drop(log);
    let _ = std::fs::remove_dir_all(&dir);
}

fn proofs(c: &mut Criterion) {
    const N: u64 = 1_000_000;
    let mut tree = MemoryTree::new();
    for i in 0..N {
        tree.push(leaf_hash(&i.to_be_bytes()));
    }
    let root = tree.root(N).unwrap();
    let mut g = c.benchmark_group("audit/proofs at 10^6");
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % N
    };
    g.bench_function("inclusion proof: generate", |b| {
        b.iter(|| tree.inclusion_proof(next(), N).unwrap())
    });
    let index = 123_457;
    let proof = tree.inclusion_proof(index, N).unwrap();
    let leaf = tree.leaf(index).unwrap();
    g.bench_function("inclusion proof: verify", |b| {
        b.iter(|| verify_inclusion(&leaf, index, N, black_box(&proof), &root).unwrap())
    });
    g.bench_function(format!("floor: {} node hashes", proof.len()), |b| {
        b.iter(|| {
            proof
                .iter()
                .fold(leaf, |acc, p| node_hash(black_box(&acc), p))
        })
    });
    let old = 654_321;
    let consistency = tree.consistency_proof(old, N).unwrap();
    let old_root = tree.root(old).unwrap();
    g.bench_function("consistency proof: generate", |b| {
        b.iter(|| tree.consistency_proof(black_box(old), N).unwrap())
    });
    g.bench_function("consistency proof: verify", |b| {
        b.iter(|| verify_consistency(old, N, black_box(&consistency), &old_root, &root).unwrap())
    });
    g.finish();
}

/// The damaged-tail probe of recovery, through `verify_segment`, over a crafted tail in which
/// every 8-byte offset claims a frame running to the end (the input that made it quadratic),
/// next to its floor: one CRC32C pass over the same bytes.
fn recovery_probe(c: &mut Criterion) {
    const MAX_FRAME_BODY: usize = (1 << 24) - 1;
    const ORIGIN: &str = "bench.example/log";
    let dir = std::env::temp_dir().join(format!("yz-bench-probe-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let key = Ed25519SigningKey::from_seed(&[3; 32]);
    let note_key = NoteKey::new(ORIGIN, KeyRole::Log, key.public_key()).unwrap();
    drop(AuditLog::open(&dir, ORIGIN, key).unwrap());
    let mut segment = std::fs::read(dir.join("log.seg")).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let len = 4 << 20;
    let mut tail = vec![0u8; len];
    for p in (0..len).step_by(8) {
        let body = (len - p - 8).min(MAX_FRAME_BODY);
        let body = u32::try_from(body - body % 8).unwrap();
        tail[p] = 1;
        tail[p + 1..p + 4].copy_from_slice(&body.to_be_bytes()[1..]);
        tail[p + 4..p + 8].copy_from_slice(&[0xAB; 4]);
    }
    segment.extend_from_slice(&tail);
    let mut g = c.benchmark_group("audit/recovery probe, crafted 4 MiB tail");
    g.throughput(Throughput::Bytes(len as u64));
    g.sample_size(20);
    g.bench_function("yinzheng: verify_segment", |b| {
        b.iter(|| verify_segment(black_box(&segment), ORIGIN, &note_key).unwrap());
    });
    g.bench_function("floor: one CRC32C pass", |b| {
        b.iter(|| crc32c::crc32c(black_box(&tail)));
    });
    g.finish();
}

/// Durable entries/s from `callers` threads each calling `append()` (group commit forms the
/// batches), next to `append_batch` of the same size from one thread.
#[allow(clippy::disallowed_methods)] // a benchmark measures wall time
fn concurrent_appends(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("yz-bench-callers-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let log = AuditLog::open(
        &dir,
        "bench.example/log",
        Ed25519SigningKey::from_seed(&[1; 32]),
    )
    .unwrap();
    let at = UnixTime::from_secs(1_795_226_400);
    let mut g = c.benchmark_group("audit/concurrent append 256 B");
    for callers in [1u64, 16, 256] {
        g.throughput(Throughput::Elements(callers));
        g.bench_function(format!("{callers} callers, append() each"), |b| {
            b.iter_custom(|iters| {
                let start = std::time::Instant::now();
                std::thread::scope(|s| {
                    for t in 0..callers {
                        let log = &log;
                        s.spawn(move || {
                            for i in 0..iters {
                                log.append(event(i * callers + t), at).unwrap();
                            }
                        });
                    }
                });
                start.elapsed()
            })
        });
        g.bench_function(
            format!("floor: append_batch({callers}) from one thread"),
            |b| {
                b.iter_batched(
                    || (0..callers).map(event).collect::<Vec<_>>(),
                    |events| log.append_batch(events, at).unwrap(),
                    BatchSize::PerIteration,
                )
            },
        );
    }
    g.finish();
    drop(log);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Opening a log of 10^6 single-entry commits: the writer's open, a reader's open and the
/// quick directory check, next to the one signature check each must make.
fn open_at_a_million_commits(c: &mut Criterion) {
    const COMMITS: u64 = 1_000_000;
    let origin = "bench.example/open";
    let dir = std::env::temp_dir().join("yz-bench-open-1e6");
    let key = || Ed25519SigningKey::from_seed(&[2; 32]);
    let at = UnixTime::from_secs(1_795_226_400);
    let built = AuditLog::open(&dir, origin, key()).is_ok_and(|log| log.size() == COMMITS);
    if !built {
        let _ = std::fs::remove_dir_all(&dir);
        let log = AuditLog::open(&dir, origin, key()).unwrap();
        for i in 0..COMMITS {
            log.append_batch(vec![event(i)], at).unwrap();
        }
    }
    let vkey = AuditLog::open(&dir, origin, key()).unwrap().key().clone();
    eprintln!(
        "log of {COMMITS} commits: {} bytes of segment",
        std::fs::metadata(dir.join("log.seg")).unwrap().len()
    );
    let mut g = c.benchmark_group("audit/open at 10^6 commits");
    g.bench_function("AuditLog::open (lock, anchor, cache mark, tail)", |b| {
        b.iter(|| AuditLog::open(&dir, origin, key()).unwrap().size())
    });
    g.bench_function("LogReader::open (verifier key only)", |b| {
        b.iter(|| LogReader::open(&dir, origin, &vkey).unwrap().size())
    });
    g.bench_function("verify_dir (quick check)", |b| {
        b.iter(|| verify_dir(&dir, origin, &vkey).unwrap().size)
    });
    let note = LogReader::open(&dir, origin, &vkey)
        .unwrap()
        .checkpoint()
        .note;
    g.bench_function("floor: one signed checkpoint check", |b| {
        b.iter(|| {
            SignedCheckpoint::verify(black_box(&note), origin, std::slice::from_ref(&vkey)).unwrap()
        })
    });
    g.finish();
}

/// C2SP tlog-tiles at 65,536 entries of 256 bytes: building tiles from leaf hashes, publishing
/// into a directory (two hashing passes, every object synced), and an inclusion proof read
/// back from the tiles, each next to its floor.
fn tiles(c: &mut Criterion) {
    use yinzheng::audit::publish::Publisher;
    use yinzheng::audit::tile_client::TileClient;
    use yinzheng::audit::tiles::TileBuilder;
    use yinzheng::storage::DirectoryObjects;
    const N: u64 = 65_536;
    const ORIGIN: &str = "bench.example/log";
    let entries: Vec<Vec<u8>> = (0..N)
        .map(|i| {
            AuditEntry {
                event: event(i),
                log_time_ms: i,
                previous_leaf: [0; 32],
            }
            .encode()
            .unwrap()
        })
        .collect();
    let leaves: Vec<_> = entries.iter().map(|e| leaf_hash(e)).collect();
    let mut g = c.benchmark_group("audit/tiles at 65,536");
    g.throughput(Throughput::Elements(N));
    g.bench_function("TileBuilder: push every leaf", |b| {
        b.iter(|| {
            let (mut builder, mut done) = (TileBuilder::new(), Vec::new());
            for leaf in &leaves {
                builder.push(*leaf, &mut done);
            }
            builder.root()
        })
    });
    g.bench_function(
        "floor: MemoryTree push every leaf (the same node hashes)",
        |b| {
            b.iter(|| {
                let mut tree = MemoryTree::new();
                for leaf in &leaves {
                    tree.push(*leaf);
                }
                tree.size()
            })
        },
    );
    g.bench_function("floor: one leaf hash per entry", |b| {
        b.iter(|| {
            entries
                .iter()
                .map(|e| leaf_hash(e)[0])
                .fold(0u8, u8::wrapping_add)
        })
    });
    let key = Ed25519SigningKey::from_seed(&[0x5A; 32]);
    let note_key = NoteKey::new(ORIGIN, KeyRole::Log, key.public_key()).unwrap();
    let mut tree = MemoryTree::new();
    for leaf in &leaves {
        tree.push(*leaf);
    }
    let body = yinzheng::audit::note::Checkpoint {
        origin: ORIGIN.into(),
        size: N,
        root: tree.root(N).unwrap(),
        extensions: Vec::new(),
    }
    .body();
    let mut note = yinzheng::audit::note::Note::new(&body).unwrap();
    note.sign(&note_key, &key).unwrap();
    let (checkpoint, _) =
        SignedCheckpoint::verify(&note.encode(), ORIGIN, std::slice::from_ref(&note_key)).unwrap();
    let dir = std::env::temp_dir().join(format!("yz-bench-tiles-{}", std::process::id()));
    let mut round = 0;
    g.sample_size(10);
    g.bench_function("Publisher: publish into a directory (synced)", |b| {
        b.iter(|| {
            round += 1;
            let sink = DirectoryObjects::new(&dir.join(round.to_string()));
            Publisher::new()
                .publish(
                    &checkpoint,
                    |from, to| Ok(entries[from as usize..to as usize].to_vec()),
                    &sink,
                )
                .unwrap();
        })
    });
    g.throughput(Throughput::Elements(1));
    let client = TileClient::new(
        DirectoryObjects::new(&dir.join("1")),
        ORIGIN,
        vec![note_key],
    );
    g.bench_function("TileClient: inclusion bundle from the directory", |b| {
        b.iter(|| {
            client
                .inclusion_bundle(&checkpoint, black_box(12_345))
                .unwrap()
        })
    });
    let proof = tree.inclusion_proof(12_345, N).unwrap();
    g.bench_function(
        "floor: the proof's node hashes and reading one bundle",
        |b| {
            b.iter(|| {
                let bundle = std::fs::read(dir.join("1/tile/entries/048")).unwrap();
                proof.iter().fold(leaf_hash(&bundle[..64]), |acc, p| {
                    node_hash(black_box(&acc), p)
                })
            })
        },
    );
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group! {
    name = audit;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(3)).warm_up_time(std::time::Duration::from_secs(1));
    targets = append, concurrent_appends, proofs, recovery_probe, open_at_a_million_commits, tiles
}
criterion_main!(audit);
