"""SQLAlchemy models; importing this package registers every table."""
from .audit import AuditCheckpoint, TraceChain, TraceEvent
from .cases import (
    Case,
    CaseAttachment,
    CaseMilestone,
    IdempotentRequest,
    IssuedNumber,
    LegalReview,
    NumberCounter,
    Task,
    WorkflowState,
)
from .evidence import Evidence, EvidenceWithdrawal
from .org import LANE_ROLES, ROLES, ApiToken, Certificate, OrgUnit, User, UserRole
from .oversight import Alert, Cause, DiscretionBenchmark, PenaltyListItem
from .parties import Party
from .procedures import Procedure, ProcedureFile, ProcedureVersion

__all__ = [
    "Alert", "ApiToken", "AuditCheckpoint", "Case", "Cause", "CaseAttachment", "CaseMilestone", "Certificate", "DiscretionBenchmark", "Evidence", "EvidenceWithdrawal", "IdempotentRequest", "IssuedNumber", "LANE_ROLES", "LegalReview", "OrgUnit", "NumberCounter", "Party", "PenaltyListItem", "Procedure",
    "ProcedureFile", "ProcedureVersion", "ROLES", "Task", "TraceChain", "TraceEvent", "User", "UserRole",
    "WorkflowState",
]
