"""Metrics, their observations per subject and period, and targets with thresholds."""
import enum
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from scorecard.models.base import Base, TimestampMixin
from scorecard.models.org import Agency, Component, Function, Program


class MetricKind(str, enum.Enum):
    likert = "likert"
    percent = "percent"
    count = "count"
    duration = "duration"
    currency = "currency"
    index = "index"


class Direction(str, enum.Enum):
    higher = "higher"
    lower = "lower"


class Driver(str, enum.Enum):
    """The seven A-11 CX drivers (pre-FY2024 survey)."""

    satisfaction = "satisfaction"
    trust = "trust"
    effectiveness = "effectiveness"
    ease = "ease"
    efficiency = "efficiency"
    transparency = "transparency"
    employee = "employee"


def _enum(cls) -> sa.Enum:
    return sa.Enum(cls, native_enum=False, length=32, validate_strings=True,
                   values_callable=lambda e: [m.value for m in e])


class Metric(Base):
    """A metric definition: what is measured, in which unit, which way is better."""

    __tablename__ = "metrics"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    kind: so.Mapped[MetricKind] = so.mapped_column(_enum(MetricKind))
    unit: so.Mapped[Optional[str]] = so.mapped_column(sa.String(32))
    direction: so.Mapped[Direction] = so.mapped_column(_enum(Direction), default=Direction.higher)
    driver: so.Mapped[Optional[Driver]] = so.mapped_column(_enum(Driver))
    description: so.Mapped[Optional[str]] = so.mapped_column(sa.Text)

    @property
    def is_survey(self) -> bool:
        """Survey results, judged only with enough respondents (scorecard.a11.is_survey_data)."""
        from scorecard.a11 import is_survey_data  # the A-11 definitions read the models

        return is_survey_data(self.kind, self.code)

    def __repr__(self) -> str:
        return f"<Metric {self.code}>"


def subject_key(program_id=None, function_id=None, component_id=None, agency_id=None) -> str:
    """The text that names an observation's subject in its natural key.

    A program is its own subject; a function is scoped to a component or, failing that,
    to the agency. Kept as one column so the natural key stays unique on every backend
    (NULLs never collide in a UNIQUE constraint).
    """
    if program_id is not None:
        return f"program:{program_id}"
    if function_id is None:
        raise ValueError("an observation needs a program or a function")
    if component_id is not None:
        return f"function:{function_id}@component:{component_id}"
    return f"function:{function_id}@agency:{agency_id}"


# What one observation may hold, checked by every way in (the importers, the API) before it is written:
MAX_COUNT = 10**9  # respondents (n) or answers of one kind: far above any survey, within an `integer` column
# The largest size of a value or target (a quadrillion: dollars of any budget): a sum of such values over
# millions of respondents stays a finite number, where 1e308 pooled to infinity, which JSON cannot hold.
MAX_MAGNITUDE = 10**15
CHANNEL_MAX = 64   # Observation.channel
TOUCHPOINT_MAX = 800  # Observation.touchpoint
NOTE_MAX = 4000  # Observation.question_text and .notes: the question as asked, a note (the API's and a file's)


