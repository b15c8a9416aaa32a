//! Issuing each request once: a durable ledger from request ids to the certificates issued
//! for them, written ahead of the audit log.
//!
//! ```text
//! SIGNED = 1 ‖ request_id[32] ‖ actor_key_id[32] ‖ u64 log_from ‖ u8 len ‖ identifier
//!          ‖ u8 len ‖ type code ‖ u32 len ‖ certificate bytes
//! LOGGED = 2 ‖ request_id[32] ‖ u64 audit log index
//! ```
//!
//! Records live in a journal with the status journal's discipline (sequenced, chained,
//! anchored, one writer: [`FileStatusStore`]). [`Issuer::issue_once`] signs what is new, journals
//! it (SIGNED), logs it, journals the log index (LOGGED), then releases. A crash after SIGNED
//! leaves certificates never released; the next call first finds which of them the log
//! already holds (searching from `log_from`) and logs the others, so every certificate is
//! logged exactly once and a retried request gets the certificate signed the first time.
//!
//! The ledger is read whole into memory when opened (about the certificates' size); a
//! database backend is the way past a few million certificates.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use super::prepared::issuance_event_of;
use super::{CertificateBuilder, IssueError, Issuer};
use crate::crypto::sha256;
use crate::status::{RegistryError, StatusStore};
use crate::storage::FileStatusStore;
use crate::time::UnixTime;

/// A caller's stable name for one request (e.g. the SHA-256 of the request file).
pub type RequestId = [u8; 32];

const SIGNED: u8 = 1;
const LOGGED: u8 = 2;
const MAX_CERTIFICATE: usize = 1 << 20;

/// What a request was issued as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedOnce {
    /// The request.
    pub request: RequestId,
    /// The certificate's GB/T 36904 identifier.
    pub identifier: String,
    /// The certificate as released (tagged `COSE_Sign1`, every disclosure).
    pub bytes: Vec<u8>,
    /// The index of its issuance event, when a log is configured.
    pub audit_index: Option<u64>,
    /// Whether this call signed it (false: it was issued before and is returned again).
    pub new: bool,
}

#[derive(Clone, Debug)]
struct Entry {
    actor_key_id: [u8; 32],
    log_from: u64,
    identifier: String,
    kind: String,
    bytes: Vec<u8>,
    audit_index: Option<u64>,
}

struct State {
    store: Box<dyn StatusStore>,
    issued: HashMap<RequestId, Entry>,
    /// SIGNED without LOGGED, in journal order.
    unconfirmed: Vec<RequestId>,
}

/// The durable record of which requests were issued as which certificates.
pub struct IssuanceLedger {
    state: Mutex<State>,
}

impl core::fmt::Debug for IssuanceLedger {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("IssuanceLedger")
            .field("issued", &self.len())
            .finish_non_exhaustive()
    }
}

fn corrupt(at: usize) -> RegistryError {
    RegistryError::Corrupt {
        offset: at as u64,
        what: "undecodable issuance record",
    }
}

/// A bounded reader over one record.
struct Fields<'a>(&'a [u8]);

impl<'a> Fields<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = (self.0.get(..n)?, self.0.get(n..)?);
        self.0 = rest;
        Some(head)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    fn u64(&mut self) -> Option<u64> {
        self.array().map(u64::from_be_bytes)
    }

    fn text(&mut self) -> Option<String> {
        let len = usize::from(self.array::<1>()?[0]);
        String::from_utf8(self.take(len)?.to_vec()).ok()
    }
}

enum Record {
    Signed(RequestId, Entry),
    Logged(RequestId, u64),
}

impl Record {
    fn decode(bytes: &[u8]) -> Option<Self> {
        let mut f = Fields(bytes);
        let record = match f.array::<1>()?[0] {
            SIGNED => {
                let request = f.array()?;
                let actor_key_id = f.array()?;
                let log_from = f.u64()?;
                let identifier = f.text()?;
                let kind = f.text()?;
                let len = usize::try_from(u32::from_be_bytes(f.array()?)).ok()?;
                if len > MAX_CERTIFICATE {
                    return None;
                }
                let bytes = f.take(len)?.to_vec();
                Self::Signed(
                    request,
                    Entry {
                        actor_key_id,
                        log_from,
                        identifier,
                        kind,
                        bytes,
                        audit_index: None,
                    },
                )
            }
            LOGGED => Self::Logged(f.array()?, f.u64()?),
            _ => return None,
        };
        f.0.is_empty().then_some(record)
    }

