# Two commands for a new machine with Python 3.11+ and make: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export DJANGO_SETTINGS_MODULE ?= config.settings.local

.PHONY: run test install messages lint format migrations-check ci-test clean help

help:
	@echo "make run    set up everything, load the demo and start web, worker and beat"
	@echo "make test   set up what the tests need and run the whole suite"
	@echo "make lint   ruff and the import contract"

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; found " + sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

install: $(STAMP)

messages: $(STAMP)
	@$(BIN)/python scripts/compile_messages.py

run: install messages
	@$(BIN)/python scripts/run_dev.py

test: install messages
	@mkdir -p var
	@$(BIN)/python scripts/check_browser.py
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var staticfiles db.sqlite3 test-artifacts
