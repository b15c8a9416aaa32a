//! Stamp (电子签章) verification in the GB/T 38540 order: stamp signature → key authorised by
//! the seal → seal maker signature and trust → seal validity at the signing time → seal status
//! → document digest.

use super::authority::parse_key;
use super::envelope::{Authority, Envelope, ObjectKind};
use super::report::{Check, Outcome, Report, SkipReason, StatusOutcome, VerifyError};
use super::{Rejected, VerificationContext, Verified, Verifier, fail};
use crate::crypto::{PublicKey, sha256};
use crate::model::seal::{SHA256_ALG, Seal, StampClaims};
use crate::time::UnixTime;

/// A stamp that passed every check: the seal it was made with and what it says.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedStamp {
    /// The seal (its picture is what an app renders as the red stamp).
    pub seal: Seal,
    /// When the document was stamped.
    pub signed_at: UnixTime,
    /// The protection scope and document properties.
    pub property: String,
    /// The key that stamped.
    pub signer: PublicKey,
    /// The name of the trusted seal maker.
    pub seal_maker: String,
}

impl Verifier {
    /// Verifies a stamp over `document` with checks 10a–10f (and decoding first).
    ///
    /// # Errors
    /// [`Rejected`] with the failed check and the report.
    pub fn verify_stamp(
        &self,
        stamp: &[u8],
        document: &[u8],
        ctx: &VerificationContext,
    ) -> Result<Verified<VerifiedStamp>, Rejected> {
        let mut report = Report::new(&Check::STAMP);
        match self.run_stamp(stamp, document, ctx, &mut report) {
            Ok(value) => Ok(Verified {
                seal: Some(Box::new(value.seal.clone())),
                value,
                report,
            }),
            Err(error) => Err(fail(report, error)),
        }
    }

    fn run_stamp(
        &self,
        bytes: &[u8],
        document: &[u8],
        ctx: &VerificationContext,
        report: &mut Report,
    ) -> Result<VerifiedStamp, VerifyError> {
        let limits = &self.limits;
        self.trust_bundle_check(ctx.now, report)?;
        let (stamp_kind, seal_kind) = (ObjectKind::Stamp, ObjectKind::Seal);
        let stamp = Envelope::open(bytes, stamp_kind, limits).map_err(|e| e.reject(stamp_kind))?;
        let claims = StampClaims::decode(stamp.sign1.payload, limits)?;
        let seal_envelope =
            Envelope::open(claims.seal, seal_kind, limits).map_err(|e| e.reject(seal_kind))?;
        let seal = Seal::decode(seal_envelope.sign1.payload, limits)?;
        report.set(Check::Decode, Outcome::Passed);

        // 10a: the stamp signature, under the key the stamp carries.
        let alg = stamp.algorithm().map_err(|e| e.reject(stamp_kind))?;
        let signer = parse_key(alg, claims.signer_key).ok_or(VerifyError::BadStampSignature)?;
        if signer.key_id().as_bytes() != stamp.kid() {
            return Err(VerifyError::BadStampSignature);
        }
        let stamping = Authority::new("stamping key".to_owned(), None, signer);
        let signer = stamp
            .verify_named(stamping, &self.trust, ctx.now)
            .map_err(|e| e.reject(stamp_kind))?
            .key;
        report.set(Check::StampSignature, Outcome::Passed);

        // 10b: the seal authorises that key.
        if seal
            .authorised_keys
            .binary_search(&sha256(claims.signer_key))
            .is_err()
        {
            return Err(VerifyError::KeyNotAuthorised);
        }
        report.set(Check::SealAuthorisation, Outcome::Passed);

        // 10c: the seal maker is trusted and signed the seal as received.
        let maker = self.seal_maker(&seal_envelope, &seal, ctx.now)?;
        // A newer version of this seal from the same maker, held by the verifier, that
        // dropped the stamping key refuses it under every older version (10b again).
        let current = self
            .seals
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .current(&seal.id);
        if let Some(current) = current
            && super::seals::same_maker(&current.maker, &maker)
            && current.seal.created > seal.created
            && !current.authorises(&sha256(claims.signer_key))
        {
            return Err(VerifyError::SealSuperseded);
        }
        let maker = maker.name;
        report.set(Check::SealMaker, Outcome::Passed);

        // 10d: the seal was valid when the document was stamped (and that is not in the future).
        let (signed_at, now, skew) = (claims.signed_at, ctx.now, self.clock_skew);
        if signed_at < seal.valid_from
            || signed_at >= seal.valid_until
            || signed_at > now.saturating_add(skew)
        {
            return Err(VerifyError::SealNotValid { signed_at, now });
        }
        report.set(Check::SealValidity, Outcome::Passed);

        // 10e: the seal's own status, from a list signed for the seal's owner.
        let outcome = match &seal.status {
            None => Outcome::Skipped(SkipReason::NoStatusClaim),
            Some(reference) => self.status_check(
                reference,
                &seal.owner.code,
                now,
                report,
                |status| match status {
                    StatusOutcome::Revoked => VerifyError::SealRevoked,
                    StatusOutcome::Suspended => VerifyError::SealSuspended,
                    StatusOutcome::Unknown(reason) => VerifyError::SealStatusUnknown(reason),
                    StatusOutcome::Valid => {
                        VerifyError::SealStatusUnknown(super::UnknownStatus::NoList)
                    }
                },
            )?,
        };
        report.set(Check::SealStatus, outcome);

        // 10f: the document digest.
        if claims.digest_alg != SHA256_ALG || claims.digest != sha256(document) {
            return Err(VerifyError::DocumentMismatch);
        }
        report.set(Check::DocumentDigest, Outcome::Passed);
        report.set_trusted_key(&maker);
        Ok(VerifiedStamp {
            signed_at,
            property: claims.property.to_owned(),
            signer,
            seal_maker: maker,
            seal,
        })
    }
}
