//! `yinzheng log`: every step is in the audit log; it verifies with its public key alone;
//! auditors prove, hold checkpoints and follow them forward from a read-only copy; `log
//! verify` says what is wrong with a damaged directory.

use std::path::Path;

use crate::support::{expect, output};
use crate::{Agency, ORIGIN, with_log};

/// The fixture's log verifier key.
fn vkey(d: &Path) -> String {
    expect(d, 0, &with_log(&["log", "vkey"])).trim().to_owned()
}

#[test]
fn the_log_proves_each_step_to_an_auditor_with_the_public_key() {
    let agency = Agency::set_up("log-prove");
    let d = agency.dir();
    let vkey = vkey(d);
    let verified = expect(
        d,
        0,
        &[
            "log", "verify", "--log", "audit", "--origin", ORIGIN, "--vkey", &vkey,
        ],
    );
    assert!(verified.contains("log verified"), "{verified}");
    let proof = expect(d, 0, &with_log(&["log", "prove", "--index", "1"]));
    std::fs::write(d.join("proof.txt"), &proof).unwrap();
    let checked = expect(
        d,
        0,
        &[
            "log",
            "check-proof",
            "--bundle",
            "proof.txt",
            "--origin",
            ORIGIN,
            "--vkey",
            &vkey,
        ],
    );
    assert!(checked.contains("(certificate-issued)"), "{checked}");
    let consistency = expect(d, 0, &with_log(&["log", "consistency", "--old-size", "1"]));
    assert!(!consistency.is_empty());

    // An auditor with a copy of the directory and the verifier key alone: no private key,
    // no lock, the same proofs; checkpoints held are followed forward.
    std::fs::create_dir_all(d.join("audit-copy")).unwrap();
    for name in ["log.seg", "anchor", "log.hashes", "log.offsets"] {
        std::fs::copy(d.join("audit").join(name), d.join("audit-copy").join(name)).unwrap();
    }
    let origin = ["--origin", ORIGIN];
    let from_copy = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--log", "audit-copy", "--vkey", &vkey]);
        all.extend_from_slice(&origin);
        expect(d, 0, &all)
    };
    assert_eq!(from_copy(&["log", "prove", "--index", "1"]), proof);
    assert!(!d.join("audit-copy/LOCK").exists());
    let held = from_copy(&["log", "checkpoint"]);
    std::fs::write(d.join("held.note"), &held).unwrap();
    let mut auditor_args = vec![
        "log",
        "check-checkpoint",
        "--checkpoint",
        "held.note",
        "--vkey",
        &vkey,
    ];
    auditor_args.extend_from_slice(&origin);
    assert!(expect(d, 0, &auditor_args).contains("checkpoint verified"));
    let held_size: u64 = held.lines().nth(1).unwrap().parse().unwrap();
    expect(
        d,
        0,
        &with_log(&["log", "append", "--subject", "key rotated"]),
    );
    let newer = expect(
        d,
        0,
        &with_log(&["log", "consistency", "--old-size", &held_size.to_string()]),
    );
    std::fs::write(d.join("newer.txt"), newer).unwrap();
    let mut follow = vec![
        "log",
        "check-consistency",
        "--held",
        "held.note",
        "--bundle",
        "newer.txt",
        "--vkey",
        &vkey,
    ];
    follow.extend_from_slice(&origin);
    let followed = expect(d, 0, &follow);
    assert!(
        followed.contains(&format!("{} entries extends", held_size + 1)),
        "{followed}"
    );
}

#[test]
fn two_histories_are_reported_with_both_checkpoints() {
    let agency = Agency::set_up("log-fork");
    // The committed fork vector: exit 11 with both checkpoints.
    let vectors = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-vectors/audit");
    let vector_vkey = std::fs::read_to_string(vectors.join("vkey.txt")).unwrap();
    let vector_vkey = vector_vkey.lines().nth(1).unwrap();
    let fork = output(
        agency.dir(),
        &[
            "log",
            "check-consistency",
            "--held",
            vectors.join("checkpoint-5.note").to_str().unwrap(),
            "--bundle",
            vectors.join("consistency-fork.txt").to_str().unwrap(),
            "--origin",
            "audit.example.gov.cn/licences",
            "--vkey",
            vector_vkey,
        ],
    );
    assert_eq!(fork.status.code(), Some(11), "{fork:?}");
    assert!(String::from_utf8_lossy(&fork.stderr).contains("INCONSISTENT"));
}

