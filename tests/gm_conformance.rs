//! National seals made by other implementations (`../shared/conformance/gbt38540/`, from the
//! ofdrw project and vendors' seal systems): our reader and signature checks must agree with
//! the verdicts an independent verifier established for each file.
#![cfg(feature = "gm")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use yinzheng::Limits;
use yinzheng::gm::{Deviation, NationalSeal, SealVersion, SignerList};
use yinzheng::time::UnixTime;
use yinzheng::trust::x509::{ChainError, certificate_key, pem_certificates, validate_chain};
use yinzheng::trust::{Role, Roles, TrustStore};

fn conformance() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/gbt38540");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("SKIPPED: {} is absent", dir.display());
        None
    }
}

fn cert(dir: &std::path::Path, name: &str) -> Vec<u8> {
    let pem = std::fs::read_to_string(dir.join("certs").join(name)).unwrap();
    pem_certificates(&pem).unwrap().remove(0)
}

/// 2021-01-01, inside every ofdrw certificate's and seal's validity.
const IN_2021: UnixTime = UnixTime::from_secs(1_609_459_200);

#[test]
fn ofdrw_seals_decode_and_their_maker_signatures_verify() {
    let Some(dir) = conformance() else { return };
    let maker = cert(&dir, "ofdrw-seal-maker.pem");
    let user = cert(&dir, "ofdrw-user.pem");
    let limits = Limits::default();
    for (file, version, deviations) in [
        ("UserV1.esl", SealVersion::V1, vec![]),
        ("UserV4.esl", SealVersion::V4, vec![]),
        (
            "UserV5.esl",
            SealVersion::V5,
            vec![Deviation::HeaderVersion5],
        ),
    ] {
        let bytes = std::fs::read(dir.join("ofdrw").join(file)).unwrap();
        let seal = NationalSeal::decode(&bytes, &limits).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(seal.version, version, "{file}");
        assert_eq!(seal.deviations, deviations, "{file}");
        assert_eq!(seal.maker_certificate, maker, "{file}");
        assert_eq!(seal.info.picture.kind, "PNG");
        assert_eq!(
            (seal.info.picture.width_mm, seal.info.picture.height_mm),
            (40, 40)
        );
        assert!(seal.info.picture.data.starts_with(b"\x89PNG"), "{file}");
        assert_eq!(
            seal.info.property.signers,
            SignerList::Certificates(vec![user.clone()])
        );
        let key = certificate_key(&seal.maker_certificate).unwrap();
        assert!(seal.maker_signature_verifies(&key), "{file}");
        // The signer's key did not make the seal.
        assert!(
            !seal.maker_signature_verifies(&certificate_key(&user).unwrap()),
            "{file}"
        );
        // One flipped bit in the picture (inside what the maker signed) breaks the signature.
        let mut tampered = bytes.clone();
        tampered[2000] ^= 0x01;
        let tampered = NationalSeal::decode(&tampered, &limits).unwrap();
        assert!(!tampered.maker_signature_verifies(&key), "{file}");
    }
}

#[test]
fn ofdrw_seal_validity_windows() {
    let Some(dir) = conformance() else { return };
    let bytes = std::fs::read(dir.join("ofdrw/UserV4.esl")).unwrap();
    let seal = NationalSeal::decode(&bytes, &Limits::default()).unwrap();
    // 2020-04-22 02:09:00Z .. 2022-04-22 02:09:00Z.
    assert_eq!(
        seal.info.property.valid_from,
        UnixTime::from_secs(1_587_521_340)
    );
    assert_eq!(
        seal.info.property.valid_until,
        UnixTime::from_secs(1_650_593_340)
    );
    assert_eq!(seal.info.es_id, "51f044b76510434e9bc67a1185c2fba5");
    assert_eq!(seal.info.vendor, "OFDR&WTest");
}

