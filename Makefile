# PARAYOK: the two commands are `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
MARKET ?=
STAMP := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: run test proto lint bench clean

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

test: $(DEVSTAMP)
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
