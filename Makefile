# ConvLens: `make run` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench soak model data clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/convlens

lint: $(STAMP)
	$(VENV)/bin/ruff check convlens engine gui tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

test: $(STAMP) lint
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) bench/run_all.py

soak: $(STAMP)
	QT_QPA_PLATFORM=offscreen OPENBLAS_NUM_THREADS=1 $(PY) bench/soak.py

data: $(STAMP)
	$(VENV)/bin/convlens data fetch

model: $(STAMP)
	$(VENV)/bin/convlens train --arch default --seed 0 --workers 1 --out models --name default

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
