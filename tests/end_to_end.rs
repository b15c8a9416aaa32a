//! Issue → disclose → verify through the public API, tampering, remote signing, and an
//! independent COSE implementation (coset + ciborium) reading our bytes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use yinzheng::Limits;
use yinzheng::crypto::{
    Ed25519SigningKey, P256SigningKey, PublicKey, SeededRandom, SignError, Signer,
};
use yinzheng::issue::{CertificateBuilder, IssueError, Issuer};
use yinzheng::model::{Agency, CertificateType, FieldValue, Holder, ResidentId, Uscc, Validity};
use yinzheng::present::{PresentError, select_disclosures};
use yinzheng::time::{Date, FixedClock, UnixTime};
use yinzheng::trust::TrustStore;
use yinzheng::verify::{Check, VerificationContext, Verifier, VerifierBuildError, VerifyError};

const AGENCY: &str = "11220000013544541J";

fn now() -> UnixTime {
    Date::new(2026, 11, 21)
        .unwrap()
        .start_in_china()
        .saturating_add(3600)
}

fn issuer(seed: u8) -> Issuer {
    Issuer::new(
        Agency::new("吉林省住房和城乡建设厅", AGENCY).unwrap(),
        Ed25519SigningKey::from_seed(&[seed; 32]),
    )
    .with_rng(SeededRandom::from_seed([seed; 32]))
}

fn verifier_for(key: &PublicKey) -> Verifier {
    let mut trust = TrustStore::new();
    trust
        .add_issuer_key("test", Uscc::parse(AGENCY).unwrap(), key.clone())
        .unwrap();
    Verifier::builder(trust).build().unwrap()
}

fn resident() -> CertificateBuilder {
    let kind =
        CertificateType::new("11100000000013338W032", "建筑施工特种作业人员操作资格证书").unwrap();
    let holder = Holder::resident("李示例", &ResidentId::parse("11010519491231002X").unwrap());
    let from = Date::new(2024, 1, 8).unwrap();
    CertificateBuilder::new(
        kind,
        "吉A042012000939",
        holder,
        from,
        Validity::days(from, Date::new(2034, 1, 7).unwrap()),
    )
    .field("操作类别", "建筑电工")
    .disclosable_field("出生日期", Date::new(1949, 12, 31).unwrap())
    .disclosable_field("住址", "吉林省长春市示例街2号")
    .disclosable_field("age_over_18", true)
}

#[test]
fn issue_disclose_verify() {
    let issuer = issuer(1);
    let issued = issuer.issue(resident(), now().saturating_sub(60)).unwrap();
    let verifier = verifier_for(issuer.public_key());
    let ctx = VerificationContext::from_clock(&FixedClock(now())).unwrap();

    let full = verifier
        .verify_certificate(issued.as_bytes(), &ctx)
        .unwrap();
    assert_eq!(full.disclosed.len(), 3);
    assert_eq!(
        full.field("操作类别").unwrap().value,
        FieldValue::from("建筑电工")
    );
    assert_eq!(full.holder.name, "李示例");
    assert_eq!(full.report().trusted_key(), Some("test"));

    let partial =
        select_disclosures(issued.as_bytes(), &["age_over_18"], verifier.limits()).unwrap();
    let shown = verifier.verify_certificate(&partial, &ctx).unwrap();
    assert_eq!(shown.disclosed.len(), 1);
    assert_eq!(
        shown.field("age_over_18").unwrap().value,
        FieldValue::Bool(true)
    );
    assert!(
        shown.field("出生日期").is_none(),
        "withheld field must stay hidden"
    );
    assert!(!format!("{}", shown.value()).contains("出生日期"));

    assert_eq!(
        select_disclosures(issued.as_bytes(), &["操作类别"], verifier.limits()),
        Err(PresentError::NotDisclosable { index: 0 })
    );
}

