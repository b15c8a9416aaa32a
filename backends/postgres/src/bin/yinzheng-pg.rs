//! `yinzheng-pg`: the platform's worker commands against a shared PostgreSQL log.
//!
//! ```text
//! yinzheng-pg append    --url URL --origin ORIGIN --vkey VKEY --worker N [--batches B] [--size S] [--at SECS]
//! yinzheng-pg integrate --url URL --origin ORIGIN --seed-file FILE [--tiles DIR] [--until SIZE] [--every-ms MS]
//! ```
//!
//! `append` sequences `B` batches of `S` events whose subjects are `wN-i`, printing
//! `ack INDEX LEAF SUBJECT` for each once its transaction committed; a batch that fails is
//! reported on stderr and never sent again (it may be in doubt). `integrate` integrates and
//! publishes every `MS` milliseconds (100 by default), printing `checkpoint SIZE`, until the
//! checkpoint holds `SIZE` entries (forever without `--until`); database errors are reported
//! and retried, so either survives a server restart.

use std::io::Write as _;
use std::time::Duration;

use yinzheng::audit::{Event, EventKind, KeyRole, NoteKey};
use yinzheng::crypto::{Ed25519SigningKey, Signer as _};
use yinzheng::storage::DirectoryObjects;
use yinzheng::time::UnixTime;
use yinzheng_postgres::PgLog;

type Failure = Box<dyn std::error::Error>;

struct Args(Vec<String>);

impl Args {
    fn value(&self, flag: &str) -> Option<&str> {
        self.0
            .iter()
            .position(|a| a == flag)
            .and_then(|i| self.0.get(i + 1))
            .map(String::as_str)
    }

    fn required(&self, flag: &str) -> Result<&str, Failure> {
        self.value(flag)
            .ok_or_else(|| format!("missing {flag}").into())
    }

    fn number(&self, flag: &str, default: u64) -> Result<u64, Failure> {
        self.value(flag)
            .map_or(Ok(default), |v| {
                v.parse()
                    .map_err(|_| format!("{flag}: not a number: {v:?}"))
            })
            .map_err(Into::into)
    }
}

fn main() -> std::process::ExitCode {
    let mut argv: Vec<String> = std::env::args().skip(1).collect();
    let command = if argv.is_empty() {
        String::new()
    } else {
        argv.remove(0)
    };
    let args = Args(argv);
    let result = match command.as_str() {
        "append" => append(&args),
        "integrate" => integrate(&args),
        _ => Err(
            "usage: yinzheng-pg append|integrate --url URL --origin ORIGIN … (see the crate docs)"
                .into(),
        ),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "yinzheng-pg: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Connects, retrying while the server is down (a restart in a fault run).
fn connect(url: &str, origin: &str, key: &NoteKey) -> Result<PgLog, Failure> {
    let mut last = None;
    for _ in 0..300 {
        match PgLog::connect(url, origin, key.clone()) {
            Ok(log) => return Ok(log),
            Err(e) => last = Some(e),
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(last.map_or_else(|| "could not connect".into(), Into::into))
}

fn append(args: &Args) -> Result<(), Failure> {
    let origin = args.required("--origin")?;
    let key = NoteKey::from_vkey(args.required("--vkey")?)?;
    let log = connect(args.required("--url")?, origin, &key)?;
    let worker = args.number("--worker", 0)?;
    let (batches, size) = (args.number("--batches", 100)?, args.number("--size", 16)?);
    let at = UnixTime::from_secs(args.number("--at", 1_780_000_000)?);
    let mut out = std::io::stdout().lock();
    for batch in 0..batches {
        let subjects: Vec<String> = (0..size)
            .map(|i| format!("w{worker}-{}", batch * size + i))
            .collect();
        let events = subjects
            .iter()
            .map(|subject| Event {
                kind: EventKind::CertificateIssued,
                actor_key_id: [0x11; 32],
                subject: subject.as_bytes().to_vec(),
                object_digest: yinzheng::crypto::sha256(subject.as_bytes()),
                attributes: Vec::new(),
            })
            .collect();
        match log.sequence(events, at) {
            Ok(sequenced) => {
                for (s, subject) in sequenced.iter().zip(&subjects) {
                    writeln!(
                        out,
                        "ack {} {} {subject}",
                        s.index,
                        hex::encode(s.leaf_hash)
                    )?;
                }
                out.flush()?;
            }
            Err(e) => {
                writeln!(std::io::stderr(), "batch {batch} not acknowledged: {e}")?;
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
    Ok(())
}

fn integrate(args: &Args) -> Result<(), Failure> {
    let origin = args.required("--origin")?;
    let seed_hex = std::fs::read_to_string(args.required("--seed-file")?)?;
    let seed: [u8; 32] = hex::decode(seed_hex.trim())?
        .try_into()
        .map_err(|_| "--seed-file: not 32 bytes of hex")?;
    let signer = Ed25519SigningKey::from_seed(&seed);
    let key = NoteKey::new(origin, KeyRole::Log, signer.public_key())?;
    let mut log = connect(args.required("--url")?, origin, &key)?.with_signer(signer)?;
    if let Some(dir) = args.value("--tiles") {
        log = log.with_tiles(DirectoryObjects::new(std::path::Path::new(dir)));
    }
    let until = args.value("--until").map(str::parse::<u64>).transpose()?;
    let every = Duration::from_millis(args.number("--every-ms", 100)?);
    let mut out = std::io::stdout().lock();
    loop {
        match log.integrate() {
            Ok(Some(checkpoint)) => {
                let size = checkpoint.checkpoint.size;
                writeln!(out, "checkpoint {size}")?;
                out.flush()?;
                if until.is_some_and(|u| size >= u) {
                    return Ok(());
                }
            }
            Ok(None) => {}
            Err(e) => writeln!(std::io::stderr(), "integration failed, retrying: {e}")?,
        }
        std::thread::sleep(every);
    }
}
