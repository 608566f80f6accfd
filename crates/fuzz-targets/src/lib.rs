//! The bodies of tasknet's fuzz targets, as plain functions of the input
//! bytes that panic when something is wrong (issue 11). The libFuzzer
//! binaries in `fuzz/` call them with coverage instrumentation
//! (`scripts/fuzz.sh`); this crate's tests call them on every file of
//! `fuzz/corpus/` and `fuzz/regressions/` and run a short random mutation
//! pass (`mutate`), so CI checks the same properties without an
//! instrumented build.
//!
//! - `query_params`: the query-protocol decoder and every accessor.
//! - `json_input`: the typed JSON decoder with every ECS operation's input.
//! - `sigv4_scope`: credential scopes, protocol detection, SigV4 parsing
//!   and verification.
//! - `routing`: whole requests through `api::Api::handle` against an
//!   in-memory control plane (no panic, no 5xx, bodies that parse).

pub mod json_input;
pub mod mutate;
pub mod query_params;
pub mod request;
pub mod routing;
pub mod sigv4;
pub mod xml;

use std::path::PathBuf;

/// A target: its name (the binary's, and its corpus folder's) and body.
pub type Target = (&'static str, fn(&[u8]));

pub const TARGETS: &[Target] = &[
    ("query_params", query_params::run),
    ("json_input", json_input::run),
    ("sigv4_scope", sigv4::run),
    ("routing", routing::run),
];

/// A target by name.
pub fn target(name: &str) -> Option<fn(&[u8])> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// The repository's `fuzz/` folder (corpora, regressions, dictionaries).
pub fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// Every file of `fuzz/<kind>/<target>/` except its README, sorted.
pub fn inputs(kind: &str, target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = fuzz_dir().join(kind).join(target);
    let mut out: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "README.md"))
                .filter_map(|p| std::fs::read(&p).ok().map(|b| (p, b)))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}
