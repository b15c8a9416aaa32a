//! Publishing to a real S3-compatible store (SeaweedFS, started by `.ci/seaweedfs.sh`):
//! create-only tiles (the same bytes again are fine, other bytes a conflict), cache lifetimes,
//! size limits before reading, a file log and the PostgreSQL integrator published and then
//! verified by our client over S3 and over plain HTTP and by `tlog_tiles`, and publishing that
//! carries on after the store restarts. Skips (saying why) when no store is configured.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use object_store::{Attribute, ObjectStoreExt as _};
use yinzheng::Limits;
use yinzheng::audit::objects::{ObjectSink as _, ObjectSource, Put, SinkError, SourceError};
use yinzheng::audit::publish::Publisher;
use yinzheng::audit::tile_client::TileClient;
use yinzheng::audit::{Event, EventKind, KeyRole, NoteKey};
use yinzheng::crypto::{Ed25519SigningKey, Signer as _};
use yinzheng::status::{RegistryConfig, StatusRegistry};
use yinzheng::storage::{AuditLog, publish_status_list};
use yinzheng::time::UnixTime;
use yinzheng_objects::{ObjectTarget, open_target};

const ORIGIN: &str = "audit.example.gov.cn/objects";
const BUCKET: &str = "yz-test";

fn log_signer() -> Ed25519SigningKey {
    Ed25519SigningKey::from_seed(&[0x4B; 32])
}

fn log_key() -> NoteKey {
    NoteKey::new(ORIGIN, KeyRole::Log, log_signer().public_key()).unwrap()
}

/// One test at a time: one of them stops and restarts the store.
static STORE: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    STORE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// `s3://yz-test/<name>-<pid>`, or `None` (saying why) without a store; CI sets
/// `YINZHENG_REQUIRE_S3=1` so that it cannot skip.
fn prefix(name: &str) -> Option<String> {
    if std::env::var_os("AWS_ENDPOINT").is_none() {
        assert!(
            std::env::var_os("YINZHENG_REQUIRE_S3").is_none(),
            "YINZHENG_REQUIRE_S3 is set but AWS_ENDPOINT is not"
        );
        eprintln!(
            "skipped: no S3 store configured (start one with `bash .ci/seaweedfs.sh start` \
             and export the lines it prints)"
        );
        return None;
    }
    Some(format!("{name}-{}", std::process::id()))
}

fn target(prefix: &str) -> ObjectTarget {
    ObjectTarget::open(&format!("s3://{BUCKET}/{prefix}")).unwrap()
}

fn event(n: u64) -> Event {
    Event {
        kind: EventKind::CertificateIssued,
        actor_key_id: [0x44; 32],
        subject: format!("cert-{n}").into_bytes(),
        object_digest: yinzheng::crypto::sha256(&n.to_be_bytes()),
        attributes: Vec::new(),
    }
}

fn they_verify(source: &dyn ObjectSource, index: u64, entry: &[u8]) -> u64 {
    yinzheng_testkit::they_verify(source, ORIGIN, index, entry)
}

#[test]
fn immutable_objects_are_created_once_and_lifetimes_are_set() {
    let _turn = one_at_a_time();
    let Some(prefix) = prefix("immutable") else {
        return;
    };
    let store = target(&prefix);
    store.put("tile/0/000", b"first", Put::Immutable).unwrap();
    // The same bytes again: a restarted publisher. Other bytes: an alarm, not an overwrite.
    store.put("tile/0/000", b"first", Put::Immutable).unwrap();
    match store.put("tile/0/000", b"other", Put::Immutable) {
        Err(SinkError::Conflict { path }) => assert_eq!(path, "tile/0/000"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        store.fetch("tile/0/000", 100).unwrap().as_deref(),
        Some(&b"first"[..])
    );
    let replace = Put::Replace { max_age_secs: 60 };
    store.put("checkpoint", b"one", replace).unwrap();
    store.put("checkpoint", b"two", replace).unwrap();
    assert_eq!(
        store.fetch("checkpoint", 100).unwrap().as_deref(),
        Some(&b"two"[..])
    );
    assert_eq!(store.fetch("missing", 100).unwrap(), None);
    assert!(matches!(
        store.fetch("checkpoint", 2),
        Err(SourceError::TooLong { limit: 2, .. })
    ));

    // What a reader of the store is told about caching.
    let s3 = object_store::aws::AmazonS3Builder::from_env()
        .with_bucket_name(BUCKET)
        .build()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let cache = |path: &str| {
        let location = object_store::path::Path::from(format!("{prefix}/{path}"));
        let got = runtime.block_on(s3.get(&location)).unwrap();
        got.attributes
            .get(&Attribute::CacheControl)
            .map(|v| v.to_string())
    };
    assert_eq!(cache("checkpoint").as_deref(), Some("public, max-age=60"));
    assert_eq!(
        cache("tile/0/000").as_deref(),
        Some("public, max-age=31536000, immutable")
    );

    // A status list with `ttl` 600 published at its `iat`: cached for half of it, and late in
    // its life only for what is left of it.
    let scratch = std::env::temp_dir().join(format!("yz-s3-{prefix}"));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).unwrap();
    let journal = scratch.join("journal");
    let base = "https://status.example.gov.cn/jilin/";
    let registry = StatusRegistry::open_file(&journal, RegistryConfig::new(base)).unwrap();
    let uri = registry.allocate("A").unwrap().uri;
    let list_signer = Ed25519SigningKey::from_seed(&[0x4C; 32]);
    let at = UnixTime::from_secs(1_790_000_000);
    let token = registry
        .publish(&uri, &list_signer, at, Duration::from_secs(600))
        .unwrap();
    for (now, max_age) in [(at, 300), (at.saturating_add(500), 100)] {
        let path = publish_status_list(&store, base, &token, now, &Limits::default()).unwrap();
        assert_eq!(
            cache(&path).unwrap(),
            format!("public, max-age={max_age}"),
            "at {now:?}"
        );
    }
    drop(registry);
    let _ = std::fs::remove_dir_all(&scratch);
    let _ = runtime.block_on(s3.delete(&object_store::path::Path::from(prefix)));
}

