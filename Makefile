# LOV-portalen. Two commands: `make run` and `make test`. Needs only Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
MANAGE := $(PY) manage.py
PYTEST_WORKERS ?= 2

.PHONY: bench run test install translations migrate seed lint format check-migrations \
	browser-deps pytest check-deploy worker beat clean help

help:
	@echo "make run           virtualenv, dependencies, migrations, demo data, server on :8000"
	@echo "make test          everything the tests need, then lint and the whole suite"
	@echo "make check-deploy  Django's deployment checks with production settings"
	@echo "make worker|beat   a Celery worker / beat (needs REDIS_URL)"
	@echo "make bench         benchmarks on PostgreSQL (see bench/), e.g. the catalogue list"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

translations: install
	$(PY) scripts/compile_translations.py

migrate: install
	$(MANAGE) migrate --noinput

seed: migrate
	$(MANAGE) seed_demo

run: translations seed
	@echo "LOV-portalen: http://127.0.0.1:8000  (demo logins: see README.md)"
	$(MANAGE) runserver 127.0.0.1:8000

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djlint templates --lint
	$(VENV)/bin/djlint templates --check

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	$(VENV)/bin/djlint templates --reformat

check-migrations: install
	$(MANAGE) makemigrations --check --dry-run

# Browser tests drive Debian's Chromium; install it when missing and apt is usable.
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null; \
	  else echo "WARNING: /usr/bin/chromium missing and apt unusable: browser tests will be skipped"; fi; \
	fi

pytest: install translations
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

test: install translations lint check-migrations browser-deps pytest

check-deploy: install
	DJANGO_SETTINGS_MODULE=lov_portal.settings.production \
	SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	ALLOWED_HOSTS=lov-portalen.example.se \
	$(MANAGE) check --deploy --fail-level WARNING

worker: install
	$(VENV)/bin/celery -A lov_portal worker --loglevel=INFO --prefetch-multiplier=1

beat: install
	$(VENV)/bin/celery -A lov_portal beat --loglevel=INFO

clean:
	rm -rf $(VENV) var db.sqlite3 .pytest_cache
	find . -name '*.mo' -path '*/locale/*' -delete

# Benchmarks on PostgreSQL (BENCH_DATABASE_URL, default a database lov_portal_bench on
# 127.0.0.1; the invoice run's BENCH_INVOICE_DATABASE_URL, default lov_portal_bench_invoice,
# and its Celery workers on BENCH_REDIS_URL, default redis://127.0.0.1:6379/14):
# each prints its figures and a `name: ratio` line. See bench/README.md.
bench: install translations
	$(PY) -m bench.catalog
	$(PY) -m bench.invoice_run
