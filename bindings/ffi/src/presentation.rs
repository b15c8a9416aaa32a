//! Presentations (亮证): the holder's [`Presenter`], selective disclosure, verifier requests
//! and verified presentations.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use yinzheng::Limits;
use yinzheng::model;
use yinzheng::verify;

use crate::certificate::Certificate;
use crate::convert::{to_system, to_unix};
use crate::error::{YinzhengError, invalid};
use crate::report::Report;
use crate::seal::SealInfo;
use crate::signer::{ForeignSigner, Signer};

/// The certificate with only the named disclosable fields revealed.
///
/// # Errors
/// [`YinzhengError::InvalidInput`] if the bytes do not decode or a name is not disclosable.
#[uniffi::export]
pub fn select_disclosures(
    certificate: Vec<u8>,
    reveal: Vec<String>,
) -> Result<Vec<u8>, YinzhengError> {
    let names: Vec<&str> = reveal.iter().map(String::as_str).collect();
    yinzheng::present::select_disclosures(&certificate, &names, &Limits::default()).map_err(invalid)
}

/// A presentation that passed every check.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct VerifiedPresentation {
    /// The certificate, with only the fields the holder revealed.
    pub certificate: Certificate,
    /// When the holder's device signed it.
    pub issued_at: SystemTime,
    /// When it stops being accepted.
    pub expires_at: SystemTime,
    /// Who it was addressed to.
    pub audience: Option<String>,
    /// Purpose of use (用证事由).
    pub purpose: Option<String>,
    /// The agency seal the certificate is signed under.
    pub seal: Option<SealInfo>,
    /// How it was checked.
    pub report: Report,
}

impl From<&verify::Verified<verify::Presentation>> for VerifiedPresentation {
    fn from(v: &verify::Verified<verify::Presentation>) -> Self {
        Self {
            certificate: (&v.certificate).into(),
            issued_at: to_system(v.issued_at),
            expires_at: to_system(v.expires_at),
            audience: v.audience.clone(),
            purpose: v.purpose.clone(),
            seal: v.seal().map(SealInfo::from),
            report: v.report().into(),
        }
    }
}

/// What to put in a presentation.
#[derive(Debug, Clone, uniffi::Record)]
pub struct PresentationOptions {
    /// The disclosable fields to reveal.
    #[uniffi(default = [])]
    pub reveal: Vec<String>,
    /// Seconds until it expires (1–300).
    #[uniffi(default = 60)]
    pub lifetime_seconds: u64,
    /// The verifier's nonce, from its request.
    #[uniffi(default = None)]
    pub nonce: Option<Vec<u8>>,
    /// Who it is shown to.
    #[uniffi(default = None)]
    pub audience: Option<String>,
    /// Purpose of use (用证事由).
    #[uniffi(default = None)]
    pub purpose: Option<String>,
}

impl From<PresentationOptions> for yinzheng::present::PresentationOptions {
    fn from(o: PresentationOptions) -> Self {
        Self {
            reveal: o.reveal,
            lifetime: Duration::from_secs(o.lifetime_seconds),
            nonce: o.nonce,
            audience: o.audience,
            purpose: o.purpose,
        }
    }
}

/// What a verifier asks a holder to present (shown as the verifier's own QR code).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PresentationRequest {
    /// The disclosable fields asked for.
    #[uniffi(default = [])]
    pub fields: Vec<String>,
    /// A fresh nonce the presentation must carry.
    #[uniffi(default = None)]
    pub nonce: Option<Vec<u8>>,
    /// The verifier's name.
    #[uniffi(default = None)]
    pub audience: Option<String>,
    /// Purpose of use (用证事由).
    #[uniffi(default = None)]
    pub purpose: Option<String>,
}

/// The QR text of a verifier's request.
#[uniffi::export]
pub fn presentation_request_qr_text(request: PresentationRequest) -> String {
    let r = model::presentation::PresentationRequest {
        fields: request.fields,
        nonce: request.nonce,
        audience: request.audience,
        purpose: request.purpose,
    };
    yinzheng::encoding::qr::to_qr_text(&r.encode())
}

