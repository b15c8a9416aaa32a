//! The platform commands end to end on a real PostgreSQL: an issuer worker appends, the
//! integrator publishes to a directory, the auditor verifies every tile and proves an entry,
//! a witness served by the command cosigns the published checkpoint, and a policy needing
//! that witness accepts the cosigned note and refuses the bare one; an integrator with the
//! witness publishes cosigned checkpoints only, and withholds one the witness cannot sign. Skips without a server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

use common::{ORIGIN, append_args, fresh_schema, log_key, scratch};
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
    let dir = scratch("cli", &[("log.seed", 0x5A), ("witness.seed", 0x77)]);
    let path = |name: &str| dir.join(name).to_str().unwrap().to_owned();
    let vkey = log_key().to_vkey();
    let tiles = format!("file:{}", path("tiles"));
    let seed = path("log.seed");
    let append = |worker: &str, batches: &str, size: &str| {
        run(&append_args(&url, &vkey, worker, batches, size))
    };
    let integrate = [
        "integrate",
        "--url",
        &url,
        "--origin",
        ORIGIN,
        "--seed-file",
        &seed,
        "--tiles",
        &tiles,
    ];

    let (ok, out, err) = append("1", "5", "60");
    assert!(ok, "{err}");
    assert_eq!(out.lines().filter(|l| l.starts_with("ack ")).count(), 300);
    let (ok, out, err) = run(&[&integrate[..], &["--until", "300"]].concat());
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

    // An integrator with the witness publishes only cosigned checkpoints: 300 more entries,
    // and the published note now meets the policy by itself.
    let (ok, _, err) = append("2", "5", "60");
    assert!(ok, "{err}");
    let witnessed = [
        &integrate[..],
        &["--witness-url", &witness_url, "--witness", &witness_key][..],
    ]
    .concat();
    let (ok, out, err) = run(&[&witnessed[..], &["--until", "600"]].concat());
    assert!(ok, "{err}");
    assert!(out.ends_with("checkpoint 600\n"), "{out}");
    let (ok, out, err) = run(&[
        &[
            "verify", "--tiles", &tiles, "--vkey", &vkey, "--index", "555",
        ][..],
        &policy[..],
    ]
    .concat());
    assert!(ok, "{err}");
    assert!(out.contains("600 entries"), "{out}");
    assert!(
        out.contains(&format!("witnessed by {witness_name}")),
        "{out}"
    );
    server.kill().unwrap();
    server.wait().unwrap();
    // A witness that cannot be reached withholds the checkpoint, and says why.
    let (ok, _, err) = append("3", "1", "10");
    assert!(ok, "{err}");
    let mut unreachable = Command::new(BIN)
        .args(&witnessed)
        .args(["--until", "610"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The witness's failure as it happens, then the integration that could not finish.
    let mut stderr = BufReader::new(unreachable.stderr.take().unwrap());
    let mut seen: Vec<String> = Vec::new();
    while !seen
        .last()
        .is_some_and(|line| line.starts_with("integration failed"))
    {
        let mut line = String::new();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "{seen:?}");
        seen.push(line);
    }
    unreachable.kill().unwrap();
    unreachable.wait().unwrap();
    assert!(seen[0].contains(&witness_url), "{seen:?}");
    assert!(
        seen[seen.len() - 1].contains("0 of the required 1 witnesses cosigned"),
        "{seen:?}"
    );
    // Witness flags without a target to publish to are a mistake, not ignored.
    for flags in [
        &["--witness-url", &witness_url, "--witness", &witness_key][..],
        &["--quorum", "1"][..],
    ] {
        let (ok, _, err) = run(&[&integrate[..integrate.len() - 2], flags].concat());
        assert!(!ok);
        assert!(err.contains("need --tiles"), "{err}");
    }
    let (ok, out, err) = run(&["verify", "--tiles", &tiles, "--vkey", &vkey]);
    assert!(ok, "{err}");
    assert!(
        out.contains("600 entries"),
        "the last witnessed checkpoint stays: {out}"
    );
    // A bad flag value names the flag.
    let (ok, _, err) = run(&["verify", "--tiles", &tiles, "--vkey", "not-a-key"]);
    assert!(!ok);
    assert!(err.starts_with("yinzheng-platform: "), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn status_changes_and_list_publication_from_the_command_line() {
    use yinzheng::Limits;
    use yinzheng::crypto::Algorithm;
    use yinzheng::encoding::CoseSign1;
    use yinzheng::status::{LegalStatus, RegistryConfig, StatusListToken};
    use yinzheng_postgres::PgStatusRegistry;

    let Some(url) = fresh_schema("yz_test_status_commands") else {
        return;
    };
    let dir = scratch("status", &[("lists.seed", 0x33)]);
    let seed = dir.join("lists.seed");
    let base = "https://tiles.example.gov.cn/jilin/";
    let prefix = format!("{base}status/");
    // The schema's log, then an issuing service allocated these (as
    // `Issuer::with_status_registry` does).
    let _log = yinzheng_postgres::PgLog::connect(&url, ORIGIN, log_key()).unwrap();
    let service = PgStatusRegistry::connect(&url, RegistryConfig::new(&prefix)).unwrap();
    let revoked = service.allocate("cert-1").unwrap();
    let kept = service.allocate("cert-2").unwrap();

    let common = ["--url", url.as_str(), "--prefix", prefix.as_str()];
    let set = |certificate: &str, to: &str| {
        run(&[
            &["status", "set"][..],
            &common[..],
            &[
                "--certificate",
                certificate,
                "--to",
                to,
                "--operator",
                "op-1",
            ][..],
        ]
        .concat())
    };
    let (ok, out, err) = set("cert-1", "吊销");
    assert!(ok, "{err}");
    assert_eq!(out, "changed cert-1 revoked 1\n");
    // Unlawful, unknown and misspelt changes are refused with the reason.
    let (ok, _, err) = set("cert-1", "valid");
    assert!(!ok);
    assert!(err.contains("revoked") || err.contains("Revoked"), "{err}");
    let (ok, _, err) = set("cert-9", "revoked");
    assert!(!ok);
    assert!(err.contains("cert-9"), "{err}");
    let (ok, _, err) = set("cert-2", "Revoked");
    assert!(!ok);
    assert!(err.contains("--to: unknown status \"Revoked\""), "{err}");

    let tiles = dir.join("tiles");
    let target = format!("file:{}", tiles.display());
    let (ok, out, err) = run(&[
        &["status", "publish"][..],
        &common[..],
        &[
            "--seed-file",
            seed.to_str().unwrap(),
            "--tiles",
            &target,
            "--base-url",
            base,
            "--ttl",
            "900",
        ][..],
    ]
    .concat());
    assert!(ok, "{err}");
    assert_eq!(out, format!("published {} status/1\n", revoked.uri));
    let token = std::fs::read(tiles.join("status/1")).unwrap();
    let envelope = CoseSign1::decode(&token, &Limits::default()).unwrap();
    // Signed by the key in --seed-file, over the bytes as published.
    Ed25519SigningKey::from_seed(&[0x33; 32])
        .public_key()
        .verify(
            Algorithm::Ed25519,
            &envelope.to_be_signed(),
            envelope.signature,
        )
        .unwrap();
    let list = StatusListToken::decode_claims(envelope.payload, &Limits::default()).unwrap();
    assert_eq!(list.ttl, Some(900));
    assert_eq!(
        list.list.get(revoked.index).unwrap(),
        LegalStatus::Revoked.list_value()
    );
    assert_eq!(
        list.list.get(kept.index).unwrap(),
        LegalStatus::Valid.list_value()
    );
    // A base URL the lists are not under publishes nothing.
    let (ok, _, err) = run(&[
        &["status", "publish"][..],
        &common[..],
        &[
            "--seed-file",
            seed.to_str().unwrap(),
            "--tiles",
            &target,
            "--base-url",
            "https://elsewhere.example/",
        ][..],
    ]
    .concat());
    assert!(!ok);
    assert!(err.contains("not under the published base URL"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
