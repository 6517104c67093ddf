"""The documents the law prescribes (执法文书), generated from what the case recorded.

Each document is built once, as a list of blocks (a heading, paragraphs, labelled fields), from
the case row, its department's name and the data of its completed steps; the .docx (the format
enforcement offices edit and print) and the print-ready HTML page render the same blocks. A
document exists only once the step it comes from is completed. Every download writes
`document.generated` (kind, format, SHA-256 of the bytes) to the case's trace, so what was
printed can be matched later; the same recorded data always gives the same bytes, changed data
a new hash.
"""
import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from flask import render_template

from ..extensions import db
from ..models import Case, Task, User
from ..oversight.calendar import LOCAL_TZ, working_days_after
from . import audit
from .access import visible_case
from .errors import NotFound, tr
from .procedures import procedure_info
from .transactions import one_transaction

FORMATS = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
           "html": "text/html; charset=utf-8"}
# APL 45 and the market-regulation rules: statement and defence within 5 working days of service;
# APL 64(1): a hearing is requested within 5 days of the notice (market regulation: working days).
DEFENCE_WORKING_DAYS = 5
DEFENCE_PERIOD_CN = "五个工作日"


@dataclass
class Document:
    kind: str
    title: str
    authority: str
    number: str
    blocks: list[tuple] = field(default_factory=list)  # ("fields", [(label, value)]) | ("para", text)
    signed_on: str = ""

    def fields(self, *rows: tuple[str, object], blanks: bool = False) -> None:
        """Labelled values; a row with nothing recorded is left out, unless `blanks` keeps it to be
        filled in by hand (a receipt before its service)."""
        rows = [(label, _text(value)) for label, value in rows]
        self.blocks.append(("fields", [(label, text) for label, text in rows if text or blanks]))

    def para(self, text: str) -> None:
        self.blocks.append(("para", text))


@dataclass(frozen=True)
class Kind:
    kind: str
    title: str
    step: str  # the bpmn id of the step the document comes from
    build: object


# -- reading the record -----------------------------------------------------------------------------
class Record:
    """The case and the data of its completed steps (the latest completion of each step)."""

    def __init__(self, case: Case):
        self.case = case
        rows = db.session.execute(
            db.select(Task).where(Task.case_id == case.id, Task.state == "completed")
            .order_by(Task.completed_at, Task.id)).scalars().all()
        self.tasks = {row.bpmn_id: row for row in rows}
        self.forms = procedure_info(case.procedure_version).forms

    def has(self, step: str) -> bool:
        return step in self.tasks

    def data(self, step: str) -> dict:
        row = self.tasks.get(step)
        return dict(row.data or {}) if row else {}

    def label(self, form_key: str, name: str, value):
        """The Chinese label of an enumerated value, as the form defines it."""
        prop = (self.forms.get(form_key) or {}).get("properties", {}).get(name, {})
        prop = prop.get("items", prop)
        values, labels = prop.get("enum") or [], prop.get("x-enum-labels") or []
        return dict(zip(values, labels, strict=False)).get(value, value)

    def user_name(self, username: str | None) -> str:
        if not username:
            return ""
        user = db.session.execute(db.select(User).where(User.username == username)).scalar_one_or_none()
        return user.full_name if user else username

    @property
    def authority(self) -> str:
        """The authority's name as printed: 清河区 + 市场监督管理局."""
        unit = self.case.department
        parent = db.session.get(type(unit), unit.parent_id) if unit.parent_id else None
        if parent is not None and parent.kind == "district" and not unit.name.startswith(parent.name):
            return parent.name + unit.name
        return unit.name


def _text(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, list):
        return "、".join(_text(v) for v in value)
    return str(value)


def _date_cn(iso: str | None) -> str:
    if not iso:
        return ""
    day = date.fromisoformat(iso)
    return f"{day.year}年{day.month}月{day.day}日"


def _working_days_after(iso: str, days: int) -> str:
    return working_days_after(date.fromisoformat(iso), days).isoformat()


def _yuan(amount) -> str:
    return f"{_text(amount)}元" if amount not in (None, "") else ""


def _party_rows(r: Record) -> list[tuple[str, object]]:
    intake = r.data("clue_intake")
    id_label = "统一社会信用代码" if r.case.party_kind == "organization" else "身份证件号码"
    return [("当事人", r.case.party_name), (id_label, intake.get("party_id_number")),
            ("住所（地址）", intake.get("party_address"))]


