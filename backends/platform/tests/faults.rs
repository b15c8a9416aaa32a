//! Faults at scale on a real PostgreSQL: four issuer processes append while one is killed
//! with SIGKILL at a random moment, the integrator is killed (mid-publication, often) and
//! restarted three times, and, when `YINZHENG_TEST_POSTGRES_CTL` names `.ci/postgres.sh`,
//! the server is stopped with `pg_ctl stop -m immediate` and started again. Afterwards every
//! acknowledged entry is in the log at its index with its leaf hash, no event is in it twice,
//! the checkpoints each integrator printed only grow, and the tiles verify with our client
//! and with `tlog_tiles`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{BuildHasher as _, RandomState};
use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread::{JoinHandle, sleep};
use std::time::Duration;

use common::{ORIGIN, append_args, fresh_schema, log_key, scratch, they_verify};
use yinzheng::audit::AuditEntry;
use yinzheng::audit::tile_client::TileClient;
use yinzheng::storage::DirectoryObjects;
use yinzheng_postgres::PgLog;

const BIN: &str = env!("CARGO_BIN_EXE_yinzheng-platform");

fn random_below(n: u64) -> u64 {
    RandomState::new().hash_one(std::process::id()) % n
}

/// A child whose stdout lines are collected by a thread.
struct Worker {
    child: Child,
    lines: JoinHandle<Vec<String>>,
}

fn spawn(args: &[&str]) -> Worker {
    let mut child = Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let lines = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .collect()
    });
    Worker { child, lines }
}

impl Worker {
    fn kill(mut self) -> Vec<String> {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        self.lines.join().unwrap()
    }

    fn finish(mut self) -> Vec<String> {
        assert!(self.child.wait().unwrap().success());
        self.lines.join().unwrap()
    }
}

fn checkpoint_sizes(lines: &[String]) -> Vec<u64> {
    lines
        .iter()
        .filter_map(|l| l.strip_prefix("checkpoint "))
        .map(|s| s.parse().unwrap())
        .collect()
}

fn restart_server(ctl: &Path) {
    let run = |what: &str| {
        let status = Command::new("bash")
            .arg(ctl)
            .arg(what)
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "{} {what}", ctl.display());
    };
    run("stop-immediate");
    sleep(Duration::from_millis(300));
    run("start");
}

#[test]
fn killed_issuers_integrators_and_a_crashed_server_lose_and_duplicate_nothing() {
    let Some(url) = fresh_schema("yz_test_faults") else {
        return;
    };
    let dir = scratch("faults", &[("log.seed", 0x5A)]);
    let seed_file = dir.join("log.seed");
    let tiles = dir.join("tiles");
    let vkey = log_key().to_vkey();
    let (seed, tiles_arg) = (seed_file.to_str().unwrap(), tiles.to_str().unwrap());
    let integrate_args = [
        "integrate",
        "--url",
        &url,
        "--origin",
        ORIGIN,
        "--seed-file",
        seed,
        "--tiles",
        tiles_arg,
        "--every-ms",
        "10",
    ];
    // Opened once here so that the schema exists before the processes race to create it.
    let log = PgLog::connect(&url, ORIGIN, log_key()).unwrap();

    let workers: Vec<Worker> = (0..4)
        .map(|w| {
            let w = w.to_string();
            spawn(&append_args(&url, &vkey, &w, "1000", "16"))
        })
        .collect();
    let mut integrator_runs = Vec::new();
    let mut integrator = spawn(&integrate_args);
    let victim = random_below(4) as usize;
    sleep(Duration::from_millis(100 + random_below(400)));
    for _ in 0..3 {
        sleep(Duration::from_millis(50 + random_below(150)));
        integrator_runs.push(integrator.kill());
        integrator = spawn(&integrate_args);
    }
    let mut acks = Vec::new();
    let mut workers: Vec<Option<Worker>> = workers.into_iter().map(Some).collect();
    acks.extend(workers[victim].take().unwrap().kill());
    if let Some(ctl) = std::env::var_os("YINZHENG_TEST_POSTGRES_CTL") {
        let running = workers
            .iter_mut()
            .flatten()
            .map(|w| w.child.try_wait().unwrap().is_none())
            .filter(|running| *running)
            .count();
        assert!(running > 0, "the issuers finished before the server crash");
        restart_server(Path::new(&ctl));
    } else {
        eprintln!("YINZHENG_TEST_POSTGRES_CTL is not set: the server-crash part is skipped");
    }
    for worker in workers.into_iter().flatten() {
        acks.extend(worker.finish());
    }
    integrator_runs.push(integrator.kill());

    // The last integrator run publishes everything sequenced.
    let size = log.size().unwrap();
    let until = size.to_string();
    let mut last_args = integrate_args.to_vec();
    last_args.extend(["--until", &until]);
    integrator_runs.push(spawn(&last_args).finish());

    let mut previous_run_last = 0;
    for run in &integrator_runs {
        let sizes = checkpoint_sizes(run);
        assert!(sizes.windows(2).all(|w| w[0] <= w[1]), "{sizes:?}");
        if let Some(first) = sizes.first() {
            assert!(*first >= previous_run_last, "a checkpoint went back");
            previous_run_last = *sizes.last().unwrap();
        }
    }
    assert_eq!(previous_run_last, size);

    let entries: Vec<Vec<u8>> = (0..size)
        .step_by(65_536)
        .flat_map(|from| log.entries(from, size.min(from + 65_536)).unwrap())
        .collect();
    let mut subjects = BTreeSet::new();
    for entry in &entries {
        let subject = AuditEntry::decode(entry).unwrap().event.subject;
        assert!(
            subjects.insert(subject.clone()),
            "{subject:?} is in the log twice"
        );
    }
    let acked: BTreeMap<u64, (String, String)> = acks
        .iter()
        .filter_map(|l| l.strip_prefix("ack "))
        .map(|l| {
            let mut parts = l.split(' ');
            let index = parts.next().unwrap().parse().unwrap();
            let leaf = parts.next().unwrap().to_owned();
            (index, (leaf, parts.next().unwrap().to_owned()))
        })
        .collect();
    assert!(
        acked.len() > 1000,
        "only {} entries acknowledged",
        acked.len()
    );
    eprintln!(
        "{} entries sequenced, {} acknowledged to the issuers (the rest were in flight in the \
         killed issuer or failed while the server was down)",
        size,
        acked.len()
    );
    for (index, (leaf, subject)) in &acked {
        let entry = &entries[*index as usize];
        assert_eq!(
            &hex::encode(yinzheng::audit::merkle::leaf_hash(entry)),
            leaf
        );
        assert_eq!(
            AuditEntry::decode(entry).unwrap().event.subject,
            subject.as_bytes()
        );
    }

    let reader = TileClient::new(DirectoryObjects::new(&tiles), ORIGIN, vec![log_key()]);
    let published = reader.checkpoint().unwrap();
    assert_eq!(published.checkpoint.size, size);
    assert_eq!(reader.verify_all(&published).unwrap(), size);
    let index = random_below(size);
    assert_eq!(they_verify(&tiles, index, &entries[index as usize]), size);
    std::fs::remove_dir_all(&dir).unwrap();
}
