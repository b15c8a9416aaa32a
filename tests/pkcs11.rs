//! Keys in a real PKCS#11 token (SoftHSM2, started by `.ci/softhsm.sh`, its keys made by
//! OpenSC's `pkcs11-tool`): certificates signed inside the token verify, from the library and
//! from the CLI by `pkcs11:` URI; a wrong or missing PIN, an unknown or ambiguous key or
//! token, a key that wants the PIN per signature or has no public half, a missing token and
//! no module are refused by name. Skips (saying why) when no token is configured; CI sets
//! `YINZHENG_REQUIRE_PKCS11=1` so that it cannot skip.
#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/cli.rs"]
mod support;

use yinzheng::crypto::pkcs11::{Pkcs11Error, Pkcs11Signer, Pkcs11Uri};
use yinzheng::crypto::{Algorithm, Signer as _};
use yinzheng::issue::{CertificateBuilder, Issuer};
use yinzheng::model::{Agency, CertificateType, Holder, ResidentId, Uscc, Validity};
use yinzheng::time::{Date, UnixTime};
use yinzheng::trust::{Roles, TrustStore};
use yinzheng::verify::{VerificationContext, Verifier};

use support::{AGENCY, Dir, VERIFY_ISSUED, expect, issue_args, write_requests, yz};

struct Token {
    module: String,
    label: String,
    pin: String,
}

fn token() -> Option<Token> {
    let Ok(module) = std::env::var("YINZHENG_TEST_PKCS11_MODULE") else {
        assert!(
            std::env::var_os("YINZHENG_REQUIRE_PKCS11").is_none(),
            "YINZHENG_REQUIRE_PKCS11 is set but YINZHENG_TEST_PKCS11_MODULE is not"
        );
        eprintln!(
            "skipped: no PKCS#11 token configured (make one with `bash .ci/softhsm.sh start` \
             and export the lines it prints)"
        );
        return None;
    };
    Some(Token {
        module,
        label: std::env::var("YINZHENG_TEST_PKCS11_TOKEN").unwrap(),
        pin: std::env::var("YINZHENG_TEST_PKCS11_PIN").unwrap(),
    })
}

impl Token {
    fn uri(&self, path: &str) -> Pkcs11Uri {
        format!(
            "pkcs11:token={};{path}?module-path={}",
            self.label, self.module
        )
        .parse()
        .unwrap()
    }
}

fn licence() -> CertificateBuilder {
    let day = Date::new(2026, 1, 1).unwrap();
    CertificateBuilder::new(
        CertificateType::new("11100000000013338W032", "资格证书").unwrap(),
        "HSM-1",
        Holder::resident("李示例", &ResidentId::parse("11010519491231002X").unwrap()),
        day,
        Validity::long_term(day),
    )
}

#[test]
fn keys_in_the_token_sign_certificates_that_verify() {
    let Some(token) = token() else {
        return;
    };
    let now = UnixTime::from_secs(1_790_000_000);
    for (object, algorithm) in [
        ("yz-ed25519", Algorithm::Ed25519),
        ("yz-p256", Algorithm::Es256),
    ] {
        let signer =
            Pkcs11Signer::open(&token.uri(&format!("object={object}")), Some(&token.pin)).unwrap();
        let public = signer.public_key();
        assert_eq!(public.algorithm(), algorithm);
        let issuer = Issuer::new(Agency::new("吉林省测试厅", AGENCY).unwrap(), signer);
        let issued = issuer.issue(licence(), now).unwrap();
        let mut trust = TrustStore::new();
        trust
            .add_agency_key("hsm", Uscc::parse(AGENCY).unwrap(), public, Roles::AGENCY)
            .unwrap();
        let verifier = Verifier::builder(trust).build().unwrap();
        let ctx = VerificationContext::at(now.saturating_add(60));
        let verified = verifier
            .verify_certificate(issued.as_bytes(), &ctx)
            .unwrap();
        assert!(verified.report().failure().is_none(), "{object}");
        let mut forged = issued.as_bytes().to_vec();
        let last = forged.len() - 1;
        forged[last] ^= 1;
        assert!(
            verifier.verify_certificate(&forged, &ctx).is_err(),
            "{object}"
        );
    }
}

