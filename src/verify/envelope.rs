//! The one envelope check every signed object goes through: certificates, presentations,
//! seals, stamps, status lists and trust bundles.
//!
//! ```text
//! bytes ─open─▶ COSE_Sign1 within limits ─▶ typ is the expected kind's ─▶ header rules
//!       (unprotected: disclosures for certificates, kid for status lists, nothing otherwise;
//!        x5chain and seal only where the kind allows) ─▶ alg on the allow-list
//!       ─resolve─▶ candidate keys for a role: x5chain to a root trusted for it, or keys by
//!        kid trusted for it, of alg's key type, at most Limits::max_key_candidates
//!       ─verify─▶ strictly over the received Sig_structure ─▶ the key (and every key that
//!        vouches for it) not revoked at the verification time
//! ```
//!
//! Objects whose key is named another way — a certificate or status list under an agency
//! seal, a stamp carrying its stamping key, a presentation signed by the certificate's `cnf`
//! — build their [`Authority`] themselves and still verify here, so the rule lives in one
//! place.

use core::fmt;

use super::report::{Check, VerifyError};
use crate::crypto::{Algorithm, PublicKey};
use crate::encoding::cbor::DecodeError;
use crate::encoding::cose::CoseSign1;
use crate::limits::Limits;
use crate::model::Uscc;
use crate::model::bundle::TRUST_BUNDLE_TYP;
use crate::model::certificate::CERTIFICATE_TYP;
use crate::model::presentation::PRESENTATION_TYP;
use crate::model::seal::{SEAL_TYP, STAMP_TYP};
use crate::status::list::{STATUS_LIST_TYP, STATUS_LIST_TYP_SHORT};
use crate::time::UnixTime;
use crate::trust::x509::validate_chain;
use crate::trust::{ChainError, RevokedKey, Role, TrustStore, key_digest};

/// The kinds of signed object, each with its `typ` and header rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ObjectKind {
    /// A certificate (`application/yz-cert+cwt`).
    Certificate,
    /// A presentation (`application/yz-presentation+cose`).
    Presentation,
    /// A seal (`application/yz-seal+cose`).
    Seal,
    /// A stamp (`application/yz-stamp+cose`).
    Stamp,
    /// A status list token (`application/statuslist+cwt`, or `statuslist+cwt`).
    StatusList,
    /// A trust bundle (`application/yz-trust-bundle+cose`).
    TrustBundle,
}

impl ObjectKind {
    /// The `typ` this library writes for the kind.
    #[must_use]
    pub fn typ(self) -> &'static str {
        match self {
            Self::Certificate => CERTIFICATE_TYP,
            Self::Presentation => PRESENTATION_TYP,
            Self::Seal => SEAL_TYP,
            Self::Stamp => STAMP_TYP,
            Self::StatusList => STATUS_LIST_TYP,
            Self::TrustBundle => TRUST_BUNDLE_TYP,
        }
    }

    fn accepts_typ(self, typ: &str) -> bool {
        typ == self.typ() || (self == Self::StatusList && typ == STATUS_LIST_TYP_SHORT)
    }

    /// The only unsigned items a kind may carry: certificates their revealed disclosures,
    /// status lists a `kid` (as IETF issuers write it); nothing else.
    fn allows(self, item: HeaderItem) -> bool {
        match item {
            HeaderItem::Disclosures => self == Self::Certificate,
            HeaderItem::UnprotectedKid | HeaderItem::Seal => self == Self::StatusList,
            HeaderItem::X5chain => !matches!(self, Self::Presentation | Self::Stamp),
        }
    }
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Certificate => "certificate",
            Self::Presentation => "presentation",
            Self::Seal => "seal",
            Self::Stamp => "stamp",
            Self::StatusList => "status list",
            Self::TrustBundle => "trust bundle",
        })
    }
}

/// A header item whose presence the kind's rule decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderItem {
    /// Disclosure items in the unprotected header.
    Disclosures,
    /// A `kid` in the unprotected header.
    UnprotectedKid,
    /// An X.509 chain (`x5chain`).
    X5chain,
    /// A seal reference in the protected header.
    Seal,
}

impl fmt::Display for HeaderItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Disclosures => "unprotected disclosures",
            Self::UnprotectedKid => "unprotected kid",
            Self::X5chain => "x5chain",
            Self::Seal => "seal reference",
        })
    }
}

