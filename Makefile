# make run: chat with the bot in this terminal (or serve the configured channels).
# make test: ruff, mypy --strict and the whole pytest suite, on SQLite and on PostgreSQL
#            (scripts/test-postgres starts a throwaway server on 127.0.0.1, installing it
#            from the distribution's packages when missing).
# make test-sqlite: the same without PostgreSQL.
# make bench: every benchmark in bench/ (make bench ARGS=--quick: small loads, a few minutes).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-sqlite lint typecheck pytest pytest-postgres clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	@$(BIN)/concernbot keys init
	$(BIN)/concernbot run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

# The suite runs against PostgreSQL or not at all: a server that did not start, or a script
# that printed no URL, stops the target (an empty URL would run SQLite again and look green).
TEST_POSTGRES ?= scripts/test-postgres

pytest-postgres: $(STAMP)
	@url="$$($(TEST_POSTGRES))" || { echo "make: PostgreSQL did not start ($(TEST_POSTGRES) failed)" >&2; exit 1; }; \
	if [ -z "$$url" ]; then echo "make: $(TEST_POSTGRES) printed no URL; not running the suite" >&2; exit 1; fi; \
	echo "pytest against $$url"; \
	CONCERNBOT_TEST_POSTGRES_URL="$$url" $(BIN)/pytest

test: lint typecheck pytest pytest-postgres

test-sqlite: lint typecheck pytest

# make i18n: extract every N_("...") message into its package's catalog (bot/locale for bot/ and
#            dialogs/, adapters/<channel>/locale for a channel) and update the nl/en catalogs.
.PHONY: i18n
i18n: $(STAMP)
	$(BIN)/python -m bot.i18n_tools

clean:
	rm -rf $(VENV) .venv-synapse .mypy_cache .ruff_cache .pytest_cache

# make bench: run every benchmark and print its figures (ARGS=--quick for a short run,
# ARGS="turns fanout" for some of them); results land in bench/results/*.json.
.PHONY: bench
bench: $(STAMP)
	$(BIN)/python -m bench $(ARGS)
