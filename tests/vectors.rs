//! Walks `test-vectors/certificates/manifest.json`: every vector must give its expected
//! outcome, from its bytes and from its QR text, and accepted ones must re-encode to the
//! same bytes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

#[path = "../fuzz/src/lib.rs"]
#[allow(unreachable_pub, dead_code)] // shared with the fuzz binaries
mod targets;

#[path = "support/manifest.rs"]
mod manifest;
use manifest::{Expected, RootEntry, TrustEntry, key_of, roles_of};

use serde::Deserialize;
use serde::de::DeserializeOwned;
use yinzheng::crypto::PublicKey;
use yinzheng::model::Uscc;
use yinzheng::time::UnixTime;
use yinzheng::trust::{Role, Roles, TrustStore};
use yinzheng::verify::{Check, Outcome, SkipReason, VerificationContext, Verifier};

/// `test-vectors/certificates/manifest.json` (the generator's `kit::Manifest`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    #[allow(dead_code)] // for people reading the manifest
    description: String,
    /// Verification time for every case, Unix seconds.
    time: u64,
    trust: Vec<TrustEntry>,
    x509_roots: Vec<RootEntry>,
    seal_makers: Vec<TrustEntry>,
    /// Agency seals the verifier holds (hex of each seal's `COSE_Sign1`).
    seals: Vec<String>,
    vectors: Vec<Vector>,
}

/// One certificate vector.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Vector {
    id: String,
    #[allow(dead_code)] // for people reading the manifest
    description: String,
    file: String,
    hex: String,
    qr: String,
    /// Status list tokens to give the verifier first, in order.
    status_lists: Vec<String>,
    allow_unknown_status: bool,
    expected: Expected,
}

/// `test-vectors/seals/manifest.json`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StampManifest {
    #[allow(dead_code)] // for people reading the manifest
    description: String,
    time: u64,
    seal_makers: Vec<TrustEntry>,
    trust: Vec<TrustEntry>,
    x509_roots: Vec<RootEntry>,
    vectors: Vec<StampVector>,
}

/// One stamp over a document.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StampVector {
    id: String,
    #[allow(dead_code)] // for people reading the manifest
    description: String,
    stamp: String,
    document: String,
    status_lists: Vec<String>,
    expected: Expected,
}

/// `test-vectors/bundles/manifest.json`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BundleManifest {
    #[allow(dead_code)] // for people reading the manifest
    description: String,
    time: u64,
    publisher_key: String,
    vectors: Vec<BundleVector>,
}

/// One trust bundle and whether (or why not) it is accepted.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BundleVector {
    id: String,
    #[allow(dead_code)] // for people reading the manifest
    description: String,
    file: String,
    outcome: String,
}

/// The manifest in `test-vectors/<family>/`, and that directory.
fn read_manifest<M: DeserializeOwned>(family: &str) -> (M, PathBuf) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test-vectors")
        .join(family);
    let text = std::fs::read_to_string(dir.join("manifest.json"))
        .expect("run `cargo run -p yinzheng-vectors` first");
    (serde_json::from_str(&text).unwrap(), dir)
}

fn manifest() -> (Manifest, PathBuf) {
    read_manifest("certificates")
}

/// The roles a manifest entry names.
/// Every anchor a manifest lists: agency keys, seal makers, X.509 roots, each for its roles.
fn trust_store(
    anchors: &[TrustEntry],
    seal_makers: &[TrustEntry],
    x509_roots: &[RootEntry],
) -> TrustStore {
    let mut trust = TrustStore::new();
    for anchor in anchors {
        let agency = Uscc::parse(&anchor.agency).unwrap();
        let name = anchor.name.as_str();
        trust
            .add_agency_key(name, agency, key_of(anchor), roles_of(&anchor.roles))
            .unwrap();
    }
    for maker in seal_makers {
        assert_eq!(roles_of(&maker.roles), Roles::SEAL_MAKER);
        trust.add_seal_maker(&maker.name, key_of(maker)).unwrap();
    }
    for root in x509_roots {
        let der = hex::decode(&root.der).unwrap();
        trust
            .add_x509_root(&root.name, &der, roles_of(&root.roles))
            .unwrap();
    }
    trust
}

/// The verification time of a manifest.
fn manifest_time(manifest: &Manifest) -> VerificationContext {
    VerificationContext::at(UnixTime::from_secs(manifest.time))
}

