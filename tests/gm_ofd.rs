//! OFD documents we write and sign: a document made by `make_ofd`, stamped and signed by
//! `sign_ofd` under the vectors' SM2 certificates, verifies signature by signature; each later
//! signature leaves the earlier ones standing (changed by a later signature); a changed byte
//! in any file is refused; and ofdrw's own stamped document takes our stamp beside its own.
#![cfg(feature = "gm")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use yinzheng::crypto::Sm2SigningKey;
use yinzheng::gm::ofd::{
    OfdAttachment, OfdDocumentDraft, OfdLimits, OfdPackage, OfdSignError, OfdSignatureDraft,
    OfdText, StampPlacement, make_ofd, sign_ofd,
};
use yinzheng::gm::{SealDraft, SealPicture, SealProperty, SignerList, make_seal};
use yinzheng::time::{Date, UnixTime};
use yinzheng::trust::x509::pem_certificates;
use yinzheng::trust::{Roles, TrustStore};
use yinzheng::verify::{OfdOutcome, OfdSigned, OfdVerdict, VerificationContext, Verifier};

/// 2026-06-01 and 2026-07-01 (inside the vector certificates' validity).
const SIGNED: UnixTime = UnixTime::from_secs(1_780_272_000);
const LATER: UnixTime = UnixTime::from_secs(1_782_864_000);
const NOW: UnixTime = UnixTime::from_secs(1_785_542_400);

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("test-vectors/gm")
}

fn cert(name: &str) -> Vec<u8> {
    let pem = std::fs::read_to_string(vectors().join(format!("{name}.pem"))).unwrap();
    pem_certificates(&pem).unwrap().remove(0)
}

/// The vector certificates' keys, from the scalars their specs give the generator.
fn key(seed: u8) -> Sm2SigningKey {
    Sm2SigningKey::from_bytes(&[seed; 32]).unwrap()
}

fn signer_key() -> Sm2SigningKey {
    key(0x73)
}

/// Trusting the vectors' SM2 root for making seals and for stamping.
fn sm2_trust() -> TrustStore {
    let mut trust = TrustStore::new();
    trust
        .add_x509_root(
            "sm2-root",
            &cert("sm2-root"),
            Roles::SEAL_MAKER | Roles::STAMP_SIGNER,
        )
        .unwrap();
    trust
}

fn verifier() -> Verifier {
    Verifier::builder(sm2_trust()).build().unwrap()
}

fn seal() -> Vec<u8> {
    let draft = SealDraft {
        vendor: "yinzheng".into(),
        es_id: "22010000000000000001".into(),
        property: SealProperty {
            seal_type: 1,
            name: "吉林省市场监督管理局业务专用章（测试）".into(),
            signers: SignerList::Certificates(vec![cert("sm2-signer")]),
            created: UnixTime::from_secs(1_735_689_600),
            valid_from: UnixTime::from_secs(1_735_689_600),
            valid_until: UnixTime::from_secs(1_830_297_600),
        },
        picture: SealPicture {
            kind: "PNG".into(),
            data: b"\x89PNG\r\n\x1a\n picture".to_vec(),
            width_mm: 40,
            height_mm: 40,
        },
        extensions: Vec::new(),
    };
    make_seal(&draft, &cert("sm2-maker"), &key(0x72)).unwrap()
}

fn document() -> Vec<u8> {
    let line = |y: f64, text: &str| OfdText {
        x_mm: 25.0,
        y_mm: y,
        size_mm: 5.0,
        text: text.into(),
    };
    make_ofd(&OfdDocumentDraft {
        title: "营业执照 <测试> & 样例".into(),
        created: Date::new(2026, 6, 1).unwrap(),
        pages: vec![
            vec![
                line(40.0, "营业执照"),
                line(60.0, "名称：吉林省测试有限公司"),
            ],
            vec![line(40.0, "第二页")],
        ],
        attachments: vec![OfdAttachment {
            name: "certificate.cwt".into(),
            format: "cwt".into(),
            bytes: vec![0xD2, 0x84, 0x43],
        }],
    })
    .unwrap()
}

fn stamp_on(page: usize) -> OfdSignatureDraft<'static> {
    let seal: &'static [u8] = Box::leak(seal().into_boxed_slice());
    OfdSignatureDraft::Stamp {
        seal,
        placement: StampPlacement {
            page,
            x_mm: 140.0,
            y_mm: 230.0,
            width_mm: 40.0,
            height_mm: 40.0,
        },
    }
}

