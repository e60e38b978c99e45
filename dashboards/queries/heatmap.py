"""The heatmap's data: programs × A-11 drivers for one quarter, each cell a score with its n,
target and status; rows sorted worst first."""
from dataclasses import dataclass, field
from typing import Optional

import sqlalchemy as sa

from dashboards.cache import cached
from dashboards.queries.common import EVERY_PROGRAM, ProgramFilter, chosen_period, driver_metrics
from scorecard.models import Component, Program
from scorecard.periods import parse_period
from scorecard.scoring import AMBER, INSUFFICIENT, NO_DATA, NO_TARGET, RED, TargetBook, program_scores, rag_status

# Worst first: a red cell outweighs any number of amber ones, and so on down.
SEVERITY = [RED, AMBER, INSUFFICIENT, NO_TARGET, NO_DATA]
SORTS = {"worst": "Worst first", "name": "Component and program name"}


@dataclass
class Cell:
    """One program's pooled score on one driver."""

    value: Optional[float]
    n: Optional[int]
    target: Optional[float]
    status: str


@dataclass
class HeatmapRow:
    program_id: int
    program: str
    component: str
    cells: list[Cell]

    @property
    def label(self) -> str:
        return f"{self.component} — {self.program}"

    def count(self, status: str) -> int:
        return sum(1 for cell in self.cells if cell.status == status)

    def severity(self) -> tuple:
        """Sorts the worst row first: most red cells, then most amber, ..."""
        return tuple(-self.count(status) for status in SEVERITY)


@dataclass
class Heatmap:
    """Programs × A-11 drivers for one quarter."""

    period: Optional[str]
    drivers: list[str] = field(default_factory=list)
    rows: list[HeatmapRow] = field(default_factory=list)


@cached
def driver_heatmap(session, period: Optional[str] = None, programs: ProgramFilter = EVERY_PROGRAM,
                   sort: str = "worst", *, min_n: int = 30) -> Heatmap:
    """The heatmap for `period` (default: the latest with data) over the programs the filter selects,
    worst first (`sort="worst"`) or by component and program name (`sort="name"`)."""
    period = chosen_period(session, period)
    if period is None:
        return Heatmap(period=None)
    period = str(parse_period(period))
    metrics = driver_metrics(session)
    scores = program_scores(session, period, [m.id for m in metrics])
    with_data = {pid for pid, _ in scores}
    query = programs.apply(
        sa.select(Program).join(Component, Component.id == Program.component_id)
        .where(Program.id.in_(with_data)).options(sa.orm.joinedload(Program.component))
        .order_by(Component.name, Program.name))
    book = TargetBook(session, parse_period(period).fiscal_year)
    heat = Heatmap(period=period, drivers=[m.driver.value for m in metrics])
    for program in session.scalars(query):
        cells = []
        for metric in metrics:
            score = scores.get((program.id, metric.id))
            target = book.for_program(metric.id, program)
            cells.append(Cell(
                value=None if score is None or score.value is None else round(score.value, 2),
                n=None if score is None else score.n,
                target=None if target is None else target.target,
                status=rag_status(score, target, survey=True, min_n=min_n)))
        heat.rows.append(HeatmapRow(program.id, program.name, program.component.name, cells))
    if sort == "worst":
        heat.rows.sort(key=HeatmapRow.severity)  # stable: name order within equal severity
    return heat
