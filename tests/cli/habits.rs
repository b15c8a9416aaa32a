//! The habits of `step` and `cosign`: `verify` kinds as subcommands with only their own flags,
//! RFC 3339 times, `--json` for errors too, short flags, completions a real bash loads, man
//! pages, public keys as hex or a file.

use std::process::Command;

use crate::Agency;
use crate::present::present;
use crate::support::{expect, output, yz};

/// `verify presentation` of the phone's presentation (`present`) with its seal, list, nonce
/// and audience, then `extra`.
fn verify_shown<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "verify",
        "presentation",
        "-t",
        "trust.json",
        "-i",
        "shown.cbor",
        "--seal",
        "seal.cose",
        "--status-list",
        "lists/list-0.cwt",
        "--nonce",
        "00112233",
        "--audience",
        "前台",
    ];
    args.extend_from_slice(extra);
    args
}

#[test]
fn verify_kinds_are_subcommands_with_their_own_flags_and_times_in_rfc3339() {
    let agency = Agency::set_up("habits-verify");
    let d = agency.dir();
    present(d);
    let now = expect(d, 0, &verify_shown(&[]));
    assert!(now.contains("accepted"), "{now}");
    // A flag of another kind is a usage error, named.
    let out = output(d, &verify_shown(&["--allow-cofactored-batch"]));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--allow-cofactored-batch"), "{err}");
    let out = output(
        d,
        &[
            "verify",
            "certificate",
            "-t",
            "trust.json",
            "-i",
            "resident.cbor",
            "--nonce",
            "00",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    // The same instant as RFC 3339 at +08:00, in UTC, and as Unix seconds gives one verdict.
    // The presentation lives 60 s from now: a time within it is accepted in every spelling,
    // one a day later is not.
    use yinzheng::time::Clock as _;
    let secs = yinzheng::time::SystemClock.now().unwrap().as_secs() + 20;
    let utc = yinzheng::time::UnixTime::from_secs(secs).to_string();
    let beijing = yinzheng::time::UnixTime::from_secs(secs + 8 * 3600).to_string();
    let beijing = format!("{}+08:00", &beijing[..19]);
    let unix = secs.to_string();
    for at in [&utc, &beijing, &unix] {
        let json = expect(d, 0, &verify_shown(&["--at", at, "--json"]));
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["accepted"], true, "{at}: {json}");
    }
    let later = yinzheng::time::UnixTime::from_secs(secs + 86_400).to_string();
    let stale = output(d, &verify_shown(&["--at", &later]));
    assert_eq!(stale.status.code(), Some(12));
    let out = output(d, &verify_shown(&["--at", "2026-12-05 09:30"]));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not an RFC 3339 time"), "{err}");
}

#[test]
fn with_json_errors_are_json_on_stdout_too() {
    let agency = Agency::set_up("habits-json");
    let d = agency.dir();
    // A runtime error: the file that is missing is named.
    let out = output(
        d,
        &[
            "--json",
            "verify",
            "certificate",
            "-t",
            "absent.json",
            "-i",
            "resident.cbor",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["exit_code"], 1);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("absent.json"),
        "{v}"
    );
    // A usage error, with --json after the subcommand (it is global).
    let out = output(d, &["verify", "certificate", "--json", "--bogus"]);
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["exit_code"], 2);
    assert!(
        v["error"]["detail"].as_str().unwrap().contains("--bogus"),
        "{v}"
    );
    // Help is not an error.
    let help = expect(d, 0, &["verify", "certificate", "--help"]);
    assert!(help.contains("Examples:"), "{help}");
}

/// The subcommands listed under "Commands:" in a help text (`help` itself left out).
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|line| *line != "Commands:")
        .skip(1)
        .take_while(|line| !line.trim().is_empty())
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

/// The example command lines of `path` in its help (continuations joined), with its
/// `yinzheng <path>` prefix removed; lines for other commands are left out.
fn own_examples(help: &str, path: &[String]) -> Vec<String> {
    let prefix = format!("yinzheng {} ", path.join(" "));
    let mut lines: Vec<String> = Vec::new();
    let mut continuing = false;
    for line in help.lines() {
        let trimmed = line.trim();
        if continuing && let Some(last) = lines.last_mut() {
            last.push(' ');
            last.push_str(trimmed);
        } else if let Some(rest) = trimmed.strip_prefix(&prefix) {
            lines.push(rest.to_owned());
        } else {
            continuing = false;
            continue;
        }
        continuing = trimmed.ends_with('\\');
    }
    lines
}

