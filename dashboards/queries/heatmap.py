"""The heatmap's data: programs × A-11 drivers for one quarter, each cell a score with its n,
target and status, the questions as asked and the import batches it came from; rows sorted worst
first; drivers no program answered set aside. From A-11's v2 survey on, a trust cell also gives the
share who trust (the program page's measure): its mean, which the status is judged on, counts a
thumbs up as 5 and a thumbs down as 1 where the question was asked so."""
from dataclasses import dataclass, field, replace
from typing import Optional

import sqlalchemy as sa

from dashboards.cache import SURVEY, Compact, cached
from dashboards.queries.common import (
    EVERY_PROGRAM,
    ProgramFilter,
    chosen_period,
    driver_metrics,
    pooled_scores,
    program_names,
    status_findings,
    status_metric,
    target_book,
    trust_share,
)
from dashboards.queries.program import question_words
from scorecard.a11 import trust_as_share
from scorecard.driver_rule import is_non_standard_wording
from scorecard.models import Component, Program
from scorecard.periods import parse_period
from scorecard.scoring import AMBER, INSUFFICIENT, NO_DATA, NO_TARGET, RED, beside_target

# Worst first: a red cell outweighs any number of amber ones, then the lowest scores (HeatmapRow.severity).
SEVERITY = [RED, AMBER, INSUFFICIENT, NO_TARGET, NO_DATA]
SORTS = {"worst": "Worst first", "name": "Component and program name"}
NOT_OBSERVED = "no observations"  # a cell's question and source where the program has no observation


@dataclass
class Cell(Compact):
    """One program's pooled score on one driver."""

    value: Optional[float]
    n: Optional[int]
    target: Optional[float]
    status: str
    share: Optional[float] = None  # v2 trust: the share who trust, in percent (None when not every answer is counted)
    thumbs: bool = False  # v2 trust asked as thumbs up / down only (answers of 1 and 5 alone)
    question: str = "question not recorded"  # the questions as asked, "(non-standard wording)" marked
    source: str = ""  # the import batches the observations came from
    finding_id: Optional[int] = None  # the rules' status finding behind a trust cell's status (its why-page)


@dataclass
class HeatmapRow(Compact):
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
        """Sorts the worst row first: most red cells, then most amber, then the lowest mean score of the
        cells with enough answers (without targets, as the performance.gov agencies have none, the
        scores are what is worst), then the rest by their statuses."""
        counted = dict.fromkeys(SEVERITY, 0)
        judged = []
        for cell in self.cells:  # one pass: 500 rows are sorted on every heatmap
            if cell.status in counted:
                counted[cell.status] += 1
            if cell.value is not None and cell.status not in (INSUFFICIENT, NO_DATA):
                judged.append(cell.value)
        lowest = (0, sum(judged) / len(judged)) if judged else (1, 0.0)  # a row without such a score after
        return (-counted[RED], -counted[AMBER], lowest, *(-counted[status] for status in SEVERITY[2:]))


@dataclass
class Heatmap:
    """Programs × A-11 drivers for one quarter."""

    period: Optional[str]
    drivers: list[str] = field(default_factory=list)
    rows: list[HeatmapRow] = field(default_factory=list)
    not_asked: list[str] = field(default_factory=list)  # drivers no program has a score for (_set_aside_unasked)

    @property
    def shares(self) -> bool:
        """Whether a cell gives the share who trust (a v2 quarter's trust)."""
        return any(cell.share is not None for row in self.rows for cell in row.cells)


def asked_words(driver: str, period: str, questions: tuple[str, ...]) -> str:
    """The questions as asked, "(non-standard wording)" marked."""
    return question_words(questions, any(is_non_standard_wording(driver, q, period) for q in questions))


def source_words(batches: tuple) -> str:
    """"batch 12", "batches 12, 15", "no import batch (entered directly)", or both kinds."""
    ids = [b for b in batches if b is not None]
    words = [("batch " if len(ids) == 1 else "batches ") + ", ".join(map(str, ids))] if ids else []
    if None in batches:
        words.append("no import batch (entered directly)")
    return "; ".join(words)


def driver_heatmap(session, period: Optional[str] = None, programs: ProgramFilter = EVERY_PROGRAM,
                   sort: str = "worst", *, min_n: int = 30) -> Heatmap:
    """The heatmap for `period` (default: the latest with data) over the programs the filter selects,
    worst first (`sort="worst"`) or by component and program name (`sort="name"`): `survey_heatmap`,
    with each program's trust cell given the status the overview and the program page give it (as
    `program_statuses` does: the rules' status finding for the quarter where they concluded one, naming
    its why-page; the score's status against its target where not), so the pages never disagree.
    Not kept itself: `survey_heatmap` is, and setting the findings in and sorting takes a few
    milliseconds, where a second pickle of thousands of cells into the cache took as long."""
    metric = status_metric(session)
    heat = survey_heatmap(session, period, programs, "name", min_n=min_n)  # sorted once, here
    if heat.period is None or metric is None or metric.driver.value not in heat.drivers:
        return survey_heatmap(session, period, programs, sort, min_n=min_n)
    column = heat.drivers.index(metric.driver.value)
    findings = status_findings(session, heat.period)
    rows = []
    for row in heat.rows:
        finding = findings.get(row.program_id)
        if finding is not None:
            cells = list(row.cells)
            cells[column] = replace(cells[column], status=finding.status or cells[column].status,
                                    finding_id=finding.id)
            row = HeatmapRow(row.program_id, row.program, row.component, cells)
        rows.append(row)
    if sort == "worst":
        rows.sort(key=HeatmapRow.severity)
    return replace(heat, rows=rows)


