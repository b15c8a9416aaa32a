//! X.509 issuer chains (RFC 5280 path validation, the subset the formats need).
//!
//! A chain arrives leaf first in the COSE `x5chain` header (RFC 9360) and must end at a
//! trusted root, either by including the root itself or by its top certificate being signed
//! by one. Work is linear in the chain, which [`Limits::max_chain_len`] bounds: the chain is
//! taken as given, never searched for.
//!
//! Checked for every certificate: DER that parses with nothing left over, version 3, the
//! same signature algorithm inside and outside the TBS, validity at the signing time, no
//! critical extension we do not understand. Leaf: not a CA, keyUsage with digitalSignature,
//! an Ed25519, P-256 or (feature `gm`) SM2 key, the role it is used for among its
//! extendedKeyUsage key purposes (unless its root allows unmarked leaves and it carries no
//! yinzheng purpose), and the agency's USCC, if any, in the subject's organizationIdentifier
//! (2.5.4.97). Each issuer: basicConstraints CA, keyUsage with keyCertSign, path length,
//! subject equal (byte for byte) to the issuer name below it, and its key verifies the
//! signature below it (Ed25519 per RFC 8410, ECDSA P-256 with SHA-256, SM2-with-SM3 with the
//! default distinguishing id per GB/T 35276). The root must be trusted for the role.
//!
//! A pinned certificate ([`X509Anchor::pinned`]) is an end-entity certificate trusted by
//! itself: a chain whose leaf is byte for byte that certificate needs no issuer, only the
//! leaf checks and the pin's roles (national PKIs hand out leaf certificates of seal makers
//! and signers whose roots are often not fit to be anchors).

use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::ParsedExtension;
use x509_parser::prelude::FromDer as _;
use x509_parser::x509::{AlgorithmIdentifier, X509Version};

use super::{Role, Roles, key_digest};
use crate::crypto::{Algorithm, PublicKey};
use crate::limits::Limits;
use crate::model::Uscc;
use crate::time::UnixTime;

/// DER contents of the object identifiers used here.
mod oid {
    pub(super) const ED25519: &[u8] = &[0x2B, 0x65, 0x70];
    pub(super) const EC_PUBLIC_KEY: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
    pub(super) const P256: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];
    pub(super) const ECDSA_SHA256: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02];
    pub(super) const ORGANIZATION_IDENTIFIER: &[u8] = &[0x55, 0x04, 0x61];
    pub(super) const BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1D, 0x13];
    pub(super) const KEY_USAGE: &[u8] = &[0x55, 0x1D, 0x0F];
    pub(super) const EXTENDED_KEY_USAGE: &[u8] = &[0x55, 0x1D, 0x25];
    /// 1.2.156.10197.1.301, the SM2 curve (GM/T 0006).
    #[cfg(feature = "gm")]
    pub(super) const SM2_CURVE: &[u8] = &[0x2A, 0x81, 0x1C, 0xCF, 0x55, 0x01, 0x82, 0x2D];
    /// 1.2.156.10197.1.501, SM2 signature with SM3.
    #[cfg(feature = "gm")]
    pub(super) const SM2_SM3: &[u8] = &[0x2A, 0x81, 0x1C, 0xCF, 0x55, 0x01, 0x83, 0x75];
    /// The whole DER `AlgorithmIdentifier`s accepted for signatures (no parameters).
    pub(super) const ED25519_ALGORITHM: &[u8] = &[0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70];
    pub(super) const ECDSA_SHA256_ALGORITHM: &[u8] = &[
        0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02,
    ];
    #[cfg(feature = "gm")]
    pub(super) const SM2_SM3_ALGORITHM: &[u8] = &[
        0x30, 0x0A, 0x06, 0x08, 0x2A, 0x81, 0x1C, 0xCF, 0x55, 0x01, 0x83, 0x75,
    ];
    /// SM2-with-SM3 with NULL parameters, as the tax bureau's PKI writes it: unambiguous,
    /// and the TBS copy of the identifier, which the signature covers, must be the same.
    #[cfg(feature = "gm")]
    pub(super) const SM2_SM3_NULL_ALGORITHM: &[u8] = &[
        0x30, 0x0C, 0x06, 0x08, 0x2A, 0x81, 0x1C, 0xCF, 0x55, 0x01, 0x83, 0x75, 0x05, 0x00,
    ];
    /// Every signature `AlgorithmIdentifier` accepted.
    pub(super) const SIGNATURE_ALGORITHMS: &[&[u8]] = &[
        ED25519_ALGORITHM,
        ECDSA_SHA256_ALGORITHM,
        #[cfg(feature = "gm")]
        SM2_SM3_ALGORITHM,
        #[cfg(feature = "gm")]
        SM2_SM3_NULL_ALGORITHM,
    ];
}

