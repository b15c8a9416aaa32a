//! `yinzheng-platform`: the commands of a provincial platform — issuer workers and the
//! integrator against PostgreSQL, publication to a tiles target, witnesses, and the auditor
//! that verifies a published log with nothing but public keys.
//!
//! ```text
//! yinzheng-platform append    --url URL --origin ORIGIN --vkey VKEY --worker N [--batches B] [--size S] [--at SECS]
//! yinzheng-platform integrate --url URL --origin ORIGIN --seed-file FILE [--tiles TARGET [--witness-url URL --witness VKEY … --quorum K]] [--until SIZE] [--every-ms MS]
//! yinzheng-platform verify    --tiles TARGET --vkey VKEY [--index N] [--checkpoint FILE] [--witness VKEY … --quorum K]
//! yinzheng-platform status set     --url URL --prefix URI_PREFIX --certificate ID --to STATUS --operator OP [--list-size N] [--at SECS]
//! yinzheng-platform status publish --url URL --prefix URI_PREFIX --seed-file FILE --tiles TARGET --base-url URL [--list-size N] [--ttl SECS] [--at SECS]
//! yinzheng-platform witness serve  --listen ADDR --name NAME --seed-file FILE --state FILE --log VKEY …
//! yinzheng-platform witness cosign --tiles TARGET --vkey VKEY --witness-url URL --witness VKEY [--believed N]
//! ```
//!
//! A store URL is libpq's (`postgres://user@host:port/db`); a tiles TARGET is `file:PATH`
//! (or a path), `s3://BUCKET/PREFIX` (credentials and endpoint from `AWS_*`), or, to read
//! only, `https://…`.
//!
//! `append` sequences `B` batches of `S` events whose subjects are `wN-i`, printing
//! `ack INDEX LEAF SUBJECT` for each once its transaction committed; a batch that fails is
//! reported on stderr and never sent again (it may be in doubt). `integrate` integrates and
//! publishes every `MS` milliseconds (100 by default), printing `checkpoint SIZE`, until the
//! checkpoint holds `SIZE` entries (forever without `--until`); errors are reported and
//! retried, so it survives a database or object-store restart. With witnesses (each
//! `--witness-url` paired with the `--witness` key at the same position), a checkpoint is
//! published only once `K` of them (all by default) cosigned it, with their cosignatures. `verify` fetches the
//! checkpoint (or reads a cosigned one from FILE) and every tile and bundle, checks them,
//! optionally proves entry `N` and checks a witness policy. `witness serve` runs a `tlog-witness` endpoint whose state is a file
//! (created on first use); `witness cosign` asks one for a cosignature of the published
//! checkpoint and prints the cosigned note.

use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use yinzheng::Limits;
use yinzheng::audit::tile_client::{ClientError, TileClient};
use yinzheng::audit::witness::{Witness, WitnessPolicy};
use yinzheng::audit::{Event, EventKind, KeyRole, NoteKey};
use yinzheng::crypto::{Ed25519SigningKey, Signer as _};
use yinzheng::status::{LegalStatus, RegistryConfig};
use yinzheng::storage::{FileWitnessStore, publish_status_list};
use yinzheng::time::{Clock as _, SystemClock, UnixTime};
use yinzheng_objects::witness_http::{WitnessClient, WitnessServer};
use yinzheng_objects::{CosigningTarget, open_target};
use yinzheng_postgres::{PgLog, PgStatusRegistry};

type Failure = Box<dyn std::error::Error>;

struct Args(Vec<String>);

impl Args {
    fn value(&self, flag: &str) -> Option<&str> {
        self.values(flag).next()
    }

    fn values<'a>(&'a self, flag: &str) -> impl Iterator<Item = &'a str> {
        let flag = flag.to_owned();
        self.0
            .iter()
            .zip(self.0.iter().skip(1))
            .filter(move |(f, _)| **f == flag)
            .map(|(_, v)| v.as_str())
    }

    fn required(&self, flag: &str) -> Result<&str, Failure> {
        self.value(flag)
            .ok_or_else(|| format!("missing {flag}").into())
    }

    fn number(&self, flag: &str, default: u64) -> Result<u64, Failure> {
        self.value(flag).map_or(Ok(default), |v| {
            v.parse()
                .map_err(|_| format!("{flag}: not a number: {v:?}").into())
        })
    }

    fn keys(&self, flag: &str) -> Result<Vec<NoteKey>, Failure> {
        self.values(flag)
            .map(|v| NoteKey::from_vkey(v).map_err(|e| format!("{flag} {v}: {e}").into()))
            .collect()
    }
}

