//! The per-check verification [`Report`].

use core::fmt;

use super::envelope::{EnvelopeError, HeaderItem, ObjectKind, describe_revoked};
use crate::crypto::Algorithm;
use crate::encoding::cbor::DecodeError;
use crate::encoding::qr::QrError;
use crate::model::Warning;
use crate::time::UnixTime;
use crate::trust::{ChainError, RevokedKey};

/// One check of the verification procedure (DESIGN §5), numbered as there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Check {
    /// Check 0: the trust bundle the verifier was loaded from is still in force (skipped
    /// for a verifier configured directly).
    TrustBundle,
    /// 1. The bytes decode within limits, canonically, as the expected object.
    Decode,
    /// 2. The algorithm is allowed and the key type matches it.
    Algorithm,
    /// 3. The issuer key resolves to a trust anchor.
    IssuerKey,
    /// 4. The issuer's signature verifies over the received bytes.
    IssuerSignature,
    /// 5. The agency the key is certified for is the claimed issuer.
    IssuerIdentity,
    /// 6. The time is inside the validity window (with bounded clock skew).
    Validity,
    /// 7. Every disclosed item matches a signed digest.
    Disclosures,
    /// 8. Holder binding: signed by the device key (`cnf`), fresh, nonce, audience, no replay.
    HolderBinding,
    /// 9. The certificate's published status is VALID.
    Status,
    /// 10a. The stamp's signature verifies under the stamping key it carries.
    StampSignature,
    /// 10b. The seal authorises the stamping key.
    SealAuthorisation,
    /// 10c. The seal is signed by a trusted seal maker.
    SealMaker,
    /// 10d. The seal was valid when the document was stamped.
    SealValidity,
    /// 10e. The seal's published status is VALID (when it has one).
    SealStatus,
    /// 10f. The document is the one that was stamped.
    DocumentDigest,
    /// 10g. A national stamp's signer certificate is trusted for stamping at the signing
    /// time (GB/T 38540 step 5, after the seal).
    SignerCertificate,
}

impl Check {
    /// The checks a stamp goes through, in the GB/T 38540 order.
    pub const STAMP: [Self; 8] = [
        Self::TrustBundle,
        Self::Decode,
        Self::StampSignature,
        Self::SealAuthorisation,
        Self::SealMaker,
        Self::SealValidity,
        Self::SealStatus,
        Self::DocumentDigest,
    ];

    /// The checks a national (GB/T 38540) stamp goes through, in the standard's order.
    pub const NATIONAL_STAMP: [Self; 9] = [
        Self::TrustBundle,
        Self::Decode,
        Self::StampSignature,
        Self::SealAuthorisation,
        Self::SealMaker,
        Self::SealValidity,
        Self::SealStatus,
        Self::SignerCertificate,
        Self::DocumentDigest,
    ];

    /// The checks a national seal goes through.
    pub const NATIONAL_SEAL: [Self; 5] = [
        Self::TrustBundle,
        Self::Decode,
        Self::SealMaker,
        Self::SealValidity,
        Self::SealStatus,
    ];

    /// The checks an OFD digital signature (`Type="Sign"`, GB/T 35275 `SignedData` or a bare
    /// SM2 signature) goes through: 10a is the signer's signature, 6 the signing time not
    /// after the verification time.
    pub const OFD_SIGNATURE: [Self; 6] = [
        Self::TrustBundle,
        Self::Decode,
        Self::StampSignature,
        Self::Validity,
        Self::SignerCertificate,
        Self::DocumentDigest,
    ];

    /// The checks a certificate (static, or inside a presentation) goes through, in order.
    pub const CERTIFICATE: [Self; 10] = [
        Self::TrustBundle,
        Self::Decode,
        Self::Algorithm,
        Self::IssuerKey,
        Self::IssuerSignature,
        Self::IssuerIdentity,
        Self::Validity,
        Self::Disclosures,
        Self::HolderBinding,
        Self::Status,
    ];

