//! The command line as clap types: every command, its arguments and their help text.

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};
use yinzheng::present::{QrCode, QrLevel};
use yinzheng::time::UnixTime;

use crate::files::{Result, write};

mod examples;
mod log;
mod verify;

pub(crate) use log::{LogArgs, LogCommand, WitnessArgs, WitnessCommand};
pub(crate) use verify::{ObjectArgs, TrustArgs, VerifyCommand};

/// A time: RFC 3339 (`2026-12-05T09:30:00+08:00`), or Unix seconds.
pub(crate) fn parse_time(text: &str) -> core::result::Result<UnixTime, String> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse()
            .map(UnixTime::from_secs)
            .map_err(|_| format!("{text}: too large for Unix seconds"));
    }
    text.parse().map_err(|e| format!("{text}: {e}"))
}

const EXAMPLES: &str = "\
Examples:
  yinzheng keygen --out agency.pem --password-file agency.password
  yinzheng keygen --alg p256 --out phone.pem
  yinzheng seal make --maker-key maker.pem --id 2200000000000001 --kind 1 \\
      --name 某局电子公章 --owner-name 某局 --owner-uscc 11220000013544541J \\
      --authorise agency.pub --picture seal.svg --out seal.cose
  yinzheng issue --key agency.pem --agency-name 某局 --agency-uscc 11220000013544541J \\
      --request licence.json --out licence.cbor --log audit/ --log-key log.pem
  yinzheng present --certificate resident.cbor --device-key phone.pem --reveal age_over_18 --qr terminal
  yinzheng verify presentation --trust trust.json --qr-text 'YZ2:...' --nonce 0011 --json
  yinzheng verify certificate --trust trust.json --in inbox/ --allow-cofactored-batch --json
  yinzheng status set --status-journal status.journal --status-prefix https://status.example/ \\
      --certificate 1.2.156.3005.2.… --status revoked --operator op-7
  yinzheng log verify --log audit/ --origin audit.example/agency --vkey \"$(cat log.vkey)\"
National seals and OFD (feature gm):
  yinzheng keygen --alg sm2 --out signer.pem
  yinzheng seal make --gm --maker-key maker.pem --maker-cert maker.crt --signer-cert signer.crt \
      --id 22010000000000000001 --name 某局业务专用章 --picture seal.png --out seal.esl
  yinzheng stamp ofd --in notice.ofd --seal seal.esl --key signer.pem --cert signer.crt --out stamped.ofd
  yinzheng licence --trust trust.json --certificate licence.cbor --out licence.ofd
  yinzheng verify ofd --trust trust.json --in stamped.ofd --json

Exit codes: 0 accepted / done, 1 error, 2 usage, 10 rejected, 11 revoked or suspended,
12 outside its validity (expired, not yet valid, stale presentation), 13 status unknown.

Keys: a key argument takes a PKCS#8 PEM file (encrypted ones are opened with the password from
--password-file, $YINZHENG_KEY_PASSWORD or a prompt) or an RFC 7512 URI of a key in an HSM,
e.g. 'pkcs11:token=agency;object=issuing?module-path=/usr/lib/softhsm/libsofthsm2.so'
(module also from $YINZHENG_PKCS11_MODULE; PIN from pin-source=FILE, $YINZHENG_PKCS11_PIN or a
prompt).";

