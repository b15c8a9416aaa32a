//! Presentations (亮证) and presentation requests, as plain data and their encodings.
//!
//! ```cddl
//! presentation = {                ; typ application/yz-presentation+cose, signed by the
//!                                 ; certificate's cnf key (the holder's device)
//!   1 => bstr,                    ; the certificate, carrying only the revealed disclosures
//!   2 => uint,                    ; iat
//!   3 => uint,                    ; exp (at most 300 s after iat)
//!   ? 4 => bstr,                  ; the verifier's nonce (1..=64 bytes)
//!   ? 5 => tstr,                  ; audience: who it is shown to
//!   ? 6 => tstr,                  ; purpose of use (用证事由)
//! }
//! presentation-request = {        ; a verifier's QR for the holder to scan (unsigned)
//!   ? 1 => [+ tstr],              ; the fields asked for
//!   ? 4 => bstr,                  ; nonce
//!   ? 5 => tstr,                  ; audience (the verifier's name)
//!   ? 6 => tstr,                  ; purpose of use
//! }
//! ```

use crate::encoding::cbor::{DecodeError, Reader, Writer};
use crate::limits::Limits;
use crate::time::UnixTime;

/// COSE `typ` of a presentation.
pub const PRESENTATION_TYP: &str = "application/yz-presentation+cose";
/// Longest presentation lifetime (`exp - iat`), in seconds.
pub const MAX_PRESENTATION_SECS: u64 = 300;
/// Default presentation lifetime, in seconds (a QR code refreshed every minute).
pub const DEFAULT_PRESENTATION_SECS: u64 = 60;
/// Longest nonce, in bytes.
pub const MAX_NONCE_LEN: usize = 64;

/// The signed content of a presentation, borrowing the received bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresentationClaims<'a> {
    /// The certificate as presented (its revealed disclosures only).
    pub certificate: &'a [u8],
    /// When the holder's device signed it.
    pub issued_at: UnixTime,
    /// First instant it is no longer accepted.
    pub expires_at: UnixTime,
    /// The verifier's nonce, if it sent one.
    pub nonce: Option<&'a [u8]>,
    /// Who it is shown to.
    pub audience: Option<&'a str>,
    /// Purpose of use (用证事由).
    pub purpose: Option<&'a str>,
}

fn invalid(offset: usize, what: &'static str) -> DecodeError {
    DecodeError::InvalidValue { offset, what }
}

impl<'a> PresentationClaims<'a> {
    /// Canonical encoding.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(self.certificate.len() + 128);
        w.map(
            3 + usize::from(self.nonce.is_some())
                + usize::from(self.audience.is_some())
                + usize::from(self.purpose.is_some()),
        );
        w.uint(1).bytes(self.certificate);
        w.uint(2).uint(self.issued_at.as_secs());
        w.uint(3).uint(self.expires_at.as_secs());
        if let Some(nonce) = self.nonce {
            w.uint(4).bytes(nonce);
        }
        if let Some(audience) = self.audience {
            w.uint(5).text(audience);
        }
        if let Some(purpose) = self.purpose {
            w.uint(6).text(purpose);
        }
        w.into_bytes()
    }

    /// Decodes strictly: canonical, bounded, `iat < exp ≤ iat + 300 s`, nonce of 1–64 bytes.
    ///
    /// # Errors
    /// [`DecodeError`].
    pub fn decode(bytes: &'a [u8], limits: &Limits) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes, limits)?;
        let mut keys = r.map()?;
        let (mut certificate, mut iat, mut exp) = (None, None, None);
        let (mut nonce, mut audience, mut purpose) = (None, None, None);
        while let Some((key, at)) = keys.next_int(&mut r)? {
            match key {
                1 => certificate = Some(r.bytes()?),
                2 => iat = Some(r.uint()?),
                3 => exp = Some(r.uint()?),
                4 => {
                    let at = r.position();
                    let n = r.bytes()?;
                    if n.is_empty() || n.len() > MAX_NONCE_LEN {
                        return Err(invalid(at, "nonce length"));
                    }
                    nonce = Some(n);
                }
                5 => audience = Some(r.text()?),
                6 => purpose = Some(r.text()?),
                _ => return Err(DecodeError::UnknownKey { offset: at }),
            }
        }
        r.finish()?;
        let certificate = certificate.ok_or(DecodeError::MissingKey { key: 1 })?;
        let iat = iat.ok_or(DecodeError::MissingKey { key: 2 })?;
        let exp = exp.ok_or(DecodeError::MissingKey { key: 3 })?;
        if exp <= iat || exp - iat > MAX_PRESENTATION_SECS {
            return Err(invalid(0, "presentation lifetime (0 < exp - iat <= 300 s)"));
        }
        Ok(Self {
            certificate,
            issued_at: UnixTime::from_secs(iat),
            expires_at: UnixTime::from_secs(exp),
            nonce,
            audience,
            purpose,
        })
    }
}

/// What a verifier asks a holder to present: scanned from the verifier's own QR code.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PresentationRequest {
    /// The disclosable fields asked for (plain fields are always shown).
    pub fields: Vec<String>,
    /// A fresh nonce the presentation must carry (binds it to this scan).
    pub nonce: Option<Vec<u8>>,
    /// The verifier's name; the presentation is addressed to it.
    pub audience: Option<String>,
    /// Purpose of use (用证事由).
    pub purpose: Option<String>,
}

impl PresentationRequest {
    /// Canonical encoding.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(128);
        w.map(
            usize::from(!self.fields.is_empty())
                + usize::from(self.nonce.is_some())
                + usize::from(self.audience.is_some())
                + usize::from(self.purpose.is_some()),
        );
        if !self.fields.is_empty() {
            w.uint(1).array(self.fields.len());
            for f in &self.fields {
                w.text(f);
            }
        }
        if let Some(nonce) = &self.nonce {
            w.uint(4).bytes(nonce);
        }
        if let Some(audience) = &self.audience {
            w.uint(5).text(audience);
        }
        if let Some(purpose) = &self.purpose {
            w.uint(6).text(purpose);
        }
        w.into_bytes()
    }

    /// Decodes strictly.
    ///
    /// # Errors
    /// [`DecodeError`].
    pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes, limits)?;
        let mut keys = r.map()?;
        let mut request = Self::default();
        while let Some((key, at)) = keys.next_int(&mut r)? {
            match key {
                1 => {
                    let n = r.non_empty_array(limits.max_fields, "empty field list")?;
                    for _ in 0..n {
                        request.fields.push(r.text()?.to_owned());
                    }
                }
                4 => {
                    let at = r.position();
                    let n = r.bytes()?;
                    if n.is_empty() || n.len() > MAX_NONCE_LEN {
                        return Err(invalid(at, "nonce length"));
                    }
                    request.nonce = Some(n.to_vec());
                }
                5 => request.audience = Some(r.text()?.to_owned()),
                6 => request.purpose = Some(r.text()?.to_owned()),
                _ => return Err(DecodeError::UnknownKey { offset: at }),
            }
        }
        r.finish()?;
        Ok(request)
    }
}
