//! The FFI facade from Rust: Rust implementations of the foreign `Signer` and `Clock` traits,
//! the shared test vectors, and the error variants a Kotlin/Swift/Python caller sees.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use yinzheng_ffi::*;

const JILIN: &str = "11220000013544541J";

fn vectors_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors/certificates")
}

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// A signer as an app would write one, over a software key, with switchable faults.
struct AppSigner {
    key: Arc<SoftwareKey>,
    seed: [u8; 32],
    fault: Fault,
}

#[derive(Clone, Copy, PartialEq)]
enum Fault {
    None,
    Refuse,
    Garbage,
    Unexpected,
}

impl Signer for AppSigner {
    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::Ed25519
    }

    fn public_key(&self) -> Vec<u8> {
        self.key.public_key()
    }

    fn sign(&self, message: Vec<u8>) -> Result<Vec<u8>, YinzhengError> {
        match self.fault {
            Fault::None => {
                use yinzheng::crypto::Signer as _;
                yinzheng::crypto::Ed25519SigningKey::from_seed(&self.seed)
                    .sign(&message)
                    .map_err(|e| YinzhengError::SignerFailed {
                        reason: e.to_string(),
                    })
            }
            Fault::Refuse => Err(YinzhengError::SignerFailed {
                reason: "user cancelled".into(),
            }),
            Fault::Garbage => Ok(vec![0; 64]),
            Fault::Unexpected => {
                Err(uniffi::UnexpectedUniFFICallbackError::new("IllegalStateException").into())
            }
        }
    }
}

fn app_signer(seed: u8, fault: Fault) -> Arc<dyn Signer> {
    Arc::new(AppSigner {
        key: SoftwareKey::from_seed(vec![seed; 32]).unwrap(),
        seed: [seed; 32],
        fault,
    })
}

fn licence_request() -> CertificateRequest {
    CertificateRequest {
        type_code: "11100000MB0341032Y002".into(),
        type_name: "营业执照".into(),
        number: "91350100M000100Y43".into(),
        holder_name: "福州示例科技有限公司".into(),
        holder_code: "91350100M000100Y43".into(),
        holder_code_type: "001".into(),
        issued_on: "2024-03-15".into(),
        valid_from: "2024-03-15".into(),
        valid_until: None,
        jurisdiction: Some("350100".into()),
        fields: vec![
            Field {
                name: "类型".into(),
                value: FieldValue::Text {
                    value: "有限责任公司".into(),
                },
            },
            Field {
                name: "法定代表人".into(),
                value: FieldValue::Text {
                    value: "林示例".into(),
                },
            },
            Field {
                name: "注册资本".into(),
                value: FieldValue::Text {
                    value: "壹佰万元整".into(),
                },
            },
            Field {
                name: "成立日期".into(),
                value: FieldValue::Date {
                    value: "2018-06-01".into(),
                },
            },
            Field {
                name: "住所".into(),
                value: FieldValue::Text {
                    value: "福建省福州市鼓楼区示例路1号".into(),
                },
            },
        ],
        disclosable_fields: vec![],
        serial: Some("2024031500001".into()),
        version: None,
        holder_key: None,
    }
}

/// The strict policy, optionally allowing an unknown status.
fn policy(allow_unknown_status: bool) -> VerifierPolicy {
    VerifierPolicy {
        allow_clock_skew_seconds: 0,
        allow_unknown_status,
        replay_cache_capacity: 0,
        allow_holder_bound_without_presentation: false,
        allow_cofactored_batch: false,
    }
}

fn manifest() -> Value {
    serde_json::from_str(&std::fs::read_to_string(vectors_dir().join("manifest.json")).unwrap())
        .unwrap()
}

fn roles_of(entry: &Value) -> Vec<TrustRole> {
    entry["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| match r.as_str().unwrap() {
            "issuer" => TrustRole::Issuer,
            "seal-maker" => TrustRole::SealMaker,
            "status-lists" => TrustRole::StatusLists,
            _ => TrustRole::BundlePublisher,
        })
        .collect()
}

fn verifier_from_manifest(m: &Value, allow_unknown_status: bool) -> Arc<Verifier> {
    verifier_with_policy(m, policy(allow_unknown_status))
}

