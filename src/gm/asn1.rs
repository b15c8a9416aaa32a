//! The DER element reader and writer the GB/T 38540 structures are built on, over RustCrypto
//! `der`. A structure is read as its list of elements (`SEQUENCE OF ANY`, strict DER: minimal
//! lengths, definite forms, nothing after the end), each then typed by what the standard
//! says is at its place. This, rather than derives, lets one reader take the three versions
//! of the standard and the deviations real files carry (an OCTET STRING where a BIT STRING is
//! specified, a `[0]` tag some producers leave off), and keeps the received bytes of every
//! element for the signatures over them: `der` refuses any header that is not minimal, so an
//! element's header and value re-encode to exactly the received bytes.

use der::asn1::{
    AnyRef, BitStringRef, GeneralizedTime, Ia5StringRef, ObjectIdentifier, OctetStringRef,
    PrintableStringRef, UtcTime, Utf8StringRef,
};
use der::{Decode as _, Encode as _, Tag, Tagged as _};

use super::SesError;
use crate::time::UnixTime;

/// One element as received.
#[derive(Clone, Copy)]
pub(super) struct Element<'a>(pub(super) AnyRef<'a>);

/// Where a problem was found, for [`SesError`].
pub(super) type Field = &'static str;

fn malformed(field: Field, problem: &'static str) -> SesError {
    SesError::Malformed { field, problem }
}

/// The elements of the DER `SEQUENCE` that is all of `bytes`.
pub(super) fn sequence(bytes: &[u8], field: Field) -> Result<Vec<Element<'_>>, SesError> {
    let any = AnyRef::from_der(bytes).map_err(|_| malformed(field, "not one DER element"))?;
    Element(any).elements(field)
}

impl<'a> Element<'a> {
    pub(super) fn tag(self) -> Tag {
        self.0.tag()
    }

    /// The element's bytes as received (header and value).
    pub(super) fn to_bytes(self, field: Field) -> Result<Vec<u8>, SesError> {
        self.0
            .to_der()
            .map_err(|_| malformed(field, "element too long"))
    }

    /// The elements of this `SEQUENCE`.
    pub(super) fn elements(self, field: Field) -> Result<Vec<Self>, SesError> {
        if self.0.tag() != Tag::Sequence {
            return Err(malformed(field, "not a SEQUENCE"));
        }
        self.members(field)
    }

    /// The elements inside this constructed element (a `SET OF`, an `[n] IMPLICIT SET OF`).
    pub(super) fn members(self, field: Field) -> Result<Vec<Self>, SesError> {
        if !self.0.tag().is_constructed() {
            return Err(malformed(field, "not a constructed element"));
        }
        let mut out = Vec::new();
        let mut rest = self.0.value();
        while !rest.is_empty() {
            let (any, after) =
                AnyRef::from_der_partial(rest).map_err(|_| malformed(field, "element"))?;
            out.push(Element(any));
            rest = after;
        }
        Ok(out)
    }

    fn expect(self, tag: Tag, field: Field, problem: &'static str) -> Result<&'a [u8], SesError> {
        if self.0.tag() == tag {
            Ok(self.0.value())
        } else {
            Err(malformed(field, problem))
        }
    }

    pub(super) fn ia5(self, field: Field) -> Result<String, SesError> {
        self.expect(Tag::Ia5String, field, "not an IA5String")?;
        self.0
            .decode_as::<Ia5StringRef<'_>>()
            .map(|s| s.as_str().to_owned())
            .map_err(|_| malformed(field, "not IA5 text"))
    }

    pub(super) fn utf8(self, field: Field) -> Result<String, SesError> {
        self.expect(Tag::Utf8String, field, "not a UTF8String")?;
        self.0
            .decode_as::<Utf8StringRef<'_>>()
            .map(|s| s.as_str().to_owned())
            .map_err(|_| malformed(field, "not UTF-8 text"))
    }

    pub(super) fn printable(self, field: Field) -> Result<String, SesError> {
        match self.0.tag() {
            Tag::PrintableString => self
                .0
                .decode_as::<PrintableStringRef<'_>>()
                .map(|s| s.as_str().to_owned())
                .map_err(|_| malformed(field, "not printable text")),
            Tag::Ia5String => self.ia5(field),
            Tag::Utf8String => self.utf8(field),
            _ => Err(malformed(field, "not a PrintableString")),
        }
    }

    /// A non-negative INTEGER that fits 64 bits (minimal encoding, as `der` requires).
    pub(super) fn uint(self, field: Field) -> Result<u64, SesError> {
        self.expect(Tag::Integer, field, "not an INTEGER")?;
        self.0
            .decode_as::<u64>()
            .map_err(|_| malformed(field, "not a non-negative 64-bit INTEGER"))
    }

    pub(super) fn octets(self, field: Field) -> Result<&'a [u8], SesError> {
        let value = self.expect(Tag::OctetString, field, "not an OCTET STRING")?;
        OctetStringRef::new(value).map_err(|_| malformed(field, "OCTET STRING"))?;
        Ok(value)
    }

