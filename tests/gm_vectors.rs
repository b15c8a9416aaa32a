//! Walks `test-vectors/gm/manifest.json` (GB/T 38540 seals and stamps under SM2 certificates
//! made by Python gmssl + asn1crypto): every vector gives its expected outcome at the check it
//! names, every national check fails in some vector, and no one-byte change of the valid
//! stamp is accepted. `test-vectors/check_gm.py` checks the same files with Python and OpenSSL.
#![cfg(feature = "gm")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

#[path = "support/manifest.rs"]
mod manifest;
use manifest::{Expected, RootEntry, TrustEntry, key_of, roles_of};
use yinzheng::gm::ofd::OfdLimits;
use yinzheng::model::Uscc;
use yinzheng::time::UnixTime;
use yinzheng::trust::TrustStore;
use yinzheng::verify::{
    Check, OfdLicenceError, OfdOutcome, OfdVerdict, VerificationContext, Verifier,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    #[allow(dead_code)] // for people reading the manifest
    description: String,
    time: u64,
    x509_roots: Vec<RootEntry>,
    certificates: Vec<String>,
    licence_issuer: TrustEntry,
    vectors: Vec<Vector>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Vector {
    id: String,
    #[allow(dead_code)] // for people reading the manifest
    description: String,
    kind: String,
    file: String,
    data: Option<String>,
    signed_at: Option<u64>,
    /// What ofdrw's validator says (checked by test-vectors/ofdrw-check).
    #[allow(dead_code)]
    ofdrw: Option<String>,
    expected: Expected,
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("test-vectors/gm")
}

fn manifest() -> Manifest {
    let text = std::fs::read_to_string(dir().join("manifest.json"))
        .expect("run `cargo run -p yinzheng-vectors` first");
    serde_json::from_str(&text).unwrap()
}

fn verifier(manifest: &Manifest) -> Verifier {
    let mut trust = TrustStore::new();
    for root in &manifest.x509_roots {
        trust
            .add_x509_root(
                &root.name,
                &hex::decode(&root.der).unwrap(),
                roles_of(&root.roles),
            )
            .unwrap();
    }
    let issuer = &manifest.licence_issuer;
    trust
        .add_agency_key(
            &issuer.name,
            Uscc::parse(&issuer.agency).unwrap(),
            key_of(issuer),
            roles_of(&issuer.roles),
        )
        .unwrap();
    Verifier::builder(trust).build().unwrap()
}

/// Why an OFD is not valid, as the manifest names it: the first signature that does not
/// stand, by the check that failed or `references`.
fn ofd_reason(verdict: &OfdVerdict) -> Result<usize, String> {
    if verdict.is_valid() {
        return Ok(0);
    }
    let reason = verdict
        .signatures
        .iter()
        .find(|s| !s.outcome.stands())
        .map_or("unsigned".to_owned(), |s| match &s.outcome {
            OfdOutcome::ReferencesChanged(_) => "references".to_owned(),
            OfdOutcome::Rejected(r) => r.failed_check().name().to_owned(),
            other => format!("{other:?}"),
        });
    Err(reason)
}

/// Verifies vector `v`; `Ok(warnings)` or `Err(failed check name)`.
fn verify(verifier: &Verifier, v: &Vector, ctx: &VerificationContext) -> Result<usize, String> {
    let bytes = std::fs::read(dir().join(&v.file)).unwrap();
    let report = match v.kind.as_str() {
        "seal" => verifier
            .verify_national_seal(&bytes, ctx)
            .map(|ok| {
                assert_eq!(ok.value().seal.info.picture.kind, "SVG", "{}", v.id);
                ok.report().clone()
            })
            .map_err(|r| r.failed_check().name().to_owned())?,
        "ofd" => {
            let verdict = verifier
                .verify_ofd(&bytes, &OfdLimits::default(), ctx)
                .unwrap();
            return ofd_reason(&verdict);
        }
        "licence" => {
            return match verifier.verify_ofd_licence(&bytes, &OfdLimits::default(), ctx) {
                Ok(licence) => {
                    assert_eq!(licence.certificate.kind.name(), "营业执照", "{}", v.id);
                    Ok(0)
                }
                Err(OfdLicenceError::NotValid(verdict)) => ofd_reason(&verdict),
                Err(e) => Err(e.to_string()),
            };
        }
        "sign" => {
            let data = std::fs::read(dir().join(v.data.as_deref().unwrap())).unwrap();
            let signed_at = v.signed_at.map(UnixTime::from_secs);
            verifier
                .verify_ofd_signed_value(&bytes, &data, signed_at, ctx)
                .map(|ok| ok.report().clone())
                .map_err(|r| r.failed_check().name().to_owned())?
        }
        _ => {
            let data = std::fs::read(dir().join(v.data.as_deref().unwrap())).unwrap();
            verifier
                .verify_national_stamp(&bytes, &data, ctx)
                .map(|ok| ok.report().clone())
                .map_err(|r| r.failed_check().name().to_owned())?
        }
    };
    assert!(report.failure().is_none(), "{}", v.id);
    Ok(report.national_warnings().len())
}

#[test]
fn every_national_vector_gives_its_expected_outcome() {
    let manifest = manifest();
    let verifier = verifier(&manifest);
    let ctx = VerificationContext::at(UnixTime::from_secs(manifest.time));
    let mut failed_checks = BTreeSet::new();
    for v in &manifest.vectors {
        let expected = &v.expected;
        assert!(expected.disclosed.is_empty() && expected.status.is_none());
        match (verify(&verifier, v, &ctx), expected.outcome.as_str()) {
            (Ok(warnings), "accept") => assert_eq!(warnings, expected.warnings, "{}", v.id),
            (Err(check), "reject") => {
                assert_eq!(Some(&check), expected.failed_check.as_ref(), "{}", v.id);
                failed_checks.insert(check);
            }
            (got, want) => panic!("{}: expected {want}, got {got:?}", v.id),
        }
    }
    for check in Check::NATIONAL_STAMP
        .iter()
        .chain(&Check::OFD_SIGNATURE)
        .filter(|c| !matches!(**c, Check::TrustBundle | Check::SealStatus))
    {
        assert!(
            failed_checks.contains(check.name()),
            "no vector fails {}",
            check.name()
        );
    }
    for cert in &manifest.certificates {
        assert!(dir().join(cert).is_file(), "{cert}");
    }
}

#[test]
fn no_one_byte_change_of_the_valid_signed_data_verifies() {
    let manifest = manifest();
    let verifier = verifier(&manifest);
    let ctx = VerificationContext::at(UnixTime::from_secs(manifest.time));
    let v = manifest
        .vectors
        .iter()
        .find(|v| v.id == "sign-valid")
        .unwrap();
    let value = std::fs::read(dir().join(&v.file)).unwrap();
    let data = std::fs::read(dir().join("document.xml")).unwrap();
    let at = v.signed_at.map(UnixTime::from_secs);
    assert!(
        verifier
            .verify_ofd_signed_value(&value, &data, at, &ctx)
            .is_ok()
    );
    for i in 0..value.len() {
        let mut changed = value.clone();
        changed[i] ^= 0x01;
        assert!(
            verifier
                .verify_ofd_signed_value(&changed, &data, at, &ctx)
                .is_err(),
            "byte {i} changed and still verified"
        );
    }
}

#[test]
fn no_one_byte_change_of_the_valid_stamp_verifies() {
    let manifest = manifest();
    let verifier = verifier(&manifest);
    let ctx = VerificationContext::at(UnixTime::from_secs(manifest.time));
    let stamp = std::fs::read(dir().join("stamp-valid.ses")).unwrap();
    let data = std::fs::read(dir().join("document.xml")).unwrap();
    assert!(verifier.verify_national_stamp(&stamp, &data, &ctx).is_ok());
    for i in 0..stamp.len() {
        let mut changed = stamp.clone();
        changed[i] ^= 0x01;
        assert!(
            verifier
                .verify_national_stamp(&changed, &data, &ctx)
                .is_err(),
            "byte {i} changed and still verified"
        );
    }
}