fn sign(package: &[u8], draft: &OfdSignatureDraft<'_>, at: UnixTime) -> Vec<u8> {
    sign_ofd(
        package,
        0,
        draft,
        at,
        &cert("sm2-signer"),
        &signer_key(),
        &OfdLimits::default(),
    )
    .unwrap()
}

fn verdict(verifier: &Verifier, package: &[u8]) -> OfdVerdict {
    verifier
        .verify_ofd(
            package,
            &OfdLimits::default(),
            &VerificationContext::at(NOW),
        )
        .unwrap()
}

#[test]
fn a_document_we_write_reads_back_and_is_not_valid_unsigned() {
    let bytes = document();
    assert_eq!(bytes, document(), "deterministic");
    let package = OfdPackage::read(&bytes, &OfdLimits::default()).unwrap();
    let paths: Vec<&str> = package.paths().collect();
    assert_eq!(
        paths,
        [
            "Doc_0/Attachs/Attachments.xml",
            "Doc_0/Attachs/certificate.cwt",
            "Doc_0/Document.xml",
            "Doc_0/Pages/Page_0/Content.xml",
            "Doc_0/Pages/Page_1/Content.xml",
            "Doc_0/PublicRes.xml",
            "OFD.xml"
        ]
    );
    let ofd = String::from_utf8(package.get("OFD.xml").unwrap().to_vec()).unwrap();
    assert!(
        ofd.contains("<ofd:Title>营业执照 &lt;测试&gt; &amp; 样例</ofd:Title>"),
        "{ofd}"
    );
    let verdict = verdict(&verifier(), &bytes);
    assert!(verdict.signatures.is_empty() && !verdict.is_valid());
}

#[test]
fn stamps_and_signatures_we_add_verify_and_keep_earlier_ones_standing() {
    let verifier = verifier();
    let stamped = sign(&document(), &stamp_on(1), SIGNED);
    assert_eq!(
        stamped,
        sign(&document(), &stamp_on(1), SIGNED),
        "deterministic"
    );
    let first = verdict(&verifier, &stamped);
    let [only] = first.signatures.as_slice() else {
        panic!("{first:?}")
    };
    let OfdOutcome::Valid(signed) = &only.outcome else {
        panic!("{:?}", only.outcome)
    };
    let OfdSigned::Stamp(stamp) = signed.as_ref() else {
        panic!("{signed:?}")
    };
    assert_eq!(stamp.signed_at, SIGNED);
    assert_eq!(stamp.property_info, "/Doc_0/Signs/Sign_0/Signature.xml");
    assert!(first.is_valid());

    // A digital signature, then another stamp: the listing is not among what a signature
    // covers (as ofdrw's continuing signatures), so every one stays valid as it was.
    let signed = sign(&stamped, &OfdSignatureDraft::Signature, LATER);
    let restamped = sign(&signed, &stamp_on(0), LATER);
    let verdict = verdict(&verifier, &restamped);
    let outcomes: Vec<_> = verdict
        .signatures
        .iter()
        .map(|s| (s.entry.id.as_str(), s.entry.location.as_str(), &s.outcome))
        .collect();
    assert!(
        matches!(
            outcomes.as_slice(),
            [
                (
                    "s001",
                    "Doc_0/Signs/Sign_0/Signature.xml",
                    OfdOutcome::Valid(_)
                ),
                (
                    "s003",
                    "Doc_0/Signs/Sign_1/Signature.xml",
                    OfdOutcome::Valid(_)
                ),
                (
                    "s005",
                    "Doc_0/Signs/Sign_2/Signature.xml",
                    OfdOutcome::Valid(_)
                ),
            ]
        ),
        "{outcomes:#?}"
    );
    assert!(matches!(
        &verdict.signatures[1].outcome,
        OfdOutcome::Valid(s) if matches!(s.as_ref(), OfdSigned::Signature(_))
    ));
    assert!(verdict.is_valid());
}

/// The package with one byte of `path` flipped.
fn with_flipped_byte(bytes: &[u8], path: &str) -> Vec<u8> {
    let mut package = OfdPackage::read(bytes, &OfdLimits::default()).unwrap();
    let mut file = package.get(path).unwrap().to_vec();
    let middle = file.len() / 2;
    file[middle] ^= 0x01;
    package.insert(path, file);
    package.to_zip().unwrap()
}

