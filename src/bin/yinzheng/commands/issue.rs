//! `yinzheng issue`: one certificate from a request file, or a directory of them in bulk.

use std::process::ExitCode;
use std::sync::Arc;

use yinzheng::issue::Issuer;
use yinzheng::model::Agency;

use super::{bulk, now, status::open_registry};
use crate::cli::IssueArgs;
use crate::files::{self, RequestSpec, Result, read, write};
use crate::output;

pub(crate) fn run(args: &IssueArgs) -> Result<ExitCode> {
    let agency = Agency::new(&args.agency_name, &args.agency_uscc)?;
    let mut issuer = Issuer::new(agency, files::signing_key(&args.key)?);
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
        let ledger = bulk::ledger_path(&args.out);
        output::emit(
            format_args!(
                "{total} certificates → {} ({fresh} new, {} issued before; manifest.tsv, ledger {})",
                args.out.display(),
                total - fresh,
                ledger.display()
            ),
            serde_json::json!({
                "certificates": total, "new": fresh, "issued_before": total - fresh,
                "out_dir": args.out, "manifest": args.out.join("manifest.tsv"), "ledger": ledger,
            }),
        );
    } else {
        if !args.force && args.out.exists() {
            return Err(format!("{} exists (use --force to overwrite)", args.out.display()).into());
        }
        let builder = RequestSpec::load(&args.request)?
            .builder()
            .map_err(|e| format!("{}: {e}", args.request.display()))?;
        let issued = issuer.issue(builder, t)?;
        write(&args.out, issued.as_bytes())?;
        output::emit(
            &issued.certificate().id,
            serde_json::json!({
                "id": issued.certificate().id.to_string(), "out": args.out,
                "bytes": issued.as_bytes().len(), "audit_index": issued.audit_index(),
            }),
        );
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
