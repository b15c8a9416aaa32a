//! The e-licence identifier (电子证照标识, GB/T 36904-2018) and the licence type code.

use core::fmt;

use crate::model::codes::{CodeError, Uscc, alnum_value, mod37_36_check, strict};

/// Root OID arc of e-licence identifiers (电子证照根代码).
pub const ROOT_ARC: &str = "1.2.156.3005.2";

/// Longest serial (流水号) accepted; observed serials are 7–32 characters.
pub const MAX_SERIAL_LEN: usize = 64;

/// A licence type (证照类型): a 21-character code — the 18-character USCC of the defining
/// authority (证照定义机构) plus a 3-digit sequence — and its name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CertificateType {
    code: String,
    name: String,
}

impl CertificateType {
    /// A type with a strictly checked code, e.g. `11100000000013338W032`.
    ///
    /// # Errors
    /// [`CodeError`] if the code's authority part is not a valid USCC, the sequence is not
    /// three digits, or the name is empty.
    pub fn new(code: &str, name: &str) -> Result<Self, CodeError> {
        if let (_, Some(err)) = Self::parse_code(code)? {
            return Err(err);
        }
        if name.trim().is_empty() {
            return Err(CodeError::Structure {
                part: "licence type name",
            });
        }
        Ok(Self {
            code: code.to_owned(),
            name: name.to_owned(),
        })
    }

    /// A type read from a signed certificate: the authority's check character may be wrong
    /// (reported beside the value), the structure may not.
    pub(crate) fn decode(code: &str, name: &str) -> Result<(Self, Option<CodeError>), CodeError> {
        let (_, check) = Self::parse_code(code)?;
        Ok((
            Self {
                code: code.to_owned(),
                name: name.to_owned(),
            },
            check,
        ))
    }

    fn parse_code(code: &str) -> Result<(Uscc, Option<CodeError>), CodeError> {
        if code.len() != 21 || !code.is_ascii() {
            return Err(CodeError::Length {
                expected: 21,
                found: code.chars().count(),
            });
        }
        let (authority, sequence) = code.split_at(18);
        if let Some(i) = sequence.bytes().position(|c| !c.is_ascii_digit()) {
            return Err(CodeError::Character { position: 18 + i });
        }
        Uscc::parse_lenient(authority)
    }

    /// The 21-character type code.
    #[must_use]
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The type name, e.g. 营业执照.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// An e-licence identifier:
/// `1.2.156.3005.2.<type code 21>.<issuer USCC 18>.<serial>.<version 3>.<check>`, with an
/// ISO/IEC 7064 MOD 37,36 check character over the four middle parts concatenated.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CertificateId(String);

impl CertificateId {
    /// Builds the identifier for a licence, computing the check character.
    ///
    /// # Errors
    /// [`CodeError::Structure`] if the serial is empty, longer than [`MAX_SERIAL_LEN`] or not
    /// `[0-9A-Z]`, or the version is not three digits.
    pub fn new(
        kind: &CertificateType,
        issuer: &Uscc,
        serial: &str,
        version: &str,
    ) -> Result<Self, CodeError> {
        check_serial(serial)?;
        check_version(version)?;
        let body = [kind.code(), issuer.as_str(), serial, version];
        let check = mod37_36_check(body.iter().flat_map(|part| part.bytes()))
            .ok_or(CodeError::Structure { part: "identifier" })?;
        Ok(Self(format!(
            "{ROOT_ARC}.{}.{}.{serial}.{version}.{check}",
            kind.code(),
            issuer.as_str()
        )))
    }

    /// Parses an identifier strictly: any other check character is an error.
    ///
    /// # Errors
    /// [`CodeError`] for a malformed identifier or a wrong check character.
    pub fn parse(text: &str) -> Result<Self, CodeError> {
        strict(Self::parse_lenient(text))
    }