/// Reads a verifier's request from its QR text; answer it with
/// `PresentationOptions { reveal: fields, nonce, audience, purpose }`.
///
/// # Errors
/// [`YinzhengError::InvalidInput`] if it is not a request.
#[uniffi::export]
pub fn read_presentation_request(text: String) -> Result<PresentationRequest, YinzhengError> {
    let limits = Limits::default();
    let bytes = yinzheng::encoding::qr::from_qr_text(&text, &limits).map_err(invalid)?;
    let r = model::presentation::PresentationRequest::decode(&bytes, &limits).map_err(invalid)?;
    Ok(PresentationRequest {
        fields: r.fields,
        nonce: r.nonce,
        audience: r.audience,
        purpose: r.purpose,
    })
}

/// A presentation: its bytes and its QR text.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Presentation {
    /// The presentation bytes.
    pub bytes: Vec<u8>,
    /// `YZ1:`/`YZ2:` QR text.
    pub qr_text: String,
}

/// A rotating code (动态码): the QR text for the current slot and when to refresh it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RotatingCode {
    /// The QR text to show now.
    pub qr_text: String,
    /// When the next code is due.
    pub refresh_at: SystemTime,
}

fn present_error(e: yinzheng::present::PresentError) -> YinzhengError {
    match e {
        yinzheng::present::PresentError::Signer(reason) => YinzhengError::SignerFailed { reason },
        yinzheng::present::PresentError::SignatureRejected => YinzhengError::SignerFailed {
            reason: e.to_string(),
        },
        other => invalid(other),
    }
}

/// The holder's app: a device-bound certificate and the device key (behind [`Signer`]).
#[derive(uniffi::Object)]
pub struct Presenter {
    inner: yinzheng::present::Presenter,
}

#[uniffi::export]
impl Presenter {
    /// Presents `certificate` (as issued) with `device`, which must be its device key.
    ///
    /// # Errors
    /// [`YinzhengError::InvalidInput`] if the certificate is not bound to this key;
    /// [`YinzhengError::InvalidKey`] for a bad signer key.
    #[uniffi::constructor]
    pub fn new(certificate: Vec<u8>, device: Arc<dyn Signer>) -> Result<Arc<Self>, YinzhengError> {
        let inner = yinzheng::present::Presenter::new(certificate, ForeignSigner::new(device)?)
            .map_err(present_error)?;
        Ok(Arc::new(Self { inner }))
    }

    /// A presentation signed at `at`.
    ///
    /// # Errors
    /// [`YinzhengError::InvalidInput`] for an unknown field, a bad lifetime or nonce;
    /// [`YinzhengError::SignerFailed`].
    pub fn present(
        &self,
        options: PresentationOptions,
        at: SystemTime,
    ) -> Result<Presentation, YinzhengError> {
        let bytes = self
            .inner
            .present(&options.into(), to_unix(at)?)
            .map_err(present_error)?;
        Ok(Presentation {
            qr_text: yinzheng::encoding::qr::to_qr_text(&bytes),
            bytes,
        })
    }

    /// The rotating code for the slot of `slot_seconds` containing `at`.
    ///
    /// # Errors
    /// As [`Presenter::present`]; a lifetime shorter than the slot is invalid.
    pub fn rotating_code(
        &self,
        options: PresentationOptions,
        at: SystemTime,
        slot_seconds: u64,
    ) -> Result<RotatingCode, YinzhengError> {
        let (qr_text, next) = self
            .inner
            .rotating_qr_text(
                &options.into(),
                to_unix(at)?,
                Duration::from_secs(slot_seconds),
            )
            .map_err(present_error)?;
        Ok(RotatingCode {
            qr_text,
            refresh_at: to_system(next),
        })
    }
}