#[test]
fn every_single_byte_change_is_rejected() {
    let issuer = issuer(2);
    let issued = issuer.issue(resident(), now()).unwrap();
    let bytes = select_disclosures(issued.as_bytes(), &["住址"], &Limits::default()).unwrap();
    let verifier = verifier_for(issuer.public_key());
    let ctx = VerificationContext::at(now());
    assert!(verifier.verify_certificate(&bytes, &ctx).is_ok());
    let mut checked = 0;
    for i in 0..bytes.len() {
        for mask in [0x01u8, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xff] {
            let mut tampered = bytes.clone();
            tampered[i] ^= mask;
            assert!(
                verifier.verify_certificate(&tampered, &ctx).is_err(),
                "byte {i} ^ {mask:#04x} was accepted"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, bytes.len() * 9);
}

#[test]
fn validity_window_and_clock_skew() {
    let issuer = issuer(3);
    let from = Date::new(2026, 1, 1).unwrap();
    let until = Date::new(2026, 12, 31).unwrap();
    let kind = CertificateType::new("11100000000013338W032", "资格证书").unwrap();
    let holder = Holder::resident("李示例", &ResidentId::parse("11010519491231002X").unwrap());
    let builder = CertificateBuilder::new(kind, "1", holder, from, Validity::days(from, until));
    let signed = from.start_in_china();
    let issued = issuer.issue(builder, signed).unwrap();
    let strict = verifier_for(issuer.public_key());
    let end = until.next_day().start_in_china();
    let at =
        |t: UnixTime| strict.verify_certificate(issued.as_bytes(), &VerificationContext::at(t));
    assert!(at(end.saturating_sub(1)).is_ok());
    assert!(matches!(
        at(end).unwrap_err().error(),
        VerifyError::Expired { .. }
    ));
    assert!(matches!(
        at(signed.saturating_sub(1)).unwrap_err().error(),
        VerifyError::SignedInFuture { .. }
    ));
    let lenient = Verifier::builder(trust_of(issuer.public_key()))
        .allow_clock_skew(Duration::from_secs(10_000))
        .build()
        .unwrap();
    // Skew is capped at 300 s.
    let ctx = VerificationContext::at(end.saturating_add(299));
    assert!(lenient.verify_certificate(issued.as_bytes(), &ctx).is_ok());
    let ctx = VerificationContext::at(end.saturating_add(300));
    assert_eq!(
        lenient
            .verify_certificate(issued.as_bytes(), &ctx)
            .unwrap_err()
            .failed_check(),
        Check::Validity
    );
}

fn trust_of(key: &PublicKey) -> TrustStore {
    let mut trust = TrustStore::new();
    trust
        .add_issuer_key("test", Uscc::parse(AGENCY).unwrap(), key.clone())
        .unwrap();
    trust
}

#[test]
fn an_empty_trust_store_builds_no_verifier() {
    assert_eq!(
        Verifier::builder(TrustStore::new()).build().unwrap_err(),
        VerifierBuildError::NoTrustAnchors
    );
}

/// A signer standing in for an HSM: counts calls, can be switched off.
struct Hsm {
    key: Ed25519SigningKey,
    calls: AtomicUsize,
    online: bool,
}

impl Signer for Hsm {
    fn public_key(&self) -> PublicKey {
        self.key.public_key()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.online {
            self.key.sign(message)
        } else {
            Err(SignError::from_source(std::io::Error::other("HSM offline")))
        }
    }
}

#[test]
fn external_signers_and_two_phase_signing() {
    let agency = Agency::new("测试", AGENCY).unwrap();
    let hsm = Hsm {
        key: Ed25519SigningKey::from_seed(&[5; 32]),
        calls: AtomicUsize::new(0),
        online: true,
    };
    let public = hsm.public_key();
    let issuer = Issuer::new(agency.clone(), hsm);
    let issued = issuer.issue(resident(), now()).unwrap();
    assert!(
        verifier_for(&public)
            .verify_certificate(issued.as_bytes(), &VerificationContext::at(now()))
            .is_ok()
    );

    let offline = Issuer::new(
        agency.clone(),
        Hsm {
            key: Ed25519SigningKey::from_seed(&[5; 32]),
            calls: AtomicUsize::new(0),
            online: false,
        },
    );
    assert!(matches!(
        offline.issue(resident(), now()),
        Err(IssueError::Signer(_))
    ));

    // Two-phase: the bytes leave the process, the signature comes back.
    let remote_key = P256SigningKey::from_bytes(&[6; 32]).unwrap();
    let p256_issuer = Issuer::new(agency, P256SigningKey::from_bytes(&[6; 32]).unwrap());
    let prepared = p256_issuer.prepare(resident(), now()).unwrap();
    let signature = remote_key.sign(prepared.to_be_signed()).unwrap();
    let issued = p256_issuer.complete(prepared, &signature).unwrap();
    let mut trust = TrustStore::new();
    trust
        .add_issuer_key(
            "p256",
            Uscc::parse(AGENCY).unwrap(),
            remote_key.public_key(),
        )
        .unwrap();
    let verifier = Verifier::builder(trust).build().unwrap();
    assert!(
        verifier
            .verify_certificate(issued.as_bytes(), &VerificationContext::at(now()))
            .is_ok()
    );
}

#[test]
fn qr_text_round_trip() {
    let issuer = issuer(7);
    let issued = issuer.issue(resident(), now()).unwrap();
    let text = issued.qr_text();
    assert!(text.starts_with("YZ1:") || text.starts_with("YZ2:"));
    assert!(
        text[4..]
            .bytes()
            .all(|c| b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".contains(&c))
    );
    let verifier = verifier_for(issuer.public_key());
    let verified = verifier
        .verify_qr_text(&text, &VerificationContext::at(now()))
        .unwrap();
    assert_eq!(verified.id, issued.certificate().id);
    let err = verifier
        .verify_qr_text("HC1:ABC", &VerificationContext::at(now()))
        .unwrap_err();
    assert_eq!(err.failed_check(), Check::Decode);
}

/// coset (an independent COSE implementation on ciborium) parses our certificate as a
/// standard tagged COSE_Sign1 and verifies it with the issuer key through ed25519-dalek.
#[test]
fn an_independent_cose_implementation_verifies_our_certificates() {
    use coset::iana::EnumI64 as _;
    use coset::{CborSerializable as _, TaggedCborSerializable as _};
    let issuer = issuer(8);
    let issued = issuer.issue(resident(), now()).unwrap();
    let sign1 = coset::CoseSign1::from_tagged_slice(issued.as_bytes()).expect("coset parses it");
    let alg = match sign1.protected.header.alg.clone().unwrap() {
        coset::RegisteredLabelWithPrivate::Assigned(a) => a.to_i64(),
        coset::RegisteredLabelWithPrivate::PrivateUse(v) => v,
        coset::RegisteredLabelWithPrivate::Text(_) => panic!("text alg"),
    };
    assert_eq!(alg, -19);
    assert_eq!(
        sign1.protected.header.key_id,
        issuer.public_key().key_id().as_bytes().to_vec()
    );
    let key_bytes: [u8; 32] = issuer.public_key().to_bytes().try_into().unwrap();
    let dalek = ed25519_dalek::VerifyingKey::from_bytes(&key_bytes).unwrap();
    sign1
        .verify_signature(b"", |sig, tbs| {
            let sig = ed25519_dalek::Signature::from_slice(sig).map_err(|_| "sig")?;
            dalek.verify_strict(tbs, &sig).map_err(|_| "verify")
        })
        .expect("independent verification");
    // ciborium reads the claims: a CWT map with iss = the agency code.
    let payload = sign1.payload.clone().unwrap();
    let claims: ciborium::Value = ciborium::from_reader(payload.as_slice()).unwrap();
    let map = claims.as_map().unwrap();
    let iss = map
        .iter()
        .find(|(k, _)| k.as_integer() == Some(1.into()))
        .unwrap();
    assert_eq!(iss.1.as_text(), Some(AGENCY));
    // And coset re-serialises it byte for byte.
    assert_eq!(sign1.to_tagged_vec().unwrap(), issued.as_bytes());
    let _ = coset::CoseSign1::from_slice(&[0x80]).unwrap_err();
}
