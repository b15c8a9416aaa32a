//! `yinzheng`: run an agency (发证机关) and verify offline from the command line.
//!
//! Exit codes: 0 accepted / done; 1 an error (files, keys, input); 2 usage; 10 rejected
//! (forged, untrusted, malformed); 11 revoked or suspended; 12 outside its validity (expired,
//! not yet valid, a stale presentation); 13 status unknown.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod cli;
mod commands;
mod config;
mod files;
mod output;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::FromArgMatches as _;

use cli::{Cli, Command};
use commands::{bundle, issue, keygen, log, present, qr, seal, stamp, status, verify};

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let json = args.iter().any(|a| a == "--json");
    let config = match config::load(&args) {
        Ok(config) => config,
        Err(e) => return report(&*e, json),
    };
    let parsed = config::command(config.as_ref())
        .try_get_matches_from(&args)
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => cli,
        // With --json anywhere, a usage error is JSON too (help and --version are not errors).
        Err(e) if e.use_stderr() && json => {
            let message = e.kind().as_str().map_or_else(
                || {
                    e.render()
                        .to_string()
                        .lines()
                        .next()
                        .unwrap_or_default()
                        .to_owned()
                },
                str::to_owned,
            );
            output::json_error(&message, e.render().to_string().trim(), 2);
            return ExitCode::from(2);
        }
        Err(e) => e.exit(),
    };
    let json = cli.json;
    match run(cli) {
        Ok(code) => code,
        Err(e) => report(&*e, json),
    }
}

/// An error (exit code 1): as JSON on stdout with `--json`, else on stderr.
fn report(e: &dyn std::error::Error, json: bool) -> ExitCode {
    if json {
        output::json_error(&e.to_string(), &e.to_string(), 1);
    } else {
        eprintln!("error: {e}");
    }
    ExitCode::from(1)
}

fn run(cli: Cli) -> files::Result<ExitCode> {
    files::set_password_file(cli.password_file);
    let json = cli.json;
    output::set_json(json);
    match cli.command {
        Command::Keygen {
            alg,
            out,
            allow_unencrypted,
        } => keygen::run(alg, &out, allow_unencrypted),
        Command::Issue(args) => issue::run(&args),
        Command::Present(args) => present::run(&args),
        Command::Qr(args) => qr::run(args),
        Command::Verify(cmd) => verify::run(&cmd, json),
        Command::Stamp(args) => stamp::run(args),
        Command::Seal(cmd) => seal::run(cmd),
        Command::Status(cmd) => status::run(cmd),
        Command::Log(cmd) => log::run(cmd),
        Command::Witness(cmd) => commands::witness::run(cmd),
        Command::Bundle(cmd) => bundle::run(cmd),
        #[cfg(feature = "gm")]
        Command::Licence(args) => commands::national::licence(&args),
        Command::Inspect { file } => commands::inspect::run(&file, json),
        Command::Schema { file } => {
            output::emit(file.text(), serde_json::from_str(file.text())?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Completions { shell } => {
            let mut command = config::command(None);
            clap_complete::generate(shell, &mut command, "yinzheng", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Man { out_dir } => {
            std::fs::create_dir_all(&out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;
            clap_mangen::generate_to(config::command(None), &out_dir)
                .map_err(|e| format!("{}: {e}", out_dir.display()))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
