//! `yinzheng status set` and `status publish`: a revocation reaches verifiers through the
//! next list; one writer holds the journal at a time.

use crate::Agency;
use crate::present::{present, verify_shown};

#[test]
fn a_revocation_is_published_and_refused_by_verifiers() {
    let agency = Agency::set_up("revoke");
    let d = agency.dir();
    present(d);
    verify_shown(d, "lists/list-0.cwt", 0);
    let revoked = agency.set_status("revoked", &[]);
    assert!(revoked.status.success(), "{revoked:?}");
    agency.publish("lists2");
    verify_shown(d, "lists2/list-0.cwt", 11);
    // Revoked is final.
    let again = agency.set_status("valid", &[]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("cannot change status"));
}

#[test]
fn a_held_journal_lock_makes_status_set_fail_or_wait() {
    let agency = Agency::set_up("lock");
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .open(agency.dir().join("status.journal.lock"))
        .unwrap();
    lock.lock().unwrap();
    let locked = agency.set_status("suspended", &[]);
    assert_eq!(locked.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&locked.stderr).contains("locked by another writer"));
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(300));
        drop(lock);
    });
    // The waiting writer gets the lock once it is released.
    let waited = agency.set_status("suspended", &["--wait-lock", "20"]);
    releaser.join().unwrap();
    assert!(waited.status.success(), "{waited:?}");
}
