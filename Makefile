# Thin wrappers around the commands in README.md. Every target is idempotent.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint serve translations clean bench bench-d2

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

# The benchmark suite of issue 11 (bench/, never collected by pytest): about 15 minutes, 10 of them the soak.
# Needs wrk (apt-get install wrk) and PostgreSQL on 127.0.0.1:5432 (trust auth). Shorter trials:
# make bench BENCH_ARGS="--soak 60 --skip-pg". Results: bench/results/latest.{json,md}, quoted in bench/RESULTS.md.
# D2 (the search index x 100) takes more than ten minutes to build here: make bench builds D1 x 10 within its
# budget; make bench-d2 builds the real D2 alone and times every search on it.
bench: $(VENV)/.installed-test
	$(BIN)/python -m bench.run --d2-factor 10 $(BENCH_ARGS)

bench-d2: $(VENV)/.installed-test
	$(BIN)/python -m bench.run --only-pg --d2-factor 100 $(BENCH_ARGS)

translations: $(VENV)/.installed-test
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --project=qn-portal -o qn_portal/translations/messages.pot .
	$(BIN)/pybabel update -i qn_portal/translations/messages.pot -d qn_portal/translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d qn_portal/translations

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
