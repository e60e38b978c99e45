"""The overview's data for one quarter: agency-wide trust and satisfaction, programs by status,
commitments by status, leaders whose CX requirements are proposed below 3, A-11 reporting, and
what changed since the quarter before (significant changes only)."""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Optional

import sqlalchemy as sa

from dashboards import links
from dashboards.cache import SURVEY, cached
from dashboards.queries.common import (
    EVERY_PROGRAM,
    NO_PLANS,
    ProgramFilter,
    Scope,
    chosen_period,
    driver_metrics,
    newest_begun,
    newest_period,
    periods_with_data,
    pooled_rows,
    pooled_scores,
    program_names,
    program_statuses,
    proposals_before_results,
    scores_from_rows,
    status_metric,
)
from dashboards.queries.compliance import awaited_until, designated_in, due_date, last_periods
from dashboards.queries.heatmap import asked_words, source_words
from dashboards.queries.program import MEAN, SHARE, wilson
from dashboards.tables import as_given
from scorecard.a11 import V2_FROM, across_the_break, trust_as_share
from scorecard.clock import day_of, start_of
from scorecard.commitments.attention import days_since_update, is_overdue
from scorecard.commitments.services import CLOSED, STATUS_LABELS, may_see, sees_every_commitment
from scorecard.models import (
    Agency,
    Commitment,
    CommitmentStatus,
    CommitmentUpdate,
    Component,
    Finding,
    Function,
    Leader,
    PerformancePlan,
    PlanElement,
    PlanRequirement,
    RuleStatus,
    RuleSubject,
    RuleVersion,
)
from scorecard.naming import LeaderColumns
from scorecard.periods import Period, parse_period
from scorecard.permissions import can
from scorecard.plans.services import plans_seen, visible_plans
from scorecard.scoring import AMBER, GREEN, INSUFFICIENT, NO_DATA, NO_TARGET, RED, beside_target
from scorecard.survey import compare_alike, compare_answers, pool, shown_change, stats_from_counts, sufficient
from scorecard.text import counted

# Programs by status, in the order the overview shows them.
PROGRAM_STATUSES = [RED, AMBER, GREEN, INSUFFICIENT, NO_TARGET, NO_DATA]
HEADLINE_DRIVERS = ("trust", "satisfaction")
# How bad a commitment's status is: a slip is a move to a higher number. Dropped is the worst (given up
# undelivered): a commitment dropped in the window, whatever it was, is listed, or dropping bad news hid it.
SLIP_RANK = {CommitmentStatus.complete: 0, CommitmentStatus.on_track: 1, CommitmentStatus.not_started: 1,
             CommitmentStatus.at_risk: 2, CommitmentStatus.off_track: 3, CommitmentStatus.dropped: 4}
RATING_BELOW = 3
# what the overview's tile, the briefing and its panel call the leaders of `leaders_below` (the leaders page's
# "at risk" is an element proposed below 3, a narrower count)
LEADERS_BELOW = f"Leaders with CX requirements proposed below {RATING_BELOW}"


# ------------------------------------------------------------------------ agency-wide scores

BREAK = "break"  # an AgencyScore's direction when A-11's survey changed between the two quarters

@dataclass
class AgencyScore:
    """One driver pooled over every selected program's answers in a quarter, with its 95% CI, and the
    change from the quarter before (significant or not, from the counts) of the programs with answers in
    both: a program that reported in one quarter only would move the pooled score without anything having
    changed (31 published agencies' programs in FY2023-Q1 and not in FY2023-Q2 read as a "significant"
    fall). `prior_value` and `compared_value` are those programs' scores in the two quarters, each program
    weighed by its answers in both together (survey.compare_alike: a program sending fewer answers is no
    change of score); when every program answered in both, in the same shares, `compared_value` is `value`.
    A mean on 1-5 (`unit` MEAN), except trust from
    A-11's v2 survey on: the share who trust, in percent (SHARE), as the program and life-experience pages
    give it (a thumbs up is no 5 on a 1-5 scale); its interval is Wilson's and its change is in
    percentage points."""

    driver: str
    name: str
    period: str
    prior_period: str
    value: Optional[float] = None
    n: int = 0
    ci_low: Optional[float] = None
    ci_high: Optional[float] = None
    prior_value: Optional[float] = None
    prior_n: int = 0
    change: Optional[float] = None
    significant: bool = False
    # up | down | none (no significant change) | unknown (a side has no data) | BREAK (the survey changed between)
    direction: str = "unknown"
    sufficient: bool = False
    unit: str = MEAN
    programs: int = 0           # programs with answers in the quarter
    compared: int = 0           # of them, those with answers in the quarter before too: the change reads these
    prior_programs: int = 0     # programs with answers in the quarter before
    compared_value: Optional[float] = None  # the compared programs' score in the quarter
    # the compared programs' shares of the answers differ between the quarters: `prior_value` and
    # `compared_value` weigh each the same in both (survey.compare_alike), and differ from the pooled scores
    weighed: bool = False
    mean_held: bool = False  # v2 trust: the share who trust changed significantly, the 1-5 mean not the same way
    change_low: Optional[float] = None   # the change's 95% interval
    change_high: Optional[float] = None

    @property
    def like_for_like(self) -> bool:
        """Whether the same programs answered in both quarters (the change is then the tile's own numbers')."""
        return self.compared == self.programs == self.prior_programs


