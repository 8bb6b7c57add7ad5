//! Text normalisation shared by supplier matching and command parsing (being written).
