//! Batch verification gives every certificate of a queue the outcome and report single
//! verification gives it, with and without the cofactored batch equation.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use yinzheng::crypto::{Ed25519SigningKey, P256SigningKey, SeededRandom, Signer as _};
use yinzheng::issue::{CertificateBuilder, Issuer};
use yinzheng::model::{Agency, CertificateType, Holder, Uscc, Validity};
use yinzheng::time::{Date, UnixTime};
use yinzheng::trust::TrustStore;
use yinzheng::verify::{BATCH_SIZE, Check, VerificationContext, Verifier, VerifyError};

const MARKET: &str = "11100000000013338W";
const JILIN: &str = "11220000013544541J";
const SHOP: &str = "91110108MA01A2B3CF";

fn issued_on() -> Date {
    Date::new(2025, 3, 1).unwrap()
}

fn now() -> UnixTime {
    Date::new(2026, 11, 21).unwrap().start_in_china()
}

fn issuer(name: &str, code: &str, seed: u8) -> Issuer {
    Issuer::new(
        Agency::new(name, code).unwrap(),
        Ed25519SigningKey::from_seed(&[seed; 32]),
    )
    .with_rng(SeededRandom::from_seed([seed; 32]))
}

fn licence(serial: usize, validity: Validity) -> CertificateBuilder {
    CertificateBuilder::new(
        CertificateType::new("11100000000013338W001", "营业执照").unwrap(),
        format!("L{serial:06}"),
        Holder::organisation("示例商店", &Uscc::parse(SHOP).unwrap()),
        issued_on(),
        validity,
    )
    .serial(format!("{serial}"))
    .disclosable_field("注册资本", "100万元")
}

fn verifiers() -> [Verifier; 2] {
    let trust = || {
        let mut trust = TrustStore::new();
        for (name, code, seed) in [("市场监管总局", MARKET, 1), ("吉林省", JILIN, 2)] {
            let key = Ed25519SigningKey::from_seed(&[seed; 32]).public_key();
            trust
                .add_issuer_key(name, Uscc::parse(code).unwrap(), key)
                .unwrap();
        }
        trust
    };
    [
        Verifier::builder(trust()).build().unwrap(),
        Verifier::builder(trust())
            .allow_cofactored_batch()
            .build()
            .unwrap(),
    ]
}

/// A queue from two trusted agencies with one of every kind of failure scattered in it.
fn queue() -> (Vec<Vec<u8>>, Vec<(usize, VerifyError)>) {
    let market = issuer("市场监管总局", MARKET, 1);
    let jilin = issuer("吉林省", JILIN, 2);
    let stranger = issuer("市场监管总局", MARKET, 3);
    let at = issued_on().start_in_china();
    let long = Validity::long_term(issued_on());
    let mut queue: Vec<Vec<u8>> = (0..2 * BATCH_SIZE + 40)
        .map(|i| {
            let who = if i % 3 == 0 { &jilin } else { &market };
            who.issue(licence(i, long), at).unwrap().into_bytes()
        })
        .collect();
    let mut expected = Vec::new();

    let mut flipped = queue[5].clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    queue[5] = flipped;
    expected.push((5, VerifyError::BadSignature));

    let ended = Validity::days(issued_on(), Date::new(2025, 12, 31).unwrap());
    queue[BATCH_SIZE + 1] = market.issue(licence(9001, ended), at).unwrap().into_bytes();
    expected.push((
        BATCH_SIZE + 1,
        VerifyError::Expired {
            now: now(),
            not_after: Date::new(2026, 1, 1).unwrap().start_in_china(),
        },
    ));

    queue[BATCH_SIZE + 2] = stranger
        .issue(licence(9002, long), at)
        .unwrap()
        .into_bytes();
    queue[BATCH_SIZE + 3] = b"not a certificate".to_vec();

    let device = P256SigningKey::from_bytes(&[9; 32]).unwrap().public_key();
    let bound = licence(9003, long).holder_key(&device);
    queue[2 * BATCH_SIZE + 7] = market.issue(bound, at).unwrap().into_bytes();
    expected.push((2 * BATCH_SIZE + 7, VerifyError::PresentationRequired));
    (queue, expected)
}

#[test]
fn every_certificate_of_a_queue_gets_what_single_verification_gives_it() {
    let (queue, expected) = queue();
    let ctx = VerificationContext::at(now());
    for verifier in verifiers() {
        let results = verifier.verify_certificates(&queue, &ctx);
        assert_eq!(results.len(), queue.len());
        let mut rejected = Vec::new();
        for (i, (batched, bytes)) in results.iter().zip(&queue).enumerate() {
            match (batched, verifier.verify_certificate(bytes, &ctx)) {
                (Ok(b), Ok(s)) => {
                    assert_eq!(b.value(), s.value(), "certificate {i}");
                    assert_eq!(b.report(), s.report(), "certificate {i}");
                }
                (Err(b), Err(s)) => {
                    assert_eq!(b.error(), s.error(), "certificate {i}");
                    assert_eq!(b.report(), s.report(), "certificate {i}");
                    rejected.push(i);
                }
                (b, s) => panic!("certificate {i}: batch {b:?}, single {s:?}"),
            }
        }
        assert_eq!(
            rejected,
            [
                5,
                BATCH_SIZE + 1,
                BATCH_SIZE + 2,
                BATCH_SIZE + 3,
                2 * BATCH_SIZE + 7
            ]
        );
        for (i, error) in &expected {
            assert_eq!(results[*i].as_ref().unwrap_err().error(), error);
        }
        assert_eq!(
            results[BATCH_SIZE + 2].as_ref().unwrap_err().failed_check(),
            Check::IssuerKey
        );
        assert!(matches!(
            results[BATCH_SIZE + 3].as_ref().unwrap_err().error(),
            VerifyError::Decode(_)
        ));
    }
}

#[test]
fn an_empty_queue_and_a_queue_of_one_behave() {
    let ctx = VerificationContext::at(now());
    let market = issuer("市场监管总局", MARKET, 1);
    let one = market
        .issue(
            licence(1, Validity::long_term(issued_on())),
            issued_on().start_in_china(),
        )
        .unwrap()
        .into_bytes();
    for verifier in verifiers() {
        assert!(
            verifier
                .verify_certificates::<Vec<u8>>(&[], &ctx)
                .is_empty()
        );
        let results = verifier.verify_certificates(std::slice::from_ref(&one), &ctx);
        assert_eq!(results.len(), 1);
        assert_eq!(results[0].as_ref().unwrap().number, "L000001");
    }
}
