#![no_main]
// The body is fuzz_targets::TARGETS' "sigv4_scope" (crates/fuzz-targets), which
// CI also replays on fuzz/corpus/sigv4_scope and fuzz/regressions/sigv4_scope.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzz_targets::target("sigv4_scope").expect("a known target")(data);
});
