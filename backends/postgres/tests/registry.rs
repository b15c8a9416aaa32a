//! The status registry on a real PostgreSQL: services allocating at once get distinct
//! random indices and lists fill to half; only lawful changes are kept, by the code and by
//! the database itself; a change and a publication are in the audit log with the registry
//! row or not at all; a published list carries the statuses. Skips without a server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use common::{ORIGIN, client, fresh_schema, log_key, log_signer};
use yinzheng::Limits;
use yinzheng::audit::{AuditEntry, EventKind};
use yinzheng::crypto::Ed25519SigningKey;
use yinzheng::encoding::CoseSign1;
use yinzheng::status::{LegalStatus, RegistryConfig, StatusListToken};
use yinzheng::time::UnixTime;
use yinzheng_postgres::{PgError, PgLog, PgStatusRegistry};

const PREFIX: &str = "https://status.example.gov.cn/platform/";
const AT: UnixTime = UnixTime::from_secs(1_780_000_000);

fn config(list_size: u64) -> RegistryConfig {
    let mut config = RegistryConfig::new(PREFIX);
    config.list_size = list_size;
    config
}

/// The log and a registry in a fresh schema.
fn open(name: &str, list_size: u64) -> Option<(String, PgLog, PgStatusRegistry)> {
    let url = fresh_schema(name)?;
    let log = PgLog::connect(&url, ORIGIN, log_key())
        .unwrap()
        .with_signer(log_signer())
        .unwrap();
    let registry = PgStatusRegistry::connect(&url, config(list_size)).unwrap();
    Some((url, log, registry))
}

fn logged(log: &PgLog) -> Vec<AuditEntry> {
    let size = log.size().unwrap();
    log.entries(0, size)
        .unwrap()
        .iter()
        .map(|e| AuditEntry::decode(e).unwrap())
        .collect()
}

#[test]
fn services_allocating_at_once_get_distinct_indices_in_half_full_lists() {
    let Some((url, _log, _)) = open("yz_test_allocate", 64) else {
        return;
    };
    let services: Vec<Arc<PgStatusRegistry>> = (0..2)
        .map(|_| Arc::new(PgStatusRegistry::connect(&url, config(64)).unwrap()))
        .collect();
    let threads: Vec<_> = (0..6)
        .map(|t| {
            let registry = Arc::clone(&services[t % 2]);
            std::thread::spawn(move || {
                let mut got = Vec::new();
                for round in 0..10 {
                    let ids: Vec<String> = (0..20).map(|i| format!("c-{t}-{round}-{i}")).collect();
                    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
                    got.extend(
                        ids.iter()
                            .cloned()
                            .zip(registry.allocate_all(&refs).unwrap()),
                    );
                }
                got
            })
        })
        .collect();
    let allocated: Vec<_> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    assert_eq!(allocated.len(), 1200);
    let places: BTreeSet<(String, u64)> = allocated
        .iter()
        .map(|(_, r)| (r.uri.clone(), r.index))
        .collect();
    assert_eq!(places.len(), 1200, "an index was given twice");
    let mut per_list = BTreeMap::new();
    for (uri, index) in &places {
        assert!(*index < 64);
        *per_list.entry(uri.clone()).or_insert(0) += 1;
    }
    assert!(per_list.values().all(|n| *n <= 32), "{per_list:?}");
    assert_eq!(per_list.len(), 1200 / 32 + 1);
    assert_eq!(services[0].uris().unwrap().len(), per_list.len());
    // Asking again gives the same reference, from either service.
    let (id, reference) = &allocated[777];
    assert_eq!(&services[1].allocate(id).unwrap(), reference);
    assert_eq!(
        services[0].status(id).unwrap(),
        Some((LegalStatus::Valid, reference.clone()))
    );
    assert!(matches!(services[0].allocate(""), Err(PgError::Invalid(_))));
    assert!(matches!(
        services[0].allocate(&"x".repeat(256)),
        Err(PgError::Invalid(_))
    ));
}

