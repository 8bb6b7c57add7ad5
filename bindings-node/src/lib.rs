//! The `inventario` Node addon (napi-rs): a thin layer over `inventario-core`.
//!
//! Arguments are converted in `convert`, errors mapped in `errors` (one place), and every
//! store call runs on napi-rs's Tokio runtime, returning a Promise; bulk crypto runs on its
//! blocking pool. No inventory rule lives here. `index.js` is the package's entry point.

// `#[napi]` items are exported to JavaScript by napi-rs's registration at load time, which
// rustc does not see: to it they look unused and unreachable.
#![allow(dead_code, unreachable_pub)]

mod cipher;
mod convert;
mod errors;
mod handle;
mod inventory;
mod privacy;
mod records;
