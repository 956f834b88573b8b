# Two commands: `make run` serves the demo, `make test` runs ruff and the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := app:create_app
PORT ?= 5000

.PHONY: run test e2e bench install translations messages lint clean

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/activate

install: $(BIN)/activate translations

# Compiled catalogs are build output; the .po files are the source.
translations: $(BIN)/activate
	@for po in */translations/*/LC_MESSAGES/messages.po; do \
		[ -f "$$po" ] || continue; \
		$(BIN)/pybabel compile --use-fuzzy -i "$$po" -o "$${po%.po}.mo" >/dev/null || exit 1; \
	done

# Re-extract Korean source strings into each package's English catalog.
messages: $(BIN)/activate
	$(BIN)/python -m core.catalogs update

# The demo shows mail in its log (links hidden) instead of sending it; elsewhere the app
# refuses to start that way.
run: export MAIL_ALLOW_CONSOLE = 1
run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

lint: $(BIN)/activate
	$(BIN)/ruff check .

test: install lint
	$(BIN)/python -m pytest -q

# The browser journeys alone (Debian's Chromium); `make test` runs them too where it is installed.
e2e: install
	$(BIN)/python -m pytest -q -m e2e

bench: install
	@for script in bench/bench_*.py; do [ -f "$$script" ] || continue; $(BIN)/python "$$script" || exit 1; done

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
