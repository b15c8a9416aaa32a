//! Presentations (亮证) through the facade: a request scanned by the holder's app, a device-
//! signed presentation, replay refusal, and the rotating QR code.

use yinzheng_ffi::*;

use crate::support::{Fault, JILIN, app_signer, at, licence_request, manifest, policy};

#[test]
fn presentations_through_the_facade() {
    let m = manifest();
    let now = m["time"].as_u64().unwrap();
    let device = app_signer(0x72, Fault::None);
    let issuer = Issuer::new(
        "吉林省市场监督管理局（测试）".into(),
        JILIN.into(),
        app_signer(0x11, Fault::None),
    )
    .unwrap();
    let mut request = licence_request();
    request.disclosable_fields = vec![Field {
        name: "注册资本".into(),
        value: FieldValue::Text {
            value: "壹佰万元整".into(),
        },
    }];
    request.fields.retain(|f| f.name != "注册资本");
    request.holder_key = Some(DeviceKey {
        algorithm: SignatureAlgorithm::Ed25519,
        public_key: device.public_key(),
    });
    let issued = issuer.issue(request, at(now - 100)).unwrap();

    // The verifier's request, scanned by the holder's app.
    let asked = read_presentation_request(presentation_request_qr_text(PresentationRequest {
        fields: vec!["注册资本".into()],
        nonce: Some(vec![9; 12]),
        audience: Some("银行柜台".into()),
        purpose: Some("开户".into()),
    }))
    .unwrap();
    let presenter = Presenter::new(issued.bytes.clone(), device).unwrap();
    let shown = presenter
        .present(
            PresentationOptions {
                reveal: asked.fields,
                lifetime_seconds: 60,
                nonce: asked.nonce,
                audience: asked.audience,
                purpose: asked.purpose,
            },
            at(now),
        )
        .unwrap();
    let verifier = Verifier::new(
        vec![TrustedIssuerKey {
            name: "jilin".into(),
            agency_code: JILIN.into(),
            algorithm: SignatureAlgorithm::Ed25519,
            public_key: app_signer(0x11, Fault::None).public_key(),
            roles: vec![TrustRole::Issuer, TrustRole::StatusLists],
            key_id: None,
        }],
        VerifierPolicy {
            replay_cache_capacity: 100,
            ..policy(false)
        },
    )
    .unwrap();
    let verified = verifier
        .verify_presentation_qr(
            shown.qr_text.clone(),
            at(now + 5),
            Some(vec![9; 12]),
            Some("银行柜台".into()),
        )
        .unwrap();
    assert_eq!(verified.certificate.disclosed[0].name, "注册资本");
    assert_eq!(verified.purpose.as_deref(), Some("开户"));
    match verifier.verify_presentation_qr(
        shown.qr_text.clone(),
        at(now + 6),
        Some(vec![9; 12]),
        None,
    ) {
        Err(YinzhengError::Rejected { check, reason, .. }) => {
            assert_eq!(check, Check::HolderBinding);
            assert!(reason.contains("replay"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    // The certificate itself, without a presentation, is refused at check 8.
    match verifier.verify_certificate(issued.bytes, at(now)) {
        Err(YinzhengError::Rejected { check, .. }) => assert_eq!(check, Check::HolderBinding),
        other => panic!("{other:?}"),
    }
    let code = presenter
        .rotating_code(
            PresentationOptions {
                reveal: vec![],
                lifetime_seconds: 60,
                nonce: None,
                audience: None,
                purpose: None,
            },
            at(now),
            30,
        )
        .unwrap();
    assert!(code.refresh_at > at(now));
    assert!(qr_version(code.qr_text.clone(), QrLevel::M).unwrap() <= 25);
    assert!(
        render_qr_svg(code.qr_text.clone(), QrLevel::M)
            .unwrap()
            .starts_with("<svg")
    );
    assert!(
        render_qr_png(code.qr_text, QrLevel::M, 2)
            .unwrap()
            .starts_with(b"\x89PNG")
    );
}