@cached(reads=SURVEY)
def agency_score(session, period: str, driver: str, programs: ProgramFilter = EVERY_PROGRAM, *,
                 min_n: int = 30) -> Optional[AgencyScore]:
    """`driver` pooled over the selected programs' answers in `period`, and its change over the programs with
    answers in the quarter before too; None when no metric measures it."""
    metrics = [m for m in driver_metrics(session) if m.driver.value == driver]
    if not metrics:
        return None
    period = parse_period(period)

    def by_program(quarter: Period) -> dict[int, list[int]]:
        scores = pooled_scores(session, str(quarter), programs, min_n=min_n)
        found: dict[int, list] = {}
        for metric in metrics:
            for program_id, score in scores.get(metric.id, {}).items():
                if score.counts and sum(score.counts):
                    found.setdefault(program_id, []).append(list(score.counts))
        return {program_id: pool(*counts) for program_id, counts in found.items()}

    def pooled(counts: list[list[int]]) -> list[int]:
        return pool(*counts) if counts else [0] * 5

    now_by, before_by = by_program(period), by_program(period.prev())
    both = sorted(now_by.keys() & before_by.keys())
    stats = stats_from_counts(pooled(list(now_by.values())))
    now, before = pooled([now_by[p] for p in both]), pooled([before_by[p] for p in both])
    compared, prior = stats_from_counts(now), stats_from_counts(before)
    found = AgencyScore(driver, metrics[0].name, str(period), str(period.prev()), stats.mean, stats.n, stats.ci_low,
                        stats.ci_high, prior.mean, prior.n, sufficient=sufficient(stats.n, min_n),
                        programs=len(now_by), compared=len(both), prior_programs=len(before_by),
                        compared_value=compared.mean)
    if trust_as_share(driver, period):  # the answers' top-2-box: a thumbs up is stored as a 5
        found.unit, found.value, found.prior_value = SHARE, stats.percent_agree, prior.percent_agree
        found.compared_value = compared.percent_agree
        found.ci_low, found.ci_high = wilson(found.value, stats.n) if found.value is not None else (None, None)
    if across_the_break(period.prev(), period):  # v1's statement on 1-5 and v2's question: not one measure
        found.direction = BREAK
    elif both:
        # each program weighed the same in both quarters: pooled, fewer answers from a low-scoring program read as
        # a significant rise where most programs fell
        pairs = [(before_by[p], now_by[p]) for p in both]
        change = compare_alike(pairs, share=found.unit == SHARE, min_n=min_n)
        found.prior_value, found.compared_value = change.before, change.after
        found.change, found.significant, found.direction = change.delta, change.significant, change.direction
        if found.unit == SHARE and change.significant and \
                compare_alike(pairs, min_n=min_n).direction != change.direction:
            # v2 trust changes when the share who trust and the 1-5 mean of the same answers both do, as a
            # program's change is judged (survey.compare_answers): the tile said "significant" where the
            # programs' lines and the rules said no change
            found.significant, found.direction, found.mean_held = False, "none", True
        found.change_low, found.change_high = change.ci_low, change.ci_high
        found.weighed = not _same_mix(before_by, now_by, both)
    return found


def _same_mix(before_by: dict, now_by: dict, both: list[int]) -> bool:
    """Whether each program's share of the answers was the same in both quarters (the weighted scores are
    then the pooled ones)."""
    before, now = sum(sum(before_by[p]) for p in both), sum(sum(now_by[p]) for p in both)
    return all(sum(before_by[p]) * now == sum(now_by[p]) * before for p in both)


# ------------------------------------------------------------------------ programs by status

@dataclass(frozen=True)
class RedProgram:
    """A red program, named with its component, and its status finding (the why-page), if the rules made one;
    else `reason` says why in words (its trust score against its target, `trust_words`)."""

    program_id: int
    program: str
    component: str
    finding_id: Optional[int]
    reason: str = ""


@dataclass
class StatusCounts:
    period: str
    counts: dict[str, int]  # every status of PROGRAM_STATUSES, in that order
    red: list[RedProgram] = field(default_factory=list)  # the lowest trust score first

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@cached
def programs_by_status(session, period: str, programs: ProgramFilter = EVERY_PROGRAM, *,
                       min_n: int = 30) -> StatusCounts:
    """How many programs have each status in `period`, and which are red."""
    counts = {status: 0 for status in PROGRAM_STATUSES}
    statuses = program_statuses(session, period, programs, min_n=min_n)
    for found in statuses.values():
        counts[found.status if found.status in counts else NO_DATA] += 1
    red = {pid: found for pid, found in statuses.items() if found.status == RED}
    names = program_names(session, tuple(sorted(red)))
    # The lowest trust score first (the overview says so), then by component and name.
    worst = sorted(red, key=lambda pid: (red[pid].value is None, red[pid].value or 0.0, *names[pid][::-1]))
    listed = [RedProgram(pid, *names[pid], red[pid].finding_id,
                         "" if red[pid].finding_id or red[pid].value is None else trust_words(red[pid]))
              for pid in worst]
    return StatusCounts(str(parse_period(period)), counts, listed)


