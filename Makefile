# Two commands for a newcomer on a fresh Debian machine:
#   make run    install what is missing, then run the tool on the bundled baseline
#   make test   install what is missing, then run every test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test bench lint clean

install: $(STAMP)

# Re-install only when the project's dependencies change (idempotent).
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: install
	$(BIN)/decide solve inputs/baseline.toml

test: install
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python bench/bench_optimize.py
	$(BIN)/python bench/bench_fast.py

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
