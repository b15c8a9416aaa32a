//! The CLI's bulk issuance: certificates per second through `yinzheng issue --request DIR`
//! with a status journal and an audit log (every request checked first, then one registry
//! write, one audit commit and one file per certificate per batch), next to its floors: one
//! Ed25519 signature per certificate, and the raw work of the same run — read each request
//! file, sign, write each certificate under a temporary name and rename it — on as many
//! threads as the CLI uses. See docs/PERFORMANCE.md.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/cli.rs"]
mod support;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use yinzheng::crypto::{Ed25519SigningKey, Signer as _};

const CERTIFICATES: u64 = 10_000;
#[allow(clippy::disallowed_methods)] // a benchmark measures wall time
fn bulk_issue(c: &mut Criterion) {
    let scratch = support::Dir::new("bench-cli");
    let dir = scratch.path();
    support::expect(dir, 0, &["keygen", "--out", "agency.pem"]);
    support::expect(dir, 0, &["keygen", "--out", "log.pem"]);
    let serials = (0..CERTIFICATES).map(|i| format!("B{i:06}"));
    support::write_requests(&dir.join("requests"), serials);
    let mut g = c.benchmark_group("cli/bulk issue");
    g.sample_size(10);
    g.throughput(Throughput::Elements(CERTIFICATES));
    let mut runs = 0;
    g.bench_function(
        format!("{CERTIFICATES} requests → files, journal and log, batches of 1000"),
        |b| {
            b.iter_custom(|iters| {
                let mut total = std::time::Duration::ZERO;
                for _ in 0..iters {
                    // Every run starts from nothing (no ledger, journal or log) in a directory
                    // of its own: files deleted just before would slow ext4's inode allocation
                    // (`recently_deleted`) and measure the deletion, not the issuance.
                    runs += 1;
                    let fresh = format!("run-{runs}");
                    std::fs::create_dir(dir.join(&fresh)).unwrap();
                    let at = |name: &str| format!("{fresh}/{name}");
                    let (out, journal, log) = (at("issued"), at("status.journal"), at("audit"));
                    let start = std::time::Instant::now();
                    let extra = [
                        "--status-journal",
                        &journal,
                        "--status-prefix",
                        "https://status.example.gov.cn/lists/",
                        "--log",
                        &log,
                        "--log-key",
                        "log.pem",
                    ];
                    support::expect(dir, 0, &support::issue_args("requests", &out, &extra));
                    total += start.elapsed();
                }
                total
            })
        },
    );
    let key = Ed25519SigningKey::from_seed(&[3; 32]);
    let message = vec![0x5A; 420];
    g.bench_function(format!("floor: {CERTIFICATES} Ed25519 signatures"), |b| {
        b.iter(|| {
            for _ in 0..CERTIFICATES {
                black_box(key.sign(black_box(&message)).unwrap());
            }
        })
    });
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let requests: Vec<_> = (0..CERTIFICATES)
        .map(|i| dir.join(format!("requests/B{i:06}.toml")))
        .collect();
    g.bench_function(
        format!("floor: read, sign and write {CERTIFICATES} files on {threads} threads"),
        |b| {
            b.iter_custom(|iters| {
                let mut total = std::time::Duration::ZERO;
                for _ in 0..iters {
                    runs += 1;
                    let out = dir.join(format!("run-{runs}"));
                    std::fs::create_dir(&out).unwrap();
                    let start = std::time::Instant::now();
                    std::thread::scope(|scope| {
                        for part in requests.chunks(requests.len().div_ceil(threads)) {
                            let (key, out) = (&key, &out);
                            scope.spawn(move || {
                                for request in part {
                                    let bytes = std::fs::read(request).unwrap();
                                    let signature = key.sign(&bytes).unwrap();
                                    let name = out.join(request.file_name().unwrap());
                                    let tmp = name.with_extension("tmp");
                                    std::fs::write(&tmp, [&bytes[..], &signature[..]].concat())
                                        .unwrap();
                                    std::fs::rename(&tmp, &name).unwrap();
                                }
                            });
                        }
                    });
                    total += start.elapsed();
                }
                total
            })
        },
    );
    g.finish();
}

criterion_group!(cli, bulk_issue);
criterion_main!(cli);
