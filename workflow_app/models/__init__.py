"""SQLAlchemy models; importing this package registers every table."""
from .audit import AuditCheckpoint, TraceChain, TraceEvent
from .cases import (
    Case,
    CaseAttachment,
    CaseMilestone,
    CaseNumberCounter,
    IdempotentRequest,
    LegalReview,
    Task,
    WorkflowState,
)
from .org import LANE_ROLES, ROLES, ApiToken, Certificate, OrgUnit, User, UserRole
from .oversight import Alert, DiscretionBenchmark
from .parties import Party
from .procedures import Procedure, ProcedureFile, ProcedureVersion

__all__ = [
    "Alert", "ApiToken", "AuditCheckpoint", "Case", "CaseAttachment", "CaseMilestone", "CaseNumberCounter", "Certificate", "DiscretionBenchmark", "IdempotentRequest", "LANE_ROLES", "LegalReview", "OrgUnit", "Party", "Procedure",
    "ProcedureFile", "ProcedureVersion", "ROLES", "Task", "TraceChain", "TraceEvent", "User", "UserRole",
    "WorkflowState",
]