    fn signed(request: &RequestId, e: &Entry) -> Vec<u8> {
        let mut b = vec![SIGNED];
        b.extend_from_slice(request);
        b.extend_from_slice(&e.actor_key_id);
        b.extend_from_slice(&e.log_from.to_be_bytes());
        for text in [&e.identifier, &e.kind] {
            b.push(u8::try_from(text.len()).unwrap_or(u8::MAX));
            b.extend_from_slice(text.as_bytes());
        }
        b.extend_from_slice(
            &u32::try_from(e.bytes.len())
                .unwrap_or(u32::MAX)
                .to_be_bytes(),
        );
        b.extend_from_slice(&e.bytes);
        b
    }

    fn logged(request: &RequestId, index: u64) -> Vec<u8> {
        let mut b = vec![LOGGED];
        b.extend_from_slice(request);
        b.extend_from_slice(&index.to_be_bytes());
        b
    }
}

impl IssuanceLedger {
    /// Opens (or creates) the ledger journal at `path` as its one writer.
    ///
    /// # Errors
    /// [`RegistryError`] if it is locked, damaged or rolled back (the journal's checks).
    pub fn open_file(path: &Path) -> Result<Self, RegistryError> {
        Self::open(FileStatusStore::open(path)?)
    }

    /// Opens the ledger over any record store.
    ///
    /// # Errors
    /// [`RegistryError`] if the store is damaged or holds records that are not a ledger's.
    pub fn open(mut store: impl StatusStore + 'static) -> Result<Self, RegistryError> {
        let loaded = store.load()?;
        let mut issued = HashMap::new();
        let mut unconfirmed = Vec::new();
        for (at, bytes) in loaded.records.iter().enumerate() {
            match Record::decode(bytes).ok_or_else(|| corrupt(at))? {
                Record::Signed(request, entry) => {
                    if issued.insert(request, entry).is_some() {
                        return Err(corrupt(at));
                    }
                    unconfirmed.push(request);
                }
                Record::Logged(request, index) => {
                    let entry = issued.get_mut(&request).ok_or_else(|| corrupt(at))?;
                    entry.audit_index = Some(index);
                    unconfirmed.retain(|r| *r != request);
                }
            }
        }
        Ok(Self {
            state: Mutex::new(State {
                store: Box::new(store),
                issued,
                unconfirmed,
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Number of requests issued.
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().issued.len()
    }

    /// Whether nothing was issued yet.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// What `request` was issued as, if it was.
    #[must_use]
    pub fn get(&self, request: &RequestId) -> Option<IssuedOnce> {
        self.lock()
            .issued
            .get(request)
            .map(|e| released(request, e, false))
    }
}

fn released(request: &RequestId, e: &Entry, new: bool) -> IssuedOnce {
    IssuedOnce {
        request: *request,
        identifier: e.identifier.clone(),
        bytes: e.bytes.clone(),
        audit_index: e.audit_index,
        new,
    }
}

impl Issuer {
    /// Journals every issued request in `ledger`, so that [`issue_once`](Self::issue_once)
    /// issues each request once.
    #[must_use]
    pub fn with_ledger(mut self, ledger: std::sync::Arc<IssuanceLedger>) -> Self {
        self.ledger = Some(ledger);
        self
    }

    /// Issues each request once: a request the ledger holds gets the certificate issued for
    /// it the first time (`new: false`); the others are issued as by
    /// [`issue_batch`](Self::issue_batch), journalled before they are logged and logged
    /// before they are returned. Certificates a crash left journalled but unconfirmed are
    /// completed first (logged unless the log already holds them).
    ///
    /// # Errors
    /// [`IssueError::NoLedger`] without [`with_ledger`](Self::with_ledger); otherwise as
    /// `issue_batch`, and [`IssueError::Status`] if the ledger cannot be written.
    pub fn issue_once(
        &self,
        requests: Vec<(RequestId, CertificateBuilder)>,
        now: UnixTime,
    ) -> Result<Vec<IssuedOnce>, IssueError> {
        let ledger = self.ledger.as_ref().ok_or(IssueError::NoLedger)?;
        let mut state = ledger.lock();
        self.confirm(&mut state, now)?;
        // Requests signed by this call: each once, however often the batch repeats it.
        let mut new_ids = std::collections::HashSet::new();
        let mut fresh: Vec<(RequestId, CertificateBuilder)> = Vec::new();
        for (request, builder) in &requests {
            if !state.issued.contains_key(request) && new_ids.insert(*request) {
                fresh.push((*request, builder.clone()));
            }
        }
        if !fresh.is_empty() {
            let (ids, builders): (Vec<RequestId>, Vec<CertificateBuilder>) =
                fresh.into_iter().unzip();
            let signed = self.sign_batch(builders, now)?;
            let log_from = self
                .audit
                .as_ref()
                .and_then(|a| a.recorded_size())
                .unwrap_or(0);
            let actor_key_id = sha256(&self.public_key.to_bytes());
            let entries: Vec<Entry> = signed
                .into_iter()
                .map(|c| Entry {
                    actor_key_id,
                    log_from,
                    identifier: c.certificate().id.as_str().to_owned(),
                    kind: c.certificate().kind.code().to_owned(),
                    bytes: c.into_bytes(),
                    audit_index: None,
                })
                .collect();
            let records: Vec<Vec<u8>> = ids
                .iter()
                .zip(&entries)
                .map(|(r, e)| Record::signed(r, e))
                .collect();
            state.store.append(&records)?;
            for (request, entry) in ids.iter().zip(entries) {
                state.issued.insert(*request, entry);
                state.unconfirmed.push(*request);
            }
            self.confirm(&mut state, now)?;
        }
        Ok(requests
            .iter()
            .filter_map(|(request, _)| {
                let entry = state.issued.get(request)?;
                let new = new_ids.contains(request);
                Some(released(request, entry, new))
            })
            .collect())
    }

    /// Logs the journalled certificates the log does not hold yet, and journals where each is.
    fn confirm(&self, state: &mut State, now: UnixTime) -> Result<(), IssueError> {
        let Some(log) = &self.audit else {
            state.unconfirmed.clear();
            return Ok(());
        };
        if state.unconfirmed.is_empty() {
            return Ok(());
        }
        let from = state
            .unconfirmed
            .iter()
            .filter_map(|r| state.issued.get(r).map(|e| e.log_from))
            .min()
            .unwrap_or(0);
        let held: HashMap<[u8; 32], u64> = log
            .issued_since(from)?
            .unwrap_or_default()
            .into_iter()
            .map(|(index, digest)| (digest, index))
            .collect();
        let mut found = Vec::new();
        let mut missing = Vec::new();
        for request in &state.unconfirmed {
            let Some(entry) = state.issued.get(request) else {
                continue;
            };
            match held.get(&sha256(&entry.bytes)) {
                Some(index) => found.push((*request, *index)),
                None => missing.push(*request),
            }
        }
        let events = missing
            .iter()
            .filter_map(|r| state.issued.get(r))
            .map(|e| issuance_event_of(e.actor_key_id, &e.identifier, &e.kind, &e.bytes))
            .collect();
        let receipts = log.record_batch(events, now)?;
        found.extend(missing.into_iter().zip(receipts.iter().map(|r| r.index)));
        let records: Vec<Vec<u8>> = found.iter().map(|(r, i)| Record::logged(r, *i)).collect();
        if !records.is_empty() {
            state.store.append(&records)?;
        }
        for (request, index) in found {
            if let Some(entry) = state.issued.get_mut(&request) {
                entry.audit_index = Some(index);
            }
        }
        state.unconfirmed.clear();
        Ok(())
    }
}
