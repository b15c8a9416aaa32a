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
use yinzheng::trust::{Roles, TrustStore};
use yinzheng::verify::{
    Check, EnvelopeError, Outcome, SealAdded, SealAuthorityError, VerificationContext, Verifier,
    VerifyError,
};

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
        .add_agency_key(
            "owner",
            Uscc::parse(OWNER).unwrap(),
            w.owner_list_key.public_key(),
            Roles::STATUS_LISTS,
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
    assert_eq!(checks.len(), 8);
    assert!(checks.iter().all(|(c, o)| matches!(o, Outcome::Passed)
        || matches!(c, Check::SealStatus | Check::TrustBundle)));
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
    v.add_status_list(&publish(0, t(150)), &VerificationContext::at(at))
        .unwrap();
    assert!(
        v.verify_stamp(&stamped, DOCUMENT, &VerificationContext::at(at))
            .is_ok()
    );
    v.add_status_list(&publish(1, t(160)), &VerificationContext::at(at))
        .unwrap();
    let err = v
        .verify_stamp(&stamped, DOCUMENT, &VerificationContext::at(at))
        .unwrap_err();
    assert_eq!(err.error(), &VerifyError::SealRevoked);
}

/// A world where an agency (the seal owner) signs certificates under its seal.
fn sealed_world() -> (World, Vec<u8>, yinzheng::issue::Issuer) {
    let w = world();
    let sealed = make_seal(&seal(&w, None), &w.maker).unwrap();
    let issuer = yinzheng::issue::Issuer::new(
        Agency::new("福州示例科技有限公司", OWNER).unwrap(),
        Ed25519SigningKey::from_seed(&[0x52; 32]),
    )
    .with_seal(&sealed)
    .unwrap();
    (w, sealed, issuer)
}

fn licence() -> yinzheng::issue::CertificateBuilder {
    use yinzheng::model::{CertificateType, Holder, Validity};
    use yinzheng::time::Date;
    let from = Date::new(2026, 1, 1).unwrap();
    yinzheng::issue::CertificateBuilder::new(
        CertificateType::new("11100000MB0341032Y002", "营业执照").unwrap(),
        "91350100M000100Y43",
        Holder::organisation("福州示例科技有限公司", &Uscc::parse(OWNER).unwrap()),
        from,
        Validity::long_term(from),
    )
}

#[test]
fn a_certificate_signed_under_a_seal_verifies_through_the_seal_and_shows_it() {
    let (w, sealed, issuer) = sealed_world();
    let certificate = issuer.issue(licence(), t(100)).unwrap();
    let reference = certificate.certificate().seal.clone().unwrap();
    assert_eq!(reference.digest, sha256(&sealed));
    // The issuer key is not configured anywhere: only the seal maker is trusted.
    let mut trust = TrustStore::new();
    trust
        .add_seal_maker("制章中心", w.maker.public_key())
        .unwrap();
    let verifier = Verifier::builder(trust).build().unwrap();
    let ctx = VerificationContext::at(t(200));
    let err = verifier
        .verify_certificate(certificate.as_bytes(), &ctx)
        .unwrap_err();
    assert!(
        matches!(
            err.error(),
            VerifyError::IssuerSeal(SealAuthorityError::UnknownSeal(_))
        ),
        "{err}"
    );
    let held = verifier.add_seal(&sealed, &ctx).unwrap();
    assert_eq!(held.seal.id, reference.id);
    assert_eq!(held.outcome, SealAdded::Stored);
    assert_eq!(
        verifier.add_seal(&sealed, &ctx).unwrap().outcome,
        SealAdded::AlreadyHeld
    );
    let verified = verifier
        .verify_certificate(certificate.as_bytes(), &ctx)
        .unwrap();
    assert_eq!(verified.seal().unwrap().picture.data, SVG.as_bytes());
    assert!(
        verified
            .report()
            .trusted_key()
            .unwrap()
            .contains("制章中心")
    );

    // Another seal with the same esID and creation time conflicts and is not held.
    let mut other = seal(&w, None);
    other.name = "另一枚章".into();
    assert_eq!(
        verifier
            .add_seal(&make_seal(&other, &w.maker).unwrap(), &ctx)
            .unwrap_err(),
        VerifyError::IssuerSeal(SealAuthorityError::Conflict)
    );
    assert!(
        verifier
            .verify_certificate(certificate.as_bytes(), &ctx)
            .is_ok()
    );
    // A newer version that still authorises the key leaves the certificate valid.
    let mut renewed = seal(&w, None);
    renewed.created = t(50);
    renewed
        .authorised_keys
        .push(sha256(b"another stamping key"));
    renewed.authorised_keys.sort_unstable();
    let renewed_bytes = make_seal(&renewed, &w.maker).unwrap();
    assert_eq!(
        verifier.add_seal(&renewed_bytes, &ctx).unwrap().outcome,
        SealAdded::Replaced {
            previous_created: t(0)
        }
    );
    assert!(
        verifier
            .verify_certificate(certificate.as_bytes(), &ctx)
            .is_ok()
    );
    // A newer version without the key kills it under every older version; adding an older
    // version again (a rollback) does not bring it back.
    let mut removed = renewed.clone();
    removed.created = t(60);
    removed.authorised_keys = vec![sha256(b"another stamping key")];
    verifier
        .add_seal(&make_seal(&removed, &w.maker).unwrap(), &ctx)
        .unwrap();
    let superseded = VerifyError::IssuerSeal(SealAuthorityError::Superseded);
    let refused = |v: &Verifier| {
        v.verify_certificate(certificate.as_bytes(), &ctx)
            .unwrap_err()
            .error()
            .clone()
    };
    assert_eq!(refused(&verifier), superseded);
    assert_eq!(
        verifier.add_seal(&renewed_bytes, &ctx).unwrap().outcome,
        SealAdded::AlreadyHeld
    );
    assert_eq!(
        verifier.add_seal(&sealed, &ctx).unwrap().outcome,
        SealAdded::AlreadyHeld
    );
    assert_eq!(refused(&verifier), superseded);
    // A version dated after the verification time is refused: it would stay current.
    let mut ahead = seal(&w, None);
    ahead.created = t(10_000_000);
    assert!(matches!(
        verifier.add_seal(&make_seal(&ahead, &w.maker).unwrap(), &ctx),
        Err(VerifyError::IssuerSeal(SealAuthorityError::NotYetMade(_)))
    ));
    // A seal from an untrusted maker is not held.
    let rogue = Ed25519SigningKey::from_seed(&[0x99; 32]);
    assert_eq!(
        verifier
            .add_seal(&make_seal(&seal(&w, None), &rogue).unwrap(), &ctx)
            .unwrap_err(),
        VerifyError::UnknownSealMaker
    );
}

