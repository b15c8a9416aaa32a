//! Presentations (亮证): check 8, holder binding, around checks 1–7 and 9 of the certificate
//! inside.
//!
//! ```text
//! QR text ─▶ presentation COSE_Sign1 (typ) ─▶ claims (iat < exp ≤ iat + 300 s)
//!         ─▶ the certificate inside: checks 1–7 (only revealed items travel)
//!         ─8 signature by the certificate's cnf key over the received bytes, iat ≤ now + skew,
//!            now < exp + skew, nonce = the verifier's, audience, not seen before─▶
//!         ─9 status─▶ Verified<Presentation>
//! ```

use std::collections::HashMap;
use std::sync::Mutex;

use super::envelope::{Authority, Envelope, ObjectKind};
use super::report::{Check, Outcome, Report, SkipReason, VerifyError};
use super::{Rejected, VerificationContext, Verified, Verifier, fail};
use crate::crypto::{PublicKey, sha256};
use crate::encoding::qr;
use crate::model::Certificate;
use crate::model::presentation::PresentationClaims;
use crate::time::UnixTime;

/// A presentation that passed every check.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Presentation {
    /// The certificate, with only the fields the holder revealed.
    pub certificate: Certificate,
    /// When the holder's device signed it.
    pub issued_at: UnixTime,
    /// When it stops being accepted.
    pub expires_at: UnixTime,
    /// Who it was addressed to, if anyone.
    pub audience: Option<String>,
    /// Purpose of use (用证事由), if stated.
    pub purpose: Option<String>,
    /// Whether it carried the nonce this verifier asked for.
    pub nonce_checked: bool,
}

/// Remembers presentations verified within their lifetime, so a replayed one is refused.
/// Keyed on what the device signed (the SHA-256 of the `Sig_structure`), never on the
/// signature bytes: an ES256 signature has two valid forms, so a replay with the other one is
/// still the same presentation. Bounded: when full of unexpired entries, new presentations
/// are refused rather than let through unremembered.
#[derive(Debug)]
pub struct ReplayCache {
    capacity: usize,
    seen: Mutex<HashMap<[u8; 32], UnixTime>>,
}

impl ReplayCache {
    /// A cache for at most `capacity` unexpired presentations.
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Records `id` until `until`; refuses one already recorded and unexpired at `now`.
    fn check_and_insert(
        &self,
        id: [u8; 32],
        until: UnixTime,
        now: UnixTime,
    ) -> Result<(), VerifyError> {
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if seen.get(&id).is_some_and(|exp| *exp > now) {
            return Err(VerifyError::Replayed);
        }
        if seen.len() >= self.capacity {
            seen.retain(|_, exp| *exp > now);
            if seen.len() >= self.capacity {
                return Err(VerifyError::ReplayCacheFull);
            }
        }
        seen.insert(id, until);
        Ok(())
    }
}

/// The received presentation around the certificate.
pub(super) struct Presented<'a> {
    envelope: Envelope<'a>,
    claims: PresentationClaims<'a>,
}

impl Verifier {
    /// Verifies a presentation from its QR text (`YZ1:`/`YZ2:`).
    ///
    /// # Errors
    /// [`Rejected`] with the failed check and the report.
    pub fn verify_presentation_qr(
        &self,
        text: &str,
        ctx: &VerificationContext,
    ) -> Result<Verified<Presentation>, Rejected> {
        match qr::from_qr_text(text, &self.limits) {
            Ok(bytes) => self.verify_presentation(&bytes, ctx),
            Err(e) => Err(fail(Report::new(&Check::CERTIFICATE), e.into())),
        }
    }

    /// Verifies a presentation (亮证): the certificate inside with checks 1–7 and 9, and
    /// check 8 (device signature, freshness, nonce, audience, replay).
    ///
    /// # Errors
    /// [`Rejected`] with the failed check and the report.
    pub fn verify_presentation(
        &self,
        bytes: &[u8],
        ctx: &VerificationContext,
    ) -> Result<Verified<Presentation>, Rejected> {
        let mut report = Report::new(&Check::CERTIFICATE);
        let presented = match self.decode_presentation(bytes) {
            Ok(p) => p,
            Err(error) => return Err(fail(report, error)),
        };
        match self.run(
            presented.claims.certificate,
            ctx,
            &mut report,
            Some(&presented),
        ) {
            Ok((certificate, seal)) => {
                let c = &presented.claims;
                Ok(Verified {
                    value: Presentation {
                        certificate,
                        issued_at: c.issued_at,
                        expires_at: c.expires_at,
                        audience: c.audience.map(str::to_owned),
                        purpose: c.purpose.map(str::to_owned),
                        nonce_checked: ctx.nonce.is_some(),
                    },
                    report,
                    seal,
                })
            }
            Err(error) => Err(fail(report, error)),
        }
    }

    fn decode_presentation<'a>(&self, bytes: &'a [u8]) -> Result<Presented<'a>, VerifyError> {
        let kind = ObjectKind::Presentation;
        let envelope = Envelope::open(bytes, kind, &self.limits).map_err(|e| e.reject(kind))?;
        let claims = PresentationClaims::decode(envelope.sign1.payload, &self.limits)?;
        Ok(Presented { envelope, claims })
    }

    /// Check 8. Without a presentation: skipped for an unbound certificate, refused for a
    /// bound one (unless allowed). With one: the device signature and the rest.
    pub(super) fn holder_binding(
        &self,
        certificate: &Certificate,
        presented: Option<&Presented<'_>>,
        ctx: &VerificationContext,
    ) -> Result<Outcome, VerifyError> {
        let Some(p) = presented else {
            return match certificate.holder_key {
                None => Ok(Outcome::Skipped(SkipReason::NotHolderBound)),
                Some(_) if self.allow_static_holder_bound => {
                    Ok(Outcome::Allowed(VerifyError::PresentationRequired))
                }
                Some(_) => Err(VerifyError::PresentationRequired),
            };
        };
        let device_key = certificate
            .holder_key
            .as_ref()
            .ok_or(VerifyError::NotHolderBound)?;
        let key = PublicKey::from_bytes(&device_key.key_bytes())
            .map_err(|_| VerifyError::BadDeviceSignature)?;
        if p.envelope.kid() != key.key_id().as_bytes() {
            return Err(VerifyError::BadDeviceSignature);
        }
        let device = Authority::new("holder device".to_owned(), None, key);
        p.envelope
            .verify_named(device, &self.trust, ctx.now)
            .map_err(|e| e.reject(ObjectKind::Presentation))?;

        let (now, skew, c) = (ctx.now, self.clock_skew, &p.claims);
        if c.issued_at > now.saturating_add(skew) {
            return Err(VerifyError::PresentationFromFuture {
                now,
                issued_at: c.issued_at,
            });
        }
        if now.saturating_sub(skew) >= c.expires_at {
            return Err(VerifyError::PresentationExpired {
                now,
                expires_at: c.expires_at,
            });
        }
        if let Some(expected) = &ctx.nonce
            && c.nonce != Some(expected.as_slice())
        {
            return Err(VerifyError::NonceMismatch);
        }
        if let (Some(mine), Some(theirs)) = (&ctx.audience, c.audience)
            && mine != theirs
        {
            return Err(VerifyError::AudienceMismatch);
        }
        if let Some(cache) = &self.replay {
            cache.check_and_insert(
                sha256(&p.envelope.to_be_signed()),
                c.expires_at.saturating_add(skew),
                now,
            )?;
        }
        Ok(Outcome::Passed)
    }
}
