//! The operator CLI runs the whole agency story, scripted: keys → seal → issue (under the
//! seal, with a status entry and the audit log) → present from the phone → verify offline →
//! revoke → verify again → stamp → trust bundle → log verify and proofs; plus bulk issuance
//! and the exit codes.
#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Dir(PathBuf);

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn yz(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_yinzheng"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// Runs and requires exit code `code`; returns stdout.
fn expect(dir: &Path, code: i32, args: &[&str]) -> String {
    let out = yz(dir, args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(code),
        "yinzheng {}\nstdout: {stdout}\nstderr: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

const AGENCY: &str = "11220000013544541J";
const LOG: [&str; 6] = [
    "--log",
    "audit",
    "--log-key",
    "log.pem",
    "--origin",
    "audit.example.gov.cn/jilin",
];

fn with_log<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut v = args.to_vec();
    v.extend_from_slice(&LOG);
    v
}

#[test]
fn the_whole_agency_story_from_the_command_line() {
    let dir = Dir(std::env::temp_dir().join(format!("yz-cli-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&dir.0);
    std::fs::create_dir_all(&dir.0).unwrap();
    let d = dir.0.as_path();

    // Keys.
    let agency_pub = expect(d, 0, &["keygen", "--out", "agency.pem"]);
    let maker_pub = expect(d, 0, &["keygen", "--out", "maker.pem"]);
    expect(d, 0, &["keygen", "--out", "log.pem"]);
    expect(d, 0, &["keygen", "--out", "publisher.pem"]);
    let phone_pub = expect(d, 0, &["keygen", "--alg", "p256", "--out", "phone.pem"]);
    assert_eq!(agency_pub.trim().len(), 64);
    assert_eq!(phone_pub.trim().len(), 66);
    // A key is never overwritten.
    expect(d, 1, &["keygen", "--out", "agency.pem"]);

    // The seal maker makes the agency's seal, authorising the agency key.
    std::fs::write(
        d.join("seal.svg"),
        r#"<svg xmlns="http://www.w3.org/2000/svg"/>"#,
    )
    .unwrap();
    expect(
        d,
        0,
        &with_log(&[
            "seal",
            "make",
            "--maker-key",
            "maker.pem",
            "--id",
            "2200000000000001",
            "--name",
            "吉林省测试局电子公章",
            "--owner-name",
            "吉林省测试局",
            "--owner-uscc",
            AGENCY,
            "--authorise",
            "agency.pub",
            "--picture",
            "seal.svg",
            "--out",
            "seal.cose",
        ]),
    );

    // Issue a resident's certificate bound to the phone, under the seal, with a status entry.
    let request = format!(
        r#"{{
            "type_code": "11100000000013338W032", "type_name": "居住证", "number": "吉A0001",
            "holder": {{ "name": "李示例", "code": "11010519491231002X", "code_type": "111" }},
            "issued_on": "2026-01-08", "valid_from": "2026-01-08",
            "fields": [ {{ "name": "民族", "value": "汉" }} ],
            "disclosable": [
                {{ "name": "出生日期", "value": {{ "date": "1949-12-31" }} }},
                {{ "name": "住址", "value": "吉林省长春市示例街2号" }},
                {{ "name": "age_over_18", "value": true }}
            ],
            "holder_key": "{}"
        }}"#,
        phone_pub.trim()
    );
    std::fs::write(d.join("resident.json"), request).unwrap();
    let status = [
        "--status-journal",
        "status.journal",
        "--status-prefix",
        "https://status.example.gov.cn/jilin/",
    ];
    let mut issue = vec![
        "issue",
        "--key",
        "agency.pem",
        "--agency-name",
        "吉林省测试局",
        "--agency-uscc",
        AGENCY,
        "--request",
        "resident.json",
        "--out",
        "resident.cbor",
        "--seal",
        "seal.cose",
    ];
    issue.extend_from_slice(&status);
    let id = expect(d, 0, &with_log(&issue)).trim().to_owned();
    assert!(id.starts_with("1.2.156.3005.2."), "{id}");

    // The trust a verifier holds: the seal maker, and the agency key for its status lists.
    let trust = format!(
        r#"{{ "seal_makers": [ {{ "name": "制章中心", "public_key": "{}" }} ],
             "issuer_keys": [ {{ "name": "吉林省测试局", "agency": "{AGENCY}", "public_key": "{}",
                                 "roles": ["status-lists"] }} ] }}"#,
        maker_pub.trim(),
        agency_pub.trim()
    );
    std::fs::write(d.join("trust.json"), trust).unwrap();
    let publish = |dir_name: &str| {
        expect(
            d,
            0,
            &with_log(&[
                "status",
                "publish",
                "--journal",
                "status.journal",
                "--prefix",
                "https://status.example.gov.cn/jilin/",
                "--key",
                "agency.pem",
                "--out-dir",
                dir_name,
            ]),
        )
    };
    publish("lists");

    // The phone presents it with the desk's nonce; the desk verifies offline.
    let qr_text = expect(
        d,
        0,
        &[
            "present",
            "--certificate",
            "resident.cbor",
            "--device-key",
            "phone.pem",
            "--reveal",
            "age_over_18",
            "--nonce",
            "00112233",
            "--audience",
            "前台",
            "--out",
            "shown.cbor",
        ],
    );
    assert!(qr_text.starts_with("YZ"), "{qr_text}");
    let verify_shown = |lists: &str, code: i32| {
        expect(
            d,
            code,
            &[
                "verify",
                "presentation",
                "--trust",
                "trust.json",
                "--in",
                "shown.cbor",
                "--seal",
                "seal.cose",
                "--status-list",
                lists,
                "--nonce",
                "00112233",
                "--audience",
                "前台",
                "--json",
            ],
        )
    };
    let json: serde_json::Value =
        serde_json::from_str(&verify_shown("lists/list-0.cwt", 0)).unwrap();
    assert_eq!(json["accepted"], true);
    assert_eq!(json["content"]["holder"], "李示例");
    assert!(
        json["report"]["trusted_key"]
            .as_str()
            .unwrap()
            .contains("制章中心")
    );
    // The same QR text, scanned: also accepted (no replay cache across processes).
    expect(
        d,
        0,
        &[
            "verify",
            "presentation",
            "--trust",
            "trust.json",
            "--qr-text",
            qr_text.trim(),
            "--seal",
            "seal.cose",
            "--status-list",
            "lists/list-0.cwt",
            "--nonce",
            "00112233",
        ],
    );
    // Another verifier's nonce: rejected (10).
    expect(
        d,
        10,
        &[
            "verify",
            "presentation",
            "--trust",
            "trust.json",
            "--in",
            "shown.cbor",
            "--seal",
            "seal.cose",
            "--status-list",
            "lists/list-0.cwt",
            "--nonce",
            "ffff",
        ],
    );
    // The certificate itself, copied off the phone: rejected at holder binding (10).
    let copied = expect(
        d,
        10,
        &[
            "verify",
            "certificate",
            "--trust",
            "trust.json",
            "--in",
            "resident.cbor",
            "--seal",
            "seal.cose",
            "--status-list",
            "lists/list-0.cwt",
            "--json",
        ],
    );
    assert!(copied.contains("holder-binding"), "{copied}");

    // Revoke; the new list makes the presentation fail with 11.
    expect(
        d,
        0,
        &with_log(&[
            "status",
            "set",
            "--journal",
            "status.journal",
            "--prefix",
            "https://status.example.gov.cn/jilin/",
            "--certificate",
            &id,
            "--status",
            "revoked",
            "--operator",
            "operator-7",
        ]),
    );
    publish("lists2");
    verify_shown("lists2/list-0.cwt", 11);

    // Stamp a document with the seal; verify; an altered document is rejected.
    std::fs::write(d.join("doc.pdf"), b"%PDF-1.7 ... %%EOF").unwrap();
    expect(
        d,
        0,
        &with_log(&[
            "stamp",
            "--seal",
            "seal.cose",
            "--key",
            "agency.pem",
            "--document",
            "doc.pdf",
            "--out",
            "doc.stamp",
        ]),
    );
    let verify_stamp = |doc: &str, code: i32| {
        expect(
            d,
            code,
            &[
                "verify",
                "stamp",
                "--trust",
                "trust.json",
                "--in",
                "doc.stamp",
                "--document",
                doc,
            ],
        )
    };
    verify_stamp("doc.pdf", 0);
    std::fs::write(d.join("altered.pdf"), b"%PDF-1.7 ..! %%EOF").unwrap();
    verify_stamp("altered.pdf", 10);

    // A trust bundle carries everything; a verifier needs only it and the publisher's key.
    expect(
        d,
        0,
        &[
            "bundle",
            "make",
            "--publisher-key",
            "publisher.pem",
            "--trust",
            "trust.json",
            "--seal",
            "seal.cose",
            "--status-list",
            "lists2/list-0.cwt",
            "--out",
            "bundle.cose",
        ],
    );
    let publisher_pub = std::fs::read_to_string(d.join("publisher.pub")).unwrap();
    let listed = expect(
        d,
        0,
        &[
            "bundle",
            "verify",
            "--in",
            "bundle.cose",
            "--publisher",
            publisher_pub.trim(),
        ],
    );
    assert!(listed.contains("1 seals"), "{listed}");
    // Signed by someone else: refused (an error, 1).
    let refused = expect(
        d,
        1,
        &[
            "bundle",
            "verify",
            "--in",
            "bundle.cose",
            "--publisher",
            agency_pub.trim(),
        ],
    );
    assert!(refused.is_empty());
    expect(
        d,
        0,
        &[
            "verify",
            "stamp",
            "--bundle",
            "bundle.cose",
            "--publisher",
            publisher_pub.trim(),
            "--in",
            "doc.stamp",
            "--document",
            "doc.pdf",
        ],
    );

    // The audit log: every step above is in it; it verifies with its public key alone.
    let vkey = expect(d, 0, &with_log(&["log", "vkey"])).trim().to_owned();
    let verified = expect(
        d,
        0,
        &[
            "log",
            "verify",
            "--dir",
            "audit",
            "--origin",
            "audit.example.gov.cn/jilin",
            "--vkey",
            &vkey,
        ],
    );
    // Seal made, issuance, 2 list publications ×1 list, a status change, a stamp.
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
            "audit.example.gov.cn/jilin",
            "--vkey",
            &vkey,
        ],
    );
    assert!(checked.contains("CertificateIssued"), "{checked}");
    let consistency = expect(d, 0, &with_log(&["log", "consistency", "--old-size", "1"]));
    assert!(!consistency.is_empty());

    // An auditor with a copy of the directory and the verifier key alone: no private key,
    // no lock, the same proofs; checkpoints held are followed forward.
    std::fs::create_dir_all(d.join("audit-copy")).unwrap();
    for name in ["log.seg", "anchor", "log.hashes", "log.offsets"] {
        std::fs::copy(d.join("audit").join(name), d.join("audit-copy").join(name)).unwrap();
    }
    let origin = ["--origin", "audit.example.gov.cn/jilin"];
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
    // Two histories (the committed fork vector): exit 11 with both checkpoints.
    let vectors = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-vectors/audit");
    let vector_vkey = std::fs::read_to_string(vectors.join("vkey.txt")).unwrap();
    let vector_vkey = vector_vkey.lines().nth(1).unwrap();
    let fork = yz(
        d,
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

    // `log verify` checks the directory as it lies: bytes after the last commit are
    // reported and refused (exit 10) unless allowed; a log cut below its anchor is a
    // rollback; a wrong key is a key error.
    let verify_log = |vkey: &str, extra: &[&str], code: i32| {
        let mut args = vec![
            "log",
            "verify",
            "--dir",
            "audit",
            "--origin",
            "audit.example.gov.cn/jilin",
            "--vkey",
            vkey,
        ];
        args.extend_from_slice(extra);
        let out = yz(d, &args);
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
            "audit.example.gov.cn/jilin",
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

    // One writer at a time: a held journal lock makes `status set` fail (or wait).
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .open(d.join("status.journal.lock"))
        .unwrap();
    lock.lock().unwrap();
    let set = |extra: &[&str]| {
        let mut args = vec![
            "status",
            "set",
            "--journal",
            "status.journal",
            "--prefix",
            "https://status.example.gov.cn/jilin/",
            "--certificate",
            &id,
            "--status",
            "annulled",
            "--operator",
            "operator-7",
        ];
        args.extend_from_slice(extra);
        yz(d, &args)
    };
    let locked = set(&[]);
    assert_eq!(locked.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&locked.stderr).contains("locked by another writer"));
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(300));
        drop(lock);
    });
    // Revoked is final: the waiting writer gets the lock and is refused for the transition.
    let waited = set(&["--wait-lock", "20"]);
    releaser.join().unwrap();
    assert!(
        String::from_utf8_lossy(&waited.stderr).contains("cannot change status"),
        "{waited:?}"
    );
}

