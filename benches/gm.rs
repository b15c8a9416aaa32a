//! National formats next to their floors: SM2 signing and verification through our `Signer`
//! and `PublicKey` against the `sm2` crate called directly on the same message, and a stamped
//! OFD of 1 MB verified against the raw work it needs — inflating every entry, SM3 over every
//! file, and the four SM2 verifications (the stamp, the seal, the signer's and the maker's
//! certificates). OpenSSL's native SM2 speed on the same machine is measured with
//! `openssl speed sm2` (docs/PERFORMANCE.md).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::io::Read as _;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use sm2::dsa::signature::{Signer as _, Verifier as _};
use yinzheng::crypto::{Algorithm, Signer as _, Sm2SigningKey, sm3};
use yinzheng::gm::ofd::{
    OfdAttachment, OfdDocumentDraft, OfdLimits, OfdSignatureDraft, OfdText, StampPlacement,
    make_ofd, sign_ofd,
};
use yinzheng::gm::{SealDraft, SealPicture, SealProperty, SignerList, make_seal};
use yinzheng::time::{Date, UnixTime};
use yinzheng::trust::x509::pem_certificates;
use yinzheng::trust::{Roles, TrustStore};
use yinzheng::verify::{VerificationContext, Verifier};

const MESSAGE: &[u8] = b"TBS_Sign of a GB/T 38540 stamp, about as long as one is in practice";
/// 2026-06-01 and 2026-08-01, inside the vector certificates' validity.
const SIGNED: UnixTime = UnixTime::from_secs(1_780_272_000);
const NOW: UnixTime = UnixTime::from_secs(1_785_542_400);

fn sm2_signatures(c: &mut Criterion) {
    let ours = Sm2SigningKey::from_bytes(&[0x73; 32]).unwrap();
    let secret = sm2::SecretKey::from_slice(&[0x73; 32]).unwrap();
    let raw = sm2::dsa::SigningKey::new("1234567812345678", &secret).unwrap();
    let verifying = raw.verifying_key().clone();
    let public = ours.public_key();
    let signature = ours.sign(MESSAGE).unwrap();
    let raw_signature = sm2::dsa::Signature::from_slice(&signature).unwrap();
    assert!(
        public
            .verify(Algorithm::Sm2Sm3, MESSAGE, &signature)
            .is_ok()
    );
    assert!(verifying.verify(MESSAGE, &raw_signature).is_ok());

    let mut g = c.benchmark_group("sm2");
    g.bench_function("sign (Sm2SigningKey through Signer)", |b| {
        b.iter(|| black_box(ours.sign(black_box(MESSAGE)).unwrap()));
    });
    g.bench_function("sign floor (sm2 crate)", |b| {
        b.iter(|| black_box::<sm2::dsa::Signature>(raw.sign(black_box(MESSAGE))));
    });
    g.bench_function("verify (PublicKey::verify)", |b| {
        b.iter(|| {
            public
                .verify(Algorithm::Sm2Sm3, black_box(MESSAGE), &signature)
                .unwrap();
        });
    });
    g.bench_function("verify floor (sm2 crate)", |b| {
        b.iter(|| {
            verifying
                .verify(black_box(MESSAGE), &raw_signature)
                .unwrap()
        });
    });
    g.finish();
}

fn vector_cert(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("test-vectors/gm/{name}.pem"));
    pem_certificates(&std::fs::read_to_string(path).unwrap())
        .unwrap()
        .remove(0)
}