/// Why the envelope of a signed object was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EnvelopeError {
    /// Not a canonical, bounded `COSE_Sign1`.
    #[error("does not decode: {0}")]
    Decode(#[from] DecodeError),
    /// The `typ` names another kind of object.
    #[error("not a {expected} (typ {found:?})")]
    WrongType {
        /// The kind expected.
        expected: ObjectKind,
        /// The `typ` found.
        found: String,
    },
    /// A header item this kind of object may not carry (unsigned bytes anyone could change,
    /// or an authority the kind does not use).
    #[error("a {kind} may not carry {item}")]
    HeaderNotAllowed {
        /// The kind of object.
        kind: ObjectKind,
        /// The item.
        item: HeaderItem,
    },
    /// No `kid` in the header where one is needed, or one in both headers.
    #[error("the key identifier is missing or given twice")]
    KeyId,
    /// The algorithm is not on the allow-list.
    #[error("algorithm {alg} is not allowed")]
    AlgorithmNotAllowed {
        /// The COSE algorithm identifier found.
        alg: i64,
    },
    /// The key for this object is of another type than the algorithm.
    #[error("algorithm {alg} does not match the {key} key")]
    KeyTypeMismatch {
        /// Algorithm named by the object.
        alg: Algorithm,
        /// Algorithm of the key.
        key: Algorithm,
    },
    /// No key trusted for the role has this identifier.
    #[error("no key trusted as {role} has key id {}", hex(kid))]
    UnknownKey {
        /// The role looked up.
        role: Role,
        /// The key identifier found.
        kid: Vec<u8>,
    },
    /// The `x5chain` does not validate for the role.
    #[error("certificate chain: {0}")]
    Chain(ChainError),
    /// The signature does not verify under any candidate key.
    #[error("signature does not verify")]
    BadSignature,
    /// The signing key, or a key that vouches for it, is marked compromised.
    #[error("signed by a revoked key ({})", describe_revoked(.0))]
    KeyRevoked(RevokedKey),
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(super) fn describe_revoked(revoked: &RevokedKey) -> String {
    let digest = hex(&revoked.digest[..8]);
    match revoked.since {
        Some(since) => format!("key {digest}…, revoked since {since}"),
        None => format!("key {digest}…"),
    }
}

/// A key that may have signed an object, and what it speaks for.
#[derive(Clone, Debug)]
pub(crate) struct Authority {
    /// How reports name it.
    pub(crate) name: String,
    /// The agency it speaks for, when its role has one.
    pub(crate) agency: Option<Uscc>,
    pub(crate) key: PublicKey,
    /// SHA-256 of every key that vouches for this one (an X.509 path, a seal's maker):
    /// revoking any of them revokes this one.
    pub(crate) vouched_by: Vec<[u8; 32]>,
}

impl Authority {
    pub(crate) fn new(name: String, agency: Option<Uscc>, key: PublicKey) -> Self {
        Self {
            name,
            agency,
            key,
            vouched_by: Vec::new(),
        }
    }

    fn from_chain(chain: crate::trust::ValidatedChain) -> Self {
        Self {
            name: chain.describe(),
            agency: chain.agency,
            key: chain.leaf_key,
            vouched_by: chain.key_digests,
        }
    }
}

/// A signed object whose envelope decoded: of the expected kind, carrying only what the kind
/// allows.
#[derive(Debug)]
pub(crate) struct Envelope<'a> {
    pub(crate) sign1: CoseSign1<'a>,
}

impl<'a> Envelope<'a> {
    /// Check 1 for the envelope: decodes `bytes` as a `kind` and applies its header rules.
    pub(crate) fn open(
        bytes: &'a [u8],
        kind: ObjectKind,
        limits: &Limits,
    ) -> Result<Self, EnvelopeError> {
        let sign1 = CoseSign1::decode(bytes, limits)?;
        if !kind.accepts_typ(sign1.protected.typ) {
            return Err(EnvelopeError::WrongType {
                expected: kind,
                found: sign1.protected.typ.to_owned(),
            });
        }
        let present = [
            (HeaderItem::Disclosures, !sign1.disclosures.is_empty()),
            (HeaderItem::UnprotectedKid, sign1.unprotected_kid.is_some()),
            (HeaderItem::X5chain, !sign1.protected.x5chain.is_empty()),
            (HeaderItem::Seal, sign1.protected.seal.is_some()),
        ];
        if let Some((item, _)) = present
            .into_iter()
            .find(|(item, here)| *here && !kind.allows(*item))
        {
            return Err(EnvelopeError::HeaderNotAllowed { kind, item });
        }
        if !sign1.protected.x5chain.is_empty() && sign1.protected.seal.is_some() {
            return Err(EnvelopeError::HeaderNotAllowed {
                kind,
                item: HeaderItem::Seal,
            });
        }
        if sign1.protected.kid.is_some() == sign1.unprotected_kid.is_some() {
            return Err(EnvelopeError::KeyId);
        }
        Ok(Self { sign1 })
    }

