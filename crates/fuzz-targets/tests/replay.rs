//! CI's fuzzing (issue 11): every file of `fuzz/corpus/<target>/` and
//! `fuzz/regressions/<target>/` through its target's checks, then a short
//! random mutation run of each target over its corpus and dictionary.
//! `FUZZ_SECONDS` sets the run's length per target (default 2);
//! `FUZZ_SEED` replays a run (the seed is printed).

use fuzz_targets::{fuzz_dir, inputs, mutate, target};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

/// Each file through `f`; all failures are listed, not just the first.
fn replay(kind: &str, name: &str, f: fn(&[u8])) -> usize {
    let files = inputs(kind, name);
    let mut failed = Vec::new();
    for (path, data) in &files {
        if catch_unwind(AssertUnwindSafe(|| f(data))).is_err() {
            failed.push(path.display().to_string());
        }
    }
    assert!(failed.is_empty(), "{name}: these inputs fail: {failed:#?}");
    files.len()
}

fn corpus_and_regressions(name: &str) {
    let f = target(name).expect("a target");
    let n = replay("corpus", name, f);
    assert!(n > 0, "fuzz/corpus/{name}/ is empty");
    // A regression must fail (or pass) by itself, from a fresh start.
    let fresh: fn(&[u8]) = match name {
        "routing" => fuzz_targets::routing::run_fresh,
        _ => f,
    };
    replay("regressions", name, fresh);
}

fn short_run(name: &str) {
    let f = target(name).expect("a target");
    let corpus: Vec<Vec<u8>> = inputs("corpus", name)
        .into_iter()
        .chain(inputs("regressions", name))
        .map(|(_, b)| b)
        .collect();
    let dict = mutate::dictionary(&fuzz_dir().join("dict").join(format!("{name}.dict")));
    let secs: f64 = std::env::var("FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2.0);
    let seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    println!("{name}: FUZZ_SEED={seed}");
    let n = mutate::short_run(name, f, &corpus, &dict, Duration::from_secs_f64(secs), seed);
    println!("{name}: {n} inputs in {secs} s");
    assert!(n > 0);
}

#[test]
fn corpus_query_params() {
    corpus_and_regressions("query_params");
}

#[test]
fn corpus_json_input() {
    corpus_and_regressions("json_input");
}

#[test]
fn corpus_sigv4_scope() {
    corpus_and_regressions("sigv4_scope");
}

#[test]
fn corpus_routing() {
    corpus_and_regressions("routing");
}

#[test]
fn short_run_query_params() {
    short_run("query_params");
}

#[test]
fn short_run_json_input() {
    short_run("json_input");
}

#[test]
fn short_run_sigv4_scope() {
    short_run("sigv4_scope");
}

#[test]
fn short_run_routing() {
    short_run("routing");
}
