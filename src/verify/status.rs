//! Status lists on the verifier side: verifying a token under any authority path its agency
//! can have (a raw key, an `x5chain`, an agency seal), holding lists by (agency, URI) so one
//! agency's list never displaces another's, and checks 9 and 10e.

use std::collections::HashMap;

use super::envelope::{Authority, Envelope, EnvelopeError, ObjectKind};
use super::report::{
    Outcome, Report, SealAuthorityError, StatusOutcome, UnknownStatus, VerifyError,
};
use super::{VerificationContext, Verifier};
use crate::crypto::sha256;
use crate::model::{StatusReference, Uscc};
use crate::status::{StatusListError, StatusListToken};
use crate::time::UnixTime;
use crate::trust::{Role, key_digest};

/// A status list token whose signature verified under a key that speaks for its agency.
/// Only a [`Verifier`] makes one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedStatusList {
    token: StatusListToken,
    agency: Uscc,
    signer: String,
}

impl VerifiedStatusList {
    /// The token's claims.
    #[must_use]
    pub fn token(&self) -> &StatusListToken {
        &self.token
    }

    /// The agency whose list it is (the one its signing key speaks for).
    #[must_use]
    pub fn agency(&self) -> &Uscc {
        &self.agency
    }

    /// How reports name the signing key.
    #[must_use]
    pub fn signer(&self) -> &str {
        &self.signer
    }
}

/// Why a status list token was refused. Nothing of a refused list is used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StatusListRejected {
    /// The envelope: decoding, `typ`, header rules, algorithm, key, chain, revocation or
    /// signature.
    #[error("status list: {0}")]
    Envelope(#[from] EnvelopeError),
    /// The claims do not decode (or the list inside is malformed or too large).
    #[error("status list claims: {0}")]
    Claims(#[from] StatusListError),
    /// Signed under a seal that does not authorise the key then.
    #[error("status list seal: {0}")]
    Seal(SealAuthorityError),
    /// The trust bundle the verifier was loaded from is not in force.
    #[error("status list: {0}")]
    TrustBundle(VerifyError),
    /// Issued after the verification time (allowing the clock skew): refused, so a
    /// far-future list cannot lock out the real ones.
    #[error("status list issued at {issued_at}, after {now}")]
    FromTheFuture {
        /// The list's `iat`.
        issued_at: UnixTime,
        /// Verification time.
        now: UnixTime,
    },
}

/// What [`Verifier::add_status_list`] did with a genuine list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ListAdded {
    /// No list was held for its agency and URI.
    Stored,
    /// It replaced an older list of its agency and URI.
    Replaced {
        /// The `iat` of the list replaced.
        previous_issued_at: UnixTime,
    },
    /// A list not older than it was held, and was kept.
    KeptHeld {
        /// The `iat` of the list kept.
        held_issued_at: UnixTime,
    },
    /// This very list was already held.
    AlreadyHeld,
}

/// A list [`Verifier::add_status_list`] accepted, and what it did with it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatusListAdded {
    /// The agency the list is for.
    pub agency: Uscc,
    /// Its URI.
    pub uri: String,
    /// Its `iat`.
    pub issued_at: UnixTime,
    /// Stored, replaced, kept the held one, or already held.
    pub outcome: ListAdded,
}

#[derive(Clone, Debug)]
struct HeldList {
    list: VerifiedStatusList,
    content: [u8; 32],
    /// SHA-256 of the signing key and of every key that vouches for it, so a later
    /// revocation stops the list being used.
    signer_keys: Vec<[u8; 32]>,
}

/// Held lists by (agency, URI).
#[derive(Clone, Debug, Default)]
pub(super) struct StatusCache {
    lists: HashMap<(Uscc, String), HeldList>,
}

impl StatusCache {
    fn insert(&mut self, held: HeldList) -> StatusListAdded {
        let HeldList {
            list,
            content,
            signer_keys,
        } = held;
        let key = (list.agency.clone(), list.token.uri.clone());
        let added = |outcome| StatusListAdded {
            agency: list.agency.clone(),
            uri: list.token.uri.clone(),
            issued_at: list.token.issued_at,
            outcome,
        };
        let outcome = match self.lists.get(&key) {
            None => ListAdded::Stored,
            Some(held) if held.content == content => return added(ListAdded::AlreadyHeld),
            Some(held) if held.list.token.issued_at >= list.token.issued_at => {
                return added(ListAdded::KeptHeld {
                    held_issued_at: held.list.token.issued_at,
                });
            }
            Some(held) => ListAdded::Replaced {
                previous_issued_at: held.list.token.issued_at,
            },
        };
        let result = added(outcome);
        self.lists.insert(
            key,
            HeldList {
                list,
                content,
                signer_keys,
            },
        );
        result
    }

