# corsway developer commands. Everything runs from a local virtualenv (.venv) that the
# targets create and keep in sync with pyproject.toml; only Python, pip and make are needed.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.corsway-installed

.PHONY: test lint typecheck pytest bench setup browser clean serve

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

pytest: $(STAMP) browser
	$(BIN)/pytest

test: lint typecheck pytest

bench: $(STAMP)
	@for script in benchmarks/*.py; do \
		echo "== $$script"; $(BIN)/python $$script || exit $$?; \
	done

# The example service on http://127.0.0.1:3000/dev, as API Gateway would serve it (Ctrl-C stops).
serve: $(STAMP)
	$(BIN)/corsway serve examples/products-service --host 127.0.0.1 --port 3000

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build src/*.egg-info
