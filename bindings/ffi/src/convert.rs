//! Conversions between foreign shapes and the core's: instants, dates, digests; and the
//! app's [`Clock`].

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use yinzheng::time::{Date, UnixTime};

use crate::error::{YinzhengError, invalid};

pub(crate) fn to_unix(t: SystemTime) -> Result<UnixTime, YinzhengError> {
    t.duration_since(UNIX_EPOCH)
        .map(|d| UnixTime::from_secs(d.as_secs()))
        .map_err(|_| invalid("time before 1970"))
}

pub(crate) fn to_unix_opt(t: Option<SystemTime>) -> Result<Option<UnixTime>, YinzhengError> {
    t.map(to_unix).transpose()
}

/// The latest instant handed to foreign code: 9999-12-31T23:59:59Z, which every platform's
/// date type (Python `datetime`, `java.time.Instant`, Swift `Date`) can hold. A signed time
/// beyond it (a "never expires" of `u64::MAX`) is shown as that instant instead of panicking.
const LATEST_SHOWN: u64 = 253_402_300_799;

pub(crate) fn to_system(t: UnixTime) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(t.as_secs().min(LATEST_SHOWN))
}

pub(crate) fn parse_date(text: &str) -> Result<Date, YinzhengError> {
    Date::parse(text).map_err(invalid)
}

/// A source of the current time implemented by the app (e.g. network time).
#[uniffi::export(foreign)]
pub trait Clock: Send + Sync {
    /// The current time.
    ///
    /// # Errors
    /// When no trustworthy time is available.
    fn now(&self) -> Result<SystemTime, YinzhengError>;
}

pub(crate) fn digest32(bytes: Vec<u8>, what: &str) -> Result<[u8; 32], YinzhengError> {
    bytes
        .try_into()
        .map_err(|_| invalid(format!("{what} must be 32 bytes")))
}
