//! IETF Token Status List (draft-ietf-oauth-status-list-20), CBOR/CWT form.
//!
//! ```cddl
//! StatusList = { "bits": 1 / 2 / 4 / 8, "lst": bstr }   ; lst = zlib(packed statuses), LSB first
//! status-list-cwt = COSE_Sign1 with typ "application/statuslist+cwt" ("statuslist+cwt" accepted)
//!   claims = { 2 => uri, ? 4 => exp, 6 => iat, 65533 => StatusList, ? 65534 => ttl }
//! certificate claim 65535 = { "status_list": { "idx": uint, "uri": tstr } }
//! ```
//!
//! `StatusList` is written with `bits` before `lst`, byte for byte as the draft's examples (an
//! external format, so the one map not in RFC 8949 key order); the decoder accepts either order.
//! Decompression is bounded by [`Limits::max_status_list_bytes`].

use crate::crypto::{Signer, sign_cose_with_header};
use crate::encoding::cbor::{DecodeError, Reader, Writer};
use crate::encoding::cose::{HeaderSeal, ProtectedHeader};
use crate::encoding::zlib;
use crate::limits::Limits;
use crate::time::UnixTime;

/// COSE `typ` of a status list token.
pub const STATUS_LIST_TYP: &str = "application/statuslist+cwt";
/// The short `typ` also seen in the draft's examples.
pub const STATUS_LIST_TYP_SHORT: &str = "statuslist+cwt";

/// Claim keys of a status list token.
pub mod claim {
    /// `sub`: the list's URI.
    pub const SUB: i64 = 2;
    /// `exp`.
    pub const EXP: i64 = 4;
    /// `iat`.
    pub const IAT: i64 = 6;
    /// `status_list`.
    pub const STATUS_LIST: i64 = 65_533;
    /// `ttl`: seconds a relying party may cache the list.
    pub const TTL: i64 = 65_534;
}

/// Why a status list (or its token) is not acceptable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StatusListError {
    /// The CBOR does not decode.
    #[error("status list does not decode: {0}")]
    Decode(#[from] DecodeError),
    /// `bits` is not 1, 2, 4 or 8.
    #[error("bits must be 1, 2, 4 or 8")]
    Bits,
    /// The zlib data is malformed or followed by other bytes.
    #[error("status list is not valid zlib")]
    Zlib,
    /// The decompressed list exceeds [`Limits::max_status_list_bytes`].
    #[error("decompressed status list exceeds {limit} bytes")]
    TooLarge {
        /// The limit in force.
        limit: usize,
    },
    /// A status value does not fit in `bits`.
    #[error("status value {value} does not fit in {bits} bits")]
    Value {
        /// The value.
        value: u8,
        /// The width.
        bits: u8,
    },
    /// An index beyond the list.
    #[error("index {index} is beyond the list of {len} entries")]
    Index {
        /// The index.
        index: u64,
        /// The list length.
        len: u64,
    },
    /// The signer failed, or returned a signature that does not verify under its key.
    #[error("signer: {0}")]
    Signer(String),
}

/// A packed list of statuses, `bits` per entry, least significant bits first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusList {
    bits: u8,
    raw: Vec<u8>,
}

impl StatusList {
    /// A list of `len` entries, all 0 (VALID).
    ///
    /// # Errors
    /// [`StatusListError::Bits`] unless `bits` is 1, 2, 4 or 8.
    pub fn new(bits: u8, len: u64) -> Result<Self, StatusListError> {
        if !matches!(bits, 1 | 2 | 4 | 8) {
            return Err(StatusListError::Bits);
        }
        let bytes = usize::try_from(len.saturating_mul(u64::from(bits)).div_ceil(8))
            .map_err(|_| StatusListError::Bits)?;
        Ok(Self {
            bits,
            raw: vec![0; bytes],
        })
    }

    /// A list over already packed bytes.
    ///
    /// # Errors
    /// [`StatusListError::Bits`].
    pub fn from_packed(bits: u8, raw: Vec<u8>) -> Result<Self, StatusListError> {
        if !matches!(bits, 1 | 2 | 4 | 8) {
            return Err(StatusListError::Bits);
        }
        Ok(Self { bits, raw })
    }

    /// Bits per entry.
    #[must_use]
    pub fn bits(&self) -> u8 {
        self.bits
    }

    /// Number of entries the packed bytes hold.
    #[must_use]
    pub fn len(&self) -> u64 {
        self.raw.len() as u64 * 8 / u64::from(self.bits)
    }

