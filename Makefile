# Two commands on a fresh machine: `make demo` and `make test`. Both build the environment first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export TRUSTDESK_DEBUG ?= true

# The current second-factor code of a demo staff login: `make otp user=admin`.
otp: $(STAMP)
	$(BIN)/trustdesk demo_otp $(user)

.PHONY: otp demo test test-postgres lint typecheck check messages clean bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Babel compiles in pure Python, so no gettext is needed here. Fuzzy entries are msgmerge's guesses
# and are never shipped; no pipe after pybabel, so a broken catalogue stops the build.
messages: $(STAMP)
	$(BIN)/pybabel compile -d trustdesk/locale -D django --statistics

demo: $(STAMP) messages
	$(BIN)/trustdesk demo

test: $(STAMP) messages
	TRUSTDESK_TESTING=true $(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

test-postgres: $(STAMP) messages
	TRUSTDESK_TESTING=true DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/trustdesk} \
		$(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	TRUSTDESK_TESTING=true $(BIN)/mypy

check: lint typecheck test

clean:
	rm -rf $(VENV) var
