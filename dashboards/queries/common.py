"""What several dashboards read: quarters with data, the filter choices (which programs a filter
selects is `ProgramFilter`, in scorecard.selection: the commitments list reads it too), who may see
what (`Scope`), programs' pooled scores (scorecard.scores) and each program's status."""
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple, Optional

import sqlalchemy as sa
from flask import g, has_request_context

from dashboards.cache import SURVEY, cached
from scorecard.a11 import is_survey_metric
from scorecard.models import (
    Agency,
    Component,
    Driver,
    Finding,
    LifeExperience,
    Metric,
    MetricKind,
    Observation,
    PerformancePlan,
    Program,
    Role,
    RuleStatus,
    RuleSubject,
    RuleVersion,
)
from scorecard.models.org import program_life_experience
from scorecard.naming import program_parts
from scorecard.periods import opening_period, parse_period, year_begins
from scorecard.scores import ProgramScore, program_scores_for, share_who_trust
from scorecard.scoring import NO_DATA, TargetBook, answers_only, status_for
from scorecard.selection import EVERY_PROGRAM, ProgramFilter
from scorecard.survey import stats_from_counts

# The A-11 drivers in the order the survey asks them.
DRIVER_ORDER = [d.value for d in Driver]
# The metric a program's status is judged on: the A-11 headline, as the default rule pack does.
STATUS_DRIVER = Driver.trust


# Said where the plans would be, on every page that has none to show: and where they come from (a new agency's
# first question).
NO_PLANS = "No performance plans yet: they come from the Performance plans import (Imports, Upload)."


@dataclass(frozen=True)
class Scope:
    """Who is looking, as the services' visibility checks read a user: role, function and leader.
    Plain and hashable, so it can be a cache key; pass it where a service expects a user."""

    role: Role
    function_id: Optional[int] = None
    leader_id: Optional[int] = None

    is_authenticated = True  # read by scorecard.permissions.can

    @classmethod
    def of(cls, user) -> "Scope":
        return cls(Role(user.role), getattr(user, "function_id", None), getattr(user, "leader_id", None))


def begun(years, today: Optional[date] = None) -> list[int]:
    """Those of fiscal `years` that have begun on the agency's `today` (default: now)."""
    return [year for year in years if year_begins(year, today) is None]


def newest_begun(years, today: Optional[date] = None) -> Optional[int]:
    """Of fiscal `years`, the newest that has begun (`begun`), else the newest: a year written before it
    begins (next year's plans, a capacity assessment submitted early) is not the one the pages open on
    (FY2028's plans, imported during FY2027, made the pages open on a year no quarter of which has results);
    None without years."""
    years = list(years)
    started = begun(years, today)
    return max(started) if started else (max(years) if years else None)


def proposals_before_results(fiscal_year: int, latest, these: str = "its") -> str:
    """Why a plan year none of whose quarters has results (`latest`, the newest quarter that has) may show few
    proposals: each rule reads its window of quarters up to the year's first, which may reach no results (a
    page said the proposals read the latest results, where a window that reaches none proposed nothing)."""
    return (f"No quarter of FY{fiscal_year} has results yet: {these} proposals read each rule's window of quarters "
            f"up to FY{fiscal_year}-Q1, and results so far end with {latest} (a window that reaches none proposes "
            "nothing yet).")


@cached
def plan_years(session) -> list[int]:
    """Appraisal years with plans, newest first."""
    return list(session.scalars(sa.select(PerformancePlan.fiscal_year).distinct()
                                .order_by(PerformancePlan.fiscal_year.desc())))


def survey_metrics(session) -> dict[int, Metric]:
    """The A-11 survey metrics (scorecard.a11.is_survey_metric), by id: within a dashboard request, read
    once per session (the program page's quarter read them three times: 0.34 ms each at 1,000,000
    observations); objects of the session, so never kept beyond it."""
    if not has_request_context():
        return {m.id: m for m in session.scalars(sa.select(Metric).where(is_survey_metric()))}
    read = g.setdefault("dashboards_survey_metrics", {})
    if id(session) not in read:
        read[id(session)] = (session, {m.id: m for m in session.scalars(sa.select(Metric).where(is_survey_metric()))})
    return dict(read[id(session)][1])


