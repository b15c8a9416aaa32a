//! `yinzheng verify`: certificates (one, or a directory as a queue), presentations and stamps, offline.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use yinzheng::Limits;
use yinzheng::encoding::qr;
use yinzheng::verify::{
    ListAdded, Rejected, Report, SealAdded, VerificationContext, Verifier, VerifyError,
};

use super::now;
use crate::cli::{ObjectArgs, TrustArgs, VerifyCommand};
use crate::files::{self, Result, TrustSpec, hex_decode, read};

/// The exit code for a rejection.
pub(crate) fn exit_for(rejected: &Rejected) -> ExitCode {
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

pub(crate) fn report_json(report: &Report) -> serde_json::Value {
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

/// `verify <kind>`.
pub(crate) fn run(command: &VerifyCommand, json: bool) -> Result<ExitCode> {
    match command {
        VerifyCommand::Certificate(args) => {
            let (verifier, ctx) = verifier(&args.trust, args.allow_cofactored_batch, Ok)?;
            if let Some(dir) = args.object.input.as_ref().filter(|p| p.is_dir()) {
                return verify_queue(&verifier, dir, &ctx, json);
            }
            let bytes = object_bytes(&args.object, &verifier)?;
            let (report, summary) = match verifier.verify_certificate(&bytes, &ctx) {
                Ok(v) => {
                    let fields: Vec<_> = v.all_fields().map(files::field_json).collect();
                    let summary = serde_json::json!({
                        "id": v.id.to_string(), "holder": v.holder.name, "issuer": v.issuer.name,
                        "fields": fields, "seal": v.seal().map(|s| s.name.clone()),
                    });
                    (Ok(v.report().clone()), summary)
                }
                Err(r) => (Err(r), serde_json::Value::Null),
            };
            print_outcome(&report, &summary, json)
        }
        VerifyCommand::Presentation(args) => {
            let (verifier, ctx) = verifier(&args.trust, false, |mut ctx| {
                if let Some(nonce) = &args.nonce {
                    ctx = ctx.with_nonce(hex_decode(nonce)?);
                }
                if let Some(audience) = &args.audience {
                    ctx = ctx.with_audience(audience.clone());
                }
                Ok(ctx)
            })?;
            let bytes = object_bytes(&args.object, &verifier)?;
            let (report, summary) = match verifier.verify_presentation(&bytes, &ctx) {
                Ok(v) => {
                    let fields: Vec<_> =
                        v.certificate.all_fields().map(files::field_json).collect();
                    let summary = serde_json::json!({
                        "id": v.certificate.id.to_string(), "holder": v.certificate.holder.name,
                        "fields": fields, "audience": v.audience, "purpose": v.purpose,
                        "expires_at": v.expires_at.as_secs(),
                    });
                    (Ok(v.report().clone()), summary)
                }
                Err(r) => (Err(r), serde_json::Value::Null),
            };
            print_outcome(&report, &summary, json)
        }
        VerifyCommand::Stamp(args) => {
            let (verifier, ctx) = verifier(&args.trust, false, Ok)?;
            let (stamp, document) = (read(&args.input)?, read(&args.document)?);
            let (report, summary) = match verifier.verify_stamp(&stamp, &document, &ctx) {
                Ok(v) => {
                    let summary = serde_json::json!({
                        "seal": v.seal.name, "owner": v.seal.owner.name,
                        "seal_maker": v.seal_maker, "signed_at": v.signed_at.as_secs(),
                    });
                    (Ok(v.report().clone()), summary)
                }
                Err(r) => (Err(r), serde_json::Value::Null),
            };
            print_outcome(&report, &summary, json)
        }
        #[cfg(feature = "gm")]
        VerifyCommand::Seal(args) | VerifyCommand::Ofd(args) | VerifyCommand::Licence(args) => {
            use super::national::NationalKind;
            let kind = match command {
                VerifyCommand::Seal(_) => NationalKind::Seal,
                VerifyCommand::Ofd(_) => NationalKind::Ofd,
                _ => NationalKind::Licence,
            };
            let (verifier, ctx) = verifier(&args.trust, false, Ok)?;
            super::national::verify(&verifier, kind, &read(&args.input)?, &ctx, json)
        }
    }
}

/// The verifier the trust flags describe, with their seals and lists loaded, and the context
/// (as of `--at`) that `context` completes.
fn verifier(
    args: &TrustArgs,
    allow_cofactored_batch: bool,
    context: impl FnOnce(VerificationContext) -> Result<VerificationContext>,
) -> Result<(Verifier, VerificationContext)> {
    let at = match args.at {
        Some(at) => at,
        None => now()?,
    };
    let builder = match (&args.trust, &args.bundle, &args.publisher) {
        (Some(trust), _, _) => Verifier::builder(TrustSpec::load(trust)?),
        (None, Some(bundle), Some(publisher)) => Verifier::from_trust_bundle(
            &read(bundle)?,
            &files::public_key_arg(publisher)?,
            &VerificationContext::at(at),
            &Limits::default(),
        )
        .map_err(|e| format!("{}: {e}", bundle.display()))?,
        _ => return Err("give --trust, or --bundle with --publisher".into()),
    };
    let builder = if args.allow_unknown_status {
        builder.allow_unknown_status()
    } else {
        builder
    };
    let builder = if allow_cofactored_batch {
        builder.allow_cofactored_batch()
    } else {
        builder
    };
    let verifier = builder.build()?;
    let ctx = context(VerificationContext::at(at))?;
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
    Ok((verifier, ctx))
}

/// The object's bytes, from its file or its QR text.
fn object_bytes(object: &ObjectArgs, verifier: &Verifier) -> Result<Vec<u8>> {
    match (&object.input, &object.qr_text) {
        (Some(path), _) => read(path),
        (None, Some(text)) => {
            Ok(qr::from_qr_text(text, verifier.limits()).map_err(|e| format!("--qr-text: {e}"))?)
        }
        (None, None) => Err("give --in or --qr-text".into()),
    }
}

/// Prints the report and verdict (or, with `json`, one JSON document); the exit code.
fn print_outcome(
    report: &core::result::Result<Report, Rejected>,
    summary: &serde_json::Value,
    json: bool,
) -> Result<ExitCode> {
    let (report_ref, code, verdict) = match report {
        Ok(report) => (report, ExitCode::SUCCESS, "accepted".to_owned()),
        Err(rejected) => (rejected.report(), exit_for(rejected), rejected.to_string()),
    };
    if json {
        let out = serde_json::json!({
            "accepted": report.is_ok(), "verdict": verdict,
            "report": report_json(report_ref), "content": summary,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print!("{report_ref}");
        println!("{verdict}");
        if !summary.is_null() {
            println!("{}", serde_json::to_string_pretty(summary)?);
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
