//! The OFD signature descriptions (GB/T 33190 §18): `OFD.xml`'s `Signatures` locations,
//! `Signatures.xml` and `Signature.xml`, read through `quick-xml` into a small element tree
//! (names without their namespace prefix, attributes, text, byte offsets), bounded by the
//! file's size.

use base64::Engine as _;
use quick_xml::events::Event;

use super::{OfdError, OfdLimits, OfdPackage, directory, resolve};
use crate::time::{Date, UnixTime};

struct Node {
    name: String,
    attributes: Vec<(String, String)>,
    text: String,
    children: Vec<usize>,
    /// Offset of the element's `<` in the file.
    start: usize,
    /// Offset of its end tag's `<` (`None` for an empty element `<…/>`).
    end: Option<usize>,
}

struct Tree {
    nodes: Vec<Node>,
    /// Offset of the root's end tag (`</…>`), or the file length for an empty root.
    root_end: usize,
}

/// Elements in one descriptor file: ample for ten thousand references or pages, and a bound
/// on the tree a small, highly compressed file could make.
const MAX_ELEMENTS: usize = 200_000;

fn xml_error(file: &str, problem: impl Into<String>) -> OfdError {
    OfdError::Xml {
        file: file.to_owned(),
        problem: problem.into(),
    }
}

fn local(name: &str) -> String {
    name.rsplit(':').next().unwrap_or_default().to_owned()
}

fn parse(file: &str, bytes: &[u8]) -> Result<Tree, OfdError> {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut nodes: Vec<Node> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let mut root_end = bytes.len();
    loop {
        let before = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader
            .read_event()
            .map_err(|e| xml_error(file, e.to_string()))?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                if nodes.len() >= MAX_ELEMENTS {
                    return Err(xml_error(
                        file,
                        format!("more than {MAX_ELEMENTS} elements"),
                    ));
                }
                if open.is_empty() && !nodes.is_empty() {
                    return Err(xml_error(file, "more than one root element"));
                }
                let mut attributes = Vec::new();
                for attribute in e.attributes().with_checks(true) {
                    let attribute = attribute.map_err(|e| xml_error(file, e.to_string()))?;
                    let value = attribute
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(|e| xml_error(file, e.to_string()))?;
                    attributes.push((local(attribute.key.as_ref()), value.into_owned()));
                }
                let index = nodes.len();
                nodes.push(Node {
                    name: local(e.name().as_ref()),
                    attributes,
                    text: String::new(),
                    children: Vec::new(),
                    start: before,
                    end: None,
                });
                if let Some(&parent) = open.last() {
                    nodes[parent].children.push(index);
                }
                if matches!(event, Event::Start(_)) {
                    open.push(index);
                }
            }
            Event::End(_) => {
                if let Some(closed) = open.pop() {
                    nodes[closed].end = Some(before);
                }
                if open.is_empty() {
                    root_end = before;
                }
            }
            Event::Text(t) => {
                if let Some(&current) = open.last() {
                    nodes[current].text.push_str(&t);
                }
            }
            Event::GeneralRef(r) => {
                let text = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => match &*r {
                        "amp" => "&".into(),
                        "lt" => "<".into(),
                        "gt" => ">".into(),
                        "quot" => "\"".into(),
                        "apos" => "'".into(),
                        _ => {
                            return Err(xml_error(
                                file,
                                "an entity other than the predefined ones",
                            ));
                        }
                    },
                };
                if let Some(&current) = open.last() {
                    nodes[current].text.push_str(&text);
                }
            }
            Event::CData(c) => {
                if let Some(&current) = open.last() {
                    nodes[current].text.push_str(&c);
                }
            }
            Event::DocType(_) => {
                return Err(xml_error(file, "a DOCTYPE (refused: entity expansion)"));
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
        }
    }
    if nodes.is_empty() || !open.is_empty() {
        return Err(xml_error(file, "no complete root element"));
    }
    Ok(Tree { nodes, root_end })
}

impl Tree {
    fn root(&self, file: &str, name: &str) -> Result<&Node, OfdError> {
        let root = &self.nodes[0];
        if root.name == name {
            Ok(root)
        } else {
            Err(xml_error(
                file,
                format!("the root element is {}, not {name}", root.name),
            ))
        }
    }

    fn children<'a>(&'a self, node: &'a Node, name: &'a str) -> impl Iterator<Item = &'a Node> {
        node.children
            .iter()
            .map(|&i| &self.nodes[i])
            .filter(move |n| n.name == name)
    }

    fn child<'a>(&'a self, node: &'a Node, name: &'a str) -> Option<&'a Node> {
        self.children(node, name).next()
    }
}

impl Node {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn location(file: &str, text: &str) -> Result<String, OfdError> {
    resolve(directory(file), text.trim()).ok_or_else(|| {
        xml_error(
            file,
            format!("location {:?} leaves the package", text.trim()),
        )
    })
}

fn bounded<T>(file: &str, items: Vec<T>, limits: &OfdLimits) -> Result<Vec<T>, OfdError> {
    if items.len() > limits.max_items {
        return Err(xml_error(
            file,
            format!("more than {} items", limits.max_items),
        ));
    }
    Ok(items)
}

/// Where a new signature goes in a document: what [`OfdPackage::documents`] finds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct DocumentSlot {
    /// `DocRoot`, as a package path.
    pub(super) root: String,
    /// `Signatures`, as a package path, when the document has signatures.
    pub(super) signatures: Option<String>,
    /// Offset in `OFD.xml` of this `DocBody`'s end tag, and the element's namespace prefix
    /// (`ofd:`), to add a `Signatures` element before it.
    pub(super) body_end: Option<usize>,
    pub(super) prefix: String,
}

/// The namespace prefix (with its colon) of the element starting at `start`.
fn prefix_at(bytes: &[u8], start: usize) -> String {
    let name = bytes
        .get(start + 1..)
        .unwrap_or_default()
        .iter()
        .take_while(|b| !b.is_ascii_whitespace() && !matches!(b, b'>' | b'/'))
        .copied()
        .collect::<Vec<u8>>();
    let name = String::from_utf8_lossy(&name);
    name.rfind(':')
        .map_or_else(String::new, |at| name[..=at].to_owned())
}

impl OfdPackage {
    /// Every document of the package (`OFD.xml`'s `DocBody` elements), in order.
    pub(super) fn documents(&self) -> Result<Vec<DocumentSlot>, OfdError> {
        let bytes = self.file("OFD.xml")?;
        let tree = parse("OFD.xml", bytes)?;
        let root = tree.root("OFD.xml", "OFD")?;
        tree.children(root, "DocBody")
            .map(|body| {
                let root = tree
                    .child(body, "DocRoot")
                    .ok_or_else(|| xml_error("OFD.xml", "a DocBody without DocRoot"))?;
                Ok(DocumentSlot {
                    root: location("OFD.xml", &root.text)?,
                    signatures: tree
                        .child(body, "Signatures")
                        .map(|s| location("OFD.xml", &s.text))
                        .transpose()?,
                    body_end: body.end,
                    prefix: prefix_at(bytes, body.start),
                })
            })
            .collect()
    }

    /// The pages of the document whose `Document.xml` is at `root`: each page's object id
    /// (`PageRef`) and content path, in order.
    pub(super) fn pages(&self, root: &str) -> Result<Vec<(String, String)>, OfdError> {
        let tree = parse(root, self.file(root)?)?;
        let document = tree.root(root, "Document")?;
        tree.child(document, "Pages")
            .into_iter()
            .flat_map(|pages| tree.children(pages, "Page"))
            .map(|page| {
                Ok((
                    page.attribute("ID").unwrap_or_default().to_owned(),
                    location(root, page.attribute("BaseLoc").unwrap_or_default())?,
                ))
            })
            .collect()
    }

