# hingecheck — set up and run on a fresh machine.
#   make demo    set up, then analyse a generated demo clip (no external services)
#   make test    set up, then run the tests
#
# Two environments:
#   .venv         the runtime: hingecheck on OpenVINO, numpy, OpenCV (headless), PyAV. No
#                 torch, no ultralytics. `make test` adds the dev tools to it.
#   .venv-export  install-time only: torch + ultralytics export the .pt weights to
#                 OpenVINO once; the parity test and the speed baseline also run there.
VENV    ?= .venv
EXPORT_VENV ?= .venv-export
PY      := $(VENV)/bin/python
PIP     := $(PY) -m pip
EXPORT_PY := $(EXPORT_VENV)/bin/python
STAMP   := $(VENV)/.hingecheck-installed
DEV_STAMP := $(VENV)/.hingecheck-dev
EXPORT_STAMP := $(EXPORT_VENV)/.hingecheck-export
MODEL_STAMP := $(VENV)/.hingecheck-model
export HINGECHECK_EXPORT_PYTHON ?= $(abspath $(EXPORT_PY))

.PHONY: install dev model demo test lint bench clean browser

install: $(STAMP) $(MODEL_STAMP)

# The runtime; reused while pyproject.toml is unchanged.
$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	$(PIP) check
	@! $(PY) -c "import torch" 2>/dev/null || { echo "torch must not be in $(VENV)"; exit 1; }
	$(PY) -c "import cv2, av, openvino; print('cv2', cv2.__version__, '| av', av.__version__, '| openvino', openvino.__version__)"
	touch $@

$(DEV_STAMP): $(STAMP)
	$(PIP) install --quiet -e '.[dev]'
	$(PIP) check
	touch $@

# The export environment, with the runtime's own openvino version.
$(EXPORT_STAMP): deploy/export-requirements.txt $(STAMP)
	test -x $(EXPORT_PY) || python3 -m venv $(EXPORT_VENV)
	$(EXPORT_PY) -m pip install --quiet --upgrade pip
	$(EXPORT_PY) -m pip install --quiet -r deploy/export-requirements.txt \
	  "openvino==$$($(PY) -c 'import importlib.metadata as m; print(m.version("openvino"))')"
	touch $@

# Weights (f32, and int8 quantized here), the person mask model and photos are
# provisioned at install (verified by sha256), never at run time; again whenever what is
# provisioned changes.
$(MODEL_STAMP): $(STAMP) $(EXPORT_STAMP) shared/hingecheck/pose/provision.py \
                shared/hingecheck/pose/export_ir.py shared/hingecheck/pose/quantize_ir.py \
                shared/hingecheck/pose/calibration.py
	$(VENV)/bin/hingecheck model fetch --export-python $(EXPORT_PY)
	touch $@

model: $(MODEL_STAMP)

dev: $(DEV_STAMP)

demo: install
	$(VENV)/bin/hingecheck synth mixed out/demo.mp4 --reps 5 --seed 7
	$(VENV)/bin/hingecheck analyze out/demo.mp4 --out out/demo

lint: install dev
	$(VENV)/bin/ruff check shared services tests bench
	$(VENV)/bin/mypy

test: install dev browser
	$(VENV)/bin/pytest -q --durations=25

# The coach page test drives Debian's Chromium (playwright cannot download browsers here)
# and checks every view with axe-core from npm, pinned by version and sha256.
AXE_VERSION := 4.14.1
AXE_SHA256  := 29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c
AXE_JS      := .cache/npm/node_modules/axe-core/axe.min.js
browser:
	@test -x /usr/bin/chromium || { command -v apt-get >/dev/null && \
	  (apt-get install -y -q chromium >/dev/null 2>&1 || \
	   (apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null)) ; } || \
	  echo "no /usr/bin/chromium: the coach page test will be skipped"
	@test -f $(AXE_JS) || { command -v npm >/dev/null && \
	  npm install --silent --no-audit --no-fund --prefix .cache/npm axe-core@$(AXE_VERSION) ; } || \
	  echo "no npm: the accessibility checks will be skipped"
	@! test -f $(AXE_JS) || echo "$(AXE_SHA256)  $(AXE_JS)" | sha256sum --check --quiet

bench: install
	$(PY) bench/speed.py

clean:
	rm -rf $(VENV) $(EXPORT_VENV) out