#[test]
fn an_unknown_or_ambiguous_key_a_missing_token_and_no_module_are_refused() {
    let Some(token) = token() else {
        return;
    };
    // (A wrong PIN is tried from the CLI, in a process of its own: a token stays logged in
    // for the whole process once one session logged in.)
    for (path, found) in [("object=missing", 0), ("type=private", 2)] {
        match Pkcs11Signer::open(&token.uri(path), Some(&token.pin)) {
            Err(Pkcs11Error::KeyCount { found: f, uri }) => {
                assert_eq!(f, found);
                assert!(!uri.contains(&token.pin), "{uri}");
            }
            other => panic!("{path}: {other:?}"),
        }
    }
    let no_module: Pkcs11Uri = format!("pkcs11:token={}", token.label).parse().unwrap();
    assert!(matches!(
        Pkcs11Signer::open(&no_module, Some(&token.pin)),
        Err(Pkcs11Error::NoModule)
    ));
    let other_token = token
        .uri("object=yz-ed25519")
        .to_string()
        .replace(&token.label, "absent");
    assert!(matches!(
        Pkcs11Signer::open(&other_token.parse().unwrap(), Some(&token.pin)),
        Err(Pkcs11Error::NoToken(_))
    ));
}

#[test]
fn a_token_must_be_named_when_two_match_and_unusable_keys_are_refused_at_open() {
    let Some(token) = token() else {
        return;
    };
    let anywhere: Pkcs11Uri = format!("pkcs11:object=yz-ed25519?module-path={}", token.module)
        .parse()
        .unwrap();
    assert!(matches!(
        Pkcs11Signer::open(&anywhere, Some(&token.pin)),
        Err(Pkcs11Error::TokenCount { found: 2, .. })
    ));
    let spare = |object: &str| -> Pkcs11Uri {
        format!(
            "pkcs11:token={}-spare;object={object}?module-path={}",
            token.label, token.module
        )
        .parse()
        .unwrap()
    };
    for (object, why) in [
        ("yz-always", "CKA_ALWAYS_AUTHENTICATE"),
        ("yz-lonely", "0 public-key objects"),
    ] {
        match Pkcs11Signer::open(&spare(object), Some(&token.pin)) {
            Err(Pkcs11Error::Key(message)) => assert!(message.contains(why), "{message}"),
            other => panic!("{object}: {other:?}"),
        }
    }
}

#[test]
fn the_cli_issues_with_a_token_key_named_by_uri() {
    let Some(token) = token() else {
        return;
    };
    let dir = Dir::new("cli-pkcs11");
    let d = dir.path();
    std::fs::write(d.join("pin"), format!("{}\n", token.pin)).unwrap();
    write_requests(&d.join("requests"), ["H0001".to_owned()]);
    let public = |object: &str| {
        let signer =
            Pkcs11Signer::open(&token.uri(&format!("object={object}")), Some(&token.pin)).unwrap();
        hex::encode(signer.public_key().to_bytes())
    };
    std::fs::write(
        d.join("trust.json"),
        format!(
            r#"{{ "issuer_keys": [
                 {{ "name": "ed", "agency": "{AGENCY}", "public_key": "{}", "roles": ["issuer"] }},
                 {{ "name": "p256", "agency": "{AGENCY}", "public_key": "{}", "roles": ["issuer"] }} ] }}"#,
            public("yz-ed25519"),
            public("yz-p256")
        ),
    )
    .unwrap();
    let verify = VERIFY_ISSUED;
    // The PIN from a file named in the URI.
    let uri = format!(
        "pkcs11:token={};object=yz-ed25519?module-path={}&pin-source=file:pin",
        token.label, token.module
    );
    let mut issue = issue_args("requests", "issued", &[]);
    issue[2] = &uri;
    expect(d, 0, &issue);
    assert!(expect(d, 0, &verify).contains("\taccepted\t"));
    // The module and the PIN from the environment.
    std::fs::remove_dir_all(d.join("issued")).unwrap();
    let uri = format!("pkcs11:token={};object=yz-p256", token.label);
    issue[2] = &uri;
    let out = yz(d, &issue)
        .env("YINZHENG_PKCS11_MODULE", &token.module)
        .env("YINZHENG_PKCS11_PIN", &token.pin)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(expect(d, 0, &verify).contains("\taccepted\t"));
    // A wrong PIN is refused by the token, and said so.
    std::fs::write(d.join("wrong-pin"), "000000\n").unwrap();
    let uri = format!(
        "pkcs11:token={};object=yz-ed25519?module-path={}&pin-source=wrong-pin",
        token.label, token.module
    );
    let mut wrong = issue.clone();
    wrong[2] = &uri;
    let out = yz(d, &wrong).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("PIN"), "{err}");
    // Without a PIN the token is not opened (its private keys are invisible until a login):
    // said by URI, not as "no key matches".
    let out = yz(d, &issue)
        .env("YINZHENG_PKCS11_MODULE", &token.module)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("pkcs11:token=") && err.contains("needs a PIN"),
        "{err}"
    );
}
