//! What the CLI's tests and its bench share: a scratch directory, running the binary, a
//! business-licence request, and the agency's `yinzheng issue` arguments.
#![allow(dead_code, unreachable_pub)] // each includer uses its own part of this module

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The issuing agency's unified social credit code (a valid GB 32100 code).
pub const AGENCY: &str = "11220000013544541J";

/// The password of the keys the tests make (`$YINZHENG_KEY_PASSWORD`).
pub const TEST_PASSWORD: &str = "测试 password 1";

/// A fresh directory under the system's temporary directory, removed when dropped.
pub struct Dir(PathBuf);

impl Dir {
    /// `yz-<name>-<pid>`, emptied if a previous run left it behind.
    pub fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!("yz-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The `yinzheng` binary with `args`, run in `dir`.
pub fn yz(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_yinzheng"));
    // Every key the tests make is encrypted; this is its password.
    command
        .args(args)
        .current_dir(dir)
        .env("YINZHENG_KEY_PASSWORD", TEST_PASSWORD);
    command
}

/// Runs it to the end.
pub fn output(dir: &Path, args: &[&str]) -> Output {
    yz(dir, args).output().unwrap()
}

/// Runs and requires exit code `code`; returns stdout.
pub fn expect(dir: &Path, code: i32, args: &[&str]) -> String {
    let out = output(dir, args);
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

/// A business licence request (TOML) with its own `serial`.
pub fn business_licence(serial: &str) -> String {
    format!(
        "type_code = \"11100000MB0341032Y002\"\ntype_name = \"营业执照\"\n\
         number = \"91350100M000100Y43\"\nissued_on = \"2024-03-15\"\n\
         valid_from = \"2024-03-15\"\nserial = \"{serial}\"\n[holder]\n\
         name = \"福州示例科技有限公司\"\ncode = \"91350100M000100Y43\"\ncode_type = \"001\"\n\
         [[fields]]\nname = \"注册资本\"\nvalue = \"壹佰万元整\"\n"
    )
}

/// Writes one business licence request per serial into `dir` (created), as `<serial>.toml`.
pub fn write_requests(dir: &Path, serials: impl IntoIterator<Item = String>) {
    std::fs::create_dir_all(dir).unwrap();
    for serial in serials {
        std::fs::write(
            dir.join(format!("{serial}.toml")),
            business_licence(&serial),
        )
        .unwrap();
    }
}

/// `yinzheng verify certificate` of the directory `issued/` as one queue against `trust.json`,
/// with no status lists held.
pub const VERIFY_ISSUED: [&str; 7] = [
    "verify",
    "certificate",
    "--in",
    "issued",
    "--trust",
    "trust.json",
    "--allow-unknown-status",
];

/// `yinzheng issue` for the agency whose key is `agency.pem`, from `request` (a file or a
/// directory) to `out`, then `extra`.
pub fn issue_args<'a>(request: &'a str, out: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "issue",
        "--key",
        "agency.pem",
        "--agency-name",
        "某局",
        "--agency-uscc",
        AGENCY,
        "--request",
        request,
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    args
}

/// `args` recording into the audit log `audit/` (checkpoint key `log.pem`) named `origin`.
pub fn with_log<'a>(args: &[&'a str], origin: &'a str) -> Vec<&'a str> {
    let mut all = args.to_vec();
    all.extend_from_slice(&["--log", "audit", "--log-key", "log.pem", "--origin", origin]);
    all
}

/// `yinzheng status publish` of the journal `status.journal` (lists under `prefix`, signed
/// with `agency.pem`) into `out_dir`.
pub fn publish_args<'a>(prefix: &'a str, out_dir: &'a str) -> [&'a str; 10] {
    [
        "status",
        "publish",
        "--status-journal",
        "status.journal",
        "--status-prefix",
        prefix,
        "--key",
        "agency.pem",
        "--out-dir",
        out_dir,
    ]
}
