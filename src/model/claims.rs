//! The certificate's signed payload: CWT claims in deterministic CBOR, read strictly.
//!
//! ```cddl
//! claims = {
//!   1 => tstr,            ; iss: issuing authority's USCC (颁发机构代码)
//!   2 => tstr,            ; sub: holder code (持证主体代码)
//!   ? 4 => uint,          ; exp: end of validity (absent = 长期有效, long-term)
//!   5 => uint,            ; nbf: start of validity
//!   6 => uint,            ; iat: signing time
//!   7 => bstr,            ; cti: the GB/T 36904 identifier, ASCII
//!   ? 8 => { 1 => cose-key },  ; cnf (RFC 8747): the holder's device key, which signs
//!                         ; presentations (亮证)
//!   ? 65535 => { "status_list": { "idx": uint, "uri": tstr } },  ; Token Status List reference
//!   -65537 => yz-claims,
//! }
//! yz-claims = {
//!   1 => tstr,            ; licence type code (证照类型代码, 21 chars)
//!   2 => tstr,            ; licence type name (证照类型名称)
//!   3 => tstr,            ; licence number (证照编号)
//!   4 => tstr,            ; holder name (持证主体)
//!   5 => tstr,            ; holder code type (持证主体代码类型代码)
//!   6 => tstr,            ; issuing authority name (颁发机构)
//!   7 => full-date,       ; issue date (颁发日期)
//!   ? 8 => tstr,          ; jurisdiction (管辖属地, GB/T 2260 code)
//!   ? 9 => [+ field],     ; plain face fields, in display order
//!   ? 10 => [+ digest],   ; SHA-256 of each disclosable item, with decoys, sorted
//!   ? 11 => seal-ref,     ; signed under this agency seal (电子印章)
//! }
//! seal-ref = [ esID: tstr, seal-digest: digest, signer-key: bstr ]
//!                         ; seal-digest = SHA-256 of the seal's COSE_Sign1 bytes; signer-key =
//!                         ; the issuing key (Ed25519 32 B / SEC1 P-256), which the seal authorises
//! digest = bstr .size 32
//! cose-key = { 1 => 1, -1 => 6, -2 => bstr .size 32 }                 ; OKP Ed25519
//!          / { 1 => 2, -1 => 1, -2 => bstr .size 32, -3 => bool }      ; EC2 P-256, compressed
//!                         ; (RFC 9053 §7.1.1: y is the sign bit; phones' keys are P-256)
//! ```

use crate::encoding::cbor::{DecodeError, Reader, Writer};
use crate::limits::Limits;
use crate::model::certificate::{
    Agency, Certificate, DeviceKey, DisclosureDigest, Holder, SealReference, StatusReference,
    Validity, Warning,
};
use crate::model::codes::{HolderCodeType, Uscc};
use crate::model::identifier::{CertificateId, CertificateType};
use crate::model::value::{Field, TAG_FULL_DATE};
use crate::time::{Date, UnixTime};

/// Claim keys of the certificate payload.
pub mod claim {
    /// `iss`: issuing authority's USCC.
    pub const ISS: i64 = 1;
    /// `sub`: holder code.
    pub const SUB: i64 = 2;
    /// `exp`: end of validity.
    pub const EXP: i64 = 4;
    /// `nbf`: start of validity.
    pub const NBF: i64 = 5;
    /// `iat`: signing time.
    pub const IAT: i64 = 6;
    /// `cti`: the identifier.
    pub const CTI: i64 = 7;
    /// `cnf`: the holder's device key (RFC 8747).
    pub const CNF: i64 = 8;
    /// `status`: where the certificate's status is published (Token Status List).
    pub const STATUS: i64 = 65_535;
    /// The private claim holding the licence metadata (RFC 8392 private-use range).
    pub const YZ: i64 = -65_537;

