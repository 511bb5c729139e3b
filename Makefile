# ContactCare — every command a developer or CI needs. `make help` lists them.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
# Development defaults; production sets its own environment (see .env.example).
DEV_ENV := DEBUG=1

.DEFAULT_GOAL := help
.PHONY: help install install-dev setup run stack test lint format messages bench bench-small clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit("ContactCare needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.runtime

install: $(VENV)/.runtime ## Create the virtualenv and install the runtime packages

install-dev: $(VENV)/.dev ## Install runtime, test and lint packages

setup: install ## Migrate (SQLite by default), compile translations, load demo data
	$(DEV_ENV) $(PY) manage.py migrate --no-input
	$(DEV_ENV) $(PY) manage.py compilemessages_if_possible
	$(DEV_ENV) $(PY) manage.py seed_demo

run: setup ## Set up and start ContactCare at http://127.0.0.1:8000 (PORT=8123 for another port; e-mail links follow)
	@echo ""
	@echo "  ContactCare: http://127.0.0.1:$(PORT)   (log in with a demo login above; Ctrl+C stops)"
	@echo ""
	$(DEV_ENV) PORT=$(PORT) SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)} $(VENV)/bin/honcho start -f Procfile.dev

# The full stack without Docker (Procfile.stack): gunicorn, daphne for the screen-pop, a Celery worker and
# Celery beat against the PostgreSQL and Redis in DATABASE_URL and CELERY_BROKER_URL.
# The screen-pop (push: daphne on PUSH_PORT) shares the broker's Redis unless CHANNEL_LAYER_URL says otherwise
# (its keys have their own prefix); without a proxy in front, browsers open its port directly (PUSH_URL).
PUSH_PORT ?= 8001
STACK_ENV = DEBUG=0 ALLOWED_HOSTS=$${ALLOWED_HOSTS:-127.0.0.1,localhost} SECURE_HTTPS=$${SECURE_HTTPS:-0} \
	PUSH_PORT=$(PUSH_PORT) CHANNEL_LAYER_URL=$${CHANNEL_LAYER_URL:-$$CELERY_BROKER_URL} \
	PUSH_URL=$${PUSH_URL-ws://127.0.0.1:$(PUSH_PORT)/ws/calls/}

stack: install ## Production-like: gunicorn + push (daphne) + worker + beat on PostgreSQL and Redis (needs DATABASE_URL, CELERY_BROKER_URL, SECRET_KEY)
	@test -n "$$DATABASE_URL" && test -n "$$CELERY_BROKER_URL" && test -n "$$SECRET_KEY" || \
	  { echo "make stack needs DATABASE_URL (PostgreSQL), CELERY_BROKER_URL (Redis) and SECRET_KEY"; exit 1; }
	$(STACK_ENV) $(PY) manage.py migrate --no-input
	$(STACK_ENV) $(PY) manage.py collectstatic --no-input
	@echo ""
	@echo "  ContactCare (full stack): http://127.0.0.1:$(PORT)   (Ctrl+C stops)"
	@echo ""
	$(STACK_ENV) $(VENV)/bin/honcho start -f Procfile.stack -p $(PORT)

# pytest-xdist: one process per core, at most four (each has its own test database and Redis databases).
# TEST_WORKERS=0 runs in this process (a debugger, -x on the first failure in order).
TEST_WORKERS ?= auto
test: install-dev ## Run the whole test suite (SQLite; PostgreSQL when DATABASE_URL points there)
	$(DEV_ENV) $(PY) -m pytest -n $(TEST_WORKERS) --maxprocesses=4 $(ARGS)

lint: install-dev ## Ruff (lint + format check), djLint, missing migrations
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djlint templates --lint
	$(DEV_ENV) DATABASE_URL=sqlite:///:memory: $(PY) manage.py makemigrations --check --dry-run  # models only: no server needed

format: install-dev ## Apply ruff's formatting and fixes
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

messages: install ## Extract translatable strings into locale/nl and compile them
	$(DEV_ENV) $(PY) manage.py makemessages -l nl --no-obsolete --no-location -i ".venv/*" -i "static/*" -i "staticfiles/*" -i "tests/*"
	$(DEV_ENV) $(PY) manage.py compilemessages -l nl -i .venv

# The whole product at a million customers (bench/run.py): builds the dataset in its own database
# when it is missing or stale, then times every page, export and sweep over HTTP. SCALE=0.01 for a quick run.
SCALE ?= 1
BENCH_DB ?=
bench: install ## Time every page, export and sweep at a million customers on the local PostgreSQL (SCALE=0.01: quick)
	$(PY) bench/run.py --scale $(SCALE) $(if $(BENCH_DB),--db $(BENCH_DB)) $(ARGS)

bench-small: install ## The same at 1 % of the size, in database cc_bench_small (a minute or two)
	$(PY) bench/run.py --scale 0.01 $(ARGS)

clean: ## Remove the virtualenv, the SQLite database and runtime files
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* var staticfiles
