//! National seals and OFD documents (feature `gm`): `seal make --gm`, `stamp ofd`,
//! `licence`, and `verify seal|ofd|licence`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use yinzheng::gm::ofd::{
    OfdLimits, OfdSignatureDraft, StampPlacement, licence_draft, make_ofd, sign_ofd,
};
use yinzheng::gm::{SealDraft, SealPicture, SealProperty, SignerList, make_seal as make_ses};
use yinzheng::time::UnixTime;
use yinzheng::verify::{OfdOutcome, OfdSigned, OfdVerdict, VerificationContext, Verifier};

use super::now;
use super::verify::{exit_for, report_json};
use crate::cli::{LicenceArgs, StampOfdArgs};
use crate::files::{self, Result, TrustSpec, read, write};
use crate::output;

/// What `seal make --gm` was given.
pub(crate) struct SealRequest<'a> {
    pub(crate) maker_key: &'a Path,
    pub(crate) maker_cert: &'a Path,
    pub(crate) signer_certs: &'a [PathBuf],
    pub(crate) id: String,
    pub(crate) kind: u64,
    pub(crate) name: String,
    pub(crate) picture: &'a Path,
    pub(crate) size_mm: u32,
    pub(crate) valid_days: u64,
    pub(crate) out: &'a Path,
    pub(crate) at: UnixTime,
}

fn at_or_now(at: Option<UnixTime>) -> Result<UnixTime> {
    Ok(match at {
        Some(at) => at,
        None => now()?,
    })
}

/// `seal make --gm`: a version 4 `SESeal` signed by the maker.
pub(crate) fn make_seal(request: &SealRequest<'_>) -> Result<ExitCode> {
    if request.signer_certs.is_empty() {
        return Err("--gm needs at least one --signer-cert".into());
    }
    let signers = request
        .signer_certs
        .iter()
        .map(|p| files::certificate(p))
        .collect::<Result<Vec<_>>>()?;
    let kind = match request
        .picture
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("png") => "PNG",
        Some("jpg" | "jpeg") => "JPG",
        Some("ofd") => "OFD",
        _ => "SVG",
    };
    let draft = SealDraft {
        vendor: "yinzheng".into(),
        es_id: request.id.clone(),
        property: SealProperty {
            seal_type: request.kind,
            name: request.name.clone(),
            signers: SignerList::Certificates(signers),
            created: request.at,
            valid_from: request.at,
            valid_until: request
                .at
                .saturating_add(request.valid_days.saturating_mul(86_400)),
        },
        picture: SealPicture {
            kind: kind.into(),
            data: read(request.picture)?,
            width_mm: u64::from(request.size_mm),
            height_mm: u64::from(request.size_mm),
        },
        extensions: Vec::new(),
    };
    let maker = files::signing_key(request.maker_key)?;
    let seal = make_ses(
        &draft,
        &files::certificate(request.maker_cert)?,
        maker.as_ref(),
    )?;
    write(request.out, &seal)?;
    output::emit(
        format_args!(
            "national seal {} (GB/T 38540 v4, SM2) {} bytes → {}",
            request.id,
            seal.len(),
            request.out.display()
        ),
        serde_json::json!({ "id": request.id, "out": request.out, "bytes": seal.len() }),
    );
    Ok(ExitCode::SUCCESS)
}

/// `stamp ofd`: stamps (with a seal) or signs the OFD.
pub(crate) fn stamp_ofd(args: &StampOfdArgs) -> Result<ExitCode> {
    let seal = args.seal.as_deref().map(read).transpose()?;
    let draft = match &seal {
        Some(seal) => OfdSignatureDraft::Stamp {
            seal,
            placement: StampPlacement {
                page: args.page,
                x_mm: args.x_mm,
                y_mm: args.y_mm,
                width_mm: args.size_mm,
                height_mm: args.size_mm,
            },
        },
        None => OfdSignatureDraft::Signature,
    };
    let signer = files::signing_key(&args.key)?;
    let signed = sign_ofd(
        &read(&args.input)?,
        0,
        &draft,
        at_or_now(args.at)?,
        &files::certificate(&args.cert)?,
        signer.as_ref(),
        &OfdLimits::default(),
    )
    .map_err(|e| format!("{}: {e}", args.input.display()))?;
    write(&args.out, &signed)?;
    let done = if seal.is_some() { "stamped" } else { "signed" };
    output::emit(
        format_args!("{done} {} bytes → {}", signed.len(), args.out.display()),
        serde_json::json!({ "done": done, "out": args.out, "bytes": signed.len() }),
    );
    Ok(ExitCode::SUCCESS)
}

