"""The demo data `make run` creates: officers whose certificates are valid whatever the day, and
sample cases that follow general_penalty wherever it routes to the stage each one is named for."""
import re
from collections import Counter
from datetime import date, timedelta

import pytest

from tests.helpers import days_ago
from tests.samples import sequential
from workflow_app.demo.cases import (
    DEFAULT_COUNT,
    FINES,
    FIRST_VIOLATOR,
    PARTIES,
    STAGES,
    DemoCase,
    drive_to_stage,
    received_for,
)
from workflow_app.extensions import db
from workflow_app.wall_clock import local_today

pytestmark = pytest.mark.dates

# Where a case at each stage stands: (case status, its ready tasks).
WHERE = {
    "clue": ("intake", {"clue_intake"}),
    "awaiting_filing": ("intake", {"filing_approval"}),
    "not_filed": ("not_filed", set()),
    "investigating": ("investigating", {"investigation"}),
    "awaiting_review": ("investigating", {"legal_review"}),
    "returned": ("investigating", {"investigation"}),
    "in_hearing": ("investigating", {"hearing_record"}),
    "awaiting_discussion": ("investigating", {"collective_discussion"}),
    "awaiting_decision": ("investigating", {"penalty_decision"}),
    "decided": ("decided", {"service", "disclosure"}),
    "closed": ("closed", set()),
    "no_penalty_decided": ("decided", {"no_penalty_service"}),
    "awaiting_transfer_approval": ("investigating", {"transfer_approval"}),
    "transferred": ("investigating", {"transfer_feedback"}),
    "transfer_closed": ("closed", set()),
    "transfer_not_accepted": ("investigating", {"investigation"}),
    "demanded": ("served", {"execution"}),
    "awaiting_court": ("served", {"execution"}),
    "executing_coercively": ("served", {"coercive_execution_record"}),
    "awaiting_plan_approval": ("served", {"payment_plan_approval"}),
    "paying_instalments": ("served", {"execution_scheduled"}),
    "service_late": ("decided", {"service", "disclosure"}),
    "summary_on_spot": ("on_the_spot", {"notify"}),
    "summary_to_sign": ("decided", {"serve"}),
    "summary_collected": ("served", {"hand_over", "file_record"}),
    "summary_paying_at_bank": ("served", {"payment", "file_record"}),
    "summary_refused_to_sign": ("served", {"file_record"}),
    "summary_not_handed_over": ("served", {"hand_over", "file_record"}),
    "summary_closed": ("closed", set()),
    "list_penalized": ("decided", {"service", "disclosure"}),
    "light_list_review": ("investigating", {"legal_review"}),
}


def demo_cases(app, *args):
    return app.test_cli_runner().invoke(args=["demo", "cases", *args])


def penalty_cases():
    """The demo's penalty cases (general and summary procedure), not its seizures (demo/seizure.py)
    nor its referrals (demo/referral.py), nor its inspections (demo/inspection.py), nor the cases
    opened from others (linked to them: a confiscation's penalty case, a referral's receipt and the
    case it filed, the penalty cases its inspections opened at the clue)."""
    from workflow_app.models import Case, CaseLink, Procedure, ProcedureVersion

    return (db.select(Case).join(ProcedureVersion, Case.procedure_version_id == ProcedureVersion.id)
            .join(Procedure, ProcedureVersion.procedure_id == Procedure.id)
            .where(Procedure.process_id.not_in(("seizure", "referral", "referral_receipt", "inspection")),
                   Case.id.not_in(db.select(CaseLink.to_case_id))))


def cases_with_ready_tasks():
    from workflow_app.models import Case, Task

    out = []
    from workflow_app.demo.cases import DEPARTMENT
    from workflow_app.models import OrgUnit

    for case in db.session.execute(penalty_cases().join(OrgUnit, Case.department_id == OrgUnit.id)
                                   .where(OrgUnit.code == DEPARTMENT).order_by(Case.id)).scalars():
        ready = {t.bpmn_id for t in db.session.execute(
            db.select(Task).where(Task.case_id == case.id, Task.state == "ready")).scalars()}
        out.append((case, ready))
    return out


