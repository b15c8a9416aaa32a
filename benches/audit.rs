//! Audit log: durable append throughput (per entry and per group commit) and proofs at 10^6
//! entries, next to their floor (the SHA-256 work of the same hashes). See docs/PERFORMANCE.md.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use yinzheng::audit::merkle::{
    MemoryTree, leaf_hash, node_hash, verify_consistency, verify_inclusion,
};
use yinzheng::audit::{AuditEntry, AuditLog, Event, EventKind};
use yinzheng::crypto::{Ed25519SigningKey, sha256};
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

/// The damaged-tail probe of recovery over a crafted tail in which every 8-byte offset claims a
/// frame running to the end (the input that made it quadratic), next to its floor: one CRC32C
/// pass over the same bytes.
fn recovery_probe(c: &mut Criterion) {
    use yinzheng::encoding::frame::intact_frame_after;
    let len = 4 << 20;
    let mut tail = vec![0u8; len];
    for p in (0..len).step_by(8) {
        let body = (len - p - 8).min(yinzheng::encoding::frame::MAX_FRAME_BODY);
        let body = u32::try_from(body - body % 8).unwrap();
        tail[p] = 1;
        tail[p + 1..p + 4].copy_from_slice(&body.to_be_bytes()[1..]);
        tail[p + 4..p + 8].copy_from_slice(&[0xAB; 4]);
    }
    let mut g = c.benchmark_group("audit/recovery probe, crafted 4 MiB tail");
    g.throughput(Throughput::Bytes(len as u64));
    g.sample_size(20);
    g.bench_function("yinzheng: intact_frame_after", |b| {
        b.iter(|| assert!(!intact_frame_after(black_box(&tail), 0)));
    });
    g.bench_function("floor: one CRC32C pass", |b| {
        b.iter(|| crc32c::crc32c(black_box(&tail)));
    });
    g.finish();
}

criterion_group! {
    name = audit;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(3)).warm_up_time(std::time::Duration::from_secs(1));
    targets = append, proofs, recovery_probe
}
criterion_main!(audit);
