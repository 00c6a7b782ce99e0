# Two commands do everything: `make book` and `make test`.
# Both create .venv from requirements.lock when it is missing or older than the lock.

# `make` is for Linux (the book, the PDF and the browser tests; CI runs it on Debian). The lock is
# resolved and checked for CPython 3.11 (any 3.11.x) on Linux, macOS and Windows; the Makefile refuses
# other Pythons, untested with it. Prefer python3.11 when it is on PATH.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || echo python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: book pdf test check manifest lock platforms clean help

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("requirements.lock is for CPython 3.11.x; $(PYTHON) is " + sys.version.split()[0] + ". Install Python 3.11 and run: make PYTHON=python3.11 $(MAKECMDGOALS)") if sys.version_info[:2] != (3, 11) else None'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

book: $(STAMP)  ## verify raw data, run the notebooks, build the HTML book into book/_build/html
	$(BIN)/ics-leadership build

pdf: $(STAMP)  ## the whole report as book/_build/pdf/compendium.pdf (runs the notebooks first if book/notebooks is missing)
	@test -d book/notebooks || $(BIN)/ics-leadership build --no-book
	$(BIN)/ics-leadership pdf

test: $(STAMP)  ## run the test suite
	$(BIN)/python -m pytest

check: $(STAMP)  ## verify and validate data/raw only
	$(BIN)/ics-leadership check

manifest: $(STAMP)  ## deliberately record new checksums for data/raw after editing raw data
	$(BIN)/ics-leadership update-manifest

# The lock is universal (one file for Linux, macOS and Windows: platform-specific packages carry
# environment markers) and hashed. uv keeps the versions already in requirements.lock (it prefers an
# output file's pins) and resolves only what changed; `make lock UPGRADE=--upgrade` moves every pin.
# uv runs from a throwaway venv, so neither it nor its dependencies enter .venv.
UV_VERSION := 0.13.9
lock:  ## re-resolve requirements.lock (needs the package index) and sync environment.yml
	@tools=$$(mktemp -d) && trap 'rm -rf "$$tools"' EXIT && \
	$(PYTHON) -m venv "$$tools" && "$$tools/bin/python" -m pip install --quiet uv==$(UV_VERSION) && \
	"$$tools/bin/uv" pip compile --quiet --universal --python-version 3.11 --all-extras --generate-hashes \
	    --custom-compile-command "make lock" $(UPGRADE) -o requirements.lock pyproject.toml
	$(BIN)/python tools/sync_environment.py

platforms: $(STAMP)  ## check that requirements.lock installs from wheels on Linux, macOS and Windows (pip dry runs; needs the package index)
	$(BIN)/python tools/check_platforms.py

clean:  ## remove the built book, executed notebooks, derived data, the build's record (.build-state) and what an interrupted build left (not .venv, not data/coded)
	rm -rf book/_build book/notebooks book/.build-* book/.staging-* book/.build.lock
	rm -rf .build-state
	find data/derived -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +
