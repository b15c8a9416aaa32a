//! Trust paths and stamps next to their floor. An X.509-certified certificate costs three
//! Ed25519 verifications (leaf ← intermediate, intermediate ← root, the certificate itself);
//! a stamp costs two (the stamp, the seal) plus SHA-256 of the document. The ratio to those
//! raw costs is what matters; see docs/PERFORMANCE.md.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use yinzheng::Limits;
use yinzheng::crypto::{Algorithm, Ed25519SigningKey, Signer as _, sha256};
use yinzheng::encoding::cose::CoseSign1;
use yinzheng::issue::{SealMaker, Stamper};
use yinzheng::model::{Agency, Seal, SealKind, SealPicture};
use yinzheng::time::UnixTime;
use yinzheng::trust::TrustStore;
use yinzheng::verify::{VerificationContext, Verifier};

fn vectors() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("test-vectors")
}

fn x509_chain(c: &mut Criterion) {
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(vectors().join("certificates/manifest.json")).unwrap(),
    )
    .unwrap();
    let mut trust = TrustStore::new();
    for root in manifest["x509_roots"].as_array().unwrap() {
        let der = hex::decode(root["der"].as_str().unwrap()).unwrap();
        trust
            .add_x509_root(
                root["name"].as_str().unwrap(),
                &der,
                yinzheng::trust::Roles::ISSUER,
            )
            .unwrap();
    }
    let verifier = Verifier::builder(trust).build().unwrap();
    let bytes = std::fs::read(vectors().join("certificates/x509-valid.cbor")).unwrap();
    let ctx = VerificationContext::at(UnixTime::from_secs(manifest["time"].as_u64().unwrap()));
    assert!(verifier.verify_certificate(&bytes, &ctx).is_ok());

    // The floor: the same three signatures, verified bare over the same signed bytes.
    let sign1 = CoseSign1::decode(&bytes, &Limits::default()).unwrap();
    let tbs = sign1.to_be_signed();
    let leaf = Ed25519SigningKey::from_seed(&[0x43; 32]).public_key();
    let cert_sig = sign1.signature.to_vec();
    let signed_by = |name: &str| {
        use x509_parser::prelude::FromDer as _;
        let der = std::fs::read(vectors().join(format!("x509/{name}.der"))).unwrap();
        let (_, cert) = x509_parser::certificate::X509Certificate::from_der(&der).unwrap();
        let tbs = cert.tbs_certificate.as_ref().to_vec();
        (tbs, cert.signature_value.data.to_vec())
    };
    let (leaf_tbs, leaf_sig) = signed_by("leaf");
    let (inter_tbs, inter_sig) = signed_by("intermediate");
    let inter_key = Ed25519SigningKey::from_seed(&[0x42; 32]).public_key();
    let root_key = Ed25519SigningKey::from_seed(&[0x41; 32]).public_key();
    inter_key
        .verify(Algorithm::Ed25519, &leaf_tbs, &leaf_sig)
        .unwrap();
    root_key
        .verify(Algorithm::Ed25519, &inter_tbs, &inter_sig)
        .unwrap();

    let mut group = c.benchmark_group("x509");
    group.bench_function("floor: 3 × verify_strict", |b| {
        b.iter(|| {
            inter_key
                .verify(Algorithm::Ed25519, black_box(&leaf_tbs), &leaf_sig)
                .unwrap();
            root_key
                .verify(Algorithm::Ed25519, black_box(&inter_tbs), &inter_sig)
                .unwrap();
            leaf.verify(Algorithm::Ed25519, black_box(&tbs), &cert_sig)
                .unwrap();
        });
    });
    group.bench_function(
        "verify certificate with x5chain (leaf + intermediate)",
        |b| {
            b.iter(|| {
                verifier
                    .verify_certificate(black_box(&bytes), &ctx)
                    .unwrap()
            });
        },
    );
    group.finish();
}

fn stamps(c: &mut Criterion) {
    let maker = Ed25519SigningKey::from_seed(&[0x61; 32]);
    let stamper_key = Ed25519SigningKey::from_seed(&[0x62; 32]);
    let t = UnixTime::from_secs(1_790_000_000);
    let seal = Seal {
        id: "2200000000000001".into(),
        kind: SealKind::Official,
        name: "示例公章".into(),
        owner: Agency::new("示例", "11220000013544541J").unwrap(),
        authorised_keys: vec![sha256(&stamper_key.public_key().to_bytes())],
        created: t,
        valid_from: t,
        valid_until: t.saturating_add(86_400),
        picture: SealPicture {
            format: "svg".into(),
            data: vec![b'x'; 2048],
            width_mm: 42,
            height_mm: 42,
        },
        status: None,
    };
    let sealed = SealMaker::new(Ed25519SigningKey::from_seed(&[0x61; 32]))
        .make(&seal, t)
        .unwrap();
    let document = vec![0x25; 64 * 1024];
    let stamper = Stamper::new(sealed.clone(), Ed25519SigningKey::from_seed(&[0x62; 32])).unwrap();
    let stamp = stamper.stamp(&document, "全文", t).unwrap();
    let mut trust = TrustStore::new();
    trust.add_seal_maker("maker", maker.public_key()).unwrap();
    let verifier = Verifier::builder(trust).build().unwrap();
    let ctx = VerificationContext::at(t.saturating_add(60));
    assert!(verifier.verify_stamp(&stamp, &document, &ctx).is_ok());

    let limits = Limits::default();
    let outer = CoseSign1::decode(&stamp, &limits).unwrap();
    let inner = CoseSign1::decode(&sealed, &limits).unwrap();
    let (outer_tbs, inner_tbs) = (outer.to_be_signed(), inner.to_be_signed());
    let (stamp_key, maker_key) = (stamper_key.public_key(), maker.public_key());

    let mut group = c.benchmark_group("stamp (64 KiB document, 2 KiB picture)");
    group.bench_function("floor: 2 × verify_strict + SHA-256(document)", |b| {
        b.iter(|| {
            stamp_key
                .verify(Algorithm::Ed25519, black_box(&outer_tbs), outer.signature)
                .unwrap();
            maker_key
                .verify(Algorithm::Ed25519, black_box(&inner_tbs), inner.signature)
                .unwrap();
            black_box(sha256(black_box(&document)));
        });
    });
    group.bench_function("verify_stamp", |b| {
        b.iter(|| {
            verifier
                .verify_stamp(black_box(&stamp), black_box(&document), &ctx)
                .unwrap()
        });
    });
    group.finish();
}

criterion_group!(benches, x509_chain, stamps);
criterion_main!(benches);
