//! Electronic seals (电子印章) and stamps (电子签章), mirroring GB/T 38540 `SES_SealInfo` and
//! `TBS_Sign` field for field, in deterministic CBOR inside `COSE_Sign1` (not wire-compatible
//! with the ASN.1 of the standard).
//!
//! ```cddl
//! seal-info = {                       ; typ application/yz-seal+cose, signed by the seal maker
//!   1 => tstr,                        ; esID (电子印章唯一标识)
//!   2 => uint,                        ; type: 1 公章, 2 财务专用章, 3 发票专用章, 4 合同专用章,
//!                                     ;       5 法定代表人名章, 99 其他
//!   3 => tstr,                        ; name (印章名称)
//!   4 => tstr,                        ; owner name
//!   5 => tstr,                        ; owner USCC
//!   6 => [+ bstr .size 32],           ; SHA-256 of each stamping key (certListType 2), sorted
//!   7 => uint,                        ; created (制作时间)
//!   8 => uint,                        ; valid from (有效期起始)
//!   9 => uint,                        ; valid until (有效期终止, exclusive)
//!   10 => [tstr, bstr, uint, uint],   ; picture: format ("png"/"svg"), bytes, width/height mm
//!   ? 11 => status-reference,         ; where the seal's own status (revoked, lost) is published
//! }
//! stamp = {                           ; typ application/yz-stamp+cose, signed by a stamping key
//!   1 => bstr,                        ; the seal, embedded (its COSE_Sign1 bytes)
//!   2 => uint,                        ; signing time (签章时间)
//!   3 => [int, bstr],                 ; document digest: COSE alg (-16 = SHA-256), value
//!   4 => tstr,                        ; property info: the protection scope (签名保护范围)
//!   5 => bstr,                        ; the stamping public key (Ed25519 32 B / SEC1 P-256)
//! }
//! ```

use crate::encoding::cbor::{DecodeError, Reader, Writer};
use crate::limits::Limits;
use crate::model::claims::{decode_status, encode_status};
use crate::model::{Agency, StatusReference, Uscc};
use crate::time::UnixTime;

/// COSE `typ` of a seal.
pub const SEAL_TYP: &str = "application/yz-seal+cose";
/// COSE `typ` of a stamp.
pub const STAMP_TYP: &str = "application/yz-stamp+cose";
/// COSE algorithm id of SHA-256 (for document digests).
pub const SHA256_ALG: i64 = -16;

/// The kind of seal (印章类型).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SealKind {
    /// 01 公章: the official seal.
    Official,
    /// 02 财务专用章.
    Finance,
    /// 03 发票专用章.
    Invoice,
    /// 04 合同专用章.
    Contract,
    /// 05 法定代表人名章.
    LegalRepresentative,
    /// 99 其他.
    Other,
}

impl SealKind {
    /// The code.
    #[must_use]
    pub fn code(self) -> u64 {
        match self {
            Self::Official => 1,
            Self::Finance => 2,
            Self::Invoice => 3,
            Self::Contract => 4,
            Self::LegalRepresentative => 5,
            Self::Other => 99,
        }
    }

    /// The kind for a code.
    #[must_use]
    pub fn from_code(code: u64) -> Option<Self> {
        [
            Self::Official,
            Self::Finance,
            Self::Invoice,
            Self::Contract,
            Self::LegalRepresentative,
            Self::Other,
        ]
        .into_iter()
        .find(|k| k.code() == code)
    }

    /// The Chinese name.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Official => "公章",
            Self::Finance => "财务专用章",
            Self::Invoice => "发票专用章",
            Self::Contract => "合同专用章",
            Self::LegalRepresentative => "法定代表人名章",
            Self::Other => "其他",
        }
    }
}

/// The seal picture (印章图像) and its printed size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealPicture {
    /// `png` or `svg`.
    pub format: String,
    /// The image bytes.
    pub data: Vec<u8>,
    /// Width in millimetres.
    pub width_mm: u32,
    /// Height in millimetres.
    pub height_mm: u32,
}

