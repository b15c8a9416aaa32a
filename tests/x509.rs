//! X.509 path validation against the chains `make_x509.py` (Python `cryptography`) made:
//! each failure class gives its own typed error, and PEM roots load.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use yinzheng::Limits;
use yinzheng::model::Uscc;
use yinzheng::time::UnixTime;
use yinzheng::trust::x509::{X509Anchor, validate_chain};
use yinzheng::trust::{ChainError, TrustError, TrustStore};

fn cert(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("test-vectors/x509/{name}.der"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn roots() -> Vec<X509Anchor> {
    vec![
        X509Anchor::from_der("root", &cert("root")).unwrap(),
        X509Anchor::from_der("root-p256", &cert("root-p256")).unwrap(),
    ]
}

/// 2026-10-22, inside every leaf's validity.
const AT: UnixTime = UnixTime::from_secs(1_792_620_000);

fn validate(names: &[&str]) -> Result<yinzheng::trust::ValidatedChain, ChainError> {
    let ders: Vec<Vec<u8>> = names.iter().map(|n| cert(n)).collect();
    let refs: Vec<&[u8]> = ders.iter().map(Vec::as_slice).collect();
    validate_chain(&refs, &roots(), AT, &Limits::default())
}

#[test]
fn valid_chains_certify_the_leaf_key_and_agency() {
    let chain = validate(&["leaf", "intermediate"]).unwrap();
    assert_eq!(chain.agency, Uscc::parse("11220000013544541J").unwrap());
    assert_eq!(chain.anchor, "root");
    let (key, _) = yinzheng::trust::x509::leaf_identity(&cert("leaf")).unwrap();
    assert_eq!(chain.leaf_key, key);
    assert_eq!(
        validate(&["leaf", "intermediate", "root"]).unwrap().anchor,
        "root"
    );
    assert_eq!(validate(&["leaf-p256-root"]).unwrap().anchor, "root-p256");
}

#[test]
fn each_failure_has_its_error() {
    let cases: &[(&[&str], ChainError)] = &[
        (
            &["leaf-under-expired", "intermediate-expired"],
            ChainError::NotValidAt { index: 1, at: AT },
        ),
        (
            &["leaf-wrong-usage", "intermediate"],
            ChainError::KeyUsage { index: 0 },
        ),
        (
            &["leaf-under-not-ca", "intermediate-not-ca"],
            ChainError::BasicConstraints { index: 1 },
        ),
        (
            &["leaf-loop", "loop-a", "loop-b-again", "loop-a"],
            ChainError::Loop { index: 3 },
        ),
        (
            &["leaf-long", "long-4", "long-3", "long-2", "long-1", "root"],
            ChainError::TooLong { len: 6, max: 5 },
        ),
        (
            &["leaf-path-too-deep", "sub-ca", "intermediate-pathlen-0"],
            ChainError::PathLength { index: 2 },
        ),
        (&["leaf-other-root"], ChainError::UntrustedRoot),
        (
            &["leaf-critical-policy", "intermediate"],
            ChainError::UnsupportedCriticalExtension { index: 0 },
        ),
        (&["leaf", "long-1"], ChainError::NameMismatch { index: 0 }),
        (&["intermediate"], ChainError::BasicConstraints { index: 0 }),
    ];
    for (names, expected) in cases {
        assert_eq!(validate(names).unwrap_err(), *expected, "{names:?}");
    }
    // Outside the leaf's validity.
    let ders = [cert("leaf"), cert("intermediate")];
    let refs: Vec<&[u8]> = ders.iter().map(Vec::as_slice).collect();
    let late = UnixTime::from_secs(1_900_000_000);
    assert_eq!(
        validate_chain(&refs, &roots(), late, &Limits::default()).unwrap_err(),
        ChainError::NotValidAt { index: 0, at: late }
    );
}

#[test]
fn every_single_byte_flip_of_the_chain_is_refused() {
    let (leaf, intermediate) = (cert("leaf"), cert("intermediate"));
    for (which, original) in [(0, &leaf), (1, &intermediate)] {
        for at in 0..original.len() {
            let mut tampered = original.clone();
            tampered[at] ^= 0x01;
            let chain: [&[u8]; 2] = if which == 0 {
                [&tampered, &intermediate]
            } else {
                [&leaf, &tampered]
            };
            assert!(
                validate_chain(&chain, &roots(), AT, &Limits::default()).is_err(),
                "certificate {which}, byte {at} flipped still validates"
            );
        }
    }
}

#[test]
fn roots_load_from_pem_and_refuse_non_cas() {
    let pem = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("test-vectors/x509/roots.pem"),
    )
    .unwrap();
    let mut store = TrustStore::new();
    store.add_x509_roots_pem("test roots", &pem).unwrap();
    assert_eq!(store.x509_roots().len(), 2);
    assert_eq!(store.x509_roots()[1].name(), "test roots #2");
    assert_eq!(
        store.add_x509_root("again", &cert("root")).unwrap_err(),
        TrustError::DuplicateRoot
    );
    assert!(matches!(
        store.add_x509_root("leaf", &cert("leaf")).unwrap_err(),
        TrustError::Root(ChainError::BasicConstraints { index: 0 })
    ));
    assert!(matches!(
        TrustStore::new().add_x509_roots_pem("none", "no pem here"),
        Err(TrustError::Root(ChainError::Malformed { .. }))
    ));
}