#[test]
fn bulk_issuance_and_qr_rendering() {
    let dir = Dir(std::env::temp_dir().join(format!("yz-cli-bulk-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&dir.0);
    std::fs::create_dir_all(dir.0.join("requests")).unwrap();
    let d = dir.0.as_path();
    let agency_pub = expect(d, 0, &["keygen", "--out", "agency.pem"]);
    for i in 0..5 {
        let toml = format!(
            r#"type_code = "11100000MB0341032Y002"
type_name = "营业执照"
number = "91350100M000100Y43"
issued_on = "2024-03-15"
valid_from = "2024-03-15"
serial = "B{i:04}"
[holder]
name = "福州示例科技有限公司"
code = "91350100M000100Y43"
code_type = "001"
[[fields]]
name = "注册资本"
value = "壹佰万元整"
"#
        );
        std::fs::write(d.join(format!("requests/{i}.toml")), toml).unwrap();
    }
    let out = expect(
        d,
        0,
        &[
            "issue",
            "--key",
            "agency.pem",
            "--agency-name",
            "某局",
            "--agency-uscc",
            AGENCY,
            "--request",
            "requests",
            "--out",
            "issued",
        ],
    );
    assert!(out.contains("5 certificates"), "{out}");

    // The issued directory verified as one queue, with the batch equation; one altered file.
    std::fs::write(
        d.join("trust.json"),
        format!(
            r#"{{ "issuer_keys": [ {{ "name": "某局", "agency": "{AGENCY}", "public_key": "{}",
                                   "roles": ["issuer", "status-lists"] }} ] }}"#,
            agency_pub.trim()
        ),
    )
    .unwrap();
    let queue = [
        "verify",
        "certificate",
        "--in",
        "issued",
        "--trust",
        "trust.json",
        "--allow-unknown-status",
        "--allow-cofactored-batch",
    ];
    let lines = expect(d, 0, &queue);
    assert_eq!(
        lines.lines().filter(|l| l.contains("\taccepted\t")).count(),
        5,
        "{lines}"
    );
    let mut altered = std::fs::read(d.join("issued/2.cbor")).unwrap();
    let last = altered.len() - 1;
    altered[last] ^= 1;
    std::fs::write(d.join("issued/2.cbor"), altered).unwrap();
    let mut json = queue.to_vec();
    json.push("--json");
    let lines = expect(d, 10, &json);
    let verdicts: Vec<serde_json::Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(verdicts.len(), 5);
    assert_eq!(verdicts[2]["file"], "2.cbor");
    assert_eq!(verdicts[2]["failed_check"], "issuer-signature");
    assert_eq!(verdicts.iter().filter(|v| v["accepted"] == true).count(), 4);
    // The agency key reported compromised: every certificate it signed is refused, whatever
    // date it bears; a key trusted for status lists only issues nothing.
    for (extra, why) in [
        (
            format!(
                r#", "revoked_keys": [ {{ "public_key": "{}" }} ]"#,
                agency_pub.trim()
            ),
            "revoked",
        ),
        (String::new(), "no trusted issuer key"),
    ] {
        let roles = if extra.is_empty() {
            r#"["status-lists"]"#
        } else {
            r#"["issuer"]"#
        };
        std::fs::write(
            d.join("trust.json"),
            format!(
                r#"{{ "issuer_keys": [ {{ "name": "某局", "agency": "{AGENCY}", "public_key": "{}",
                                       "roles": {roles} }} ]{extra} }}"#,
                agency_pub.trim()
            ),
        )
        .unwrap();
        let lines = expect(d, 10, &json);
        let verdicts: Vec<serde_json::Value> = lines
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert!(verdicts.iter().all(|v| v["accepted"] == false), "{lines}");
        assert!(lines.contains(why), "{lines}");
        assert_eq!(verdicts[0]["failed_check"], "issuer-key", "{lines}");
    }
    let svg = expect(
        d,
        0,
        &[
            "qr",
            "--in",
            "issued/3.cbor",
            "--qr",
            "svg",
            "--qr-out",
            "code.svg",
        ],
    );
    assert!(svg.starts_with("YZ"));
    assert!(
        std::fs::read_to_string(d.join("code.svg"))
            .unwrap()
            .starts_with("<svg")
    );
    // A malformed request is an error (1) that names the file.
    std::fs::write(d.join("bad.json"), r#"{ "type_code": 5 }"#).unwrap();
    let bad = yz(
        d,
        &[
            "issue",
            "--key",
            "agency.pem",
            "--agency-name",
            "某局",
            "--agency-uscc",
            AGENCY,
            "--request",
            "bad.json",
            "--out",
            "x.cbor",
        ],
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("bad.json"));
    // Usage errors are 2.
    assert_eq!(yz(d, &["verify"]).status.code(), Some(2));
}
