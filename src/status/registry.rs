//! The issuer's status registry: each certificate's legal status (有效, 暂扣, 注销, 吊销, 撤销,
//! 挂失, 失效, 转出) with its history, indices allocated at random across status lists
//! (herd privacy), and signed list versions published on demand.
//!
//! Every change is written to a [`StatusStore`] and synced before it is acknowledged; the
//! default [`FileStatusStore`] is a journal of CRC32C frames that recovery truncates after a
//! torn tail and refuses when acknowledged records are damaged.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::crypto::{OsRandom, RandomSource, Signer, sha256};
use crate::encoding::frame;
use crate::model::StatusReference;
use crate::status::list::{StatusList, StatusListError, StatusListToken};
use crate::time::UnixTime;

/// A certificate's legal status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LegalStatus {
    /// 有效: valid.
    Valid,
    /// 暂扣: suspended (temporarily withheld).
    Suspended,
    /// 挂失: reported lost (temporary).
    ReportedLost,
    /// 注销: cancelled (at the holder's request or administratively). Final.
    Cancelled,
    /// 吊销: revoked as a penalty. Final.
    Revoked,
    /// 撤销: annulled (unlawfully granted). Final.
    Annulled,
    /// 失效: expired or otherwise lapsed. Final.
    Expired,
    /// 转出: transferred out to another jurisdiction. Final.
    TransferredOut,
}

impl LegalStatus {
    const ALL: [Self; 8] = [
        Self::Valid,
        Self::Suspended,
        Self::ReportedLost,
        Self::Cancelled,
        Self::Revoked,
        Self::Annulled,
        Self::Expired,
        Self::TransferredOut,
    ];

    /// The stable code (journal, audit log).
    #[must_use]
    pub fn code(self) -> u8 {
        match self {
            Self::Valid => 1,
            Self::Suspended => 2,
            Self::ReportedLost => 3,
            Self::Cancelled => 4,
            Self::Revoked => 5,
            Self::Annulled => 6,
            Self::Expired => 7,
            Self::TransferredOut => 8,
        }
    }

    /// The status for a code.
    #[must_use]
    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The Chinese term.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Valid => "有效",
            Self::Suspended => "暂扣",
            Self::ReportedLost => "挂失",
            Self::Cancelled => "注销",
            Self::Revoked => "吊销",
            Self::Annulled => "撤销",
            Self::Expired => "失效",
            Self::TransferredOut => "转出",
        }
    }

    /// The Token Status List value: 0 VALID, 1 INVALID, 2 SUSPENDED.
    #[must_use]
    pub fn list_value(self) -> u8 {
        match self {
            Self::Valid => 0,
            Self::Suspended | Self::ReportedLost => 2,
            _ => 1,
        }
    }

    /// Whether no later change is possible.
    #[must_use]
    pub fn is_final(self) -> bool {
        self.list_value() == 1
    }
}

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
    /// Acknowledged records are damaged.
    #[error("status journal corrupt at byte {offset}: {what}")]
    Corrupt {
        /// Where.
        offset: u64,
        /// What.
        what: &'static str,
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
    /// The observer (e.g. the audit log) did not record the change; it was not made.
    #[error("observer: {0}")]
    Observer(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A previous store write failed; reopen.
    #[error("a previous write failed; reopen the registry")]
    Poisoned,
}

fn io(context: &'static str) -> impl Fn(std::io::Error) -> RegistryError {
    move |e| RegistryError::Io {
        context,
        kind: e.kind(),
    }
}

/// Durable, append-only storage of registry records.
pub trait StatusStore: Send {
    /// Every record appended so far, in order (after recovering from a torn tail).
    ///
    /// # Errors
    /// [`RegistryError`] if the store is damaged.
    fn load(&mut self) -> Result<Vec<Vec<u8>>, RegistryError>;

    /// Appends one record and makes it durable before returning.
    ///
    /// # Errors
    /// [`RegistryError::Io`].
    fn append(&mut self, record: &[u8]) -> Result<(), RegistryError>;
}

const JOURNAL_MAGIC: &[u8; 8] = b"YZSTATUS";
const RECORD_FRAME: u8 = 1;

/// The embedded store: a journal file of CRC32C frames after a 16-byte header.
#[derive(Debug)]
pub struct FileStatusStore {
    file: File,
    end: u64,
}

impl FileStatusStore {
    /// Opens or creates the journal at `path`.
    ///
    /// # Errors
    /// [`RegistryError::Io`].
    pub fn open(path: &Path) -> Result<Self, RegistryError> {
        let fresh = !path.exists();
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(io("opening the journal"))?;
        if fresh {
            let mut header = [0u8; 16];
            header[..8].copy_from_slice(JOURNAL_MAGIC);
            header[8..12].copy_from_slice(&1u32.to_be_bytes());
            let crc = crc32c::crc32c(&header[..12]);
            header[12..].copy_from_slice(&crc.to_be_bytes());
            file.write_all(&header)
                .map_err(io("writing the journal header"))?;
            file.sync_all().map_err(io("syncing the journal"))?;
            // A bare file name's parent is "": the current directory.
            if let Some(dir) = path.parent() {
                let dir = if dir.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    dir
                };
                File::open(dir)
                    .and_then(|d| d.sync_all())
                    .map_err(io("syncing the directory"))?;
            }
        }
        Ok(Self { file, end: 0 })
    }
}