/// A stamped OFD of about 1 MiB (an incompressible attachment and ten pages of text).
fn stamped_ofd() -> Vec<u8> {
    let mut noise = Vec::with_capacity(1 << 20);
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    while noise.len() < 1 << 20 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        noise.extend_from_slice(&state.to_le_bytes());
    }
    let pages = (0..10)
        .map(|p| {
            (0..25)
                .map(|l| OfdText {
                    x_mm: 25.0,
                    y_mm: 30.0 + 9.0 * f64::from(l),
                    size_mm: 4.5,
                    text: format!("第{p}页第{l}行：经审查，准予许可，特此决定。"),
                })
                .collect()
        })
        .collect();
    let document = make_ofd(&OfdDocumentDraft {
        title: "行政许可决定书".into(),
        created: Date::new(2026, 6, 1).unwrap(),
        pages,
        attachments: vec![OfdAttachment {
            name: "scan.bin".into(),
            format: "bin".into(),
            bytes: noise,
        }],
    })
    .unwrap();
    let seal = make_seal(
        &SealDraft {
            vendor: "yinzheng".into(),
            es_id: "22010000000000000001".into(),
            property: SealProperty {
                seal_type: 1,
                name: "测试专用章".into(),
                signers: SignerList::Certificates(vec![vector_cert("sm2-signer")]),
                created: UnixTime::from_secs(1_735_689_600),
                valid_from: UnixTime::from_secs(1_735_689_600),
                valid_until: UnixTime::from_secs(1_830_297_600),
            },
            picture: SealPicture {
                kind: "SVG".into(),
                data: b"<svg/>".to_vec(),
                width_mm: 40,
                height_mm: 40,
            },
            extensions: Vec::new(),
        },
        &vector_cert("sm2-maker"),
        &Sm2SigningKey::from_bytes(&[0x72; 32]).unwrap(),
    )
    .unwrap();
    sign_ofd(
        &document,
        0,
        &OfdSignatureDraft::Stamp {
            seal: &seal,
            placement: StampPlacement {
                page: 0,
                x_mm: 140.0,
                y_mm: 230.0,
                width_mm: 40.0,
                height_mm: 40.0,
            },
        },
        SIGNED,
        &vector_cert("sm2-signer"),
        &Sm2SigningKey::from_bytes(&[0x73; 32]).unwrap(),
        &OfdLimits::default(),
    )
    .unwrap()
}

fn ofd_verification(c: &mut Criterion) {
    let ofd = stamped_ofd();
    let mut trust = TrustStore::new();
    trust
        .add_x509_root(
            "sm2-root",
            &vector_cert("sm2-root"),
            Roles::SEAL_MAKER | Roles::STAMP_SIGNER,
        )
        .unwrap();
    let verifier = Verifier::builder(trust).build().unwrap();
    let ctx = VerificationContext::at(NOW);
    let limits = OfdLimits::default();
    assert!(verifier.verify_ofd(&ofd, &limits, &ctx).unwrap().is_valid());

    // The floor's four SM2 verifications, of signatures made for the purpose.
    let key = Sm2SigningKey::from_bytes(&[0x73; 32]).unwrap();
    let public = key.public_key();
    let signature = key.sign(MESSAGE).unwrap();
    let mut g = c.benchmark_group("ofd");
    g.throughput(criterion::Throughput::Bytes(ofd.len() as u64));
    g.bench_function("verify a stamped 1 MiB OFD", |b| {
        b.iter(|| {
            assert!(
                verifier
                    .verify_ofd(black_box(&ofd), &limits, &ctx)
                    .unwrap()
                    .is_valid()
            );
        });
    });
    g.bench_function(
        "floor: inflate + SM3 of every file + 4 SM2 verifications",
        |b| {
            b.iter(|| {
                let mut archive =
                    zip::ZipArchive::new(std::io::Cursor::new(black_box(&ofd))).unwrap();
                let mut digests = Vec::new();
                for i in 0..archive.len() {
                    let mut entry = archive.by_index(i).unwrap();
                    let mut bytes = Vec::with_capacity(usize::try_from(entry.size()).unwrap());
                    entry.read_to_end(&mut bytes).unwrap();
                    digests.push(sm3(&bytes));
                }
                for _ in 0..4 {
                    public
                        .verify(Algorithm::Sm2Sm3, MESSAGE, &signature)
                        .unwrap();
                }
                black_box(digests)
            });
        },
    );
    g.finish();
}

criterion_group!(benches, sm2_signatures, ofd_verification);
criterion_main!(benches);
