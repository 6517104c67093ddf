"""The decision clock's rules over recorded forms (oversight/clock.py): a decision belongs to the
request before it; only approved days count; a correction replaces its record; the hearing's
period runs from the request to the hearing; open periods run through today. The forms and limits
are a package's (`clock` of its rules.json): here a made-up procedure's, with pinyin names, whose
law extends a seizure's 30 days (AC 25), to show that nothing of the general procedure is assumed.
"""
from datetime import date

from workflow_app.oversight import bindings, clock
from workflow_app.oversight.clock import ClockRow

SECTION = {
    "extension_request": "yanqi", "extension_approval": "pizhun", "excluded_period": "buji",
    "limits": {"chafeng": {"label": "查封扣押期限|seizure limit", "first_max": 30, "article": "《行政强制法》第25条"},
               "jueding": {"label": "决定期限|decision limit", "first_max": 30, "further_max": 365,
                           "article": "《行政处罚法》第60条"}},
    "periods_article": "《行政强制法》第25条第3款",
    "hearing_period": {"requested": "shenbian.shenqing", "from": ["shenbian.riqi", "tongzhi.ri"],
                       "held": "tingzheng.ri", "article": "《行政处罚法》第64条"},
}
RULES = clock.from_section(SECTION)


def _f(kind, **extra):
    return {"type": kind, **extra}


FORMS = {
    "yanqi": {"type": "object", "properties": {"limit": _f("string", enum=["chafeng", "jueding"]),
                                               "days": _f("integer"), "reason": _f("string")}},
    "pizhun": {"type": "object", "properties": {"decision": _f("string", enum=["approve", "refuse"]),
                                                "approved_days": _f("integer"), "collective_discussion": _f("object")}},
    "buji": {"type": "object", "properties": {"kind": _f("string"), "start_on": _f("string", format="date"),
                                              "end_on": _f("string", format="date"), "basis": _f("string"),
                                              "replaces": _f("integer")}},
    "shenbian": {"type": "object", "properties": {"shenqing": _f("boolean"), "riqi": _f("string", format="date")}},
    "tongzhi": {"type": "object", "properties": {"ri": _f("string", format="date")}},
    "tingzheng": {"type": "object", "properties": {"ri": _f("string", format="date")}},
}


def req(task_id, limit, days):
    return ClockRow(task_id, "yanqi", {"limit": limit, "days": days, "reason": "r"})


def decision(task_id, outcome, days=None):
    return ClockRow(task_id, "pizhun", {"decision": outcome, **({"approved_days": days} if days else {})})


def test_each_decision_belongs_to_the_request_before_it_and_only_approved_days_count():
    rows = [req(1, "chafeng", 10), decision(2, "refuse"), req(3, "chafeng", 15), decision(4, "approve", 12),
            req(5, "jueding", 30), decision(6, "approve"), req(7, "jueding", 20)]
    found = clock.extensions(rows, RULES)
    assert [(e.request_task_id, e.decision, e.approved_days) for e in found] == [
        (1, "refuse", 0), (3, "approve", 12), (5, "approve", 30), (7, None, 0)]
    assert clock.approved_days(rows, RULES) == {"chafeng": 12, "jueding": 30}
    assert clock.pending_extension(rows, RULES).request_task_id == 7
    assert clock.approved_count(rows, RULES, "jueding") == 1 and clock.approved_count(rows, RULES, "chafeng") == 1
    assert (RULES.limits["chafeng"].further, RULES.limits["jueding"].further) == (False, True)
    assert (RULES.limits["chafeng"].label, RULES.limits["chafeng"].label_en) == ("查封扣押期限", "seizure limit")
    # The general procedure's form names mean nothing to this procedure's clock.
    assert clock.extensions([ClockRow(1, "extension_request", {"limit": "filing", "days": 5})], RULES) == []
    assert clock.extensions(rows, clock.ClockRules()) == []  # a procedure without a clock extends nothing


def test_a_correction_replaces_its_record_and_an_open_period_runs_through_today():
    rows = [ClockRow(1, "buji", {"kind": "testing", "start_on": "2026-10-01", "end_on": "2026-10-10"}),
            ClockRow(2, "buji", {"kind": "testing", "start_on": "2026-10-01", "end_on": "2026-10-03", "replaces": 1}),
            ClockRow(3, "buji", {"kind": "announcement", "start_on": "2026-11-20"})]
    periods = clock.excluded_periods(rows, RULES)
    assert [(p.task_id, p.end) for p in periods] == [(2, date(2026, 10, 3)), (3, None)]
    days = clock.excluded_days(periods, today=date(2026, 11, 22))
    assert len(days) == 3 + 3 and date(2026, 11, 22) in days and date(2026, 10, 4) not in days


