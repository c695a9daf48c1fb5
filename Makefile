# CarbonWatch: `make run` serves the app, `make test` runs the tests (`make test-all` with the slow
# ones), `make e2e` the browser journeys, `make bench` the benchmarks. All create .venv and install
# the exact pins on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
DB     ?= data/carbonwatch.duckdb
PORT   ?= 8501
SCALE  ?= 1
# Debian's Chromium, driven by Playwright through executable_path (never `playwright install`).
CHROMIUM ?= /usr/bin/chromium
export CARBONWATCH_CHROMIUM := $(CHROMIUM)
BENCH_DIR ?= tests/bench/artifacts

.PHONY: run test test-all e2e bench chromium deck-render demo venv clean-db

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "CarbonWatch needs Python 3.11 or newer; set PYTHON=python3.11")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

$(DB): | $(VENV)/.installed
	$(PY) -m core.cli demo --scale $(SCALE) --db $(DB)

demo: $(VENV)/.installed
	$(PY) -m core.cli demo --scale $(SCALE) --db $(DB)

run: $(VENV)/.installed $(DB)
	CARBONWATCH_DB=$(DB) $(PY) -m streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT)

# Unit, AppTest and browser tests. The journeys run when Chromium is present and are skipped with
# the reason otherwise; under CI (CI set) Chromium is installed first so that they always run.
# Tests marked slow (national scale, the bench command: minutes each) run only under CI and in
# `make test-all`; `make test` without CI leaves them out (-m "not slow").
PYTEST := $(PY) -m pytest -q -rs -n 2 --dist loadgroup
NOT_SLOW := $(if $(CI),,-m "not slow")

test: $(VENV)/.installed
	@if [ -n "$$CI" ]; then $(MAKE) --no-print-directory chromium; fi
	CARBONWATCH_E2E=$${CI:+require} $(PYTEST) $(NOT_SLOW) tests

# Everything, as CI runs it: the slow tests too, and the journeys must run (Chromium installed first).
test-all: $(VENV)/.installed chromium
	CARBONWATCH_E2E=require $(PYTEST) tests

# Browser journeys only; they must run (Chromium is installed with apt when missing). The deck is
# also rendered with LibreOffice when it is present or apt can install it (optional: skipped, with
# the reason, otherwise). Screenshots and slide images: tests/e2e/artifacts/.
e2e: $(VENV)/.installed chromium deck-render
	CARBONWATCH_E2E=require $(PY) -m pytest -q -rs tests/e2e

# Benchmarks at 1x and 10x national scale: a table on stdout and $(BENCH_DIR)/bench-scale*.json.
# Demo databases are built once per scale and seed in $(BENCH_DIR) and reused.
bench: $(VENV)/.installed
	@$(MAKE) --no-print-directory chromium || echo "make bench: no Chromium, the browser parts are skipped"
	$(PY) -m tests.bench.harness --scale 1 --dir $(BENCH_DIR) --json $(BENCH_DIR)/bench-scale1.json
	$(PY) -m tests.bench.harness --scale 10 --dir $(BENCH_DIR) --json $(BENCH_DIR)/bench-scale10.json

# Installs Debian's chromium and fonts-noto-cjk with apt-get when missing (needs root), else says why not.
chromium:
	@sh tests/e2e/install_chromium.sh $(CHROMIUM)

deck-render:
	@command -v soffice >/dev/null && command -v pdftoppm >/dev/null || \
	  (apt-get install -y --no-install-recommends libreoffice-impress poppler-utils >/dev/null 2>&1 || \
	   echo "make e2e: LibreOffice not installed (needs root and apt); the deck render test is skipped")

clean-db:
	rm -f $(DB) $(DB).wal