    /// The files attached to the first document (GB/T 33190 §20): each `Name`, `Format`
    /// and package path, in order; none if it has no `Attachments`.
    ///
    /// # Errors
    /// [`OfdError`] if `OFD.xml`, `Document.xml` or `Attachments.xml` is malformed.
    pub fn attachments(&self) -> Result<Vec<(String, String, String)>, OfdError> {
        let Some(document) = self.documents()?.into_iter().next() else {
            return Ok(Vec::new());
        };
        let root = &document.root;
        let tree = parse(root, self.file(root)?)?;
        let Some(list) = tree
            .child(tree.root(root, "Document")?, "Attachments")
            .map(|a| location(root, &a.text))
            .transpose()?
        else {
            return Ok(Vec::new());
        };
        let list_tree = parse(&list, self.file(&list)?)?;
        let attachments = list_tree.root(&list, "Attachments")?;
        list_tree
            .children(attachments, "Attachment")
            .map(|a| {
                let file = list_tree
                    .child(a, "FileLoc")
                    .ok_or_else(|| xml_error(&list, "an Attachment without FileLoc"))?;
                Ok((
                    a.attribute("Name").unwrap_or_default().to_owned(),
                    a.attribute("Format").unwrap_or_default().to_owned(),
                    location(&list, &file.text)?,
                ))
            })
            .collect()
    }

    /// The package path of every document's `Signatures.xml` (`OFD.xml`,
    /// `DocBody/Signatures`), for the documents that have one.
    ///
    /// # Errors
    /// [`OfdError`] if `OFD.xml` is missing or malformed.
    pub fn signature_lists(&self) -> Result<Vec<String>, OfdError> {
        let tree = parse("OFD.xml", self.file("OFD.xml")?)?;
        let root = tree.root("OFD.xml", "OFD")?;
        tree.children(root, "DocBody")
            .filter_map(|body| tree.child(body, "Signatures"))
            .map(|s| location("OFD.xml", &s.text))
            .collect()
    }
}

/// Whether a signature is an electronic stamp (`Seal`: an `SES_Signature`) or a plain
/// signature (`Sign`: PKCS#7 SignedData or a bare signature value).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignatureKind {
    /// 电子签章: the value is a GB/T 38540 `SES_Signature`.
    Seal,
    /// 数字签名: the value is a PKCS#7 SignedData or a bare SM2 signature.
    Sign,
}

/// One `Signature` entry of a `Signatures.xml`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureEntry {
    /// `ID`.
    pub id: String,
    /// `Type` (`Seal` when absent, as GB/T 33190 defaults it).
    pub kind: SignatureKind,
    /// `BaseLoc`: the package path of its `Signature.xml`.
    pub location: String,
    /// Offset of the entry's `<` in the file.
    start: usize,
}

/// A `Signatures.xml`: its entries in document order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureList {
    /// The package path of the file.
    pub path: String,
    /// Every `Signature`, in order.
    pub entries: Vec<SignatureEntry>,
    bytes: Vec<u8>,
    root_start: usize,
    root_end: usize,
    root_closed: bool,
    max_id: u64,
}

impl SignatureList {
    /// The file with `addition` inserted before the root's end tag, and the namespace
    /// prefix of the root element: how a new signature is appended, leaving every earlier
    /// byte in place.
    /// `None` if the root is an empty element (`<Signatures/>`), which has no end tag.
    pub(super) fn appended(&self, addition: impl Fn(&str) -> String) -> Option<Vec<u8>> {
        if !self.root_closed {
            return None;
        }
        let prefix = prefix_at(&self.bytes, self.root_start);
        let (head, tail) = self.bytes.split_at(self.root_end.min(self.bytes.len()));
        Some([head, addition(&prefix).as_bytes(), tail].concat())
    }

    /// Every `ID` in the file that looks like `s<number>` (entries and `MaxSignId`): the
    /// largest number, so a new signature's ids do not collide.
    pub(super) fn largest_id(&self) -> u64 {
        self.max_id
    }

