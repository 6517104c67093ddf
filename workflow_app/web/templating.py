"""What every page template can use: dates in Beijing time, the words for statuses, roles and
trace actions in the page's language, the language switch, the oversight alerts' names and words."""
import json
from collections.abc import Mapping
from datetime import date, datetime, timedelta

from flask import Flask, request, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from jinja2.utils import htmlsafe_json_dumps

from ..extensions import login_manager
from ..i18n import HTML_LANG, LANGUAGES, localized, page_language, step_name, task_step_name
from ..oversight import procedure_kinds
from ..oversight.alert_rules import CATALOGUE, rule_name, rule_title
from ..oversight.calendar import LOCAL_TZ
from ..oversight.powers import kind_label
from ..services.oversight import alerts
from ..services.people import parties
from ..services.procedures.statuses import status_words
from .case_file import entries

ROLE_LABELS = {
    "officer": lazy_gettext("enforcement officer"),
    "legal_reviewer": lazy_gettext("legal reviewer"),
    "department_head": lazy_gettext("department head"),
    "supervisor": lazy_gettext("supervisor"),
    "bpmn_author": lazy_gettext("procedure author"),
    "procedure_approver": lazy_gettext("procedure approver"),
    "admin": lazy_gettext("administrator"),
}
ACTION_LABELS = {
    "case.opened": lazy_gettext("case opened"),
    "task.ready": lazy_gettext("step ready"),
    "task.completed": lazy_gettext("step completed"),
    "task.cancelled": lazy_gettext("step withdrawn"),
    "task.failed": lazy_gettext("step failed"),
    "step.refused": lazy_gettext("step refused"),
    "case.filed": lazy_gettext("case filed"),
    "case.not_filed": lazy_gettext("not filed"),
    "case.decided": lazy_gettext("decided"),
    "case.served": lazy_gettext("decision served"),
    "case.closed": lazy_gettext("case closed"),
    "case.milestone": lazy_gettext("milestone reached"),
    "case.decision": lazy_gettext("decision table evaluated"),
    "case.ended": lazy_gettext("procedure ended"),
    "case.migrated": lazy_gettext("moved to another procedure version"),
    "legal_review.approved": lazy_gettext("legal review approved"),
    "legal_review.returned": lazy_gettext("legal review returned the case"),
    "document.generated": lazy_gettext("document generated"),
    "number.issued": lazy_gettext("number issued"),
    "number.recorded": lazy_gettext("pre-printed form's number recorded"),
    "deadline.moved": lazy_gettext("due date moved"),
    "request.failed": lazy_gettext("request failed"),
    "timer.fired": lazy_gettext("time limit reached (timer)"),
    "timer.failed": lazy_gettext("timer step failed"),
    "alert.raised": lazy_gettext("oversight alert raised"),
    "alert.acknowledged": lazy_gettext("oversight alert acknowledged"),
    "alert.resolved": lazy_gettext("oversight alert resolved"),
    "alert.dismissed": lazy_gettext("oversight alert dismissed"),
    "attachment.stored": lazy_gettext("signature kept"),
    "evidence.stored": lazy_gettext("evidence added"),
    "evidence.withdrawn": lazy_gettext("evidence withdrawn"),
    "referral.sent": lazy_gettext("clue referred to another department"),
    "referral.received": lazy_gettext("referred clue received"),
    "referral.answered": lazy_gettext("referral answered"),
}
# An alert's severity (DOMAIN.md 预警): its word is always shown beside its colour.
SEVERITY_LABELS = {"high": lazy_gettext("high"), "medium": lazy_gettext("medium"), "low": lazy_gettext("low")}
SEVERITY_MEANINGS = {"high": lazy_gettext("unlawful"), "medium": lazy_gettext("deadline risk"),
                     "low": lazy_gettext("quality")}
PARTY_KINDS = {"person": lazy_gettext("natural person"), "organization": lazy_gettext("organization")}


def N_(message: str) -> str:
    """Marks a message for the catalogue whose translation happens later (Flask-Login's flash)."""
    return message


def local_datetime(value: datetime | None) -> str:
    return value.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M") if value else "—"


def local_date(value: datetime | date | str | None) -> str:
    """A day in Beijing time; a string is an ISO time as recorded in JSON (an alert's due time)."""
    if not value:
        return "—"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_TZ).date()
    return value.isoformat()


def local_due(value: datetime | str | None) -> str:
    """A due time in Beijing time: its day where it ends a day (every limit counted in days), the
    day and the minute where it does not (a limit counted in hours: 24 hours from an urgent
    measure, 行政强制法 Art. 19)."""
    at = datetime.fromisoformat(value) if isinstance(value, str) and value else value
    if not isinstance(at, datetime):
        return local_date(value)
    local = at.astimezone(LOCAL_TZ)
    if (local + timedelta(seconds=1)).date() != local.date():
        return local.date().isoformat()
    return local.strftime("%Y-%m-%d %H:%M")