    /// A BIT STRING of whole bytes; with `tolerant`, an OCTET STRING in its place is taken
    /// too and reported by the second value.
    pub(super) fn bits(self, field: Field) -> Result<(&'a [u8], bool), SesError> {
        match self.0.tag() {
            Tag::BitString => {
                let bits = self
                    .0
                    .decode_as::<BitStringRef<'_>>()
                    .map_err(|_| malformed(field, "BIT STRING"))?;
                let bytes = bits
                    .as_bytes()
                    .ok_or(malformed(field, "BIT STRING with unused bits"))?;
                Ok((bytes, false))
            }
            Tag::OctetString => Ok((self.octets(field)?, true)),
            _ => Err(malformed(field, "not a BIT STRING")),
        }
    }

    pub(super) fn oid(self, field: Field) -> Result<ObjectIdentifier, SesError> {
        self.expect(Tag::ObjectIdentifier, field, "not an OBJECT IDENTIFIER")?;
        self.0
            .decode_as::<ObjectIdentifier>()
            .map_err(|_| malformed(field, "OBJECT IDENTIFIER"))
    }

    pub(super) fn boolean(self, field: Field) -> Result<bool, SesError> {
        self.expect(Tag::Boolean, field, "not a BOOLEAN")?;
        self.0
            .decode_as::<bool>()
            .map_err(|_| malformed(field, "BOOLEAN not 0x00 or 0xFF"))
    }

    /// A GeneralizedTime or UTCTime (strict DER forms, `Z`), and whether it was UTCTime.
    pub(super) fn time(self, field: Field) -> Result<(UnixTime, bool), SesError> {
        let (duration, utc) = match self.0.tag() {
            Tag::GeneralizedTime => (
                self.0
                    .decode_as::<GeneralizedTime>()
                    .map_err(|_| malformed(field, "GeneralizedTime not YYYYMMDDHHMMSSZ"))?
                    .to_unix_duration(),
                false,
            ),
            Tag::UtcTime => (
                self.0
                    .decode_as::<UtcTime>()
                    .map_err(|_| malformed(field, "UTCTime not YYMMDDHHMMSSZ"))?
                    .to_unix_duration(),
                true,
            ),
            _ => return Err(malformed(field, "not a time")),
        };
        Ok((UnixTime::from_secs(duration.as_secs()), utc))
    }

    /// The content of an `[n] EXPLICIT` context tag, if this element is one.
    pub(super) fn explicit(self, number: u8, field: Field) -> Result<Option<Self>, SesError> {
        let Tag::ContextSpecific {
            constructed: true,
            number: n,
        } = self.0.tag()
        else {
            return Ok(None);
        };
        if n.value() != u32::from(number) {
            return Ok(None);
        }
        let inner = AnyRef::from_der(self.0.value())
            .map_err(|_| malformed(field, "explicit tag not around one element"))?;
        Ok(Some(Element(inner)))
    }
}

/// DER writing: each function returns one whole element.
pub(super) mod write {
    use super::*;

    /// Identifier octets of the universal types written here.
    pub(in crate::gm) mod tag {
        pub(in crate::gm) const BOOLEAN: u8 = 0x01;
        pub(in crate::gm) const INTEGER: u8 = 0x02;
        pub(in crate::gm) const BIT_STRING: u8 = 0x03;
        pub(in crate::gm) const OCTET_STRING: u8 = 0x04;
        pub(in crate::gm) const OID: u8 = 0x06;
        pub(in crate::gm) const UTF8_STRING: u8 = 0x0C;
        pub(in crate::gm) const PRINTABLE_STRING: u8 = 0x13;
        pub(in crate::gm) const IA5_STRING: u8 = 0x16;
        pub(in crate::gm) const UTC_TIME: u8 = 0x17;
        pub(in crate::gm) const SEQUENCE: u8 = 0x30;
        pub(in crate::gm) const SET: u8 = 0x31;
    }