    /// The number of the check in DESIGN §5.
    #[must_use]
    pub fn number(self) -> u8 {
        match self {
            Self::TrustBundle => 0,
            Self::Decode => 1,
            Self::Algorithm => 2,
            Self::IssuerKey => 3,
            Self::IssuerSignature => 4,
            Self::IssuerIdentity => 5,
            Self::Validity => 6,
            Self::Disclosures => 7,
            Self::HolderBinding => 8,
            Self::Status => 9,
            Self::StampSignature
            | Self::SealAuthorisation
            | Self::SealMaker
            | Self::SealValidity
            | Self::SealStatus
            | Self::DocumentDigest
            | Self::SignerCertificate => 10,
        }
    }

    /// The step as DESIGN.md numbers it: `"1"` … `"9"`, and `"10a"` … `"10g"` for the stamp
    /// steps; `"0"` for the trust bundle's own validity.
    #[must_use]
    pub fn step(self) -> &'static str {
        match self {
            Self::TrustBundle => "0",
            Self::Decode => "1",
            Self::Algorithm => "2",
            Self::IssuerKey => "3",
            Self::IssuerSignature => "4",
            Self::IssuerIdentity => "5",
            Self::Validity => "6",
            Self::Disclosures => "7",
            Self::HolderBinding => "8",
            Self::Status => "9",
            Self::StampSignature => "10a",
            Self::SealAuthorisation => "10b",
            Self::SealMaker => "10c",
            Self::SealValidity => "10d",
            Self::SealStatus => "10e",
            Self::DocumentDigest => "10f",
            Self::SignerCertificate => "10g",
        }
    }

    /// A stable machine name (used in test vectors and JSON reports).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::TrustBundle => "trust-bundle",
            Self::Decode => "decode",
            Self::Algorithm => "algorithm",
            Self::IssuerKey => "issuer-key",
            Self::IssuerSignature => "issuer-signature",
            Self::IssuerIdentity => "issuer-identity",
            Self::Validity => "validity",
            Self::Disclosures => "disclosures",
            Self::HolderBinding => "holder-binding",
            Self::Status => "status",
            Self::StampSignature => "stamp-signature",
            Self::SealAuthorisation => "seal-authorisation",
            Self::SealMaker => "seal-maker",
            Self::SealValidity => "seal-validity",
            Self::SealStatus => "seal-status",
            Self::DocumentDigest => "document-digest",
            Self::SignerCertificate => "signer-certificate",
        }
    }

    /// The Chinese label for display.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::TrustBundle => "信任包有效期",
            Self::Decode => "格式解码",
            Self::Algorithm => "签名算法",
            Self::IssuerKey => "签发密钥可信",
            Self::IssuerSignature => "签发机构签名",
            Self::IssuerIdentity => "签发机构身份",
            Self::Validity => "有效期",
            Self::Disclosures => "选择性披露",
            Self::HolderBinding => "持证设备签名与时效",
            Self::Status => "证照状态",
            Self::StampSignature => "签章签名",
            Self::SealAuthorisation => "签章者与印章匹配",
            Self::SealMaker => "制章者签名",
            Self::SealValidity => "印章有效期",
            Self::SealStatus => "印章状态",
            Self::DocumentDigest => "原文杂凑",
            Self::SignerCertificate => "签章者证书有效性",
        }
    }
}