    /// Keys inside the `YZ` claim.
    pub mod yz {
        /// Licence type code.
        pub const TYPE_CODE: i64 = 1;
        /// Licence type name.
        pub const TYPE_NAME: i64 = 2;
        /// Licence number.
        pub const NUMBER: i64 = 3;
        /// Holder name.
        pub const HOLDER_NAME: i64 = 4;
        /// Holder code type.
        pub const HOLDER_CODE_TYPE: i64 = 5;
        /// Issuing authority name.
        pub const ISSUER_NAME: i64 = 6;
        /// Issue date.
        pub const ISSUED_ON: i64 = 7;
        /// Jurisdiction.
        pub const JURISDICTION: i64 = 8;
        /// Plain face fields.
        pub const FIELDS: i64 = 9;
        /// Selective-disclosure digests.
        pub const DIGESTS: i64 = 10;
        /// The seal the certificate is signed under.
        pub const SEAL: i64 = 11;
    }
}

impl DeviceKey {
    /// Writes the COSE_Key map.
    pub(crate) fn encode(&self, w: &mut Writer) {
        match self {
            Self::Ed25519(x) => {
                w.map(3).int(1).int(1).int(-1).int(6).int(-2).bytes(x);
            }
            Self::P256 { x, y_odd } => {
                w.map(4)
                    .int(1)
                    .int(2)
                    .int(-1)
                    .int(1)
                    .int(-2)
                    .bytes(x)
                    .int(-3)
                    .bool(*y_odd);
            }
        }
    }

    /// Reads a COSE_Key map of one of the two forms, canonical.
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let at = r.position();
        let mut keys = r.map()?;
        let (mut kty, mut crv, mut x, mut y_odd) = (None, None, None, None);
        while let Some((key, key_at)) = keys.next_int(r)? {
            match key {
                1 => kty = Some(r.int()?),
                -1 => crv = Some(r.int()?),
                -2 => x = Some(r.bytes()?),
                -3 => y_odd = Some(r.bool()?),
                _ => return Err(DecodeError::UnknownKey { offset: key_at }),
            }
        }
        let x = x.and_then(|b| <[u8; 32]>::try_from(b).ok());
        match (kty, crv, x, y_odd) {
            (Some(1), Some(6), Some(x), None) => Ok(Self::Ed25519(x)),
            (Some(2), Some(1), Some(x), Some(y_odd)) => Ok(Self::P256 { x, y_odd }),
            _ => Err(invalid(at, "device key")),
        }
    }
}

impl Certificate {
    /// The canonical CWT claims (the signed payload).
    #[must_use]
    pub fn encode_claims(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(512);
        w.map(
            6 + usize::from(self.validity.not_after.is_some())
                + usize::from(self.status.is_some())
                + usize::from(self.holder_key.is_some()),
        );
        w.int(claim::ISS).text(self.issuer.code.as_str());
        w.int(claim::SUB).text(&self.holder.code);
        if let Some(exp) = self.validity.not_after {
            w.int(claim::EXP).uint(exp.as_secs());
        }
        w.int(claim::NBF).uint(self.validity.not_before.as_secs());
        w.int(claim::IAT).uint(self.signed_at.as_secs());
        w.int(claim::CTI).bytes(self.id.as_str().as_bytes());
        if let Some(key) = &self.holder_key {
            w.int(claim::CNF).map(1).int(1);
            key.encode(&mut w);
        }
        if let Some(status) = &self.status {
            w.int(claim::STATUS);
            encode_status(&mut w, status);
        }
        w.int(claim::YZ);
        let entries = 7
            + usize::from(self.jurisdiction.is_some())
            + usize::from(!self.fields.is_empty())
            + usize::from(!self.digests.is_empty())
            + usize::from(self.seal.is_some());
        w.map(entries);
        w.int(claim::yz::TYPE_CODE).text(self.kind.code());
        w.int(claim::yz::TYPE_NAME).text(self.kind.name());
        w.int(claim::yz::NUMBER).text(&self.number);
        w.int(claim::yz::HOLDER_NAME).text(&self.holder.name);
        w.int(claim::yz::HOLDER_CODE_TYPE)
            .text(self.holder.code_type.code());
        w.int(claim::yz::ISSUER_NAME).text(&self.issuer.name);
        w.int(claim::yz::ISSUED_ON)
            .tag(TAG_FULL_DATE)
            .text(&self.issued_on.to_string());
        if let Some(j) = &self.jurisdiction {
            w.int(claim::yz::JURISDICTION).text(j);
        }
        if !self.fields.is_empty() {
            w.int(claim::yz::FIELDS).array(self.fields.len());
            for field in &self.fields {
                field.encode(&mut w);
            }
        }
        if !self.digests.is_empty() {
            w.int(claim::yz::DIGESTS).array(self.digests.len());
            for digest in &self.digests {
                w.bytes(digest);
            }
        }
        if let Some(seal) = &self.seal {
            w.int(claim::yz::SEAL)
                .array(3)
                .text(&seal.id)
                .bytes(&seal.digest)
                .bytes(&seal.signer_key);
        }
        w.into_bytes()
    }

