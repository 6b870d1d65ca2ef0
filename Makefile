# Two commands on a fresh machine (Python >= 3.11 and make are all they need):
#   make demo   create .venv, install ofsted_nlp, classify the example publication, print its summary
#   make test   create .venv, install what the tests need, run the test command (what .ci/run runs)
#   make docs   the API reference in site/ (pdoc);  make typecheck: mypy on the whole package
#
# The venv sees the machine's own packages (--system-site-packages), so a machine that already has
# torch, Spark or MLflow keeps them and pip installs only what is missing.

PYTHON ?= python3
VENV ?= .venv
VENV_FLAGS ?= --system-site-packages
PIP_FLAGS ?= --quiet --disable-pip-version-check
PY := $(VENV)/bin/python
EXAMPLE ?= $(firstword $(wildcard ofsted_nlp/examples/*.pdf))
TEST_COMMAND := $(PY) -m pytest -q -p no:cacheprovider

.PHONY: demo test docs typecheck install install-test clean-venv

$(PY):
	$(PYTHON) -m venv $(VENV_FLAGS) $(VENV)

# Stamps: reinstall when pyproject.toml changes.
$(VENV)/.installed-base: pyproject.toml | $(PY)
	$(PY) -m pip install $(PIP_FLAGS) -e .
	@touch $@

$(VENV)/.installed-all: pyproject.toml | $(PY)
	$(PY) -m pip install $(PIP_FLAGS) -e ".[all]"
	@touch $@ $(VENV)/.installed-base

install: $(VENV)/.installed-base
install-test: $(VENV)/.installed-all

demo: $(VENV)/.installed-base
	@if [ -z "$(EXAMPLE)" ]; then \
	  echo "no example publication in ofsted_nlp/examples/ yet; run: make demo EXAMPLE=path/to/report.pdf" >&2; \
	  exit 2; \
	fi
	$(VENV)/bin/ofsted-nlp report "$(EXAMPLE)"

test: $(VENV)/.installed-all
	$(TEST_COMMAND)

# The API reference (HTML, from the docstrings) in site/; offline (tests/test_docs.py builds it too).
docs: $(VENV)/.installed-all
	$(PY) docs/build_api.py site

typecheck: $(VENV)/.installed-all
	$(PY) -m mypy

clean-venv:
	rm -rf $(VENV)
