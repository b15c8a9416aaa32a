//! What the facade tests share: the Jilin agency code, the certificate vectors and a verifier
//! over their manifest, an app-written `Signer` with switchable faults, and the requests the
//! tests issue and seal from.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use yinzheng_ffi::*;

pub(crate) const JILIN: &str = "11220000013544541J";

pub(crate) fn vectors_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors/certificates")
}

pub(crate) fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// A signer as an app would write one, over a software key, with switchable faults.
struct AppSigner {
    key: Arc<SoftwareKey>,
    seed: [u8; 32],
    fault: Fault,
}

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Fault {
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

pub(crate) fn app_signer(seed: u8, fault: Fault) -> Arc<dyn Signer> {
    Arc::new(AppSigner {
        key: SoftwareKey::from_seed(vec![seed; 32]).unwrap(),
        seed: [seed; 32],
        fault,
    })
}

pub(crate) fn licence_request() -> CertificateRequest {
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
pub(crate) fn policy(allow_unknown_status: bool) -> VerifierPolicy {
    VerifierPolicy {
        allow_clock_skew_seconds: 0,
        allow_unknown_status,
        replay_cache_capacity: 0,
        allow_holder_bound_without_presentation: false,
        allow_cofactored_batch: false,
    }
}

pub(crate) fn manifest() -> Value {
    serde_json::from_str(&std::fs::read_to_string(vectors_dir().join("manifest.json")).unwrap())
        .unwrap()
}

pub(crate) fn roles_of(entry: &Value) -> Vec<TrustRole> {
    entry["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| match r.as_str().unwrap() {
            "issuer" => TrustRole::Issuer,
            "seal-maker" => TrustRole::SealMaker,
            "status-lists" => TrustRole::StatusLists,
            "bundle-publisher" => TrustRole::BundlePublisher,
            "stamp-signer" => TrustRole::StampSigner,
            other => panic!("unknown role {other}"),
        })
        .collect()
}

pub(crate) fn verifier_from_manifest(m: &Value, allow_unknown_status: bool) -> Arc<Verifier> {
    verifier_with_policy(m, policy(allow_unknown_status))
}

pub(crate) fn verifier_with_policy(m: &Value, policy: VerifierPolicy) -> Arc<Verifier> {
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
            pinned_certificates: vec![],
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

pub(crate) fn seal_request(stamper: &Arc<dyn Signer>, t0: u64) -> SealRequest {
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
