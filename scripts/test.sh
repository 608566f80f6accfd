#!/usr/bin/env bash
# The whole test suite: Rust unit, property and integration tests, then the
# end-to-end tests that start the real binary and drive it with boto3 and the
# AWS CLI (from PyPI, installed into .venv on first use).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== build"
cargo build --release --bins

echo "== rust tests"
if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace --no-fail-fast
else
    cargo test --workspace
fi

echo "== python environment"
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r tests/e2e/requirements.txt

echo "== end-to-end tests"
TASKNET_BIN="$PWD/target/release/tasknet" .venv/bin/python -m pytest tests/e2e -q "$@"
