//! The status registry in tables, shared by every issuing service: random index allocation
//! (a unique index per list; a list is filled to half, so a random free index is cheap to
//! find), lawful changes only (each change row must name a row of the transition table),
//! and each change and list publication sequenced into the audit log **in the same
//! transaction**: a change is in the log exactly when it is in the registry, so no observer
//! needs catching up after a crash.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use postgres::{Config, Transaction};
use yinzheng::audit::observer::{list_published_event, status_change_event};
use yinzheng::crypto::{OsRandom, RandomSource, Signer, sha256};
use yinzheng::model::StatusReference;
use yinzheng::status::{
    LegalStatus, RegistryConfig, RegistryError, StatusAllocator, StatusChange, StatusList,
    StatusListToken,
};
use yinzheng::time::UnixTime;

use crate::connection::Connection;
use crate::error::PgError;
use crate::log::{append_in, lock, to_i64, to_u64};
use crate::schema::{self, ALLOCATION_LOCK};

/// Attempts to find free random indices for one batch before giving up (a list is never
/// more than half full, so each attempt fails with probability below 1/2).
const ALLOCATION_ROUNDS: usize = 64;

/// The status registry of one PostgreSQL schema (the one its log is in).
pub struct PgStatusRegistry {
    config: RegistryConfig,
    connection: std::sync::Mutex<Connection>,
    rng: Box<dyn RandomSource>,
}

impl core::fmt::Debug for PgStatusRegistry {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PgStatusRegistry")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

fn status_of(code: i16) -> Result<LegalStatus, PgError> {
    u8::try_from(code)
        .ok()
        .and_then(LegalStatus::from_code)
        .ok_or(PgError::Corrupt {
            table: "yz_status_entries",
            row: i64::from(code),
            what: "unknown status code",
        })
}

fn check_text(text: &str, max: usize, what: &'static str) -> Result<(), PgError> {
    if text.is_empty() || text.len() > max {
        return Err(PgError::Invalid(what));
    }
    Ok(())
}

impl PgStatusRegistry {
    /// Opens the registry in the schema the URL's connection uses, whose log must already
    /// exist (open a [`crate::PgLog`] first). The first registry to open records `config`;
    /// later ones must give the same.
    ///
    /// # Errors
    /// [`PgError::WrongRegistry`] for another configuration, [`PgError::Invalid`] for a
    /// prefix ending in a digit or an empty list size,
    /// [`PgError::Database`].
    pub fn connect(url: &str, config: RegistryConfig) -> Result<Self, PgError> {
        let prefix = &config.uri_prefix;
        if prefix.is_empty() || prefix.ends_with(|c: char| c.is_ascii_digit()) {
            return Err(PgError::Invalid("URI prefix (empty, or ends with a digit)"));
        }
        if config.list_size == 0 {
            return Err(PgError::Invalid("list size (zero)"));
        }
        let size = to_i64(config.list_size, "list size")?;
        let mut pg: Config = url.parse().map_err(PgError::db("parsing the URL"))?;
        pg.application_name("yinzheng-registry");
        let mut connection = Connection::new(pg);
        let client = connection.get()?;
        schema::migrate(client)?;
        let mut tx = client
            .transaction()
            .map_err(PgError::db("starting the registry"))?;
        tx.execute(
            "INSERT INTO yz_status_config (uri_prefix, list_size) VALUES ($1, $2)
             ON CONFLICT DO NOTHING",
            &[prefix, &size],
        )
        .map_err(PgError::db("recording the registry configuration"))?;
        let row = tx
            .query_one("SELECT uri_prefix, list_size FROM yz_status_config", &[])
            .map_err(PgError::db("reading the registry configuration"))?;
        let found: (String, i64) = (row.get(0), row.get(1));
        if found != (prefix.clone(), size) {
            return Err(PgError::WrongRegistry { found });
        }
        let statuses: Vec<LegalStatus> = (1..=u8::MAX).filter_map(LegalStatus::from_code).collect();
        for from in &statuses {
            for to in statuses.iter().filter(|to| from.can_change_to(**to)) {
                tx.execute(
                    "INSERT INTO yz_status_transitions VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    &[&i16::from(from.code()), &i16::from(to.code())],
                )
                .map_err(PgError::db("filling the transition table"))?;
            }
        }
        tx.commit()
            .map_err(PgError::db("committing the registry configuration"))?;
        Ok(Self {
            config,
            connection: std::sync::Mutex::new(connection),
            rng: Box::new(OsRandom),
        })
    }

