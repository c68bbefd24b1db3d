# Herstelpad — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_WORKERS ?= auto
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test test-only install install-test assets chromium migrate demo bench messages ci clean help

help:
	@echo "make run    - install, migrate, load demo data and serve on http://$(HOST):$(PORT)"
	@echo "make test   - install and run the whole test suite (browser tests included)"
	@echo "make bench  - run the benchmarks under bench/ (figures go to docs/PERFORMANCE.md)"
	@echo "make ci     - what CI runs: the suite on SQLite, then on PostgreSQL"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Herstelpad needs Python 3.11"'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml constraints.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(VENV)/.installed node_modules/.installed
install-test: $(VENV)/.installed-test node_modules/.installed

# Browser tests drive Debian's Chromium; never a downloaded browser.
chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO=sudo; \
	  else echo "Chromium is missing: install Debian's 'chromium' package (apt-get install chromium)"; exit 1; fi; \
	  $$SUDO apt-get install -y -q chromium >/dev/null 2>&1 || \
	    { $$SUDO apt-get update -q >/dev/null && $$SUDO apt-get install -y -q chromium >/dev/null; }; \
	fi

migrate: install
	$(BIN)/herstelpad migrate

demo: migrate
	$(BIN)/herstelpad demo

run: demo
	@echo ""
	@echo "Herstelpad runs on http://$(HOST):$(PORT)/ — log in with one of the demo accounts above."
	@echo "Background tasks run in a worker next to the server. Stop both with Ctrl+C."
	@$(BIN)/herstelpad db_worker --no-startup-delay >var/worker.log 2>&1 & \
	  worker=$$!; trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	  $(BIN)/herstelpad runserver $(HOST):$(PORT)

test: install-test chromium test-only

test-only:
	$(BIN)/pytest -n $(PYTEST_WORKERS) -p no:cacheprovider

bench: install-test
	$(BIN)/python -m bench

messages: install
	cd src/herstelpad && ../../$(BIN)/django-admin makemessages -l en --settings=herstelpad.settings --ignore "data/*" && \
	  ../../$(BIN)/django-admin compilemessages -l en --settings=herstelpad.settings

ci:
	.ci/run

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .hypothesis
