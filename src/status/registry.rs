//! The issuer's status registry: each certificate's legal status (有效, 暂扣, 注销, 吊销, 撤销,
//! 挂失, 失效, 转出) with its history, indices allocated at random across status lists
//! (herd privacy), and signed list versions published on demand.
//!
//! Every operation is journalled in a [`StatusStore`] (by default the
//! [`FileStatusStore`](crate::storage::FileStatusStore)) and synced before it is acknowledged.
//! A status change is written ahead: journal → in-memory state → observer (the audit log) →
//! acknowledged. A crash after the journal write leaves a change the observer may lack; the
//! store remembers how far the observer is known to have every record, and attaching the
//! observer ([`StatusRegistry::with_observer`]) hands it the rest, once each, and refuses a
//! registry that is behind the observer (restored from an older copy).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::crypto::{OsRandom, RandomSource, Signer, sha256};
use crate::model::StatusReference;
use crate::status::legal::LegalStatus;
use crate::status::list::{StatusList, StatusListError, StatusListToken};
use crate::status::record::Record;
use crate::status::store::{StatusChange, StatusObserver, StatusStore};
use crate::time::UnixTime;

/// Why a registry operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// The store failed.
    #[error("status store I/O while {context}: {kind}")]
    Io {
        /// What the registry was doing.
        context: &'static str,
        /// The error kind.
        kind: std::io::ErrorKind,
    },
    /// Acknowledged records are damaged or differ from what was acknowledged.
    #[error("status journal corrupt at byte {offset}: {what}")]
    Corrupt {
        /// Where (a byte offset in the journal, or a record number for record errors).
        offset: u64,
        /// What.
        what: &'static str,
    },
    /// The journal holds fewer records than were acknowledged: truncated, or an older copy.
    #[error("rollback: {acknowledged} records were acknowledged, the journal holds {found}")]
    Rollback {
        /// Records the anchor records as acknowledged.
        acknowledged: u64,
        /// Records found.
        found: u64,
    },
    /// The journal has records but its anchor is gone, so what was acknowledged is unknown.
    #[error(
        "the journal's anchor is missing: acknowledged records cannot be checked (deleted, or a journal of format 1)"
    )]
    AnchorMissing,
    /// Another process holds the registry's writer lock.
    #[error("the status registry is locked by another writer")]
    Locked,
    /// The registry was opened read-only.
    #[error("the status registry is open read-only")]
    ReadOnly,
    /// The observer (the audit log) holds a change the journal does not: the journal was
    /// restored from an older copy, or the observer records another registry's changes under
    /// this URI prefix.
    #[error(
        "the audit log records status change #{sequence} but the journal holds {journal_records} records (restored from an older copy?)"
    )]
    BehindObserver {
        /// The observer's highest change sequence number.
        sequence: u64,
        /// Records in the journal.
        journal_records: u64,
    },
    /// The observer's record of change #`sequence` is not the journal's.
    #[error("the audit log's status change #{sequence} differs from the journal's")]
    ObserverDiffers {
        /// The change's sequence number.
        sequence: u64,
    },
    /// A [`StatusAllocator`](crate::status::StatusAllocator) returned another number of
    /// references than it was asked for.
    #[error("asked for {asked} status entries, the allocator returned {allocated}")]
    AllocatedWrongCount {
        /// Certificates asked for.
        asked: usize,
        /// References returned.
        allocated: usize,
    },
    /// The certificate has no status entry.
    #[error("no status entry for this certificate")]
    UnknownCertificate,
    /// The change is not allowed from the current status.
    #[error("cannot change status from {from:?} to {to:?}")]
    IllegalTransition {
        /// Current status.
        from: LegalStatus,
        /// Requested status.
        to: LegalStatus,
    },
    /// An identifier, operator or URI is empty or too long.
    #[error("invalid {0}")]
    Invalid(&'static str),
    /// No list has this URI.
    #[error("no status list with this URI")]
    UnknownList,
    /// Randomness failed.
    #[error("random source failed")]
    Random,
    /// Building or signing the list failed.
    #[error(transparent)]
    List(#[from] StatusListError),
    /// The observer (e.g. the audit log) failed. For a status change, the change is journalled
    /// and the registry is poisoned: reopening it with the observer delivers the change.
    #[error("observer: {0}")]
    Observer(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A previous store write or observer call failed; reopen.
    #[error("a previous write failed; reopen the registry")]
    Poisoned,
    /// A registry kept elsewhere (a database) failed or refused; the cause says what and why.
    #[error("status backend: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Configuration of list sizes and URIs.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RegistryConfig {
    /// Lists are named `<uri_prefix><n>` for n = 1, 2, …; the prefix may not end with a
    /// digit (so that each list URI belongs to exactly one prefix).
    pub uri_prefix: String,
    /// Entries per list (default 131 072: 32 KiB at 2 bits).
    pub list_size: u64,
}

impl RegistryConfig {
    /// Lists under `uri_prefix` of the default size.
    #[must_use]
    pub fn new(uri_prefix: &str) -> Self {
        Self {
            uri_prefix: uri_prefix.to_owned(),
            list_size: 131_072,
        }
    }
}

#[derive(Debug)]
struct Entry {
    reference: StatusReference,
    history: Vec<StatusChange>,
}

#[derive(Debug, Default)]
struct State {
    lists: Vec<(String, StatusList)>,
    used: Vec<HashSet<u64>>,
    entries: HashMap<String, Entry>,
    /// Records journalled so far (the next record's sequence number).
    records: u64,
    /// Changes the observer may lack (from the store's observed mark on), oldest first.
    unobserved: Vec<StatusChange>,
}

/// The store and whether a failed write poisoned it.
struct Store {
    inner: Box<dyn StatusStore>,
    poisoned: bool,
}

/// The issuer-side status registry.
///
/// ```
/// use std::time::Duration;
///
/// use yinzheng::crypto::Ed25519SigningKey;
/// use yinzheng::encoding::CoseSign1;
/// use yinzheng::status::{
///     LegalStatus, RegistryConfig, RegistryError, StatusListToken, StatusRegistry,
/// };
/// use yinzheng::time::UnixTime;
/// use yinzheng::Limits;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let dir = std::env::temp_dir().join(format!("yz-doc-registry-{}", std::process::id()));
/// # let _ = std::fs::remove_dir_all(&dir);
/// # std::fs::create_dir_all(&dir)?;
/// let config = RegistryConfig::new("https://status.example.gov.cn/jilin/");
/// let registry = StatusRegistry::open_file(&dir.join("status.journal"), config)?;
/// let id = "1.2.156.3005.2.11100000000013338W032.11220000013544541J.A1.001";
/// let reference = registry.allocate(id)?; // a random index in a list
///
/// let at = UnixTime::from_secs(1_790_000_000);
/// registry.set_status(id, LegalStatus::Suspended, "operator-7", at)?;
/// registry.set_status(id, LegalStatus::Revoked, "operator-7", at)?;
/// // 吊销 is final: no later change.
/// assert!(matches!(
///     registry.set_status(id, LegalStatus::Valid, "operator-7", at),
///     Err(RegistryError::IllegalTransition { .. })
/// ));
///
/// let signer = Ed25519SigningKey::from_seed(&[9; 32]);
/// let token = registry.publish(&reference.uri, &signer, at, Duration::from_secs(3600))?;
/// let envelope = CoseSign1::decode(&token, &Limits::default())?;
/// let list = StatusListToken::decode_claims(envelope.payload, &Limits::default())?;
/// assert_eq!(list.list.get(reference.index)?, LegalStatus::Revoked.list_value());
/// # drop(registry);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub struct StatusRegistry {
    config: RegistryConfig,
    state: Mutex<State>,
    store: Mutex<Store>,
    rng: Box<dyn RandomSource>,
    observer: Option<Arc<dyn StatusObserver>>,
}

impl core::fmt::Debug for StatusRegistry {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StatusRegistry")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Whether `uri` names one of the lists of the registry publishing under `uri_prefix`
/// (`<uri_prefix><n>`, n in decimal); exact, since prefixes may not end with a digit.
#[must_use]
pub fn is_list_of(uri: &str, uri_prefix: &str) -> bool {
    uri.strip_prefix(uri_prefix)
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn check_text(s: &str, what: &'static str) -> Result<(), RegistryError> {
    if s.is_empty() || s.len() > 1024 {
        Err(RegistryError::Invalid(what))
    } else {
        Ok(())
    }
}

/// A certificate identifier must fit an audit event's subject (1–255 bytes): a change the
/// log cannot record must never be journalled.
fn check_identifier(certificate: &str) -> Result<(), RegistryError> {
    if certificate.is_empty() || certificate.len() > 255 {
        Err(RegistryError::Invalid("certificate identifier"))
    } else {
        Ok(())
    }
}

impl StatusRegistry {
    /// Opens a registry over `store`, replaying its records.
    ///
    /// # Errors
    /// [`RegistryError`] if the store is damaged.
    pub fn open(
        mut store: impl StatusStore + 'static,
        config: RegistryConfig,
    ) -> Result<Self, RegistryError> {
        if config.list_size == 0 || config.list_size > 1 << 24 {
            return Err(RegistryError::Invalid("list size"));
        }
        check_text(&config.uri_prefix, "URI prefix")?;
        // Lists are `<prefix><n>`: a prefix ending in a digit would make one registry's lists
        // look like another's (`…/s1` + `2` = `…/s` + `12`).
        if config.uri_prefix.ends_with(|c: char| c.is_ascii_digit()) {
            return Err(RegistryError::Invalid("URI prefix ends with a digit"));
        }
        let loaded = store.load()?;
        let mut state = State::default();
        for (i, bytes) in loaded.records.iter().enumerate() {
            let record = Record::decode(bytes).ok_or(RegistryError::Corrupt {
                offset: i as u64,
                what: "undecodable record",
            })?;
            apply(&mut state, record).map_err(|()| RegistryError::Corrupt {
                offset: i as u64,
                what: "record does not apply",
            })?;
        }
        state.unobserved.retain(|c| c.sequence >= loaded.observed);
        Ok(Self {
            config,
            state: Mutex::new(state),
            store: Mutex::new(Store {
                inner: Box::new(store),
                poisoned: false,
            }),
            rng: Box::new(OsRandom),
            observer: None,
        })
    }

    /// Replaces the random source (seeded for test vectors only).
    #[must_use]
    pub fn with_rng(mut self, rng: impl RandomSource + 'static) -> Self {
        self.rng = Box::new(rng);
        self
    }

    /// Reports every change and publication to `observer` (e.g. the audit log) before it is
    /// acknowledged. A writer first completes recovery: changes journalled before a crash that
    /// the observer lacks are delivered to it, once each. A read-only registry leaves that to
    /// its writer, but still refuses a journal the observer is ahead of.
    ///
    /// # Errors
    /// [`RegistryError::BehindObserver`] if the observer holds a change the journal lacks,
    /// [`RegistryError::ObserverDiffers`] if it holds another change under a sequence
    /// number, [`RegistryError::Observer`] if it fails.
    pub fn with_observer(
        mut self,
        observer: Arc<dyn StatusObserver>,
    ) -> Result<Self, RegistryError> {
        if lock(&self.store).inner.writable() {
            let state = lock(&self.state);
            let from = state
                .unobserved
                .first()
                .map_or(state.records, |c| c.sequence);
            let recorded = observer
                .recorded_since(&self.config.uri_prefix, from)
                .map_err(RegistryError::Observer)?;
            let mut missing = state.unobserved.clone();
            if let Some(recorded) = recorded {
                if let Some(latest) = recorded.iter().map(|r| r.sequence).max()
                    && latest >= state.records
                {
                    return Err(RegistryError::BehindObserver {
                        sequence: latest,
                        journal_records: state.records,
                    });
                }
                for held in &recorded {
                    let Some(i) = missing.iter().position(|c| c.sequence == held.sequence) else {
                        // A record from before the crash that is not a change, or one the
                        // observer delivered twice: neither is this journal's history.
                        return Err(RegistryError::ObserverDiffers {
                            sequence: held.sequence,
                        });
                    };
                    let change = missing.remove(i);
                    if change.certificate != held.certificate || change.status != held.status {
                        return Err(RegistryError::ObserverDiffers {
                            sequence: held.sequence,
                        });
                    }
                }
            }
            for change in &missing {
                observer
                    .status_changed(change)
                    .map_err(RegistryError::Observer)?;
            }
            let records = state.records;
            drop(state);
            if records > 0 {
                lock(&self.store).inner.mark_observed(records)?;
            }
            lock(&self.state).unobserved.clear();
        } else {
            self.check_not_behind(observer.as_ref())?;
        }
        self.observer = Some(observer);
        Ok(self)
    }

    /// For a read-only registry: refuses a journal the observer is ahead of. A change the
    /// observer holds beyond this snapshot is fine only if a writer has since acknowledged
    /// that far (the journal is written before the observer is told), so the anchor is read
    /// again after asking.
    fn check_not_behind(&self, observer: &dyn StatusObserver) -> Result<(), RegistryError> {
        let records = lock(&self.state).records;
        let Some(recorded) = observer
            .recorded_since(&self.config.uri_prefix, records)
            .map_err(RegistryError::Observer)?
        else {
            return Ok(());
        };
        let Some(latest) = recorded.iter().map(|r| r.sequence).max() else {
            return Ok(());
        };
        let acknowledged = lock(&self.store)
            .inner
            .acknowledged_now()?
            .unwrap_or(records);
        if latest >= acknowledged {
            return Err(RegistryError::BehindObserver {
                sequence: latest,
                journal_records: acknowledged,
            });
        }
        Ok(())
    }

    /// Journals `records` as one batch and applies them. Runs under the state lock, so the
    /// journal's order is the state's.
    fn persist(&self, state: &mut State, records: Vec<Record>) -> Result<(), RegistryError> {
        let mut store = lock(&self.store);
        if store.poisoned {
            return Err(RegistryError::Poisoned);
        }
        let encoded: Vec<Vec<u8>> = records.iter().map(Record::encode).collect();
        store
            .inner
            .append(&encoded)
            .inspect_err(|_| store.poisoned = true)?;
        drop(store);
        for record in records {
            apply(state, record).map_err(|()| RegistryError::Invalid("record"))?;
        }
        Ok(())
    }

    /// The status reference of `certificate`, allocating a random free index on first use.
    ///
    /// # Errors
    /// [`RegistryError`] if the store or the random source fails.
    pub fn allocate(&self, certificate: &str) -> Result<StatusReference, RegistryError> {
        let mut references = self.allocate_all(&[certificate])?;
        references.pop().ok_or(RegistryError::Invalid("allocation"))
    }

    /// The status references of `certificates`, in order, allocating those without one in a
    /// single durable write (for issuing in bulk).
    ///
    /// # Errors
    /// [`RegistryError`] if an identifier is invalid or the store or the random source fails;
    /// then nothing is allocated.
    pub fn allocate_all(
        &self,
        certificates: &[&str],
    ) -> Result<Vec<StatusReference>, RegistryError> {
        certificates.iter().try_for_each(|c| check_identifier(c))?;
        let mut state = lock(&self.state);
        // Plan against the used indices plus the ones planned so far, then journal once.
        let mut lists = state.lists.len();
        let mut fill = state.used.last().map_or(0, |u| u.len() as u64);
        let mut planned: HashMap<&str, (usize, u64)> = HashMap::new();
        let mut taken: HashSet<(usize, u64)> = HashSet::new();
        let mut records = Vec::new();
        for &certificate in certificates {
            if state.entries.contains_key(certificate) || planned.contains_key(certificate) {
                continue;
            }
            // A list is used until half full, so random free indices stay cheap to find.
            if lists == 0 || fill >= self.config.list_size / 2 {
                lists += 1;
                fill = 0;
                records.push(Record::NewList {
                    uri: format!("{}{}", self.config.uri_prefix, lists),
                    size: self.config.list_size,
                });
            }
            let list = lists - 1;
            let index = loop {
                let mut b = [0u8; 8];
                self.rng.fill(&mut b).map_err(|_| RegistryError::Random)?;
                let candidate = u64::from_be_bytes(b) % self.config.list_size;
                let used = state.used.get(list).is_some_and(|u| u.contains(&candidate));
                if !used && !taken.contains(&(list, candidate)) {
                    break candidate;
                }
            };
            taken.insert((list, index));
            planned.insert(certificate, (list, index));
            fill += 1;
            records.push(Record::Allocate {
                list: u32::try_from(list).map_err(|_| RegistryError::Invalid("list"))?,
                index,
                certificate: certificate.to_owned(),
            });
        }
        if !records.is_empty() {
            self.persist(&mut state, records)?;
        }
        certificates
            .iter()
            .map(|c| {
                state
                    .entries
                    .get(*c)
                    .map(|e| e.reference.clone())
                    .ok_or(RegistryError::Invalid("allocation"))
            })
            .collect()
    }

    /// Changes `certificate`'s status (reinstating is a change to [`LegalStatus::Valid`]).
    /// Final statuses cannot be left. The change is journalled, then given to the observer,
    /// then acknowledged.
    ///
    /// # Errors
    /// [`RegistryError::IllegalTransition`], [`RegistryError::UnknownCertificate`], store or
    /// observer errors (see [`RegistryError::Observer`]). A store or observer error leaves
    /// the change *in doubt*, as a failed commit does in a database: the journal record may
    /// already be durable, and reopening the registry then completes it (an intact record is
    /// kept, the observer is caught up). Reopen and read [`Self::status`] before retrying; a
    /// retry of a change that was kept fails with `IllegalTransition`, never records twice.
    pub fn set_status(
        &self,
        certificate: &str,
        status: LegalStatus,
        operator: &str,
        at: UnixTime,
    ) -> Result<StatusChange, RegistryError> {
        check_text(operator, "operator")?;
        let mut state = lock(&self.state);
        let entry = state
            .entries
            .get(certificate)
            .ok_or(RegistryError::UnknownCertificate)?;
        let from = entry
            .history
            .last()
            .map_or(LegalStatus::Valid, |c| c.status);
        if !from.can_change_to(status) {
            return Err(RegistryError::IllegalTransition { from, to: status });
        }
        let record = Record::Change {
            status,
            at,
            operator: operator.to_owned(),
            certificate: certificate.to_owned(),
        };
        self.persist(&mut state, vec![record])?;
        let change = state
            .unobserved
            .pop()
            .ok_or(RegistryError::Invalid("change"))?;
        if let Some(observer) = &self.observer {
            let mut store = lock(&self.store);
            if let Err(e) = observer.status_changed(&change) {
                store.poisoned = true;
                state.unobserved.push(change);
                return Err(RegistryError::Observer(e));
            }
            store
                .inner
                .mark_observed(state.records)
                .inspect_err(|_| store.poisoned = true)?;
        } else {
            state.unobserved.push(change.clone());
        }
        Ok(change)
    }

    /// The current status of `certificate` and its reference.
    #[must_use]
    pub fn status(&self, certificate: &str) -> Option<(LegalStatus, StatusReference)> {
        let state = lock(&self.state);
        let entry = state.entries.get(certificate)?;
        Some((
            entry
                .history
                .last()
                .map_or(LegalStatus::Valid, |c| c.status),
            entry.reference.clone(),
        ))
    }

    /// Every change of `certificate`, oldest first.
    #[must_use]
    pub fn history(&self, certificate: &str) -> Vec<StatusChange> {
        lock(&self.state)
            .entries
            .get(certificate)
            .map(|e| e.history.clone())
            .unwrap_or_default()
    }

    /// The URIs of every list.
    #[must_use]
    pub fn uris(&self) -> Vec<String> {
        lock(&self.state)
            .lists
            .iter()
            .map(|(uri, _)| uri.clone())
            .collect()
    }

    /// Signs the current version of the list at `uri`, issued at `at` and cacheable for `ttl`
    /// (whole seconds). The observer records its digest before it is returned.
    ///
    /// # Errors
    /// [`RegistryError::UnknownList`], signing or observer errors.
    pub fn publish(
        &self,
        uri: &str,
        signer: &dyn Signer,
        at: UnixTime,
        ttl: Duration,
    ) -> Result<Vec<u8>, RegistryError> {
        let list = lock(&self.state)
            .lists
            .iter()
            .find(|(u, _)| u == uri)
            .map(|(_, l)| l.clone())
            .ok_or(RegistryError::UnknownList)?;
        let token = StatusListToken {
            uri: uri.to_owned(),
            issued_at: at,
            expires_at: None,
            ttl: Some(ttl.as_secs()),
            list,
        }
        .sign(signer)?;
        if let Some(observer) = &self.observer {
            observer
                .list_published(
                    uri,
                    sha256(&token),
                    sha256(&signer.public_key().to_bytes()),
                    at,
                )
                .map_err(RegistryError::Observer)?;
        }
        Ok(token)
    }
}

/// Applies a record to the in-memory state (replay and live changes alike).
fn apply(state: &mut State, record: Record) -> Result<(), ()> {
    let sequence = state.records;
    match record {
        Record::NewList { uri, size } => {
            state
                .lists
                .push((uri, StatusList::new(2, size).map_err(|_| ())?));
            state.used.push(HashSet::new());
        }
        Record::Allocate {
            list,
            index,
            certificate,
        } => {
            let list = usize::try_from(list).map_err(|_| ())?;
            let (uri, l) = state.lists.get(list).ok_or(())?;
            if index >= l.len() || !state.used[list].insert(index) {
                return Err(());
            }
            let reference = StatusReference {
                index,
                uri: uri.clone(),
            };
            if state
                .entries
                .insert(
                    certificate,
                    Entry {
                        reference,
                        history: Vec::new(),
                    },
                )
                .is_some()
            {
                return Err(());
            }
        }
        Record::Change {
            status,
            at,
            operator,
            certificate,
        } => {
            let entry = state.entries.get_mut(&certificate).ok_or(())?;
            let reference = entry.reference.clone();
            let change = StatusChange {
                certificate,
                reference: reference.clone(),
                status,
                at,
                operator,
                sequence,
            };
            entry.history.push(change.clone());
            state.unobserved.push(change);
            let list = state
                .lists
                .iter_mut()
                .find(|(u, _)| *u == reference.uri)
                .ok_or(())?;
            list.1
                .set(reference.index, status.list_value())
                .map_err(|_| ())?;
        }
    }
    state.records += 1;
    Ok(())
}

impl crate::status::StatusAllocator for StatusRegistry {
    fn allocate_all(&self, certificates: &[&str]) -> Result<Vec<StatusReference>, RegistryError> {
        Self::allocate_all(self, certificates)
    }
}
