"""The domain model of DESIGN §3, re-exported so callers import from one place."""
from scorecard.models.audit import AuditEvent
from scorecard.models.base import Base, utcnow
from scorecard.models.briefings import BriefingJob
from scorecard.models.capacity import CAPACITY_DOMAINS, CapacityAssessment, CapacityDomainScore
from scorecard.models.commitments import Commitment, CommitmentStatus, CommitmentUpdate
from scorecard.models.imports import BatchStatus, ImportBatch, ImportRowChange
from scorecard.models.metrics import (
    Direction,
    Driver,
    Metric,
    MetricKind,
    Observation,
    ScopeType,
    Target,
    subject_key,
)
from scorecard.models.org import Agency, Component, Function, Leader, LifeExperience, Program
from scorecard.models.plans import ElementRating, PerformancePlan, PlanElement, PlanRequirement, RatingMethod
from scorecard.models.reminders import MailDelivery, MailMessage, Reminder, ReminderReason
from scorecard.models.rules import Finding, FindingInput, Rule, RuleStatus, RuleSubject, RuleVersion
from scorecard.models.tokens import ApiToken, TokenScope
from scorecard.models.users import LoginFailure, Role, User

__all__ = [
    "Agency", "AuditEvent", "Base", "BatchStatus", "BriefingJob", "CAPACITY_DOMAINS", "CapacityAssessment",
    "CapacityDomainScore", "Commitment", "CommitmentStatus", "CommitmentUpdate", "Component", "Direction",
    "Driver", "ElementRating", "Finding", "FindingInput", "Function", "ImportBatch", "ImportRowChange",
    "Leader", "LifeExperience", "LoginFailure", "Metric", "MetricKind", "Observation", "PerformancePlan",
    "PlanElement", "PlanRequirement", "Program", "RatingMethod", "Role", "Rule", "RuleStatus", "RuleSubject",
    "RuleVersion", "ScopeType", "Target", "User", "subject_key", "utcnow",
    "MailDelivery", "MailMessage", "Reminder", "ReminderReason", "ApiToken", "TokenScope",
]
