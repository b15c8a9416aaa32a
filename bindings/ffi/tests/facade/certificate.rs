//! Issuing through the facade: the vector bytes reproduced with an app signer, signer faults,
//! two-phase issuing, selective disclosure, app clocks and input errors.

use std::sync::Arc;
use std::time::SystemTime;

use yinzheng_ffi::*;

use crate::support::{
    Fault, JILIN, app_signer, at, licence_request, manifest, policy, vectors_dir,
};

#[test]
fn issuing_from_the_facade_reproduces_the_vector_bytes() {
    let m = manifest();
    let signed_at = at(m["time"].as_u64().unwrap() - 30 * 86_400);
    let issuer = Issuer::new(
        "吉林省市场监督管理局（测试）".into(),
        JILIN.into(),
        app_signer(0x11, Fault::None),
    )
    .unwrap();
    let issued = issuer.issue(licence_request(), signed_at).unwrap();
    assert_eq!(
        issued.bytes,
        std::fs::read(vectors_dir().join("valid-plain.cbor")).unwrap()
    );
    assert!(issued.qr_text.starts_with("YZ1:") || issued.qr_text.starts_with("YZ2:"));
}

#[test]
fn foreign_signer_faults_become_signer_failed() {
    let now = at(1_795_226_400);
    for fault in [Fault::Refuse, Fault::Garbage, Fault::Unexpected] {
        let issuer = Issuer::new("测试".into(), JILIN.into(), app_signer(0x22, fault)).unwrap();
        match issuer.issue(licence_request(), now) {
            Err(YinzhengError::SignerFailed { reason }) => assert!(!reason.is_empty()),
            other => panic!("expected SignerFailed, got {other:?}"),
        }
    }
}

#[test]
fn two_phase_and_disclosure_and_errors() {
    let key = SoftwareKey::from_seed(vec![0x33; 32]).unwrap();
    let issuer = Issuer::with_software_key("测试".into(), JILIN.into(), key.clone())
        .unwrap()
        .with_deterministic_randomness(vec![1; 32])
        .unwrap();
    let mut request = licence_request();
    request.disclosable_fields = vec![Field {
        name: "age_over_18".into(),
        value: FieldValue::Bool { value: true },
    }];
    let now = at(1_795_226_400);
    let prepared = issuer.prepare(request.clone(), now).unwrap();
    let signature = {
        use yinzheng::crypto::Signer as _;
        yinzheng::crypto::Ed25519SigningKey::from_seed(&[0x33; 32])
            .sign(&prepared.to_be_signed())
            .unwrap()
    };
    let issued = prepared.complete(signature.clone()).unwrap();
    assert!(matches!(
        prepared.complete(signature),
        Err(YinzhengError::InvalidInput { .. })
    ));
    let again = issuer.issue(request, now).unwrap();
    assert_eq!(again.certificate.disclosed.len(), 1);

    let verifier = Verifier::new(
        vec![TrustedIssuerKey {
            name: "k".into(),
            agency_code: JILIN.into(),
            algorithm: SignatureAlgorithm::Ed25519,
            public_key: key.public_key(),
            roles: vec![TrustRole::Issuer, TrustRole::StatusLists],
            key_id: None,
        }],
        policy(false),
    )
    .unwrap();
    let hidden = select_disclosures(issued.bytes.clone(), vec![]).unwrap();
    let verified = verifier.verify_qr_text(to_qr_text(hidden), now).unwrap();
    assert!(verified.certificate.disclosed.is_empty());
    assert_eq!(verified.report.checks.len(), 10);
    assert_eq!(verified.report.checks[0].check, Check::TrustBundle);
    assert_eq!(from_qr_text(issued.qr_text.clone()).unwrap(), issued.bytes);

    // Clocks: a failing app clock stops verification.
    struct Broken;
    impl Clock for Broken {
        fn now(&self) -> Result<SystemTime, YinzhengError> {
            Err(YinzhengError::ClockUnavailable {
                reason: "no network time".into(),
            })
        }
    }
    struct Fixed;
    impl Clock for Fixed {
        fn now(&self) -> Result<SystemTime, YinzhengError> {
            Ok(at(1_795_226_400))
        }
    }
    assert!(matches!(
        verifier.verify_certificate_now(issued.bytes.clone(), Arc::new(Broken)),
        Err(YinzhengError::ClockUnavailable { .. })
    ));
    assert!(
        verifier
            .verify_certificate_now(issued.bytes, Arc::new(Fixed))
            .is_ok()
    );

    // Input errors name the problem and carry no personal data.
    let mut bad = licence_request();
    bad.holder_code = "91350100M000100Y44".into();
    match issuer.issue(bad, now) {
        Err(YinzhengError::InvalidInput { reason }) => {
            assert!(reason.contains("check character"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        Verifier::new(vec![], policy(false)),
        Err(YinzhengError::InvalidInput { .. })
    ));
    assert!(matches!(
        SoftwareKey::from_seed(vec![1; 31]),
        Err(YinzhengError::InvalidKey { .. })
    ));
    assert!(check_uscc("91350100M000100Y43".into()).is_ok());
    assert!(check_resident_id("11010519491231002X".into()).is_ok());
    assert!(check_resident_id("110105194912310021".into()).is_err());
    let parts = parse_certificate_id(
        "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F".into(),
    )
    .unwrap();
    assert_eq!(parts.serial, "2430599");
}