    pub(super) fn len(&self) -> usize {
        self.lists.len()
    }
}

impl Verifier {
    /// Verifies a status list token at `ctx.now` without holding it: the envelope, a key that
    /// speaks for an agency as a status-list signer (raw key, `x5chain` to a root trusted for
    /// the role, or a held agency seal named in the header), valid when the list was issued,
    /// and an issue time not after now (allowing the clock skew).
    ///
    /// # Errors
    /// [`StatusListRejected`].
    pub fn verify_status_list(
        &self,
        token: &[u8],
        ctx: &VerificationContext,
    ) -> Result<VerifiedStatusList, StatusListRejected> {
        self.verified_list(token, ctx.now).map(|held| held.list)
    }

    /// The verified list, the digest of its signed content, and the digests of the keys that
    /// vouch for it.
    fn verified_list(&self, token: &[u8], now: UnixTime) -> Result<HeldList, StatusListRejected> {
        self.trust_bundle_check(now, &mut Report::new(&[]))
            .map_err(StatusListRejected::TrustBundle)?;
        let envelope = Envelope::open(token, ObjectKind::StatusList, &self.limits)?;
        let claims = StatusListToken::decode_claims(envelope.sign1.payload, &self.limits)?;
        let issued_at = claims.issued_at;
        let signer = match &envelope.sign1.protected.seal {
            Some(seal) => self.list_seal_authority(&envelope, seal, issued_at, now)?,
            None => {
                let candidates = envelope.resolve(
                    Role::StatusLists,
                    &self.trust,
                    issued_at,
                    now,
                    &self.limits,
                )?;
                let index = envelope.verify(&candidates)?;
                candidates[index].clone()
            }
        };
        if issued_at > now.saturating_add(self.clock_skew) {
            return Err(StatusListRejected::FromTheFuture { issued_at, now });
        }
        let mut signer_keys = vec![key_digest(&signer.key)];
        signer_keys.extend(signer.vouched_by.iter().copied());
        let agency = signer
            .agency
            .ok_or(EnvelopeError::Chain(crate::trust::ChainError::NoAgencyCode))?;
        let list = VerifiedStatusList {
            token: claims,
            agency,
            signer: signer.name,
        };
        Ok(HeldList {
            list,
            content: sha256(&envelope.to_be_signed()),
            signer_keys,
        })
    }

    /// A list signed under an agency seal: the seal authorises the key in the header, was
    /// valid when the list was issued, and is not known to be revoked or suspended.
    fn list_seal_authority(
        &self,
        envelope: &Envelope<'_>,
        seal: &crate::encoding::cose::HeaderSeal<'_>,
        issued_at: UnixTime,
        now: UnixTime,
    ) -> Result<Authority, StatusListRejected> {
        let alg = envelope.algorithm()?;
        let key = super::authority::parse_key(alg, seal.signer_key)
            .ok_or(StatusListRejected::Seal(SealAuthorityError::InvalidKey))?;
        if envelope.kid() != key.key_id().as_bytes() {
            return Err(EnvelopeError::UnknownKey {
                role: Role::StatusLists,
                kid: envelope.kid().to_vec(),
            }
            .into());
        }
        let digest: [u8; 32] = seal
            .digest
            .try_into()
            .map_err(|_| StatusListRejected::Seal(SealAuthorityError::DigestMismatch))?;
        let held = self
            .authorising_seal(seal.id, &digest, &key_digest(&key), now)
            .map_err(|e| match e {
                VerifyError::IssuerSeal(e) => StatusListRejected::Seal(e),
                VerifyError::KeyRevoked { revoked, .. } => {
                    EnvelopeError::KeyRevoked(revoked).into()
                }
                _ => StatusListRejected::Seal(SealAuthorityError::UnknownSeal(seal.id.to_owned())),
            })?;
        let s = &held.seal;
        if issued_at < s.valid_from || issued_at >= s.valid_until {
            return Err(StatusListRejected::Seal(SealAuthorityError::NotValidAt(
                issued_at,
            )));
        }
        // The seal's own status can only come from lists already held (its list may be
        // signed under it): a held REVOKED or SUSPENDED refuses, anything else does not.
        if let Some(reference) = &s.status
            && let status @ (StatusOutcome::Revoked | StatusOutcome::Suspended) =
                self.status_of(reference, &s.owner.code, now)
        {
            return Err(StatusListRejected::Seal(SealAuthorityError::Status(status)));
        }
        let authority = super::authority::seal_authority(&held, key);
        Ok(envelope.verify_named(authority, &self.trust, now)?)
    }

