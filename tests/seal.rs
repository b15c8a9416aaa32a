//! Seals and stamps: a stamp verifies offline in the GB/T 38540 order, and each failure class
//! is rejected at the right check.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use yinzheng::Limits;
use yinzheng::crypto::{Ed25519SigningKey, Signer, sha256, sign_cose};
use yinzheng::encoding::cose::{CoseSign1, encode_sign1};
use yinzheng::issue::{IssueError, make_seal, stamp};
use yinzheng::model::seal::{SHA256_ALG, STAMP_TYP};
use yinzheng::model::{Agency, Seal, SealKind, SealPicture, StampClaims, Uscc};
use yinzheng::status::{StatusList, StatusListToken};
use yinzheng::time::UnixTime;
use yinzheng::trust::TrustStore;
use yinzheng::verify::{Check, Outcome, VerificationContext, Verifier, VerifyError};

const OWNER: &str = "91350100M000100Y43";
const SVG: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 42 42"><circle cx="21" cy="21" r="20" fill="none" stroke="red"/></svg>"#;

fn t(secs: u64) -> UnixTime {
    UnixTime::from_secs(1_795_000_000 + secs)
}

struct World {
    maker: Ed25519SigningKey,
    stamper: Ed25519SigningKey,
    owner_list_key: Ed25519SigningKey,
}

fn world() -> World {
    World {
        maker: Ed25519SigningKey::from_seed(&[0x51; 32]),
        stamper: Ed25519SigningKey::from_seed(&[0x52; 32]),
        owner_list_key: Ed25519SigningKey::from_seed(&[0x53; 32]),
    }
}

fn seal(w: &World, status: Option<yinzheng::model::StatusReference>) -> Seal {
    let mut seal = Seal {
        id: "3501000012345678".into(),
        kind: SealKind::Contract,
        name: "福州示例科技有限公司合同专用章".into(),
        owner: Agency::new("福州示例科技有限公司", OWNER).unwrap(),
        authorised_keys: vec![sha256(&w.stamper.public_key().to_bytes())],
        created: t(0),
        valid_from: t(0),
        valid_until: t(1_000_000),
        picture: SealPicture {
            format: "svg".into(),
            data: SVG.as_bytes().to_vec(),
            width_mm: 42,
            height_mm: 42,
        },
        status,
    };
    seal.authorised_keys.sort_unstable();
    seal
}

fn verifier(w: &World) -> Verifier {
    let mut trust = TrustStore::new();
    trust
        .add_seal_maker("福州市公安局印章制作系统（测试）", w.maker.public_key())
        .unwrap();
    trust
        .add_issuer_key(
            "owner",
            Uscc::parse(OWNER).unwrap(),
            w.owner_list_key.public_key(),
        )
        .unwrap();
    Verifier::builder(trust).build().unwrap()
}

const DOCUMENT: &[u8] = b"%PDF-1.7 contract between the parties ... %%EOF";

fn failed(v: &Verifier, stamp: &[u8], document: &[u8], at: UnixTime) -> Check {
    v.verify_stamp(stamp, document, &VerificationContext::at(at))
        .unwrap_err()
        .failed_check()
}

/// A stamp signed by `signer` over arbitrary claims (for negative cases `stamp()` refuses).
fn forged_stamp(
    seal: &[u8],
    signer: &Ed25519SigningKey,
    signed_at: UnixTime,
    digest: &[u8],
) -> Vec<u8> {
    let key = signer.public_key().to_bytes();
    let claims = StampClaims {
        seal,
        signed_at,
        digest_alg: SHA256_ALG,
        digest,
        property: "whole document",
        signer_key: &key,
    };
    sign_cose(signer, STAMP_TYP, &claims.encode()).unwrap()
}

#[test]
fn a_stamp_verifies_offline_and_round_trips() {
    let w = world();
    let sealed = make_seal(&seal(&w, None), &w.maker).unwrap();
    let stamped = stamp(
        &sealed,
        DOCUMENT,
        "whole document (全文)",
        &w.stamper,
        t(100),
    )
    .unwrap();
    let v = verifier(&w);
    let verified = v
        .verify_stamp(&stamped, DOCUMENT, &VerificationContext::at(t(200)))
        .unwrap();
    assert_eq!(verified.seal.kind, SealKind::Contract);
    assert_eq!(verified.seal.picture.data, SVG.as_bytes());
    assert_eq!(verified.seal_maker, "福州市公安局印章制作系统（测试）");
    assert_eq!(verified.signed_at, t(100));
    let checks: Vec<(Check, &Outcome)> = verified
        .report()
        .results()
        .iter()
        .map(|r| (r.check, &r.outcome))
        .collect();
    assert_eq!(checks.len(), 7);
    assert!(
        checks
            .iter()
            .all(|(c, o)| matches!(o, Outcome::Passed) || (*c == Check::SealStatus))
    );
    // Byte-exact round trips of both objects.
    let limits = Limits::default();
    let s = CoseSign1::decode(&stamped, &limits).unwrap();
    assert_eq!(
        StampClaims::decode(s.payload, &limits).unwrap().encode(),
        s.payload
    );
    let inner = CoseSign1::decode(&sealed, &limits).unwrap();
    assert_eq!(
        Seal::decode(inner.payload, &limits).unwrap().encode(),
        inner.payload
    );
    assert_eq!(
        Seal::decode(inner.payload, &limits).unwrap(),
        seal(&w, None)
    );
}

