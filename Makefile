# One command per task, the same locally and in CI.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint typecheck check bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## run: serve Threadline on http://127.0.0.1:8080 with SQLite and the demo site
run: $(STAMP)
	$(BIN)/threadline serve --demo

## lint: ruff (checks and formatting), and the layer contract (import-linter)
lint: $(STAMP)
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools
	$(BIN)/lint-imports

## typecheck: mypy --strict on the package
typecheck: $(STAMP)
	$(BIN)/mypy

## test: lint, type-check, and the whole test suite (SQLite and PostgreSQL)
test: lint typecheck
	PYTHON=$(BIN)/python bash scripts/browser-deps.sh
	$(BIN)/python -m pytest

## bench: the benchmarks in bench/ (see docs/benchmarks.md)
bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
