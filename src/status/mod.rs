//! Revocation and suspension: IETF Token Status Lists (both sides) and the issuer's registry.

pub mod list;

pub use list::{
    StatusList, StatusListError, StatusListToken, VerifiedStatusList, verify_status_list,
};
pub mod registry;

pub use registry::{
    FileStatusStore, LegalStatus, RegistryConfig, RegistryError, StatusChange, StatusObserver,
    StatusRegistry, StatusStore,
};
