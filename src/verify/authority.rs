//! Check 3 and check 10c: which key speaks for whom. An issuer key is trusted as configured,
//! through an X.509 chain to a trusted root, or through an agency seal (made by a trusted seal
//! maker) that authorises it; a seal maker is trusted as configured or through a chain.

use super::report::{Check, Outcome, Report, SealAuthorityError, StatusOutcome, VerifyError};
use super::{VerificationContext, Verifier};
use crate::crypto::{Algorithm, PublicKey, sha256};
use crate::encoding::cose::CoseSign1;
use crate::model::seal::{SEAL_TYP, Seal};
use crate::model::{Certificate, SealReference};
use crate::time::UnixTime;
use crate::trust::TrustedKey;
use crate::trust::x509::validate_chain;

/// A seal the verifier holds: verified against its maker when it was added.
#[derive(Clone, Debug)]
pub(super) struct HeldSeal {
    pub(super) seal: Seal,
    pub(super) digest: [u8; 32],
    pub(super) maker: String,
}

/// The key of `alg` in `bytes` (as carried in stamps and seal references).
pub(super) fn parse_key(alg: Algorithm, bytes: &[u8]) -> Option<PublicKey> {
    match alg {
        Algorithm::Ed25519 => PublicKey::ed25519(bytes.try_into().ok()?).ok(),
        Algorithm::Es256 => PublicKey::p256(bytes).ok(),
    }
}

impl Verifier {
    /// Gives the verifier an agency seal, so it can verify certificates signed under it.
    /// The seal maker must be trusted (configured, or certified by an X.509 chain valid
    /// when the seal was made). A seal replaces a held one with the same esID.
    ///
    /// # Errors
    /// [`VerifyError`] if the seal does not decode or its maker is not trusted.
    pub fn add_seal(&self, bytes: &[u8]) -> Result<Seal, VerifyError> {
        let sign1 = CoseSign1::decode(bytes, &self.limits)?;
        if sign1.protected.typ != SEAL_TYP {
            return Err(VerifyError::WrongType);
        }
        let seal = Seal::decode(sign1.payload, &self.limits)?;
        let maker = self.seal_maker(&sign1, seal.created)?;
        let held = HeldSeal {
            seal: seal.clone(),
            digest: sha256(bytes),
            maker,
        };
        self.seals
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(seal.id.clone(), held);
        Ok(seal)
    }

    /// Check 10c: the seal maker is trusted and signed the seal as received. Returns the
    /// maker's name.
    pub(super) fn seal_maker(
        &self,
        seal: &CoseSign1<'_>,
        made_at: UnixTime,
    ) -> Result<String, VerifyError> {
        let alg = Algorithm::from_cose(seal.protected.alg).ok_or(VerifyError::UnknownSealMaker)?;
        let tbs = seal.to_be_signed();
        if !seal.protected.x5chain.is_empty() {
            let chain = validate_chain(
                &seal.protected.x5chain,
                self.trust.x509_roots(),
                made_at,
                &self.limits,
            )
            .map_err(VerifyError::SealMakerChain)?;
            if chain.leaf_key.key_id().as_bytes() != seal.protected.kid {
                return Err(VerifyError::SealMakerChain(
                    crate::trust::ChainError::LeafKeyMismatch,
                ));
            }
            chain
                .leaf_key
                .verify(alg, &tbs, seal.signature)
                .map_err(|_| VerifyError::BadSealSignature)?;
            return Ok(format!("{} (X.509)", chain.anchor));
        }
        let candidates: Vec<_> = self
            .trust
            .seal_maker_candidates(seal.protected.kid)
            .iter()
            .filter(|(_, k)| k.algorithm() == alg)
            .take(self.limits.max_key_candidates)
            .collect();
        if candidates.is_empty() {
            return Err(VerifyError::UnknownSealMaker);
        }
        candidates
            .into_iter()
            .find(|(_, k)| k.verify(alg, &tbs, seal.signature).is_ok())
            .map(|(name, _)| name.clone())
            .ok_or(VerifyError::BadSealSignature)
    }

