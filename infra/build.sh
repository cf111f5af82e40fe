#!/usr/bin/env bash
# `make build`: the deployable build. Runs `sam build` (template.yaml,
# samconfig.toml) for every function — arm64, BuildMethod rust-cargolambda,
# cargo-lambda cross-compiling with zig, no Docker — then prints each
# function's bootstrap size (stripped arm64 ELF) and its zipped size, the
# package Lambda downloads on a cold start.
#
# Installs what it needs itself: the pinned tools into .local/venv
# (infra/local/stack.sh tools) and the aarch64 Rust target (rustup). Not part
# of CI: a cold build of the seven functions took 19 min 47 s on two cores
# (fat LTO links each bootstrap separately; the dependencies build once).
#
# CARGO_TARGET_DIR is honoured (cargo-lambda and SAM's copy step both use
# it); the bootstraps land in .aws-sam/build/<Function>/bootstrap.
# BOOTSTRAP_AIM_BYTES (default 8 MiB) is the size each bootstrap is measured
# against: reported, not enforced.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV_BIN="$ROOT/.local/venv/bin"
TARGET=aarch64-unknown-linux-gnu
AIM="${BOOTSTRAP_AIM_BYTES:-$((8 * 1024 * 1024))}"

log() { printf '[build] %s\n' "$*" >&2; }

bash infra/local/stack.sh tools

if ! rustup target list --installed | grep -qx "$TARGET"; then
  log "installing the Rust target $TARGET"
  rustup target add "$TARGET"
fi

# sam finds cargo-lambda, and cargo-lambda finds zig (the ziglang wheel), on PATH.
export PATH="$VENV_BIN:$PATH"
export SAM_CLI_TELEMETRY=0
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

start=$SECONDS
log "sam build (arm64, cargo-lambda, release profile; target dir $CARGO_TARGET_DIR)"
bash infra/local/console.sh
sam build --template-file template.yaml
elapsed=$((SECONDS - start))

# One row per function of the template, from what sam build wrote.
"$VENV_BIN/python" - "$ROOT/.aws-sam/build" "$AIM" "$elapsed" <<'PY'
import io, os, struct, sys, zipfile

build_dir, aim, elapsed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows, problems = [], []
for name in sorted(os.listdir(build_dir)):
    path = os.path.join(build_dir, name, "bootstrap")
    if not os.path.isfile(path):
        continue
    data = open(path, "rb").read()
    # ELF64 little-endian header: e_machine 183 is AArch64; a stripped binary
    # has no .symtab section.
    if data[:4] != b"\x7fELF" or struct.unpack_from("<H", data, 18)[0] != 183:
        problems.append(f"{name}: bootstrap is not an arm64 ELF")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    types = [struct.unpack_from("<I", data, shoff + i * shentsize + 4)[0] for i in range(shnum)]
    if 2 in types:  # SHT_SYMTAB
        problems.append(f"{name}: bootstrap is not stripped")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("bootstrap", data)
    rows.append((name, len(data), len(buf.getvalue())))

if not rows:
    sys.exit(f"no bootstrap under {build_dir}")
mib = 1024 * 1024
print()
print(f"{'function':<24} {'bootstrap':>12} {'MiB':>7} {'zipped MiB':>11}  aim {aim / mib:g} MiB")
for name, size, zipped in rows:
    verdict = "ok" if size <= aim else f"over by {(size - aim) / mib:.2f} MiB"
    print(f"{name:<24} {size:>12,} {size / mib:>7.2f} {zipped / mib:>11.2f}  {verdict}")
print(f"{len(rows)} bootstraps (stripped arm64) in .aws-sam/build; sam build took {elapsed // 60} min {elapsed % 60} s")
if problems:
    sys.exit("\n".join(problems))
PY