fn verifier_with_policy(m: &Value, policy: VerifierPolicy) -> Arc<Verifier> {
    let entry = |t: &Value| {
        (
            t["name"].as_str().unwrap().to_owned(),
            match t["alg"].as_str().unwrap() {
                "Ed25519" => SignatureAlgorithm::Ed25519,
                _ => SignatureAlgorithm::Es256,
            },
            hex::decode(t["public_key"].as_str().unwrap()).unwrap(),
        )
    };
    let issuer_keys = m["trust"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let (name, algorithm, public_key) = entry(t);
            TrustedIssuerKey {
                name,
                agency_code: t["agency"].as_str().unwrap().into(),
                algorithm,
                public_key,
                roles: roles_of(t),
                key_id: None,
            }
        })
        .collect();
    let seal_makers = m["seal_makers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let (name, algorithm, public_key) = entry(t);
            TrustedSealMaker {
                name,
                algorithm,
                public_key,
            }
        })
        .collect();
    let x509_roots = m["x509_roots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| TrustedRoot {
            name: r["name"].as_str().unwrap().into(),
            der: hex::decode(r["der"].as_str().unwrap()).unwrap(),
            roles: roles_of(r),
            allow_unmarked_leaves: false,
        })
        .collect();
    let verifier = Verifier::with_anchors(
        TrustAnchors {
            issuer_keys,
            x509_roots,
            seal_makers,
            revoked_keys: vec![],
        },
        policy,
    )
    .unwrap();
    let now = at(m["time"].as_u64().unwrap());
    for seal in m["seals"].as_array().unwrap() {
        verifier
            .add_seal(hex::decode(seal.as_str().unwrap()).unwrap(), now)
            .unwrap();
    }
    verifier
}

#[test]
fn vectors_through_the_facade() {
    let m = manifest();
    let now = at(m["time"].as_u64().unwrap());
    for v in m["vectors"].as_array().unwrap() {
        let verifier = verifier_from_manifest(&m, v["allow_unknown_status"].as_bool().unwrap());
        for list in v["status_lists"].as_array().unwrap() {
            let _ = verifier.add_status_list(
                std::fs::read(vectors_dir().join(list.as_str().unwrap())).unwrap(),
                now,
            );
        }
        let bytes = std::fs::read(vectors_dir().join(v["file"].as_str().unwrap())).unwrap();
        let id = v["id"].as_str().unwrap();
        match (
            verifier.verify_certificate(bytes, now),
            v["expected"]["outcome"].as_str().unwrap(),
        ) {
            (Ok(verified), "accept") => {
                let names: Vec<String> = verified
                    .certificate
                    .disclosed
                    .iter()
                    .map(|f| f.name.clone())
                    .collect();
                let want: Vec<String> = v["expected"]["disclosed"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|n| n.as_str().unwrap().to_owned())
                    .collect();
                assert_eq!(names, want, "{id}");
            }
            (Err(YinzhengError::Rejected { report, check, .. }), "reject") => {
                let failed: Vec<&CheckOutcome> = report
                    .checks
                    .iter()
                    .filter(|c| c.status == CheckStatus::Failed)
                    .collect();
                assert_eq!(failed.len(), 1, "{id}");
                assert_eq!(failed[0].check, check, "{id}");
                assert_eq!(
                    failed[0].name,
                    v["expected"]["failed_check"].as_str().unwrap(),
                    "{id}"
                );
            }
            (other, expected) => panic!("{id}: expected {expected}, got {other:?}"),
        }
    }
}

#[test]
fn a_queue_of_vectors_gets_the_single_verdicts_in_one_call() {
    let m = manifest();
    let now = at(m["time"].as_u64().unwrap());
    let queue: Vec<Vec<u8>> = m["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| std::fs::read(vectors_dir().join(v["file"].as_str().unwrap())).unwrap())
        .collect();
    let batching = VerifierPolicy {
        allow_cofactored_batch: true,
        ..policy(false)
    };
    for verifier in [
        verifier_from_manifest(&m, false),
        verifier_with_policy(&m, batching),
    ] {
        let verdicts = verifier.verify_certificates(queue.clone(), now).unwrap();
        assert_eq!(verdicts.len(), queue.len());
        let mut accepted = 0;
        for ((verdict, bytes), v) in verdicts
            .iter()
            .zip(&queue)
            .zip(m["vectors"].as_array().unwrap())
        {
            let id = v["id"].as_str().unwrap();
            match (verdict, verifier.verify_certificate(bytes.clone(), now)) {
                (CertificateVerdict::Accepted { verified }, Ok(single)) => {
                    assert_eq!(verified, &single, "{id}");
                    accepted += 1;
                }
                (
                    CertificateVerdict::Rejected { check, report, .. },
                    Err(YinzhengError::Rejected {
                        check: c,
                        report: r,
                        ..
                    }),
                ) => {
                    assert_eq!((check, report), (&c, &r), "{id}");
                }
                (verdict, single) => panic!("{id}: queue {verdict:?}, single {single:?}"),
            }
        }
        assert!(accepted > 0);
    }
}

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

fn seal_request(stamper: &Arc<dyn Signer>, t0: u64) -> SealRequest {
    SealRequest {
        id: "2200000000000042".into(),
        kind_code: 1,
        name: "吉林省市场监督管理局（测试）电子公章".into(),
        owner_name: "吉林省市场监督管理局（测试）".into(),
        owner_code: JILIN.into(),
        authorised_keys: vec![stamper.public_key()],
        created: at(t0),
        valid_from: at(t0),
        valid_until: at(t0 + 365 * 86_400),
        picture_format: "svg".into(),
        picture: b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>".to_vec(),
        width_mm: 42,
        height_mm: 42,
        status_uri: None,
        status_index: None,
    }
}

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