    /// Decodes signed claims. Unknown claims are rejected: a verifier that ignored one could
    /// miss a restriction (such as a status reference) the issuer meant to impose. Wrong check
    /// characters in codes come back as [`Warning`]s; other code errors are decode errors.
    ///
    /// # Errors
    /// [`DecodeError`] for any deviation from the canonical claims encoding or its rules.
    pub fn decode_claims(
        payload: &[u8],
        limits: &Limits,
    ) -> Result<(Self, Vec<Warning>), DecodeError> {
        let mut r = Reader::new(payload, limits)?;
        let mut c = RawClaims::default();
        let mut keys = r.map()?;
        while let Some((key, at)) = keys.next_int(&mut r)? {
            match key {
                claim::ISS => c.iss = Some((r.position(), r.text()?)),
                claim::SUB => c.sub = Some((r.position(), r.text()?)),
                claim::EXP => c.exp = Some(r.uint()?),
                claim::NBF => c.nbf = Some(r.uint()?),
                claim::IAT => c.iat = Some(r.uint()?),
                claim::CTI => c.cti = Some((r.position(), r.bytes()?)),
                claim::CNF => {
                    let at = r.position();
                    let mut cnf = r.map()?;
                    match cnf.next_int(&mut r)? {
                        Some((1, _)) if cnf.remaining() == 0 => {
                            c.holder_key = Some(DeviceKey::decode(&mut r)?);
                        }
                        _ => return Err(invalid(at, "cnf")),
                    }
                }
                claim::STATUS => c.status = Some(decode_status(&mut r)?),
                claim::YZ => c.decode_yz(&mut r, limits)?,
                _ => return Err(DecodeError::UnknownKey { offset: at }),
            }
        }
        r.finish()?;
        c.into_certificate()
    }
}