/// Why an X.509 chain or root was refused. `index` counts from the leaf (0); the trusted
/// root above the chain has index = chain length.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChainError {
    /// Not one DER certificate we can read (or bytes after it).
    #[error("certificate {index} is malformed: {reason}")]
    Malformed {
        /// Position in the chain.
        index: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// More certificates than [`Limits::max_chain_len`].
    #[error("chain of {len} certificates exceeds the limit of {max}")]
    TooLong {
        /// Certificates received.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The same certificate, or the same subject, appears twice.
    #[error("certificate {index} repeats an earlier one (loop)")]
    Loop {
        /// Position of the repetition.
        index: usize,
    },
    /// A key or signature algorithm other than Ed25519, ECDSA P-256/SHA-256 and (feature
    /// `gm`) SM2-with-SM3.
    #[error("certificate {index} uses an unsupported algorithm")]
    UnsupportedAlgorithm {
        /// Position in the chain.
        index: usize,
    },
    /// A critical extension this validator does not implement.
    #[error("certificate {index} has an unsupported critical extension")]
    UnsupportedCriticalExtension {
        /// Position in the chain.
        index: usize,
    },
    /// Outside its validity period at the signing time.
    #[error("certificate {index} is not valid at {at}")]
    NotValidAt {
        /// Position in the chain.
        index: usize,
        /// The signing time.
        at: UnixTime,
    },
    /// An issuing certificate without basicConstraints CA:true, or a leaf that is a CA.
    #[error("certificate {index} has the wrong basicConstraints for its place")]
    BasicConstraints {
        /// Position in the chain.
        index: usize,
    },
    /// keyUsage missing or without keyCertSign (issuers) / digitalSignature (leaf).
    #[error("certificate {index} has the wrong keyUsage for its place")]
    KeyUsage {
        /// Position in the chain.
        index: usize,
    },
    /// More CA certificates below an issuer than its pathLenConstraint allows.
    #[error("certificate {index} allows a shorter path")]
    PathLength {
        /// Position of the constraining certificate.
        index: usize,
    },
    /// A certificate's issuer name is not the subject of the next one.
    #[error("certificate {index}'s issuer is not the subject of the next certificate")]
    NameMismatch {
        /// Position of the issued certificate.
        index: usize,
    },
    /// A signature does not verify under its issuer's key.
    #[error("certificate {index}'s signature does not verify")]
    BadSignature {
        /// Position of the issued certificate.
        index: usize,
    },
    /// No trusted root issued the top of the chain.
    #[error("the chain does not lead to a trusted root")]
    UntrustedRoot,
    /// The leaf names no agency where one is needed, names several, or the code is not a
    /// valid USCC.
    #[error("the leaf certificate carries no single valid USCC in organizationIdentifier")]
    NoAgencyCode,
    /// The leaf's key is not the key the signed object names (`kid`).
    #[error("the leaf certificate's key is not the signing key")]
    LeafKeyMismatch,
    /// The root the chain ends at is not trusted for the role the chain is used for.
    #[error("the root {root} is not trusted for the {role} role")]
    RootNotTrustedFor {
        /// The root's name.
        root: String,
        /// The role the chain was used for.
        role: Role,
    },
    /// The leaf's key purposes (extendedKeyUsage) do not include the role it is used for.
    #[error("the leaf certificate is not marked for the {role} role")]
    LeafNotMarkedFor {
        /// The role the chain was used for.
        role: Role,
    },
}

/// A trusted X.509 root (or any certificate chosen as an anchor).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct X509Anchor {
    name: String,
    roles: Roles,
    unmarked_leaves: bool,
    pinned: bool,
    der: Vec<u8>,
    subject: Vec<u8>,
    key: PublicKey,
    path_len: Option<u32>,
    not_before: i64,
    not_after: i64,
}

