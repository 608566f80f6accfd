//! Library part of the `tasknet` package, shared by its binaries.

pub mod client;
