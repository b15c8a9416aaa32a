//! `yinzheng`: run an agency (发证机关) and verify offline from the command line.
//!
//! Exit codes: 0 accepted / done; 1 an error (files, keys, input); 2 usage; 10 rejected
//! (forged, untrusted, malformed); 11 revoked or suspended; 12 outside its validity (expired,
//! not yet valid, a stale presentation); 13 status unknown.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod bulk;
mod files;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand, ValueEnum};
use files::{RequestSpec, Result, TrustSpec, hex_decode, hex_encode, read, read_text, write};
use yinzheng::Limits;
use yinzheng::audit::bundle::UpdateError;
use yinzheng::audit::store::{verify_dir, verify_dir_full};
use yinzheng::audit::{
    AuditLog, CheckpointAuditor, ConsistencyBundle, Event, EventKind, InclusionBundle, LogReader,
    NoteKey, SignedCheckpoint,
};
use yinzheng::crypto::{Ed25519SigningKey, OsRandom, P256SigningKey, Signer, sha256};
use yinzheng::encoding::qr;
use yinzheng::issue::{Issuer, SealMaker, Stamper, sign_trust_bundle};
use yinzheng::model::bundle::{BundleIssuerKey, BundleNamed, BundleRevokedKey, TrustBundle};
use yinzheng::model::{Agency, Seal, SealKind, SealPicture};
use yinzheng::present::{PresentationOptions, Presenter, QrCode, QrLevel};
use yinzheng::status::{FileStatusStore, LegalStatus, RegistryConfig, StatusRegistry};
use yinzheng::time::{Clock as _, SystemClock, UnixTime};
use yinzheng::trust::Roles;
use yinzheng::verify::{
    ListAdded, Rejected, Report, SealAdded, VerificationContext, Verifier, VerifyError,
};

const EXAMPLES: &str = "\
Examples:
  yinzheng keygen --out agency.pem
  yinzheng keygen --alg p256 --out phone.pem
  yinzheng seal make --maker-key maker.pem --id 2200000000000001 --kind 1 \\
      --name 某局电子公章 --owner-name 某局 --owner-uscc 11220000013544541J \\
      --authorise agency.pub --picture seal.svg --out seal.cose
  yinzheng issue --key agency.pem --agency-name 某局 --agency-uscc 11220000013544541J \\
      --request licence.json --out licence.cbor --log audit/ --log-key log.pem
  yinzheng present --certificate resident.cbor --device-key phone.pem --reveal age_over_18 --qr terminal
  yinzheng verify presentation --trust trust.json --qr-text 'YZ2:...' --nonce 0011 --json
  yinzheng verify certificate --trust trust.json --in inbox/ --allow-cofactored-batch --json
  yinzheng status set --journal status.journal --prefix https://status.example/ \\
      --certificate 1.2.156.3005.2.… --status revoked --operator op-7
  yinzheng log verify --dir audit/ --origin audit.example/agency --vkey \"$(cat log.vkey)\"

Exit codes: 0 accepted / done, 1 error, 2 usage, 10 rejected, 11 revoked or suspended,
12 outside its validity (expired, not yet valid, stale presentation), 13 status unknown.";

#[derive(Parser)]
#[command(name = "yinzheng", version, about = "Electronic certificates and seals: issue, present, verify offline, revoke, audit.", after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Makes a private key (PKCS#8 PEM) and prints its public key (hex) and key id.
    Keygen {
        /// Ed25519 for agencies, seal makers and logs; P-256 for phones' device keys.
        #[arg(long, value_enum, default_value = "ed25519")]
        alg: KeyAlg,
        /// Where to write the private key.
        #[arg(long)]
        out: PathBuf,
    },
    /// Issues certificates from JSON or TOML requests (one file, or a directory in bulk).
    Issue(IssueArgs),
    /// Shows a device-bound certificate as a presentation signed by the device key.
    Present(PresentArgs),
    /// Renders QR text as a QR code.
    Qr {
        /// The QR text (`YZ1:…`/`YZ2:…`), or `-` to read it from a file given by --in.
        #[arg(long, conflicts_with = "input")]
        text: Option<String>,
        /// A file holding the object's bytes (its QR text is rendered).
        #[arg(long = "in")]
        input: Option<PathBuf>,
        #[command(flatten)]
        render: RenderArgs,
    },
    /// Verifies a certificate, a presentation or a stamp offline.
    Verify(VerifyArgs),
    /// Stamps a document with a seal (电子签章).
    Stamp {
        /// The seal (COSE bytes).
        #[arg(long)]
        seal: PathBuf,
        /// A key the seal authorises.
        #[arg(long)]
        key: PathBuf,
        /// The document to stamp.
        #[arg(long)]
        document: PathBuf,
        /// Protection scope (签名保护范围).
        #[arg(long, default_value = "全文")]
        property: String,
        /// Where to write the stamp.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        log: LogArgs,
    },
    /// Electronic seals (电子印章).
    #[command(subcommand)]
    Seal(SealCommand),
    /// Certificate status: set a legal status, publish signed status lists.
    #[command(subcommand)]
    Status(StatusCommand),
    /// The tamper-evident audit log.
    #[command(subcommand)]
    Log(LogCommand),
    /// Trust bundles for offline verifiers.
    #[command(subcommand)]
    Bundle(BundleCommand),
}

#[derive(Clone, Copy, ValueEnum)]
enum KeyAlg {
    Ed25519,
    P256,
}

#[derive(Args)]
struct LogArgs {
    /// Record the event in the audit log in this directory (created if missing).
    #[arg(long)]
    log: Option<PathBuf>,
    /// The log's origin line.
    #[arg(long, default_value = "audit.example.gov.cn/agency")]
    origin: String,
    /// The log's checkpoint key (Ed25519 PEM); required with --log.
    #[arg(long)]
    log_key: Option<PathBuf>,
}

