//! OFD vectors (`test-vectors/gm/*.ofd`): documents written by `gm::ofd::make_ofd` (one an
//! e-licence with its certificate attached) and signed by `gm::ofd::sign_ofd` — stamped,
//! stamped then signed, and every way to break one. Each also says what ofdrw's validator
//! must answer (`ofd.tsv`, read by `test-vectors/ofdrw-check`): it checks digests and
//! signatures, not trust, so a document whose only fault is an untrusted signer is valid to
//! ofdrw and refused by us.

use std::path::Path;

use yinzheng::gm::ofd::{
    LICENCE_ATTACHMENT, OfdDocumentDraft, OfdLimits, OfdPackage, OfdSignatureDraft, OfdText,
    StampPlacement, licence_draft, make_ofd, sign_ofd,
};
use yinzheng::time::{Date, UnixTime};

use crate::gm::{GmVector, Kit, flip_last};
use crate::kit::{
    Expected, JILIN, Result, TrustEntry, accept, business_licence, jilin_anchor, reject,
    seeded_issuer, write,
};
use yinzheng::crypto::Ed25519SigningKey;

/// Where every stamp goes: the lower right of the first page.
const PLACEMENT: StampPlacement = StampPlacement {
    page: 0,
    x_mm: 140.0,
    y_mm: 230.0,
    width_mm: 40.0,
    height_mm: 40.0,
};

/// A two-page notice, the document the plain OFD vectors stamp.
fn notice() -> Result<Vec<u8>> {
    let line = |y: f64, text: &str| OfdText {
        x_mm: 25.0,
        y_mm: y,
        size_mm: 5.0,
        text: text.into(),
    };
    Ok(make_ofd(&OfdDocumentDraft {
        title: "行政许可决定书（测试）".into(),
        created: Date::new(2026, 10, 1)?,
        pages: vec![
            vec![
                line(40.0, "行政许可决定书（测试）"),
                line(60.0, "申请人：福州示例科技有限公司"),
                line(70.0, "经审查，准予许可。"),
            ],
            vec![line(40.0, "附：许可范围")],
        ],
        attachments: Vec::new(),
    })?)
}

/// `package` with one byte in the middle of `path` flipped.
fn flipped(package: &[u8], path: &str) -> Result<Vec<u8>> {
    let mut read = OfdPackage::read(package, &OfdLimits::default())?;
    let mut file = read
        .get(path)
        .ok_or(format!("{path} is not in the package"))?
        .to_vec();
    let middle = file.len() / 2;
    file[middle] ^= 0x01;
    read.insert(path, file);
    Ok(read.to_zip()?)
}

