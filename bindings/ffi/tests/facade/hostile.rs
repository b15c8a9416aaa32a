//! Hostile and extreme values into every exported function: none may panic.

use std::time::{Duration, UNIX_EPOCH};

use yinzheng_ffi::*;

use crate::support::{
    Fault, JILIN, app_signer, at, licence_request, policy, seal_request, vectors_dir,
};

/// Extreme and hostile values into every exported function: each gives a value or an error,
/// none panics (this test would fail; across the FFI a panic becomes `Internal` at best).
#[test]
#[allow(clippy::too_many_lines)]
fn hostile_values_never_panic_any_exported_function() {
    let times = [
        UNIX_EPOCH.checked_sub(Duration::from_secs(1)).unwrap(),
        UNIX_EPOCH,
        at(1_795_226_400),
        UNIX_EPOCH + Duration::from_secs(4 * 253_402_300_799),
    ];
    let blobs: Vec<Vec<u8>> = vec![
        vec![],
        vec![0xFF; 1 << 20],
        vec![0xD2, 0x84, 0x40, 0xA0, 0x40, 0x40],
        vec![0; 64],
    ];
    let long = "9".repeat(1 << 16);
    let texts = [
        "",
        "YZ1:",
        "YZ2:%%%%",
        long.as_str(),
        "证照\u{0}",
        "1.2.156.3005.2.",
    ];
    let counts = [0, 1, u64::MAX];
    let levels = [QrLevel::L, QrLevel::M, QrLevel::Q, QrLevel::H];
    let dir = std::env::temp_dir().join(format!("yz-hostile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);

    for text in texts {
        let _ = check_uscc(text.into());
        let _ = check_resident_id(text.into());
        let _ = parse_certificate_id(text.into());
        let _ = from_qr_text(text.into());
        let _ = read_presentation_request(text.into());
        let _ = SoftwareKey::from_pkcs8_pem(text.into());
        for level in levels {
            let _ = render_qr_svg(text.into(), level);
            let _ = qr_version(text.into(), level);
            for scale in [0, 1, 48, 49, u32::MAX] {
                if let Ok(png) = render_qr_png(text.into(), level, scale) {
                    assert!(png.starts_with(b"\x89PNG"));
                }
            }
        }
        let _ = verify_inclusion_bundle(text.into(), text.into(), vec![text.into()]);
        let _ = CheckpointAuditor::new(text.into(), vec![text.into()], Some(text.into()));
    }
    for blob in &blobs {
        let _ = to_qr_text(blob.clone());
        let _ = select_disclosures(blob.clone(), vec!["x".into(), String::new()]);
        let _ = verify_log_file(blob.clone(), "o".into(), "not a vkey".into());
        let _ = SoftwareKey::from_seed(blob.clone());
        let _ = Presenter::new(blob.clone(), app_signer(0x71, Fault::None));
        let _ = presentation_request_qr_text(PresentationRequest {
            fields: vec![long.clone()],
            nonce: Some(blob.clone()),
            audience: Some(long.clone()),
            purpose: None,
        });
    }

    // Issuing at every time, with hostile options and signatures.
    let issuer = Issuer::new("测试".into(), JILIN.into(), app_signer(0x11, Fault::None)).unwrap();
    let _ = Issuer::new(long.clone(), long.clone(), app_signer(0x11, Fault::Garbage));
    for blob in &blobs {
        let _ = issuer.with_deterministic_randomness(blob.clone());
        let _ = issuer.with_seal(blob.clone());
        let _ = issuer.with_x509_chain(vec![blob.clone(), blob.clone()]);
    }
    for t in times {
        let _ = issuer.issue(licence_request(), t);
        if let Ok(prepared) = issuer.prepare(licence_request(), t) {
            for blob in &blobs {
                let _ = prepared.complete(blob.clone());
            }
        }
    }
    let mut forever = licence_request();
    forever.valid_until = Some("9999-12-31".into());
    let _ = issuer.issue(forever, times[2]);

    // A trusted certificate whose expiry is 2^64 − 1 seconds shows as 9999-12-31T23:59:59Z.
    let security = vectors_dir().parent().unwrap().join("security");
    let far_expiry = std::fs::read(security.join("certificate-exp-u64-max.cose")).unwrap();
    let anchors = TrustAnchors {
        issuer_keys: vec![TrustedIssuerKey {
            name: "吉林".into(),
            agency_code: JILIN.into(),
            algorithm: SignatureAlgorithm::Ed25519,
            public_key: app_signer(0x11, Fault::None).public_key(),
            roles: vec![TrustRole::Issuer, TrustRole::StatusLists],
            key_id: None,
        }],
        x509_roots: vec![],
        seal_makers: vec![TrustedSealMaker {
            name: "制章".into(),
            algorithm: SignatureAlgorithm::Ed25519,
            public_key: app_signer(0x61, Fault::None).public_key(),
        }],
        pinned_certificates: vec![],
        revoked_keys: vec![RevokedKey {
            key_sha256: vec![7; 32],
            since: Some(times[3]),
        }],
    };
    let verifier = Verifier::with_anchors(anchors.clone(), policy(true)).unwrap();
    let shown = verifier
        .verify_certificate(far_expiry.clone(), times[2])
        .unwrap();
    assert_eq!(
        shown.certificate.valid_until,
        Some(UNIX_EPOCH + Duration::from_secs(253_402_300_799))
    );
    let verdicts = verifier
        .verify_certificates(vec![far_expiry.clone(), vec![], far_expiry], times[2])
        .unwrap();
    assert!(matches!(verdicts[0], CertificateVerdict::Accepted { .. }));

    // Hostile trust: bad keys, no roles, a short digest, an unmarked-leaf root with two roles.
    let mut bad = anchors.clone();
    bad.issuer_keys[0].public_key = vec![0; 31];
    assert!(Verifier::with_anchors(bad, policy(false)).is_err());
    let mut no_roles = anchors.clone();
    no_roles.issuer_keys[0].roles.clear();
    assert!(Verifier::with_anchors(no_roles, policy(false)).is_err());
    let mut short = anchors.clone();
    short.revoked_keys[0].key_sha256 = vec![1; 31];
    assert!(Verifier::with_anchors(short, policy(false)).is_err());
    let mut unmarked = anchors.clone();
    unmarked.x509_roots = vec![TrustedRoot {
        name: "root".into(),
        der: std::fs::read(vectors_dir().parent().unwrap().join("x509/root.der")).unwrap(),
        roles: vec![TrustRole::Issuer, TrustRole::SealMaker],
        allow_unmarked_leaves: true,
    }];
    assert!(Verifier::with_anchors(unmarked, policy(false)).is_err());
    let extreme = VerifierPolicy {
        allow_clock_skew_seconds: u64::MAX,
        allow_unknown_status: true,
        replay_cache_capacity: u64::MAX,
        allow_holder_bound_without_presentation: true,
        allow_cofactored_batch: true,
    };
    let lenient = Verifier::with_anchors(anchors, extreme).unwrap();
    for v in [&verifier, &lenient] {
        for t in times {
            for blob in &blobs {
                let _ = v.add_seal(blob.clone(), t);
                let _ = v.add_status_list(blob.clone(), t);
                let _ = v.verify_certificate(blob.clone(), t);
                let _ =
                    v.verify_presentation(blob.clone(), t, Some(blob.clone()), Some(long.clone()));
                let _ = v.verify_stamp(blob.clone(), blob.clone(), t);
                let _ = v.verify_certificates(vec![blob.clone(); 3], t);
                let _ = Verifier::from_trust_bundle(
                    blob.clone(),
                    SignatureAlgorithm::Es256,
                    blob.clone(),
                    t,
                    policy(false),
                );
            }
            for text in texts {
                let _ = v.verify_qr_text(text.into(), t);
                let _ = v.verify_presentation_qr(text.into(), t, None, Some(text.into()));
            }
        }
    }

    // Holders: hostile lifetimes, slots and times.
    let device = app_signer(0x72, Fault::None);
    let mut bound = licence_request();
    bound.holder_key = Some(DeviceKey {
        algorithm: SignatureAlgorithm::Ed25519,
        public_key: device.public_key(),
    });
    let bound = issuer.issue(bound, times[2]).unwrap();
    let presenter = Presenter::new(bound.bytes, device).unwrap();
    for t in times {
        for n in counts {
            let options = PresentationOptions {
                reveal: vec![long.clone()],
                lifetime_seconds: n,
                nonce: Some(vec![0; 4096]),
                audience: None,
                purpose: Some(long.clone()),
            };
            let _ = presenter.present(options.clone(), t);
            let _ = presenter.rotating_code(options, t, n);
            let plain = PresentationOptions {
                reveal: vec![],
                lifetime_seconds: 60,
                nonce: None,
                audience: None,
                purpose: None,
            };
            let _ = presenter.rotating_code(plain, t, n);
        }
    }

    // Seals and stamps at extreme times and sizes.
    let stamper = app_signer(0x62, Fault::None);
    for t in times {
        let mut request = seal_request(&stamper, 1_790_000_000);
        request.valid_until = t;
        request.kind_code = u64::MAX;
        let _ = make_seal(request, app_signer(0x61, Fault::None), None);
        let mut request = seal_request(&stamper, 1_790_000_000);
        request.valid_until = times[3];
        request.width_mm = u32::MAX;
        request.status_index = Some(u64::MAX);
        request.status_uri = Some(long.clone());
        // A seal valid past 9999 is shown without panicking.
        let seal = make_seal(request, app_signer(0x61, Fault::None), None).unwrap();
        let added = verifier.add_seal(seal.clone(), times[2]).unwrap();
        assert_eq!(
            added.seal.valid_until,
            UNIX_EPOCH + Duration::from_secs(253_402_300_799)
        );
        let _ = stamp_document(
            seal,
            blobs[1].clone(),
            long.clone(),
            stamper.clone(),
            t,
            None,
        );
    }

    // Audit log and status registry with hostile indices, times and names.
    let log = AuditLog::open_with_software_key(
        dir.join("log").to_string_lossy().into_owned(),
        "audit.example/hostile".into(),
        SoftwareKey::from_seed(vec![5; 32]).unwrap(),
    )
    .unwrap();
    for t in times {
        let _ = log.append(
            AuditEvent {
                kind: AuditEventKind::CertificateIssued,
                actor_key_id: blobs[0].clone(),
                subject: blobs[3].clone(),
                object_digest: vec![0; 32],
                attributes: blobs[2].clone(),
            },
            t,
        );
    }
    for n in counts {
        let _ = log.inclusion_bundle(n);
        let _ = log.consistency_bundle(n);
    }
    let auditor = CheckpointAuditor::new(
        "audit.example/hostile".into(),
        vec![log.verifier_key()],
        None,
    )
    .unwrap();
    for text in texts {
        let _ = auditor.update(text.into());
    }
    let registry = StatusRegistry::open(
        dir.join("journal").to_string_lossy().into_owned(),
        "https://status.example/hostile/".into(),
        Some(log.clone()),
    )
    .unwrap();
    let key = SoftwareKey::from_seed(vec![6; 32]).unwrap();
    for t in times {
        for text in texts {
            let _ = registry.revoke(text.into(), text.into(), t);
            let _ = registry.set_status(text.into(), LegalStatus::Suspended, long.clone(), t);
            let _ = registry.entry(text.into());
            for n in counts {
                let _ = registry.publish_with_software_key(text.into(), key.clone(), t, n);
            }
        }
    }
    assert!(!version().is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}
