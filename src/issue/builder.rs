//! The [`CertificateBuilder`]: every required part in its constructor, optional parts by
//! chained calls, and the checks a request passes before anything is signed.

use crate::crypto::PublicKey;
use crate::limits::Limits;
use crate::model::{CertificateType, Field, FieldValue, Holder, StatusReference, Validity};
use crate::time::Date;

use super::IssueError;

/// Everything a certificate needs, then optional parts by chained calls.
///
/// The constructor takes every required part, so a certificate missing one does not
/// compile; content rules are checked when it is issued.
///
/// ```
/// use yinzheng::crypto::Ed25519SigningKey;
/// use yinzheng::issue::{CertificateBuilder, IssueError, Issuer};
/// use yinzheng::model::{Agency, CertificateType, Holder, ResidentId, Validity};
/// use yinzheng::time::{Date, UnixTime};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let day = Date::new(2026, 1, 5)?;
/// let birth = Date::new(1949, 12, 31)?;
/// let builder = CertificateBuilder::new(
///     CertificateType::new("11100000000013338W032", "建筑施工特种作业人员操作资格证书")?,
///     "吉A042012000939",
///     Holder::resident("李示例", &ResidentId::parse("11010519491231002X")?),
///     day,
///     Validity::days(day, Date::new(2032, 1, 4)?),
/// )
/// .field("操作类别", "建筑电工")
/// .disclosable_field("出生日期", birth)
/// .age_over(18, birth, day);
///
/// let agency = Agency::new("吉林省住房和城乡建设厅", "11220000013544541J")?;
/// let issuer = Issuer::new(agency, Ed25519SigningKey::from_seed(&[7; 32]));
/// let now = UnixTime::from_secs(1_790_000_000);
/// let issued = issuer.issue(builder.clone(), now)?;
/// assert!(issued.certificate().field("操作类别").is_some());
/// assert_eq!(issued.disclosures().len(), 2); // 出生日期 and age_over_18, each salted
///
/// // A repeated field name is refused before anything is signed.
/// let repeated = builder.field("操作类别", "焊工");
/// assert!(matches!(
///     issuer.issue(repeated, now),
///     Err(IssueError::DuplicateFieldName { .. })
/// ));
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct CertificateBuilder {
    pub(super) kind: CertificateType,
    pub(super) number: String,
    pub(super) holder: Holder,
    pub(super) issued_on: Date,
    pub(super) validity: Validity,
    pub(super) jurisdiction: Option<String>,
    pub(super) fields: Vec<Field>,
    pub(super) disclosable: Vec<Field>,
    pub(super) serial: Option<String>,
    pub(super) version: String,
    pub(super) decoys: Option<usize>,
    pub(super) status: Option<StatusReference>,
    pub(super) holder_key: Option<crate::model::DeviceKey>,
}

impl CertificateBuilder {
    /// A certificate of `kind` numbered `number` for `holder`, issued on `issued_on` and
    /// valid for `validity`.
    pub fn new(
        kind: CertificateType,
        number: impl Into<String>,
        holder: Holder,
        issued_on: Date,
        validity: Validity,
    ) -> Self {
        Self {
            kind,
            number: number.into(),
            holder,
            issued_on,
            validity,
            jurisdiction: None,
            fields: Vec::new(),
            disclosable: Vec::new(),
            serial: None,
            version: "001".to_owned(),
            decoys: None,
            status: None,
            holder_key: None,
        }
    }

    /// The jurisdiction (管辖属地), a GB/T 2260 region code such as `110000`.
    pub fn jurisdiction(mut self, region_code: impl Into<String>) -> Self {
        self.jurisdiction = Some(region_code.into());
        self
    }

    /// A face field that is always shown.
    pub fn field(mut self, name: impl Into<String>, value: impl Into<FieldValue>) -> Self {
        self.fields.push(Field::new(name, value));
        self
    }

    /// A face field the holder may reveal or withhold: signed as a salted digest.
    pub fn disclosable_field(
        mut self,
        name: impl Into<String>,
        value: impl Into<FieldValue>,
    ) -> Self {
        self.disclosable.push(Field::new(name, value));
        self
    }

    /// The identifier's serial (流水号, `[0-9A-Z]`, at most 64); by default 20 random
    /// characters.
    pub fn serial(mut self, serial: impl Into<String>) -> Self {
        self.serial = Some(serial.into());
        self
    }

    /// The identifier's version (版本号, three digits); `001` unless set.
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// Where the certificate's status will be published (an index allocated by a status
    /// registry). An issuer with a registry sets this itself.
    pub fn status(mut self, reference: StatusReference) -> Self {
        self.status = Some(reference);
        self
    }

    /// Binds the certificate to the holder's device key (`cnf`): it can then only be
    /// presented (亮证) with a presentation that key signs, so a copied certificate or a
    /// screenshot of its QR code is useless. Phones' secure hardware holds P-256 keys.
    pub fn holder_key(mut self, key: &PublicKey) -> Self {
        // `to_bytes` always has one of the two forms `from_key_bytes` reads.
        self.holder_key = crate::model::DeviceKey::from_key_bytes(&key.to_bytes());
        self
    }

    /// Adds the disclosable predicate `age_over_{years}` (true or false on `on`, from the
    /// holder's birth date), so a holder can prove an age without revealing the birth date.
    pub fn age_over(self, years: u16, birth: Date, on: Date) -> Self {
        let reached = Date::new(birth.year() + years, birth.month(), birth.day())
            .or_else(|_| Date::new(birth.year() + years, 3, 1))
            .is_ok_and(|day| day <= on);
        self.disclosable_field(format!("age_over_{years}"), reached)
    }

    /// How many decoy digests to add. By default the digest count is padded to the next
    /// multiple of 4, so a verifier learns only a range for the number of hidden fields
    /// (and a QR code does not carry more digests than it must).
    pub fn decoys(mut self, count: usize) -> Self {
        self.decoys = Some(count);
        self
    }

    pub(super) fn check(&self, limits: &Limits) -> Result<(), IssueError> {
        if self.number.trim().is_empty() {
            return Err(IssueError::EmptyNumber);
        }
        if let Some(err) = self.holder.check_code().map_err(IssueError::HolderCode)? {
            return Err(IssueError::HolderCode(err));
        }
        if self
            .validity
            .not_after
            .is_some_and(|end| end <= self.validity.not_before)
        {
            return Err(IssueError::EmptyValidity);
        }
        let all: Vec<&Field> = self.fields.iter().chain(&self.disclosable).collect();
        if all.len() > limits.max_fields {
            return Err(IssueError::TooManyFields {
                count: all.len(),
                limit: limits.max_fields,
            });
        }
        for (index, field) in all.iter().enumerate() {
            if field.name.is_empty() {
                return Err(IssueError::EmptyFieldName { index });
            }
            if all[..index].iter().any(|f| f.name == field.name) {
                return Err(IssueError::DuplicateFieldName { index });
            }
            field
                .value
                .check(limits, 1)
                .map_err(|problem| IssueError::InvalidValue { index, problem })?;
        }
        Ok(())
    }
}
