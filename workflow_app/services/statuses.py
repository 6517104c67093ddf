"""A case's status, as its procedure declares it (engine/specs.py): "intake" before the first
milestone, then the status of the last milestone reached; each with its label ("中文" or
"中文|English" in the BPMN) and whether it closes the case. Python names no status: the lists,
filters and dashboard read the catalogue of the deployed versions."""
from dataclasses import dataclass
from datetime import datetime

from lxml import etree
from sqlalchemy import func

from ..engine.specs import INITIAL_STATUS, initial_status_label
from ..extensions import db
from ..messages import Phrase
from ..models import CaseMilestone, ProcedureVersion
from .errors import tr

# A procedure that names no label for a case before its first milestone.
INITIAL_WORD = tr("registered, before its first milestone")


@dataclass(frozen=True)
class Status:
    code: str
    label: object  # a Phrase (the BPMN's words), or a Text of the catalogue
    closes: bool


def phrase(label: str) -> Phrase:
    """'中文|English' (or '中文' alone, said in both languages)."""
    zh, _, en = label.partition("|")
    return Phrase((en or zh).strip(), zh.strip())


def version_statuses(task_specs: dict, initial_label: str | None) -> dict[str, Status]:
    """code -> Status of one version, in the procedure's order (the initial status first)."""
    out = {INITIAL_STATUS: Status(INITIAL_STATUS, phrase(initial_label) if initial_label else INITIAL_WORD, False)}
    for meta in task_specs.values():
        if meta.get("milestone") and meta.get("status") and meta["status"] not in out:
            out[meta["status"]] = Status(meta["status"], phrase(meta.get("status_label") or meta["status"]),
                                         bool(meta.get("closes")))
    return out


def initial_label_of(bpmn_xml: str | None) -> str | None:
    if not bpmn_xml:
        return None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return initial_status_label(etree.fromstring(bpmn_xml.encode("utf-8"), parser))
    except etree.LxmlError:
        return None


_catalogues: dict[tuple, dict[str, "Status"]] = {}


def catalogue() -> dict[str, Status]:
    """Every status of the deployed procedures: code -> Status, the newest version's word for a
    code two procedures share, in the procedures' order. One small query; the catalogue is built
    again only when a version was deployed."""
    from .procedures import procedure_info  # procedures imports this module
    key = tuple(db.session.execute(
        db.select(ProcedureVersion.id, ProcedureVersion.sha256)
        .order_by(ProcedureVersion.procedure_id, ProcedureVersion.id.desc())).all())
    out = _catalogues.get(key)
    if out is not None:
        return out
    out = {}
    for version_id, _ in key:
        for code, status in procedure_info(db.session.get(ProcedureVersion, version_id)).statuses.items():
            out.setdefault(code, status)
    if not out:
        out[INITIAL_STATUS] = Status(INITIAL_STATUS, INITIAL_WORD, False)
    if len(_catalogues) > 16:
        _catalogues.clear()
    _catalogues[key] = out
    return out


def status_word(code: str) -> str:
    """A status's label in the request's language (its code when no deployed procedure has it)."""
    from ..i18n import localized
    status = catalogue().get(code)
    return localized(status.label) if status is not None else code


def status_words() -> dict[str, str]:
    """code -> label in the request's language, of every status of the deployed procedures."""
    from ..i18n import localized
    return {code: localized(status.label) for code, status in catalogue().items()}


def milestone_times(case_id: int, reached: list[CaseMilestone] = ()) -> dict[str, datetime]:
    """milestone -> the time the case last reached it: its rows, and `reached` (this step's,
    not flushed yet)."""
    with db.session.no_autoflush:
        times = dict(db.session.execute(
            db.select(CaseMilestone.milestone, func.max(CaseMilestone.at))
            .where(CaseMilestone.case_id == case_id).group_by(CaseMilestone.milestone)).all())
    for row in reached:
        times[row.milestone] = row.at
    return times


def reached_milestones(case_id: int) -> list[CaseMilestone]:
    """The milestones the case reached, in order."""
    return list(db.session.execute(db.select(CaseMilestone).where(CaseMilestone.case_id == case_id)
                                   .order_by(CaseMilestone.at, CaseMilestone.id)).scalars())