@cached(reads=SURVEY)
def status_sources(session, period: str, programs: ProgramFilter = EVERY_PROGRAM, *,
                   min_n: int = 30) -> dict[int, tuple[str, str]]:
    """{program id: (the trust questions as asked, the import batches)} of each program's status score in
    `period`, as the heatmap words them: the score traced to what was asked and the file it came from."""
    metric = status_metric(session)
    if metric is None:
        return {}
    period = str(parse_period(period))
    rows = pooled_rows(session, period, [metric.id], programs, sourced=True)
    scores = scores_from_rows(session, period, [metric], rows, min_n=min_n, sourced=True).get(metric.id, {})
    driver = metric.driver.value
    return {program_id: (asked_words(driver, period, score.questions), source_words(score.batches))
            for program_id, score in scores.items()}


# ------------------------------------------------------------------------ commitments by status

@dataclass
class CommitmentCount:
    key: str      # on_track | at_risk | off_track | overdue | stale
    label: str
    count: int
    href: str     # the commitments list showing exactly these


@dataclass
class CommitmentCounts:
    today: date
    stale_days: int
    rows: list[CommitmentCount]
    open_total: int
    listed: bool = True  # the counts lead to the commitments list (a role that sees every commitment there)
    narrowed: bool = False  # only those tied to the agency, component or life experience chosen


@cached
def commitments_by_status(session, scope: Scope, today: date, *, stale_days: int = 30,
                          programs: ProgramFilter = EVERY_PROGRAM) -> CommitmentCounts:
    """The agency's commitments (every role sees the dashboards' C-suite: DESIGN §6), or those tied to
    the `programs` chosen (ProgramFilter.commitment_ids): on track, at risk, off track, overdue and not
    updated in `stale_days` days (open ones). Each count leads to the commitments list showing exactly
    these (for an agency chosen, narrowed by the same rule) for a role that sees every commitment there,
    else to the C-suite functions page (the list shows an officer or a leader their own only)."""
    tied = programs.commitment_ids(session)
    query = sa.select(Commitment)
    found = list(session.scalars(query if tied is None else query.where(Commitment.id.in_(tied))))
    open_ = [c for c in found if c.status not in CLOSED]
    S = CommitmentStatus
    open_statuses = [s.value for s in S if s not in CLOSED]
    # the list narrows to an agency by the same rule (scorecard.selection), not to a component or life experience
    listed = sees_every_commitment(scope) and programs == ProgramFilter(agency_id=programs.agency_id)
    agency = None if not listed or programs.agency_id is None else session.scalar(
        sa.select(Agency.code).where(Agency.id == programs.agency_id))

    def href(**query) -> str:
        return links.commitments(agency=agency, **query) if listed else links.dashboard("functions")
    rows = [CommitmentCount(s.value, label, sum(1 for c in found if c.status is s), href(status=s.value))
            for s, label in ((S.not_started, "Not started"), (S.on_track, "On track"), (S.at_risk, "At risk"),
                             (S.off_track, "Off track"))]  # the open statuses: together, the open total
    rows.append(CommitmentCount("overdue", "Overdue", sum(1 for c in open_ if is_overdue(c, today)),
                                href(overdue=1)))
    stale = sum(1 for c in open_ if (days_since_update(c, today) or 0) >= stale_days)
    rows.append(CommitmentCount("stale", f"Not updated in {stale_days} days", stale,
                                href(stale=stale_days, status=open_statuses)))
    return CommitmentCounts(today, stale_days, rows, len(open_), listed, tied is not None)


# ------------------------------------------------------------------------ leaders below 3

@dataclass
class RequirementBelow:
    text: str
    rating: int
    finding_id: int


@dataclass
class LeaderBelow:
    leader: str
    title: Optional[str]
    component: Optional[str]
    plan_id: int
    requirements: list[RequirementBelow]
    function: Optional[str] = None  # the C-suite function's code, for a leader in one

    @property
    def unit(self) -> Optional[str]:
        """Where the leader sits: their component, else their C-suite function."""
        return self.component or self.function


@dataclass
class LeadersBelow:
    fiscal_year: Optional[int]
    leaders: list[LeaderBelow] = field(default_factory=list)
    plans: int = 0  # plans of that year the scope may see
    narrowed: bool = False  # only the leaders of the components that go with the programs chosen
    seen: str = "every"  # whose plans the scope sees: scorecard.plans.services.plans_seen

    def among(self) -> str:
        """What the count is of, as the tile and the briefing say it: "of the leaders in 12 FY2027 plans (of
        every agency)"; an officer sees their function's leaders' plans, a leader their own ("in your
        FY2027 plan")."""
        if self.seen == "own" and self.plans == 1:
            return f"in your FY{self.fiscal_year} plan"
        return f"of the leaders in {counted(self.plans, f'FY{self.fiscal_year} plan')} ({self.whose()})"

    def whose(self) -> str:
        """Whose plans these are: not every agency's for an officer or a leader."""
        if self.seen == "own":
            return "your own"
        if self.seen == "function":
            return "of your function's leaders" + (" in the agency chosen" if self.narrowed else "")
        return "of the agency chosen" if self.narrowed else "of every agency"

    def none_words(self, agency: Optional[str] = None) -> str:
        """Why there is nothing to count when the scope sees no plan (`fiscal_year` None): with an agency
        chosen, that none of its leaders has one (`agency` names it; a briefing is sent on), not that
        there are no plans at all."""
        if self.narrowed:
            return f"No leader of {agency or 'the agency chosen'} has a performance plan."
        return NO_PLANS

    def read_from(self, periods: list[str], chosen: Optional[str]) -> str:
        """What these proposals read, where a reader could take them for the chosen quarter's: the newest
        appraisal year's plans are shown whatever quarter is chosen, and a year no quarter of which has
        results yet says what its proposals read (`proposals_before_results`; `periods`: newest first)."""
        if self.fiscal_year is None or not periods:
            return ""
        latest = parse_period(periods[0])
        shown = parse_period(chosen) if chosen else latest
        words = []
        if latest.fiscal_year < self.fiscal_year:
            words.append(proposals_before_results(self.fiscal_year, latest, "these"))
        if shown.fiscal_year != self.fiscal_year:
            # said on the default quarter too: beside it, a red program's accountability names its quarter's plans
            words.append(f"They are the newest plans' (FY{self.fiscal_year}), whichever quarter is chosen; a red "
                         "program's leaders are named from the plans of its quarter's year (or the nearest year's, "
                         "where it has none).")
        return " ".join(words)


