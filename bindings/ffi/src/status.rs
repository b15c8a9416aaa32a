//! The agency's status registry: legal statuses and the signed status lists that publish
//! them.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use yinzheng::crypto;
use yinzheng::status;

use crate::audit::AuditLog;
use crate::convert::to_unix;
use crate::error::{YinzhengError, invalid};
use crate::signer::{ForeignSigner, Signer, SoftwareKey};

/// A certificate's legal status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum LegalStatus {
    /// 有效 valid.
    Valid,
    /// 暂扣 suspended.
    Suspended,
    /// 挂失 reported lost.
    ReportedLost,
    /// 注销 cancelled (final).
    Cancelled,
    /// 吊销 revoked (final).
    Revoked,
    /// 撤销 annulled (final).
    Annulled,
    /// 失效 expired (final).
    Expired,
    /// 转出 transferred out (final).
    TransferredOut,
    /// A status this version of the bindings does not know.
    Other,
}

impl From<status::LegalStatus> for LegalStatus {
    fn from(s: status::LegalStatus) -> Self {
        match s {
            status::LegalStatus::Valid => Self::Valid,
            status::LegalStatus::Suspended => Self::Suspended,
            status::LegalStatus::ReportedLost => Self::ReportedLost,
            status::LegalStatus::Cancelled => Self::Cancelled,
            status::LegalStatus::Revoked => Self::Revoked,
            status::LegalStatus::Annulled => Self::Annulled,
            status::LegalStatus::Expired => Self::Expired,
            status::LegalStatus::TransferredOut => Self::TransferredOut,
            _ => Self::Other,
        }
    }
}

impl TryFrom<LegalStatus> for status::LegalStatus {
    type Error = YinzhengError;

    fn try_from(s: LegalStatus) -> Result<Self, YinzhengError> {
        Ok(match s {
            LegalStatus::Valid => Self::Valid,
            LegalStatus::Suspended => Self::Suspended,
            LegalStatus::ReportedLost => Self::ReportedLost,
            LegalStatus::Cancelled => Self::Cancelled,
            LegalStatus::Revoked => Self::Revoked,
            LegalStatus::Annulled => Self::Annulled,
            LegalStatus::Expired => Self::Expired,
            LegalStatus::TransferredOut => Self::TransferredOut,
            LegalStatus::Other => return Err(invalid("unknown legal status")),
        })
    }
}

/// A certificate's entry in the registry.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StatusEntry {
    /// The current legal status.
    pub status: LegalStatus,
    /// Its index in the status list.
    pub index: u64,
    /// The status list's URI.
    pub uri: String,
}

/// The agency's status registry: legal statuses, random list indices, signed list versions.
#[derive(uniffi::Object)]
pub struct StatusRegistry {
    pub(crate) inner: Arc<status::StatusRegistry>,
}

#[uniffi::export]
impl StatusRegistry {
    /// Opens (or creates) the registry journalled at `journal_path`, with lists named
    /// `<uri_prefix>1`, `<uri_prefix>2`, …; every change and publication goes to `audit_log`
    /// when given.
    ///
    /// # Errors
    /// [`YinzhengError::StatusRegistryFailed`] if the journal is damaged.
    #[uniffi::constructor]
    pub fn open(
        journal_path: String,
        uri_prefix: String,
        audit_log: Option<Arc<AuditLog>>,
    ) -> Result<Arc<Self>, YinzhengError> {
        let registry = status::StatusRegistry::open_file(
            std::path::Path::new(&journal_path),
            status::RegistryConfig::new(&uri_prefix),
        )?;
        let registry = match audit_log {
            Some(log) => registry.with_observer(log.inner.clone())?,
            None => registry,
        };
        Ok(Arc::new(Self {
            inner: Arc::new(registry),
        }))
    }

    /// Sets a certificate's legal status (final statuses cannot be left).
    ///
    /// # Errors
    /// [`YinzhengError::InvalidInput`] for an illegal transition or an unknown certificate.
    pub fn set_status(
        &self,
        certificate_id: String,
        status: LegalStatus,
        operator: String,
        at: SystemTime,
    ) -> Result<(), YinzhengError> {
        self.inner
            .set_status(&certificate_id, status.try_into()?, &operator, to_unix(at)?)?;
        Ok(())
    }

