# Kakehashi — run `make help` for the list of targets.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help install run test e2e lint fmt messages compilemessages check-translations migrate seed clean

help: ## Show this list
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-16s %s\n", $$1, $$2}'

$(PY):
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install pinned requirements

compilemessages: $(STAMP) ## Compile translations (.po -> .mo) with Babel, no GNU gettext needed
	$(BIN)/pybabel compile --statistics -D django -d locale

messages: $(STAMP) ## Re-extract translatable strings into locale/ja (needs GNU gettext)
	$(PY) manage.py makemessages -l ja --no-location --no-obsolete -i '.venv/*' -i 'staticfiles/*'

check-translations: $(STAMP) ## Fail if the Japanese catalogue is stale or incomplete
	$(PY) scripts/check_translations.py

migrate: $(STAMP)
	mkdir -p var/mail
	$(PY) manage.py migrate --noinput

seed: migrate ## Load the demo data (idempotent)
	$(PY) manage.py seed_demo

run: compilemessages seed ## Install, migrate, seed and serve http://127.0.0.1:8000
	HOST=$(HOST) PORT=$(PORT) PY=$(PY) bash scripts/run.sh

test: compilemessages ## Install and run the whole test suite
	$(BIN)/pytest $(PYTEST_ARGS)

e2e: compilemessages ## Browser journeys only (Chromium + Playwright); screenshots in var/e2e-screenshots/
	$(BIN)/pytest tests/e2e $(PYTEST_ARGS)

lint: $(STAMP) ## ruff check and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(STAMP) ## Format and autofix with ruff
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean: ## Remove the virtual environment and local data
	rm -rf $(VENV) var staticfiles
