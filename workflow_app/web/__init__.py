"""The pages (server-rendered Jinja): login, inbox, cases, the case page.

Thin views: parse the query or form, call one service as the logged-in user, render. The same
services answer the JSON API (api/routes.py), so a page and an API call enforce the same rules.
"""
from flask import Blueprint

bp = Blueprint("web", __name__)

from . import (  # noqa: E402,F401  (register the views)
    alerts,
    causes,
    decision_tables,
    errors,
    evidence,
    inspection,
    legal_review,
    login,
    market_entities,
    numbering,
    parties,
    procedures,
    referrals,
    task_views,
    views,
    workbench,
    workbench_compare,
    workbench_documents,
    workbench_files,
    workbench_forms,
    workbench_test_run,
)
