# Kehu — two commands: `make demo` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DEMO_CUSTOMERS ?= 2000
KEHU_TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/kehu_test
export KEHU_TEST_DATABASE_URL

.PHONY: demo test install install-dev assets lint pytest pytest-sqlite pytest-postgres messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed assets messages
install-dev: $(VENV)/.installed-dev assets messages

# Front-end assets come from the npm registry at build time (pinned in package-lock.json).
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
assets: node_modules/.package-lock.json
	$(BIN)/python scripts/copy_assets.py

messages: | $(BIN)/python
	$(BIN)/python scripts/compile_messages.py

demo: install
	@mkdir -p var
	DEBUG=1 $(BIN)/kehu migrate --no-input
	DEBUG=1 $(BIN)/kehu demo-data --customers $(DEMO_CUSTOMERS) --seed 1
	DEBUG=1 $(BIN)/kehu collectstatic --no-input --verbosity 0
	@echo
	@echo "Demo logins (password for all: kehu-demo-2026):"
	@echo "  admin      administrator"
	@echo "  manager1   sales manager (East region)"
	@echo "  sales1     salesperson"
	@echo "  marketing1 marketer    |  service1 customer service  |  finance1 finance"
	@echo
	DEBUG=1 PORT=$(PORT) $(BIN)/kehu serve --with-worker --port $(PORT)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check --quiet .

pytest-sqlite: install-dev
	env -u DATABASE_URL -u KEHU_TEST_DATABASE_URL $(BIN)/pytest -q --create-db

pytest-postgres: install-dev
	@if $(BIN)/python scripts/pg_available.py "$(KEHU_TEST_DATABASE_URL)"; then \
		$(BIN)/pytest -q --create-db; \
	else \
		echo "PostgreSQL not reachable at $(KEHU_TEST_DATABASE_URL): skipping the PostgreSQL run."; \
	fi

test: lint pytest-sqlite pytest-postgres

clean:
	rm -rf $(VENV) node_modules var src/kehu/static/vendor
