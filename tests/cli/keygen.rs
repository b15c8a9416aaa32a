//! `yinzheng keygen`: key lengths, and a key is never overwritten.

use crate::support::{Dir, expect};

#[test]
fn keys_are_made_and_never_overwritten() {
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
    expect(d, 1, &["keygen", "--out", "agency.pem"]);
}
