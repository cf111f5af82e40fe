# Every entry point of the project. `make demo` and `make test` each work as
# the very first command on a fresh machine: they install the pinned tools
# (infra/local/requirements.txt) into .local/venv themselves.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

STACK := infra/local/stack.sh
VENV_BIN := .local/venv/bin
export CARGO_TARGET_DIR ?= $(CURDIR)/target
export CARGO_TERM_COLOR ?= never

.PHONY: help tools up down urls test lint demo tenant build fuzz deny schemathesis bench chaos console

help:
	@echo "make demo   - bring the local stack up, run the end-to-end scenario, print a summary, stop"
	@echo "make test   - run every test against a local stack it starts and stops itself"
	@echo "make up     - start the local stack (moto, TikTok sandbox, cargo lambda watch, event sources) and print its URLs"
	@echo "make down   - stop what 'make up' started"
	@echo "make tenant NAME=acme - create a tenant on the running stack; prints its API key last"
	@echo "make lint   - rustfmt, clippy -D warnings, cfn-lint and sam validate --lint"
	@echo "make console - build the web console (console/dist: npm ci + vite build, each only when needed)"
	@echo "make fuzz   - libFuzzer on every parser of outside input, FUZZ_SECONDS (60) each; make test replays the corpus"
	@echo "make schemathesis - schemathesis on the api and hashtags OpenAPI documents (SCHEMATHESIS_EXAMPLES, SCHEMATHESIS_SEED)"
	@echo "make deny   - cargo-deny: licenses, bans (no OpenSSL), sources; advisories where GitHub is reachable"
	@echo "make build  - sam build: every function for arm64 (cargo-lambda, no Docker); prints each bootstrap's size"
	@echo "make bench  - every benchmark on a stack of its own; prints the table, writes docs/benchmarks.md (~30 min built)"
	@echo "make chaos  - 1,000 posts published under TikTok faults, kills, duplicate deliveries and cancels; asserts never twice, never lost (CHAOS_POSTS, CHAOS_ACCOUNTS, CHAOS_SEED)"

tools:
	@bash $(STACK) tools

up:
	@bash $(STACK) up --watch

down:
	@bash $(STACK) down

urls:
	@bash $(STACK) urls

test: tools
	@bash infra/local/run-tests.sh

lint: tools console
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --locked -- -D warnings
	$(VENV_BIN)/cfn-lint template.yaml
	PATH="$(CURDIR)/$(VENV_BIN):$$PATH" SAM_CLI_TELEMETRY=0 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
	  $(VENV_BIN)/sam validate --lint --region us-east-1 --template-file template.yaml

# Creates a tenant on the running local stack; the API key is the last line.
# `--bin tenant` builds that binary alone (infra/operator depends on shared
# only: no test tooling, no sandbox), with the
# workspace's feature set, so a tree built by `cargo build --workspace` is fresh.
tenant:
	@test -n "$(NAME)" || { echo "usage: make tenant NAME=acme" >&2; exit 2; }
	@test -f .local/stack.env || { echo "the local stack is not up: run make up" >&2; exit 1; }
	@cargo build --quiet --locked --bin tenant
	@set -a; source .local/stack.env; set +a; "$(CARGO_TARGET_DIR)/debug/tenant" create "$(NAME)"

# The web console's files (console/dist, embedded by the console function):
# npm ci and vite build with the machine's Node.js, each only when needed.
console:
	@bash infra/local/console.sh

demo: tools
	@bash infra/local/demo.sh

# The deployable build (not part of CI: a cold build is tens of minutes on two
# cores). Its own target dir, so a release cross-build never waits on, or
# invalidates, the dev builds of make test.
build:
	@CARGO_TARGET_DIR="$${BUILD_TARGET_DIR:-$(CURDIR)/target/release-arm64}" bash infra/build.sh

# Coverage-guided fuzzing (cargo-fuzz, libFuzzer, RUSTC_BOOTSTRAP=1 on the
# stable toolchain), FUZZ_SECONDS per target; `make fuzz TARGETS="hashtag"`
# runs some. make test runs the short stable pass (infra/fuzz/tests).
fuzz:
	@bash infra/fuzz/run.sh $(TARGETS)

# Schema-driven API testing (infra/schemathesis/run.sh): every check but
# positive_data_acceptance, plus the security headers on every answer, on a
# running stack or one it starts. make test runs a bounded pass.
schemathesis:
	@bash infra/schemathesis/run.sh

# Supply chain (deny.toml): licenses, bans and sources, offline from
# Cargo.lock. cargo-deny is installed, pinned, when missing. Advisories need
# the RustSec database from GitHub: `cargo deny check advisories` where it is
# reachable.
CARGO_DENY_VERSION := 0.20.2
deny:
	@cargo deny --version 2>/dev/null | grep -qx "cargo-deny $(CARGO_DENY_VERSION)" || cargo install --locked --version $(CARGO_DENY_VERSION) cargo-deny
	cargo deny --locked check licenses bans sources

# Every benchmark (cold starts, warm latency, sizes, streaming, requests and
# cost per post, dispatch, metrics) on a local stack of its own (ports 65xx,
# 9600; STACK_DIR .local/bench-stack): prints the table and writes
# docs/benchmarks.md. Builds the x86_64 release binaries first (fat LTO:
# ~20 min from cold on two cores). Not part of CI.
bench: tools
	@BENCH_COMMAND="make bench" bash infra/bench/run.sh

# The chaos run (infra/chaos/run.sh) on a stack of its own (ports 7566/7568/
# 9700/7570, STACK_DIR .local/chaos-stack): CHAOS_POSTS (1000) posts over
# CHAOS_ACCOUNTS (10) accounts of several tenants, published by the event
# sources while TikTok faults, publishers are killed, messages are delivered
# twice and posts are cancelled or moved; prints a table, fails on a
# duplicate, a lost post, an unexplained NEEDS_ATTENTION or a secret in a log.
# CI size: make chaos CHAOS_POSTS=60 CHAOS_ACCOUNTS=4. Not part of make test.
chaos: tools
	@bash infra/chaos/run.sh
