//! `inspect`: every kind of object shown as written, with no trust — certificate,
//! presentation (from its QR text), seal, stamp, status list, checkpoint, proof bundle — and
//! anything else refused with the file named.

use sha2::Digest as _;

use crate::support::{expect, output};
use crate::{Agency, ORIGIN, PREFIX, present, with_log};

/// `inspect --json FILE`, parsed.
fn inspect(d: &std::path::Path, file: &str) -> serde_json::Value {
    serde_json::from_str(&expect(d, 0, &["inspect", "--json", file])).unwrap()
}

#[test]
fn each_object_is_shown_as_written() {
    let agency = Agency::set_up("inspect");
    let d = agency.dir();

    let certificate = inspect(d, "resident.cbor");
    assert_eq!(certificate["type"], "application/yz-cert+cwt");
    assert_eq!(certificate["face"]["持证主体"], "李示例");
    assert_eq!(certificate["face"]["电子证照标识"], agency.id.as_str());
    assert!(certificate["status"].as_str().unwrap().starts_with(PREFIX));
    assert!(
        certificate["device key"]
            .as_str()
            .unwrap()
            .starts_with("P-256 ")
    );
    assert_eq!(certificate["seal"]["id"], "2200000000000001");
    assert!(
        certificate["signature"]
            .as_str()
            .unwrap()
            .contains("not checked")
    );
    // The human form has the licence face's own labels.
    let text = expect(d, 0, &["inspect", "resident.cbor"]);
    assert!(text.contains("持证主体: 李示例\n"), "{text}");

    // A presentation, from the QR text a desk scanned.
    let qr_text = present::present(d);
    std::fs::write(d.join("scanned.txt"), format!("{}\n", qr_text.trim())).unwrap();
    let scanned = inspect(d, "scanned.txt");
    assert_eq!(scanned["carried as"], "QR text");
    let presentation = &scanned["object"];
    assert_eq!(presentation["type"], "application/yz-presentation+cose");
    assert_eq!(presentation["nonce"], "00112233");
    assert_eq!(presentation["audience"], "前台");
    assert_eq!(presentation["certificate"]["face"]["持证主体"], "李示例");

    let seal = inspect(d, "seal.cose");
    assert_eq!(seal["kind"], "01 公章");
    let agency_key: Vec<u8> = (0..64)
        .step_by(2)
        .map(|i| u8::from_str_radix(&agency.agency_pub.trim()[i..i + 2], 16).unwrap())
        .collect();
    let digest: String = sha2::Sha256::digest(&agency_key)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        seal["authorised signing keys (SHA-256)"][0],
        digest.as_str()
    );

    agency.stamp();
    let stamp = inspect(d, "doc.stamp");
    assert_eq!(stamp["type"], "application/yz-stamp+cose");
    assert_eq!(stamp["seal"]["id"], "2200000000000001");

    // A status list counts its entries by value: after a revocation, one is 0x01.
    let list = inspect(d, "lists/list-0.cwt");
    assert!(list["uri"].as_str().unwrap().starts_with(PREFIX));
    assert!(
        list["entries by value"]
            .get("0x01 invalid (revoked)")
            .is_none()
    );
    assert_eq!(agency.set_status("revoked", &[]).status.code(), Some(0));
    agency.publish("lists-2");
    let list = inspect(d, "lists-2/list-0.cwt");
    assert_eq!(list["entries by value"]["0x01 invalid (revoked)"], "1");

    // The log's checkpoint and a proof bundle for the seal's entry.
    let checkpoint = expect(d, 0, &with_log(&["log", "checkpoint"]));
    std::fs::write(d.join("checkpoint.note"), &checkpoint).unwrap();
    let note = inspect(d, "checkpoint.note");
    assert_eq!(note["origin"], ORIGIN);
    let size = checkpoint.lines().nth(1).unwrap();
    assert_eq!(note["size"], size);
    let proof = expect(d, 0, &with_log(&["log", "prove", "--index", "0"]));
    std::fs::write(d.join("seal.proof"), &proof).unwrap();
    let bundle = inspect(d, "seal.proof");
    assert_eq!(bundle["index"], "0");
    assert_eq!(bundle["entry"]["event"], "seal-made");
    assert_eq!(bundle["checkpoint"]["origin"], ORIGIN);
}

#[test]
fn what_is_not_an_object_is_refused_naming_the_file() {
    let agency = Agency::set_up("inspect-bad");
    let d = agency.dir();
    std::fs::write(d.join("notes.txt"), "not an object\n").unwrap();
    let out = output(d, &["inspect", "notes.txt"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("notes.txt: not an object yinzheng knows"),
        "{err}"
    );

    // A certificate cut short: the decoder's own error, after the file's name.
    let bytes = std::fs::read(d.join("resident.cbor")).unwrap();
    std::fs::write(d.join("cut.cbor"), &bytes[..bytes.len() / 2]).unwrap();
    let out = output(d, &["inspect", "cut.cbor"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cut.cbor: COSE_Sign1: "), "{err}");

    // A ZIP is named as what it probably is.
    std::fs::write(d.join("doc.ofd"), b"PK\x03\x04rest").unwrap();
    let err = String::from_utf8_lossy(&output(d, &["inspect", "doc.ofd"]).stderr).into_owned();
    assert!(err.contains("verify ofd"), "{err}");
}
