//! Status-list tokens published beside the tiles: each token replaces the last at the path its
//! list URI takes under the URL the store is served at, with `Cache-Control: max-age` short
//! enough that a cache filled late never serves the list past the time verifiers stop relying
//! on it. A token older than the one already published is refused rather than written. The
//! check is made before the write, not atomically with it: keep one publisher per list.
//!
//! What is already there is not trusted (the publisher holds no verifying key): it only counts
//! as newer when it is a token of the same list issued no later than `now` + skew, so a planted
//! or future-dated object cannot hold back a revocation for longer than the skew.

use crate::Limits;
use crate::audit::objects::{ObjectSink, ObjectSource, Put, SinkError, SourceError};
use crate::encoding::CoseSign1;
use crate::status::{StatusListError, StatusListToken};
use crate::time::UnixTime;

/// How long readers may cache a token that carries no `ttl` (IETF Token Status List: a
/// verifier should fetch again when it has none; five minutes keeps a front from hammering
/// the store).
pub const STATUS_LIST_DEFAULT_MAX_AGE_SECS: u32 = 300;

/// How far ahead of the publisher's clock a token's `iat` may be (the registry's clock and the
/// publisher's may differ a little): the verifiers' default skew.
pub const STATUS_LIST_CLOCK_SKEW_SECS: u64 = 300;

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
    /// The token is issued later than `now` + [`STATUS_LIST_CLOCK_SKEW_SECS`]: a clock is
    /// wrong, and published it would block every honest token until that time.
    #[error("the token is issued at {issued_at}, after now ({now}) plus the allowed skew")]
    FromTheFuture {
        /// `iat` of the token offered.
        issued_at: u64,
        /// The time given as now.
        now: u64,
    },
    /// The token's freshness (`iat + ttl`, or `exp`) has already ended: verifiers would take
    /// it as stale.
    #[error("the token was fresh until {fresh_until}; it is now {now}")]
    Expired {
        /// When the token stops being relied on.
        fresh_until: u64,
        /// The time given as now.
        now: u64,
    },
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
/// (e.g. `https://status.example.gov.cn/jilin/`; a missing final `/` is implied): the token's
/// list URI must be `base_url` followed by an object path, where it is written. Returns that
/// path.
///
/// The signature is not checked here (the registry just made the token); what is checked is
/// that it decodes within `limits`, where it goes, that at `now` it is neither from the future
/// nor past its freshness, and that it is not older than the token it replaces. Readers may
/// cache it for half its `ttl`, and never past its freshness: one filled just before the next
/// publication still stops serving it in time if lists are published at least every `ttl / 2`.
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
/// let path = publish_status_list(&store, base, &token, at, &Limits::default())?;
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
    now: UnixTime,
    limits: &Limits,
) -> Result<String, StatusPublishError>
where
    S: ObjectSink + ObjectSource + ?Sized,
{
    let offered = decode(token, limits)?;
    let base_url = if base_url.ends_with('/') {
        base_url.to_owned()
    } else {
        format!("{base_url}/")
    };
    let path =
        offered
            .uri
            .strip_prefix(&base_url)
            .ok_or_else(|| StatusPublishError::OutsideBase {
                uri: offered.uri.clone(),
                base_url: base_url.clone(),
            })?;
    if !plain_path(path) {
        return Err(StatusPublishError::UnsafePath(path.to_owned()));
    }
    let latest_credible = now.saturating_add(STATUS_LIST_CLOCK_SKEW_SECS);
    if offered.issued_at > latest_credible {
        return Err(StatusPublishError::FromTheFuture {
            issued_at: offered.issued_at.as_secs(),
            now: now.as_secs(),
        });
    }
    let max_age_secs = max_age(&offered, now)?;
    let published = match store.fetch(path, limits.max_input_bytes) {
        Ok(published) => published,
        // Whatever is too long to be a token is replaced like anything else that is not one.
        Err(SourceError::TooLong { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    // Only a token of this list, credibly dated, counts as newer; anything else is replaced.
    if let Some(published) = published.and_then(|bytes| decode(&bytes, limits).ok())
        && published.uri == offered.uri
        && published.issued_at <= latest_credible
        && published.issued_at > offered.issued_at
    {
        return Err(StatusPublishError::Stale {
            published: published.issued_at.as_secs(),
            offered: offered.issued_at.as_secs(),
        });
    }
    store.put(path, token, Put::Replace { max_age_secs })?;
    Ok(path.to_owned())
}

/// Half the `ttl` (the default without one), never past the end of the token's freshness
/// (`iat + ttl`, or `exp`) as of `now`.
fn max_age(token: &StatusListToken, now: UnixTime) -> Result<u32, StatusPublishError> {
    let by_ttl = token.ttl.map(|ttl| token.issued_at.saturating_add(ttl));
    let fresh_until = match (by_ttl, token.expires_at) {
        (Some(a), Some(b)) => a.min(b),
        (Some(t), None) | (None, Some(t)) => t,
        (None, None) => return Ok(STATUS_LIST_DEFAULT_MAX_AGE_SECS),
    };
    if now >= fresh_until {
        return Err(StatusPublishError::Expired {
            fresh_until: fresh_until.as_secs(),
            now: now.as_secs(),
        });
    }
    let left = fresh_until.as_secs() - now.as_secs();
    let secs = token.ttl.map_or(
        left.min(u64::from(STATUS_LIST_DEFAULT_MAX_AGE_SECS)),
        |ttl| (ttl / 2).min(left),
    );
    Ok(u32::try_from(secs).unwrap_or(u32::MAX))
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
    use super::{STATUS_LIST_DEFAULT_MAX_AGE_SECS, StatusPublishError, max_age, plain_path};
    use crate::status::{StatusList, StatusListToken};
    use crate::time::UnixTime;

    fn token(ttl: Option<u64>, exp: Option<u64>) -> StatusListToken {
        StatusListToken {
            uri: "https://status.example.gov.cn/jilin/1".into(),
            issued_at: UnixTime::from_secs(1_000),
            expires_at: exp.map(UnixTime::from_secs),
            ttl,
            list: StatusList::new(2, 8).unwrap(),
        }
    }

    #[test]
    fn caches_keep_a_list_half_its_ttl_and_never_past_its_freshness() {
        let at = |secs| UnixTime::from_secs(secs);
        let age = |ttl, exp, now| max_age(&token(ttl, exp), at(now));
        assert_eq!(age(Some(600), None, 1_000).unwrap(), 300);
        // Late in its life only what is left.
        assert_eq!(age(Some(600), None, 1_500).unwrap(), 100);
        assert_eq!(age(Some(600), None, 1_599).unwrap(), 1);
        // An earlier `exp` ends freshness first; `exp` alone bounds it too.
        assert_eq!(age(Some(600), Some(1_200), 1_000).unwrap(), 200);
        assert_eq!(age(None, Some(1_200), 1_150).unwrap(), 50);
        // `exp` far off and no `ttl`: the default, so a revocation still gets through caches.
        assert_eq!(
            age(None, Some(100_000), 1_000).unwrap(),
            STATUS_LIST_DEFAULT_MAX_AGE_SECS
        );
        assert_eq!(age(Some(1), None, 1_000).unwrap(), 0);
        assert_eq!(
            age(None, None, 5_000).unwrap(),
            STATUS_LIST_DEFAULT_MAX_AGE_SECS
        );
        for (ttl, exp, now) in [(Some(600), None, 1_600), (None, Some(1_200), 1_200)] {
            assert!(matches!(
                age(ttl, exp, now),
                Err(StatusPublishError::Expired { now: n, .. }) if n == now
            ));
        }
        assert_eq!(age(Some(u64::MAX), None, 1_000).unwrap(), u32::MAX);
    }

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
