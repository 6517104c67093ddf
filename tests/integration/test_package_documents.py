"""A package's documents are its own Word templates, declared in bpmn/<id>/documents/documents.json
and filled from its own steps and fields (docs/documents.md).

The fixture tests/fixtures/packages/other_penalty has other step ids and field names than the
general procedure (`jueding.jueding_riqi`, `songda.fangshi`…) and no .py file: its 处罚决定书 and
电子送达确认书 come from its own record. Deploy refuses a list or a template that cannot be
filled, naming the file; a template that gets past deploy and runs away stops in its engine
worker with a 409, and the next document is made as usual.
"""
import hashlib
import io
import json
import re
import zipfile

import docx
import pytest

from tests.integration.test_rule_bindings import FIXTURE, complete, layout, walk
from tests.integration.test_rule_bindings import deploy as deploy_files
from tests.integration.test_rule_bindings import open_case as open_other_case
from workflow_app.services.procedures import packages

DOCUMENTS = "bpmn/other_penalty/documents"
MANIFEST = f"{DOCUMENTS}/documents.json"
EN = {"Accept-Language": "en"}


def template(*paragraphs: str) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def text_of(content: bytes) -> str:
    document = docx.Document(io.BytesIO(content))
    return "\n".join([p.text for p in document.paragraphs]
                     + [c.text for t in document.tables for r in t.rows for c in r.cells])


def listed(api, case) -> dict:
    r = api.get(f"/api/v1/cases/{case['id']}/documents")
    assert r.status_code == 200, r.json
    return {d["kind"]: d for d in r.json["items"]}


def download(api, case, kind, fmt="docx"):
    return api.get(f"/api/v1/cases/{case['id']}/documents/{kind}.{fmt}")


def manifest(*documents: dict) -> bytes:
    return json.dumps({"documents": list(documents)}, ensure_ascii=False).encode()


def with_documents(files: dict[str, bytes] | None = None, **templates: bytes) -> dict[str, bytes]:
    """The fixture's layout with its documents replaced by `files` (path -> bytes, None drops one)."""
    out = layout()
    for path, content in (files or {}).items():
        if content is None:
            out.pop(path, None)
        else:
            out[path] = content
    for name, content in templates.items():
        out[f"{DOCUMENTS}/{name}.docx"] = content
    return out


def test_a_package_nobody_here_wrote_prints_its_decision_from_its_own_fields(api):
    assert not list(FIXTURE.rglob("*.py"))
    case = walk(api, open_other_case(api), "jueding")
    assert listed(api, case) == {}
    case = complete(api, case, "jueding").json
    documents = listed(api, case)
    assert list(documents) == ["chufa_jueding"]
    assert documents["chufa_jueding"]["title"] == "处罚决定书" and documents["chufa_jueding"]["step"] == "jueding"
    word = download(api, case, "chufa_jueding")
    assert word.status_code == 200 and word.headers["Content-Disposition"].endswith("-chufa_jueding.docx")
    text = text_of(word.data)
    for printed in ("清河区市场监督管理局", "处罚决定书", case["number"], "巡查发现无照经营",
                    "2026年9月1日",  # xiansuo.weifa_riqi
                    "告知书送达日期\n2026年9月30日",
                    "陈述申辩期限届满\n2026年10月13日",  # 5 working days after 09-30, past the National Day
                    "处罚种类\n罚款", "罚款金额\n5000元", "当事人应当自收到本决定书之日起十五日内缴纳罚款。",
                    "决定人：赵强",  # who completed the step, by name
                    "清河区市场监督管理局（印章）\n2026年10月14日"):
        assert printed in text, printed
    assert download(api, case, "chufa_jueding").data == word.data  # the same record, the same bytes
    page = download(api, case, "chufa_jueding", "html").get_data(as_text=True)
    assert "<h1>处罚决定书</h1>" in page and '<th scope="row">罚款金额</th><td>5000元</td>' in page
    trace = api.get(f"/api/v1/cases/{case['id']}/trace").json["items"]
    assert [e["data"]["sha256"] for e in trace if e["action"] == "document.generated"][:1] == [
        hashlib.sha256(word.data).hexdigest()]


def test_a_document_declared_with_when_exists_only_while_its_field_has_the_value(api):
    direct = complete(api, walk(api, open_other_case(api), "songda"), "songda").json
    assert "dianzi_songda" not in listed(api, direct)
    assert download(api, direct, "dianzi_songda").status_code == 404
    electronic = complete(api, walk(api, open_other_case(api), "songda"), "songda", fangshi="dianzi",
                          tongyi=True).json
    assert list(listed(api, electronic)) == ["chufa_jueding", "dianzi_songda"]
    text = text_of(download(api, electronic, "dianzi_songda").data)
    assert "送达方式\n电子送达" in text and "当事人书面同意电子送达\n是" in text and "2026年10月15日" in text


