//! Test infrastructure for Keymint: provider fakes, the `keymint` process harness, and
//! per-provider account set-up shared by the integration tests in `tests/tests/`.
pub mod accounts;
pub mod app;
pub mod bao;
pub mod bao_cluster;
pub mod bench;
pub mod fakes;
pub mod harness;
