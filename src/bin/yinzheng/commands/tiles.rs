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
            println!(
                "published {} entries ({} new) to {}",
                checkpoint.checkpoint.size,
                checkpoint.checkpoint.size - before,
                tiles.display()
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
                Some(index) => print!("{}", client.inclusion_bundle(&checkpoint, index)?.encode()),
                None => println!(
                    "published log verified: {} entries, every entry, bundle and tile against the checkpoint",
                    client.verify_all(&checkpoint)?
                ),
            }
        }
        LogCommand::AttachCosignatures {
            checkpoint,
            witness,
            response,
        } => print!(
            "{}",
            add_cosignatures(
                &read_text(&checkpoint)?,
                &NoteKey::from_vkey(&witness)?,
                &read_text(&response)?
            )?
        ),
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
            println!(
                "checkpoint of {} entries cosigned by {} of {quorum} required: {}",
                witnessed.checkpoint.checkpoint.size,
                names.len(),
                names.join(", ")
            );
        }
        _ => return Err("not a tiles command".into()),
    }
    Ok(ExitCode::SUCCESS)
}
