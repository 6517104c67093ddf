"""A Word template is accepted only when every field it names is one its data has: a form's field
(into objects, and a list's items through for, map and selectattr), and the names the renderer
provides for the case, the document, the steps, the evidence list, the officers and a late fee
(engine/template_fields.py, through word_templates.problems)."""
import io
import json
from pathlib import Path

import docx
import pytest

from workflow_app.engine import word_templates
from workflow_app.engine.specs import human_steps
from workflow_app.services.procedures import document_manifest, packages

ROOT = Path(__file__).resolve().parents[2]
JUEDING = {"type": "object", "additionalProperties": False, "properties": {
    "amount": {"type": "number"}, "decided_on": {"type": "string", "format": "date"},
    "kinds": {"type": "array", "items": {"type": "string", "enum": ["fine", "warning"]}},
    "items": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"},
                                                                           "quantity": {"type": "number"}}}},
    "review": {"type": "object", "properties": {"comment": {"type": "string"}}}},
    "allOf": [{"if": {"properties": {"amount": {"minimum": 1}}}, "then": {"required": ["decided_on"]}}]}
FORMS = {"jueding": JUEDING, "service": {"type": "object", "properties": {"method": {"type": "string"}}}}
STEPS = {"decide": "jueding", "serve": "service"}


def template(*paragraphs: str, table: list[str] | None = None) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=0, cols=1)
        for text in table:
            grid.add_row().cells[0].text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def problems(*paragraphs: str, **kw) -> list[str]:
    return [str(p) for p in word_templates.problems(template(*paragraphs, **kw), FORMS, STEPS)]


def test_a_template_naming_what_its_data_has_is_accepted():
    assert problems(
        "{{ authority }}{{ department }}{{ case.number }}{{ case.party_name }}{{ document.title }}",
        "{{ jueding.amount|yuan }}{{ jueding.decided_on|date_cn }}{{ labels.jueding.kinds }}{{ forms.jueding.amount }}",
        "{% for item in jueding.items %}{{ loop.index }}{{ item.name }}{{ item.quantity }}{% endfor %}",
        "{{ jueding.review.comment }}{{ jueding['amount'] }}{{ jueding.items|map(attribute='name')|join('、') }}",
        "{{ jueding.items|selectattr('quantity')|sum(attribute='quantity') }}",
        "{% for e in evidence_list if e.id in jueding.kinds %}{{ e.line }}{% endfor %}",
        "{% for o in officers %}{{ o.name }}{{ o.certificate }}{% endfor %}",
        "{{ step.completed_on|date_cn }}{{ step.data.anything }}{{ steps.serve.data.method }}{{ steps.decide.labels.kinds }}",
        "{% set fee = jueding.decided_on|late_fee %}{{ fee.amount }}{{ fee.capped }}",
        "{% set s = steps.serve if step.id == 'decide' else steps.decide %}{{ s.data.whatever }}",
        "{% set n = namespace(k=1) %}{{ n.k }}{{ jueding.decided_on.split('-') }}") == []


@pytest.mark.parametrize("source, named", [
    ("{{ jueding.amout }}", "the form jueding has no field amout; did you mean amount?"),
    ("{% for item in jueding.items %}{{ item.nmae }}{% endfor %}", "jueding.items[] has no field nmae; did you mean name?"),
    ("{{ jueding.review.coment }}", "jueding.review has no field coment; did you mean comment?"),
    ("{{ forms.jueding.amout }}", "the form jueding has no field amout"),
    ("{{ labels.jueding.kind }}", "the form jueding has no field kind; did you mean kinds?"),
    ("{{ forms.nope.x }}", "forms has no field nope"),
    ("{{ case.party }}", "case has no field party; did you mean party_name、party_kind?"),
    ("{{ document.name }}", "document has no field name"),
    ("{{ step.completed }}", "step has no field completed"),
    ("{{ steps.decide.data.amout }}", "the form jueding has no field amout"),
    ("{{ steps.nowhere.data }}", "steps has no field nowhere"),
    ("{% for o in officers %}{{ o.nmae }}{% endfor %}", "officers[] has no field nmae"),
    ("{{ evidence_list|map(attribute='titel')|list }}", "evidence_list[] has no field titel; did you mean title?"),
    ("{% set fee = jueding.decided_on|late_fee %}{{ fee.amont }}", "|late_fee has no field amont"),
    ("{{ jueding.items.name }}", "jueding.items is a list: go through its items with {% for %}"),
    ("{{ officers.name }}", "officers is a list"),
    ("{{ jueding.amount.value }}", "jueding.amount is a single value"),
    ("{{ authority.name }}", "authority is a single value"),
])
def test_a_reference_to_what_the_data_lacks_is_named(source, named):
    found = problems(source)
    assert len(found) == 1 and named in found[0], found


