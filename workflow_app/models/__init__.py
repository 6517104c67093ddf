"""SQLAlchemy models; importing this package registers every table."""
from .audit import AuditCheckpoint, TraceChain, TraceEvent
from .cases import (
    Case,
    CaseAttachment,
    CaseLink,
    CaseMilestone,
    IdempotentRequest,
    IssuedNumber,
    LegalReview,
    NumberCounter,
    Referral,
    Task,
    WorkflowState,
)
from .evidence import Evidence, EvidenceWithdrawal
from .inspection import InspectionDraw, InspectionPlan, JointVisit, JointVisitCase, MarketEntity
from .org import LANE_ROLES, ROLES, ApiToken, Certificate, OrgUnit, User, UserRole
from .oversight import Alert, Cause, DiscretionBenchmark, PenaltyListItem
from .parties import Party
from .procedures import Procedure, ProcedureDraft, ProcedureDraftFile, ProcedureFile, ProcedureVersion

__all__ = [
    "Alert", "ApiToken", "AuditCheckpoint", "Case", "CaseAttachment", "CaseLink", "CaseMilestone", "Cause", "Certificate", "DiscretionBenchmark", "Evidence", "EvidenceWithdrawal", "IdempotentRequest", "InspectionDraw", "InspectionPlan", "IssuedNumber", "JointVisit", "JointVisitCase", "LANE_ROLES", "LegalReview", "MarketEntity", "NumberCounter", "OrgUnit", "Party", "PenaltyListItem", "Procedure", "ProcedureDraft", "ProcedureDraftFile", "Referral",
    "ProcedureFile", "ProcedureVersion", "ROLES", "Task", "TraceChain", "TraceEvent", "User", "UserRole",
    "WorkflowState",
]
