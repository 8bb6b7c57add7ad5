//! The tamper-evident audit log (DESIGN 4): records chained by HMAC, signed checkpoints, a
//! verifier that names the first bad record, anomaly detectors and reports.
//!
//! This module is pure: the store appends and reads records; everything here works on values.
//! See `docs/AUDIT.md` for what is recorded and how to verify it.

mod checkpoint;
mod detect;
mod error;
mod record;
mod report;
mod verify;

pub use checkpoint::Checkpoint;
pub use detect::{
    detect_brute_force, detect_decrypt_failures, detect_many_source_ips, detect_off_hours_access,
    detect_possible_exfiltration, run_detectors, Anomaly, Detection, Detector, DetectorConfig,
    DetectorError, DetectorFailure, Severity,
};
pub use error::AuditError;
pub use record::{
    AuditEvent, EventType, RecordFields, Status, Target, GENESIS_HASH, RECORD_VERSION,
};
pub use report::{ActorCount, AuditReport, StatusCount, TypeCount};
pub(crate) use verify::StoredRecordRef;
pub use verify::{ChainBreak, ChainVerifier, StoredRecord, TamperKind};

pub use crate::store::{AppEvent, AuditFailure, LegalHold, PurgeReport, VerifyReport};
