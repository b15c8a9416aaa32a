//! Verifying every signature of an OFD document (feature `gm`): for each entry of each
//! `Signatures.xml`, the references (SM3 of every covered file equal to its `CheckValue`),
//! then the signed value: for an electronic stamp (`Type="Seal"`), a GB/T 38540 stamp over
//! the received `Signature.xml` (its `dataHash`), naming that file in `propertyInfo`, with
//! the seal equal to the package's `Seal.esl`, verified as
//! [`Verifier::verify_national_stamp`] does; for a digital signature (`Type="Sign"`), a
//! GB/T 35275 `SignedData` or a bare signature over it, as
//! [`Verifier::verify_ofd_signed_value`] does. A GM/T 0099 integrity list
//! (`OFDEntries.xml`), when present, is verified the same way, and every file of the package
//! must be on it.
//!
//! A later signature adds itself to `Signatures.xml`, which some producers' earlier
//! signatures reference: when that reference fails but matches the file with the later
//! entries taken out, the earlier signature is reported as
//! [`OfdOutcome::ChangedByLaterSignature`] — its own checks pass, every byte it covered up
//! to the next entry is unchanged, and the later entries must stand themselves for the
//! document to be valid — never as valid or tampered.

use super::national::VerifiedNationalStamp;
use super::ofd_signature::VerifiedOfdSignature;
use super::{Rejected, VerificationContext, Verified, Verifier};
use crate::crypto::sm3;
use crate::gm::ofd::{
    IntegrityList, LICENCE_ATTACHMENT, OfdError, OfdLimits, OfdPackage, OfdSignature,
    SignatureEntry, SignatureKind, SignatureList,
};

/// SM3 of each file, computed once per verification, and of a listing as it was before its
/// later entries within a budget of bytes: a package that references one large file ten
/// thousand times, or lists ten thousand signatures, costs hashing it once, not 10⁴ times.
struct Digests<'a> {
    package: &'a OfdPackage,
    files: std::collections::HashMap<String, [u8; 32]>,
    pruned_budget: u64,
}

impl Digests<'_> {
    fn of(&mut self, path: &str) -> Option<[u8; 32]> {
        if let Some(digest) = self.files.get(path) {
            return Some(*digest);
        }
        let digest = sm3(self.package.get(path)?);
        self.files.insert(path.to_owned(), digest);
        Some(digest)
    }

    /// `None` when the listing has no later entries or the budget is spent (then the
    /// reference counts as changed: refusing is the safe answer).
    fn before_later_entries(&mut self, list: &SignatureList, index: usize) -> Option<[u8; 32]> {
        let cost = self.package.get(&list.path).map_or(0, <[u8]>::len) as u64;
        self.pruned_budget = self.pruned_budget.checked_sub(cost)?;
        list.before_later_entries(index).map(|bytes| sm3(&bytes))
    }
}

/// What an OFD signature that stands was verified as: GB/T 33190 knows these two kinds.
#[derive(Clone, Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "always boxed inside OfdOutcome; callers match on it by reference"
)]
pub enum OfdSigned {
    /// An electronic stamp (`Type="Seal"`).
    Stamp(Verified<VerifiedNationalStamp>),
    /// A digital signature (`Type="Sign"`).
    Signature(Verified<VerifiedOfdSignature>),
}

impl OfdSigned {
    /// The report of the verification.
    #[must_use]
    pub fn report(&self) -> &super::Report {
        match self {
            Self::Stamp(v) => v.report(),
            Self::Signature(v) => v.report(),
        }
    }
}

/// SM3 as OFD names it in `CheckMethod`: the OID, or the bare name (ofdrw and most vendors).
const SM3_METHODS: [&str; 2] = ["1.2.156.10197.1.401", "SM3"];

