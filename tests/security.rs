//! Walks `test-vectors/security/manifest.json`: every scenario of the attacker's review
//! (issue 13) on one verifier — its revoked keys or trust bundle, then its seals and status
//! lists (each must be stored, replaced, kept or refused as the manifest says), then its
//! checks, each at its expected outcome and failing check.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use yinzheng::Limits;
use yinzheng::crypto::PublicKey;
use yinzheng::model::Uscc;
use yinzheng::time::UnixTime;
use yinzheng::trust::{Role, Roles, TrustStore, TrustedKey};
use yinzheng::verify::{
    ListAdded, ReplayCache, SealAdded, StatusListRejected, StatusOutcome, VerificationContext,
    Verifier,
};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("test-vectors/security")
}

fn read(file: &Value) -> Vec<u8> {
    std::fs::read(dir().join(file.as_str().unwrap())).unwrap()
}

fn key(entry: &Value) -> PublicKey {
    let bytes = hex::decode(entry["public_key"].as_str().unwrap()).unwrap();
    match entry["alg"].as_str().unwrap() {
        "Ed25519" => PublicKey::ed25519(&bytes.try_into().unwrap()).unwrap(),
        _ => PublicKey::p256(&bytes).unwrap(),
    }
}

fn roles(entry: &Value) -> Roles {
    entry["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| Role::from_name(r.as_str().unwrap()).unwrap())
        .collect()
}

fn trust(manifest: &Value, scenario: &Value) -> TrustStore {
    let mut trust = TrustStore::new();
    for t in manifest["trust"].as_array().unwrap() {
        let agency = Uscc::parse(t["agency"].as_str().unwrap()).unwrap();
        let mut anchor =
            TrustedKey::new(t["name"].as_str().unwrap(), key(t), roles(t)).for_agency(agency);
        if let Some(kid) = t["key_id"].as_str() {
            anchor = anchor.with_key_id(&hex::decode(kid).unwrap());
        }
        trust.add(anchor).unwrap();
    }
    for m in manifest["seal_makers"].as_array().unwrap() {
        trust
            .add_seal_maker(m["name"].as_str().unwrap(), key(m))
            .unwrap();
    }
    for r in manifest["x509_roots"].as_array().unwrap() {
        let der = hex::decode(r["der"].as_str().unwrap()).unwrap();
        trust
            .add_x509_root(r["name"].as_str().unwrap(), &der, roles(r))
            .unwrap();
    }
    for revoked in scenario["revoked_keys"].as_array().unwrap() {
        let digest = hex::decode(revoked["key_sha256"].as_str().unwrap()).unwrap();
        let since = revoked["since"].as_u64().map(UnixTime::from_secs);
        trust.revoke_key(digest.try_into().unwrap(), since);
    }
    trust
}

fn seal_outcome(added: SealAdded) -> &'static str {
    match added {
        SealAdded::Stored => "stored",
        SealAdded::Replaced { .. } => "replaced",
        SealAdded::KeptNewer { .. } => "kept-newer",
        _ => "already-held",
    }
}

fn list_outcome(added: ListAdded) -> &'static str {
    match added {
        ListAdded::Stored => "stored",
        ListAdded::Replaced { .. } => "replaced",
        ListAdded::KeptHeld { .. } => "kept-held",
        _ => "already-held",
    }
}

fn status_name(s: Option<StatusOutcome>) -> Option<&'static str> {
    s.map(|s| match s {
        StatusOutcome::Valid => "valid",
        StatusOutcome::Revoked => "revoked",
        StatusOutcome::Suspended => "suspended",
        _ => "unknown",
    })
}

/// The verifier a scenario runs on.
fn verifier(manifest: &Value, scenario: &Value, ctx: &VerificationContext) -> Verifier {
    let builder = match scenario["bundle"].as_object() {
        Some(bundle) => {
            let publisher: [u8; 32] = hex::decode(bundle["publisher_key"].as_str().unwrap())
                .unwrap()
                .try_into()
                .unwrap();
            Verifier::from_trust_bundle(
                &read(&bundle["file"]),
                &PublicKey::ed25519(&publisher).unwrap(),
                ctx,
                &Limits::default(),
            )
            .unwrap()
        }
        None => Verifier::builder(trust(manifest, scenario)),
    };
    let builder = if scenario["allow_unknown_status"].as_bool().unwrap() {
        builder.allow_unknown_status()
    } else {
        builder
    };
    let builder = if scenario["replay_cache"].as_bool().unwrap() {
        builder.with_replay_cache(Arc::new(ReplayCache::new(64)))
    } else {
        builder
    };
    builder.build().unwrap()
}

