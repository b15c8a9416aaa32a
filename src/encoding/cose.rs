//! Tagged `COSE_Sign1` (RFC 9052 §4.2) that keeps the exact bytes it received.
//!
//! ```text
//! COSE_Sign1 = #6.18([ protected: bstr .cbor header_map,
//!                      unprotected: { ? 4: bstr,               ; kid (IETF status lists)
//!                                     ? -65537: [+ bstr] },    ; disclosures
//!                      payload: bstr,
//!                      signature: bstr ])
//! ```
//!
//! The protected header and the payload are kept as the byte slices that were received, and
//! the `Sig_structure` is built from those slices, so a signature is always verified over the
//! received bytes and never over a re-encoding. This layer only decodes: which unprotected
//! items and protected labels each kind of object may carry is the verifier's envelope rule.

use crate::encoding::cbor::{DecodeError, Reader, Writer};
use crate::limits::Limits;

/// CBOR tag of a `COSE_Sign1`.
pub const TAG_COSE_SIGN1: u64 = 18;

/// COSE header labels used by the formats.
pub mod label {
    /// `alg` (RFC 9052).
    pub const ALG: i64 = 1;
    /// `kid` (RFC 9052).
    pub const KID: i64 = 4;
    /// `typ` (RFC 9596).
    pub const TYP: i64 = 16;
    /// `x5chain` (RFC 9360): the signer's X.509 chain, leaf first.
    pub const X5CHAIN: i64 = 33;
    /// Selective-disclosure items in the unprotected header: a private-use label
    /// (RFC 9052 §11.1 reserves labels below -65536 for private use).
    pub const DISCLOSURES: i64 = -65_537;
    /// The agency seal that authorises the signing key (private use): `[esID, SHA-256 of the
    /// seal's bytes, signing key]`, in the protected header of status lists signed under a
    /// seal.
    pub const SEAL: i64 = -65_538;
}

/// A seal reference in a protected header (label [`label::SEAL`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderSeal<'a> {
    /// The seal's esID.
    pub id: &'a str,
    /// SHA-256 of the seal's `COSE_Sign1` bytes.
    pub digest: &'a [u8],
    /// The signing key's bytes, which the seal authorises.
    pub signer_key: &'a [u8],
}

/// The decoded protected header. Only the labels the formats define are accepted; an unknown
/// protected label is an error because the signer vouched for something we cannot interpret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtectedHeader<'a> {
    /// The COSE algorithm identifier.
    pub alg: i64,
    /// The key identifier (our objects always carry it here; an IETF status list may carry
    /// it in the unprotected header instead).
    pub kid: Option<&'a [u8]>,
    /// The content type of the payload (`typ`), e.g. `application/yz-cert+cwt`.
    pub typ: &'a str,
    /// The signer's X.509 chain, leaf first, each certificate as received; empty when the
    /// header has no `x5chain`.
    pub x5chain: Vec<&'a [u8]>,
    /// The seal authorising the signing key, if named here.
    pub seal: Option<HeaderSeal<'a>>,
}

impl<'a> ProtectedHeader<'a> {
    /// `{alg, kid, typ}`: the header of every object this library signs with a plain key.
    #[must_use]
    pub fn new(alg: i64, kid: &'a [u8], typ: &'a str) -> Self {
        Self {
            alg,
            kid: Some(kid),
            typ,
            x5chain: Vec::new(),
            seal: None,
        }
    }

    /// Decodes a serialized protected header map.
    ///
    /// # Errors
    /// [`DecodeError`] for anything but a canonical
    /// `{1: int, ? 4: bstr, 16: tstr, ? 33: x5chain, ? -65538: seal}` (a single certificate as
    /// a `bstr`, several as an array of at most [`Limits::max_chain_len`]).
    pub fn decode(bytes: &'a [u8], limits: &Limits) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes, limits)?;
        let mut keys = r.map()?;
        let (mut alg, mut kid, mut typ, mut x5chain, mut seal) =
            (None, None, None, Vec::new(), None);
        while let Some((key, at)) = keys.next_int(&mut r)? {
            match key {
                label::ALG => alg = Some(r.int()?),
                label::KID => kid = Some(r.bytes()?),
                label::TYP => typ = Some(r.text()?),
                label::X5CHAIN => x5chain = decode_x5chain(&mut r, limits)?,
                label::SEAL => {
                    r.array_of(3)?;
                    seal = Some(HeaderSeal {
                        id: r.text()?,
                        digest: r.bytes()?,
                        signer_key: r.bytes()?,
                    });
                }
                _ => return Err(DecodeError::UnknownKey { offset: at }),
            }
        }
        r.finish()?;
        Ok(Self {
            alg: alg.ok_or(DecodeError::MissingKey { key: label::ALG })?,
            kid,
            typ: typ.ok_or(DecodeError::MissingKey { key: label::TYP })?,
            x5chain,
            seal,
        })
    }

