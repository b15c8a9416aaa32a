//! Trust-bundle vectors (`test-vectors/bundles/`): one valid bundle and one refused for every
//! reason `Verifier::from_trust_bundle` has.

use std::path::Path;

use serde::Serialize;
use yinzheng::crypto::{Ed25519SigningKey, Signer, sign_cose};
use yinzheng::issue::{SealMaker, sign_trust_bundle};
use yinzheng::model::Uscc;
use yinzheng::model::bundle::{BundleIssuerKey, BundleNamed, TrustBundle};
use yinzheng::time::UnixTime;
use yinzheng::trust::Roles;

use crate::kit::{JILIN, Result, write, write_manifest};
use crate::seals::{self, STRANGER, SealKeys, Y2025, Y2029};

/// The publisher verifier apps pin.
const PUBLISHER: u8 = 0x71;

#[derive(Serialize)]
struct BundleManifest {
    description: &'static str,
    time: u64,
    publisher_key: String,
    vectors: Vec<BundleVector>,
}

#[derive(Serialize)]
struct BundleVector {
    id: &'static str,
    description: &'static str,
    file: String,
    /// `accept`, or the refusal: `wrong-type`, `bad-signature`, `not-yet-valid`, `expired`,
    /// `invalid-key`, `seal`, `status-list`, `no-anchors`.
    outcome: &'static str,
}

/// The bundle a province publishes: its agency key, the seal maker, the X.509 root, the
/// agency seals and the seals' status list, valid for a week from a day ago.
fn contents(
    keys: &SealKeys,
    jilin: &dyn Signer,
    root_der: &[u8],
    now: UnixTime,
) -> Result<TrustBundle> {
    Ok(TrustBundle {
        publisher: "吉林省政务服务和数字化建设管理局（测试）".into(),
        issued_at: now.saturating_sub(86_400),
        expires_at: now.saturating_add(6 * 86_400),
        issuer_keys: vec![BundleIssuerKey {
            name: "吉林省 test anchor".into(),
            agency: Uscc::parse(JILIN)?,
            alg: -19,
            key: jilin.public_key().to_bytes(),
            roles: Roles::AGENCY.bits(),
        }],
        x509_roots: vec![BundleNamed {
            name: "yinzheng test root (Ed25519)".into(),
            alg: 0,
            bytes: root_der.to_vec(),
            roles: Roles::ISSUER.bits() | Roles::SEAL_MAKER.bits(),
        }],
        seal_makers: vec![BundleNamed {
            name: "吉林省公安厅制章中心（测试）".into(),
            alg: -19,
            bytes: keys.maker.public_key().to_bytes(),
            roles: Roles::SEAL_MAKER.bits(),
        }],
        seals: seals::agency_seals(keys)?,
        status_lists: vec![seals::seal_status_list(now, jilin)?],
        revoked_keys: Vec::new(),
    })
}

pub(crate) fn bundle_vectors(
    dir: &Path,
    keys: &SealKeys,
    jilin: &dyn Signer,
    root_der: &[u8],
    now: UnixTime,
) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let publisher = Ed25519SigningKey::from_seed(&[PUBLISHER; 32]);
    let base = contents(keys, jilin, root_der, now)?;
    let signed = |bundle: &TrustBundle| sign_trust_bundle(bundle, &publisher);
    let mut vectors = Vec::new();
    let mut add = |id: &'static str, description, bytes: Vec<u8>, outcome| -> Result<()> {
        vectors.push(BundleVector {
            id,
            description,
            file: write(dir, &format!("{id}.cose"), &bytes)?,
            outcome,
        });
        Ok(())
    };

    add(
        "bundle-valid",
        "anchors, an X.509 root, a seal maker, four agency seals and a status list",
        signed(&base)?,
        "accept",
    )?;
    let mut flipped = signed(&base)?;
    if let Some(last) = flipped.last_mut() {
        *last ^= 0x01;
    }
    add(
        "bundle-bad-signature",
        "the publisher's signature has one bit flipped",
        flipped,
        "bad-signature",
    )?;
    add(
        "bundle-wrong-publisher",
        "signed by a key other than the pinned publisher",
        sign_trust_bundle(&base, &Ed25519SigningKey::from_seed(&[0x72; 32]))?,
        "bad-signature",
    )?;
    add(
        "bundle-wrong-type",
        "the publisher's signature over the bundle, but typ is not a trust bundle's",
        sign_cose(&publisher, "application/yz-cert+cwt", &base.encode())?,
        "wrong-type",
    )?;
    let expired = TrustBundle {
        issued_at: now.saturating_sub(8 * 86_400),
        expires_at: now,
        ..base.clone()
    };
    add(
        "bundle-expired",
        "its expiry is the verification time (exclusive)",
        signed(&expired)?,
        "expired",
    )?;
    let early = TrustBundle {
        issued_at: now.saturating_add(60),
        ..base.clone()
    };
    add(
        "bundle-not-yet-valid",
        "issued a minute after the verification time",
        signed(&early)?,
        "not-yet-valid",
    )?;
    let mut short_key = base.clone();
    short_key.issuer_keys[0].key.pop();
    add(
        "bundle-invalid-key",
        "an issuer key of 31 bytes",
        signed(&short_key)?,
        "invalid-key",
    )?;
    let mut rogue_seal = base.clone();
    rogue_seal
        .seals
        .push(SealMaker::new(seals::key(STRANGER)).make(
            &seals::seal(keys, "2200000000000009", Y2029, None)?,
            UnixTime::from_secs(Y2025),
        )?);
    add(
        "bundle-seal-untrusted-maker",
        "a seal made by a key that is not among the bundle's seal makers",
        signed(&rogue_seal)?,
        "seal",
    )?;
    let mut foreign_list = base.clone();
    foreign_list.status_lists = vec![seals::seal_status_list(now, &seals::key(STRANGER))?];
    add(
        "bundle-status-list-untrusted",
        "a status list signed by a key that is not an anchor of the bundle",
        signed(&foreign_list)?,
        "status-list",
    )?;

    let empty = TrustBundle {
        publisher: base.publisher.clone(),
        issued_at: base.issued_at,
        expires_at: base.expires_at,
        ..TrustBundle::default()
    };
    add(
        "bundle-no-anchors",
        "signed and fresh, but it trusts nothing",
        signed(&empty)?,
        "no-anchors",
    )?;

    let manifest = BundleManifest {
        description: "yinzheng trust-bundle vectors: build a verifier from each file at `time`, pinning `publisher_key`; see test-vectors/README.md",
        time: now.as_secs(),
        publisher_key: hex::encode(publisher.public_key().to_bytes()),
        vectors,
    };
    write_manifest(dir, &manifest)?;
    Ok(())
}