#[test]
fn the_issuer_refuses_a_seal_that_does_not_authorise_it_or_is_anothers() {
    let w = world();
    let sealed = make_seal(&seal(&w, None), &w.maker).unwrap();
    let stranger = yinzheng::issue::Issuer::new(
        Agency::new("福州示例科技有限公司", OWNER).unwrap(),
        Ed25519SigningKey::from_seed(&[0x77; 32]),
    );
    assert!(matches!(
        stranger.with_seal(&sealed).unwrap_err(),
        IssueError::NotAuthorised
    ));
    let other_agency = yinzheng::issue::Issuer::new(
        Agency::new("吉林省测试厅", "11220000013544541J").unwrap(),
        Ed25519SigningKey::from_seed(&[0x52; 32]),
    );
    assert!(matches!(
        other_agency.with_seal(&sealed).unwrap_err(),
        IssueError::InvalidSeal(_)
    ));
}

#[test]
fn making_seals_and_stamping_are_audited() {
    use std::sync::Arc;
    use yinzheng::audit::{AuditEntry, EventKind};
    use yinzheng::storage::AuditLog;
    let dir = std::env::temp_dir().join(format!("yz-seal-audit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let log = Arc::new(
        AuditLog::open(
            &dir,
            "audit.example/seals",
            Ed25519SigningKey::from_seed(&[0x70; 32]),
        )
        .unwrap(),
    );
    let w = world();
    let maker = yinzheng::issue::SealMaker::new(Ed25519SigningKey::from_seed(&[0x51; 32]))
        .with_audit_log(log.clone());
    let sealed = maker.make(&seal(&w, None), t(1)).unwrap();
    let stamper =
        yinzheng::issue::Stamper::new(sealed.clone(), Ed25519SigningKey::from_seed(&[0x52; 32]))
            .unwrap()
            .with_audit_log(log.clone());
    let stamped = stamper.stamp(DOCUMENT, "全文", t(2)).unwrap();
    assert_eq!(log.size(), 2);
    let first = AuditEntry::decode(&log.entry(0).unwrap()).unwrap();
    assert_eq!(first.event.kind, EventKind::SealMade);
    assert_eq!(first.event.subject, b"3501000012345678");
    assert_eq!(first.event.object_digest, sha256(&sealed));
    let second = AuditEntry::decode(&log.entry(1).unwrap()).unwrap();
    assert_eq!(second.event.kind, EventKind::Stamped);
    assert_eq!(second.event.object_digest, sha256(&stamped));
    // Neither event carries the picture or the document.
    for e in [&first, &second] {
        assert!(e.event.attributes.len() < 40);
    }
    let verified = verifier(&w)
        .verify_stamp(&stamped, DOCUMENT, &VerificationContext::at(t(3)))
        .unwrap();
    assert_eq!(verified.seal.id, "3501000012345678");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_trust_bundle_configures_an_offline_verifier() {
    use yinzheng::model::bundle::{BundleIssuerKey, BundleNamed, TrustBundle};
    use yinzheng::verify::TrustBundleError;
    let (w, sealed, issuer) = sealed_world();
    let certificate = issuer.issue(licence(), t(100)).unwrap();
    let stamped = stamp(&sealed, DOCUMENT, "全文", &w.stamper, t(100)).unwrap();
    let publisher = Ed25519SigningKey::from_seed(&[0x7A; 32]);
    let mut list = StatusList::new(2, 16).unwrap();
    list.set(2, 1).unwrap();
    let token = StatusListToken {
        uri: "https://status.example/owner".into(),
        issued_at: t(150),
        expires_at: Some(t(10_000)),
        ttl: None,
        list,
    }
    .sign(&w.owner_list_key)
    .unwrap();
    let bundle = TrustBundle {
        publisher: "国家政务服务平台（测试）".into(),
        issued_at: t(150),
        expires_at: t(150 + 7 * 86_400),
        issuer_keys: vec![BundleIssuerKey {
            name: "owner".into(),
            agency: Uscc::parse(OWNER).unwrap(),
            alg: -19,
            key: w.owner_list_key.public_key().to_bytes(),
            roles: Roles::STATUS_LISTS.bits(),
        }],
        x509_roots: vec![],
        seal_makers: vec![BundleNamed {
            name: "制章中心".into(),
            alg: -19,
            bytes: w.maker.public_key().to_bytes(),
            roles: Roles::SEAL_MAKER.bits(),
        }],
        seals: vec![sealed.clone()],
        status_lists: vec![token],
        revoked_keys: vec![],
    };
    let bytes = yinzheng::issue::sign_trust_bundle(&bundle, &publisher).unwrap();
    let limits = Limits::default();
    // Byte-exact round trip of the payload.
    let sign1 = CoseSign1::decode(&bytes, &limits).unwrap();
    assert_eq!(TrustBundle::decode(sign1.payload, &limits).unwrap(), bundle);
    assert_eq!(bundle.encode(), sign1.payload);

    let ctx = VerificationContext::at(t(200));
    let verifier = Verifier::from_trust_bundle(&bytes, &publisher.public_key(), &ctx, &limits)
        .unwrap()
        .build()
        .unwrap();
    // From the bytes alone plus the bundle: the certificate (through the seal) and the stamp.
    let verified = verifier
        .verify_certificate(certificate.as_bytes(), &ctx)
        .unwrap();
    assert!(verified.seal().is_some());
    let stamp_ok = verifier.verify_stamp(&stamped, DOCUMENT, &ctx).unwrap();
    assert_eq!(stamp_ok.signed_at, t(100));

    // Refusals: another publisher, expired, not yet issued, a tampered byte.
    let other = Ed25519SigningKey::from_seed(&[0x7B; 32]).public_key();
    let refuse = |bytes: &[u8], key: &yinzheng::crypto::PublicKey, at: UnixTime| {
        Verifier::from_trust_bundle(bytes, key, &VerificationContext::at(at), &limits).unwrap_err()
    };
    assert!(matches!(
        refuse(&bytes, &other, t(200)),
        TrustBundleError::Envelope(EnvelopeError::UnknownKey { .. })
    ));
    assert!(matches!(
        refuse(&bytes, &publisher.public_key(), t(150 + 7 * 86_400)),
        TrustBundleError::Expired { .. }
    ));
    assert!(matches!(
        refuse(&bytes, &publisher.public_key(), t(149)),
        TrustBundleError::NotYetValid { .. }
    ));
    for at in 0..bytes.len() {
        let mut tampered = bytes.clone();
        tampered[at] ^= 0x01;
        assert!(
            Verifier::from_trust_bundle(&tampered, &publisher.public_key(), &ctx, &limits).is_err(),
            "byte {at}"
        );
    }
    // A bundle whose seal is from an unknown maker is refused whole.
    let mut bad = bundle.clone();
    bad.seal_makers.clear();
    bad.issuer_keys.push(BundleIssuerKey {
        name: "x".into(),
        agency: Uscc::parse(OWNER).unwrap(),
        alg: -19,
        key: w.maker.public_key().to_bytes(),
        roles: Roles::ISSUER.bits(),
    });
    let bad = yinzheng::issue::sign_trust_bundle(&bad, &publisher).unwrap();
    assert!(matches!(
        refuse(&bad, &publisher.public_key(), t(200)),
        TrustBundleError::Seal { index: 0, .. }
    ));
}
