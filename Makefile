# The two commands a new user needs: `make demo` and `make test`. Both set up what they need.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HUB ?= hub
PEOPLE ?= 50000
SEED ?= 1
SERVE ?= 1
PORT ?= 8000

.PHONY: demo test setup system lint typecheck docs bench clean

# Builds the demo hub, then serves it on http://127.0.0.1:$(PORT)/ (SERVE=0: build only).
demo: setup
	$(VENV)/bin/commonground demo --hub $(HUB) --people $(PEOPLE) --seed $(SEED)
	@if [ "$(SERVE)" != "0" ]; then \
	  echo "Web app: http://127.0.0.1:$(PORT)/ (accounts above; Ctrl-C stops it; SERVE=0 skips)"; \
	  COMMONGROUND_KEY_FILE=$(HUB)-partners/partnership.key \
	    $(VENV)/bin/commonground serve --hub $(HUB) --port $(PORT); fi

test: setup
	bash scripts/test.sh

# Debian packages (Java for Spark, PostgreSQL tools) and the virtualenv with every package.
setup: $(STAMP)

$(STAMP): pyproject.toml scripts/setup.sh scripts/assets.sh web/package-lock.json
	bash scripts/setup.sh $(VENV)
	touch $(STAMP)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache --no-logo

# Regenerate docs/cli.md (Typer commands) and docs/authorisation.md (operation registry) (`make test` fails while it is stale).
docs: setup
	$(VENV)/bin/cog -r docs/cli.md docs/authorisation.md

typecheck: setup
	$(VENV)/bin/mypy

bench: setup
	$(PY) bench/simulate.py

clean:
	rm -rf $(HUB) $(HUB)-partners .pytest_cache .mypy_cache .ruff_cache .import_linter_cache .grimp_cache