def assert_every_case_at_its_stage(expected_count: int):
    from workflow_app.services.cases.lifecycle import legal_reviews

    assert set(WHERE) == {s.name for s in STAGES}, "a new stage needs its place in WHERE"
    found = cases_with_ready_tasks()
    assert len(found) == expected_count
    for n, (case, ready) in enumerate(found, start=1):
        stage = STAGES[(n - 1) % len(STAGES)]
        assert (case.status, ready) == WHERE[stage.name], (case.number, stage.name)
        returned = [r for r in legal_reviews(case) if r.outcome == "return"]
        assert bool(returned) == (stage.name == "returned"), (case.number, stage.name)


@pytest.mark.demo_cases
def test_the_default_demo_brings_every_case_to_its_stage_two_at_each(app, api, demo_output):
    assert f"Opened {DEFAULT_COUNT} demo cases" in demo_output and DEFAULT_COUNT == 2 * len(STAGES)
    for stage in STAGES:
        assert re.search(rf"^\s+2 {re.escape(stage.label)}", demo_output, re.M), stage.label
    # the oversight scan ends the command: the late demo cases' alerts are there from the start
    scanned = re.search(r"^Oversight: (\d+) alert\(s\) raised \((.*)\)\.$", demo_output, re.M)
    assert scanned, demo_output
    assert "SERVICE_LATE" in scanned.group(2) and "DISCLOSURE_LATE" in scanned.group(2)
    assert "SUMMARY_FINE_NOT_HANDED_OVER" in scanned.group(2)
    with app.app_context():  # the demo's decisions follow the benchmark register: their fines fit their tiers
        from workflow_app.models import Alert

        codes = set(db.session.execute(db.select(Alert.code)).scalars())
        assert "FINE_OUTSIDE_BENCHMARK" not in codes, codes
        # the fines demanded after their 15 days: raised by the execution step that recorded the
        # demand (its act after the due time), before any scan
        late = db.session.execute(db.select(Alert.raised_by).where(Alert.code == "PAYMENT_OVERDUE")).scalars().all()
        assert late and set(late) == {"rule:step"}, late
        # the cases found on the no-penalty list and fined all the same raise MINOR_FIRST_VIOLATION_PENALIZED
        penalized = db.session.execute(db.select(Alert).where(Alert.code == "MINOR_FIRST_VIOLATION_PENALIZED")
                                       ).scalars().all()
        assert len(penalized) == 2 and {a.details["item"] for a in penalized} == {"SCJG-BCF-002"}
        assert "LIGHT_LIST_NOT_APPLIED" not in codes  # the light-list cases propose a lighter fine
    with app.app_context():
        assert_every_case_at_its_stage(DEFAULT_COUNT)
        # each seizure handed on for confiscation names the penalty case opened from it (AC 27)
        from workflow_app.models import Case, CaseLink

        referred = db.session.execute(db.select(Case.id).where(Case.status == "confiscation_referred")).scalars().all()
        linked = set(db.session.execute(db.select(CaseLink.from_case_id).where(CaseLink.kind == "confiscation")).scalars())
        assert referred and set(referred) <= linked, (referred, linked)
        from workflow_app.models import Evidence  # the general procedure's cases have their evidence lists

        listed = db.session.execute(db.select(Evidence.case_id, Evidence.kind)).all()
        assert len({case_id for case_id, _ in listed}) >= DEFAULT_COUNT // 2
        assert {kind for _, kind in listed} == {"audiovisual", "inspection_record"}
    with app.app_context():  # the other departments' clues: each its department's number, party and evidence
        from workflow_app.demo.departments import CLUES
        from workflow_app.models import Case, Evidence, OrgUnit

        others = db.session.execute(penalty_cases().add_columns(OrgUnit.code)
                                    .join(OrgUnit, Case.department_id == OrgUnit.id)
                                    .where(OrgUnit.code != "market")).all()
        assert {code for _case, code in others} == {c[0] for c in CLUES}, others
        for case, _code in others:
            assert case.party_id is not None and not case.number.startswith("MARKET")
            assert db.session.scalar(db.select(db.func.count()).select_from(Evidence)
                                     .where(Evidence.case_id == case.id)) == 2
    # the reviewer's sheet of the cases found on the light-penalty list shows the finding, consistent
    reviews = [t for t in api.get("/api/v1/tasks?mine=1&per_page=100", as_="reviewer1").json["items"]]
    findings = [api.get(f"/api/v1/tasks/{t['id']}/review-sheet", as_="reviewer1").json["penalty_list"] for t in reviews]
    light = [f for f in findings if f and f["item"] and f["item"]["kind"] == "light"]
    assert len(light) == 2 and all(f["code"] == "SCJG-CQ-003" and f["meets"] and f["consistent"] for f in light)
    assert all(f["first_violation"]["first"] is True for f in light)
    assert "nothing changed" in demo_cases(app, "--if-empty").output
    verify = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert verify.exit_code == 0, verify.output


