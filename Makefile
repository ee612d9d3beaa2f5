# Two commands for a newcomer: `make run` and `make test`. Both create .venv
# and install the project (with its test extras) on first use.
# `make test` runs everything: ruff, mypy, the import contracts and all tests
# (the browser tests when Debian's Chromium is at /usr/bin/chromium; it says
# when they are skipped).
# `make test-fast` is the loop while developing (about a minute): ruff and the
# tests not marked slow (no Pilot tests, snapshots, loopback servers,
# fuzz, stateful or crash tests), stopping at the first failure.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ARGS ?=

.PHONY: run test test-fast lint bench server clean snapshots

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --upgrade pip
	@$(BIN)/python -m pip install -q -e '.[test]'
	@touch $(STAMP)

run: $(STAMP)
	@$(BIN)/zhumeng-tui $(ARGS)

server: $(STAMP)
	@$(BIN)/zhumeng-server --demo $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check zhumeng_tui zhumeng_server tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

CHROMIUM := /usr/bin/chromium

test: lint
	@if [ -x $(CHROMIUM) ]; then echo "browser tests (tests/web): run with $(CHROMIUM)"; \
	else echo "browser tests (tests/web): SKIPPED, no Chromium at $(CHROMIUM) (Debian: apt-get install chromium fonts-noto-cjk; .ci/run installs them)"; fi
	$(BIN)/python -m pytest $(ARGS)

test-fast: $(STAMP)
	$(BIN)/ruff check zhumeng_tui zhumeng_server tests bench
	$(BIN)/python -m pytest -m "not slow" -x $(ARGS)

snapshots: $(STAMP)
	$(BIN)/python -m pytest tests/app tests/tracking/test_snapshots.py tests/sheets/test_snapshots.py tests/graduates/test_snapshots.py tests/graduates/test_posts_snapshots.py --snapshot-update $(ARGS)

bench: $(STAMP)
	@$(BIN)/python -m bench $(ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache
