# The two commands of the README: `make run` and `make test`. Each installs what it needs into
# .venv on first use (and again when setup.cfg changes).
#   make run [HOST=127.0.0.1] [PORT=5000] [DEMO_PASSWORD=...] [DATABASE_URL=sqlite:////path/demo.db]
# DATABASE_URL (from the command line or the environment) picks the database of every step;
# without it the embedded SQLite database instance/zhifaflow.db is used.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
STAMP := $(VENV)/.installed
DEMO_PASSWORD ?= zhifaflow-demo
HOST ?= 127.0.0.1
PORT ?= 5000
FUZZ_PORT ?= 5121
FUZZ_EXAMPLES ?= 200
# pytest-xdist workers of `make test`: three on 2 cores, since each waits part of the time (on its
# engine worker at every step; the two browser groups, each on one worker with one demo server, on
# page loads): measured on 2 cores, 10 min 32 s against 11 min 58 s with two workers. TEST_WORKERS=0
# runs it in this process. The 25 slowest tests are listed at the end (where the time goes).
TEST_WORKERS ?= 3
PYTEST := $(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup --durations=25
# `make test-dates`: the date-sensitive tests (marker `dates`) as of each of these days, on the
# app's own clock (ZHIFAFLOW_CLOCK): a Sunday whose 90-day limit ends on a Saturday, the Spring
# Festival's adjusted working Saturday, the New Year into a year without an official holiday
# table. `make test` runs them as of the real day.
TEST_DATES ?= 2026-03-08 2026-02-14 2026-12-28
# Python caches the project's compiled modules (__pycache__, git-ignored) even where the machine
# says not to (PYTHONDONTWRITEBYTECODE): `make run` starts five interpreters and `make test`
# hundreds (engine workers, CLI and run-command tests), each of which otherwise compiles the app's
# ~160 modules again (0.3 s of CPU apiece; `make test` ~10% slower).
unexport PYTHONDONTWRITEBYTECODE

# The pages' front-end packages (bpmn-js, ECharts) come from npm with the committed package-lock.json and
# are copied into the static folder (git-ignored); the gettext catalogues (.po, in git) are
# compiled to .mo (git-ignored). Both happen on first use and again when their sources change.
VENDOR := workflow_app/static/vendor
ASSETS := $(VENDOR)/.installed
PO := $(wildcard workflow_app/translations/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)

.PHONY: install run test test-dates bench bench-pg bench-hostile bench-pages bench-worker bench-audit bench-evidence lint fuzz assets translations extract-messages

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -e '.[test,prod]'
	touch $(STAMP)

install: $(STAMP)

# npm ci only when the lockfile is newer than what node_modules holds; the copies again whenever
# this file changes what is copied.
$(ASSETS): package.json package-lock.json Makefile
	[ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/bpmn-js
	cp node_modules/bpmn-js/dist/bpmn-navigated-viewer.production.min.js \
	   node_modules/bpmn-js/dist/bpmn-modeler.production.min.js \
	   node_modules/bpmn-js/dist/assets/diagram-js.css node_modules/bpmn-js/dist/assets/bpmn-js.css \
	   node_modules/bpmn-js/LICENSE $(VENDOR)/bpmn-js/
	cp -r node_modules/bpmn-js/dist/assets/bpmn-font $(VENDOR)/bpmn-js/
	mkdir -p $(VENDOR)/echarts
	cp node_modules/echarts/dist/echarts.common.min.js node_modules/echarts/LICENSE node_modules/echarts/NOTICE \
	   $(VENDOR)/echarts/
	mkdir -p $(VENDOR)/pdfjs
	cp node_modules/pdfjs-dist/build/pdf.min.mjs node_modules/pdfjs-dist/build/pdf.worker.min.mjs \
	   node_modules/pdfjs-dist/LICENSE $(VENDOR)/pdfjs/
	cp -r node_modules/pdfjs-dist/cmaps node_modules/pdfjs-dist/standard_fonts $(VENDOR)/pdfjs/
	mkdir -p $(VENDOR)/dmn-js
	cp node_modules/dmn-js/dist/dmn-modeler.production.min.js node_modules/dmn-js/dist/dmn-viewer.production.min.js \
	   node_modules/dmn-js/dist/assets/dmn-js-shared.css node_modules/dmn-js/dist/assets/dmn-js-decision-table.css \
	   node_modules/dmn-js/dist/assets/dmn-js-decision-table-controls.css node_modules/dmn-js/dist/assets/dmn-js-drd.css \
	   node_modules/dmn-js/dist/assets/diagram-js.css node_modules/dmn-js/LICENSE $(VENDOR)/dmn-js/
	cp -r node_modules/dmn-js/dist/assets/dmn-font $(VENDOR)/dmn-js/
	touch $@

assets: $(ASSETS)

%.mo: %.po $(STAMP)
	$(VENV)/bin/pybabel compile -i $< -o $@

translations: $(MO)

# After changing the pages' words: collect them into messages.pot and merge them into each .po,
# then translate the new entries (msgstr) and commit the .po files.
extract-messages: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k lazy_gettext -k N_ -k tr -o workflow_app/translations/messages.pot workflow_app
	$(VENV)/bin/pybabel update -i workflow_app/translations/messages.pot -d workflow_app/translations --no-fuzzy-matching --ignore-obsolete

run: $(STAMP) $(ASSETS) $(MO)
	$(FLASK) db upgrade
	$(FLASK) demo seed --password '$(DEMO_PASSWORD)' --if-empty
	$(FLASK) procedures deploy .
	$(FLASK) demo cases --if-empty
# The server, and beside it the background worker (timers, oversight alerts). Ctrl-C or SIGTERM to
# make's process group stops both (the shell's traps end the worker: a background job of a script
# ignores Ctrl-C); the server ending for any other reason ends the worker too.
	$(FLASK) worker run & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; trap 'exit 130' INT; trap 'exit 143' TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

test: $(STAMP) $(ASSETS) $(MO)
	@if [ -x /usr/bin/chromium ]; then echo "Browser tests: run with /usr/bin/chromium."; \
	 else echo "Browser tests: SKIPPED, /usr/bin/chromium is missing (apt-get install -y chromium fonts-noto-cjk)."; fi
	$(PYTEST)

test-dates: $(STAMP) $(ASSETS) $(MO)
	@for day in $(TEST_DATES); do \
	  echo "== the date-sensitive tests as of $$day (ZHIFAFLOW_CLOCK=$$day)"; \
	  ZHIFAFLOW_CLOCK=$$day $(PYTEST) -m dates || exit 1; \
	done

bench: $(STAMP)
	$(PY) bench/bench_cases.py

bench-pg: $(STAMP)
	$(PY) bench/bench_http_pg.py

bench-hostile: $(STAMP)
	$(PY) bench/bench_hostile.py

bench-pages: $(STAMP)
	$(PY) bench/bench_pages.py

bench-worker: $(STAMP)
	$(PY) bench/bench_worker.py

bench-evidence: $(STAMP)
	$(PY) bench/bench_evidence.py

bench-audit: $(STAMP)
	$(PY) bench/bench_audit_verify.py

# Fuzz the API over HTTP from its OpenAPI document, on PostgreSQL (FUZZ_DATABASE_URL: a scratch
# database, created if missing); prints every 5xx and the request count. See tests/fuzzing.py.
fuzz: $(STAMP)
	$(PY) -m tests.fuzzing --port $(FUZZ_PORT) --examples $(FUZZ_EXAMPLES) --password '$(DEMO_PASSWORD)'

lint: $(STAMP)
	$(VENV)/bin/ruff check workflow_app tests bench
