//! National codes with check characters: the unified social credit code (统一社会信用代码,
//! GB 32100-2015), the citizen identity number (公民身份号码, GB 11643-1999), and the
//! e-licence identifier's ISO/IEC 7064 MOD 37,36 check (GB/T 36904-2018).
//!
//! Parsing is strict by default. Identifiers issued by third parties sometimes carry a wrong
//! check character (early pilot codes did); [`Uscc::parse_lenient`] and friends accept those
//! and say so, so that importing can warn instead of fail.

use core::fmt;

/// Why a code is not valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CodeError {
    /// Wrong number of characters.
    #[error("expected {expected} characters, found {found}")]
    Length {
        /// Required length.
        expected: usize,
        /// Actual length in characters.
        found: usize,
    },
    /// A character outside the code's character set.
    #[error("invalid character at position {position}")]
    Character {
        /// Zero-based character position.
        position: usize,
    },
    /// The check character does not match.
    #[error("check character is {found}, expected {expected}")]
    CheckCharacter {
        /// The check character the other characters require.
        expected: char,
        /// The check character present.
        found: char,
    },
    /// The birth date inside a citizen identity number does not exist.
    #[error("birth date in identity number is not a calendar date")]
    BirthDate,
    /// A structural rule of the code (e.g. an identifier part or separator).
    #[error("malformed {part}")]
    Structure {
        /// Which part is malformed.
        part: &'static str,
    },
}

/// GB 32100 code set: digits and upper-case letters without I, O, Z, S, V.
const USCC_CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// A unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters, mod-31 check.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Uscc(String);

impl Uscc {
    /// Parses and checks a code, e.g. the standard's example `91350100M000100Y43`.
    ///
    /// # Errors
    /// [`CodeError`] for a wrong length, character or check character.
    pub fn parse(code: &str) -> Result<Self, CodeError> {
        strict(Self::parse_lenient(code))
    }

    /// Parses a code whose syntax is right, returning the check-character error beside it
    /// instead of failing (for importing third-party data).
    ///
    /// # Errors
    /// [`CodeError`] for a wrong length or character.
    pub fn parse_lenient(code: &str) -> Result<(Self, Option<CodeError>), CodeError> {
        let values: [u32; 18] = code_values(code, uscc_value)?;
        let sum: u32 = values[..17]
            .iter()
            .zip(USCC_WEIGHTS)
            .map(|(v, w)| v * w)
            .sum();
        let expected = (31 - sum % 31) % 31;
        let check = check_error(USCC_CHARSET, expected, values[17]);
        Ok((Self(code.to_owned()), check))
    }

    /// The code text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A citizen identity number (公民身份号码, GB 11643-1999): 17 digits and an ISO 7064
/// MOD 11-2 check character (`0`–`9` or `X`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ResidentId(String);

const ID_CHECK: &[u8; 11] = b"10X98765432";
const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

impl ResidentId {
    /// Parses and checks a number, e.g. the standard's example `11010519491231002X`.
    ///
    /// # Errors
    /// [`CodeError`] for a wrong length, character, birth date or check character.
    pub fn parse(number: &str) -> Result<Self, CodeError> {
        strict(Self::parse_lenient(number))
    }

