//! Pricing (being written).