#[derive(Parser)]
#[command(name = "yinzheng", version, about = "Electronic certificates and seals: issue, present, verify offline, revoke, audit.", after_help = EXAMPLES)]
pub(crate) struct Cli {
    /// The config file (TOML: [agency] name, uscc, key; [log] dir, key, origin; [status]
    /// journal, prefix; [keys] password_file). A flag beats its environment variable, which
    /// beats the file, which beats the built-in default.
    #[arg(long, global = true, value_name = "FILE", env = "YINZHENG_CONFIG")]
    pub(crate) config: Option<PathBuf>,
    /// The password of encrypted key files: this file's first line. Without it,
    /// $YINZHENG_KEY_PASSWORD, else a prompt on the terminal (never a command-line value).
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) password_file: Option<PathBuf>,
    /// Print results, and errors, as JSON on stdout.
    #[arg(long, global = true)]
    pub(crate) json: bool,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Makes a private key — encrypted PKCS#8 PEM (scrypt, AES-256-CBC), mode 0600, never
    /// over an existing file — and prints its public key (hex) and key id.
    #[command(after_help = examples::KEYGEN)]
    Keygen {
        /// Ed25519 for agencies, seal makers and logs; P-256 for phones' device keys.
        #[arg(long, value_enum, default_value = "ed25519")]
        alg: KeyAlg,
        /// Where to write the private key.
        #[arg(short, long)]
        out: PathBuf,
        /// Write the key unencrypted (still mode 0600): for a key about to be imported into an
        /// HSM, or test fixtures. No password is asked for.
        #[arg(long)]
        allow_unencrypted: bool,
    },
    /// Issues certificates from JSON or TOML requests (one file, or a directory in bulk).
    #[command(after_help = examples::ISSUE)]
    Issue(IssueArgs),
    /// Shows a device-bound certificate as a presentation signed by the device key.
    #[command(after_help = examples::PRESENT)]
    Present(PresentArgs),
    /// Renders QR text as a QR code.
    #[command(after_help = examples::QR)]
    Qr(QrArgs),
    /// Verifies a certificate, a presentation or a stamp offline.
    #[command(subcommand)]
    Verify(VerifyCommand),
    /// Stamps a document with a seal (电子签章).
    #[command(after_help = examples::STAMP)]
    Stamp(StampArgs),
    /// Electronic seals (电子印章).
    #[command(subcommand)]
    Seal(SealCommand),
    /// Certificate status: set a legal status, publish signed status lists.
    #[command(subcommand)]
    Status(StatusCommand),
    /// The tamper-evident audit log.
    #[command(subcommand)]
    Log(LogCommand),
    /// Witness another log: cosign its checkpoints once they are proven consistent.
    #[command(subcommand)]
    Witness(WitnessCommand),
    /// Trust bundles for offline verifiers.
    #[command(subcommand)]
    Bundle(BundleCommand),
    /// Renders a certificate, once verified, as an OFD e-licence (its face as page text, the
    /// certificate attached) to stamp with `stamp ofd`.
    #[cfg(feature = "gm")]
    #[command(after_help = examples::LICENCE)]
    Licence(LicenceArgs),
    /// Shows any object — certificate, presentation, seal, stamp, status list, trust bundle
    /// (COSE or QR text), checkpoint, proof bundle, GB/T 38540 seal or stamp — as it is
    /// written, with no trust and no signature checked.
    #[command(
        after_help = "Examples:\n  yinzheng inspect licence.cbor\n  yinzheng inspect --json trust.bundle\n  yinzheng inspect audit/checkpoint"
    )]
    Inspect {
        /// The file.
        file: PathBuf,
    },
    /// Prints the JSON Schema (draft 2020-12) of a request file or a trust file, for editors
    /// and for checking files before they reach `issue` or `verify`.
    #[command(
        after_help = "Examples:\n  yinzheng schema request > request.schema.json\n  yinzheng schema trust > trust.schema.json && check-jsonschema --schemafile trust.schema.json trust.json"
    )]
    Schema {
        /// Which file.
        #[arg(value_enum)]
        file: SchemaFile,
    },
    /// Prints a shell completion script: `source <(yinzheng completions bash)`.
    #[command(
        after_help = "Examples:\n  yinzheng completions bash > /etc/bash_completion.d/yinzheng\n  yinzheng completions zsh > \"${fpath[1]}/_yinzheng\""
    )]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Writes man pages (yinzheng.1 and one per subcommand) into a directory.
    #[command(after_help = "Example:\n  yinzheng man --out-dir /usr/local/share/man/man1")]
    Man {
        /// The directory (created if missing).
        #[arg(short, long, value_name = "DIR")]
        out_dir: PathBuf,
    },
}