def _latest_ratings(requirement_ids: sa.Select) -> sa.Subquery:
    """The rating finding of each of the requirements `requirement_ids` as
    `plans.services.requirement_findings` picks it (the published rules' latest: latest period, then
    newest), ranked in the database (those requirements' findings only: every year's are thousands)."""
    rank = sa.func.row_number().over(partition_by=Finding.subject_id,
                                     order_by=(Finding.period.desc(), Finding.id.desc()))
    return (sa.select(Finding.subject_id.label("requirement_id"), Finding.rating, Finding.id.label("finding_id"),
                      rank.label("rank"))
            .join(RuleVersion, RuleVersion.id == Finding.rule_version_id)
            .where(Finding.subject_type == RuleSubject.requirement, Finding.subject_id.in_(requirement_ids),
                   Finding.rating.is_not(None), RuleVersion.status == RuleStatus.published).subquery())


@cached
def leaders_below(session, scope: Scope, *, below: int = RATING_BELOW,
                  programs: ProgramFilter = EVERY_PROGRAM) -> Optional[LeadersBelow]:
    """Leaders (in the plans `scope` may see of the appraisal year the pages open on, common.newest_begun;
    with `programs` chosen, of the components that go with them: ProgramFilter.component_ids) with a CX
    requirement whose proposed rating is below `below`, lowest first. None when the role sees no plans."""
    if not can(scope, "view_plans"):
        return None
    chosen = programs.leader_clause(session)

    def seen() -> sa.Select:
        query = visible_plans(session, scope)
        if chosen is None:
            return query
        return query.where(PerformancePlan.leader_id.in_(sa.select(Leader.id).where(chosen)))
    plans = seen().subquery()
    year = newest_begun(session.scalars(sa.select(plans.c.fiscal_year).distinct()).all())
    if year is None:
        return LeadersBelow(None, narrowed=chosen is not None)
    # Columns, not objects, and only the requirements below: a year's plans are thousands of
    # elements and requirements.
    plans = seen().where(PerformancePlan.fiscal_year == year) \
        .with_only_columns(PerformancePlan.id).order_by(None).subquery()
    latest = _latest_ratings(sa.select(PlanRequirement.id)
                             .join(PlanElement, PlanElement.id == PlanRequirement.element_id)
                             .where(PlanElement.plan_id.in_(sa.select(plans.c.id)), PlanRequirement.is_cx))
    requirements = session.execute(
        sa.select(PlanElement.plan_id, PlanRequirement.text, latest.c.rating, latest.c.finding_id)
        .join(PlanElement, PlanElement.id == PlanRequirement.element_id)
        .join(latest, latest.c.requirement_id == PlanRequirement.id)
        .where(latest.c.rank == 1, latest.c.rating < below)
        .order_by(PlanElement.plan_id, PlanElement.position, PlanRequirement.position, PlanRequirement.id))
    result = LeadersBelow(year, plans=session.scalar(sa.select(sa.func.count()).select_from(plans)),
                          narrowed=chosen is not None, seen=plans_seen(scope))
    low: dict[int, list[RequirementBelow]] = {}
    for plan_id, text, rating, finding_id in requirements:
        low.setdefault(plan_id, []).append(RequirementBelow(text, rating, finding_id))
    leaders = session.execute(
        sa.select(PerformancePlan.id, Leader.id, Leader.name, Leader.email, Leader.title, Component.id,
                  Component.name, Function.code)
        .join(Leader, Leader.id == PerformancePlan.leader_id).outerjoin(Component, Component.id == Leader.component_id)
        .outerjoin(Function, Function.id == Leader.function_id)
        .where(PerformancePlan.id.in_(list(low)))).all()
    named = LeaderColumns(session) if leaders else None  # two leaders of one name, as the leaders dashboard
    for plan_id, leader_id, name, email, title, component_id, component, function in leaders:
        result.leaders.append(LeaderBelow(named.leader(leader_id, name, email), title,
                                          named.component(component_id, component), plan_id,
                                          sorted(low[plan_id], key=lambda r: r.rating), function))
    result.leaders.sort(key=lambda item: (min(r.rating for r in item.requirements), -len(item.requirements),
                                          item.leader))
    return result


