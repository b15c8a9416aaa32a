//! Agency seals the verifier holds, and what [`Verifier::add_seal`] did with one.
//!
//! Certificates name the exact seal they are signed under by the digest of its bytes, so
//! seals are held by digest. A seal's signed content has exactly one canonical encoding (the
//! envelope allows no unsigned items on a seal), but an ES256 maker signature has two forms,
//! so both byte forms of one signed content are held as the same version. Versions of one
//! esID are ordered by their `created` time, and only the maker that made a seal can make a
//! newer version of it: an older version added later (a rollback) is held for the
//! certificates that name it but never becomes current, and a key the current version no
//! longer authorises stays refused under every older version.

use std::collections::HashMap;
use std::sync::Arc;

use super::envelope::{Authority, Envelope, ObjectKind, admit};
use super::report::{SealAuthorityError, VerifyError};
use super::{VerificationContext, Verifier};
use crate::crypto::sha256;
use crate::model::Seal;
use crate::time::UnixTime;
use crate::trust::Role;

/// A seal the verifier holds: verified against its maker when it was added.
#[derive(Debug)]
pub(super) struct HeldSeal {
    pub(super) seal: Seal,
    /// SHA-256 of the signed content (the `Sig_structure`): one per version.
    content: [u8; 32],
    /// The maker, as reports name it (the configured name, or the X.509 leaf and root).
    pub(super) maker: Authority,
}

/// Whether two makers are one: the same signing key (a configured key, or an X.509 leaf's),
/// never a name, which anyone may choose.
pub(super) fn same_maker(a: &Authority, b: &Authority) -> bool {
    a.key == b.key
}

impl HeldSeal {
    /// Whether the seal lists the key with SHA-256 `digest` among its stamping keys.
    pub(super) fn authorises(&self, digest: &[u8; 32]) -> bool {
        self.seal.authorised_keys.binary_search(digest).is_ok()
    }
}

/// What [`Verifier::add_seal`] did with a genuine seal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SealAdded {
    /// The first version of its esID: held, and current.
    Stored,
    /// A newer version from the same maker: held, and now current.
    Replaced {
        /// When the version it replaces was made.
        previous_created: UnixTime,
    },
    /// An older version than the one held: held for the certificates that name it, but the
    /// newer one stays current (keys it no longer authorises stay refused).
    KeptNewer {
        /// When the current version was made.
        current_created: UnixTime,
    },
    /// This version was already held (perhaps in its other signature form).
    AlreadyHeld,
}

/// A seal [`Verifier::add_seal`] accepted, and what it did with it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AddedSeal {
    /// The seal.
    pub seal: Seal,
    /// Stored, replaced, kept the newer, or already held.
    pub outcome: SealAdded,
    /// The trusted maker, as reports name it.
    pub maker: String,
}

/// Every held seal, by the digest of each byte form, and the current version of each esID.
#[derive(Clone, Debug, Default)]
pub(super) struct SealStore {
    by_digest: HashMap<[u8; 32], Arc<HeldSeal>>,
    current: HashMap<String, Arc<HeldSeal>>,
}

impl SealStore {
    pub(super) fn by_digest(&self, digest: &[u8; 32]) -> Option<Arc<HeldSeal>> {
        self.by_digest.get(digest).cloned()
    }

    pub(super) fn current(&self, id: &str) -> Option<Arc<HeldSeal>> {
        self.current.get(id).cloned()
    }

    /// Holds `held` (whose bytes hash to `digest`) under the version rules.
    fn insert(
        &mut self,
        digest: [u8; 32],
        held: HeldSeal,
    ) -> Result<SealAdded, SealAuthorityError> {
        let id = held.seal.id.clone();
        let Some(current) = self.current.get(&id).cloned() else {
            let held = Arc::new(held);
            self.by_digest.insert(digest, Arc::clone(&held));
            self.current.insert(id, held);
            return Ok(SealAdded::Stored);
        };
        if !same_maker(&current.maker, &held.maker) {
            return Err(SealAuthorityError::OtherMaker);
        }
        if let Some(same) = self.by_digest.values().find(|h| h.content == held.content) {
            let same = Arc::clone(same);
            self.by_digest.insert(digest, same);
            return Ok(SealAdded::AlreadyHeld);
        }
        let (created, current_created) = (held.seal.created, current.seal.created);
        if created == current_created {
            return Err(SealAuthorityError::Conflict);
        }
        let held = Arc::new(held);
        self.by_digest.insert(digest, Arc::clone(&held));
        if created > current_created {
            self.current.insert(id, held);
            Ok(SealAdded::Replaced {
                previous_created: current_created,
            })
        } else {
            Ok(SealAdded::KeptNewer { current_created })
        }
    }

