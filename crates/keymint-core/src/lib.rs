//! Keymint's core: everything the desktop app and the `keymint` command line do, without
//! either of them. Providers ([`providers`]), the keychain ([`vault`]), the SQLite inventory
//! ([`store`]), and the services that tie them together ([`service`]).
//!
//! Without the default `runtime` feature only the pure parts build (descriptors, providers'
//! request and response mapping, value and expiry parsing, errors): what the fuzz targets
//! need, without tokio, reqwest, SQLite or the keychain stores.

pub mod agent;
pub mod answer;
#[cfg(feature = "runtime")]
pub mod calendar;
#[cfg(feature = "runtime")]
pub mod clipboard;
#[cfg(feature = "runtime")]
pub mod config;
pub mod descriptor;
#[cfg(feature = "runtime")]
pub mod doctor;
pub mod envfile;
pub mod error;
pub mod expiry;
#[cfg(feature = "runtime")]
pub mod fault;
#[cfg(feature = "runtime")]
pub mod hardening;
pub mod hint;
#[cfg(feature = "runtime")]
pub mod http;
pub mod mask;
pub mod model;
#[cfg(feature = "runtime")]
pub mod paths;
pub mod providers;
/// How often something may happen: the app's limit on secret reveals.
#[cfg(feature = "runtime")]
pub mod rate_limit;
pub mod reference;
#[cfg(feature = "runtime")]
pub mod reminders;
#[cfg(feature = "runtime")]
pub mod scan;
#[cfg(feature = "runtime")]
pub mod service;
#[cfg(feature = "runtime")]
pub mod settings;
#[cfg(feature = "runtime")]
pub mod store;
#[cfg(feature = "runtime")]
pub mod team;
pub mod template;
pub mod values;
#[cfg(feature = "runtime")]
pub mod vault;
pub mod voice;
#[cfg(all(test, feature = "runtime"))]
mod voice_tests;

pub use error::{Error, ErrorCode, Result};
pub use secrecy::{ExposeSecret, SecretString};
#[cfg(feature = "runtime")]
pub use service::Keymint;
