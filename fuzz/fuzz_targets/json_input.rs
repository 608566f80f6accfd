#![no_main]
// The body is fuzz_targets::TARGETS' "json_input" (crates/fuzz-targets), which
// CI also replays on fuzz/corpus/json_input and fuzz/regressions/json_input.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzz_targets::target("json_input").expect("a known target")(data);
});
