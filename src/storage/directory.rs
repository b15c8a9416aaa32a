//! [`DirectoryObjects`]: published objects as files under a root directory, laid out as their
//! paths (`<root>/tile/0/000`, `<root>/checkpoint`), so a static HTTP server serves a
//! tlog-tiles log from it as it is.
//!
//! Immutable objects are created once: written and synced under a temporary name, then
//! hard-linked to their path, which fails if the path exists (the directory's own
//! create-only primitive); an existing file with the same bytes is success, other bytes a
//! conflict. Replaced objects are written under a temporary name, synced and renamed. The
//! directory is synced after either, so an acknowledged put survives a crash.

use std::io::{ErrorKind, Read as _, Write as _};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::audit::objects::{ObjectSink, ObjectSource, Put, SinkError, SourceError};
use crate::encoding::durable::{create_dir_durably, lock_exclusive, sync_dir};

/// Makes temporary names unique within the process (the process id across processes).
static TEMPORARY: AtomicU64 = AtomicU64::new(0);
/// How long a publisher waits for another one holding the directory.
const PUBLISHER_WAIT: Duration = Duration::from_secs(10);

/// Objects kept as files under a root directory.
#[derive(Debug)]
pub struct DirectoryObjects {
    root: PathBuf,
}

/// The directory's publisher lock, held while one publisher writes (released when dropped).
#[derive(Debug)]
pub struct PublisherLock {
    _file: std::fs::File,
}

impl DirectoryObjects {
    /// Objects under `root` (created on the first write if missing).
    #[must_use]
    pub fn new(root: &Path) -> Self {
        Self {
            root: root.to_owned(),
        }
    }

    /// Takes the directory's publisher lock (`.publisher.lock` under the root), so that two
    /// publishers — processes or threads — never interleave and an older checkpoint never
    /// replaces a newer one. Hold it from `Publisher::resume` to the end of publishing.
    ///
    /// # Errors
    /// When the root cannot be created, or another publisher holds the lock for 10 s.
    pub fn lock_publisher(&self) -> std::io::Result<PublisherLock> {
        create_dir_durably(&self.root)?;
        lock_exclusive(&self.root.join(".publisher.lock"), PUBLISHER_WAIT)?
            .map(|file| PublisherLock { _file: file })
            .ok_or_else(|| {
                std::io::Error::new(
                    ErrorKind::WouldBlock,
                    "another publisher holds this directory",
                )
            })
    }

    /// The root directory.
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file for `path`: relative, `/`-separated, no `..` or empty parts.
    fn file(&self, path: &str) -> Option<PathBuf> {
        let relative = Path::new(path);
        let plain = !path.is_empty()
            && !path.contains('\\')
            && path.split('/').all(|part| !part.is_empty())
            && relative
                .components()
                .all(|c| matches!(c, Component::Normal(_)));
        plain.then(|| self.root.join(relative))
    }

    fn temporary(&self, file: &Path) -> PathBuf {
        let n = TEMPORARY.fetch_add(1, Ordering::Relaxed);
        let mut name = file.as_os_str().to_owned();
        name.push(format!(".{}.{n}.tmp", std::process::id()));
        PathBuf::from(name)
    }
}

fn store_error(path: &str, e: std::io::Error) -> SinkError {
    SinkError::Store {
        path: path.to_owned(),
        source: Box::new(e),
    }
}

impl ObjectSink for DirectoryObjects {
    fn put(&self, path: &str, bytes: &[u8], put: Put) -> Result<(), SinkError> {
        let file = self.file(path).ok_or_else(|| SinkError::Store {
            path: path.to_owned(),
            source: "not a plain relative path".into(),
        })?;
        let dir = file.parent().unwrap_or(&self.root).to_owned();
        create_dir_durably(&dir).map_err(|e| store_error(path, e))?;
        let tmp = self.temporary(&file);
        // Created new, so a temporary name in use elsewhere is an error, never removed here.
        let mut out = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| store_error(path, e))?;
        if let Err(e) = out.write_all(bytes).and_then(|()| out.sync_all()) {
            drop(out);
            let _ = std::fs::remove_file(&tmp);
            return Err(store_error(path, e));
        }
        drop(out);
        let placed = match put {
            Put::Immutable => std::fs::hard_link(&tmp, &file),
            Put::Replace { .. } => std::fs::rename(&tmp, &file),
        };
        let _ = std::fs::remove_file(&tmp);
        match placed {
            Ok(()) => sync_dir(&dir).map_err(|e| store_error(path, e)),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                let existing = std::fs::read(&file).map_err(|e| store_error(path, e))?;
                if existing == bytes {
                    // A retry after a crash between the link and the sync: sync now.
                    sync_dir(&dir).map_err(|e| store_error(path, e))
                } else {
                    Err(SinkError::Conflict {
                        path: path.to_owned(),
                    })
                }
            }
            Err(e) => Err(store_error(path, e)),
        }
    }
}

impl ObjectSource for DirectoryObjects {
    fn fetch(&self, path: &str, max_len: usize) -> Result<Option<Vec<u8>>, SourceError> {
        let error = |e: std::io::Error| SourceError::Store {
            path: path.to_owned(),
            source: Box::new(e),
        };
        let Some(file) = self.file(path) else {
            return Ok(None);
        };
        let opened = match std::fs::File::open(&file) {
            Ok(f) => f,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(error(e)),
        };
        let mut bytes = Vec::new();
        let limit = u64::try_from(max_len).unwrap_or(u64::MAX).saturating_add(1);
        opened.take(limit).read_to_end(&mut bytes).map_err(error)?;
        if bytes.len() > max_len {
            return Err(SourceError::TooLong {
                path: path.to_owned(),
                limit: max_len,
            });
        }
        Ok(Some(bytes))
    }
}