def test_a_document_declared_with_when_filled_exists_only_while_its_field_holds_something(api):
    """`{"field": …, "filled": true}`: the document exists once the act its field records was
    recorded, whatever the form's choices said (a consent recorded with any method of service)."""
    files = with_documents({MANIFEST: manifest(
        {"kind": "chufa_jueding", "title": "处罚决定书", "template": "jueding.docx", "step": "jueding"},
        {"kind": "dianzi_songda", "title": "电子送达确认书", "template": "dianzi_songda.docx", "step": "songda",
         "when": {"field": "songda.tongyi", "filled": True}})})
    r = deploy_files(api, files)
    assert r.status_code == 201, r.json
    direct = complete(api, walk(api, open_other_case(api, files), "songda"), "songda").json
    assert list(listed(api, direct)) == ["chufa_jueding"]
    assert download(api, direct, "dianzi_songda").status_code == 404
    consented = complete(api, walk(api, open_other_case(api, files), "songda"), "songda", fangshi="dianzi",
                         tongyi=True).json
    assert list(listed(api, consented)) == ["chufa_jueding", "dianzi_songda"]
    assert "当事人书面同意电子送达\n是" in text_of(download(api, consented, "dianzi_songda").data)


def test_a_template_shared_by_procedures_deploys_with_the_package_that_uses_it(api):
    files = with_documents({MANIFEST: manifest({"kind": "huizheng", "title": "送达回证",
                                                "template": "shared/receipt.docx", "step": "songda"}),
                            f"{DOCUMENTS}/jueding.docx": None, f"{DOCUMENTS}/dianzi_songda.docx": None,
                            "bpmn/shared/documents/receipt.docx": template("送达回证：{{ case.party_name }}"),
                            "bpmn/shared/documents/unused.docx": template("x")})
    r = deploy_files(api, files)
    assert r.status_code == 201, r.json
    stored = zipfile.ZipFile(io.BytesIO(api.get(f"/api/v1/procedures/{r.json['id']}/package").data)).namelist()
    assert "bpmn/shared/documents/receipt.docx" in stored and "bpmn/shared/documents/unused.docx" not in stored
    case = complete(api, walk(api, open_other_case(api, files), "songda"), "songda").json
    assert "送达回证：清河某超市有限公司" in text_of(download(api, case, "huizheng").data)


@pytest.mark.parametrize("files, where, needle", [
    ({MANIFEST: None}, f"{DOCUMENTS}/jueding.docx", "declares this template"),
    ({MANIFEST: b"{not json"}, MANIFEST, "not JSON"),
    ({MANIFEST: manifest({"kind": "a", "title": "甲", "template": "nope.docx", "step": "jueding"})},
     MANIFEST, "its template bpmn/other_penalty/documents/nope.docx is not in the package"),
    ({MANIFEST: manifest({"kind": "chufa_jueding", "title": "甲", "template": "jueding.docx", "step": "jueding"},
                         {"kind": "chufa_jueding", "title": "乙", "template": "dianzi_songda.docx", "step": "songda"})},
     MANIFEST, "declared twice"),
    ({MANIFEST: manifest({"kind": "../x", "title": "甲", "template": "jueding.docx", "step": "jueding"})},
     MANIFEST, "is not a name"),
    ({MANIFEST: manifest({"kind": "a", "title": "甲", "template": "../../rules.json", "step": "jueding"})},
     MANIFEST, "is not a .docx file of the folder"),
    ({MANIFEST: manifest({"kind": "a", "title": "甲", "template": "jueding.docx", "step": "penalty_decision"},
                         {"kind": "b", "title": "乙", "template": "dianzi_songda.docx", "step": "songda"})},
     MANIFEST, "step 'penalty_decision' is no user task of the procedure"),
    ({MANIFEST: manifest({"kind": "a", "title": "甲", "template": "jueding.docx", "step": "jueding"},
                         {"kind": "b", "title": "乙", "template": "dianzi_songda.docx", "step": "songda",
                          "when": {"field": "songda.fangshi", "equals": "fax"}})},
     MANIFEST, "songda.fangshi has no choice 'fax'"),
    ({MANIFEST: manifest({"kind": "a", "title": "甲", "template": "jueding.docx", "step": "jueding"},
                         {"kind": "b", "title": "乙", "template": "dianzi_songda.docx", "step": "songda",
                          "when": {"field": "songda.method", "equals": "x"}})},
     MANIFEST, "when names songda.method, which is no field"),
    ({MANIFEST: manifest({"kind": "a", "title": "甲", "template": "jueding.docx", "step": "jueding"},
                         {"kind": "b", "title": "乙", "template": "dianzi_songda.docx", "step": "songda",
                          "when": {"field": "songda.consent", "filled": True}})},
     MANIFEST, "when names songda.consent, which is no field"),  # checked as `equals` is
    ({MANIFEST: manifest({"kind": "a", "title": "甲", "template": "jueding.docx", "step": "jueding"},
                         {"kind": "b", "title": "乙", "template": "dianzi_songda.docx", "step": "songda",
                          "when": {"field": "songda.tongyi", "filled": "yes"}})},
     MANIFEST, '"filled": true or false'),
    ({f"{DOCUMENTS}/extra.docx": template("x")}, f"{DOCUMENTS}/extra.docx", "no document of"),
    ({f"{DOCUMENTS}/jueding.docx": b"PK\x03\x04 not really a zip"}, f"{DOCUMENTS}/jueding.docx",
     "not a Word document"),
    ({f"{DOCUMENTS}/jueding.docx": template("{% if jueding.amount %}{{ jueding.amount }")},
     f"{DOCUMENTS}/jueding.docx", "not valid Jinja"),
    ({f"{DOCUMENTS}/jueding.docx": template("{{ jueding.amount|rmb }}")}, f"{DOCUMENTS}/jueding.docx", "rmb"),
    ({f"{DOCUMENTS}/jueding.docx": template("{{ penalty_decision.fine_amount }}")}, f"{DOCUMENTS}/jueding.docx",
     "names penalty_decision"),
    ({f"{DOCUMENTS}/jueding.docx": template("{{ ''.__class__.__mro__[1].__subclasses__() }}")},
     f"{DOCUMENTS}/jueding.docx", "reaches for __class__, __mro__, __subclasses__"),
])
def test_deploy_refuses_documents_that_cannot_be_made_naming_the_file(api, files, where, needle):
    r = api.post("/api/v1/procedures", as_="author1", content_type="multipart/form-data", headers=EN,
                 data={"file": (io.BytesIO(packages.to_zip(with_documents(files))), "other_penalty.zip")})
    assert r.status_code == 422, r.json
    problems = r.json["details"]["problems"]
    assert any(needle in p["message"] and p["file"] == where for p in problems), problems
    deployed = api.get("/api/v1/procedures", as_="author1").json["items"]
    assert "other_penalty" not in {v["procedure_id"] for v in deployed}


