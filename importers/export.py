"""Export observations in the canonical metrics layout (CSV or xlsx); importing the file back
changes nothing. Text cells that a spreadsheet would run as a formula are neutralised. (The
ratings export lives with the plans: scorecard/plans/export.py.)"""
from collections.abc import Iterator
from pathlib import Path
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from importers.formats.observation_formats import EXPORT_COLUMNS
from scorecard.driver_rule import is_non_standard_wording
from scorecard.models import Agency, Component, Function, Metric, Observation, Program
from scorecard.periods import parse_period
from scorecard.spreadsheets import safe_for_export, write_table

TEXT_COLUMNS = {"agency", "component", "program", "function", "metric", "driver", "channel", "touchpoint",
                "question_text", "notes"}


def _named(component, text: str):
    """Whether `component` (the table, or an alias of it) is named or coded `text`, in any case."""
    return sa.or_(sa.func.lower(component.name) == text.lower(), sa.func.lower(component.code) == text.lower())


def observation_rows(session, *, period: Optional[str] = None, component: Optional[str] = None) -> Iterator[tuple]:
    """Rows of EXPORT_COLUMNS, ordered by period, subject and metric."""
    subject_component = so.aliased(Component)
    query = (
        sa.select(Agency.name, subject_component.name, Program.name, Function.code, Metric.code, Metric.driver,
                  Observation.period, Observation.channel, Observation.touchpoint, Observation.value, Observation.n,
                  Observation.count_1, Observation.count_2, Observation.count_3, Observation.count_4,
                  Observation.count_5, Observation.question_text, Observation.notes)
        .join(Agency, Agency.id == Observation.agency_id)
        .join(Metric, Metric.id == Observation.metric_id)
        .outerjoin(subject_component, subject_component.id == Observation.component_id)
        .outerjoin(Program, Program.id == Observation.program_id)
        .outerjoin(Function, Function.id == Observation.function_id)
        .order_by(Observation.period, Observation.subject_key, Metric.code, Observation.channel,
                  Observation.touchpoint)
    )
    if period:
        query = query.where(Observation.period == str(parse_period(period)))
    if component:
        query = query.where(_named(subject_component, component))
    for row in session.execute(query.execution_options(yield_per=5000)):
        values = list(row)
        values[5] = values[5].value if values[5] is not None else None
        values.append("yes" if is_non_standard_wording(values[5], values[16], values[6]) else "")
        yield tuple(safe_for_export(v) if name in TEXT_COLUMNS else v for name, v in zip(EXPORT_COLUMNS, values))


def export_observations(session, out: Path, **filters) -> int:
    """Write the export to `out` (.csv or .xlsx); returns the number of rows written. A component that no
    component is named or coded is refused (ValueError), before a file is written: it wrote an empty file."""
    component = filters["component"] = (filters.get("component") or "").strip() or None
    if component and session.scalar(sa.select(sa.func.count(Component.id)).where(_named(Component, component))) == 0:
        codes = session.scalars(sa.select(Component.code).order_by(Component.code).limit(6)).all()
        raise ValueError(f"no component is named or coded {component!r}; codes are such as {', '.join(codes)}")
    return write_table(out, EXPORT_COLUMNS, observation_rows(session, **filters), "observations")