def test_each_problem_says_where_it_is_in_the_template():
    found = problems("当事人：{{ case.party_name }}", "罚款{{ jueding.amout|yuan }}元", table=["数量：{{ jueding.amout }}"])
    assert len(found) == 2, found
    assert found[0].startswith("the body, at “罚款{{ jueding.amout|yuan }}元”: jueding.amout: ")
    assert found[1].startswith("the body, at “数量：{{ jueding.amout }}”")


def test_a_syntax_error_says_where_it_is():
    found = problems("正常段落{{ case.number }}", "出错的段落{{ case.number ", "后面")
    assert len(found) == 1 and "出错的段落{{ case.number" in found[0] and "not valid Jinja" in found[0], found


def test_only_form_keys_are_checked_without_the_schemas():
    """word_templates.problems given form keys alone (a BPMN file deployed alone): names, not fields."""
    assert word_templates.problems(template("{{ jueding.amout }}"), {"jueding"}) == []
    assert "names shenqing" in str(word_templates.problems(template("{{ shenqing.x }}"), {"jueding"})[0])


def test_every_shipped_template_names_only_fields_its_package_has():
    layout = packages.read_tree(ROOT)
    checked = 0
    for package in packages.packages_in(layout):
        forms = {packages.form_key(p): json.loads(c) for p, c in package.form_files().items()}
        steps = {k: v["form_key"] for k, v in human_steps(package.bpmn_files(), 10**8).items()}
        manifest = package.files.get(document_manifest.manifest_path(package.procedure_id))
        specs = document_manifest.parse(manifest, package.procedure_id)[0] if manifest else []
        for spec in specs:
            assert word_templates.problems(package.files[spec.template], forms, steps) == [], spec.template
            checked += 1
    assert checked >= 25


def test_a_previews_context_has_exactly_the_names_the_check_knows():
    """The names the check follows are those the renderer's context has (documents.assemble, which a
    case's document and a draft's preview both fill)."""
    from workflow_app.engine import template_fields
    from workflow_app.engine.word_templates import CONTEXT_NAMES
    from workflow_app.services.cases import document_previews
    from workflow_app.services.procedures.document_manifest import DocumentSpec
    from workflow_app.services.procedures.draft_documents import Step

    spec = DocumentSpec("jueding_shu", "决定书", "bpmn/x/documents/jueding_shu.docx", ("decide",))
    context = document_previews.sample_context(spec, FORMS, {"jueding": {"amount": 5}, "service": {}},
                                               [Step("decide", "作出决定", "jueding"), Step("serve", "送达", "service")],
                                               "草稿")
    assert set(context) == CONTEXT_NAMES | set(FORMS)
    assert set(context["case"]) == set(template_fields.CASE_FIELDS)
    assert set(context["document"]) == set(template_fields.DOCUMENT_FIELDS)
    assert set(context["step"]) == set(template_fields.STEP_FIELDS) and context["step"]["data"] == {"amount": 5}
    assert set(context["evidence_list"][0]) == set(template_fields.EVIDENCE_FIELDS)
    assert set(context["officers"][0]) == set(template_fields.OFFICER_FIELDS)
    assert all(value.startswith("（样例）") for value in (context["authority"], context["department"],
                                                         context["case"]["number"], context["case"]["party_name"]))
