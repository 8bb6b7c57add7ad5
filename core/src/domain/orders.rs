//! Purchase orders (being written).
