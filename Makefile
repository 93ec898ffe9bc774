# Two commands: `make run` (set up, migrate, demo data, serve with a background worker) and
# `make test` (set up, run every test). Both create .venv with the machine's python3 (3.11+) on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium
# The suite runs on every core; PYTEST_ARGS adds to it (e.g. PYTEST_ARGS="-n 0 -x -k monthly").
PYTEST_ARGS ?=
# The hard days `make calendar` sets the clock to: Tuesday the 1st; Monday of ISO week 53
# (2026 has one); New Year's Day, a Friday in 2026-W53; a Sunday that ends a month; 29
# February, a Tuesday that ends one. Each kind the suite must pass on (Monday, Tuesday,
# Friday, Sunday, a month's first and last day, week 53, a leap day) is among them.
# A single day: `make test TODAY=2027-03-01` (or O2CRM_TODAY).
CALENDAR ?= 2026-12-01 2026-12-28 2027-01-01 2027-01-31 2028-02-29
TODAY ?=

.PHONY: run test calendar install install-test browser check fmt messages clean serve

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/activate
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[test]'

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_data
	@echo ""
	@echo "o2crm is starting on http://$(HOST):$(PORT)/ with a background worker (stop with Ctrl-C)"
	HOST=$(HOST) $(BIN)/honcho -f Procfile.dev start --port $(PORT)

# Browser tests drive Debian's Chromium, and the proposal PDF embeds Debian's WenQuanYi Zen Hei
# (decision 0022): install what is missing when we may.
CJK_FONT ?= /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc
browser:
	@missing=""; \
	[ -x $(CHROMIUM) ] || missing="chromium chromium-driver fonts-noto-cjk"; \
	[ -f $(CJK_FONT) ] || missing="$$missing fonts-wqy-zenhei"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	    || echo "warning: could not install $$missing; browser or PDF tests will fail"; \
	  elif command -v sudo >/dev/null; then \
	    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  fi; \
	fi

test: install-test browser
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -n auto $(if $(TODAY),--today $(TODAY)) $(PYTEST_ARGS)

# The suite once per day of CALENDAR, the clock set to that day (less the tests marked
# timeless: fuzzing, concurrency, backups); every day runs, and the target fails when any
# day failed (its name is printed at the end).
calendar: install-test browser
	@failed=""; for day in $(CALENDAR); do \
	  echo "=== the suite on $$day"; \
	  $(BIN)/pytest -n auto -q -m "not timeless" --today $$day $(PYTEST_ARGS) || failed="$$failed $$day"; \
	done; \
	if [ -n "$$failed" ]; then echo "calendar failed on:$$failed"; exit 1; fi; \
	echo "calendar passed on: $(CALENDAR)"

check: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check

fmt: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Regenerate the translation catalogues after changing UI text (needs GNU gettext).
messages: install
	$(PY) manage.py makemessages -l en --ignore '.venv/*' --ignore 'build/*'
	$(PY) manage.py compilemessages -l en --ignore '.venv/*'

serve: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput
	$(BIN)/gunicorn o2crm.wsgi --bind $(HOST):$(PORT) --workers $${WEB_CONCURRENCY:-3}

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
