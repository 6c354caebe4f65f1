# Two commands on a fresh machine:
#   make demo   create .venv, install, build the graph, answer the headline question with evidence
#   make test   set up and run the whole suite (lint + tests)
#
# Source texts are not in the repository (copyright). They are looked up in KG_TEXTS
# (os.pathsep-separated), else ../shared/sources and ../shared/reference beside the project.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test build lint setup clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

build: $(STAMP)
	$(BIN)/kg build --infer

demo: build
	@echo
	@echo "Which of Japan's partners have pledged to defend it, and which have not? (with the deciding sentence)"
	$(BIN)/kg query partners-without-defense-pledge --columns partnerLabel,pledgeStatus,quote,source,start,end

lint: $(STAMP)
	$(BIN)/ruff check kg tests

test: $(STAMP) lint
	$(BIN)/python -m pytest

clean:
	rm -rf build .pytest_cache .ruff_cache
