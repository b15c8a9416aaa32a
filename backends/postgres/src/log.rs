//! The shared log: opening it (migrations, the head and tree rows, which log and key the
//! database holds), sequencing with group commit, and the [`AuditSink`] that issuing uses.
//!
//! Sequencing is one transaction per group: lock the head row, hash-chain the group's
//! entries after the head's previous leaf, insert them as one multi-row `INSERT … unnest`,
//! move the head on, commit. Threads of one process queue their events; whichever holds the
//! sequencing connection commits everything queued and answers each caller. An error at
//! `COMMIT` leaves the group in doubt (it may be in the log): callers must not blindly
//! append the same events again.

use std::sync::mpsc;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use postgres::Config;
use yinzheng::audit::merkle::{Hash, leaf_hash};
use yinzheng::audit::objects::{ObjectSink, ObjectSource};
use yinzheng::audit::publish::Publisher;
use yinzheng::audit::{
    AuditEntry, AuditSink, Event, EventKind, KeyRole, LogError, NoteKey, Receipt, SignedCheckpoint,
};
use yinzheng::crypto::Signer;
use yinzheng::time::UnixTime;

use crate::connection::Connection;
use crate::error::PgError;
use crate::schema;

/// Where the integrator publishes tiles: written and read back (to resume).
pub(crate) trait TileStore: ObjectSink + ObjectSource {}
impl<T: ObjectSink + ObjectSource> TileStore for T {}

/// An entry's place in the log once its transaction committed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sequenced {
    /// The entry's index.
    pub index: u64,
    /// Its leaf hash.
    pub leaf_hash: Hash,
}

struct Pending {
    events: Vec<Event>,
    at: UnixTime,
    reply: mpsc::Sender<Result<Vec<Sequenced>, PgError>>,
}

pub(crate) struct IntegratorState {
    pub(crate) connection: Connection,
    pub(crate) publisher: Option<Publisher>,
}

/// The audit log of one PostgreSQL schema, shared by every process that opens it.
///
/// Every handle appends ([`Self::sequence`], or the [`AuditSink`] that issuing uses); a
/// handle given the log's signer ([`Self::with_signer`]) can also integrate: one at a time
/// across all processes (an advisory lock), it checks the new rows' hash chain, extends the
/// tree, signs a checkpoint and, with [`Self::with_tiles`], publishes tlog-tiles.
pub struct PgLog {
    pub(crate) origin: String,
    pub(crate) key: NoteKey,
    pub(crate) signer: Option<Box<dyn Signer>>,
    pub(crate) tiles: Option<Box<dyn TileStore>>,
    sequencer: Mutex<Connection>,
    queue: Mutex<Vec<Pending>>,
    pub(crate) integrator: Mutex<IntegratorState>,
    receipt_wait: Duration,
}

