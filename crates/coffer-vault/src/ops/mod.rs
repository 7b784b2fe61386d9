//! Vault operations, one per module. Each takes already-validated input, does its work in one
//! transaction and returns a report; each has its own error type.

pub mod clear;
pub mod domains;
pub mod enable;
pub mod export;
pub mod get;
pub mod history;
pub mod import;
pub mod init;
pub mod key;
pub mod list;
pub mod remove;
pub mod rename;
pub mod reset;
pub mod resolve;
pub mod set;
pub mod undo;
pub mod verify;

/// Implements `From<StoreError>` and `Classify` for an operation error whose variants are
/// `NotFound`-like specifics plus `Store(StoreError)`.
macro_rules! store_error {
    ($ty:ty { $($variant:ident => $kind:ident),* $(,)? }) => {
        impl From<$crate::store::StoreError> for $ty {
            fn from(e: $crate::store::StoreError) -> Self {
                Self::Store(e)
            }
        }
        impl $crate::error::Classify for $ty {
            fn kind(&self) -> $crate::error::ErrorKind {
                match self {
                    $(Self::$variant { .. } => $crate::error::ErrorKind::$kind,)*
                    Self::Store(e) => $crate::error::Classify::kind(e),
                }
            }
        }
    };
}
pub(crate) use store_error;