    /// Check 2's first half: the algorithm is on the allow-list.
    pub(crate) fn algorithm(&self) -> Result<Algorithm, EnvelopeError> {
        let alg = self.sign1.protected.alg;
        Algorithm::from_cose(alg).ok_or(EnvelopeError::AlgorithmNotAllowed { alg })
    }

    /// The key identifier (from whichever header carries it).
    pub(crate) fn kid(&self) -> &'a [u8] {
        self.sign1.kid().unwrap_or_default()
    }

    /// The bytes the signature covers, as received.
    pub(crate) fn to_be_signed(&self) -> Vec<u8> {
        self.sign1.to_be_signed()
    }

    /// The keys trusted for `role` that may have signed: the `x5chain` leaf, validated at
    /// `at` (the object's signing time), or the keys with this `kid`, of the algorithm's
    /// type, at most `limits.max_key_candidates` — less those revoked at `now`.
    pub(crate) fn resolve(
        &self,
        role: Role,
        trust: &TrustStore,
        at: UnixTime,
        now: UnixTime,
        limits: &Limits,
    ) -> Result<Vec<Authority>, EnvelopeError> {
        let (alg, kid) = (self.algorithm()?, self.kid());
        if !self.sign1.protected.x5chain.is_empty() {
            let chain = validate_chain(
                &self.sign1.protected.x5chain,
                trust.x509_roots(),
                role,
                at,
                limits,
            )
            .map_err(EnvelopeError::Chain)?;
            if chain.leaf_key.key_id().as_bytes() != kid {
                return Err(EnvelopeError::Chain(ChainError::LeafKeyMismatch));
            }
            self.key_type(&chain.leaf_key)?;
            if chain.agency.is_none() && matches!(role, Role::Issuer | Role::StatusLists) {
                return Err(EnvelopeError::Chain(ChainError::NoAgencyCode));
            }
            return admit(vec![Authority::from_chain(chain)], trust, now);
        }
        let mut other_type = None;
        let candidates: Vec<Authority> = trust
            .candidates(kid, role)
            .filter(|k| {
                let fits = k.public_key().algorithm() == alg;
                if !fits {
                    other_type = Some(k.public_key().algorithm());
                }
                fits
            })
            .take(limits.max_key_candidates)
            .map(|k| {
                let agency = k.agency().cloned();
                Authority::new(k.name().to_owned(), agency, k.public_key().clone())
            })
            .collect();
        match (candidates.is_empty(), other_type) {
            (false, _) => admit(candidates, trust, now),
            (true, Some(key)) => Err(EnvelopeError::KeyTypeMismatch { alg, key }),
            (true, None) => Err(EnvelopeError::UnknownKey {
                role,
                kid: kid.to_vec(),
            }),
        }
    }

    /// Check 2: the algorithm is allowed and `key` is of its type.
    pub(crate) fn key_type(&self, key: &PublicKey) -> Result<Algorithm, EnvelopeError> {
        let alg = self.algorithm()?;
        if key.algorithm() == alg {
            Ok(alg)
        } else {
            Err(EnvelopeError::KeyTypeMismatch {
                alg,
                key: key.algorithm(),
            })
        }
    }

    /// Check 4: the index of the first candidate whose signature verifies strictly over the
    /// received bytes.
    pub(crate) fn verify(&self, candidates: &[Authority]) -> Result<usize, EnvelopeError> {
        self.verify_over(candidates, &self.to_be_signed())
    }

    /// [`Envelope::verify`] with the `Sig_structure` already built.
    pub(crate) fn verify_over(
        &self,
        candidates: &[Authority],
        to_be_signed: &[u8],
    ) -> Result<usize, EnvelopeError> {
        let alg = self.algorithm()?;
        candidates
            .iter()
            .position(|c| {
                c.key
                    .verify(alg, to_be_signed, self.sign1.signature)
                    .is_ok()
            })
            .ok_or(EnvelopeError::BadSignature)
    }

    /// For a key the object names itself (a seal's, a stamp's, a device's): of the
    /// algorithm's type, not revoked at `now`, and its signature verifies.
    pub(crate) fn verify_named(
        &self,
        authority: Authority,
        trust: &TrustStore,
        now: UnixTime,
    ) -> Result<Authority, EnvelopeError> {
        self.key_type(&authority.key)?;
        let mut admitted = admit(vec![authority], trust, now)?;
        self.verify(&admitted)?;
        Ok(admitted.swap_remove(0))
    }
}

