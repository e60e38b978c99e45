"""marshmallow schemas of the API: what every operation accepts (validated before anything touches
the session) and returns (and so what the OpenAPI document says). One module per resource, the
shared field types and envelopes in `common`; the operations read them from here (`schemas.X`)."""
from scorecard.api.schemas.capacity import CapacityArgs, CapacityAssessmentSchema
from scorecard.api.schemas.commitments import (
    CommitmentArgs,
    CommitmentPatchSchema,
    CommitmentSavedSchema,
    CommitmentSchema,
    IfMatchHeader,
)
from scorecard.api.schemas.common import PageArgs, ProblemSchema, page_of
from scorecard.api.schemas.findings import FindingArgs, FindingSchema
from scorecard.api.schemas.imports import (
    LAYOUTS,
    ImportArgs,
    ImportBatchSchema,
    RevertArgs,
    RevertSchema,
    UploadSchema,
)
from scorecard.api.schemas.observations import (
    ROWS_MAX,
    DryRunArgs,
    ImportSummarySchema,
    ObservationArgs,
    ObservationRowSchema,
    ObservationSchema,
)
from scorecard.api.schemas.org import (
    AgencyArgs,
    AgencySchema,
    ComponentArgs,
    ComponentSchema,
    FunctionSchema,
    MetricArgs,
    MetricSchema,
    ProgramArgs,
    ProgramSchema,
)
from scorecard.api.schemas.plans import PlanArgs, PlanSchema
from scorecard.api.schemas.scores import ScoreArgs, ScoreSchema

__all__ = [
    "LAYOUTS", "ROWS_MAX", "AgencyArgs", "AgencySchema", "CapacityArgs", "CapacityAssessmentSchema", "CommitmentArgs",
    "CommitmentPatchSchema", "CommitmentSavedSchema", "CommitmentSchema", "ComponentArgs", "ComponentSchema",
    "DryRunArgs", "FindingArgs",
    "FindingSchema", "FunctionSchema", "IfMatchHeader", "ImportArgs", "ImportBatchSchema", "ImportSummarySchema",
    "MetricArgs", "MetricSchema", "ObservationArgs", "ObservationRowSchema", "ObservationSchema", "PageArgs",
    "PlanArgs", "PlanSchema", "ProblemSchema", "ProgramArgs", "ProgramSchema", "RevertArgs", "RevertSchema",
    "ScoreArgs", "ScoreSchema", "UploadSchema", "page_of",
]
