#!/usr/bin/env bash
# The local stack: pinned tools in .local/venv, moto server on loopback with
# every resource of template.yaml, the TikTok sandbox, and (for `up --watch`)
# `cargo lambda watch` serving the functions plus the local event sources
# (infra/local/event_sources.py: the template's SQS mappings and schedules).
# `up --gateway` serves the functions' built binaries with
# infra/local/lambda_gateway.py instead of watch, on the same addresses: the
# 1,000-post chaos load and its real kills stop watch serving.
# Everything started is recorded by PID under $STACK_DIR/pids and stopped by
# `down`.
#
#   stack.sh tools          install the pinned tools (idempotent)
#   stack.sh up [--watch|--gateway]   start the stack, write $STACK_DIR/stack.env
#   stack.sh down           stop what `up` started
#   stack.sh urls           print every address of the running stack
#
# Ports: MOTO_PORT (4566), SANDBOX_PORT (4568), WATCH_PORT (9000),
# EVENT_SOURCES_PORT (4570). A second stack on the same checkout needs other
# ports *and* its own STACK_DIR (default .local): `up` first stops whatever
# the PID files in STACK_DIR name. WATCH_READY_TIMEOUT (600 s) bounds the wait
# for the api function's first answer (it compiles first);
# EVENT_SOURCES_SPEEDUP (1) runs the schedules' clock faster.
# STACK_PARAMETER_OVERRIDES ("Name=value ...") sets template parameters, as
# `sam deploy --parameter-overrides` does; STACK_FUNCTION_ENV ("KEY=value
# ...") adds variables every function under watch sees.
# WATCH_RELOAD=1 lets watch rebuild and restart the functions when a file in
# the tree changes. Off by default: a restart kills the process serving a
# request, and watch then answers with its own 500 (an RFC 7807 body, no
# x-request-id) that looks like the function's — any edit, another session's
# build or `sam build` writing .aws-sam/ did it mid-run. The stack serves the
# code it started with; `make down up` picks up changes.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LOCAL="$ROOT/.local"
VENV="$LOCAL/venv"
STACK_DIR="${STACK_DIR:-$LOCAL}"
PIDS="$STACK_DIR/pids"
LOGS="$STACK_DIR/logs"
ENV_FILE="$STACK_DIR/stack.env"

HOST=127.0.0.1
MOTO_PORT="${MOTO_PORT:-4566}"
SANDBOX_PORT="${SANDBOX_PORT:-4568}"
WATCH_PORT="${WATCH_PORT:-9000}"
EVENT_SOURCES_PORT="${EVENT_SOURCES_PORT:-4570}"
# The first request compiles the function: minutes on a cold tree.
WATCH_READY_TIMEOUT="${WATCH_READY_TIMEOUT:-600}"
SERVER=watch  # what `up` serves the functions with: watch or gateway
STACK_NAME="${STACK_NAME:-tiktok-local}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

log() { printf '[stack] %s\n' "$*" >&2; }

# shellcheck source=infra/local/venv.sh
source "$ROOT/infra/local/venv.sh"

# moto, cargo-lambda, ziglang, cfn-lint, aws-sam-cli.
tools() {
  pinned_venv "$VENV" "$ROOT/infra/local/requirements.txt" "$ROOT/infra/local/constraints.txt"
}

start_bg() { # name, command...
  local name="$1"; shift
  mkdir -p "$PIDS" "$LOGS"
  setsid "$@" > "$LOGS/$name.log" 2>&1 < /dev/null &
  echo $! > "$PIDS/$name.pid"
}

wait_http() { # url, name, seconds
  local url="$1" name="$2" limit="${3:-30}" i
  for ((i = 0; i < limit * 10; i++)); do
    if curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  log "$name did not answer at $url within ${limit}s; its log:"
  tail -n 30 "$LOGS/$name.log" >&2 || true
  return 1
}

