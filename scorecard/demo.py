"""The demo agency: a realistic, deterministic department to explore the product with.

`seed_demo` fills the database once; a second run finds the demo agency and changes nothing. For a
given `today` the agency is always the same (each part draws from its own seeded random stream).

Quarters: survey data runs from FY2023-Q1 to the latest *complete* quarter before `today`
(`latest_complete_period`): A-11 results are reported once a quarter has closed, so on 2026-11-29
the data ends with FY2026-Q4 while FY2027-Q1, the quarter in progress, is where this year's plans,
this year's capacity draft and the commitments' due dates live.

The survey changes at FY2024-Q2, as A-11 did:
- before it, the seven A-11 v1 drivers, as answer counts 1-5, written directly;
- from it, the v2 survey: responses to one trust question (thumbs up / down on most forms, 1 to 5 on
  Retirement Services' and the in-person forms) and the "what went well / what could be improved"
  multi-selects. They are written as GSA Touchpoints A-11 v2 export files, one per program and
  quarter, into a temporary folder, and `touchpoints_responses` asks the importers to load them
  through the real Touchpoints import (importers/demo.py listens), which gives the `trust` counts
  and the `a11v2_*` percentages. The domain never imports the importers; the app factory connects
  them (tests/test_layering.py).

The story of the latest quarter (TRUST below): Benefits Call Center's trust falls significantly
after a phone-system cut-over and turns red; Trusted Traveler Enrollment and Flood Insurance Claims
fall significantly (green to amber); Passport Renewal Online, Retirement Applications and Marketplace
Enrollment rise significantly; Survivor Benefits, Housing Inspections and Export Assistance move as
much on samples too small to tell; Small Community Grants, Survivor Annuities and (this quarter)
Life Insurance Claims have fewer than 30 respondents; the Small Business Office, not a HISP, sets no
trust target (only its help desk is held to the help-line target); Navigator Grants did not report.
Function-level measures put the CFO at target, the CIO close and the CHCO (days to hire) in the red.
Commitments: three overdue, five left without an update for over 30 days. Last fiscal year's plans
are rated (the rating official confirmed the rules' proposals, overriding a few with a
justification); this year's wait for the rules, which `scorecard demo` publishes and evaluates
after seeding.
"""
import csv
import random
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Optional

import sqlalchemy as sa
from blinker import Namespace

from scorecard.a11 import DRIVER_STATEMENTS, V2_ASPECTS, V2_FROM, ensure_standard_metrics, v2_metric_code
from scorecard.clock import utctoday
from scorecard.models import (
    CAPACITY_DOMAINS,
    Agency,
    AuditEvent,
    CapacityAssessment,
    CapacityDomainScore,
    Commitment,
    CommitmentStatus,
    CommitmentUpdate,
    Component,
    Direction,
    ElementRating,
    Function,
    Leader,
    LifeExperience,
    Metric,
    MetricKind,
    Observation,
    PerformancePlan,
    PlanElement,
    PlanRequirement,
    Program,
    RatingMethod,
    Role,
    RuleSubject,
    ScopeType,
    Target,
    User,
    subject_key,
    utcnow,
)
from scorecard.models.capacity import CapacityStatus
from scorecard.periods import Period, latest_complete_period, period_range
from scorecard.ratings import element_rating
from scorecard.survey import configured_min_n

DEMO_AGENCY_CODE = "DPS"
DEMO_PASSWORD = "demo-password-2025"
SEED = 280  # OMB Circular A-11 Section 280

FIRST_PERIOD = Period(2023, 1)
THUMBS, FIVE = "thumbs", "five"  # the scale of a Touchpoints form's trust question (the import's trust_scale)
TOUCHPOINTS_FORMAT = "touchpoints-a11-v2"
TOUCHPOINTS_HEADER = (["external_id", "question_1"] + [f"positive_{a}" for a in V2_ASPECTS]
                      + [f"negative_{a}" for a in V2_ASPECTS] + ["question_4"])

# Sent by `seed_demo` with the Touchpoints response files it wrote (`files`: DemoResponses), the
# `session` and the analyst's `user_id`; a receiver imports them and returns one ImportResult per file.
_signals = Namespace()
touchpoints_responses = _signals.signal("demo-touchpoints-responses")


@dataclass(frozen=True)
class DemoResponses:
    """One Touchpoints export the demo wrote: a program's responses in one quarter."""

    path: Path
    program: str      # the program's code, chosen at upload
    period: str       # the quarter, chosen at upload
    trust_scale: str  # THUMBS or FIVE, chosen at upload
    responses: int
    uploaded_at: datetime  # when the analyst uploaded it: after the quarter closed, usually within 30 days

    @property
    def options(self) -> dict:
        return {"program": self.program, "period": self.period, "trust_scale": self.trust_scale}


FUNCTIONS = [
    ("CFO", "Chief Financial Officer"), ("CIO", "Chief Information Officer"),
    ("CHCO", "Chief Human Capital Officer"), ("GC", "General Counsel"),
    ("CDO", "Chief Data Officer"), ("CAO", "Chief Acquisition Officer"),
    ("CXO", "Chief Experience Officer"), ("PIO", "Performance Improvement Officer"),
]

DRIVER_METRICS = [(code, name, statement) for code, (name, statement) in DRIVER_STATEMENTS.items()]
# How each v1 driver sat against the program's trust score.
DRIVER_OFFSETS = {"satisfaction": 0.08, "trust": 0.0, "effectiveness": 0.02, "ease": -0.05, "efficiency": -0.15,
                  "transparency": 0.05, "employee": 0.2}

OPERATIONAL_METRICS = [
    # code, name, kind, unit, direction, target, green, amber, base, spread
    ("wait_time", "Average wait time", MetricKind.duration, "minutes", Direction.lower, 10, 10, 15, 12, 6),
    ("backlog", "Claims backlog", MetricKind.count, "claims", Direction.lower, 5000, 5000, 8000, 6000, 3000),
    ("digital_adoption", "Digital adoption", MetricKind.percent, "%", Direction.higher, 60, 60, 45, 55, 15),
]

FUNCTION_METRICS = [
    # code, name, function, kind, unit, direction, target, green, amber, first value, value in the latest quarter
    ("cfo_cx_budget_aligned", "% of CX budget aligned to HISP priorities", "CFO", MetricKind.percent, "%",
     Direction.higher, 80, 80, 60, 62, 84),
    ("cio_services_fully_digital", "% of services fully digital", "CIO", MetricKind.percent, "%",
     Direction.higher, 50, 50, 35, 31, 46),
    ("chco_days_to_hire_cx", "Days to hire CX staff", "CHCO", MetricKind.duration, "days",
     Direction.lower, 80, 80, 100, 96, 112),
    ("gc_pra_clearance_days", "Days to clear PRA review of a CX survey", "GC", MetricKind.duration, "days",
     Direction.lower, 30, 30, 45, 58, 27),
]