/// What became of one signature of an OFD.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum OfdOutcome {
    /// Every reference matches and the signed value verifies.
    Valid(Box<OfdSigned>),
    /// The signed value verifies and every reference matches, except the one to
    /// `Signatures.xml`, which matches the file as it was before the later signatures were
    /// appended.
    ChangedByLaterSignature(Box<OfdSigned>),
    /// Files the signature covers changed after signing (by package path).
    ReferencesChanged(Vec<String>),
    /// The package does not hold what the signature describes.
    Malformed(OfdError),
    /// The signed value is not a valid stamp or signature over this `Signature.xml`
    /// (including a bare signature with no pinned certificate to verify it).
    Rejected(Box<Rejected>),
    /// The stamp verifies but names another `Signature.xml` in `propertyInfo`, or carries a
    /// seal other than the package's `Seal.esl`.
    Inconsistent(&'static str),
    /// A kind of signature this version does not verify (a check method other than SM3):
    /// not valid.
    Unsupported(&'static str),
}

impl OfdOutcome {
    /// Whether the signature stands: valid, or valid with its listing changed by a later
    /// signature.
    #[must_use]
    pub fn stands(&self) -> bool {
        matches!(self, Self::Valid(_) | Self::ChangedByLaterSignature(_))
    }
}

/// One signature of an OFD and its outcome.
#[derive(Clone, Debug)]
pub struct OfdSignatureVerdict {
    /// Its `Signatures.xml` entry (id, type, location).
    pub entry: SignatureEntry,
    /// What became of it.
    pub outcome: OfdOutcome,
}

/// What became of an OFD's GM/T 0099 integrity list.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum IntegrityOutcome {
    /// The list's signature verifies and every file of the package is on it.
    Valid(Box<Verified<VerifiedOfdSignature>>),
    /// Files in the package that the list does not name (夹带: smuggled in).
    Unlisted(Vec<String>),
    /// Files the list names that the package does not hold.
    Missing(Vec<String>),
    /// The list's signed value is not a valid signature over it.
    Rejected(Box<Rejected>),
    /// The list is malformed or its signed value is absent.
    Malformed(OfdError),
}

/// Every signature of an OFD, in document order.
#[derive(Clone, Debug)]
pub struct OfdVerdict {
    /// One per `Signature` entry of every `Signatures.xml`.
    pub signatures: Vec<OfdSignatureVerdict>,
    /// The GM/T 0099 integrity list, when the package has one.
    pub integrity: Option<IntegrityOutcome>,
}

impl OfdVerdict {
    /// Whether the package holds at least one signature, every one stands, and its
    /// integrity list, if any, is valid. An integrity list alone is not enough: GM/T 0099
    /// lists file names, not digests, so it proves nothing was smuggled in, not that
    /// nothing changed.
    #[must_use]
    pub fn is_valid(&self) -> bool {
        let integrity_stands = match &self.integrity {
            None => true,
            Some(outcome) => matches!(outcome, IntegrityOutcome::Valid(_)),
        };
        !self.signatures.is_empty()
            && integrity_stands
            && self.signatures.iter().all(|s| s.outcome.stands())
    }
}

/// An OFD e-licence whose every signature stands, one of them covering the attached
/// certificate, which verifies.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct VerifiedOfdLicence {
    /// The document's signatures (the agency's stamp among them).
    pub document: OfdVerdict,
    /// The attached certificate, verified.
    pub certificate: Verified<crate::model::Certificate>,
}

/// Why an OFD e-licence was refused.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OfdLicenceError {
    /// The package does not read.
    #[error(transparent)]
    Package(#[from] OfdError),
    /// It has no signature, or one that does not stand.
    #[error("the document's signatures do not all stand")]
    NotValid(Box<OfdVerdict>),
    /// No `certificate.cwt` is attached.
    #[error("no certificate is attached ({LICENCE_ATTACHMENT})")]
    NoCertificate,
    /// No stamp (`Type="Seal"`) covers the attached certificate.
    #[error("no stamp covers the attached certificate")]
    NotCovered,
    /// The attached certificate is refused.
    #[error("the attached certificate: {}", .0.error())]
    Certificate(Box<Rejected>),
}