/// Why verification failed: exactly one check fails, and this says how.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The bytes are not a canonical encoding of the expected object.
    #[error("does not decode: {0}")]
    Decode(#[from] DecodeError),
    /// The QR text does not decode.
    #[error("QR text does not decode: {0}")]
    QrText(#[from] QrError),
    /// The COSE `typ` names another kind of object.
    #[error("not a {expected} (typ is not {})", expected.typ())]
    WrongType {
        /// The kind expected.
        expected: ObjectKind,
    },
    /// The object carries a header item its kind may not (e.g. unsigned bytes beside a seal).
    #[error("the object may not carry {item}")]
    HeaderNotAllowed {
        /// The item.
        item: HeaderItem,
    },
    /// Another refusal of the signed envelope, at `check`.
    #[error("{error}")]
    Envelope {
        /// The check it fails.
        check: Check,
        /// Why.
        error: EnvelopeError,
    },
    /// Signed by a key marked compromised (or under a key that is), whatever the signing time
    /// claimed.
    #[error("signed by a revoked key ({})", describe_revoked(revoked))]
    KeyRevoked {
        /// The check it fails: the one that resolves the key.
        check: Check,
        /// The revoked key.
        revoked: RevokedKey,
    },
    /// The trust bundle the verifier was loaded from has expired: fetch a fresh one.
    #[error("the trust bundle expired at {expires_at} (now {now})")]
    TrustBundleExpired {
        /// The bundle's expiry.
        expires_at: UnixTime,
        /// Verification time.
        now: UnixTime,
    },
    /// Verifying at a time before the trust bundle was issued.
    #[error("the trust bundle was issued at {issued_at}, after {now}")]
    TrustBundleNotYetValid {
        /// The bundle's issued-at.
        issued_at: UnixTime,
        /// Verification time.
        now: UnixTime,
    },
    /// A disclosure item does not decode.
    #[error("disclosure {index} does not decode: {error}")]
    MalformedDisclosure {
        /// Position in the certificate's disclosure list.
        index: usize,
        /// What is wrong with it.
        error: DecodeError,
    },
    /// The algorithm is not on the allow-list.
    #[error("algorithm {alg} is not allowed")]
    AlgorithmNotAllowed {
        /// The COSE algorithm identifier found.
        alg: i64,
    },
    /// The trusted key with this identifier is of another type than the algorithm.
    #[error("algorithm {alg} does not match the {key} key with this key id")]
    KeyTypeMismatch {
        /// Algorithm named by the certificate.
        alg: Algorithm,
        /// Algorithm of the trusted key.
        key: Algorithm,
    },
    /// No trusted key has this identifier.
    #[error("no trusted issuer key with key id {}", hex(kid))]
    UnknownIssuerKey {
        /// The key identifier found.
        kid: Vec<u8>,
    },
    /// The signature does not verify under any trusted key with this identifier.
    #[error("issuer signature does not verify")]
    BadSignature,
    /// The key is certified for another agency than the one the certificate names.
    #[error("certificate claims issuer {claimed} but the key speaks for {certified}")]
    IssuerMismatch {
        /// Agency code claimed by the certificate.
        claimed: String,
        /// Agency code the key is certified for.
        certified: String,
    },
    /// Signed after the verification time.
    #[error("signed at {signed_at}, after the verification time {now}")]
    SignedInFuture {
        /// Verification time.
        now: UnixTime,
        /// The certificate's `iat`.
        signed_at: UnixTime,
    },
    /// Not valid yet.
    #[error("not valid before {not_before} (now {now})")]
    NotYetValid {
        /// Verification time.
        now: UnixTime,
        /// Start of validity.
        not_before: UnixTime,
    },
    /// No longer valid.
    #[error("expired at {not_after} (now {now})")]
    Expired {
        /// Verification time.
        now: UnixTime,
        /// End of validity.
        not_after: UnixTime,
    },
    /// A disclosed item's digest is not among the signed digests (altered or foreign item).
    #[error("disclosure {index} does not match any signed digest")]
    DisclosureNotSigned {
        /// Position in the certificate's disclosure list.
        index: usize,
    },
    /// The same item is disclosed twice.
    #[error("disclosure {index} repeats an earlier one")]
    DuplicateDisclosure {
        /// Position in the certificate's disclosure list.
        index: usize,
    },
    /// A disclosed field has the name of another shown field.
    #[error("disclosure {index} has the name of another field")]
    DisclosureNameClash {
        /// Position in the certificate's disclosure list.
        index: usize,
    },
    /// The status list says the certificate is no longer valid (revoked, cancelled, …).
    #[error("the certificate is revoked (status list entry {index})")]
    Revoked {
        /// The status list index.
        index: u64,
    },
    /// The status list says the certificate is suspended.
    #[error("the certificate is suspended (status list entry {index})")]
    Suspended {
        /// The status list index.
        index: u64,
    },
    /// The status could not be established; never taken as revoked.
    #[error("the certificate's status is unknown: {0}")]
    StatusUnknown(UnknownStatus),
    /// The stamp's signature does not verify under the key it carries (or the key is not of
    /// the stamp's algorithm).
    #[error("stamp signature does not verify")]
    BadStampSignature,
    /// The seal does not list the stamping key.
    #[error("the stamping key is not authorised by the seal")]
    KeyNotAuthorised,
    /// A newer version of the seal, from its maker, no longer lists the stamping key.
    #[error("the seal was replaced by a version that no longer authorises the stamping key")]
    SealSuperseded,
    /// No trusted seal maker has the seal's key id.
    #[error("the seal maker is not trusted")]
    UnknownSealMaker,
    /// The seal maker's signature does not verify.
    #[error("seal signature does not verify")]
    BadSealSignature,
    /// Stamped outside the seal's validity, or after the verification time.
    #[error("stamped at {signed_at}, outside the seal's validity or after {now}")]
    SealNotValid {
        /// The stamp's signing time.
        signed_at: UnixTime,
        /// Verification time.
        now: UnixTime,
    },
    /// The seal's status list says it is no longer valid (revoked, cancelled, lost for good).
    #[error("the seal is revoked")]
    SealRevoked,
    /// The seal's status list says it is suspended (e.g. reported lost).
    #[error("the seal is suspended")]
    SealSuspended,
    /// The seal's status could not be established.
    #[error("the seal's status is unknown: {0}")]
    SealStatusUnknown(UnknownStatus),
    /// The document digest does not match (or uses an unsupported algorithm).
    #[error("the document is not the one that was stamped")]
    DocumentMismatch,
    /// The certificate is bound to a holder device (`cnf`) but was shown without a
    /// presentation signed by it (a copy or screenshot of the certificate itself).
    #[error(
        "the certificate is bound to the holder's device: only a presentation it signs is accepted"
    )]
    PresentationRequired,
    /// A presentation of a certificate that is not bound to a device key.
    #[error("the certificate has no device key (cnf), so it cannot be presented with one")]
    NotHolderBound,
    /// The presentation's signature does not verify under the certificate's device key.
    #[error("the presentation is not signed by the holder's device key")]
    BadDeviceSignature,
    /// The presentation has expired (a screenshot, or a code shown too late).
    #[error("the presentation expired at {expires_at} (now {now})")]
    PresentationExpired {
        /// Verification time.
        now: UnixTime,
        /// The presentation's `exp`.
        expires_at: UnixTime,
    },
    /// The presentation was signed after the verification time.
    #[error("the presentation is signed at {issued_at}, after {now}")]
    PresentationFromFuture {
        /// Verification time.
        now: UnixTime,
        /// The presentation's `iat`.
        issued_at: UnixTime,
    },
    /// The presentation does not carry the nonce the verifier sent.
    #[error("the presentation does not carry this verifier's nonce")]
    NonceMismatch,
    /// The presentation is addressed to someone else.
    #[error("the presentation is addressed to another audience")]
    AudienceMismatch,
    /// The presentation was already verified within its lifetime (a replay).
    #[error("the presentation was already shown (replay)")]
    Replayed,
    /// The replay cache is full of unexpired presentations; refusing is the safe answer.
    #[error("the replay cache is full")]
    ReplayCacheFull,
    /// The issuer's X.509 chain (`x5chain`) does not validate to a trusted root.
    #[error("issuer certificate chain: {0}")]
    IssuerChain(ChainError),
    /// The agency seal the certificate is signed under does not authorise its key.
    #[error("issuer seal: {0}")]
    IssuerSeal(SealAuthorityError),
    /// The seal maker's X.509 chain does not validate to a trusted root.
    #[error("seal maker certificate chain: {0}")]
    SealMakerChain(ChainError),
    /// A national stamp's signer certificate is not trusted for stamping at the signing time.
    #[error("signer certificate: {0}")]
    SignerChain(ChainError),
    /// An OFD digital signature names no certificate that verifies it: a `SignedData` without
    /// its signer's certificate, or a bare signature no certificate pinned for stamp signing
    /// verifies (pin the signer's certificate to verify it).
    #[error("no certificate for the signer: the signature cannot be verified")]
    NoSignerCertificate,
    /// A national seal or stamp does not decode (the element is named).
    #[cfg(feature = "gm")]
    #[error("{0}")]
    NationalDecode(#[from] crate::gm::SesError),
}

