//! The agency's settings from a config file and the environment: a flag beats its environment
//! variable, which beats the file, which beats the built-in default; the file's relative paths
//! are read from its own directory; a misspelt key is an error naming the file and the line.

use crate::support::{self, AGENCY, expect, output, yz};
use crate::{Agency, ORIGIN, PREFIX};

const CONFIG: &str = "etc/yinzheng.toml";

/// The fixture agency's settings, written as a config file in `etc/`.
fn write_config(agency: &Agency) {
    let d = agency.dir();
    std::fs::create_dir_all(d.join("etc")).unwrap();
    std::fs::write(
        d.join(CONFIG),
        format!(
            "[agency]\nname = \"吉林省测试局\"\nuscc = \"{AGENCY}\"\nkey = \"../agency.pem\"\n\n\
             [log]\ndir = \"../audit\"\nkey = \"../log.pem\"\norigin = \"{ORIGIN}\"\n\n\
             [status]\njournal = \"../status.journal\"\nprefix = \"{PREFIX}\"\n"
        ),
    )
    .unwrap();
}

#[test]
fn a_config_file_supplies_the_agency_its_log_and_its_journal() {
    let agency = Agency::set_up("config-file");
    let d = agency.dir();
    write_config(&agency);
    std::fs::write(d.join("b.toml"), support::business_licence("C0001")).unwrap();
    let vkey = expect(d, 0, &["log", "vkey", "--config", CONFIG]);
    let log_size = |d: &std::path::Path| {
        let checkpoint = expect(d, 0, &["log", "checkpoint", "--config", CONFIG]);
        checkpoint.lines().nth(1).unwrap().parse::<u64>().unwrap()
    };
    let before = log_size(d);

    // Only the request and the output on the command line: key, agency, journal and log
    // come from the file.
    let id = expect(
        d,
        0,
        &["--config", CONFIG, "issue", "-r", "b.toml", "-o", "b.cbor"],
    );
    assert_eq!(log_size(d), before + 1, "the issuance is in the file's log");
    // $YINZHENG_CONFIG names the file just as well.
    let set = yz(
        d,
        &[
            "status",
            "set",
            "--certificate",
            id.trim(),
            "--status",
            "suspended",
            "--operator",
            "operator-7",
        ],
    )
    .env("YINZHENG_CONFIG", CONFIG)
    .output()
    .unwrap();
    assert_eq!(
        set.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    assert!(String::from_utf8_lossy(&set.stdout).contains(PREFIX));
    assert_eq!(log_size(d), before + 2);

    // The value in force is shown in --help, with the variable that would override it.
    let help = expect(d, 0, &["--config", CONFIG, "issue", "--help"]);
    assert!(help.contains("[default: 吉林省测试局]"), "{help}");
    assert!(help.contains("YINZHENG_AGENCY_NAME"), "{help}");

    // A reader's --vkey is not in conflict with a log key that came from the file.
    let proof = expect(
        d,
        0,
        &[
            "--config",
            CONFIG,
            "log",
            "prove",
            "--vkey",
            vkey.trim(),
            "--index",
            "0",
        ],
    );
    assert!(!proof.is_empty());
}

#[test]
fn a_flag_beats_the_environment_which_beats_the_file() {
    let agency = Agency::set_up("config-order");
    let d = agency.dir();
    write_config(&agency);
    let vkey = expect(d, 0, &["log", "vkey", "--config", CONFIG]);
    let verify = |extra: &[&str], origin_env: Option<&str>| {
        let mut args = vec!["log", "verify", "--config", CONFIG, "--vkey", vkey.trim()];
        args.extend_from_slice(extra);
        let mut command = yz(d, &args);
        if let Some(origin) = origin_env {
            command.env("YINZHENG_LOG_ORIGIN", origin);
        }
        command.output().unwrap().status.code()
    };
    // The file's origin beats the built-in default (another agency's origin).
    assert_eq!(verify(&[], None), Some(0));
    // The environment beats the file: the wrong origin fails the check.
    let wrong = "audit.example.gov.cn/other";
    assert_ne!(verify(&[], Some(wrong)), Some(0));
    // The flag beats the environment.
    assert_eq!(verify(&["--origin", ORIGIN], Some(wrong)), Some(0));
}

#[test]
fn a_bad_config_file_is_named_with_its_line() {
    let agency = Agency::set_up("config-bad");
    let d = agency.dir();
    std::fs::write(
        d.join("bad.toml"),
        "[agency]\nname = \"某局\"\nnmae = \"某局\"\n",
    )
    .unwrap();
    let out = output(d, &["--config", "bad.toml", "log", "vkey"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml: line 3: unknown field `nmae`"),
        "{err}"
    );

    std::fs::write(d.join("empty.toml"), "[status]\nprefix = \"\"\n").unwrap();
    let out = output(d, &["--config", "empty.toml", "log", "vkey"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("empty.toml: status.prefix is empty"), "{err}");

    // Missing, and as JSON.
    let json = expect(d, 1, &["--json", "--config=missing.toml", "log", "vkey"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let message = v["error"]["message"].as_str().unwrap();
    assert!(message.contains("missing.toml"), "{message}");
}

#[test]
fn the_readme_config_file_is_read_as_documented() {
    let agency = Agency::set_up("config-readme");
    let d = agency.dir();
    let readme = include_str!("../../README.md");
    let start = readme
        .find("```toml\n[agency]")
        .expect("README has the config example")
        + 8;
    let example = &readme[start..start + readme[start..].find("```").unwrap()];
    std::fs::create_dir_all(d.join("etc")).unwrap();
    std::fs::write(d.join("etc/agency.toml"), example).unwrap();
    let help = expect(d, 0, &["--config", "etc/agency.toml", "issue", "--help"]);
    assert!(help.contains("[default: 吉林省市场监督管理厅]"), "{help}");
    // The key's relative path is read from the file's directory.
    assert!(help.contains("[default: etc/keys/agency.pem]"), "{help}");
}
