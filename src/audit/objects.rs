//! The seams between a published log and where it is kept: [`ObjectSink`] writes objects
//! (tiles, entry bundles, the checkpoint, status-list tokens) and [`ObjectSource`] reads them
//! back. A directory implements both (`storage::DirectoryObjects`); object stores and HTTP
//! live in the backends crate, so the core links no network client.

/// How an object is written, and how long readers may cache it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Put {
    /// Created once and never changed (full tiles, full entry bundles): a store that already
    /// holds other bytes at the path reports [`SinkError::Conflict`], never overwrites.
    Immutable,
    /// Replaced on every write (partial tiles, the checkpoint, status lists), cached for at
    /// most `max_age_secs`.
    Replace {
        /// The `Cache-Control: max-age` readers get.
        max_age_secs: u32,
    },
}

/// A boxed error from a store.
pub type StoreError = Box<dyn std::error::Error + Send + Sync>;

/// Why an object could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SinkError {
    /// An immutable object already exists with other bytes: the store, or a log writing to
    /// it, is not what it should be. An alarm, not a retry.
    #[error("{path} already holds other bytes; refusing to overwrite an immutable object")]
    Conflict {
        /// The object's path.
        path: String,
    },
    /// The store failed.
    #[error("writing {path}: {source}")]
    Store {
        /// The object's path.
        path: String,
        /// What failed.
        source: StoreError,
    },
}

/// Why an object could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// The object is longer than the reader accepts.
    #[error("{path} is over {limit} bytes")]
    TooLong {
        /// The object's path.
        path: String,
        /// The limit.
        limit: usize,
    },
    /// The store failed.
    #[error("reading {path}: {source}")]
    Store {
        /// The object's path.
        path: String,
        /// What failed.
        source: StoreError,
    },
}

/// Where a published log's objects are written.
pub trait ObjectSink: Send + Sync {
    /// Writes `bytes` at `path` (relative to the log's prefix, e.g. `tile/0/000`); durable
    /// before it returns.
    ///
    /// # Errors
    /// [`SinkError::Conflict`] for an immutable object that exists with other bytes (the
    /// same bytes are success: publishing is restartable), [`SinkError::Store`].
    fn put(&self, path: &str, bytes: &[u8], put: Put) -> Result<(), SinkError>;
}

/// Where a published log's objects are read from: a directory, a URL, a mirror. Nothing it
/// returns is trusted; readers check it against a signed checkpoint.
pub trait ObjectSource: Send + Sync {
    /// The object at `path`, or `None` if there is none; longer than `max_len` is an error,
    /// found before reading more than `max_len + 1` bytes.
    ///
    /// # Errors
    /// [`SourceError`].
    fn fetch(&self, path: &str, max_len: usize) -> Result<Option<Vec<u8>>, SourceError>;
}

impl<T: ObjectSink + ?Sized> ObjectSink for &T {
    fn put(&self, path: &str, bytes: &[u8], put: Put) -> Result<(), SinkError> {
        (**self).put(path, bytes, put)
    }
}

impl<T: ObjectSource + ?Sized> ObjectSource for &T {
    fn fetch(&self, path: &str, max_len: usize) -> Result<Option<Vec<u8>>, SourceError> {
        (**self).fetch(path, max_len)
    }
}

impl<T: ObjectSink + ?Sized> ObjectSink for Box<T> {
    fn put(&self, path: &str, bytes: &[u8], put: Put) -> Result<(), SinkError> {
        (**self).put(path, bytes, put)
    }
}

impl<T: ObjectSource + ?Sized> ObjectSource for Box<T> {
    fn fetch(&self, path: &str, max_len: usize) -> Result<Option<Vec<u8>>, SourceError> {
        (**self).fetch(path, max_len)
    }
}
