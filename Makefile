# hingecheck — set up and run on a fresh machine.
#   make demo    set up, then analyse a generated demo clip (no external services)
#   make test    set up, then run the tests
VENV    ?= .venv
PY      := $(VENV)/bin/python
PIP     := $(PY) -m pip
STAMP   := $(VENV)/.hingecheck-installed
MODEL_STAMP := $(VENV)/.hingecheck-model

.PHONY: install model demo test lint bench clean browser

install: $(STAMP) $(MODEL_STAMP)

# One step for the environment; it is reused while pyproject.toml is unchanged.
$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	# torch first, pinned: these machines serve this CPU/CUDA build from local files.
	$(PIP) install --quiet torch==2.14.1 torchvision==0.29.1
	$(PIP) install --quiet -e '.[dev]'
	# ultralytics pulls in opencv-python (GUI build); both provide cv2, keep only headless.
	$(PIP) uninstall --quiet --yes opencv-python || true
	$(PIP) install --quiet --force-reinstall --no-deps opencv-python-headless
	$(PY) -c "import cv2, av, ultralytics, openvino; print('cv2', cv2.__version__, '| av', av.__version__, '| ultralytics', ultralytics.__version__)"
	touch $@

# Weights are provisioned at install (verified by sha256), never at run time.
$(MODEL_STAMP): $(STAMP)
	$(VENV)/bin/hingecheck model fetch
	touch $@

model: $(MODEL_STAMP)

demo: install
	$(VENV)/bin/hingecheck synth mixed out/demo.mp4 --reps 5 --seed 7
	$(VENV)/bin/hingecheck analyze out/demo.mp4 --out out/demo

lint: install
	$(VENV)/bin/ruff check shared services tests bench
	$(VENV)/bin/mypy

test: install browser
	$(VENV)/bin/pytest -q

# The coach page test drives Debian's Chromium (playwright cannot download browsers here).
browser:
	@test -x /usr/bin/chromium || { command -v apt-get >/dev/null && \
	  (apt-get install -y -q chromium >/dev/null 2>&1 || \
	   (apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null)) ; } || \
	  echo "no /usr/bin/chromium: the coach page test will be skipped"

bench: install
	$(PY) bench/speed.py

clean:
	rm -rf $(VENV) out