#[test]
fn ofdrw_certificates_are_sm2_and_pin_for_their_roles() {
    let Some(dir) = conformance() else { return };
    let root = cert(&dir, "ofdrw-root.pem");
    let maker = cert(&dir, "ofdrw-seal-maker.pem");
    let user = cert(&dir, "ofdrw-user.pem");
    let mut store = TrustStore::new();
    // The ofdrw root is CA:TRUE but its keyUsage lacks keyCertSign: not fit to be a root.
    let refused = store.add_x509_root("ofdrw root", &root, Roles::SEAL_MAKER);
    assert!(refused.is_err(), "{refused:?}");
    store
        .add_pinned_certificate("ofdrw seal maker", &maker, Roles::SEAL_MAKER)
        .unwrap()
        .add_pinned_certificate("ofdrw signer", &user, Roles::STAMP_SIGNER)
        .unwrap();
    let limits = Limits::default();
    let roots = store.x509_roots();
    let ok = validate_chain(&[&maker], roots, Role::SealMaker, IN_2021, &limits).unwrap();
    assert_eq!(ok.anchor, "ofdrw seal maker");
    assert_eq!(ok.leaf_key, certificate_key(&maker).unwrap());
    assert!(ok.leaf_subject.contains("CN=Test Certificate"));
    // The pin is for one role only, and only within the certificate's validity.
    assert_eq!(
        validate_chain(&[&maker], roots, Role::StampSigner, IN_2021, &limits),
        Err(ChainError::RootNotTrustedFor {
            root: "ofdrw seal maker".into(),
            role: Role::StampSigner
        })
    );
    let after = UnixTime::from_secs(1_650_600_000);
    assert!(matches!(
        validate_chain(&[&user], roots, Role::StampSigner, after, &limits),
        Err(ChainError::NotValidAt { index: 0, .. })
    ));
    assert!(validate_chain(&[&user], roots, Role::StampSigner, IN_2021, &limits).is_ok());
    assert_eq!(
        validate_chain(&[&user, &root], roots, Role::StampSigner, IN_2021, &limits)
            .map(|c| c.anchor),
        Ok("ofdrw signer".into()),
        "a pinned leaf is trusted whatever follows it"
    );
    // Without a pin, no trusted root issued the certificate, and the ofdrw root cannot
    // serve as an intermediate either (no keyCertSign).
    let unpinned = cert(&dir, "ofdrw-integrity-signer.pem");
    const IN_2022: UnixTime = UnixTime::from_secs(1_640_995_200);
    assert_eq!(
        validate_chain(&[&unpinned], roots, Role::StampSigner, IN_2022, &limits),
        Err(ChainError::UntrustedRoot)
    );
    assert_eq!(
        validate_chain(
            &[&unpinned, &root],
            roots,
            Role::StampSigner,
            IN_2022,
            &limits
        ),
        Err(ChainError::KeyUsage { index: 1 })
    );
}

/// A verifier trusting the ofdrw hierarchy as the conformance README says: the seal maker's
/// and the signer's certificates, pinned for their roles (the root lacks keyCertSign).
fn ofdrw_verifier(dir: &std::path::Path) -> yinzheng::verify::Verifier {
    let mut trust = TrustStore::new();
    trust
        .add_pinned_certificate(
            "ofdrw seal maker",
            &cert(dir, "ofdrw-seal-maker.pem"),
            Roles::SEAL_MAKER,
        )
        .unwrap()
        .add_pinned_certificate(
            "ofdrw signer",
            &cert(dir, "ofdrw-user.pem"),
            Roles::STAMP_SIGNER,
        )
        .unwrap();
    yinzheng::verify::Verifier::builder(trust).build().unwrap()
}

