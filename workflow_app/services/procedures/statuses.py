"""A case's status, as its procedure declares it (engine/specs.py): "intake" before the first
milestone, then the status of the last milestone reached; each with its label ("中文" or
"中文|English" in the BPMN) and whether it closes the case. Python names no status: the lists,
filters and dashboard read the catalogue of the deployed versions."""
from dataclasses import dataclass
from datetime import datetime

from ...engine.errors import BpmnInvalid
from ...engine.specs import INITIAL_STATUS, initial_status_label, parse_xml
from ...extensions import db
from ...messages import Phrase
from ...models import ProcedureVersion
from ..errors import tr

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
    """The stored version's process `statusLabel` (validated at deploy: parsed with the hardened
    parser, no size limit of its own)."""
    if not bpmn_xml:
        return None
    data = bpmn_xml.encode("utf-8")
    try:
        return initial_status_label(parse_xml(data, max_bytes=len(data) + 1).getroot())
    except BpmnInvalid:
        return None


_catalogues: dict[tuple, dict[str, "Status"]] = {}


def catalogue() -> dict[str, Status]:
    """Every status of the deployed procedures: code -> Status, the newest version's word for a
    code two procedures share, in the procedures' order. One small query per transaction (a page
    asks several times); the catalogue is built again only when a version was deployed."""
    from .versions import procedure_info  # procedures imports this module
    key = _deployed_versions()
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


def _deployed_versions() -> tuple:
    """(id, sha256) of every deployed version, read once in the session's transaction: a version
    deployed meanwhile commits its own, so the next transaction reads it."""
    session = db.session()  # the request's session itself (the scoped proxy has no transaction)
    held = session.info.get("deployed_versions")
    if held is not None and held[0] is session.get_transaction():
        return held[1]
    versions = tuple(session.execute(
        db.select(ProcedureVersion.id, ProcedureVersion.sha256)
        .order_by(ProcedureVersion.procedure_id, ProcedureVersion.id.desc())).all())
    session.info["deployed_versions"] = (session.get_transaction(), versions)
    return versions


def status_words() -> dict[str, str]:
    """code -> label in the request's language, of every status of the deployed procedures."""
    from ...i18n import localized
    return {code: localized(status.label) for code, status in catalogue().items()}


def case_milestones(case) -> list[dict]:
    """The milestones the case reached, in order ({milestone, status, bpmn_id, at}): the case
    row's projection of its case_milestone rows, this step's included (no query)."""
    return [{**item, "at": datetime.fromisoformat(item["at"])} for item in case.milestones or []]


def milestone_times(case) -> dict[str, datetime]:
    """milestone -> the time the case last reached it."""
    return {item["milestone"]: item["at"] for item in case_milestones(case)}  # in order: the latest wins
