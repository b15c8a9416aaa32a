//! `yinzheng status`: set a certificate's legal status; publish signed status lists.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use yinzheng::status::{LegalStatus, RegistryConfig, StatusRegistry};
use yinzheng::storage::FileStatusStore;

use super::now;
use crate::cli::StatusCommand;
use crate::files::{self, Result, write};
use crate::output;

pub(crate) fn run(cmd: StatusCommand) -> Result<ExitCode> {
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
            let legal: LegalStatus = status.parse()?;
            let mut registry = open_registry(&journal, &prefix, wait_lock)?;
            if let Some(log) = log.open()? {
                registry = registry.with_observer(log)?;
            }
            let change = registry.set_status(&certificate, legal, &operator, now()?)?;
            output::emit(
                format_args!(
                    "{certificate}: {} (entry {} of {}; journal record {})",
                    legal.label(),
                    change.reference.index,
                    change.reference.uri,
                    change.sequence
                ),
                serde_json::json!({
                    "certificate": certificate, "status": legal.name(),
                    "label": legal.label(), "list": change.reference.uri,
                    "index": change.reference.index, "journal_record": change.sequence,
                }),
            );
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
            let mut text = String::new();
            let mut lists = Vec::new();
            for (i, uri) in registry.uris().iter().enumerate() {
                let token = registry.publish(uri, signer.as_ref(), t, Duration::from_secs(ttl))?;
                let file = out_dir.join(format!("list-{i}.cwt"));
                write(&file, &token)?;
                text.push_str(&format!("{uri} → {}\n", file.display()));
                lists.push(serde_json::json!({ "uri": uri, "file": file, "bytes": token.len() }));
            }
            output::emit(text, serde_json::json!({ "lists": lists }));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Opens the registry journal as its writer, waiting up to `wait_secs` for another writer.
pub(crate) fn open_registry(
    journal: &Path,
    prefix: &str,
    wait_secs: u64,
) -> Result<StatusRegistry> {
    let wait = Duration::from_secs(wait_secs).max(Duration::from_millis(100));
    let store = FileStatusStore::open_waiting(journal, wait)?;
    Ok(StatusRegistry::open(store, RegistryConfig::new(prefix))?)
}