# Readiness of cargo lambda watch: one real request to the api function's
# health route (the bare /lambda-url/ is disabled with several functions), sent
# once the port is open and allowed to wait through the first compilation.
# Fails fast when watch exits or a function process exits (a build error).
# SERVER is the process serving the functions: watch, or gateway.
wait_watch() {
  local url="http://$HOST:$WATCH_PORT/lambda-url/api/health" watch_pid start=$SECONDS next=10 curl_pid status
  watch_pid="$(cat "$PIDS/$SERVER.pid")"
  log "waiting for $SERVER to serve api"
  until (exec 3<>"/dev/tcp/$HOST/$WATCH_PORT") 2>/dev/null; do
    kill -0 "$watch_pid" 2>/dev/null || { watch_failed "$SERVER exited"; return 1; }
    (( SECONDS - start < WATCH_READY_TIMEOUT )) || { watch_failed "$SERVER did not open port $WATCH_PORT"; return 1; }
    sleep 0.1
  done
  curl -fsS -o /dev/null --max-time "$WATCH_READY_TIMEOUT" "$url" 2>"$LOGS/watch-probe.err" &
  curl_pid=$!
  while kill -0 "$curl_pid" 2>/dev/null; do
    if ! kill -0 "$watch_pid" 2>/dev/null; then
      kill "$curl_pid" 2>/dev/null || true
      watch_failed "$SERVER exited"; return 1
    fi
    if grep -q 'command exited code=' "$LOGS/$SERVER.log" 2>/dev/null; then
      kill "$curl_pid" 2>/dev/null || true
      watch_failed "a function process exited (a build error or a crash at start)"; return 1
    fi
    if (( SECONDS - start >= next )); then
      log "waiting for $SERVER to serve api ($((SECONDS - start)) s)"
      next=$((next + 15))
    fi
    sleep 0.2
  done
  if wait "$curl_pid"; then status=0; else status=$?; fi
  if [[ $status != 0 ]]; then
    watch_failed "GET $url failed: $(cat "$LOGS/watch-probe.err" 2>/dev/null)"; return 1
  fi
  rm -f "$LOGS/watch-probe.err"
}

watch_failed() {
  log "$1; the last lines of $LOGS/$SERVER.log:"
  tail -n 40 "$LOGS/$SERVER.log" >&2 || true
  log "the rest of the stack is still running: stop it with 'make down'"
}