#[test]
fn ofdrw_seals_verify_with_the_listed_verdicts() {
    use yinzheng::verify::{Check, NationalWarning, VerificationContext, VerifyError};
    let Some(dir) = conformance() else { return };
    let verifier = ofdrw_verifier(&dir);
    let in_2027 = UnixTime::from_secs(1_798_761_600);
    for (file, at, warnings) in [
        ("UserV1.esl", IN_2021, vec![]),
        ("UserV4.esl", IN_2021, vec![]),
        (
            "UserV5.esl",
            in_2027,
            vec![
                NationalWarning::Deviation(Deviation::HeaderVersion5),
                NationalWarning::SealCreatedOutsideMakerCertificate,
            ],
        ),
    ] {
        let bytes = std::fs::read(dir.join("ofdrw").join(file)).unwrap();
        let verified = verifier
            .verify_national_seal(&bytes, &VerificationContext::at(at))
            .unwrap_or_else(|r| panic!("{file}: {}\n{}", r.error(), r.report()));
        assert_eq!(
            verified.report().national_warnings(),
            warnings.as_slice(),
            "{file}"
        );
        assert_eq!(verified.report().trusted_key(), Some("ofdrw seal maker"));
        assert!(
            verified.maker.contains("ofdrw seal maker"),
            "{}",
            verified.maker
        );
        // Outside its validity the same seal is refused for that reason.
        let late = UnixTime::from_secs(at.as_secs() + 3 * 365 * 86_400);
        let refused = verifier
            .verify_national_seal(&bytes, &VerificationContext::at(late))
            .unwrap_err();
        assert_eq!(refused.failed_check(), Check::SealValidity, "{file}");
        // Without the maker pinned, the maker is not trusted.
        let stranger = yinzheng::verify::Verifier::builder({
            let mut t = TrustStore::new();
            t.add_pinned_certificate(
                "signer only",
                &cert(&dir, "ofdrw-user.pem"),
                Roles::SEAL_MAKER,
            )
            .unwrap();
            t
        })
        .build()
        .unwrap();
        let refused = stranger
            .verify_national_seal(&bytes, &VerificationContext::at(at))
            .unwrap_err();
        assert!(
            matches!(
                refused.error(),
                VerifyError::SealMakerChain(ChainError::UntrustedRoot)
            ),
            "{file}: {}",
            refused.error()
        );
    }
}

fn ofd_verdict(dir: &std::path::Path, file: &str, at: UnixTime) -> yinzheng::verify::OfdVerdict {
    use yinzheng::gm::ofd::OfdLimits;
    use yinzheng::verify::VerificationContext;
    let bytes = std::fs::read(dir.join(file)).unwrap();
    ofdrw_verifier(dir)
        .verify_ofd(&bytes, &OfdLimits::default(), &VerificationContext::at(at))
        .unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// 2026-12-01: after every ofdrw certificate expired, as a verifier today.
const TODAY: UnixTime = UnixTime::from_secs(1_795_910_400);

#[test]
fn ofdrw_stamped_documents_get_the_listed_verdicts() {
    use yinzheng::verify::{Check, OfdOutcome, OfdSigned};
    let Some(dir) = conformance() else { return };
    for file in ["ofdrw/V4RideRight.ofd", "ofdrw/allprotected.ofd"] {
        let verdict = ofd_verdict(&dir, file, TODAY);
        assert_eq!(verdict.signatures.len(), 1, "{file}");
        let OfdOutcome::Valid(signed) = &verdict.signatures[0].outcome else {
            panic!("{file}: {:?}", verdict.signatures[0].outcome);
        };
        let OfdSigned::Stamp(stamp) = signed.as_ref() else {
            panic!("{file}: {signed:?}");
        };
        assert!(verdict.integrity.is_none());
        assert!(verdict.is_valid());
        assert_eq!(stamp.property_info, "/Doc_0/Signs/Sign_0/Signature.xml");
        assert_eq!(stamp.seal.seal.info.picture.kind, "PNG");
        assert_eq!(stamp.report().trusted_key(), Some("ofdrw signer"));
    }
    // Signed 2026-08-04, outside the seal's validity (2020-04-22 .. 2022-04-22).
    let verdict = ofd_verdict(&dir, "ofdrw/SESV4SignDoc.ofd", TODAY);
    let OfdOutcome::Rejected(rejected) = &verdict.signatures[0].outcome else {
        panic!("{:?}", verdict.signatures[0].outcome);
    };
    assert_eq!(
        rejected.failed_check(),
        Check::SealValidity,
        "{}",
        rejected.error()
    );
    assert!(!verdict.is_valid());
    // Two stamps: s007 valid; s001 valid but its listing changed by s007.
    let verdict = ofd_verdict(&dir, "ofdrw/h.ofd", TODAY);
    let outcomes: Vec<_> = verdict
        .signatures
        .iter()
        .map(|s| (s.entry.id.as_str(), &s.outcome))
        .collect();
    assert!(
        matches!(
            outcomes.as_slice(),
            [
                ("s001", OfdOutcome::ChangedByLaterSignature(_)),
                ("s007", OfdOutcome::Valid(_))
            ]
        ),
        "{outcomes:?}"
    );
    assert!(verdict.is_valid());
}

/// The package `bytes` with one byte of `path` flipped, rewritten by the `zip` crate.
/// The package with each entry replaced by what `entry` makes of it (nothing, to remove
/// it), and `extra` appended.
fn rewrite_zip(
    bytes: &[u8],
    mut entry: impl FnMut(&str, &[u8]) -> Vec<(String, Vec<u8>)>,
    extra: Option<(&str, &[u8])>,
) -> Vec<u8> {
    use std::io::{Read as _, Write as _};
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let mut entries = Vec::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let name = file.name().unwrap().into_owned();
        let mut content = Vec::new();
        file.read_to_end(&mut content).unwrap();
        entries.extend(entry(&name, &content));
    }
    entries.extend(extra.map(|(n, d)| (n.to_owned(), d.to_vec())));
    for (name, content) in entries {
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&content).unwrap();
    }
    out.finish().unwrap().into_inner()
}

