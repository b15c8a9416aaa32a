//! Revocation and suspension through the public API: the registry's transitions, random
//! allocation, publishing, and what an offline verifier concludes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use yinzheng::audit::EventKind;
use yinzheng::crypto::{Ed25519SigningKey, SeededRandom, Signer as _};
use yinzheng::issue::{CertificateBuilder, Issuer};
use yinzheng::model::{Agency, CertificateType, Holder, ResidentId, Uscc, Validity};
use yinzheng::status::{LegalStatus, RegistryConfig, RegistryError, StatusRegistry};
use yinzheng::storage::AuditLog;
use yinzheng::time::{Date, UnixTime};
use yinzheng::trust::{Roles, TrustStore};
use yinzheng::verify::{
    Check, ListAdded, StatusListRejected, StatusOutcome, UnknownStatus, VerificationContext,
    Verifier, VerifyError,
};

const AGENCY: &str = "11220000013544541J";
const PREFIX: &str = "https://status.example.gov.cn/jilin/";

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("yz-status-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn registry(path: &Path, list_size: u64) -> StatusRegistry {
    let mut config = RegistryConfig::new(PREFIX);
    config.list_size = list_size;
    StatusRegistry::open_file(path, config)
        .unwrap()
        .with_rng(SeededRandom::from_seed([3; 32]))
}

fn now() -> UnixTime {
    UnixTime::from_secs(1_795_226_400)
}