@cached(reads=SURVEY)
def survey_metric_ids(session) -> tuple[int, ...]:
    return tuple(sorted(survey_metrics(session))) or (-1,)


# A skip scan of the (period, metric) index, in one statement: one seek per quarter for the next
# older one, and one for a program's survey row in it.
_PERIODS_WITH_DATA = sa.text("""
    WITH RECURSIVE quarters(period) AS (
        SELECT MAX(period) FROM observations
        UNION ALL
        SELECT (SELECT MAX(o.period) FROM observations o WHERE o.period < quarters.period)
        FROM quarters WHERE quarters.period IS NOT NULL)
    SELECT period FROM quarters
    WHERE period IS NOT NULL
      AND EXISTS (SELECT 1 FROM observations o WHERE o.period = quarters.period AND o.metric_id IN :survey
                  AND o.program_id IS NOT NULL)
    ORDER BY period DESC""").bindparams(sa.bindparam("survey", expanding=True))


@cached(reads=SURVEY)
def periods_with_data(session) -> list[str]:
    """Quarters with A-11 survey results of programs, newest first (a quarter holding only other
    metrics, a backlog say, is no quarter of the dashboards): a skip scan of the (period, metric)
    index in one recursive statement, instead of a DISTINCT over every observation (a million
    rows: seconds on SQLite cold) or a query per quarter."""
    return list(session.scalars(_PERIODS_WITH_DATA, {"survey": list(survey_metric_ids(session))}))


@cached(reads=SURVEY)
def newest_period(session, programs: ProgramFilter, *, serving_a_life_experience: bool = False) -> Optional[str]:
    """The newest quarter in which a program the filter selects (with `serving_a_life_experience`, of those
    tagged with one) has A-11 survey results (None: none ever): what a page offers when the quarter chosen
    has none of theirs (a performance.gov agency's data ends years before the department's)."""
    query = programs.apply(
        sa.select(sa.func.max(Observation.period)).join(Program, Program.id == Observation.program_id)
        .join(Component, Component.id == Program.component_id)
        .where(Observation.metric_id.in_(survey_metric_ids(session))))
    if serving_a_life_experience:
        query = query.where(Program.id.in_(sa.select(program_life_experience.c.program_id)))
    return session.scalar(query)


def chosen_period(session, period: Optional[str], today: Optional[date] = None) -> Optional[str]:
    """`period` in canonical text; when it is None, the latest quarter with data that has ended (else the
    latest with data). A quarter's results are reported after it ends: one still under way holds the first
    few programs' results, and opening on it showed nearly every program "not reported"."""
    if period is None:
        return opening_period(periods_with_data(session), today)
    return str(parse_period(period))


@cached(reads=SURVEY)
def agencies(session) -> list[tuple[int, str]]:
    return [(a.id, a.name) for a in session.scalars(sa.select(Agency).order_by(Agency.name))]


@cached(reads=SURVEY)
def components(session, agency_id: Optional[int] = None) -> list[tuple[int, str]]:
    """Components as (id, "Agency: Component"), or just the component's name within one agency."""
    query = sa.select(Component.id, Component.name, Agency.name).join(Agency).order_by(Agency.name, Component.name)
    if agency_id is not None:
        return [(cid, name) for cid, name, _ in session.execute(query.where(Component.agency_id == agency_id))]
    return [(cid, f"{agency}: {name}") for cid, name, agency in session.execute(query)]


@cached(reads=SURVEY)
def life_experiences(session) -> list[tuple[int, str]]:
    return [(e.id, e.name) for e in session.scalars(sa.select(LifeExperience).order_by(LifeExperience.name))]


def driver_metrics(session) -> list[Metric]:
    """The A-11 driver metrics (1-5 survey scores), in the survey's order."""
    metrics = list(session.scalars(sa.select(Metric).where(Metric.driver.is_not(None),
                                                           Metric.kind == MetricKind.likert)))
    metrics.sort(key=lambda m: (DRIVER_ORDER.index(m.driver.value), m.code))
    return metrics


