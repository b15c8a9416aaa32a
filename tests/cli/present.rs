//! `yinzheng present` and `verify presentation` / `verify certificate`: the phone shows the
//! resident's certificate with the desk's nonce; the desk verifies offline.

use std::path::Path;

use crate::Agency;
use crate::support::expect;

/// `verify presentation` of `shown.cbor` against `lists`, requiring exit `code`.
pub(crate) fn verify_shown(d: &Path, lists: &str, code: i32) -> String {
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
}

/// The phone's presentation of the age only, for the desk `前台` and its nonce.
pub(crate) fn present(d: &Path) -> String {
    expect(
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
    )
}

#[test]
fn a_presentation_is_verified_offline_and_only_for_its_nonce() {
    let agency = Agency::set_up("present");
    let d = agency.dir();
    assert!(agency.id.starts_with("1.2.156.3005.2."), "{}", agency.id);
    let qr_text = present(d);
    assert!(qr_text.starts_with("YZ"), "{qr_text}");
    let json: serde_json::Value =
        serde_json::from_str(&verify_shown(d, "lists/list-0.cwt", 0)).unwrap();
    assert_eq!(json["accepted"], true);
    assert_eq!(json["content"]["holder"], "李示例");
    assert!(
        json["report"]["trusted_key"]
            .as_str()
            .unwrap()
            .contains("制章中心")
    );
    // The same QR text, scanned: also accepted (no replay cache across processes).
    let scanned = |nonce: &str, code: i32| {
        expect(
            d,
            code,
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
                nonce,
            ],
        )
    };
    scanned("00112233", 0);
    // Another verifier's nonce: rejected (10).
    scanned("ffff", 10);
}

#[test]
fn a_certificate_copied_off_the_phone_is_refused_at_holder_binding() {
    let agency = Agency::set_up("copied");
    let copied = expect(
        agency.dir(),
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
}