#[test]
fn a_changed_byte_in_any_file_of_a_stamped_document_is_refused() {
    let verifier = verifier();
    let signed = sign(
        &sign(&document(), &stamp_on(0), SIGNED),
        &OfdSignatureDraft::Signature,
        LATER,
    );
    assert!(verdict(&verifier, &signed).is_valid());
    let package = OfdPackage::read(&signed, &OfdLimits::default()).unwrap();
    for path in package.paths() {
        let changed = with_flipped_byte(&signed, path);
        let verdict = verifier.verify_ofd(
            &changed,
            &OfdLimits::default(),
            &VerificationContext::at(NOW),
        );
        assert!(
            verdict.as_ref().map_or(true, |v| !v.is_valid()),
            "{path} changed and still valid: {verdict:?}"
        );
    }
    // The listing is not covered: the change makes no signature valid that was not.
}

#[test]
fn what_cannot_be_signed_is_refused_with_the_reason() {
    let doc = document();
    let limits = OfdLimits::default();
    let attempt = |document: usize, draft: &OfdSignatureDraft<'_>| {
        sign_ofd(
            &doc,
            document,
            draft,
            SIGNED,
            &cert("sm2-signer"),
            &signer_key(),
            &limits,
        )
    };
    assert!(matches!(
        attempt(1, &OfdSignatureDraft::Signature),
        Err(OfdSignError::NoDocument(1))
    ));
    assert!(matches!(
        attempt(0, &stamp_on(2)),
        Err(OfdSignError::NoPage(2))
    ));
    let OfdSignatureDraft::Stamp { seal, .. } = stamp_on(0) else {
        unreachable!()
    };
    for bad in [f64::NAN, -1.0, f64::INFINITY] {
        let draft = OfdSignatureDraft::Stamp {
            seal,
            placement: StampPlacement {
                page: 0,
                x_mm: bad,
                y_mm: 0.0,
                width_mm: 40.0,
                height_mm: 40.0,
            },
        };
        assert!(matches!(attempt(0, &draft), Err(OfdSignError::Placement)));
    }
    // The seal must list the signer: an unlisted signer's stamp is made, and refused when
    // verified (the maker, not the stamper, decides who may stamp).
    let unlisted = sign_ofd(
        &doc,
        0,
        &stamp_on(0),
        SIGNED,
        &cert("sm2-signer-unlisted"),
        &key(0x74),
        &limits,
    )
    .unwrap();
    assert!(!verdict(&verifier(), &unlisted).is_valid());
    // A key that is not the certificate's makes a stamp whose signature does not verify.
    let wrong_key = sign_ofd(
        &doc,
        0,
        &OfdSignatureDraft::Signature,
        SIGNED,
        &cert("sm2-signer"),
        &key(0x74),
        &limits,
    )
    .unwrap();
    assert!(!verdict(&verifier(), &wrong_key).is_valid());
    // A listing that cannot take an entry: an empty root, or ids exhausted.
    let stamped = sign(&doc, &OfdSignatureDraft::Signature, SIGNED);
    for listing in [
        r#"<ofd:Signatures xmlns:ofd="http://www.ofdspec.org/2016"/>"#,
        r#"<ofd:Signatures xmlns:ofd="http://www.ofdspec.org/2016"><ofd:MaxSignId>s18446744073709551615</ofd:MaxSignId></ofd:Signatures>"#,
    ] {
        let mut package = OfdPackage::read(&stamped, &limits).unwrap();
        package.insert("Doc_0/Signs/Signatures.xml", listing.as_bytes().to_vec());
        let result = sign_ofd(
            &package.to_zip().unwrap(),
            0,
            &OfdSignatureDraft::Signature,
            SIGNED,
            &cert("sm2-signer"),
            &signer_key(),
            &limits,
        );
        assert!(
            matches!(result, Err(OfdSignError::Listing(_))),
            "{listing}: {result:?}"
        );
    }
    // Not a ZIP.
    assert!(matches!(
        sign_ofd(
            b"not a zip",
            0,
            &OfdSignatureDraft::Signature,
            SIGNED,
            &cert("sm2-signer"),
            &signer_key(),
            &limits
        ),
        Err(OfdSignError::Package(_))
    ));
}