@pytest.mark.demo_cases
def test_the_demo_cases_name_their_parties_in_the_register_some_more_than_once(app):
    """Every demo case names a party of the register (valid numbers, one row per number), and a
    party with several cases shows a repeat violation on its record."""
    from workflow_app.models import Case, Party
    from workflow_app.oversight.identity import number_problem

    with app.app_context():
        from workflow_app.demo.departments import CLUES
        from workflow_app.models import Procedure, ProcedureVersion

        # the enterprises the demo inspects (demo/inspection.py) come from the register of market entities
        inspected = set(db.session.execute(db.select(Case.party_id).join(ProcedureVersion).join(Procedure).where(
            Procedure.process_id == "inspection")).scalars())
        registered = [p for p in db.session.execute(db.select(Party)).scalars() if p.id not in inspected]

        assert {p.name for p in registered} == ({name for name, *_ in PARTIES} | {clue[3] for clue in CLUES}
                                                | {FIRST_VIOLATOR[0]})
        assert all(number_problem(p.kind, p.id_number) is None for p in registered)
        assert all(p.legal_representative for p in registered if p.kind == "organization")
        named = Counter(db.session.execute(db.select(Case.party_id)).scalars())
        assert None not in named and max(named.values()) >= 2
        for case in db.session.execute(db.select(Case)).scalars():
            assert (case.party_name, case.party_kind) == (case.party.name, case.party.kind)


@pytest.mark.demo_cases
def test_the_demo_puts_work_in_each_roles_inbox_and_they_can_do_it(app, api):
    inbox = {who: {t["bpmn_id"] for t in api.get("/api/v1/tasks?mine=1", as_=who).json["items"]}
             for who in ("officer1", "head1", "reviewer1")}
    assert {"clue_intake", "investigation", "hearing_record", "service", "disclosure", "no_penalty_service",
            "transfer_feedback", "execution", "execution_scheduled"} <= inbox["officer1"]
    assert {"filing_approval", "collective_discussion", "penalty_decision", "transfer_approval",
            "payment_plan_approval"} <= inbox["head1"]
    assert inbox["reviewer1"] == {"legal_review"}
    review = next(t for t in api.get("/api/v1/tasks?mine=1", as_="reviewer1").json["items"])
    case = api.get(f"/api/v1/cases/{review['case_id']}").json
    # reviewer1 handled none of the demo cases; the demo's dates are recent, so the review is today's
    api.complete(case, "legal_review", as_="reviewer1", reviewed_on=days_ago(0))


def test_a_larger_demo_reaches_every_stage_with_lawful_dates_in_the_past(app):
    count = DEFAULT_COUNT + 1  # one more than the default: the stages begin again
    assert demo_cases(app, "--count", str(count)).exit_code == 0
    from workflow_app.models import Task

    today = local_today()
    with app.app_context():
        assert_every_case_at_its_stage(count)
        for task in db.session.execute(db.select(Task).where(Task.state == "completed")).scalars():
            dates = {k: date.fromisoformat(v) for k, v in task.data.items()
                     if isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v)}
            for field, day in dates.items():
                if field == "hearing_date":  # APL Art. 64: notified at least 7 days ahead
                    assert day >= dates["notice_served_on"] + timedelta(days=7), task.data
                elif field == "feedback_due_on":  # a referral's feedback is due by a date to come
                    assert day > date.fromisoformat(task.data["referred_on"]), task.data
                elif field == "rectify_by":  # an inspection's rectification period runs on (demo/inspection.py)
                    assert day > dates["result_on"]
                elif field == "period_ends_on":  # an approved instalment period may run on (APL 66(2))
                    assert day == date.fromisoformat(task.data["instalments"][-1]["due_on"]) > dates["decided_on"]
                else:
                    assert day <= today, (task.bpmn_id, field, day)
            if "violation_date" in dates:  # within the two-year limitation (APL Art. 36)
                assert dates["violation_date"] < dates["received_on"]
                assert dates["violation_date"] > today - timedelta(days=2 * 365)
    assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0