impl X509Anchor {
    /// Reads a root certificate, trusted for `roles`, which must be a CA with keyCertSign
    /// and a supported key. Its own signature is not checked: it is trusted by being
    /// configured.
    ///
    /// # Errors
    /// [`ChainError`] (with index 0) when the certificate cannot serve as a root.
    pub fn from_der(name: &str, der: &[u8], roles: Roles) -> Result<Self, ChainError> {
        let cert = parse(0, der)?;
        check_common(0, &cert)?;
        let path_len = check_issuer(0, &cert)?;
        let validity = cert.validity();
        Ok(Self {
            name: name.to_owned(),
            roles,
            unmarked_leaves: false,
            pinned: false,
            der: der.to_vec(),
            subject: cert.subject().as_raw().to_vec(),
            key: subject_key(0, &cert)?,
            path_len,
            not_before: validity.not_before.timestamp(),
            not_after: validity.not_after.timestamp(),
        })
    }

    /// Pins an end-entity certificate, trusted by itself for `roles`: a chain whose leaf is
    /// these exact bytes is accepted without an issuer. It must pass the leaf checks (not a
    /// CA, keyUsage with digitalSignature, a supported key); its validity is checked at each
    /// use. It never signs other certificates.
    ///
    /// # Errors
    /// [`ChainError`] (with index 0) when the certificate cannot serve as a leaf.
    pub fn pinned(name: &str, der: &[u8], roles: Roles) -> Result<Self, ChainError> {
        let cert = parse(0, der)?;
        check_common(0, &cert)?;
        check_leaf(&cert)?;
        let validity = cert.validity();
        Ok(Self {
            name: name.to_owned(),
            roles,
            unmarked_leaves: false,
            pinned: true,
            der: der.to_vec(),
            subject: cert.subject().as_raw().to_vec(),
            key: subject_key(0, &cert)?,
            path_len: Some(0),
            not_before: validity.not_before.timestamp(),
            not_after: validity.not_after.timestamp(),
        })
    }

    /// Whether this is a pinned end-entity certificate rather than a root.
    #[must_use]
    pub fn is_pinned(&self) -> bool {
        self.pinned
    }

    /// The name given when the root was added.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The certificate as configured.
    #[must_use]
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The root's public key.
    #[must_use]
    pub fn public_key(&self) -> &PublicKey {
        &self.key
    }

    /// The roles chains to this root are accepted for.
    #[must_use]
    pub fn roles(&self) -> Roles {
        self.roles
    }

    /// Whether leaves without any yinzheng key purpose are accepted (for its one role).
    #[must_use]
    pub fn allows_unmarked_leaves(&self) -> bool {
        self.unmarked_leaves
    }

    pub(super) fn allow_unmarked_leaves(&mut self) {
        self.unmarked_leaves = true;
    }
}

/// What a valid chain establishes about its leaf.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ValidatedChain {
    /// The leaf's key: the key that signed the object carrying the chain.
    pub leaf_key: PublicKey,
    /// The agency the leaf certifies (organizationIdentifier), if it names one.
    pub agency: Option<Uscc>,
    /// The name of the root the chain ends at.
    pub anchor: String,
    /// The leaf's subject (RFC 4514 text), for reports.
    pub leaf_subject: String,
    /// The role the chain was accepted for.
    pub role: Role,
    /// SHA-256 of every key on the path, leaf first, the root's last (for revocation).
    pub key_digests: Vec<[u8; 32]>,
}

