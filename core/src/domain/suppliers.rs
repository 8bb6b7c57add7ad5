//! Supplier assignment (being written).