COMPONENTS = [
    ("BA", "Benefits Administration", True, [
        "Disability Compensation Claims", "Pension Applications", "Survivor Benefits", "Education Benefits",
        "Benefits Call Center", "Online Benefits Portal", "Appeals Processing"]),
    ("PTS", "Passport & Travel Services", True, [
        "Passport Renewal Online", "Passport Acceptance Facilities", "Travel Advisories",
        "Passport Information Center", "Expedited Passport Agencies", "Trusted Traveler Enrollment"]),
    ("DAA", "Disaster Assistance Agency", True, [
        "Individual Disaster Assistance", "Disaster Recovery Centers", "Flood Insurance Claims",
        "Disaster Helpline", "Housing Inspections", "Small Community Grants", "Hazard Mitigation Grants"]),
    ("SBO", "Small Business Office", False, [
        "Business Loan Applications", "Contracting Assistance", "Entrepreneurial Training",
        "Export Assistance", "Business Help Desk", "Disaster Loans"]),
    ("RS", "Retirement Services", True, [
        "Retirement Applications", "Survivor Annuities", "Retirement Information Line",
        "Online Annuitant Services", "Health Benefits Enrollment", "Life Insurance Claims", "Tax Form Requests"]),
    ("HCO", "Health Coverage Office", True, [
        "Marketplace Enrollment", "Coverage Help Line", "Eligibility Appeals",
        "Provider Enrollment", "Prescription Assistance", "Navigator Grants", "Member Portal"]),
]

# Each HISP component's trust target (green at, amber at); the Small Business Office, not a HISP, sets
# none. Call centres and help lines are held to a stricter program target.
TRUST_TARGETS = {"BA": (4.0, 3.7), "PTS": (4.1, 3.8), "DAA": (3.9, 3.6), "RS": (4.0, 3.7), "HCO": (3.9, 3.6)}
HELP_LINE_TARGET = (4.2, 3.9)
# The v2 measures leaders' plans name, agency-wide: (target = green at, amber at).
V2_TARGETS = {v2_metric_code("positive", "ease"): (30.0, 26.0), v2_metric_code("negative", "efficiency"): (12.0, 15.0)}


@dataclass(frozen=True)
class TrustStory:
    """A program's trust (mean on the 1-5 scale; a thumbs form's mean is 1 + 4 x share of thumbs up).

    `before` is its trust in the quarter before the latest, reached by `trend` a quarter; `latest`
    its trust in the latest quarter (None: a small move of its own). `n` is its respondents a quarter
    on the v2 survey (the v1 survey, fielded on more channels, reached about half as many again)."""

    before: float
    n: int
    latest: Optional[float] = None
    latest_n: Optional[int] = None
    scale: str = THUMBS
    trend: float = 0.0
    reported_latest: bool = True
    digital: bool = False  # a web form: no employee to name, so "employee" is not offered


TRUST = {
    # Benefits Administration: a chronic red, a call centre whose new phone system fails this quarter.
    "Disability Compensation Claims": TrustStory(3.55, 180),
    "Pension Applications": TrustStory(4.15, 90, scale=FIVE),
    "Survivor Benefits": TrustStory(3.98, 48, latest=3.74, latest_n=41),  # a fall too small a sample can tell
    "Education Benefits": TrustStory(4.22, 120, trend=0.01),
    "Benefits Call Center": TrustStory(4.28, 260, latest=3.62, latest_n=250),  # significant fall: turns red
    "Online Benefits Portal": TrustStory(4.1, 220, digital=True),
    "Appeals Processing": TrustStory(3.78, 70, scale=FIVE),
    # Passport & Travel Services: the online renewal redesign lands; Trusted Traveler's backlog shows.
    "Passport Renewal Online": TrustStory(3.86, 420, latest=4.22, latest_n=460, trend=-0.01, digital=True),
    "Passport Acceptance Facilities": TrustStory(4.3, 100, scale=FIVE),
    "Travel Advisories": TrustStory(4.02, 60, digital=True),
    "Passport Information Center": TrustStory(3.95, 130, scale=FIVE),
    "Expedited Passport Agencies": TrustStory(4.35, 50, scale=FIVE),
    "Trusted Traveler Enrollment": TrustStory(4.27, 360, latest=3.93, latest_n=380),  # significant fall
    # Disaster Assistance Agency: hurricane season.
    "Individual Disaster Assistance": TrustStory(3.82, 200),
    "Disaster Recovery Centers": TrustStory(4.05, 80, scale=FIVE),
    "Flood Insurance Claims": TrustStory(4.05, 330, latest=3.7, latest_n=340),  # significant fall: green to amber
    "Disaster Helpline": TrustStory(4.0, 110),
    "Housing Inspections": TrustStory(3.96, 58, latest=3.8, latest_n=54),  # not significant
    "Small Community Grants": TrustStory(4.1, 19),  # never enough respondents
    "Hazard Mitigation Grants": TrustStory(3.72, 44),
    # Small Business Office: surveys on its own account, without trust targets.
    "Business Loan Applications": TrustStory(3.92, 80),
    "Contracting Assistance": TrustStory(4.0, 45),
    "Entrepreneurial Training": TrustStory(4.4, 60, digital=True),
    "Export Assistance": TrustStory(3.85, 42, latest=4.06, latest_n=38),  # a rise too small a sample can tell
    "Business Help Desk": TrustStory(4.25, 55),
    "Disaster Loans": TrustStory(3.75, 95),
    # Retirement Services keeps the 1-5 trust question.
    "Retirement Applications": TrustStory(3.82, 280, latest=4.08, latest_n=300, scale=FIVE, trend=0.01),
    "Survivor Annuities": TrustStory(4.05, 16, scale=FIVE),  # never enough respondents
    "Retirement Information Line": TrustStory(4.12, 160, scale=FIVE),
    "Online Annuitant Services": TrustStory(4.2, 210, scale=FIVE, digital=True),
    "Health Benefits Enrollment": TrustStory(3.9, 120, scale=FIVE),
    "Life Insurance Claims": TrustStory(4.0, 46, latest_n=21, scale=FIVE),  # this quarter, too few
    "Tax Form Requests": TrustStory(4.4, 250, scale=FIVE, digital=True),
    # Health Coverage Office: enrollment climbs out of the red.
    "Marketplace Enrollment": TrustStory(3.52, 450, latest=3.82, latest_n=520, trend=0.02),  # significant rise
    "Coverage Help Line": TrustStory(4.12, 150),
    "Eligibility Appeals": TrustStory(3.45, 60),
    "Provider Enrollment": TrustStory(4.0, 85),
    "Prescription Assistance": TrustStory(4.15, 90),
    "Navigator Grants": TrustStory(4.0, 40, reported_latest=False),  # did not report this quarter
    "Member Portal": TrustStory(4.2, 290, digital=True),
}

