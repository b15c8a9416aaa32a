//! National seals and OFD documents from the command line (feature `gm`): an SM2 key made by
//! `keygen --alg sm2`, a seal by `seal make --gm` under the vectors' SM2 certificates, an OFD
//! stamped and then signed by `stamp ofd`, a certificate rendered by `licence` and stamped,
//! each verified by `verify seal|ofd|licence`, and a tampered copy refused.
#![cfg(feature = "gm")]

use std::path::Path;

use yinzheng::crypto::Sm2SigningKey;
use yinzheng::gm::ofd::{OfdDocumentDraft, OfdLimits, OfdPackage, OfdText, make_ofd};
use yinzheng::time::Date;

use crate::support::{AGENCY, Dir, expect, issue_args};

fn vectors() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/test-vectors/gm"))
}

/// The vectors' certificates, and their keys (from the scalars their specs give) as PEM.
fn setup(d: &Path) {
    for name in ["sm2-root", "sm2-maker", "sm2-signer"] {
        std::fs::copy(
            vectors().join(format!("{name}.pem")),
            d.join(format!("{name}.crt")),
        )
        .unwrap();
    }
    for (name, seed) in [("maker.pem", 0x72), ("signer.pem", 0x73)] {
        let pem = Sm2SigningKey::from_bytes(&[seed; 32])
            .unwrap()
            .to_pkcs8_pem()
            .unwrap();
        std::fs::write(d.join(name), pem.as_bytes()).unwrap();
    }
    std::fs::write(
        d.join("seal.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    )
    .unwrap();
    let notice = make_ofd(&OfdDocumentDraft {
        title: "通知（测试）".into(),
        created: Date::new(2026, 10, 1).unwrap(),
        pages: vec![vec![OfdText {
            x_mm: 25.0,
            y_mm: 40.0,
            size_mm: 5.0,
            text: "经审查，准予许可。".into(),
        }]],
        attachments: Vec::new(),
    })
    .unwrap();
    std::fs::write(d.join("notice.ofd"), notice).unwrap();
}

#[test]
fn seals_stamps_signatures_and_licences_from_the_cli() {
    let dir = Dir::new("cli-national");
    let d = dir.path();
    setup(d);
    // keygen makes SM2 keys too (not used below: the vector certificates hold fixed keys).
    let public = expect(d, 0, &["keygen", "--alg", "sm2", "--out", "fresh.pem"]);
    assert_eq!(public.trim().len(), 66, "{public}"); // SEC1 compressed
    expect(
        d,
        0,
        &[
            "seal",
            "make",
            "--gm",
            "--maker-key",
            "maker.pem",
            "--maker-cert",
            "sm2-maker.crt",
            "--signer-cert",
            "sm2-signer.crt",
            "--id",
            "22010000000000000001",
            "--name",
            "某局业务专用章（测试）",
            "--picture",
            "seal.svg",
            "--out",
            "seal.esl",
        ],
    );
    std::fs::write(
        d.join("trust.json"),
        r#"{ "x509_roots": [ { "name": "sm2-root", "file": "sm2-root.crt",
                               "roles": ["seal-maker", "stamp-signer"] } ] }"#,
    )
    .unwrap();
    let out = expect(
        d,
        0,
        &[
            "verify",
            "seal",
            "--trust",
            "trust.json",
            "--in",
            "seal.esl",
        ],
    );
    assert!(out.contains("accepted"), "{out}");

    let stamp = [
        "stamp",
        "ofd",
        "--in",
        "notice.ofd",
        "--seal",
        "seal.esl",
        "--key",
        "signer.pem",
        "--cert",
        "sm2-signer.crt",
        "--out",
        "stamped.ofd",
    ];
    expect(d, 0, &stamp);
    let sign = [
        "stamp",
        "ofd",
        "--in",
        "stamped.ofd",
        "--key",
        "signer.pem",
        "--cert",
        "sm2-signer.crt",
        "--out",
        "signed.ofd",
    ];
    expect(d, 0, &sign);
    let json = expect(
        d,
        0,
        &[
            "verify",
            "ofd",
            "--trust",
            "trust.json",
            "--in",
            "signed.ofd",
            "--json",
        ],
    );
    let verdict: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(verdict["accepted"], true, "{json}");
    let outcomes: Vec<&str> = verdict["result"]["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["valid", "valid"]);

    // One changed byte in the page: refused, naming the file.
    let mut package = OfdPackage::read(
        &std::fs::read(d.join("signed.ofd")).unwrap(),
        &OfdLimits::default(),
    )
    .unwrap();
    let page = "Doc_0/Pages/Page_0/Content.xml";
    let mut content = package.get(page).unwrap().to_vec();
    let middle = content.len() / 2;
    content[middle] ^= 1;
    package.insert(page, content);
    std::fs::write(d.join("tampered.ofd"), package.to_zip().unwrap()).unwrap();
    let out = expect(
        d,
        10,
        &[
            "verify",
            "ofd",
            "--trust",
            "trust.json",
            "--in",
            "tampered.ofd",
        ],
    );
    assert!(
        out.contains("references-changed") && out.contains(page),
        "{out}"
    );
    // An unsigned document is not accepted either.
    expect(
        d,
        10,
        &[
            "verify",
            "ofd",
            "--trust",
            "trust.json",
            "--in",
            "notice.ofd",
        ],
    );
    // A page that does not exist is an error, before anything is written.
    let mut bad = stamp;
    bad[11] = "bad.ofd";
    let mut with_page = bad.to_vec();
    with_page.extend(["--page", "7"]);
    expect(d, 1, &with_page);
    assert!(!d.join("bad.ofd").exists());

    // A certificate, verified and rendered as an e-licence, stamped, verified with its data.
    expect(d, 0, &["keygen", "--out", "agency.pem"]);
    std::fs::write(
        d.join("licence.toml"),
        crate::support::business_licence("0001"),
    )
    .unwrap();
    expect(d, 0, &issue_args("licence.toml", "licence.cbor", &[]));
    let agency_pub = std::fs::read_to_string(d.join("agency.pub")).unwrap();
    std::fs::write(
        d.join("trust.json"),
        format!(
            r#"{{ "x509_roots": [ {{ "name": "sm2-root", "file": "sm2-root.crt",
                                   "roles": ["seal-maker", "stamp-signer"] }} ],
                 "issuer_keys": [ {{ "name": "某局", "agency": "{AGENCY}",
                                     "public_key": "{}", "roles": ["issuer"] }} ] }}"#,
            agency_pub.trim()
        ),
    )
    .unwrap();
    expect(
        d,
        0,
        &[
            "licence",
            "--trust",
            "trust.json",
            "--certificate",
            "licence.cbor",
            "--out",
            "licence.ofd",
        ],
    );
    expect(
        d,
        0,
        &[
            "stamp",
            "ofd",
            "--in",
            "licence.ofd",
            "--seal",
            "seal.esl",
            "--key",
            "signer.pem",
            "--cert",
            "sm2-signer.crt",
            "--out",
            "licence-stamped.ofd",
        ],
    );
    let out = expect(
        d,
        0,
        &[
            "verify",
            "licence",
            "--trust",
            "trust.json",
            "--in",
            "licence-stamped.ofd",
        ],
    );
    assert!(out.contains("accepted"), "{out}");
    // Unstamped, it is refused.
    expect(
        d,
        10,
        &[
            "verify",
            "licence",
            "--trust",
            "trust.json",
            "--in",
            "licence.ofd",
        ],
    );
}