/// An electronic seal (the signed part, `SES_SealInfo`). Plain data: [`make_seal`] checks it
/// before signing.
///
/// [`make_seal`]: crate::issue::make_seal
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seal {
    /// The seal's unique identifier (esID).
    pub id: String,
    /// Its kind.
    pub kind: SealKind,
    /// Its name, e.g. 福州示例科技有限公司合同专用章.
    pub name: String,
    /// The organisation that owns it.
    pub owner: Agency,
    /// SHA-256 of each public key allowed to stamp with it, sorted.
    pub authorised_keys: Vec<[u8; 32]>,
    /// When it was made.
    pub created: UnixTime,
    /// First instant it may be used.
    pub valid_from: UnixTime,
    /// First instant it may no longer be used.
    pub valid_until: UnixTime,
    /// Its picture.
    pub picture: SealPicture,
    /// Where its own status is published, if anywhere.
    pub status: Option<StatusReference>,
}

fn invalid(offset: usize, what: &'static str) -> DecodeError {
    DecodeError::InvalidValue { offset, what }
}

fn narrow(v: u64, offset: usize) -> Result<u32, DecodeError> {
    u32::try_from(v).map_err(|_| DecodeError::IntegerOutOfRange { offset })
}

impl Seal {
    /// Canonical encoding of the seal information (the seal maker's payload).
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(self.picture.data.len() + 256);
        w.map(10 + usize::from(self.status.is_some()));
        w.uint(1).text(&self.id);
        w.uint(2).uint(self.kind.code());
        w.uint(3).text(&self.name);
        w.uint(4).text(&self.owner.name);
        w.uint(5).text(self.owner.code.as_str());
        w.uint(6).array(self.authorised_keys.len());
        for k in &self.authorised_keys {
            w.bytes(k);
        }
        w.uint(7).uint(self.created.as_secs());
        w.uint(8).uint(self.valid_from.as_secs());
        w.uint(9).uint(self.valid_until.as_secs());
        w.uint(10)
            .array(4)
            .text(&self.picture.format)
            .bytes(&self.picture.data);
        w.uint(u64::from(self.picture.width_mm))
            .uint(u64::from(self.picture.height_mm));
        if let Some(status) = &self.status {
            w.uint(11);
            encode_status(&mut w, status);
        }
        w.into_bytes()
    }

    /// Decodes seal information strictly.
    ///
    /// # Errors
    /// [`DecodeError`] for anything but the canonical encoding of a well-formed seal.
    pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes, limits)?;
        let mut keys = r.map()?;
        let mut f: [Option<usize>; 12] = [None; 12];
        let (mut id, mut kind, mut name, mut owner_name, mut owner_code) =
            (None, None, None, None, None);
        let (mut authorised, mut times, mut picture, mut status) =
            (Vec::new(), [0u64; 3], None, None);
        while let Some((key, at)) = keys.next_int(&mut r)? {
            let slot = usize::try_from(key)
                .ok()
                .filter(|k| (1..=11).contains(k))
                .ok_or(DecodeError::UnknownKey { offset: at })?;
            f[slot] = Some(at);
            match slot {
                1 => id = Some(r.text()?.to_owned()),
                2 => {
                    let at = r.position();
                    kind = Some(SealKind::from_code(r.uint()?).ok_or(invalid(at, "seal type"))?);
                }
                3 => name = Some(r.text()?.to_owned()),
                4 => owner_name = Some(r.text()?.to_owned()),
                5 => owner_code = Some((r.position(), r.text()?.to_owned())),
                6 => {
                    let n = r.non_empty_array(limits.max_digests, "empty key list")?;
                    for _ in 0..n {
                        let at = r.position();
                        let k: [u8; 32] = r
                            .bytes()?
                            .try_into()
                            .map_err(|_| invalid(at, "key digest length"))?;
                        if authorised.last().is_some_and(|last| *last >= k) {
                            return Err(invalid(at, "key digest order"));
                        }
                        authorised.push(k);
                    }
                }
                7..=9 => times[slot - 7] = r.uint()?,
                10 => {
                    r.array_of(4)?;
                    let format = r.text()?.to_owned();
                    let data = r.bytes()?.to_vec();
                    let (wa, width) = (r.position(), r.uint()?);
                    let (ha, height) = (r.position(), r.uint()?);
                    picture = Some(SealPicture {
                        format,
                        data,
                        width_mm: narrow(width, wa)?,
                        height_mm: narrow(height, ha)?,
                    });
                }
                _ => status = Some(decode_status(&mut r)?),
            }
        }
        r.finish()?;
        if let Some(missing) = (1..=10).find(|k| f[*k].is_none()) {
            return Err(DecodeError::MissingKey {
                key: i64::from(u8::try_from(missing).unwrap_or(0)),
            });
        }
        let (code_at, code) = owner_code.ok_or(DecodeError::MissingKey { key: 5 })?;
        let owner = Agency {
            name: owner_name.unwrap_or_default(),
            code: Uscc::parse_lenient(&code)
                .map(|(c, _)| c)
                .map_err(|_| invalid(code_at, "owner code"))?,
        };
        if times[2] <= times[1] {
            return Err(invalid(0, "seal valid until not after valid from"));
        }
        Ok(Self {
            id: id.unwrap_or_default(),
            kind: kind.unwrap_or(SealKind::Other),
            name: name.unwrap_or_default(),
            owner,
            authorised_keys: authorised,
            created: UnixTime::from_secs(times[0]),
            valid_from: UnixTime::from_secs(times[1]),
            valid_until: UnixTime::from_secs(times[2]),
            picture: picture.ok_or(DecodeError::MissingKey { key: 10 })?,
            status,
        })
    }
}

