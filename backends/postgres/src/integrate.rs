//! The integrator: one at a time across every process (a session advisory lock), it reads
//! the rows sequenced since the tree row's size, checks that they are contiguous and
//! hash-chained with non-decreasing times, extends the compact range, signs a checkpoint and
//! stores it with the range, guarded by the size it read (a stale integrator that lost its
//! lock cannot move the tree). Then, with a tiles target, it publishes up to that checkpoint.

use postgres::Client;
use yinzheng::audit::merkle::{CompactRange, Hash, leaf_hash};
use yinzheng::audit::objects::{ObjectSink, ObjectSource};
use yinzheng::audit::publish::Publisher;
use yinzheng::audit::{AuditEntry, SignedCheckpoint};
use yinzheng::crypto::Signer;

use crate::error::PgError;
use crate::log::{IntegratorState, PgLog, lock, read_entries, to_hash, to_i64, to_u64};
use crate::schema::INTEGRATOR_LOCK;

/// Entries integrated per transaction (and the most read at once).
pub(crate) const ROUND: u64 = 65_536;

/// The tree row.
struct Tree {
    range: CompactRange,
    last_leaf: Hash,
    last_time_ms: u64,
    checkpoint: Option<String>,
    published_size: u64,
}

impl PgLog {
    /// Integrates everything sequenced so far, signs and stores a checkpoint, and publishes
    /// tiles if a target is set. Returns the newest checkpoint, or `None` if another
    /// process is integrating now (its checkpoint will appear in [`Self::checkpoint`]).
    ///
    /// # Errors
    /// [`PgError::Invalid`] without a signer; [`PgError::Corrupt`] if stored rows break the
    /// chain (an alarm: nothing past them is integrated); [`PgError::Publish`];
    /// [`PgError::Database`].
    pub fn integrate(&self) -> Result<Option<SignedCheckpoint>, PgError> {
        let signer = self
            .signer
            .as_deref()
            .ok_or(PgError::Invalid("integrator: no log signer given"))?;
        let mut state = lock(&self.integrator);
        let client = state.connection.get()?;
        let locked: bool = client
            .query_one(
                "SELECT pg_try_advisory_lock($1, hashtext(current_schema()))",
                &[&INTEGRATOR_LOCK],
            )
            .map_err(PgError::db("taking the integrator lock"))?
            .get(0);
        if !locked {
            return Ok(None);
        }
        let result = self.integrate_locked(&mut state, signer);
        if result.is_err() {
            // Resume from the store next time: what it holds is the truth.
            state.publisher = None;
        }
        if let Some(client) = state.connection.open() {
            // A connection that died released the lock with it.
            let _ = client.execute(
                "SELECT pg_advisory_unlock($1, hashtext(current_schema()))",
                &[&INTEGRATOR_LOCK],
            );
        }
        result.map(Some)
    }

