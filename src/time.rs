//! Time as an explicit input: [`UnixTime`], calendar [`Date`]s, and the [`Clock`] trait.
//!
//! Nothing in the library reads the OS clock except [`SystemClock`]; every check that
//! depends on time takes a [`UnixTime`] (directly or through a verification context).

use core::fmt;

/// Seconds since 1970-01-01T00:00:00Z, ignoring leap seconds (POSIX time).
///
/// Certificates are valid for years and presentations for seconds, so whole seconds are the
/// resolution everywhere in the wire formats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixTime(u64);

impl UnixTime {
    /// The epoch itself.
    pub const EPOCH: Self = Self(0);

    /// A time `secs` seconds after the epoch.
    #[must_use]
    pub const fn from_secs(secs: u64) -> Self {
        Self(secs)
    }

    /// Seconds since the epoch.
    #[must_use]
    pub const fn as_secs(self) -> u64 {
        self.0
    }

    /// `self + secs`, saturating at the far future instead of wrapping.
    #[must_use]
    pub const fn saturating_add(self, secs: u64) -> Self {
        Self(self.0.saturating_add(secs))
    }

    /// `self - secs`, saturating at the epoch.
    #[must_use]
    pub const fn saturating_sub(self, secs: u64) -> Self {
        Self(self.0.saturating_sub(secs))
    }

    /// The calendar date of this instant in China Standard Time (UTC+8), the time zone in
    /// which licence dates (颁发日期, 有效期) are written.
    #[must_use]
    pub fn date_in_china(self) -> Date {
        let local = self.0.saturating_add(CHINA_UTC_OFFSET_SECS);
        Date::from_days_since_epoch(local / SECS_PER_DAY)
    }
}

impl fmt::Display for UnixTime {
    /// RFC 3339 in UTC, e.g. `2026-11-21T08:30:00Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let date = Date::from_days_since_epoch(self.0 / SECS_PER_DAY);
        let rem = self.0 % SECS_PER_DAY;
        write!(
            f,
            "{date}T{:02}:{:02}:{:02}Z",
            rem / 3600,
            (rem % 3600) / 60,
            rem % 60
        )
    }
}

/// Text that is not an RFC 3339 date-time at or after the epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not an RFC 3339 time (e.g. 2026-12-05T09:30:00+08:00) at or after 1970")]
pub struct InvalidTime;

impl core::str::FromStr for UnixTime {
    type Err = InvalidTime;

    /// Parses an RFC 3339 `date-time`: `YYYY-MM-DDTHH:MM:SS`, an optional fraction (dropped:
    /// the formats count whole seconds), and `Z` or an offset `±HH:MM`. A leap second (`:60`)
    /// is read as the second before the next minute ends, as POSIX time has none.
    fn from_str(text: &str) -> Result<Self, InvalidTime> {
        let b = text.as_bytes();
        if b.len() < 20 || !matches!(b[10], b'T' | b't') {
            return Err(InvalidTime);
        }
        let date = text
            .get(..10)
            .and_then(|d| Date::parse(d).ok())
            .ok_or(InvalidTime)?;
        let two = |at: usize| -> Result<i64, InvalidTime> {
            match (b.get(at), b.get(at + 1)) {
                (Some(h @ b'0'..=b'9'), Some(l @ b'0'..=b'9')) => {
                    Ok(i64::from((h - b'0') * 10 + (l - b'0')))
                }
                _ => Err(InvalidTime),
            }
        };
        if b[13] != b':' || b[16] != b':' {
            return Err(InvalidTime);
        }
        let (hour, minute, second) = (two(11)?, two(14)?, two(17)?);
        if hour > 23 || minute > 59 || second > 60 {
            return Err(InvalidTime);
        }
        let mut rest = &b[19..];
        if let [b'.', digits @ ..] = rest {
            let n = digits.iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 {
                return Err(InvalidTime);
            }
            rest = &digits[n..];
        }
        let offset = match rest {
            [b'Z' | b'z'] => 0,
            [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
                let at = b.len() - 5;
                let (oh, om) = (two(at)?, two(at + 3)?);
                if oh > 23 || om > 59 {
                    return Err(InvalidTime);
                }
                let offset = oh * 3600 + om * 60;
                if *sign == b'-' { -offset } else { offset }
            }
            _ => return Err(InvalidTime),
        };
        let secs =
            date.days_since_epoch() * 86_400 + hour * 3600 + minute * 60 + second.min(59) - offset;
        u64::try_from(secs).map(Self).map_err(|_| InvalidTime)
    }
}