def test_the_hearing_period_runs_from_the_request_to_the_hearing_and_only_when_one_was_requested():
    answered = ClockRow(1, "shenbian", {"shenqing": True, "riqi": "2026-10-12"})
    held = ClockRow(2, "tingzheng", {"ri": "2026-10-30"})
    [period] = clock.excluded_periods([answered, held], RULES)
    assert (period.kind, period.start, period.end, period.basis) == (
        "hearing", date(2026, 10, 12), date(2026, 10, 30), "《行政处罚法》第64条")
    assert len(clock.excluded_days([period], today=date(2026, 11, 26))) == 19
    [running] = clock.excluded_periods([answered], RULES)  # not held yet: the clock stays stopped
    assert running.end is None
    # The request's day not recorded: the next date named (the hearing notice's) starts it.
    [noticed] = clock.excluded_periods([ClockRow(1, "shenbian", {"shenqing": True}),
                                        ClockRow(3, "tongzhi", {"ri": "2026-10-14"})], RULES)
    assert noticed.start == date(2026, 10, 14)
    waived = ClockRow(1, "shenbian", {"shenqing": False, "riqi": "2026-10-12"})
    assert clock.excluded_periods([waived, held], RULES) == []


def test_a_version_stored_before_packages_declared_their_clock_keeps_the_general_procedures():
    legacy = clock.of_rules({"rules": []}, {"extension_request": {}})
    assert legacy is clock.LEGACY and set(legacy.limits) == {"filing", "decision"}
    assert clock.of_rules(None, {}) == clock.ClockRules()  # no request form: nothing to extend
    assert clock.of_rules({"clock": {}}, {"extension_request": {}}) == clock.ClockRules()  # said: none
    assert clock.of_rules({"clock": SECTION}, FORMS) == RULES


def _problems(section, forms=FORMS):
    return [str(p) for p in bindings.problems({"rules": [], "clock": section}, forms)]


def test_deploy_checks_the_clock_against_the_packages_forms():
    assert _problems(SECTION) == []
    assert any("names no form" in p for p in _problems({**SECTION, "extension_request": "wu"}))
    assert any("come together" in p for p in _problems({k: v for k, v in SECTION.items()
                                                        if k != "extension_approval"}))
    no_days = {**FORMS, "yanqi": {"type": "object", "properties": {"limit": _f("string", enum=["chafeng", "jueding"]),
                                                                     "reason": _f("string")}}}
    assert any("has no field days" in p for p in _problems(SECTION, no_days))
    assert any("offers chafeng, jueding" in p for p in _problems({**SECTION, "limits": {
        "chafeng": SECTION["limits"]["chafeng"]}}))
    assert any("first_max" in p for p in _problems({**SECTION, "limits": {
        **SECTION["limits"], "chafeng": {**SECTION["limits"]["chafeng"], "first_max": 0}}}))
    assert any("article" in p for p in _problems({**SECTION, "limits": {
        **SECTION["limits"], "chafeng": {"label": "x", "first_max": 3}}}))
    assert any("unknown key 'tingzhi'" in p for p in _problems({**SECTION, "tingzhi": 1}))
    assert any("shenbian.wu" in p for p in _problems({**SECTION, "hearing_period": {
        **SECTION["hearing_period"], "requested": "shenbian.wu"}}))
    assert any("boolean" in p for p in _problems({**SECTION, "hearing_period": {
        **SECTION["hearing_period"], "requested": "shenbian.riqi"}}))
    assert _problems("x") and _problems({**SECTION, "limits": []})


def test_a_collective_discussion_is_asked_for_only_where_a_limit_may_be_extended_further():
    """行政强制法 Art. 25 extends a seizure once: a package whose limits allow no further extension
    need not record a discussion on its approval form; one with a further extension must."""
    without = {**FORMS, "pizhun": {"type": "object", "properties": {
        "decision": _f("string", enum=["approve", "refuse"]), "approved_days": _f("integer")}}}
    once = {**SECTION, "limits": {"chafeng": SECTION["limits"]["chafeng"]},
            "extension_request": "yanqi_once"}
    forms = {**without, "yanqi_once": {"type": "object", "properties": {
        "limit": _f("string", enum=["chafeng"]), "days": _f("integer"), "reason": _f("string")}}}
    assert _problems(once, forms) == []
    assert any("has no field collective_discussion" in p for p in _problems(SECTION, without))