impl ValidatedChain {
    /// How a report names the signer: the leaf and the root it chains to.
    #[must_use]
    pub fn describe(&self) -> String {
        format!("{} (X.509, root {})", self.leaf_subject, self.anchor)
    }
}

/// Reads every `CERTIFICATE` block of a PEM text as DER.
///
/// # Errors
/// [`ChainError::Malformed`] (index = block number) for a block that is not valid PEM, or
/// when the text holds no certificate.
pub fn pem_certificates(pem: &str) -> Result<Vec<Vec<u8>>, ChainError> {
    let mut out = Vec::new();
    for (index, block) in x509_parser::pem::Pem::iter_from_buffer(pem.as_bytes()).enumerate() {
        let block = block.map_err(|_| ChainError::Malformed {
            index,
            reason: "PEM",
        })?;
        if block.label == "CERTIFICATE" {
            out.push(block.contents);
        }
    }
    if out.is_empty() {
        return Err(ChainError::Malformed {
            index: 0,
            reason: "no CERTIFICATE block",
        });
    }
    Ok(out)
}

/// The key and agency code a leaf certificate certifies (no chain checks: for an issuer
/// checking the chain it was given matches its own key and agency).
///
/// # Errors
/// [`ChainError`] if the certificate does not parse or lacks a supported key or a USCC.
pub fn leaf_identity(der: &[u8]) -> Result<(PublicKey, Uscc), ChainError> {
    let leaf = parse(0, der)?;
    let agency = agency_code(&leaf)?.ok_or(ChainError::NoAgencyCode)?;
    Ok((subject_key(0, &leaf)?, agency))
}

/// The public key a certificate certifies (no other check: for matching a signature to the
/// certificate that carries it before the chain is validated).
///
/// # Errors
/// [`ChainError`] if the certificate does not parse or has no supported key.
pub fn certificate_key(der: &[u8]) -> Result<PublicKey, ChainError> {
    subject_key(0, &parse(0, der)?)
}

/// A certificate's validity period, `notBefore` and `notAfter` (inclusive).
///
/// # Errors
/// [`ChainError`] if the certificate does not parse.
pub fn certificate_validity(der: &[u8]) -> Result<(UnixTime, UnixTime), ChainError> {
    let cert = parse(0, der)?;
    let secs = |t: i64| UnixTime::from_secs(u64::try_from(t).unwrap_or(0));
    let validity = cert.validity();
    Ok((
        secs(validity.not_before.timestamp()),
        secs(validity.not_after.timestamp()),
    ))
}

