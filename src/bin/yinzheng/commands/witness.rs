//! `yinzheng witness`: cosign other logs' checkpoints once they are proven consistent with the
//! last one cosigned (state in a file).

use std::process::ExitCode;

use yinzheng::audit::witness::Witness;
use yinzheng::audit::{KeyRole, NoteKey};
use yinzheng::crypto::Signer as _;
use yinzheng::storage::FileWitnessStore;

use super::now;
use crate::cli::{WitnessArgs, WitnessCommand};
use crate::files::{self, Result, read_text};
use crate::output;

fn witness_key(args: &WitnessArgs) -> Result<(NoteKey, yinzheng::crypto::Ed25519SigningKey)> {
    let signer = files::ed25519_key(&args.key)?;
    let key = NoteKey::new(&args.name, KeyRole::Witness, signer.public_key())?;
    Ok((key, signer))
}

pub(crate) fn run(cmd: WitnessCommand) -> Result<ExitCode> {
    match cmd {
        WitnessCommand::Init { state } => {
            FileWitnessStore::create(&state).map_err(|e| format!("{}: {e}", state.display()))?;
            output::emit(
                format_args!("witness state created at {}", state.display()),
                serde_json::json!({ "state": state }),
            );
        }
        WitnessCommand::Vkey { witness } => {
            let vkey = witness_key(&witness)?.0.to_vkey();
            output::emit(&vkey, serde_json::json!({ "vkey": vkey }));
        }
        WitnessCommand::AddCheckpoint {
            witness,
            logs,
            state,
            request,
        } => {
            let (key, signer) = witness_key(&witness)?;
            let logs = logs
                .iter()
                .map(|v| NoteKey::from_vkey(v))
                .collect::<core::result::Result<Vec<_>, _>>()?;
            let witness = Witness::new(
                key,
                signer,
                logs,
                FileWitnessStore::open(&state).map_err(|e| {
                    format!(
                        "{}: {e} (a new witness runs `witness init` first)",
                        state.display()
                    )
                })?,
            )?;
            match witness.add_checkpoint(&read_text(&request)?, now()?.as_secs()) {
                Ok(line) => output::emit(&line, serde_json::json!({ "cosignature": line })),
                Err(refused) => {
                    return Ok(output::failure(
                        &format!("{} {refused}", refused.http_status()),
                        1,
                    ));
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
