# Two commands on a fresh machine: `make demo` and `make test`. Each builds .venv itself.
SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PIP_FLAGS := --quiet --disable-pip-version-check

.PHONY: install demo docs test lint bench bench-pipeline bench-strategies db-stop clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11+ is required"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install $(PIP_FLAGS) --upgrade pip
	$(BIN)/python -m pip install $(PIP_FLAGS) -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/wedsync-analytics demo

# Regenerate docs/guide.md's command outputs and help texts (tests/test_docs_in_step.py).
docs: install
	$(BIN)/python -m wedsync_analytics.docs_gen docs/guide.md

test: install
	$(BIN)/ruff check src tests benchmarks conftest.py
	$(BIN)/mypy
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check src tests benchmarks conftest.py
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

bench: bench-pipeline bench-strategies

# Issue 10's pipeline benchmarks at the season scale; ends with every target as met or not.
bench-pipeline: install
	$(BIN)/pytest benchmarks --benchmark-enable --benchmark-columns=min,median,max,rounds --timeout=0 -s $(BENCH_ARGS)

# The strategy benchmark (docs/benchmarking.md); e.g. `make bench-strategies BENCH_SCALE=small`.
BENCH_SCALE ?= season
BENCH_SEED ?= 7
bench-strategies: install
	$(BIN)/wedsync-analytics bench --scale $(BENCH_SCALE) --seed $(BENCH_SEED) --out out/bench-$(BENCH_SCALE) $(BENCH_STRATEGY_ARGS)

db-stop: install
	$(BIN)/wedsync-analytics db stop

clean:
	rm -rf $(VENV) build dist .mypy_cache .ruff_cache .pytest_cache .benchmarks