    /// Draws indices from `rng` instead of the operating system.
    #[must_use]
    pub fn with_rng(mut self, rng: impl RandomSource + 'static) -> Self {
        self.rng = Box::new(rng);
        self
    }

    /// Runs `work` in a transaction on the registry's connection.
    fn transaction<T>(
        &self,
        context: &'static str,
        work: impl FnOnce(&mut Transaction<'_>) -> Result<T, PgError>,
    ) -> Result<T, PgError> {
        let mut connection = lock(&self.connection);
        let mut tx = connection
            .get()?
            .transaction()
            .map_err(PgError::db(context))?;
        let out = work(&mut tx)?;
        tx.commit().map_err(PgError::db(context))?;
        Ok(out)
    }

    /// The status reference of `certificate`, allocating a random free index on first use.
    ///
    /// # Errors
    /// See [`Self::allocate_all`].
    pub fn allocate(&self, certificate: &str) -> Result<StatusReference, PgError> {
        self.allocate_all(&[certificate])?
            .pop()
            .ok_or(PgError::Invalid("allocation"))
    }

    /// The status references of `certificates`, in order, allocating those without one in
    /// one transaction (all or none).
    ///
    /// # Errors
    /// [`PgError::Invalid`] for an empty or over-long identifier, [`PgError::Random`],
    /// [`PgError::Database`].
    pub fn allocate_all(&self, certificates: &[&str]) -> Result<Vec<StatusReference>, PgError> {
        for c in certificates {
            check_text(c, 255, "certificate identifier (1 to 255 bytes)")?;
        }
        let wanted: Vec<String> = certificates.iter().map(|c| (*c).to_owned()).collect();
        self.transaction("allocating status entries", |tx| {
            // One allocator at a time per schema: lists fill in order and never overfill.
            tx.execute(
                "SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))",
                &[&ALLOCATION_LOCK],
            )
            .map_err(PgError::db("locking allocation"))?;
            let known: HashMap<String, StatusReference> =
                references(tx, &wanted)?.into_iter().collect();
            let mut seen = HashSet::new();
            let mut missing: Vec<&str> = certificates
                .iter()
                .copied()
                .filter(|c| !known.contains_key(*c) && seen.insert(*c))
                .collect();
            while !missing.is_empty() {
                let (list, room) = self.current_list(tx)?;
                let take = missing
                    .len()
                    .min(usize::try_from(room).unwrap_or(usize::MAX));
                let batch: Vec<&str> = missing.drain(..take).collect();
                self.place(tx, list, &batch)?;
            }
            let known: HashMap<String, StatusReference> =
                references(tx, &wanted)?.into_iter().collect();
            certificates
                .iter()
                .map(|c| known.get(*c).cloned().ok_or(PgError::Invalid("allocation")))
                .collect()
        })
    }

    /// The list to allocate in and how many more entries it takes (it is used to half full,
    /// then the next one is created).
    fn current_list(&self, tx: &mut Transaction<'_>) -> Result<(i32, u64), PgError> {
        let half = self.config.list_size / 2;
        let latest = tx
            .query_opt(
                "SELECT list_no, allocated FROM yz_status_lists ORDER BY list_no DESC LIMIT 1",
                &[],
            )
            .map_err(PgError::db("reading the current list"))?;
        if let Some(row) = &latest {
            let allocated = to_u64(row.get(1), "yz_status_lists", "negative allocation")?;
            if allocated < half.max(1) {
                return Ok((row.get(0), half.max(1) - allocated));
            }
        }
        let next: i32 = latest.map_or(1, |r| r.get::<_, i32>(0) + 1);
        tx.execute(
            "INSERT INTO yz_status_lists (list_no, uri, size) VALUES ($1, $2, $3)",
            &[
                &next,
                &format!("{}{next}", self.config.uri_prefix),
                &to_i64(self.config.list_size, "list size")?,
            ],
        )
        .map_err(PgError::db("creating a status list"))?;
        Ok((next, half.max(1)))
    }

    /// Gives each of `batch` a random free index in `list`.
    fn place(&self, tx: &mut Transaction<'_>, list: i32, batch: &[&str]) -> Result<(), PgError> {
        let mut left: Vec<&str> = batch.to_vec();
        for _ in 0..ALLOCATION_ROUNDS {
            if left.is_empty() {
                break;
            }
            let mut indices = Vec::with_capacity(left.len());
            for _ in &left {
                let mut b = [0u8; 8];
                self.rng.fill(&mut b).map_err(|_| PgError::Random)?;
                indices.push(to_i64(
                    u64::from_be_bytes(b) % self.config.list_size,
                    "index",
                )?);
            }
            let names: Vec<&str> = left.clone();
            let placed: Vec<String> = tx
                .query(
                    "INSERT INTO yz_status_entries (certificate, list_no, idx, status)
                     SELECT c, $1, i, 1 FROM unnest($2::text[], $3::int8[]) AS t(c, i)
                     ON CONFLICT DO NOTHING RETURNING certificate",
                    &[&list, &names, &indices],
                )
                .map_err(PgError::db("allocating indices"))?
                .iter()
                .map(|r| r.get(0))
                .collect();
            tx.execute(
                "UPDATE yz_status_lists SET allocated = allocated + $2 WHERE list_no = $1",
                &[&list, &i64::try_from(placed.len()).unwrap_or(i64::MAX)],
            )
            .map_err(PgError::db("counting allocations"))?;
            let placed: HashSet<String> = placed.into_iter().collect();
            left.retain(|c| !placed.contains(*c));
            // Two equal random indices in one statement: the second is retried too.
        }
        if left.is_empty() {
            Ok(())
        } else {
            Err(PgError::Random)
        }
    }

    /// Changes `certificate`'s status, recording the change and its audit entry in one
    /// transaction. Final statuses cannot be left.
    ///
    /// # Errors
    /// [`PgError::UnknownCertificate`], [`PgError::IllegalTransition`], [`PgError::Invalid`]
    /// for an empty or over-long operator, [`PgError::Database`] (in doubt if at commit:
    /// read [`Self::status`] before retrying; a retry of a kept change is an illegal
    /// transition, never a second record).
    pub fn set_status(
        &self,
        certificate: &str,
        status: LegalStatus,
        operator: &str,
        at: UnixTime,
    ) -> Result<StatusChange, PgError> {
        check_text(operator, 1024, "operator (1 to 1024 bytes)")?;
        self.transaction("changing a status", |tx| {
            let row = tx
                .query_opt(
                    "SELECT e.status, e.idx, l.uri FROM yz_status_entries e
                     JOIN yz_status_lists l USING (list_no)
                     WHERE e.certificate = $1 FOR UPDATE OF e",
                    &[&certificate],
                )
                .map_err(PgError::db("locking the status entry"))?
                .ok_or_else(|| PgError::UnknownCertificate(certificate.to_owned()))?;
            let from = status_of(row.get(0))?;
            if !from.can_change_to(status) {
                return Err(PgError::IllegalTransition { from, to: status });
            }
            let reference = StatusReference {
                index: to_u64(row.get(1), "yz_status_entries", "negative index")?,
                uri: row.get(2),
            };
            let (from_code, to_code) = (i16::from(from.code()), i16::from(status.code()));
            let sequence: i64 = tx
                .query_one(
                    "INSERT INTO yz_status_changes
                        (certificate, from_status, to_status, at_secs, operator)
                     VALUES ($1, $2, $3, $4, $5) RETURNING sequence",
                    &[
                        &certificate,
                        &from_code,
                        &to_code,
                        &to_i64(at.as_secs(), "time")?,
                        &operator,
                    ],
                )
                .map_err(PgError::db("recording the change"))?
                .get(0);
            tx.execute(
                "UPDATE yz_status_entries SET status = $2 WHERE certificate = $1",
                &[&certificate, &to_code],
            )
            .map_err(PgError::db("changing the status"))?;
            let change = StatusChange {
                certificate: certificate.to_owned(),
                reference,
                status,
                at,
                operator: operator.to_owned(),
                sequence: to_u64(sequence, "yz_status_changes", "negative sequence")?,
            };
            let event = status_change_event(&change);
            append_in(tx, &[(std::slice::from_ref(&event), at)])?;
            Ok(change)
        })
    }

    /// The current status of `certificate` and its reference, if it has an entry.
    ///
    /// # Errors
    /// [`PgError::Database`], [`PgError::Corrupt`].
    pub fn status(
        &self,
        certificate: &str,
    ) -> Result<Option<(LegalStatus, StatusReference)>, PgError> {
        self.transaction("reading a status", |tx| {
            let Some(row) = tx
                .query_opt(
                    "SELECT e.status, e.idx, l.uri FROM yz_status_entries e
                     JOIN yz_status_lists l USING (list_no) WHERE e.certificate = $1",
                    &[&certificate],
                )
                .map_err(PgError::db("reading a status"))?
            else {
                return Ok(None);
            };
            let reference = StatusReference {
                index: to_u64(row.get(1), "yz_status_entries", "negative index")?,
                uri: row.get(2),
            };
            Ok(Some((status_of(row.get(0))?, reference)))
        })
    }

    /// Every change of `certificate`, oldest first.
    ///
    /// # Errors
    /// [`PgError::Database`], [`PgError::Corrupt`].
    pub fn history(&self, certificate: &str) -> Result<Vec<StatusChange>, PgError> {
        self.transaction("reading a history", |tx| {
            let Some(reference) = references(tx, &[certificate.to_owned()])?.pop() else {
                return Ok(Vec::new());
            };
            let rows = tx
                .query(
                    "SELECT sequence, to_status, at_secs, operator FROM yz_status_changes
                     WHERE certificate = $1 ORDER BY sequence",
                    &[&certificate],
                )
                .map_err(PgError::db("reading a history"))?;
            rows.iter()
                .map(|r| {
                    Ok(StatusChange {
                        certificate: certificate.to_owned(),
                        reference: reference.1.clone(),
                        status: status_of(r.get(1))?,
                        at: UnixTime::from_secs(to_u64(r.get(2), "yz_status_changes", "time")?),
                        operator: r.get(3),
                        sequence: to_u64(r.get(0), "yz_status_changes", "negative sequence")?,
                    })
                })
                .collect()
        })
    }

    /// The URIs of every list, oldest first.
    ///
    /// # Errors
    /// [`PgError::Database`].
    pub fn uris(&self) -> Result<Vec<String>, PgError> {
        self.transaction("reading the lists", |tx| {
            Ok(tx
                .query("SELECT uri FROM yz_status_lists ORDER BY list_no", &[])
                .map_err(PgError::db("reading the lists"))?
                .iter()
                .map(|r| r.get(0))
                .collect())
        })
    }

    /// Signs the current version of the list at `uri`, issued at `at`, cacheable for `ttl`
    /// (whole seconds); its publication is in the audit log when this returns.
    ///
    /// # Errors
    /// [`PgError::UnknownList`], [`PgError::List`] if signing fails, [`PgError::Database`].
    pub fn publish(
        &self,
        uri: &str,
        signer: &dyn Signer,
        at: UnixTime,
        ttl: Duration,
    ) -> Result<Vec<u8>, PgError> {
        self.transaction("publishing a list", |tx| {
            let row = tx
                .query_opt(
                    "SELECT list_no, size FROM yz_status_lists WHERE uri = $1",
                    &[&uri],
                )
                .map_err(PgError::db("reading the list"))?
                .ok_or_else(|| PgError::UnknownList(uri.to_owned()))?;
            let (list_no, size): (i32, i64) = (row.get(0), row.get(1));
            let mut list = StatusList::new(2, to_u64(size, "yz_status_lists", "negative size")?)?;
            for r in tx
                .query(
                    "SELECT idx, status FROM yz_status_entries WHERE list_no = $1 AND status <> 1",
                    &[&list_no],
                )
                .map_err(PgError::db("reading the list's entries"))?
            {
                let index = to_u64(r.get(0), "yz_status_entries", "negative index")?;
                list.set(index, status_of(r.get(1))?.list_value())?;
            }
            let token = StatusListToken {
                uri: uri.to_owned(),
                issued_at: at,
                expires_at: None,
                ttl: Some(ttl.as_secs()),
                list,
            }
            .sign(signer)?;
            let event =
                list_published_event(uri, sha256(&token), sha256(&signer.public_key().to_bytes()));
            append_in(tx, &[(std::slice::from_ref(&event), at)])?;
            Ok(token)
        })
    }
}

/// The references of those of `certificates` that have an entry.
fn references(
    tx: &mut Transaction<'_>,
    certificates: &[String],
) -> Result<Vec<(String, StatusReference)>, PgError> {
    tx.query(
        "SELECT e.certificate, e.idx, l.uri FROM yz_status_entries e
         JOIN yz_status_lists l USING (list_no) WHERE e.certificate = ANY($1)",
        &[&certificates],
    )
    .map_err(PgError::db("reading status references"))?
    .iter()
    .map(|r| {
        Ok((
            r.get(0),
            StatusReference {
                index: to_u64(r.get(1), "yz_status_entries", "negative index")?,
                uri: r.get(2),
            },
        ))
    })
    .collect()
}

/// So that an [`Issuer`](yinzheng::issue::Issuer) allocates its certificates' status entries
/// in the shared registry (`Issuer::with_status_registry`).
impl StatusAllocator for PgStatusRegistry {
    fn allocate_all(&self, certificates: &[&str]) -> Result<Vec<StatusReference>, RegistryError> {
        Self::allocate_all(self, certificates).map_err(|e| RegistryError::Backend(Box::new(e)))
    }
}
