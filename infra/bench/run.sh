#!/usr/bin/env bash
# `make bench`: every benchmark of the project in one run, on a local stack of
# its own; prints the table and writes docs/benchmarks.md (machine, date, the
# command, every figure). Benchmarks, not tests: nothing here asserts a time.
#
#   1. cold start of each function's x86_64 release binary (exec → first poll
#      of a Lambda Runtime API stub) beside a boto3 handler doing the same init
#      (coldstart.py, py_function.py)
#   2. warm latency of the api's main routes and of a publish, under
#      `cargo lambda watch` (apibench.py)
#   3. release bootstrap sizes, x86_64 now and arm64 from `make build` (sizes.py)
#   4. the publisher's `stream` bench beside curl between the same servers
#      (curlstream.py)
#   5. AWS requests of one published post, from moto's request log, and their
#      cost (apibench.py, report.py)
#   6. the `dispatch` bench, 7. the `metrics` bench
#
# The stack is this script's own (stack.sh with these settings), so it never
# meets `make up`'s: STACK_DIR (.local/bench-stack), MOTO_PORT (6566),
# SANDBOX_PORT (6568), WATCH_PORT (9600), EVENT_SOURCES_PORT (6570) override it.
# BENCH_COLD_RUNS (15), BENCH_LATENCY_N (200), BENCH_PUBLISH_N (6),
# STREAM_BENCH_MIB (1024), DISPATCH_BENCH_POSTS (10000) size the runs;
# BENCH_DOC (docs/benchmarks.md) is where the page goes; BENCH_NOTE, a
# sentence for the page (what was measured, if not the commit alone). BENCH_OPT_S=1 also
# builds the release binaries at opt-level = "s" (another fat-LTO build) and
# puts their cold starts and sizes beside the default's.
#
# Builds, one after another (two cores): the debug tree watch serves, the
# x86_64 release binaries (`cargo build --workspace --release`, fat LTO: many
# minutes from cold), the three cargo benches. BENCH_RELEASE_TARGET_DIR
# (default CARGO_TARGET_DIR) is where the release binaries and the benches are
# built; BUILD_TARGET_DIR (target/release-arm64) is where `make build` left
# the arm64 bootstraps.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
HERE="$ROOT/infra/bench"

# The command as run, with every setting given to it, for the page.
COMMAND="${BENCH_COMMAND:-bash infra/bench/run.sh}"
for var in STACK_DIR MOTO_PORT SANDBOX_PORT WATCH_PORT EVENT_SOURCES_PORT CARGO_TARGET_DIR \
  BENCH_RELEASE_TARGET_DIR BUILD_TARGET_DIR BENCH_COLD_RUNS BENCH_LATENCY_N BENCH_PUBLISH_N \
  STREAM_BENCH_MIB DISPATCH_BENCH_POSTS DISPATCH_BENCH_TENANTS BENCH_DOC BENCH_OPT_S; do
  if [[ -n "${!var:-}" && ! ( $var == CARGO_TARGET_DIR && ${!var} == "$ROOT/target" ) ]]; then COMMAND="$var=${!var} $COMMAND"; fi
done

export STACK_DIR="${STACK_DIR:-$ROOT/.local/bench-stack}"
export MOTO_PORT="${MOTO_PORT:-6566}" SANDBOX_PORT="${SANDBOX_PORT:-6568}"
export WATCH_PORT="${WATCH_PORT:-9600}" EVENT_SOURCES_PORT="${EVENT_SOURCES_PORT:-6570}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
RELEASE_TARGET="${BENCH_RELEASE_TARGET_DIR:-$CARGO_TARGET_DIR}"
ARM64_TARGET="${BUILD_TARGET_DIR:-$ROOT/target/release-arm64}"
OUT="$STACK_DIR/bench"
BENCH_VENV="$ROOT/.local/bench-venv"
DOC="${BENCH_DOC:-$ROOT/docs/benchmarks.md}"

