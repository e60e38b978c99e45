"""The demo agency: realistic sizes, deterministic, idempotent (its story: tests/test_demo_story.py)."""
import pytest
import sqlalchemy as sa

from scorecard.demo import DEMO_AGENCY_CODE, DEMO_PASSWORD, DEMO_USERS, V2_FROM, seed_demo
from scorecard.extensions import db
from scorecard.models import (
    Agency,
    CapacityAssessment,
    Commitment,
    Component,
    Function,
    Leader,
    Observation,
    PerformancePlan,
    Program,
    Role,
    Target,
    User,
)
from scorecard.periods import Period
from tests.conftest import DEMO_TODAY
from tests.helpers import empty_tables

TODAY = DEMO_TODAY  # the day the `demo` fixture's template was seeded on


def _counts():
    return {m.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (
        Component, Program, Function, Leader, Observation, PerformancePlan, Commitment, CapacityAssessment,
        Target, User)}


def test_demo_builds_the_agency_once(demo):
    """The `demo` fixture's template is `seed_demo` on an empty database; seeding it again changes nothing."""
    with demo.app_context():
        first = _counts()
        checksum = db.session.scalar(sa.select(sa.func.sum(Observation.value)))
        assert first["Component"] == 6 and first["Program"] == 40 and first["Function"] == 8
        assert first["Leader"] == 60 and first["PerformancePlan"] == 120  # last fiscal year's and this one's
        assert first["User"] == len(Role) == len(DEMO_USERS)
        assert seed_demo(db.session, TODAY) is False
        assert _counts() == first
        assert db.session.scalar(sa.select(sa.func.sum(Observation.value))) == checksum


def test_demo_has_sixteen_quarters_v1_drivers_with_counts_then_the_v2_survey(demo):
    with demo.app_context():
        periods = list(db.session.scalars(
            sa.select(Observation.period).distinct().join(Agency).where(Agency.code == DEMO_AGENCY_CODE)
            .order_by(Observation.period)))
        assert len(periods) == 16
        assert periods[-1] == "FY2026-Q4" and periods[0] == str(Period(2023, 1))
        survey = db.session.scalars(sa.select(Observation).where(Observation.count_1.is_not(None))).all()
        v1 = [o for o in survey if o.period < str(V2_FROM)]
        assert len(v1) == 40 * 5 * 7  # FY2023-Q1 .. FY2024-Q1: every program, the seven drivers
        v2 = [o for o in survey if o.period >= str(V2_FROM)]
        assert {o.metric.code for o in v2} == {"trust"} and len(v2) == 40 * 11 - 1  # one program missed a quarter
        for obs in v1[:200] + v2[:200]:
            assert sum(obs.counts) == obs.n
            assert abs(obs.value - sum((k + 1) * c for k, c in enumerate(obs.counts)) / obs.n) < 1e-9


@pytest.mark.engine_independent
def test_demo_is_deterministic(demo):
    """Seeded again, the demo agency is the one the `demo` fixture's template holds. (Its values come from
    seeded random generators in Python: the SQLite pass checks it; the PostgreSQL pass seeds the demo too.)"""
    with demo.app_context():
        values = list(db.session.scalars(sa.select(Observation.value).order_by(Observation.id).limit(500)))
    with demo.app_context():  # a new session: PostgreSQL's TRUNCATE waits for every open transaction
        with db.engine.begin() as connection:
            empty_tables(connection)
        assert seed_demo(db.session, TODAY) is True
        again = list(db.session.scalars(sa.select(Observation.value).order_by(Observation.id).limit(500)))
    assert values == again


def test_demo_users_sign_in_with_the_documented_password(demo):
    with demo.app_context():
        for email, role, *_ in DEMO_USERS:
            user = db.session.scalar(sa.select(User).where(User.email == email))
            assert user.role.value == role and user.check_password(DEMO_PASSWORD)


def test_demo_names_and_descriptions_keep_their_capitals(demo):
    """The history said "Cfo Officer" and a CFO commitment's description "align cx budget requests with hisp
    action plans": the demo wrote the function's code and the title's acronyms in small letters."""
    with demo.app_context():
        officer = db.session.scalar(sa.select(User).where(User.email == "cfo.officer@demo.cx.gov"))
        assert officer.name == "CFO Officer"
        assert db.session.scalar(sa.select(User.name).where(User.email == "executive@demo.cx.gov")) == "Executive"
        aligned = db.session.scalar(sa.select(Commitment).where(
            Commitment.title == "Align CX budget requests with HISP action plans"))
        assert aligned.description == ("Chief Financial Officer commitment: align CX budget requests with HISP "
                                       "action plans.")


