# Two entry points: `make reproduce` (validate, build, reproduce) and `make test`.
# Each creates .venv when missing and (re)installs the project when its sources change.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SOURCES := pyproject.toml datapackage.json $(shell find src validators analysis queries -type f \( -name '*.py' -o -name '*.sql' -o -name '*.csv' \) 2>/dev/null)

.PHONY: reproduce test validate build docs release clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python $(SOURCES)
	rm -rf .setuptools-build  # setuptools reuses its build folder: a module deleted from the source would stay installed
	$(BIN)/python -m pip install --quiet ".[test]"
	touch $(STAMP)

validate: $(STAMP)
	$(BIN)/rhil7 validate

build: $(STAMP)
	$(BIN)/rhil7 build

reproduce: $(STAMP)
	$(BIN)/rhil7 reproduce

test: $(STAMP)
	$(BIN)/python -m pytest -n auto --dist loadfile

docs: $(STAMP)
	$(BIN)/rhil7 docs

release: $(STAMP)
	$(BIN)/rhil7 release

clean:
	rm -rf build dist