    /// Like [`ResidentId::parse`] but returns a check-character mismatch beside the value.
    ///
    /// # Errors
    /// [`CodeError`] for a wrong length, character or birth date.
    pub fn parse_lenient(number: &str) -> Result<(Self, Option<CodeError>), CodeError> {
        let values: [u32; 18] = code_values(number, |c| match c {
            b'0'..=b'9' => Some(u32::from(c - b'0')),
            b'X' => Some(10),
            _ => None,
        })?;
        if let Some(position) = values[..17].iter().position(|&v| v > 9) {
            return Err(CodeError::Character { position });
        }
        let number_at =
            |range: core::ops::Range<usize>| values[range].iter().fold(0, |n, d| n * 10 + d);
        let birth = (
            u16::try_from(number_at(6..10)).ok(),
            u8::try_from(number_at(10..12)).ok(),
            u8::try_from(number_at(12..14)).ok(),
        );
        match birth {
            (Some(y), Some(m), Some(d)) if crate::time::Date::new(y, m, d).is_ok() => {}
            _ => return Err(CodeError::BirthDate),
        }
        let sum: u32 = values[..17]
            .iter()
            .zip(ID_WEIGHTS)
            .map(|(v, w)| v * w)
            .sum();
        let expected = char::from(ID_CHECK[usize::try_from(sum % 11).unwrap_or(0)]);
        let found = char::from(number.as_bytes()[17]);
        let check = (expected != found).then_some(CodeError::CheckCharacter { expected, found });
        Ok((Self(number.to_owned()), check))
    }

    /// The number text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A lenient parse made strict: a check-character mismatch becomes the error.
pub(crate) fn strict<T>(
    lenient: Result<(T, Option<CodeError>), CodeError>,
) -> Result<T, CodeError> {
    match lenient? {
        (value, None) => Ok(value),
        (_, Some(err)) => Err(err),
    }
}

/// Value of a GB 32100 character, from a table indexed by ASCII code.
fn uscc_value(c: u8) -> Option<u32> {
    const TABLE: [u8; 128] = {
        let mut table = [u8::MAX; 128];
        let mut i = 0;
        while i < USCC_CHARSET.len() {
            table[USCC_CHARSET[i] as usize] = i as u8;
            i += 1;
        }
        table
    };
    TABLE
        .get(usize::from(c))
        .filter(|&&v| v != u8::MAX)
        .map(|&v| u32::from(v))
}

/// Maps each character of an ASCII code of length `N` to its value, without allocating.
fn code_values<const N: usize>(
    code: &str,
    value: impl Fn(u8) -> Option<u32>,
) -> Result<[u32; N], CodeError> {
    if code.len() != N || !code.is_ascii() {
        let found = code.chars().count();
        if found != N {
            return Err(CodeError::Length { expected: N, found });
        }
        let position = code.chars().position(|c| !c.is_ascii()).unwrap_or(0);
        return Err(CodeError::Character { position });
    }
    let mut values = [0u32; N];
    for (position, (slot, c)) in values.iter_mut().zip(code.bytes()).enumerate() {
        *slot = value(c).ok_or(CodeError::Character { position })?;
    }
    Ok(values)
}

fn check_error(charset: &[u8], expected: u32, found: u32) -> Option<CodeError> {
    let ch = |v: u32| char::from(charset[usize::try_from(v).unwrap_or(0) % charset.len()]);
    (expected != found).then(|| CodeError::CheckCharacter {
        expected: ch(expected),
        found: ch(found),
    })
}

/// Value of a character in the ISO/IEC 7064 alphanumeric set: `0`–`9` → 0–9, `A`–`Z` → 10–35.
pub(crate) fn alnum_value(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        b'A'..=b'Z' => Some(u32::from(c - b'A') + 10),
        _ => None,
    }
}

/// ISO/IEC 7064 MOD 37,36 (hybrid system) check character over upper-case alphanumerics;
/// `None` if a character is outside `[0-9A-Z]`.
pub(crate) fn mod37_36_check(text: impl IntoIterator<Item = u8>) -> Option<char> {
    let mut p = 36;
    for c in text {
        let mut s = (p + alnum_value(c)?) % 36;
        if s == 0 {
            s = 36;
        }
        p = (2 * s) % 37;
    }
    let value = (37 - p) % 36;
    let ch = if value < 10 {
        b'0' + u8::try_from(value).ok()?
    } else {
        b'A' + u8::try_from(value - 10).ok()?
    };
    Some(char::from(ch))
}

/// The holder code type (持证主体代码类型代码, GB/T 36903 Appendix A).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HolderCodeType {
    /// `111` 公民身份号码 (citizen identity number).
    ResidentId,
    /// `001` 统一社会信用代码 (unified social credit code).
    Uscc,
    /// Another code from the standard's list (passports, permits, …), kept as its code.
    Other(String),
}

