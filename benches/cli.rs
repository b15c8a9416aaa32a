//! The CLI's bulk issuance: certificates per second through `yinzheng issue --request DIR`
//! with a status journal and an audit log (every request checked first, then one registry
//! write, one audit commit and one file per certificate per batch), next to its floors: one
//! Ed25519 signature per certificate, and the raw work of the same run — read each request
//! file, sign, write each certificate under a temporary name and rename it — on as many
//! threads as the CLI uses. See docs/PERFORMANCE.md.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::Path;
use std::process::Command;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use yinzheng::crypto::{Ed25519SigningKey, Signer as _};

const CERTIFICATES: u64 = 10_000;
const AGENCY: &str = "11220000013544541J";

fn run(dir: &Path, args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_yinzheng"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[allow(clippy::disallowed_methods)] // a benchmark measures wall time
fn bulk_issue(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("yz-bench-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("requests")).unwrap();
    run(&dir, &["keygen", "--out", "agency.pem"]);
    run(&dir, &["keygen", "--out", "log.pem"]);
    for i in 0..CERTIFICATES {
        let toml = format!(
            "type_code = \"11100000MB0341032Y002\"\ntype_name = \"营业执照\"\n\
             number = \"91350100M000100Y43\"\nissued_on = \"2024-03-15\"\n\
             valid_from = \"2024-03-15\"\nserial = \"B{i:06}\"\n[holder]\n\
             name = \"福州示例科技有限公司\"\ncode = \"91350100M000100Y43\"\ncode_type = \"001\"\n\
             [[fields]]\nname = \"注册资本\"\nvalue = \"壹佰万元整\"\n"
        );
        std::fs::write(dir.join(format!("requests/{i:06}.toml")), toml).unwrap();
    }
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
                    run(
                        &dir,
                        &[
                            "issue",
                            "--key",
                            "agency.pem",
                            "--agency-name",
                            "某局",
                            "--agency-uscc",
                            AGENCY,
                            "--request",
                            "requests",
                            "--out",
                            &out,
                            "--status-journal",
                            &journal,
                            "--status-prefix",
                            "https://status.example.gov.cn/lists/",
                            "--log",
                            &log,
                            "--log-key",
                            "log.pem",
                        ],
                    );
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
        .map(|i| dir.join(format!("requests/{i:06}.toml")))
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
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(cli, bulk_issue);
criterion_main!(cli);
