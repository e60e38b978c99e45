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
from datetime import UTC, date, datetime, time

import sqlalchemy as sa

from scorecard.a11 import V2_FROM, ensure_standard_metrics
from scorecard.clock import agency_today
from scorecard.demo.csuite import add_capacity, add_commitment_histories, add_commitments
from scorecard.demo.people import add_leaders, add_plans, add_users, rate_last_year
from scorecard.demo.story import (
    COMPONENTS,
    DEMO_AGENCY_CODE,
    DEMO_PASSWORD,
    DEMO_USERS,
    FIRST_PERIOD,
    FUNCTION_METRICS,
    FUNCTIONS,
    LIFE_EXPERIENCES,
    OPERATIONAL_METRICS,
    TOUCHPOINTS_FORMAT,
    TRUST,
    demo_periods,
)
from scorecard.demo.survey import import_responses, touchpoints_responses, write_observations, write_targets
from scorecard.models import Agency, Component, Function, LifeExperience, Metric, Program, User
from scorecard.periods import Period

# What the rest of the product and the tests read of the demo (`scorecard demo`, the importers' demo hook).
__all__ = ["DEMO_AGENCY_CODE", "DEMO_PASSWORD", "DEMO_USERS", "FIRST_PERIOD", "TOUCHPOINTS_FORMAT", "TRUST", "V2_FROM",
           "programs_by_code", "seed_demo", "touchpoints_responses"]


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
    today = today or agency_today()
    moment = datetime.combine(today, time(15, 0), tzinfo=UTC)  # "now" for the demo's dates, so they follow `today`
    periods = demo_periods(today)
    current_fy = Period.from_date(today).fiscal_year

    agency = Agency(code=DEMO_AGENCY_CODE, name="Department of Public Services (demo)")
    session.add(agency)
    functions = _functions(session)
    metrics = _metrics(session)
    components, programs = _org(session, agency)
    session.flush()
    write_observations(session, agency, programs, functions, metrics, periods)
    write_targets(session, agency, components, programs, metrics, functions,
             {p.fiscal_year for p in periods} | {current_fy})
    leaders = add_leaders(session, components, functions)
    session.flush()
    commitments = add_commitments(session, functions, components, programs, metrics, leaders, today, moment)
    session.flush()
    for fiscal_year in (current_fy, current_fy - 1):  # this year's plans first: the ones people work on
        add_plans(session, leaders, programs, metrics, commitments, fiscal_year)
    add_users(session, functions)
    session.flush()
    add_commitment_histories(session, commitments, current_fy)
    add_capacity(session, components, current_fy, today)
    analyst_id = session.scalar(sa.select(User.id).where(User.email == "analyst@demo.cx.gov"))
    session.commit()

    lines = import_responses(session, programs_by_code(session), periods, analyst_id, moment)
    rate_last_year(session, current_fy - 1, today, moment)
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