/// Validates `chain` (leaf first) at `at` against `roots`, for `role`.
///
/// # Errors
/// The first [`ChainError`] met, checking leaf to root.
pub fn validate_chain(
    chain: &[&[u8]],
    roots: &[X509Anchor],
    role: Role,
    at: UnixTime,
    limits: &Limits,
) -> Result<ValidatedChain, ChainError> {
    if chain.len() > limits.max_chain_len {
        return Err(ChainError::TooLong {
            len: chain.len(),
            max: limits.max_chain_len,
        });
    }
    if let Some(pin) = chain
        .first()
        .and_then(|leaf| roots.iter().find(|r| r.pinned && r.der == *leaf))
    {
        return validate_pinned(pin, role, at);
    }
    let roots: Vec<&X509Anchor> = roots.iter().filter(|r| !r.pinned).collect();
    // A chain may end with the root itself; it is then matched by its bytes.
    let chain = match chain.split_last() {
        Some((last, rest)) if !rest.is_empty() && roots.iter().any(|r| r.der == *last) => rest,
        _ => chain,
    };
    let certs = chain
        .iter()
        .enumerate()
        .map(|(index, der)| parse(index, der))
        .collect::<Result<Vec<_>, _>>()?;
    let leaf = certs.first().ok_or(ChainError::Malformed {
        index: 0,
        reason: "empty chain",
    })?;
    for (index, cert) in certs.iter().enumerate() {
        let earlier = &certs[..index];
        if earlier
            .iter()
            .any(|e| e.as_raw() == cert.as_raw() || e.subject().as_raw() == cert.subject().as_raw())
        {
            return Err(ChainError::Loop { index });
        }
        check_common(index, cert)?;
        check_time(
            index,
            cert.validity().not_before.timestamp(),
            cert.validity().not_after.timestamp(),
            at,
        )?;
        if index == 0 {
            check_leaf(cert)?;
        } else if let Some(max) = check_issuer(index, cert)? {
            // Non-leaf certificates below this one: index - 1.
            if index - 1 > usize::try_from(max).unwrap_or(usize::MAX) {
                return Err(ChainError::PathLength { index });
            }
        }
        if let Some(issuer) = certs.get(index + 1) {
            if cert.issuer().as_raw() != issuer.subject().as_raw() {
                return Err(ChainError::NameMismatch { index });
            }
            verify_signed_by(index, cert, &subject_key(index + 1, issuer)?)?;
        }
    }
    let top_index = certs.len() - 1;
    let top = &certs[top_index];
    let mut issuers = roots
        .iter()
        .filter(|r| r.subject == top.issuer().as_raw())
        .take(limits.max_key_candidates)
        .peekable();
    if issuers.peek().is_none() {
        return Err(ChainError::UntrustedRoot);
    }
    // Of the roots that signed the top certificate, one trusted for the role if any.
    let signers: Vec<&&X509Anchor> = issuers
        .filter(|r| verify_signed_by(top_index, top, &r.key).is_ok())
        .collect();
    let root = **signers
        .iter()
        .find(|r| r.roles.contains(role))
        .or(signers.first())
        .ok_or(ChainError::BadSignature { index: top_index })?;
    let root_index = certs.len();
    check_time(root_index, root.not_before, root.not_after, at)?;
    if root
        .path_len
        .is_some_and(|max| top_index > usize::try_from(max).unwrap_or(usize::MAX))
    {
        return Err(ChainError::PathLength { index: root_index });
    }
    if !root.roles.contains(role) {
        return Err(ChainError::RootNotTrustedFor {
            root: root.name.clone(),
            role,
        });
    }
    check_role_marking(leaf, role, root.unmarked_leaves)?;
    let mut key_digests = certs
        .iter()
        .enumerate()
        .map(|(index, cert)| subject_key(index, cert).map(|k| key_digest(&k)))
        .collect::<Result<Vec<_>, _>>()?;
    key_digests.push(key_digest(&root.key));
    Ok(ValidatedChain {
        leaf_key: subject_key(0, leaf)?,
        agency: agency_code(leaf)?,
        anchor: root.name.clone(),
        leaf_subject: subject_text(leaf),
        role,
        key_digests,
    })
}

/// A chain whose leaf is the pinned certificate `pin`: its validity at `at`, and the pin
/// trusted for `role` (the leaf checks ran when it was pinned).
fn validate_pinned(
    pin: &X509Anchor,
    role: Role,
    at: UnixTime,
) -> Result<ValidatedChain, ChainError> {
    check_time(0, pin.not_before, pin.not_after, at)?;
    if !pin.roles.contains(role) {
        return Err(ChainError::RootNotTrustedFor {
            root: pin.name.clone(),
            role,
        });
    }
    let leaf = parse(0, &pin.der)?;
    Ok(ValidatedChain {
        leaf_key: pin.key.clone(),
        agency: agency_code(&leaf)?,
        anchor: pin.name.clone(),
        leaf_subject: subject_text(&leaf),
        role,
        key_digests: vec![key_digest(&pin.key)],
    })
}

