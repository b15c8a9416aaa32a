//! `cargo bench -p yinzheng-postgres --bench throughput` (with `YINZHENG_TEST_POSTGRES`
//! set): durable entries/s from 1, 4 and 16 issuers (batches of 1,024 and single appends),
//! publication lag (acknowledged → provable from published tiles) p50/p99, and status
//! changes/s, each printed next to the ceiling measured in the same run: 1,024-row
//! `INSERT … unnest` transactions of 256-byte rows from as many clients.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]
#![allow(clippy::disallowed_methods)] // a benchmark reads the clock

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use yinzheng::audit::{Event, EventKind, KeyRole, NoteKey};
use yinzheng::crypto::{Ed25519SigningKey, Signer as _};
use yinzheng::status::{LegalStatus, RegistryConfig};
use yinzheng::storage::DirectoryObjects;
use yinzheng::time::UnixTime;
use yinzheng_postgres::{PgLog, PgStatusRegistry};

const ORIGIN: &str = "audit.example.gov.cn/bench";
const RUN: Duration = Duration::from_secs(3);
const AT: UnixTime = UnixTime::from_secs(1_780_000_000);

fn schema(base: &str, name: &str) -> String {
    let mut admin = postgres::Client::connect(base, postgres::NoTls).unwrap();
    admin
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}"
        ))
        .unwrap();
    let separator = if base.contains('?') { '&' } else { '?' };
    format!("{base}{separator}options=-csearch_path%3D{name}")
}

/// Rows/s of `clients` connections each committing `rows`-row inserts of 256 bytes.
fn ceiling(base: &str, clients: usize, rows: i64) -> f64 {
    let url = schema(base, "yz_bench_ceiling");
    postgres::Client::connect(&url, postgres::NoTls)
        .unwrap()
        .batch_execute("CREATE TABLE rows (id bigint PRIMARY KEY, body bytea NOT NULL)")
        .unwrap();
    let start = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|c| {
            let url = url.clone();
            std::thread::spawn(move || {
                let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
                let mut written = 0u64;
                let mut next = (c as i64) << 40;
                while start.elapsed() < RUN {
                    let ids: Vec<i64> = (next..next + rows).collect();
                    let bodies: Vec<Vec<u8>> = vec![vec![0xAB; 256]; ids.len()];
                    next += rows;
                    client
                        .execute(
                            "INSERT INTO rows SELECT * FROM unnest($1::int8[], $2::bytea[])",
                            &[&ids, &bodies],
                        )
                        .unwrap();
                    written += ids.len() as u64;
                }
                written
            })
        })
        .collect();
    let written: u64 = threads.into_iter().map(|t| t.join().unwrap()).sum();
    written as f64 / start.elapsed().as_secs_f64()
}

fn event(n: u64) -> Event {
    Event {
        kind: EventKind::CertificateIssued,
        actor_key_id: [0x33; 32],
        subject: format!("1.2.156.3005.2.bench.{n:012}").into_bytes(),
        object_digest: yinzheng::crypto::sha256(&n.to_be_bytes()),
        attributes: Vec::new(),
    }
}

struct Appends {
    per_second: f64,
    lag_p50_ms: f64,
    lag_p99_ms: f64,
}