#[test]
fn changes_and_publications_are_lawful_and_logged_with_the_registry() {
    let Some((url, log, registry)) = open("yz_test_changes", 1024) else {
        return;
    };
    let id = "1.2.156.3005.2.11100000000013338W032.A1.001";
    let reference = registry.allocate(id).unwrap();
    let suspended = registry
        .set_status(id, LegalStatus::Suspended, "operator-7", AT)
        .unwrap();
    registry
        .set_status(id, LegalStatus::Revoked, "operator-7", AT.saturating_add(5))
        .unwrap();
    match registry.set_status(id, LegalStatus::Valid, "operator-7", AT) {
        Err(PgError::IllegalTransition { from, to }) => {
            assert_eq!((from, to), (LegalStatus::Revoked, LegalStatus::Valid));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        registry.set_status("unknown", LegalStatus::Revoked, "operator-7", AT),
        Err(PgError::UnknownCertificate(_))
    ));
    assert!(matches!(
        registry.set_status(id, LegalStatus::Revoked, "", AT),
        Err(PgError::Invalid(_))
    ));
    let history = registry.history(id).unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0], suspended);
    assert_eq!(history[1].status, LegalStatus::Revoked);

    let signer = Ed25519SigningKey::from_seed(&[9; 32]);
    let token = registry
        .publish(&reference.uri, &signer, AT, Duration::from_secs(3600))
        .unwrap();
    let envelope = CoseSign1::decode(&token, &Limits::default()).unwrap();
    let list = StatusListToken::decode_claims(envelope.payload, &Limits::default()).unwrap();
    assert_eq!(list.ttl, Some(3600));
    assert_eq!(
        list.list.get(reference.index).unwrap(),
        LegalStatus::Revoked.list_value()
    );
    assert!(matches!(
        registry.publish("https://elsewhere/1", &signer, AT, Duration::from_secs(60)),
        Err(PgError::UnknownList(_))
    ));

    // Both changes and the publication are in the log, in order, and integrate.
    let entries = logged(&log);
    let kinds: Vec<EventKind> = entries.iter().map(|e| e.event.kind).collect();
    assert_eq!(
        kinds,
        [
            EventKind::StatusChanged,
            EventKind::StatusChanged,
            EventKind::StatusListPublished
        ]
    );
    assert_eq!(entries[0].event.subject, id.as_bytes());
    assert_eq!(
        entries[2].event.object_digest,
        yinzheng::crypto::sha256(&token)
    );
    assert_eq!(log.integrate().unwrap().unwrap().checkpoint.size, 3);

    // The database keeps the invariants itself: an unlawful change row and a reused index
    // are refused whoever writes them.
    let mut db = client(&url);
    let unlawful = db.execute(
        "INSERT INTO yz_status_changes (certificate, from_status, to_status, at_secs, operator)
         VALUES ($1, 5, 1, 0, 'x')",
        &[&id],
    );
    assert_eq!(
        unlawful.unwrap_err().code().unwrap().code(),
        "23503",
        "foreign key to the transition table"
    );
    let reused = db.execute(
        "INSERT INTO yz_status_entries (certificate, list_no, idx, status) VALUES ('other', 1, $1, 1)",
        &[&i64::try_from(reference.index).unwrap()],
    );
    assert_eq!(reused.unwrap_err().code().unwrap().code(), "23505");
}

#[test]
fn a_race_to_revoke_keeps_one_change_and_a_failed_log_keeps_none() {
    let Some((url, log, registry)) = open("yz_test_race", 1024) else {
        return;
    };
    let id = "licence-race";
    registry.allocate(id).unwrap();
    let services: Vec<Arc<PgStatusRegistry>> = (0..4)
        .map(|_| Arc::new(PgStatusRegistry::connect(&url, config(1024)).unwrap()))
        .collect();
    let outcomes: Vec<_> = services
        .iter()
        .map(|r| {
            let r = Arc::clone(r);
            std::thread::spawn(move || r.set_status(id, LegalStatus::Revoked, "op", AT).is_ok())
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().unwrap())
        .collect();
    assert_eq!(outcomes.iter().filter(|ok| **ok).count(), 1, "{outcomes:?}");
    assert_eq!(registry.history(id).unwrap().len(), 1);
    assert_eq!(logged(&log).len(), 1);

    // If the log cannot take the entry, the change is not kept either.
    let other = "licence-other";
    registry.allocate(other).unwrap();
    let mut db = client(&url);
    db.batch_execute("ALTER TABLE yz_log_entries ADD CONSTRAINT refuse CHECK (idx < 1)")
        .unwrap();
    assert!(matches!(
        registry.set_status(other, LegalStatus::Suspended, "op", AT),
        Err(PgError::Database { .. })
    ));
    assert_eq!(
        registry.status(other).unwrap().unwrap().0,
        LegalStatus::Valid
    );
    assert!(registry.history(other).unwrap().is_empty());
    db.batch_execute("ALTER TABLE yz_log_entries DROP CONSTRAINT refuse")
        .unwrap();
    registry
        .set_status(other, LegalStatus::Suspended, "op", AT)
        .unwrap();
    assert_eq!(logged(&log).len(), 2);
}

#[test]
fn another_configuration_is_refused() {
    let Some((url, _log, _)) = open("yz_test_config", 1024) else {
        return;
    };
    match PgStatusRegistry::connect(&url, config(2048)) {
        Err(PgError::WrongRegistry { found }) => assert_eq!(found, (PREFIX.to_owned(), 1024)),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        PgStatusRegistry::connect(&url, RegistryConfig::new("https://status/list7")),
        Err(PgError::Invalid(_))
    ));
    let bare = fresh_schema("yz_test_no_log").unwrap();
    let registry = PgStatusRegistry::connect(&bare, config(1024)).unwrap();
    registry.allocate("c").unwrap();
    assert!(matches!(
        registry.set_status("c", LegalStatus::Revoked, "op", AT),
        Err(PgError::Invalid(_))
    ));
}