fn verifier(manifest: &Manifest, allow_unknown_status: bool) -> Verifier {
    let trust = trust_store(&manifest.trust, &manifest.seal_makers, &manifest.x509_roots);
    let builder = Verifier::builder(trust);
    let builder = if allow_unknown_status {
        builder.allow_unknown_status()
    } else {
        builder
    };
    let verifier = builder.build().unwrap();
    for seal in &manifest.seals {
        verifier
            .add_seal(&hex::decode(seal).unwrap(), &manifest_time(manifest))
            .unwrap();
    }
    verifier
}

/// The public key of a manifest trust entry.
/// A verifier for one vector: its policy, and its status lists fed in order. Lists meant to be
/// refused (broken zlib, a zip bomb) must be refused.
fn verifier_for(manifest: &Manifest, v: &Vector, dir: &Path) -> Verifier {
    let verifier = verifier(manifest, v.allow_unknown_status);
    for file in &v.status_lists {
        let added = verifier.add_status_list(
            &std::fs::read(dir.join(file)).unwrap(),
            &manifest_time(manifest),
        );
        let refusable = file.contains("malformed") || file.contains("bomb");
        assert_eq!(added.is_err(), refusable, "{file}: {added:?}");
    }
    verifier
}

fn status_name(s: Option<yinzheng::verify::StatusOutcome>) -> Option<&'static str> {
    use yinzheng::verify::StatusOutcome;
    s.map(|s| match s {
        StatusOutcome::Valid => "valid",
        StatusOutcome::Revoked => "revoked",
        StatusOutcome::Suspended => "suspended",
        _ => "unknown",
    })
}

#[test]
fn every_vector_gives_its_expected_outcome() {
    let (manifest, dir) = manifest();
    let ctx = VerificationContext::at(UnixTime::from_secs(manifest.time));
    let vectors = &manifest.vectors;
    assert!(vectors.len() >= 25, "only {} vectors", vectors.len());
    let (mut accepted, mut rejected) = (0, 0);
    for v in vectors {
        let id = v.id.as_str();
        let bytes = std::fs::read(dir.join(&v.file)).unwrap();
        assert_eq!(hex::encode(&bytes), v.hex, "{id}: file and hex differ");
        let expected = &v.expected;
        let verifier = verifier_for(&manifest, v, &dir);
        let from_bytes = verifier.verify_certificate(&bytes, &ctx);
        let report = match &from_bytes {
            Ok(verified) => verified.report().clone(),
            Err(rejected) => rejected.report().clone(),
        };
        assert_eq!(
            status_name(report.status()),
            expected.status.as_deref(),
            "{id}: status"
        );
        let from_qr = verifier.verify_qr_text(&v.qr, &ctx);
        match expected.outcome.as_str() {
            "accept" => {
                let verified =
                    from_bytes.unwrap_or_else(|r| panic!("{id}: rejected: {r}\n{}", r.report()));
                let names: Vec<&str> = verified.disclosed.iter().map(|f| f.name.as_str()).collect();
                let want: Vec<&str> = expected.disclosed.iter().map(String::as_str).collect();
                assert_eq!(names, want, "{id}: disclosed fields");
                assert_eq!(
                    verified.report().warnings().len(),
                    expected.warnings,
                    "{id}"
                );
                assert!(verified.report().failure().is_none());
                for r in verified.report().results() {
                    assert!(
                        matches!(
                            r.outcome,
                            Outcome::Passed
                                | Outcome::Allowed(_)
                                | Outcome::Skipped(
                                    SkipReason::NoDisclosures
                                        | SkipReason::NoStatusClaim
                                        | SkipReason::NotHolderBound
                                        | SkipReason::NoTrustBundle
                                )
                        ),
                        "{id}: {:?}",
                        r
                    );
                }
                assert_eq!(from_qr.unwrap().value(), verified.value(), "{id}: QR text");
                // A certificate signed under a seal shows the seal's picture.
                assert_eq!(verified.seal().is_some(), id.starts_with("sealed-"), "{id}");
                if let Some(seal) = verified.seal() {
                    assert!(seal.picture.data.starts_with(b"<svg"), "{id}");
                }
                // Decoding then encoding gives the same bytes (asserted inside the target).
                targets::decode_certificate(&bytes);
                accepted += 1;
            }
            "reject" => {
                let rejection = match from_bytes {
                    Err(r) => r,
                    Ok(_) => panic!("{id}: accepted but expected rejection"),
                };
                let check = expected.failed_check.as_deref().unwrap();
                assert_eq!(rejection.failed_check().name(), check, "{id}: {rejection}");
                let results = rejection.report().results();
                let failed_at = results
                    .iter()
                    .position(|r| matches!(r.outcome, Outcome::Failed(_)))
                    .unwrap();
                assert!(
                    results[..failed_at].iter().all(|r| matches!(
                        r.outcome,
                        Outcome::Passed
                            | Outcome::Skipped(
                                SkipReason::NoDisclosures
                                    | SkipReason::NotHolderBound
                                    | SkipReason::NoTrustBundle
                            )
                    )),
                    "{id}"
                );
                assert!(
                    results[failed_at + 1..]
                        .iter()
                        .all(|r| r.outcome == Outcome::Skipped(SkipReason::EarlierCheckFailed)),
                    "{id}"
                );
                assert_eq!(
                    from_qr.unwrap_err().failed_check().name(),
                    check,
                    "{id}: QR text"
                );
                rejected += 1;
            }
            other => panic!("{id}: unknown outcome {other}"),
        }
    }
    // Every certificate check has a positive case (all accepted vectors pass it) and a
    // negative one (check 0 in the bundle and security vectors).
    for check in Check::CERTIFICATE
        .into_iter()
        .filter(|c| *c != Check::TrustBundle)
    {
        assert!(
            vectors
                .iter()
                .any(|v| v.expected.failed_check.as_deref() == Some(check.name())),
            "no negative vector for {}",
            check.name()
        );
    }
    assert!(
        accepted >= 7 && rejected >= 18,
        "{accepted} accepted, {rejected} rejected"
    );
}