/// The leaf's extendedKeyUsage must list `role`'s key purpose; a leaf with none of the
/// yinzheng purposes passes only under a root that allows unmarked leaves.
fn check_role_marking(
    leaf: &X509Certificate<'_>,
    role: Role,
    unmarked_allowed: bool,
) -> Result<(), ChainError> {
    let eku = leaf
        .extended_key_usage()
        .map_err(|_| ChainError::Malformed {
            index: 0,
            reason: "duplicate extendedKeyUsage",
        })?;
    let purposes: Vec<Role> = eku
        .iter()
        .flat_map(|e| e.value.other.iter())
        .filter_map(|oid| Role::from_key_purpose_oid(oid.as_bytes()))
        .collect();
    if purposes.contains(&role) || (purposes.is_empty() && unmarked_allowed) {
        Ok(())
    } else {
        Err(ChainError::LeafNotMarkedFor { role })
    }
}

fn parse(index: usize, der: &[u8]) -> Result<X509Certificate<'_>, ChainError> {
    match X509Certificate::from_der(der) {
        Ok(([], cert)) => Ok(cert),
        Ok(_) => Err(ChainError::Malformed {
            index,
            reason: "bytes after the certificate",
        }),
        Err(_) => Err(ChainError::Malformed {
            index,
            reason: "not a DER certificate",
        }),
    }
}

/// The parts outside the TBS are not signed, so they must be exactly the one DER encoding
/// of what was parsed (the parser is lenient about some tags): an accepted algorithm
/// identifier, then a BIT STRING with no unused bits holding the signature, then nothing.
fn unsigned_parts_are_der(cert: &X509Certificate<'_>) -> bool {
    let (raw, tbs) = (cert.as_raw(), cert.tbs_certificate.as_ref());
    let Some(after_tbs) = (2..=4)
        .find(|&header| raw.get(header..header + tbs.len()) == Some(tbs))
        .map(|header| &raw[header + tbs.len()..])
    else {
        return false;
    };
    let Some(rest) = oid::SIGNATURE_ALGORITHMS
        .iter()
        .find_map(|alg| after_tbs.strip_prefix(*alg))
    else {
        return false;
    };
    let value: &[u8] = &cert.signature_value.data;
    let expected_header: &[u8] = match value.len() + 1 {
        len @ 0..0x80 => &[0x03, len as u8],
        len @ 0x80..0x100 => &[0x03, 0x81, len as u8],
        _ => return false,
    };
    rest.strip_prefix(expected_header)
        .and_then(|r| r.strip_prefix(&[0x00]))
        == Some(value)
}

/// No parameters, or (SM2-with-SM3 only) NULL ones.
fn parameters_allowed(alg: &AlgorithmIdentifier<'_>) -> bool {
    match &alg.parameters {
        None => true,
        #[cfg(feature = "gm")]
        Some(params) => {
            alg.algorithm.as_bytes() == oid::SM2_SM3
                && params.tag() == x509_parser::der_parser::asn1_rs::Tag::Null
                && params.data.is_empty()
        }
        #[cfg(not(feature = "gm"))]
        Some(_) => false,
    }
}

/// Whether the certificate `der` is signed under an algorithm identifier with (NULL)
/// parameters, the SM2 form tolerated here, for reporting; `false` if it does not parse.
#[must_use]
pub fn signed_with_null_parameters(der: &[u8]) -> bool {
    parse(0, der).is_ok_and(|cert| cert.signature_algorithm.parameters.is_some())
}

fn same_algorithm(a: &AlgorithmIdentifier<'_>, b: &AlgorithmIdentifier<'_>) -> bool {
    a.algorithm == b.algorithm
        && a.parameters.as_ref().map(|p| (p.tag(), p.data))
            == b.parameters.as_ref().map(|p| (p.tag(), p.data))
}

