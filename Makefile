# Two commands on a fresh clone: `make train` and `make test`. Both create .venv and install the project first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
CONFIG ?= configs/topic/demo.yaml
OFFLINE := HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1

.PHONY: install train test test-all lint ui clean bench-transfer bench-scale bench bench-report bench-overhead \
        bench-20ng bench-reuters bench-acled bench-india-police bench-fnc1 bench-sweeps ui-screenshots

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

# Transfer check: train the default demo config, score tests/data/transfer_headlines.csv -> bench/results/transfer.json
bench-transfer: $(STAMP)
	$(OFFLINE) $(BIN)/python bench/transfer.py --label $(or $(LABEL),after)

lint: $(STAMP)
	$(BIN)/ruff check .

# Streaming at N = 100k, 300k, 1M synthetic documents vs in-memory, scikit-learn and Vowpal Wabbit (shards in
# $(SCALE_SCRATCH), never in the repo); results in bench/results/scale.{json,md}.
SCALE_SCRATCH ?= /tmp/secnews-scale
SCALE_SIZES ?= 100000 300000 1000000
bench-scale: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(OFFLINE) $(BIN)/python bench/scale.py --sizes $(SCALE_SIZES) --scratch $(SCALE_SCRATCH)

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

# Benchmarks on the public datasets in $$SECNEWS_DATA (default ../shared/data): results in bench/results/*.json,
# summary in BENCHMARKS.md. `make bench` runs everything (~20-30 min on 2 cores); one target per dataset too.
BENCH := $(OFFLINE) MLFLOW_DISABLE_TELEMETRY=true $(BIN)/python

bench: $(STAMP)
	$(BENCH) bench/run.py all
	$(BENCH) bench/overhead.py --repeat 3
	$(BENCH) bench/report.py

bench-report: $(STAMP)
	$(BENCH) bench/report.py

bench-overhead: $(STAMP)
	$(BENCH) bench/overhead.py --repeat 3
	$(BENCH) bench/report.py

bench-20ng bench-reuters bench-acled bench-fnc1: bench-%: $(STAMP)
	$(BENCH) bench/run.py $*
	$(BENCH) bench/report.py

bench-india-police: $(STAMP)
	$(BENCH) bench/run.py india_police
	$(BENCH) bench/report.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
