#!/usr/bin/env bash
# Runs every test: starts the local stack, exports .local/stack.env into the
# test processes, runs the workspace's tests in parallel, stops the stack.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

# The web console's files first: the console function embeds them. Its
# browser tests (functions/console/tests/browser.rs) drive Debian's chromium.
bash infra/local/console.sh
CHROMIUM="$(bash infra/local/chromium.sh)"
export CHROMIUM
# Compile first, so the stack does not sit idle through a cold build.
if cargo nextest --version >/dev/null 2>&1; then runner=nextest; else runner=cargo; fi
if [[ $runner == nextest ]]; then
  cargo nextest run --workspace --locked --no-run
else
  cargo test --workspace --locked --no-run
fi
# The functions as watch's `cargo run` builds them (without the test build's
# dev-dependency features), so the stack does not wait for 53 crates.
cargo build --workspace --locked --bins

# The local stack's own Python (event sources): unit tests, no stack needed.
bash infra/local/stack.sh tools
.local/venv/bin/python -m unittest discover -s infra/local -p 'test_*.py'

trap 'bash infra/local/stack.sh down' EXIT
# The pipeline tests go through the real event sources: watch serves the
# functions and the local runner drives the publish queue and the schedules.
# A short visibility timeout lets a redelivered message come back within a
# test (the deployed template keeps six publisher timeouts).
export STACK_PARAMETER_OVERRIDES="${STACK_PARAMETER_OVERRIDES:-PublishQueueVisibilitySeconds=20 PublishMaxReceiveCount=3}"
bash infra/local/stack.sh up --watch >/dev/null
set -a
# shellcheck disable=SC1091
source .local/stack.env
set +a

status=0
# Each failed step is named again in the last lines (CI shows a run's tail).
failed=()
fail() { status=1; failed+=("$1"); }
mkdir -p .local/logs
test_log=.local/logs/tests.log
rm -f .local/logs/test-summary.log
if [[ $runner == nextest ]]; then
  cargo nextest run --workspace --locked --no-fail-fast 2>&1 | tee "$test_log" || fail "workspace tests"
else
  cargo test --workspace --locked --no-fail-fast 2>&1 | tee "$test_log" || fail "workspace tests"
fi

# Schema-driven testing of the api and hashtags functions through the stack
# (a bounded run here; `make schemathesis` runs the full one).
SCHEMATHESIS_EXAMPLES="${SCHEMATHESIS_EXAMPLES:-25}" bash infra/schemathesis/run.sh || fail "schemathesis"

# The log-scrubbing check, while the stack still holds what the run handled:
# no token, code, verifier, key, API key or caption in any line the functions
# (under watch) or the event sources wrote.
.local/venv/bin/python infra/local/scrub_logs.py --env-file .local/stack.env \
  .local/logs/watch.log .local/logs/event-sources.log || fail "log scrub"

# The chaos run at CI size, on a stack of its own (infra/chaos/run.sh; its
# own log scrub): never twice, never lost under TikTok faults, abandoned
# publisher invocations, duplicate deliveries, overlapping ticks, cancels
# and a revocation. `make chaos` runs the full size.
# Without this stack's variables (endpoints, overrides): the chaos stack
# writes and reads its own.
stack_vars="$(sed -n 's/^\([A-Z_][A-Z0-9_]*\)=.*/\1/p' .local/stack.env)"
bash infra/local/stack.sh down
(
  # shellcheck disable=SC2086
  unset $stack_vars
  # 24 posts are filed in seconds: the first is due 30 s later, not 90.
  CHAOS_POSTS="${CHAOS_CI_POSTS:-24}" CHAOS_ACCOUNTS="${CHAOS_CI_ACCOUNTS:-3}" CHAOS_LEAD_SECS="${CHAOS_CI_LEAD_SECS:-30}" \
    bash infra/chaos/run.sh
) || fail "chaos at CI size"
if ((status)); then
  {
    echo "make test: FAILED: ${failed[*]}"
    # nextest's summary lines (FAIL / TIMEOUT / SIG…), or cargo test's.
    grep -E '^ *(FAIL|TIMEOUT|SIG[A-Z]+|LEAK-FAIL) \[|^test .* FAILED$' "$test_log" | sort -u | head -40 || true
  } | tee .local/logs/test-summary.log
fi
exit "$status"