    /// Parses an identifier whose structure is right, returning a check-character mismatch
    /// beside it (importing third-party identifiers warns instead of failing).
    ///
    /// # Errors
    /// [`CodeError`] for a malformed identifier.
    pub fn parse_lenient(text: &str) -> Result<(Self, Option<CodeError>), CodeError> {
        let rest = text
            .strip_prefix(ROOT_ARC)
            .and_then(|r| r.strip_prefix('.'))
            .ok_or(CodeError::Structure {
                part: "identifier root",
            })?;
        let mut parts = rest.split('.');
        let (Some(type_code), Some(issuer), Some(serial), Some(version), Some(check), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(CodeError::Structure {
                part: "identifier parts",
            });
        };
        CertificateType::parse_code(type_code)?;
        Uscc::parse_lenient(issuer)?;
        check_serial(serial)?;
        check_version(version)?;
        let found = match check.as_bytes() {
            [c] if alnum_value(*c).is_some() => char::from(*c),
            _ => {
                return Err(CodeError::Structure {
                    part: "check character",
                });
            }
        };
        let body = [type_code, issuer, serial, version];
        let expected = mod37_36_check(body.iter().flat_map(|part| part.bytes()))
            .ok_or(CodeError::Structure { part: "identifier" })?;
        let mismatch = (expected != found).then_some(CodeError::CheckCharacter { expected, found });
        Ok((Self(text.to_owned()), mismatch))
    }

    fn part(&self, index: usize) -> &str {
        self.0
            .get(ROOT_ARC.len() + 1..)
            .and_then(|rest| rest.split('.').nth(index))
            .unwrap_or("")
    }

    /// The licence type code part.
    #[must_use]
    pub fn type_code(&self) -> &str {
        self.part(0)
    }

    /// The issuing authority's USCC part.
    #[must_use]
    pub fn issuer_code(&self) -> &str {
        self.part(1)
    }

    /// The serial (流水号) part.
    #[must_use]
    pub fn serial(&self) -> &str {
        self.part(2)
    }

    /// The version (版本号) part.
    #[must_use]
    pub fn version(&self) -> &str {
        self.part(3)
    }

    /// The identifier text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn check_serial(serial: &str) -> Result<(), CodeError> {
    let ok = !serial.is_empty()
        && serial.len() <= MAX_SERIAL_LEN
        && serial.bytes().all(|c| alnum_value(c).is_some());
    ok.then_some(())
        .ok_or(CodeError::Structure { part: "serial" })
}

fn check_version(version: &str) -> Result<(), CodeError> {
    let ok = version.len() == 3 && version.bytes().all(|c| c.is_ascii_digit());
    ok.then_some(())
        .ok_or(CodeError::Structure { part: "version" })
}

impl fmt::Display for CertificateId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JILIN: &str = "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F";

    #[test]
    fn gb_t_36904_worked_example_accepts_only_its_check_character() {
        let id = CertificateId::parse(JILIN).unwrap();
        assert_eq!(id.type_code(), "11100000000013338W032");
        assert_eq!(id.issuer_code(), "11220000013544541J");
        assert_eq!(id.serial(), "2430599");
        assert_eq!(id.version(), "001");
        let stem = &JILIN[..JILIN.len() - 1];
        for c in ('0'..='9').chain('A'..='Z').filter(|&c| c != 'F') {
            let other = format!("{stem}{c}");
            assert_eq!(
                CertificateId::parse(&other),
                Err(CodeError::CheckCharacter {
                    expected: 'F',
                    found: c
                }),
                "{other}"
            );
            let (lenient, warning) = CertificateId::parse_lenient(&other).unwrap();
            assert_eq!(lenient.as_str(), other);
            assert!(warning.is_some());
        }
    }

    #[test]
    fn builds_the_same_identifier() {
        let kind =
            CertificateType::new("11100000000013338W032", "建筑施工特种作业人员操作资格证书")
                .unwrap();
        let issuer = Uscc::parse("11220000013544541J").unwrap();
        let id = CertificateId::new(&kind, &issuer, "2430599", "001").unwrap();
        assert_eq!(id.as_str(), JILIN);
        assert!(CertificateId::new(&kind, &issuer, "ab", "001").is_err());
        assert!(CertificateId::new(&kind, &issuer, "1", "01").is_err());
    }

    #[test]
    fn malformed_identifiers() {
        for text in [
            "1.2.156.3003.2.11100000000013338W032.11220000013544541J.2430599.001.F",
            "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001",
            "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.FF",
            "1.2.156.3005.2.11100000000013338W03.11220000013544541J.2430599.001.F",
            "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F.X",
            "1.2.156.3005.2.11100000000013338W032.11220000013544541J..001.F",
        ] {
            assert!(CertificateId::parse_lenient(text).is_err(), "{text}");
        }
    }

    #[test]
    fn type_codes_are_checked() {
        assert!(CertificateType::new("11100000000013338W032", "x").is_ok());
        assert!(CertificateType::new("11100000000013338X032", "x").is_err());
        assert!(CertificateType::new("11100000000013338W0A2", "x").is_err());
        assert!(CertificateType::new("11100000000013338W032", " ").is_err());
    }
}