def test_a_person_fined_20000_goes_through_legal_review_and_discussion_to_the_decision(ctx, user):
    """The case that used to crash `make run`: the BPMN routes it to legal review (APL Art. 58)."""
    from workflow_app.models import Task
    from workflow_app.services.cases import lifecycle as cases

    decided = next(s for s in STAGES if s.name == "decided")
    assert decided.story.major is False and decided.story.hearing is False
    demo = DemoCase(n=1, stage=decided, party="王某某", party_kind="person", party_id_number=PARTIES[2][2],
                    party_address=PARTIES[2][3], fine=20000, received=received_for(decided, local_today()))
    case = cases.open_case(user("officer1"), process_id="general_penalty", title=demo.title,
                           department_code="market", party={"name": demo.party, "kind": "person"})
    users = {name: user(name) for name in ("officer1", "officer2", "officer3", "reviewer1", "reviewer2", "head1")}
    case = drive_to_stage(case, demo, users)
    assert case.status == "decided"
    done = {t.bpmn_id: t.completed_by.username for t in db.session.execute(
        db.select(Task).where(Task.case_id == case.id, Task.state == "completed")).scalars()}
    assert done["legal_review"] == "reviewer1" and done["collective_discussion"] == "head1"
    assert done["penalty_decision"] == "head1"


def test_a_stage_the_procedure_cannot_reach_stops_the_demo_with_a_clear_message(app):
    from workflow_app.services.procedures import versions as procedures

    with app.app_context():  # a new version of general_penalty that ends after the clue
        procedures.deploy(sequential("general_penalty", [("user", "clue_intake", {"formKey": "clue_intake"})]),
                          "cli:test")
    r = demo_cases(app, "--count", "2")
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert re.search(r"^Error: demo case 清市监立〔\d{4}〕2号 cannot reach the stage 'awaiting filing "
                     r"approval': the procedure has no ready task \(case status closed\)", r.output, re.M), r.output


def test_demo_certificates_are_valid_from_the_day_of_seeding_for_years(ctx, user):
    """No time bomb: officers seeded on any day may act that day and for years after."""
    from workflow_app.demo.seed import certificate_period

    today = local_today()
    for name in ("officer1", "officer2", "officer3", "environment_officer1"):
        cert = user(name).valid_certificate(today)
        assert cert is not None, name
        assert cert.issued_on < today and cert.expires_on >= today + timedelta(days=4 * 365)
    for seeded_on in (date(2031, 2, 28), date(2048, 2, 29), date(2099, 12, 31)):
        issued, expires = certificate_period(seeded_on)
        assert issued < seeded_on < expires


@pytest.mark.demo_cases
def test_the_demo_holds_a_case_on_each_outcome_path_with_its_record(app, api):
    """No penalty, transfer, demand and court, instalments: each stage shows the record that put it
    there, and its next step can be done lawfully."""
    from workflow_app.models import Task

    with app.app_context():
        def records(bpmn_id):
            return [t.data for t in db.session.execute(db.select(Task).where(
                Task.bpmn_id == bpmn_id, Task.state == "completed").order_by(Task.id)).scalars()]
        assert {f["judicial_result"] for f in records("transfer_feedback")} == {"accepted", "not_accepted"}
        outcomes = {e["outcome"] for e in records("execution")}
        assert {"demanded", "court_enforcement", "deferral_requested", "paid"} <= outcomes
        plans = records("payment_plan_approval")
        assert plans and all(sum(i["amount"] for i in p["instalments"]) in FINES
                             for p in plans)
    tasks = {t["bpmn_id"]: t for t in api.get("/api/v1/tasks?mine=1", as_="head1").json["items"]}
    case = api.get(f"/api/v1/cases/{tasks['transfer_approval']['case_id']}").json
    assert api.ready(api.complete(case, "transfer_approval", decided_on=days_ago(0))) == ["transfer"]
    tasks = {t["bpmn_id"]: t for t in api.get("/api/v1/tasks?mine=1", as_="officer1").json["items"]}
    case = api.get(f"/api/v1/cases/{tasks['no_penalty_service']['case_id']}").json
    assert api.ready(api.complete(case, "no_penalty_service", served_on=days_ago(0))) == ["closing"]