/// `licence`: verifies the certificate, then writes it as an unstamped OFD e-licence.
pub(crate) fn licence(args: &LicenceArgs) -> Result<ExitCode> {
    let verifier = Verifier::builder(TrustSpec::load(&args.trust)?).build()?;
    let ctx = VerificationContext::at(at_or_now(args.at)?);
    let bytes = read(&args.certificate)?;
    let verified = match verifier.verify_certificate(&bytes, &ctx) {
        Ok(verified) => verified,
        Err(rejected) => {
            output::emit(
                format_args!("{}{rejected}", rejected.report()),
                serde_json::json!({
                    "accepted": false, "reason": rejected.to_string(),
                    "report": report_json(rejected.report()),
                }),
            );
            return Ok(exit_for(&rejected));
        }
    };
    let ofd = make_ofd(&licence_draft(verified.value(), &bytes))?;
    write(&args.out, &ofd)?;
    output::emit(
        format_args!(
            "e-licence for {} ({}) {} bytes → {} (stamp it with `stamp ofd`)",
            verified.id,
            verified.holder.name,
            ofd.len(),
            args.out.display()
        ),
        serde_json::json!({
            "accepted": true, "id": verified.id.to_string(), "out": args.out, "bytes": ofd.len(),
        }),
    );
    Ok(ExitCode::SUCCESS)
}

fn signature_json(verdict: &OfdVerdict) -> Vec<serde_json::Value> {
    verdict
        .signatures
        .iter()
        .map(|s| {
            let (outcome, detail, report) = match &s.outcome {
                OfdOutcome::Valid(signed) => ("valid", None, Some(signed_report(signed.as_ref()))),
                OfdOutcome::ChangedByLaterSignature(signed) => (
                    "changed-by-later-signature",
                    None,
                    Some(signed_report(signed.as_ref())),
                ),
                OfdOutcome::ReferencesChanged(files) => {
                    ("references-changed", Some(files.join(", ")), None)
                }
                OfdOutcome::Rejected(r) => (
                    "rejected",
                    Some(r.to_string()),
                    Some(report_json(r.report())),
                ),
                OfdOutcome::Malformed(e) => ("malformed", Some(e.to_string()), None),
                OfdOutcome::Inconsistent(why) => ("inconsistent", Some((*why).to_owned()), None),
                OfdOutcome::Unsupported(why) => ("unsupported", Some((*why).to_owned()), None),
                _ => ("unknown", None, None),
            };
            serde_json::json!({
                "id": s.entry.id, "location": s.entry.location,
                "kind": kind_name(s.entry.kind), "outcome": outcome, "detail": detail,
                "report": report,
            })
        })
        .collect()
}

fn signed_report(signed: &OfdSigned) -> serde_json::Value {
    report_json(signed.report())
}

/// The entry's `Type` as OFD writes it.
fn kind_name(kind: yinzheng::gm::ofd::SignatureKind) -> &'static str {
    match kind {
        yinzheng::gm::ofd::SignatureKind::Seal => "Seal",
        _ => "Sign",
    }
}

/// The integrity list's outcome in words (the verified signature itself is in the JSON).
fn integrity_text(integrity: &yinzheng::verify::IntegrityOutcome) -> String {
    use yinzheng::verify::IntegrityOutcome;
    match integrity {
        IntegrityOutcome::Valid(_) => "valid: signed, and every file is on it".to_owned(),
        IntegrityOutcome::Unlisted(files) => format!("files not on it: {}", files.join(", ")),
        IntegrityOutcome::Missing(files) => {
            format!("files on it but not in the package: {}", files.join(", "))
        }
        IntegrityOutcome::Rejected(rejected) => format!("its signature is rejected: {rejected}"),
        IntegrityOutcome::Malformed(e) => format!("malformed: {e}"),
        _ => "not understood".to_owned(),
    }
}

