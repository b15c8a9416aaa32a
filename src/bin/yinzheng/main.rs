//! `yinzheng`: run an agency (发证机关) and verify offline from the command line.
//!
//! Exit codes: 0 accepted / done; 1 an error (files, keys, input); 2 usage; 10 rejected
//! (forged, untrusted, malformed); 11 revoked or suspended; 12 outside its validity (expired,
//! not yet valid, a stale presentation); 13 status unknown.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod cli;
mod commands;
mod files;

use std::process::ExitCode;

use clap::Parser as _;

use cli::{Cli, Command};
use commands::{bundle, issue, keygen, log, present, qr, seal, stamp, status, verify};

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> files::Result<ExitCode> {
    files::set_password_file(cli.password_file);
    match cli.command {
        Command::Keygen {
            alg,
            out,
            allow_unencrypted,
        } => keygen::run(alg, &out, allow_unencrypted),
        Command::Issue(args) => issue::run(&args),
        Command::Present(args) => present::run(&args),
        Command::Qr(args) => qr::run(args),
        Command::Verify(args) => verify::run(&args),
        Command::Stamp(args) => stamp::run(args),
        Command::Seal(cmd) => seal::run(cmd),
        Command::Status(cmd) => status::run(cmd),
        Command::Log(cmd) => log::run(cmd),
        Command::Witness(cmd) => commands::witness::run(cmd),
        Command::Bundle(cmd) => bundle::run(cmd),
        #[cfg(feature = "gm")]
        Command::Licence(args) => commands::national::licence(&args),
    }
}