@pytest.mark.demo_cases
def test_every_recorded_value_the_case_does_not_make_its_own_is_the_forms_example(app):
    """The demo's texts are the schemas' examples (also shown in the API documentation): only the
    fields OWN declares a case's own (dates, numbers, party, amounts, people, story) differ, and an
    example's field is missing only where the story's branch declares it dropped."""
    from workflow_app.demo.cases import own_fields
    from workflow_app.models import Task
    from workflow_app.services.procedures.versions import procedure_info
    from workflow_app.services.registers.numbering import numbered_fields

    with app.app_context():
        checked = Counter()
        for n, (case, _) in enumerate(cases_with_ready_tasks(), start=1):
            story = STAGES[(n - 1) % len(STAGES)].story
            forms = procedure_info(case.procedure_version).forms
            for task in db.session.execute(db.select(Task).where(
                    Task.case_id == case.id, Task.state == "completed")).scalars():
                example = forms[task.form_key]["examples"][0]
                writes, drops = own_fields(task.form_key, task.data, story)
                writes = {*writes, *numbered_fields(forms[task.form_key])}  # issued by the system: the case's own
                for field, value in task.data.items():
                    if field not in writes:
                        assert value == example.get(field), (case.number, task.bpmn_id, field, value)
                        checked[task.form_key, field] += 1
                missing = set(example) - set(task.data)
                assert missing <= drops, (case.number, task.bpmn_id, missing)
        # the texts of every step of the penalty path were compared: none is a case's own
        for form_key, field in (("clue_intake", "summary"), ("filing_approval", "reason"),
                                ("investigation", "evidence"), ("investigation_report", "facts"),
                                ("statement_defence", "statement"), ("hearing_record", "record"),
                                ("legal_review", "opinions"), ("collective_discussion", "opinions"),
                                ("penalty_decision", "legal_basis"), ("closing", "closing_report")):
            assert checked[form_key, field], (form_key, field)


@pytest.mark.demo_cases
def test_a_personal_text_is_the_examples_with_only_the_party_and_the_amount_replaced(app):
    """The public text, the notified penalty and the discussion's conclusion state this case's party
    and fine in the example's words."""
    from workflow_app.demo.cases import EXAMPLE_PARTY
    from workflow_app.models import Case, Task
    from workflow_app.services.procedures.versions import procedure_info

    with app.app_context():
        compared = Counter()
        for case in db.session.execute(db.select(Case)).scalars():
            forms = procedure_info(case.procedure_version).forms
            done = {t.form_key: t.data for t in db.session.execute(db.select(Task).where(
                Task.case_id == case.id, Task.state == "completed")).scalars()}
            if "penalty_notice" not in done:
                continue
            fine, example_fine = done["penalty_notice"]["notified_fine"], forms["penalty_decision"]["examples"][0]["fine_amount"]
            public_name = case.party_name if case.party_kind == "organization" else "当事人"
            for form_key, field, party in (("penalty_notice", "notified_penalty", None),
                                           ("collective_discussion", "conclusion", None),
                                           ("disclosure", "public_text", public_name)):
                if form_key not in done:
                    continue
                expected = forms[form_key]["examples"][0][field].replace(f"{example_fine}元", f"{fine}元")
                if party:
                    expected = expected.replace(EXAMPLE_PARTY, party)
                assert done[form_key][field] == expected and f"{fine}元" in expected, (case.number, form_key)
                compared[form_key] += 1
        assert set(compared) == {"penalty_notice", "collective_discussion", "disclosure"}


