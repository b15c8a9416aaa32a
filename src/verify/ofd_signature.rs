//! OFD digital signatures (feature `gm`): the value of a `Type="Sign"` signature, or of a
//! GM/T 0099 integrity list, is a GB/T 35275 `SignedData` or a bare SM2 signature.
//!
//! `SignedData`: its content must be the SM3 digest of the signed file (10f), each signer's
//! signature over that content verifies under the certificate it carries (10a), and that
//! certificate is trusted for [`Role::StampSigner`] at the signing time (10g). A bare
//! signature carries no certificate: it is verified over the signed file with the
//! certificates pinned for [`Role::StampSigner`], which is how a caller supplies the
//! signer's key — without one that verifies, the signature is unverifiable, never valid.
//!
//! The signing time is the signer's own claim (the `SignatureDateTime` the signature
//! covers); it may not be after the verification time (6).

use super::national::note_deviations;
use super::report::{Check, Outcome, Report, VerifyError};
use super::{Rejected, VerificationContext, Verified, Verifier, conclude};
use crate::crypto::{Algorithm, sm2_signature_from_der, sm3};
use crate::gm::{Deviation, SesError, SignedData};
use crate::time::UnixTime;
use crate::trust::Role;

/// How an OFD digital signature's value is carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureForm {
    /// A GB/T 35275 `SignedData` carrying the signer's certificate.
    SignedData,
    /// A bare SM2 signature over the signed file, verified with a pinned certificate.
    Bare,
}

/// An OFD digital signature that passed every check.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedOfdSignature {
    /// How the value was carried.
    pub form: SignatureForm,
    /// The signing time, as the signer claims it.
    pub signed_at: UnixTime,
    /// The signer's certificate subject and the anchor it is trusted through.
    pub signer: String,
    /// The signer's certificate (DER).
    pub signer_certificate: Vec<u8>,
}

impl Verifier {
    /// Verifies an OFD digital signature value `value` over `signed_file` (the
    /// `Signature.xml` bytes, or an integrity list's), claimed made at `signed_at` (`None`
    /// when the document gives no readable time, which is refused).
    ///
    /// # Errors
    /// [`Rejected`] with the report; the failed check says why.
    pub fn verify_ofd_signed_value(
        &self,
        value: &[u8],
        signed_file: &[u8],
        signed_at: Option<UnixTime>,
        ctx: &VerificationContext,
    ) -> Result<Verified<VerifiedOfdSignature>, Rejected> {
        let mut report = Report::new(&Check::OFD_SIGNATURE);
        let result = self
            .trust_bundle_check(ctx.now, &mut report)
            .and_then(|()| self.run_ofd_signature(value, signed_file, signed_at, ctx, &mut report));
        conclude(report, result.map(|value| (value, None)))
    }

    fn run_ofd_signature(
        &self,
        value: &[u8],
        signed_file: &[u8],
        signed_at: Option<UnixTime>,
        ctx: &VerificationContext,
        report: &mut Report,
    ) -> Result<VerifiedOfdSignature, VerifyError> {
        let signed_at = signed_at.ok_or(SesError::Malformed {
            field: "SignatureDateTime",
            problem: "absent, or not a date and time",
        })?;
        let verified = if let Some(bare) = bare_signature(value) {
            report.set(Check::Decode, Outcome::Passed);
            if bare.1 {
                report.add_national([super::NationalWarning::Deviation(Deviation::RawSignature)]);
            }
            self.bare_signature(&bare.0, signed_file, signed_at, ctx, report)?
        } else {
            let data = SignedData::decode(value, &self.limits)?;
            report.set(Check::Decode, Outcome::Passed);
            self.signed_data(&data, signed_file, signed_at, ctx, report)?
        };
        report.set(Check::DocumentDigest, Outcome::Passed);
        Ok(verified)
    }

    fn signed_data(
        &self,
        data: &SignedData,
        signed_file: &[u8],
        signed_at: UnixTime,
        ctx: &VerificationContext,
        report: &mut Report,
    ) -> Result<VerifiedOfdSignature, VerifyError> {
        report.add_national(
            data.deviations
                .iter()
                .map(|d| super::NationalWarning::Deviation(*d)),
        );
        let mut certificates = Vec::with_capacity(data.signers.len());
        for signer in &data.signers {
            let certificate = data
                .certificate_of(signer)
                .ok_or(VerifyError::NoSignerCertificate)?;
            let key =
                note_deviations(&[], certificate, report).map_err(VerifyError::SignerChain)?;
            if !signer.verifies(&key, &data.content) {
                return Err(VerifyError::BadStampSignature);
            }
            certificates.push(certificate);
        }
        let (first, others) = certificates
            .split_first()
            .ok_or(VerifyError::NoSignerCertificate)?;
        report.set(Check::StampSignature, Outcome::Passed);
        let verified =
            self.trusted_signer(SignatureForm::SignedData, first, signed_at, ctx, report)?;
        for other in others {
            self.national_chain(other, Role::StampSigner, signed_at, ctx.now)?;
        }
        if data.content != sm3(signed_file) {
            return Err(VerifyError::DocumentMismatch);
        }
        Ok(verified)
    }

    fn bare_signature(
        &self,
        signature: &[u8; 64],
        signed_file: &[u8],
        signed_at: UnixTime,
        ctx: &VerificationContext,
        report: &mut Report,
    ) -> Result<VerifiedOfdSignature, VerifyError> {
        let pinned = self
            .trust
            .x509_roots()
            .iter()
            .filter(|a| a.is_pinned() && a.roles().contains(Role::StampSigner))
            .find(|a| {
                a.public_key()
                    .verify(Algorithm::Sm2Sm3, signed_file, signature)
                    .is_ok()
            })
            .ok_or(VerifyError::NoSignerCertificate)?;
        report.set(Check::StampSignature, Outcome::Passed);
        // The signed file is what the signature is over: its digest is the signature's.
        self.trusted_signer(SignatureForm::Bare, pinned.der(), signed_at, ctx, report)
    }

    fn trusted_signer(
        &self,
        form: SignatureForm,
        certificate: &[u8],
        signed_at: UnixTime,
        ctx: &VerificationContext,
        report: &mut Report,
    ) -> Result<VerifiedOfdSignature, VerifyError> {
        if signed_at > ctx.now.saturating_add(self.clock_skew) {
            return Err(VerifyError::SignedInFuture {
                now: ctx.now,
                signed_at,
            });
        }
        report.set(Check::Validity, Outcome::Passed);
        let chain = self.national_chain(certificate, Role::StampSigner, signed_at, ctx.now)?;
        report.set(Check::SignerCertificate, Outcome::Passed);
        report.set_trusted_key(&chain.anchor);
        Ok(VerifiedOfdSignature {
            form,
            signed_at,
            signer: chain.describe(),
            signer_certificate: certificate.to_vec(),
        })
    }
}

/// A bare signature value: DER `SEQUENCE { r, s }`, or raw 64-byte `r‖s` (then `true`).
fn bare_signature(value: &[u8]) -> Option<([u8; 64], bool)> {
    if let Some(raw) = sm2_signature_from_der(value) {
        return Some((raw, false));
    }
    value.try_into().ok().map(|raw| (raw, true))
}
