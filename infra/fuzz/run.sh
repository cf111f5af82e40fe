#!/usr/bin/env bash
# `make fuzz`: coverage-guided fuzzing (cargo-fuzz, libFuzzer) of every target
# in infra/fuzz/src/lib.rs for FUZZ_SECONDS each (default 60), or of the ones
# named as arguments.
#
# The machine has one stable toolchain and cannot fetch nightly: cargo-fuzz's
# sanitizer flags (-Zsanitizer=address, -Cpasses=sancov) are unlocked with
# RUSTC_BOOTSTRAP=1, which makes stable rustc accept nightly flags. cargo-fuzz
# itself is installed here, pinned, when missing.
#
# Inputs: the committed corpus (infra/fuzz/corpus/<target>/, read only) and
# what earlier runs found (target/fuzz/corpus/<target>/, where new inputs go).
# A crash stops the run with the input under target/fuzz/artifacts/<target>/;
# once fixed, copy that file into infra/fuzz/corpus/<target>/: `make test`
# replays it from then on, as a regression test.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
CARGO_FUZZ_VERSION=0.13.2
SECONDS_EACH="${FUZZ_SECONDS:-60}"
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$ROOT/target/fuzz}"
export RUSTC_BOOTSTRAP=1

log() { printf '[fuzz] %s\n' "$*" >&2; }

if [[ "$(cargo fuzz --version 2>/dev/null || true)" != *"$CARGO_FUZZ_VERSION"* ]]; then
  log "installing cargo-fuzz $CARGO_FUZZ_VERSION"
  cargo install --locked --version "$CARGO_FUZZ_VERSION" cargo-fuzz
fi

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  mapfile -t targets < <(sed -n 's/^name = "\([a-z_]*\)"$/\1/p' infra/fuzz/libfuzzer/Cargo.toml | grep -v '^fuzz')
fi

printf '%-20s %10s %10s %8s  %s\n' target runs corpus seconds verdict
status=0
for target in "${targets[@]}"; do
  found="$CARGO_TARGET_DIR/corpus/$target"
  artifacts="$CARGO_TARGET_DIR/artifacts/$target"
  mkdir -p "$found" "$artifacts"
  out="$CARGO_TARGET_DIR/$target.log"
  start=$SECONDS
  if cargo fuzz run --fuzz-dir infra/fuzz/libfuzzer "$target" "$found" "infra/fuzz/corpus/$target" -- \
      -max_total_time="$SECONDS_EACH" -artifact_prefix="$artifacts/" -print_final_stats=1 >"$out" 2>&1; then
    verdict=ok
  else
    verdict="FAILED (see $out and $artifacts)"
    status=1
  fi
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$out" | tail -n 1)"
  printf '%-20s %10s %10s %8s  %s\n' "$target" "${runs:-?}" "$(find "$found" -type f | wc -l)" \
    "$((SECONDS - start))" "$verdict"
done
exit "$status"