/// Why the seal a certificate names does not authorise the certificate's key (check 3).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SealAuthorityError {
    /// The verifier holds no seal with this esID (give it the seal or a trust bundle).
    #[error("no seal {0} is held")]
    UnknownSeal(String),
    /// The seal held under this esID is not the one the certificate names.
    #[error("the held seal is not the one named (digest differs)")]
    DigestMismatch,
    /// The seal does not list the signing key, or the certificate names another key.
    #[error("the seal does not authorise the signing key")]
    KeyNotAuthorised,
    /// The certificate was signed outside the seal's validity.
    #[error("signed at {0}, outside the seal's validity")]
    NotValidAt(UnixTime),
    /// Another trusted maker already made a seal with this esID: a newer version can only
    /// come from the maker of the held one.
    #[error("a seal with this esID from another maker is held")]
    OtherMaker,
    /// The seal says it was made after the verification time.
    #[error("the seal was made at {0}, after the verification time")]
    NotYetMade(UnixTime),
    /// Another seal with this esID and the same creation time is held.
    #[error("a different seal with this esID and creation time is held")]
    Conflict,
    /// A newer version of the seal is held, and it no longer authorises the key.
    #[error("the seal was replaced by a version that no longer authorises the key")]
    Superseded,
    /// The key in the header's seal reference is not a key of the object's algorithm.
    #[error("the seal reference does not name a valid key")]
    InvalidKey,
    /// The seal is revoked or suspended.
    #[error("the seal is {0}")]
    Status(StatusOutcome),
}