impl LogArgs {
    /// The log in `--log`, read with a verifier key alone (no lock, nothing written).
    fn open_reader(&self, vkey: &str) -> Result<LogReader> {
        let dir = self
            .log
            .as_ref()
            .ok_or("--vkey needs --log (the log directory)")?;
        Ok(LogReader::open(
            dir,
            &self.origin,
            &NoteKey::from_vkey(vkey)?,
        )?)
    }

    fn open(&self) -> Result<Option<Arc<AuditLog>>> {
        let Some(dir) = &self.log else {
            return Ok(None);
        };
        let key = self.log_key.as_ref().ok_or("--log needs --log-key")?;
        Ok(Some(Arc::new(AuditLog::open(
            dir,
            &self.origin,
            files::ed25519_key(key)?,
        )?)))
    }
}

#[derive(Args)]
struct IssueArgs {
    /// The agency's signing key.
    #[arg(long)]
    key: PathBuf,
    /// The agency's name (颁发机构).
    #[arg(long)]
    agency_name: String,
    /// The agency's unified social credit code.
    #[arg(long)]
    agency_uscc: String,
    /// A request file (.json or .toml), or a directory of them (bulk issuance).
    #[arg(long)]
    request: PathBuf,
    /// The certificate file, or with a directory of requests, the output directory.
    #[arg(long)]
    out: PathBuf,
    /// Sign under this agency seal (its COSE bytes), which must authorise the key.
    #[arg(long)]
    seal: Option<PathBuf>,
    /// Give each certificate a status entry in this registry journal.
    #[arg(long, requires = "status_prefix")]
    status_journal: Option<PathBuf>,
    /// The status lists' URI prefix.
    #[arg(long)]
    status_prefix: Option<String>,
    /// Seconds to wait for another writer of the journal (default: fail at once).
    #[arg(long, default_value_t = 0)]
    wait_lock: u64,
    /// With a directory of requests: certificates per batch (one registry write and one
    /// audit commit each).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    batch: u64,
    /// Overwrite certificate files that already exist (by default they are refused before
    /// anything is signed).
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    log: LogArgs,
}

#[derive(Args)]
struct PresentArgs {
    /// The certificate as issued (every disclosure).
    #[arg(long)]
    certificate: PathBuf,
    /// The device key the certificate is bound to.
    #[arg(long)]
    device_key: PathBuf,
    /// Disclosable fields to reveal (comma-separated).
    #[arg(long, value_delimiter = ',')]
    reveal: Vec<String>,
    /// The verifier's nonce (hex).
    #[arg(long)]
    nonce: Option<String>,
    /// Who it is shown to.
    #[arg(long)]
    audience: Option<String>,
    /// Purpose of use (用证事由).
    #[arg(long)]
    purpose: Option<String>,
    /// Seconds it lives (1–300).
    #[arg(long, default_value_t = 60)]
    lifetime: u64,
    /// Write the presentation bytes here (the QR text is printed).
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    render: RenderArgs,
}

#[derive(Args)]
struct RenderArgs {
    /// Render as a QR code: to the terminal, or as an SVG/PNG file given by --qr-out.
    #[arg(long, value_enum)]
    qr: Option<QrFormat>,
    /// Where to write an SVG or PNG QR code.
    #[arg(long)]
    qr_out: Option<PathBuf>,
    /// Error-correction level.
    #[arg(long, value_enum, default_value = "m")]
    level: Level,
}

#[derive(Clone, Copy, ValueEnum)]
enum QrFormat {
    Terminal,
    Svg,
    Png,
}

#[derive(Clone, Copy, ValueEnum)]
enum Level {
    L,
    M,
    Q,
    H,
}

impl RenderArgs {
    fn render(&self, text: &str) -> Result<()> {
        let Some(format) = self.qr else {
            return Ok(());
        };
        let level = match self.level {
            Level::L => QrLevel::L,
            Level::M => QrLevel::M,
            Level::Q => QrLevel::Q,
            Level::H => QrLevel::H,
        };
        let code = QrCode::new(text, level)?;
        eprintln!("QR version {} ({} characters)", code.version(), text.len());
        match format {
            QrFormat::Terminal => print!("{}", code.to_terminal()),
            QrFormat::Svg => write(self.qr_path()?, code.to_svg().as_bytes())?,
            QrFormat::Png => write(self.qr_path()?, &code.to_png(8)?)?,
        }
        Ok(())
    }