    /// One element: identifier, DER length (short form below 128, else the fewest octets),
    /// value.
    pub(in crate::gm) fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(value.len() + 10);
        out.push(tag);
        let len = value.len();
        match u8::try_from(len) {
            Ok(short) if short < 0x80 => out.push(short),
            _ => {
                let bytes = len.to_be_bytes();
                let skip = bytes.iter().take_while(|b| **b == 0).count();
                out.push(0x80 | (bytes.len() - skip) as u8);
                out.extend_from_slice(&bytes[skip..]);
            }
        }
        out.extend_from_slice(value);
        out
    }

    pub(in crate::gm) fn sequence(parts: &[&[u8]]) -> Vec<u8> {
        tlv(tag::SEQUENCE, &parts.concat())
    }

    pub(in crate::gm) fn ia5(text: &str) -> Vec<u8> {
        tlv(tag::IA5_STRING, text.as_bytes())
    }

    pub(in crate::gm) fn utf8(text: &str) -> Vec<u8> {
        tlv(tag::UTF8_STRING, text.as_bytes())
    }

    pub(in crate::gm) fn printable(text: &str) -> Vec<u8> {
        tlv(tag::PRINTABLE_STRING, text.as_bytes())
    }

    pub(in crate::gm) fn octets(bytes: &[u8]) -> Vec<u8> {
        tlv(tag::OCTET_STRING, bytes)
    }

    pub(in crate::gm) fn bits(bytes: &[u8]) -> Vec<u8> {
        tlv(tag::BIT_STRING, &[&[0u8][..], bytes].concat())
    }

    pub(in crate::gm) fn uint(value: u64) -> Vec<u8> {
        let bytes = value.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count().min(7);
        let mut content = Vec::with_capacity(9);
        if bytes[skip] & 0x80 != 0 {
            content.push(0);
        }
        content.extend_from_slice(&bytes[skip..]);
        tlv(tag::INTEGER, &content)
    }

    pub(in crate::gm) fn boolean(value: bool) -> Vec<u8> {
        tlv(tag::BOOLEAN, &[if value { 0xFF } else { 0x00 }])
    }

    pub(in crate::gm) fn oid(oid: &ObjectIdentifier) -> Vec<u8> {
        tlv(tag::OID, oid.as_bytes())
    }

    /// GeneralizedTime `YYYYMMDDHHMMSSZ`; `None` for times `der` cannot write (after 9999).
    pub(in crate::gm) fn generalized_time(at: UnixTime) -> Option<Vec<u8>> {
        let time =
            GeneralizedTime::from_unix_duration(core::time::Duration::from_secs(at.as_secs()))
                .ok()?;
        time.to_der().ok()
    }

    /// `[number] EXPLICIT` around one element.
    pub(in crate::gm) fn explicit(number: u8, inner: &[u8]) -> Vec<u8> {
        let mut out = tlv(tag::SEQUENCE, inner);
        out[0] = 0xA0 | number;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::write;
    use super::*;

    #[test]
    fn written_elements_read_back() {
        for value in [0u64, 1, 127, 128, 255, 256, 40, u64::MAX] {
            let bytes = write::uint(value);
            let any = AnyRef::from_der(&bytes).unwrap();
            assert_eq!(Element(any).uint("n").unwrap(), value, "{value}");
            assert_eq!(bytes, value.to_der().unwrap(), "{value}");
        }
        let long = vec![7u8; 300];
        let octets = write::octets(&long);
        assert_eq!(
            octets,
            OctetStringRef::new(&long).unwrap().to_der().unwrap()
        );
        let seq = write::sequence(&[&write::ia5("ES"), &write::uint(4), &octets]);
        let parts = sequence(&seq, "s").unwrap();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0].ia5("id").unwrap(), "ES");
        assert_eq!(parts[2].octets("o").unwrap(), long.as_slice());
        assert_eq!(parts[2].to_bytes("o").unwrap(), octets);
        let t = UnixTime::from_secs(1_587_521_340);
        let (read, utc) = Element(AnyRef::from_der(&write::generalized_time(t).unwrap()).unwrap())
            .time("t")
            .unwrap();
        assert_eq!((read, utc), (t, false));
    }

    #[test]
    fn strictness() {
        // A non-minimal length, trailing bytes, an INTEGER with a redundant leading zero.
        assert!(sequence(&[0x30, 0x81, 0x01, 0x05, 0x00], "s").is_err());
        assert!(sequence(&[0x30, 0x00, 0x00], "s").is_err());
        let padded = [0x02, 0x02, 0x00, 0x05];
        assert!(
            Element(AnyRef::from_der(&padded).unwrap())
                .uint("n")
                .is_err()
        );
        let explicit = write::explicit(0, &write::bits(b"ts"));
        let any = Element(AnyRef::from_der(&explicit).unwrap());
        let inner = any.explicit(0, "ts").unwrap().unwrap();
        assert_eq!(inner.bits("ts").unwrap(), (&b"ts"[..], false));
        assert!(any.explicit(1, "ts").unwrap().is_none());
    }
}
