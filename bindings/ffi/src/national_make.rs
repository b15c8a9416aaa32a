//! Making national seals, stamps and OFD documents from the bindings (feature `gm`): an
//! in-memory [`Sm2Key`] (or any foreign [`Signer`] of algorithm `Sm2Sm3`, e.g. a UKey),
//! GB/T 38540 seals and stamps, OFD documents signed or stamped, and a verified certificate
//! rendered as an OFD e-licence.

use std::sync::Arc;
use std::time::SystemTime;

use yinzheng::crypto::{self, Signer as _};
use yinzheng::gm::{self, ofd};
use yinzheng::verify;

use crate::convert::{parse_date, to_unix};
use crate::error::{YinzhengError, invalid};
use crate::signer::{ForeignSigner, Signer};
use crate::verifier::Verifier;

/// An SM2 key held in memory by the library (a seal maker's or stamper's, for servers and
/// tests; real ones live in a UKey or HSM behind [`Signer`]).
#[derive(uniffi::Object)]
pub struct Sm2Key {
    key: crypto::Sm2SigningKey,
}

fn key_error(e: impl std::fmt::Display) -> YinzhengError {
    YinzhengError::InvalidKey {
        reason: e.to_string(),
    }
}

#[uniffi::export]
impl Sm2Key {
    /// A fresh key from the operating system's random generator.
    ///
    /// # Errors
    /// [`YinzhengError::Internal`] if no randomness is available.
    #[uniffi::constructor]
    pub fn generate() -> Result<Arc<Self>, YinzhengError> {
        let key = crypto::Sm2SigningKey::generate(&crypto::OsRandom).map_err(|e| {
            YinzhengError::Internal {
                reason: e.to_string(),
            }
        })?;
        Ok(Arc::new(Self { key }))
    }

    /// A private key: the 32-byte scalar, or PKCS#8 or SEC1 in PEM or DER.
    ///
    /// # Errors
    /// [`YinzhengError::InvalidKey`] if it is not an SM2 private key.
    #[uniffi::constructor]
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Arc<Self>, YinzhengError> {
        let key = match <&[u8; 32]>::try_from(bytes.as_slice()) {
            Ok(scalar) => crypto::Sm2SigningKey::from_bytes(scalar),
            Err(_) => crypto::Sm2SigningKey::from_any(&bytes),
        }
        .map_err(key_error)?;
        Ok(Arc::new(Self { key }))
    }

    /// The public key, SEC1 uncompressed (65 bytes).
    pub fn public_key(&self) -> Vec<u8> {
        self.key
            .public_key()
            .to_sec1_uncompressed()
            .unwrap_or_default()
    }

    /// The private key as PKCS#8 PEM (unencrypted: store it as a secret).
    ///
    /// # Errors
    /// [`YinzhengError::Internal`] if it cannot be encoded.
    pub fn to_pkcs8_pem(&self) -> Result<String, YinzhengError> {
        self.key
            .to_pkcs8_pem()
            .map(|pem| pem.to_string())
            .map_err(|e| YinzhengError::Internal {
                reason: e.to_string(),
            })
    }

    /// Signs `message` with SM2-with-SM3 and the default distinguishing id: the raw 64-byte
    /// `r‖s`, as a foreign [`Signer`] of algorithm `Sm2Sm3` returns it.
    ///
    /// # Errors
    /// [`YinzhengError::SignerFailed`] (never, for a key in memory).
    pub fn sign(&self, message: Vec<u8>) -> Result<Vec<u8>, YinzhengError> {
        self.key
            .sign(&message)
            .map_err(|e| YinzhengError::SignerFailed {
                reason: e.to_string(),
            })
    }
}

/// What a national seal says (GB/T 38540 `SES_SealInfo`).
#[derive(Debug, Clone, uniffi::Record)]
pub struct NationalSealDraft {
    /// The producing vendor (`vid`).
    pub vendor: String,
    /// esID, the seal's code.
    pub id: String,
    /// The seal type code.
    pub kind_code: u64,
    /// The seal's name.
    pub name: String,
    /// The certificates (DER) of the signers it authorises.
    pub signer_certificates: Vec<Vec<u8>>,
    /// When it is made.
    pub created: SystemTime,
    /// First instant it may be used.
    pub valid_from: SystemTime,
    /// Last instant it may be used.
    pub valid_until: SystemTime,
    /// Picture type (`PNG`, `SVG`, `OFD`, …).
    pub picture_format: String,
    /// Picture bytes.
    pub picture: Vec<u8>,
    /// Printed width in millimetres.
    pub width_mm: u64,
    /// Printed height in millimetres.
    pub height_mm: u64,
}

