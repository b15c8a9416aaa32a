//! Seals and stamps: making electronic seals (电子印章), stamping documents (电子签章), and
//! seals and stamps as verified.

use std::sync::Arc;
use std::time::SystemTime;

use yinzheng::crypto;
use yinzheng::issue;
use yinzheng::model;

use crate::audit::AuditLog;
use crate::convert::{to_system, to_unix};
use crate::error::{YinzhengError, invalid};
use crate::report::Report;
use crate::signer::{ForeignSigner, Signer};

/// An electronic seal (电子印章) as verified.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SealInfo {
    /// esID.
    pub id: String,
    /// Type code: 1 公章, 2 财务专用章, 3 发票专用章, 4 合同专用章, 5 法定代表人名章, 99 其他.
    pub kind_code: u64,
    /// The type's Chinese name.
    pub kind_label: String,
    /// The seal's name.
    pub name: String,
    /// The owner organisation.
    pub owner_name: String,
    /// The owner's USCC.
    pub owner_code: String,
    /// First instant it may be used.
    pub valid_from: SystemTime,
    /// First instant it may no longer be used.
    pub valid_until: SystemTime,
    /// Picture format: `png` or `svg`.
    pub picture_format: String,
    /// Picture bytes.
    pub picture: Vec<u8>,
    /// Printed width in millimetres.
    pub width_mm: u32,
    /// Printed height in millimetres.
    pub height_mm: u32,
}

impl From<&model::Seal> for SealInfo {
    fn from(s: &model::Seal) -> Self {
        Self {
            id: s.id.clone(),
            kind_code: s.kind.code(),
            kind_label: s.kind.label().to_owned(),
            name: s.name.clone(),
            owner_name: s.owner.name.clone(),
            owner_code: s.owner.code.to_string(),
            valid_from: to_system(s.valid_from),
            valid_until: to_system(s.valid_until),
            picture_format: s.picture.format.clone(),
            picture: s.picture.data.clone(),
            width_mm: s.picture.width_mm,
            height_mm: s.picture.height_mm,
        }
    }
}

/// A stamp (电子签章) that passed every check.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct VerifiedStamp {
    /// The seal it was made with.
    pub seal: SealInfo,
    /// When the document was stamped.
    pub signed_at: SystemTime,
    /// The protection scope and document properties.
    pub property: String,
    /// The stamping public key.
    pub signer_key: Vec<u8>,
    /// The trusted seal maker.
    pub seal_maker: String,
    /// How it was checked.
    pub report: Report,
}

/// What a seal maker needs to make an electronic seal (电子印章).
#[derive(Debug, Clone, uniffi::Record)]
pub struct SealRequest {
    /// esID, unique per seal.
    pub id: String,
    /// Type code: 1 公章, 2 财务专用章, 3 发票专用章, 4 合同专用章, 5 法定代表人名章, 99 其他.
    pub kind_code: u64,
    /// The seal's name.
    pub name: String,
    /// The owner organisation.
    pub owner_name: String,
    /// The owner's USCC (checked).
    pub owner_code: String,
    /// The public keys allowed to stamp with it (the seal stores their SHA-256).
    pub authorised_keys: Vec<Vec<u8>>,
    /// When it is made.
    pub created: SystemTime,
    /// First instant it may be used.
    pub valid_from: SystemTime,
    /// First instant it may no longer be used.
    pub valid_until: SystemTime,
    /// Picture format: `png` or `svg`.
    pub picture_format: String,
    /// Picture bytes.
    pub picture: Vec<u8>,
    /// Printed width in millimetres.
    pub width_mm: u32,
    /// Printed height in millimetres.
    pub height_mm: u32,
    /// Where the seal's own status is published: the list URI…
    #[uniffi(default = None)]
    pub status_uri: Option<String>,
    /// …and its index in that list.
    #[uniffi(default = None)]
    pub status_index: Option<u64>,
}

impl TryFrom<SealRequest> for model::Seal {
    type Error = YinzhengError;

    fn try_from(r: SealRequest) -> Result<Self, YinzhengError> {
        let mut authorised_keys: Vec<[u8; 32]> = r
            .authorised_keys
            .iter()
            .map(|k| crypto::sha256(k))
            .collect();
        authorised_keys.sort_unstable();
        authorised_keys.dedup();
        let status = match (r.status_uri, r.status_index) {
            (Some(uri), Some(index)) => Some(model::StatusReference { index, uri }),
            (None, None) => None,
            _ => return Err(invalid("a seal status needs both a URI and an index")),
        };
        Ok(Self {
            id: r.id,
            kind: model::SealKind::from_code(r.kind_code)
                .ok_or_else(|| invalid("unknown seal type code"))?,
            name: r.name,
            owner: model::Agency::new(&r.owner_name, &r.owner_code).map_err(invalid)?,
            authorised_keys,
            created: to_unix(r.created)?,
            valid_from: to_unix(r.valid_from)?,
            valid_until: to_unix(r.valid_until)?,
            picture: model::SealPicture {
                format: r.picture_format,
                data: r.picture,
                width_mm: r.width_mm,
                height_mm: r.height_mm,
            },
            status,
        })
    }
}

/// Makes (signs) a seal as the seal maker `maker`; with `log`, records it first.
///
/// # Errors
/// [`YinzhengError::InvalidInput`] for invalid content, [`YinzhengError::SignerFailed`],
/// [`YinzhengError::AuditLogFailed`].
#[uniffi::export]
pub fn make_seal(
    request: SealRequest,
    maker: Arc<dyn Signer>,
    log: Option<Arc<AuditLog>>,
) -> Result<Vec<u8>, YinzhengError> {
    let created = to_unix(request.created)?;
    let seal = model::Seal::try_from(request)?;
    let mut seal_maker = issue::SealMaker::new(ForeignSigner::new(maker)?);
    if let Some(log) = log {
        seal_maker = seal_maker.with_audit_log(log.inner.clone());
    }
    Ok(seal_maker.make(&seal, created)?)
}

/// Stamps `document` with `seal` (电子签章), signing with `signer`, which the seal must
/// authorise; `property` states the protection scope. With `log`, records it first.
///
/// # Errors
/// [`YinzhengError::InvalidInput`] if the seal does not decode or does not authorise the
/// signer; [`YinzhengError::SignerFailed`]; [`YinzhengError::AuditLogFailed`].
#[uniffi::export]
pub fn stamp_document(
    seal: Vec<u8>,
    document: Vec<u8>,
    property: String,
    signer: Arc<dyn Signer>,
    at: SystemTime,
    log: Option<Arc<AuditLog>>,
) -> Result<Vec<u8>, YinzhengError> {
    let mut stamper = issue::Stamper::new(seal, ForeignSigner::new(signer)?)?;
    if let Some(log) = log {
        stamper = stamper.with_audit_log(log.inner.clone());
    }
    Ok(stamper.stamp(&document, &property, to_unix(at)?)?)
}
