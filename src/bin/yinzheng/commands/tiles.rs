//! `yinzheng log publish|verify-tiles|attach-cosignatures|check-witnessed`: the log as
//! C2SP tlog-tiles, and witnessed checkpoints.

use std::process::ExitCode;

use yinzheng::audit::NoteKey;
use yinzheng::audit::publish::Publisher;
use yinzheng::audit::tile_client::TileClient;
use yinzheng::audit::witness::{WitnessPolicy, add_cosignatures};
use yinzheng::storage::DirectoryObjects;

use crate::cli::LogCommand;
use crate::files::{Result, read_text};
use crate::output;

pub(crate) fn run(cmd: LogCommand) -> Result<ExitCode> {
    match cmd {
        LogCommand::Publish { log, reader, tiles } => {
            let opened = log.open_for_reading(&reader, "log publish")?;
            let reader = opened.reader();
            let sink = DirectoryObjects::new(&tiles);
            let _lock = sink.lock_publisher()?;
            let mut publisher = Publisher::resume(&sink, reader.origin(), &[reader.key().clone()])?;
            let before = publisher.size();
            let checkpoint = reader.publish(&mut publisher, &sink)?;
            let size = checkpoint.checkpoint.size;
            output::emit(
                format_args!(
                    "published {size} entries ({} new) to {}",
                    size - before,
                    tiles.display()
                ),
                serde_json::json!({ "size": size, "new": size - before, "tiles": tiles }),
            );
        }
        LogCommand::VerifyTiles { tiles, key, index } => {
            let client = TileClient::new(
                DirectoryObjects::new(&tiles),
                &key.origin,
                vec![key.note_key()?],
            );
            let checkpoint = client.checkpoint()?;
            match index {
                Some(index) => {
                    let bundle = client.inclusion_bundle(&checkpoint, index)?.encode();
                    output::emit(
                        &bundle,
                        serde_json::json!({ "index": index, "bundle": bundle }),
                    );
                }
                None => {
                    let size = client.verify_all(&checkpoint)?;
                    output::emit(
                        format_args!(
                            "published log verified: {size} entries, every entry, bundle and tile against the checkpoint"
                        ),
                        serde_json::json!({ "verified": true, "size": size }),
                    );
                }
            }
        }
        LogCommand::AttachCosignatures {
            checkpoint,
            witness,
            response,
        } => {
            let note = add_cosignatures(
                &read_text(&checkpoint)?,
                &NoteKey::from_vkey(&witness)?,
                &read_text(&response)?,
            )?;
            output::emit(&note, serde_json::json!({ "checkpoint": note }));
        }
        LogCommand::CheckWitnessed {
            checkpoint,
            key,
            witnesses,
            quorum,
        } => {
            let witnesses = witnesses
                .iter()
                .map(|v| NoteKey::from_vkey(v))
                .collect::<core::result::Result<Vec<_>, _>>()?;
            let policy = WitnessPolicy::new(key.note_key()?, witnesses, quorum)?;
            let witnessed = policy.check(&read_text(&checkpoint)?)?;
            let names: Vec<&str> = witnessed
                .cosigners
                .iter()
                .map(|(n, _)| n.as_str())
                .collect();
            output::emit(
                format_args!(
                    "checkpoint of {} entries cosigned by {} of {quorum} required: {}",
                    witnessed.checkpoint.checkpoint.size,
                    names.len(),
                    names.join(", ")
                ),
                serde_json::json!({
                    "size": witnessed.checkpoint.checkpoint.size, "quorum": quorum,
                    "cosigners": names,
                }),
            );
        }
        _ => return Err("not a tiles command".into()),
    }
    Ok(ExitCode::SUCCESS)
}