/// The files `schema` describes.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum SchemaFile {
    /// A certificate request (`issue --request`), JSON or TOML.
    Request,
    /// A trust file (`verify … --trust`).
    Trust,
}

impl SchemaFile {
    /// The schema, as shipped in docs/schemas.
    pub(crate) fn text(self) -> &'static str {
        match self {
            Self::Request => include_str!("../../../../docs/schemas/request.schema.json"),
            Self::Trust => include_str!("../../../../docs/schemas/trust.schema.json"),
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum KeyAlg {
    Ed25519,
    P256,
    /// SM2 (feature gm): national seal makers and stamp signers.
    #[cfg(feature = "gm")]
    Sm2,
}

#[cfg(feature = "gm")]
#[derive(Args)]
pub(crate) struct LicenceArgs {
    /// The certificate as issued.
    #[arg(long)]
    pub(crate) certificate: PathBuf,
    /// A trust file that accepts it (see `verify --help`).
    #[arg(short, long)]
    pub(crate) trust: PathBuf,
    /// Verify as of this time: RFC 3339 or Unix seconds (default: now).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub(crate) at: Option<UnixTime>,
    /// Where to write the OFD.
    #[arg(short, long)]
    pub(crate) out: PathBuf,
}

/// `stamp ofd`: an OFD document stamped (with --seal) or signed (without).
#[cfg(feature = "gm")]
#[derive(Args)]
pub(crate) struct StampOfdArgs {
    /// The OFD document.
    #[arg(short, long = "in")]
    pub(crate) input: PathBuf,
    /// The national seal (`SESeal` DER) to stamp with; without it, a GB/T 35275 digital
    /// signature (Type=Sign) is added instead.
    #[arg(long)]
    pub(crate) seal: Option<PathBuf>,
    /// The signer's SM2 private key (PEM or DER).
    #[arg(short, long)]
    pub(crate) key: PathBuf,
    /// The signer's certificate (PEM or DER), which the seal lists.
    #[arg(long)]
    pub(crate) cert: PathBuf,
    /// The page the seal picture goes on, from 0.
    #[arg(long, default_value_t = 0)]
    pub(crate) page: usize,
    /// The picture's left edge, in mm from the page's left.
    #[arg(long, default_value_t = 140.0)]
    pub(crate) x_mm: f64,
    /// The picture's top edge, in mm from the page's top.
    #[arg(long, default_value_t = 230.0)]
    pub(crate) y_mm: f64,
    /// The picture's printed size in mm.
    #[arg(long, default_value_t = 40.0)]
    pub(crate) size_mm: f64,
    /// Sign as of this time: RFC 3339 or Unix seconds (default: now).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub(crate) at: Option<UnixTime>,
    /// Where to write the stamped OFD.
    #[arg(short, long)]
    pub(crate) out: PathBuf,
}

#[cfg(feature = "gm")]
#[derive(Subcommand)]
pub(crate) enum StampTarget {
    /// Stamps or signs an OFD document (GB/T 33190 §18), keeping earlier signatures valid.
    #[command(after_help = examples::STAMP_OFD)]
    Ofd(StampOfdArgs),
}

#[derive(Args)]
pub(crate) struct QrArgs {
    /// The QR text (`YZ1:…`/`YZ2:…`), or `-` to read it from a file given by --in.
    #[arg(long, conflicts_with = "input")]
    pub(crate) text: Option<String>,
    /// A file holding the object's bytes (its QR text is rendered).
    #[arg(short, long = "in")]
    pub(crate) input: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) render: RenderArgs,
}

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub(crate) struct StampArgs {
    /// An OFD document instead (`stamp ofd --help`).
    #[cfg(feature = "gm")]
    #[command(subcommand)]
    pub(crate) target: Option<StampTarget>,
    /// The seal (COSE bytes).
    #[arg(long, required = true)]
    pub(crate) seal: Option<PathBuf>,
    /// A key the seal authorises.
    #[arg(short, long, required = true)]
    pub(crate) key: Option<PathBuf>,
    /// The document to stamp.
    #[arg(long, required = true)]
    pub(crate) document: Option<PathBuf>,
    /// Protection scope (签名保护范围).
    #[arg(long, default_value = "全文")]
    pub(crate) property: String,
    /// Where to write the stamp.
    #[arg(short, long, required = true)]
    pub(crate) out: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) log: LogArgs,
}

