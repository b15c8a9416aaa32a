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