#[test]
fn ofdrw_document_takes_our_stamp_beside_its_own() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/gbt38540");
    if !dir.is_dir() {
        eprintln!("SKIPPED: {} is absent", dir.display());
        return;
    }
    let pinned = |name: &str| {
        let pem = std::fs::read_to_string(dir.join("certs").join(name)).unwrap();
        pem_certificates(&pem).unwrap().remove(0)
    };
    let mut trust = sm2_trust();
    trust
        .add_pinned_certificate(
            "ofdrw maker",
            &pinned("ofdrw-seal-maker.pem"),
            Roles::SEAL_MAKER,
        )
        .unwrap()
        .add_pinned_certificate(
            "ofdrw signer",
            &pinned("ofdrw-user.pem"),
            Roles::STAMP_SIGNER,
        )
        .unwrap();
    let verifier = Verifier::builder(trust).build().unwrap();
    let theirs = std::fs::read(dir.join("ofdrw/V4RideRight.ofd")).unwrap();
    let both = sign(&theirs, &stamp_on(4), SIGNED);
    let verdict = verdict(&verifier, &both);
    let outcomes: Vec<_> = verdict.signatures.iter().map(|s| &s.outcome).collect();
    assert!(
        matches!(
            outcomes.as_slice(),
            [OfdOutcome::ChangedByLaterSignature(_), OfdOutcome::Valid(_)]
        ),
        "{outcomes:#?}"
    );
    assert!(verdict.is_valid());
}

#[test]
fn a_certificate_rendered_as_an_e_licence_and_stamped_verifies_with_its_data() {
    use yinzheng::crypto::{Ed25519SigningKey, Signer as _};
    use yinzheng::gm::ofd::{LICENCE_ATTACHMENT, licence_draft};
    use yinzheng::issue::{CertificateBuilder, Issuer};
    use yinzheng::model::{Agency, CertificateType, Holder, Uscc, Validity};
    use yinzheng::verify::OfdLicenceError;

    let agency = Agency::new("吉林省市场监督管理局（测试）", "11220000013544541J").unwrap();
    let key = Ed25519SigningKey::from_seed(&[0x42; 32]);
    let public = key.public_key();
    let company = Uscc::parse("91350100M000100Y43").unwrap();
    let issued_on = Date::new(2026, 6, 1).unwrap();
    let issued = Issuer::new(agency.clone(), key)
        .issue(
            CertificateBuilder::new(
                CertificateType::new("11100000MB0341032Y002", "营业执照").unwrap(),
                company.as_str(),
                Holder::organisation("福州示例科技有限公司", &company),
                issued_on,
                Validity::long_term(issued_on),
            )
            .field(
                "住所",
                "吉林省长春市示例路1号，一个足够长、要换行的地址：第二行在这里继续写下去",
            )
            .field("法定代表人", "林示例"),
            SIGNED,
        )
        .unwrap();
    let draft = licence_draft(issued.certificate(), issued.as_bytes());
    let face: Vec<&str> = draft.pages[0].iter().map(|t| t.text.as_str()).collect();
    assert_eq!(face[0], "营业执照");
    assert!(face.contains(&"持证主体：福州示例科技有限公司"), "{face:?}");
    assert!(
        face.iter().any(|l| l.starts_with("住所：吉林省")),
        "{face:?}"
    );
    let unsigned = make_ofd(&draft).unwrap();
    let licence = sign(&unsigned, &stamp_on(0), SIGNED);

    let mut trust = sm2_trust();
    trust
        .add_agency_key("agency", agency.code.clone(), public, Roles::ISSUER)
        .unwrap();
    let verifier = Verifier::builder(trust).build().unwrap();
    let ctx = VerificationContext::at(NOW);
    let limits = OfdLimits::default();
    let verified = verifier
        .verify_ofd_licence(&licence, &limits, &ctx)
        .unwrap();
    assert_eq!(verified.certificate.holder.name, "福州示例科技有限公司");
    assert!(verified.document.is_valid());
    // Unstamped, or with the attachment changed, or stamped before the certificate was
    // attached, it is refused for that reason.
    assert!(matches!(
        verifier.verify_ofd_licence(&unsigned, &limits, &ctx),
        Err(OfdLicenceError::NotValid(_))
    ));
    let path = format!("Doc_0/Attachs/{LICENCE_ATTACHMENT}");
    assert!(matches!(
        verifier.verify_ofd_licence(&with_flipped_byte(&licence, &path), &limits, &ctx),
        Err(OfdLicenceError::NotValid(_))
    ));
    let mut bare = draft.clone();
    bare.attachments.clear();
    let stamped_bare = sign(&make_ofd(&bare).unwrap(), &stamp_on(0), SIGNED);
    assert!(matches!(
        verifier.verify_ofd_licence(&stamped_bare, &limits, &ctx),
        Err(OfdLicenceError::NoCertificate)
    ));
    // A verifier that does not trust the agency's key refuses the attached certificate.
    let stranger = Verifier::builder(sm2_trust()).build().unwrap();
    assert!(matches!(
        stranger.verify_ofd_licence(&licence, &limits, &ctx),
        Err(OfdLicenceError::Certificate(_))
    ));
}