def test_a_demo_step_that_writes_a_field_the_case_does_not_own_is_refused(ctx, user, monkeypatch):
    """The demo may not write its own text where the form's example has one: the driver stops."""
    from workflow_app.demo import cases as demo
    from workflow_app.services.cases import lifecycle as cases

    clue = next(s for s in STAGES if s.name == "awaiting_filing")
    monkeypatch.setitem(demo.STEPS, "clue_intake", lambda d, case, example: (
        "officer1", {"received_on": d.on("received"), "summary": "演示程序自己写的线索内容"}))
    case_demo = DemoCase(n=1, stage=clue, party=PARTIES[0][0], party_kind="organization",
                         party_id_number=PARTIES[0][2], party_address=PARTIES[0][3], fine=20000,
                         received=received_for(clue, local_today()))
    case = cases.open_case(user("officer1"), process_id="general_penalty", title=case_demo.title,
                           department_code="market", party={"name": case_demo.party, "kind": "organization"})
    users = {name: user(name) for name in ("officer1", "head1")}
    with pytest.raises(demo.DemoStageUnreachable, match=r"the demo step for form clue_intake sets summary, which a "
                                                        r"case does not make its own .* declare it in OWN"):
        drive_to_stage(case, case_demo, users)
    assert {t.bpmn_id for t in cases.ready_tasks(case)} == {"clue_intake"}


def test_a_branch_drops_the_examples_fields_that_do_not_apply_and_no_others():
    from workflow_app.demo.cases import Story, personalized

    example = {"outcome": "paid", "paid_on": "2026-12-10", "amount_paid": 20000, "note": "已全额缴纳"}
    assert personalized("execution", example, {"outcome": "demanded", "demand_served_on": "2026-12-20",
                                                "note": "已送达催告书"}, Story()) == {
        "outcome": "demanded", "demand_served_on": "2026-12-20", "note": "已送达催告书"}
    with pytest.raises(Exception, match="sets note"):  # the paid record keeps the example's note
        personalized("execution", example, {"outcome": "paid", "note": "演示程序自己写的说明"}, Story())
    with pytest.raises(Exception, match="sets paid_on"):  # a demand records no payment day
        personalized("execution", example, {"outcome": "demanded", "paid_on": "2026-12-10"}, Story())


@pytest.mark.demo_cases
def test_the_demo_holds_a_referral_at_each_stage_each_side_in_its_own_inbox(app, api, demo_output):
    """线索移送 (demo/referral.py): each stage reached, the sent ones in the receiving department's inbox
    and nothing of them in the referring officers' (their wait is a receive task), the one past its
    date marked and raising REFERRAL_FEEDBACK_OVERDUE in its sending, and the outcome on the origin
    penalty cases' pages."""
    from workflow_app.demo.referral import STAGES as REFERRAL_STAGES

    for stage in REFERRAL_STAGES:
        assert re.search(rf"^\s+1 {re.escape(stage.label)}", demo_output, re.M), stage.label
    with app.app_context():
        from workflow_app.models import Alert, Case, Referral

        statuses = Counter(db.session.execute(db.select(Case.status).join(
            Referral, Referral.referral_case_id == Case.id)).scalars())
        # the one past its date was sent after it: its wait's timer fired in the sending (逾期未反馈)
        assert statuses == {"referred": 2, "feedback_overdue": 1, "accepted": 1, "returned": 1}, statuses
        overdue = db.session.execute(db.select(Alert.case_id).where(Alert.code == "REFERRAL_FEEDBACK_OVERDUE")).scalars().all()
        assert len(overdue) == 1
        from workflow_app.models import Procedure, ProcedureVersion

        drafting = db.session.execute(db.select(Case.id).join(ProcedureVersion).join(Procedure).where(
            Procedure.process_id == "referral", Case.status == "referral_drafting")).all()
        assert len(drafting) == 2  # the letter to be drafted, awaiting approval
    answers = [t for t in api.get("/api/v1/tasks", as_="urban_officer1").json["items"] if t["bpmn_id"] == "referral_answer"]
    assert len(answers) == 4  # three departments' referrals and the supervision's
    sent = api.get("/api/v1/referrals", as_="supervisor1").json["items"]
    assert [(r["by_supervision"], r["from_department"], r["outcome"]) for r in sent] == [(True, "清河区司法局", None)]
    assert sent[0]["origin_case"]["id"] and sent[0]["receipt_case"]["id"] in {t["case_id"] for t in answers}
    assert not [t for t in api.get("/api/v1/tasks", as_="officer1").json["items"]
                if t["bpmn_id"] in ("referral_answer", "referral_feedback")]
