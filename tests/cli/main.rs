//! The operator CLI, one test module per command, over a shared fixture: an agency with its
//! keys, a seal, a resident's certificate issued under the seal (a status entry, the audit
//! log), a verifier's trust file and a published status list — the agency story, scripted.
#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../support/cli.rs"]
mod support;

mod bulk;
mod bundle;
mod config;
mod habits;
mod inspect;
mod json;
mod keygen;
mod log;
mod national;
mod present;
mod schema;
mod stamp;
mod status;

use std::path::Path;

use support::{AGENCY, Dir, expect};

pub(crate) const ORIGIN: &str = "audit.example.gov.cn/jilin";
pub(crate) const PREFIX: &str = "https://status.example.gov.cn/jilin/";
/// `args` recording into the fixture's audit log.
pub(crate) fn with_log<'a>(args: &[&'a str]) -> Vec<&'a str> {
    support::with_log(args, ORIGIN)
}

/// The agency after its first day: everything the commands under test start from.
pub(crate) struct Agency {
    dir: Dir,
    /// The agency's public key (hex).
    pub(crate) agency_pub: String,
    /// The resident's certificate identifier (`resident.cbor`).
    pub(crate) id: String,
}

impl Agency {
    /// Keys (`agency`, `maker`, `log`, `publisher`, `phone`), the seal `seal.cose`, the
    /// resident's certificate `resident.cbor` under it with a status entry in
    /// `status.journal`, `trust.json`, and the lists published into `lists/`. The log holds
    /// the seal (entry 0), the issuance (1) and the publication (2).
    pub(crate) fn set_up(name: &str) -> Self {
        let dir = Dir::new(&format!("cli-{name}"));
        let d = dir.path();
        let agency_pub = expect(d, 0, &["keygen", "--out", "agency.pem"]);
        let maker_pub = expect(d, 0, &["keygen", "--out", "maker.pem"]);
        expect(d, 0, &["keygen", "--out", "log.pem"]);
        expect(d, 0, &["keygen", "--out", "publisher.pem"]);
        let phone_pub = expect(d, 0, &["keygen", "--alg", "p256", "--out", "phone.pem"]);

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

        // A resident's certificate bound to the phone, under the seal, with a status entry.
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
        let id = expect(
            d,
            0,
            &with_log(&[
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
                "--status-journal",
                "status.journal",
                "--status-prefix",
                PREFIX,
            ]),
        )
        .trim()
        .to_owned();

        // The trust a verifier holds: the seal maker, and the agency key for its lists.
        let trust = format!(
            r#"{{ "seal_makers": [ {{ "name": "制章中心", "public_key": "{}" }} ],
                 "issuer_keys": [ {{ "name": "吉林省测试局", "agency": "{AGENCY}",
                                     "public_key": "{}", "roles": ["status-lists"] }} ] }}"#,
            maker_pub.trim(),
            agency_pub.trim()
        );
        std::fs::write(d.join("trust.json"), trust).unwrap();
        let agency = Self {
            dir,
            agency_pub,
            id,
        };
        agency.publish("lists");
        agency
    }

    pub(crate) fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// `status publish` into `dir_name`, logged.
    pub(crate) fn publish(&self, dir_name: &str) -> String {
        expect(
            self.dir(),
            0,
            &with_log(&support::publish_args(PREFIX, dir_name)),
        )
    }

    /// `status set` of the resident's certificate to `status`, logged, then `extra`.
    pub(crate) fn set_status(&self, status: &str, extra: &[&str]) -> std::process::Output {
        let mut args = with_log(&[
            "status",
            "set",
            "--status-journal",
            "status.journal",
            "--status-prefix",
            PREFIX,
            "--certificate",
            &self.id,
            "--status",
            status,
            "--operator",
            "operator-7",
        ]);
        args.extend_from_slice(extra);
        support::output(self.dir(), &args)
    }

    /// `doc.pdf` stamped with the seal into `doc.stamp`, logged.
    pub(crate) fn stamp(&self) {
        std::fs::write(self.dir().join("doc.pdf"), b"%PDF-1.7 ... %%EOF").unwrap();
        expect(
            self.dir(),
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
    }
}
