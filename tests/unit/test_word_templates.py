"""Word templates are filled in Jinja's sandbox, bounded in output and CPU time, into the same
bytes for the same record; deploy refuses a template that is broken or reaches for Python's
internals (engine/word_templates.py; docs/documents.md)."""
import hashlib
import io

import docx
import pytest

from workflow_app.demo.signature import drawn_signature, png_rgba
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


def test_a_date_and_time_prints_in_beijing_time_and_its_day_is_the_beijing_date():
    """A measure taken at 23:30 Beijing time on 09-30 (15:30 UTC): its day is the 30th in Beijing."""
    assert fill("{{ '2026-09-30T15:30:00+00:00'|date_cn }}；{{ '2026-09-30T15:30:00+00:00'|day|date_cn }}；"
                "{{ '2026-09-30T15:30:00+00:00'|day|days_after(30) }}；[{{ 'soon'|day }}]") == [
        "2026年9月30日23时30分；2026年9月30日；2026-10-30；[]"]


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
                      "{{ forms.jueding.riqi|working_days_after(5) }}{{ department }}{{ jueding.qianming|signature(40) }}"
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


# -- a drawn signature printed as its image -------------------------------------------------------------
DRAWING = drawn_signature(3)  # 480 × 160 pixels
SHA = hashlib.sha256(DRAWING).hexdigest()


def drawn(source: str, images: dict | None = None, **context) -> docx.Document:
    word = word_templates.render(template(source), {**CONTEXT, "jueding": {"qianming": SHA, **context}},
                                 title="文书", author="机关", images={SHA: DRAWING} if images is None else images)
    return docx.Document(io.BytesIO(word))


def test_a_signature_prints_as_its_drawing_at_the_width_asked_in_proportion():
    document = drawn("当事人签名：{{ jueding.qianming|signature(60) }}（{{ jueding.qianming }}）")
    assert document.paragraphs[0].text == f"当事人签名：（{SHA}）"
    shape = document.inline_shapes[0]
    assert (shape.width.mm, round(shape.height.mm, 3)) == (60, 20)
    assert shape._inline.graphic.graphicData.pic.blipFill.blip.embed in document.part.related_parts
    assert document.part.related_parts[shape._inline.graphic.graphicData.pic.blipFill.blip.embed].blob == DRAWING


def test_a_tall_drawing_is_held_to_the_height_limit_and_no_signature_prints_nothing():
    tall = png_rgba(40, 400, bytearray(b"\x11\x11\x11\xff" * 40 * 400))
    sha = hashlib.sha256(tall).hexdigest()
    word = word_templates.render(template("{{ a|signature(100) }}|{{ nothing|signature }}|{{ ''|signature }}"),
                                 {"a": sha}, title="", author="", images={sha: tall})
    document = docx.Document(io.BytesIO(word))
    assert round(document.inline_shapes[0].height.mm, 3) == 30 and round(document.inline_shapes[0].width.mm, 3) == 3
    assert document.paragraphs[0].text == "||"


@pytest.mark.parametrize("source, reason", [
    ("{{ ('a' * 64)|signature }}", "no signature of the case's record"),
    ("{{ '/etc/passwd'|signature }}", "no signature of the case's record"),  # never a path: a key of the drawings
    ("{{ jueding.qianming|signature(500) }}", "10 to 120 mm"),
    ("{{ jueding.qianming|signature('40') }}", "10 to 120 mm"),
])
def test_a_template_prints_only_the_drawings_of_the_record_at_a_bounded_size(source, reason):
    with pytest.raises(DocumentError, match=reason):
        drawn(source)


@pytest.mark.parametrize("images, reason", [
    ({SHA: b"GIF89a" + DRAWING}, "not a PNG image"),
    ({SHA: DRAWING + b"\0" * word_templates.MAX_IMAGE_BYTES}, "not a PNG image within"),
    ({f"{i:064x}": DRAWING for i in range(word_templates.MAX_IMAGES + 1)}, "at most 16 signatures"),
])
def test_drawings_handed_to_the_worker_are_checked_again(images, reason):
    with pytest.raises(DocumentError, match=reason):
        drawn("{{ case.number }}", images=images)


def test_the_same_drawing_gives_the_same_bytes():
    source = template("{{ jueding.qianming|signature }}")
    context = {**CONTEXT, "jueding": {"qianming": SHA}}
    one = word_templates.render(source, context, title="文书", author="机关", images={SHA: DRAWING})
    assert word_templates.render(source, context, title="文书", author="机关", images={SHA: DRAWING}) == one


# -- the late fee (加处罚款, APL 72) a date runs to: the system's, on the basis the service hands over --------------
BASIS = {"fine": 20000.0, "served_on": "2026-09-01", "plan_approved": False}  # the 15 days end on 2026-09-16


def counted(source: str, basis=BASIS, context=None) -> list[str]:
    word = word_templates.render(template(source), context or CONTEXT, title="文书", author="机关",
                                 late_fee_basis=basis)
    return [p.text for p in docx.Document(io.BytesIO(word)).paragraphs]


def test_the_late_fee_to_a_recorded_date_is_the_systems_three_percent_a_day_never_above_the_fine():
    source = ("{% set fee = jueding.riqi|late_fee %}{{ fee.first_day|date_cn }}起{{ fee.days }}日"
              "{{ fee.amount|yuan }}/{{ fee.fine|yuan }}/{{ fee.capped }}")
    assert counted(source) == ["2026年9月17日起14日8400元/20000元/否"]  # to 2026-09-30: 14 days of 600 yuan
    late = {**CONTEXT, "jueding": {"riqi": "2026-12-31"}}
    assert counted(source, context=late) == ["2026年9月17日起106日20000元/20000元/是"]


@pytest.mark.parametrize("basis, context", [
    (None, CONTEXT),  # no fine decided and served
    ({**BASIS, "plan_approved": True}, CONTEXT),  # an approved deferral or instalment plan sets the dates
    (BASIS, {**CONTEXT, "jueding": {}}),  # no date to count to
])
def test_no_late_fee_prints_where_the_system_counts_none(basis, context):
    assert counted("[{{ jueding.riqi|late_fee }}]{% if jueding.riqi|late_fee is filled %}有{% endif %}",
                   basis, context) == ["[]"]


@pytest.mark.parametrize("basis", [{"fine": 0, "served_on": "2026-09-01", "plan_approved": False},
                                   {"fine": 1.0, "served_on": "九月一日", "plan_approved": False},
                                   {"fine": 1.0, "served_on": "2026-09-01"}, "20000"])
def test_a_late_fee_basis_that_is_not_one_is_refused(basis):
    with pytest.raises(DocumentError, match="late fee's basis"):
        counted("{{ case.number }}", basis)


def test_the_officers_on_record_are_a_name_of_the_context():
    source = template("{% for o in officers %}{{ o.name }}（{{ o.certificate }}）{% endfor %}"
                      "{{ jueding.riqi|late_fee }}")
    assert word_templates.problems(source, {"jueding"}) == []
    context = {**CONTEXT, "officers": [{"name": "张明", "certificate": "ZF-1"}, {"name": "李华", "certificate": ""}]}
    assert counted("{% for o in officers %}{{ o.name }}（{{ o.certificate }}）{% endfor %}", None, context) == [
        "张明（ZF-1）李华（）"]