impl core::fmt::Debug for PgLog {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PgLog")
            .field("origin", &self.origin)
            .field("integrates", &self.signer.is_some())
            .field("publishes", &self.tiles.is_some())
            .finish_non_exhaustive()
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub(crate) fn to_i64(value: u64, what: &'static str) -> Result<i64, PgError> {
    i64::try_from(value).map_err(|_| PgError::OutOfRange(what))
}

pub(crate) fn to_u64(value: i64, table: &'static str, what: &'static str) -> Result<u64, PgError> {
    u64::try_from(value).map_err(|_| PgError::Corrupt {
        table,
        row: value,
        what,
    })
}

pub(crate) fn to_hash(bytes: &[u8], table: &'static str, row: i64) -> Result<Hash, PgError> {
    bytes.try_into().map_err(|_| PgError::Corrupt {
        table,
        row,
        what: "a hash is not 32 bytes",
    })
}

impl PgLog {
    /// Opens the log of `origin` in the schema the URL's connection uses (its
    /// `search_path`), creating or migrating the tables. `key` is the log's checkpoint key
    /// (role [`KeyRole::Log`], named `origin`); the first service to open an empty database
    /// records both, and later ones must agree.
    ///
    /// The URL is libpq's (`postgres://user@host:port/db?options=-csearch_path%3Dschema`).
    ///
    /// # Errors
    /// [`PgError::Database`] if the server cannot be reached or refuses,
    /// [`PgError::WrongLog`] / [`PgError::WrongKey`] for a database holding another log,
    /// [`PgError::SchemaTooNew`].
    pub fn connect(url: &str, origin: &str, key: NoteKey) -> Result<Self, PgError> {
        if key.role() != KeyRole::Log || key.name() != origin {
            return Err(PgError::Invalid(
                "log key: role must be log and name the origin",
            ));
        }
        let mut config: Config = url.parse().map_err(PgError::db("parsing the URL"))?;
        config.application_name("yinzheng");
        let mut connection = Connection::new(config.clone());
        let client = connection.get()?;
        schema::migrate(client)?;
        let vkey = key.to_vkey();
        client
            .execute(
                "INSERT INTO yz_log_head (origin, vkey, next_index, previous_leaf, last_time_ms)
                 VALUES ($1, $2, 0, $3, 0) ON CONFLICT DO NOTHING",
                &[&origin, &vkey, &vec![0u8; 32]],
            )
            .map_err(PgError::db("creating the log head"))?;
        client
            .execute(
                "INSERT INTO yz_log_tree (size, last_leaf, last_time_ms, nodes)
                 VALUES (0, $1, 0, ''::bytea) ON CONFLICT DO NOTHING",
                &[&vec![0u8; 32]],
            )
            .map_err(PgError::db("creating the tree row"))?;
        let row = client
            .query_one("SELECT origin, vkey FROM yz_log_head", &[])
            .map_err(PgError::db("reading the log head"))?;
        let (found_origin, found_vkey): (String, String) = (row.get(0), row.get(1));
        if found_origin != origin {
            return Err(PgError::WrongLog {
                expected: origin.to_owned(),
                found: found_origin,
            });
        }
        if found_vkey != vkey {
            return Err(PgError::WrongKey);
        }
        Ok(Self {
            origin: origin.to_owned(),
            key,
            signer: None,
            tiles: None,
            sequencer: Mutex::new(Connection::new(config.clone())),
            queue: Mutex::new(Vec::new()),
            integrator: Mutex::new(IntegratorState {
                connection,
                publisher: None,
            }),
            receipt_wait: Duration::from_secs(10),
        })
    }

    /// Lets this handle integrate, signing checkpoints with `signer` (the log key).
    ///
    /// # Errors
    /// [`PgError::WrongKey`] if `signer` is not the log's key.
    pub fn with_signer(mut self, signer: impl Signer + 'static) -> Result<Self, PgError> {
        let public = NoteKey::new(&self.origin, KeyRole::Log, signer.public_key())
            .map_err(|e| PgError::Log(LogError::Checkpoint(e.to_string())))?;
        if public != self.key {
            return Err(PgError::WrongKey);
        }
        self.signer = Some(Box::new(signer));
        Ok(self)
    }

    /// Publishes tlog-tiles to `tiles` after each integration (a directory, an object
    /// store), resuming from what it already holds.
    #[must_use]
    pub fn with_tiles(mut self, tiles: impl ObjectSink + ObjectSource + 'static) -> Self {
        self.tiles = Some(Box::new(tiles));
        self
    }

    /// How long the [`AuditSink`] waits for a checkpoint covering its entries (default
    /// 10 s) before [`PgError::NotIntegrated`].
    #[must_use]
    pub fn with_receipt_wait(mut self, wait: Duration) -> Self {
        self.receipt_wait = wait;
        self
    }

    /// The log's origin.
    #[must_use]
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The log's checkpoint key.
    #[must_use]
    pub fn key(&self) -> &NoteKey {
        &self.key
    }

    /// Appends `events` at `at` (log times never go backwards: an earlier `at` than the
    /// log's last time is recorded at the last time). Returns once their transaction has
    /// committed (`synchronous_commit` decides what that means on the server).
    ///
    /// # Errors
    /// [`PgError::Log`] for an event the entry format cannot carry (nothing is appended);
    /// [`PgError::Database`] if the transaction failed (in doubt if it failed at commit).
    pub fn sequence(&self, events: Vec<Event>, at: UnixTime) -> Result<Vec<Sequenced>, PgError> {
        for event in &events {
            event.check().map_err(|e| PgError::Log(e.into()))?;
        }
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let (reply, answer) = mpsc::channel();
        lock(&self.queue).push(Pending { events, at, reply });
        {
            // Whoever holds the connection commits everything queued, ours included unless
            // the previous holder already took it.
            let mut connection = lock(&self.sequencer);
            let group = core::mem::take(&mut *lock(&self.queue));
            if !group.is_empty() {
                commit_group(&mut connection, group);
            }
        }
        answer
            .recv()
            .unwrap_or(Err(PgError::Group("the committing thread stopped".into())))
    }

