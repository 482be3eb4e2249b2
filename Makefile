# Two entry points: `make reproduce` (validate, build, reproduce) and `make test` (lint, types, the whole suite).
# A contributor's minute: `make check` (validate, then the tests that read the package's data).
# Each creates .venv when missing and installs the project once, editable (the working tree is what runs:
# an edit needs no reinstall), at the versions of requirements.lock; it reinstalls only when either changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: reproduce test check test-fast lint validate build docs release site clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[test]"
	touch $(STAMP)

validate: $(STAMP)
	$(BIN)/rhil7 validate

build: $(STAMP)
	$(BIN)/rhil7 build

reproduce: $(STAMP)
	$(BIN)/rhil7 reproduce

test: lint
	$(BIN)/python -m pytest -n auto --dist worksteal

# validate + the data-dependent tests: what a pull request adding numbers must pass (under a minute)
check: $(STAMP)
	$(BIN)/rhil7 validate
	$(BIN)/python -m pytest -m data -q

# everything but the tests marked slow, for the edit-test loop
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n auto --dist worksteal --skip-slow -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

docs: $(STAMP)
	$(BIN)/rhil7 docs

# The release of datapackage.json's version; once that version is released and the data moved on, a snapshot
# (dist/rhil7-lymphopenia-snapshot-<next>.dev0+<hash>.zip, never recorded): main can always be tried.
release: $(STAMP)
	$(BIN)/rhil7 release --or-snapshot

# The website (build/site/): DuckDB-WASM for its SQL console comes from npm, at the versions package-lock.json pins.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

site: $(STAMP) node_modules/.package-lock.json
	$(BIN)/rhil7 site

clean:
	rm -rf build dist
