//! Shared fixtures of `inventario-core`'s benchmarks and of the comparison runner.
//!
//! - `benches/crypto.rs` and `benches/store.rs`: criterion benchmarks (`cargo bench -p
//!   inventario-benches`). Under `cargo test` each routine runs once, on small inputs, as a
//!   smoke test.
//! - `src/bin/compare.rs`: the Rust half of `benches/compare.py`, which measures our code and
//!   its peers in one run and prints medians and ratios (docs/PERFORMANCE.md).
//!
//! This library holds what both need: throw-away stores ([`store`]), the physical minimum of a
//! store ([`bare`]), an in-memory audit chain ([`chain`]) and timing helpers ([`timing`]).

pub mod bare;
pub mod chain;
pub mod store;
pub mod timing;

/// The error type of the fixtures: anything, with a message.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The master key of the throw-away benchmark stores. They hold nothing real, and a fixed key
/// keeps the key derivation (PBKDF2 is for passphrases only) out of every setup.
pub const BENCH_KEY_HEX: &str = "6b1e3f0c9a2d4e5f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7";

/// The environment variable naming a PostgreSQL server for the PostgreSQL benchmarks.
pub const PG_URL_VAR: &str = "INVENTARIO_TEST_PG_URL";

/// The PostgreSQL URL of [`PG_URL_VAR`], when it is set and not empty.
pub fn postgres_url() -> Option<String> {
    std::env::var(PG_URL_VAR).ok().filter(|url| !url.is_empty())
}
