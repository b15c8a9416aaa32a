//! `yinzheng qr`: QR text (given, or made from an object's bytes) rendered as a QR code.

use std::process::ExitCode;

use yinzheng::encoding::qr;

use crate::cli::QrArgs;
use crate::files::{Result, read};
use crate::output;

pub(crate) fn run(args: QrArgs) -> Result<ExitCode> {
    let QrArgs {
        text,
        input,
        render,
    } = args;
    let text = match (text, input) {
        (Some(t), _) => t,
        (None, Some(path)) => qr::to_qr_text(&read(&path)?),
        (None, None) => return Err("give --text or --in".into()),
    };
    output::emit(&text, serde_json::json!({ "qr_text": text }));
    render.render(&text)?;
    Ok(ExitCode::SUCCESS)
}