# Share of respondents who name each aspect as what went well (a positive answer) or what could be
# improved (a negative one); a middle answer on a 1-5 form names either at half the rate.
WENT_WELL = {"effectiveness": 0.45, "ease": 0.4, "efficiency": 0.3, "transparency": 0.25, "humanity": 0.22,
             "employee": 0.4, "other": 0.05}
COULD_IMPROVE = {"effectiveness": 0.3, "ease": 0.35, "efficiency": 0.5, "transparency": 0.2, "humanity": 0.15,
                 "employee": 0.2, "other": 0.1}
# The call centre's bad quarter: the complaints are about time, and about the people on the phone.
CUT_OVER = {**COULD_IMPROVE, "efficiency": 0.78, "employee": 0.38}
COMMENTS = ("Quick and easy.", "The agent was patient with me.", "Took too long on hold.",
            "Could not find the form I needed.", "Clear instructions, thank you.", "I had to call three times.")

LIFE_EXPERIENCES = {
    "Approaching retirement": ("RS",),
    "Recovering from a disaster": ("DAA",),
    "Transitioning from military to civilian life": ("BA",),
    "Navigating the transition to Medicare": ("HCO", "RS"),
    "Launching a small business": ("SBO",),
}

CHANNELS = ["web", "phone", "in person", "email", "mobile"]

ELEMENTS = [("Leading Change", 15), ("Leading People", 15), ("Business Acumen", 15),
            ("Building Coalitions", 15), ("Results Driven", 40)]
# A component leader's CX requirements on the v2 survey: (metric code, requirement text).
CX_REQUIREMENTS = [
    ("trust", "Raise trust / confidence to target in the leader's programs."),
    (v2_metric_code("positive", "ease"),
     "Raise the share of customers naming ease as what went well to target in the leader's programs."),
    (v2_metric_code("negative", "efficiency"),
     "Lower the share of customers naming the time it took as what could be improved to target."),
]

DEMO_USERS = [
    # email, role, function code, leader e-mail
    ("admin@demo.cx.gov", "admin", None, None),
    ("executive@demo.cx.gov", "executive", None, None),
    ("cfo.officer@demo.cx.gov", "officer", "CFO", None),
    ("analyst@demo.cx.gov", "analyst", None, None),
    ("leader@demo.cx.gov", "leader", None, "leader.ba@demo.cx.gov"),
    ("viewer@demo.cx.gov", "viewer", None, None),
]

FIRST = ["Avery", "Jordan", "Morgan", "Taylor", "Casey", "Riley", "Quinn", "Harper", "Rowan", "Emerson",
         "Parker", "Reese", "Sawyer", "Blake", "Cameron", "Drew", "Elliot", "Finley", "Hayden", "Kendall"]
LAST = ["Alvarez", "Brooks", "Chen", "Diaz", "Edwards", "Fischer", "Garcia", "Hughes", "Iverson", "Jackson",
        "Kim", "Lopez", "Martin", "Nguyen", "Okafor", "Patel", "Robinson", "Silva", "Thompson", "Williams"]


def _rng(part: str) -> random.Random:
    """The random stream of one part of the demo (a change to one part leaves the others as they were)."""
    return random.Random(f"{SEED}:{part}")


def demo_periods(today: date) -> list[Period]:
    """The quarters with survey data: FY2023-Q1 to the latest complete one (at least eight quarters)."""
    last = latest_complete_period(today)
    return period_range(min(FIRST_PERIOD, last.prev(7)), last)


def seed_demo(session, today: date | None = None) -> bool:
    """Create the demo agency unless it exists. Returns True when it created anything.

    The v2 survey responses are imported through the Touchpoints import (`touchpoints_responses`),
    so the importers must be connected: build the app with `scorecard.create_app`. What the imports
    did is left in `session.info["demo_lines"]` for `scorecard demo` to print. The agency is committed
    before its responses are imported (each import commits its batch): should an import fail, the
    error names the file, and the demo is loaded again into an empty database."""
    if session.scalar(sa.select(Agency).where(Agency.code == DEMO_AGENCY_CODE)) is not None:
        return False
    if not touchpoints_responses.receivers:
        raise RuntimeError("the demo imports its Touchpoints responses through the importers, which are not "
                           "connected: build the app with scorecard.create_app() first")
    today = today or utctoday()
    moment = datetime.combine(today, time(15, 0), tzinfo=UTC)  # "now" for the demo's dates, so they follow `today`
    periods = demo_periods(today)
    current_fy = Period.from_date(today).fiscal_year

    agency = Agency(code=DEMO_AGENCY_CODE, name="Department of Public Services (demo)")
    session.add(agency)
    functions = _functions(session)
    metrics = _metrics(session)
    components, programs = _org(session, agency)
    session.flush()
    _observations(session, agency, programs, functions, metrics, periods)
    _targets(session, agency, components, programs, metrics, functions,
             {p.fiscal_year for p in periods} | {current_fy})
    leaders = _leaders(session, components, functions)
    session.flush()
    commitments = _commitments(session, functions, components, programs, metrics, leaders, today, moment)
    session.flush()
    for fiscal_year in (current_fy, current_fy - 1):  # this year's plans first: the ones people work on
        _plans(session, leaders, programs, metrics, commitments, fiscal_year)
    _users(session, functions)
    session.flush()
    _commitment_histories(session, commitments, current_fy)
    _capacity(session, components, current_fy, today)
    analyst_id = session.scalar(sa.select(User.id).where(User.email == "analyst@demo.cx.gov"))
    session.commit()

    lines = _import_responses(session, programs_by_code(session), periods, analyst_id, moment)
    _rate_last_year(session, current_fy - 1, today, moment)
    session.commit()
    session.info.setdefault("demo_lines", []).extend(lines)
    return True


def programs_by_code(session) -> dict[str, Program]:
    return {p.code: p for p in session.scalars(
        sa.select(Program).join(Component).join(Agency).where(Agency.code == DEMO_AGENCY_CODE).order_by(Program.id))}