    /// How many entries have been sequenced (committed), integrated or not.
    ///
    /// # Errors
    /// [`PgError::Database`].
    pub fn size(&self) -> Result<u64, PgError> {
        let mut connection = lock(&self.sequencer);
        let next: i64 = connection
            .get()?
            .query_one("SELECT next_index FROM yz_log_head", &[])
            .map_err(PgError::db("reading the log head"))?
            .get(0);
        to_u64(next, "yz_log_head", "negative size")
    }

    /// The encoded entries `from..to` (at most 65,536 at a time).
    ///
    /// # Errors
    /// [`PgError::Invalid`] for a longer range; [`PgError::Corrupt`] if a row is missing.
    pub fn entries(&self, from: u64, to: u64) -> Result<Vec<Vec<u8>>, PgError> {
        if to < from || to - from > crate::integrate::ROUND {
            return Err(PgError::Invalid("entry range"));
        }
        let mut connection = lock(&self.sequencer);
        read_entries(connection.get()?, from, to)
    }

    /// The newest signed checkpoint, checked under the log key; `None` before the first
    /// integration.
    ///
    /// # Errors
    /// [`PgError::Database`]; [`PgError::Log`] if the stored note does not verify.
    pub fn checkpoint(&self) -> Result<Option<SignedCheckpoint>, PgError> {
        let mut connection = lock(&self.sequencer);
        let note: Option<String> = connection
            .get()?
            .query_one("SELECT checkpoint FROM yz_log_tree", &[])
            .map_err(PgError::db("reading the checkpoint"))?
            .get(0);
        note.map(|n| self.verify_note(&n)).transpose()
    }

    pub(crate) fn verify_note(&self, note: &str) -> Result<SignedCheckpoint, PgError> {
        SignedCheckpoint::verify(note, &self.origin, std::slice::from_ref(&self.key))
            .map(|(checkpoint, _)| checkpoint)
            .map_err(|e| PgError::Log(LogError::Checkpoint(e.to_string())))
    }