    /// Whether the list holds no entry.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// The packed bytes.
    #[must_use]
    pub fn packed(&self) -> &[u8] {
        &self.raw
    }

    fn locate(&self, index: u64) -> Result<(usize, u32), StatusListError> {
        if index >= self.len() {
            return Err(StatusListError::Index {
                index,
                len: self.len(),
            });
        }
        let bit = index * u64::from(self.bits);
        Ok((
            usize::try_from(bit / 8).unwrap_or(usize::MAX),
            u32::try_from(bit % 8).unwrap_or(0),
        ))
    }

    /// The status at `index`.
    ///
    /// # Errors
    /// [`StatusListError::Index`] beyond the list.
    pub fn get(&self, index: u64) -> Result<u8, StatusListError> {
        let (byte, shift) = self.locate(index)?;
        let mask = u8::MAX >> (8 - u32::from(self.bits));
        Ok((self.raw[byte] >> shift) & mask)
    }

    /// Sets the status at `index`.
    ///
    /// # Errors
    /// [`StatusListError::Index`] or [`StatusListError::Value`].
    pub fn set(&mut self, index: u64, value: u8) -> Result<(), StatusListError> {
        let mask = u8::MAX >> (8 - u32::from(self.bits));
        if value > mask {
            return Err(StatusListError::Value {
                value,
                bits: self.bits,
            });
        }
        let (byte, shift) = self.locate(index)?;
        self.raw[byte] = (self.raw[byte] & !(mask << shift)) | (value << shift);
        Ok(())
    }

    /// The `{"bits", "lst"}` map, `lst` deflated at the best compression level.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let compressed = zlib::deflate(&self.raw, 9, None);
        let mut w = Writer::with_capacity(compressed.len() + 16);
        w.map(2)
            .text("bits")
            .uint(u64::from(self.bits))
            .text("lst")
            .bytes(&compressed);
        w.into_bytes()
    }

    pub(crate) fn write(&self, w: &mut Writer) {
        w.raw(&self.encode());
    }

    /// Decodes a `{"bits", "lst"}` map (keys in either order).
    ///
    /// # Errors
    /// [`StatusListError`] for malformed CBOR or zlib, or a list over the limits.
    pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Self, StatusListError> {
        let mut r = Reader::new(bytes, limits)?;
        let list = Self::read(&mut r, limits)?;
        r.finish()?;
        Ok(list)
    }

    pub(crate) fn read(r: &mut Reader<'_>, limits: &Limits) -> Result<Self, StatusListError> {
        let entries = r.map_any_order()?;
        let (mut bits, mut lst) = (None, None);
        for _ in 0..entries {
            let key_at = r.position();
            match r.text()? {
                "bits" if bits.is_none() => bits = Some(r.uint()?),
                "lst" if lst.is_none() => lst = Some(r.bytes()?),
                "bits" | "lst" => return Err(DecodeError::DuplicateKey { offset: key_at }.into()),
                _ => return Err(DecodeError::UnknownKey { offset: key_at }.into()),
            }
        }
        let bits = bits.ok_or(DecodeError::MissingKey { key: 0 })?;
        let lst = lst.ok_or(DecodeError::MissingKey { key: 1 })?;
        let bits = u8::try_from(bits).map_err(|_| StatusListError::Bits)?;
        Self::from_packed(bits, inflate(lst, limits.max_status_list_bytes)?)
    }
}

/// zlib-inflates `data` (no preset dictionary), refusing output over `limit` and trailing
/// bytes.
fn inflate(data: &[u8], limit: usize) -> Result<Vec<u8>, StatusListError> {
    zlib::inflate(data, limit, None).map_err(|e| match e {
        zlib::InflateError::TooLarge { .. } => StatusListError::TooLarge { limit },
        _ => StatusListError::Zlib,
    })
}

/// The claims of a status list token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusListToken {
    /// The list's URI (`sub`); certificates reference it.
    pub uri: String,
    /// When the list was issued.
    pub issued_at: UnixTime,
    /// When it stops being usable, if set.
    pub expires_at: Option<UnixTime>,
    /// Seconds a verifier may rely on it after `iat` before fetching a new one, if set.
    pub ttl: Option<u64>,
    /// The statuses.
    pub list: StatusList,
}