    fn qr_path(&self) -> Result<&Path> {
        Ok(self
            .qr_out
            .as_deref()
            .ok_or("--qr svg|png needs --qr-out")?)
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum Kind {
    Certificate,
    Presentation,
    Stamp,
}

#[derive(Args)]
struct VerifyArgs {
    /// What to verify.
    #[arg(value_enum)]
    kind: Kind,
    /// The object's bytes; for certificates also a directory, whose `.cbor` files are
    /// verified as one queue (one line each, exit 0 only if all are accepted).
    #[arg(long = "in", required_unless_present = "qr_text")]
    input: Option<PathBuf>,
    /// Or its QR text.
    #[arg(long)]
    qr_text: Option<String>,
    /// A trust file (JSON): issuer_keys [{name, agency, public_key, roles: ["issuer",
    /// "status-lists"]}], x509_roots [{name, file, roles, allow_unmarked_leaves?}],
    /// seal_makers [{name, public_key}], revoked_keys [{key_sha256 | public_key, since?}].
    #[arg(long, required_unless_present = "bundle")]
    trust: Option<PathBuf>,
    /// Or a signed trust bundle…
    #[arg(long, requires = "publisher")]
    bundle: Option<PathBuf>,
    /// …and its publisher's public key (hex).
    #[arg(long)]
    publisher: Option<String>,
    /// Status list tokens to load.
    #[arg(long)]
    status_list: Vec<PathBuf>,
    /// Agency seals to hold (for certificates signed under a seal).
    #[arg(long)]
    seal: Vec<PathBuf>,
    /// The stamped document (for stamps).
    #[arg(long)]
    document: Option<PathBuf>,
    /// The nonce this verifier sent (hex), for presentations.
    #[arg(long)]
    nonce: Option<String>,
    /// This verifier's name, for presentations.
    #[arg(long)]
    audience: Option<String>,
    /// Verify as of this Unix time (default: now).
    #[arg(long)]
    at: Option<u64>,
    /// Accept an unknown status (the report still says so).
    #[arg(long)]
    allow_unknown_status: bool,
    /// For a directory of certificates: check Ed25519 issuer signatures with one cofactored
    /// batch equation (≈2.7× faster; also accepts signatures a trusted issuer deliberately
    /// gave a small-order component, which strict verification refuses).
    #[arg(long)]
    allow_cofactored_batch: bool,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum SealCommand {
    /// Makes (signs) a seal as the seal maker.
    Make {
        /// The seal maker's key.
        #[arg(long)]
        maker_key: PathBuf,
        /// esID.
        #[arg(long)]
        id: String,
        /// Type code: 1 公章, 2 财务专用章, 3 发票专用章, 4 合同专用章, 5 法定代表人名章, 99 其他.
        #[arg(long, default_value_t = 1)]
        kind: u64,
        /// The seal's name.
        #[arg(long)]
        name: String,
        /// The owner organisation.
        #[arg(long)]
        owner_name: String,
        /// The owner's USCC.
        #[arg(long)]
        owner_uscc: String,
        /// Public keys (hex, or files holding hex) allowed to stamp with it.
        #[arg(long, required = true)]
        authorise: Vec<String>,
        /// The picture (SVG or PNG).
        #[arg(long)]
        picture: PathBuf,
        /// Printed size in mm.
        #[arg(long, default_value_t = 42)]
        size_mm: u32,
        /// Days of validity from now.
        #[arg(long, default_value_t = 365)]
        valid_days: u64,
        /// Where to write the seal.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        log: LogArgs,
    },
}

#[derive(Subcommand)]
enum StatusCommand {
    /// Sets a certificate's legal status (revoked, suspended, valid to reinstate, …).
    Set {
        /// The registry journal.
        #[arg(long)]
        journal: PathBuf,
        /// The status lists' URI prefix.
        #[arg(long)]
        prefix: String,
        /// The certificate identifier.
        #[arg(long)]
        certificate: String,
        /// valid, suspended, reported-lost, cancelled, revoked, annulled, expired,
        /// transferred-out.
        #[arg(long)]
        status: String,
        /// Who decided it (kept in the journal and the audit log).
        #[arg(long)]
        operator: String,
        /// Seconds to wait for another writer of the journal (default: fail at once).
        #[arg(long, default_value_t = 0)]
        wait_lock: u64,
        #[command(flatten)]
        log: LogArgs,
    },
    /// Signs the current status lists into a directory.
    Publish {
        /// The registry journal.
        #[arg(long)]
        journal: PathBuf,
        /// The status lists' URI prefix.
        #[arg(long)]
        prefix: String,
        /// The agency's key (lists must be signed for the agency).
        #[arg(long)]
        key: PathBuf,
        /// Seconds verifiers may rely on a list.
        #[arg(long, default_value_t = 3600)]
        ttl: u64,
        /// Output directory (one `.cwt` per list).
        #[arg(long)]
        out_dir: PathBuf,
        #[command(flatten)]
        log: LogArgs,
    },
}

#[derive(Subcommand)]
enum LogCommand {
    /// Appends an event (identifiers and digests only).
    Append {
        #[command(flatten)]
        log: LogArgs,
        /// certificate-issued, status-changed, status-list-published, seal-made, stamped, key.
        #[arg(long, default_value = "key")]
        kind: String,
        /// The subject (e.g. a certificate identifier).
        #[arg(long)]
        subject: String,
        /// A file whose SHA-256 is the event's object digest.
        #[arg(long)]
        object: Option<PathBuf>,
    },
    /// Prints the log's verifier key (C2SP vkey), which auditors need.
    Vkey {
        #[command(flatten)]
        log: LogArgs,
    },
    /// Verifies a log directory with nothing but the log's public key: the anchor and every
    /// commit after the tree cache's mark, or with --full the whole history.
    Verify {
        /// The log directory.
        #[arg(long)]
        dir: PathBuf,
        /// The log's origin line.
        #[arg(long)]
        origin: String,
        /// The log's verifier key (C2SP vkey).
        #[arg(long)]
        vkey: String,
        /// Accept bytes after the last commit (a writer's interrupted tail); they are
        /// reported either way.
        #[arg(long)]
        allow_uncommitted_tail: bool,
        /// Re-read the whole history (every frame, the hash chain, every checkpoint).
        #[arg(long)]
        full: bool,
    },
    /// Prints an inclusion proof bundle for entry `index`.
    Prove {
        #[command(flatten)]
        log: LogArgs,
        /// Read the log (or a read-only copy) with this verifier key alone: no private key,
        /// no writer lock.
        #[arg(long, conflicts_with = "log_key")]
        vkey: Option<String>,
        /// The entry.
        #[arg(long)]
        index: u64,
    },
    /// Prints the log's latest signed checkpoint (a C2SP signed note) for an auditor to hold.
    Checkpoint {
        #[command(flatten)]
        log: LogArgs,
        /// Read the log (or a read-only copy) with this verifier key alone.
        #[arg(long, conflicts_with = "log_key")]
        vkey: Option<String>,
    },
    /// Checks a signed checkpoint (from a file) against the log's key.
    CheckCheckpoint {
        /// The checkpoint file (a C2SP signed note).
        #[arg(long)]
        checkpoint: PathBuf,
        /// The log's origin line.
        #[arg(long)]
        origin: String,
        /// The log's verifier key.
        #[arg(long)]
        vkey: String,
    },
    /// Checks that a consistency bundle extends a checkpoint the auditor already holds.
    CheckConsistency {
        /// The checkpoint held (a C2SP signed note).
        #[arg(long)]
        held: PathBuf,
        /// The consistency bundle from the held size to a newer checkpoint.
        #[arg(long)]
        bundle: PathBuf,
        /// The log's origin line.
        #[arg(long)]
        origin: String,
        /// The log's verifier key.
        #[arg(long)]
        vkey: String,
    },
    /// Checks an inclusion proof bundle (from a file) against the log's key.
    CheckProof {
        /// The bundle file.
        #[arg(long)]
        bundle: PathBuf,
        /// The log's origin line.
        #[arg(long)]
        origin: String,
        /// The log's verifier key.
        #[arg(long)]
        vkey: String,
    },
    /// Prints a consistency bundle from `old_size` to the current size.
    Consistency {
        #[command(flatten)]
        log: LogArgs,
        /// Read the log (or a read-only copy) with this verifier key alone.
        #[arg(long, conflicts_with = "log_key")]
        vkey: Option<String>,
        /// The size a verifier already holds.
        #[arg(long)]
        old_size: u64,
    },
}

#[derive(Subcommand)]
enum BundleCommand {
    /// Makes a signed trust bundle from a trust file, seals and status lists.
    Make {
        /// The publisher's key (verifier apps pin its public key).
        #[arg(long)]
        publisher_key: PathBuf,
        /// The publisher's name.
        #[arg(long, default_value = "trust bundle publisher")]
        name: String,
        /// The trust file (JSON).
        #[arg(long)]
        trust: PathBuf,
        /// Agency seals to include.
        #[arg(long)]
        seal: Vec<PathBuf>,
        /// Status list tokens to include.
        #[arg(long)]
        status_list: Vec<PathBuf>,
        /// Days until it expires.
        #[arg(long, default_value_t = 7)]
        days: u64,
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
    },
    /// Checks a bundle's signature and freshness and lists what it holds.
    Verify {
        /// The bundle.
        #[arg(long = "in")]
        input: PathBuf,
        /// The publisher's public key (hex).
        #[arg(long)]
        publisher: String,
    },
}

fn now() -> Result<UnixTime> {
    Ok(SystemClock.now()?)
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Keygen { alg, out } => keygen(alg, &out),
        Command::Issue(args) => issue(&args),
        Command::Present(args) => present(&args),
        Command::Qr {
            text,
            input,
            render,
        } => {
            let text = match (text, input) {
                (Some(t), _) => t,
                (None, Some(path)) => qr::to_qr_text(&read(&path)?),
                (None, None) => return Err("give --text or --in".into()),
            };
            println!("{text}");
            render.render(&text)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify(args) => verify(&args),
        Command::Stamp {
            seal,
            key,
            document,
            property,
            out,
            log,
        } => {
            let mut stamper = Stamper::new(read(&seal)?, SignerBox(files::signing_key(&key)?))?;
            if let Some(log) = log.open()? {
                stamper = stamper.with_audit_log(log);
            }
            let stamp = stamper.stamp(&read(&document)?, &property, now()?)?;
            write(&out, &stamp)?;
            println!("stamp {} bytes → {}", stamp.len(), out.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Seal(SealCommand::Make {
            maker_key,
            id,
            kind,
            name,
            owner_name,
            owner_uscc,
            authorise,
            picture,
            size_mm,
            valid_days,
            out,
            log,
        }) => {
            let t = now()?;
            let mut authorised_keys = Vec::new();
            for key in &authorise {
                let hex_text = if Path::new(key).is_file() {
                    read_text(Path::new(key))?
                } else {
                    key.clone()
                };
                authorised_keys.push(sha256(&files::public_key(&hex_text)?.to_bytes()));
            }
            authorised_keys.sort_unstable();
            authorised_keys.dedup();
            let format = if picture.extension().is_some_and(|e| e == "png") {
                "png"
            } else {
                "svg"
            };
            let seal = Seal {
                id,
                kind: SealKind::from_code(kind).ok_or("unknown seal type code")?,
                name,
                owner: Agency::new(&owner_name, &owner_uscc)?,
                authorised_keys,
                created: t,
                valid_from: t,
                valid_until: t.saturating_add(valid_days.saturating_mul(86_400)),
                picture: SealPicture {
                    format: format.into(),
                    data: read(&picture)?,
                    width_mm: size_mm,
                    height_mm: size_mm,
                },
                status: None,
            };
            let mut maker = SealMaker::new(SignerBox(files::signing_key(&maker_key)?));
            if let Some(log) = log.open()? {
                maker = maker.with_audit_log(log);
            }
            let bytes = maker.make(&seal, t)?;
            write(&out, &bytes)?;
            println!(
                "seal {} ({}) {} bytes → {}",
                seal.id,
                seal.kind.label(),
                bytes.len(),
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Status(cmd) => status(cmd),
        Command::Log(cmd) => log_command(cmd),
        Command::Bundle(cmd) => bundle(cmd),
    }
}

/// A boxed signer as an owned `Signer` (the library's builders take `impl Signer`).
struct SignerBox(Box<dyn Signer>);

impl Signer for SignerBox {
    fn public_key(&self) -> yinzheng::crypto::PublicKey {
        self.0.public_key()
    }

    fn sign(&self, message: &[u8]) -> std::result::Result<Vec<u8>, yinzheng::crypto::SignError> {
        self.0.sign(message)
    }
}

fn keygen(alg: KeyAlg, out: &Path) -> Result<ExitCode> {
    if out.exists() {
        return Err(format!("{} exists: refusing to overwrite a key", out.display()).into());
    }
    let (pem, public) = match alg {
        KeyAlg::Ed25519 => {
            let key = Ed25519SigningKey::generate(&OsRandom)?;
            (key.to_pkcs8_pem()?, key.public_key())
        }
        KeyAlg::P256 => {
            let key = P256SigningKey::generate(&OsRandom)?;
            (key.to_pkcs8_pem()?, key.public_key())
        }
    };
    write(out, pem.as_bytes())?;
    let public_hex = hex_encode(&public.to_bytes());
    write(&out.with_extension("pub"), public_hex.as_bytes())?;
    println!("{public_hex}");
    eprintln!(
        "{} key written to {} (public key in {}, key id {})",
        public.algorithm(),
        out.display(),
        out.with_extension("pub").display(),
        public.key_id()
    );
    Ok(ExitCode::SUCCESS)
}

fn issue(args: &IssueArgs) -> Result<ExitCode> {
    let agency = Agency::new(&args.agency_name, &args.agency_uscc)?;
    let mut issuer = Issuer::new(agency, SignerBox(files::signing_key(&args.key)?));
    if let Some(seal) = &args.seal {
        issuer = issuer.with_seal(&read(seal)?)?;
    }
    let log = args.log.open()?;
    if let Some(log) = &log {
        issuer = issuer.with_audit_log(log.clone());
    }
    let mut registry = None;
    if let (Some(journal), Some(prefix)) = (&args.status_journal, &args.status_prefix) {
        let mut opened = open_registry(journal, prefix, args.wait_lock)?;
        if let Some(log) = &log {
            opened = opened.with_observer(log.clone())?;
        }
        let opened = Arc::new(opened);
        issuer = issuer.with_status_registry(opened.clone());
        registry = Some(opened);
    }
    let t = now()?;
    if args.request.is_dir() {
        let bulk = bulk::Bulk {
            requests: &args.request,
            out: &args.out,
            batch: usize::try_from(args.batch).unwrap_or(1000),
            force: args.force,
        };
        let (total, fresh) = bulk::issue_all(&bulk, issuer, registry.as_ref(), t)?;
        println!(
            "{total} certificates → {} ({fresh} new, {} issued before; manifest.tsv, ledger {})",
            args.out.display(),
            total - fresh,
            bulk::ledger_path(&args.out).display()
        );
    } else {
        if !args.force && args.out.exists() {
            return Err(format!("{} exists (use --force to overwrite)", args.out.display()).into());
        }
        let issued = issuer.issue(RequestSpec::load(&args.request)?.builder()?, t)?;
        write(&args.out, issued.as_bytes())?;
        println!("{}", issued.certificate().id);
        eprintln!(
            "{} bytes → {}{}",
            issued.as_bytes().len(),
            args.out.display(),
            issued
                .audit_index()
                .map_or(String::new(), |i| format!(", audit log entry {i}"))
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn present(args: &PresentArgs) -> Result<ExitCode> {
    let presenter = Presenter::new(
        read(&args.certificate)?,
        SignerBox(files::signing_key(&args.device_key)?),
    )?;
    let options = PresentationOptions {
        reveal: args.reveal.clone(),
        lifetime_secs: args.lifetime,
        nonce: args.nonce.as_deref().map(hex_decode).transpose()?,
        audience: args.audience.clone(),
        purpose: args.purpose.clone(),
    };
    let bytes = presenter.present(&options, now()?)?;
    if let Some(out) = &args.out {
        write(out, &bytes)?;
    }
    let text = qr::to_qr_text(&bytes);
    println!("{text}");
    args.render.render(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// The exit code for a rejection.
fn exit_for(rejected: &Rejected) -> ExitCode {
    ExitCode::from(match rejected.error() {
        VerifyError::Revoked { .. }
        | VerifyError::Suspended { .. }
        | VerifyError::SealRevoked
        | VerifyError::SealSuspended => 11,
        VerifyError::Expired { .. }
        | VerifyError::NotYetValid { .. }
        | VerifyError::SignedInFuture { .. }
        | VerifyError::PresentationExpired { .. }
        | VerifyError::PresentationFromFuture { .. }
        | VerifyError::SealNotValid { .. } => 12,
        VerifyError::StatusUnknown(_) | VerifyError::SealStatusUnknown(_) => 13,
        _ => 10,
    })
}

fn report_json(report: &Report) -> serde_json::Value {
    let checks: Vec<serde_json::Value> = report
        .results()
        .iter()
        .map(|r| {
            let (outcome, detail) = match &r.outcome {
                yinzheng::verify::Outcome::Passed => ("passed", None),
                yinzheng::verify::Outcome::Failed(e) => ("failed", Some(e.to_string())),
                yinzheng::verify::Outcome::Skipped(why) => ("skipped", Some(why.to_string())),
                yinzheng::verify::Outcome::Allowed(e) => ("allowed", Some(e.to_string())),
                _ => ("other", None),
            };
            serde_json::json!({
                "step": r.check.step(), "name": r.check.name(), "label": r.check.label(),
                "outcome": outcome, "detail": detail,
            })
        })
        .collect();
    serde_json::json!({
        "checks": checks,
        "trusted_key": report.trusted_key(),
        "status": report.status().map(|s| s.to_string()),
        "warnings": report.warnings().iter().map(ToString::to_string).collect::<Vec<_>>(),
    })
}

fn verify(args: &VerifyArgs) -> Result<ExitCode> {
    let at = match args.at {
        Some(secs) => UnixTime::from_secs(secs),
        None => now()?,
    };
    let mut ctx = VerificationContext::at(at);
    if let Some(nonce) = &args.nonce {
        ctx = ctx.with_nonce(hex_decode(nonce)?);
    }
    if let Some(audience) = &args.audience {
        ctx = ctx.with_audience(audience.clone());
    }
    let builder = match (&args.trust, &args.bundle, &args.publisher) {
        (Some(trust), _, _) => Verifier::builder(TrustSpec::load(trust)?),
        (None, Some(bundle), Some(publisher)) => Verifier::from_trust_bundle(
            &read(bundle)?,
            &files::public_key(publisher)?,
            &VerificationContext::at(at),
            &Limits::default(),
        )?,
        _ => return Err("give --trust, or --bundle with --publisher".into()),
    };
    let builder = if args.allow_unknown_status {
        builder.allow_unknown_status()
    } else {
        builder
    };
    let builder = if args.allow_cofactored_batch {
        builder.allow_cofactored_batch()
    } else {
        builder
    };
    let verifier = builder.build()?;
    // Seals first: a status list may be signed under one.
    for seal in &args.seal {
        let added = verifier
            .add_seal(&read(seal)?, &ctx)
            .map_err(|e| format!("{}: {e}", seal.display()))?;
        if let SealAdded::KeptNewer { current_created } = added.outcome {
            eprintln!(
                "{}: an older version of seal {}; the one made at {current_created} stays current",
                seal.display(),
                added.seal.id
            );
        }
    }
    for list in &args.status_list {
        let added = verifier
            .add_status_list(&read(list)?, &ctx)
            .map_err(|e| format!("{}: {e}", list.display()))?;
        if let ListAdded::KeptHeld { held_issued_at } = added.outcome {
            eprintln!(
                "{}: kept the list held for {} (issued at {held_issued_at}, not older)",
                list.display(),
                added.uri
            );
        }
    }
    if let (Kind::Certificate, Some(dir)) = (args.kind, &args.input)
        && dir.is_dir()
    {
        return verify_queue(&verifier, dir, &ctx, args.json);
    }
    let bytes = match (&args.input, &args.qr_text) {
        (Some(path), _) => read(path)?,
        (None, Some(text)) => qr::from_qr_text(text, verifier.limits())?,
        (None, None) => return Err("give --in or --qr-text".into()),
    };
    let (report, summary) = match args.kind {
        Kind::Certificate => match verifier.verify_certificate(&bytes, &ctx) {
            Ok(v) => {
                let fields: Vec<_> = v.all_fields().map(files::field_json).collect();
                let summary = serde_json::json!({
                    "id": v.id.to_string(), "holder": v.holder.name, "issuer": v.issuer.name,
                    "fields": fields, "seal": v.seal().map(|s| s.name.clone()),
                });
                (Ok(v.report().clone()), summary)
            }
            Err(r) => (Err(r), serde_json::Value::Null),
        },
        Kind::Presentation => match verifier.verify_presentation(&bytes, &ctx) {
            Ok(v) => {
                let fields: Vec<_> = v.certificate.all_fields().map(files::field_json).collect();
                let summary = serde_json::json!({
                    "id": v.certificate.id.to_string(), "holder": v.certificate.holder.name,
                    "fields": fields, "audience": v.audience, "purpose": v.purpose,
                    "expires_at": v.expires_at.as_secs(),
                });
                (Ok(v.report().clone()), summary)
            }
            Err(r) => (Err(r), serde_json::Value::Null),
        },
        Kind::Stamp => {
            let document = read(args.document.as_ref().ok_or("a stamp needs --document")?)?;
            match verifier.verify_stamp(&bytes, &document, &ctx) {
                Ok(v) => {
                    let summary = serde_json::json!({
                        "seal": v.seal.name, "owner": v.seal.owner.name,
                        "seal_maker": v.seal_maker, "signed_at": v.signed_at.as_secs(),
                    });
                    (Ok(v.report().clone()), summary)
                }
                Err(r) => (Err(r), serde_json::Value::Null),
            }
        }
    };
    let (report_ref, code, verdict) = match &report {
        Ok(report) => (report, ExitCode::SUCCESS, "accepted".to_owned()),
        Err(rejected) => (rejected.report(), exit_for(rejected), rejected.to_string()),
    };
    if args.json {
        let out = serde_json::json!({
            "accepted": report.is_ok(), "verdict": verdict,
            "report": report_json(report_ref), "content": summary,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print!("{report_ref}");
        println!("{verdict}");
        if !summary.is_null() {
            println!("{}", serde_json::to_string_pretty(&summary)?);
        }
    }
    Ok(code)
}

/// Certificates verified per call, so the progress bar moves on a large directory.
const QUEUE_CHUNK: usize = 4 * yinzheng::verify::BATCH_SIZE;

/// Verifies every `.cbor` file of `dir` as one queue: a line per file, then a tally.
fn verify_queue(
    verifier: &Verifier,
    dir: &Path,
    ctx: &VerificationContext,
    json: bool,
) -> Result<ExitCode> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "cbor"))
        .collect();
    paths.sort();
    let bar = indicatif::ProgressBar::new(u64::try_from(paths.len()).unwrap_or(0));
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {per_sec} {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut rejected = 0usize;
    for chunk in paths.chunks(QUEUE_CHUNK) {
        let queue = chunk.iter().map(|p| read(p)).collect::<Result<Vec<_>>>()?;
        for (path, result) in chunk.iter().zip(verifier.verify_certificates(&queue, ctx)) {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            let line = match &result {
                Ok(v) if json => serde_json::json!({
                    "file": name, "accepted": true, "id": v.id.to_string(), "holder": v.holder.name,
                })
                .to_string(),
                Ok(v) => format!("{name}\taccepted\t{}\t{}", v.id, v.holder.name),
                Err(r) if json => serde_json::json!({
                    "file": name, "accepted": false, "failed_check": r.failed_check().name(),
                    "verdict": r.to_string(),
                })
                .to_string(),
                Err(r) => format!("{name}\trejected\t{r}"),
            };
            rejected += usize::from(result.is_err());
            bar.suspend(|| println!("{line}"));
        }
        bar.inc(u64::try_from(chunk.len()).unwrap_or(0));
    }
    bar.finish_and_clear();
    eprintln!(
        "{} certificates: {} accepted, {rejected} rejected",
        paths.len(),
        paths.len() - rejected
    );
    Ok(if rejected == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(10)
    })
}

fn status(cmd: StatusCommand) -> Result<ExitCode> {
    match cmd {
        StatusCommand::Set {
            journal,
            prefix,
            certificate,
            status,
            operator,
            wait_lock,
            log,
        } => {
            let legal = parse_status(&status)?;
            let mut registry = open_registry(&journal, &prefix, wait_lock)?;
            if let Some(log) = log.open()? {
                registry = registry.with_observer(log)?;
            }
            let change = registry.set_status(&certificate, legal, &operator, now()?)?;
            println!("{certificate}: {} ({change:?})", legal.label());
        }
        StatusCommand::Publish {
            journal,
            prefix,
            key,
            ttl,
            out_dir,
            log,
        } => {
            // Publishing reads what was acknowledged; it needs no writer lock.
            let mut registry =
                StatusRegistry::open_file_read_only(&journal, RegistryConfig::new(&prefix))?;
            if let Some(log) = log.open()? {
                registry = registry.with_observer(log)?;
            }
            let signer = files::signing_key(&key)?;
            std::fs::create_dir_all(&out_dir)?;
            let t = now()?;
            for (i, uri) in registry.uris().iter().enumerate() {
                let token = registry.publish(uri, signer.as_ref(), t, ttl)?;
                let file = out_dir.join(format!("list-{i}.cwt"));
                write(&file, &token)?;
                println!("{uri} → {}", file.display());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Opens the registry journal as its writer, waiting up to `wait_secs` for another writer.
fn open_registry(journal: &Path, prefix: &str, wait_secs: u64) -> Result<StatusRegistry> {
    let wait = std::time::Duration::from_secs(wait_secs).max(std::time::Duration::from_millis(100));
    let store = FileStatusStore::open_waiting(journal, wait)?;
    Ok(StatusRegistry::open(store, RegistryConfig::new(prefix))?)
}

fn parse_status(text: &str) -> Result<LegalStatus> {
    Ok(match text {
        "valid" | "有效" => LegalStatus::Valid,
        "suspended" | "暂扣" => LegalStatus::Suspended,
        "reported-lost" | "挂失" => LegalStatus::ReportedLost,
        "cancelled" | "注销" => LegalStatus::Cancelled,
        "revoked" | "吊销" => LegalStatus::Revoked,
        "annulled" | "撤销" => LegalStatus::Annulled,
        "expired" | "失效" => LegalStatus::Expired,
        "transferred-out" | "转出" => LegalStatus::TransferredOut,
        other => return Err(format!("unknown status {other}").into()),
    })
}

fn log_command(cmd: LogCommand) -> Result<ExitCode> {
    match cmd {
        LogCommand::Append {
            log,
            kind,
            subject,
            object,
        } => {
            let audit = log.open()?.ok_or("log append needs --log and --log-key")?;
            let kind = match kind.as_str() {
                "certificate-issued" => EventKind::CertificateIssued,
                "status-changed" => EventKind::StatusChanged,
                "status-list-published" => EventKind::StatusListPublished,
                "seal-made" => EventKind::SealMade,
                "stamped" => EventKind::Stamped,
                "key" => EventKind::KeyEvent,
                other => return Err(format!("unknown event kind {other}").into()),
            };
            let object_digest = match &object {
                Some(path) => sha256(&read(path)?),
                None => [0; 32],
            };
            let receipt = audit.append(
                Event {
                    kind,
                    actor_key_id: [0; 32],
                    subject: subject.into_bytes(),
                    object_digest,
                    attributes: vec![0xA0],
                },
                now()?,
            )?;
            println!("entry {}", receipt.index);
        }
        LogCommand::Vkey { log } => {
            let audit = log.open()?.ok_or("log vkey needs --log and --log-key")?;
            println!("{}", audit.key().to_vkey());
        }
        LogCommand::Verify {
            dir,
            origin,
            vkey,
            allow_uncommitted_tail,
            full,
        } => {
            let key = NoteKey::from_vkey(&vkey)?;
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_message(format!("verifying {}", dir.display()));
            let summary = if full {
                verify_dir_full(&dir, &origin, &key)?
            } else {
                verify_dir(&dir, &origin, &key)?
            };
            bar.finish_and_clear();
            if summary.uncommitted_bytes > 0 && !allow_uncommitted_tail {
                eprintln!(
                    "{} bytes after the last commit are not part of the log (an interrupted write, or bytes added since)",
                    summary.uncommitted_bytes
                );
                return Ok(ExitCode::from(10));
            }
            let scope = if summary.checked_from == 0 {
                "every frame, the hash chain, every signed checkpoint and the anchor".to_owned()
            } else {
                format!(
                    "the anchor, the signed commit at entry {} and every frame after it (--full re-reads the history before)",
                    summary.checked_from
                )
            };
            println!(
                "log verified: {} entries, {scope}{}",
                summary.size,
                if summary.uncommitted_bytes > 0 {
                    format!(
                        "; {} uncommitted bytes after the last commit",
                        summary.uncommitted_bytes
                    )
                } else {
                    String::new()
                }
            );
        }
        LogCommand::Prove { log, vkey, index } => {
            let bundle = match vkey {
                Some(vkey) => log.open_reader(&vkey)?.inclusion_bundle(index)?,
                None => log
                    .open()?
                    .ok_or("log prove needs --log with --log-key or --vkey")?
                    .inclusion_bundle(index)?,
            };
            print!("{}", bundle.encode());
        }
        LogCommand::Checkpoint { log, vkey } => {
            let note = match vkey {
                Some(vkey) => log.open_reader(&vkey)?.checkpoint().note,
                None => {
                    log.open()?
                        .ok_or("log checkpoint needs --log with --log-key or --vkey")?
                        .checkpoint()
                        .note
                }
            };
            print!("{note}");
        }
        LogCommand::CheckCheckpoint {
            checkpoint,
            origin,
            vkey,
        } => {
            let key = NoteKey::from_vkey(&vkey)?;
            let (signed, _) = SignedCheckpoint::verify(&read_text(&checkpoint)?, &origin, &[key])?;
            println!(
                "checkpoint verified: {} entries, root {}",
                signed.checkpoint.size,
                signed
                    .checkpoint
                    .root
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
            );
        }
        LogCommand::CheckConsistency {
            held,
            bundle,
            origin,
            vkey,
        } => {
            let keys = vec![NoteKey::from_vkey(&vkey)?];
            let (held, _) = SignedCheckpoint::verify(&read_text(&held)?, &origin, &keys)?;
            let bundle = ConsistencyBundle::parse(&read_text(&bundle)?)?;
            let mut auditor = CheckpointAuditor::new(&origin, keys, Some(held));
            match auditor.update(&bundle) {
                Ok(newer) => println!(
                    "consistent: the checkpoint of {} entries extends the one held",
                    newer.checkpoint.size
                ),
                Err(UpdateError::Inconsistent(evidence)) => {
                    eprintln!(
                        "INCONSISTENT: the log has shown two histories; keep both checkpoints as evidence\n--- held\n{}--- offered\n{}",
                        evidence.held, evidence.offered
                    );
                    return Ok(ExitCode::from(11));
                }
                Err(e) => return Err(e.into()),
            }
        }
        LogCommand::CheckProof {
            bundle,
            origin,
            vkey,
        } => {
            let key = NoteKey::from_vkey(&vkey)?;
            let included = InclusionBundle::parse(&read_text(&bundle)?)?.verify(&origin, &[key])?;
            println!(
                "entry {} is in the log at size {} ({:?})",
                included.index, included.checkpoint.checkpoint.size, included.entry.event.kind
            );
        }
        LogCommand::Consistency {
            log,
            vkey,
            old_size,
        } => {
            let bundle = match vkey {
                Some(vkey) => log.open_reader(&vkey)?.consistency_bundle(old_size)?,
                None => log
                    .open()?
                    .ok_or("log consistency needs --log with --log-key or --vkey")?
                    .consistency_bundle(old_size)?,
            };
            print!("{}", bundle.encode());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn bundle(cmd: BundleCommand) -> Result<ExitCode> {
    match cmd {
        BundleCommand::Make {
            publisher_key,
            name,
            trust,
            seal,
            status_list,
            days,
            out,
        } => {
            let store = TrustSpec::load(&trust)?;
            let t = now()?;
            let mut bundle = TrustBundle {
                publisher: name,
                issued_at: t,
                expires_at: t.saturating_add(days.saturating_mul(86_400)),
                ..TrustBundle::default()
            };
            let mut keys: Vec<_> = store.keys().collect();
            keys.sort_by(|a, b| a.name().cmp(b.name()));
            for key in keys {
                let (alg, bytes) = (
                    key.public_key().algorithm().cose_id(),
                    key.public_key().to_bytes(),
                );
                match key.agency() {
                    Some(agency) => bundle.issuer_keys.push(BundleIssuerKey {
                        name: key.name().to_owned(),
                        agency: agency.clone(),
                        alg,
                        key: bytes,
                        roles: key.roles().bits(),
                    }),
                    None if key.roles() == Roles::SEAL_MAKER => {
                        bundle.seal_makers.push(BundleNamed {
                            name: key.name().to_owned(),
                            alg,
                            bytes,
                            roles: key.roles().bits(),
                        });
                    }
                    None => {
                        return Err(format!(
                            "{}: a bundle carries agency keys and seal makers, not {} keys",
                            key.name(),
                            key.roles()
                        )
                        .into());
                    }
                }
            }
            for root in store.x509_roots() {
                bundle.x509_roots.push(BundleNamed {
                    name: root.name().to_owned(),
                    alg: 0,
                    bytes: root.der().to_vec(),
                    roles: root.roles().bits(),
                });
            }
            let mut revoked: Vec<_> = store.revoked_keys().collect();
            revoked.sort_by_key(|r| r.digest);
            bundle.revoked_keys = revoked
                .into_iter()
                .map(|r| BundleRevokedKey {
                    digest: r.digest,
                    since: r.since,
                })
                .collect();
            for path in &seal {
                bundle.seals.push(read(path)?);
            }
            for path in &status_list {
                bundle.status_lists.push(read(path)?);
            }
            let signer = files::signing_key(&publisher_key)?;
            let bytes = sign_trust_bundle(&bundle, signer.as_ref())?;
            write(&out, &bytes)?;
            println!("trust bundle {} bytes → {}", bytes.len(), out.display());
        }
        BundleCommand::Verify { input, publisher } => {
            let t = now()?;
            let bytes = read(&input)?;
            Verifier::from_trust_bundle(
                &bytes,
                &files::public_key(&publisher)?,
                &VerificationContext::at(t),
                &Limits::default(),
            )?
            .build()?;
            // Verified above; read the content again to list it.
            let sign1 = yinzheng::encoding::cose::CoseSign1::decode(&bytes, &Limits::default())?;
            let bundle = TrustBundle::decode(sign1.payload, &Limits::default())?;
            println!(
                "trust bundle from {} verified and fresh until {}: {} agency keys, {} X.509 roots, {} seal makers, {} seals, {} status lists, {} revoked keys",
                bundle.publisher,
                bundle.expires_at,
                bundle.issuer_keys.len(),
                bundle.x509_roots.len(),
                bundle.seal_makers.len(),
                bundle.seals.len(),
                bundle.status_lists.len(),
                bundle.revoked_keys.len()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