    /// Checks 2 and 3: the algorithm is allowed, and a key of that type speaks for an agency
    /// — through the certificate's `x5chain`, the seal it names, or the trust store (by
    /// `kid`; on a collision the signature check tries each candidate). Returns the
    /// candidates and the seal the certificate is signed under, if any.
    pub(super) fn resolve_issuer(
        &self,
        sign1: &CoseSign1<'_>,
        certificate: &Certificate,
        ctx: &VerificationContext,
        report: &mut Report,
    ) -> Result<(Algorithm, Vec<TrustedKey>, Option<HeldSeal>), VerifyError> {
        let alg_id = sign1.protected.alg;
        let alg =
            Algorithm::from_cose(alg_id).ok_or(VerifyError::AlgorithmNotAllowed { alg: alg_id })?;
        let kid = sign1.protected.kid;
        let type_matches = |key: &PublicKey| {
            if key.algorithm() == alg {
                Ok(())
            } else {
                Err(VerifyError::KeyTypeMismatch {
                    alg,
                    key: key.algorithm(),
                })
            }
        };

        if !sign1.protected.x5chain.is_empty() {
            // The key's type is checked against the leaf with the rest of the chain.
            report.set(Check::Algorithm, Outcome::Passed);
            let chain = validate_chain(
                &sign1.protected.x5chain,
                self.trust.x509_roots(),
                certificate.signed_at,
                &self.limits,
            )
            .map_err(VerifyError::IssuerChain)?;
            if chain.leaf_key.algorithm() != alg || chain.leaf_key.key_id().as_bytes() != kid {
                return Err(VerifyError::IssuerChain(
                    crate::trust::ChainError::LeafKeyMismatch,
                ));
            }
            let seal = match &certificate.seal {
                Some(r) => Some(self.issuer_seal(r, &chain.leaf_key, certificate, ctx)?),
                None => None,
            };
            let name = format!("{} (X.509)", chain.anchor);
            let key = TrustedKey::established(name, chain.agency, chain.leaf_key);
            report.set(Check::IssuerKey, Outcome::Passed);
            return Ok((alg, vec![key], seal));
        }

        if let Some(reference) = &certificate.seal {
            let key = parse_key(alg, &reference.signer_key).ok_or(VerifyError::IssuerSeal(
                SealAuthorityError::KeyNotAuthorised,
            ))?;
            report.set(Check::Algorithm, Outcome::Passed);
            if key.key_id().as_bytes() != kid {
                return Err(VerifyError::UnknownIssuerKey { kid: kid.to_vec() });
            }
            let held = self.issuer_seal(reference, &key, certificate, ctx)?;
            let name = format!("{} ({})", held.seal.name, held.maker);
            let trusted = TrustedKey::established(name, held.seal.owner.code.clone(), key);
            report.set(Check::IssuerKey, Outcome::Passed);
            return Ok((alg, vec![trusted], Some(held)));
        }

        let candidates = self.trust.candidates(kid);
        let matching: Vec<TrustedKey> = candidates
            .iter()
            .filter(|k| k.public_key().algorithm() == alg)
            .take(self.limits.max_key_candidates)
            .cloned()
            .collect();
        if let (Some(other), true) = (candidates.first(), matching.is_empty()) {
            type_matches(other.public_key())?;
        }
        report.set(Check::Algorithm, Outcome::Passed);
        if matching.is_empty() {
            return Err(VerifyError::UnknownIssuerKey { kid: kid.to_vec() });
        }
        report.set(Check::IssuerKey, Outcome::Passed);
        Ok((alg, matching, None))
    }

    /// The seal `reference` names authorises `key` for `certificate`: held, the same seal,
    /// listing the key, valid when the certificate was signed, and not revoked or suspended.
    fn issuer_seal(
        &self,
        reference: &SealReference,
        key: &PublicKey,
        certificate: &Certificate,
        ctx: &VerificationContext,
    ) -> Result<HeldSeal, VerifyError> {
        let fail = |e| Err(VerifyError::IssuerSeal(e));
        let held = self
            .seals
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&reference.id)
            .cloned();
        let Some(held) = held else {
            return fail(SealAuthorityError::UnknownSeal(reference.id.clone()));
        };
        if held.digest != reference.digest {
            return fail(SealAuthorityError::DigestMismatch);
        }
        let key_bytes = key.to_bytes();
        if reference.signer_key != key_bytes
            || held
                .seal
                .authorised_keys
                .binary_search(&sha256(&key_bytes))
                .is_err()
        {
            return fail(SealAuthorityError::KeyNotAuthorised);
        }
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
