"""Moving a running case to another version of its procedure: an explicit, audited action.

A case stays on the version it started on (ARCHITECTURE.md). When a procedure is corrected, a
BPMN author or administrator may move a running case to a newer (or older) version of the same
procedure, provided every step the case has already reached still exists there.
"""
from ...engine.errors import MigrationBlocked
from ...extensions import db
from ...models import ProcedureVersion, User, WorkflowState
from ...models.types import utcnow
from ..audit import trail as audit
from ..errors import Conflict, Invalid, tr
from ..people.access import require_role, visible_case
from ..procedures.versions import latest_version
from .step_path import StepPath


def migrate_case(user: User, case_id: int, to_version_id: int | None = None):
    require_role(user, "bpmn_author", tr("moving a case to another procedure version"), "admin")
    case = visible_case(user, case_id)
    current = case.procedure_version
    if case.closed_at is not None:
        raise Conflict(tr("case %(number)s is %(status)s; only running cases move", number=case.number, status=case.status))
    if to_version_id is None:
        target = latest_version(current.procedure.process_id)
    else:
        target = db.session.get(ProcedureVersion, to_version_id)
        if target is None or target.procedure_id != current.procedure_id:
            raise Invalid({"version_id": [tr("not a version of %(procedure)s", procedure=current.procedure.process_id)]})
    if target.id == current.id:
        raise Invalid({"version_id": [tr("the case is already on version %(version)s", version=current.version)]})

    state = db.session.get(WorkflowState, case.id)
    path = StepPath(user, failed="case.migration_failed", case_id=case.id, failure_data={
        "from_version": current.version, "to_version": target.version})
    try:
        step = path.engine("migrate", {"state": state.state, "target_sha256": target.sha256}, current, target)
    except MigrationBlocked as blocked:
        raise Invalid({"version_id": blocked.blockers},
                      tr("case %(number)s cannot move to version %(version)s", number=case.number, version=target.version),
                      code="migration_blocked") from None
    now = utcnow()
    case.procedure_version_id = target.id
    case.procedure_version = target
    case.updated_at = now
    with path.write(case, state, step, now):
        audit.record("case.migrated", actor=user, case_id=case.id, at=now, data={
            "from_version": current.version, "to_version": target.version,
            "from_sha256": current.sha256, "to_sha256": target.sha256})
    return case
