//! National seals and stamps (feature `gm`): GB/T 38540 verification against the trust
//! store, in the standard's order, with the same per-check [`Report`] as our COSE stamps.
//!
//! Stamp: the signer's signature over the received `TBS_Sign` (10a); the signer's
//! certificate listed in the seal (10b); the maker's signature over the seal and the maker's
//! certificate trusted for [`Role::SealMaker`] (10c); the signing time inside the seal's
//! validity (10d); the seal's status (10e: national seals carry no status reference, so it
//! is skipped); the signer's certificate trusted for [`Role::StampSigner`] at the signing
//! time (10g, GB/T 38540 step 5); the signed data's SM3 digest (10f).
//!
//! The maker's certificate is checked for trust at the seal's creation; a seal created
//! outside that certificate's validity is accepted with a warning, as the verifiers agencies
//! run accept it (the GM/T 0031-2025 sample seals are made so), since the seal's own validity
//! window is what 10d enforces.

use super::report::{Check, Outcome, Report, SkipReason, VerifyError};
use super::{Rejected, VerificationContext, Verified, Verifier, conclude};
use crate::crypto::{PublicKey, sha256, sm3};
use crate::gm::{Deviation, NationalSeal, NationalStamp, SignerList};
use crate::time::UnixTime;
use crate::trust::x509::{
    ValidatedChain, certificate_key, certificate_validity, signed_with_null_parameters,
    validate_chain,
};
use crate::trust::{ChainError, Role};

/// Something irregular about a national seal or stamp that does not make it invalid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NationalWarning {
    /// The producer departed from the standard in a way the signature covers.
    Deviation(Deviation),
    /// The seal was created outside its maker certificate's validity.
    SealCreatedOutsideMakerCertificate,
}

impl core::fmt::Display for NationalWarning {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Deviation(d) => f.write_str(d.describe()),
            Self::SealCreatedOutsideMakerCertificate => {
                f.write_str("the seal was created outside its maker certificate's validity")
            }
        }
    }
}

/// A national seal that passed every check.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedNationalSeal {
    /// The seal, with its picture for display.
    pub seal: NationalSeal,
    /// The maker's certificate subject and the anchor it is trusted through.
    pub maker: String,
}

/// A national stamp that passed every check.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedNationalStamp {
    /// 签章时间, as the signer claims it.
    pub signed_at: UnixTime,
    /// 原文属性 (in OFD, the path of the `Signature.xml` signed).
    pub property_info: String,
    /// The signer's certificate subject and the anchor it is trusted through.
    pub signer: String,
    /// The seal stamped with, with its picture.
    pub seal: VerifiedNationalSeal,
}

impl Verifier {
    /// Verifies a GB/T 38540 seal (`SESeal`, versions 1, 4 and 5) at `ctx.now`: the maker's
    /// signature, the maker's certificate trusted for [`Role::SealMaker`], and the seal valid
    /// at `ctx.now`.
    ///
    /// # Errors
    /// [`Rejected`] with the report; the failed check says why.
    pub fn verify_national_seal(
        &self,
        bytes: &[u8],
        ctx: &VerificationContext,
    ) -> Result<Verified<VerifiedNationalSeal>, Rejected> {
        let mut report = Report::new(&Check::NATIONAL_SEAL);
        let result = self
            .trust_bundle_check(ctx.now, &mut report)
            .and_then(|()| {
                let seal = NationalSeal::decode(bytes, &self.limits)?;
                report.set(Check::Decode, Outcome::Passed);
                let verified = self.national_seal(seal, &mut report, ctx.now)?;
                let info = &verified.seal.info.property;
                if ctx.now < info.valid_from || ctx.now > info.valid_until {
                    return Err(VerifyError::SealNotValid {
                        signed_at: ctx.now,
                        now: ctx.now,
                    });
                }
                report.set(Check::SealValidity, Outcome::Passed);
                report.set(
                    Check::SealStatus,
                    Outcome::Skipped(SkipReason::NoStatusClaim),
                );
                Ok(verified)
            });
        conclude(report, result.map(|value| (value, None)))
    }

    /// Verifies a GB/T 38540 stamp (`SES_Signature`) over `signed_data` (the bytes whose SM3
    /// digest it carries: in OFD, the `Signature.xml`), in the standard's order.
    ///
    /// # Errors
    /// [`Rejected`] with the report; the failed check says why.
    pub fn verify_national_stamp(
        &self,
        bytes: &[u8],
        signed_data: &[u8],
        ctx: &VerificationContext,
    ) -> Result<Verified<VerifiedNationalStamp>, Rejected> {
        let mut report = Report::new(&Check::NATIONAL_STAMP);
        let result = self
            .trust_bundle_check(ctx.now, &mut report)
            .and_then(|()| self.run_national_stamp(bytes, signed_data, ctx, &mut report));
        conclude(report, result.map(|value| (value, None)))
    }

