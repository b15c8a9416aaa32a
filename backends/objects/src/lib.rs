//! Where a published log and status lists live when they are not a local directory: any
//! S3-compatible store (AWS, any cloud's S3 API, Ceph, MinIO, SeaweedFS) to write and read,
//! and plain HTTP(S) to read (a static front, a mirror); `tlog-witness` over HTTP
//! ([`witness_http`]), and a target that publishes only witnessed checkpoints
//! ([`CosigningTarget`]). Built on the Arrow project's
//! `object_store`; nothing here is written by hand except the mapping to yinzheng's
//! [`ObjectSink`] / [`ObjectSource`] rules:
//!
//! - an immutable object (full tile, full entry bundle) is written with `If-None-Match: *`;
//!   if the store already holds it, the bytes are compared: equal is success (publishing is
//!   restartable), different is [`SinkError::Conflict`], an alarm, never an overwrite;
//! - a replaced object (partial tile, checkpoint, status list) is overwritten with
//!   `Cache-Control: max-age=` its lifetime; immutable ones get a year and `immutable`;
//! - a read larger than the caller's limit is refused from the object's size, before its body
//!   is read.
//!
//! `object_store` is asynchronous; these types are blocking like the rest of the library, each
//! with a small runtime of its own. Call them from a thread, not from inside an async task
//! (`spawn_blocking` there).
//!
//! ```no_run
//! use yinzheng::audit::tile_client::TileClient;
//! use yinzheng_objects::ObjectTarget;
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let log_key = yinzheng::audit::NoteKey::from_vkey("x+00000000+AQ")?;
//! // Credentials and the endpoint come from the usual AWS_* variables.
//! let tiles = ObjectTarget::open("s3://audit-tiles/jilin")?;
//! let auditor = TileClient::new(tiles, "audit.example.gov.cn/jilin", vec![log_key]);
//! let checkpoint = auditor.checkpoint()?;
//! auditor.verify_all(&checkpoint)?;
//! # Ok(())
//! # }
//! ```

mod cosigning;
pub mod witness_http;

pub use cosigning::{CosignError, CosigningTarget};

use std::sync::Arc;

use object_store::aws::{AmazonS3Builder, S3ConditionalPut};
use object_store::http::HttpBuilder;
use object_store::path::Path as StorePath;
use object_store::{
    Attribute, Attributes, ObjectStore, ObjectStoreExt as _, PutMode, PutOptions, PutPayload,
};
use yinzheng::audit::objects::{ObjectSink, ObjectSource, Put, SinkError, SourceError};
use yinzheng::storage::DirectoryObjects;

/// How long readers may cache an immutable object (it never changes).
const IMMUTABLE_CACHE: &str = "public, max-age=31536000, immutable";

/// Why a target could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TargetError {
    /// The target is not `file:PATH`, `s3://BUCKET[/PREFIX]` or `http(s)://…`.
    #[error("{0:?} is not a target (file:PATH, s3://BUCKET/PREFIX or https://…)")]
    Scheme(String),
    /// The store's configuration was refused (a missing region, a malformed URL …).
    #[error("configuring {target}: {source}")]
    Config {
        /// The target.
        target: String,
        /// What `object_store` said.
        source: object_store::Error,
    },
    /// The runtime for the store's requests could not be started.
    #[error("starting the I/O runtime: {0}")]
    Runtime(#[from] std::io::Error),
}

/// A published log's objects in an object store or behind an HTTP URL.
pub struct ObjectTarget {
    store: Arc<dyn ObjectStore>,
    prefix: String,
    runtime: tokio::runtime::Runtime,
    writable: bool,
}

impl core::fmt::Debug for ObjectTarget {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ObjectTarget")
            .field("store", &self.store.to_string())
            .field("prefix", &self.prefix)
            .field("writable", &self.writable)
            .finish_non_exhaustive()
    }
}

/// A target of any kind: a directory, or a store behind [`ObjectTarget`].
pub trait Target: ObjectSink + ObjectSource {}
impl<T: ObjectSink + ObjectSource> Target for T {}

fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("yinzheng-objects")
        .enable_all()
        .build()
}

