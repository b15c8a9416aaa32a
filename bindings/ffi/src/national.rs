//! National seals, stamps and OFD documents (feature `gm`): GB/T 38540 `SESeal` and
//! `SES_Signature` signed with SM2, and the signatures of an OFD package, verified offline
//! with the same per-check report as the other kinds.

use std::time::SystemTime;

use yinzheng::gm;
use yinzheng::verify::{self, OfdOutcome};

use crate::convert::{to_system, to_unix};
use crate::error::YinzhengError;
use crate::report::Report;
use crate::verifier::Verifier;

/// A national seal (`SESeal`) as verified.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NationalSealInfo {
    /// The structure's version: 1 (GM/T 0031-2014), 4 (GB/T 38540-2020) or 5.
    pub version: u32,
    /// esID, the seal's code.
    pub id: String,
    /// The seal maker's vendor id (`vid`).
    pub vendor: String,
    /// The seal type code.
    pub kind_code: u64,
    /// The seal's name.
    pub name: String,
    /// When it was made.
    pub created: SystemTime,
    /// First instant it may be used.
    pub valid_from: SystemTime,
    /// Last instant it may be used.
    pub valid_until: SystemTime,
    /// Picture type as written (`PNG`, `OFD`, `SVG`, …).
    pub picture_format: String,
    /// Picture bytes.
    pub picture: Vec<u8>,
    /// Printed width in millimetres.
    pub width_mm: u64,
    /// Printed height in millimetres.
    pub height_mm: u64,
    /// The maker's certificate subject and the anchor it is trusted through.
    pub maker: String,
}

impl From<&verify::VerifiedNationalSeal> for NationalSealInfo {
    fn from(v: &verify::VerifiedNationalSeal) -> Self {
        let info = &v.seal.info;
        Self {
            version: match v.seal.version {
                gm::SealVersion::V1 => 1,
                gm::SealVersion::V4 => 4,
                // V5, and any later edition reads as the latest known.
                _ => 5,
            },
            id: info.es_id.clone(),
            vendor: info.vendor.clone(),
            kind_code: info.property.seal_type,
            name: info.property.name.clone(),
            created: to_system(info.property.created),
            valid_from: to_system(info.property.valid_from),
            valid_until: to_system(info.property.valid_until),
            picture_format: info.picture.kind.clone(),
            picture: info.picture.data.clone(),
            width_mm: info.picture.width_mm,
            height_mm: info.picture.height_mm,
            maker: v.maker.clone(),
        }
    }
}

/// A national seal that passed every check.
#[derive(Debug, Clone, uniffi::Record)]
pub struct VerifiedNationalSeal {
    /// The seal, with its picture.
    pub seal: NationalSealInfo,
    /// Every check; the producer's deviations from the standard are among the warnings.
    pub report: Report,
}

/// A national stamp (`SES_Signature`) that passed every check.
#[derive(Debug, Clone, uniffi::Record)]
pub struct VerifiedNationalStamp {
    /// The seal stamped with.
    pub seal: NationalSealInfo,
    /// 签章时间, as the signer claims it.
    pub signed_at: SystemTime,
    /// 原文属性 (in OFD, the path of the `Signature.xml` signed).
    pub property_info: String,
    /// The signer's certificate subject and the anchor it is trusted through.
    pub signer: String,
    /// Every check.
    pub report: Report,
}

fn stamp_of(v: &verify::Verified<verify::VerifiedNationalStamp>) -> VerifiedNationalStamp {
    let value = v.value();
    VerifiedNationalStamp {
        seal: (&value.seal).into(),
        signed_at: to_system(value.signed_at),
        property_info: value.property_info.clone(),
        signer: value.signer.clone(),
        report: v.report().into(),
    }
}

/// An OFD digital signature (`Type="Sign"`, or an integrity list's) that passed every check.
#[derive(Debug, Clone, uniffi::Record)]
pub struct VerifiedOfdSignature {
    /// `SignedData` (GB/T 35275, carrying the certificate) or `Bare` (verified with a
    /// certificate pinned for the stamp-signer role).
    pub form: String,
    /// The signing time, as the signer claims it.
    pub signed_at: SystemTime,
    /// The signer's certificate subject and the anchor it is trusted through.
    pub signer: String,
    /// The signer's certificate (DER).
    pub signer_certificate: Vec<u8>,
    /// Every check.
    pub report: Report,
}

fn signature_of(v: &verify::Verified<verify::VerifiedOfdSignature>) -> VerifiedOfdSignature {
    let value = v.value();
    VerifiedOfdSignature {
        form: match value.form {
            verify::SignatureForm::Bare => "Bare",
            _ => "SignedData",
        }
        .to_owned(),
        signed_at: to_system(value.signed_at),
        signer: value.signer.clone(),
        signer_certificate: value.signer_certificate.clone(),
        report: v.report().into(),
    }
}

