//! Plain data: certificates, identifiers, national codes and field values.
//!
//! No cryptography and no trust state: a value of these types proves nothing by itself. Only
//! the verifier wraps a decoded [`Certificate`] in `Verified`.

pub mod bundle;
pub mod certificate;
pub mod claims;
pub mod codes;
pub mod identifier;
pub mod presentation;
pub mod seal;
pub mod value;

pub use certificate::{
    Agency, Certificate, DeviceKey, Holder, SealReference, StatusReference, Validity, Warning,
};
pub use codes::{CodeError, HolderCodeType, ResidentId, Uscc};
pub use identifier::{CertificateId, CertificateType};
pub use seal::{Seal, SealKind, SealPicture, StampClaims};
pub use value::{Disclosure, Field, FieldValue, ValueProblem};
