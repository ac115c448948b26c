# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
SCENARIO ?= scenarios/default.yaml

.PHONY: run test lint bench docs clean

# `make run` installs only what running needs; `make test` adds the developer extras (pytest,
# Hypothesis, ruff, mypy, Dask) on top. Each step leaves a stamp in .venv, so each is done
# once, and again only when pyproject.toml changes.
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

$(RUN_STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): $(RUN_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

run: $(RUN_STAMP)
	$(BIN)/arsim run $(SCENARIO)

# numba caches each compiled function keyed on its own file only: a function that inlines code
# from another file (the engines inline sim/rng.py) keeps a stale copy when only that file
# changes. So the caches go whenever any compiled source is newer than the last clearing.
NUMBA_SOURCES := $(wildcard sim/*.py sim/engine/*.py)
.numba-cleared: $(NUMBA_SOURCES)
	find sim -name '*.nbi' -delete -o -name '*.nbc' -delete
	touch $@

# The report tests open the HTML in a headless browser: Debian's chromium, installed here where
# missing (they are skipped, saying why, where it cannot be installed).
BROWSER := $(shell command -v chromium || command -v chromium-browser || command -v google-chrome)

# Before pytest, tests/warm_engines.py compiles the two engines into numba's cache in two
# processes at once (about three minutes one after the other, in whichever tests come first),
# while mypy, which needs no numba, checks the types beside them.
test: $(DEV_STAMP) .numba-cleared
ifeq ($(BROWSER),)
	-apt-get install -y chromium >/dev/null 2>&1 || (apt-get update >/dev/null 2>&1 && \
	  apt-get install -y chromium >/dev/null 2>&1) || \
	  echo "chromium could not be installed: the browser tests will be skipped"
endif
	$(BIN)/ruff check .
	bash .ci/typecheck & typecheck=$$!; $(BIN)/python tests/warm_engines.py; warmed=$$?; \
	  wait $$typecheck && exit $$warmed
	$(BIN)/python -m pytest -q -p no:cacheprovider

bench: $(RUN_STAMP)
	$(BIN)/python benchmarks/bench_engine.py

docs: $(RUN_STAMP)
	$(BIN)/python -m arsim.cli.docgen

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis .numba-cleared
	find sim -name '*.nbi' -delete -o -name '*.nbc' -delete