    fn run_national_stamp(
        &self,
        bytes: &[u8],
        signed_data: &[u8],
        ctx: &VerificationContext,
        report: &mut Report,
    ) -> Result<VerifiedNationalStamp, VerifyError> {
        let stamp = NationalStamp::decode(bytes, &self.limits)?;
        report.set(Check::Decode, Outcome::Passed);

        // 10a: the signer's signature over TBS_Sign as received.
        let signer_key = note_deviations(&stamp.deviations, &stamp.signer_certificate, report)
            .map_err(VerifyError::SignerChain)?;
        if !stamp.signer_signature_verifies(&signer_key) {
            return Err(VerifyError::BadStampSignature);
        }
        report.set(Check::StampSignature, Outcome::Passed);

        // 10b: the seal lists the signer's certificate (itself, or its digest).
        if !lists(&stamp.seal.info.property.signers, &stamp.signer_certificate) {
            return Err(VerifyError::KeyNotAuthorised);
        }
        report.set(Check::SealAuthorisation, Outcome::Passed);

        // 10c: the seal itself.
        let signed_at = stamp.signed_at;
        let seal = self.national_seal(stamp.seal, report, ctx.now)?;

        // 10d: stamped inside the seal's validity, and not in the future.
        let property = &seal.seal.info.property;
        if signed_at < property.valid_from
            || signed_at > property.valid_until
            || signed_at > ctx.now.saturating_add(self.clock_skew)
        {
            return Err(VerifyError::SealNotValid {
                signed_at,
                now: ctx.now,
            });
        }
        report.set(Check::SealValidity, Outcome::Passed);
        report.set(
            Check::SealStatus,
            Outcome::Skipped(SkipReason::NoStatusClaim),
        );

        // 10g: the signer's certificate, trusted for stamping at the signing time.
        let chain = self.national_chain(
            &stamp.signer_certificate,
            Role::StampSigner,
            signed_at,
            ctx.now,
        )?;
        report.set(Check::SignerCertificate, Outcome::Passed);

        // 10f: the signed data.
        if stamp.data_hash != sm3(signed_data) {
            return Err(VerifyError::DocumentMismatch);
        }
        report.set(Check::DocumentDigest, Outcome::Passed);
        report.set_trusted_key(&chain.anchor);
        Ok(VerifiedNationalStamp {
            signed_at,
            property_info: stamp.property_info,
            signer: chain.describe(),
            seal,
        })
    }

    /// Check 10c for a national seal: the maker's signature and certificate.
    fn national_seal(
        &self,
        seal: NationalSeal,
        report: &mut Report,
        now: UnixTime,
    ) -> Result<VerifiedNationalSeal, VerifyError> {
        let maker_key = note_deviations(&seal.deviations, &seal.maker_certificate, report)
            .map_err(VerifyError::SealMakerChain)?;
        if !seal.maker_signature_verifies(&maker_key) {
            return Err(VerifyError::BadSealSignature);
        }
        let created = seal.info.property.created;
        let chain =
            match self.national_chain(&seal.maker_certificate, Role::SealMaker, created, now) {
                Err(VerifyError::SealMakerChain(ChainError::NotValidAt { index: 0, .. })) => {
                    // Made outside the maker certificate's validity: trusted as of the nearest
                    // instant it was valid, and reported.
                    let (not_before, not_after) = certificate_validity(&seal.maker_certificate)
                        .map_err(VerifyError::SealMakerChain)?;
                    let nearest = if created < not_before {
                        not_before
                    } else {
                        not_after
                    };
                    report.add_national([NationalWarning::SealCreatedOutsideMakerCertificate]);
                    self.national_chain(&seal.maker_certificate, Role::SealMaker, nearest, now)?
                }
                other => other?,
            };
        report.set(Check::SealMaker, Outcome::Passed);
        report.set_trusted_key(&chain.anchor);
        Ok(VerifiedNationalSeal {
            seal,
            maker: chain.describe(),
        })
    }

    /// The chain of a national certificate (leaf only: national files carry no
    /// intermediates) for `role` at `at`, and none of its keys revoked at `now`.
    pub(super) fn national_chain(
        &self,
        certificate: &[u8],
        role: Role,
        at: UnixTime,
        now: UnixTime,
    ) -> Result<ValidatedChain, VerifyError> {
        let wrap = |e| match role {
            Role::SealMaker => VerifyError::SealMakerChain(e),
            _ => VerifyError::SignerChain(e),
        };
        let chain = validate_chain(
            &[certificate],
            self.trust.x509_roots(),
            role,
            at,
            &self.limits,
        )
        .map_err(wrap)?;
        let check = match role {
            Role::SealMaker => Check::SealMaker,
            _ => Check::SignerCertificate,
        };
        if let Some(revoked) = chain
            .key_digests
            .iter()
            .find_map(|d| self.trust.revocation(d, now))
        {
            return Err(VerifyError::KeyRevoked { check, revoked });
        }
        Ok(chain)
    }
}

/// Reports a structure's deviations and its certificate's, and returns the certificate's key.
pub(super) fn note_deviations(
    deviations: &[Deviation],
    certificate: &[u8],
    report: &mut Report,
) -> Result<PublicKey, ChainError> {
    report.add_national(deviations.iter().map(|d| NationalWarning::Deviation(*d)));
    let key = certificate_key(certificate)?;
    if signed_with_null_parameters(certificate) {
        report.add_national([NationalWarning::Deviation(
            Deviation::AlgorithmWithNullParameters,
        )]);
    }
    Ok(key)
}

/// Whether `list` names `certificate`: byte for byte, or by an SM3 or SHA-256 digest.
fn lists(list: &SignerList, certificate: &[u8]) -> bool {
    match list {
        SignerList::Certificates(certs) => certs.iter().any(|c| c == certificate),
        SignerList::Digests(digests) => digests.iter().any(|d| {
            let kind = d.kind.to_ascii_uppercase().replace('-', "");
            match kind.as_str() {
                "SM3" => d.value == sm3(certificate),
                "SHA256" => d.value == sha256(certificate),
                _ => false,
            }
        }),
    }
}