/// Adds the OFD vectors to `vectors`; returns the agency key the e-licence's certificate is
/// signed with, for the manifest.
pub(crate) fn ofd_vectors(
    dir: &Path,
    kit: &Kit,
    (seal, short_seal): (&[u8], &[u8]),
    signed: UnixTime,
    vectors: &mut Vec<GmVector>,
) -> Result<TrustEntry> {
    let stamp_with = |seal: &[u8], package: &[u8], signer: &str, at: UnixTime| -> Result<Vec<u8>> {
        Ok(sign_ofd(
            package,
            0,
            &OfdSignatureDraft::Stamp {
                seal,
                placement: PLACEMENT,
            },
            at,
            &kit.cert(signer)?,
            &kit.key(signer)?,
            &OfdLimits::default(),
        )?)
    };
    let sign_with = |package: &[u8], signer: &str, at: UnixTime| -> Result<Vec<u8>> {
        Ok(sign_ofd(
            package,
            0,
            &OfdSignatureDraft::Signature,
            at,
            &kit.cert(signer)?,
            &kit.key(signer)?,
            &OfdLimits::default(),
        )?)
    };
    let signer = "sm2-signer";
    let notice = notice()?;
    let stamped = stamp_with(seal, &notice, signer, signed)?;
    let later = signed.saturating_add(3600);
    let countersigned = sign_with(&stamped, signer, later)?;

    let issuer = seeded_issuer(JILIN, "吉林省市场监督管理局（测试）", 0x11, 0x5A)?;
    let issued = issuer.issue(business_licence()?, signed)?;
    let licence = stamp_with(
        seal,
        &make_ofd(&licence_draft(issued.certificate(), issued.as_bytes()))?,
        signer,
        signed,
    )?;

    let mut add = |id: &'static str,
                   description: &'static str,
                   bytes: Vec<u8>,
                   ofdrw: &'static str,
                   expected: Expected|
     -> Result<()> {
        let file = write(dir, &format!("{id}.ofd"), &bytes)?;
        vectors.push(GmVector {
            id,
            description,
            kind: if id.starts_with("licence") {
                "licence"
            } else {
                "ofd"
            },
            file,
            data: None,
            signed_at: None,
            ofdrw: Some(ofdrw),
            expected,
        });
        Ok(())
    };
    add(
        "ofd-stamped",
        "a two-page OFD stamped on page 1 (StampAnnot, Seal.esl, SES_Signature over Signature.xml)",
        stamped.clone(),
        "valid",
        accept(&[], 0),
    )?;
    add(
        "ofd-stamped-then-signed",
        "the stamped OFD signed again with a SignedData (Type=Sign): neither covers the \
         listing, so both stand as made",
        countersigned.clone(),
        "valid",
        accept(&[], 0),
    )?;
    add(
        "licence-stamped",
        "a business licence rendered as an OFD e-licence (face as page text, the signed \
         certificate attached as certificate.cwt) and stamped with the agency's seal",
        licence.clone(),
        "valid",
        accept(&[], 0),
    )?;
    add(
        "ofd-page-altered",
        "one byte of the stamped page's Content.xml changed after stamping",
        flipped(&stamped, "Doc_0/Pages/Page_0/Content.xml")?,
        "invalid",
        reject("references"),
    )?;
    add(
        "ofd-signature-xml-altered",
        "one letter of the stamp's Signature.xml (the Provider's company) changed: still \
         well-formed, but its dataHash no longer matches",
        {
            let mut package = OfdPackage::read(&stamped, &OfdLimits::default())?;
            let path = "Doc_0/Signs/Sign_0/Signature.xml";
            let xml = package.get(path).ok_or("no Signature.xml")?;
            let xml =
                crate::kit::replace_once(xml, b"Company=\"yinzheng\"", b"Company=\"yinzhenh\"")?;
            package.insert(path, xml);
            package.to_zip()?
        },
        "invalid",
        reject("document-digest"),
    )?;
    add(
        "ofd-signed-value-altered",
        "the last byte of the stamp (SignedValue.dat, inside the signature) changed",
        {
            let mut package = OfdPackage::read(&stamped, &OfdLimits::default())?;
            let path = "Doc_0/Signs/Sign_0/SignedValue.dat";
            let value = package.get(path).ok_or("no SignedValue.dat")?.to_vec();
            package.insert(path, flip_last(value));
            package.to_zip()?
        },
        "invalid",
        reject("stamp-signature"),
    )?;
    add(
        "ofd-seal-file-altered",
        "one byte of the package's Seal.esl changed",
        flipped(&stamped, "Doc_0/Signs/Sign_0/Seal.esl")?,
        "invalid",
        reject("references"),
    )?;
    add(
        "ofd-countersigned-page-altered",
        "a page changed after both signatures",
        flipped(&countersigned, "Doc_0/Pages/Page_1/Content.xml")?,
        "invalid",
        reject("references"),
    )?;
    add(
        "licence-attachment-altered",
        "one byte of the e-licence's attached certificate changed",
        flipped(&licence, &format!("Doc_0/Attachs/{LICENCE_ATTACHMENT}"))?,
        "invalid",
        reject("references"),
    )?;
    add(
        "ofd-signer-untrusted",
        "stamped by a signer the seal lists whose certificate chains to an untrusted root",
        stamp_with(seal, &notice, "sm2-signer-other-root", signed)?,
        "valid",
        reject("signer-certificate"),
    )?;
    add(
        "ofd-signed-untrusted",
        "signed (SignedData) by a certificate that chains to an untrusted root",
        sign_with(&notice, "sm2-signer-other-root", signed)?,
        "valid",
        reject("signer-certificate"),
    )?;
    add(
        "ofd-seal-expired",
        "stamped with a seal after its validity ended",
        stamp_with(short_seal, &notice, signer, signed)?,
        "valid",
        reject("seal-validity"),
    )?;
    // ofdrw's expected verdict, and ours (`accept`, or the reason), for checkers without JSON.
    let tsv: String = std::iter::once("id\tfile\tofdrw\tyinzheng\n".to_owned())
        .chain(vectors.iter().filter_map(|v| {
            let ours = v.expected.failed_check.unwrap_or(v.expected.outcome);
            v.ofdrw
                .map(|ofdrw| format!("{}\t{}\t{ofdrw}\t{ours}\n", v.id, v.file))
        }))
        .collect();
    write(dir, "ofd.tsv", tsv.as_bytes())?;
    Ok(jilin_anchor(&Ed25519SigningKey::from_seed(&[0x11; 32])))
}