/// Makes a version 4 `SESeal` as the seal maker holding `maker_certificate`'s key.
///
/// # Errors
/// [`YinzhengError::InvalidInput`] for a field that cannot be written or a signer that is
/// not SM2; [`YinzhengError::InvalidKey`].
#[uniffi::export]
pub fn make_national_seal(
    draft: NationalSealDraft,
    maker_certificate: Vec<u8>,
    maker: Arc<dyn Signer>,
) -> Result<Vec<u8>, YinzhengError> {
    let seal = gm::SealDraft {
        vendor: draft.vendor,
        es_id: draft.id,
        property: gm::SealProperty {
            seal_type: draft.kind_code,
            name: draft.name,
            signers: gm::SignerList::Certificates(draft.signer_certificates),
            created: to_unix(draft.created)?,
            valid_from: to_unix(draft.valid_from)?,
            valid_until: to_unix(draft.valid_until)?,
        },
        picture: gm::SealPicture {
            kind: draft.picture_format,
            data: draft.picture,
            width_mm: draft.width_mm,
            height_mm: draft.height_mm,
        },
        extensions: Vec::new(),
    };
    gm::make_seal(&seal, &maker_certificate, &ForeignSigner::new(maker)?).map_err(invalid)
}

/// Makes a version 4 `SES_Signature` with `seal` over `signed_data` (its SM3 digest), naming
/// it `property_info`, at `at`, as the signer holding `signer_certificate`'s key.
///
/// # Errors
/// [`YinzhengError::InvalidInput`].
#[uniffi::export]
pub fn make_national_stamp(
    seal: Vec<u8>,
    signed_data: Vec<u8>,
    property_info: String,
    at: SystemTime,
    signer_certificate: Vec<u8>,
    signer: Arc<dyn Signer>,
) -> Result<Vec<u8>, YinzhengError> {
    let draft = gm::StampDraft {
        seal: &seal,
        signed_at: to_unix(at)?,
        data_hash: &crypto::sm3(&signed_data),
        property_info: &property_info,
        extensions: Vec::new(),
    };
    gm::make_stamp(
        &draft,
        &signer_certificate,
        &ForeignSigner::new(signer)?,
        &yinzheng::Limits::default(),
    )
    .map_err(invalid)
}

/// Where a stamp's seal picture goes: a page (from 0) and a box in millimetres from the
/// page's top left corner.
#[derive(Debug, Clone, Copy, uniffi::Record)]
pub struct StampPlacement {
    /// The page, counted from 0.
    pub page: u32,
    /// Left edge.
    pub x_mm: f64,
    /// Top edge.
    pub y_mm: f64,
    /// Width.
    pub width_mm: f64,
    /// Height.
    pub height_mm: f64,
}

fn sign_document(
    document: &[u8],
    draft: &ofd::OfdSignatureDraft<'_>,
    at: SystemTime,
    signer_certificate: &[u8],
    signer: Arc<dyn Signer>,
) -> Result<Vec<u8>, YinzhengError> {
    ofd::sign_ofd(
        document,
        0,
        draft,
        to_unix(at)?,
        signer_certificate,
        &ForeignSigner::new(signer)?,
        &ofd::OfdLimits::DEFAULT,
    )
    .map_err(invalid)
}

/// Stamps the first document of the OFD `document` with `seal` (an electronic stamp: a
/// `Signature.xml` covering every file, the stamp over it, the seal picture placed at
/// `placement`), keeping every earlier signature standing.
///
/// # Errors
/// [`YinzhengError::InvalidInput`] (no such page, a package that does not read, …).
#[uniffi::export]
pub fn stamp_ofd(
    document: Vec<u8>,
    seal: Vec<u8>,
    placement: StampPlacement,
    at: SystemTime,
    signer_certificate: Vec<u8>,
    signer: Arc<dyn Signer>,
) -> Result<Vec<u8>, YinzhengError> {
    let draft = ofd::OfdSignatureDraft::Stamp {
        seal: &seal,
        placement: ofd::StampPlacement {
            page: usize::try_from(placement.page).map_err(invalid)?,
            x_mm: placement.x_mm,
            y_mm: placement.y_mm,
            width_mm: placement.width_mm,
            height_mm: placement.height_mm,
        },
    };
    sign_document(&document, &draft, at, &signer_certificate, signer)
}