log() { printf '[bench] %s\n' "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }

started_at="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
start=$SECONDS

# --- tools -------------------------------------------------------------------
bash infra/local/stack.sh tools
want="$(sha256sum "$HERE/requirements.txt" | cut -d' ' -f1)"
if [[ ! -f "$BENCH_VENV/.installed" || "$(cat "$BENCH_VENV/.installed")" != "$want" ]]; then
  log "installing the pinned boto3 of infra/bench/requirements.txt into .local/bench-venv"
  [[ -x "$BENCH_VENV/bin/python" ]] || python3 -m venv "$BENCH_VENV"
  "$BENCH_VENV/bin/pip" install --quiet --disable-pip-version-check -r "$HERE/requirements.txt"
  # Lambda's Python runtime ships compiled bytecode: so does this venv.
  "$BENCH_VENV/bin/python" -m compileall -q "$BENCH_VENV/lib" > /dev/null
  echo "$want" > "$BENCH_VENV/.installed"
fi
command -v curl > /dev/null || die "curl is needed"

# --- builds ------------------------------------------------------------------
mkdir -p "$STACK_DIR"
log "building the debug tree (watch serves it)"
bash infra/local/console.sh || die "the console build (infra/local/console.sh)"
cargo build --workspace --locked --bins --quiet || die "cargo build --workspace --bins"
log "building the x86_64 release binaries (fat LTO; a cold build takes many minutes)"
t=$SECONDS
CARGO_TARGET_DIR="$RELEASE_TARGET" cargo build --workspace --release --locked --bins --quiet || die "cargo build --workspace --release --bins"
release_build_s=$((SECONDS - t))
# The measured binaries, kept aside: `cargo bench` builds the bench profile's
# own dispatcher, publisher and hashtags binaries (their packages hold the
# benches) and may put them in the same target/release.
RELEASE_BIN="$STACK_DIR/release-bin"
rm -rf "$RELEASE_BIN"
mkdir -p "$RELEASE_BIN"
for fn in api oauth hashtags webhooks token-refresher publisher dispatcher console; do
  cp -p "$RELEASE_TARGET/release/$fn" "$RELEASE_BIN/" || die "no release binary $fn"
done
OPT_S_BIN=""
if [[ "${BENCH_OPT_S:-0}" == 1 ]]; then
  # README "Bootstrap sizes": opt-level = "s" cuts the bootstraps by ~30 %;
  # does it slow init? The same release build at "s", in a target dir of its own.
  log "BENCH_OPT_S=1: building the release binaries again at opt-level = \"s\" (another fat-LTO build)"
  CARGO_PROFILE_RELEASE_OPT_LEVEL=s CARGO_TARGET_DIR="$RELEASE_TARGET/opt-s" \
    cargo build --workspace --release --locked --bins --quiet || die "the opt-level=s release build"
  OPT_S_BIN="$RELEASE_TARGET/opt-s/release"
fi
log "building the benches"
CARGO_TARGET_DIR="$RELEASE_TARGET" cargo bench --workspace --locked --no-run --bench stream --bench dispatch --bench metrics --quiet \
  || die "cargo bench --no-run"

# --- the stack ---------------------------------------------------------------
rm -rf "$OUT"
mkdir -p "$OUT"
export MOTO_REQUEST_LOG="$STACK_DIR/moto-requests.log"
: > "$MOTO_REQUEST_LOG"
# Posts for the request count are scheduled a few seconds ahead (as make demo
# does). The bench's one tenant writes far more than a tenant may in a minute
# (API_WRITES_PER_MINUTE, 120): the limit is raised, the limiter still counts.
export STACK_FUNCTION_ENV="${STACK_FUNCTION_ENV:-SCHEDULE_MIN_LEAD_SECS=5 API_WRITES_PER_MINUTE=100000}"
trap 'bash infra/local/stack.sh down || true' EXIT
log "starting the bench stack in $STACK_DIR (moto :$MOTO_PORT, sandbox :$SANDBOX_PORT, watch :$WATCH_PORT)"
bash infra/local/stack.sh up --watch > "$OUT/stack-up.log" 2>&1 || { tail -n 40 "$OUT/stack-up.log" >&2; die "stack up"; }
set -a
# shellcheck disable=SC1091
source "$STACK_DIR/stack.env"
set +a

tenant_out="$("$CARGO_TARGET_DIR/debug/tenant" create "bench studio")" || die "tenant create"
BENCH_TENANT="$(sed -n 's/^tenant \([^ ]*\) created.*/\1/p' <<< "$tenant_out")"
BENCH_API_KEY="$(tail -n 1 <<< "$tenant_out")"
[[ -n "$BENCH_TENANT" && -n "$BENCH_API_KEY" ]] || die "could not read the tenant's id and key"
export BENCH_TENANT BENCH_API_KEY
unset tenant_out

# --- 3. sizes, 1. cold starts ------------------------------------------------
log "3. release bootstrap sizes"
"$BENCH_VENV/bin/python" "$HERE/sizes.py" --x86-dir "$RELEASE_BIN" \
  --arm64-dir "$ARM64_TARGET/lambda" ${OPT_S_BIN:+--alt-dir "$OPT_S_BIN"} --out "$OUT/sizes.json" \
  || die "sizes"
log "1. cold starts (${BENCH_COLD_RUNS:-15} runs each, Rust and Python alternating)"
"$BENCH_VENV/bin/python" "$HERE/coldstart.py" --env-file "$STACK_DIR/stack.env" \
  --bin-dir "$RELEASE_BIN" ${OPT_S_BIN:+--alt-bin-dir "$OPT_S_BIN"} --python "$BENCH_VENV/bin/python" \
  --runs "${BENCH_COLD_RUNS:-15}" --out "$OUT/coldstart.json" || die "cold starts"

# --- 2. warm latency, publish, 5. requests per post --------------------------
log "2. warm latency, publish latency and 5. the AWS requests of one published post"
"$BENCH_VENV/bin/python" "$HERE/apibench.py" --out "$OUT/api.json" || die "api benchmark"

# The cargo benches bring their own load: the stack's schedules and pollers
# stop, so the dispatcher's minute ticks do not queue behind their requests.
curl -fsS -o /dev/null -X POST "$EVENT_SOURCES_URL/pause" || die "pausing the event sources"

# --- 4. streaming ------------------------------------------------------------
log "4. streaming: cargo bench --workspace --bench stream"
CARGO_TARGET_DIR="$RELEASE_TARGET" cargo bench --workspace --locked --quiet --bench stream 2>&1 | tee "$OUT/stream.log" \
  || die "stream bench (see $OUT/stream.log)"
log "4. streaming: curl between the same servers"
"$BENCH_VENV/bin/python" "$HERE/curlstream.py" --out "$OUT/curl.json" || die "curl stream"

# --- 7. metrics, 6. dispatch (the longest, last) ------------------------------
log "7. metrics: cargo bench --workspace --bench metrics"
CARGO_TARGET_DIR="$RELEASE_TARGET" cargo bench --workspace --locked --quiet --bench metrics 2>&1 | tee "$OUT/metrics.log" \
  || die "metrics bench (see $OUT/metrics.log)"
log "6. dispatch: cargo bench --workspace --bench dispatch"
CARGO_TARGET_DIR="$RELEASE_TARGET" cargo bench --workspace --locked --quiet --bench dispatch 2>&1 | tee "$OUT/dispatch.log" \
  || die "dispatch bench (see $OUT/dispatch.log)"

# --- the page ----------------------------------------------------------------
"$BENCH_VENV/bin/python" "$HERE/report.py" --results "$OUT" --doc "$DOC" --command "$COMMAND" \
  --started "$started_at" --elapsed $((SECONDS - start)) --release-build-seconds "$release_build_s" \
  --note "${BENCH_NOTE:-}" \
  || die "report"
log "done in $(((SECONDS - start) / 60)) min $(((SECONDS - start) % 60)) s; wrote ${DOC#"$ROOT"/}"
