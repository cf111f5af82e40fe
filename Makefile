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

.PHONY: help tools up down urls test lint demo

help:
	@echo "make demo   - bring the local stack up, run the end-to-end scenario, print a summary, stop"
	@echo "make test   - run every test against a local stack it starts and stops itself"
	@echo "make up     - start the local stack (moto, TikTok sandbox, cargo lambda watch) and print its URLs"
	@echo "make down   - stop what 'make up' started"
	@echo "make lint   - rustfmt, clippy -D warnings, cfn-lint and sam validate --lint"

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

lint: tools
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --locked -- -D warnings
	$(VENV_BIN)/cfn-lint template.yaml
	PATH="$(CURDIR)/$(VENV_BIN):$$PATH" SAM_CLI_TELEMETRY=0 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
	  $(VENV_BIN)/sam validate --lint --region us-east-1 --template-file template.yaml

demo: tools
	@bash infra/local/demo.sh
