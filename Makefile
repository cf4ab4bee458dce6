# corsway developer commands. Everything runs from a local virtualenv (.venv) that the
# targets create and keep in sync with pyproject.toml; only Python, pip and make are needed.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.corsway-installed

.PHONY: test lint typecheck pytest pytest-pythons bench setup browser clean serve examples

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

# Debian's chromium for the browser tests (installed when missing and apt-get is usable).
browser:
	@bash scripts/ensure-chromium.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy src tests $(wildcard benchmarks/*.py)

pytest: $(STAMP) browser examples
	$(BIN)/pytest

# tests/engine and tests/adapters on Python 3.10-3.13 (venvs .venv-pyX.Y; missing ones are
# skipped and listed, or fail with CORSWAY_REQUIRE_PYTHONS=1).
pytest-pythons:
	@bash scripts/test-pythons.sh

test: lint typecheck pytest-pythons pytest

bench: $(STAMP)
	@for script in benchmarks/*.py; do \
		echo "== $$script"; $(BIN)/python $$script || exit $$?; \
	done

# What the seed examples import: middy 0.x (npm ci, from the committed package-lock.json) and
# lambda-decorators (installed next to handler.py, where a deployed zip has it). Without npm the
# Middy example is left out (its tests skip).
MIDDY := examples/seed-node/middy
SEED_PYTHON := examples/seed-python

examples: $(MIDDY)/node_modules/.package-lock.json $(SEED_PYTHON)/lambda_decorators.py

$(MIDDY)/node_modules/.package-lock.json: $(MIDDY)/package-lock.json $(MIDDY)/package.json
	@if command -v npm >/dev/null 2>&1; then \
		cd $(MIDDY) && npm ci --prefer-offline --no-audit --no-fund --loglevel=error && touch node_modules/.package-lock.json; \
	else echo "npm not found: $(MIDDY) is not installed (its tests are skipped)"; fi

$(SEED_PYTHON)/lambda_decorators.py: $(SEED_PYTHON)/requirements.txt $(STAMP)
	$(BIN)/python -m pip install --quiet --no-deps --upgrade --target $(SEED_PYTHON) -r $(SEED_PYTHON)/requirements.txt
	@touch $@

# A service on http://127.0.0.1:3000/dev, as API Gateway would serve it (Ctrl-C stops);
# SERVICE=examples/http-api-service (or any service directory) serves another one; a service's
# jwks.json verifies its JWT authorizers' token signatures.
SERVICE ?= examples/products-service
serve: $(STAMP) examples
	$(BIN)/corsway serve $(SERVICE) --host 127.0.0.1 --port 3000 \
		$(if $(wildcard $(SERVICE)/jwks.json),--jwks $(SERVICE)/jwks.json)

clean:
	rm -rf $(VENV) .venv-py3.* .mypy_cache .ruff_cache .pytest_cache build src/*.egg-info
