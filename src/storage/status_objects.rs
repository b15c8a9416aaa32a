//! Status-list tokens published beside the tiles: each token replaces the last at the path its
//! list URI takes under the URL the store is served at, with `Cache-Control: max-age` set to
//! the token's `ttl`, so that a CDN or a browser never serves a list longer than verifiers may
//! rely on it. A token older than the one already published is refused rather than written. The
//! check is made before the write, not atomically with it: keep one publisher per list.

use crate::Limits;
use crate::audit::objects::{ObjectSink, ObjectSource, Put, SinkError, SourceError};
use crate::encoding::CoseSign1;
use crate::status::{StatusListError, StatusListToken};

/// How long readers may cache a token that carries no `ttl` (IETF Token Status List: a
/// verifier should fetch again when it has none; five minutes keeps a front from hammering
/// the store).
pub const STATUS_LIST_DEFAULT_MAX_AGE_SECS: u32 = 300;

/// Why a status-list token was not published.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StatusPublishError {
    /// The bytes are not a signed status-list token.
    #[error("not a status-list token: {0}")]
    NotAToken(#[from] StatusListError),
    /// The token's list URI is not under the URL the store is served at.
    #[error("the list URI {uri:?} is not under the published base URL {base_url:?}")]
    OutsideBase {
        /// The token's `sub`.
        uri: String,
        /// The base URL given.
        base_url: String,
    },
    /// The URI's path under the base is not a plain object path (empty, `.` or `..` parts,
    /// or characters outside `A–Z a–z 0–9 - . _ ~`).
    #[error("the list URI's path {0:?} is not a plain object path")]
    UnsafePath(String),
    /// A newer token of this list is already published.
    #[error("a token issued at {published} is already published; this one was issued at {offered}")]
    Stale {
        /// `iat` of the published token.
        published: u64,
        /// `iat` of the token offered.
        offered: u64,
    },
    /// Reading the published token failed.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// Writing failed.
    #[error(transparent)]
    Sink(#[from] SinkError),
}

/// Publishes the signed status-list `token` into `store`, which is served at `base_url`
/// (e.g. `https://status.example.gov.cn/jilin/`, ending in `/`): the token's list URI must
/// be `base_url` followed by an object path, where it is written. Returns that path.
///
/// The signature is not checked here (the registry just made the token); what is checked is
/// that it decodes within `limits`, where it goes, and that it is not older than the token it
/// replaces.
///
/// ```
/// use std::time::Duration;
/// use yinzheng::Limits;
/// use yinzheng::audit::objects::ObjectSource as _;
/// use yinzheng::crypto::Ed25519SigningKey;
/// use yinzheng::status::{RegistryConfig, StatusRegistry};
/// use yinzheng::storage::{DirectoryObjects, publish_status_list};
/// use yinzheng::time::UnixTime;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let dir = std::env::temp_dir().join(format!("yz-doc-publish-list-{}", std::process::id()));
/// # let _ = std::fs::remove_dir_all(&dir);
/// # std::fs::create_dir_all(&dir)?;
/// let base = "https://status.example.gov.cn/jilin/";
/// let registry = StatusRegistry::open_file(&dir.join("journal"), RegistryConfig::new(base))?;
/// let reference = registry.allocate("1.2.156.3005.2.11100000000013338W032.A1.001")?;
/// let signer = Ed25519SigningKey::from_seed(&[9; 32]);
/// let at = UnixTime::from_secs(1_790_000_000);
/// let token = registry.publish(&reference.uri, &signer, at, Duration::from_secs(3600))?;
///
/// let store = DirectoryObjects::new(&dir.join("public"));
/// let path = publish_status_list(&store, base, &token, &Limits::default())?;
/// assert_eq!(format!("{base}{path}"), reference.uri);
/// assert_eq!(store.fetch(&path, 1 << 20)?.as_deref(), Some(&token[..]));
/// # drop(registry);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// [`StatusPublishError`].
pub fn publish_status_list<S>(
    store: &S,
    base_url: &str,
    token: &[u8],
    limits: &Limits,
) -> Result<String, StatusPublishError>
where
    S: ObjectSink + ObjectSource + ?Sized,
{
    let offered = decode(token, limits)?;
    let path = offered
        .uri
        .strip_prefix(base_url)
        .filter(|_| base_url.ends_with('/'))
        .ok_or_else(|| StatusPublishError::OutsideBase {
            uri: offered.uri.clone(),
            base_url: base_url.to_owned(),
        })?;
    if !plain_path(path) {
        return Err(StatusPublishError::UnsafePath(path.to_owned()));
    }
    if let Some(published) = store.fetch(path, limits.max_input_bytes)? {
        // Something that is not a token there is replaced: the newest token is what counts.
        if let Ok(published) = decode(&published, limits)
            && published.issued_at > offered.issued_at
        {
            return Err(StatusPublishError::Stale {
                published: published.issued_at.as_secs(),
                offered: offered.issued_at.as_secs(),
            });
        }
    }
    let max_age_secs = offered.ttl.map_or(STATUS_LIST_DEFAULT_MAX_AGE_SECS, |ttl| {
        u32::try_from(ttl).unwrap_or(u32::MAX)
    });
    store.put(path, token, Put::Replace { max_age_secs })?;
    Ok(path.to_owned())
}

fn decode(token: &[u8], limits: &Limits) -> Result<StatusListToken, StatusListError> {
    let envelope = CoseSign1::decode(token, limits).map_err(StatusListError::from)?;
    StatusListToken::decode_claims(envelope.payload, limits)
}

/// `/`-separated parts of unreserved URI characters, none empty, `.` or `..`.
fn plain_path(path: &str) -> bool {
    !path.is_empty()
        && path.split('/').all(|part| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
        })
}

#[cfg(test)]
mod tests {
    use super::plain_path;

    #[test]
    fn only_plain_paths_are_written() {
        for good in ["1", "lists/12", "a-b_c.d~e/7"] {
            assert!(plain_path(good), "{good}");
        }
        for bad in [
            "", "/1", "1/", "a//b", "..", "a/../b", "./1", "a?b", "a%2e", "列表/1",
        ] {
            assert!(!plain_path(bad), "{bad}");
        }
    }
}
