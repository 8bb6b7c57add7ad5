//! The tamper-evident audit log (DESIGN 4): records chained by HMAC, signed checkpoints, a
//! verifier that names the first bad record, anomaly detectors and reports.
//!
//! This module is pure: the store appends and reads records; everything here works on values.

mod record;

pub use record::{
    AuditEvent, EventType, RecordFields, Status, Target, GENESIS_HASH, RECORD_VERSION,
};