#[derive(Args)]
pub(crate) struct IssueArgs {
    /// The agency's signing key.
    #[arg(short, long)]
    pub(crate) key: PathBuf,
    /// The agency's name (颁发机构).
    #[arg(long)]
    pub(crate) agency_name: String,
    /// The agency's unified social credit code.
    #[arg(long)]
    pub(crate) agency_uscc: String,
    /// A request file (.json or .toml), or a directory of them (bulk issuance).
    #[arg(short, long)]
    pub(crate) request: PathBuf,
    /// The certificate file, or with a directory of requests, the output directory.
    #[arg(short, long)]
    pub(crate) out: PathBuf,
    /// Sign under this agency seal (its COSE bytes), which must authorise the key.
    #[arg(long)]
    pub(crate) seal: Option<PathBuf>,
    /// Give each certificate a status entry in this registry journal.
    #[arg(long, requires = "status_prefix")]
    pub(crate) status_journal: Option<PathBuf>,
    /// The status lists' URI prefix.
    #[arg(long)]
    pub(crate) status_prefix: Option<String>,
    /// Seconds to wait for another writer of the journal (default: fail at once).
    #[arg(long, default_value_t = 0)]
    pub(crate) wait_lock: u64,
    /// With a directory of requests: certificates per batch (one registry write and one
    /// audit commit each).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub(crate) batch: u64,
    /// Overwrite certificate files that already exist (by default they are refused before
    /// anything is signed).
    #[arg(long)]
    pub(crate) force: bool,
    #[command(flatten)]
    pub(crate) log: LogArgs,
}

#[derive(Args)]
pub(crate) struct PresentArgs {
    /// The certificate as issued (every disclosure).
    #[arg(long)]
    pub(crate) certificate: PathBuf,
    /// The device key the certificate is bound to.
    #[arg(long)]
    pub(crate) device_key: PathBuf,
    /// Disclosable fields to reveal (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub(crate) reveal: Vec<String>,
    /// The verifier's nonce (hex).
    #[arg(long)]
    pub(crate) nonce: Option<String>,
    /// Who it is shown to.
    #[arg(long)]
    pub(crate) audience: Option<String>,
    /// Purpose of use (用证事由).
    #[arg(long)]
    pub(crate) purpose: Option<String>,
    /// Seconds it lives (1–300).
    #[arg(long, default_value_t = 60)]
    pub(crate) lifetime: u64,
    /// Write the presentation bytes here (the QR text is printed).
    #[arg(short, long)]
    pub(crate) out: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) render: RenderArgs,
}