class Observation(TimestampMixin, Base):
    """One value of a metric for one subject in one period, channel and touchpoint."""

    __tablename__ = "observations"
    __table_args__ = (
        sa.UniqueConstraint("metric_id", "subject_key", "period", "channel", "touchpoint",
                            name="uq_observations_natural_key"),
        sa.CheckConstraint("(program_id IS NULL) <> (function_id IS NULL)", name="one_subject"),
        sa.CheckConstraint("n IS NULL OR n >= 0", name="n_not_negative"),
        sa.Index("ix_observations_period_metric", "period", "metric_id"),
        # A program's observations, and whether it reported in a quarter, by index alone (revision 0014).
        sa.Index("ix_observations_program_period", "program_id", "period"),
    )
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    metric_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("metrics.id"))
    # No single-column indexes on agency, component or function: nothing looks observations up by
    # them alone, and each would cost every imported row another B-tree insert (revision 0003).
    agency_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("agencies.id"))
    component_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("components.id"))
    program_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("programs.id"))
    function_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("functions.id"))
    subject_key: so.Mapped[str] = so.mapped_column(sa.String(64))
    period: so.Mapped[str] = so.mapped_column(sa.String(10))
    channel: so.Mapped[str] = so.mapped_column(sa.String(CHANNEL_MAX), default="")
    touchpoint: so.Mapped[str] = so.mapped_column(sa.String(TOUCHPOINT_MAX), default="")
    value: so.Mapped[Optional[float]]
    n: so.Mapped[Optional[int]]
    count_1: so.Mapped[Optional[int]]
    count_2: so.Mapped[Optional[int]]
    count_3: so.Mapped[Optional[int]]
    count_4: so.Mapped[Optional[int]]
    count_5: so.Mapped[Optional[int]]
    question_text: so.Mapped[Optional[str]] = so.mapped_column(sa.Text)
    notes: so.Mapped[Optional[str]] = so.mapped_column(sa.Text)
    # The batch that last wrote the row, and the batch that first brought it (kept when a later batch
    # corrects it: when the value was reported, for A-11's due date). None in the second: the row was
    # first stored without an import batch (its date of reporting is unknown, corrected or not).
    import_batch_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("import_batches.id"), index=True)
    first_import_batch_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("import_batches.id"))

    metric: so.Mapped[Metric] = so.relationship()
    agency: so.Mapped[Agency] = so.relationship()
    component: so.Mapped[Optional[Component]] = so.relationship()
    program: so.Mapped[Optional[Program]] = so.relationship()
    function: so.Mapped[Optional[Function]] = so.relationship()
    import_batch: so.Mapped[Optional["ImportBatch"]] = so.relationship(foreign_keys=[import_batch_id])  # noqa: F821

    @property
    def counts(self) -> list[Optional[int]]:
        return [self.count_1, self.count_2, self.count_3, self.count_4, self.count_5]

    @property
    def non_standard_wording(self) -> bool:
        """The question as asked is not its driver's standard A-11 statement (scorecard.driver_rule)."""
        from scorecard.driver_rule import is_non_standard_wording

        return is_non_standard_wording(self.metric.driver.value if self.metric.driver else None, self.question_text,
                                       self.period)


class ScopeType(str, enum.Enum):
    agency = "agency"
    component = "component"
    program = "program"
    function = "function"


class Target(Base):
    """What a metric should reach for a scope in a fiscal year, with its RAG thresholds.

    For a higher-is-better metric a value at or above `green_at` is green, at or above
    `amber_at` amber, else red; for lower-is-better the comparisons flip.
    """

    __tablename__ = "targets"
    __table_args__ = (sa.UniqueConstraint("metric_id", "scope_type", "scope_id", "fiscal_year"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    metric_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("metrics.id"), index=True)
    scope_type: so.Mapped[ScopeType] = so.mapped_column(_enum(ScopeType))
    scope_id: so.Mapped[int]
    fiscal_year: so.Mapped[int]
    target: so.Mapped[float]
    green_at: so.Mapped[float]
    amber_at: so.Mapped[float]

    metric: so.Mapped[Metric] = so.relationship()

    def rag(self, value: Optional[float]) -> Optional[str]:
        """Green, amber or red for a value, direction-aware; None when there is no value."""
        return rag_for(value, self.green_at, self.amber_at, lower=self.metric.direction is Direction.lower)


COMPARED_PLACES = 9  # decimals a computed value is compared to: past any shown, short of float arithmetic's noise


def as_compared(value):
    """A computed number as it is compared with a threshold: rounded to COMPARED_PLACES, so that arithmetic's
    noise does not move it across one (3.7 from n = 20 and 3.7 from n = 62, weighed, is 3.6999999999999997,
    which was red against an amber edge at 3.7); anything else as it is."""
    return round(value, COMPARED_PLACES) if isinstance(value, float) else value


def rag_for(value: Optional[float], green_at: float, amber_at: float, *, lower: bool) -> Optional[str]:
    """Green, amber or red for a value against a target's thresholds (for a lower-is-better metric
    the comparisons flip); None when there is no value. Target.rag and the dashboards' bulk scores
    both judge through it."""
    if value is None:
        return None
    value = as_compared(value)
    if lower:
        return "green" if value <= green_at else "amber" if value <= amber_at else "red"
    return "green" if value >= green_at else "amber" if value >= amber_at else "red"
