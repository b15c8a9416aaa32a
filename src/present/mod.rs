//! The holder's side (亮证): choosing which disclosable fields travel with a certificate, and
//! wrapping it in a short-lived presentation signed by the device key the certificate is bound
//! to, shown as a QR code that rotates with time so a screenshot soon stops working.

mod render;

pub use render::{MAX_PNG_SIDE, QrCode, QrLevel, RenderError};

use std::time::Duration;

use crate::crypto::{CheckedSignError, Signer, sign_cose_verified};
use crate::encoding::cbor::DecodeError;
use crate::encoding::cose::CoseSign1;
use crate::encoding::qr;
use crate::limits::Limits;
use crate::model::presentation::{
    DEFAULT_PRESENTATION_SECS, MAX_NONCE_LEN, MAX_PRESENTATION_SECS, PRESENTATION_TYP,
    PresentationClaims, PresentationRequest,
};
use crate::model::{Certificate, Disclosure};
use crate::time::UnixTime;

/// Why a disclosure selection was not made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PresentError {
    /// The certificate bytes do not decode.
    #[error("certificate does not decode: {0}")]
    Decode(#[from] DecodeError),
    /// A field asked for is not among the certificate's disclosures.
    #[error("requested field {index} is not a disclosable field of this certificate")]
    NotDisclosable {
        /// Position in the request.
        index: usize,
    },
    /// The certificate is not bound to a device key (`cnf`): show it statically instead.
    #[error("the certificate is not bound to a device key")]
    NotHolderBound,
    /// The signer's key is not the certificate's device key.
    #[error("the signer is not the certificate's device key")]
    WrongDeviceKey,
    /// The lifetime is zero or over five minutes.
    #[error("a presentation lives 1 to {MAX_PRESENTATION_SECS} seconds, not {0}")]
    Lifetime(u64),
    /// The nonce is empty or longer than 64 bytes.
    #[error("a nonce is 1 to {MAX_NONCE_LEN} bytes")]
    NonceLength,
    /// The device did not sign (locked, user cancelled, keystore error).
    #[error("device signer: {0}")]
    Signer(String),
    /// The device returned a signature that does not verify.
    #[error("the device's signature does not verify")]
    SignatureRejected,
}

/// What to put in a presentation.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct PresentationOptions {
    /// The disclosable fields to reveal (plain fields are always shown).
    pub reveal: Vec<String>,
    /// How long until it expires (default 60 s, at most 300 s; whole seconds).
    pub lifetime: Duration,
    /// The verifier's nonce, from its request.
    pub nonce: Option<Vec<u8>>,
    /// Who it is shown to.
    pub audience: Option<String>,
    /// Purpose of use (用证事由).
    pub purpose: Option<String>,
}

impl Default for PresentationOptions {
    fn default() -> Self {
        Self {
            reveal: Vec::new(),
            lifetime: Duration::from_secs(DEFAULT_PRESENTATION_SECS),
            nonce: None,
            audience: None,
            purpose: None,
        }
    }
}

impl PresentationOptions {
    /// Reveals `fields`; nothing else set.
    pub fn revealing(fields: &[&str]) -> Self {
        Self {
            reveal: fields.iter().map(|f| (*f).to_owned()).collect(),
            ..Self::default()
        }
    }

    /// Answers a verifier's request: its fields, nonce, audience and purpose.
    pub fn answering(request: &PresentationRequest) -> Self {
        Self {
            reveal: request.fields.clone(),
            nonce: request.nonce.clone(),
            audience: request.audience.clone(),
            purpose: request.purpose.clone(),
            ..Self::default()
        }
    }
}

