//! `yinzheng stamp`: a document stamped with a seal (电子签章).

use std::process::ExitCode;

use yinzheng::issue::Stamper;

use super::now;
use crate::cli::StampArgs;
use crate::files::{self, Result, read, write};
use crate::output;

pub(crate) fn run(args: StampArgs) -> Result<ExitCode> {
    #[cfg(feature = "gm")]
    if let Some(crate::cli::StampTarget::Ofd(ofd)) = &args.target {
        return super::national::stamp_ofd(ofd);
    }
    let StampArgs {
        seal,
        key,
        document,
        property,
        out,
        log,
        ..
    } = args;
    let (Some(seal), Some(key), Some(document), Some(out)) = (seal, key, document, out) else {
        return Err("stamp needs --seal, --key, --document and --out".into());
    };
    let mut stamper = Stamper::new(read(&seal)?, files::signing_key(&key)?)?;
    if let Some(log) = log.open()? {
        stamper = stamper.with_audit_log(log);
    }
    let stamp = stamper.stamp(&read(&document)?, &property, now()?)?;
    write(&out, &stamp)?;
    output::emit(
        format_args!("stamp {} bytes → {}", stamp.len(), out.display()),
        serde_json::json!({ "out": out, "bytes": stamp.len() }),
    );
    Ok(ExitCode::SUCCESS)
}