/// What a signature that stands was verified as.
#[derive(Debug, Clone, uniffi::Enum)]
pub enum OfdSigned {
    /// An electronic stamp (`Type="Seal"`).
    Stamp {
        /// The stamp, with its seal.
        stamp: VerifiedNationalStamp,
    },
    /// A digital signature (`Type="Sign"`).
    Signature {
        /// The signature.
        signature: VerifiedOfdSignature,
    },
}

impl From<&verify::OfdSigned> for OfdSigned {
    fn from(v: &verify::OfdSigned) -> Self {
        match v {
            verify::OfdSigned::Signature(s) => Self::Signature {
                signature: signature_of(s),
            },
            verify::OfdSigned::Stamp(s) => Self::Stamp { stamp: stamp_of(s) },
        }
    }
}

/// What became of one signature of an OFD.
#[derive(Debug, Clone, uniffi::Enum)]
pub enum OfdSignatureOutcome {
    /// Every reference matches and the signed value verifies.
    Valid {
        /// What it was verified as.
        signed: OfdSigned,
    },
    /// Valid; only its listing in `Signatures.xml` grew by later signatures.
    ChangedByLaterSignature {
        /// What it was verified as.
        signed: OfdSigned,
    },
    /// Files the signature covers changed after signing.
    ReferencesChanged {
        /// Their package paths.
        files: Vec<String>,
    },
    /// The signed value is not a valid stamp over this `Signature.xml`.
    Rejected {
        /// The check that failed.
        reason: String,
        /// Every check.
        report: Report,
    },
    /// The package does not hold what the signature describes, or the stamp names another
    /// `Signature.xml` or seal.
    Malformed {
        /// Why.
        reason: String,
    },
    /// A kind of signature this version does not verify: not valid.
    Unsupported {
        /// Which kind.
        reason: String,
    },
}

/// One signature of an OFD and its outcome.
#[derive(Debug, Clone, uniffi::Record)]
pub struct OfdSignatureVerdict {
    /// The entry's `ID` in `Signatures.xml`.
    pub id: String,
    /// `Seal` or `Sign`.
    pub kind: String,
    /// The package path of its `Signature.xml`.
    pub location: String,
    /// Whether it stands (valid, or changed only by a later signature).
    pub stands: bool,
    /// What became of it.
    pub outcome: OfdSignatureOutcome,
}

/// What became of an OFD's GM/T 0099 integrity list (`OFDEntries.xml`).
#[derive(Debug, Clone, uniffi::Enum)]
pub enum OfdIntegrityOutcome {
    /// Its signature verifies and every file of the package is on it.
    Valid {
        /// The list's signature.
        signature: VerifiedOfdSignature,
    },
    /// Files in the package the list does not name (smuggled in, 夹带).
    Unlisted {
        /// Their package paths.
        files: Vec<String>,
    },
    /// Files the list names that the package does not hold.
    Missing {
        /// Their package paths.
        files: Vec<String>,
    },
    /// Its signed value is not a valid signature over it.
    Rejected {
        /// The check that failed.
        reason: String,
        /// Every check.
        report: Report,
    },
    /// The list is malformed, or its signed value absent.
    Malformed {
        /// Why.
        reason: String,
    },
}

impl From<&verify::IntegrityOutcome> for OfdIntegrityOutcome {
    fn from(v: &verify::IntegrityOutcome) -> Self {
        match v {
            verify::IntegrityOutcome::Valid(s) => Self::Valid {
                signature: signature_of(s),
            },
            verify::IntegrityOutcome::Unlisted(files) => Self::Unlisted {
                files: files.clone(),
            },
            verify::IntegrityOutcome::Missing(files) => Self::Missing {
                files: files.clone(),
            },
            verify::IntegrityOutcome::Rejected(r) => Self::Rejected {
                reason: r.error().to_string(),
                report: r.report().into(),
            },
            verify::IntegrityOutcome::Malformed(e) => Self::Malformed {
                reason: e.to_string(),
            },
            _ => Self::Malformed {
                reason: "an outcome these bindings do not know".to_owned(),
            },
        }
    }
}

/// Every signature of an OFD, in document order.
#[derive(Debug, Clone, uniffi::Record)]
pub struct OfdVerdict {
    /// Whether the package holds at least one signature or an integrity list, and every one
    /// stands.
    pub valid: bool,
    /// One per signature.
    pub signatures: Vec<OfdSignatureVerdict>,
    /// The integrity list's outcome, when the package has one.
    pub integrity: Option<OfdIntegrityOutcome>,
}

