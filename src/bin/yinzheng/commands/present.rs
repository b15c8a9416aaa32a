//! `yinzheng present`: a device-signed presentation of a certificate, as QR text.

use std::process::ExitCode;
use std::time::Duration;

use yinzheng::encoding::qr;
use yinzheng::present::{PresentationOptions, Presenter};

use super::now;
use crate::cli::PresentArgs;
use crate::files::{self, Result, hex_decode, read, write};
use crate::output;

pub(crate) fn run(args: &PresentArgs) -> Result<ExitCode> {
    let presenter = Presenter::new(
        read(&args.certificate)?,
        files::signing_key(&args.device_key)?,
    )?;
    let options = PresentationOptions {
        reveal: args.reveal.clone(),
        lifetime: Duration::from_secs(args.lifetime),
        nonce: args.nonce.as_deref().map(hex_decode).transpose()?,
        audience: args.audience.clone(),
        purpose: args.purpose.clone(),
    };
    let bytes = presenter.present(&options, now()?)?;
    if let Some(out) = &args.out {
        write(out, &bytes)?;
    }
    let text = qr::to_qr_text(&bytes);
    output::emit(
        &text,
        serde_json::json!({ "qr_text": text, "out": args.out, "bytes": bytes.len() }),
    );
    args.render.render(&text)?;
    Ok(ExitCode::SUCCESS)
}