/// The holder's app: a certificate bound to this device and the device key that presents it.
///
/// ```
/// use yinzheng::crypto::{Ed25519SigningKey, P256SigningKey, Signer as _};
/// use yinzheng::issue::Issuer;
/// use yinzheng::model::{Agency, Uscc};
/// use yinzheng::present::{PresentationOptions, Presenter};
/// use yinzheng::time::UnixTime;
/// use yinzheng::trust::{Roles, TrustStore};
/// use yinzheng::verify::{VerificationContext, Verifier};
/// # use yinzheng::model::{CertificateType, Holder, ResidentId, Validity};
/// # use yinzheng::time::Date;
/// # fn builder() -> Result<yinzheng::issue::CertificateBuilder, Box<dyn std::error::Error>> {
/// #     let day = Date::new(2026, 1, 5)?;
/// #     Ok(yinzheng::issue::CertificateBuilder::new(
/// #         CertificateType::new("11100000000013338W032", "建筑施工特种作业人员操作资格证书")?,
/// #         "吉A042012000939",
/// #         Holder::resident("李示例", &ResidentId::parse("11010519491231002X")?),
/// #         day,
/// #         Validity::days(day, Date::new(2032, 1, 4)?),
/// #     ))
/// # }
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let phone = P256SigningKey::from_bytes(&[3; 32])?; // in practice, the phone's secure hardware
/// let key = Ed25519SigningKey::from_seed(&[7; 32]);
/// let jilin = Uscc::parse("11220000013544541J")?;
/// let mut trust = TrustStore::new();
/// trust.add_agency_key("吉林省住建厅", jilin.clone(), key.public_key(), Roles::AGENCY)?;
/// let issuer = Issuer::new(Agency::new("吉林省住房和城乡建设厅", jilin.as_str())?, key);
/// let now = UnixTime::from_secs(1_790_000_000);
/// let issued = issuer.issue(builder()?.holder_key(&phone.public_key()), now)?;
///
/// let presenter = Presenter::new(issued.as_bytes().to_vec(), phone)?;
/// let nonce = b"from the desk's request".to_vec();
/// let options = PresentationOptions { nonce: Some(nonce.clone()), ..Default::default() };
/// let text = presenter.present_qr_text(&options, now)?;
///
/// let verifier = Verifier::builder(trust).build()?;
/// let ctx = VerificationContext::at(now.saturating_add(5)).with_nonce(nonce);
/// let shown = verifier.verify_presentation_qr(&text, &ctx)?;
/// assert!(shown.nonce_checked);
/// // The certificate alone is refused: a copy or a screenshot proves nothing.
/// assert!(verifier.verify_certificate(issued.as_bytes(), &ctx).is_err());
/// # Ok(())
/// # }
/// ```
pub struct Presenter {
    certificate: Vec<u8>,
    device: Box<dyn Signer>,
    limits: Limits,
}

impl core::fmt::Debug for Presenter {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Presenter")
            .field("device_key", &self.device.public_key())
            .finish_non_exhaustive()
    }
}

impl Presenter {
    /// A presenter of `certificate` (as issued, with every disclosure) signing with `device`,
    /// which must be the certificate's device key.
    ///
    /// # Errors
    /// [`PresentError::Decode`], [`PresentError::NotHolderBound`],
    /// [`PresentError::WrongDeviceKey`].
    pub fn new(certificate: Vec<u8>, device: impl Signer + 'static) -> Result<Self, PresentError> {
        let limits = Limits::default();
        let sign1 = CoseSign1::decode(&certificate, &limits)?;
        let (claims, _) = Certificate::decode_claims(sign1.payload, &limits)?;
        let bound = claims.holder_key.ok_or(PresentError::NotHolderBound)?;
        if device.public_key().to_bytes() != bound.key_bytes() {
            return Err(PresentError::WrongDeviceKey);
        }
        Ok(Self {
            certificate,
            device: Box::new(device),
            limits,
        })
    }

