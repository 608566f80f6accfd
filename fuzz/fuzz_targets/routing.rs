#![no_main]
// The body is fuzz_targets::TARGETS' "routing" (crates/fuzz-targets), which
// CI also replays on fuzz/corpus/routing and fuzz/regressions/routing.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzz_targets::target("routing").expect("a known target")(data);
});
