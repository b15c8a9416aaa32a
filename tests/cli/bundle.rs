//! `yinzheng bundle make` / `bundle verify`: a trust bundle carries everything; a verifier
//! needs only it and the publisher's key.

use crate::Agency;
use crate::support::expect;

#[test]
fn a_trust_bundle_is_all_a_verifier_needs() {
    let agency = Agency::set_up("bundle");
    let d = agency.dir();
    agency.stamp();
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
            "lists/list-0.cwt",
            "--out",
            "bundle.cose",
        ],
    );
    let publisher_pub = std::fs::read_to_string(d.join("publisher.pub")).unwrap();
    let check = |publisher: &str, code: i32| {
        expect(
            d,
            code,
            &[
                "bundle",
                "verify",
                "--in",
                "bundle.cose",
                "--publisher",
                publisher,
            ],
        )
    };
    let listed = check(publisher_pub.trim(), 0);
    assert!(listed.contains("1 seals"), "{listed}");
    // Signed by someone else: refused (an error, 1).
    assert!(check(agency.agency_pub.trim(), 1).is_empty());
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
}