impl StatusListToken {
    /// The canonical CWT claims.
    #[must_use]
    pub fn encode_claims(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(self.list.raw.len() / 4 + 64);
        w.map(3 + usize::from(self.expires_at.is_some()) + usize::from(self.ttl.is_some()));
        w.int(claim::SUB).text(&self.uri);
        if let Some(exp) = self.expires_at {
            w.int(claim::EXP).uint(exp.as_secs());
        }
        w.int(claim::IAT).uint(self.issued_at.as_secs());
        w.int(claim::STATUS_LIST);
        self.list.write(&mut w);
        if let Some(ttl) = self.ttl {
            w.int(claim::TTL).uint(ttl);
        }
        w.into_bytes()
    }

    /// Decodes CWT claims. Claims may come in any order (the draft's own examples are not in
    /// RFC 8949 order) but only once; unknown claims are rejected.
    ///
    /// # Errors
    /// [`StatusListError`].
    pub fn decode_claims(payload: &[u8], limits: &Limits) -> Result<Self, StatusListError> {
        let mut r = Reader::new(payload, limits)?;
        let entries = r.map_any_order()?;
        let (mut uri, mut iat, mut exp, mut ttl, mut list) = (None, None, None, None, None);
        let mut seen = Vec::with_capacity(entries);
        for _ in 0..entries {
            let at = r.position();
            let key = r.int()?;
            if seen.contains(&key) {
                return Err(DecodeError::DuplicateKey { offset: at }.into());
            }
            seen.push(key);
            match key {
                claim::SUB => uri = Some(r.text()?.to_owned()),
                claim::EXP => exp = Some(UnixTime::from_secs(r.uint()?)),
                claim::IAT => iat = Some(UnixTime::from_secs(r.uint()?)),
                claim::STATUS_LIST => list = Some(StatusList::read(&mut r, limits)?),
                claim::TTL => ttl = Some(r.uint()?),
                _ => return Err(DecodeError::UnknownKey { offset: at }.into()),
            }
        }
        r.finish()?;
        Ok(Self {
            uri: uri.ok_or(DecodeError::MissingKey { key: claim::SUB })?,
            issued_at: iat.ok_or(DecodeError::MissingKey { key: claim::IAT })?,
            expires_at: exp,
            ttl,
            list: list.ok_or(DecodeError::MissingKey {
                key: claim::STATUS_LIST,
            })?,
        })
    }

    /// Signs the token as a tagged `COSE_Sign1` with `typ` `application/statuslist+cwt`,
    /// under the signer's key as configured at verifiers.
    ///
    /// # Errors
    /// [`StatusListError::Signer`].
    pub fn sign(&self, signer: &dyn Signer) -> Result<Vec<u8>, StatusListError> {
        self.sign_as(signer, &ListAuthority::Key)
    }

    /// Signs the token, naming the signing key's authority in the protected header: an
    /// X.509 chain (leaf first, marked for the status-lists role) or the agency seal that
    /// authorises the key.
    ///
    /// # Errors
    /// [`StatusListError::Signer`].
    pub fn sign_as(
        &self,
        signer: &dyn Signer,
        authority: &ListAuthority<'_>,
    ) -> Result<Vec<u8>, StatusListError> {
        let key = signer.public_key();
        let (kid, key_bytes) = (key.key_id(), key.to_bytes());
        let mut header = ProtectedHeader::new(
            crate::crypto::cose_alg(&key),
            kid.as_bytes(),
            STATUS_LIST_TYP,
        );
        let (seal_digest, id);
        match authority {
            ListAuthority::Key => {}
            ListAuthority::X509Chain(chain) => {
                header.x5chain = chain.iter().map(Vec::as_slice).collect();
            }
            ListAuthority::Seal(seal) => {
                id = seal_id(seal)?;
                seal_digest = crate::crypto::sha256(seal);
                header.seal = Some(HeaderSeal {
                    id: &id,
                    digest: &seal_digest,
                    signer_key: &key_bytes,
                });
            }
        }
        sign_cose_with_header(signer, &header, &self.encode_claims())
            .map_err(|e| StatusListError::Signer(e.to_string()))
    }
}

