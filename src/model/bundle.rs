//! The trust bundle: what an offline verifier downloads and caches — anchors, agency seals
//! and status lists — with its own issued-at and expiry, signed by a publisher the app pins.
//!
//! ```cddl
//! trust-bundle = {                  ; typ application/yz-trust-bundle+cose
//!   1 => tstr,                      ; publisher name
//!   2 => uint,                      ; issued at
//!   3 => uint,                      ; expires at (exclusive)
//!   ? 4 => [+ [tstr, tstr, int, bstr, roles]],  ; agency keys: name, agency USCC, COSE alg,
//!                                   ;   key, roles (issuer and/or status lists)
//!   ? 5 => [+ [tstr, bstr, roles]], ; X.509 roots: name, DER, roles
//!   ? 6 => [+ [tstr, int, bstr]],   ; seal makers: name, COSE alg, key
//!   ? 7 => [+ bstr],                ; agency seals (COSE_Sign1 bytes)
//!   ? 8 => [+ bstr],                ; status list tokens (COSE_Sign1 bytes)
//!   ? 9 => [+ [bstr .size 32, ? uint]],  ; revoked keys: SHA-256 of the key bytes, since
//! }
//! roles = uint                      ; bits: 1 issuer, 2 seal maker, 4 status lists,
//!                                   ;       8 bundle publisher (no other bit, not 0)
//! ```
//! Keys are Ed25519 (32 bytes, alg -19 or -8) or P-256 (SEC1, alg -7 or -9).

use crate::encoding::cbor::{DecodeError, Reader, Writer};
use crate::limits::Limits;
use crate::model::Uscc;
use crate::time::UnixTime;

/// COSE `typ` of a trust bundle.
pub const TRUST_BUNDLE_TYP: &str = "application/yz-trust-bundle+cose";

/// The role bits a bundle may give an anchor.
pub const ROLE_BITS: u64 = 0b1111;

/// A raw agency key in a bundle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundleIssuerKey {
    /// A name for reports.
    pub name: String,
    /// The agency it speaks for.
    pub agency: Uscc,
    /// COSE algorithm.
    pub alg: i64,
    /// Key bytes.
    pub key: Vec<u8>,
    /// Its roles, as bits (see the CDDL).
    pub roles: u64,
}

/// A named key (seal makers) or certificate (X.509 roots) in a bundle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundleNamed {
    /// A name for reports.
    pub name: String,
    /// COSE algorithm (0 for X.509 roots, whose certificate says it).
    pub alg: i64,
    /// Key bytes, or the root's DER.
    pub bytes: Vec<u8>,
    /// Its roles, as bits (X.509 roots; seal makers are seal makers).
    pub roles: u64,
}

/// A compromised key in a bundle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BundleRevokedKey {
    /// SHA-256 of the key's bytes.
    pub digest: [u8; 32],
    /// From when; `None` is always.
    pub since: Option<UnixTime>,
}

/// The signed content of a trust bundle.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustBundle {
    /// Who publishes it.
    pub publisher: String,
    /// When it was made.
    pub issued_at: UnixTime,
    /// First instant it may no longer be relied on.
    pub expires_at: UnixTime,
    /// Raw issuer keys.
    pub issuer_keys: Vec<BundleIssuerKey>,
    /// X.509 roots (`alg` 0, `bytes` = DER).
    pub x509_roots: Vec<BundleNamed>,
    /// Seal makers.
    pub seal_makers: Vec<BundleNamed>,
    /// Agency seals, each a signed seal.
    pub seals: Vec<Vec<u8>>,
    /// Status list tokens.
    pub status_lists: Vec<Vec<u8>>,
    /// Compromised keys: nothing they signed is accepted.
    pub revoked_keys: Vec<BundleRevokedKey>,
}

fn invalid(offset: usize, what: &'static str) -> DecodeError {
    DecodeError::InvalidValue { offset, what }
}

fn read_roles(r: &mut Reader<'_>) -> Result<u64, DecodeError> {
    let at = r.position();
    let roles = r.uint()?;
    if roles == 0 || roles & !ROLE_BITS != 0 {
        return Err(invalid(at, "roles"));
    }
    Ok(roles)
}

