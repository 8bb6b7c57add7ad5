//! Shop-floor commands (being written).
