"""Export observations in the canonical metrics layout (CSV or xlsx); importing the file back
changes nothing. Text cells that a spreadsheet would run as a formula are neutralised."""
import csv
import errno
import os
from pathlib import Path
from typing import Iterator, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from importers.formats.observation_formats import EXPORT_COLUMNS
from importers.normalize import safe_for_export
from scorecard.driver_rule import is_non_standard_wording
from scorecard.models import Agency, Component, Function, Metric, Observation, Program
from scorecard.periods import parse_period

TEXT_COLUMNS = {"agency", "component", "program", "function", "metric", "driver", "channel", "touchpoint",
                "question_text"}


def observation_rows(session, *, period: Optional[str] = None, component: Optional[str] = None) -> Iterator[tuple]:
    """Rows of EXPORT_COLUMNS, ordered by period, subject and metric."""
    subject_component = so.aliased(Component)
    query = (
        sa.select(Agency.name, subject_component.name, Program.name, Function.code, Metric.code, Metric.driver,
                  Observation.period, Observation.channel, Observation.touchpoint, Observation.value, Observation.n,
                  Observation.count_1, Observation.count_2, Observation.count_3, Observation.count_4,
                  Observation.count_5, Observation.question_text)
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
        query = query.where(sa.or_(sa.func.lower(subject_component.name) == component.lower(),
                                   sa.func.lower(subject_component.code) == component.lower()))
    for row in session.execute(query.execution_options(yield_per=5000)):
        values = list(row)
        values[5] = values[5].value if values[5] is not None else None
        values.append("yes" if is_non_standard_wording(values[5], values[16]) else "")
        yield tuple(safe_for_export(v) if name in TEXT_COLUMNS else v for name, v in zip(EXPORT_COLUMNS, values))


def export_observations(session, out: Path, **filters) -> int:
    """Write the export to `out` (.csv or .xlsx); returns the number of rows written."""
    return write_table(out, EXPORT_COLUMNS, observation_rows(session, **filters), "observations")


def export_ratings(session, out: Path, fiscal_year: Optional[int] = None) -> int:
    """Leaders' element ratings, one row per element: proposal, decision and the plan's summary."""
    from scorecard.plans.services import RATING_COLUMNS, rating_rows

    rows = ((safe_for_export(leader), fy, safe_for_export(element), *rest)
            for leader, fy, element, *rest in rating_rows(session, fiscal_year))
    return write_table(out, RATING_COLUMNS, rows, "ratings")


def write_table(out: Path, columns, rows, sheet_name: str) -> int:
    """`rows` under a header of `columns`, as .csv or .xlsx by the file's extension; returns the count.
    Text that a spreadsheet would run as a formula must already be neutralised by the caller."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xlsm"):
        raise ValueError(f"export to .csv or .xlsx, not {out.suffix or 'a file without extension'}")
    if not out.parent.is_dir():  # before a write-only workbook is opened: it cannot be closed cleanly after
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", str(out.parent))
    part = out.with_name(f".{out.name}.part")  # a failed export leaves no half-written file behind
    try:
        count = _write_csv(part, columns, rows) if suffix == ".csv" else _write_xlsx(part, columns, rows, sheet_name)
        os.replace(part, out)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return count


def _write_csv(out: Path, columns, rows) -> int:
    count = 0
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for count, row in enumerate(rows, start=1):
            writer.writerow(["" if v is None else v for v in row])
    return count


def _write_xlsx(out: Path, columns, rows, sheet_name: str) -> int:
    from openpyxl import Workbook

    count = 0
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name)
    sheet.freeze_panes = "A2"
    sheet.append(list(columns))
    for count, row in enumerate(rows, start=1):
        sheet.append(list(row))
    workbook.save(out)
    return count
