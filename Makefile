# Cityroom: one command to run the demo, one to test. Both set up what they need first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
QM := resources/i18n/cityroom_ko.qm
ARGS ?=

.PHONY: run test test-package setup system lint check unit bench screenshots translations package clean

## run: set up, then open the workstation in standalone demo mode
run: setup
	$(PY) main.py $(ARGS)

## test: set up, then lint, type-check, check the architecture and run every test headless
## (in TEST_WORKERS processes, a test file each at a time: files share their servers)
TEST_WORKERS ?= 2
test: setup check
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile

## check: ruff, mypy and the import contracts
check: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	PYTHONPATH=. $(VENV)/bin/lint-imports

## setup: system packages (as root or with sudo), the virtual environment, translations
setup: system $(STAMP) $(QM)

system:
	@bash tools/setup_system.sh

$(STAMP):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Cityroom needs Python 3.11 or newer")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@# Older checkouts used the plain headless OpenCV; both own cv2/, so remove both first.
	$(PY) -m pip show -q opencv-python-headless >/dev/null 2>&1 && $(PY) -m pip uninstall -y -q opencv-python-headless opencv-contrib-python-headless || true
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

$(QM): resources/i18n/cityroom_ko.ts $(STAMP)
	$(VENV)/bin/pyside6-lrelease -silent $< -qm $@

## translations: refresh the .ts source from the code (then translate new entries)
translations: $(STAMP)
	$(VENV)/bin/pyside6-lupdate -no-obsolete -locations none $$(find ui panels -name '*.py' | sort) -ts resources/i18n/cityroom_ko.ts

## bench: run the benchmarks and record them in docs/benchmarks.md
bench: setup
	QT_QPA_PLATFORM=offscreen $(PY) -m bench

## screenshots: refresh the screenshots in docs/ from the real application
screenshots: setup
	QT_QPA_PLATFORM=offscreen $(PY) tools/docs_screenshots.py

## package: set up, then build the Linux packages into dist/: the one-folder app cityroom/,
## cityroom-VERSION-linux-x86_64.tar.gz and cityroom_VERSION_amd64.deb
package: setup
	$(PY) -m pip show -q pyinstaller pyinstaller-hooks-contrib >/dev/null 2>&1 || $(PY) -m pip install --quiet --disable-pip-version-check -e '.[package]'
	$(PY) tools/package.py

## test-package: build the packages, then run the packaged application's tests (the frozen app
## offscreen with --screenshot, its headless commands and server, the .tar.gz and the .deb)
test-package: package
	QT_QPA_PLATFORM=offscreen CITYROOM_TEST_PACKAGE=1 $(PY) -m pytest -q tests/package

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache $(QM)
