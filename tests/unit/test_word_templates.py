"""Word templates are filled in Jinja's sandbox, bounded in output and CPU time, into the same
bytes for the same record; deploy refuses a template that is broken or reaches for Python's
internals (engine/word_templates.py; docs/documents.md)."""
import io

import docx
import pytest

from workflow_app.engine import word_templates
from workflow_app.engine.word_templates import DocumentError

CONTEXT = {"authority": "清河区市场监督管理局", "case": {"number": "MARKET-2026-00001", "title": "某案",
                                                    "party_name": "张三", "party_kind": "person"},
           "jueding": {"amount": 5000.0, "kinds": ["fine"], "riqi": "2026-09-30", "items": "字段 items"},
           "labels": {"jueding": {"kinds": ["罚款"]}}, "flags": {"yes": True, "no": False, "list": ["a", "b"]}}


def template(*paragraphs: str, table: list[tuple[str, str]] | None = None) -> bytes:
    """A .docx of these paragraphs (and a table), as an author would write it in Word."""
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=0, cols=2)
        for label, value in table:
            cells = grid.add_row().cells
            cells[0].text, cells[1].text = label, value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def fill(*paragraphs: str, context: dict | None = None, cpu_seconds: float = 0.5, **kw) -> list[str]:
    word = word_templates.render(template(*paragraphs, **kw), CONTEXT if context is None else context,
                                 title="文书", author="机关", cpu_seconds=cpu_seconds)
    document = docx.Document(io.BytesIO(word))
    return [p.text for p in document.paragraphs] + [c.text for t in document.tables for r in t.rows for c in r.cells]


def test_values_print_as_a_document_prints_them():
    assert fill("{{ jueding.amount }}|{{ jueding.amount|yuan }}|{{ nothing }}|{{ jueding.none|yuan }}|"
                "{{ labels.jueding.kinds }}|{{ flags.list }}|{{ flags.yes }}/{{ flags.no }}") == [
        "5000|5000元|||罚款|a、b|是/否"]


def test_dates_print_in_chinese_and_working_days_skip_the_national_day_holiday():
    # 2026-09-30 + 5 working days: 10-01..10-07 are holidays, Saturday 10-10 a working day.
    assert fill("{{ jueding.riqi|date_cn }}，{{ jueding.riqi|working_days_after(5)|date_cn }}，"
                "{{ jueding.riqi|days_after(10) }}，[{{ missing|date_cn }}]") == [
        "2026年9月30日，2026年10月13日，2026-10-10，[]"]


def test_a_field_is_read_before_a_method_of_the_same_name():
    assert fill("{{ jueding.items }}") == ["字段 items"]


def test_rows_and_paragraphs_without_a_value_are_left_out():
    lines = fill("{%p if jueding.none is filled %}", "无", "{%p endif %}", "有",
                 table=[("{%tr if jueding.none is filled %}", ""), ("罚款", "{{ jueding.none }}"),
                        ("{%tr endif %}", ""), ("金额", "{{ jueding.amount|yuan }}")])
    assert lines == ["有", "金额", "5000元"]


def test_recorded_text_cannot_break_the_document():
    context = {**CONTEXT, "case": {"title": "<w:p>&amp; \x00\x0b\x07\f 一\r\n二"}}
    assert fill("{{ case.title }}", context=context) == ["<w:p>&amp;  一\n二"]


def test_the_same_record_gives_the_same_bytes_and_another_record_others():
    source = template("{{ case.number }}")
    one = word_templates.render(source, CONTEXT, title="文书", author="机关")
    assert word_templates.render(source, CONTEXT, title="文书", author="机关") == one
    changed = {**CONTEXT, "case": {**CONTEXT["case"], "number": "MARKET-2026-00002"}}
    assert word_templates.render(source, changed, title="文书", author="机关") != one


@pytest.mark.parametrize("source", [
    "{{ ''.__class__.__mro__ }}",
    "{{ case.__class__.__mro__[1].__subclasses__() }}",
    "{{ case|attr('__cla' ~ 'ss__') }}",
    "{{ range.__globals__ }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ lipsum.__globals__['os'] }}",
    "{{ '{0.__class__}'.format(case) }}",
])
def test_python_internals_are_out_of_a_templates_reach(source):
    with pytest.raises(DocumentError, match="unsafe"):
        fill(source)


def test_a_template_cannot_change_the_record():
    with pytest.raises(DocumentError, match="unsafe"):
        fill("{{ case.update({'number': 'X'}) }}{{ jueding.kinds.append('warning') }}")


@pytest.mark.parametrize("source, reason", [
    ("{% for i in range(10000) %}{% for j in range(1000) %}xxxxxxxxxx{% endfor %}{% endfor %}", "output passed"),
    ("{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}", "CPU time"),
    ("{% for i in range(10 ** 9) %}{% endfor %}", "at most"),
    ("{{ jueding.riqi|working_days_after(10 ** 9) }}", "whole number"),
])
def test_a_runaway_template_stops_with_its_reason(source, reason):
    with pytest.raises(DocumentError, match=reason):
        fill(source, cpu_seconds=0.3)


@pytest.mark.parametrize("content, needle", [
    (b"not a zip", "not a Word document"),
    (template("{{ case.number "), "not valid Jinja"),
    (template("{{ case.number|no_such_filter }}"), "not valid Jinja"),
    (template("{% if jueding.x is no_such_test %}{% endif %}"), "is no_such_test"),
    (template("{% if jueding.x %}{{ jueding.x|no_such_filter }}{% endif %}"), "|no_such_filter"),
    (template("{{ ''.__class__.__mro__ }}"), "__class__, __mro__"),
    (template("{{ case['__class__'] }}"), "__class__"),
    (template("{{ shenqing.riqi }}"), "names shenqing"),
])
def test_deploy_refuses_a_template_that_cannot_be_filled(content, needle):
    found = word_templates.problems(content, {"jueding"})
    assert any(needle in str(p) for p in found), found


def test_a_template_naming_the_context_and_its_forms_is_accepted():
    source = template("{{ authority }}{{ case.number }}{{ jueding.amount|yuan }}{{ labels.jueding.kinds }}"
                      "{{ steps.x.completed_by }}{{ step.completed_on|date_cn }}{{ document.title }}"
                      "{{ forms.jueding.riqi|working_days_after(5) }}{{ department }}"
                      "{% for i in range(3) %}{% set n = namespace(k=i) %}{{ n.k }}{% endfor %}")
    assert word_templates.problems(source, {"jueding"}) == []


def test_a_template_that_unpacks_like_a_bomb_is_refused_unopened():
    out = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"\0" * (40 * 1024 * 1024))
    assert "unpacks to" in str(word_templates.problems(out.getvalue(), set())[0])
    with pytest.raises(DocumentError, match="unpacks to"):
        word_templates.render(out.getvalue(), {}, title="", author="")