fn with_flipped_byte(bytes: &[u8], path: &str) -> Vec<u8> {
    rewrite_zip(
        bytes,
        |name, data| {
            let mut content = data.to_vec();
            if name == path {
                let middle = content.len() / 2;
                content[middle] ^= 0x01;
            }
            vec![(name.to_owned(), content)]
        },
        None,
    )
}

#[test]
fn a_changed_byte_in_any_signed_file_is_caught() {
    use yinzheng::gm::ofd::OfdLimits;
    use yinzheng::verify::{Check, OfdOutcome, VerificationContext};
    let Some(dir) = conformance() else { return };
    let bytes = std::fs::read(dir.join("ofdrw/V4RideRight.ofd")).unwrap();
    let verifier = ofdrw_verifier(&dir);
    let verify = |bytes: &[u8]| {
        verifier.verify_ofd(
            bytes,
            &OfdLimits::default(),
            &VerificationContext::at(TODAY),
        )
    };
    let verdict = |bytes: &[u8]| verify(bytes).unwrap();
    // Rewritten unchanged, the package still verifies (the ZIP layout is not signed).
    assert!(verdict(&with_flipped_byte(&bytes, "none")).is_valid());
    for covered in [
        "Doc_0/Document.xml",
        "Doc_0/Pages/Page_2/Content.xml",
        "Doc_0/Signs/Sign_0/Seal.esl",
    ] {
        let v = verdict(&with_flipped_byte(&bytes, covered));
        assert!(
            matches!(&v.signatures[0].outcome, OfdOutcome::ReferencesChanged(files) if files == &[covered.to_owned()]),
            "{covered}: {:?}",
            v.signatures[0].outcome
        );
    }
    // A changed OFD.xml no longer leads to the signatures (here it is no longer XML).
    assert!(verify(&with_flipped_byte(&bytes, "OFD.xml")).is_err());
    // Signature.xml is covered by the stamp's dataHash; SignedValue.dat by its signatures.
    let v = verdict(&with_flipped_byte(
        &bytes,
        "Doc_0/Signs/Sign_0/Signature.xml",
    ));
    assert!(!v.is_valid(), "{:?}", v.signatures[0].outcome);
    let v = verdict(&with_flipped_byte(
        &bytes,
        "Doc_0/Signs/Sign_0/SignedValue.dat",
    ));
    match &v.signatures[0].outcome {
        OfdOutcome::Rejected(r) => assert_ne!(r.failed_check(), Check::SignerCertificate),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_document_changed_after_signing_is_refused_naming_the_files() {
    use yinzheng::verify::OfdOutcome;
    let Some(dir) = conformance() else { return };
    // The vendor file changed after signing is refused, naming the three files.
    let verdict = ofd_verdict(&dir, "vendor/shandong-seal-modified.ofd", TODAY);
    let mut changed: Vec<String> = verdict
        .signatures
        .iter()
        .filter_map(|s| match &s.outcome {
            OfdOutcome::ReferencesChanged(files) => Some(files.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    changed.sort();
    changed.dedup();
    assert_eq!(
        changed,
        [
            "Doc_0/Document.xml",
            "Doc_0/Pages/Page_0/Content.xml",
            "OFD.xml"
        ],
        "{:?}",
        verdict.signatures
    );
    assert!(!verdict.is_valid());
}

#[test]
fn vendor_stamps_verify_but_chain_to_roots_not_held() {
    use yinzheng::verify::{Check, NationalWarning, OfdOutcome, Outcome, VerifyError};
    let Some(dir) = conformance() else { return };
    let verdict = ofd_verdict(&dir, "vendor/tax-bureau-seal.ofd", TODAY);
    let [signature] = verdict.signatures.as_slice() else {
        panic!("{verdict:?}")
    };
    let OfdOutcome::Rejected(rejected) = &signature.outcome else {
        panic!("{:?}", signature.outcome);
    };
    // Structure, references and the signer's signature hold; the maker's signature holds and
    // only its chain leads to a root we do not hold.
    let report = rejected.report();
    assert_eq!(
        report.outcome(Check::StampSignature),
        Some(&Outcome::Passed)
    );
    assert_eq!(
        report.outcome(Check::SealAuthorisation),
        Some(&Outcome::Passed)
    );
    assert!(
        matches!(
            rejected.error(),
            VerifyError::SealMakerChain(ChainError::UntrustedRoot)
        ),
        "{}",
        rejected.error()
    );
    let warnings = report.national_warnings();
    for expected in [
        Deviation::ExplicitDefaultCritical,
        Deviation::LowercasePictureType,
        Deviation::AlgorithmWithNullParameters,
    ] {
        assert!(
            warnings.contains(&NationalWarning::Deviation(expected)),
            "{warnings:?}"
        );
    }
}

/// [`ofdrw_verifier`] with one more certificate pinned for signing documents.
fn verifier_pinning(dir: &std::path::Path, extra: Option<&str>) -> yinzheng::verify::Verifier {
    let mut trust = TrustStore::new();
    trust
        .add_pinned_certificate(
            "ofdrw seal maker",
            &cert(dir, "ofdrw-seal-maker.pem"),
            Roles::SEAL_MAKER,
        )
        .unwrap();
    if let Some(name) = extra {
        trust
            .add_pinned_certificate(name, &cert(dir, name), Roles::STAMP_SIGNER)
            .unwrap();
    }
    yinzheng::verify::Verifier::builder(trust).build().unwrap()
}

fn verdict_with(
    verifier: &yinzheng::verify::Verifier,
    path: &std::path::Path,
) -> yinzheng::verify::OfdVerdict {
    use yinzheng::gm::ofd::OfdLimits;
    use yinzheng::verify::VerificationContext;
    verifier
        .verify_ofd(
            &std::fs::read(path).unwrap(),
            &OfdLimits::default(),
            &VerificationContext::at(TODAY),
        )
        .unwrap()
}

#[test]
fn a_bare_signature_verifies_with_the_signer_certificate_the_caller_pins() {
    use yinzheng::verify::{Check, OfdOutcome, OfdSigned, SignatureForm, VerifyError};
    let Some(dir) = conformance() else { return };
    let file = dir.join("ofdrw/DigitalSign.ofd");
    // With the signer's certificate pinned for signing: valid, signed 2020-04-22 16:22:44
    // Beijing time (inside the certificate's validity, checked at that time).
    let verdict = verdict_with(&verifier_pinning(&dir, Some("ofdrw-user.pem")), &file);
    let [signature] = verdict.signatures.as_slice() else {
        panic!("{verdict:?}")
    };
    let OfdOutcome::Valid(signed) = &signature.outcome else {
        panic!("{:?}", signature.outcome)
    };
    let OfdSigned::Signature(verified) = signed.as_ref() else {
        panic!("{signed:?}")
    };
    assert_eq!(verified.form, SignatureForm::Bare);
    assert_eq!(verified.signed_at, UnixTime::from_secs(1_587_543_764));
    assert_eq!(verified.signer_certificate, cert(&dir, "ofdrw-user.pem"));
    assert_eq!(verified.report().trusted_key(), Some("ofdrw-user.pem"));
    assert!(verdict.is_valid());
    // Without it (or with another certificate pinned), unverifiable and not valid.
    for extra in [None, Some("ofdrw-integrity-signer.pem")] {
        let verdict = verdict_with(&verifier_pinning(&dir, extra), &file);
        let OfdOutcome::Rejected(rejected) = &verdict.signatures[0].outcome else {
            panic!("{:?}", verdict.signatures[0].outcome)
        };
        assert_eq!(rejected.error(), &VerifyError::NoSignerCertificate);
        assert_eq!(rejected.failed_check(), Check::StampSignature);
        assert!(!verdict.is_valid());
    }
}

/// `verifier`'s verdict on the package `bytes` as of [`TODAY`].
fn today(verifier: &yinzheng::verify::Verifier, bytes: &[u8]) -> yinzheng::verify::OfdVerdict {
    verifier
        .verify_ofd(
            bytes,
            &yinzheng::gm::ofd::OfdLimits::default(),
            &yinzheng::verify::VerificationContext::at(TODAY),
        )
        .unwrap()
}

#[test]
fn an_integrity_list_signed_as_signed_data_verifies_and_catches_smuggled_files() {
    use yinzheng::verify::{IntegrityOutcome, SignatureForm, VerifyError};
    let Some(dir) = conformance() else { return };
    let file = dir.join("ofdrw/hello-integrity.ofd");
    let pinned = verifier_pinning(&dir, Some("ofdrw-integrity-signer.pem"));
    let verdict = verdict_with(&pinned, &file);
    assert!(verdict.signatures.is_empty());
    let Some(IntegrityOutcome::Valid(verified)) = &verdict.integrity else {
        panic!("{:?}", verdict.integrity)
    };
    assert_eq!(verified.form, SignatureForm::SignedData);
    // CreationDate 2023-03-21, inside the signer certificate's validity (2021-07 .. 2023-07).
    assert_eq!(verified.signed_at, UnixTime::from_secs(1_679_328_000));
    // A list proves nothing was smuggled in, not that nothing changed: alone, no verdict of
    // valid.
    assert!(!verdict.is_valid());
    // The certificate travels in the SignedData, but it is trusted only when pinned.
    let verdict = verdict_with(&verifier_pinning(&dir, None), &file);
    let Some(IntegrityOutcome::Rejected(rejected)) = &verdict.integrity else {
        panic!("{:?}", verdict.integrity)
    };
    assert!(
        matches!(
            rejected.error(),
            VerifyError::SignerChain(ChainError::UntrustedRoot)
        ),
        "{}",
        rejected.error()
    );
    assert!(!verdict.is_valid());
    // A file smuggled into the package is found; a listed file taken out is missing.
    let bytes = std::fs::read(&file).unwrap();
    let smuggled = rewrite_zip(
        &bytes,
        |name, data| vec![(name.to_owned(), data.to_vec())],
        Some(("Doc_0/extra.xml", b"<x/>")),
    );
    let verdict = today(&pinned, &smuggled);
    assert!(
        matches!(&verdict.integrity, Some(IntegrityOutcome::Unlisted(files)) if files == &["Doc_0/extra.xml"]),
        "{:?}",
        verdict.integrity
    );
    assert!(!verdict.is_valid());
    let removed = rewrite_zip(
        &bytes,
        |name, data| {
            if name == "Doc_0/PublicRes.xml" {
                vec![]
            } else {
                vec![(name.to_owned(), data.to_vec())]
            }
        },
        None,
    );
    let verdict = today(&pinned, &removed);
    assert!(
        matches!(&verdict.integrity, Some(IntegrityOutcome::Missing(files)) if files == &["Doc_0/PublicRes.xml"]),
        "{:?}",
        verdict.integrity
    );
    // A changed list no longer matches its signature.
    let changed = rewrite_zip(
        &bytes,
        |name, data| {
            let data = if name == "OFDEntries.xml" {
                String::from_utf8(data.to_vec())
                    .unwrap()
                    .replace("2023-03-21", "2023-03-22")
                    .into_bytes()
            } else {
                data.to_vec()
            };
            vec![(name.to_owned(), data)]
        },
        None,
    );
    let verdict = today(&pinned, &changed);
    let Some(IntegrityOutcome::Rejected(rejected)) = &verdict.integrity else {
        panic!("{:?}", verdict.integrity)
    };
    assert_eq!(rejected.error(), &VerifyError::DocumentMismatch);
}

#[test]
fn the_vendor_signed_data_signature_verifies_but_the_files_it_covers_changed() {
    use yinzheng::gm::ofd::SignatureKind;
    use yinzheng::verify::OfdOutcome;
    let Some(dir) = conformance() else { return };
    // The shandong file's second signature is a SignedData with raw r||s: it verifies
    // (a verifier pinning its signer accepts the value), and its references catch the change.
    let bytes = std::fs::read(dir.join("vendor/shandong-seal-modified.ofd")).unwrap();
    let package =
        yinzheng::gm::ofd::OfdPackage::read(&bytes, &yinzheng::gm::ofd::OfdLimits::default())
            .unwrap();
    let value = package.get("Doc_0/Signs/Sign_3/SignedValue.dat").unwrap();
    let signed = package.get("Doc_0/Signs/Sign_3/Signature.xml").unwrap();
    let data = yinzheng::gm::SignedData::decode(value, &Limits::default()).unwrap();
    assert_eq!(data.deviations, vec![Deviation::RawSignature]);
    let signer_cert = data.certificate_of(&data.signers[0]).unwrap().to_vec();
    let mut trust = TrustStore::new();
    trust
        .add_pinned_certificate("shandong signer", &signer_cert, Roles::STAMP_SIGNER)
        .unwrap();
    let verifier = yinzheng::verify::Verifier::builder(trust).build().unwrap();
    let signed_at = yinzheng::gm::ofd::signature_time("2020-06-20 17:18:49");
    let verified = verifier
        .verify_ofd_signed_value(
            value,
            signed,
            signed_at,
            &yinzheng::verify::VerificationContext::at(TODAY),
        )
        .unwrap_or_else(|r| panic!("{}\n{}", r.error(), r.report()));
    assert_eq!(verified.report().trusted_key(), Some("shandong signer"));
    // Over any other file, the content digest does not match.
    assert!(
        verifier
            .verify_ofd_signed_value(
                value,
                b"<other/>",
                signed_at,
                &yinzheng::verify::VerificationContext::at(TODAY),
            )
            .is_err()
    );
    let verdict = ofd_verdict(&dir, "vendor/shandong-seal-modified.ofd", TODAY);
    let sign = verdict
        .signatures
        .iter()
        .find(|s| s.entry.kind == SignatureKind::Sign)
        .unwrap();
    assert!(
        matches!(&sign.outcome, OfdOutcome::ReferencesChanged(files) if files.len() == 3),
        "{:?}",
        sign.outcome
    );
}
