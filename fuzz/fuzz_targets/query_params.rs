#![no_main]
// The body is fuzz_targets::TARGETS' "query_params" (crates/fuzz-targets), which
// CI also replays on fuzz/corpus/query_params and fuzz/regressions/query_params.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzz_targets::target("query_params").expect("a known target")(data);
});
