"""Issue 7, English by a switch: on an English page a task form's labels and options, the case
file's labels and recorded choices, and the steps' names (the English title of the step's form)
are English; the same pages in Chinese are as they were. Through the Flask test client, on SQLite
and PostgreSQL."""
import pytest

from tests.helpers import STEPS
from tests.integration.test_task_forms import page_of
from tests.web_session import html
from workflow_app.i18n import LANGUAGE_COOKIE

pytestmark = pytest.mark.dates


def _in_english(client):
    client.set_cookie(LANGUAGE_COOKIE, "en")
    return client


def test_the_task_form_the_inbox_and_the_case_file_speak_english_on_an_english_page(app, api):
    case = api.run(api.open_case(), "clue_intake")
    task_id = api.task(api.get(f"/api/v1/cases/{case['id']}").json, "filing_approval")["id"]
    head = _in_english(page_of(app.test_client(), "head1"))

    form = html(head.get(f"/tasks/{task_id}"))
    assert "Step: Filing approval" in form
    assert ">Approval opinion<" in form or "Approval opinion" in form.split('name="filing_decision"')[0]
    assert "> File the case</label>" in form and "> Do not file the case</label>" in form
    assert "Limitation period checked and not expired (Administrative Penalty Law, Art. 36)" in form
    assert "立案审批" not in form and "予以立案" not in form and "审批意见" not in form

    inbox = html(head.get("/inbox"))
    assert f'href="/tasks/{task_id}" data-testid="task-link">Filing approval</a>' in inbox
    assert "立案审批" not in inbox

    page = html(head.get(f"/cases/{case['id']}"))
    assert "<strong>Filing approval</strong>" in page  # the current step
    assert "<h3>Clue intake</h3>" in page  # the case file's heading
    assert '</span>Clue intake —' in page and '</span>Filing approval —' in page  # the diagram's step list
    assert "Source of the clue" in page and "Complaint or report" in page
    assert "Date the clue was received" in page and STEPS["clue_intake"][1]["summary"] in page
    trace = page.split('data-testid="trace"')[1]
    assert "<span>Clue intake</span>" in trace and "<span>Filing approval</span>" in trace
    for chinese in ("线索来源", "投诉举报", "收到线索日期", "<strong>立案审批</strong>", "<span>线索登记</span>"):
        assert chinese not in page


def test_the_same_pages_in_chinese_are_unchanged(app, api):
    case = api.run(api.open_case(), "clue_intake")
    task_id = api.task(api.get(f"/api/v1/cases/{case['id']}").json, "filing_approval")["id"]
    head = page_of(app.test_client(), "head1")

    form = html(head.get(f"/tasks/{task_id}"))
    assert "立案审批" in form and "> 予以立案</label>" in form and "审批意见" in form
    assert "Filing approval" not in form and "File the case" not in form

    inbox = html(head.get("/inbox"))
    assert f'href="/tasks/{task_id}" data-testid="task-link">立案审批</a>' in inbox

    page = html(head.get(f"/cases/{case['id']}"))
    assert "<strong>立案审批</strong>" in page and "<h3>线索登记</h3>" in page
    assert '</span>线索登记 —' in page and '</span>立案审批 —' in page
    assert "<span>线索登记</span>" in page.split('data-testid="trace"')[1]
    assert "线索来源" in page and "投诉举报" in page
    for english in ("Filing approval", "Clue intake", "Source of the clue", "Complaint or report"):
        assert english not in page


def test_a_step_without_a_form_keeps_its_bpmn_name_in_english():
    from workflow_app.i18n import step_name

    assert step_name("立案审批", {"title": "立案审批", "x-title-en": "Filing approval"}, "en") == "Filing approval"
    assert step_name("立案审批", {"title": "立案审批", "x-title-en": "Filing approval"}, "zh") == "立案审批"
    assert step_name("公示期满", None, "en") == "公示期满"


def test_a_version_deployed_before_the_forms_had_english_labels_reads_in_english(app, api, tmp_path):
    """The forms of forms/ as they were before `x-title-en`: a version deployed then keeps its
    snapshot, and its pages take the English labels forms/ has now (where the Chinese is the same)."""
    import json

    from tests.conftest import ROOT
    from tests.unit.test_forms import FORMS, _without_english
    from workflow_app.extensions import db
    from workflow_app.models import ProcedureVersion
    from workflow_app.services.procedures import versions as procedures

    (tmp_path / "general_penalty").mkdir()
    for key, schema in FORMS.items():
        (tmp_path / "general_penalty" / f"{key}.schema.json").write_text(json.dumps(_without_english(schema), ensure_ascii=False),
                                                     encoding="utf-8")
    bpmn = (ROOT / "bpmn" / "general_penalty" / "general_penalty.bpmn").read_bytes() + b"\n<!-- deployed before English labels -->\n"
    forms_dir, app.config["FORMS_DIR"] = app.config["FORMS_DIR"], str(tmp_path)
    try:
        with app.app_context():
            version, created = procedures.deploy(bpmn, "admin")
            db.session.commit()
            assert created and "x-title-en" not in version.forms["filing_approval"]
            version_id, number = version.id, version.version
    finally:
        app.config["FORMS_DIR"] = forms_dir
    case = api.run(api.open_case(), "clue_intake")
    assert case["procedure_version"] == number  # the case runs on the version without English labels
    task_id = api.task(api.get(f"/api/v1/cases/{case['id']}").json, "filing_approval")["id"]
    form = html(_in_english(page_of(app.test_client(), "head1")).get(f"/tasks/{task_id}"))
    assert "Step: Filing approval" in form and "> File the case</label>" in form
    assert "立案审批" not in form and "予以立案" not in form
    with app.app_context():  # the stored snapshot is as deployed
        assert "x-title-en" not in db.session.get(ProcedureVersion, version_id).forms["filing_approval"]
