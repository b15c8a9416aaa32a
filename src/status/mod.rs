//! Revocation and suspension: IETF Token Status Lists (both sides) and the issuer's registry.

pub mod list;

pub use list::{ListAuthority, StatusList, StatusListError, StatusListToken};
pub mod registry;

pub use registry::{
    FileStatusStore, LegalStatus, RegistryConfig, RegistryError, StatusChange, StatusObserver,
    StatusRegistry, StatusStore,
};
