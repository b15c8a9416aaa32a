//! The tables, created and upgraded by numbered migrations run in one transaction under a
//! transaction-level advisory lock, so that services opening the same database at once
//! neither race nor half-apply a version. A database written by a newer version of this
//! crate is refused, never downgraded.

use postgres::Client;

use crate::error::PgError;

/// The schema version this crate writes and reads.
pub const SCHEMA_VERSION: i32 = 2;

/// Advisory lock classes (the second key is `hashtext(current_schema())`: one log per
/// schema, so schemas do not block each other).
pub(crate) const MIGRATION_LOCK: i32 = 0x797a_0001;
pub(crate) const INTEGRATOR_LOCK: i32 = 0x797a_0002;
pub(crate) const ALLOCATION_LOCK: i32 = 0x797a_0003;

/// Migration `i` takes the schema from version `i` to `i + 1`.
const MIGRATIONS: [&str; SCHEMA_VERSION as usize] = [
    // 1: the log. The head row coordinates sequencing; the tree row is the integrator's
    // state: the compact range (subtree heads, largest first) at `size`, and its checkpoint.
    "CREATE TABLE yz_log_head (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        origin text NOT NULL,
        vkey text NOT NULL,
        next_index bigint NOT NULL CHECK (next_index >= 0),
        previous_leaf bytea NOT NULL CHECK (length(previous_leaf) = 32),
        last_time_ms bigint NOT NULL CHECK (last_time_ms >= 0)
    );
    CREATE TABLE yz_log_entries (
        idx bigint PRIMARY KEY CHECK (idx >= 0),
        entry bytea NOT NULL
    );
    CREATE TABLE yz_log_tree (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        size bigint NOT NULL CHECK (size >= 0),
        last_leaf bytea NOT NULL CHECK (length(last_leaf) = 32),
        last_time_ms bigint NOT NULL CHECK (last_time_ms >= 0),
        nodes bytea NOT NULL CHECK (length(nodes) % 32 = 0),
        checkpoint text,
        published_size bigint NOT NULL DEFAULT 0
    );",
    // 2: the status registry. Lawful changes are rows of yz_status_transitions (filled
    // from LegalStatus::can_change_to when a registry opens), and every change must name one;
    // an index is used once per list; each list holds one configuration's entries.
    "CREATE TABLE yz_status_config (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        uri_prefix text NOT NULL,
        list_size bigint NOT NULL CHECK (list_size > 0)
    );
    CREATE TABLE yz_status_transitions (
        from_status smallint NOT NULL,
        to_status smallint NOT NULL,
        PRIMARY KEY (from_status, to_status)
    );
    CREATE TABLE yz_status_lists (
        list_no integer PRIMARY KEY CHECK (list_no >= 1),
        uri text NOT NULL UNIQUE,
        size bigint NOT NULL CHECK (size > 0),
        allocated bigint NOT NULL DEFAULT 0 CHECK (allocated >= 0 AND allocated <= size)
    );
    CREATE TABLE yz_status_entries (
        certificate text PRIMARY KEY CHECK (octet_length(certificate) BETWEEN 1 AND 255),
        list_no integer NOT NULL REFERENCES yz_status_lists,
        idx bigint NOT NULL CHECK (idx >= 0),
        status smallint NOT NULL,
        UNIQUE (list_no, idx)
    );
    CREATE TABLE yz_status_changes (
        sequence bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        certificate text NOT NULL REFERENCES yz_status_entries,
        from_status smallint NOT NULL,
        to_status smallint NOT NULL,
        at_secs bigint NOT NULL CHECK (at_secs >= 0),
        operator text NOT NULL CHECK (octet_length(operator) BETWEEN 1 AND 1024),
        FOREIGN KEY (from_status, to_status) REFERENCES yz_status_transitions
    );
    CREATE INDEX yz_status_changes_by_certificate ON yz_status_changes (certificate, sequence);
    CREATE INDEX yz_status_entries_not_valid ON yz_status_entries (list_no) WHERE status <> 1;",
];

/// Creates or upgrades the schema to [`SCHEMA_VERSION`].
pub(crate) fn migrate(client: &mut Client) -> Result<(), PgError> {
    let mut tx = client
        .transaction()
        .map_err(PgError::db("starting the migration"))?;
    tx.execute(
        "SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))",
        &[&MIGRATION_LOCK],
    )
    .map_err(PgError::db("locking the schema for migration"))?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS yz_schema_version (version integer NOT NULL)")
        .map_err(PgError::db("creating yz_schema_version"))?;
    let found: i32 = tx
        .query_one(
            "SELECT coalesce(max(version), 0) FROM yz_schema_version",
            &[],
        )
        .map_err(PgError::db("reading the schema version"))?
        .get(0);
    refuse_newer(found)?;
    for (version, sql) in (1..)
        .zip(MIGRATIONS)
        .skip(usize::try_from(found).unwrap_or(0))
    {
        tx.batch_execute(sql)
            .map_err(PgError::db("migrating the schema"))?;
        tx.execute("INSERT INTO yz_schema_version VALUES ($1)", &[&version])
            .map_err(PgError::db("recording the schema version"))?;
    }
    tx.commit().map_err(PgError::db("committing the migration"))
}

/// Refuses a connection to a schema this crate does not know (checked on every reconnect:
/// a newer service may have migrated the database meanwhile).
pub(crate) fn check_version(client: &mut Client) -> Result<(), PgError> {
    let exists: bool = client
        .query_one("SELECT to_regclass('yz_schema_version') IS NOT NULL", &[])
        .map_err(PgError::db("looking for the schema"))?
        .get(0);
    if !exists {
        return Ok(());
    }
    let found: Option<i32> = client
        .query_one("SELECT max(version) FROM yz_schema_version", &[])
        .map_err(PgError::db("reading the schema version"))?
        .get(0);
    match found {
        Some(found) => refuse_newer(found),
        None => Ok(()),
    }
}

fn refuse_newer(found: i32) -> Result<(), PgError> {
    if found > SCHEMA_VERSION {
        return Err(PgError::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(())
}