const SECS_PER_DAY: u64 = 86_400;
const CHINA_UTC_OFFSET_SECS: u64 = 8 * 3600;

/// A calendar date (proleptic Gregorian), years 1..=9999, as written on a licence face.
///
/// Encoded on the wire as an RFC 8943 `full-date` (`#6.1004("YYYY-MM-DD")`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

/// A date that does not exist or is outside years 1..=9999.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a calendar date in years 1..=9999 (expected YYYY-MM-DD)")]
pub struct InvalidDate;

impl Date {
    /// A validated date.
    ///
    /// # Errors
    /// [`InvalidDate`] if the day does not exist in that month or the year is out of range.
    pub fn new(year: u16, month: u8, day: u8) -> Result<Self, InvalidDate> {
        if !(1..=9999).contains(&year) || !(1..=12).contains(&month) || day == 0 {
            return Err(InvalidDate);
        }
        if day > days_in_month(year, month) {
            return Err(InvalidDate);
        }
        Ok(Self { year, month, day })
    }

    /// Parses exactly `YYYY-MM-DD` (RFC 3339 `full-date`).
    ///
    /// # Errors
    /// [`InvalidDate`] on any other shape or a date that does not exist.
    pub fn parse(text: &str) -> Result<Self, InvalidDate> {
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(InvalidDate);
        }
        let num = |range: core::ops::Range<usize>| -> Result<u16, InvalidDate> {
            let mut v: u16 = 0;
            for &c in &b[range] {
                if !c.is_ascii_digit() {
                    return Err(InvalidDate);
                }
                v = v * 10 + u16::from(c - b'0');
            }
            Ok(v)
        };
        let month = u8::try_from(num(5..7)?).map_err(|_| InvalidDate)?;
        let day = u8::try_from(num(8..10)?).map_err(|_| InvalidDate)?;
        Self::new(num(0..4)?, month, day)
    }

    /// The year.
    #[must_use]
    pub const fn year(self) -> u16 {
        self.year
    }

    /// The month, 1..=12.
    #[must_use]
    pub const fn month(self) -> u8 {
        self.month
    }

    /// The day of the month, 1..=31.
    #[must_use]
    pub const fn day(self) -> u8 {
        self.day
    }

    /// 00:00 of this date in China Standard Time (UTC+8). Dates before 1970-01-02 map to the
    /// epoch, the earliest instant the formats can carry.
    #[must_use]
    pub fn start_in_china(self) -> UnixTime {
        let days = self.days_since_epoch();
        let secs = days.saturating_mul(i64::from(86_400_i32)) - 8 * 3600;
        UnixTime(u64::try_from(secs).unwrap_or(0))
    }

    /// The day after this one (saturating at 9999-12-31).
    #[must_use]
    pub fn next_day(self) -> Self {
        let days = self.days_since_epoch() + 1;
        let next = Self::from_days_since_epoch_signed(days);
        if next.year > 9999 { self } else { next }
    }

    /// Seconds from the epoch to 00:00 UTC of this date (negative before 1970).
    #[cfg(feature = "gm")]
    pub(crate) fn midnight_utc_secs(self) -> i64 {
        self.days_since_epoch() * 86_400
    }

    fn days_since_epoch(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let (m, d) = (i64::from(self.month), i64::from(self.day));
        let y = i64::from(self.year) - i64::from(m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    fn from_days_since_epoch(days: u64) -> Self {
        Self::from_days_since_epoch_signed(i64::try_from(days).unwrap_or(i64::MAX / 2))
    }

    fn from_days_since_epoch_signed(days: i64) -> Self {
        // Howard Hinnant's civil_from_days; the casts below are bounded by the algorithm.
        let z = days.clamp(-719_468, 2_932_896) + 719_468; // 0000-03-01 ..= 9999-12-31
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Self {
            year: u16::try_from(year.clamp(1, 9999)).unwrap_or(1),
            month: u8::try_from(month).unwrap_or(1),
            day: u8::try_from(day).unwrap_or(1),
        }
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        _ => 28,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// The clock could not give a trustworthy time; verification must not proceed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClockError {
    /// The OS clock is set before 1970.
    #[error("the system clock is before the Unix epoch")]
    BeforeEpoch,
    /// A host-provided clock (e.g. through the bindings) reported that it has no time.
    #[error("the clock has no trustworthy time")]
    Unavailable,
}

/// A source of the current time. Implement it to supply network or secure-hardware time.
pub trait Clock: Send + Sync {
    /// The current time, or an error — never a guess.
    ///
    /// # Errors
    /// [`ClockError`] when no trustworthy time is available.
    fn now(&self) -> Result<UnixTime, ClockError>;
}

/// The operating system's wall clock: the only place in the library that reads it.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one sanctioned reader of the OS clock
    fn now(&self) -> Result<UnixTime, ClockError> {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| UnixTime(d.as_secs()))
            .map_err(|_| ClockError::BeforeEpoch)
    }
}

