# Fanxing — one venv, the demo job and the tests. `make help` lists the targets.
PY      ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
DEMO    ?= demo-season
BUILD   ?= demo-build
HOST    ?= 127.0.0.1
PORT    ?= 8000
PYTEST_ARGS ?=

.PHONY: help venv sysdeps demo demo-build test test-fast lint bench clean

help:
	@echo "make demo    generate the demo season, build the index and report, serve the dashboard"
	@echo "make test    install everything the tests need and run the whole suite"
	@echo "make lint    ruff"
	@echo "make bench   run the benchmarks in bench/ (slow)"

$(BIN)/.installed: pyproject.toml constraints.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[all]'
	touch $@

venv: $(BIN)/.installed

sysdeps:
	bash scripts/sysdeps.sh

demo-build: venv sysdeps
	$(BIN)/fanxing demo $(DEMO) --force
	$(BIN)/fanxing build $(DEMO) --out $(BUILD)

demo: demo-build
	$(BIN)/fanxing serve $(BUILD) --host $(HOST) --port $(PORT)

test: venv sysdeps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: venv
	$(BIN)/python -m pytest -m "not spark and not browser and not slow" $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check src tests bench

bench: venv
	for b in bench/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) $(DEMO) $(DEMO)-truth $(BUILD) .pytest_cache