/// The signed content of a stamp (`TBS_Sign`), borrowing the received bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StampClaims<'a> {
    /// The embedded seal (`COSE_Sign1` bytes as received).
    pub seal: &'a [u8],
    /// When the document was stamped.
    pub signed_at: UnixTime,
    /// The document digest algorithm (COSE id; only SHA-256, -16).
    pub digest_alg: i64,
    /// The document digest.
    pub digest: &'a [u8],
    /// The protection scope (签名保护范围) and other document properties.
    pub property: &'a str,
    /// The stamping public key bytes.
    pub signer_key: &'a [u8],
}

impl<'a> StampClaims<'a> {
    /// Canonical encoding.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(self.seal.len() + 160);
        w.map(5);
        w.uint(1).bytes(self.seal);
        w.uint(2).uint(self.signed_at.as_secs());
        w.uint(3).array(2).int(self.digest_alg).bytes(self.digest);
        w.uint(4).text(self.property);
        w.uint(5).bytes(self.signer_key);
        w.into_bytes()
    }

    /// Decodes stamp claims strictly.
    ///
    /// # Errors
    /// [`DecodeError`].
    pub fn decode(bytes: &'a [u8], limits: &Limits) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes, limits)?;
        let mut keys = r.map()?;
        let mut seen = 0u8;
        let (mut seal, mut signed_at, mut digest_alg, mut digest, mut property, mut signer_key) =
            (&[][..], 0, 0, &[][..], "", &[][..]);
        while let Some((key, at)) = keys.next_int(&mut r)? {
            match key {
                1 => seal = r.bytes()?,
                2 => signed_at = r.uint()?,
                3 => {
                    r.array_of(2)?;
                    digest_alg = r.int()?;
                    digest = r.bytes()?;
                }
                4 => property = r.text()?,
                5 => signer_key = r.bytes()?,
                _ => return Err(DecodeError::UnknownKey { offset: at }),
            }
            seen += 1;
        }
        r.finish()?;
        if seen != 5 {
            return Err(DecodeError::MissingKey { key: 0 });
        }
        Ok(Self {
            seal,
            signed_at: UnixTime::from_secs(signed_at),
            digest_alg,
            digest,
            property,
            signer_key,
        })
    }
}
