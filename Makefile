# ConvLens: `make run` and `make test` do all set-up on a fresh machine (Python 3.11+, make, git).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint syslibs bench soak fuzz model data clean screenshots

# The venv follows pyproject.toml: a clean clone (no .venv) or a changed pyproject.toml (re)installs it.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "ConvLens needs Python 3.11 or later: make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/convlens

# The system libraries Qt needs (one line naming the Debian/Ubuntu packages when one is missing).
syslibs: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m convlens.syslibs

lint: $(STAMP)
	$(VENV)/bin/ruff check convlens engine gui tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# Lint, type checks, the import contract, then the whole suite headless (slow tests included: the packaging test
# builds the wheel and installs it into a fresh venv).
test: $(STAMP) lint syslibs
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) bench/run_all.py

soak: $(STAMP)
	QT_QPA_PLATFORM=offscreen OPENBLAS_NUM_THREADS=1 $(PY) bench/soak.py

# Random events on every tab of the explorer (also while a training runs): 0 uncaught exceptions, flat memory.
fuzz: $(STAMP)
	QT_QPA_PLATFORM=offscreen OPENBLAS_NUM_THREADS=1 $(PY) bench/fuzz.py

# The screenshot matrix (explorer and kiosk, 3 sizes, English and German, dark and light, presenter on and off,
# scaled screens; every Learn step and the training results), each picture checked for clipped text, sideways
# scrolling in Learn and hidden filters: pictures, contact sheets and report.json in out/screenshots/matrix (not
# committed); the README's few pictures are copied into docs/screenshots. SCREENSHOTS_OPTS=--quick for the subset
# `make test` checks, or e.g. SCREENSHOTS_OPTS="--only kiosk-1366x768".
SCREENSHOTS_DIR ?= out/screenshots/matrix
screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m convlens.gui.screenshot_matrix $(SCREENSHOTS_DIR) --jobs 2 --docs docs/screenshots $(SCREENSHOTS_OPTS)

data: $(STAMP)
	$(VENV)/bin/convlens data fetch

# The conv kernels' block sizes follow the machine's caches and decide how sums are split: pinned here to the
# shipped model's (models/default.json training.block_sizes), so that the weights come out bit for bit.
# The other writers' digits are fetched first for the card's benchmarks (without them the card says why).
model: $(STAMP)
	-$(VENV)/bin/convlens data fetch --other-writers
	CONVLENS_CHUNK_BYTES=2M CONVLENS_SMALL_PRODUCT=512K $(VENV)/bin/convlens train --arch default --seed 0 --workers 1 --out models --name default

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