#[derive(Args)]
pub(crate) struct RenderArgs {
    /// Render as a QR code: to the terminal, or as an SVG/PNG file given by --qr-out.
    #[arg(long, value_enum)]
    pub(crate) qr: Option<QrFormat>,
    /// Where to write an SVG or PNG QR code.
    #[arg(long)]
    pub(crate) qr_out: Option<PathBuf>,
    /// Error-correction level.
    #[arg(long, value_enum, default_value = "m")]
    pub(crate) level: Level,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum QrFormat {
    Terminal,
    Svg,
    Png,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum Level {
    L,
    M,
    Q,
    H,
}

impl RenderArgs {
    pub(crate) fn render(&self, text: &str) -> Result<()> {
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
            QrFormat::Terminal => {
                // A code wider than the terminal wraps into something no scanner reads.
                let columns = code.width() + 8;
                if let Some((_, terminal)) = console::Term::stdout().size_checked()
                    && usize::from(terminal) < columns
                {
                    eprintln!(
                        "warning: the QR code is {columns} columns wide and the terminal {terminal}: \
                         widen it, or write a picture with --qr svg|png --qr-out FILE"
                    );
                }
                // With --json, stdout holds the one JSON document; the picture goes to stderr.
                if crate::output::is_json() {
                    eprint!("{}", code.to_terminal());
                } else {
                    print!("{}", code.to_terminal());
                }
            }
            QrFormat::Svg => write(self.qr_path()?, code.to_svg().as_bytes())?,
            QrFormat::Png => write(self.qr_path()?, &code.to_png(8)?)?,
        }
        Ok(())
    }

    pub(crate) fn qr_path(&self) -> Result<&Path> {
        Ok(self
            .qr_out
            .as_deref()
            .ok_or("--qr svg|png needs --qr-out")?)
    }
}

#[derive(Subcommand)]
pub(crate) enum SealCommand {
    /// Makes (signs) a seal as the seal maker: a yinzheng seal (COSE), or with --gm a
    /// GB/T 38540 `SESeal` (DER, SM2) for the signers' certificates.
    #[command(after_help = examples::SEAL_MAKE)]
    Make {
        /// Make a national seal (feature gm): needs --maker-cert and --signer-cert, and an
        /// SM2 --maker-key.
        #[arg(long)]
        gm: bool,
        /// The seal maker's key.
        #[arg(long)]
        maker_key: PathBuf,
        /// With --gm: the maker's SM2 certificate (PEM or DER).
        #[arg(long, requires = "gm")]
        maker_cert: Option<PathBuf>,
        /// With --gm: the certificates of the signers allowed to stamp with it.
        #[arg(long, requires = "gm")]
        signer_cert: Vec<PathBuf>,
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
        #[arg(long, required_unless_present = "gm")]
        owner_name: Option<String>,
        /// The owner's USCC.
        #[arg(long, required_unless_present = "gm")]
        owner_uscc: Option<String>,
        /// Public keys (hex, or files holding hex) allowed to stamp with it.
        #[arg(long, required_unless_present = "gm")]
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
        #[arg(short, long)]
        out: PathBuf,
        #[command(flatten)]
        log: LogArgs,
    },
}

#[derive(Subcommand)]
pub(crate) enum StatusCommand {
    /// Sets a certificate's legal status (revoked, suspended, valid to reinstate, …).
    #[command(after_help = examples::STATUS_SET)]
    Set {
        /// The registry journal (the name `issue` uses; `--journal` is its old name).
        #[arg(long = "status-journal", alias = "journal", value_name = "FILE")]
        journal: PathBuf,
        /// The status lists' URI prefix (`--prefix` is its old name).
        #[arg(long = "status-prefix", alias = "prefix", value_name = "URI")]
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
    #[command(after_help = examples::STATUS_PUBLISH)]
    Publish {
        /// The registry journal (the name `issue` uses; `--journal` is its old name).
        #[arg(long = "status-journal", alias = "journal", value_name = "FILE")]
        journal: PathBuf,
        /// The status lists' URI prefix (`--prefix` is its old name).
        #[arg(long = "status-prefix", alias = "prefix", value_name = "URI")]
        prefix: String,
        /// The agency's key (lists must be signed for the agency).
        #[arg(short, long)]
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
pub(crate) enum BundleCommand {
    /// Makes a signed trust bundle from a trust file, seals and status lists.
    #[command(after_help = examples::BUNDLE_MAKE)]
    Make {
        /// The publisher's key (verifier apps pin its public key).
        #[arg(long)]
        publisher_key: PathBuf,
        /// The publisher's name.
        #[arg(long, default_value = "trust bundle publisher")]
        name: String,
        /// The trust file (JSON).
        #[arg(short, long)]
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
        #[arg(short, long)]
        out: PathBuf,
    },
    /// Checks a bundle's signature and freshness and lists what it holds.
    #[command(after_help = examples::BUNDLE_VERIFY)]
    Verify {
        /// The bundle.
        #[arg(short, long = "in")]
        input: PathBuf,
        /// The publisher's public key: hex, or a file holding it (such as `keygen`'s `.pub`).
        #[arg(long)]
        publisher: String,
    },
}