fn main() -> std::process::ExitCode {
    let mut argv: Vec<String> = std::env::args().skip(1).collect();
    let command = if argv.is_empty() {
        String::new()
    } else {
        argv.remove(0)
    };
    let sub = argv.first().cloned().unwrap_or_default();
    let result = match (command.as_str(), sub.as_str()) {
        ("append", _) => append(&Args(argv)),
        ("integrate", _) => integrate(&Args(argv)),
        ("verify", _) => verify(&Args(argv)),
        ("status", "set") => set_status(&Args(argv.split_off(1))),
        ("status", "publish") => publish_lists(&Args(argv.split_off(1))),
        ("witness", "serve") => serve_witness(&Args(argv.split_off(1))),
        ("witness", "cosign") => cosign(&Args(argv.split_off(1))),
        _ => Err(
            "usage: yinzheng-platform append|integrate|verify|status set|status publish|\
             witness serve|witness cosign \
             (see the crate docs for the flags)"
                .into(),
        ),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "yinzheng-platform: {e}");
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

fn read_seed(args: &Args) -> Result<Ed25519SigningKey, Failure> {
    let flag = "--seed-file";
    let seed_hex = std::fs::read_to_string(args.required(flag)?)?;
    let seed: [u8; 32] = hex::decode(seed_hex.trim())
        .map_err(|e| format!("{flag}: {e}"))?
        .try_into()
        .map_err(|_| format!("{flag}: not 32 bytes of hex"))?;
    Ok(Ed25519SigningKey::from_seed(&seed))
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
    let signer = read_seed(args)?;
    let key = NoteKey::new(origin, KeyRole::Log, signer.public_key())?;
    // The flags are checked before connecting: a mistake is reported at once.
    let witnesses = args.keys("--witness")?;
    let urls: Vec<&str> = args.values("--witness-url").collect();
    let witnessed = !witnesses.is_empty() || !urls.is_empty() || args.value("--quorum").is_some();
    let tiles = args.value("--tiles");
    if witnessed && tiles.is_none() {
        return Err(
            "--witness, --witness-url and --quorum need --tiles: witnesses cosign the \
                    checkpoint as it is published"
                .into(),
        );
    }
    if witnessed && (urls.len() != witnesses.len() || witnesses.is_empty()) {
        return Err("give one --witness-url for each --witness key".into());
    }
    let quorum = usize::try_from(args.number("--quorum", witnesses.len() as u64)?)?;
    let mut log = connect(args.required("--url")?, origin, &key)?.with_signer(signer)?;
    if let Some(target) = tiles {
        let target = open_target(target)?;
        log = if witnessed {
            let clients = urls
                .into_iter()
                .zip(witnesses)
                .map(|(url, key)| WitnessClient::new(url, key))
                .collect();
            let target = CosigningTarget::new(target, key.clone(), clients, quorum)?
                .on_witness_failure(|failure| {
                    let alarm = if failure.is_fork() { "ALARM: " } else { "" };
                    let _ = writeln!(std::io::stderr(), "{alarm}{failure}");
                });
            log.with_tiles(target)
        } else {
            log.with_tiles(target)
        };
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

fn verify(args: &Args) -> Result<(), Failure> {
    let log = NoteKey::from_vkey(args.required("--vkey")?)?;
    let origin = log.name().to_owned();
    let reader = TileClient::new(
        open_target(args.required("--tiles")?)?,
        &origin,
        vec![log.clone()],
    );
    let checkpoint = match args.value("--checkpoint") {
        // A cosigned note kept beside the published one (what `witness cosign` printed).
        Some(file) => {
            let note = std::fs::read_to_string(file)?;
            yinzheng::audit::SignedCheckpoint::verify(&note, &origin, std::slice::from_ref(&log))?.0
        }
        None => reader.checkpoint()?,
    };
    let size = reader.verify_all(&checkpoint)?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{origin}: {size} entries, every tile and bundle verified"
    )?;
    if let Some(index) = args.value("--index") {
        let bundle = reader.inclusion_bundle(&checkpoint, index.parse()?)?;
        bundle.verify(&origin, std::slice::from_ref(&log))?;
        writeln!(
            out,
            "entry {index} proven: {} proof hashes",
            bundle.proof.len()
        )?;
    }
    let witnesses = args.keys("--witness")?;
    if !witnesses.is_empty() {
        let quorum = usize::try_from(args.number("--quorum", witnesses.len() as u64)?)?;
        let witnessed = WitnessPolicy::new(log, witnesses, quorum)?.check(&checkpoint.note)?;
        let names: Vec<&str> = witnessed
            .cosigners
            .iter()
            .map(|(n, _)| n.as_str())
            .collect();
        writeln!(out, "witnessed by {}", names.join(", "))?;
    }
    Ok(())
}

fn registry(args: &Args) -> Result<PgStatusRegistry, Failure> {
    let mut config = RegistryConfig::new(args.required("--prefix")?);
    config.list_size = args.number("--list-size", config.list_size)?;
    Ok(PgStatusRegistry::connect(args.required("--url")?, config)?)
}

fn now_or_at(args: &Args) -> Result<UnixTime, Failure> {
    match args.value("--at") {
        Some(_) => Ok(UnixTime::from_secs(args.number("--at", 0)?)),
        None => Ok(SystemClock.now()?),
    }
}

fn set_status(args: &Args) -> Result<(), Failure> {
    let certificate = args.required("--certificate")?;
    let to: LegalStatus = args
        .required("--to")?
        .parse()
        .map_err(|e| format!("--to: {e}"))?;
    let change = registry(args)?.set_status(
        certificate,
        to,
        args.required("--operator")?,
        now_or_at(args)?,
    )?;
    writeln!(
        std::io::stdout().lock(),
        "changed {certificate} {} {}",
        change.status.name(),
        change.sequence
    )?;
    Ok(())
}

fn publish_lists(args: &Args) -> Result<(), Failure> {
    let registry = registry(args)?;
    let signer = read_seed(args)?;
    let target = open_target(args.required("--tiles")?)?;
    let base_url = args.required("--base-url")?;
    let ttl = Duration::from_secs(args.number("--ttl", 3600)?);
    let at = now_or_at(args)?;
    let mut out = std::io::stdout().lock();
    let mut failed = 0;
    // The registry logs each publication as it signs the token; a list whose token could not
    // be written is reported and the others still published (a later run supersedes it).
    for uri in registry.uris()? {
        let published = registry
            .publish(&uri, &signer, at, ttl)
            .map_err(Failure::from)
            .and_then(|token| {
                publish_status_list(&target, base_url, &token, at, &Limits::default())
                    .map_err(Failure::from)
            });
        match published {
            Ok(path) => writeln!(out, "published {uri} {path}")?,
            Err(e) => {
                failed += 1;
                writeln!(std::io::stderr(), "{uri} not published: {e}")?;
            }
        }
    }
    if failed > 0 {
        return Err(format!("{failed} lists not published").into());
    }
    Ok(())
}

fn serve_witness(args: &Args) -> Result<(), Failure> {
    let signer = read_seed(args)?;
    let key = NoteKey::new(
        args.required("--name")?,
        KeyRole::Witness,
        signer.public_key(),
    )?;
    let state = Path::new(args.required("--state")?);
    let store = if state.exists() {
        FileWitnessStore::open(state)?
    } else {
        FileWitnessStore::create(state)?
    };
    let logs = args.keys("--log")?;
    let witness = Witness::new(key.clone(), signer, logs, store)?;
    let server = WitnessServer::start(Arc::new(witness), SystemClock, args.required("--listen")?)
        .map_err(|e| e.to_string())?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "witness {} on http://{}",
        key.to_vkey(),
        server.address()
    )?;
    out.flush()?;
    loop {
        std::thread::park();
    }
}

fn cosign(args: &Args) -> Result<(), Failure> {
    let log = NoteKey::from_vkey(args.required("--vkey")?)?;
    let reader = TileClient::new(
        open_target(args.required("--tiles")?)?,
        log.name(),
        vec![log.clone()],
    );
    let checkpoint = reader.checkpoint()?;
    let witness = NoteKey::from_vkey(args.required("--witness")?)?;
    let client = WitnessClient::new(args.required("--witness-url")?, witness);
    let cosigned = client.cosign(
        &checkpoint.note,
        args.number("--believed", 0)?,
        |old| -> Result<_, ClientError> {
            let root = reader.root_at(&checkpoint, old)?;
            reader.consistency_bundle(old, &root, &checkpoint)
        },
    )?;
    std::io::stdout().lock().write_all(cosigned.as_bytes())?;
    Ok(())
}