#[test]
fn a_file_log_published_to_s3_verifies_over_s3_over_http_and_with_tlog_tiles() {
    let _turn = one_at_a_time();
    let Some(prefix) = prefix("filelog") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("yz-objects-{prefix}"));
    let _ = std::fs::remove_dir_all(&dir);
    let log = AuditLog::open(&dir, ORIGIN, log_signer()).unwrap();
    let at = UnixTime::from_secs(1_780_000_000);
    log.append_batch((0..700).map(event).collect(), at).unwrap();
    let sink = target(&prefix);
    let mut publisher = Publisher::resume(&sink, ORIGIN, &[log_key()]).unwrap();
    log.reader().publish(&mut publisher, &sink).unwrap();
    log.append_batch((700..1000).map(event).collect(), at)
        .unwrap();
    // Another publisher resumes from what the store holds.
    let mut resumed = Publisher::resume(&sink, ORIGIN, &[log_key()]).unwrap();
    assert_eq!(resumed.size(), 700);
    log.reader().publish(&mut resumed, &sink).unwrap();

    let entry = log.entry(321).unwrap();
    let over_s3 = TileClient::new(target(&prefix), ORIGIN, vec![log_key()]);
    let checkpoint = over_s3.checkpoint().unwrap();
    assert_eq!(over_s3.verify_all(&checkpoint).unwrap(), 1000);
    assert_eq!(
        over_s3.inclusion_bundle(&checkpoint, 321).unwrap().entry,
        entry
    );
    assert_eq!(they_verify(&target(&prefix), 321, &entry), 1000);
    if let Ok(http) = std::env::var("YINZHENG_TEST_S3_HTTP") {
        // The same objects through a plain, read-only HTTP front.
        let front = open_target(&format!("{http}/{BUCKET}/{prefix}")).unwrap();
        let over_http = TileClient::new(front, ORIGIN, vec![log_key()]);
        let seen = over_http.checkpoint().unwrap();
        assert_eq!(seen, checkpoint);
        assert_eq!(over_http.verify_all(&seen).unwrap(), 1000);
        let read_only = ObjectTarget::open(&format!("{http}/{BUCKET}/{prefix}")).unwrap();
        assert!(matches!(
            read_only.put("x", b"y", Put::Immutable),
            Err(SinkError::Store { .. })
        ));
    }
    drop(log);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_platform_integrator_publishes_to_s3_across_a_store_restart() {
    let _turn = one_at_a_time();
    let Some(prefix) = prefix("platform") else {
        return;
    };
    let Some(url) = yinzheng_testkit::fresh_schema("yz_test_s3") else {
        return;
    };
    let log = Arc::new(
        yinzheng_postgres::PgLog::connect(&url, ORIGIN, log_key())
            .unwrap()
            .with_signer(log_signer())
            .unwrap()
            .with_tiles(target(&prefix)),
    );
    let at = UnixTime::from_secs(1_780_000_000);
    log.sequence((0..600).map(event).collect(), at).unwrap();
    assert_eq!(log.integrate().unwrap().unwrap().checkpoint.size, 600);

    if let Some(ctl) = std::env::var_os("YINZHENG_TEST_S3_CTL") {
        let stop = std::process::Command::new("bash")
            .arg(&ctl)
            .arg("stop")
            .status()
            .unwrap();
        assert!(stop.success());
        log.sequence((600..900).map(event).collect(), at).unwrap();
        // The store is down: integration signs but publication fails, and says so.
        assert!(matches!(
            log.integrate(),
            Err(yinzheng_postgres::PgError::Publish(_))
        ));
        let start = std::process::Command::new("bash")
            .arg(&ctl)
            .arg("start")
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(start.success());
    } else {
        eprintln!("YINZHENG_TEST_S3_CTL is not set: the store-restart part is skipped");
        log.sequence((600..900).map(event).collect(), at).unwrap();
    }
    // Publication resumes from what the store holds and catches up.
    let mut published = None;
    for _ in 0..50 {
        match log.integrate() {
            Ok(Some(c)) => {
                published = Some(c);
                break;
            }
            _ => std::thread::sleep(Duration::from_millis(200)),
        }
    }
    assert_eq!(published.unwrap().checkpoint.size, 900);
    let reader = TileClient::new(target(&prefix), ORIGIN, vec![log_key()]);
    let checkpoint = reader.checkpoint().unwrap();
    assert_eq!(reader.verify_all(&checkpoint).unwrap(), 900);
    let entry = log.entries(777, 778).unwrap().pop().unwrap();
    assert_eq!(they_verify(&target(&prefix), 777, &entry), 900);
}
