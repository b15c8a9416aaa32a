//! X.509 path validation against the chains `make_x509.py` (Python `cryptography`) made:
//! each failure class gives its own typed error, and PEM roots load.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use yinzheng::Limits;
use yinzheng::model::Uscc;
use yinzheng::time::UnixTime;
use yinzheng::trust::x509::{X509Anchor, validate_chain};
use yinzheng::trust::{ChainError, Role, Roles, TrustError, TrustStore};

fn cert(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("test-vectors/x509/{name}.der"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

const ROLES: Roles = Roles::AGENCY;

fn roots() -> Vec<X509Anchor> {
    vec![
        X509Anchor::from_der("root", &cert("root"), ROLES | Roles::SEAL_MAKER).unwrap(),
        X509Anchor::from_der("root-p256", &cert("root-p256"), ROLES).unwrap(),
    ]
}

/// 2026-10-22, inside every leaf's validity.
const AT: UnixTime = UnixTime::from_secs(1_792_620_000);

fn validate(names: &[&str]) -> Result<yinzheng::trust::ValidatedChain, ChainError> {
    let ders: Vec<Vec<u8>> = names.iter().map(|n| cert(n)).collect();
    let refs: Vec<&[u8]> = ders.iter().map(Vec::as_slice).collect();
    validate_chain(&refs, &roots(), Role::Issuer, AT, &Limits::default())
}

#[test]
fn valid_chains_certify_the_leaf_key_and_agency() {
    let chain = validate(&["leaf", "intermediate"]).unwrap();
    assert_eq!(
        chain.agency,
        Some(Uscc::parse("11220000013544541J").unwrap())
    );
    assert_eq!(chain.anchor, "root");
    assert_eq!(chain.role, Role::Issuer);
    assert!(
        chain.leaf_subject.contains("yinzheng test leaf"),
        "{}",
        chain.leaf_subject
    );
    assert!(chain.describe().contains("root"));
    assert_eq!(chain.key_digests.len(), 3);
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
        validate_chain(&refs, &roots(), Role::Issuer, late, &Limits::default()).unwrap_err(),
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
                validate_chain(&chain, &roots(), Role::Issuer, AT, &Limits::default()).is_err(),
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
    store.add_x509_roots_pem("test roots", &pem, ROLES).unwrap();
    assert_eq!(store.x509_roots().len(), 2);
    assert_eq!(store.x509_roots()[1].name(), "test roots #2");
    assert_eq!(
        store
            .add_x509_root("again", &cert("root"), ROLES)
            .unwrap_err(),
        TrustError::DuplicateRoot
    );
    assert!(matches!(
        store
            .add_x509_root("leaf", &cert("leaf"), ROLES)
            .unwrap_err(),
        TrustError::Root(ChainError::BasicConstraints { index: 0 })
    ));
    assert!(matches!(
        TrustStore::new().add_x509_roots_pem("none", "no pem here", ROLES),
        Err(TrustError::Root(ChainError::Malformed { .. }))
    ));
}

/// Roles: a chain is accepted only for a role its root was added for and its leaf is marked
/// for; a root may accept unmarked leaves for its one role only by a named loosening.
#[test]
fn chains_are_accepted_only_for_their_roles() {
    let chain = |names: &[&str]| -> Vec<Vec<u8>> { names.iter().map(|n| cert(n)).collect() };
    let check = |names: &[&str], role: Role, roots: &[X509Anchor]| {
        let ders = chain(names);
        let refs: Vec<&[u8]> = ders.iter().map(Vec::as_slice).collect();
        validate_chain(&refs, roots, role, AT, &Limits::default())
    };
    let all = roots();
    // An issuer leaf is an issuer, not a seal maker; a seal-maker leaf the reverse.
    assert!(check(&["leaf", "intermediate"], Role::Issuer, &all).is_ok());
    assert_eq!(
        check(&["leaf", "intermediate"], Role::SealMaker, &all).unwrap_err(),
        ChainError::LeafNotMarkedFor {
            role: Role::SealMaker
        }
    );
    assert!(check(&["seal-maker-leaf", "intermediate"], Role::SealMaker, &all).is_ok());
    assert_eq!(
        check(&["seal-maker-leaf", "intermediate"], Role::Issuer, &all).unwrap_err(),
        ChainError::LeafNotMarkedFor { role: Role::Issuer }
    );
    assert!(
        check(
            &["status-list-leaf", "intermediate"],
            Role::StatusLists,
            &all
        )
        .is_ok()
    );
    // A root added only for issuers does not make seal makers, however the leaf is marked.
    let issuers_only = vec![X509Anchor::from_der("root", &cert("root"), Roles::ISSUER).unwrap()];
    assert_eq!(
        check(
            &["seal-maker-leaf", "intermediate"],
            Role::SealMaker,
            &issuers_only
        )
        .unwrap_err(),
        ChainError::RootNotTrustedFor {
            root: "root".into(),
            role: Role::SealMaker
        }
    );
    // An unmarked leaf passes only under a root that allows it, for that root's one role.
    let unmarked = ["leaf-unmarked", "intermediate"];
    assert!(check(&unmarked, Role::Issuer, &all).is_err());
    let mut store = TrustStore::new();
    store
        .add_x509_root("root", &cert("root"), Roles::ISSUER)
        .unwrap()
        .allow_unmarked_leaves("root", Role::Issuer)
        .unwrap();
    assert!(check(&unmarked, Role::Issuer, store.x509_roots()).is_ok());
    // …while a leaf marked for another role stays refused there.
    assert!(
        check(
            &["seal-maker-leaf", "intermediate"],
            Role::Issuer,
            store.x509_roots()
        )
        .is_err()
    );
    let mut two = TrustStore::new();
    two.add_x509_root("root", &cert("root"), Roles::AGENCY)
        .unwrap();
    assert!(matches!(
        two.allow_unmarked_leaves("root", Role::Issuer),
        Err(TrustError::UnmarkedLeavesNeedOneRole { .. })
    ));
}