impl TrustBundle {
    /// Canonical encoding (the publisher's payload).
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let size: usize = self
            .seals
            .iter()
            .chain(&self.status_lists)
            .map(Vec::len)
            .sum();
        let mut w = Writer::with_capacity(size + 1024);
        let optional = [
            !self.issuer_keys.is_empty(),
            !self.x509_roots.is_empty(),
            !self.seal_makers.is_empty(),
            !self.seals.is_empty(),
            !self.status_lists.is_empty(),
            !self.revoked_keys.is_empty(),
        ];
        w.map(3 + optional.iter().filter(|o| **o).count());
        w.uint(1).text(&self.publisher);
        w.uint(2).uint(self.issued_at.as_secs());
        w.uint(3).uint(self.expires_at.as_secs());
        if optional[0] {
            w.uint(4).array(self.issuer_keys.len());
            for k in &self.issuer_keys {
                w.array(5)
                    .text(&k.name)
                    .text(k.agency.as_str())
                    .int(k.alg)
                    .bytes(&k.key)
                    .uint(k.roles);
            }
        }
        if optional[1] {
            w.uint(5).array(self.x509_roots.len());
            for r in &self.x509_roots {
                w.array(3).text(&r.name).bytes(&r.bytes).uint(r.roles);
            }
        }
        if optional[2] {
            w.uint(6).array(self.seal_makers.len());
            for m in &self.seal_makers {
                w.array(3).text(&m.name).int(m.alg).bytes(&m.bytes);
            }
        }
        for (key, items) in [(7, &self.seals), (8, &self.status_lists)] {
            if !items.is_empty() {
                w.uint(key).array(items.len());
                for item in items {
                    w.bytes(item);
                }
            }
        }
        if optional[5] {
            w.uint(9).array(self.revoked_keys.len());
            for r in &self.revoked_keys {
                w.array(1 + usize::from(r.since.is_some())).bytes(&r.digest);
                if let Some(since) = r.since {
                    w.uint(since.as_secs());
                }
            }
        }
        w.into_bytes()
    }

    /// Decodes a bundle payload strictly (canonical, bounded by `limits`).
    ///
    /// # Errors
    /// [`DecodeError`].
    pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes, limits)?;
        let mut keys = r.map()?;
        let mut b = Self::default();
        let mut required = 0;
        let max = limits.max_collection_len;
        while let Some((key, at)) = keys.next_int(&mut r)? {
            match key {
                1 => b.publisher = r.text()?.to_owned(),
                2 => b.issued_at = UnixTime::from_secs(r.uint()?),
                3 => b.expires_at = UnixTime::from_secs(r.uint()?),
                4 => {
                    for _ in 0..r.non_empty_array(max, "empty issuer key list")? {
                        r.array_of(5)?;
                        let name = r.text()?.to_owned();
                        let code_at = r.position();
                        let agency =
                            Uscc::parse(r.text()?).map_err(|_| invalid(code_at, "agency code"))?;
                        let alg = r.int()?;
                        let key = r.bytes()?.to_vec();
                        let roles = read_roles(&mut r)?;
                        b.issuer_keys.push(BundleIssuerKey {
                            name,
                            agency,
                            alg,
                            key,
                            roles,
                        });
                    }
                }
                5 => {
                    for _ in 0..r.non_empty_array(max, "empty root list")? {
                        r.array_of(3)?;
                        let name = r.text()?.to_owned();
                        let bytes = r.bytes()?.to_vec();
                        let roles = read_roles(&mut r)?;
                        b.x509_roots.push(BundleNamed {
                            name,
                            alg: 0,
                            bytes,
                            roles,
                        });
                    }
                }
                6 => {
                    for _ in 0..r.non_empty_array(max, "empty seal maker list")? {
                        r.array_of(3)?;
                        let name = r.text()?.to_owned();
                        let alg = r.int()?;
                        let bytes = r.bytes()?.to_vec();
                        b.seal_makers.push(BundleNamed {
                            name,
                            alg,
                            bytes,
                            roles: 2,
                        });
                    }
                }
                7 | 8 => {
                    let n = r.non_empty_array(max, "empty list")?;
                    let items = if key == 7 {
                        &mut b.seals
                    } else {
                        &mut b.status_lists
                    };
                    for _ in 0..n {
                        items.push(r.bytes()?.to_vec());
                    }
                }
                9 => {
                    for _ in 0..r.non_empty_array(max, "empty revoked key list")? {
                        let at = r.position();
                        let len = r.array()?;
                        if !(1..=2).contains(&len) {
                            return Err(invalid(at, "revoked key entry"));
                        }
                        let digest_at = r.position();
                        let digest: [u8; 32] = r
                            .bytes()?
                            .try_into()
                            .map_err(|_| invalid(digest_at, "revoked key digest length"))?;
                        let since = if len == 2 {
                            Some(UnixTime::from_secs(r.uint()?))
                        } else {
                            None
                        };
                        b.revoked_keys.push(BundleRevokedKey { digest, since });
                    }
                }
                _ => return Err(DecodeError::UnknownKey { offset: at }),
            }
            if key <= 3 {
                required += 1;
            }
        }
        r.finish()?;
        if required != 3 {
            return Err(DecodeError::MissingKey { key: 1 });
        }
        if b.expires_at <= b.issued_at {
            return Err(invalid(0, "bundle expires before it is issued"));
        }
        Ok(b)
    }
}
