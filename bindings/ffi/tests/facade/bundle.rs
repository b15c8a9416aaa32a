//! A trust bundle through the facade: a verifier built from a signed bundle of the vectors'
//! X.509 roots, and the bundle refused once expired.

use yinzheng_ffi::*;

use crate::support::{at, manifest, policy, vectors_dir};

#[test]
fn a_trust_bundle_through_the_facade() {
    let m = manifest();
    let now = m["time"].as_u64().unwrap();
    let dir = vectors_dir();
    let publisher = yinzheng::crypto::Ed25519SigningKey::from_seed(&[0x7A; 32]);
    let bundle = yinzheng::model::bundle::TrustBundle {
        publisher: "test".into(),
        issued_at: yinzheng::time::UnixTime::from_secs(now - 60),
        expires_at: yinzheng::time::UnixTime::from_secs(now + 86_400),
        x509_roots: m["x509_roots"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| yinzheng::model::bundle::BundleNamed {
                name: r["name"].as_str().unwrap().into(),
                alg: 0,
                bytes: hex::decode(r["der"].as_str().unwrap()).unwrap(),
                roles: yinzheng::trust::Roles::ISSUER.bits(),
            })
            .collect(),
        ..Default::default()
    };
    let bytes = yinzheng::issue::sign_trust_bundle(&bundle, &publisher).unwrap();
    let public = yinzheng::crypto::Signer::public_key(&publisher).to_bytes();
    let verifier = Verifier::from_trust_bundle(
        bytes.clone(),
        SignatureAlgorithm::Ed25519,
        public.clone(),
        at(now),
        policy(false),
    )
    .unwrap();
    let chain_signed = std::fs::read(dir.join("x509-valid.cbor")).unwrap();
    assert!(verifier.verify_certificate(chain_signed, at(now)).is_ok());
    // Expired bundle.
    assert!(matches!(
        Verifier::from_trust_bundle(
            bytes,
            SignatureAlgorithm::Ed25519,
            public,
            at(now + 86_400),
            policy(false)
        ),
        Err(YinzhengError::InvalidInput { .. })
    ));
}
