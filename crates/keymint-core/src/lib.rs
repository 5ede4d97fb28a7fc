//! Keymint's core: everything the desktop app and the `keymint` command line do, without
//! either of them. Providers ([`providers`]), the keychain ([`vault`]), the SQLite inventory
//! ([`store`]), and the services that tie them together ([`service`]).

pub mod calendar;
pub mod clipboard;
pub mod descriptor;
pub mod doctor;
pub mod error;
pub mod expiry;
pub mod fault;
pub mod hint;
pub mod http;
pub mod model;
pub mod paths;
pub mod providers;
pub mod reminders;
pub mod service;
pub mod settings;
pub mod store;
pub mod values;
pub mod vault;

pub use error::{Error, ErrorCode, Result};
pub use secrecy::{ExposeSecret, SecretString};
pub use service::Keymint;