    /// A presentation signed now (`now` = its `iat`).
    ///
    /// # Errors
    /// [`PresentError`] for an unknown field, a bad lifetime or nonce, or a failing device.
    pub fn present(
        &self,
        options: &PresentationOptions,
        now: UnixTime,
    ) -> Result<Vec<u8>, PresentError> {
        let lifetime = options.lifetime.as_secs();
        if lifetime == 0 || lifetime > MAX_PRESENTATION_SECS {
            return Err(PresentError::Lifetime(lifetime));
        }
        if options
            .nonce
            .as_ref()
            .is_some_and(|n| n.is_empty() || n.len() > MAX_NONCE_LEN)
        {
            return Err(PresentError::NonceLength);
        }
        let reveal: Vec<&str> = options.reveal.iter().map(String::as_str).collect();
        let certificate = select_disclosures(&self.certificate, &reveal, &self.limits)?;
        let claims = PresentationClaims {
            certificate: &certificate,
            issued_at: now,
            expires_at: now.saturating_add(lifetime),
            nonce: options.nonce.as_deref(),
            audience: options.audience.as_deref(),
            purpose: options.purpose.as_deref(),
        };
        // Checked: a faulty keystore must not produce a code that no verifier accepts.
        sign_cose_verified(self.device.as_ref(), PRESENTATION_TYP, &claims.encode()).map_err(|e| {
            match e {
                CheckedSignError::Signer(e) => PresentError::Signer(e.to_string()),
                _ => PresentError::SignatureRejected,
            }
        })
    }

    /// The QR text of a presentation signed now.
    ///
    /// # Errors
    /// As [`Presenter::present`].
    pub fn present_qr_text(
        &self,
        options: &PresentationOptions,
        now: UnixTime,
    ) -> Result<String, PresentError> {
        Ok(qr::to_qr_text(&self.present(options, now)?))
    }

    /// The rotating code (动态码) for the time slot of length `slot` containing `now` (whole
    /// seconds, at least one): signed at the slot's start and living `options.lifetime` from
    /// there, so the app refreshes
    /// it every slot and a screenshot stops working. Returns the QR text and the instant the
    /// next code is due.
    ///
    /// # Errors
    /// As [`Presenter::present`]; [`PresentError::Lifetime`] if the lifetime is shorter
    /// than the slot (a code would expire while shown).
    pub fn rotating_qr_text(
        &self,
        options: &PresentationOptions,
        now: UnixTime,
        slot: Duration,
    ) -> Result<(String, UnixTime), PresentError> {
        let slot = slot.as_secs().max(1);
        let lifetime = options.lifetime.as_secs();
        if lifetime < slot {
            return Err(PresentError::Lifetime(lifetime));
        }
        let start = UnixTime::from_secs(now.as_secs() - now.as_secs() % slot);
        let text = self.present_qr_text(options, start)?;
        Ok((text, start.saturating_add(slot)))
    }
}

/// The certificate with only the disclosures named in `reveal`; the signed parts are kept
/// byte for byte, so the result verifies exactly as the original does, minus the withheld
/// fields.
///
/// # Errors
/// [`PresentError`] if the bytes do not decode or a name is not a disclosable field.
pub fn select_disclosures(
    certificate: &[u8],
    reveal: &[&str],
    limits: &Limits,
) -> Result<Vec<u8>, PresentError> {
    let sign1 = CoseSign1::decode(certificate, limits)?;
    let mut kept: Vec<(&[u8], String)> = Vec::with_capacity(sign1.disclosures.len());
    for raw in &sign1.disclosures {
        let item = Disclosure::decode(raw, limits)?;
        kept.push((raw, item.into_field().name));
    }
    if let Some(index) = reveal
        .iter()
        .position(|name| !kept.iter().any(|(_, n)| n == name))
    {
        return Err(PresentError::NotDisclosable { index });
    }
    let selected: Vec<&[u8]> = kept
        .iter()
        .filter(|(_, name)| reveal.contains(&name.as_str()))
        .map(|(raw, _)| *raw)
        .collect();
    Ok(sign1.with_disclosures(&selected))
}
