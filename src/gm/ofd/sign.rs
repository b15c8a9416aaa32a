//! Signing an OFD package (GB/T 33190 §18): a new `Signature.xml` whose references are the
//! SM3 check values of every file of the package but the signature listing, its signed value
//! (a GB/T 38540 stamp, or a GB/T 35275 `SignedData`), the seal file and a `StampAnnot` for a
//! stamp, and the entry in `Signatures.xml`, appended before the root's end tag.
//!
//! `Signatures.xml` is left out of the references, as ofdrw's continuing signatures leave it
//! out: each later signature only adds files and that entry, so every earlier signature
//! still verifies as it stands — for ofdrw too, which refuses a listing changed after a
//! signature covering it. The price is that the listing itself is unsigned: taking an entry
//! out hides a signature, but no change to it can make a signature verify that does not.

use base64::Engine as _;

use super::document::escape;
use super::xml::{DocumentSlot, signature_time_text};
use super::{OfdError, OfdLimits, OfdPackage, SignatureList};
use crate::crypto::{Signer, sm3};
use crate::gm::{MakeError, StampDraft, make_signed_data, make_stamp};
use crate::limits::Limits;
use crate::time::UnixTime;

/// Where a stamp's seal picture is placed: a page of the document and a box on it, in
/// millimetres from the page's top left corner (GB/T 33190 `Boundary`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StampPlacement {
    /// The page, counted from 0 in the document's `Pages`.
    pub page: usize,
    /// Left edge.
    pub x_mm: f64,
    /// Top edge.
    pub y_mm: f64,
    /// Width (the seal's, usually).
    pub width_mm: f64,
    /// Height.
    pub height_mm: f64,
}

/// What a new OFD signature is.
#[derive(Clone, Copy, Debug)]
pub enum OfdSignatureDraft<'a> {
    /// An electronic stamp (`Type="Seal"`) with a version 4 `SESeal`, placed on a page.
    Stamp {
        /// The seal (`SESeal` DER).
        seal: &'a [u8],
        /// Where its picture goes.
        placement: StampPlacement,
    },
    /// A digital signature (`Type="Sign"`): a GB/T 35275 `SignedData`.
    Signature,
}

