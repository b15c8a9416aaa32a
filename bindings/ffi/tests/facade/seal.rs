//! Seals through the facade: making and holding a seal, stamping a document, and a certificate
//! issued under the seal.

use yinzheng_ffi::*;

use crate::support::{Fault, JILIN, app_signer, at, licence_request, policy, seal_request};

#[test]
fn seals_stamps_and_sealed_certificates_through_the_facade() {
    let t0 = 1_790_000_000;
    let (maker, stamper) = (app_signer(0x61, Fault::None), app_signer(0x62, Fault::None));
    let seal = make_seal(seal_request(&stamper, t0), maker.clone(), None).unwrap();
    let verifier = Verifier::with_anchors(
        TrustAnchors {
            issuer_keys: vec![],
            x509_roots: vec![],
            seal_makers: vec![TrustedSealMaker {
                name: "制章中心".into(),
                algorithm: SignatureAlgorithm::Ed25519,
                public_key: maker.public_key(),
            }],
            pinned_certificates: vec![],
            revoked_keys: vec![],
        },
        policy(false),
    )
    .unwrap();
    let added = verifier.add_seal(seal.clone(), at(t0)).unwrap();
    assert_eq!(added.seal.kind_label, "公章");
    assert_eq!(added.outcome, SealOutcome::Stored);
    assert_eq!(
        verifier.add_seal(seal.clone(), at(t0)).unwrap().outcome,
        SealOutcome::AlreadyHeld
    );

    // A stamp over a document verifies; one altered byte is rejected at the digest check.
    let document = b"%PDF-1.7 ... %%EOF".to_vec();
    let stamp = stamp_document(
        seal.clone(),
        document.clone(),
        "全文".into(),
        stamper.clone(),
        at(t0 + 100),
        None,
    )
    .unwrap();
    let verified = verifier
        .verify_stamp(stamp.clone(), document.clone(), at(t0 + 200))
        .unwrap();
    assert_eq!(verified.seal.picture_format, "svg");
    assert_eq!(verified.seal_maker, "制章中心");
    let mut altered = document;
    altered[3] ^= 1;
    match verifier.verify_stamp(stamp, altered, at(t0 + 200)) {
        Err(YinzhengError::Rejected { check, .. }) => assert_eq!(check, Check::DocumentDigest),
        other => panic!("{other:?}"),
    }
    // A key the seal does not authorise cannot stamp.
    assert!(matches!(
        stamp_document(
            seal.clone(),
            vec![1],
            "全文".into(),
            app_signer(0x63, Fault::None),
            at(t0),
            None
        ),
        Err(YinzhengError::InvalidInput { .. })
    ));
    // A faulty signer cannot produce a seal.
    assert!(matches!(
        make_seal(
            seal_request(&stamper, t0),
            app_signer(0x61, Fault::Garbage),
            None
        ),
        Err(YinzhengError::SignerFailed { .. })
    ));

    // A certificate signed under the seal verifies through it and carries its picture.
    let issuer = Issuer::new("吉林省市场监督管理局（测试）".into(), JILIN.into(), stamper)
        .unwrap()
        .with_seal(seal)
        .unwrap();
    let issued = issuer.issue(licence_request(), at(t0 + 100)).unwrap();
    let verified = verifier
        .verify_certificate(issued.bytes, at(t0 + 200))
        .unwrap();
    assert_eq!(verified.seal.unwrap().id, "2200000000000042");
}
