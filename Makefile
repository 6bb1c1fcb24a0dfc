# PARAYOK: the two commands are `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
MARKET ?=
STAMP := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: run test test-deps proto lint bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEVSTAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: $(STAMP)
	$(if $(MARKET),PARAYOK_MARKET=$(MARKET)) $(BIN)/python -m parayok up

# Test tools from outside PyPI: headless Chromium (Debian) and the Node clients (npm lockfile).
NODE_DEPS := tests/web/node/node_modules/.installed tests/e2e/node/node_modules/.installed

tests/%/node/node_modules/.installed: tests/%/node/package-lock.json
	cd tests/$*/node && npm ci --no-audit --no-fund --silent
	touch $@

test-deps: $(DEVSTAMP) $(NODE_DEPS)
	sh tests/web/install_browser.sh

test: test-deps
	$(BIN)/python -m pytest -n auto --dist loadfile -q

proto: $(STAMP)
	$(BIN)/python -m parayok.protogen

lint: $(DEVSTAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy parayok candle_service analysis_service order_service broker_service notify_service web_bridge exchange_sim

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV)