def _functions(session) -> dict[str, Function]:
    existing = {f.code: f for f in session.scalars(sa.select(Function))}
    for code, name in FUNCTIONS:
        if code not in existing:
            existing[code] = Function(code=code, name=name)
            session.add(existing[code])
    return existing


def _metrics(session) -> dict[str, Metric]:
    existing = {m.code: m for m in session.scalars(sa.select(Metric))}

    def ensure(code, **fields):
        if code not in existing:
            existing[code] = Metric(code=code, **fields)
            session.add(existing[code])

    existing.update(ensure_standard_metrics(session))
    for code, name, kind, unit, direction, *_ in OPERATIONAL_METRICS:
        ensure(code, name=name, kind=kind, unit=unit, direction=direction)
    for code, name, _fn, kind, unit, direction, *_ in FUNCTION_METRICS:
        ensure(code, name=name, kind=kind, unit=unit, direction=direction)
    return existing


def _org(session, agency):
    components, programs = [], []
    experiences = {name: LifeExperience(name=name) for name in LIFE_EXPERIENCES}
    session.add_all(experiences.values())
    for code, name, hisp, program_names in COMPONENTS:
        component = Component(agency=agency, code=f"{DEMO_AGENCY_CODE}-{code}", name=name, is_hisp=hisp)
        components.append(component)
        for i, program_name in enumerate(program_names, start=1):
            program = Program(component=component, code=f"{DEMO_AGENCY_CODE}-{code}-{i:02d}", name=program_name)
            program.life_experiences = [experiences[e] for e, codes in LIFE_EXPERIENCES.items() if code in codes]
            programs.append(program)
    session.add_all(components + programs)
    return components, programs


