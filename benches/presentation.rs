//! Presentation (亮证) verification next to its floor: the issuer's Ed25519 `verify_strict`,
//! the device's P-256 ECDSA verification and SHA-256 of the revealed items, over the same
//! bytes. Also what the phone pays to make one. See docs/PERFORMANCE.md.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use yinzheng::Limits;
use yinzheng::crypto::{Ed25519SigningKey, P256SigningKey, SeededRandom, Signer as _, sha256};
use yinzheng::encoding::cose::CoseSign1;
use yinzheng::issue::{CertificateBuilder, Issuer};
use yinzheng::model::presentation::PresentationClaims;
use yinzheng::model::{Agency, CertificateType, Holder, ResidentId, Uscc, Validity};
use yinzheng::present::{PresentationOptions, Presenter};
use yinzheng::time::{Date, UnixTime};
use yinzheng::trust::TrustStore;
use yinzheng::verify::{VerificationContext, Verifier};

fn presentation(c: &mut Criterion) {
    let issuer_key = Ed25519SigningKey::from_seed(&[0x11; 32]);
    let issuer_public = issuer_key.public_key();
    let device = P256SigningKey::from_bytes(&[0x71; 32]).unwrap();
    let device_public = device.public_key();
    let issuer = Issuer::new(
        Agency::new("吉林省公安厅", "11220000013544541J").unwrap(),
        issuer_key,
    )
    .with_rng(SeededRandom::from_seed([1; 32]));
    let day = Date::new(2024, 1, 8).unwrap();
    let certificate = issuer
        .issue(
            CertificateBuilder::new(
                CertificateType::new("11100000000013338W032", "居住证").unwrap(),
                "吉A0001",
                Holder::resident("李示例", &ResidentId::parse("11010519491231002X").unwrap()),
                day,
                Validity::long_term(day),
            )
            .field("民族", "汉")
            .disclosable_field("性别", "男")
            .disclosable_field("住址", "吉林省长春市示例街2号")
            .age_over(
                18,
                Date::new(1990, 1, 1).unwrap(),
                Date::new(2026, 11, 21).unwrap(),
            )
            .holder_key(&device_public),
            UnixTime::from_secs(1_795_000_000),
        )
        .unwrap()
        .into_bytes();
    let now = UnixTime::from_secs(1_795_226_400);
    let presenter = Presenter::new(certificate, device).unwrap();
    let options = PresentationOptions {
        nonce: Some(vec![7; 16]),
        ..PresentationOptions::revealing(&["性别", "age_over_18"])
    };
    let bytes = presenter.present(&options, now).unwrap();
    let mut trust = TrustStore::new();
    trust
        .add_issuer_key(
            "jilin",
            Uscc::parse("11220000013544541J").unwrap(),
            issuer_public.clone(),
        )
        .unwrap();
    let verifier = Verifier::builder(trust).build().unwrap();
    let ctx = VerificationContext::at(now).with_nonce(vec![7; 16]);
    assert!(verifier.verify_presentation(&bytes, &ctx).is_ok());

    let limits = Limits::default();
    let outer = CoseSign1::decode(&bytes, &limits).unwrap();
    let claims = PresentationClaims::decode(outer.payload, &limits).unwrap();
    let inner = CoseSign1::decode(claims.certificate, &limits).unwrap();
    let (outer_tbs, inner_tbs) = (outer.to_be_signed(), inner.to_be_signed());
    let items: Vec<Vec<u8>> = inner.disclosures.iter().map(|d| d.to_vec()).collect();

    let mut group = c.benchmark_group("presentation");
    group.bench_function(
        "floor: Ed25519 verify_strict + P-256 verify + SHA-256 of the revealed items",
        |b| {
            b.iter(|| {
                issuer_public
                    .verify(
                        issuer_public.algorithm(),
                        black_box(&inner_tbs),
                        inner.signature,
                    )
                    .unwrap();
                device_public
                    .verify(
                        device_public.algorithm(),
                        black_box(&outer_tbs),
                        outer.signature,
                    )
                    .unwrap();
                for item in &items {
                    black_box(sha256(item));
                }
            });
        },
    );
    group.bench_function("verify_presentation", |b| {
        b.iter(|| {
            verifier
                .verify_presentation(black_box(&bytes), &ctx)
                .unwrap()
        });
    });
    group.bench_function("present (P-256 sign, on the phone)", |b| {
        b.iter(|| presenter.present(black_box(&options), now).unwrap());
    });
    let text = yinzheng::encoding::qr::to_qr_text(&bytes);
    group.bench_function("to_qr_text (zlib with the dictionary, Base45)", |b| {
        b.iter(|| yinzheng::encoding::qr::to_qr_text(black_box(&bytes)));
    });
    group.bench_function("from_qr_text (Base45, bounded inflate)", |b| {
        b.iter(|| yinzheng::encoding::qr::from_qr_text(black_box(&text), &limits).unwrap());
    });
    group.finish();
}

criterion_group!(benches, presentation);
criterion_main!(benches);
