//! `yinzheng stamp` and `verify stamp`: a document stamped with the agency's seal; an altered
//! document is refused.

use crate::Agency;
use crate::support::expect;

#[test]
fn a_stamped_document_verifies_and_an_altered_one_does_not() {
    let agency = Agency::set_up("stamp");
    let d = agency.dir();
    agency.stamp();
    let verify_stamp = |doc: &str, code: i32| {
        expect(
            d,
            code,
            &[
                "verify",
                "stamp",
                "--trust",
                "trust.json",
                "--in",
                "doc.stamp",
                "--document",
                doc,
            ],
        )
    };
    verify_stamp("doc.pdf", 0);
    std::fs::write(d.join("altered.pdf"), b"%PDF-1.7 ..! %%EOF").unwrap();
    verify_stamp("altered.pdf", 10);
}