def status_metric(session) -> Optional[Metric]:
    """The metric a program's status is judged on (trust)."""
    return next((m for m in driver_metrics(session) if m.driver is STATUS_DRIVER), None)


def scores_of(session, period: str, metric: Metric, programs: ProgramFilter = EVERY_PROGRAM, *,
              min_n: int = 30) -> list[ProgramScore]:
    """The selected programs' pooled scores of `metric` in `period` (scorecard.scores: counts
    pooled over channels and touchpoints, CI, target and status)."""
    found = program_scores_for(session, metric, period, agency_id=programs.agency_id,
                               component_id=programs.component_id, min_n=min_n)
    if programs.life_experience_id is not None:
        selected = programs.program_ids(session)
        found = [score for score in found if score.program.id in selected]
    return found


class Pooled(NamedTuple):
    """A program's score of one metric in one quarter: `scorecard.scores.program_scores_for`'s
    numbers (answer counts pooled over channels and touchpoints and the mean of them; without
    counts, values averaged by `scoring.pooled_score`'s rule), its target and status. A tuple:
    thousands of them go through the cache for one page."""

    value: Optional[float]
    n: Optional[int]
    # the pooled answers 1..5 of a survey metric (of the rows with answers, where means without them are
    # pooled into the value too: the agency's tiles pool answers); None when none were counted
    counts: Optional[tuple[int, ...]]
    target: Optional[float]
    status: str
    # with `pooled_scores(..., sourced=True)`: the questions as asked (spaces as one) and the import batches
    # (None: entered without an import) of the observations pooled, sorted
    questions: tuple[str, ...] = ()
    batches: tuple = ()
    edges: tuple = ()  # the target's green and amber edges: a score is shown so as not to read as one (beside_target)

    @property
    def stats(self):
        """Mean, std error and 95% CI of the pooled counts (survey.stats_from_counts), when counted."""
        return None if self.counts is None else stats_from_counts(list(self.counts))

    @property
    def counted_alone(self) -> bool:
        """Whether the value is pooled from answer counts alone: a mean reported without its answers pooled
        beside them (its n more than the answers) has no interval, so its change is not tested (as the rules'
        `change` fact reads it: insufficient data)."""
        return bool(self.counts) and sum(self.counts) == self.n



def pooled_value(likert: bool, row, *, counted_only: bool = False) -> tuple:
    """(value, n, counts) from one group's sums (`pooled_rows`: row[2:7] the answer counts, row[7:13] the
    sums of the values, row[13:15] those of the means reported without answers), as `scoring.pooled_score`
    pools the rows (the mean as `survey.stats_from_counts` computes it), `counted_only` as it too."""
    counts = row[2:7]
    n = sum(counts)
    if likert and n:
        answered = counts[0] + 2 * counts[1] + 3 * counts[2] + 4 * counts[3] + 5 * counts[4]
        lone_vn, lone_n = row[13] or 0, int(row[14] or 0)
        if lone_n and not counted_only:  # means reported without their answers, weighed by their n
            return (answered + lone_vn) / (n + lone_n), n + lone_n, tuple(counts)
        return answered / n, n, tuple(counts)
    if counted_only:
        return None, None, None
    valued, with_n, sum_n, weighted, plain, unweighted = row[7:13]
    if not valued:
        return None, None, None
    if unweighted == 0:  # every valued row has a non-zero n: weighted by n
        return weighted / sum_n, int(sum_n), None
    return plain / valued, int(sum_n) if with_n else None, None


def reported_in(session, periods: list[str]) -> sa.ColumnElement[bool]:
    """Whether the program (of the query's `Program`) reported A-11 survey results in `periods`:
    one probe of the (program, period) index per program, not a pass over the quarters' observations."""
    return (sa.select(Observation.id).where(Observation.program_id == Program.id, Observation.period.in_(periods),
                                            Observation.metric_id.in_(survey_metric_ids(session)))
            .exists())


@cached(reads=SURVEY)
def program_places(session) -> dict[int, tuple[int, int]]:
    """{program id: (component id, agency id)}: where each program sits, for its targets."""
    return {row[0]: (row[1], row[2]) for row in session.execute(
        sa.select(Program.id, Program.component_id, Component.agency_id)
        .join(Component, Component.id == Program.component_id))}