/// Entries/s from `issuers` handles (each its own connection, like separate services)
/// appending batches of `batch` (as fast as they can, or each at `pace` entries/s), with an
/// integrator publishing tiles throughout.
fn appends(base: &str, issuers: usize, batch: u64, pace: Option<f64>, shared: bool) -> Appends {
    let url = schema(base, "yz_bench_log");
    let signer = Ed25519SigningKey::from_seed(&[0x5A; 32]);
    let key = NoteKey::new(ORIGIN, KeyRole::Log, signer.public_key()).unwrap();
    let tiles = std::env::temp_dir().join(format!("yz-bench-tiles-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tiles);
    let integrator = PgLog::connect(&url, ORIGIN, key.clone())
        .unwrap()
        .with_signer(signer)
        .unwrap()
        .with_tiles(DirectoryObjects::new(&tiles));
    let start = Instant::now();
    let done = Arc::new(AtomicBool::new(false));
    let published = {
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            let mut marks = Vec::new();
            let mut last = 0;
            while !done.load(Ordering::Relaxed) {
                match integrator.integrate().unwrap() {
                    Some(c) if c.checkpoint.size > last => {
                        last = c.checkpoint.size;
                        marks.push((start.elapsed(), last));
                    }
                    // Nothing new: poll again shortly, as a deployed integrator does.
                    _ => std::thread::sleep(Duration::from_millis(5)),
                }
            }
            marks
        })
    };
    // Separate services each have their own handle; threads of one service share one, and
    // its group commit.
    let one = Arc::new(PgLog::connect(&url, ORIGIN, key.clone()).unwrap());
    let threads: Vec<_> = (0..issuers)
        .map(|i| {
            let log = if shared {
                Arc::clone(&one)
            } else {
                Arc::new(PgLog::connect(&url, ORIGIN, key.clone()).unwrap())
            };
            std::thread::spawn(move || {
                let mut acks = Vec::new();
                let mut n = (i as u64) << 32;
                let mut sent = 0u64;
                while start.elapsed() < RUN {
                    if let Some(rate) = pace {
                        let due = Duration::from_secs_f64(sent as f64 / rate);
                        std::thread::sleep(due.saturating_sub(start.elapsed()));
                    }
                    sent += batch;
                    let events = (n..n + batch).map(event).collect();
                    n += batch;
                    let last = log.sequence(events, AT).unwrap().pop().unwrap();
                    acks.push((start.elapsed(), last.index, batch));
                }
                acks
            })
        })
        .collect();
    let acks: Vec<_> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let elapsed = start.elapsed();
    // Let the integrator catch up so that every acknowledged entry gets a lag.
    std::thread::sleep(Duration::from_millis(1500));
    done.store(true, Ordering::Relaxed);
    let marks = published.join().unwrap();
    let mut lags: Vec<f64> = acks
        .iter()
        .filter_map(|(acked, index, _)| {
            marks
                .iter()
                .find(|(at, size)| at >= acked && *size > *index)
                .map(|(at, _)| (*at - *acked).as_secs_f64() * 1000.0)
        })
        .collect();
    lags.sort_by(f64::total_cmp);
    let entries: u64 = acks.iter().map(|(_, _, n)| n).sum();
    let _ = std::fs::remove_dir_all(&tiles);
    let quantile = |q: f64| lags[((lags.len() as f64 - 1.0) * q) as usize];
    Appends {
        per_second: entries as f64 / elapsed.as_secs_f64(),
        lag_p50_ms: quantile(0.5),
        lag_p99_ms: quantile(0.99),
    }
}

