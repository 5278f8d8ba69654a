# Two commands do everything on a fresh machine with Python 3.11+: `make run` and `make test`.
# Each creates .venv itself and is safe to run again.

PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
VENV ?= .venv
BIN := $(VENV)/bin
EXTRAS ?= dev
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_EMAIL ?= demo@recruitdesk.local
DEMO_PASSWORD ?= recruitdesk-demo
# The demo's Lever: the built-in sandbox (rate limited like Lever: 10 requests/s).
SANDBOX_PORT ?= 8765
SANDBOX_OPPORTUNITIES ?= 600
SANDBOX_API_KEY ?= recruitdesk-demo-sandbox-key
# Run the suite on every core; override with PYTEST_WORKERS=0 to debug in one process.
PYTEST_WORKERS ?= auto

.PHONY: help venv setup run web worker test lint fmt check clean e2e-deps bench-deps

help:
	@echo "make run    set up .venv, migrate, create the demo workspace, serve web + worker"
	@echo "make test   set up .venv and run the test suite (SQLite, or DATABASE_URL)"
	@echo "make lint   ruff check + format check;  make fmt  apply ruff fixes and formatting"
	@echo "make check  Django system checks and the migrations check"

# The stamp is rebuilt when pyproject.toml changes, so `make` reinstalls only when needed.
$(BIN)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is required (python3.11 on PATH)."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	@touch $@

venv: $(BIN)/.installed

# Local settings for development (DEBUG on); an existing .env is never overwritten.
.env:
	cp .env.example .env

setup: venv .env
	@mkdir -p .cache
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py ensure_schedules

# The Lever sandbox and the worker run beside the web server. On exit each gets SIGTERM by PID only
# (a process-group TERM makes qcluster hang: django-q2 issue #346, see DEPENDENCIES.md §2), the
# worker first so its running sync stops cleanly instead of retrying a sandbox that is gone.
run: setup
	@$(BIN)/python manage.py lever_sandbox --port $(SANDBOX_PORT) --opportunities $(SANDBOX_OPPORTUNITIES) \
		--api-key $(SANDBOX_API_KEY) > .cache/lever_sandbox.log 2>&1 & SPID=$$!; \
	$(BIN)/python manage.py qcluster & QPID=$$!; \
	trap 'kill -TERM $$QPID 2>/dev/null; wait $$QPID 2>/dev/null; kill -TERM $$SPID 2>/dev/null; wait $$SPID 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py demo_setup --email "$(DEMO_EMAIL)" --password "$(DEMO_PASSWORD)" \
		--sandbox-url http://127.0.0.1:$(SANDBOX_PORT) --sandbox-api-key $(SANDBOX_API_KEY) || exit 1; \
	echo "Recruitdesk on http://$(HOST):$(PORT)/  (Ctrl-C stops web, worker and the Lever sandbox)"; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

web: setup
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

worker: venv
	$(BIN)/python manage.py qcluster

test: venv
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: venv .env
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

# Browser tests drive Debian's chromium (Playwright's own download is not reachable here); they
# are skipped when it is missing. Installing it needs root: CI runs this before `make test`.
e2e-deps:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
	@command -v chromium

clean:
	rm -rf $(VENV) .cache staticfiles

# Benchmarks that need more than the dev extras (locust for bench/web_load.py).
bench-deps: venv
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