@cached(reads=SURVEY)
def target_book(session, fiscal_year: int) -> TargetBook:
    """The fiscal year's targets (kept: a page reads them for every program)."""
    return TargetBook(session, fiscal_year)


# A grouped row (`pooled_rows`): program and metric ids, then its sums (`pooled_value`), then, asked for (`scales`),
# the observations holding answers and those of them answering 2, 3 or 4 (a v2 trust form's scale:
# program.trust_scales), then what it is grouped by besides.
_SUMS, SCALES = slice(2, 15), slice(15, 17)


def summed(rows: list, *, scales: bool = False) -> tuple:
    """Grouped rows (`pooled_rows`) as one: the first's program and metric ids, each sum added (a sum SQL
    found empty, None, adds nothing), and with `scales` the counts of observations (`SCALES`) too."""
    if len(rows) == 1:
        return rows[0]
    sums = []
    for column in zip(*(row[2:SCALES.stop if scales else _SUMS.stop] for row in rows)):
        present = [value for value in column if value is not None]
        sums.append(sum(present) if present else None)
    return (rows[0][0], rows[0][1], *sums)


def _sourced(rows: list, seen: dict) -> tuple[tuple[str, ...], tuple]:
    """The questions as asked (spaces as one) and the import batch ids (None last) of grouped rows whose
    last two columns are the question and the batch; each distinct tuple once (`seen`), so thousands of
    cells asked alike share it (and the cache pickles it once)."""
    if len(rows) == 1:  # most cells: one question and one batch, their words found once per distinct pair
        key = ("pair", tuple(rows[0][-2:]))  # never a part's tuple (texts, or batch ids: none holds a tuple)
        if key not in seen:
            question, batch = key[1]
            said = ((" ".join(question.split()),) if question else (), (batch,))
            seen[key] = tuple(seen.setdefault(part, part) for part in said)
        return seen[key]
    questions = {" ".join(row[-2].split()) for row in rows if row[-2]}
    said = (tuple(sorted(questions)), tuple(sorted({row[-1] for row in rows}, key=lambda b: (b is None, b))))
    return tuple(seen.setdefault(part, part) for part in said)


def pooled_sums(*, scales: bool = False) -> list:
    """The sums a group of observations is pooled from (`_SUMS`, read by `pooled_value`), and with `scales`
    its observations with answers and with answers of 2-4 (`SCALES`, read by program.trust_scales; they cost
    the quarter's GROUP BY a sixth more, which the heatmap and the overview do not need), as the database
    computes them in a GROUP BY."""
    o = Observation
    answers = (o.count_1, o.count_2, o.count_3, o.count_4, o.count_5)
    # As scoring.pooled_score pools rows: a value of no respondents (n = 0) is left out (it adds nothing to
    # the sums of n and value x n; the count and sum of values skip it), and its program stays listed; a
    # mean reported without answer counts beside others' counts is weighed by its n (scoring.uncounted;
    # "without counts" here is every count empty, one test a row where five cost a tenth of the query:
    # the importers refuse answer counts of all 0 beside respondents or a value).
    valued = o.value.is_not(None)
    kept = sa.or_(o.n.is_(None), o.n != 0)
    lone = sa.func.coalesce(*answers).is_(None)
    answered = sum(sa.func.coalesce(c, 0) for c in answers) > 0
    middle = sum(sa.func.coalesce(c, 0) for c in answers[1:4]) > 0
    return [*[sa.func.sum(sa.func.coalesce(c, 0)) for c in answers],
            sa.func.count(sa.case((kept, o.value))), sa.func.count(sa.case((valued, o.n))),
            sa.func.sum(sa.case((valued, o.n))), sa.func.sum(o.value * o.n),
            sa.func.sum(sa.case((kept, o.value))),
            sa.func.sum(sa.case((sa.and_(valued, o.n.is_(None)), 1), else_=0)),
            sa.func.sum(sa.case((lone, o.value * o.n))), sa.func.sum(sa.case((sa.and_(lone, valued), o.n))),
            *([sa.func.count(sa.case((answered, 1))), sa.func.count(sa.case((sa.and_(answered, middle), 1)))]
              if scales else [])]


