//! Criterion benchmarks of `inventario-core`; the code lives in `benches/crypto.rs`.
//!
//! ```sh
//! cargo bench -p inventario-benches            # full run, release
//! cargo bench -p inventario-benches -- --quick # shorter
//! ```
//!
//! Under `cargo test` each benchmark runs once, as a smoke test.
