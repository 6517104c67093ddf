"""The general procedure's documents print, from its Word templates, what the seven Python builders
they replaced printed: the text of each paragraph and table cell of the .docx, in order, and the
print page, for cases of each shape (penalty, hearing, a person warned, no penalty, transfer).
tests/fixtures/documents/general_penalty.json holds the builders' output, captured before they
were removed; since the system issues the numbers (services/registers/numbering.py), the case number and the
hearing notice's number are the department's pattern's (清市监立〔2026〕1号, 清市监听〔2026〕1号)."""
import io
import json
import re
from pathlib import Path

import docx
import pytest
from docx.table import Table
from docx.text.paragraph import Paragraph

from tests.helpers import (
    DAY,
    FIXED_DATES_AS_OF,
    NO_PENALTY_REPORT,
    TO_DECISION,
    TRANSFER_REPORT,
    days_ago,
)

EXPECTED = Path(__file__).parent.parent / "fixtures" / "documents" / "general_penalty.json"
pytestmark = pytest.mark.as_of(FIXED_DATES_AS_OF)


def body_of(content: bytes) -> list:
    """The .docx as Word shows it, in order: a paragraph's text, or a table's rows of cell texts."""
    document = docx.Document(io.BytesIO(content))
    blocks = []
    for element in document.element.body.iterchildren():
        if element.tag.endswith("}p"):
            blocks.append(Paragraph(element, document).text)
        elif element.tag.endswith("}tbl"):
            blocks.append([[cell.text for cell in row.cells] for row in Table(element, document).rows])
    return blocks


def page_of(html: str) -> str:
    """The print page without the layout whitespace between its tags."""
    return re.sub(r">\s+<", "><", html).strip()


def _penalty(api):
    case = api.run(api.open_case(), *TO_DECISION, "penalty_decision")
    yield case, ("filing_approval", "penalty_notice", "penalty_decision", "service_receipt")
    yield api.run(case, "service"), ("service_receipt",)


def _hearing(api):
    case = api.run(api.open_case(), *TO_DECISION[:-1], ("statement_defence", {"hearing_requested": True}),
                   "hearing_notice")
    yield case, ("hearing_notice",)
    case = api.run(api.open_case(), *TO_DECISION[:-1], ("statement_defence", {"hearing_requested": True}),
                   ("hearing_notice", {"public": False, "location": "局二楼会议室"}))
    yield case, ("hearing_notice",)


def _person_warned(api):
    """A person (not an organization) warned, with no hearing offered, a confiscation, several
    pieces of evidence, served electronically with consent; recorded text with markup and a line break."""
    case = api.open_case(title="张某无照经营案", party={"name": "张三", "kind": "person"})
    case = api.run(case, ("clue_intake", {"source": "inspection", "party_id_number": "110105199001011232",
                                          "party_address": "清河区兴华路3号<2单元> & 后院"}),
                   ("filing_approval", {"reason": "有违法事实"}),
                   ("investigation", {"evidence": [{"kind": "documentary", "description": "现场笔录"},
                                                   {"kind": "documentary", "description": "询问笔录"}]}),
                   ("investigation_report", {"facts": "当事人未取得营业执照从事经营活动；\n经营时间约三个月",
                                             "proposed_penalty_kinds": ["warning"], "proposed_fine": None}),
                   ("penalty_notice", {"notified_penalty_kinds": ["warning", "confiscation"],
                                       "notified_penalty": "警告，没收违法所得", "notified_fine": None,
                                       "hearing_offered": False, "service_method": "mail"}),
                   TO_DECISION[5],
                   ("penalty_decision", {"penalty_kinds": ["warning", "confiscation"], "fine_amount": None,
                                         "confiscation": "违法所得人民币3000元", "benchmark_tier": "lighter"}))
    yield case, ("filing_approval", "penalty_notice", "penalty_decision", "service_receipt")
    case = api.run(case, ("service", {"method": "electronic", "electronic_consent": True, "recipient": None}))
    yield case, ("service_receipt",)


def _no_penalty(api):
    case = api.run(api.open_case(), "clue_intake", "filing_approval", "investigation", NO_PENALTY_REPORT,
                   "no_penalty_decision")
    yield case, ("filing_approval", "no_penalty_decision", "service_receipt")
    yield api.run(case, "no_penalty_service"), ("service_receipt",)


def _no_penalty_without_education(api):
    case = api.run(api.open_case(), "clue_intake", "filing_approval", "investigation",
                   NO_PENALTY_REPORT, ("no_penalty_decision", {"education": None, "ground": "no_fault"}))
    yield case, ("no_penalty_decision", "service_receipt")


def _transfer(api):
    report = {**TRANSFER_REPORT[1], "reported_on": days_ago(DAY["reported"])}  # as of the test's day
    case = api.run(api.open_case(), "clue_intake", "filing_approval", "investigation",
                   ("investigation_report", report), "transfer_approval", "transfer")
    yield case, ("filing_approval", "transfer_letter")


SHAPES = {"penalty": _penalty, "hearing": _hearing, "person_warned": _person_warned, "no_penalty": _no_penalty,
          "no_penalty_without_education": _no_penalty_without_education, "transfer": _transfer}


def printed(api, shape: str) -> dict:
    """Each document of the shape's cases, at each stage: {"<stage>/<kind>": {"docx": …, "html": …}}."""
    out = {}
    for stage, (case, kinds) in enumerate(SHAPES[shape](api)):
        for kind in kinds:
            base = f"/api/v1/cases/{case['id']}/documents/{kind}"
            word, page = api.get(base + ".docx"), api.get(base + ".html")
            assert word.status_code == page.status_code == 200, (shape, kind, word.json, page.json)
            out[f"{stage}/{kind}"] = {"docx": body_of(word.data), "html": page_of(page.get_data(as_text=True))}
    return out


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_each_document_prints_what_the_builders_printed(api, shape):
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))[shape]
    got = printed(api, shape)
    assert sorted(got) == sorted(expected)
    for name in expected:
        assert got[name]["docx"] == expected[name]["docx"], name
        assert got[name]["html"] == expected[name]["html"], name


def test_the_expected_texts_are_the_records_not_blanks():
    """The fixture holds filled documents (a capture of empty pages would prove nothing)."""
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    decision = expected["penalty"]["0/penalty_decision"]["docx"]
    assert "行政处罚决定书" in decision and "清市监罚〔2026〕1号" in decision  # the number the system issued
    assert any(isinstance(b, list) and ["罚款金额", "20000元"] in b for b in decision)
    assert "&lt;2单元&gt; &amp; 后院" in expected["person_warned"]["0/filing_approval"]["html"]


def test_the_shipped_templates_are_on_a4_paper():
    """Chinese enforcement documents print on A4 (GB/T 9704): each template of every package and of
    the shared processes, with its tables inside the text width."""
    root = Path(__file__).resolve().parents[2] / "bpmn"
    templates = sorted(root.glob("*/documents/*.docx"))
    assert len(templates) >= 16 and any(p.parent.parent.name == "summary_penalty" for p in templates)
    for path in templates:
        document = docx.Document(str(path))
        section = document.sections[0]
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297), path.name
        text_width = section.page_width - section.left_margin - section.right_margin
        for table in document.tables:
            widths = [int(c.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}w"))
                      for c in table._tbl.tblGrid.iterchildren()]
            assert sum(widths) * 635 <= text_width, (path.name, widths)  # twips to EMU