/// Runs one check; returns (accepted, failed check name, status).
fn run_check(
    verifier: &Verifier,
    check: &Value,
    ctx: &VerificationContext,
) -> (bool, Option<&'static str>, Option<&'static str>) {
    let bytes = read(&check["file"]);
    let outcome = match check["kind"].as_str().unwrap() {
        "certificate" => verifier
            .verify_certificate(&bytes, ctx)
            .map(|v| v.report().clone()),
        "presentation" => verifier
            .verify_presentation(&bytes, ctx)
            .map(|v| v.report().clone()),
        "stamp" => verifier
            .verify_stamp(&bytes, &read(&check["document"]), ctx)
            .map(|v| v.report().clone()),
        "status-list" => {
            let verified = match verifier.verify_status_list(&bytes, ctx) {
                Ok(verified) => verified,
                Err(StatusListRejected::TrustBundle(_)) => {
                    return (false, Some("trust-bundle"), None);
                }
                Err(_) => return (false, Some("decode"), None),
            };
            let want: Vec<u8> = check["expected"]["statuses"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| u8::try_from(v.as_u64().unwrap()).unwrap())
                .collect();
            let list = &verified.token().list;
            let got: Vec<u8> = (0..want.len() as u64)
                .map(|i| list.get(i).unwrap())
                .collect();
            assert_eq!(got, want, "statuses");
            return (true, None, None);
        }
        other => panic!("unknown check kind {other}"),
    };
    match outcome {
        Ok(report) => (true, None, status_name(report.status())),
        Err(rejected) => (
            false,
            Some(rejected.failed_check().name()),
            status_name(rejected.report().status()),
        ),
    }
}

#[test]
fn every_security_scenario_gives_its_expected_outcomes() {
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir().join("manifest.json")).unwrap())
            .unwrap();
    let time = manifest["time"].as_u64().unwrap();
    let ctx = VerificationContext::at(UnixTime::from_secs(time));
    let scenarios = manifest["vectors"].as_array().unwrap();
    let mut findings = std::collections::BTreeSet::new();
    for scenario in scenarios {
        let id = scenario["id"].as_str().unwrap();
        findings.insert(scenario["finding"].as_u64().unwrap());
        assert!(!scenario["before"].as_str().unwrap().is_empty(), "{id}");
        let verifier = verifier(&manifest, scenario, &ctx);
        for seal in scenario["seals"].as_array().unwrap() {
            let got = match verifier.add_seal(&read(&seal["file"]), &ctx) {
                Ok(added) => seal_outcome(added.outcome),
                Err(_) => "refused",
            };
            assert_eq!(
                got,
                seal["expect"].as_str().unwrap(),
                "{id}: seal {}",
                seal["file"]
            );
        }
        for list in scenario["status_lists"].as_array().unwrap() {
            let got = match verifier.add_status_list(&read(&list["file"]), &ctx) {
                Ok(added) => list_outcome(added.outcome),
                Err(_) => "refused",
            };
            assert_eq!(
                got,
                list["expect"].as_str().unwrap(),
                "{id}: list {}",
                list["file"]
            );
        }
        for (i, check) in scenario["checks"].as_array().unwrap().iter().enumerate() {
            let at = check["time"].as_u64().map_or_else(
                || ctx.clone(),
                |t| VerificationContext::at(UnixTime::from_secs(t)),
            );
            let (accepted, failed, status) = run_check(&verifier, check, &at);
            let expected = &check["expected"];
            assert_eq!(
                accepted,
                expected["outcome"] == "accept",
                "{id}: check {i} ({}) failed at {failed:?}",
                check["file"]
            );
            assert_eq!(failed, expected["failed_check"].as_str(), "{id}: check {i}");
            assert_eq!(
                status,
                expected["status"].as_str(),
                "{id}: check {i} status"
            );
        }
    }
    // Every finding with a vector (5 and 6 are pinned by the audit tests and vectors).
    for finding in [1, 2, 3, 4, 7, 8, 9] {
        assert!(
            findings.contains(&finding),
            "no scenario for finding {finding}"
        );
    }
}

/// The IETF example is refused by a verifier that does not know its key under its `kid`,
/// and a single byte changed in it breaks the signature: it verifies for real, not by
/// skipping the check.
#[test]
fn the_ietf_example_verifies_only_under_its_key() {
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir().join("manifest.json")).unwrap())
            .unwrap();
    let ctx = VerificationContext::at(UnixTime::from_secs(manifest["time"].as_u64().unwrap()));
    let example = std::fs::read(dir().join("ietf-status-list-cwt-draft-20.cose")).unwrap();
    let no_scenario = serde_json::json!({ "revoked_keys": [] });
    let verifier = Verifier::builder(trust(&manifest, &no_scenario))
        .build()
        .unwrap();
    let verified = verifier.verify_status_list(&example, &ctx).unwrap();
    assert_eq!(verified.agency().as_str(), "91110000MA01ETF01L");
    assert_eq!(verified.token().uri, "https://example.com/statuslists/1");
    let mut altered = example.clone();
    let last = altered.len() - 1;
    altered[last] ^= 1;
    assert!(verifier.verify_status_list(&altered, &ctx).is_err());
    // Without the external key id, `kid` "12" names no trusted key.
    let mut plain = TrustStore::new();
    let ietf = &manifest["trust"][3];
    plain
        .add(
            TrustedKey::new("ietf", key(ietf), Roles::STATUS_LISTS)
                .for_agency(Uscc::parse(ietf["agency"].as_str().unwrap()).unwrap()),
        )
        .unwrap();
    let strict = Verifier::builder(plain).build().unwrap();
    assert!(strict.verify_status_list(&example, &ctx).is_err());
}
