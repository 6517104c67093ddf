"""Kinds of procedure (oversight/procedure_kinds.py): a package declares its kind on its process
(`procedureKind`), deploy keeps it, refuses a kind it does not know or one put on a flow element, and
the case list, the inbox, the case search and the dashboard filter and count by it. Through the API
and the pages' server side, on SQLite and PostgreSQL."""
import io

from tests import samples
from tests.web_session import html, page_login

PROPS = ('<bpmn:extensionElements><spiffworkflow:properties>'
         '<spiffworkflow:property name="procedureKind" value="{kind}"/>'
         '</spiffworkflow:properties></bpmn:extensionElements>')


def coercion_bpmn(process_id: str = "seal_demo", kind: str = "coercion") -> bytes:
    xml = samples.sequential(process_id, [("user", "seal", {}), ("user", "release", {})]).decode("utf-8")
    return xml.replace('isExecutable="true">', 'isExecutable="true">' + PROPS.format(kind=kind), 1).encode("utf-8")


def deploy(api, data: bytes):
    return api.post("/api/v1/procedures", as_="author1", data={"file": (io.BytesIO(data), "p.bpmn")},
                    content_type="multipart/form-data", headers={"Accept-Language": "en"})


def test_a_coercion_procedure_is_counted_and_filtered_apart_from_the_penalties(api):
    assert deploy(api, coercion_bpmn()).status_code == 201
    penalty = api.open_case()
    seal = api.open_case(procedure_id="seal_demo", title="某仓库扣押案")
    assert penalty["procedure_kind"] == "penalty" and seal["procedure_kind"] == "coercion"

    listed = api.get("/api/v1/cases?procedure_kind=coercion").json["items"]
    assert seal["id"] in [c["id"] for c in listed] and penalty["id"] not in [c["id"] for c in listed]
    assert penalty["id"] in [c["id"] for c in api.get("/api/v1/cases?procedure_kind=penalty&per_page=100").json["items"]]
    bad = api.get("/api/v1/cases?procedure_kind=seizure")
    assert bad.status_code == 422 and "procedure_kind" in bad.json["errors"]

    summary = api.get("/api/v1/oversight/summary", as_="supervisor1").json["cases"]
    by_kind = {k["kind"]: k for k in summary["by_kind"]}
    assert list(by_kind) == ["penalty", "coercion", "inspection", "referral", "other"]
    assert by_kind["coercion"]["name"] == "行政强制" and by_kind["coercion"]["total"] == 1
    assert by_kind["coercion"]["open"] == 1 and by_kind["penalty"]["total"] >= 1
    market = next(d for d in summary["by_department"] if d["department"] == "market")
    assert {k["kind"]: k["total"] for k in market["by_kind"]}["coercion"] == 1
    assert market["total"] == sum(k["total"] for k in market["by_kind"])

    browser = api.client.application.test_client()
    page_login(browser, "officer1")
    for url in ("/cases?kind=coercion", "/inbox?kind=coercion"):
        text = html(browser.get(url))
        assert seal["number"] in text and penalty["number"] not in text, url
    assert penalty["number"] in html(browser.get("/cases?kind=penalty"))
    assert browser.get("/cases?kind=nonsense").status_code in (400, 422)
    browser = api.client.application.test_client()
    page_login(browser, "supervisor1")
    dashboard = html(browser.get("/dashboard"))
    assert "各部门案件数（按执法类别）" in dashboard and 'data-testid="kind-total-coercion"' in dashboard


def test_deploy_refuses_an_unknown_kind_or_one_on_a_flow_element(api):
    r = deploy(api, coercion_bpmn("odd_kind", kind="seizure"))
    assert r.status_code == 422 and "procedureKind 'seizure' is not one of penalty, coercion" in r.text
    on_task = samples.sequential("kind_on_task", [("user", "seal", {"procedureKind": "coercion"})])
    r = deploy(api, on_task)
    assert r.status_code == 422 and "procedureKind marks the process" in r.text


def test_the_shipped_procedures_declare_their_kinds(api):
    kinds = {c["procedure_id"]: c["procedure_kind"] for c in (
        api.open_case(), api.open_case(procedure_id="summary_penalty"), api.open_case(procedure_id="seizure"))}
    assert kinds == {"general_penalty": "penalty", "summary_penalty": "penalty", "seizure": "coercion"}
