//! `yinzheng issue --request DIR` (bulk), `verify certificate --in DIR` (a queue), `qr`,
//! and the exit codes of malformed input and usage errors.

use crate::support::{AGENCY, Dir, VERIFY_ISSUED, expect, issue_args, output, write_requests};

/// Five business licences issued in bulk into `<dir>/issued/`, and the agency's public key.
fn issued_in_bulk(name: &str) -> (Dir, String) {
    let dir = Dir::new(name);
    let d = dir.path();
    let agency_pub = expect(d, 0, &["keygen", "--out", "agency.pem"]);
    write_requests(&d.join("requests"), (0..5).map(|i| format!("B{i:04}")));
    let out = expect(d, 0, &issue_args("requests", "issued", &[]));
    assert!(out.contains("5 certificates"), "{out}");
    (dir, agency_pub)
}

#[test]
fn a_bulk_issue_is_verified_as_one_queue() {
    let (dir, agency_pub) = issued_in_bulk("cli-bulk-queue");
    let d = dir.path();
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
    let queue = [&VERIFY_ISSUED[..], &["--allow-cofactored-batch"]].concat();
    let lines = expect(d, 0, &queue);
    assert_eq!(
        lines.lines().filter(|l| l.contains("\taccepted\t")).count(),
        5,
        "{lines}"
    );
    let mut altered = std::fs::read(d.join("issued/B0002.cbor")).unwrap();
    let last = altered.len() - 1;
    altered[last] ^= 1;
    std::fs::write(d.join("issued/B0002.cbor"), altered).unwrap();
    let mut json = queue.to_vec();
    json.push("--json");
    let lines = expect(d, 10, &json);
    let verdicts: Vec<serde_json::Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(verdicts.len(), 5);
    assert_eq!(verdicts[2]["file"], "B0002.cbor");
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
}

#[test]
fn qr_renders_an_issued_certificate_as_svg() {
    let (dir, _) = issued_in_bulk("cli-bulk-qr");
    let d = dir.path();
    let svg = expect(
        d,
        0,
        &[
            "qr",
            "--in",
            "issued/B0003.cbor",
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
}

#[test]
fn malformed_requests_and_usage_errors_have_their_exit_codes() {
    let dir = Dir::new("cli-errors");
    let d = dir.path();
    expect(d, 0, &["keygen", "--out", "agency.pem"]);
    // A malformed request is an error (1) that names the file.
    std::fs::write(d.join("bad.json"), r#"{ "type_code": 5 }"#).unwrap();
    let bad = output(d, &issue_args("bad.json", "x.cbor", &[]));
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("bad.json"));
    // A well-formed request with a wrong value: the file, the field and the problem, for one
    // request and in bulk (the holder USCC 91350100M000100Y43 with its check character changed).
    let licence = crate::support::business_licence("E0001");
    let wrong_code = licence.replace(
        "code = \"91350100M000100Y43\"\ncode_type",
        "code = \"91350100M000100Y44\"\ncode_type",
    );
    assert_ne!(wrong_code, licence);
    let wrong_date = licence.replace("issued_on = \"2024-03-15\"", "issued_on = \"2024-02-30\"");
    std::fs::create_dir_all(d.join("bulk")).unwrap();
    for (name, text, said) in [
        (
            "code.toml",
            &wrong_code,
            "holder.code (持证主体代码): check character is 4, expected 3",
        ),
        (
            "date.toml",
            &wrong_date,
            "issued_on (颁发日期): \"2024-02-30\": not a calendar date",
        ),
    ] {
        std::fs::write(d.join(name), text).unwrap();
        std::fs::write(d.join("bulk").join(name), text).unwrap();
        let out = output(d, &issue_args(name, "x.cbor", &[]));
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&format!("{name}: {said}")), "{err}");
    }
    let out = output(d, &issue_args("bulk", "issued", &[]));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("holder.code (持证主体代码): check character"),
        "{err}"
    );
    assert!(!d.join("x.cbor").exists());
    // Usage errors are 2.
    assert_eq!(output(d, &["verify"]).status.code(), Some(2));
}