# -- survey scores ----------------------------------------------------------------------------------------
def trust_path(story: TrustStory, position: int, count: int) -> float:
    """The program's trust in quarter `position` of `count` (the last is the latest quarter)."""
    last = count - 1
    if position == last:
        value = story.latest if story.latest is not None else story.before + 0.015 * (story.n // 5 % 5 - 2)
    else:
        wiggle = 0.0 if position == last - 1 else 0.03 * ((position * 5 + story.n) % 3 - 1)
        value = story.before - story.trend * (last - 1 - position) + wiggle
    return min(4.85, max(1.3, value))


def respondents(story: TrustStory, position: int, count: int) -> int:
    if position == count - 1 and story.latest_n is not None:
        return story.latest_n
    if position == count - 2:
        return story.n
    return max(5, round(story.n * (1 + 0.06 * ((position * 3 + story.n) % 5 - 2) / 2)))


def five_point_counts(mean: float, n: int) -> list[int]:
    """Answer counts 1-5 for `n` respondents whose mean is `mean` to the nearest 1/n: a smooth shape
    around the mean, then single answers moved one step at a time from the fullest answer."""
    weights = [max(0.02, 1.3 - abs(k - mean)) ** 2 for k in range(1, 6)]
    counts = [int(n * w / sum(weights)) for w in weights]
    counts[min(4, max(0, round(mean) - 1))] += n - sum(counts)
    goal, total = round(mean * n), sum(k * c for k, c in zip(range(1, 6), counts))
    while total != goal:
        step = 1 if total < goal else -1
        movable = [k for k in range(5) if counts[k] and 0 <= k + step <= 4]
        k = max(movable, key=lambda i: (counts[i], -i * step))
        counts[k] -= 1
        counts[k + step] += 1
        total += step
    return counts


def trust_counts(story: TrustStory, mean: float, n: int) -> list[int]:
    """The v2 trust question's counts as the Touchpoints import writes them (a thumbs down is 1, up is 5)."""
    if story.scale == FIVE:
        return five_point_counts(mean, n)
    up = round((mean - 1) / 4 * n)
    return [n - up, 0, 0, 0, up]


def _observations(session, agency, programs, functions, metrics, periods):
    """The v1 drivers (before V2_FROM), each program's operational measures and the C-suite functions'
    own measures, written directly; the v2 survey comes through the Touchpoints import."""
    rows = []
    now = utcnow()
    likert, operations = _rng("v1-drivers"), _rng("operations")
    count = len(periods)
    for program in programs:
        story = TRUST[program.name]
        channel = CHANNELS[program.id % len(CHANNELS)]
        for position, period in enumerate(periods):
            if position == count - 1 and not story.reported_latest:
                continue
            if period < V2_FROM:
                trust = trust_path(story, position, count)
                for code, _name, question in DRIVER_METRICS:
                    mean = min(4.9, max(1.4, trust + DRIVER_OFFSETS[code] + likert.uniform(-0.025, 0.025)))
                    n = max(5, round(1.5 * respondents(story, position, count) * likert.uniform(0.95, 1.05)))
                    counts = five_point_counts(mean, n)
                    value = sum((k + 1) * c for k, c in enumerate(counts)) / n
                    rows.append(_obs(metrics[code], agency, program.component_id, program.id, None, period, channel,
                                     value, n, counts, question, now))
            for code, _name, _kind, _unit, _dir, _t, _g, _a, base_value, spread in OPERATIONAL_METRICS:
                value = round(max(0.0, base_value + operations.uniform(-spread, spread)), 1)
                if position == count - 1:
                    value = LATEST_OPERATIONS.get((program.name, code), value)
                rows.append(_obs(metrics[code], agency, program.component_id, program.id, None, period, "", value,
                                 None, None, None, now))
    measures = _rng("function-metrics")
    for code, _name, fn, _kind, _unit, _dir, _t, _g, _a, first, latest in FUNCTION_METRICS:
        for position, period in enumerate(periods):
            share = position / max(1, count - 1)
            value = first + (latest - first) * share
            if position != count - 1:
                value += measures.uniform(-0.04, 0.04) * abs(latest - first)
            rows.append(_obs(metrics[code], agency, None, None, functions[fn].id, period, "", round(value, 1), None,
                             None, None, now))
    session.execute(sa.insert(Observation), rows)


# The latest quarter's operational measures that go with the story.
STORY_PROGRAM = "Benefits Call Center"  # turns red in the latest quarter: its leaders and a commitment answer for it
LATEST_OPERATIONS = {("Benefits Call Center", "wait_time"): 24.5, ("Benefits Call Center", "backlog"): 9800.0,
                     ("Passport Renewal Online", "digital_adoption"): 78.0,
                     ("Flood Insurance Claims", "backlog"): 11200.0}


def _obs(metric, agency, component_id, program_id, function_id, period, channel, value, n, counts, question, now):
    counts = counts or [None] * 5
    return dict(
        metric_id=metric.id, agency_id=agency.id, component_id=component_id, program_id=program_id,
        function_id=function_id, period=str(period), channel=channel, touchpoint="",
        subject_key=subject_key(program_id, function_id, component_id, agency.id),
        value=value, n=n, count_1=counts[0], count_2=counts[1], count_3=counts[2], count_4=counts[3],
        count_5=counts[4], question_text=question, created_at=now, updated_at=now,
    )


# -- the v2 survey, as Touchpoints exports it -------------------------------------------------------------------
# (program, offset from the latest quarter) -> days after the quarter's end its export was uploaded, past
# the 30 the A-11 reporting is due in; every other export arrived within three weeks.
LATE_UPLOADS = {("Disaster Recovery Centers", 8): 41, ("Flood Insurance Claims", 8): 44,
                ("Hazard Mitigation Grants", 4): 38, ("Navigator Grants", 1): 52, ("Eligibility Appeals", 0): 37}


def touchpoints_files(folder: Path, programs: dict[str, Program], periods: list[Period],
                      moment: datetime) -> list[DemoResponses]:
    """One Touchpoints A-11 v2 export per program and v2 quarter, written into `folder`, in the order
    the analyst uploaded them (quarter by quarter); none uploaded later than a day before `moment`."""
    rng = _rng("touchpoints")
    files, response_id = [], 4_100_000
    count = len(periods)
    for position, period in enumerate(periods):
        for program in programs.values():
            story = TRUST[program.name]
            if period < V2_FROM or (position == count - 1 and not story.reported_latest):
                continue
            n = respondents(story, position, count)
            counts = trust_counts(story, trust_path(story, position, count), n)
            answers = [k + 1 for k, c in enumerate(counts) for _ in range(c)]
            rng.shuffle(answers)
            improve = CUT_OVER if (program.name == "Benefits Call Center" and position == count - 1) else COULD_IMPROVE
            path = folder / f"touchpoints-{program.code}-{period}.csv"
            with path.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(TOUCHPOINTS_HEADER)
                for answer in answers:
                    response_id += 1
                    writer.writerow(_response(rng, response_id, answer, story, improve))
            days = LATE_UPLOADS.get((program.name, count - 1 - position), 6 + (program.id * 7 + position) % 16)
            uploaded = datetime.combine(period.end, time(13, 0), tzinfo=UTC) + timedelta(days=days,
                                                                                         minutes=program.id)
            files.append(DemoResponses(path, program.code, str(period), story.scale, n,
                                       min(uploaded, moment - timedelta(days=1))))
    return sorted(files, key=lambda f: f.uploaded_at)


def _response(rng, response_id: int, answer: int, story: TrustStory, improve: dict) -> list:
    """One response row: the trust answer as the form records it, the aspects chosen, a rare comment."""
    good, bad = (1.0, 0.0) if answer >= 4 else (0.0, 1.0) if answer <= 2 else (0.5, 0.5)
    shown = answer if story.scale == FIVE else (1 if answer == 5 else 0)
    cells = [response_id, shown]
    for rate, weight in ((WENT_WELL, good), (improve, bad)):
        for aspect in V2_ASPECTS:
            offered = not (story.digital and aspect == "employee")
            cells.append(int(bool(weight) and rng.random() < rate[aspect] * weight) if offered else "null")
    cells.append(rng.choice(COMMENTS) if rng.random() < 0.03 else "")
    return cells


def _import_responses(session, programs: dict[str, Program], periods: list[Period], user_id,
                      moment: datetime) -> list[str]:
    """Write the Touchpoints exports into a temporary folder and have the importers load them."""
    with tempfile.TemporaryDirectory(prefix="scorecard-demo-touchpoints-") as folder:
        files = touchpoints_files(Path(folder), programs, periods, moment)
        if not files:
            return []
        answered = touchpoints_responses.send(session=session, files=files, user_id=user_id)
    results = [result for _receiver, found in answered for result in (found or ())]
    failed = [(f, r) for f, r in zip(files, results) if r.status != "imported"]
    if len(results) != len(files) or failed:
        name, why = (failed[0][0].path.name, failed[0][1].message) if failed else ("", "not every file was imported")
        raise RuntimeError(f"the demo's Touchpoints responses did not import: {name} {why}".strip())
    batches = [r.batch_id for r in results]
    first, last = min(f.period for f in files), max(f.period for f in files)
    late = sum((f.uploaded_at.date() - Period.parse(f.period).end).days > 30 for f in files)
    return [f"Touchpoints A-11 v2: {len(files)} demo response files ({sum(f.responses for f in files):,} responses, "
            f"{len({f.program for f in files})} programs, {first} to {last}) imported as batches "
            f"{min(batches)}-{max(batches)}, each dated when the analyst uploaded it ({late} after the 30 days "
            "A-11 allows)."]


# -- targets, leaders, commitments, plans --------------------------------------------------------------------
def _targets(session, agency, components, programs, metrics, functions, fiscal_years):
    hisp = {c.id: TRUST_TARGETS[c.code.split("-")[-1]] for c in components if c.is_hisp}
    for fy in sorted(fiscal_years):
        for code, *_ in DRIVER_METRICS:
            if code != "trust":
                session.add(Target(metric=metrics[code], scope_type=ScopeType.agency, scope_id=agency.id,
                                   fiscal_year=fy, target=4.0, green_at=4.0, amber_at=3.7))
        for component_id, (green, amber) in hisp.items():
            session.add(Target(metric=metrics["trust"], scope_type=ScopeType.component, scope_id=component_id,
                               fiscal_year=fy, target=green, green_at=green, amber_at=amber))
        for program in programs:
            if "Call Center" in program.name or "Help" in program.name:
                green, amber = HELP_LINE_TARGET
                session.add(Target(metric=metrics["trust"], scope_type=ScopeType.program, scope_id=program.id,
                                   fiscal_year=fy, target=green, green_at=green, amber_at=amber))
        for code, (green, amber) in V2_TARGETS.items():
            session.add(Target(metric=metrics[code], scope_type=ScopeType.agency, scope_id=agency.id,
                               fiscal_year=fy, target=green, green_at=green, amber_at=amber))
        for code, _n, _k, _u, _d, target, green, amber, *_ in OPERATIONAL_METRICS:
            session.add(Target(metric=metrics[code], scope_type=ScopeType.agency, scope_id=agency.id,
                               fiscal_year=fy, target=target, green_at=green, amber_at=amber))
        for code, _n, fn, _k, _u, _d, target, green, amber, *_ in FUNCTION_METRICS:
            session.add(Target(metric=metrics[code], scope_type=ScopeType.function, scope_id=functions[fn].id,
                               fiscal_year=fy, target=target, green_at=green, amber_at=amber))


def _leaders(session, components, functions):
    leaders = []
    names = iter(f"{first} {last}" for last in LAST for first in FIRST)
    for component in components:
        short = component.code.split("-")[-1].lower()
        head = Leader(name=next(names), email=f"leader.{short}@demo.cx.gov", title=f"Administrator, {component.name}",
                      component=component)
        leaders.append(head)
        for k in range(6):
            leaders.append(Leader(name=next(names), email=f"{short}.manager{k + 1}@demo.cx.gov",
                                  title=f"Program Director, {component.name}", component=component))
    for code, function in functions.items():
        for k in range(2):
            title = FUNCTIONS[[c for c, _ in FUNCTIONS].index(code)][1] if k == 0 else f"Deputy {code}"
            leaders.append(Leader(name=next(names), email=f"{code.lower()}{'' if k == 0 else '.deputy'}@demo.cx.gov",
                                  title=title, function=function))
    for title in ("Deputy Secretary", "Chief Operating Officer"):
        leaders.append(Leader(name=next(names), email=f"{title.lower().replace(' ', '.')}@demo.cx.gov", title=title))
    session.add_all(leaders)
    return leaders


COMMITMENT_TITLES = {
    "CFO": ["Align CX budget requests with HISP action plans", "Fund digital intake for top three services",
            "Publish CX spending in the annual financial report"],
    "CIO": ["Retire paper-only intake for two services", "Meet the login.gov adoption goal",
            "Cut average portal page load below two seconds"],
    "CHCO": ["Hire CX staff for every HISP", "Add a CX element to every SES plan",
             "Train frontline staff in plain language"],
    "GC": ["Clear PRA review of the A-11 survey in 30 days", "Simplify benefit notice templates",
           "Publish the plain-language policy"],
    "CDO": ["Publish quarterly CX data on performance.gov", "Build one customer-feedback data model",
            "Automate survey pooling across channels"],
    "CAO": ["Add CX requirements to contact-centre contracts", "Shorten award time for CX research",
            "Report vendor CX performance quarterly"],
    "CXO": ["Run a journey map for each life experience", "Stand up the agency CX council",
            "Close the loop on top complaints within 30 days"],
    "PIO": ["Link CX goals to the strategic plan", "Review HISP action plans every quarter",
            "Report CX progress to the deputy secretary monthly"],
}
# Each function's third commitment is an action item of the components' capacity plans, in the A-11 capacity
# domain it builds (every domain has some).
ACTION_DOMAINS = {"CFO": "Governance & Strategy", "CIO": "Service Design & Improvement",
                  "CHCO": "Culture & Organization", "GC": "Culture & Organization", "CDO": "Measurement",
                  "CAO": "Measurement", "CXO": "Customer Understanding", "PIO": "Governance & Strategy"}
OWN_METRICS = {fn: code for code, _name, fn, *_ in FUNCTION_METRICS}  # function -> the metric it reports itself
EASE = v2_metric_code("positive", "ease")
S = CommitmentStatus
# Each function's commitments, in COMMITMENT_TITLES order: the GC and the PIO deliver, the CFO, the CDO and the
# CAO have fallen behind (so the rules propose their leaders' CX requirements below 3), the rest are in between.
STATUSES = {
    "CFO": (S.off_track, S.complete, S.not_started), "CIO": (S.off_track, S.on_track, S.on_track),
    "CHCO": (S.complete, S.not_started, S.on_track), "GC": (S.complete, S.on_track, S.on_track),
    "CDO": (S.off_track, S.complete, S.at_risk), "CAO": (S.at_risk, S.complete, S.not_started),
    "CXO": (S.on_track, S.complete, S.not_started), "PIO": (S.on_track, S.complete, S.complete),
}
# (function, position) -> days past the due date on the demo's day
LATE = {("CFO", 2): 12, ("CIO", 0): 5, ("CXO", 2): 21}
# (function, position) -> days since the last update on the demo's day: open ones left alone for weeks
# (the others were updated within the last four weeks)
QUIET = {("CDO", 0): 47, ("CAO", 2): 64, ("GC", 1): 38, ("PIO", 0): 75, ("CHCO", 2): 33}


def _commitments(session, functions, components, programs, metrics, leaders, today, moment):
    """Three commitments per function. Each function's first names trust and two programs of one
    component (the functions take the components in turn), so every component's head has a C-suite
    commitment behind their trust requirement."""
    rng = _rng("commitments")
    heads = {lead.function_id: lead for lead in leaders if lead.function_id and ".deputy" not in (lead.email or "")}
    ba_head = next(lead for lead in leaders if lead.email == "leader.ba@demo.cx.gov")  # the demo leader's account
    by_component: dict = {}
    for program in programs:
        by_component.setdefault(program.component_id, []).append(program)
    commitments = []
    for f, (code, titles) in enumerate(COMMITMENT_TITLES.items()):
        function = functions[code]
        for i, title in enumerate(titles):
            status = STATUSES[code][i]
            commitment = Commitment(
                function=function, leader=heads.get(function.id), title=title,
                description=f"{function.name} commitment: {title.lower()}.",
                due_date=today + timedelta(days=rng.randint(-60, 300)), status=status,
                reason="Vendor delays pushed the schedule." if status.needs_reason else None,
                evidence_links=[], capacity_domain=ACTION_DOMAINS[code] if i == 2 else None,
                component=components[i % len(components)] if i == 1 else None,
                last_update_at=moment - timedelta(days=QUIET.get((code, i), rng.randint(1, 28))),
            )
            if i == 0:
                served = by_component[components[f % len(components)].id]
                commitment.programs = rng.sample(served, 2)
                story = next((p for p in served if p.name == STORY_PROGRAM), None)
                if story is not None and story not in commitment.programs:  # the red program has its commitment
                    commitment.programs = [commitment.programs[0], story]
            else:
                commitment.programs = rng.sample(programs, 2)
            # trust, else the function's own metric, else a v2 measure (satisfaction is no longer asked since V2_FROM)
            commitment.metrics = [metrics["trust"] if i == 0 else metrics[OWN_METRICS.get(code, EASE)]]
            if (code, i) in LATE:  # a few slipped past their due date, so overdue is something true to show
                commitment.due_date = today - timedelta(days=LATE[(code, i)])
            elif commitment.due_date < today and status not in (CommitmentStatus.complete, CommitmentStatus.dropped):
                commitment.due_date = today + timedelta(days=30 + rng.randint(0, 120))  # only LATE is overdue
            if (code, i) == ("CXO", 2):
                commitment.leader = ba_head
            commitments.append(commitment)
    session.add_all(commitments)
    return commitments


STEPS = {  # the status a commitment moved through before its current one
    CommitmentStatus.on_track: [CommitmentStatus.not_started],
    CommitmentStatus.at_risk: [CommitmentStatus.not_started, CommitmentStatus.on_track],
    CommitmentStatus.off_track: [CommitmentStatus.not_started, CommitmentStatus.on_track, CommitmentStatus.at_risk],
    CommitmentStatus.complete: [CommitmentStatus.not_started, CommitmentStatus.on_track],
}
NOTES = {CommitmentStatus.on_track: "Work started on schedule.",
         CommitmentStatus.at_risk: "Flagged at the quarterly review.",
         CommitmentStatus.off_track: "Escalated at the quarterly review.",
         CommitmentStatus.complete: "Delivered; evidence filed."}


def _commitment_histories(session, commitments, fiscal_year):
    """Each commitment's update history, ending at its last update: created in the fiscal year's
    plan, then each status it moved through, by the function's officer where the demo has one
    (CFO) and the administrator otherwise."""
    users = {u.email: u for u in session.scalars(sa.select(User))}
    officer, admin = users["cfo.officer@demo.cx.gov"], users["admin@demo.cx.gov"]
    for n, commitment in enumerate(commitments):
        by = officer if commitment.function.code == "CFO" else admin
        steps = STEPS.get(commitment.status, [])
        end = commitment.last_update_at
        start = end - timedelta(days=40 + 25 * len(steps) + n % 7) if steps else end
        commitment.created_at = start
        first = steps[0] if steps else commitment.status
        history = [CommitmentUpdate(commitment=commitment, user_id=by.id, at=start, status=first, note=(
            f"Set in the FY{fiscal_year} CX action plan."), changes={
                "title": [None, commitment.title], "status": [None, first.value],
                "due_date": [None, commitment.due_date.isoformat() if commitment.due_date else None]})]
        for k, status in enumerate(steps[1:] + [commitment.status] if steps else []):
            before = steps[k]
            last = status is commitment.status
            reason = commitment.reason if last else ("Supplier capacity is uncertain." if status.needs_reason else None)
            changes = {"status": [before.value, status.value]}
            if reason != history[-1].reason:
                changes["reason"] = [history[-1].reason, reason]
            at = end if last else start + timedelta(days=25 * (k + 1))
            history.append(CommitmentUpdate(commitment=commitment, user_id=by.id, at=at, status=status, reason=reason,
                                            note=NOTES.get(status), changes=changes))
        session.add_all(history)


def _plans(session, leaders, programs, metrics, commitments, fiscal_year):
    """Every leader's plan for one fiscal year: the five SES elements; Results Driven holds the CX
    requirements — a C-suite leader's function, a component leader's programs (the deputy secretary's
    and the chief operating officer's: every program) on the v2 survey's measures. A component head's
    trust requirement links the C-suite commitment that names trust for their programs (the
    commitments are flushed first, so their functions and programs are known)."""
    by_component: dict = {}
    for program in programs:
        by_component.setdefault(program.component_id, []).append(program)
    trust_commitment = {}
    for commitment in commitments:
        if any(m.code == "trust" for m in commitment.metrics):
            for program in commitment.programs:
                trust_commitment.setdefault(program.component_id, commitment)
    for leader in leaders:
        plan = PerformancePlan(leader=leader, fiscal_year=fiscal_year, rating_method=RatingMethod.opm_majority)
        head = (leader.email or "").startswith("leader.")
        for position, (name, weight) in enumerate(ELEMENTS):
            element = PlanElement(name=name, weight=weight, position=position,
                                  is_results_driven=(name == "Results Driven"), is_critical=True)
            element.requirements.append(PlanRequirement(text=f"Demonstrates {name.lower()} across the organisation.",
                                                        position=0))
            if name == "Results Driven" and leader.function is not None:  # a C-suite leader: their function's CX
                element.requirements.append(PlanRequirement(
                    text=f"Deliver the {leader.function.code}'s CX commitments on time and meet its CX measures.",
                    position=1, function=leader.function))
            elif name == "Results Driven":
                linked = by_component.get(leader.component_id, []) if leader.component_id else list(programs)
                for k, (code, text) in enumerate(CX_REQUIREMENTS):
                    req = PlanRequirement(text=text, position=k + 1, metric=metrics[code], commitment=(
                        trust_commitment.get(leader.component_id) if code == "trust" and head else None))
                    req.programs = list(linked)
                    element.requirements.append(req)
            plan.elements.append(element)
        session.add(plan)


# -- last year's ratings --------------------------------------------------------------------------------------
def requirement_proposals(session, requirement_ids, today: date) -> dict[int, int]:
    """The rating the rules propose for each requirement: the published requirement rules, or the
    default pack's (which `scorecard demo` publishes) when none is published yet. Writes nothing."""
    from scorecard.rules.context import load_context, load_observations
    from scorecard.rules.schema import compile_rule
    from scorecard.rules.service import functions_read, metrics_read, published_rules, run_rules
    from scorecard.rules.store import default_pack

    rules = [rule for _, rule in published_rules(session) if rule.subject_type is RuleSubject.requirement]
    if not rules:
        rules = [compile_rule(d) for d in default_pack() if d["applies_to"] == RuleSubject.requirement.value]
    ctx = load_context(session, today=today, min_n=configured_min_n(), observations=False)
    load_observations(session, ctx, metric_ids=metrics_read(ctx, rules), function_metrics=functions_read(ctx, rules))
    drafts = run_rules(ctx, rules, {RuleSubject.requirement: set(requirement_ids)})
    return {d.subject_id: d.rating for d in drafts if d.rating is not None}


NARRATIVE = ("rated on the accomplishment narrative and the rating official's observation; no rule proposes "
             "a rating for this element")
OVERRIDES = ("A rise in the second half of the year, after the intake redesign, that the four-quarter "
             "window does not yet show.",
             "Trust held up through the hurricane season surge better than the pooled score suggests.")


def _rate_last_year(session, fiscal_year: int, today: date, moment: datetime) -> None:
    """The rating official's decisions on every element of last year's plans, beside what the rules
    proposed: the proposal confirmed, a few overridden one step up with a justification, and the
    elements no rule rates (the other ECQs) rated on the narrative, with a justification."""
    rng = _rng("ratings")
    official = session.scalar(sa.select(User).where(User.email == "executive@demo.cx.gov"))
    plans = session.scalars(
        sa.select(PerformancePlan).join(Leader).where(PerformancePlan.fiscal_year == fiscal_year,
                                                      Leader.email.like("%@demo.cx.gov"))
        .order_by(PerformancePlan.id)).all()
    requirements = [r for p in plans for e in p.elements for r in e.requirements if r.is_cx]
    proposals = requirement_proposals(session, [r.id for r in requirements], today)
    year_end = datetime.combine(Period(fiscal_year, 4).end, time(16, 0), tzinfo=UTC)
    overridden = 0
    for k, plan in enumerate(plans):
        at = min(year_end + timedelta(days=18 + k % 20, hours=k % 5), moment - timedelta(days=1))
        for element in plan.elements:
            proposed = element_rating([proposals.get(r.id) for r in element.requirements], plan.rating_method.value)
            if proposed is None:
                rating, why = rng.choice((3, 4, 4, 4, 5, 5)), f"{element.name}: {NARRATIVE}."
            elif proposed <= 3 and overridden < len(OVERRIDES) and rng.random() < 0.5:
                rating, why = proposed + 1, OVERRIDES[overridden]
                overridden += 1
            else:
                rating, why = proposed, None
            decision = ElementRating(element=element, proposed_rating=proposed, confirmed_rating=rating,
                                     justification=why, decided_by_id=official.id, at=at)
            session.add(decision)
            session.add(AuditEvent(user_id=official.id, at=at, action="plan.rate", entity_type="plan_element",
                                   entity_id=element.id, before={"proposed_rating": proposed},
                                   after={"confirmed_rating": rating, "justification": why}))


# -- capacity -----------------------------------------------------------------------------------------------
CAPACITY_NARRATIVES = {  # domain -> what the component does, by how far along it is (low, middle, high score)
    "Measurement": ("surveys a few services once a year",
                    "fields the A-11 post-transaction survey on its main channels every quarter",
                    "reports every service's A-11 survey each quarter and reviews it monthly"),
    "Governance & Strategy": ("has no named CX lead yet", "has a CX lead and a draft CX strategy",
                              "runs a CX council chaired by the deputy administrator, with a funded strategy"),
    "Culture & Organization": ("trains a few frontline staff in CX", "includes CX in new-hire training",
                               "rewards CX results in every SES plan and trains all frontline staff"),
    "Customer Understanding": ("relies on complaint counts", "interviews customers for its largest service",
                               "keeps journey maps for each life experience it serves, refreshed yearly"),
    "Service Design & Improvement": ("fixes problems as they are reported",
                                     "tests new forms with customers before release",
                                     "runs a human-centred design team that ships monthly"),
}
CAPACITY_EVIDENCE = {"Measurement": "https://www.performance.gov/cx/",
                     "Customer Understanding": "https://digital.gov/topics/customer-experience/"}


def _capacity(session, components, current_fy, today):
    """Each component's capacity assessments for the two fiscal years before this one (each submitted
    by the analyst before its year ended, the second moving on from the first: the dashboard opens on it,
    with its change and the rules' evidence scores) and this one (a draft moving on from last year's
    scores), with the audit events the web pages would have written."""
    rng = _rng("capacity")
    analyst = session.scalar(sa.select(User).where(User.email == "analyst@demo.cx.gov"))
    years = (current_fy - 2, current_fy - 1, current_fy)
    submitted = {fy: datetime(fy, 9, 15, 15, 0, tzinfo=UTC) for fy in years[:-1]}
    started = {**{fy: datetime(fy, 7, 1, 14, 0, tzinfo=UTC) for fy in years[:-1]},
               current_fy: max(datetime(current_fy - 1, 10, 1, 14, 0, tzinfo=UTC),
                               datetime(today.year, today.month, today.day, 14, 0, tzinfo=UTC)
                               - timedelta(days=7))}
    assessments = []
    for component in components:
        last_year = {}
        for fy in years:
            assessment = CapacityAssessment(component=component, fiscal_year=fy, created_at=started[fy])
            for position, domain in enumerate(CAPACITY_DOMAINS):
                score = (rng.randint(2, 5) if fy == years[0]
                         else min(7, max(1, last_year[domain] + rng.choice((-1, 0, 0, 1, 1, 2)))))
                last_year[domain] = score
                what = CAPACITY_NARRATIVES[domain][0 if score <= 3 else 1 if score <= 5 else 2]
                assessment.domain_scores.append(CapacityDomainScore(
                    domain=domain, position=position, score=score, evidence=CAPACITY_EVIDENCE.get(domain),
                    narrative=f"In FY{fy} {component.name} {what}."))
            if fy < current_fy:
                assessment.status = CapacityStatus.submitted
                assessment.submitted_at, assessment.submitted_by = submitted[fy], analyst
            session.add(assessment)
            assessments.append(assessment)
    session.flush()
    for a in assessments:
        scores = {f"{d.domain}: score": d.score for d in a.domain_scores}
        names = {"component": a.component.name, "fiscal_year": a.fiscal_year}
        session.add(AuditEvent(user_id=analyst.id, at=a.created_at, action="capacity.create",
                               entity_type="capacity_assessment", entity_id=a.id,
                               after={"scale_min": 1, "scale_max": 7, **scores, **names}))
        if a.status is CapacityStatus.submitted:
            session.add(AuditEvent(user_id=analyst.id, at=a.submitted_at, action="capacity.submit",
                                   entity_type="capacity_assessment", entity_id=a.id,
                                   before={"status": "draft"},
                                   after={"status": "submitted", "submitted_at": a.submitted_at.isoformat(),
                                          "total": f"{a.total:g} of 35", **names}))


def _users(session, functions):
    existing = set(session.scalars(sa.select(User.email)))
    digest = None
    for email, role, function_code, leader_email in DEMO_USERS:
        if email in existing:
            continue
        user = User(email=email, role=Role(role), name=email.split("@")[0].replace(".", " ").title())
        if digest is None:
            user.set_password(DEMO_PASSWORD)
            digest = user.password_hash
        else:  # one published password for every demo account: hashed once (hashing is slow on purpose)
            user.password_hash = digest
        if function_code:
            user.function = functions[function_code]
        if leader_email:
            user.leader = session.scalar(sa.select(Leader).where(Leader.email == leader_email))
        session.add(user)
