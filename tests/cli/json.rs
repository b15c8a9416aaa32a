//! `--json` everywhere: every command's result is one JSON document on stdout, with the
//! values a script needs, and its refusals are JSON errors.

use crate::support::{AGENCY, expect, output};
use crate::{Agency, PREFIX, with_log};

/// `args` with `--json`, run to exit `code`; stdout parsed as one JSON document.
fn json(d: &std::path::Path, code: i32, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let stdout = expect(d, code, &all);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {stdout}"))
}

#[test]
fn every_command_answers_in_json() {
    let agency = Agency::set_up("json");
    let d = agency.dir();

    let key = json(d, 0, &["keygen", "--alg", "p256", "-o", "desk.pem"]);
    assert_eq!(key["algorithm"], "ES256");
    assert_eq!(
        key["public_key"].as_str().unwrap(),
        std::fs::read_to_string(d.join("desk.pub")).unwrap()
    );

    std::fs::write(d.join("b.toml"), crate::support::business_licence("J0001")).unwrap();
    let issued = json(
        d,
        0,
        &with_log(&[
            "issue",
            "-k",
            "agency.pem",
            "--agency-name",
            "吉林省测试局",
            "--agency-uscc",
            AGENCY,
            "-r",
            "b.toml",
            "-o",
            "b.cbor",
        ]),
    );
    assert!(
        issued["id"]
            .as_str()
            .unwrap()
            .starts_with("1.2.156.3005.2.")
    );
    assert!(issued["audit_index"].as_u64().is_some(), "{issued}");

    let shown = json(
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
            "--qr",
            "terminal",
        ],
    );
    assert!(shown["qr_text"].as_str().unwrap().starts_with("YZ"));
    let qr = json(d, 0, &["qr", "-i", "resident.cbor"]);
    assert!(qr["qr_text"].as_str().unwrap().starts_with("YZ"));

    std::fs::write(d.join("doc.pdf"), b"%PDF-1.7 %%EOF").unwrap();
    let stamp = json(
        d,
        0,
        &[
            "stamp",
            "--seal",
            "seal.cose",
            "-k",
            "agency.pem",
            "--document",
            "doc.pdf",
            "-o",
            "doc.stamp",
        ],
    );
    assert_eq!(stamp["out"], "doc.stamp");

    let set = agency.set_status("suspended", &["--json"]);
    assert_eq!(set.status.code(), Some(0));
    let set: serde_json::Value = serde_json::from_slice(&set.stdout).unwrap();
    assert_eq!(set["status"], "suspended");
    let published = json(
        d,
        0,
        &with_log(&crate::support::publish_args(PREFIX, "lists-j")),
    );
    assert!(
        published["lists"][0]["uri"]
            .as_str()
            .unwrap()
            .starts_with(PREFIX)
    );

    let vkey = json(d, 0, &with_log(&["log", "vkey"]));
    let vkey = vkey["vkey"].as_str().unwrap().to_owned();
    let origin = crate::ORIGIN;
    let verified = json(
        d,
        0,
        &[
            "log", "verify", "--log", "audit", "--origin", origin, "--vkey", &vkey,
        ],
    );
    assert_eq!(verified["verified"], true);
    let size = verified["size"].as_u64().unwrap();
    let proof = json(d, 0, &with_log(&["log", "prove", "--index", "0"]));
    std::fs::write(d.join("p.txt"), proof["bundle"].as_str().unwrap()).unwrap();
    let checked = json(
        d,
        0,
        &[
            "log",
            "check-proof",
            "--bundle",
            "p.txt",
            "--origin",
            origin,
            "--vkey",
            &vkey,
        ],
    );
    assert_eq!(checked["event"], "seal-made");
    assert_eq!(checked["size"].as_u64(), Some(size));
    let checkpoint = json(d, 0, &with_log(&["log", "checkpoint"]));
    std::fs::write(d.join("c.note"), checkpoint["checkpoint"].as_str().unwrap()).unwrap();
    let held = json(
        d,
        0,
        &[
            "log",
            "check-checkpoint",
            "--checkpoint",
            "c.note",
            "--origin",
            origin,
            "--vkey",
            &vkey,
        ],
    );
    assert_eq!(held["size"].as_u64(), Some(size));

    let made = json(
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
            "-o",
            "t.bundle",
        ],
    );
    assert!(made["bytes"].as_u64().unwrap() > 0);
    let bundle = json(
        d,
        0,
        &[
            "bundle",
            "verify",
            "-i",
            "t.bundle",
            "--publisher",
            "publisher.pub",
        ],
    );
    assert_eq!(bundle["seals"], 1);

    let schema = json(d, 0, &["schema", "request"]);
    assert_eq!(schema["title"], "yinzheng certificate request");
}

#[test]
fn refusals_with_their_own_exit_code_are_json_too() {
    let agency = Agency::set_up("json-refusals");
    let d = agency.dir();
    let vkey = expect(d, 0, &with_log(&["log", "vkey"]));
    // Bytes after the last commit: exit 10, and the reason as a JSON error.
    let segment = d.join("audit/log.seg");
    let mut bytes = std::fs::read(&segment).unwrap();
    bytes.extend_from_slice(b"tail");
    std::fs::write(&segment, bytes).unwrap();
    let out = output(
        d,
        &[
            "--json",
            "log",
            "verify",
            "--log",
            "audit",
            "--origin",
            crate::ORIGIN,
            "--vkey",
            vkey.trim(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(10),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["exit_code"], 10);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("after the last commit"),
        "{v}"
    );
}