def pooled_rows(session, period: str, metric_ids, programs: ProgramFilter = EVERY_PROGRAM, *,
                sourced: bool = False, scales: bool = False) -> list:
    """The quarter's observations of `metric_ids` (of the selected programs) grouped by program and metric
    (`sourced`: and by the question as asked and the import batch, the last two columns), each group's
    answer counts and value sums (`pooled_sums`, with `scales` if asked). One GROUP
    BY in the database: every observation read and pooled in Python cost a page hundreds of milliseconds
    at 1,000,000 observations, for the same numbers (the sums are exact)."""
    o = Observation
    grouped = (o.program_id, o.metric_id, o.question_text, o.import_batch_id) if sourced else (o.program_id,
                                                                                                 o.metric_id)
    query = (
        sa.select(o.program_id, o.metric_id, *pooled_sums(scales=scales), *grouped[2:])
        .where(o.period == str(parse_period(period)), o.metric_id.in_(list(metric_ids) or [-1]),
               o.program_id.is_not(None))
        .group_by(*grouped))
    if programs != EVERY_PROGRAM:
        query = query.where(o.program_id.in_(
            programs.apply(sa.select(Program.id).join(Component, Component.id == Program.component_id))))
    return session.connection().execute(query).all()  # rows as the database gives them (thousands), not the ORM's


@cached(reads=SURVEY)
def pooled_scores(session, period: str, programs: ProgramFilter = EVERY_PROGRAM, *,
                  min_n: int = 30, sourced: bool = False) -> dict[int, dict[int, Pooled]]:
    """{metric id: {program id: Pooled}} of the A-11 driver metrics in `period` for the selected
    programs with observations of them (no data: value None), pooled by the database (`pooled_rows`);
    targets judged from plain numbers (TargetBook). `sourced`: each also names the questions as asked
    and the import batches (the same pass, grouped by them too: a second pass over the quarter cost the
    heatmap 17 ms of its 120 at 1,000,000 observations)."""
    metrics = driver_metrics(session)
    if not metrics:
        return {}
    rows = pooled_rows(session, period, [m.id for m in metrics], programs, sourced=sourced)
    return scores_from_rows(session, period, metrics, rows, min_n=min_n, sourced=sourced)


def scores_from_rows(session, period: str, metrics: list[Metric], rows: list, *, min_n: int = 30,
              sourced: bool = False) -> dict[int, dict[int, Pooled]]:
    """`pooled_scores` of grouped rows (`pooled_rows`, of these metrics): each program's score, target and
    status."""
    period = str(parse_period(period))
    book = target_book(session, parse_period(period).fiscal_year)
    places = program_places(session)
    kinds = {metric.id: (metric.kind is MetricKind.likert, metric.is_survey,
                         answers_only(metric.driver and metric.driver.value, period)) for metric in metrics}
    found: dict[int, dict[int, Pooled]] = {metric_id: {} for metric_id in kinds}
    no_data = Pooled(None, None, None, None, NO_DATA)
    if sourced:  # a program's metric in several rows (a question or batch each): summed, their sources named
        groups: dict[tuple[int, int], list] = {}
        for row in rows:
            groups.setdefault((row[0], row[1]), []).append(row)
        seen: dict[tuple, tuple] = {}
        pooled = ((*key, summed(found), _sourced(found, seen)) for key, found in groups.items())
    else:
        pooled = ((row[0], row[1], row, ()) for row in rows)
    for program_id, metric_id, row, said in pooled:
        likert, survey, counted_only = kinds[metric_id]
        value, n, counts = pooled_value(likert, row, counted_only=counted_only)
        if value is None:  # only questions reported without counts (or values): no score to give
            found[metric_id][program_id] = no_data._replace(questions=said[0], batches=said[1]) if said else no_data
            continue
        component_id, agency_id = places.get(program_id, (None, None))
        target = book.for_ids(metric_id, program_id, component_id, agency_id)
        status = status_for(value, n, target, survey=survey, min_n=min_n)
        found[metric_id][program_id] = Pooled(value, n, counts, None if target is None else target.target, status,
                                              *(said or ((), ())),
                                              edges=() if target is None else target.edges)
    return found