    /// The canonical encoding of this header.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let chain: usize = self.x5chain.iter().map(|c| c.len() + 5).sum();
        let kid_len = self.kid.map_or(0, <[u8]>::len);
        let mut w = Writer::with_capacity(96 + kid_len + self.typ.len() + chain);
        w.map(
            2 + usize::from(self.kid.is_some())
                + usize::from(!self.x5chain.is_empty())
                + usize::from(self.seal.is_some()),
        )
        .int(label::ALG)
        .int(self.alg);
        if let Some(kid) = self.kid {
            w.int(label::KID).bytes(kid);
        }
        w.int(label::TYP).text(self.typ);
        match self.x5chain.as_slice() {
            [] => {}
            [single] => {
                w.int(label::X5CHAIN).bytes(single);
            }
            chain => {
                w.int(label::X5CHAIN).array(chain.len());
                for cert in chain {
                    w.bytes(cert);
                }
            }
        }
        if let Some(seal) = &self.seal {
            w.int(label::SEAL)
                .array(3)
                .text(seal.id)
                .bytes(seal.digest)
                .bytes(seal.signer_key);
        }
        w.into_bytes()
    }
}

fn decode_x5chain<'a>(r: &mut Reader<'a>, limits: &Limits) -> Result<Vec<&'a [u8]>, DecodeError> {
    use crate::encoding::cbor::Kind;
    if r.peek_kind()? == Kind::Bytes {
        return Ok(vec![r.bytes()?]);
    }
    let at = r.position();
    let len = r.array()?;
    if len < 2 || len > limits.max_chain_len {
        return Err(DecodeError::InvalidValue {
            offset: at,
            what: "x5chain length (one certificate is a bstr; at most max_chain_len)",
        });
    }
    (0..len).map(|_| r.bytes()).collect()
}

/// A decoded `COSE_Sign1`, borrowing the received bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoseSign1<'a> {
    /// The protected header exactly as received (the contents of the `bstr`).
    pub protected_bytes: &'a [u8],
    /// The decoded protected header.
    pub protected: ProtectedHeader<'a>,
    /// A `kid` in the unprotected header (IETF status lists put it there).
    pub unprotected_kid: Option<&'a [u8]>,
    /// Selective-disclosure items from the unprotected header, each as received.
    pub disclosures: Vec<&'a [u8]>,
    /// The payload exactly as received.
    pub payload: &'a [u8],
    /// The signature bytes.
    pub signature: &'a [u8],
}

impl<'a> CoseSign1<'a> {
    /// Decodes a tagged `COSE_Sign1`, rejecting trailing bytes and non-canonical encodings.
    ///
    /// # Errors
    /// [`DecodeError`] describing the first violation.
    pub fn decode(bytes: &'a [u8], limits: &Limits) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes, limits)?;
        let at = r.position();
        if r.tag()? != TAG_COSE_SIGN1 {
            return Err(DecodeError::InvalidValue {
                offset: at,
                what: "COSE_Sign1 tag",
            });
        }
        r.array_of(4)?;
        let protected_bytes = r.bytes()?;
        let protected = ProtectedHeader::decode(protected_bytes, limits)?;
        let (mut disclosures, mut unprotected_kid) = (Vec::new(), None);
        let mut keys = r.map()?;
        while let Some((key, at)) = keys.next_int(&mut r)? {
            match key {
                label::KID => unprotected_kid = Some(r.bytes()?),
                label::DISCLOSURES => {
                    let count = r.non_empty_array(limits.max_fields, "empty disclosure list")?;
                    disclosures.reserve_exact(count);
                    for _ in 0..count {
                        disclosures.push(r.bytes()?);
                    }
                }
                _ => return Err(DecodeError::UnknownKey { offset: at }),
            }
        }
        let payload = r.bytes()?;
        let signature = r.bytes()?;
        r.finish()?;
        Ok(Self {
            protected_bytes,
            protected,
            unprotected_kid,
            disclosures,
            payload,
            signature,
        })
    }

    /// The key identifier, from the protected header or else the unprotected one.
    #[must_use]
    pub fn kid(&self) -> Option<&'a [u8]> {
        self.protected.kid.or(self.unprotected_kid)
    }

    /// The bytes the signature covers: the `Sig_structure` over the received protected
    /// header and payload.
    #[must_use]
    pub fn to_be_signed(&self) -> Vec<u8> {
        sig_structure(self.protected_bytes, self.payload)
    }

    /// Re-encodes with another set of disclosures (and no unprotected `kid`); the signed
    /// parts are copied byte for byte.
    #[must_use]
    pub fn with_disclosures(&self, disclosures: &[&[u8]]) -> Vec<u8> {
        encode_sign1(
            self.protected_bytes,
            disclosures,
            self.payload,
            self.signature,
        )
    }
}

/// `Sig_structure = ["Signature1", protected, external_aad = h'', payload]` (RFC 9052 §4.4).
#[must_use]
pub fn sig_structure(protected: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut w = Writer::with_capacity(24 + protected.len() + payload.len());
    w.array(4)
        .text("Signature1")
        .bytes(protected)
        .bytes(&[])
        .bytes(payload);
    w.into_bytes()
}