/// Why a certificate's status is UNKNOWN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UnknownStatus {
    /// No list with the certificate's URI was given to the verifier.
    #[error("no status list for its URI")]
    NoList,
    /// The list is past its `ttl` (or the verifier's maximum age) or `exp`.
    #[error("the status list is stale")]
    Stale,
    /// The list was issued after the verification time.
    #[error("the status list is from the future")]
    NotYetIssued,
    /// The list for this URI is signed for another agency.
    #[error("the status list is signed for another agency")]
    WrongSigner,
    /// The index is beyond the list.
    #[error("the index is beyond the status list")]
    IndexOutOfRange,
    /// The key that signed the held list has been revoked since.
    #[error("the status list's signer is revoked")]
    SignerRevoked,
    /// A status value this library does not interpret.
    #[error("unsupported status value {0}")]
    UnsupportedValue(u8),
}

/// The certificate's status as the verifier established it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StatusOutcome {
    /// VALID (list value 0).
    Valid,
    /// REVOKED: INVALID (list value 1).
    Revoked,
    /// SUSPENDED (list value 2).
    Suspended,
    /// UNKNOWN, with the reason.
    Unknown(UnknownStatus),
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl VerifyError {
    /// The check this error fails.
    #[must_use]
    pub fn check(&self) -> Check {
        match self {
            Self::Envelope { check, .. } | Self::KeyRevoked { check, .. } => *check,
            Self::TrustBundleExpired { .. } | Self::TrustBundleNotYetValid { .. } => {
                Check::TrustBundle
            }
            Self::Decode(_)
            | Self::QrText(_)
            | Self::WrongType { .. }
            | Self::HeaderNotAllowed { .. }
            | Self::MalformedDisclosure { .. } => Check::Decode,
            Self::AlgorithmNotAllowed { .. } | Self::KeyTypeMismatch { .. } => Check::Algorithm,
            Self::UnknownIssuerKey { .. } | Self::IssuerChain(_) | Self::IssuerSeal(_) => {
                Check::IssuerKey
            }
            Self::BadSignature => Check::IssuerSignature,
            Self::IssuerMismatch { .. } => Check::IssuerIdentity,
            Self::SignedInFuture { .. } | Self::NotYetValid { .. } | Self::Expired { .. } => {
                Check::Validity
            }
            Self::DisclosureNotSigned { .. }
            | Self::DuplicateDisclosure { .. }
            | Self::DisclosureNameClash { .. } => Check::Disclosures,
            Self::Revoked { .. } | Self::Suspended { .. } | Self::StatusUnknown(_) => Check::Status,
            Self::PresentationRequired
            | Self::NotHolderBound
            | Self::BadDeviceSignature
            | Self::PresentationExpired { .. }
            | Self::PresentationFromFuture { .. }
            | Self::NonceMismatch
            | Self::AudienceMismatch
            | Self::Replayed
            | Self::ReplayCacheFull => Check::HolderBinding,
            Self::BadStampSignature | Self::NoSignerCertificate => Check::StampSignature,
            Self::KeyNotAuthorised | Self::SealSuperseded => Check::SealAuthorisation,
            Self::UnknownSealMaker | Self::BadSealSignature | Self::SealMakerChain(_) => {
                Check::SealMaker
            }
            Self::SealNotValid { .. } => Check::SealValidity,
            Self::SealRevoked | Self::SealSuspended | Self::SealStatusUnknown(_) => {
                Check::SealStatus
            }
            Self::DocumentMismatch => Check::DocumentDigest,
            Self::SignerChain(_) => Check::SignerCertificate,
            #[cfg(feature = "gm")]
            Self::NationalDecode(_) => Check::Decode,
        }
    }
}

