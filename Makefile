# Thin wrappers around the commands in README.md. Every target is idempotent.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint serve translations clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	$(BIN)/qn-portal db upgrade
	$(BIN)/qn-portal seed-demo
	$(BIN)/qn-portal run --host $(HOST) --port $(PORT)

# The suite on every core (pytest-xdist); TEST_WORKERS=0 runs it in one process, e.g. to use a debugger.
TEST_WORKERS ?= auto
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

# Production-like: gunicorn through `qn-portal serve` (set QN_ENV=production and QN_SECRET_KEY first; see
# docs/deployment.md). WORKERS empty: 2 x cores + 1, at most 8.
serve: $(VENV)/.installed
	$(BIN)/qn-portal db upgrade
	$(BIN)/qn-portal serve --host $(HOST) --port $(PORT) $(if $(WORKERS),--workers $(WORKERS))

translations: $(VENV)/.installed-test
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --project=qn-portal -o qn_portal/translations/messages.pot .
	$(BIN)/pybabel update -i qn_portal/translations/messages.pot -d qn_portal/translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d qn_portal/translations

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
