# CarbonWatch: `make run` serves the app, `make test` runs the tests.
# Both create .venv and install the exact pins on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
DB     ?= data/carbonwatch.duckdb
PORT   ?= 8501
SCALE  ?= 1

.PHONY: run test demo venv clean-db

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

test: $(VENV)/.installed
	$(PY) -m pytest -q -n 2 tests

clean-db:
	rm -f $(DB) $(DB).wal