def test_every_function_has_commitments_and_every_plan_obeys_opm_weights(demo):
    with demo.app_context():
        for function in db.session.scalars(sa.select(Function)):
            assert db.session.scalar(sa.select(sa.func.count()).where(Commitment.function_id == function.id)) >= 1
        for plan in db.session.scalars(sa.select(PerformancePlan)):
            weights = {e.name: e.weight for e in plan.elements}
            assert sum(weights.values()) == 100
            assert weights["Results Driven"] >= 20 and max(weights.values()) == weights["Results Driven"]
            assert all(w >= 5 for w in weights.values())


def test_the_home_page_counts_are_written_with_thousands_separators(demo, client_as):
    from scorecard.models import Observation

    with demo.app_context():
        observations = db.session.scalar(sa.select(sa.func.count()).select_from(Observation))
    assert observations >= 1000
    page = client_as("viewer").get("/").get_data(as_text=True)
    assert f'<th scope="row">Observations</th><td>{observations:,}</td>' in page


@pytest.mark.parametrize("email, row", [("cfo.officer@demo.cx.gov", "Of them, your function's"),
                                        ("leader@demo.cx.gov", "Of them, naming you")])
def test_an_officers_and_a_leaders_home_gives_their_own_commitments_beside_the_agencys(demo, client_as, email, row):
    """The home page said "Commitments 24" to the CFO officer, whose list holds 3."""
    from markupsafe import escape

    from scorecard.commitments.services import visible_commitments
    from scorecard.models import Commitment, User

    with demo.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        client = demo.test_client(user=user)
        own = db.session.scalar(sa.select(sa.func.count()).select_from(visible_commitments(user).subquery()))
        every = db.session.scalar(sa.select(sa.func.count()).select_from(Commitment))
    assert 0 < own < every
    page = client.get("/").get_data(as_text=True)
    assert f'<th scope="row">Commitments across the agency</th><td>{every:,}</td>' in page
    assert f'<th scope="row">{escape(row)}</th><td>{own:,}</td>' in page
    executive = client_as("executive").get("/").get_data(as_text=True)
    assert f'<th scope="row">Commitments</th><td>{every:,}</td>' in executive and "Of them" not in executive


def test_the_home_page_counts_rules_and_findings_in_words_not_with_parentheses(evaluated, client_as):
    """It said "8 published rule(s) turn the data into 385 finding(s)"."""
    from scorecard.models import Finding, RuleStatus, RuleVersion

    with evaluated.app_context():
        published = list(db.session.scalars(sa.select(RuleVersion).where(RuleVersion.status == RuleStatus.published)))
        findings = db.session.scalar(sa.select(sa.func.count()).select_from(Finding))
    assert len(published) > 1 and findings > 1
    analyst = client_as("analyst")
    page = analyst.get("/").get_data(as_text=True)
    assert f"{len(published)} published rules turn the data into {findings:,} findings, each" in page
    assert "(s)" not in page
    with evaluated.app_context():
        for rule in published[1:]:
            db.session.get(RuleVersion, rule.id).status = RuleStatus.retired
        db.session.commit()
    assert "1 published rule turns the data into" in analyst.get("/").get_data(as_text=True)


def test_the_home_page_names_the_quarter_the_dashboards_open_on_not_one_under_way(demo, client_as):
    from scorecard.a11 import ensure_standard_metrics
    from scorecard.clock import agency_today
    from scorecard.models import Observation, Program, subject_key

    with demo.app_context():
        ended = db.session.scalar(sa.select(sa.func.max(Observation.period)).where(Observation.program_id.is_not(None)))
        under_way = str(Period.from_date(agency_today()))
        program = db.session.scalars(sa.select(Program).order_by(Program.id)).first()
        trust = ensure_standard_metrics(db.session)["trust"]
        db.session.add(Observation(metric_id=trust.id, agency_id=program.component.agency_id,
                                   component_id=program.component_id, program_id=program.id,
                                   subject_key=subject_key(program_id=program.id), period=under_way, channel="web",
                                   touchpoint="", n=40, count_1=0, count_2=0, count_3=10, count_4=20, count_5=10))
        db.session.commit()
    page = client_as("viewer").get("/").get_data(as_text=True)
    assert under_way != ended and f"Latest quarter ({ended})" in page and under_way not in page