    /// Feeds the status cache with a status list token (fetched by the app: the library does
    /// no network I/O), verified at `ctx.now` as [`Verifier::verify_status_list`] does. A list
    /// replaces the one held for its agency and URI only if it was issued later. Freshness
    /// is judged when the list is used.
    ///
    /// # Errors
    /// [`StatusListRejected`]; nothing is held then.
    pub fn add_status_list(
        &self,
        token: &[u8],
        ctx: &VerificationContext,
    ) -> Result<StatusListAdded, StatusListRejected> {
        let held = self.verified_list(token, ctx.now)?;
        Ok(self
            .status_lists
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(held))
    }

    /// Runs a status check (certificate check 9, seal check 10e): records the status in the
    /// report and gives the check's outcome, or the error `error_for` makes for a status that
    /// rejects. UNKNOWN passes as `Allowed` only under `allow_unknown_status`.
    pub(super) fn status_check(
        &self,
        reference: &StatusReference,
        agency: &Uscc,
        now: UnixTime,
        report: &mut Report,
        error_for: impl Fn(StatusOutcome) -> VerifyError,
    ) -> Result<Outcome, VerifyError> {
        let status = self.status_of(reference, agency, now);
        report.set_status(status);
        match status {
            StatusOutcome::Valid => Ok(Outcome::Passed),
            StatusOutcome::Unknown(_) if self.allow_unknown_status => {
                Ok(Outcome::Allowed(error_for(status)))
            }
            _ => Err(error_for(status)),
        }
    }

    /// The status at `reference`, as of `now`, from the list held for `agency` at its URI.
    pub(super) fn status_of(
        &self,
        reference: &StatusReference,
        agency: &Uscc,
        now: UnixTime,
    ) -> StatusOutcome {
        let lists = self
            .status_lists
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(held) = lists.lists.get(&(agency.clone(), reference.uri.clone())) else {
            let elsewhere = lists.lists.keys().any(|(_, uri)| *uri == reference.uri);
            return StatusOutcome::Unknown(if elsewhere {
                UnknownStatus::WrongSigner
            } else {
                UnknownStatus::NoList
            });
        };
        if held
            .signer_keys
            .iter()
            .any(|d| self.trust.revocation(d, now).is_some())
        {
            return StatusOutcome::Unknown(UnknownStatus::SignerRevoked);
        }
        let t = &held.list.token;
        let skew = self.clock_skew;
        if t.issued_at > now.saturating_add(skew) {
            return StatusOutcome::Unknown(UnknownStatus::NotYetIssued);
        }
        let fresh_until = t
            .issued_at
            .saturating_add(t.ttl.unwrap_or(if t.expires_at.is_some() {
                u64::MAX
            } else {
                self.max_status_age
            }));
        let expired = t
            .expires_at
            .is_some_and(|exp| now.saturating_sub(skew) >= exp);
        if expired || now.saturating_sub(skew) > fresh_until {
            return StatusOutcome::Unknown(UnknownStatus::Stale);
        }
        match t.list.get(reference.index) {
            Err(_) => StatusOutcome::Unknown(UnknownStatus::IndexOutOfRange),
            Ok(0) => StatusOutcome::Valid,
            Ok(1) => StatusOutcome::Revoked,
            Ok(2) => StatusOutcome::Suspended,
            Ok(other) => StatusOutcome::Unknown(UnknownStatus::UnsupportedValue(other)),
        }
    }
}
