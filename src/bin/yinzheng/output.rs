//! What a command prints on stdout: text for people and pipes, or with `--json` one JSON
//! document, so that every command can be scripted the same way. Notes for the operator go to
//! stderr either way.

use std::sync::OnceLock;

static JSON: OnceLock<bool> = OnceLock::new();

/// Chooses JSON for the rest of the process (`--json`); set once, in `main`.
pub(crate) fn set_json(json: bool) {
    // A second call (never made) would keep the first choice.
    let _ = JSON.set(json);
}

/// Whether results are printed as JSON.
pub(crate) fn is_json() -> bool {
    JSON.get().copied().unwrap_or(false)
}

/// The result: `value` as JSON with `--json`, else `text` (with a newline unless it already
/// ends with one, as signed notes and bundles do).
pub(crate) fn emit(text: impl core::fmt::Display, value: serde_json::Value) {
    if is_json() {
        // `Value`'s Display is compact JSON; pretty for people reading along.
        println!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_else(|_| value.to_string())
        );
    } else {
        let text = text.to_string();
        if text.ends_with('\n') {
            print!("{text}");
        } else {
            println!("{text}");
        }
    }
}

/// `{"error": {"message", "detail", "exit_code"}}` on stdout, where a `--json` caller reads.
pub(crate) fn json_error(message: &str, detail: &str, exit_code: u8) {
    let error = serde_json::json!({
        "error": { "message": message, "detail": detail, "exit_code": exit_code },
    });
    println!("{error}");
}

/// A failure with its own exit code (a rejection, not an error): with `--json` the error
/// document on stdout, else `message` on stderr.
pub(crate) fn failure(message: &str, exit_code: u8) -> std::process::ExitCode {
    if is_json() {
        json_error(
            message.lines().next().unwrap_or_default(),
            message,
            exit_code,
        );
    } else {
        eprintln!("{message}");
    }
    std::process::ExitCode::from(exit_code)
}
