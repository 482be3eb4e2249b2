# Two entry points: `make reproduce` (validate, build, reproduce) and `make test`.
# Each creates .venv when missing and installs the project once, editable (the working tree is what runs:
# an edit needs no reinstall); it reinstalls only when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: reproduce test validate build docs release clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test]"
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