    /// Revokes (吊销) a certificate: final.
    ///
    /// # Errors
    /// As [`StatusRegistry::set_status`].
    pub fn revoke(
        &self,
        certificate_id: String,
        operator: String,
        at: SystemTime,
    ) -> Result<(), YinzhengError> {
        self.set_status(certificate_id, LegalStatus::Revoked, operator, at)
    }

    /// Suspends (暂扣) a certificate.
    ///
    /// # Errors
    /// As [`StatusRegistry::set_status`].
    pub fn suspend(
        &self,
        certificate_id: String,
        operator: String,
        at: SystemTime,
    ) -> Result<(), YinzhengError> {
        self.set_status(certificate_id, LegalStatus::Suspended, operator, at)
    }

    /// Reinstates a suspended or reported-lost certificate.
    ///
    /// # Errors
    /// As [`StatusRegistry::set_status`].
    pub fn reinstate(
        &self,
        certificate_id: String,
        operator: String,
        at: SystemTime,
    ) -> Result<(), YinzhengError> {
        self.set_status(certificate_id, LegalStatus::Valid, operator, at)
    }

    /// A certificate's entry, if it has one.
    pub fn entry(&self, certificate_id: String) -> Option<StatusEntry> {
        self.inner
            .status(&certificate_id)
            .map(|(status, reference)| StatusEntry {
                status: status.into(),
                index: reference.index,
                uri: reference.uri,
            })
    }

    /// The URIs of every list.
    pub fn uris(&self) -> Vec<String> {
        self.inner.uris()
    }

    /// Signs the current version of the list at `uri` (with a key that speaks for the agency),
    /// issued at `at` and cacheable for `ttl_seconds`.
    ///
    /// # Errors
    /// [`YinzhengError::InvalidInput`] for an unknown URI, [`YinzhengError::SignerFailed`].
    pub fn publish(
        &self,
        uri: String,
        signer: Arc<dyn Signer>,
        at: SystemTime,
        ttl_seconds: u64,
    ) -> Result<Vec<u8>, YinzhengError> {
        let signer = ForeignSigner::new(signer)?;
        self.publish_with(&uri, &signer, at, ttl_seconds)
    }

    /// As [`StatusRegistry::publish`], with a key the library holds.
    ///
    /// # Errors
    /// As [`StatusRegistry::publish`].
    pub fn publish_with_software_key(
        &self,
        uri: String,
        key: Arc<SoftwareKey>,
        at: SystemTime,
        ttl_seconds: u64,
    ) -> Result<Vec<u8>, YinzhengError> {
        self.publish_with(&uri, key.as_ref(), at, ttl_seconds)
    }
}

impl StatusRegistry {
    fn publish_with(
        &self,
        uri: &str,
        signer: &dyn crypto::Signer,
        at: SystemTime,
        ttl: u64,
    ) -> Result<Vec<u8>, YinzhengError> {
        self.inner
            .publish(uri, signer, to_unix(at)?, Duration::from_secs(ttl))
            .map_err(|e| match e {
                status::RegistryError::List(status::StatusListError::Signer(reason)) => {
                    YinzhengError::SignerFailed { reason }
                }
                other => other.into(),
            })
    }
}

/// Publishes the signed status-list `token` into directory `dir`, which a static HTTP server
/// serves at `base_url`: written, replacing an older token, at the path its list URI takes
/// under `base_url`, which is returned. An older token than the one there is refused, and so
/// is one that at `now` is from the future or past its freshness.
///
/// # Errors
/// [`YinzhengError::InvalidInput`] if the bytes are no status-list token, the URI is not
/// under `base_url`, a newer token is published or the token is not fresh at `now`;
/// [`YinzhengError::StatusRegistryFailed`] if writing fails.
#[uniffi::export]
pub fn publish_status_list_to_directory(
    dir: String,
    base_url: String,
    token: Vec<u8>,
    now: SystemTime,
) -> Result<String, YinzhengError> {
    use yinzheng::storage::{DirectoryObjects, StatusPublishError, publish_status_list};
    let store = DirectoryObjects::new(std::path::Path::new(&dir));
    let now = to_unix(now)?;
    publish_status_list(&store, &base_url, &token, now, &yinzheng::Limits::default()).map_err(|e| {
        match e {
            StatusPublishError::Sink(_) | StatusPublishError::Source(_) => {
                YinzhengError::StatusRegistryFailed {
                    reason: e.to_string(),
                }
            }
            other => invalid(other),
        }
    })
}