impl StatusStore for FileStatusStore {
    fn load(&mut self) -> Result<Vec<Vec<u8>>, RegistryError> {
        let mut bytes = Vec::new();
        self.file
            .seek(SeekFrom::Start(0))
            .map_err(io("reading the journal"))?;
        self.file
            .read_to_end(&mut bytes)
            .map_err(io("reading the journal"))?;
        let header = bytes.get(..16).ok_or(RegistryError::Corrupt {
            offset: 0,
            what: "short header",
        })?;
        if &header[..8] != JOURNAL_MAGIC
            || crc32c::crc32c(&header[..12]).to_be_bytes() != header[12..16]
        {
            return Err(RegistryError::Corrupt {
                offset: 0,
                what: "not a status journal",
            });
        }
        let mut records = Vec::new();
        let mut pos = 16;
        while pos < bytes.len() {
            match frame::read_frame(&bytes[pos..]) {
                Ok((RECORD_FRAME, body, len)) => {
                    records.push(body.to_vec());
                    pos += len;
                }
                Ok(_) => {
                    return Err(RegistryError::Corrupt {
                        offset: pos as u64,
                        what: "unknown frame type",
                    });
                }
                Err(_) if frame::intact_frame_after(&bytes, pos + 8) => {
                    return Err(RegistryError::Corrupt {
                        offset: pos as u64,
                        what: "damaged record followed by intact ones",
                    });
                }
                // A torn tail: the record was never acknowledged.
                Err(_) => break,
            }
        }
        if pos < bytes.len() {
            self.file
                .set_len(pos as u64)
                .map_err(io("truncating the torn tail"))?;
            self.file.sync_all().map_err(io("syncing the journal"))?;
        }
        self.end = pos as u64;
        Ok(records)
    }

    fn append(&mut self, record: &[u8]) -> Result<(), RegistryError> {
        let mut framed = Vec::with_capacity(record.len() + 16);
        frame::push_frame(&mut framed, RECORD_FRAME, record);
        self.file
            .seek(SeekFrom::Start(self.end))
            .map_err(io("writing the journal"))?;
        self.file
            .write_all(&framed)
            .map_err(io("writing the journal"))?;
        self.file.sync_data().map_err(io("syncing the journal"))?;
        self.end += framed.len() as u64;
        Ok(())
    }
}

/// Told about every change before it is acknowledged (the audit log implements it).
pub trait StatusObserver: Send + Sync {
    /// A certificate's status changed.
    ///
    /// # Errors
    /// Any error stops the change.
    fn status_changed(
        &self,
        change: &StatusChange,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>>;

    /// A list version was published: its URI and the SHA-256 of the signed token.
    ///
    /// # Errors
    /// Any error withholds the token.
    fn list_published(
        &self,
        uri: &str,
        digest: [u8; 32],
        at: UnixTime,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>>;
}

/// One recorded status change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusChange {
    /// The certificate identifier.
    pub certificate: String,
    /// Where its status is published.
    pub reference: StatusReference,
    /// The new status.
    pub status: LegalStatus,
    /// When.
    pub at: UnixTime,
    /// Who (an operator identifier of the agency's own).
    pub operator: String,
}

/// Configuration of list sizes and URIs.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RegistryConfig {
    /// Lists are named `<uri_prefix><n>` for n = 1, 2, …
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
}