/// Signs the first document of the OFD `document` with a GB/T 35275 `SignedData`
/// (`Type="Sign"`), keeping every earlier signature standing.
///
/// # Errors
/// [`YinzhengError::InvalidInput`].
#[uniffi::export]
pub fn sign_ofd(
    document: Vec<u8>,
    at: SystemTime,
    signer_certificate: Vec<u8>,
    signer: Arc<dyn Signer>,
) -> Result<Vec<u8>, YinzhengError> {
    sign_document(
        &document,
        &ofd::OfdSignatureDraft::Signature,
        at,
        &signer_certificate,
        signer,
    )
}

/// One line of text on an OFD page, in millimetres from the top left corner.
#[derive(Debug, Clone, uniffi::Record)]
pub struct OfdTextLine {
    /// Left edge.
    pub x_mm: f64,
    /// Baseline from the top.
    pub y_mm: f64,
    /// Font size.
    pub size_mm: f64,
    /// The text.
    pub text: String,
}

/// Writes a simple OFD: A4 pages of text lines, created on `created` (`YYYY-MM-DD`).
///
/// # Errors
/// [`YinzhengError::InvalidInput`] for no page, a bad position or date.
#[uniffi::export]
pub fn make_ofd(
    title: String,
    created: String,
    pages: Vec<Vec<OfdTextLine>>,
) -> Result<Vec<u8>, YinzhengError> {
    let draft = ofd::OfdDocumentDraft {
        title,
        created: parse_date(&created)?,
        pages: pages
            .into_iter()
            .map(|lines| {
                lines
                    .into_iter()
                    .map(|l| ofd::OfdText {
                        x_mm: l.x_mm,
                        y_mm: l.y_mm,
                        size_mm: l.size_mm,
                        text: l.text,
                    })
                    .collect()
            })
            .collect(),
        attachments: Vec::new(),
    };
    ofd::make_ofd(&draft).map_err(invalid)
}

/// An OFD e-licence whose signatures all stand, one covering its attached certificate, which
/// verifies.
#[derive(Debug, Clone, uniffi::Record)]
pub struct VerifiedOfdLicence {
    /// The document's signatures.
    pub document: crate::national::OfdVerdict,
    /// The attached certificate, verified.
    pub certificate: crate::report::VerifiedCertificate,
}

#[uniffi::export]
impl Verifier {
    /// Verifies `certificate` as of `at`, then renders it as an OFD e-licence (its face as
    /// page text, the certificate attached), ready for [`stamp_ofd`] with the agency's seal.
    ///
    /// # Errors
    /// [`YinzhengError::Rejected`] if the certificate does not verify.
    pub fn render_ofd_licence(
        &self,
        certificate: Vec<u8>,
        at: SystemTime,
    ) -> Result<Vec<u8>, YinzhengError> {
        let ctx = verify::VerificationContext::at(to_unix(at)?);
        let verified = self.inner.verify_certificate(&certificate, &ctx)?;
        ofd::make_ofd(&ofd::licence_draft(verified.value(), &certificate)).map_err(invalid)
    }

    /// Verifies an OFD e-licence as of `at`: every signature stands, one covers the attached
    /// certificate, and the certificate verifies.
    ///
    /// # Errors
    /// [`YinzhengError::Rejected`] if the attached certificate is refused;
    /// [`YinzhengError::InvalidInput`] naming what else fails.
    pub fn verify_ofd_licence(
        &self,
        licence: Vec<u8>,
        at: SystemTime,
    ) -> Result<VerifiedOfdLicence, YinzhengError> {
        let ctx = verify::VerificationContext::at(to_unix(at)?);
        match self
            .inner
            .verify_ofd_licence(&licence, &ofd::OfdLimits::DEFAULT, &ctx)
        {
            Ok(verified) => Ok(VerifiedOfdLicence {
                document: crate::national::verdict_of(&verified.document),
                certificate: (&verified.certificate).into(),
            }),
            Err(verify::OfdLicenceError::Certificate(rejected)) => Err((*rejected).into()),
            Err(other) => Err(invalid(other)),
        }
    }
}