impl fmt::Display for StatusOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Valid => f.write_str("VALID"),
            Self::Revoked => f.write_str("REVOKED"),
            Self::Suspended => f.write_str("SUSPENDED"),
            Self::Unknown(reason) => write!(f, "UNKNOWN ({reason})"),
        }
    }
}

/// Why a check did not run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkipReason {
    /// An earlier check failed, so this one was not attempted.
    EarlierCheckFailed,
    /// The certificate was presented without any disclosed field.
    NoDisclosures,
    /// The certificate (or seal) carries no status reference.
    NoStatusClaim,
    /// The certificate is not bound to a holder device (no `cnf`): shown statically.
    NotHolderBound,
    /// The verifier was configured directly, not loaded from a trust bundle.
    NoTrustBundle,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::EarlierCheckFailed => "an earlier check failed",
            Self::NoDisclosures => "no disclosed fields were presented",
            Self::NoStatusClaim => "no status reference (none is published)",
            Self::NotHolderBound => "not bound to a holder device (shown statically)",
            Self::NoTrustBundle => "the verifier was not loaded from a trust bundle",
        })
    }
}

/// What happened to one check.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The check ran and passed.
    Passed,
    /// The check ran and failed.
    Failed(VerifyError),
    /// The check did not run.
    Skipped(SkipReason),
    /// The check failed, but the verifier's policy explicitly allows this failure (e.g.
    /// `allow_unknown_status`).
    Allowed(VerifyError),
}

/// A check and its outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckResult {
    /// Which check.
    pub check: Check,
    /// What happened.
    pub outcome: Outcome,
}

/// Every check with its outcome, warnings about irregular but acceptable content, and the
/// name of the trusted key that verified the signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    results: Vec<CheckResult>,
    warnings: Vec<Warning>,
    trusted_key: Option<String>,
    status: Option<StatusOutcome>,
    #[cfg(feature = "gm")]
    national: Vec<super::national::NationalWarning>,
}

