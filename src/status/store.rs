//! The registry's two seams: where its records are kept ([`StatusStore`]) and who is told of
//! each change ([`StatusObserver`], the audit log in practice, see
//! [`crate::audit::observer`]).

use crate::model::StatusReference;
use crate::status::legal::LegalStatus;
use crate::status::registry::RegistryError;
use crate::time::UnixTime;

/// What a store holds: its records in order, and how many of the first ones the observer is
/// known to have.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadedRecords {
    /// Every acknowledged record, oldest first.
    pub records: Vec<Vec<u8>>,
    /// The observer has every record before this one.
    pub observed: u64,
}

/// Durable, append-only storage of registry records.
pub trait StatusStore: Send {
    /// Every acknowledged record, after checking that none was lost and discarding a torn,
    /// never-acknowledged tail.
    ///
    /// # Errors
    /// [`RegistryError`] if acknowledged records are damaged or missing.
    fn load(&mut self) -> Result<LoadedRecords, RegistryError>;

    /// Appends `records` as one batch, durable before it returns.
    ///
    /// # Errors
    /// [`RegistryError::Io`], [`RegistryError::ReadOnly`].
    fn append(&mut self, records: &[Vec<u8>]) -> Result<(), RegistryError>;

    /// Remembers that the observer has every record before `through` (need not be durable,
    /// and may wait for the next append: a lost mark only makes the next open check those
    /// records again).
    ///
    /// # Errors
    /// [`RegistryError::Io`], [`RegistryError::ReadOnly`].
    fn mark_observed(&mut self, through: u64) -> Result<(), RegistryError>;

    /// Whether this store may be written (a read-only store neither completes nor checks
    /// recovery: a writer beside it may be mid-operation).
    fn writable(&self) -> bool {
        true
    }

    /// How many records are acknowledged now, read again from the durable store (a reader
    /// beside a writer uses it to tell a newer journal from one behind its observer); `None`
    /// if the store cannot tell.
    ///
    /// # Errors
    /// [`RegistryError`] if the store cannot be read.
    fn acknowledged_now(&mut self) -> Result<Option<u64>, RegistryError> {
        Ok(None)
    }
}

/// Where an issuer gets the status entries of new certificates: the embedded
/// [`StatusRegistry`](crate::status::StatusRegistry), or a registry shared by many services
/// (the PostgreSQL backend).
pub trait StatusAllocator: Send + Sync {
    /// The status references of `certificates`, in order, allocating (durably, before it
    /// returns) an entry for each that has none; asking again for a certificate returns the
    /// entry it already has.
    ///
    /// # Errors
    /// [`RegistryError`]; a registry kept elsewhere reports its own failures as
    /// [`RegistryError::Backend`].
    fn allocate_all(&self, certificates: &[&str]) -> Result<Vec<StatusReference>, RegistryError>;
}

/// A boxed observer error.
pub type ObserverError = Box<dyn std::error::Error + Send + Sync>;

/// Told about every change and publication before it is acknowledged (the audit log
/// implements it).
pub trait StatusObserver: Send + Sync {
    /// A certificate's status changed (already journalled).
    ///
    /// # Errors
    /// Any error poisons the registry; the change is delivered again when it is reopened.
    fn status_changed(&self, change: &StatusChange) -> Result<(), ObserverError>;

    /// A list version was published: its URI, the SHA-256 of the signed token and of the
    /// signing key's public key bytes.
    ///
    /// # Errors
    /// Any error withholds the token.
    fn list_published(
        &self,
        uri: &str,
        digest: [u8; 32],
        signer_key_id: [u8; 32],
        at: UnixTime,
    ) -> Result<(), ObserverError>;

    /// The changes of the registry publishing under `uri_prefix` that the observer holds with
    /// a sequence number from `from` on. Used when the observer is attached, to deliver the
    /// changes it lacks and to refuse a registry behind it. `None` (the default) means the
    /// observer cannot tell: it is then given every change it might lack (at least once).
    ///
    /// # Errors
    /// Any error stops the registry from being used with this observer.
    fn recorded_since(
        &self,
        uri_prefix: &str,
        from: u64,
    ) -> Result<Option<Vec<RecordedChange>>, ObserverError> {
        let _ = (uri_prefix, from);
        Ok(None)
    }
}

/// A change as the observer holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedChange {
    /// The change's sequence number in the journal.
    pub sequence: u64,
    /// The certificate identifier.
    pub certificate: String,
    /// The status it was changed to.
    pub status: LegalStatus,
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
    /// The change's record number in the registry's journal (0, 1, 2, … over all records).
    pub sequence: u64,
}