impl Verifier {
    /// Verifies an OFD e-licence (as `gm::ofd::licence_draft` and `sign_ofd` make it) at
    /// `ctx.now`: every signature of the document stands, a stamp (`Type="Seal"`) covers
    /// the attached `certificate.cwt`, and that certificate verifies (all checks, status
    /// included). The page text is for people and is not compared with the certificate:
    /// the attached certificate is what is authoritative.
    ///
    /// # Errors
    /// [`OfdLicenceError`] naming the first thing that fails.
    pub fn verify_ofd_licence(
        &self,
        bytes: &[u8],
        limits: &OfdLimits,
        ctx: &VerificationContext,
    ) -> Result<VerifiedOfdLicence, OfdLicenceError> {
        let package = OfdPackage::read(bytes, limits)?;
        let document = self.verify_package(&package, limits, ctx)?;
        if !document.is_valid() || document.signatures.is_empty() {
            return Err(OfdLicenceError::NotValid(Box::new(document)));
        }
        let path = package
            .attachments()?
            .into_iter()
            .find(|(name, _, _)| name == LICENCE_ATTACHMENT)
            .map(|(_, _, path)| path)
            .ok_or(OfdLicenceError::NoCertificate)?;
        // Only an electronic stamp (the agency's seal) vouches for an e-licence; the page text
        // is for people and is not compared with the certificate, which is authoritative.
        let covered = document.signatures.iter().any(|s| {
            s.entry.kind == SignatureKind::Seal
                && OfdSignature::read(&package, &s.entry.location, limits)
                    .is_ok_and(|sig| sig.references.iter().any(|r| r.file == path))
        });
        if !covered {
            return Err(OfdLicenceError::NotCovered);
        }
        let certificate = self
            .verify_certificate(package.file(&path)?, ctx)
            .map_err(|r| OfdLicenceError::Certificate(Box::new(r)))?;
        Ok(VerifiedOfdLicence {
            document,
            certificate,
        })
    }

    /// Verifies every signature of the OFD package `bytes` at `ctx.now`.
    ///
    /// # Errors
    /// [`OfdError`] when the package itself cannot be read (not a ZIP within `limits`, no
    /// `OFD.xml`, a malformed `Signatures.xml`); a problem with one signature is its outcome.
    pub fn verify_ofd(
        &self,
        bytes: &[u8],
        limits: &OfdLimits,
        ctx: &VerificationContext,
    ) -> Result<OfdVerdict, OfdError> {
        self.verify_package(&OfdPackage::read(bytes, limits)?, limits, ctx)
    }

    /// [`Verifier::verify_ofd`] of a package already read.
    fn verify_package(
        &self,
        package: &OfdPackage,
        limits: &OfdLimits,
        ctx: &VerificationContext,
    ) -> Result<OfdVerdict, OfdError> {
        let mut signatures = Vec::new();
        let mut digests = Digests {
            package,
            files: std::collections::HashMap::new(),
            pruned_budget: limits.max_total_bytes,
        };
        let mut lists = package.signature_lists()?;
        lists.dedup();
        for list_path in lists {
            let list = SignatureList::read(package, &list_path, limits)?;
            for (index, entry) in list.entries.iter().enumerate() {
                let outcome = self.ofd_signature(&mut digests, &list, index, limits, ctx);
                signatures.push(OfdSignatureVerdict {
                    entry: entry.clone(),
                    outcome,
                });
            }
        }
        let integrity = match IntegrityList::read(package, limits) {
            Ok(None) => None,
            Ok(Some(list)) => Some(self.ofd_integrity(package, &list, ctx)),
            Err(e) => Some(IntegrityOutcome::Malformed(e)),
        };
        Ok(OfdVerdict {
            signatures,
            integrity,
        })
    }

