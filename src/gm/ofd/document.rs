//! Writing a simple OFD document (GB/T 33190): A4 pages of positioned text in one font, and
//! attached files — what an e-licence's face needs, deterministic byte for byte. Made by
//! hand because no Rust crate writes OFD; the XML is small and fixed, so it is formatted
//! directly with every text escaped.

use super::{OfdError, OfdPackage};
use crate::crypto::sm3;
use crate::time::Date;

/// One line of text on a page, positioned in millimetres from the top left corner.
#[derive(Clone, Debug, PartialEq)]
pub struct OfdText {
    /// Left edge of the text.
    pub x_mm: f64,
    /// Baseline's distance from the top of the page.
    pub y_mm: f64,
    /// Font size (the em height).
    pub size_mm: f64,
    /// The text.
    pub text: String,
}

/// A file attached to the document (GB/T 33190 §20), e.g. the signed certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfdAttachment {
    /// `Name`, also its file name inside the package.
    pub name: String,
    /// `Format`, e.g. `cwt`.
    pub format: String,
    /// The file.
    pub bytes: Vec<u8>,
}

/// What [`make_ofd`] writes.
#[derive(Clone, Debug, PartialEq)]
pub struct OfdDocumentDraft {
    /// `DocInfo/Title`.
    pub title: String,
    /// `DocInfo/CreationDate`.
    pub created: Date,
    /// The pages, each its lines of text.
    pub pages: Vec<Vec<OfdText>>,
    /// Attached files.
    pub attachments: Vec<OfdAttachment>,
}

const NAMESPACE: &str = "http://www.ofdspec.org/2016";
const FONT: &str = "宋体";

/// XML escaping for text and attribute values.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // Control characters are not allowed in XML 1.0 text.
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn header(root: &str, attributes: &str, body: &str) -> Vec<u8> {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <ofd:{root} xmlns:ofd=\"{NAMESPACE}\"{attributes}>{body}</ofd:{root}>"
    )
    .into_bytes()
}

/// A file name for an attachment: its `name` if plain, else `attachment_<n>`.
fn attachment_file(index: usize, name: &str) -> String {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        && !name.starts_with('.');
    if plain {
        name.to_owned()
    } else {
        format!("attachment_{index}")
    }
}

/// Writes the document as an OFD package (ZIP). The `DocID` is derived from the content,
/// so the same draft always makes the same bytes.
///
/// # Errors
/// [`OfdError::Xml`] if the draft has no page or a position is not a finite, non-negative
/// number; [`OfdError::Zip`] if the archive cannot be written.
pub fn make_ofd(draft: &OfdDocumentDraft) -> Result<Vec<u8>, OfdError> {
    let invalid = |problem: &str| OfdError::Xml {
        file: "Doc_0/Document.xml".into(),
        problem: problem.into(),
    };
    if draft.pages.is_empty() {
        return Err(invalid("a document needs a page"));
    }
    let mut package = OfdPackage::new();
    // Object ids: 1 the font, then per page its page, layer and text objects.
    let mut next_id: u64 = 2;
    let mut page_refs = String::new();
    let mut digest_input = draft.title.clone().into_bytes();
    for (index, lines) in draft.pages.iter().enumerate() {
        let page_id = next_id;
        let layer_id = next_id + 1;
        next_id += 2;
        let mut objects = String::new();
        for line in lines {
            let fine = |v: f64| v.is_finite() && v >= 0.0;
            if !(fine(line.x_mm) && fine(line.y_mm) && fine(line.size_mm)) || line.size_mm == 0.0 {
                return Err(invalid(
                    "a text position or size is not a non-negative number",
                ));
            }
            let width = line.size_mm * line.text.chars().count().max(1) as f64;
            let top = (line.y_mm - line.size_mm).max(0.0);
            objects.push_str(&format!(
                "<ofd:TextObject ID=\"{next_id}\" Boundary=\"{} {top} {width} {}\" Font=\"1\" \
                 Size=\"{}\"><ofd:TextCode X=\"0\" Y=\"{}\">{}</ofd:TextCode></ofd:TextObject>",
                line.x_mm,
                line.size_mm * 1.25,
                line.size_mm,
                line.size_mm,
                escape(&line.text)
            ));
            next_id += 1;
            digest_input.extend_from_slice(line.text.as_bytes());
        }
        let content = header(
            "Page",
            "",
            &format!(
                "<ofd:Content><ofd:Layer ID=\"{layer_id}\">{objects}</ofd:Layer></ofd:Content>"
            ),
        );
        package.insert(format!("Doc_0/Pages/Page_{index}/Content.xml"), content);
        page_refs.push_str(&format!(
            "<ofd:Page ID=\"{page_id}\" BaseLoc=\"Pages/Page_{index}/Content.xml\"/>"
        ));
    }
    let mut attachments = String::new();
    for (index, attachment) in draft.attachments.iter().enumerate() {
        let file = attachment_file(index, &attachment.name);
        let size_kb = attachment.bytes.len() as f64 / 1024.0;
        attachments.push_str(&format!(
            "<ofd:Attachment ID=\"{next_id}\" Name=\"{}\" Format=\"{}\" Size=\"{size_kb:.3}\" \
             Visible=\"false\"><ofd:FileLoc>{file}</ofd:FileLoc></ofd:Attachment>",
            escape(&attachment.name),
            escape(&attachment.format),
        ));
        next_id += 1;
        digest_input.extend_from_slice(&sm3(&attachment.bytes));
        package.insert(format!("Doc_0/Attachs/{file}"), attachment.bytes.clone());
    }
    let attachments_ref = if draft.attachments.is_empty() {
        String::new()
    } else {
        package.insert(
            "Doc_0/Attachs/Attachments.xml",
            header("Attachments", "", &attachments),
        );
        "<ofd:Attachments>Attachs/Attachments.xml</ofd:Attachments>".to_owned()
    };
    package.insert(
        "Doc_0/PublicRes.xml",
        header(
            "Res",
            " BaseLoc=\"Res\"",
            &format!("<ofd:Fonts><ofd:Font ID=\"1\" FontName=\"{FONT}\" FamilyName=\"{FONT}\"/></ofd:Fonts>"),
        ),
    );
    package.insert(
        "Doc_0/Document.xml",
        header(
            "Document",
            "",
            &format!(
                "<ofd:CommonData><ofd:MaxUnitID>{}</ofd:MaxUnitID><ofd:PageArea>\
                 <ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>\
                 <ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData>\
                 <ofd:Pages>{page_refs}</ofd:Pages>{attachments_ref}",
                next_id - 1
            ),
        ),
    );
    let doc_id: String = sm3(&digest_input)[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    package.insert(
        "OFD.xml",
        header(
            "OFD",
            " Version=\"1.0\" DocType=\"OFD\"",
            &format!(
                "<ofd:DocBody><ofd:DocInfo><ofd:DocID>{doc_id}</ofd:DocID>\
                 <ofd:Title>{}</ofd:Title><ofd:CreationDate>{}</ofd:CreationDate>\
                 <ofd:Creator>yinzheng</ofd:Creator><ofd:CreatorVersion>{}</ofd:CreatorVersion>\
                 </ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody>",
                escape(&draft.title),
                draft.created,
                env!("CARGO_PKG_VERSION"),
            ),
        ),
    );
    package.to_zip()
}