    pub(super) fn len(&self) -> usize {
        self.by_digest.len()
    }
}

impl Verifier {
    /// Gives the verifier an agency seal, so it can verify certificates (and status lists)
    /// signed under it. The seal maker must be trusted for [`Role::SealMaker`] (configured,
    /// or certified by an X.509 chain valid when the seal was made) and not revoked at
    /// `ctx.now`. Returns the seal and what was done with it (see the module docs).
    ///
    /// # Errors
    /// [`VerifyError`] if the seal does not decode, carries unsigned items, is not signed by
    /// a trusted maker, is made after `ctx.now` ([`SealAuthorityError::NotYetMade`]), or
    /// conflicts with the version held ([`SealAuthorityError::OtherMaker`],
    /// [`SealAuthorityError::Conflict`]).
    pub fn add_seal(
        &self,
        bytes: &[u8],
        ctx: &VerificationContext,
    ) -> Result<AddedSeal, VerifyError> {
        self.trust_bundle_check(ctx.now, &mut super::Report::new(&[]))?;
        let envelope = Envelope::open(bytes, ObjectKind::Seal, &self.limits)
            .map_err(|e| e.reject(ObjectKind::Seal))?;
        let seal = Seal::decode(envelope.sign1.payload, &self.limits)?;
        let maker = self.seal_maker(&envelope, &seal, ctx.now)?;
        // A version dated ahead would stay current and lock out the real next one.
        if seal.created > ctx.now.saturating_add(self.clock_skew) {
            return Err(VerifyError::IssuerSeal(SealAuthorityError::NotYetMade(
                seal.created,
            )));
        }
        let held = HeldSeal {
            seal: seal.clone(),
            content: sha256(&envelope.to_be_signed()),
            maker: maker.clone(),
        };
        let outcome = self
            .seals
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(sha256(bytes), held)
            .map_err(VerifyError::IssuerSeal)?;
        Ok(AddedSeal {
            seal,
            outcome,
            maker: maker.name,
        })
    }

    /// Check 10c: the seal maker is trusted for the role (at the seal's creation) and signed
    /// the seal as received.
    pub(super) fn seal_maker(
        &self,
        envelope: &Envelope<'_>,
        seal: &Seal,
        now: UnixTime,
    ) -> Result<Authority, VerifyError> {
        let reject = |e: super::envelope::EnvelopeError| e.reject(ObjectKind::Seal);
        let candidates = envelope
            .resolve(
                Role::SealMaker,
                &self.trust,
                seal.created,
                now,
                &self.limits,
            )
            .map_err(reject)?;
        let signer = envelope.verify(&candidates).map_err(reject)?;
        Ok(candidates[signer].clone())
    }

    /// The held seal `digest` names, if it is the seal `id`, authorises the key `key_digest`,
    /// is the current version or one whose current successor still authorises the key, and
    /// its maker is not revoked at `now`. Validity and status are the caller's to check.
    pub(super) fn authorising_seal(
        &self,
        id: &str,
        digest: &[u8; 32],
        key_digest: &[u8; 32],
        now: UnixTime,
    ) -> Result<Arc<HeldSeal>, VerifyError> {
        let fail = |e| Err(VerifyError::IssuerSeal(e));
        let store = self
            .seals
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(held) = store.by_digest(digest) else {
            return if store.current(id).is_some() {
                fail(SealAuthorityError::DigestMismatch)
            } else {
                fail(SealAuthorityError::UnknownSeal(id.to_owned()))
            };
        };
        if held.seal.id != id {
            return fail(SealAuthorityError::DigestMismatch);
        }
        if !held.authorises(key_digest) {
            return fail(SealAuthorityError::KeyNotAuthorised);
        }
        if store
            .current(id)
            .is_some_and(|current| !current.authorises(key_digest))
        {
            return fail(SealAuthorityError::Superseded);
        }
        // A revoked maker revokes what its seals authorise (reported at check 3).
        admit(vec![held.maker.clone()], &self.trust, now)
            .map_err(|e| e.reject(ObjectKind::Certificate))?;
        Ok(held)
    }
}
