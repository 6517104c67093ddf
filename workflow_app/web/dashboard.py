"""The supervision dashboard's links and chart data (the page itself: views.dashboard).

Every figure links to the list it counts: the alerts list (/alerts, its filters status, severity,
code, department), the case search (/cases, status, department and a ready step's time left).
The charts' data (static/dashboard.js) is the tables' data, with the same words and links.
"""
from functools import partial
from urllib.parse import urlencode

from flask import url_for
from flask_babel import lazy_gettext

from ..i18n import page_language
from ..oversight.alert_rules import rule_name, rule_title
from ..services.cases.worklists import TIME_LEFT
from ..services.oversight.dashboard import Summary, unit_name
from ..services.procedures.statuses import status_words
from .templating import Translated

TIME_LEFT_LABELS = {"overdue": lazy_gettext("overdue"), "due_soon": lazy_gettext("due within 10 days"),
                    "later": lazy_gettext("due later"), "no_due": lazy_gettext("no time limit")}
SEVERITY_LABELS = {"high": lazy_gettext("high"), "medium": lazy_gettext("medium"), "low": lazy_gettext("low")}
CHART_DEPARTMENTS = 15  # a chart shows the departments with the most; the table lists them all


def alerts_url(s: Summary, **filters) -> str:
    """The alerts list of active alerts, narrowed as the dashboard is (department) and by `filters`."""
    args = {"status": "active"}
    if s.department is not None:
        args["department"] = s.department.code
    args.update({k: v for k, v in filters.items() if v is not None})
    return "/alerts?" + urlencode(args)


def cases_url(s: Summary, path: str | None = None, **filters) -> str:
    """The case search narrowed as the dashboard is (department) and by `filters`; `path`: the
    search's own, when the caller has it (a page links a figure of every table cell)."""
    if s.department is not None:
        filters.setdefault("department", s.department.code)
    args = {k: v for k, v in filters.items() if v is not None}
    path = path or url_for("web.cases")
    return f"{path}?{urlencode(args)}" if args else path


def dashboard_charts(s: Summary) -> dict:
    """What static/dashboard.js draws: per chart its categories, series (key, name, values) and the
    link of each bar, in the page's language."""
    lang = page_language()
    alert_departments = s.alerts_by_department[:CHART_DEPARTMENTS]
    step_departments = s.steps_by_department[:CHART_DEPARTMENTS]
    words = status_words()
    cases = url_for("web.cases")
    return {
        "alerts_by_rule": {
            "kind": "bar", "categories": [rule_title(r.code, lang) for r in s.alerts_by_rule],
            "series": [{"key": "count", "name": str(lazy_gettext("active alerts")),
                        "values": [r.count for r in s.alerts_by_rule],
                        "severities": [r.severity for r in s.alerts_by_rule],
                        "links": [alerts_url(s, code=r.code) for r in s.alerts_by_rule]}]},
        "alerts_by_department": {
            "kind": "stacked", "categories": [unit_name(d.unit, lang) for d in alert_departments],
            "series": [{"key": sev, "name": str(SEVERITY_LABELS[sev]),
                        "values": [d.counts[sev] for d in alert_departments],
                        "links": [alerts_url(s, department=d.unit.code, severity=sev) for d in alert_departments]}
                       for sev in SEVERITY_LABELS]},
        "cases_by_status": {
            "kind": "pie", "categories": [str(words.get(k, k)) for k in s.cases_by_status],
            "series": [{"key": "count", "name": str(lazy_gettext("cases")), "values": list(s.cases_by_status.values()),
                        "keys": list(s.cases_by_status),
                        "links": [cases_url(s, cases, status=k) for k in s.cases_by_status]}]},
        "steps_by_department": {
            "kind": "stacked", "categories": [unit_name(d.unit, lang) for d in step_departments],
            "series": [{"key": k, "name": str(TIME_LEFT_LABELS[k]), "values": [d.counts[k] for d in step_departments],
                        "links": [cases_url(s, cases, department=d.unit.code, time_left=k) for d in step_departments]}
                       for k in TIME_LEFT]},
        "alerts_per_week": {
            "kind": "line", "categories": [monday.strftime("%m-%d") for monday, _ in s.alerts_per_week],
            "series": [{"key": "count", "name": str(lazy_gettext("alerts raised")),
                        "values": [n for _, n in s.alerts_per_week]}]},
    }


def page_context(s: Summary) -> dict:
    lang = page_language()
    return {"s": s, "chart_data": dashboard_charts(s), "alerts_url": partial(alerts_url, s),
            "cases_url": partial(cases_url, s, url_for("web.cases")), "rule_name": partial(rule_name, lang=lang),
            "unit_name": partial(unit_name, lang=lang), "severity_labels": Translated(SEVERITY_LABELS),
            "time_left_labels": Translated(TIME_LEFT_LABELS), "chart_departments": CHART_DEPARTMENTS}