enum Record {
    NewList {
        uri: String,
        size: u64,
    },
    Allocate {
        list: u32,
        index: u64,
        certificate: String,
    },
    Change {
        status: LegalStatus,
        at: UnixTime,
        operator: String,
        certificate: String,
    },
}

impl Record {
    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let text = |out: &mut Vec<u8>, s: &str| {
            out.extend_from_slice(&u16::try_from(s.len()).unwrap_or(0).to_be_bytes());
            out.extend_from_slice(s.as_bytes());
        };
        match self {
            Self::NewList { uri, size } => {
                out.push(1);
                out.extend_from_slice(&size.to_be_bytes());
                text(&mut out, uri);
            }
            Self::Allocate {
                list,
                index,
                certificate,
            } => {
                out.push(2);
                out.extend_from_slice(&list.to_be_bytes());
                out.extend_from_slice(&index.to_be_bytes());
                text(&mut out, certificate);
            }
            Self::Change {
                status,
                at,
                operator,
                certificate,
            } => {
                out.push(3);
                out.push(status.code());
                out.extend_from_slice(&at.as_secs().to_be_bytes());
                text(&mut out, operator);
                text(&mut out, certificate);
            }
        }
        out
    }

    fn decode(bytes: &[u8]) -> Option<Self> {
        let mut c = Cursor { bytes, pos: 1 };
        let record = match bytes.first()? {
            1 => {
                let size = c.u64()?;
                Self::NewList {
                    size,
                    uri: c.text()?,
                }
            }
            2 => {
                let list = u32::from_be_bytes(c.take(4)?.try_into().ok()?);
                let index = c.u64()?;
                Self::Allocate {
                    list,
                    index,
                    certificate: c.text()?,
                }
            }
            3 => {
                let status = LegalStatus::from_code(*c.take(1)?.first()?)?;
                let at = UnixTime::from_secs(c.u64()?);
                let operator = c.text()?;
                Self::Change {
                    status,
                    at,
                    operator,
                    certificate: c.text()?,
                }
            }
            _ => return None,
        };
        (c.pos == bytes.len()).then_some(record)
    }
}

/// Reads a record's fields in order.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let out = self.bytes.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(out)
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_be_bytes(self.take(8)?.try_into().ok()?))
    }

    fn text(&mut self) -> Option<String> {
        let len = self.take(2)?;
        let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
        String::from_utf8(self.take(len)?.to_vec()).ok()
    }
}

