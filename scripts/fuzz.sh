#!/usr/bin/env bash
# Coverage-guided fuzzing with libFuzzer on stable Rust (issue 11).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#   scripts/fuzz.sh --merge [TARGET...]
#
# Builds fuzz/ with SanitizerCoverage instrumentation (stable rustc flags:
# -Cpasses=sancov-module and LLVM options; no nightly, no cargo-fuzz), then
# runs each target (default: all four) for SECONDS_PER_TARGET (default 60)
# at nice 10, one after another. New interesting inputs go to
# fuzz/work/<target>/ (not kept in git; fuzz/corpus/<target>/ is read as
# seeds), crashes to fuzz/artifacts/<target>/. Prints each target's number
# of executions and the total. FUZZ_JOBS=N runs N processes per target.
# Extra libFuzzer flags can be passed in FUZZ_ARGS.
#
# --merge adds to fuzz/corpus/<target>/ the inputs of fuzz/work/<target>/
# that reach coverage the corpus does not (libFuzzer's -merge=1), for
# committing: CI replays the corpus and mutates it.
set -euo pipefail
cd "$(dirname "$0")/.."

merge=0
if [ "${1:-}" = "--merge" ]; then
    merge=1
    shift
    secs=0
else
    secs="${1:-60}"
    shift || true
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(query_params json_input sigv4_scope routing)
fi
jobs="${FUZZ_JOBS:-1}"

host="$(rustc -vV | sed -n 's/^host: //p')"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target/fuzz}"
# Level 4 (edges), inline 8-bit counters and the PC table are what
# libFuzzer's coverage feedback reads; trace-compares lets it solve string
# and integer comparisons (action names, magic prefixes). --cfg fuzzing is
# what libfuzzer-sys expects. The explicit --target keeps these flags off
# build scripts and proc macros.
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table -Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing"
echo "== build (instrumented, $host)"
nice -n 10 cargo build --release --manifest-path fuzz/Cargo.toml --target "$host" --bins

if [ "$merge" = 1 ]; then
    for t in "${targets[@]}"; do
        mkdir -p "fuzz/artifacts/$t" "fuzz/work/$t"
        before=$(ls "fuzz/corpus/$t" | wc -l)
        nice -n 10 "$CARGO_TARGET_DIR/$host/release/$t" -merge=1 -max_len=4096 -timeout=10 \
            "fuzz/corpus/$t" "fuzz/work/$t" >"fuzz/artifacts/$t/merge.log" 2>&1
        echo "$t: corpus $before -> $(ls "fuzz/corpus/$t" | wc -l) files"
    done
    exit 0
fi

total=0
declare -A per
for t in "${targets[@]}"; do
    bin="$CARGO_TARGET_DIR/$host/release/$t"
    mkdir -p "fuzz/work/$t" "fuzz/artifacts/$t" "fuzz/corpus/$t"
    dict=()
    [ -f "fuzz/dict/$t.dict" ] && dict=("-dict=fuzz/dict/$t.dict")
    log="fuzz/artifacts/$t/last-run.log"
    echo "== $t for ${secs}s (log: $log)"
    : >"$log"
    pids=()
    for j in $(seq 1 "$jobs"); do
        # shellcheck disable=SC2086
        nice -n 10 "$bin" "fuzz/work/$t" "fuzz/corpus/$t" "${dict[@]}" \
            -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=4096 \
            -print_final_stats=1 -artifact_prefix="fuzz/artifacts/$t/" \
            ${FUZZ_ARGS:-} >>"$log.$j" 2>&1 &
        pids+=($!)
    done
    status=0
    for p in "${pids[@]}"; do wait "$p" || status=1; done
    n=0
    for j in $(seq 1 "$jobs"); do
        cat "$log.$j" >>"$log"
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log.$j" | tail -1)
        n=$((n + ${runs:-0}))
        rm -f "$log.$j"
    done
    per[$t]=$n
    total=$((total + n))
    if [ "$status" -ne 0 ]; then
        echo "!! $t failed: see $log and fuzz/artifacts/$t/" >&2
        grep -E "panicked|ERROR|SUMMARY|artifact" "$log" | head -20 >&2 || true
    fi
    echo "   $t: $n executions"
done

echo "== executions"
for t in "${targets[@]}"; do
    printf '%-14s %12d\n' "$t" "${per[$t]}"
done
printf '%-14s %12d\n' total "$total"
