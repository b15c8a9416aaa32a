//! `yinzheng keygen`: encrypted, owner-only keys that are never overwritten, read by OpenSSL
//! (an independent PKCS#8/PBES2 implementation), and OpenSSL's encrypted keys used by ours;
//! where the password comes from.

use std::process::Command;

use crate::support::{
    AGENCY, Dir, TEST_PASSWORD, VERIFY_ISSUED, expect, issue_args, output, write_requests, yz,
};

/// OpenSSL with `args` (`.ci/run` installs it before the tests); its stdout.
fn openssl(dir: &std::path::Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is installed");
    assert!(
        out.status.success(),
        "openssl {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The file's mode is 0600 (on Unix; elsewhere there is no mode to check).
fn assert_owner_only(path: &std::path::Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}: {mode:o}", path.display());
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[test]
fn keys_are_encrypted_owner_only_and_never_overwritten() {
    let dir = Dir::new("cli-keygen");
    let d = dir.path();
    let agency_pub = expect(d, 0, &["keygen", "--out", "agency.pem"]);
    let phone_pub = expect(d, 0, &["keygen", "--alg", "p256", "--out", "phone.pem"]);
    assert_eq!(agency_pub.trim().len(), 64);
    assert_eq!(phone_pub.trim().len(), 66);
    assert_eq!(
        std::fs::read_to_string(d.join("agency.pub")).unwrap(),
        agency_pub.trim()
    );
    let pem = std::fs::read_to_string(d.join("agency.pem")).unwrap();
    assert!(
        pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"),
        "{pem}"
    );
    assert_owner_only(&d.join("agency.pem"));
    let before = std::fs::read(d.join("agency.pem")).unwrap();
    let out = output(d, &["keygen", "--out", "agency.pem"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("refusing to overwrite"));
    assert_eq!(std::fs::read(d.join("agency.pem")).unwrap(), before);
    // Not through a dangling symlink either: the link is a file there, and what it points at
    // (perhaps a path another user chose) is never created.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(d.join("elsewhere.pem"), d.join("link.pem")).unwrap();
        let out = output(d, &["keygen", "--out", "link.pem"]);
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("link.pem exists: refusing to overwrite"),
            "{err}"
        );
        assert!(!d.join("elsewhere.pem").exists());
        assert!(!d.join("link.pub").exists());
    }

    // Unencrypted only when asked by name, and still owner-only.
    expect(
        d,
        0,
        &["keygen", "--allow-unencrypted", "--out", "plain.pem"],
    );
    let plain = std::fs::read_to_string(d.join("plain.pem")).unwrap();
    assert!(plain.starts_with("-----BEGIN PRIVATE KEY-----"), "{plain}");
    assert_owner_only(&d.join("plain.pem"));
    // The password from a file (its first line) instead; without any source, a clear error.
    std::fs::write(d.join("password"), "from a file\n").unwrap();
    expect(
        d,
        0,
        &[
            "keygen",
            "--out",
            "filed.pem",
            "--password-file",
            "password",
        ],
    );
    let no_source = yz(d, &["keygen", "--out", "none.pem"])
        .env_remove("YINZHENG_KEY_PASSWORD")
        .output()
        .unwrap();
    assert_eq!(no_source.status.code(), Some(1));
    let err = String::from_utf8_lossy(&no_source.stderr);
    assert!(
        err.contains("none.pem: needs a password: give --password-file"),
        "{err}"
    );
    assert!(!d.join("none.pem").exists());
    // A wrong password names the file and says so.
    write_requests(&d.join("requests"), ["W0001".to_owned()]);
    let mut wrong = issue_args("requests", "issued", &[]);
    wrong[2] = "filed.pem";
    let out = output(d, &wrong);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("filed.pem: wrong password"), "{err}");
    wrong.extend_from_slice(&["--password-file", "password"]);
    expect(d, 0, &wrong);

    // OpenSSL reads both keys under the password and finds the same public keys.
    std::fs::write(d.join("test-password"), TEST_PASSWORD).unwrap();
    let der = openssl(
        d,
        &[
            "pkey",
            "-in",
            "agency.pem",
            "-passin",
            "file:test-password",
            "-pubout",
            "-outform",
            "DER",
        ],
    );
    assert_eq!(hex::encode(&der[der.len() - 32..]), agency_pub.trim());
    let der = openssl(
        d,
        &[
            "pkey",
            "-in",
            "phone.pem",
            "-passin",
            "file:test-password",
            "-pubout",
            "-outform",
            "DER",
            "-ec_conv_form",
            "compressed",
        ],
    );
    assert_eq!(hex::encode(&der[der.len() - 33..]), phone_pub.trim());
}

#[test]
fn an_encrypted_key_made_by_openssl_issues_certificates_that_verify() {
    let dir = Dir::new("cli-openssl-key");
    let d = dir.path();
    std::fs::write(d.join("password"), "openssl made this\n").unwrap();
    // PBES2 with PBKDF2-HMAC-SHA-256 and AES-256-CBC: OpenSSL's own choices.
    openssl(
        d,
        &[
            "genpkey",
            "-algorithm",
            "ed25519",
            "-aes-256-cbc",
            "-pass",
            "file:password",
            "-out",
            "agency.pem",
        ],
    );
    let der = openssl(
        d,
        &[
            "pkey",
            "-in",
            "agency.pem",
            "-passin",
            "file:password",
            "-pubout",
            "-outform",
            "DER",
        ],
    );
    let public = hex::encode(&der[der.len() - 32..]);
    write_requests(&d.join("requests"), ["O0001".to_owned()]);
    let mut issue = issue_args("requests", "issued", &[]);
    issue.extend_from_slice(&["--password-file", "password"]);
    expect(d, 0, &issue);
    std::fs::write(
        d.join("trust.json"),
        format!(
            r#"{{ "issuer_keys": [ {{ "name": "某局", "agency": "{AGENCY}", "public_key": "{public}",
                                   "roles": ["issuer"] }} ] }}"#
        ),
    )
    .unwrap();
    let verified = expect(d, 0, &VERIFY_ISSUED);
    assert!(verified.contains("\taccepted\t"), "{verified}");
}
