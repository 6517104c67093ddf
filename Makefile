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

.PHONY: install run test bench bench-pg bench-hostile bench-pages lint fuzz

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,prod]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(FLASK) db upgrade
	$(FLASK) demo seed --password '$(DEMO_PASSWORD)' --if-empty
	$(FLASK) procedures deploy bpmn/*.bpmn
	$(FLASK) demo cases --if-empty
	$(FLASK) run --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) bench/bench_cases.py

bench-pg: $(STAMP)
	$(PY) bench/bench_http_pg.py

bench-hostile: $(STAMP)
	$(PY) bench/bench_hostile.py

bench-pages: $(STAMP)
	$(PY) bench/bench_pages.py

# Fuzz the API over HTTP from its OpenAPI document, on PostgreSQL (FUZZ_DATABASE_URL: a scratch
# database, created if missing); prints every 5xx and the request count. See tests/fuzzing.py.
fuzz: $(STAMP)
	$(PY) -m tests.fuzzing --port $(FUZZ_PORT) --examples $(FUZZ_EXAMPLES) --password '$(DEMO_PASSWORD)'

lint: $(STAMP)
	$(VENV)/bin/ruff check workflow_app tests bench
