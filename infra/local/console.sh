#!/usr/bin/env bash
# Builds the web console (console/dist, which the console function embeds at
# compile time) with the machine's Node.js: `npm ci` when package-lock.json
# changed since the last install, `npm run build` (type check + vite) when a
# source changed since the last build. A fresh tree runs both (~30 s);
# an unchanged one neither, so every build script may call this first.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT/console"

if ! command -v npm >/dev/null 2>&1; then
  echo "console: Node.js (20.19 or later) with npm is needed to build the web console" >&2
  exit 1
fi
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "console: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
stamp=dist/index.html
sources=(index.html package.json package-lock.json tsconfig.json vite.config.ts src public)
changed=""
if [[ -f "$stamp" ]]; then
  changed="$(find "${sources[@]}" -newer "$stamp" -print -quit 2>/dev/null || true)"
fi
if [[ ! -f "$stamp" || -n "$changed" ]]; then
  echo "console: npm run build" >&2
  npm run --silent build >&2
fi