impl From<&verify::OfdSignatureVerdict> for OfdSignatureVerdict {
    fn from(v: &verify::OfdSignatureVerdict) -> Self {
        let outcome = match &v.outcome {
            OfdOutcome::Valid(s) => OfdSignatureOutcome::Valid {
                signed: s.as_ref().into(),
            },
            OfdOutcome::ChangedByLaterSignature(s) => {
                OfdSignatureOutcome::ChangedByLaterSignature {
                    signed: s.as_ref().into(),
                }
            }
            OfdOutcome::ReferencesChanged(files) => OfdSignatureOutcome::ReferencesChanged {
                files: files.clone(),
            },
            OfdOutcome::Rejected(r) => OfdSignatureOutcome::Rejected {
                reason: r.error().to_string(),
                report: r.report().into(),
            },
            OfdOutcome::Malformed(e) => OfdSignatureOutcome::Malformed {
                reason: e.to_string(),
            },
            OfdOutcome::Inconsistent(why) => OfdSignatureOutcome::Malformed {
                reason: (*why).to_owned(),
            },
            OfdOutcome::Unsupported(why) => OfdSignatureOutcome::Unsupported {
                reason: (*why).to_owned(),
            },
            _ => OfdSignatureOutcome::Unsupported {
                reason: "an outcome these bindings do not know".to_owned(),
            },
        };
        Self {
            id: v.entry.id.clone(),
            kind: match v.entry.kind {
                gm::ofd::SignatureKind::Seal => "Seal".to_owned(),
                gm::ofd::SignatureKind::Sign => "Sign".to_owned(),
            },
            location: v.entry.location.clone(),
            stands: v.outcome.stands(),
            outcome,
        }
    }
}

#[uniffi::export]
impl Verifier {
    /// Verifies a GB/T 38540 seal (`SESeal`, versions 1, 4 and 5) as of `at`: the maker's SM2
    /// signature, the maker's certificate trusted for the seal-maker role, the seal valid.
    ///
    /// # Errors
    /// [`YinzhengError::Rejected`] with the failed check and the full report.
    pub fn verify_national_seal(
        &self,
        seal: Vec<u8>,
        at: SystemTime,
    ) -> Result<VerifiedNationalSeal, YinzhengError> {
        let ctx = verify::VerificationContext::at(to_unix(at)?);
        let verified = self.inner.verify_national_seal(&seal, &ctx)?;
        Ok(VerifiedNationalSeal {
            seal: verified.value().into(),
            report: verified.report().into(),
        })
    }

    /// Verifies a GB/T 38540 stamp (`SES_Signature`) over `signed_data` (in an OFD, the
    /// `Signature.xml` bytes) as of `at`, in the standard's order.
    ///
    /// # Errors
    /// [`YinzhengError::Rejected`] with the failed check and the full report.
    pub fn verify_national_stamp(
        &self,
        stamp: Vec<u8>,
        signed_data: Vec<u8>,
        at: SystemTime,
    ) -> Result<VerifiedNationalStamp, YinzhengError> {
        let ctx = verify::VerificationContext::at(to_unix(at)?);
        let verified = self
            .inner
            .verify_national_stamp(&stamp, &signed_data, &ctx)?;
        Ok(stamp_of(&verified))
    }

    /// Verifies an OFD digital signature value (`Type="Sign"`: a GB/T 35275 `SignedData`, or
    /// a bare SM2 signature checked with the certificates pinned for the stamp-signer role)
    /// over `signed_file` (its `Signature.xml`), claimed made at `signed_at`, as of `at`.
    ///
    /// # Errors
    /// [`YinzhengError::Rejected`] with the failed check and the full report.
    pub fn verify_ofd_signed_value(
        &self,
        value: Vec<u8>,
        signed_file: Vec<u8>,
        signed_at: Option<SystemTime>,
        at: SystemTime,
    ) -> Result<VerifiedOfdSignature, YinzhengError> {
        let ctx = verify::VerificationContext::at(to_unix(at)?);
        let signed_at = signed_at.map(to_unix).transpose()?;
        let verified = self
            .inner
            .verify_ofd_signed_value(&value, &signed_file, signed_at, &ctx)?;
        Ok(signature_of(&verified))
    }

    /// Verifies every signature of an OFD package (read within the default OFD limits) as of
    /// `at`.
    ///
    /// # Errors
    /// [`YinzhengError::InvalidInput`] if the package cannot be read or lists no signatures
    /// it can parse.
    pub fn verify_ofd(&self, ofd: Vec<u8>, at: SystemTime) -> Result<OfdVerdict, YinzhengError> {
        let ctx = verify::VerificationContext::at(to_unix(at)?);
        let verdict = self
            .inner
            .verify_ofd(&ofd, &gm::ofd::OfdLimits::DEFAULT, &ctx)
            .map_err(crate::error::invalid)?;
        Ok(verdict_of(&verdict))
    }
}

pub(crate) fn verdict_of(verdict: &verify::OfdVerdict) -> OfdVerdict {
    OfdVerdict {
        valid: verdict.is_valid(),
        signatures: verdict.signatures.iter().map(Into::into).collect(),
        integrity: verdict.integrity.as_ref().map(Into::into),
    }
}