    fn ofd_integrity(
        &self,
        package: &OfdPackage,
        list: &IntegrityList,
        ctx: &VerificationContext,
    ) -> IntegrityOutcome {
        let (Ok(value), Ok(listed)) = (package.file(&list.signed_value), package.file(&list.path))
        else {
            return IntegrityOutcome::Malformed(OfdError::Missing(list.signed_value.clone()));
        };
        let verified = match self.verify_ofd_signed_value(value, listed, list.created, ctx) {
            Ok(verified) => verified,
            Err(rejected) => return IntegrityOutcome::Rejected(Box::new(rejected)),
        };
        let missing: Vec<String> = list
            .files
            .iter()
            .filter(|f| package.get(f).is_none())
            .cloned()
            .collect();
        if !missing.is_empty() {
            return IntegrityOutcome::Missing(missing);
        }
        let unlisted: Vec<String> = package
            .paths()
            .filter(|name| {
                !name.ends_with('/')
                    && *name != list.path
                    && *name != list.signed_value
                    && !list.files.iter().any(|f| f == name)
            })
            .map(str::to_owned)
            .collect();
        if unlisted.is_empty() {
            IntegrityOutcome::Valid(Box::new(verified))
        } else {
            IntegrityOutcome::Unlisted(unlisted)
        }
    }

    fn ofd_signature(
        &self,
        digests: &mut Digests<'_>,
        list: &SignatureList,
        index: usize,
        limits: &OfdLimits,
        ctx: &VerificationContext,
    ) -> OfdOutcome {
        let package = digests.package;
        let entry = &list.entries[index];
        let signature = match OfdSignature::read(package, &entry.location, limits) {
            Ok(signature) => signature,
            Err(e) => return OfdOutcome::Malformed(e),
        };
        if !SM3_METHODS.contains(&signature.check_method.as_str()) {
            return OfdOutcome::Unsupported("a CheckMethod other than SM3");
        }
        let mut changed = Vec::new();
        let mut listing_changed = false;
        for reference in &signature.references {
            let Some(digest) = digests.of(&reference.file) else {
                return OfdOutcome::Malformed(OfdError::Missing(reference.file.clone()));
            };
            if digest.as_slice() == reference.check_value {
                continue;
            }
            let earlier = (reference.file == list.path)
                .then(|| digests.before_later_entries(list, index))
                .flatten();
            if earlier.is_some_and(|e| e.as_slice() == reference.check_value) {
                listing_changed = true;
            } else {
                changed.push(reference.file.clone());
            }
        }
        if !changed.is_empty() {
            return OfdOutcome::ReferencesChanged(changed);
        }
        let (Ok(value), Ok(signed_xml)) = (
            package.file(&signature.signed_value),
            package.file(&signature.path),
        ) else {
            return OfdOutcome::Malformed(OfdError::Missing(signature.signed_value.clone()));
        };
        let signed = if entry.kind == SignatureKind::Sign {
            match self.verify_ofd_signed_value(value, signed_xml, signature.signed_at, ctx) {
                Ok(verified) => OfdSigned::Signature(verified),
                Err(rejected) => return OfdOutcome::Rejected(Box::new(rejected)),
            }
        } else {
            let stamp = match self.verify_national_stamp(value, signed_xml, ctx) {
                Ok(stamp) => stamp,
                Err(rejected) => return OfdOutcome::Rejected(Box::new(rejected)),
            };
            let named = crate::gm::ofd::resolve("", &stamp.value().property_info);
            if named.as_deref() != Some(signature.path.as_str()) {
                return OfdOutcome::Inconsistent("propertyInfo names another Signature.xml");
            }
            if let Some(seal_path) = &signature.seal
                && package.get(seal_path) != Some(stamp.value().seal.seal.as_bytes())
            {
                return OfdOutcome::Inconsistent("the stamp's seal is not the package's Seal.esl");
            }
            OfdSigned::Stamp(stamp)
        };
        if listing_changed {
            OfdOutcome::ChangedByLaterSignature(Box::new(signed))
        } else {
            OfdOutcome::Valid(Box::new(signed))
        }
    }
}