@cached(reads=SURVEY)
def survey_heatmap(session, period: Optional[str] = None, programs: ProgramFilter = EVERY_PROGRAM,
                   sort: str = "worst", *, min_n: int = 30) -> Heatmap:
    """The heatmap as the survey results alone give it (every status the score's against its target),
    kept across officers' edits and rule runs."""
    period = chosen_period(session, period)
    if period is None:
        return Heatmap(period=None)
    period = str(parse_period(period))
    metrics = driver_metrics(session)
    # pooled by the database with the questions and batches, targets and statuses; not kept on its own: this
    # heatmap, kept under the same parts of the data version, is the only reader (its pickle cost 3-6 ms)
    scores = pooled_scores.uncached(session, period, programs, min_n=min_n, sourced=True)
    with_data = {pid for found in scores.values() for pid in found}
    query = programs.apply(
        sa.select(Program.id, Program.name, Component.name, Program.component_id, Component.agency_id)
        .join(Component, Component.id == Program.component_id)
        .where(Program.id.in_(with_data)).order_by(Component.name, Program.name))
    book = target_book(session, parse_period(period).fiscal_year)
    heat = Heatmap(period=period, drivers=[m.driver.value for m in metrics])
    # v2 trust's share who trust: asked of the trust metric's cells only (a heatmap is thousands of cells)
    shares = {metric.id: trust_as_share(metric.driver.value, period) for metric in metrics}
    # the metrics' columns read once (thousands of cells), and the words of each distinct wording and batch set
    columns = [(metric, metric.id, metric.driver.value, scores.get(metric.id, {})) for metric in metrics]
    asked: dict[tuple, str] = {}
    came_from: dict[tuple, str] = {}
    for program_id, name, component, component_id, agency_id in session.execute(query):
        cells = []
        for metric, metric_id, driver, scored in columns:
            score = scored.get(program_id)
            if score is None:  # nothing was asked: no question to name ("not recorded" would blame the file)
                said = {"question": NOT_OBSERVED, "source": NOT_OBSERVED}
            else:
                questions, batches = score.questions, score.batches
                if (driver, questions) not in asked:
                    asked[driver, questions] = asked_words(driver, period, questions)
                if batches not in came_from:
                    came_from[batches] = source_words(batches)
                said = {"question": asked[driver, questions], "source": came_from[batches]}
            if score is None or score.value is None:  # no observation, or none with a score: no data
                target = book.for_ids(metric_id, program_id, component_id, agency_id)
                cells.append(Cell(None, None if score is None else score.n,
                                  None if target is None else target.target, NO_DATA, **said))
                continue
            share = trust_share(period, metric, score) if shares[metric_id] else None
            cells.append(Cell(value=beside_target(score.value, score.target, edges=score.edges), n=score.n,
                              target=score.target,
                              status=score.status, share=share,
                              thumbs=share is not None and score.counts is not None and not any(score.counts[1:4]),
                              **said))
        heat.rows.append(HeatmapRow(program_id, name, component, cells))
    # two rows of one program and component name, of two agencies, read as one: their agency is named too
    names = program_names(session, tuple(sorted(row.program_id for row in heat.rows)))
    for row in heat.rows:
        row.component = names.get(row.program_id, (row.program, row.component))[1]
    status = status_metric(session)
    _set_aside_unasked(heat, status.driver.value if status is not None else None)
    if sort == "worst":
        heat.rows.sort(key=HeatmapRow.severity)  # stable: name order within equal severity
    return heat


def _set_aside_unasked(heat: Heatmap, kept: Optional[str] = None) -> None:
    """Move the drivers no program has a score for into `not_asked` (the A-11 v2 survey, from
    FY2024-Q2, asks trust alone on the 1-5 scale; performance.gov's trust file holds trust alone, whatever
    was asked): a column of "no data" says nothing. But `kept`, the
    driver a program's status is judged on, stays wherever a program reported it, scored or not (its trust
    reported without counts, or typed without its answers from the v2 survey on): set aside, it took the
    programs' rows and their status findings with it, and the page said trust was not asked."""
    if not heat.rows:
        return
    asked = [i for i, driver in enumerate(heat.drivers)
             if any(row.cells[i].status != NO_DATA for row in heat.rows)
             or (driver == kept and any(row.cells[i].question != NOT_OBSERVED for row in heat.rows))]
    heat.not_asked = [d for i, d in enumerate(heat.drivers) if i not in asked]
    heat.drivers = [heat.drivers[i] for i in asked]
    for row in heat.rows:
        row.cells = [row.cells[i] for i in asked]
