//! The platform commands end to end on a real PostgreSQL: an issuer worker appends, the
//! integrator publishes to a directory, the auditor verifies every tile and proves an entry,
//! a witness served by the command cosigns the published checkpoint, and a policy needing
//! that witness accepts the cosigned note and refuses the bare one. Skips without a server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

use common::{ORIGIN, fresh_schema, log_key};
use yinzheng::audit::{KeyRole, NoteKey};
use yinzheng::crypto::{Ed25519SigningKey, Signer as _};

const BIN: &str = env!("CARGO_BIN_EXE_yinzheng-platform");

fn run(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(BIN).args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn append_integrate_verify_and_witness_from_the_command_line() {
    let Some(url) = fresh_schema("yz_test_commands") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("yz-platform-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = |name: &str| dir.join(name).to_str().unwrap().to_owned();
    std::fs::write(path("log.seed"), hex::encode([0x5A; 32])).unwrap();
    std::fs::write(path("witness.seed"), hex::encode([0x77; 32])).unwrap();
    let vkey = log_key().to_vkey();
    let tiles = format!("file:{}", path("tiles"));

    let (ok, out, err) = run(&[
        "append",
        "--url",
        &url,
        "--origin",
        ORIGIN,
        "--vkey",
        &vkey,
        "--worker",
        "1",
        "--batches",
        "5",
        "--size",
        "60",
    ]);
    assert!(ok, "{err}");
    assert_eq!(out.lines().filter(|l| l.starts_with("ack ")).count(), 300);
    let (ok, out, err) = run(&[
        "integrate",
        "--url",
        &url,
        "--origin",
        ORIGIN,
        "--seed-file",
        &path("log.seed"),
        "--tiles",
        &tiles,
        "--until",
        "300",
    ]);
    assert!(ok, "{err}");
    assert!(out.ends_with("checkpoint 300\n"), "{out}");
    let (ok, out, err) = run(&[
        "verify", "--tiles", &tiles, "--vkey", &vkey, "--index", "123",
    ]);
    assert!(ok, "{err}");
    assert!(
        out.contains("300 entries, every tile and bundle verified"),
        "{out}"
    );
    assert!(out.contains("entry 123 proven"), "{out}");

    // A witness served by the command, with its state in a file.
    let witness_name = "witness.example.gov.cn/fujian";
    let witness_key = NoteKey::new(
        witness_name,
        KeyRole::Witness,
        Ed25519SigningKey::from_seed(&[0x77; 32]).public_key(),
    )
    .unwrap()
    .to_vkey();
    let mut server = Command::new(BIN)
        .args([
            "witness",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--name",
            witness_name,
            "--seed-file",
            &path("witness.seed"),
            "--state",
            &path("witness.state"),
            "--log",
            &vkey,
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut banner = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut banner)
        .unwrap();
    let url_at = banner.find("http://").unwrap();
    let witness_url = banner[url_at..].trim().to_owned();
    assert!(
        banner.starts_with(&format!("witness {witness_key} on ")),
        "{banner}"
    );

    let (ok, cosigned, err) = run(&[
        "witness",
        "cosign",
        "--tiles",
        &tiles,
        "--vkey",
        &vkey,
        "--witness-url",
        &witness_url,
        "--witness",
        &witness_key,
    ]);
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(ok, "{err}");
    std::fs::write(path("cosigned"), &cosigned).unwrap();
    let policy = ["--witness", witness_key.as_str(), "--quorum", "1"];
    let (ok, out, err) = run(&[
        &[
            "verify",
            "--tiles",
            &tiles,
            "--vkey",
            &vkey,
            "--checkpoint",
            &path("cosigned"),
        ][..],
        &policy[..],
    ]
    .concat());
    assert!(ok, "{err}");
    assert!(
        out.contains(&format!("witnessed by {witness_name}")),
        "{out}"
    );
    // The published note has no cosignature: the same policy refuses it.
    let (ok, _, err) = run(&[
        &["verify", "--tiles", &tiles, "--vkey", &vkey][..],
        &policy[..],
    ]
    .concat());
    assert!(!ok);
    assert!(err.contains("witness"), "{err}");
    // A bad flag value names the flag.
    let (ok, _, err) = run(&["verify", "--tiles", &tiles, "--vkey", "not-a-key"]);
    assert!(!ok);
    assert!(err.starts_with("yinzheng-platform: "), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