    /// Reads the `Signatures.xml` at `path`.
    ///
    /// # Errors
    /// [`OfdError`].
    pub fn read(package: &OfdPackage, path: &str, limits: &OfdLimits) -> Result<Self, OfdError> {
        let bytes = package.file(path)?;
        let tree = parse(path, bytes)?;
        let root = tree.root(path, "Signatures")?;
        let entries = tree
            .children(root, "Signature")
            .map(|node| {
                let kind = match node.attribute("Type") {
                    None | Some("Seal") => SignatureKind::Seal,
                    Some("Sign") => SignatureKind::Sign,
                    Some(other) => {
                        return Err(xml_error(path, format!("signature Type {other:?}")));
                    }
                };
                Ok(SignatureEntry {
                    id: node.attribute("ID").unwrap_or_default().to_owned(),
                    kind,
                    location: location(path, node.attribute("BaseLoc").unwrap_or_default())?,
                    start: node.start,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let numbered = |text: &str| {
            text.trim()
                .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                .parse::<u64>()
                .unwrap_or(0)
        };
        let max_id = entries
            .iter()
            .map(|e: &SignatureEntry| numbered(&e.id))
            .chain(tree.children(root, "MaxSignId").map(|m| numbered(&m.text)))
            .max()
            .unwrap_or(0);
        Ok(Self {
            path: path.to_owned(),
            entries: bounded(path, entries, limits)?,
            bytes: bytes.to_vec(),
            root_start: root.start,
            root_end: tree.root_end,
            root_closed: root.end.is_some(),
            max_id,
        })
    }

    /// The file as it was before the entries after `index` were appended: everything from
    /// the next entry up to the closing tag removed. `None` for the last entry.
    #[must_use]
    pub fn before_later_entries(&self, index: usize) -> Option<Vec<u8>> {
        let next = self.entries.get(index + 1)?.start;
        let (head, tail) = (self.bytes.get(..next)?, self.bytes.get(self.root_end..)?);
        Some([head, tail].concat())
    }
}

/// One `Reference`: a covered file and its check value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfdReference {
    /// `FileRef`, as a package path.
    pub file: String,
    /// `CheckValue`, base64-decoded.
    pub check_value: Vec<u8>,
}

/// One `StampAnnot`: where the seal picture appears.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StampAnnot {
    /// `ID`.
    pub id: String,
    /// `PageRef`: the page's object id.
    pub page: String,
    /// `Boundary`: `x y width height` in millimetres.
    pub boundary: String,
}

/// A `Signature.xml`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfdSignature {
    /// The package path of the file.
    pub path: String,
    /// `SignedInfo/SignatureMethod`.
    pub method: String,
    /// `SignedInfo/SignatureDateTime`, as written.
    pub date_time: String,
    /// `SignatureDateTime` read by [`signature_time`], if it reads.
    pub signed_at: Option<UnixTime>,
    /// `SignedInfo/References/@CheckMethod`.
    pub check_method: String,
    /// `SignedInfo/References/Reference`.
    pub references: Vec<OfdReference>,
    /// `SignedInfo/StampAnnot`.
    pub stamp_annots: Vec<StampAnnot>,
    /// `SignedInfo/Seal/BaseLoc`, as a package path.
    pub seal: Option<String>,
    /// `SignedValue`, as a package path.
    pub signed_value: String,
}

impl OfdSignature {
    /// Reads the `Signature.xml` at `path`.
    ///
    /// # Errors
    /// [`OfdError`].
    pub fn read(package: &OfdPackage, path: &str, limits: &OfdLimits) -> Result<Self, OfdError> {
        let tree = parse(path, package.file(path)?)?;
        let root = tree.root(path, "Signature")?;
        let info = tree
            .child(root, "SignedInfo")
            .ok_or_else(|| xml_error(path, "no SignedInfo"))?;
        let text = |name: &str| tree.child(info, name).map(|n| n.text.trim().to_owned());
        let references_node = tree.child(info, "References");
        let references = references_node
            .into_iter()
            .flat_map(|r| tree.children(r, "Reference"))
            .map(|r| {
                let value = tree
                    .child(r, "CheckValue")
                    .map(|c| c.text.trim())
                    .unwrap_or("");
                Ok(OfdReference {
                    file: location(path, r.attribute("FileRef").unwrap_or_default())?,
                    check_value: base64::engine::general_purpose::STANDARD
                        .decode(value)
                        .map_err(|_| xml_error(path, "a CheckValue is not base64"))?,
                })
            })
            .collect::<Result<Vec<_>, OfdError>>()?;
        let stamp_annots = tree
            .children(info, "StampAnnot")
            .map(|a| StampAnnot {
                id: a.attribute("ID").unwrap_or_default().to_owned(),
                page: a.attribute("PageRef").unwrap_or_default().to_owned(),
                boundary: a.attribute("Boundary").unwrap_or_default().to_owned(),
            })
            .collect();
        let seal = tree
            .child(info, "Seal")
            .and_then(|s| tree.child(s, "BaseLoc"))
            .map(|b| location(path, &b.text))
            .transpose()?;
        let signed_value = tree
            .child(root, "SignedValue")
            .ok_or_else(|| xml_error(path, "no SignedValue"))?;
        let date_time = text("SignatureDateTime").unwrap_or_default();
        Ok(Self {
            path: path.to_owned(),
            method: text("SignatureMethod").unwrap_or_default(),
            signed_at: signature_time(&date_time),
            date_time,
            check_method: references_node
                .and_then(|r| r.attribute("CheckMethod"))
                .unwrap_or_default()
                .to_owned(),
            references: bounded(path, references, limits)?,
            stamp_annots: bounded(path, stamp_annots, limits)?,
            seal,
            signed_value: location(path, &signed_value.text)?,
        })
    }
}

/// An OFD date and time as producers write `SignatureDateTime`: `YYYY-MM-DD`, a space or
/// `T`, `HH:MM:SS`, optional fraction, then `Z`, `±HH:MM` or nothing; a time with no zone is
/// China Standard Time (UTC+8), as the documents are made. A bare `YYYY-MM-DD` is 00:00 there.
#[must_use]
pub fn signature_time(text: &str) -> Option<UnixTime> {
    let text = text.trim();
    let date = Date::parse(text.get(..10)?).ok()?;
    let rest = text.get(10..)?;
    if rest.is_empty() {
        return Some(date.start_in_china());
    }
    let rest = rest.strip_prefix([' ', 'T'])?;
    let digits = |s: &str| -> Option<u64> {
        (s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
    };
    let (hour, minute, second) = (
        digits(rest.get(0..2)?)?,
        digits(rest.get(3..5)?)?,
        digits(rest.get(6..8)?)?,
    );
    if rest.get(2..3)? != ":" || rest.get(5..6)? != ":" || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut zone = rest.get(8..)?;
    if let Some(fraction) = zone.strip_prefix('.') {
        let end = fraction
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(fraction.len());
        if end == 0 {
            return None;
        }
        zone = &fraction[end..];
    }
    const CHINA: i64 = 8 * 3600;
    let offset = match zone {
        "" => CHINA,
        "Z" => 0,
        signed => {
            let sign = match signed.get(..1)? {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            let (h, m) = (digits(signed.get(1..3)?)?, digits(signed.get(4..6)?)?);
            if signed.len() != 6 || signed.get(3..4)? != ":" || h > 23 || m > 59 {
                return None;
            }
            sign * i64::try_from(h * 3600 + m * 60).ok()?
        }
    };
    let secs =
        date.midnight_utc_secs() + i64::try_from(hour * 3600 + minute * 60 + second).ok()? - offset;
    u64::try_from(secs).ok().map(UnixTime::from_secs)
}

/// `at` as OFD writers write `SignatureDateTime`: `YYYY-MM-DD HH:MM:SS` in China Standard
/// Time, which [`signature_time`] reads back. `None` after 9999.
#[must_use]
pub fn signature_time_text(at: UnixTime) -> Option<String> {
    let text = at.saturating_add(8 * 3600).to_string();
    // `YYYY-MM-DDTHH:MM:SSZ`; dates past 9999 are clamped by the formatter, so the text
    // must read back to `at`.
    let local = format!("{} {}", text.get(..10)?, text.get(11..19)?);
    (signature_time(&local) == Some(at)).then_some(local)
}

/// A GM/T 0099 integrity list: `OFDEntries.xml` at the package root naming every file
/// that belongs to the document, signed as a whole (its SM3 digest, in a GB/T 35275
/// `SignedData`) so that a file smuggled into the package (夹带) is found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntegrityList {
    /// The package path of the list.
    pub path: String,
    /// `CreationDate` (or `CreationDate`'s date and time), read by [`signature_time`].
    pub created: Option<UnixTime>,
    /// `FileList/File/@FileLoc`, as package paths.
    pub files: Vec<String>,
    /// `SignedValueLoc`, as a package path.
    pub signed_value: String,
}

impl IntegrityList {
    /// Where GM/T 0099 places the list.
    pub const PATH: &'static str = "OFDEntries.xml";

    /// Reads the package's integrity list, if it has one.
    ///
    /// # Errors
    /// [`OfdError`] if the list is present but malformed.
    pub fn read(package: &OfdPackage, limits: &OfdLimits) -> Result<Option<Self>, OfdError> {
        let path = Self::PATH;
        let Some(bytes) = package.get(path) else {
            return Ok(None);
        };
        let tree = parse(path, bytes)?;
        let root = tree.root(path, "DocEntries")?;
        let files = tree
            .child(root, "FileList")
            .into_iter()
            .flat_map(|list| tree.children(list, "File"))
            .map(|file| location(path, file.attribute("FileLoc").unwrap_or_default()))
            .collect::<Result<Vec<_>, _>>()?;
        let signed_value = tree
            .child(root, "SignedValueLoc")
            .ok_or_else(|| xml_error(path, "no SignedValueLoc"))?;
        Ok(Some(Self {
            path: path.to_owned(),
            created: root.attribute("CreationDate").and_then(signature_time),
            files: bounded(path, files, limits)?,
            signed_value: location(path, &signed_value.text)?,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_times_write_and_read_back() {
        for secs in [0, 1_587_543_764, 253_402_300_799 - 8 * 3600] {
            let at = UnixTime::from_secs(secs);
            let text = signature_time_text(at).unwrap();
            assert_eq!(signature_time(&text), Some(at), "{text}");
        }
        assert_eq!(
            signature_time_text(UnixTime::from_secs(1_587_543_764)).as_deref(),
            Some("2020-04-22 16:22:44")
        );
        assert_eq!(
            signature_time_text(UnixTime::from_secs(253_402_300_800)),
            None
        );
    }

    #[test]
    fn signature_times_as_producers_write_them() {
        // 2020-04-22 16:22:44 in Beijing is 08:22:44Z.
        let beijing = UnixTime::from_secs(1_587_543_764);
        for text in [
            "2020-04-22 16:22:44",
            "2020-04-22T16:22:44",
            "2020-04-22T16:22:44.125",
            "2020-04-22T08:22:44Z",
            "2020-04-22T10:22:44+02:00",
            " 2020-04-22T03:22:44-05:00 ",
        ] {
            assert_eq!(signature_time(text), Some(beijing), "{text}");
        }
        assert_eq!(
            signature_time("2023-03-21"),
            Some(UnixTime::from_secs(1_679_328_000))
        );
        for bad in [
            "",
            "2020-04-22 x",
            "2020-04-22 16:22",
            "2020-04-22 24:00:00",
            "2020-04-22X16:22:44",
            "2020-04-22 16:22:44.",
            "2020-04-22 16:22:44+0200",
            "2020-04-22 16:22:44 CST",
            "2020-02-30 00:00:00",
            "1970-01-01 00:00:00",
        ] {
            assert_eq!(signature_time(bad), None, "{bad}");
        }
    }
}
