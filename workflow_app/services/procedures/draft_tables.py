"""A draft's decision tables ([8/9] workbench, engine/decisions.py): its `bpmn/<id>/*.dmn` files
with the decision each holds, and a new table from a small skeleton. A table is saved as any file
of the draft is (drafts.save_file: its owner, on the revision read), and checked by the deploy's
own code with the rest of the draft (drafts.problems)."""
import re
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

from ...engine.decisions import DMN13_NS, parse_dmn
from ...engine.errors import BpmnInvalid
from ...models import ProcedureDraft, User
from ..errors import Invalid, NotFound, tr
from . import drafts, packages

# a table's file name is its decision's id (bpmn/<id>/<decision id>.dmn): an XML id (NCName) a
# prefill source can name (decision.<id>.<output>: no dot)
DECISION_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,63}\Z")
MAX_TITLE = 200


@dataclass(frozen=True)
class DraftTable:
    path: str
    name: str  # the file's name without .dmn: the editor's address
    decision_id: str | None  # None where the file cannot be read (its problems say why)
    decision_name: str | None


def tables(user: User, draft_id: int) -> tuple[ProcedureDraft, list[DraftTable]]:
    """The draft's decision tables, by path."""
    draft = drafts.get(user, draft_id)
    return draft, [_table(path, content) for path, content in _dmn_files(draft).items()]


def table_path(draft: ProcedureDraft, name: str) -> str:
    return f"bpmn/{draft.process_id}/{name}{packages.DMN_SUFFIX}"


def table(user: User, draft_id: int, name: str) -> tuple[ProcedureDraft, DraftTable]:
    """One of the draft's tables by its name (404 when the draft has none of that name)."""
    draft = drafts.get(user, draft_id)
    files = _dmn_files(draft)
    path = table_path(draft, name) if isinstance(name, str) and DECISION_ID.match(name) else None
    if path not in files:
        raise NotFound(tr("the draft has no decision table %(name)s", name=repr(str(name)[:80])))
    return draft, _table(path, files[path])


def _dmn_files(draft: ProcedureDraft) -> dict[str, bytes]:
    prefix = f"bpmn/{draft.process_id}/"
    return {path: content for path, content in sorted(drafts.layout(draft).items())
            if path.startswith(prefix) and path.endswith(packages.DMN_SUFFIX) and "/" not in path[len(prefix):]}


def _table(path: str, content: bytes) -> DraftTable:
    name = path.rsplit("/", 1)[1][: -len(packages.DMN_SUFFIX)]
    try:
        root = parse_dmn(content, max_bytes=len(content) + 1).getroot()
    except BpmnInvalid:
        return DraftTable(path, name, None, None)
    decision = next(root.iter(f"{{{etree.QName(root).namespace}}}decision"), None)
    if decision is None:
        return DraftTable(path, name, None, None)
    return DraftTable(path, name, decision.get("id"), decision.get("name"))


def new_table(user: User, draft_id: int, decision_id: str, title: str, revision: int | None) -> tuple:
    """A new decision table in the user's draft, saved as bpmn/<id>/<decision id>.dmn on the
    revision read: (draft, its path)."""
    errors = {}
    if not isinstance(decision_id, str) or not DECISION_ID.match(decision_id):
        errors["decision_id"] = [tr("an id of 1 to 64 letters, digits, _ and -, starting with a letter or _")]
    if not isinstance(title, str) or not title.strip() or len(title) > MAX_TITLE or "\x00" in title:
        errors["title"] = [tr("a name of 1 to %(max)d characters", max=MAX_TITLE)]
    if errors:
        raise Invalid(errors)
    draft, existing = tables(user, draft_id)
    if any(t.decision_id == decision_id or t.name == decision_id for t in existing):
        raise Invalid({"decision_id": [tr("the draft has a decision table %(id)s", id=decision_id)]})
    path = table_path(draft, decision_id)
    return drafts.save_file(user, draft_id, path, skeleton(decision_id, title.strip()), revision), path


def skeleton(decision_id: str, title: str) -> bytes:
    """A decision table to start from: one input, one output, one rule matching any value (the
    deploy accepts it as it is; the author makes it the table it should be)."""
    return f'''<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="{DMN13_NS}" xmlns:dmndi="https://www.omg.org/spec/DMN/20191111/DMNDI/"
    xmlns:dc="http://www.omg.org/spec/DMN/20180521/DC/" id="{decision_id}_definitions" name={quoteattr(title)}
    namespace="http://zhifaflow.local/dmn">
  <decision id="{decision_id}" name={quoteattr(title)}>
    <decisionTable id="{decision_id}_table">
      <input id="{decision_id}_input" label="输入">
        <inputExpression id="{decision_id}_input_expression" typeRef="string">
          <text>input_value</text>
        </inputExpression>
      </input>
      <output id="{decision_id}_output" label="结果" name="result" typeRef="string"/>
      <rule id="{decision_id}_rule_1">
        <inputEntry id="{decision_id}_rule_1_input">
          <text>-</text>
        </inputEntry>
        <outputEntry id="{decision_id}_rule_1_output">
          <text>{escape('""')}</text>
        </outputEntry>
      </rule>
    </decisionTable>
  </decision>
  <dmndi:DMNDI>
    <dmndi:DMNDiagram id="{decision_id}_diagram">
      <dmndi:DMNShape id="{decision_id}_shape" dmnElementRef="{decision_id}">
        <dc:Bounds height="80" width="180" x="160" y="100"/>
      </dmndi:DMNShape>
    </dmndi:DMNDiagram>
  </dmndi:DMNDI>
</definitions>
'''.encode()