/// A clock stopped at one instant: for tests, test vectors and replaying history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixedClock(pub UnixTime);

impl Clock for FixedClock {
    fn now(&self) -> Result<UnixTime, ClockError> {
        Ok(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_through_days() {
        for text in [
            "1970-01-01",
            "2000-02-29",
            "2024-12-31",
            "1949-10-01",
            "9999-12-31",
        ] {
            let d = Date::parse(text).unwrap();
            assert_eq!(d.to_string(), text);
            assert_eq!(Date::from_days_since_epoch_signed(d.days_since_epoch()), d);
        }
    }

    #[test]
    fn invalid_dates_are_rejected() {
        for text in [
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-04-31",
            "0000-01-01",
            "2024-1-01",
            "2024/01/01",
            "20240101",
            "２０２４-01-01",
        ] {
            assert_eq!(Date::parse(text), Err(InvalidDate), "{text}");
        }
    }

    #[test]
    fn china_day_boundaries() {
        let d = Date::new(2026, 11, 21).unwrap();
        let start = d.start_in_china();
        // 2026-11-21T00:00+08:00 = 2026-11-20T16:00Z
        assert_eq!(start.to_string(), "2026-11-20T16:00:00Z");
        assert_eq!(start.date_in_china(), d);
        assert_eq!(
            start.saturating_sub(1).date_in_china(),
            Date::new(2026, 11, 20).unwrap()
        );
        assert_eq!(d.next_day(), Date::new(2026, 11, 22).unwrap());
    }

    #[test]
    fn rfc3339_times_parse_with_any_offset_and_round_trip() {
        let t = UnixTime::from_secs(1_790_000_000);
        assert_eq!(t.to_string().parse::<UnixTime>(), Ok(t));
        for (text, secs) in [
            ("1970-01-01T00:00:00Z", 0),
            ("2026-12-05T09:30:00+08:00", 1_796_434_200),
            ("2026-12-05T01:30:00.999z", 1_796_434_200),
            ("2026-12-04t20:30:00-05:00", 1_796_434_200),
            ("2016-12-31T23:59:60Z", 1_483_228_799),
        ] {
            assert_eq!(text.parse(), Ok(UnixTime::from_secs(secs)), "{text}");
        }
        for text in [
            "1969-12-31T23:59:59Z",
            "1970-01-01T08:00:00+08:01",
            "2026-12-05 09:30:00Z",
            "2026-12-05T09:30:00",
            "2026-12-05T24:00:00Z",
            "2026-12-05T09:60:00Z",
            "2026-12-05T09:30:00.Z",
            "2026-12-05T09:30:00+0800",
            "2026-12-05T09:30:00+08:00 ",
            "2026-02-30T09:30:00Z",
            "1796463000",
            "",
        ] {
            assert_eq!(text.parse::<UnixTime>(), Err(InvalidTime), "{text}");
        }
    }

    #[test]
    fn fixed_clock_returns_its_time() {
        let t = UnixTime::from_secs(1_790_000_000);
        assert_eq!(FixedClock(t).now(), Ok(t));
        assert!(SystemClock.now().unwrap() > UnixTime::from_secs(1_700_000_000));
    }
}
