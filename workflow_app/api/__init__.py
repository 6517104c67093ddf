"""JSON API under /api/v1: thin handlers that parse, call one service, and serialize."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import benchmarks, draft_forms, drafts, errors, evidence, inspection, referrals, routes  # noqa: E402,F401  (registers handlers and routes on bp)
