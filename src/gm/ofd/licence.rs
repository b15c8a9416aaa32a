//! A certificate as a national e-licence file (GB/T 36905 style): its face — the licence
//! name as the title, then every metadata row and face field with its Chinese label — as
//! the text of A4 pages, and the signed certificate attached (`certificate.cwt`) so software
//! can verify the data as well as a person can read it. Stamping it with the agency's seal
//! is [`super::sign_ofd`]; verifying both is `Verifier::verify_ofd_licence`.

use super::{OfdAttachment, OfdDocumentDraft, OfdText};
use crate::model::Certificate;

/// The attachment's name (and file name in `Doc_0/Attachs/`).
pub const LICENCE_ATTACHMENT: &str = "certificate.cwt";
/// Its `Format`.
pub const LICENCE_FORMAT: &str = "cwt";

const TITLE_SIZE: f64 = 8.0;
const ROW_SIZE: f64 = 4.5;
const ROW_STEP: f64 = 9.0;
const LEFT: f64 = 25.0;
const FIRST_ROW: f64 = 60.0;
const LAST_ROW: f64 = 270.0;
/// Characters per line at [`ROW_SIZE`] between the margins (full-width characters).
const LINE_CHARS: usize = 35;

/// The lines of one row, `label：value` broken at [`LINE_CHARS`].
fn wrapped(label: &str, value: &str) -> Vec<String> {
    let text: Vec<char> = format!("{label}：{value}").chars().collect();
    text.chunks(LINE_CHARS)
        .map(|chunk| chunk.iter().collect())
        .collect()
}

/// The e-licence document for `certificate`, whose signed bytes (as issued) are
/// `signed_certificate`.
#[must_use]
pub fn licence_draft(certificate: &Certificate, signed_certificate: &[u8]) -> OfdDocumentDraft {
    let title = certificate.kind.name().to_owned();
    let title_width = TITLE_SIZE * title.chars().count() as f64;
    let mut pages = vec![vec![OfdText {
        x_mm: ((210.0 - title_width) / 2.0).max(LEFT),
        y_mm: 35.0,
        size_mm: TITLE_SIZE,
        text: title.clone(),
    }]];
    let rows = certificate
        .labelled_metadata()
        .into_iter()
        .map(|(label, value)| (label.to_owned(), value))
        .chain(
            certificate
                .all_fields()
                .map(|f| (f.name.clone(), f.value.to_string())),
        );
    let mut y = FIRST_ROW;
    for (label, value) in rows {
        for line in wrapped(&label, &value) {
            if y > LAST_ROW {
                pages.push(Vec::new());
                y = FIRST_ROW - 30.0;
            }
            if let Some(page) = pages.last_mut() {
                page.push(OfdText {
                    x_mm: LEFT,
                    y_mm: y,
                    size_mm: ROW_SIZE,
                    text: line,
                });
            }
            y += ROW_STEP;
        }
    }
    OfdDocumentDraft {
        title,
        created: certificate.issued_on,
        pages,
        attachments: vec![OfdAttachment {
            name: LICENCE_ATTACHMENT.into(),
            format: LICENCE_FORMAT.into(),
            bytes: signed_certificate.to_vec(),
        }],
    }
}