/// Walks `test-vectors/seals/manifest.json`: every stamp gives its expected outcome over its
/// document, at the check the vector names.
#[test]
fn every_stamp_vector_gives_its_expected_outcome() {
    let (manifest, dir) = read_manifest::<StampManifest>("seals");
    let ctx = VerificationContext::at(UnixTime::from_secs(manifest.time));
    let mut failed_checks = std::collections::BTreeSet::new();
    for v in &manifest.vectors {
        let id = v.id.as_str();
        let trust = trust_store(&manifest.trust, &manifest.seal_makers, &manifest.x509_roots);
        let verifier = Verifier::builder(trust).build().unwrap();
        for list in &v.status_lists {
            verifier
                .add_status_list(&std::fs::read(dir.join(list)).unwrap(), &ctx)
                .unwrap();
        }
        let stamp = std::fs::read(dir.join(&v.stamp)).unwrap();
        let document = std::fs::read(dir.join(&v.document)).unwrap();
        let result = verifier.verify_stamp(&stamp, &document, &ctx);
        let expected = &v.expected;
        match expected.outcome.as_str() {
            "accept" => {
                let verified = result.unwrap_or_else(|r| panic!("{id}: {r}"));
                assert!(verified.seal.picture.data.starts_with(b"<svg"), "{id}");
                assert!(verified.report().failure().is_none(), "{id}");
            }
            _ => {
                let rejected = result.err().unwrap_or_else(|| panic!("{id}: accepted"));
                let check = expected.failed_check.as_deref().unwrap();
                assert_eq!(rejected.failed_check().name(), check, "{id}: {rejected}");
                failed_checks.insert(check.to_owned());
                assert_eq!(
                    status_name(rejected.report().status()),
                    expected.status.as_deref(),
                    "{id}: status"
                );
            }
        }
    }
    // Every stamp check fails in some vector.
    for check in Check::STAMP
        .iter()
        .filter(|c| !matches!(**c, Check::Decode | Check::TrustBundle))
    {
        assert!(
            failed_checks.contains(check.name()),
            "no vector fails {}",
            check.name()
        );
    }
}