/// The last step of resolving keys, however they were named: drops candidates whose key, or
/// a key that vouches for it, is revoked at `now`; refuses the object if none is left.
pub(crate) fn admit(
    candidates: Vec<Authority>,
    trust: &TrustStore,
    now: UnixTime,
) -> Result<Vec<Authority>, EnvelopeError> {
    if !trust.has_revocations() {
        return Ok(candidates);
    }
    let mut first_revoked = None;
    let admitted: Vec<Authority> = candidates
        .into_iter()
        .filter(|c| {
            let own = key_digest(&c.key);
            let revoked = core::iter::once(&own)
                .chain(&c.vouched_by)
                .find_map(|digest| trust.revocation(digest, now));
            first_revoked = first_revoked.or(revoked);
            revoked.is_none()
        })
        .collect();
    match (admitted.is_empty(), first_revoked) {
        (true, Some(revoked)) => Err(EnvelopeError::KeyRevoked(revoked)),
        _ => Ok(admitted),
    }
}

impl EnvelopeError {
    /// The verification error this refusal is reported as, for an object of `kind` (and the
    /// check it fails there).
    pub(crate) fn reject(self, kind: ObjectKind) -> VerifyError {
        use VerifyError as V;
        let (key_check, signature_check) = match kind {
            ObjectKind::Certificate => (Check::IssuerKey, Check::IssuerSignature),
            ObjectKind::Seal => (Check::SealMaker, Check::SealMaker),
            ObjectKind::Stamp => (Check::StampSignature, Check::StampSignature),
            ObjectKind::Presentation => (Check::HolderBinding, Check::HolderBinding),
            ObjectKind::StatusList | ObjectKind::TrustBundle => (Check::Decode, Check::Decode),
        };
        match (self, kind) {
            (Self::Decode(e), _) => V::Decode(e),
            (Self::WrongType { expected, .. }, _) => V::WrongType { expected },
            (Self::HeaderNotAllowed { item, .. }, _) => V::HeaderNotAllowed { item },
            (Self::KeyId, _) => V::Decode(DecodeError::MissingKey {
                key: crate::encoding::cose::label::KID,
            }),
            (Self::AlgorithmNotAllowed { alg }, ObjectKind::Certificate) => {
                V::AlgorithmNotAllowed { alg }
            }
            (Self::KeyTypeMismatch { alg, key }, ObjectKind::Certificate) => {
                V::KeyTypeMismatch { alg, key }
            }
            (Self::UnknownKey { kid, .. }, ObjectKind::Certificate) => V::UnknownIssuerKey { kid },
            (Self::Chain(e), ObjectKind::Certificate) => V::IssuerChain(e),
            (Self::BadSignature, ObjectKind::Certificate) => V::BadSignature,
            (Self::UnknownKey { .. }, ObjectKind::Seal) => V::UnknownSealMaker,
            (Self::Chain(e), ObjectKind::Seal) => V::SealMakerChain(e),
            (Self::BadSignature, ObjectKind::Seal) => V::BadSealSignature,
            (Self::BadSignature, ObjectKind::Stamp) => V::BadStampSignature,
            (Self::BadSignature, ObjectKind::Presentation) => V::BadDeviceSignature,
            (Self::KeyRevoked(revoked), _) => V::KeyRevoked {
                check: key_check,
                revoked,
            },
            (error @ Self::BadSignature, _) => V::Envelope {
                check: signature_check,
                error,
            },
            (error, _) => V::Envelope {
                check: key_check,
                error,
            },
        }
    }
}