/// How a status list names the authority of its signing key (see
/// [`StatusListToken::sign_as`]).
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum ListAuthority<'a> {
    /// The key itself, which verifiers trust for the agency.
    Key,
    /// The key's X.509 chain, leaf first.
    X509Chain(&'a [Vec<u8>]),
    /// The agency seal (its `COSE_Sign1` bytes) that authorises the key.
    Seal(&'a [u8]),
}

/// The esID of a seal, read without verifying it (the signer names its own seal).
fn seal_id(seal: &[u8]) -> Result<String, StatusListError> {
    let limits = Limits::default();
    let sign1 = crate::encoding::cose::CoseSign1::decode(seal, &limits)?;
    Ok(crate::model::Seal::decode(sign1.payload, &limits)?.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draft_examples_decode_to_their_statuses() {
        // draft-ietf-oauth-status-list-20: 16 entries at 1 bit ("eNrbuRgAAhcBXQ").
        let one_bit = hex::decode("a2646269747301636c73744a78dadbb918000217015d").unwrap();
        let list = StatusList::decode(&one_bit, &Limits::default()).unwrap();
        let want = [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1];
        assert_eq!(
            (0..16).map(|i| list.get(i).unwrap()).collect::<Vec<_>>(),
            want
        );
        assert_eq!(list.packed(), [0xb9, 0xa3]);
        // 12 entries at 2 bits ("eNo76fITAAPfAgc").
        let two_bits = hex::decode("a2646269747302636c73744b78da3be9f2130003df0207").unwrap();
        let list = StatusList::decode(&two_bits, &Limits::default()).unwrap();
        assert_eq!(
            (0..12).map(|i| list.get(i).unwrap()).collect::<Vec<_>>(),
            [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3]
        );
    }

    #[test]
    fn draft_status_list_cwt_example_decodes() {
        // examples/status_list_cwt.md of draft-ietf-oauth-status-list: the COSE_Sign1 payload.
        let payload = hex::decode(concat!(
            "a502782168747470733a2f2f6578616d706c652e636f6d2f7374617475736c697374732f31",
            "061a648c5bea041a8898dfea19fffe19a8c019fffda2646269747301636c73744a78dadbb918000217015d"
        ))
        .unwrap();
        let token = StatusListToken::decode_claims(&payload, &Limits::default()).unwrap();
        assert_eq!(token.uri, "https://example.com/statuslists/1");
        assert_eq!(token.issued_at, UnixTime::from_secs(1_686_920_170));
        assert_eq!(token.expires_at, Some(UnixTime::from_secs(2_291_720_170)));
        assert_eq!(token.ttl, Some(43_200));
        let statuses: Vec<u8> = (0..16).map(|i| token.list.get(i).unwrap()).collect();
        assert_eq!(statuses, [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1]);
        // Our own encoding of the same claims is canonical and decodes to the same token.
        assert_eq!(
            StatusListToken::decode_claims(&token.encode_claims(), &Limits::default()).unwrap(),
            token
        );
        let mut duplicated = payload.clone();
        duplicated[0] = 0xa6;
        duplicated.extend_from_slice(&hex::decode("061a648c5bea").unwrap());
        assert!(StatusListToken::decode_claims(&duplicated, &Limits::default()).is_err());
    }

    #[test]
    fn our_lists_round_trip_byte_exactly() {
        for bits in [1u8, 2, 4, 8] {
            let mut list = StatusList::new(bits, 1000).unwrap();
            for i in (0..1000).step_by(7) {
                list.set(i, u8::try_from(i % 3).unwrap() & (u8::MAX >> (8 - bits)))
                    .unwrap();
            }
            let bytes = list.encode();
            let decoded = StatusList::decode(&bytes, &Limits::default()).unwrap();
            assert_eq!(decoded, list);
            assert_eq!(decoded.encode(), bytes);
            assert!(list.set(1000, 0).is_err());
            assert_eq!(list.set(0, 1 << bits.min(7)).is_err(), bits < 8);
        }
        assert_eq!(StatusList::new(3, 8), Err(StatusListError::Bits));
    }

    #[test]
    fn bombs_and_garbage_are_refused() {
        let tiny = Limits {
            max_status_list_bytes: 1024,
            ..Limits::default()
        };
        let big = StatusList::new(8, 4096).unwrap().encode();
        assert_eq!(
            StatusList::decode(&big, &tiny),
            Err(StatusListError::TooLarge { limit: 1024 })
        );
        let garbage = hex::decode("a2646269747301636c7374430102ff").unwrap();
        assert_eq!(
            StatusList::decode(&garbage, &Limits::default()),
            Err(StatusListError::Zlib)
        );
        let mut trailing = hex::decode("a2646269747301636c73744b78dadbb918000217015d00").unwrap();
        assert_eq!(
            StatusList::decode(&trailing, &Limits::default()),
            Err(StatusListError::Zlib)
        );
        trailing[0] = 0xa3;
        assert!(StatusList::decode(&trailing, &Limits::default()).is_err());
    }
}