/// The issuer-side status registry.
pub struct StatusRegistry {
    config: RegistryConfig,
    state: Mutex<State>,
    store: Mutex<(Box<dyn StatusStore>, bool)>,
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

fn check_text(s: &str, what: &'static str) -> Result<(), RegistryError> {
    if s.is_empty() || s.len() > 1024 {
        Err(RegistryError::Invalid(what))
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
        let mut state = State::default();
        for (i, bytes) in store.load()?.iter().enumerate() {
            let record = Record::decode(bytes).ok_or(RegistryError::Corrupt {
                offset: i as u64,
                what: "undecodable record",
            })?;
            apply(&mut state, record).map_err(|_| RegistryError::Corrupt {
                offset: i as u64,
                what: "record does not apply",
            })?;
        }
        Ok(Self {
            config,
            state: Mutex::new(state),
            store: Mutex::new((Box::new(store), false)),
            rng: Box::new(OsRandom),
            observer: None,
        })
    }

    /// Opens a registry journalled in the file at `path`.
    ///
    /// # Errors
    /// [`RegistryError`].
    pub fn open_file(path: &Path, config: RegistryConfig) -> Result<Self, RegistryError> {
        Self::open(FileStatusStore::open(path)?, config)
    }

    /// Replaces the random source (seeded for test vectors only).
    #[must_use]
    pub fn with_rng(mut self, rng: impl RandomSource + 'static) -> Self {
        self.rng = Box::new(rng);
        self
    }

    /// Reports every change and publication to `observer` (e.g. the audit log) before it is
    /// acknowledged.
    #[must_use]
    pub fn with_observer(mut self, observer: Arc<dyn StatusObserver>) -> Self {
        self.observer = Some(observer);
        self
    }

    fn persist(&self, record: &Record) -> Result<(), RegistryError> {
        let mut store = lock(&self.store);
        if store.1 {
            return Err(RegistryError::Poisoned);
        }
        store
            .0
            .append(&record.encode())
            .inspect_err(|_| store.1 = true)
    }

    /// The status reference of `certificate`, allocating a random free index on first use.
    ///
    /// # Errors
    /// [`RegistryError`] if the store or the random source fails.
    pub fn allocate(&self, certificate: &str) -> Result<StatusReference, RegistryError> {
        check_text(certificate, "certificate identifier")?;
        let mut state = lock(&self.state);
        if let Some(entry) = state.entries.get(certificate) {
            return Ok(entry.reference.clone());
        }
        // A list is used until half full, so random free indices stay cheap to find.
        if state
            .used
            .last()
            .is_none_or(|u| u.len() as u64 >= self.config.list_size / 2)
        {
            let uri = format!("{}{}", self.config.uri_prefix, state.lists.len() + 1);
            let record = Record::NewList {
                uri,
                size: self.config.list_size,
            };
            self.persist(&record)?;
            apply(&mut state, record).map_err(|_| RegistryError::Invalid("list"))?;
        }
        let list = state.lists.len() - 1;
        let index = loop {
            let mut b = [0u8; 8];
            self.rng.fill(&mut b).map_err(|_| RegistryError::Random)?;
            let candidate = u64::from_be_bytes(b) % self.config.list_size;
            if !state.used[list].contains(&candidate) {
                break candidate;
            }
        };
        let record = Record::Allocate {
            list: u32::try_from(list).map_err(|_| RegistryError::Invalid("list"))?,
            index,
            certificate: certificate.to_owned(),
        };
        self.persist(&record)?;
        apply(&mut state, record).map_err(|_| RegistryError::Invalid("allocation"))?;
        Ok(StatusReference {
            index,
            uri: state.lists[list].0.clone(),
        })
    }

    /// Changes `certificate`'s status (reinstating is a change to [`LegalStatus::Valid`]).
    /// Final statuses cannot be left.
    ///
    /// # Errors
    /// [`RegistryError::IllegalTransition`], [`RegistryError::UnknownCertificate`], store or
    /// observer errors.
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
        if from == status || from.is_final() {
            return Err(RegistryError::IllegalTransition { from, to: status });
        }
        let change = StatusChange {
            certificate: certificate.to_owned(),
            reference: entry.reference.clone(),
            status,
            at,
            operator: operator.to_owned(),
        };
        if let Some(observer) = &self.observer {
            observer
                .status_changed(&change)
                .map_err(RegistryError::Observer)?;
        }
        let record = Record::Change {
            status,
            at,
            operator: operator.to_owned(),
            certificate: certificate.to_owned(),
        };
        self.persist(&record)?;
        apply(&mut state, record).map_err(|_| RegistryError::Invalid("change"))?;
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
    /// seconds. The observer records its digest before it is returned.
    ///
    /// # Errors
    /// [`RegistryError::UnknownList`], signing or observer errors.
    pub fn publish(
        &self,
        uri: &str,
        signer: &dyn Signer,
        at: UnixTime,
        ttl: u64,
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
            ttl: Some(ttl),
            list,
        }
        .sign(signer)?;
        if let Some(observer) = &self.observer {
            observer
                .list_published(uri, sha256(&token), at)
                .map_err(RegistryError::Observer)?;
        }
        Ok(token)
    }
}

/// Applies a record to the in-memory state (replay and live changes alike).
fn apply(state: &mut State, record: Record) -> Result<(), ()> {
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
            entry.history.push(StatusChange {
                certificate,
                reference: reference.clone(),
                status,
                at,
                operator,
            });
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
    Ok(())
}
