# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
SCENARIO ?= scenarios/default.yaml

.PHONY: run test lint bench docs clean

$(BIN)/arsim: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(BIN)/arsim

run: $(BIN)/arsim
	$(BIN)/arsim run $(SCENARIO)

test: $(BIN)/arsim
	$(BIN)/python -m pytest -q -p no:cacheprovider
	$(BIN)/ruff check .
	bash .ci/typecheck

bench: $(BIN)/arsim
	$(BIN)/python benchmarks/bench_engine.py

docs: $(BIN)/arsim
	$(BIN)/python -m arsim.cli.docgen

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
