# Two commands on a fresh clone: `make train` and `make test`. Both create .venv and install the project first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
CONFIG ?= configs/topic/demo.yaml
OFFLINE := HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1

.PHONY: install train test test-all lint ui clean bench-sweeps ui-screenshots

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

train: $(STAMP)
	$(OFFLINE) $(BIN)/secnews train $(CONFIG)

test: $(STAMP)
	$(OFFLINE) $(BIN)/python -m pytest -q $(PYTEST_ARGS)

test-all: $(STAMP)
	SECNEWS_SLOW=1 $(OFFLINE) $(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

ui: $(STAMP)
	$(BIN)/secnews ui

# Sweep speed on 20 Newsgroups ($$SECNEWS_DATA): --jobs 2 vs 1 and warm vs cold feature cache → bench/results/sweeps.*
bench-sweeps: $(STAMP)
	$(OFFLINE) $(BIN)/python bench/sweep_speed.py

# Screenshots of the MLflow UI showing a demo sweep (docs/*.png): Debian's chromium driven by Playwright.
ui-screenshots: $(STAMP)
	@test -x /usr/bin/chromium || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium)
	$(BIN)/python -m pip install --quiet -e '.[screenshots]'
	$(OFFLINE) $(BIN)/python docs/ui_screenshots.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
