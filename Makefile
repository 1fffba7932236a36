# The two commands of the README: `make demo` and `make test`. Both set up everything they
# need on a fresh Debian machine: Debian packages, the virtual environment, locked deps.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
UV_VENV := .uv
UV := $(UV_VENV)/bin/uv
UV_VERSION := 0.13.8
DEBIAN_PACKAGES := fonts-noto-cjk poppler-utils libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 chromium postgresql
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: help setup system-packages demo test lint typecheck unit slow suite bench clean

help:
	@echo "make demo   generate the demo contact centre, review its latest month, print the PDF path"
	@echo "make test   ruff, mypy and the whole pytest suite"
	@echo "make bench  the review at 100 k, 1 M and 3 M contacts against its references (minutes)"

system-packages:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "missing Debian packages; run:  sudo apt-get update && sudo apt-get install -y --no-install-recommends$$missing"; \
	    exit 1; \
	  fi; \
	fi

$(UV):
	$(PYTHON) -m venv $(UV_VENV)
	$(UV_VENV)/bin/pip install -q uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet
	@touch $@

setup: system-packages $(VENV)/.synced

demo: setup
	$(VENV)/bin/csreview demo

lint: setup
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

typecheck: setup
	$(VENV)/bin/mypy

unit: setup
	$(VENV)/bin/pytest -m "not slow and not integration" -q -n 2

slow: setup
	$(VENV)/bin/pytest -m "slow or integration" -q -n auto --dist worksteal

bench: setup
	$(VENV)/bin/python -m bench

# mypy runs beside every test in one run on two workers: each worker starts with its half
# of the fast tests, then the longest slow ones (tests/conftest.py)
test: lint
	@$(MAKE) --no-print-directory -j2 --output-sync=target typecheck suite

suite: setup
	$(VENV)/bin/pytest -q -n 2 --dist worksteal

clean:
	rm -rf $(VENV) $(UV_VENV) .mypy_cache .pytest_cache .ruff_cache reviews