# -- the documents ----------------------------------------------------------------------------------
def _filing_approval(r: Record) -> Document:
    """立案审批表 (APL 54; market regulation: filing within 15 working days of discovery)."""
    intake, approval = r.data("clue_intake"), r.data("filing_approval")
    approver = r.tasks["filing_approval"]
    doc = Document("filing_approval", "立案审批表", r.authority, r.case.number)
    doc.fields(("案件名称", r.case.title), *_party_rows(r),
               ("线索来源", r.label("clue_intake", "source", intake.get("source"))),
               ("收到线索日期", _date_cn(intake.get("received_on"))),
               ("违法行为发生日期", _date_cn(intake.get("violation_date"))),
               ("案情摘要", intake.get("summary")))
    doc.fields(("审批意见", r.label("filing_approval", "filing_decision", approval.get("filing_decision"))),
               ("理由", approval.get("reason")),
               ("已核查处罚时效（《行政处罚法》第三十六条）", approval.get("limitation_checked")),
               ("审批人", approver.completed_by.full_name if approver.completed_by else ""))
    doc.signed_on = _date_cn(approver.completed_at.astimezone(LOCAL_TZ).date().isoformat())
    return doc


def _penalty_notice(r: Record) -> Document:
    """行政处罚告知书 (APL 44): facts, reasons, legal basis, proposed penalty, the rights to
    statement, defence and hearing, and their deadlines."""
    report, notice = r.data("investigation_report"), r.data("penalty_notice")
    doc = Document("penalty_notice", "行政处罚告知书", r.authority, notice.get("notice_number", ""))
    doc.fields(*_party_rows(r))
    doc.para(f"经查，{report.get('facts', '')}")
    doc.para(f"你（单位）的上述行为违反了{report.get('violated_provision', '')}的规定。"
             f"依据{report.get('penalty_provision', '')}，本机关拟对你（单位）作出如下行政处罚：")
    doc.fields(("拟作出的处罚内容", notice.get("notified_penalty")),
               ("拟罚款金额", _yuan(notice.get("notified_fine"))))
    served = notice.get("served_on")
    deadline = _working_days_after(served, DEFENCE_WORKING_DAYS) if served else ""
    doc.para("根据《中华人民共和国行政处罚法》第四十四条、第四十五条的规定，你（单位）有权进行陈述和申辩，"
             f"请于收到本告知书之日起{DEFENCE_PERIOD_CN}内（{_date_cn(deadline)}前）提出；"
             "逾期未提出的，视为放弃此权利。")
    if notice.get("hearing_offered"):
        doc.para("根据《中华人民共和国行政处罚法》第六十三条、第六十四条的规定，你（单位）有权要求举行听证，"
                 f"请于收到本告知书之日起{DEFENCE_PERIOD_CN}内（{_date_cn(deadline)}前）提出；"
                 "逾期未提出的，视为放弃此权利。")
    doc.fields(("送达方式", r.label("penalty_notice", "service_method", notice.get("service_method"))),
               ("送达日期", _date_cn(served)))
    doc.signed_on = _date_cn(served)
    return doc


def _hearing_notice(r: Record) -> Document:
    """听证通知书 (APL 64): at least 7 days before the hearing, its time, place, presiding officer."""
    hearing = r.data("hearing_notice")
    doc = Document("hearing_notice", "听证通知书", r.authority, "")
    doc.fields(*_party_rows(r))
    doc.para(f"根据你（单位）的申请，本机关决定就{r.case.title}举行听证。")
    doc.fields(("听证日期", _date_cn(hearing.get("hearing_date"))), ("听证地点", hearing.get("location")),
               ("听证主持人", r.user_name(hearing.get("presiding_officer"))),
               ("是否公开举行", "公开" if hearing.get("public") else "不公开（涉及国家秘密、商业秘密或者个人隐私）"))
    doc.para("你（单位）可以亲自参加听证，也可以委托一至二人代理；认为主持人与本案有直接利害关系的，"
             "有权申请回避（《中华人民共和国行政处罚法》第六十四条）。无正当理由拒不出席听证或者未经许可中途退出"
             "听证的，视为放弃听证权利。")
    doc.fields(("通知送达日期", _date_cn(hearing.get("notice_served_on"))))
    doc.signed_on = _date_cn(hearing.get("notice_served_on"))
    return doc


def _penalty_decision(r: Record) -> Document:
    """行政处罚决定书 (APL 59)."""
    report, decision = r.data("investigation_report"), r.data("penalty_decision")
    evidence = [e.get("description", "") for e in r.data("investigation").get("evidence", [])]
    kinds = [r.label("penalty_decision", "penalty_kinds", k) for k in decision.get("penalty_kinds", [])]
    doc = Document("penalty_decision", "行政处罚决定书", r.authority, decision.get("decision_number", ""))
    doc.fields(*_party_rows(r))
    doc.para(f"经查，{report.get('facts', '')}")
    doc.fields(("证据", evidence))
    doc.para(f"当事人的上述行为违反了{report.get('violated_provision', '')}的规定。"
             f"依据{decision.get('legal_basis', '')}，本机关决定对当事人作出如下行政处罚：")
    doc.fields(("处罚种类", kinds), ("罚款金额", _yuan(decision.get("fine_amount"))),
               ("没收内容", decision.get("confiscation")),
               ("裁量阶次", r.label("penalty_decision", "benchmark_tier", decision.get("benchmark_tier"))))
    late_fee = ("到期不缴纳罚款的，每日按罚款数额的百分之三加处罚款（《中华人民共和国行政处罚法》第七十二条）。"
                if "fine" in decision.get("penalty_kinds", []) else "")
    doc.para(f"履行方式和期限：{decision.get('performance_manner', '')}。{late_fee}")
    doc.para(_remedies(decision))
    doc.signed_on = _date_cn(decision.get("decided_on"))
    return doc


def _remedies(decision: dict) -> str:
    return (f"当事人如不服本决定，可以在收到本决定书之日起六十日内向{decision.get('reconsideration_body', '')}"
            f"申请行政复议，或者在六个月内依法向{decision.get('litigation_court', '')}提起行政诉讼。")


def _no_penalty_decision(r: Record) -> Document:
    """不予行政处罚决定书 (APL 30-33; its contents follow APL 59: the party, the facts and evidence,
    the reasons and legal basis for not penalizing, the remedies, the authority and the date)."""
    report, decision = r.data("investigation_report"), r.data("no_penalty_decision")
    evidence = [e.get("description", "") for e in r.data("investigation").get("evidence", [])]
    doc = Document("no_penalty_decision", "不予行政处罚决定书", r.authority, decision.get("decision_number", ""))
    doc.fields(*_party_rows(r))
    doc.para(f"经查，{report.get('facts', '')}")
    doc.fields(("证据", evidence))
    doc.fields(("不予处罚情形", r.label("no_penalty_decision", "ground", decision.get("ground"))))
    doc.para(f"{decision.get('reasons', '')}。依据{decision.get('legal_basis', '')}的规定，本机关决定对当事人"
             "不予行政处罚。")
    if decision.get("education"):
        doc.para(f"对当事人的教育：{decision['education']}（《中华人民共和国行政处罚法》第三十三条第三款）。")
    doc.para(_remedies(decision))
    doc.signed_on = _date_cn(decision.get("decided_on"))
    return doc


def _transfer_letter(r: Record) -> Document:
    """涉嫌犯罪案件移送书 (APL 27; 国务院《行政执法机关移送涉嫌犯罪案件的规定》: approved by the
    head within 3 days of the report, transferred within 24 hours, copied to the procuratorate)."""
    report, approval, transfer = r.data("investigation_report"), r.data("transfer_approval"), r.data("transfer")
    materials = [r.label("transfer", "materials", m) for m in transfer.get("materials", [])]
    doc = Document("transfer_letter", "涉嫌犯罪案件移送书", r.authority, transfer.get("transfer_number", ""))
    doc.para(f"{transfer.get('receiving_organ', '')}：")
    doc.para(f"本机关在查处{r.case.title}中，发现当事人的行为涉嫌犯罪。经查，{report.get('facts', '')}")
    doc.fields(*_party_rows(r), ("涉嫌罪名及移送理由", report.get("suspected_crime")),
               ("调查终结报告日期", _date_cn(report.get("reported_on"))),
               ("批准移送日期", _date_cn(approval.get("decided_on"))))
    doc.para("根据《中华人民共和国行政处罚法》第二十七条和《行政执法机关移送涉嫌犯罪案件的规定》，现将该案移送你单位，"
             "请依法审查，并将是否立案的决定书面告知本机关。")
    doc.fields(("随案移送材料", materials), ("抄送", transfer.get("procuratorate")))
    doc.signed_on = _date_cn(transfer.get("transferred_on"))
    return doc


def _served_decision(r: Record) -> tuple[str, dict]:
    """The decision the case serves: the penalty decision, or the decision not to penalize."""
    if r.has("penalty_decision"):
        return "行政处罚决定书", r.data("penalty_decision")
    return "不予行政处罚决定书", r.data("no_penalty_decision")


def _service_receipt(r: Record) -> Document:
    """送达回证 of the decision: the service record once made, blank lines to fill by hand before."""
    title, decision = _served_decision(r)
    service = r.data("service") if r.has("penalty_decision") else r.data("no_penalty_service")
    doc = Document("service_receipt", "送达回证", r.authority, decision.get("decision_number", ""))
    rows = [("送达文书", f"{title}（{decision.get('decision_number', '')}）"),
            ("受送达人", r.case.party_name), ("送达地点", r.data("clue_intake").get("party_address")),
            ("送达方式", r.label("service", "method", service.get("method"))),
            ("送达日期", _date_cn(service.get("served_on"))), ("签收人", service.get("recipient"))]
    if service.get("method") == "electronic":
        rows.append(("当事人书面同意电子送达（《行政处罚法》第六十一条）", service.get("electronic_consent")))
    doc.fields(*rows, blanks=True)
    doc.signed_on = _date_cn(decision.get("decided_on"))
    return doc