/// The trust-path vectors fail for the reason their name gives, not just at the right check.
#[test]
fn trust_path_vectors_fail_for_their_reason() {
    use yinzheng::trust::ChainError as C;
    use yinzheng::verify::{SealAuthorityError as S, StatusOutcome, VerifyError as E};
    let (manifest, dir) = manifest();
    let ctx = VerificationContext::at(UnixTime::from_secs(manifest.time));
    type Reason = fn(&E) -> bool;
    let expectations: Vec<(&str, Reason)> = vec![
        ("x509-expired-intermediate", |e| {
            matches!(e, E::IssuerChain(C::NotValidAt { index: 1, .. }))
        }),
        ("x509-wrong-key-usage", |e| {
            matches!(e, E::IssuerChain(C::KeyUsage { index: 0 }))
        }),
        ("x509-ca-false-intermediate", |e| {
            matches!(e, E::IssuerChain(C::BasicConstraints { index: 1 }))
        }),
        ("x509-broken-signature", |e| {
            matches!(e, E::IssuerChain(C::BadSignature { index: 0 }))
        }),
        ("x509-loop", |e| {
            matches!(e, E::IssuerChain(C::Loop { index: 3 }))
        }),
        ("x509-too-long", |e| matches!(e, E::Decode(_))),
        ("x509-path-length", |e| {
            matches!(e, E::IssuerChain(C::PathLength { index: 2 }))
        }),
        ("x509-untrusted-root", |e| {
            matches!(e, E::IssuerChain(C::UntrustedRoot))
        }),
        ("x509-critical-extension", |e| {
            matches!(
                e,
                E::IssuerChain(C::UnsupportedCriticalExtension { index: 0 })
            )
        }),
        ("x509-agency-mismatch", |e| {
            matches!(e, E::IssuerMismatch { .. })
        }),
        ("x509-leaf-key-mismatch", |e| {
            matches!(e, E::IssuerChain(C::LeafKeyMismatch))
        }),
        ("x509-leaf-not-marked", |e| {
            matches!(
                e,
                E::IssuerChain(C::LeafNotMarkedFor { role: Role::Issuer })
            )
        }),
        ("sealed-unknown-seal", |e| {
            matches!(e, E::IssuerSeal(S::UnknownSeal(_)))
        }),
        ("sealed-seal-revoked", |e| {
            matches!(e, E::IssuerSeal(S::Status(StatusOutcome::Revoked)))
        }),
        ("sealed-seal-suspended", |e| {
            matches!(e, E::IssuerSeal(S::Status(StatusOutcome::Suspended)))
        }),
        ("sealed-seal-expired", |e| {
            matches!(e, E::IssuerSeal(S::NotValidAt(_)))
        }),
        ("sealed-key-not-authorised", |e| {
            matches!(e, E::IssuerSeal(S::KeyNotAuthorised))
        }),
    ];
    let vectors = &manifest.vectors;
    for (id, reason) in expectations {
        let v = vectors
            .iter()
            .find(|v| v.id == id)
            .unwrap_or_else(|| panic!("{id} missing"));
        let verifier = verifier_for(&manifest, v, &dir);
        let bytes = std::fs::read(dir.join(&v.file)).unwrap();
        let rejected = verifier.verify_certificate(&bytes, &ctx).unwrap_err();
        assert!(reason(rejected.error()), "{id}: {rejected}");
    }
}

#[test]
fn every_trust_bundle_vector_gives_its_expected_outcome() {
    use yinzheng::Limits;
    use yinzheng::verify::{EnvelopeError, TrustBundleError};

    let (m, dir) = read_manifest::<BundleManifest>("bundles");
    let key: [u8; 32] = hex::decode(&m.publisher_key).unwrap().try_into().unwrap();
    let publisher = PublicKey::ed25519(&key).unwrap();
    let ctx = VerificationContext::at(UnixTime::from_secs(m.time));
    let vectors = &m.vectors;
    assert!(vectors.len() >= 10);
    for v in vectors {
        let id = v.id.as_str();
        let bytes = std::fs::read(dir.join(&v.file)).unwrap();
        let outcome =
            match Verifier::from_trust_bundle(&bytes, &publisher, &ctx, &Limits::default()) {
                Ok(builder) => {
                    // The bundle alone lets a desk verify a stamp offline, seal status included.
                    let verifier = builder.build().unwrap();
                    let seals = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-vectors/seals");
                    let stamped = verifier
                        .verify_stamp(
                            &std::fs::read(seals.join("stamp-valid.cose")).unwrap(),
                            &std::fs::read(seals.join("document.pdf")).unwrap(),
                            &ctx,
                        )
                        .unwrap();
                    assert_eq!(stamped.seal.id, "2200000000000001", "{id}");
                    "accept"
                }
                Err(TrustBundleError::Envelope(EnvelopeError::WrongType { .. })) => "wrong-type",
                Err(TrustBundleError::Envelope(
                    EnvelopeError::BadSignature | EnvelopeError::UnknownKey { .. },
                )) => "bad-signature",
                Err(TrustBundleError::NotYetValid { .. }) => "not-yet-valid",
                Err(TrustBundleError::Expired { .. }) => "expired",
                Err(TrustBundleError::InvalidKey { .. }) => "invalid-key",
                Err(TrustBundleError::Seal { index: 4, .. }) => "seal",
                Err(TrustBundleError::StatusList { index: 0, .. }) => "status-list",
                Err(TrustBundleError::NoAnchors) => "no-anchors",
                Err(other) => panic!("{id}: unexpected {other}"),
            };
        assert_eq!(outcome, v.outcome, "{id}");
    }
}