impl Report {
    pub(crate) fn new(checks: &[Check]) -> Self {
        Self {
            results: checks
                .iter()
                .map(|&check| CheckResult {
                    check,
                    outcome: Outcome::Skipped(SkipReason::EarlierCheckFailed),
                })
                .collect(),
            warnings: Vec::new(),
            trusted_key: None,
            status: None,
            #[cfg(feature = "gm")]
            national: Vec::new(),
        }
    }

    /// Irregular but acceptable content of a national seal or stamp (feature `gm`).
    #[cfg(feature = "gm")]
    #[must_use]
    pub fn national_warnings(&self) -> &[super::national::NationalWarning] {
        &self.national
    }

    #[cfg(feature = "gm")]
    pub(crate) fn add_national(
        &mut self,
        warnings: impl IntoIterator<Item = super::national::NationalWarning>,
    ) {
        for warning in warnings {
            if !self.national.contains(&warning) {
                self.national.push(warning);
            }
        }
    }

    pub(crate) fn set_status(&mut self, status: StatusOutcome) {
        self.status = Some(status);
    }

    /// The certificate's status (VALID, REVOKED, SUSPENDED or UNKNOWN), if it has a status
    /// reference and the earlier checks passed.
    #[must_use]
    pub fn status(&self) -> Option<StatusOutcome> {
        self.status
    }

    pub(crate) fn set(&mut self, check: Check, outcome: Outcome) {
        if let Some(result) = self.results.iter_mut().find(|r| r.check == check) {
            result.outcome = outcome;
        }
    }

    pub(crate) fn add_warnings(&mut self, warnings: impl IntoIterator<Item = Warning>) {
        self.warnings.extend(warnings);
    }

    pub(crate) fn set_trusted_key(&mut self, name: &str) {
        self.trusted_key = Some(name.to_owned());
    }

    /// Every check, in order.
    #[must_use]
    pub fn results(&self) -> &[CheckResult] {
        &self.results
    }

    /// The outcome of one check, if it belongs to this verification.
    #[must_use]
    pub fn outcome(&self, check: Check) -> Option<&Outcome> {
        self.results
            .iter()
            .find(|r| r.check == check)
            .map(|r| &r.outcome)
    }

    /// The failed check and why, if any failed.
    #[must_use]
    pub fn failure(&self) -> Option<&VerifyError> {
        self.results.iter().find_map(|r| match &r.outcome {
            Outcome::Failed(e) => Some(e),
            _ => None,
        })
    }

    /// Irregular but acceptable content (e.g. a third-party code with a wrong check
    /// character).
    #[must_use]
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The name of the trust anchor whose key verified the signature.
    #[must_use]
    pub fn trusted_key(&self) -> Option<&str> {
        self.trusted_key.as_deref()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for r in &self.results {
            let (mark, detail) = match &r.outcome {
                Outcome::Passed => ("✓", String::from("passed")),
                Outcome::Failed(e) => ("✗", format!("FAILED: {e}")),
                Outcome::Skipped(why) => ("-", format!("skipped: {why}")),
                Outcome::Allowed(e) => ("!", format!("allowed by policy: {e}")),
            };
            writeln!(
                f,
                "{mark} {}. {} ({}): {detail}",
                r.check.step(),
                r.check.label(),
                r.check.name()
            )?;
        }
        if let Some(name) = &self.trusted_key {
            writeln!(f, "  verified with trusted key: {name}")?;
        }
        if let Some(status) = &self.status {
            writeln!(f, "  status: {status}")?;
        }
        for w in &self.warnings {
            writeln!(f, "  warning: {w}")?;
        }
        #[cfg(feature = "gm")]
        for w in &self.national {
            writeln!(f, "  warning: {w}")?;
        }
        Ok(())
    }
}
