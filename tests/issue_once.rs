//! Issuing each request once: the same request gets the same certificate, and a crash at
//! either seam (after the ledger journalled it, after the log recorded it) is completed on
//! the next call — every certificate in the log exactly once, every retry answered with the
//! bytes signed the first time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use yinzheng::audit::{AuditEntry, AuditSink, Event, EventKind, LogError, Receipt};
use yinzheng::crypto::{Ed25519SigningKey, sha256};
use yinzheng::issue::{CertificateBuilder, IssuanceLedger, IssueError, Issuer, RequestId};
use yinzheng::model::{Agency, CertificateType, Holder, ResidentId, Validity};
use yinzheng::status::{LoadedRecords, RegistryError, StatusStore};
use yinzheng::storage::AuditLog;
use yinzheng::storage::FileStatusStore;
use yinzheng::time::{Date, UnixTime};

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("yz-once-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn now() -> UnixTime {
    UnixTime::from_secs(1_795_226_400)
}

fn request(i: u8) -> (RequestId, CertificateBuilder) {
    let day = Date::new(2026, 1, 1).unwrap();
    let builder = CertificateBuilder::new(
        CertificateType::new("11100000000013338W032", "资格证书").unwrap(),
        format!("No.{i}"),
        Holder::resident("李示例", &ResidentId::parse("11010519491231002X").unwrap()),
        day,
        Validity::long_term(day),
    );
    (sha256(&[i]), builder)
}

fn issuer() -> Issuer {
    Issuer::new(
        Agency::new("吉林省住房和城乡建设厅", "11220000013544541J").unwrap(),
        Ed25519SigningKey::from_seed(&[7; 32]),
    )
}

fn log(dir: &Path) -> Arc<AuditLog> {
    Arc::new(
        AuditLog::open(
            &dir.join("audit"),
            "audit.example.gov.cn/once",
            Ed25519SigningKey::from_seed(&[8; 32]),
        )
        .unwrap(),
    )
}

/// Issuance events in the log: (identifier, digest).
fn issued(log: &AuditLog) -> Vec<(String, [u8; 32])> {
    (0..log.size())
        .filter_map(|i| {
            let e = AuditEntry::decode(&log.entry(i).unwrap()).unwrap().event;
            (e.kind == EventKind::CertificateIssued)
                .then(|| (String::from_utf8(e.subject).unwrap(), e.object_digest))
        })
        .collect()
}

#[test]
fn the_same_request_gets_the_same_certificate() {
    let dir = temp("same");
    let audit = log(&dir);
    let ledger = Arc::new(IssuanceLedger::open_file(&dir.join("issued.ledger")).unwrap());
    let issuer = issuer()
        .with_audit_log(audit.clone())
        .with_ledger(ledger.clone());
    let first = issuer
        .issue_once(vec![request(1), request(2)], now())
        .unwrap();
    assert!(first.iter().all(|c| c.new));
    // Again, with one new request and one repeated within the batch.
    let again = issuer
        .issue_once(vec![request(2), request(3), request(3), request(1)], now())
        .unwrap();
    assert_eq!(again.len(), 4);
    assert_eq!(
        (again[0].bytes.clone(), again[0].new),
        (first[1].bytes.clone(), false)
    );
    assert_eq!(
        (again[3].bytes.clone(), again[3].new),
        (first[0].bytes.clone(), false)
    );
    assert!(again[1].new && again[1] == again[2]);
    assert_eq!(issued(&audit).len(), 3);
    for c in &again {
        assert!(issued(&audit).contains(&(c.identifier.clone(), sha256(&c.bytes))));
        assert!(c.audit_index.is_some());
    }
    // Reopened, the ledger still knows; without one, issue_once is refused.
    drop((issuer, ledger));
    let ledger = Arc::new(IssuanceLedger::open_file(&dir.join("issued.ledger")).unwrap());
    assert_eq!(ledger.len(), 3);
    assert_eq!(ledger.get(&request(1).0).unwrap().bytes, first[0].bytes);
    assert!(matches!(
        self::issuer().issue_once(vec![request(1)], now()),
        Err(IssueError::NoLedger)
    ));
    let _ = std::fs::remove_dir_all(dir);
}

/// A log that is down.
struct Down;

