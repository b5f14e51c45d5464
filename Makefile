# Two commands for a newcomer on a fresh Debian machine:
#   make run    install what is missing, then open the app on http://localhost:8501
#   make test   install what is missing (chromium included), then run every test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8501
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install run solve test bench lint chromium clean docs

install: $(STAMP)

# Re-install only when the project's dependencies change (idempotent).
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,distributed,docs]'
	touch $(STAMP)

# ui.launch is `streamlit run app.py` with imports and the default page's caches warmed.
run: install
	$(BIN)/python -m ui.launch --server.port $(PORT) --server.headless true \
	  --browser.gatherUsageStats false

solve: install
	$(BIN)/decide solve inputs/baseline.toml

# Browser tests drive Debian's chromium (never a downloaded browser).
chromium:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y chromium chromium-driver; }

test: install chromium
	$(BIN)/python -m pytest -q

# The documentation site, offline, warnings as errors (mkdocs.yml; tests/test_docs.py
# builds it in `make test` too), with the notebooks run first and shown with their outputs. The two variables silence the MkDocs 2.0 banners that
# Material and properdocs print on stderr (not log warnings: strict mode ignores them).
docs: install
	$(BIN)/python -m tests.run_notebooks build/notebooks
	DECIDE_EXECUTED_NOTEBOOKS=build/notebooks NO_MKDOCS_2_WARNING=1 \
	  DISABLE_MKDOCS_2_WARNING=true $(BIN)/mkdocs build --strict --site-dir site

bench: install chromium
	$(BIN)/python bench/bench_optimize.py
	$(BIN)/python bench/bench_fast.py
	$(BIN)/python bench/bench_app.py
	$(BIN)/python bench/bench_analyses.py
	$(BIN)/python bench/bench_calibration.py
	$(BIN)/python bench/bench_browser.py

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build site *.egg-info tests/output