/// Why an OFD was not signed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OfdSignError {
    /// The package, or a file in it, does not read.
    #[error(transparent)]
    Package(#[from] OfdError),
    /// The stamp or the `SignedData` was not made.
    #[error(transparent)]
    Make(#[from] MakeError),
    /// The package holds no document (`DocBody`) of that index.
    #[error("the package has no document {0}")]
    NoDocument(usize),
    /// The document has no page of that index.
    #[error("the document has no page {0}")]
    NoPage(usize),
    /// A placement value is negative, not finite, or the box is empty.
    #[error("the stamp placement is not a box on the page")]
    Placement,
    /// The signing time cannot be written (after 9999).
    #[error("the signing time cannot be written")]
    Time,
    /// The signature listing cannot take another entry, or adding it would break other
    /// signatures.
    #[error("cannot add a signature: {0}")]
    Listing(&'static str),
    /// The package carries a GM/T 0099 integrity list, which any new file would break.
    #[error("the package has an integrity list (OFDEntries.xml); a new signature would break it")]
    IntegrityList,
}

const NAMESPACE: &str = "http://www.ofdspec.org/2016";
/// SM2 with SM3 (`SignatureMethod`) and SM3 (`CheckMethod`), as GB/T 33190 names them.
const SM2_WITH_SM3: &str = "1.2.156.10197.1.501";
const SM3_OID: &str = "1.2.156.10197.1.401";

/// Signs document `document` (0 for the first) of the OFD `package` at `signed_at` with the
/// key of `signer_certificate` (DER X.509; for a stamp, a certificate the seal lists).
///
/// # Errors
/// [`OfdSignError`].
pub fn sign_ofd(
    package: &[u8],
    document: usize,
    draft: &OfdSignatureDraft<'_>,
    signed_at: UnixTime,
    signer_certificate: &[u8],
    signer: &dyn Signer,
    limits: &OfdLimits,
) -> Result<Vec<u8>, OfdSignError> {
    let mut package = OfdPackage::read(package, limits)?;
    if package.get(super::IntegrityList::PATH).is_some() {
        return Err(OfdSignError::IntegrityList);
    }
    let documents = package.documents()?;
    let others_signed = documents
        .iter()
        .enumerate()
        .any(|(i, d)| i != document && d.signatures.is_some());
    let slot = documents
        .into_iter()
        .nth(document)
        .ok_or(OfdSignError::NoDocument(document))?;
    let list_path = slot
        .signatures
        .clone()
        .unwrap_or_else(|| join(super::directory(&slot.root), "Signs/Signatures.xml"));
    let list = match package.get(&list_path) {
        Some(_) => Some(SignatureList::read(&package, &list_path, limits)?),
        None => None,
    };
    let number = list
        .as_ref()
        .map_or(0, SignatureList::largest_id)
        .checked_add(1)
        .filter(|n| n.checked_add(1).is_some())
        .ok_or(OfdSignError::Listing("its signature ids are exhausted"))?;
    let sign_dir = free_directory(&package, super::directory(&list_path));
    let signature_path = format!("{sign_dir}/Signature.xml");
    let value_path = format!("{sign_dir}/SignedValue.dat");
    let (kind, annot) = match draft {
        OfdSignatureDraft::Stamp { seal, placement } => {
            let seal_path = format!("{sign_dir}/Seal.esl");
            package.insert(seal_path.clone(), seal.to_vec());
            let page = page_ref(&package, &slot, placement.page)?;
            let annot = stamp_annot(number + 1, &page, placement)?;
            ("Seal", Some((annot, seal_path)))
        }
        OfdSignatureDraft::Signature => ("Sign", None),
    };
    let entry = |prefix: &str| {
        format!(
            "<{prefix}Signature ID=\"s{number:03}\" Type=\"{kind}\" BaseLoc=\"/{}\"/>\
             <{prefix}MaxSignId>s{:03}</{prefix}MaxSignId>",
            escape(&signature_path),
            number + 1
        )
    };
    let listing = match &list {
        Some(list) => list.appended(entry).ok_or(OfdSignError::Listing(
            "its root element is empty (<Signatures/>)",
        ))?,
        None => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <ofd:Signatures xmlns:ofd=\"{NAMESPACE}\">{}</ofd:Signatures>",
            entry("ofd:")
        )
        .into_bytes(),
    };
    package.insert(list_path.clone(), listing);
    if slot.signatures.is_none() {
        if others_signed {
            return Err(OfdSignError::Listing(
                "another document of the package is signed, and a first signature here would \
                 change the OFD.xml its signatures cover",
            ));
        }
        add_signatures_to_ofd_xml(&mut package, &slot, &list_path)?;
    }

    let mut references = String::new();
    for path in package.paths().filter(|p| *p != list_path) {
        if let Some(bytes) = package.get(path) {
            let value = base64::engine::general_purpose::STANDARD.encode(sm3(bytes));
            references.push_str(&format!(
                "<ofd:Reference FileRef=\"/{}\"><ofd:CheckValue>{value}</ofd:CheckValue>\
                 </ofd:Reference>",
                escape(path)
            ));
        }
    }
    let (annot, seal) = match &annot {
        Some((annot, seal_path)) => (
            annot.as_str(),
            format!(
                "<ofd:Seal><ofd:BaseLoc>/{}</ofd:BaseLoc></ofd:Seal>",
                escape(seal_path)
            ),
        ),
        None => ("", String::new()),
    };
    let signature_xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <ofd:Signature xmlns:ofd=\"{NAMESPACE}\"><ofd:SignedInfo>\
         <ofd:Provider ProviderName=\"yinzheng\" Company=\"yinzheng\" Version=\"{}\"/>\
         <ofd:SignatureMethod>{SM2_WITH_SM3}</ofd:SignatureMethod>\
         <ofd:SignatureDateTime>{}</ofd:SignatureDateTime>\
         <ofd:References CheckMethod=\"{SM3_OID}\">{references}</ofd:References>\
         {annot}{seal}</ofd:SignedInfo>\
         <ofd:SignedValue>/{}</ofd:SignedValue></ofd:Signature>",
        env!("CARGO_PKG_VERSION"),
        signature_time_text(signed_at).ok_or(OfdSignError::Time)?,
        escape(&value_path),
    )
    .into_bytes();
    let value = match draft {
        OfdSignatureDraft::Stamp { seal, .. } => {
            let property = format!("/{signature_path}");
            let stamp = StampDraft {
                seal,
                signed_at,
                data_hash: &sm3(&signature_xml),
                property_info: &property,
                extensions: Vec::new(),
            };
            make_stamp(&stamp, signer_certificate, signer, &Limits::default())?
        }
        OfdSignatureDraft::Signature => {
            make_signed_data(&signature_xml, signer_certificate, signer)?
        }
    };
    package.insert(signature_path, signature_xml);
    package.insert(value_path, value);
    Ok(package.to_zip()?)
}