    fn integrate_locked(
        &self,
        state: &mut IntegratorState,
        signer: &dyn Signer,
    ) -> Result<SignedCheckpoint, PgError> {
        let client = state.connection.get()?;
        let mut tree = read_tree(client)?;
        let mut checkpoint = tree
            .checkpoint
            .as_deref()
            .map(|n| self.verify_note(n))
            .transpose()?;
        if let Some(c) = &checkpoint
            && (c.checkpoint.size != tree.range.size() || c.checkpoint.root != tree.range.root())
        {
            return Err(PgError::Corrupt {
                table: "yz_log_tree",
                row: to_i64(tree.range.size(), "tree size")?,
                what: "the stored checkpoint is not the stored tree's",
            });
        }
        loop {
            let next: i64 = client
                .query_one("SELECT next_index FROM yz_log_head", &[])
                .map_err(PgError::db("reading the log head"))?
                .get(0);
            let next = to_u64(next, "yz_log_head", "negative next index")?;
            let from = tree.range.size();
            if next < from {
                return Err(PgError::Corrupt {
                    table: "yz_log_head",
                    row: to_i64(next, "entry index")?,
                    what: "the head is behind the integrated tree",
                });
            }
            if next == from && checkpoint.is_some() {
                break;
            }
            let to = next.min(from + ROUND);
            let entries = read_entries(client, from, to)?;
            let mut range = tree.range.clone();
            let mut scratch = Vec::new();
            let (mut last_leaf, mut last_time) = (tree.last_leaf, tree.last_time_ms);
            for (index, bytes) in (from..).zip(&entries) {
                let corrupt = |what| PgError::Corrupt {
                    table: "yz_log_entries",
                    row: i64::try_from(index).unwrap_or(i64::MAX),
                    what,
                };
                let entry = AuditEntry::decode(bytes).map_err(|_| corrupt("not an entry"))?;
                if entry.previous_leaf != last_leaf {
                    return Err(corrupt("its previous leaf is not the entry before it"));
                }
                if entry.log_time_ms < last_time {
                    return Err(corrupt("its log time is before the entry before it"));
                }
                last_leaf = leaf_hash(bytes);
                last_time = entry.log_time_ms;
                range.push(last_leaf, &mut scratch);
                scratch.clear();
            }
            let signed =
                SignedCheckpoint::sign(&self.origin, &self.key, signer, range.size(), range.root())
                    .map_err(|e| {
                        PgError::Log(yinzheng::audit::LogError::Checkpoint(e.to_string()))
                    })?;
            let updated = client
                .execute(
                    "UPDATE yz_log_tree SET size = $1, last_leaf = $2, last_time_ms = $3,
                        nodes = $4, checkpoint = $5 WHERE size = $6",
                    &[
                        &to_i64(range.size(), "tree size")?,
                        &last_leaf.as_slice(),
                        &to_i64(last_time, "log time")?,
                        &range.nodes().concat(),
                        &signed.note,
                        &to_i64(from, "tree size")?,
                    ],
                )
                .map_err(PgError::db("storing the tree"))?;
            if updated != 1 {
                return Err(PgError::Group(
                    "another integrator moved the tree (this one lost its lock)".into(),
                ));
            }
            tree.range = range;
            tree.last_leaf = last_leaf;
            tree.last_time_ms = last_time;
            checkpoint = Some(signed);
        }
        let checkpoint = checkpoint.ok_or(PgError::Invalid("integrator state"))?;
        if let Some(tiles) = self.tiles.as_deref() {
            self.publish(state, tiles, tree.published_size, &checkpoint)?;
        }
        Ok(checkpoint)
    }

    fn publish(
        &self,
        state: &mut IntegratorState,
        tiles: &dyn crate::log::TileStore,
        published_size: u64,
        checkpoint: &SignedCheckpoint,
    ) -> Result<(), PgError> {
        let source: &dyn ObjectSource = tiles;
        let sink: &dyn ObjectSink = tiles;
        // Another process may have published since this one last did: resume from the store.
        let mut publisher = match state.publisher.take() {
            Some(p) if p.size() == published_size => p,
            _ => Publisher::resume(source, &self.origin, std::slice::from_ref(&self.key))?,
        };
        if publisher.size() < checkpoint.checkpoint.size {
            let client = state.connection.get()?;
            publisher.publish(
                checkpoint,
                |from, to| read_entries(client, from, to).map_err(Into::into),
                sink,
            )?;
            client
                .execute(
                    "UPDATE yz_log_tree SET published_size = $1",
                    &[&to_i64(publisher.size(), "tree size")?],
                )
                .map_err(PgError::db("recording the published size"))?;
        }
        state.publisher = Some(publisher);
        Ok(())
    }
}

fn read_tree(client: &mut Client) -> Result<Tree, PgError> {
    let row = client
        .query_one(
            "SELECT size, last_leaf, last_time_ms, nodes, checkpoint, published_size
             FROM yz_log_tree",
            &[],
        )
        .map_err(PgError::db("reading the tree"))?;
    let size: i64 = row.get(0);
    let nodes: Vec<u8> = row.get(3);
    let nodes = nodes
        .chunks(32)
        .map(|c| to_hash(c, "yz_log_tree", size))
        .collect::<Result<Vec<_>, _>>()?;
    let range = CompactRange::from_nodes(to_u64(size, "yz_log_tree", "negative size")?, nodes)
        .ok_or(PgError::Corrupt {
            table: "yz_log_tree",
            row: size,
            what: "the subtree heads do not fit the size",
        })?;
    Ok(Tree {
        range,
        last_leaf: to_hash(row.get(1), "yz_log_tree", size)?,
        last_time_ms: to_u64(row.get(2), "yz_log_tree", "negative log time")?,
        checkpoint: row.get(4),
        published_size: to_u64(row.get(5), "yz_log_tree", "negative published size")?,
    })
}