@pytest.mark.parametrize("source, reason", [
    ("{{ case|attr('__cla' ~ 'ss__') }}", "unsafe"),  # past deploy's reading, not the sandbox
    ("{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}", "CPU time"),
    ("{% for i in range(10000) %}{% for j in range(10000) %}xxxxxxxxxx{% endfor %}{% endfor %}", "output passed"),
    # no range, no output: the worker's OS limits end it (its CPU time, or on a busy machine its wall clock)
    ("{% set s = case.title * 3000 %}{% for a in s %}{% for b in s %}{% for c in s %}{% endfor %}{% endfor %}"
     "{% endfor %}", "CPU time|did not finish"),
    ("{{ case.title * 500000000 }}", "memory"),
])
def test_a_runaway_template_stops_in_its_worker_and_the_next_document_is_made(app, api, source, reason):
    app.config.update(ENGINE_STEP_CPU_SECONDS=1, ENGINE_STEP_WALL_SECONDS=3)
    files = with_documents({MANIFEST: manifest(
        {"kind": "chufa_jueding", "title": "处罚决定书", "template": "jueding.docx", "step": "jueding"},
        {"kind": "runaway", "title": "失控", "template": "runaway.docx", "step": "jueding"}),
        f"{DOCUMENTS}/dianzi_songda.docx": None}, runaway=template(source))
    case = complete(api, walk(api, open_other_case(api, files), "jueding"), "jueding").json
    r = api.get(f"/api/v1/cases/{case['id']}/documents/runaway.docx", headers=EN)
    assert r.status_code == 409 and r.json["error"] == "document_template_failed", r.json
    assert re.search(reason, r.json["message"]) and "runaway.docx" in r.json["message"], r.json["message"]
    again = download(api, case, "chufa_jueding")
    assert again.status_code == 200, again.json
    trace = api.get(f"/api/v1/cases/{case['id']}/trace").json["items"]
    assert [e["data"]["kind"] for e in trace if e["action"] == "document.generated"] == ["chufa_jueding"]


def test_a_version_deployed_before_its_package_had_documents_prints_the_repositorys(app, api):
    """Cases on a version stored without documents/ (deployed before templates existed) keep their
    documents: the repository's package of the same procedure (BPMN_DIR) gives them."""
    app.config["BPMN_DIR"] = str(FIXTURE / "bpmn")
    files = {p: c for p, c in layout().items() if "/documents/" not in p}
    case = walk(api, open_other_case(api, files), "songda")
    case = complete(api, case, "songda", fangshi="dianzi", tongyi=True).json
    assert list(listed(api, case)) == ["chufa_jueding", "dianzi_songda"]
    assert "电子送达确认书" in text_of(download(api, case, "dianzi_songda").data)