    /// A checkpoint of at least `size` entries: integrated here if this handle has the
    /// signer and no other integrator is busy, otherwise waited for.
    fn checkpoint_covering(&self, size: u64) -> Result<SignedCheckpoint, PgError> {
        let mut waited = Duration::ZERO;
        let step = Duration::from_millis(2);
        loop {
            let latest = if self.signer.is_some() {
                self.integrate()?
            } else {
                None
            };
            let latest = match latest {
                Some(checkpoint) => Some(checkpoint),
                None => self.checkpoint()?,
            };
            if let Some(checkpoint) = latest.filter(|c| c.checkpoint.size >= size) {
                return Ok(checkpoint);
            }
            if waited >= self.receipt_wait {
                return Err(PgError::NotIntegrated {
                    size,
                    waited_ms: u64::try_from(waited.as_millis()).unwrap_or(u64::MAX),
                });
            }
            std::thread::sleep(step);
            waited += step;
        }
    }
}

/// Commits `group` in one transaction and answers every caller in it.
fn commit_group(connection: &mut Connection, group: Vec<Pending>) {
    match append_rows(connection, &group) {
        Ok(mut sequenced) => {
            for pending in group.into_iter().rev() {
                let mine = sequenced.split_off(sequenced.len() - pending.events.len());
                let _ = pending.reply.send(Ok(mine));
            }
        }
        Err(e) => {
            for pending in group {
                let _ = pending.reply.send(Err(e.for_group()));
            }
        }
    }
}

fn append_rows(connection: &mut Connection, group: &[Pending]) -> Result<Vec<Sequenced>, PgError> {
    let client = connection.get()?;
    let mut tx = client
        .transaction()
        .map_err(PgError::db("starting an append"))?;
    let batches: Vec<(&[Event], UnixTime)> =
        group.iter().map(|p| (p.events.as_slice(), p.at)).collect();
    let sequenced = append_in(&mut tx, &batches)?;
    tx.commit().map_err(PgError::db("committing entries"))?;
    Ok(sequenced)
}

/// Sequences `batches` (events already checked) inside `tx`: whatever else `tx` does (a
/// status change, a list publication) commits with its audit entries or not at all.
pub(crate) fn append_in(
    tx: &mut postgres::Transaction<'_>,
    batches: &[(&[Event], UnixTime)],
) -> Result<Vec<Sequenced>, PgError> {
    let head = tx
        .query_opt(
            "SELECT next_index, previous_leaf, last_time_ms FROM yz_log_head FOR UPDATE",
            &[],
        )
        .map_err(PgError::db("locking the log head"))?
        .ok_or(PgError::Invalid(
            "database: no log in this schema (open a PgLog first)",
        ))?;
    let first: i64 = head.get(0);
    let mut previous = to_hash(head.get(1), "yz_log_head", first)?;
    let mut time = to_u64(head.get(2), "yz_log_head", "negative log time")?;
    let count = batches
        .iter()
        .map(|(events, _)| events.len())
        .sum::<usize>();
    let mut indices = Vec::with_capacity(count);
    let mut entries = Vec::with_capacity(count);
    let mut sequenced = Vec::with_capacity(count);
    let mut index = to_u64(first, "yz_log_head", "negative next index")?;
    for (events, at) in batches {
        time = time.max(at.as_secs().saturating_mul(1000));
        for event in *events {
            let entry = AuditEntry {
                event: event.clone(),
                log_time_ms: time,
                previous_leaf: previous,
            }
            .encode()
            .map_err(|e| PgError::Log(e.into()))?;
            previous = leaf_hash(&entry);
            indices.push(to_i64(index, "entry index")?);
            entries.push(entry);
            sequenced.push(Sequenced {
                index,
                leaf_hash: previous,
            });
            index += 1;
        }
    }
    tx.execute(
        "INSERT INTO yz_log_entries (idx, entry) SELECT * FROM unnest($1::int8[], $2::bytea[])",
        &[&indices, &entries],
    )
    .map_err(PgError::db("inserting entries"))?;
    tx.execute(
        "UPDATE yz_log_head SET next_index = $1, previous_leaf = $2, last_time_ms = $3",
        &[
            &to_i64(index, "entry index")?,
            &previous.as_slice(),
            &to_i64(time, "log time")?,
        ],
    )
    .map_err(PgError::db("moving the log head"))?;
    Ok(sequenced)
}

/// The entries `from..to`, checked to be all there and in order.
pub(crate) fn read_entries(
    client: &mut postgres::Client,
    from: u64,
    to: u64,
) -> Result<Vec<Vec<u8>>, PgError> {
    let rows = client
        .query(
            "SELECT idx, entry FROM yz_log_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx",
            &[&to_i64(from, "entry index")?, &to_i64(to, "entry index")?],
        )
        .map_err(PgError::db("reading entries"))?;
    let mut entries = Vec::with_capacity(rows.len());
    for (expected, row) in (from..to).zip(&rows) {
        let idx: i64 = row.get(0);
        if u64::try_from(idx) != Ok(expected) {
            return Err(PgError::Corrupt {
                table: "yz_log_entries",
                row: to_i64(expected, "entry index")?,
                what: "missing (the indices have a gap)",
            });
        }
        entries.push(row.get(1));
    }
    if entries.len() as u64 != to - from {
        return Err(PgError::Corrupt {
            table: "yz_log_entries",
            row: to_i64(from + entries.len() as u64, "entry index")?,
            what: "missing (fewer rows than the head has sequenced)",
        });
    }
    Ok(entries)
}

impl AuditSink for PgLog {
    fn record(&self, event: Event, at: UnixTime) -> Result<Receipt, LogError> {
        self.record_batch(vec![event], at)?
            .pop()
            .ok_or_else(|| LogError::Backend("no receipt".into()))
    }

    fn record_batch(&self, events: Vec<Event>, at: UnixTime) -> Result<Vec<Receipt>, LogError> {
        let sequenced = self.sequence(events, at)?;
        let Some(last) = sequenced.last() else {
            return Ok(Vec::new());
        };
        let checkpoint = self.checkpoint_covering(last.index + 1)?;
        Ok(sequenced
            .into_iter()
            .map(|s| Receipt {
                index: s.index,
                leaf_hash: s.leaf_hash,
                checkpoint: checkpoint.clone(),
            })
            .collect())
    }

    fn recorded_size(&self) -> Option<u64> {
        self.size().ok()
    }

    fn issued_since(&self, from: u64) -> Result<Option<Vec<(u64, Hash)>>, LogError> {
        let size = self.size()?;
        let mut issued = Vec::new();
        let mut start = from;
        while start < size {
            let end = size.min(start + crate::integrate::ROUND);
            for (index, bytes) in (start..end).zip(self.entries(start, end)?) {
                let entry = AuditEntry::decode(&bytes)?;
                if entry.event.kind == EventKind::CertificateIssued {
                    issued.push((index, entry.event.object_digest));
                }
            }
            start = end;
        }
        Ok(Some(issued))
    }
}