KINDS = {k.kind: k for k in (
    Kind("filing_approval", "立案审批表", "filing_approval", _filing_approval),
    Kind("penalty_notice", "行政处罚告知书", "penalty_notice", _penalty_notice),
    Kind("hearing_notice", "听证通知书", "hearing_notice", _hearing_notice),
    Kind("penalty_decision", "行政处罚决定书", "penalty_decision", _penalty_decision),
    Kind("service_receipt", "送达回证", "penalty_decision", _service_receipt),
    Kind("no_penalty_decision", "不予行政处罚决定书", "no_penalty_decision", _no_penalty_decision),
    Kind("transfer_letter", "涉嫌犯罪案件移送书", "transfer", _transfer_letter),
)}


def _step(kind: Kind, r: Record) -> str:
    """The step the document comes from in this case: a receipt serves whichever decision was made."""
    if kind.kind == "service_receipt" and not r.has("penalty_decision"):
        return "no_penalty_decision"
    return kind.step


def _available(kind: Kind, r: Record) -> bool:
    if kind.kind == "filing_approval":  # an approval not to file has no 立案审批表 to serve
        return r.data("filing_approval").get("filing_decision") == "file"
    return r.has(_step(kind, r))


# -- the use cases --------------------------------------------------------------------------------
def list_documents(user: User, case_id: int) -> list[dict]:
    """The documents the case's completed steps make available."""
    case = visible_case(user, case_id)
    record = Record(case)
    return [{"kind": k.kind, "title": k.title, "step": _step(k, record),
             "step_completed_at": record.tasks[_step(k, record)].completed_at,
             "links": {fmt: f"/api/v1/cases/{case.id}/documents/{k.kind}.{fmt}" for fmt in FORMATS}}
            for k in KINDS.values() if _available(k, record)]


def generate(user: User, case_id: int, kind: str, fmt: str) -> tuple[bytes, str, str]:
    """The document's bytes, media type and file name; the download is traced with its hash."""
    case = visible_case(user, case_id)
    spec = KINDS.get(kind)
    record = Record(case)
    if spec is None or fmt not in FORMATS or not _available(spec, record):
        raise NotFound(tr("case %(id)s has no document %(name)s (unknown, or its step is not completed)", id=case_id, name=f"{kind}.{fmt}"))
    doc = spec.build(record)
    content = render_docx(doc) if fmt == "docx" else render_html(doc).encode("utf-8")
    digest = hashlib.sha256(content).hexdigest()
    with one_transaction():
        audit.record("document.generated", actor=user, case_id=case.id, bpmn_id=_step(spec, record),
                     data={"kind": kind, "format": fmt, "sha256": digest})
    return content, FORMATS[fmt], f"{case.number}-{kind}.{fmt}"


# -- rendering ------------------------------------------------------------------------------------
def render_html(doc: Document) -> str:
    return render_template("documents/document.html", doc=doc)


# Fixed zip entry times and core properties: the same data gives the same bytes (and hash).
_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_FIXED_CORE_TIME = datetime(2000, 1, 1, tzinfo=UTC)


def render_docx(doc: Document) -> bytes:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    out = docx.Document()
    style = out.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(12)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    for text, size in ((doc.authority, 16), (doc.title, 22)):
        run = out.add_paragraph().add_run(text)
        run.bold = True
        run.font.size = Pt(size)
        out.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    if doc.number:
        out.add_paragraph(doc.number).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for block, content in doc.blocks:
        if block == "para":
            out.add_paragraph(content)
            continue
        table = out.add_table(rows=0, cols=2)
        table.style = "Table Grid"
        for label, value in content:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = label, value
        out.add_paragraph()
    for text in (doc.authority + "（印章）", doc.signed_on):
        out.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    props = out.core_properties
    props.title, props.author, props.last_modified_by = doc.title, doc.authority, doc.authority
    props.created = props.modified = props.last_printed = _FIXED_CORE_TIME
    raw = io.BytesIO()
    out.save(raw)
    return _fixed_zip(raw.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """python-docx stamps each zip entry with the current time; rewrite them with a fixed one."""
    source = zipfile.ZipFile(io.BytesIO(data))
    result = io.BytesIO()
    with zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(zipfile.ZipInfo(info.filename, _FIXED_ZIP_TIME), source.read(info.filename),
                            compress_type=zipfile.ZIP_DEFLATED)
    return result.getvalue()