/// Entries/s the integrator takes from a backlog of `backlog` entries, with and without
/// publishing tiles to a directory.
fn integration_rate(base: &str, backlog: u64, publish: bool) -> f64 {
    let url = schema(base, "yz_bench_integrate");
    let signer = Ed25519SigningKey::from_seed(&[0x5A; 32]);
    let key = NoteKey::new(ORIGIN, KeyRole::Log, signer.public_key()).unwrap();
    let tiles = std::env::temp_dir().join(format!("yz-bench-backlog-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tiles);
    let mut log = PgLog::connect(&url, ORIGIN, key)
        .unwrap()
        .with_signer(signer)
        .unwrap();
    if publish {
        log = log.with_tiles(DirectoryObjects::new(&tiles));
    }
    for from in (0..backlog).step_by(4096) {
        log.sequence((from..from + 4096).map(event).collect(), AT)
            .unwrap();
    }
    let start = Instant::now();
    let size = log.integrate().unwrap().unwrap().checkpoint.size;
    let rate = size as f64 / start.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&tiles);
    rate
}

/// Status changes/s from `services` registries, each change with its audit entry.
fn status_changes(base: &str, services: usize) -> f64 {
    let url = schema(base, "yz_bench_status");
    let signer = Ed25519SigningKey::from_seed(&[0x5A; 32]);
    let key = NoteKey::new(ORIGIN, KeyRole::Log, signer.public_key()).unwrap();
    PgLog::connect(&url, ORIGIN, key).unwrap();
    let config = RegistryConfig::new("https://status.example.gov.cn/bench/");
    let registry = PgStatusRegistry::connect(&url, config.clone()).unwrap();
    let ids: Vec<String> = (0..200_000).map(|i| format!("licence-{i}")).collect();
    for chunk in ids.chunks(10_000) {
        let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
        registry.allocate_all(&refs).unwrap();
    }
    let ids = Arc::new(ids);
    let start = Instant::now();
    let threads: Vec<_> = (0..services)
        .map(|s| {
            let (ids, registry) = (
                Arc::clone(&ids),
                PgStatusRegistry::connect(&url, config.clone()).unwrap(),
            );
            std::thread::spawn(move || {
                let mut changes = 0u64;
                for id in ids.iter().skip(s).step_by(services) {
                    if start.elapsed() >= RUN {
                        break;
                    }
                    registry
                        .set_status(id, LegalStatus::Suspended, "bench", AT)
                        .unwrap();
                    changes += 1;
                }
                changes
            })
        })
        .collect();
    let changes: u64 = threads.into_iter().map(|t| t.join().unwrap()).sum();
    changes as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let Ok(base) = std::env::var("YINZHENG_TEST_POSTGRES") else {
        println!("skipped: set YINZHENG_TEST_POSTGRES (bash .ci/postgres.sh start)");
        return;
    };
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return; // `cargo test --benches` asks for a list; nothing to run as a test.
    }
    // `cargo bench … -- integrate` runs only the sections whose names contain the filter.
    let filter = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .unwrap_or_default();
    let run = |section: &str| section.contains(filter.as_str());
    if run("appends") {
        appends_table(&base);
    }
    if run("lag") {
        for rate in [10_000.0, 20_000.0, 40_000.0] {
            let ours = appends(&base, 4, 256, Some(rate / 4.0), false);
            println!(
                "publication lag at {rate:.0} entries/s offered by 4 issuers (batches of 256): \
                 {:.0} entries/s taken, p50 {:.0} ms, p99 {:.0} ms",
                ours.per_second, ours.lag_p50_ms, ours.lag_p99_ms
            );
        }
    }
    if run("integrate") {
        for publish in [false, true] {
            println!(
                "integration from a backlog of 262,144 entries{}: {:.0} entries/s",
                if publish { ", publishing tiles" } else { "" },
                integration_rate(&base, 262_144, publish)
            );
        }
    }
    if run("status") {
        for services in [1, 4] {
            println!(
                "status changes/s from {services} service(s), each with its audit entry: {:.0}",
                status_changes(&base, services)
            );
        }
    }
}

fn appends_table(base: &str) {
    println!(
        "| issuers | batch | handles | entries/s | ceiling rows/s (same rows per transaction) | ratio | lag p50 | lag p99 |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for issuers in [1, 4, 16] {
        for (batch, shared) in [(1024, false), (1, false), (1, true)] {
            if shared && issuers == 1 {
                continue;
            }
            let ceiling = ceiling(base, issuers, i64::try_from(batch).unwrap());
            let ours = appends(base, issuers, batch, None, shared);
            println!(
                "| {issuers} | {batch} | {} | {:.0} | {ceiling:.0} | {:.2} | {:.0} ms | {:.0} ms |",
                if shared { "one, shared" } else { "one each" },
                ours.per_second,
                ours.per_second / ceiling,
                ours.lag_p50_ms,
                ours.lag_p99_ms
            );
        }
    }
}
