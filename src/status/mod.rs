//! Revocation and suspension: IETF Token Status Lists (both sides) and the issuer's registry.

pub mod journal;
pub mod list;
mod record;
pub mod registry;

pub use journal::FileStatusStore;
pub use list::{ListAuthority, StatusList, StatusListError, StatusListToken};
pub use registry::{
    LegalStatus, LoadedRecords, ObserverError, RecordedChange, RegistryConfig, RegistryError,
    StatusChange, StatusObserver, StatusRegistry, StatusStore,
};