def alert_name(code: str) -> str:
    """What an alert's rule found, by the catalogue, in the page's language."""
    return rule_name(code, page_language())


def alert_title(code: str) -> str:
    """The rule's short name (立案超期, filing late), for lists."""
    return rule_title(code, page_language())


def alert_finding(code: str) -> str:
    """What the rule found, its name without the short name (收到线索15个工作日内未作出立案决定)."""
    kind = CATALOGUE.get(code)
    return kind.finding(page_language()) if kind else ""


def steps_json(steps: dict) -> str:
    """The diagram's markers, for the page's script: bpmn id -> state, name, who, when, and the
    call activities that run the step (a step of a called process)."""
    return htmlsafe_json_dumps({bpmn_id: {
        "state": s.state, "name": s.name, "by": s.completed_by,
        "at": local_datetime(s.completed_at) if s.completed_at else None,
        "due": local_due(s.due_at) if s.due_at else None, "called_by": list(s.called_by)}
        for bpmn_id, s in steps.items()})


def from_json(text: str) -> dict:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def with_args(**changes) -> str:
    """This page's URL with some query arguments changed (None removes one)."""
    args = request.args.to_dict()
    for name, value in changes.items():
        if value is None:
            args.pop(name, None)
        else:
            args[name] = value
    return url_for(request.endpoint, **(request.view_args or {}), **args)


class LazyStatusWords(Mapping):
    """status code -> its label in the page's language (services/procedures/statuses.py), read from the
    deployed procedures the first time a page asks."""

    def __init__(self):
        self._words = None

    def _get(self) -> dict[str, str]:
        if self._words is None:
            self._words = status_words()
        return self._words

    def __getitem__(self, code):
        return self._get()[code]

    def __iter__(self):
        return iter(self._get())

    def __len__(self):
        return len(self._get())


class Translated(Mapping):
    """A table of words (lazy_gettext) in the page's language, translated once per page when the
    page first reads one: a trace or a list repeats them on every row."""

    def __init__(self, words: Mapping):
        self._source, self._words = words, None

    def _get(self) -> dict[str, str]:
        if self._words is None:
            self._words = {key: str(word) for key, word in self._source.items()}
        return self._words

    def __getitem__(self, key):
        return self._get()[key]

    def __iter__(self):
        return iter(self._get())

    def __len__(self):
        return len(self._get())


def penalty_kind_label(code: str) -> str:
    """A penalty kind of APL Art. 9 (oversight/powers.py) in the page's language."""
    return kind_label(code) if page_language() == "zh" else code.replace("_", " ")


LIST_KINDS = {"no_penalty": lazy_gettext("No-penalty list"), "light": lazy_gettext("Light-penalty list")}


def list_kind_label(kind: str) -> str:
    """A list of services/registers/penalty_lists.py (no_penalty, light) in the page's language."""
    return str(LIST_KINDS.get(kind, kind))


LIST_TIERS = {"lighter": lazy_gettext("Lighter (within the statutory range)"),
              "mitigated": lazy_gettext("Mitigated (below the statutory minimum)"),
              "lighter_or_mitigated": lazy_gettext("Lighter or mitigated")}


def list_tier_label(tier: str | None) -> str:
    """What a light-list item grounds (services/registers/penalty_lists.py: lighter, mitigated,
    lighter_or_mitigated) in the page's language; an empty text for none."""
    return str(LIST_TIERS.get(tier, tier)) if tier else ""


def init_templating(app: Flask) -> None:
    login_manager.login_message = N_("Please log in to see this page.")  # translated when flashed
    login_manager.login_message_category = "info"
    login_manager.localize_callback = gettext
    app.jinja_env.filters.update(local_datetime=local_datetime, local_date=local_date, local_due=local_due,
                                 tojson_steps=steps_json,
                                 from_json=from_json, penalty_kind_label=penalty_kind_label)

    @app.context_processor
    def _page_context():
        lang = page_language()
        return {
            "page_lang": lang, "html_lang": HTML_LANG[lang], "languages": LANGUAGES,
            "status_labels": LazyStatusWords(), "role_labels": Translated(ROLE_LABELS),
            "action_labels": Translated(ACTION_LABELS),
            "party_kinds": PARTY_KINDS, "party_cases_of": parties.cases_of, "case_file_entries": entries,
            "procedure_kind_labels": {code: procedure_kinds.label(code, lang) for code in procedure_kinds.KINDS},
            "localized": localized, "list_kind_label": list_kind_label, "list_tier_label": list_tier_label,
            "here": request.full_path.rstrip("?") if request else "/",
            "with_args": with_args, "step_label": task_step_name, "step_name": step_name,
            "alert_name": alert_name, "alert_title": alert_title, "alert_finding": alert_finding, "severity_labels": Translated(SEVERITY_LABELS),
            "severity_meanings": Translated(SEVERITY_MEANINGS),
            "alert_status_labels": {k: localized(v) for k, v in alerts.STATUS_WORDS.items()},
            "reads_alerts": current_user.is_authenticated and alerts.may_read(current_user),
        }