#[test]
fn each_failure_is_rejected_at_its_check() {
    let w = world();
    let v = verifier(&w);
    let sealed = make_seal(&seal(&w, None), &w.maker).unwrap();
    let stamped = stamp(&sealed, DOCUMENT, "whole document", &w.stamper, t(100)).unwrap();

    // Document altered by one byte.
    let mut altered = DOCUMENT.to_vec();
    altered[3] ^= 1;
    assert_eq!(
        failed(&v, &stamped, &altered, t(200)),
        Check::DocumentDigest
    );

    // A key the seal does not authorise: refused when stamping, rejected when verifying.
    let intruder = Ed25519SigningKey::from_seed(&[0x66; 32]);
    assert!(matches!(
        stamp(&sealed, DOCUMENT, "x", &intruder, t(100)),
        Err(IssueError::NotAuthorised)
    ));
    let unauthorised = forged_stamp(&sealed, &intruder, t(100), &sha256(DOCUMENT));
    assert_eq!(
        failed(&v, &unauthorised, DOCUMENT, t(200)),
        Check::SealAuthorisation
    );

    // A seal maker nobody trusts.
    let rogue = Ed25519SigningKey::from_seed(&[0x77; 32]);
    let rogue_seal = make_seal(&seal(&w, None), &rogue).unwrap();
    let rogue_stamp = stamp(&rogue_seal, DOCUMENT, "x", &w.stamper, t(100)).unwrap();
    assert_eq!(failed(&v, &rogue_stamp, DOCUMENT, t(200)), Check::SealMaker);

    // The seal's content altered after the maker signed it (widening its validity).
    let mut widened = seal(&w, None);
    widened.valid_until = t(9_000_000);
    let genuine = CoseSign1::decode(&sealed, &Limits::default()).unwrap();
    let tampered_seal = encode_sign1(
        genuine.protected_bytes,
        &[],
        &widened.encode(),
        genuine.signature,
    );
    let tampered_stamp = forged_stamp(&tampered_seal, &w.stamper, t(100), &sha256(DOCUMENT));
    assert_eq!(
        v.verify_stamp(&tampered_stamp, DOCUMENT, &VerificationContext::at(t(200)))
            .unwrap_err()
            .error(),
        &VerifyError::BadSealSignature
    );

    // Stamped after the seal expired, and a stamp dated in the future.
    let late = forged_stamp(&sealed, &w.stamper, t(2_000_000), &sha256(DOCUMENT));
    assert_eq!(
        failed(&v, &late, DOCUMENT, t(3_000_000)),
        Check::SealValidity
    );
    assert_eq!(failed(&v, &stamped, DOCUMENT, t(50)), Check::SealValidity);

    // The stamp's own signature broken.
    let mut broken = stamped.clone();
    let last = broken.len() - 1;
    broken[last] ^= 1;
    assert_eq!(failed(&v, &broken, DOCUMENT, t(200)), Check::StampSignature);

    // Not a stamp at all: a seal handed to the stamp verifier.
    assert_eq!(failed(&v, &sealed, DOCUMENT, t(200)), Check::Decode);
}

#[test]
fn a_revoked_seal_is_rejected_and_an_unknown_status_is_not_revoked() {
    let w = world();
    let uri = "https://status.example.gov.cn/seals/1";
    let reference = yinzheng::model::StatusReference {
        index: 7,
        uri: uri.into(),
    };
    let sealed = make_seal(&seal(&w, Some(reference)), &w.maker).unwrap();
    let stamped = stamp(&sealed, DOCUMENT, "whole document", &w.stamper, t(100)).unwrap();
    let v = verifier(&w);
    let at = t(200);
    let err = v
        .verify_stamp(&stamped, DOCUMENT, &VerificationContext::at(at))
        .unwrap_err();
    assert_eq!(err.failed_check(), Check::SealStatus);
    assert!(matches!(err.error(), VerifyError::SealStatusUnknown(_)));
    let publish = |value: u8, iat: UnixTime| {
        let mut list = StatusList::new(2, 64).unwrap();
        list.set(7, value).unwrap();
        StatusListToken {
            uri: uri.into(),
            issued_at: iat,
            expires_at: None,
            ttl: Some(3600),
            list,
        }
        .sign(&w.owner_list_key as &dyn Signer)
        .unwrap()
    };
    v.add_status_list(&publish(0, t(150))).unwrap();
    assert!(
        v.verify_stamp(&stamped, DOCUMENT, &VerificationContext::at(at))
            .is_ok()
    );
    v.add_status_list(&publish(1, t(160))).unwrap();
    let err = v
        .verify_stamp(&stamped, DOCUMENT, &VerificationContext::at(at))
        .unwrap_err();
    assert_eq!(err.error(), &VerifyError::SealRevoked);
}