/// Claims as read, before cross-checks.
#[derive(Default)]
struct RawClaims<'a> {
    iss: Option<(usize, &'a str)>,
    sub: Option<(usize, &'a str)>,
    exp: Option<u64>,
    nbf: Option<u64>,
    iat: Option<u64>,
    cti: Option<(usize, &'a [u8])>,
    status: Option<StatusReference>,
    holder_key: Option<DeviceKey>,
    yz_at: usize,
    type_code: Option<&'a str>,
    type_name: Option<&'a str>,
    number: Option<&'a str>,
    holder_name: Option<&'a str>,
    holder_code_type: Option<&'a str>,
    issuer_name: Option<&'a str>,
    issued_on: Option<Date>,
    jurisdiction: Option<&'a str>,
    fields: Vec<Field>,
    digests: Vec<DisclosureDigest>,
    seal: Option<SealReference>,
}

/// Writes `{"status_list": {"idx": uint, "uri": tstr}}`.
pub(crate) fn encode_status(w: &mut Writer, status: &StatusReference) {
    w.map(1).text("status_list").map(2);
    w.text("idx")
        .uint(status.index)
        .text("uri")
        .text(&status.uri);
}

/// `{"status_list": {"idx": uint, "uri": tstr}}`, canonical.
pub(crate) fn decode_status(r: &mut Reader<'_>) -> Result<StatusReference, DecodeError> {
    let at = r.position();
    let mut outer = r.map()?;
    match outer.next_text(r)? {
        Some(("status_list", _)) if outer.remaining() == 0 => {}
        _ => return Err(invalid(at, "status claim")),
    }
    let mut inner = r.map()?;
    let (mut index, mut uri) = (None, None);
    while let Some((key, key_at)) = inner.next_text(r)? {
        match key {
            "idx" => index = Some(r.uint()?),
            "uri" => uri = Some(r.text()?.to_owned()),
            _ => return Err(DecodeError::UnknownKey { offset: key_at }),
        }
    }
    match (index, uri) {
        (Some(index), Some(uri)) if !uri.is_empty() => Ok(StatusReference { index, uri }),
        _ => Err(invalid(at, "status reference")),
    }
}

fn require<T>(value: Option<T>, key: i64) -> Result<T, DecodeError> {
    value.ok_or(DecodeError::MissingKey { key })
}

fn invalid(offset: usize, what: &'static str) -> DecodeError {
    DecodeError::InvalidValue { offset, what }
}

impl<'a> RawClaims<'a> {
    fn decode_yz(&mut self, r: &mut Reader<'a>, limits: &Limits) -> Result<(), DecodeError> {
        use claim::yz;
        self.yz_at = r.position();
        let mut keys = r.map()?;
        while let Some((key, at)) = keys.next_int(r)? {
            match key {
                yz::TYPE_CODE => self.type_code = Some(r.text()?),
                yz::TYPE_NAME => self.type_name = Some(r.text()?),
                yz::NUMBER => self.number = Some(r.text()?),
                yz::HOLDER_NAME => self.holder_name = Some(r.text()?),
                yz::HOLDER_CODE_TYPE => self.holder_code_type = Some(r.text()?),
                yz::ISSUER_NAME => self.issuer_name = Some(r.text()?),
                yz::ISSUED_ON => {
                    let at = r.position();
                    if r.tag()? != TAG_FULL_DATE {
                        return Err(invalid(at, "issue date tag"));
                    }
                    let date = Date::parse(r.text()?).map_err(|_| invalid(at, "issue date"))?;
                    self.issued_on = Some(date);
                }
                yz::JURISDICTION => self.jurisdiction = Some(r.text()?),
                yz::FIELDS => {
                    let len = r.non_empty_array(limits.max_fields, "empty field list")?;
                    self.fields.reserve_exact(len);
                    for _ in 0..len {
                        let at = r.position();
                        let field = Field::decode(r, limits)?;
                        if self.fields.iter().any(|f| f.name == field.name) {
                            return Err(invalid(at, "duplicate field name"));
                        }
                        self.fields.push(field);
                    }
                }
                yz::DIGESTS => {
                    let len = r.non_empty_array(limits.max_digests, "empty digest list")?;
                    self.digests.reserve_exact(len);
                    for _ in 0..len {
                        let at = r.position();
                        let digest: DisclosureDigest = r
                            .bytes()?
                            .try_into()
                            .map_err(|_| invalid(at, "digest length"))?;
                        // Sorted and unique: one encoding per set, and binary search works.
                        if self.digests.last().is_some_and(|last| *last >= digest) {
                            return Err(invalid(at, "digest order"));
                        }
                        self.digests.push(digest);
                    }
                }
                yz::SEAL => {
                    r.array_of(3)?;
                    let (id_at, id) = (r.position(), r.text()?);
                    let digest_at = r.position();
                    let digest = r
                        .bytes()?
                        .try_into()
                        .map_err(|_| invalid(digest_at, "seal digest length"))?;
                    let key_at = r.position();
                    let signer_key = r.bytes()?;
                    if id.is_empty() {
                        return Err(invalid(id_at, "empty seal id"));
                    }
                    if !matches!(signer_key.len(), 32 | 33) {
                        return Err(invalid(key_at, "seal signer key length"));
                    }
                    self.seal = Some(SealReference {
                        id: id.to_owned(),
                        digest,
                        signer_key: signer_key.to_vec(),
                    });
                }
                _ => return Err(DecodeError::UnknownKey { offset: at }),
            }
        }
        Ok(())
    }

    fn into_certificate(self) -> Result<(Certificate, Vec<Warning>), DecodeError> {
        use claim::yz;
        let mut warnings = Vec::new();
        let (iss_at, iss) = require(self.iss, claim::ISS)?;
        let (sub_at, sub) = require(self.sub, claim::SUB)?;
        let (cti_at, cti) = require(self.cti, claim::CTI)?;
        let nbf = require(self.nbf, claim::NBF)?;
        let iat = require(self.iat, claim::IAT)?;
        if self.exp.is_some_and(|exp| exp <= nbf) {
            return Err(invalid(0, "exp not after nbf"));
        }
        let at = self.yz_at;
        let type_code = require(self.type_code, yz::TYPE_CODE)?;
        let type_name = require(self.type_name, yz::TYPE_NAME)?;
        let number = require(self.number, yz::NUMBER)?;
        let holder_name = require(self.holder_name, yz::HOLDER_NAME)?;
        let holder_code_type = require(self.holder_code_type, yz::HOLDER_CODE_TYPE)?;
        let issuer_name = require(self.issuer_name, yz::ISSUER_NAME)?;
        let issued_on = require(self.issued_on, yz::ISSUED_ON)?;

        let (kind, check) = CertificateType::decode(type_code, type_name)
            .map_err(|_| invalid(at, "licence type code"))?;
        warnings.extend(check.map(Warning::TypeCodeCheck));
        let (issuer_code, check) =
            Uscc::parse_lenient(iss).map_err(|_| invalid(iss_at, "issuer code"))?;
        warnings.extend(check.map(Warning::IssuerCodeCheck));
        let id_text = core::str::from_utf8(cti).map_err(|_| invalid(cti_at, "identifier"))?;
        let (id, check) =
            CertificateId::parse_lenient(id_text).map_err(|_| invalid(cti_at, "identifier"))?;
        warnings.extend(check.map(Warning::IdentifierCheck));
        if id.type_code() != kind.code() || id.issuer_code() != issuer_code.as_str() {
            return Err(invalid(cti_at, "identifier does not match type and issuer"));
        }
        let holder = Holder {
            name: holder_name.to_owned(),
            code: sub.to_owned(),
            code_type: HolderCodeType::from_code(holder_code_type),
        };
        let check = holder
            .check_code()
            .map_err(|_| invalid(sub_at, "holder code"))?;
        warnings.extend(check.map(Warning::HolderCodeCheck));
        let certificate = Certificate {
            id,
            kind,
            number: number.to_owned(),
            holder,
            issuer: Agency {
                name: issuer_name.to_owned(),
                code: issuer_code,
            },
            jurisdiction: self.jurisdiction.map(str::to_owned),
            issued_on,
            validity: Validity {
                not_before: UnixTime::from_secs(nbf),
                not_after: self.exp.map(UnixTime::from_secs),
            },
            signed_at: UnixTime::from_secs(iat),
            status: self.status,
            holder_key: self.holder_key,
            fields: self.fields,
            disclosed: Vec::new(),
            digests: self.digests,
            seal: self.seal,
        };
        Ok((certificate, warnings))
    }
}
