//! `verify`'s clap types: one subcommand per kind of object, each with only its own flags,
//! and the trust flags they share.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use yinzheng::time::UnixTime;

use super::parse_time;

#[derive(Subcommand)]
pub(crate) enum VerifyCommand {
    /// Verifies a certificate (file or QR text), or a directory of them as one queue.
    #[command(after_help = "\
Examples:
  yinzheng verify certificate -t trust.json -i licence.cbor
  yinzheng verify certificate -t trust.json --status-list lists/1.cwt -i inbox/ --allow-cofactored-batch
  yinzheng verify certificate -b bundle.cose --publisher publisher.pub --qr-text 'YZ1:…' --at 2026-12-05T09:30:00+08:00
  yinzheng --json verify certificate -t trust.json -i licence.cbor")]
    Certificate(VerifyCertificateArgs),
    /// Verifies a presentation a holder's phone shows (亮证), with the nonce this desk sent.
    #[command(after_help = "\
Examples:
  yinzheng verify presentation -t trust.json --qr-text 'YZ2:…' --nonce 0011 --audience front-desk
  yinzheng --json verify presentation -b bundle.cose --publisher publisher.pub -i shown.cose --nonce 0011")]
    Presentation(VerifyPresentationArgs),
    /// Verifies a stamp (电子签章) over the document it was made for.
    #[command(after_help = "\
Examples:
  yinzheng verify stamp -t trust.json -i contract.stamp --document contract.pdf
  yinzheng verify stamp -t trust.json --seal seal.cose --status-list lists/seals.cwt -i contract.stamp --document contract.pdf")]
    Stamp(VerifyStampArgs),
    /// Verifies a national seal (GB/T 38540 `SESeal` DER; feature gm).
    #[cfg(feature = "gm")]
    #[command(after_help = "Example:\n  yinzheng verify seal -t trust.json -i seal.esl")]
    Seal(VerifyFileArgs),
    /// Verifies every signature of an OFD document (feature gm).
    #[cfg(feature = "gm")]
    #[command(after_help = "Example:\n  yinzheng verify ofd -t trust.json -i stamped.ofd")]
    Ofd(VerifyFileArgs),
    /// Verifies an OFD e-licence: its signatures and the certificate attached (feature gm).
    #[cfg(feature = "gm")]
    #[command(after_help = "Example:\n  yinzheng verify licence -t trust.json -i licence.ofd")]
    Licence(VerifyFileArgs),
}

/// What the verifier trusts and knows, shared by every kind.
#[derive(Args)]
pub(crate) struct TrustArgs {
    /// A trust file (JSON; schema in docs/schemas/trust.schema.json): issuer_keys [{name,
    /// agency, public_key, roles: ["issuer", "status-lists"]}], x509_roots [{name, file, roles,
    /// allow_unmarked_leaves?}], seal_makers [{name, public_key}], revoked_keys [{key_sha256 |
    /// public_key, since?}].
    #[arg(short, long, value_name = "FILE", required_unless_present = "bundle")]
    pub(crate) trust: Option<PathBuf>,
    /// Or a signed trust bundle (`bundle make`)…
    #[arg(
        short,
        long,
        value_name = "FILE",
        requires = "publisher",
        conflicts_with = "trust"
    )]
    pub(crate) bundle: Option<PathBuf>,
    /// …and its publisher's public key: hex, or a file holding it (`keygen` writes `.pub`).
    #[arg(long, value_name = "HEX|FILE")]
    pub(crate) publisher: Option<String>,
    /// Status list tokens to load (repeatable).
    #[arg(long, value_name = "FILE")]
    pub(crate) status_list: Vec<PathBuf>,
    /// Agency seals to hold, for objects signed under a seal (repeatable).
    #[arg(long, value_name = "FILE")]
    pub(crate) seal: Vec<PathBuf>,
    /// Verify as of this time: RFC 3339 (2026-12-05T09:30:00+08:00) or Unix seconds
    /// (default: now).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub(crate) at: Option<UnixTime>,
    /// Accept an unknown status (the report still says so).
    #[arg(long)]
    pub(crate) allow_unknown_status: bool,
}

/// An object given as a file or as its QR text.
#[derive(Args)]
pub(crate) struct ObjectArgs {
    /// The object's bytes.
    #[arg(
        short,
        long = "in",
        value_name = "FILE",
        required_unless_present = "qr_text"
    )]
    pub(crate) input: Option<PathBuf>,
    /// Or its QR text (`YZ1:…`, `YZ2:…`), as a scanner reads it.
    #[arg(long, value_name = "TEXT", conflicts_with = "input")]
    pub(crate) qr_text: Option<String>,
}

#[derive(Args)]
pub(crate) struct VerifyCertificateArgs {
    #[command(flatten)]
    pub(crate) object: ObjectArgs,
    #[command(flatten)]
    pub(crate) trust: TrustArgs,
    /// For a directory of certificates: check Ed25519 issuer signatures with one cofactored
    /// batch equation (≈2.7× faster; also accepts signatures a trusted issuer deliberately
    /// gave a small-order component, which strict verification refuses).
    #[arg(long)]
    pub(crate) allow_cofactored_batch: bool,
}

#[derive(Args)]
pub(crate) struct VerifyPresentationArgs {
    #[command(flatten)]
    pub(crate) object: ObjectArgs,
    #[command(flatten)]
    pub(crate) trust: TrustArgs,
    /// The nonce this verifier sent (hex).
    #[arg(long, value_name = "HEX")]
    pub(crate) nonce: Option<String>,
    /// This verifier's name, when the presentation names its audience.
    #[arg(long)]
    pub(crate) audience: Option<String>,
}

#[derive(Args)]
pub(crate) struct VerifyStampArgs {
    /// The stamp.
    #[arg(short, long = "in", value_name = "FILE")]
    pub(crate) input: PathBuf,
    /// The stamped document.
    #[arg(short, long, value_name = "FILE")]
    pub(crate) document: PathBuf,
    #[command(flatten)]
    pub(crate) trust: TrustArgs,
}

#[cfg(feature = "gm")]
#[derive(Args)]
pub(crate) struct VerifyFileArgs {
    /// The file.
    #[arg(short, long = "in", value_name = "FILE")]
    pub(crate) input: PathBuf,
    #[command(flatten)]
    pub(crate) trust: TrustArgs,
}
