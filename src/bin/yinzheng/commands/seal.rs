//! `yinzheng seal make`: an electronic seal (电子印章) signed by its maker.

use std::process::ExitCode;

use yinzheng::crypto::sha256;
use yinzheng::issue::SealMaker;
use yinzheng::model::{Agency, Seal, SealKind, SealPicture};

use super::now;
use crate::cli::SealCommand;
use crate::files::{self, Result, read, write};
use crate::output;

pub(crate) fn run(cmd: SealCommand) -> Result<ExitCode> {
    let SealCommand::Make {
        gm,
        maker_key,
        maker_cert,
        signer_cert,
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
    if gm {
        if log.log.is_some() {
            return Err("--log is not yet recorded for national seals (--gm)".into());
        }
        #[cfg(feature = "gm")]
        return super::national::make_seal(&super::national::SealRequest {
            maker_key: &maker_key,
            maker_cert: maker_cert.as_deref().ok_or("--gm needs --maker-cert")?,
            signer_certs: &signer_cert,
            id,
            kind,
            name,
            picture: &picture,
            size_mm,
            valid_days,
            out: &out,
            at: t,
        });
        #[cfg(not(feature = "gm"))]
        return Err("--gm needs a yinzheng built with the gm feature".into());
    }
    let _ = (maker_cert, signer_cert);
    let owner_name = owner_name.ok_or("--owner-name is required")?;
    let owner_uscc = owner_uscc.ok_or("--owner-uscc is required")?;
    let mut authorised_keys = Vec::new();
    for key in &authorise {
        authorised_keys.push(sha256(&files::public_key_arg(key)?.to_bytes()));
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
    output::emit(
        format_args!(
            "seal {} ({}) {} bytes → {}",
            seal.id,
            seal.kind.label(),
            bytes.len(),
            out.display()
        ),
        serde_json::json!({
            "id": seal.id, "kind": seal.kind.label(), "out": out, "bytes": bytes.len(),
        }),
    );
    Ok(ExitCode::SUCCESS)
}