stop_all() {
  [[ -d "$PIDS" ]] || return 0
  local f pid
  for f in "$PIDS"/*.pid; do
    [[ -e "$f" ]] || continue
    pid="$(cat "$f")"
    # Each service runs in its own session: stop the whole process group.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$f"
  done
}

random_hex() { "$VENV/bin/python" -c "import secrets,sys; print(secrets.token_hex(int(sys.argv[1])))" "$1"; }

up() {
  local watch=0
  case "${1:-}" in
    --watch) watch=1; SERVER=watch ;;
    --gateway) watch=1; SERVER=gateway ;;
    "") ;;
    *) log "up: unknown option $1 (--watch or --gateway)"; exit 2 ;;
  esac
  tools
  stop_all
  mkdir -p "$STACK_DIR"
  local moto_url="http://$HOST:$MOTO_PORT" sandbox_url="http://$HOST:$SANDBOX_PORT" watch_args_pid=""
  if [[ "$watch" == 1 ]]; then
    # Watch's template-derived arguments, read while the rest starts (python
    # with boto3 takes a second or so to start).
    "$VENV/bin/python" "$ROOT/infra/local/event_sources.py" watch-args > "$STACK_DIR/watch-args" &
    watch_args_pid=$!
  fi

  # moto takes a second or two to import: it starts while cargo checks the
  # sandbox. `--bin`, not `-p`: with --bin cargo unifies features over the whole
  # workspace, as `cargo build --workspace` and watch's `cargo run --bin` do, so
  # a built tree is fresh; `-p tiktok-sandbox` alone would need its own build
  # of tokio and everything above it.
  log "starting moto server on $moto_url"
  start_bg moto "$VENV/bin/python" "$ROOT/infra/local/moto_server.py" "$HOST" "$MOTO_PORT"
  (cd "$ROOT" && cargo build --quiet --locked --bin tiktok-sandbox)
  # Watch compiles the console function on its first request; it embeds
  # the built console.
  bash "$ROOT/infra/local/console.sh"
  wait_http "$moto_url/moto-api/" moto 30

  # Local-only credentials, generated per start: the sandbox app's key and
  # secret and one token-encryption key. Never committed, never real.
  local client_key="sbx-$(random_hex 8)" client_secret token_key secret_file="$STACK_DIR/app-secret.json"
  client_secret="$(random_hex 24)"
  token_key="$("$VENV/bin/python" -c "import base64,os; print(base64.b64encode(os.urandom(32)).decode())")"
  umask 077
  printf '{"client_key":"%s","client_secret":"%s","current_key_id":"local-1","keys":{"local-1":"%s"}}' \
    "$client_key" "$client_secret" "$token_key" > "$secret_file"

  log "starting the TikTok sandbox on $sandbox_url"
  SANDBOX_ADDR="$HOST:$SANDBOX_PORT" SANDBOX_CLIENT_KEY="$client_key" SANDBOX_CLIENT_SECRET="$client_secret" \
    SANDBOX_WEBHOOK_URL="${SANDBOX_WEBHOOK_URL:-}" \
    start_bg sandbox "$CARGO_TARGET_DIR/debug/tiktok-sandbox"

  log "creating the resources of template.yaml"
  local resources
  resources="$(LOCAL_API_ENDPOINT="http://$HOST:$WATCH_PORT" "$VENV/bin/python" "$ROOT/infra/local/bootstrap.py" "$ROOT/template.yaml" "$STACK_NAME" "$moto_url" "$secret_file")"
  rm -f "$secret_file"
  wait_http "$sandbox_url/_sandbox/health" sandbox 30
  # TikTok pulls photos only from verified URL prefixes: locally, the media
  # prefix of the local bucket (path-style presigned GETs on moto). Webhooks
  # go to the webhooks function under watch, retried as TikTok does (with
  # backoff, over minutes: 8 tries from 1 s doubling), so a function that
  # watch is still compiling or starting misses none.
  local bucket
  bucket="$(sed -n 's/^MEDIA_BUCKET=//p' <<< "$resources")"
  curl -fsS -o /dev/null -X PATCH -H 'content-type: application/json' \
    -d "{\"verified_url_prefixes\": [\"$moto_url/$bucket/media/\"], \"webhook_url\": \"http://$HOST:$WATCH_PORT/lambda-url/webhooks/webhooks/tiktok\", \"webhook_max_attempts\": 8, \"webhook_retry_base_ms\": 1000}" \
    "$sandbox_url/_sandbox/settings"

  {
    echo "# Written by infra/local/stack.sh up; source it to talk to the local stack."
    echo "STACK_NAME=$STACK_NAME"
    echo "AWS_ENDPOINT_URL=$moto_url"
    echo "AWS_REGION=us-east-1"
    echo "AWS_DEFAULT_REGION=us-east-1"
    echo "AWS_ACCESS_KEY_ID=test"
    echo "AWS_SECRET_ACCESS_KEY=test"
    echo "MOTO_URL=$moto_url"
    echo "TIKTOK_SANDBOX_URL=$sandbox_url"
    echo "TIKTOK_API_BASE_URL=$sandbox_url"
    echo "TIKTOK_AUTH_BASE_URL=$sandbox_url"
    echo "TIKTOK_CLIENT_KEY=$client_key"
    echo "TIKTOK_CLIENT_SECRET=$client_secret"
    echo "LAMBDA_WATCH_URL=http://$HOST:$WATCH_PORT"
    echo "API_URL=http://$HOST:$WATCH_PORT/lambda-url/api"
    echo "OAUTH_URL=http://$HOST:$WATCH_PORT/lambda-url/oauth"
    echo "HASHTAGS_URL=http://$HOST:$WATCH_PORT/lambda-url/hashtags"
    # The oauth function under cargo lambda watch: TikTok (the sandbox) sends
    # the browser back to the local callback, which returns to a local page.
    echo "OAUTH_REDIRECT_URI=http://$HOST:$WATCH_PORT/lambda-url/oauth/oauth/tiktok/callback"
    # The console under watch: each function has its own /lambda-url/<name>
    # prefix on watch's origin, so the page is told its paths; uploads go to
    # moto. It is a return page of the connect flow, as deployed.
    local console_url="http://$HOST:$WATCH_PORT/lambda-url/console/console/"
    echo "CONSOLE_URL=$console_url"
    echo "CONSOLE_API_BASE=/lambda-url/api"
    echo "CONSOLE_OAUTH_BASE=/lambda-url/oauth"
    echo "CONSOLE_HASHTAGS_BASE=/lambda-url/hashtags"
    echo "CONSOLE_MEDIA_ORIGIN=$moto_url"
    echo "OAUTH_RETURN_ALLOWLIST=http://localhost:3000/connected,$console_url"
    echo "STACK_PARAMETER_OVERRIDES=\"${STACK_PARAMETER_OVERRIDES:-}\""
    echo "$resources"
    # Function settings for this run only, "KEY=value KEY2=value2" (watch
    # gives every function this file's variables): e.g. the demo's short
    # schedule lead.
    local pair
    for pair in ${STACK_FUNCTION_ENV:-}; do
      [[ "$pair" =~ ^[A-Z][A-Z0-9_]*=[^[:space:]]*$ ]] || { log "STACK_FUNCTION_ENV: $pair is not KEY=value"; exit 2; }
      echo "$pair"
    done
  } > "$ENV_FILE"

  if [[ "$watch" == 1 ]]; then
    local events_url="http://$HOST:$EVENT_SOURCES_PORT" watch_args
    echo "EVENT_SOURCES_URL=$events_url" >> "$ENV_FILE"
    echo "LAMBDA_SERVER=$SERVER" >> "$ENV_FILE"
    # Watch lists every bin target of the workspace (it starts one only when
    # asked for it): cargo-lambda 1.9 passes --bin/-p on to `cargo run`, which
    # refuses more than one, so the list cannot be narrowed to the Lambda
    # binaries. What comes from the template is the instance limit per
    # function (the widest SQS mapping's concurrency).
    wait "$watch_args_pid"
    mapfile -t watch_args < "$STACK_DIR/watch-args"
    local reload=(--ignore-changes)
    if [[ "${WATCH_RELOAD:-0}" == 1 ]]; then
      reload=()
      log "WATCH_RELOAD=1: a file change restarts the functions; requests in flight then get watch's own 500"
    fi
    if [[ "$SERVER" == gateway ]]; then
      (cd "$ROOT" && cargo build --quiet --locked --workspace --bins)
      # The same instance limit as watch's (the widest SQS mapping's concurrency).
      log "starting the Lambda gateway (infra/local/lambda_gateway.py) on http://$HOST:$WATCH_PORT"
      start_bg gateway "$VENV/bin/python" -u "$ROOT/infra/local/lambda_gateway.py" serve --port "$WATCH_PORT" \
        --env-file "$ENV_FILE" --template "$ROOT/template.yaml" --bin-dir "$CARGO_TARGET_DIR/debug" \
        --max-instances "${watch_args[1]:-10}"
    else
      log "starting cargo lambda watch on http://$HOST:$WATCH_PORT (functions compile on first request)"
      (cd "$ROOT" && PATH="$VENV/bin:$PATH" start_bg watch \
        "$VENV/bin/cargo-lambda" lambda watch -A "$HOST" -P "$WATCH_PORT" --disable-cors "${reload[@]}" \
        --env-file "$ENV_FILE" "${watch_args[@]}")
    fi
    log "starting the event sources of template.yaml on $events_url"
    EVENT_SOURCES_PORT="$EVENT_SOURCES_PORT" start_bg event-sources \
      "$VENV/bin/python" -u "$ROOT/infra/local/event_sources.py" serve \
      --template "$ROOT/template.yaml" --env-file "$ENV_FILE"
    wait_watch
    wait_http "$events_url/status" event-sources 10
  fi
  urls
}

urls() {
  [[ -f "$ENV_FILE" ]] || { log "stack is not up (no $ENV_FILE)"; return 1; }
  echo "Local stack (source ${ENV_FILE#"$ROOT"/}):"
  grep -E '_URL=' "$ENV_FILE" | sed 's/^/  /'
  grep -E '^(TABLE_NAME|MEDIA_BUCKET|APP_SECRET_ID)=' "$ENV_FILE" | sed 's/^/  /'
}

case "${1:-}" in
  tools) tools ;;
  up) shift; up "$@" ;;
  down) stop_all; log "stopped" ;;
  urls) urls ;;
  *) echo "usage: $0 tools|up [--watch|--gateway]|down|urls" >&2; exit 2 ;;
esac
