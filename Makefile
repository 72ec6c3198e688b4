# Two commands for a new machine with Python 3.11+ and make: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test screenshots install messages lint format migrations-check ci-test clean help

help:
	@echo "make run    set up everything, load the demo and start web, worker and beat"
	@echo "make test   set up what the tests need and run the whole suite"
	@echo "make lint   ruff and the import contract"
	@echo "make screenshots  run the README walkthrough in a browser and write its images to docs/walkthrough/"

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; found " + sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing the pinned Python packages into $(VENV) (the first time takes a few minutes)"
	$(BIN)/python -m pip install --disable-pip-version-check --progress-bar on -r requirements-dev.txt
	@touch $@

install: $(STAMP)

messages: $(STAMP)
	@$(BIN)/python scripts/compile_messages.py

run: install messages
	@$(BIN)/python scripts/run_dev.py

# axe-core (npm) for the accessibility audit of the respondent pages; without npm the audit
# fails in CI and is skipped elsewhere (tests/responses/test_browser_respondent.py).
AXE_VERSION := 4.14.1
AXE := var/axe/package/axe.min.js
$(AXE):
	@mkdir -p var/axe
	@if command -v npm >/dev/null 2>&1; then \
		cd var/axe && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null && tar xzf axe-core-$(AXE_VERSION).tgz package/axe.min.js; \
	else echo "npm not found: axe-core not fetched"; fi

test: install messages $(AXE)
	@mkdir -p var
	@$(BIN)/python scripts/check_browser.py
	$(BIN)/python -m pytest --ds=config.settings.test $(PYTEST_ARGS)

# The README's walkthrough images: the browser test of the walkthrough writes them into
# docs/walkthrough/. CI=true makes a missing Chromium fail instead of skipping, so old images are
# never kept without a word.
screenshots: install messages
	@mkdir -p var
	@$(BIN)/python scripts/check_browser.py
	CI=true WALKTHROUGH_SCREENSHOTS=docs/walkthrough $(BIN)/python -m pytest --ds=config.settings.test -p no:cacheprovider -q tests/test_browser_walkthrough.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var staticfiles db.sqlite3 test-artifacts
