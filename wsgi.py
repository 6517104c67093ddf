"""WSGI entry point: `flask --app wsgi run` or `gunicorn wsgi:app`."""
import sys

from workflow_app import create_app, refuse_a_pinned_clock_in_production
from workflow_app.config import ConfigurationError

APP_LOAD_ERROR = 4  # gunicorn's code for it: the master stops instead of respawning workers forever

try:
    app = create_app()
    refuse_a_pinned_clock_in_production(app)
except ConfigurationError as err:
    print(f"ZhifaFlow cannot start: {err}", file=sys.stderr)
    sys.exit(APP_LOAD_ERROR)
