//! `yinzheng seal make`: an electronic seal (电子印章) signed by its maker.

use std::path::Path;
use std::process::ExitCode;

use yinzheng::crypto::sha256;
use yinzheng::issue::SealMaker;
use yinzheng::model::{Agency, Seal, SealKind, SealPicture};

use super::now;
use crate::cli::SealCommand;
use crate::files::{self, Result, read, read_text, write};

pub(crate) fn run(cmd: SealCommand) -> Result<ExitCode> {
    let SealCommand::Make {
        maker_key,
        id,
        kind,
        name,
        owner_name,
        owner_uscc,
        authorise,
        picture,
        size_mm,
        valid_days,
        out,
        log,
    } = cmd;
    let t = now()?;
    let mut authorised_keys = Vec::new();
    for key in &authorise {
        let hex_text = if Path::new(key).is_file() {
            read_text(Path::new(key))?
        } else {
            key.clone()
        };
        authorised_keys.push(sha256(&files::public_key(&hex_text)?.to_bytes()));
    }
    authorised_keys.sort_unstable();
    authorised_keys.dedup();
    let format = if picture.extension().is_some_and(|e| e == "png") {
        "png"
    } else {
        "svg"
    };
    let seal = Seal {
        id,
        kind: SealKind::from_code(kind).ok_or("unknown seal type code")?,
        name,
        owner: Agency::new(&owner_name, &owner_uscc)?,
        authorised_keys,
        created: t,
        valid_from: t,
        valid_until: t.saturating_add(valid_days.saturating_mul(86_400)),
        picture: SealPicture {
            format: format.into(),
            data: read(&picture)?,
            width_mm: size_mm,
            height_mm: size_mm,
        },
        status: None,
    };
    let mut maker = SealMaker::new(files::signing_key(&maker_key)?);
    if let Some(log) = log.open()? {
        maker = maker.with_audit_log(log);
    }
    let bytes = maker.make(&seal, t)?;
    write(&out, &bytes)?;
    println!(
        "seal {} ({}) {} bytes → {}",
        seal.id,
        seal.kind.label(),
        bytes.len(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}