#[test]
fn every_subcommand_has_examples_in_its_help_using_only_its_flags() {
    let agency = Agency::set_up("habits-help");
    let d = agency.dir();
    // Groups of subcommands have no job of their own to show.
    let groups = ["verify", "seal", "status", "log", "witness", "bundle"];
    let mut pending: Vec<Vec<String>> = subcommands(&expect(d, 0, &["--help"]))
        .into_iter()
        .map(|name| vec![name])
        .collect();
    let mut checked = 0;
    let mut examples_checked = 0;
    while let Some(path) = pending.pop() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let help = expect(d, 0, &args);
        for sub in subcommands(&help) {
            let mut child = path.clone();
            child.push(sub);
            pending.push(child);
        }
        if path.len() == 1 && groups.contains(&path[0].as_str()) {
            continue;
        }
        assert!(help.contains("Example"), "{}: {help}", path.join(" "));
        // Every flag an example uses is one the command has (globals are listed too): looked
        // up in the options, above the examples.
        let options = &help[..help.find("\nExample").unwrap()];
        let subs = subcommands(&help);
        let own = own_examples(&help, &path).into_iter().filter(|example| {
            // `stamp`'s help also shows `stamp ofd`: that one is checked in its own help.
            !subs
                .iter()
                .any(|sub| example.split_whitespace().next() == Some(sub.as_str()))
        });
        for example in own {
            examples_checked += 1;
            // The command itself: not what a shell does with its output, nor a note.
            let command = [" > ", " | ", " && ", "  ("]
                .iter()
                .fold(example.as_str(), |rest, end| {
                    rest.split(end).next().unwrap()
                });
            for flag in command.split_whitespace().filter(|w| w.starts_with("--")) {
                let flag = flag.split('=').next().unwrap();
                assert!(
                    options.contains(&format!("{flag} ")) || options.contains(&format!("{flag}\n")),
                    "{}: the example {example:?} uses {flag}, which it does not have",
                    path.join(" ")
                );
            }
        }
        checked += 1;
    }
    assert!(checked >= 35, "{checked} commands checked");
    assert!(
        examples_checked >= 50,
        "{examples_checked} examples checked"
    );
}

#[test]
fn bash_loads_the_completions_and_man_pages_are_written_for_every_subcommand() {
    let agency = Agency::set_up("habits-completions");
    let d = agency.dir();
    let script = expect(d, 0, &["completions", "bash"]);
    std::fs::write(d.join("yinzheng.bash"), &script).unwrap();
    // Bash itself loads the script and registers the completion; completing `verify c`
    // offers `certificate`.
    let probe = r#"source ./yinzheng.bash && complete -p yinzheng &&
        COMP_WORDS=(yinzheng verify c) COMP_CWORD=2 COMP_LINE='yinzheng verify c' COMP_POINT=17 &&
        "$(complete -p yinzheng | sed -E 's/.*-F ([^ ]+).*/\1/')" yinzheng c verify &&
        printf '%s\n' "${COMPREPLY[@]}""#;
    let out = Command::new("bash")
        .args(["-c", probe])
        .current_dir(d)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.lines().any(|l| l == "certificate"), "{stdout}");

    expect(d, 0, &["man", "--out-dir", "man"]);
    for page in [
        "yinzheng.1",
        "yinzheng-verify.1",
        "yinzheng-verify-certificate.1",
    ] {
        let text = std::fs::read_to_string(d.join("man").join(page)).unwrap();
        assert!(text.contains(".TH"), "{page}");
    }
}

#[test]
fn a_public_key_argument_takes_hex_or_the_pub_file() {
    let agency = Agency::set_up("habits-keys");
    let d = agency.dir();
    expect(
        d,
        0,
        &[
            "bundle",
            "make",
            "--publisher-key",
            "publisher.pem",
            "-t",
            "trust.json",
            "--seal",
            "seal.cose",
            "--status-list",
            "lists/list-0.cwt",
            "-o",
            "bundle.cose",
        ],
    );
    present(d);
    let hex = std::fs::read_to_string(d.join("publisher.pub")).unwrap();
    for publisher in ["publisher.pub", hex.trim()] {
        let out = expect(
            d,
            0,
            &[
                "verify",
                "presentation",
                "-b",
                "bundle.cose",
                "--publisher",
                publisher,
                "-i",
                "shown.cbor",
                "--nonce",
                "00112233",
                "--audience",
                "前台",
            ],
        );
        assert!(out.contains("accepted"), "{out}");
    }
    let out = yz(
        d,
        &[
            "verify",
            "certificate",
            "-b",
            "bundle.cose",
            "--publisher",
            "nope.pub",
            "-i",
            "resident.cbor",
        ],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("nope.pub: neither a file nor a public key"),
        "{err}"
    );
}