/// `log verify` checks the directory as it lies: bytes after the last commit are reported
/// and refused (exit 10) unless allowed; a log cut below its anchor is a rollback; a wrong
/// key is a key error; damage before the cache's mark is found by `--full`.
#[test]
fn log_verify_says_what_is_wrong_with_the_directory() {
    let agency = Agency::set_up("log-verify");
    let d = agency.dir();
    let vkey = vkey(d);
    let verify_log = |vkey: &str, extra: &[&str], code: i32| {
        let mut args = vec![
            "log", "verify", "--log", "audit", "--origin", ORIGIN, "--vkey", vkey,
        ];
        args.extend_from_slice(extra);
        let out = output(d, &args);
        assert_eq!(out.status.code(), Some(code), "{out:?}");
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout)
    };
    let segment = std::fs::read(d.join("audit/log.seg")).unwrap();
    let mut padded = segment.clone();
    padded.extend_from_slice(&[0x5A; 100]);
    std::fs::write(d.join("audit/log.seg"), &padded).unwrap();
    assert!(verify_log(&vkey, &[], 10).contains("100 bytes after the last commit"));
    assert!(verify_log(&vkey, &["--allow-uncommitted-tail"], 0).contains("100 uncommitted"));
    std::fs::write(d.join("audit/log.seg"), &segment[..segment.len() / 2]).unwrap();
    let cut = verify_log(&vkey, &[], 1);
    assert!(cut.contains("rollback") || cut.contains("damaged"), "{cut}");
    std::fs::write(d.join("audit/log.seg"), &segment).unwrap();
    expect(d, 0, &["keygen", "--out", "other-log.pem"]);
    let other = expect(
        d,
        0,
        &[
            "log",
            "vkey",
            "--log",
            "other-log",
            "--log-key",
            "other-log.pem",
            "--origin",
            ORIGIN,
        ],
    );
    assert!(verify_log(other.trim(), &[], 1).contains("not signed by this key"));
    // Damage deep in the history, before the tree cache's mark: the quick check (anchor,
    // commit at the mark, the tail) does not read it; --full does and refuses it.
    let mut flipped = segment.clone();
    flipped[64 + 20] ^= 0x01;
    std::fs::write(d.join("audit/log.seg"), &flipped).unwrap();
    assert!(verify_log(&vkey, &[], 0).contains("--full re-reads"));
    assert!(verify_log(&vkey, &["--full"], 1).contains("corrupt"));
    std::fs::write(d.join("audit/log.seg"), &segment).unwrap();
    assert!(verify_log(&vkey, &["--full"], 0).contains("every frame"));
    // A deleted anchor beside entries is refused.
    std::fs::remove_file(d.join("audit/anchor")).unwrap();
    assert!(verify_log(&vkey, &[], 1).contains("anchor is missing"));
}

/// Published as tlog-tiles, verified from the directory with the public key alone, then
/// witnessed by another province's witness and checked against a one-of-one policy.
#[test]
fn the_log_is_published_as_tiles_and_witnessed() {
    let agency = Agency::set_up("log-tiles");
    let d = agency.dir();
    let vkey = vkey(d);
    let published = expect(d, 0, &with_log(&["log", "publish", "--tiles", "public"]));
    assert!(published.contains("new) to public"), "{published}");
    assert!(d.join("public/checkpoint").is_file());
    let key = ["--origin", ORIGIN, "--vkey", &vkey];
    let verified = expect(
        d,
        0,
        &[&["log", "verify-tiles", "--tiles", "public"][..], &key].concat(),
    );
    assert!(verified.contains("published log verified"), "{verified}");
    let bundle = expect(
        d,
        0,
        &[
            &["log", "verify-tiles", "--tiles", "public", "--index", "0"][..],
            &key,
        ]
        .concat(),
    );
    std::fs::write(d.join("tile-proof.txt"), &bundle).unwrap();
    let checked = expect(
        d,
        0,
        &[
            &["log", "check-proof", "--bundle", "tile-proof.txt"][..],
            &key,
        ]
        .concat(),
    );
    assert!(checked.contains("entry 0 is in the log"), "{checked}");
    // A changed tile is refused.
    let tile = d.join("public/tile/0/000.p/1");
    if tile.is_file() {
        std::fs::write(&tile, [0u8; 32]).unwrap();
        expect(
            d,
            1,
            &[&["log", "verify-tiles", "--tiles", "public"][..], &key].concat(),
        );
    }

    expect(d, 0, &["keygen", "--out", "witness.pem"]);
    let witness = ["--key", "witness.pem", "--name", "witness.sh.example"];
    let witness_vkey = expect(d, 0, &[&["witness", "vkey"][..], &witness].concat());
    // No state yet: refused, not taken for a fresh witness; then created once.
    let request = expect(d, 0, &with_log(&["log", "consistency", "--old-size", "0"]));
    std::fs::write(d.join("request.txt"), &request).unwrap();
    let add = [
        &["witness", "add-checkpoint"][..],
        &witness,
        &[
            "--log-vkey",
            &vkey,
            "--state",
            "witness.state",
            "--request",
            "request.txt",
        ],
    ]
    .concat();
    assert_eq!(output(d, &add).status.code(), Some(1));
    expect(d, 0, &["witness", "init", "--state", "witness.state"]);
    expect(d, 1, &["witness", "init", "--state", "witness.state"]);
    let line = expect(d, 0, &add);
    assert!(line.starts_with("\u{2014} witness.sh.example "), "{line}");
    // The same request again starts from a size the witness no longer holds.
    let again = output(d, &add);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).starts_with("409"));
    std::fs::write(d.join("response.txt"), &line).unwrap();
    std::fs::write(
        d.join("checkpoint.txt"),
        expect(d, 0, &with_log(&["log", "checkpoint"])),
    )
    .unwrap();
    let cosigned = expect(
        d,
        0,
        &[
            "log",
            "attach-cosignatures",
            "--checkpoint",
            "checkpoint.txt",
            "--witness",
            witness_vkey.trim(),
            "--response",
            "response.txt",
        ],
    );
    std::fs::write(d.join("cosigned.txt"), &cosigned).unwrap();
    let policy = |file: &str, quorum: &str| {
        output(
            d,
            &[
                &[
                    "log",
                    "check-witnessed",
                    "--checkpoint",
                    file,
                    "--witness",
                    witness_vkey.trim(),
                ][..],
                &["--quorum", quorum],
                &key,
            ]
            .concat(),
        )
    };
    let ok = policy("cosigned.txt", "1");
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("cosigned by 1 of 1"));
    assert_eq!(policy("checkpoint.txt", "1").status.code(), Some(1));
    assert_eq!(policy("cosigned.txt", "2").status.code(), Some(1));
}
