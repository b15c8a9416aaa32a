//! `yinzheng log`: append to the audit log, verify it, and the auditor's proofs and checks.

use std::process::ExitCode;

use yinzheng::audit::bundle::UpdateError;
use yinzheng::audit::{
    CheckpointAuditor, ConsistencyBundle, Event, EventKind, InclusionBundle, SignedCheckpoint,
};
use yinzheng::crypto::sha256;
use yinzheng::storage::log::{verify_dir, verify_dir_full};

use super::now;
use crate::cli::LogCommand;
use crate::files::{Result, read, read_text};
use crate::output;

pub(crate) fn run(cmd: LogCommand) -> Result<ExitCode> {
    match cmd {
        cmd @ (LogCommand::Publish { .. }
        | LogCommand::VerifyTiles { .. }
        | LogCommand::AttachCosignatures { .. }
        | LogCommand::CheckWitnessed { .. }) => return super::tiles::run(cmd),
        LogCommand::Append {
            log,
            kind,
            subject,
            object,
        } => {
            let audit = log.open()?.ok_or("log append needs --log and --log-key")?;
            let kind = (1..=u8::MAX)
                .map_while(EventKind::from_code)
                .find(|k| k.name() == kind)
                .ok_or_else(|| format!("--kind: unknown event kind {kind}"))?;
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
            output::emit(
                format_args!("entry {}", receipt.index),
                serde_json::json!({ "index": receipt.index }),
            );
        }
        LogCommand::Vkey { log } => {
            let audit = log.open()?.ok_or("log vkey needs --log and --log-key")?;
            let vkey = audit.key().to_vkey();
            output::emit(&vkey, serde_json::json!({ "vkey": vkey }));
        }
        LogCommand::Verify {
            dir,
            key: log_key,
            allow_uncommitted_tail,
            full,
        } => {
            let (origin, key) = (&log_key.origin, log_key.note_key()?);
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_message(format!("verifying {}", dir.display()));
            let summary = if full {
                verify_dir_full(&dir, origin, &key)?
            } else {
                verify_dir(&dir, origin, &key)?
            };
            bar.finish_and_clear();
            if summary.uncommitted_bytes > 0 && !allow_uncommitted_tail {
                return Ok(output::failure(
                    &format!(
                        "{} bytes after the last commit are not part of the log (an interrupted write, or bytes added since)",
                        summary.uncommitted_bytes
                    ),
                    10,
                ));
            }
            let scope = if summary.checked_from == 0 {
                "every frame, the hash chain, every signed checkpoint and the anchor".to_owned()
            } else {
                format!(
                    "the anchor, the signed commit at entry {} and every frame after it (--full re-reads the history before)",
                    summary.checked_from
                )
            };
            output::emit(
                format_args!(
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
                ),
                serde_json::json!({
                    "verified": true, "size": summary.size, "checked_from": summary.checked_from,
                    "uncommitted_bytes": summary.uncommitted_bytes,
                }),
            );
        }
        LogCommand::Prove { log, reader, index } => {
            let opened = log.open_for_reading(&reader, "log prove")?;
            let bundle = opened.inclusion_bundle(index)?.encode();
            output::emit(
                &bundle,
                serde_json::json!({ "index": index, "bundle": bundle }),
            );
        }
        LogCommand::Checkpoint { log, reader } => {
            let opened = log.open_for_reading(&reader, "log checkpoint")?;
            let note = opened.checkpoint_note();
            output::emit(&note, serde_json::json!({ "checkpoint": note }));
        }
        LogCommand::CheckCheckpoint { checkpoint, key } => {
            let (signed, _) = SignedCheckpoint::verify(
                &read_text(&checkpoint)?,
                &key.origin,
                &[key.note_key()?],
            )?;
            let root = crate::files::hex_encode(&signed.checkpoint.root);
            output::emit(
                format_args!(
                    "checkpoint verified: {} entries, root {root}",
                    signed.checkpoint.size
                ),
                serde_json::json!({ "verified": true, "size": signed.checkpoint.size, "root": root }),
            );
        }
        LogCommand::CheckConsistency { held, bundle, key } => {
            let keys = vec![key.note_key()?];
            let (held, _) = SignedCheckpoint::verify(&read_text(&held)?, &key.origin, &keys)?;
            let bundle = ConsistencyBundle::parse(&read_text(&bundle)?)?;
            let mut auditor = CheckpointAuditor::new(&key.origin, keys, Some(held));
            match auditor.update(&bundle) {
                Ok(newer) => output::emit(
                    format_args!(
                        "consistent: the checkpoint of {} entries extends the one held",
                        newer.checkpoint.size
                    ),
                    serde_json::json!({ "consistent": true, "size": newer.checkpoint.size }),
                ),
                Err(UpdateError::Inconsistent(evidence)) => {
                    return Ok(output::failure(
                        &format!(
                            "INCONSISTENT: the log has shown two histories; keep both checkpoints as evidence\n--- held\n{}--- offered\n{}",
                            evidence.held, evidence.offered
                        ),
                        11,
                    ));
                }
                Err(e) => return Err(e.into()),
            }
        }
        LogCommand::CheckProof { bundle, key } => {
            let included = InclusionBundle::parse(&read_text(&bundle)?)?
                .verify(&key.origin, &[key.note_key()?])?;
            output::emit(
                format_args!(
                    "entry {} is in the log at size {} ({})",
                    included.index,
                    included.checkpoint.checkpoint.size,
                    included.entry.event.kind.name()
                ),
                serde_json::json!({
                    "verified": true, "index": included.index,
                    "size": included.checkpoint.checkpoint.size,
                    "event": included.entry.event.kind.name(),
                }),
            );
        }
        LogCommand::Consistency {
            log,
            reader,
            old_size,
        } => {
            let opened = log.open_for_reading(&reader, "log consistency")?;
            let bundle = opened.consistency_bundle(old_size)?.encode();
            output::emit(
                &bundle,
                serde_json::json!({ "old_size": old_size, "bundle": bundle }),
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