/// Checks every certificate gets, wherever it sits.
fn check_common(index: usize, cert: &X509Certificate<'_>) -> Result<(), ChainError> {
    if cert.version() != X509Version::V3 {
        return Err(ChainError::Malformed {
            index,
            reason: "not version 3",
        });
    }
    if !unsigned_parts_are_der(cert) {
        return Err(ChainError::Malformed {
            index,
            reason: "signature algorithm or value not in DER",
        });
    }
    if !same_algorithm(&cert.signature_algorithm, &cert.tbs_certificate.signature) {
        return Err(ChainError::Malformed {
            index,
            reason: "signature algorithm differs inside and outside the TBS",
        });
    }
    for ext in cert.extensions() {
        if let ParsedExtension::ParseError { .. } = ext.parsed_extension() {
            return Err(ChainError::Malformed {
                index,
                reason: "extension",
            });
        }
        let known = [
            oid::BASIC_CONSTRAINTS,
            oid::KEY_USAGE,
            oid::EXTENDED_KEY_USAGE,
        ]
        .contains(&ext.oid.as_bytes());
        if ext.critical && !known {
            return Err(ChainError::UnsupportedCriticalExtension { index });
        }
    }
    Ok(())
}

fn check_time(
    index: usize,
    not_before: i64,
    not_after: i64,
    at: UnixTime,
) -> Result<(), ChainError> {
    let t = i64::try_from(at.as_secs()).unwrap_or(i64::MAX);
    // RFC 5280 §4.1.2.5: notAfter is inclusive.
    if t < not_before || t > not_after {
        return Err(ChainError::NotValidAt { index, at });
    }
    Ok(())
}

fn basic_constraints(
    index: usize,
    cert: &X509Certificate<'_>,
) -> Result<Option<(bool, Option<u32>)>, ChainError> {
    cert.basic_constraints()
        .map(|bc| bc.map(|bc| (bc.value.ca, bc.value.path_len_constraint)))
        .map_err(|_| ChainError::Malformed {
            index,
            reason: "duplicate basicConstraints",
        })
}

fn key_usage(index: usize, cert: &X509Certificate<'_>) -> Result<Option<(bool, bool)>, ChainError> {
    cert.key_usage()
        .map(|ku| ku.map(|ku| (ku.value.digital_signature(), ku.value.key_cert_sign())))
        .map_err(|_| ChainError::Malformed {
            index,
            reason: "duplicate keyUsage",
        })
}

/// An issuing certificate: CA with keyCertSign. Returns its path length constraint.
fn check_issuer(index: usize, cert: &X509Certificate<'_>) -> Result<Option<u32>, ChainError> {
    let Some((true, path_len)) = basic_constraints(index, cert)? else {
        return Err(ChainError::BasicConstraints { index });
    };
    if !matches!(key_usage(index, cert)?, Some((_, true))) {
        return Err(ChainError::KeyUsage { index });
    }
    Ok(path_len)
}

/// The leaf: not a CA, allowed to sign.
fn check_leaf(cert: &X509Certificate<'_>) -> Result<(), ChainError> {
    if matches!(basic_constraints(0, cert)?, Some((true, _))) {
        return Err(ChainError::BasicConstraints { index: 0 });
    }
    if !matches!(key_usage(0, cert)?, Some((true, _))) {
        return Err(ChainError::KeyUsage { index: 0 });
    }
    Ok(())
}