# ------------------------------------------------------------------------ A-11 reporting

@dataclass
class Reporting:
    """Programs that reported A-11 survey results in `period` of those designated to, as the compliance
    page counts them (queries.compliance: a program from its first quarter with survey results on, and
    a HISP's program that never reported): the tile and the page give one number."""

    period: str
    expected: int
    reported: int
    missing: list[tuple[int, str, str]]  # (program id, program, component): those in `stopped` first, then by
    #                                       component and name
    due: Optional[date] = None
    under_way: bool = False  # the quarter's results are not yet due: the missing are not late yet
    stopped: set[int] = field(default_factory=set)  # the missing that reported the quarter before
    # {program id: its last quarter with results} of the missing that reported before (a real agency's file that
    # ends years ago read as if its programs had just stopped)
    last: dict[int, str] = field(default_factory=dict)

    @property
    def prior(self) -> str:
        return str(parse_period(self.period).prev())

    @property
    def share(self) -> Optional[float]:
        return None if not self.expected else self.reported / self.expected

    def under_way_words(self) -> str:
        """Of a quarter whose results are not all due yet, that its scores and changes read the programs in so
        far (the page's notice and the briefing's note): "" otherwise."""
        if not self.under_way or not self.missing:
            return ""
        return (f"{self.period} is still being reported: results are due {self.due:%d %B %Y}, and {self.reported:,} "
                f"of {counted(self.expected, 'designated program')} have reported so far. Its scores, statuses and "
                "changes read those programs only; choose an earlier quarter for a complete one.")


@cached(reads=SURVEY)
def a11_reporting(session, period: str, programs: ProgramFilter = EVERY_PROGRAM, *,
                  today: Optional[date] = None) -> Reporting:
    period = str(parse_period(period))
    designated = designated_in(session, period, programs)
    stopped = {d.program_id for d in designated if not d.reported and d.reported_before}
    # those that reported the quarter before first: news among programs that have not reported for years
    missing = sorted(((d.program_id, d.program, d.component) for d in designated if not d.reported),
                     key=lambda row: (row[0] not in stopped, row[2], row[1]))
    return Reporting(period, len(designated), len(designated) - len(missing), missing, due_date(period),
                     today is not None and awaited_until(period, today) is not None, stopped,
                     last_periods(session, [row[0] for row in missing], period))


# ------------------------------------------------------------------------ what changed

TURNED_RED, DECLINED, IMPROVED, SLIPPED, WENT_OVERDUE = "turned_red", "declined", "improved", "slipped", "overdue"
CHANGE_ORDER = [TURNED_RED, SLIPPED, WENT_OVERDUE, DECLINED, IMPROVED]


@dataclass
class ChangeLine:
    """One thing that changed since the quarter before, in words, with where it leads."""

    kind: str     # one of CHANGE_ORDER
    subject: str  # the program or commitment
    text: str     # what happened
    href: str     # the subject's page (a program's for the quarter)
    why: str = ""  # the rule finding behind a status, where one is


@dataclass
class Changes:
    period: str
    prior_period: str
    since: date   # commitments: changes after this day ...
    as_of: date   # ... up to this one
    lines: list[ChangeLine] = field(default_factory=list)
    tested: int = 0  # the programs' driver scores compared (each change tested on its own)
    prior_reported: int = 0  # the programs (of the filters') that reported in the prior quarter

    @property
    def compared(self) -> bool:
        """Whether the survey scores could be compared with the prior quarter's: not across A-11's survey
        change, nor with a quarter in which none of these programs reported (an agency's first)."""
        return self.prior_reported > 0 and not across_the_break(self.prior_period, self.period)

    @property
    def not_compared(self) -> str:
        """What each kind of survey change says when the scores were not compared ("" where they were)."""
        if across_the_break(self.prior_period, self.period):
            return f"Not compared with {self.prior_period}: A-11's survey changed in {V2_FROM}."
        if not self.prior_reported:
            return f"Not compared: no program here reported in {self.prior_period}."
        return ""

    @property
    def note(self) -> str:
        """What was compared with what, in words (the page and the briefing say it above the lines)."""
        if across_the_break(self.prior_period, self.period):
            survey = f"Survey scores: not compared with {self.prior_period}, as A-11's survey changed in {V2_FROM}."
        elif not self.prior_reported:
            survey = (f"Survey scores: no program here reported in {self.prior_period}: nothing to compare "
                      f"{self.period} with.")
        else:
            survey = f"Survey scores: {self.period} against {self.prior_period}."
        if self.tested:  # many tests at 95%: some read significant by chance, and the reader is told so
            survey += (f" {self.tested:,} program scores with enough answers in both quarters were compared, each "
                       "change tested on its own at 95% (not "
                       "adjusted for how many were compared: about 1 in 20 scores that did not really change reads "
                       "as a significant change); each line gives the change's 95% confidence interval.")
        return f"{survey} Commitments: changes after {self.since.isoformat()} up to {self.as_of.isoformat()}."

    def of(self, kind: str) -> list[ChangeLine]:
        return [line for line in self.lines if line.kind == kind]


