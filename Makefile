# Everything a fresh machine needs: `make run` serves the seed timeline on
# 127.0.0.1:8000 (SQLite unless DATABASE_URL is set); `make test` lints and runs
# the whole suite. Both create the virtualenv and install pinned requirements.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint check install install-dev clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime-installed

install: $(VENV)/.runtime-installed
install-dev: $(VENV)/.dev-installed

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_seed
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(BIN)/python manage.py runserver 127.0.0.1:8000

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The project's own consistency checks: no model change without a migration, and
# an OpenAPI schema with no warning.
check: install-dev
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null

test: lint check
	$(BIN)/pytest

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# The benchmark (docs/performance.md): generates its databases on first use (1M events
# take minutes), needs PostgreSQL for the postgresql rows, and wrk for the HTTP figures.
bench: install-dev
	command -v wrk >/dev/null || (apt-get update -q && apt-get install -y -q wrk)
	$(BIN)/python bench/benchmark.py $(BENCH_ARGS)
