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
from .evidence import Evidence, EvidenceWithdrawal
from .org import LANE_ROLES, ROLES, ApiToken, Certificate, OrgUnit, User, UserRole
from .oversight import Alert, Cause, DiscretionBenchmark
from .procedures import Procedure, ProcedureFile, ProcedureVersion

__all__ = [
    "Alert", "ApiToken", "AuditCheckpoint", "Case", "Cause", "CaseAttachment", "CaseMilestone", "CaseNumberCounter", "Certificate", "DiscretionBenchmark", "Evidence", "EvidenceWithdrawal", "IdempotentRequest", "LANE_ROLES", "LegalReview", "OrgUnit", "Procedure",
    "ProcedureFile", "ProcedureVersion", "ROLES", "Task", "TraceChain", "TraceEvent", "User", "UserRole",
    "WorkflowState",
]