@cached
def changes_since_prior(session, period: str, programs: ProgramFilter, scope: Scope, today: date, *,
                        min_n: int = 30) -> Changes:
    """Significant changes of each program's driver scores from the quarter before (95%, both
    quarters at least `min_n` answers), programs that turned red, and commitments (those `scope`
    may see) that slipped to a worse status or went overdue from the close of the previous quarter to the
    close of this one; for the quarter the pages open on (common.chosen_period), to `today` (its scores
    come after it closes: a commitment that slipped in it, or since, is news beside them)."""
    period = parse_period(period)
    prior = period.prev()
    as_of = today if str(period) == chosen_period(session, None, today) else min(today, period.end)
    since = min(prior.end, as_of)
    found = Changes(str(period), str(prior), since, as_of,
                    prior_reported=len(program_statuses(session, str(prior), programs, min_n=min_n)))
    found.lines += _turned_red(session, period, prior, programs, min_n)
    found.lines += _commitment_changes(session, scope, since, as_of, programs.commitment_ids(session))
    significant, found.tested = _significant_changes(session, str(period), programs, min_n)
    found.lines += significant
    found.lines.sort(key=lambda line: CHANGE_ORDER.index(line.kind))  # stable within a kind
    return found


def _turned_red(session, period: Period, prior: Period, programs: ProgramFilter, min_n: int) -> list[ChangeLine]:
    now = program_statuses(session, str(period), programs, min_n=min_n)
    before = program_statuses(session, str(prior), programs, min_n=min_n)
    red = [s for s in now.values() if s.status == RED and s.program_id in before and before[s.program_id].status != RED]
    names = program_names(session, tuple(sorted(s.program_id for s in red)))
    lines = []
    for status in sorted(red, key=lambda s: names[s.program_id][::-1]):
        name, component = names[status.program_id]
        was = before[status.program_id].status.replace("_", " ")
        detail = f": {trust_words(status)}" if status.value is not None else ""
        why = links.finding(status.finding_id) if status.finding_id else ""
        lines.append(ChangeLine(TURNED_RED, f"{name} ({component})", f"turned red in {period}, from {was}{detail}"
                                f"{_significance(session, period, prior, programs, status.program_id, min_n)}",
                                links.program(status.program_id, str(period)), why))
    return lines


def _significance(session, period: Period, prior: Period, programs: ProgramFilter, program_id: int,
                  min_n: int) -> str:
    """What a program that turned red says of its trust score's change: "; its trust was 4.28 in FY2026-Q3, a
    significant decline at 95%" (the declines list it too), or "...; not a significant change at 95%" (a score
    can cross its threshold by chance, or a new fiscal year's target move under it). Nothing where either
    quarter has too few answers to tell (its status then says so); not tested where a mean typed without its
    answers is pooled into either (`Pooled.counted_alone`)."""
    if across_the_break(prior, period):
        return f"; its trust is not compared with {prior}, as A-11's survey changed in {V2_FROM}"
    metric = status_metric(session)
    if metric is None:
        return ""
    before = pooled_scores(session, str(prior), programs, min_n=min_n).get(metric.id, {}).get(program_id)
    now = pooled_scores(session, str(period), programs, min_n=min_n).get(metric.id, {}).get(program_id)
    if before is None or now is None or before.value is None or now.value is None:
        return ""
    if not (sufficient(before.n, min_n) and sufficient(now.n, min_n)):
        return ""
    if not (before.counted_alone and now.counted_alone):
        return (f"; its trust was {before.value:.2f} in {prior}, a change not tested at 95%: a mean reported "
                "without its answer counts has no interval")
    change = compare_answers(before.counts, now.counts, min_n=min_n,
                             as_share=trust_as_share(metric.driver and metric.driver.value, period))
    places = next((d for d in (2, 3, 4) if round(change.before.mean, d) != round(change.after.mean, d)), 2)
    said = (f"a significant {'decline' if change.after.mean < change.before.mean else 'rise'}" if change.significant
            else "not a significant change")
    # v2 trust: the 1-5 mean moved but the share who trust did not move with it (both must, compare_answers), so an
    # interval that leaves out zero stands beside "not significant": said why
    held = ("; the 1-5 mean moved, but the share who trust did not move with it, and a change is called significant "
            "where both do" if not change.significant and (change.ci_low > 0 or change.ci_high < 0) else "")
    return (f"; its trust was {change.before.mean:.{places}f} in {prior}, {said} at 95% (the change's "
            f"{change_interval(change.ci_low, change.ci_high, places)}{held})")


def trust_words(status) -> str:
    """A program's trust score as the overview and the briefing say it beside its status: "trust 3.897
    (n = 58) against a target of 3.9" (the score to the places it takes not to read as its target); from
    A-11's v2 survey on with the share who trust: "trust 3.62, 65.6% who trust (n = 250) ..."."""
    share = "" if status.share is None else f", {status.share:.1f}% who trust"
    shown = as_given(beside_target(status.value, status.target, edges=status.edges))
    words = f"trust {shown}{share} (n = {status.n or 0:,})"
    return words + (f" against a target of {as_given(status.target)}" if status.target is not None else "")


