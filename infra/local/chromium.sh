#!/usr/bin/env bash
# Debian's chromium (and nothing else) for the console's browser tests,
# installed with apt-get when absent. Prints the binary's path.
set -euo pipefail
bin="${CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$bin" ]]; then
  sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null 2>&1 || { echo "chromium: $bin is missing and installing it needs root (apt-get install chromium)" >&2; exit 1; }
    sudo=(sudo)
  fi
  echo "chromium: apt-get install chromium" >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >&2
fi
"$bin" --version >&2
echo "$bin"
