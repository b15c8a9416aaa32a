//! Revocation and suspension: IETF Token Status Lists (both sides) and the issuer's registry.

pub mod legal;
pub mod list;
mod record;
pub mod registry;
pub mod store;

pub use legal::{LegalStatus, UnknownStatusName};
pub use list::{ListAuthority, StatusList, StatusListError, StatusListToken};
pub use registry::{RegistryConfig, RegistryError, StatusRegistry};
pub use store::{
    LoadedRecords, ObserverError, RecordedChange, StatusAllocator, StatusChange, StatusObserver,
    StatusStore,
};