@cached(reads=SURVEY)  # kept apart: the survey's part of what changed outlasts officers' edits
def _significant_changes(session, period: str, programs: ProgramFilter, min_n: int) -> tuple[list[ChangeLine], int]:
    """One line per program and direction, naming each driver that changed significantly since the quarter
    before, and how many program scores were tested; none across A-11's survey change (v1's statements on 1-5
    and v2's question are not one measure), nor of a score pooling a mean typed without its answers (no
    interval: `Pooled.counted_alone`)."""
    period = parse_period(period)
    prior = period.prev()
    if across_the_break(prior, period):
        return [], 0
    changed: dict[tuple[int, str], list] = {}
    tested = 0
    scores_now = pooled_scores(session, str(period), programs, min_n=min_n)
    scores_before = pooled_scores(session, str(prior), programs, min_n=min_n)
    for metric in driver_metrics(session):
        now = {pid: s.counts for pid, s in scores_now.get(metric.id, {}).items() if s.counted_alone}
        before = {pid: s.counts for pid, s in scores_before.get(metric.id, {}).items() if s.counted_alone}
        as_share = trust_as_share(metric.driver.value, period)
        for program_id in now.keys() & before.keys():
            change = compare_answers(before[program_id], now[program_id], min_n=min_n, as_share=as_share)
            tested += sufficient(change.before.n, min_n) and sufficient(change.after.n, min_n)
            if change.significant:
                changed.setdefault((program_id, change.direction), []).append((metric.driver.value, change))
    names = program_names(session, tuple(sorted({program_id for program_id, _ in changed})))

    def largest_first(item) -> tuple:
        (program_id, direction), found = item
        biggest = max(abs(c.delta) for _, c in found)
        return -biggest, names[program_id][::-1]

    lines = []
    for (program_id, direction), found in sorted(changed.items(), key=largest_first):
        name, component = names[program_id]
        what = "; ".join(_mean_change(driver, period, c) for driver, c in found)
        lines.append(ChangeLine(IMPROVED if direction == "up" else DECLINED, f"{name} ({component})",
                                ("rose: " if direction == "up" else "fell: ") + what,
                                links.program(program_id, str(period))))
    return lines, tested


def _mean_change(driver: str, period: Period, change) -> str:
    """"trust 4.28 → 3.62 (-0.66, 95% CI -0.83 to -0.49, n = 200 and 180)": to the places the two means differ
    at (a change significant at thousands of answers read "4.51 → 4.51 (+0.00)"; it reads "4.512 → 4.506
    (-0.006, 95% CI ...)"), so that a change too small to matter however certain is seen to be."""
    before, after = change.before.mean, change.after.mean
    places = next((d for d in (2, 3, 4) if round(before, d) != round(after, d)), 4)
    return (f"{driver} {before:.{places}f} → {after:.{places}f} ({shown_change(before, after, places):+.{places}f}"
            f", {change_interval(change.ci_low, change.ci_high, places)}"
            f"{_shares(driver, period, change)}, n = {change.before.n:,} and {change.after.n:,})")


def change_interval(low: float, high: float, places: int) -> str:
    """"95% CI -0.83 to -0.49": a change's interval from `places` on, to the places that keep both ends off zero
    where it leaves zero out (a significant change's: "+0.0001 to +0.2560", barely) and tell them apart (at a million
    answers "-0.02 to -0.02" read as no uncertainty at all; it reads "-0.024 to -0.018"). One holding zero is
    not written to four places for an end near it ("-0.0107 to +0.0000"; it reads "-0.01 to +0.00")."""
    off_zero = low > 0 or high < 0
    ci = next((d for d in range(places, 5) if (not off_zero or (round(low, d) and round(high, d)))
               and round(low, d) != round(high, d)), 4)
    return f"95% CI {low:+.{ci}f} to {high:+.{ci}f}"


def _shares(driver: str, period: Period, change) -> str:
    """From A-11's v2 survey on, a trust change's shares who trust beside its means (a thumbs up counts
    5 in the mean, as the rules test it): "; 90.0% → 60.0% who trust"."""
    if not trust_as_share(driver, period):
        return ""
    return f"; {change.before.percent_agree:.1f}% → {change.after.percent_agree:.1f}% who trust"


def _after(day: date) -> datetime:
    """The moment the agency's `day` ends: stamps before it fell on `day` or earlier."""
    return start_of(day + timedelta(days=1))


@dataclass
class _Window:
    """What the commitments' histories say of a window (the close of one quarter to the close of the next)."""
    status_at: dict[int, dict[str, CommitmentStatus]] = field(default_factory=dict)  # then / first / now
    due_moved: dict[int, list] = field(default_factory=dict)  # [due date before the first move, after the last]
    due_later: dict[int, Optional[str]] = field(default_factory=dict)  # due date at the end, moved after it
    recorded: set[int] = field(default_factory=set)  # with a history (one without is from before they were kept)
    made: dict[int, date] = field(default_factory=dict)  # the day of those made in the window

    def due_then(self, commitment) -> Optional[date]:
        """The commitment's due date at the window's end."""
        if commitment.id not in self.due_later:
            return commitment.due_date
        return date.fromisoformat(self.due_later[commitment.id]) if self.due_later[commitment.id] else None