impl ObjectTarget {
    /// Opens `target`: `s3://BUCKET[/PREFIX]` (credentials, region and endpoint from the
    /// standard `AWS_*` variables; `AWS_ENDPOINT=http://…` for a local store) or
    /// `http(s)://…` (read-only).
    ///
    /// # Errors
    /// [`TargetError`] for another scheme or a configuration the store refuses.
    pub fn open(target: &str) -> Result<Self, TargetError> {
        let config = |source| TargetError::Config {
            target: target.to_owned(),
            source,
        };
        if let Some(rest) = target.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            let mut builder = AmazonS3Builder::from_env()
                .with_bucket_name(bucket)
                .with_conditional_put(S3ConditionalPut::ETagMatch);
            if std::env::var("AWS_ENDPOINT").is_ok_and(|e| e.starts_with("http://")) {
                builder = builder.with_allow_http(true);
            }
            return Ok(Self {
                store: Arc::new(builder.build().map_err(config)?),
                prefix: prefix.trim_matches('/').to_owned(),
                runtime: runtime()?,
                writable: true,
            });
        }
        if target.starts_with("https://") || target.starts_with("http://") {
            let store = HttpBuilder::new()
                .with_url(target)
                .with_client_options(
                    object_store::ClientOptions::new()
                        .with_allow_http(target.starts_with("http://")),
                )
                .build()
                .map_err(config)?;
            return Ok(Self {
                store: Arc::new(store),
                prefix: String::new(),
                runtime: runtime()?,
                writable: false,
            });
        }
        Err(TargetError::Scheme(target.to_owned()))
    }

    /// A target over a store built by the caller (any `object_store` backend), its objects
    /// under `prefix`.
    ///
    /// # Errors
    /// [`TargetError::Runtime`].
    pub fn from_store(store: Arc<dyn ObjectStore>, prefix: &str) -> Result<Self, TargetError> {
        Ok(Self {
            store,
            prefix: prefix.trim_matches('/').to_owned(),
            runtime: runtime()?,
            writable: true,
        })
    }

    fn location(&self, path: &str) -> StorePath {
        if self.prefix.is_empty() {
            StorePath::from(path)
        } else {
            StorePath::from(format!("{}/{path}", self.prefix))
        }
    }

    fn read(&self, path: &str, max_len: usize) -> Result<Option<Vec<u8>>, SourceError> {
        let failed = |e: object_store::Error| SourceError::Store {
            path: path.to_owned(),
            source: Box::new(e),
        };
        let location = self.location(path);
        self.runtime.block_on(async {
            let got = match self.store.get(&location).await {
                Ok(got) => got,
                Err(object_store::Error::NotFound { .. }) => return Ok(None),
                Err(e) => return Err(failed(e)),
            };
            if got.meta.size > max_len as u64 {
                return Err(SourceError::TooLong {
                    path: path.to_owned(),
                    limit: max_len,
                });
            }
            let bytes = got.bytes().await.map_err(failed)?;
            if bytes.len() > max_len {
                return Err(SourceError::TooLong {
                    path: path.to_owned(),
                    limit: max_len,
                });
            }
            Ok(Some(bytes.to_vec()))
        })
    }
}

impl ObjectSink for ObjectTarget {
    fn put(&self, path: &str, bytes: &[u8], put: Put) -> Result<(), SinkError> {
        let failed = |e: object_store::Error| SinkError::Store {
            path: path.to_owned(),
            source: Box::new(e),
        };
        if !self.writable {
            return Err(SinkError::Store {
                path: path.to_owned(),
                source: "an HTTP target is read-only".into(),
            });
        }
        let (mode, cache) = match put {
            Put::Immutable => (PutMode::Create, IMMUTABLE_CACHE.to_owned()),
            Put::Replace { max_age_secs } => (
                PutMode::Overwrite,
                format!("public, max-age={max_age_secs}"),
            ),
        };
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::CacheControl, cache.into());
        let options = PutOptions {
            mode,
            attributes,
            ..PutOptions::default()
        };
        let location = self.location(path);
        let payload = PutPayload::from(bytes.to_vec());
        let written = self
            .runtime
            .block_on(self.store.put_opts(&location, payload, options));
        match written {
            Ok(_) => Ok(()),
            // Created before: by this publisher before a crash (same bytes), or a conflict.
            Err(
                object_store::Error::AlreadyExists { .. }
                | object_store::Error::Precondition { .. },
            ) => match self.read(path, bytes.len()) {
                Ok(Some(existing)) if existing == bytes => Ok(()),
                Ok(_) | Err(SourceError::TooLong { .. }) => Err(SinkError::Conflict {
                    path: path.to_owned(),
                }),
                Err(e) => Err(SinkError::Store {
                    path: path.to_owned(),
                    source: Box::new(e),
                }),
            },
            Err(e) => Err(failed(e)),
        }
    }
}

impl ObjectSource for ObjectTarget {
    fn fetch(&self, path: &str, max_len: usize) -> Result<Option<Vec<u8>>, SourceError> {
        self.read(path, max_len)
    }
}

/// Opens a target named the way the CLI and the deployment guide name them: `file:PATH` (or
/// a bare path) for a directory, otherwise as [`ObjectTarget::open`].
///
/// # Errors
/// [`TargetError`].
pub fn open_target(target: &str) -> Result<Box<dyn Target>, TargetError> {
    if let Some(path) = target.strip_prefix("file:") {
        return Ok(Box::new(DirectoryObjects::new(std::path::Path::new(path))));
    }
    if !target.contains("://") {
        return Ok(Box::new(DirectoryObjects::new(std::path::Path::new(
            target,
        ))));
    }
    Ok(Box::new(ObjectTarget::open(target)?))
}