impl AuditSink for Down {
    fn record(&self, _: Event, _: UnixTime) -> Result<Receipt, LogError> {
        Err(LogError::Io {
            context: "reaching the log",
            kind: std::io::ErrorKind::ConnectionRefused,
        })
    }
}

#[test]
fn a_crash_after_the_ledger_is_completed_by_logging_once() {
    let dir = temp("after-ledger");
    let path = dir.join("issued.ledger");
    // Signed and journalled, then the log fails: nothing is released.
    let ledger = Arc::new(IssuanceLedger::open_file(&path).unwrap());
    let down = issuer().with_audit_log(Arc::new(Down)).with_ledger(ledger);
    assert!(matches!(
        down.issue_once(vec![request(1)], now()),
        Err(IssueError::Audit(_))
    ));
    drop(down);
    // The retry gets the certificate signed the first time, logged once however often asked.
    let audit = log(&dir);
    let ledger = Arc::new(IssuanceLedger::open_file(&path).unwrap());
    let journalled = ledger.get(&request(1).0).unwrap();
    let issuer = issuer().with_audit_log(audit.clone()).with_ledger(ledger);
    for _ in 0..3 {
        let got = issuer.issue_once(vec![request(1)], now()).unwrap();
        assert_eq!(got[0].bytes, journalled.bytes);
        assert!(!got[0].new);
        assert_eq!(
            issued(&audit),
            [(got[0].identifier.clone(), sha256(&got[0].bytes))]
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// A journal that fails its next write once asked to (a crash between log and ledger).
struct FailingStore {
    inner: FileStatusStore,
    fail: Arc<AtomicBool>,
}

impl StatusStore for FailingStore {
    fn load(&mut self) -> Result<LoadedRecords, RegistryError> {
        self.inner.load()
    }

    fn append(&mut self, records: &[Vec<u8>]) -> Result<(), RegistryError> {
        if self.fail.load(Ordering::SeqCst) {
            return Err(RegistryError::Io {
                context: "writing the journal",
                kind: std::io::ErrorKind::StorageFull,
            });
        }
        self.inner.append(records)
    }

    fn mark_observed(&mut self, through: u64) -> Result<(), RegistryError> {
        self.inner.mark_observed(through)
    }
}

/// A log that, once it has recorded, makes the ledger's next write fail.
struct ThenFail {
    log: Arc<AuditLog>,
    fail: Arc<AtomicBool>,
}

impl AuditSink for ThenFail {
    fn record(&self, event: Event, at: UnixTime) -> Result<Receipt, LogError> {
        let receipt = self.log.record(event, at);
        self.fail.store(true, Ordering::SeqCst);
        receipt
    }

    fn recorded_size(&self) -> Option<u64> {
        self.log.recorded_size()
    }

    fn issued_since(&self, from: u64) -> Result<Option<Vec<(u64, [u8; 32])>>, LogError> {
        self.log.issued_since(from)
    }
}

#[test]
fn a_crash_after_the_log_is_completed_without_logging_again() {
    let dir = temp("after-log");
    let path = dir.join("issued.ledger");
    let audit = log(&dir);
    let fail = Arc::new(AtomicBool::new(false));
    let store = FailingStore {
        inner: FileStatusStore::open(&path).unwrap(),
        fail: fail.clone(),
    };
    let ledger = Arc::new(IssuanceLedger::open(store).unwrap());
    let flaky = issuer()
        .with_audit_log(Arc::new(ThenFail {
            log: audit.clone(),
            fail,
        }))
        .with_ledger(ledger);
    // Journalled, logged, then the ledger cannot note it: an error, nothing released.
    assert!(flaky.issue_once(vec![request(4)], now()).is_err());
    drop(flaky);
    assert_eq!(issued(&audit).len(), 1);
    // The retry finds the event in the log and does not record it again.
    let ledger = Arc::new(IssuanceLedger::open_file(&path).unwrap());
    let issuer = issuer().with_audit_log(audit.clone()).with_ledger(ledger);
    let got = issuer.issue_once(vec![request(4)], now()).unwrap();
    assert_eq!(
        issued(&audit),
        [(got[0].identifier.clone(), sha256(&got[0].bytes))]
    );
    assert_eq!(got[0].audit_index, Some(0));
    let _ = std::fs::remove_dir_all(dir);
}
