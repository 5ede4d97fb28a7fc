//! One module per command group; each handler parses, calls the core, prints.

pub mod account;
pub mod check;
pub mod copy;
pub mod docs;
pub mod doctor;
pub mod exec;
pub mod inject;
pub mod key;
pub mod mcp;
pub mod providers;
pub mod run;
pub mod scan;
pub mod settings;
pub mod store;