fn print_verdict(verdict: &OfdVerdict) {
    for (s, json) in verdict.signatures.iter().zip(signature_json(verdict)) {
        let detail = json["detail"].as_str().unwrap_or("");
        println!(
            "signature {} ({}, {}): {} {detail}",
            s.entry.id,
            kind_name(s.entry.kind),
            s.entry.location,
            json["outcome"].as_str().unwrap_or("")
        );
    }
    if let Some(integrity) = &verdict.integrity {
        println!("integrity list: {}", integrity_text(integrity));
    }
}

/// What `verify seal|ofd|licence` checks.
#[derive(Clone, Copy)]
pub(crate) enum NationalKind {
    Seal,
    Ofd,
    Licence,
}

/// `verify seal|ofd|licence`.
pub(crate) fn verify(
    verifier: &Verifier,
    kind: NationalKind,
    bytes: &[u8],
    ctx: &VerificationContext,
    json: bool,
) -> Result<ExitCode> {
    let limits = OfdLimits::default();
    let (accepted, verdict_text, body, code) = match kind {
        NationalKind::Seal => match verifier.verify_national_seal(bytes, ctx) {
            Ok(v) => {
                if !json {
                    print!("{}", v.report());
                }
                let seal = &v.seal.info;
                let content = serde_json::json!({
                    "id": seal.es_id, "name": seal.property.name, "maker": v.maker,
                    "valid_from": seal.property.valid_from.as_secs(),
                    "valid_until": seal.property.valid_until.as_secs(),
                    "picture": seal.picture.kind,
                });
                let body =
                    serde_json::json!({"report": report_json(v.report()), "content": content});
                (true, "accepted".to_owned(), body, ExitCode::SUCCESS)
            }
            Err(r) => {
                if !json {
                    print!("{}", r.report());
                }
                let body = serde_json::json!({"report": report_json(r.report())});
                (false, r.to_string(), body, exit_for(&r))
            }
        },
        NationalKind::Licence => match verifier.verify_ofd_licence(bytes, &limits, ctx) {
            Ok(v) => {
                if !json {
                    print_verdict(&v.document);
                    print!("{}", v.certificate.report());
                }
                let body = serde_json::json!({
                    "signatures": signature_json(&v.document),
                    "certificate": {"id": v.certificate.id.to_string(),
                                    "holder": v.certificate.holder.name,
                                    "report": report_json(v.certificate.report())},
                });
                (true, "accepted".to_owned(), body, ExitCode::SUCCESS)
            }
            Err(e) => (
                false,
                e.to_string(),
                serde_json::Value::Null,
                ExitCode::from(10),
            ),
        },
        NationalKind::Ofd => {
            let verdict = verifier
                .verify_ofd(bytes, &limits, ctx)
                .map_err(|e| format!("not a readable OFD: {e}"))?;
            if !json {
                print_verdict(&verdict);
            }
            let valid = verdict.is_valid();
            let integrity = verdict.integrity.as_ref().map(integrity_text);
            let body = serde_json::json!({
                "signatures": signature_json(&verdict), "integrity": integrity,
            });
            let integrity_fails = verdict
                .integrity
                .as_ref()
                .is_some_and(|i| !matches!(i, yinzheng::verify::IntegrityOutcome::Valid(_)));
            let text = if valid {
                "accepted: every signature stands".to_owned()
            } else if verdict.signatures.is_empty() {
                "rejected: the document has no signature".to_owned()
            } else if integrity_fails {
                "rejected: the integrity list (OFDEntries.xml) does not hold".to_owned()
            } else {
                "rejected: a signature does not stand".to_owned()
            };
            let code = if valid {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(10)
            };
            (valid, text, body, code)
        }
    };
    if json {
        let out =
            serde_json::json!({"accepted": accepted, "verdict": verdict_text, "result": body});
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!("{verdict_text}");
    }
    Ok(code)
}