impl HolderCodeType {
    /// The three-character code.
    #[must_use]
    pub fn code(&self) -> &str {
        match self {
            Self::ResidentId => "111",
            Self::Uscc => "001",
            Self::Other(code) => code,
        }
    }

    /// The code type named by its code.
    #[must_use]
    pub fn from_code(code: &str) -> Self {
        match code {
            "111" => Self::ResidentId,
            "001" => Self::Uscc,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The Chinese name for display.
    #[must_use]
    pub fn label(&self) -> &str {
        match self {
            Self::ResidentId => "公民身份号码",
            Self::Uscc => "统一社会信用代码",
            Self::Other(code) => code,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gb_32100_worked_example() {
        assert!(Uscc::parse("91350100M000100Y43").is_ok());
        assert_eq!(
            Uscc::parse("91350100M000100Y4Z"),
            Err(CodeError::Character { position: 17 }) // Z is not in the code set
        );
        assert_eq!(
            Uscc::parse("91350100M000100Y44"),
            Err(CodeError::CheckCharacter {
                expected: '3',
                found: '4'
            })
        );
        // MOHURD and real issuer codes from the reference notes.
        for code in [
            "11100000000013338W",
            "11220000013544541J",
            "11430000006122244L",
            "91610800064834709T",
        ] {
            assert!(Uscc::parse(code).is_ok(), "{code}");
        }
        // An early pilot code with a wrong check is accepted leniently, with the error beside it.
        let (uscc, err) = Uscc::parse_lenient("91350100M0001TGQXM").unwrap();
        assert_eq!(uscc.as_str(), "91350100M0001TGQXM");
        assert!(matches!(err, Some(CodeError::CheckCharacter { .. })));
        assert_eq!(
            Uscc::parse("9135"),
            Err(CodeError::Length {
                expected: 18,
                found: 4
            })
        );
        assert_eq!(
            Uscc::parse("9135010０M000100Y43"),
            Err(CodeError::Character { position: 7 })
        );
    }

    #[test]
    fn gb_11643_worked_example() {
        assert!(ResidentId::parse("11010519491231002X").is_ok());
        assert!(ResidentId::parse("440524188001010014").is_ok());
        assert!(ResidentId::parse("13043419840726291X").is_ok());
        for wrong in "0123456789".chars() {
            let number = format!("11010519491231002{wrong}");
            assert_eq!(
                ResidentId::parse(&number),
                Err(CodeError::CheckCharacter {
                    expected: 'X',
                    found: wrong
                })
            );
        }
        assert_eq!(
            ResidentId::parse("11010519491331002X"),
            Err(CodeError::BirthDate)
        );
        assert_eq!(
            ResidentId::parse("1101051949123100XX"),
            Err(CodeError::Character { position: 16 })
        );
    }

    #[test]
    fn iso_7064_mod_37_36() {
        let body = "11100000000013338W03211220000013544541J2430599001";
        assert_eq!(mod37_36_check(body.bytes()), Some('F'));
        assert_eq!(
            mod37_36_check("11100000000013338W01111430000006122244L20230000403001".bytes()),
            Some('U')
        );
        assert_eq!(
            mod37_36_check("11100000000013338W00911330105002500287C2025052201002".bytes()),
            Some('0')
        );
        assert_eq!(mod37_36_check("abc".bytes()), None);
    }

    #[test]
    fn holder_code_types() {
        assert_eq!(HolderCodeType::from_code("111"), HolderCodeType::ResidentId);
        assert_eq!(HolderCodeType::from_code("001").label(), "统一社会信用代码");
        assert_eq!(HolderCodeType::from_code("414").code(), "414");
    }
}