/// The first `Sign_<n>` under `signs` that holds no file.
fn free_directory(package: &OfdPackage, signs: &str) -> String {
    (0..)
        .map(|n| join(signs, &format!("Sign_{n}")))
        .find(|dir| {
            let prefix = format!("{dir}/");
            !package.paths().any(|p| p.starts_with(&prefix))
        })
        .unwrap_or_else(|| join(signs, "Sign_new"))
}

/// `dir/name`, or `name` at the package root.
fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

fn page_ref(
    package: &OfdPackage,
    slot: &DocumentSlot,
    page: usize,
) -> Result<String, OfdSignError> {
    package
        .pages(&slot.root)?
        .into_iter()
        .nth(page)
        .map(|(id, _)| id)
        .filter(|id| !id.is_empty())
        .ok_or(OfdSignError::NoPage(page))
}

fn stamp_annot(id: u64, page: &str, placement: &StampPlacement) -> Result<String, OfdSignError> {
    let StampPlacement {
        x_mm,
        y_mm,
        width_mm,
        height_mm,
        ..
    } = *placement;
    let fine = |v: f64| v.is_finite() && v >= 0.0;
    if !(fine(x_mm) && fine(y_mm) && fine(width_mm) && fine(height_mm))
        || width_mm == 0.0
        || height_mm == 0.0
    {
        return Err(OfdSignError::Placement);
    }
    Ok(format!(
        "<ofd:StampAnnot ID=\"s{id:03}\" PageRef=\"{}\" Boundary=\"{x_mm} {y_mm} {width_mm} {height_mm}\"/>",
        escape(page)
    ))
}

/// Adds `<Signatures>` naming `list_path` at the end of the document's `DocBody` (its last
/// child in GB/T 33190's order).
fn add_signatures_to_ofd_xml(
    package: &mut OfdPackage,
    slot: &DocumentSlot,
    list_path: &str,
) -> Result<(), OfdSignError> {
    let ofd = package.file("OFD.xml")?;
    let end = slot.body_end.ok_or_else(|| OfdError::Xml {
        file: "OFD.xml".into(),
        problem: "an empty DocBody".into(),
    })?;
    let (head, tail) = ofd.split_at(end.min(ofd.len()));
    let prefix = &slot.prefix;
    let element = format!(
        "<{prefix}Signatures>/{}</{prefix}Signatures>",
        escape(list_path)
    );
    let updated = [head, element.as_bytes(), tail].concat();
    package.insert("OFD.xml", updated);
    Ok(())
}