def trust_share(period: str, metric, score: Optional[Pooled]) -> Optional[float]:
    """A pooled score's share who trust (`scores.share_who_trust`: v2 trust only)."""
    if score is None or metric is None:
        return None
    return share_who_trust(metric, period, score.counts, score.n)


@dataclass
class ProgramStatus:
    """A program's status in a quarter and the score behind it; `finding_id` names the rules'
    status finding (its why-page) when the rules concluded one for that quarter."""

    program_id: int
    status: str
    value: Optional[float] = None
    n: Optional[int] = None
    target: Optional[float] = None
    finding_id: Optional[int] = None
    share: Optional[float] = None  # v2 trust: the share who trust (`trust_share`)
    edges: tuple = ()  # the target's green and amber edges (`Pooled.edges`)


def status_findings(session, period: str) -> dict[int, sa.Row]:
    """{program id: (status, id) of its newest published status finding in `period`}, as columns (not
    the facts and explanations of a quarter's hundreds of findings)."""
    query = (sa.select(Finding.subject_id, Finding.status, Finding.id)
             .join(RuleVersion, RuleVersion.id == Finding.rule_version_id)
             .where(Finding.subject_type == RuleSubject.program, Finding.period == period,
                    Finding.outcome == "status", RuleVersion.status == RuleStatus.published)
             .order_by(Finding.subject_id, Finding.id.desc()))
    found: dict[int, sa.Row] = {}
    for finding in session.execute(query):
        found.setdefault(finding.subject_id, finding)
    return found


@cached
def program_statuses(session, period: str, programs: ProgramFilter = EVERY_PROGRAM, *,
                     min_n: int = 30) -> dict[int, ProgramStatus]:
    """Each program with observations in `period` (and selected by the filter): its status.

    The status is the published rules' status finding for that quarter where there is one (so the
    dashboards and the why-pages agree); otherwise the program's trust score against its target,
    as the default rule computes it — below `min_n` respondents "insufficient data"."""
    period = str(parse_period(period))
    query = programs.apply(
        sa.select(Program.id).join(Component, Component.id == Program.component_id)
        .where(reported_in(session, [period])))
    metric = status_metric(session)
    scores = {} if metric is None else pooled_scores(session, period, programs, min_n=min_n).get(metric.id, {})
    return statuses_of(session, period, metric, scores, session.scalars(query))


def statuses_of(session, period: str, metric: Optional[Metric], scores: dict[int, Pooled],
                program_ids) -> dict[int, ProgramStatus]:
    """`program_statuses` of these programs (those reporting A-11 survey results in `period`), given their
    pooled scores of the status metric."""
    findings = status_findings(session, period)
    found = {}
    for program_id in program_ids:
        score, finding = scores.get(program_id), findings.get(program_id)
        status = finding.status if finding is not None and finding.status else score.status if score else NO_DATA
        found[program_id] = ProgramStatus(
            program_id, status, None if score is None else score.value, None if score is None else score.n,
            None if score is None else score.target, None if finding is None else finding.id,
            trust_share(period, metric, score), () if score is None else score.edges)
    return found


@cached(reads=SURVEY)
def program_names(session, program_ids: tuple[int, ...]) -> dict[int, tuple[str, str]]:
    """{program id: (program name, component name)}; the component's name with its agency's ("Retirement
    Services, Office of Personnel Management") where another agency has a program and component of the same
    names (`naming.program_parts`: two such lines of the overview, one "fell" and one "rose",
    read as one program's)."""
    rows = session.execute(sa.select(Program.id, Program.name, Component.name).join(Component)
                           .where(Program.id.in_(program_ids)))
    told = programs_told_apart(session)
    return {pid: (name, ", ".join(told.get(pid, ())[1:]) or component) for pid, name, component in rows}


@cached(reads=SURVEY)
def programs_told_apart(session) -> dict[int, tuple[str, ...]]:
    """`naming.program_parts`, kept: the overview asks `program_names` of several sets of programs at once."""
    return program_parts(session)