def _window(session, ids: list[int], since: date, as_of: date) -> _Window:
    """The histories of the commitments `ids` read over the window `since` to `as_of`."""
    window = _Window()
    updates = session.execute(
        sa.select(CommitmentUpdate.commitment_id, CommitmentUpdate.at, CommitmentUpdate.status,
                  CommitmentUpdate.changes)
        .where(CommitmentUpdate.commitment_id.in_(ids))
        .order_by(CommitmentUpdate.commitment_id, CommitmentUpdate.at, CommitmentUpdate.id))
    for commitment_id, at, status, changes in updates:
        window.recorded.add(commitment_id)
        moved = (changes or {}).get("due_date")
        moved = moved if isinstance(moved, list) and len(moved) == 2 else None
        if at >= _after(as_of):  # after the window (an earlier quarter's): only what its due date was then
            if moved:
                window.due_later.setdefault(commitment_id, moved[0])
            continue
        moment = "then" if at < _after(since) else "now"
        entry = window.status_at.setdefault(commitment_id, {})
        entry[moment] = status
        if moment == "then":
            entry["now"] = status
        else:  # a commitment made since the quarter closed slips from the status it was made with
            if "then" not in entry and "first" not in entry:
                window.made[commitment_id] = day_of(at)
            entry.setdefault("first", status)
            if moved:  # from the first date it had to the last move's new
                entry_due = window.due_moved.setdefault(commitment_id, [None, None])
                entry_due[0] = entry_due[0] or moved[0]
                entry_due[1] = moved[1]
    return window


def _commitment_changes(session, scope: Scope, since: date, as_of: date,
                        tied: Optional[set[int]] = None) -> list[ChangeLine]:
    """Every commitment's slips (every role sees them: DESIGN §6), or those of the commitments `tied` to
    the programs chosen, each line leading to the commitment's page for who may open it, else to its
    function's page."""
    # Columns, not objects: may_see reads the function and leader ids, the lines the rest (hundreds of commitments).
    query = (sa.select(Commitment.id, Commitment.title, Commitment.status, Commitment.due_date, Commitment.function_id,
                       Commitment.leader_id, Function.code)
             .join(Function, Function.id == Commitment.function_id))
    commitments = {c.id: c for c in session.execute(query if tied is None else query.where(Commitment.id.in_(tied)))}
    if not commitments:
        return []
    window = _window(session, list(commitments), since, as_of)
    lines = []
    for commitment in sorted(commitments.values(), key=lambda c: (c.code, c.title)):
        code = commitment.code
        subject = f"{code}: {commitment.title}"
        href = links.commitment(commitment.id) if may_see(scope, commitment) else links.function(code)
        seen = window.status_at.get(commitment.id, {})
        then, now = seen.get("then", seen.get("first")), seen.get("now")
        slips = []  # one line per commitment, however it slipped
        made = window.made.get(commitment.id)  # in the window: its first status is the one it was made with
        if then is not None and now is not None and SLIP_RANK.get(now, -1) > SLIP_RANK.get(then, 99):
            slips.append(f"slipped from {STATUS_LABELS[then].lower()}"
                         f"{f' (as made on {made.isoformat()})' if made else ''} to {STATUS_LABELS[now].lower()}")
        was, became = window.due_moved.get(commitment.id, (None, None))
        if was and (became is None or became > was):  # ISO dates: later sorts later
            slips.append(f"due date moved from {was} to {became}" if became else f"due date {was} removed")
        if slips and now is CommitmentStatus.complete:  # done by the window's end: delivered, no longer a slip
            slips = []
        if slips:
            lines.append(ChangeLine(SLIPPED, subject, "; ".join(slips), href))
        # as the commitment stood at the window's end (an earlier quarter's: finished or moved since, it was
        # overdue then all the same); one made since was not there to go overdue
        due = window.due_then(commitment)
        status = now if commitment.id in window.recorded else commitment.status
        if due is not None and since <= due < as_of and status is not None and status not in CLOSED:
            late = f"; made on {made.isoformat()}, after its due date" if made and made > due else ""
            lines.append(ChangeLine(WENT_OVERDUE, subject, f"went overdue: due {due.isoformat()}, status "
                                    f"{status.value.replace('_', ' ')}{late}", href))
    return lines


# ------------------------------------------------------------------------ the whole page

@dataclass
class Overview:
    period: Optional[str]
    periods: list[str]
    scores: list[AgencyScore] = field(default_factory=list)
    statuses: Optional[StatusCounts] = None
    commitments: Optional[CommitmentCounts] = None
    leaders: Optional[LeadersBelow] = None
    reporting: Optional[Reporting] = None
    changes: Optional[Changes] = None
    newest: Optional[str] = None  # the programs chosen have no results in `period`: their newest quarter with some


def overview(session, period: Optional[str], programs: ProgramFilter, scope: Scope, today: date, *,
             min_n: int = 30, stale_days: int = 30) -> Overview:
    """Everything the overview shows for `period` (default: the latest quarter with data)."""
    chosen = chosen_period(session, period)
    found = Overview(chosen, periods_with_data(session))
    found.commitments = commitments_by_status(session, scope, today, stale_days=stale_days, programs=programs)
    found.leaders = leaders_below(session, scope, programs=programs)
    if chosen is None:
        return found
    found.scores = [s for d in HEADLINE_DRIVERS if (s := agency_score(session, chosen, d, programs, min_n=min_n))]
    found.statuses = programs_by_status(session, chosen, programs, min_n=min_n)
    if not found.statuses.total and programs != EVERY_PROGRAM:
        found.newest = newest_period(session, programs)
    found.reporting = a11_reporting(session, chosen, programs, today=today)
    found.changes = changes_since_prior(session, chosen, programs, scope, today, min_n=min_n)
    return found
