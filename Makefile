# Set-up-and-go targets; see README.md. Finds a Python 3.12 (PATH, then pyenv), makes .venv.
VENV := .venv
PYTHON312 := $(shell for p in python3.12 $$HOME/.pyenv/versions/3.12*/bin/python3.12 /usr/local/bin/python3.12 /usr/bin/python3.12; do \
	$$p -c 'import sys; assert sys.version_info[:2] == (3, 12)' >/dev/null 2>&1 && { echo $$p; break; }; done)

.PHONY: run test bench

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON312)" || { echo "Python 3.12 not found: install python3.12 or put it on PATH" >&2; exit 1; }
	$(PYTHON312) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e ".[dev]"
	touch $@

run: $(VENV)/.installed
	$(VENV)/bin/collabsim run experiments/baseline.toml

# The app's browser tests need a browser: tests/browser.py finds one or installs it (Debian's
# chromium with apt-get as root, Playwright's own elsewhere), or stops here with one line.
test: $(VENV)/.installed
	@$(VENV)/bin/python tests/browser.py >/dev/null
	$(VENV)/bin/python -m pytest

bench: $(VENV)/.installed
	$(VENV)/bin/python benchmarks/engine.py --write
