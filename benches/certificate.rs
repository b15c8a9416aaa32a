//! Issue and verify next to their floor: a bare Ed25519 `sign` / `verify_strict` of the same
//! to-be-signed bytes. The ratio is what matters; see docs/PERFORMANCE.md.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use yinzheng::Limits;
use yinzheng::crypto::{Algorithm, Ed25519Batch, Ed25519SigningKey, SeededRandom, Signer as _};
use yinzheng::encoding::cose::CoseSign1;
use yinzheng::issue::{CertificateBuilder, Issuer};
use yinzheng::model::{Agency, Certificate, CertificateType, Holder, ResidentId, Uscc, Validity};
use yinzheng::time::Date;
use yinzheng::trust::TrustStore;
use yinzheng::verify::{BATCH_SIZE, VerificationContext, Verifier};

const AGENCY: &str = "11220000013544541J";

fn licence() -> CertificateBuilder {
    let kind = CertificateType::new("11100000MB0341032Y002", "营业执照").unwrap();
    let company = Uscc::parse("91350100M000100Y43").unwrap();
    let day = Date::new(2024, 3, 15).unwrap();
    CertificateBuilder::new(
        kind,
        "91350100M000100Y43",
        Holder::organisation("福州示例科技有限公司", &company),
        day,
        Validity::long_term(day),
    )
    .serial("2024031500001")
    .jurisdiction("350100")
    .field("类型", "有限责任公司")
    .field("法定代表人", "林示例")
    .field("注册资本", "壹佰万元整")
    .field("成立日期", Date::new(2018, 6, 1).unwrap())
    .field("住所", "福建省福州市鼓楼区示例路1号")
    .field(
        "经营范围",
        "软件开发；信息技术咨询服务；数据处理和存储支持服务",
    )
}

fn resident() -> CertificateBuilder {
    let kind =
        CertificateType::new("11100000000013338W032", "建筑施工特种作业人员操作资格证书").unwrap();
    let holder = Holder::resident("李示例", &ResidentId::parse("11010519491231002X").unwrap());
    let day = Date::new(2024, 1, 8).unwrap();
    CertificateBuilder::new(
        kind,
        "吉A042012000939",
        holder,
        day,
        Validity::long_term(day),
    )
    .serial("2430599")
    .field("操作类别", "建筑电工")
    .disclosable_field("性别", "男")
    .disclosable_field("出生日期", Date::new(1949, 12, 31).unwrap())
    .disclosable_field("住址", "吉林省长春市示例街2号")
    .disclosable_field("age_over_18", true)
}

fn benches(c: &mut Criterion) {
    let issuer = Issuer::new(
        Agency::new("吉林省测试厅", AGENCY).unwrap(),
        Ed25519SigningKey::from_seed(&[1; 32]),
    )
    .with_rng(SeededRandom::from_seed([2; 32]));
    let raw_key = Ed25519SigningKey::from_seed(&[1; 32]);
    let public = raw_key.public_key();
    let day = Date::new(2026, 11, 21).unwrap().start_in_china();
    let ctx = VerificationContext::at(day);
    let mut trust = TrustStore::new();
    trust
        .add_issuer_key("bench", Uscc::parse(AGENCY).unwrap(), public.clone())
        .unwrap();
    let verifier = Verifier::builder(trust.clone()).build().unwrap();

    for (name, builder) in [("plain", licence()), ("disclosable", resident())] {
        let issued = issuer.issue(builder.clone(), day).unwrap();
        let bytes = issued.as_bytes().to_vec();
        let tbs = CoseSign1::decode(&bytes, &Limits::default())
            .unwrap()
            .to_be_signed();
        let signature = raw_key.sign_bytes(&tbs);
        eprintln!(
            "{name}: certificate {} bytes, to-be-signed {} bytes",
            bytes.len(),
            tbs.len()
        );

        let mut g = c.benchmark_group(format!("issue/{name}"));
        g.bench_function("yinzheng", |b| {
            b.iter(|| issuer.issue(black_box(builder.clone()), day).unwrap())
        });
        g.bench_function("floor: ed25519 sign", |b| {
            b.iter(|| raw_key.sign_bytes(black_box(&tbs)))
        });
        g.finish();

        let mut g = c.benchmark_group(format!("verify/{name}"));
        g.bench_function("yinzheng", |b| {
            b.iter(|| {
                verifier
                    .verify_certificate(black_box(&bytes), &ctx)
                    .unwrap()
            })
        });
        g.bench_function("floor: ed25519 verify_strict", |b| {
            b.iter(|| {
                public
                    .verify(Algorithm::Ed25519, black_box(&tbs), &signature)
                    .unwrap()
            })
        });
        g.bench_function("decode only", |b| {
            b.iter(|| {
                let s = CoseSign1::decode(black_box(&bytes), &Limits::default()).unwrap();
                Certificate::decode_claims(s.payload, &Limits::default()).unwrap()
            })
        });
        g.finish();
    }
    verify_queue(c, &issuer, &trust, ctx);
}

/// A queue of `BATCH_SIZE` licences: one by one, through `verify_certificates` strictly, and
/// with the cofactored batch equation, next to `BATCH_SIZE` bare `verify_strict` calls.
fn verify_queue(c: &mut Criterion, issuer: &Issuer, trust: &TrustStore, ctx: VerificationContext) {
    let day = ctx.now;
    let queue: Vec<Vec<u8>> = (0..BATCH_SIZE)
        .map(|i| {
            let builder = licence().serial(format!("20240315{i:05}"));
            issuer.issue(builder, day).unwrap().into_bytes()
        })
        .collect();
    let signed: Vec<(Vec<u8>, Vec<u8>)> = queue
        .iter()
        .map(|bytes| {
            let s = CoseSign1::decode(bytes, &Limits::default()).unwrap();
            (s.to_be_signed(), s.signature.to_vec())
        })
        .collect();
    let public = issuer.public_key().clone();
    let strict = Verifier::builder(trust.clone()).build().unwrap();
    let batching = Verifier::builder(trust.clone())
        .allow_cofactored_batch()
        .build()
        .unwrap();

    let mut g = c.benchmark_group("verify/queue");
    g.throughput(Throughput::Elements(BATCH_SIZE as u64));
    g.bench_function("yinzheng: verify_certificate each", |b| {
        b.iter(|| {
            for bytes in &queue {
                let _ = black_box(strict.verify_certificate(black_box(bytes), &ctx).unwrap());
            }
        })
    });
    g.bench_function("yinzheng: verify_certificates, cofactored batch", |b| {
        b.iter(|| {
            let results = batching.verify_certificates(black_box(&queue), &ctx);
            assert!(results.iter().all(Result::is_ok));
        })
    });
    g.bench_function("floor: ed25519 verify_strict each", |b| {
        b.iter(|| {
            for (tbs, signature) in &signed {
                public
                    .verify(Algorithm::Ed25519, black_box(tbs), signature)
                    .unwrap();
            }
        })
    });
    g.bench_function("raw: ed25519 batch equation alone", |b| {
        b.iter(|| {
            let mut batch = Ed25519Batch::new();
            for (tbs, signature) in &signed {
                assert!(batch.push(&public, black_box(tbs), signature));
            }
            assert!(batch.verify());
        })
    });
    g.finish();
}

criterion_group! {
    name = certificate;
    config = Criterion::default().sample_size(40).measurement_time(std::time::Duration::from_secs(3)).warm_up_time(std::time::Duration::from_secs(1));
    targets = benches
}
criterion_main!(certificate);