fn subject_key(index: usize, cert: &X509Certificate<'_>) -> Result<PublicKey, ChainError> {
    let spki = cert.public_key();
    let bits = &spki.subject_public_key;
    let unsupported = ChainError::UnsupportedAlgorithm { index };
    if bits.unused_bits != 0 {
        return Err(unsupported);
    }
    let alg = &spki.algorithm;
    match alg.algorithm.as_bytes() {
        oid::ED25519 if alg.parameters.is_none() => {
            let bytes: &[u8; 32] = bits.data.as_ref().try_into().map_err(|_| unsupported)?;
            PublicKey::ed25519(bytes).map_err(|_| ChainError::UnsupportedAlgorithm { index })
        }
        oid::EC_PUBLIC_KEY => {
            let curve = alg.parameters.as_ref().and_then(|p| p.as_oid().ok());
            match curve.as_ref().map(|c| c.as_bytes()) {
                Some(oid::P256) => PublicKey::p256(&bits.data),
                #[cfg(feature = "gm")]
                Some(oid::SM2_CURVE) => PublicKey::sm2(&bits.data),
                _ => return Err(unsupported),
            }
            .map_err(|_| ChainError::UnsupportedAlgorithm { index })
        }
        _ => Err(unsupported),
    }
}

/// Verifies `cert`'s signature under `key`.
fn verify_signed_by(
    index: usize,
    cert: &X509Certificate<'_>,
    key: &PublicKey,
) -> Result<(), ChainError> {
    let alg = &cert.signature_algorithm;
    let value = &cert.signature_value;
    let tbs = cert.tbs_certificate.as_ref();
    let bad = ChainError::BadSignature { index };
    if value.unused_bits != 0 || !parameters_allowed(alg) {
        return Err(ChainError::UnsupportedAlgorithm { index });
    }
    let result = match alg.algorithm.as_bytes() {
        oid::ED25519 => key.verify(Algorithm::Ed25519, tbs, &value.data),
        oid::ECDSA_SHA256 => {
            let signature = crate::crypto::ecdsa_der_to_raw(&value.data).ok_or(bad.clone())?;
            key.verify(Algorithm::Es256, tbs, &signature)
        }
        #[cfg(feature = "gm")]
        oid::SM2_SM3 => {
            let signature =
                crate::crypto::sm2_signature_from_der(&value.data).ok_or(bad.clone())?;
            key.verify(Algorithm::Sm2Sm3, tbs, &signature)
        }
        _ => return Err(ChainError::UnsupportedAlgorithm { index }),
    };
    result.map_err(|_| bad)
}

/// The subject as RFC 4514-style text for reports (`CN=…, O=…, 2.5.4.97=…`), with short names
/// for the usual attributes and dotted OIDs for the rest. Written here because x509-parser's
/// `Display` looks names up in the whole OID registry, which would add ~130 KB to the mobile
/// library.
fn subject_text(cert: &X509Certificate<'_>) -> String {
    let parts: Vec<String> = cert
        .subject()
        .iter_attributes()
        .map(|a| {
            let name = match a.attr_type().as_bytes() {
                [0x55, 0x04, 0x03] => "CN".to_owned(),
                [0x55, 0x04, 0x06] => "C".to_owned(),
                [0x55, 0x04, 0x07] => "L".to_owned(),
                [0x55, 0x04, 0x08] => "ST".to_owned(),
                [0x55, 0x04, 0x0A] => "O".to_owned(),
                [0x55, 0x04, 0x0B] => "OU".to_owned(),
                _ => a.attr_type().to_id_string(),
            };
            let value = a.as_str().unwrap_or("#…");
            format!("{name}={value}")
        })
        .collect();
    parts.join(", ")
}

/// The leaf's organizationIdentifier as a USCC: none, or exactly one valid code.
fn agency_code(leaf: &X509Certificate<'_>) -> Result<Option<Uscc>, ChainError> {
    let mut codes = leaf
        .subject()
        .iter_attributes()
        .filter(|a| a.attr_type().as_bytes() == oid::ORGANIZATION_IDENTIFIER);
    let code = match (codes.next(), codes.next()) {
        (None, _) => return Ok(None),
        (Some(code), None) => code,
        (Some(_), Some(_)) => return Err(ChainError::NoAgencyCode),
    };
    let text = code.as_str().map_err(|_| ChainError::NoAgencyCode)?;
    Uscc::parse(text)
        .map(Some)
        .map_err(|_| ChainError::NoAgencyCode)
}
