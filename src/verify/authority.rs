//! Checks 2 and 3 for a certificate: which keys speak for its issuer. An issuer key is
//! trusted as configured for [`Role::Issuer`], through an X.509 chain to a root trusted for
//! that role with a leaf marked for it, or through an agency seal (made by a trusted seal
//! maker) that authorises it.

use std::sync::Arc;

use super::envelope::{Authority, Envelope, EnvelopeError, ObjectKind, admit};
use super::report::{Check, Outcome, Report, SealAuthorityError, StatusOutcome, VerifyError};
use super::seals::HeldSeal;
use super::{VerificationContext, Verifier};
use crate::crypto::{Algorithm, PublicKey};
use crate::model::{Certificate, SealReference};
use crate::trust::{Role, key_digest};

/// The key of `alg` in `bytes` (as carried in stamps and seal references).
pub(super) fn parse_key(alg: Algorithm, bytes: &[u8]) -> Option<PublicKey> {
    match alg {
        Algorithm::Ed25519 => PublicKey::ed25519(bytes.try_into().ok()?).ok(),
        Algorithm::Es256 => PublicKey::p256(bytes).ok(),
        #[cfg(feature = "gm")]
        Algorithm::Sm2Sm3 => PublicKey::sm2(bytes).ok(),
    }
}

impl Verifier {
    /// Checks 2 and 3: the algorithm is allowed, and a key of its type speaks for an agency
    /// as an issuer — through the certificate's `x5chain`, the seal it names, or the trust
    /// store (by `kid`; on a collision the signature check tries each candidate) — and is not
    /// revoked at `ctx.now`. Returns the candidates and the seal the certificate is signed
    /// under, if any.
    pub(super) fn resolve_issuer(
        &self,
        envelope: &Envelope<'_>,
        certificate: &Certificate,
        ctx: &VerificationContext,
        report: &mut Report,
    ) -> Result<(Vec<Authority>, Option<Arc<HeldSeal>>), VerifyError> {
        let reject = |e: EnvelopeError| e.reject(ObjectKind::Certificate);
        let alg = envelope.algorithm().map_err(reject)?;
        let via_chain = !envelope.sign1.protected.x5chain.is_empty();
        if let (Some(reference), false) = (&certificate.seal, via_chain) {
            let key = parse_key(alg, &reference.signer_key).ok_or(VerifyError::IssuerSeal(
                SealAuthorityError::KeyNotAuthorised,
            ))?;
            report.set(Check::Algorithm, Outcome::Passed);
            if key.key_id().as_bytes() != envelope.kid() {
                return Err(VerifyError::UnknownIssuerKey {
                    kid: envelope.kid().to_vec(),
                });
            }
            let held = self.issuer_seal(reference, &key, certificate, ctx)?;
            let authority = seal_authority(&held, key);
            let candidates = admit(vec![authority], &self.trust, ctx.now).map_err(reject)?;
            report.set(Check::IssuerKey, Outcome::Passed);
            return Ok((candidates, Some(held)));
        }
        // A key-type mismatch found while resolving marks this check failed again.
        report.set(Check::Algorithm, Outcome::Passed);
        let candidates = envelope
            .resolve(
                Role::Issuer,
                &self.trust,
                certificate.signed_at,
                ctx.now,
                &self.limits,
            )
            .map_err(reject)?;
        // A certificate under an X.509 chain may also name the seal it is signed under.
        let seal = match (&certificate.seal, candidates.as_slice()) {
            (Some(reference), [leaf]) => {
                Some(self.issuer_seal(reference, &leaf.key, certificate, ctx)?)
            }
            _ => None,
        };
        report.set(Check::IssuerKey, Outcome::Passed);
        Ok((candidates, seal))
    }

    /// The seal `reference` names authorises `key` for `certificate`: held, the same seal,
    /// listing the key (and still listed by the seal's current version), its maker not
    /// revoked, valid when the certificate was signed, and not revoked or suspended.
    fn issuer_seal(
        &self,
        reference: &SealReference,
        key: &PublicKey,
        certificate: &Certificate,
        ctx: &VerificationContext,
    ) -> Result<Arc<HeldSeal>, VerifyError> {
        let fail = |e| Err(VerifyError::IssuerSeal(e));
        if reference.signer_key != key.to_bytes() {
            return fail(SealAuthorityError::KeyNotAuthorised);
        }
        let held =
            self.authorising_seal(&reference.id, &reference.digest, &key_digest(key), ctx.now)?;
        let signed_at = certificate.signed_at;
        if signed_at < held.seal.valid_from || signed_at >= held.seal.valid_until {
            return fail(SealAuthorityError::NotValidAt(signed_at));
        }
        if let Some(status) = &held.seal.status {
            match self.status_of(status, &held.seal.owner.code, ctx.now) {
                StatusOutcome::Valid => {}
                StatusOutcome::Unknown(_) if self.allow_unknown_status => {}
                other => return fail(SealAuthorityError::Status(other)),
            }
        }
        Ok(held)
    }
}

/// The issuing key a held seal authorises, speaking for the seal's owner; its maker vouches
/// for it, so revoking the maker revokes it.
pub(super) fn seal_authority(held: &HeldSeal, key: PublicKey) -> Authority {
    let name = format!("{} ({})", held.seal.name, held.maker.name);
    let mut authority = Authority::new(name, Some(held.seal.owner.code.clone()), key);
    authority.vouched_by.push(key_digest(&held.maker.key));
    authority
        .vouched_by
        .extend(held.maker.vouched_by.iter().copied());
    authority
}