/// Encodes a tagged `COSE_Sign1` from its parts.
#[must_use]
pub fn encode_sign1(
    protected: &[u8],
    disclosures: &[&[u8]],
    payload: &[u8],
    signature: &[u8],
) -> Vec<u8> {
    encode_with_kid(protected, None, disclosures, payload, signature)
}

fn encode_with_kid(
    protected: &[u8],
    unprotected_kid: Option<&[u8]>,
    disclosures: &[&[u8]],
    payload: &[u8],
    signature: &[u8],
) -> Vec<u8> {
    let items: usize = disclosures.iter().map(|d| d.len() + 3).sum();
    let kid_len = unprotected_kid.map_or(0, <[u8]>::len);
    let mut w = Writer::with_capacity(
        24 + protected.len() + kid_len + items + payload.len() + signature.len(),
    );
    w.tag(TAG_COSE_SIGN1).array(4).bytes(protected);
    w.map(usize::from(unprotected_kid.is_some()) + usize::from(!disclosures.is_empty()));
    if let Some(kid) = unprotected_kid {
        w.int(label::KID).bytes(kid);
    }
    if !disclosures.is_empty() {
        w.int(label::DISCLOSURES).array(disclosures.len());
        for item in disclosures {
            w.bytes(item);
        }
    }
    w.bytes(payload).bytes(signature);
    w.into_bytes()
}

impl CoseSign1<'_> {
    /// The encoding of everything decoded (the one encoding of what was received).
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        encode_with_kid(
            self.protected_bytes,
            self.unprotected_kid,
            &self.disclosures,
            self.payload,
            self.signature,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign1_layout_matches_rfc_9052() {
        let protected = ProtectedHeader::new(-19, &[0xAA, 0xBB], "t").encode();
        assert_eq!(
            hex::encode(&protected),
            concat!(
                "a3", // map(3)
                "01", "32", // 1 (alg): -19
                "04", "42aabb", // 4 (kid): h'AABB'
                "10", "6174", // 16 (typ): "t"
            )
        );
        let bytes = encode_sign1(&protected, &[b"\x80"], b"\xa0", &[0x55; 2]);
        assert_eq!(
            hex::encode(&bytes),
            concat!(
                "d2",
                "84", // 18([ 4 items
                "4a",
                "a3013204",
                "42aabb",
                "106174", // protected bstr(10)
                "a1",
                "3a00010000",
                "81",
                "4180", // {-65537: [h'80']}
                "41",
                "a0", // payload h'A0'
                "42",
                "5555", // signature
            )
        );
        let decoded = CoseSign1::decode(&bytes, &Limits::default()).unwrap();
        assert_eq!(decoded.protected.alg, -19);
        assert_eq!(decoded.disclosures, vec![&b"\x80"[..]]);
        assert_eq!(
            hex::encode(decoded.to_be_signed()),
            concat!(
                "84",
                "6a5369676e617475726531",
                "4a",
                "a301320442aabb106174",
                "40",
                "41a0"
            )
        );
        assert_eq!(decoded.with_disclosures(&[b"\x80"]), bytes);
    }

    #[test]
    fn unknown_protected_labels_and_untagged_input_are_rejected() {
        // {1: -19, 3: 0, 4: h'', 16: ""}: label 3 (content type) is not part of the format.
        let mut w = Writer::new();
        w.map(4)
            .int(1)
            .int(-19)
            .int(3)
            .int(0)
            .int(4)
            .bytes(&[])
            .int(16)
            .text("");
        let header = w.into_bytes();
        assert_eq!(
            ProtectedHeader::decode(&header, &Limits::default()),
            Err(DecodeError::UnknownKey { offset: 3 })
        );
        let untagged = hex::decode("8440a04040").unwrap();
        assert!(CoseSign1::decode(&untagged, &Limits::default()).is_err());
    }

    #[test]
    fn seal_header_and_unprotected_kid_round_trip() {
        let mut header = ProtectedHeader::new(-7, b"k", "statuslist+cwt");
        header.kid = None;
        header.seal = Some(HeaderSeal {
            id: "seal",
            digest: &[1; 32],
            signer_key: &[2; 32],
        });
        let bytes = header.encode();
        assert_eq!(
            ProtectedHeader::decode(&bytes, &Limits::default()).unwrap(),
            header
        );
        // {4: h'3132'} in the unprotected header, as the IETF status-list example has it.
        let mut w = Writer::new();
        w.tag(TAG_COSE_SIGN1)
            .array(4)
            .bytes(&bytes)
            .map(1)
            .int(label::KID)
            .bytes(b"12")
            .bytes(b"")
            .bytes(b"");
        let bytes = w.into_bytes();
        let sign1 = CoseSign1::decode(&bytes, &Limits::default()).unwrap();
        assert_eq!(sign1.kid(), Some(&b"12"[..]));
        assert!(sign1.disclosures.is_empty());
    }
}