#[test]
fn legal_transitions() {
    let dir = temp("transitions");
    let r = registry(&dir.join("journal"), 64);
    r.allocate("A").unwrap();
    r.set_status("A", LegalStatus::Suspended, "op-7", now())
        .unwrap();
    r.set_status("A", LegalStatus::Valid, "op-7", now())
        .unwrap(); // reinstated
    r.set_status("A", LegalStatus::ReportedLost, "op-7", now())
        .unwrap();
    r.set_status("A", LegalStatus::Revoked, "op-9", now())
        .unwrap();
    for to in [
        LegalStatus::Valid,
        LegalStatus::Suspended,
        LegalStatus::Cancelled,
        LegalStatus::Revoked,
    ] {
        assert!(
            matches!(
                r.set_status("A", to, "op", now()),
                Err(RegistryError::IllegalTransition {
                    from: LegalStatus::Revoked,
                    ..
                })
            ),
            "{to:?}"
        );
    }
    r.allocate("B").unwrap();
    assert!(matches!(
        r.set_status("B", LegalStatus::Valid, "op", now()),
        Err(RegistryError::IllegalTransition { .. })
    ));
    assert!(matches!(
        r.set_status("C", LegalStatus::Revoked, "op", now()),
        Err(RegistryError::UnknownCertificate)
    ));
    let history: Vec<LegalStatus> = r.history("A").iter().map(|c| c.status).collect();
    assert_eq!(
        history,
        [
            LegalStatus::Suspended,
            LegalStatus::Valid,
            LegalStatus::ReportedLost,
            LegalStatus::Revoked
        ]
    );
    assert_eq!(r.status("A").unwrap().0, LegalStatus::Revoked);
    assert_eq!(LegalStatus::Revoked.label(), "吊销");
    assert_eq!(
        (
            LegalStatus::Suspended.list_value(),
            LegalStatus::Cancelled.list_value()
        ),
        (2, 1)
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn indices_are_random_unique_and_lists_roll_over() {
    let dir = temp("alloc");
    let r = registry(&dir.join("journal"), 64);
    let refs: Vec<_> = (0..100)
        .map(|i| r.allocate(&format!("cert-{i}")).unwrap())
        .collect();
    assert_eq!(
        r.allocate("cert-5").unwrap(),
        refs[5],
        "allocation is idempotent"
    );
    let mut seen = std::collections::HashSet::new();
    for reference in &refs {
        assert!(reference.index < 64);
        assert!(seen.insert((reference.uri.clone(), reference.index)));
    }
    // Half of 64 per list: 100 certificates span four lists.
    assert_eq!(r.uris().len(), 4);
    assert_eq!(refs[0].uri, format!("{PREFIX}1"));
    let first: Vec<u64> = refs[..32].iter().map(|r| r.index).collect();
    assert_ne!(
        first,
        (0..32).collect::<Vec<_>>(),
        "indices must not be sequential"
    );
    drop(r);
    let reopened = registry(&dir.join("journal"), 64);
    for (i, reference) in refs.iter().enumerate() {
        assert_eq!(reopened.status(&format!("cert-{i}")).unwrap().1, *reference);
    }
    let _ = std::fs::remove_dir_all(dir);
}

fn resident(number: &str) -> CertificateBuilder {
    let day = Date::new(2026, 1, 1).unwrap();
    CertificateBuilder::new(
        CertificateType::new("11100000000013338W032", "资格证书").unwrap(),
        number,
        Holder::resident("李示例", &ResidentId::parse("11010519491231002X").unwrap()),
        day,
        Validity::long_term(day),
    )
}

#[test]
fn revoke_suspend_reinstate_as_an_offline_verifier_sees_it() {
    let dir = temp("e2e");
    let log_key = Ed25519SigningKey::from_seed(&[0x5A; 32]);
    let log =
        Arc::new(AuditLog::open(&dir.join("log"), "audit.example.gov.cn/jilin", log_key).unwrap());
    let registry = Arc::new(
        registry(&dir.join("journal"), 131_072)
            .with_observer(log.clone())
            .unwrap(),
    );
    let key = Ed25519SigningKey::from_seed(&[0x11; 32]);
    let list_signer = Ed25519SigningKey::from_seed(&[0x11; 32]);
    let public = key.public_key();
    let issuer = Issuer::new(Agency::new("吉林省测试厅", AGENCY).unwrap(), key)
        .with_status_registry(registry.clone())
        .with_audit_log(log.clone());
    let a = issuer.issue(resident("A-1"), now()).unwrap();
    let b = issuer.issue(resident("B-2"), now()).unwrap();
    let reference = a.certificate().status.clone().expect("status claim");
    assert!(reference.uri.starts_with(PREFIX));
    let mut trust = TrustStore::new();
    trust
        .add_agency_key("jilin", Uscc::parse(AGENCY).unwrap(), public, Roles::AGENCY)
        .unwrap();
    let ctx = VerificationContext::at(now().saturating_add(60));
    let verify = |verifier: &Verifier, bytes: &[u8]| verifier.verify_certificate(bytes, &ctx);

    // No list yet: UNKNOWN, which rejects by default.
    let verifier = Verifier::builder(trust.clone()).build().unwrap();
    let err = verify(&verifier, a.as_bytes()).unwrap_err();
    assert_eq!(
        err.error(),
        &VerifyError::StatusUnknown(UnknownStatus::NoList)
    );
    assert_eq!(
        err.report().status(),
        Some(StatusOutcome::Unknown(UnknownStatus::NoList))
    );

    let publish = |at: UnixTime| {
        registry
            .publish(&reference.uri, &list_signer, at, Duration::from_secs(3600))
            .unwrap()
    };
    let added = verifier.add_status_list(&publish(now()), &ctx).unwrap();
    assert_eq!(added.outcome, ListAdded::Stored);
    assert_eq!(added.agency.as_str(), AGENCY);
    assert_eq!(
        verify(&verifier, a.as_bytes()).unwrap().report().status(),
        Some(StatusOutcome::Valid)
    );

    registry
        .set_status(
            a.certificate().id.as_str(),
            LegalStatus::Revoked,
            "op-7",
            now(),
        )
        .unwrap();
    registry
        .set_status(
            b.certificate().id.as_str(),
            LegalStatus::Suspended,
            "op-7",
            now(),
        )
        .unwrap();
    verifier
        .add_status_list(&publish(now().saturating_add(1)), &ctx)
        .unwrap();
    let revoked = verify(&verifier, a.as_bytes()).unwrap_err();
    assert_eq!(revoked.failed_check(), Check::Status);
    assert_eq!(revoked.report().status(), Some(StatusOutcome::Revoked));
    assert_eq!(
        verify(&verifier, b.as_bytes())
            .unwrap_err()
            .report()
            .status(),
        Some(StatusOutcome::Suspended)
    );

    // Reinstating B; an older list given later does not roll the verifier back.
    registry
        .set_status(
            b.certificate().id.as_str(),
            LegalStatus::Valid,
            "op-8",
            now(),
        )
        .unwrap();
    let newest = publish(now().saturating_add(2));
    verifier.add_status_list(&newest, &ctx).unwrap();
    assert!(matches!(
        verifier
            .add_status_list(&publish(now()), &ctx)
            .unwrap()
            .outcome,
        ListAdded::KeptHeld { .. }
    ));
    assert_eq!(
        verifier.add_status_list(&newest, &ctx).unwrap().outcome,
        ListAdded::AlreadyHeld
    );
    // A list dated in the future is refused, so it cannot lock the real ones out (its
    // publication is still in the audit log: the registry signed it).
    assert!(matches!(
        verifier.add_status_list(&publish(now().saturating_add(3600)), &ctx),
        Err(StatusListRejected::FromTheFuture { .. })
    ));
    assert_eq!(
        verify(&verifier, b.as_bytes()).unwrap().report().status(),
        Some(StatusOutcome::Valid)
    );

    // A stale list is UNKNOWN — never REVOKED — and allow_unknown_status is explicit.
    let later = VerificationContext::at(now().saturating_add(7200));
    let stale = verifier
        .verify_certificate(a.as_bytes(), &later)
        .unwrap_err();
    assert_eq!(
        stale.error(),
        &VerifyError::StatusUnknown(UnknownStatus::Stale)
    );
    let lenient = Verifier::builder(trust)
        .allow_unknown_status()
        .build()
        .unwrap();
    lenient.add_status_list(&newest, &ctx).unwrap();
    assert!(lenient.verify_certificate(b.as_bytes(), &later).is_ok());
    assert_eq!(
        lenient
            .verify_certificate(a.as_bytes(), &ctx)
            .unwrap_err()
            .report()
            .status(),
        Some(StatusOutcome::Revoked)
    );

    // Every change and publication is in the audit log, without personal data.
    let kinds: Vec<EventKind> = (0..log.size())
        .map(|i| {
            yinzheng::audit::AuditEntry::decode(&log.entry(i).unwrap())
                .unwrap()
                .event
                .kind
        })
        .collect();
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == EventKind::CertificateIssued)
            .count(),
        2
    );
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == EventKind::StatusChanged)
            .count(),
        3
    );
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == EventKind::StatusListPublished)
            .count(),
        5
    );
    let segment =
        String::from_utf8_lossy(&std::fs::read(dir.join("log/log.seg")).unwrap()).into_owned();
    assert!(!segment.contains("op-7") && !segment.contains("李示例"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn published_lists_land_under_their_uri_newest_first() {
    use yinzheng::Limits;
    use yinzheng::audit::objects::{ObjectSink as _, ObjectSource as _, Put};
    use yinzheng::storage::{
        DirectoryObjects, STATUS_LIST_CLOCK_SKEW_SECS, StatusPublishError, publish_status_list,
    };

    let dir = temp("publish-objects");
    let r = registry(&dir.join("journal"), 1024);
    let reference = r.allocate("A").unwrap();
    let signer = Ed25519SigningKey::from_seed(&[0x11; 32]);
    let token = |at: UnixTime, ttl: u64| {
        r.publish(&reference.uri, &signer, at, Duration::from_secs(ttl))
            .unwrap()
    };
    let store = DirectoryObjects::new(&dir.join("public"));
    let limits = Limits::default();
    let publish =
        |base: &str, token: &[u8]| publish_status_list(&store, base, token, now(), &limits);
    let newer = token(now().saturating_add(10), 600);
    let path = publish(PREFIX, &newer).unwrap();
    assert_eq!(format!("{PREFIX}{path}"), reference.uri);
    let published = || store.fetch(&path, 1 << 20).unwrap().unwrap();
    assert_eq!(published(), newer);

    // An older token never replaces a newer one; the same one again is fine, and a base
    // given without its final slash is the same base.
    match publish(PREFIX, &token(now(), 600)) {
        Err(StatusPublishError::Stale { published, offered }) => {
            assert_eq!(
                (published, offered),
                (now().as_secs() + 10, now().as_secs())
            );
        }
        other => panic!("{other:?}"),
    }
    publish(PREFIX.trim_end_matches('/'), &newer).unwrap();
    assert_eq!(published(), newer);

    // What is there is not trusted: a token dated past now + skew, a token of another list,
    // an object too long to be a token and bytes that are no token are all replaced.
    let honest = token(now(), 600);
    let future = token(now().saturating_add(STATUS_LIST_CLOCK_SKEW_SECS + 1), 600);
    let other_list = {
        let other = StatusRegistry::open_file(
            &dir.join("other-journal"),
            RegistryConfig::new("https://status.example.gov.cn/other/"),
        )
        .unwrap();
        let uri = other.allocate("B").unwrap().uri;
        other
            .publish(
                &uri,
                &signer,
                now().saturating_add(20),
                Duration::from_secs(600),
            )
            .unwrap()
    };
    let too_long = vec![0xa0; limits.max_input_bytes + 1];
    for planted in [
        &future,
        &other_list,
        &too_long,
        &b"not a token"[..].to_vec(),
    ] {
        store
            .put(&path, planted, Put::Replace { max_age_secs: 60 })
            .unwrap();
        publish(PREFIX, &honest).unwrap();
        assert_eq!(published(), honest);
    }

    // Refused outright: a token from the future, one past its freshness, a store served
    // elsewhere, and bytes that are no token.
    assert!(matches!(
        publish(PREFIX, &future),
        Err(StatusPublishError::FromTheFuture { .. })
    ));
    let fresh_until = now().as_secs() - 1;
    assert!(matches!(
        publish(PREFIX, &token(UnixTime::from_secs(fresh_until - 600), 600)),
        Err(StatusPublishError::Expired { fresh_until: f, .. }) if f == fresh_until
    ));
    assert!(matches!(
        publish("https://status.example.gov.cn/other/", &newer),
        Err(StatusPublishError::OutsideBase { .. })
    ));
    assert!(matches!(
        publish(PREFIX, b"not a token"),
        Err(StatusPublishError::NotAToken(_))
    ));
    assert_eq!(published(), honest);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_allocator_that_miscounts_issues_nothing() {
    use yinzheng::issue::IssueError;
    use yinzheng::model::StatusReference;
    use yinzheng::status::StatusAllocator;

    /// Drops the last reference of every batch, as a buggy remote registry might.
    struct OneShort(StatusRegistry);
    impl StatusAllocator for OneShort {
        fn allocate_all(
            &self,
            certificates: &[&str],
        ) -> Result<Vec<StatusReference>, RegistryError> {
            let mut references = self.0.allocate_all(certificates)?;
            references.pop();
            Ok(references)
        }
    }
    let dir = temp("miscount");
    let key = Ed25519SigningKey::from_seed(&[0x11; 32]);
    let issuer = Issuer::new(Agency::new("吉林省测试厅", AGENCY).unwrap(), key)
        .with_status_registry(Arc::new(OneShort(registry(&dir.join("journal"), 1024))));
    for (batch, allocated) in [
        (vec![resident("A-1"), resident("B-2")], 1),
        (vec![resident("C-3")], 0),
    ] {
        let asked = batch.len();
        let result = if asked == 1 {
            issuer
                .issue(batch.into_iter().next().unwrap(), now())
                .map(|_| ())
        } else {
            issuer.issue_batch(batch, now()).map(|_| ())
        };
        match result {
            Err(IssueError::Status(RegistryError::AllocatedWrongCount {
                asked: a,
                allocated: n,
            })) => {
                assert_eq!((a, n), (asked, allocated));
            }
            other => panic!("{other:?}"),
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn status_names_read_in_english_and_chinese() {
    for code in 1..=8 {
        let status = LegalStatus::from_code(code).unwrap();
        assert_eq!(status.name().parse::<LegalStatus>().unwrap(), status);
        assert_eq!(status.label().parse::<LegalStatus>().unwrap(), status);
    }
    assert_eq!("吊销".parse::<LegalStatus>().unwrap(), LegalStatus::Revoked);
    let err = "Revoked".parse::<LegalStatus>().unwrap_err();
    assert_eq!(err.0, "Revoked");
    assert!(err.to_string().contains("revoked"), "{err}");
}
