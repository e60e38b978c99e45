# CX Scorecard — `make run` serves the app with demo data; `make test` runs the tests, `make lint` checks the code.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8050
# pytest-xdist workers: one per CPU; `make test PYTEST_WORKERS=0` runs in one process.
PYTEST_WORKERS ?= auto
export FLASK_APP := scorecard
# Python may keep what it compiles (and pytest the test modules it rewrites): with PYTHONDONTWRITEBYTECODE
# set, as some machines have it, every test process and every server a test starts compiles them again
# (collecting the suite: 13 s each time against 5.6 s, measured).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test lint bench load install clean

# uv installs what pip would, in a fifth of the time (measured on a clean venv: 38 s -> 7 s); pip itself
# when uv cannot be had or cannot reach its index.
$(BIN)/scorecard: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv && $(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -e ".[test]" \
		|| $(BIN)/pip install --quiet -e ".[test]"
	touch $@

install: $(BIN)/scorecard

# `make run PORT=8060 HOST=0.0.0.0` serves elsewhere; the briefings, reminders and the demo's outbox then link to
# that address (SCORECARD_BASE_URL, 127.0.0.1 for a host that means every address), not to the default port's:
# unless SCORECARD_BASE_URL is set already, in the environment or in .env (which Flask reads).
ifeq ($(origin SCORECARD_BASE_URL),undefined)
ifeq ($(shell grep -sE '^[[:space:]]*(export[[:space:]]+)?SCORECARD_BASE_URL[[:space:]]*=' .env),)
run: export SCORECARD_BASE_URL = http://$(if $(filter 0.0.0.0 ::,$(HOST)),127.0.0.1,$(HOST)):$(PORT)
endif
endif
run: install
	SCORECARD_ENV=development $(BIN)/scorecard db upgrade
	SCORECARD_ENV=development $(BIN)/scorecard demo
	@echo "Serving on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	SCORECARD_ENV=development $(BIN)/scorecard run --host $(HOST) --port $(PORT)

# --dist loadfile: a module's tests run on one worker, so a server or browser its module-scoped fixtures
# start (browser tests, the live server) starts once. (loadgroup would balance better, but pytest 9.2
# changed node ids and pytest-xdist 3.8's loadgroup then silently stops grouping.) Modules go out in the
# order tests/conftest.py sorts them, longest first (--no-loadscope-reorder).
test: install
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python bench/import_bench.py
	$(BIN)/python bench/rules_bench.py
	$(BIN)/python bench/dashboard_bench.py

# Locust against two servers, a worker, PostgreSQL (LOAD_DATABASE_URL) and Redis: bench/load.py.
load: install
	$(BIN)/uv pip install --quiet --python $(BIN)/python "locust>=2.30" || $(BIN)/pip install --quiet "locust>=2.30"
	$(BIN)/python bench/load.py

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis
