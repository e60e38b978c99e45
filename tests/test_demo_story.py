"""The story `scorecard demo` tells, checked against the data it leaves (scorecard/demo/): sixteen
quarters ending with the latest complete one; the A-11 v1 drivers until FY2024-Q1, then the v2
survey through the Touchpoints import; significant and non-significant changes in the latest
quarter (tested with scorecard/survey.py); every status from red to no target; last year's plans
rated by the rating official with summary levels, this year's proposed by the rules; overdue and
stale commitments; C-suite functions measured against their own targets."""
from collections import defaultdict

import pytest
import sqlalchemy as sa

from scorecard.clock import day_of
from scorecard.demo import DEMO_AGENCY_CODE, FIRST_PERIOD, TOUCHPOINTS_FORMAT, TRUST, V2_FROM
from scorecard.extensions import db
from scorecard.models import (
    Agency,
    AuditEvent,
    BatchStatus,
    Commitment,
    CommitmentStatus,
    Component,
    ElementRating,
    Function,
    ImportBatch,
    Leader,
    Metric,
    Observation,
    PerformancePlan,
    PlanElement,
    PlanRequirement,
    Program,
    Role,
    ScopeType,
    Target,
    User,
)
from scorecard.periods import Period, latest_complete_period, period_range
from scorecard.plans.services import plan_view, requirement_findings
from scorecard.scoring import AMBER, GREEN, INSUFFICIENT, NO_TARGET, RED, TargetBook, program_scores, rag_status
from scorecard.survey import MIN_N_DEFAULT, compare
from tests.conftest import DEMO_TODAY

LATEST = latest_complete_period(DEMO_TODAY)  # FY2026-Q4: the quarter in progress, FY2027-Q1, has no data yet
PRIOR = LATEST.prev()
CURRENT_FY = Period.from_date(DEMO_TODAY).fiscal_year  # FY2027: this year's plans
OPEN = (CommitmentStatus.not_started, CommitmentStatus.on_track, CommitmentStatus.at_risk, CommitmentStatus.off_track)
SIGNIFICANT_DOWN = {"Benefits Call Center", "Trusted Traveler Enrollment", "Flood Insurance Claims"}
SIGNIFICANT_UP = {"Passport Renewal Online", "Retirement Applications", "Marketplace Enrollment"}
TOO_SMALL_TO_TELL = {"Survivor Benefits", "Housing Inspections", "Export Assistance"}
# The Small Business Office is not a HISP and sets no trust target (its help desk has a program target).
NO_TRUST_TARGET = {"Business Loan Applications", "Contracting Assistance", "Entrepreneurial Training",
                   "Export Assistance", "Disaster Loans"}


# -- helpers ---------------------------------------------------------------------------------------------
def metric(code: str) -> Metric:
    return db.session.scalar(sa.select(Metric).where(Metric.code == code))


def demo_programs() -> dict[int, Program]:
    return {p.id: p for p in db.session.scalars(
        sa.select(Program).join(Component).join(Agency).where(Agency.code == DEMO_AGENCY_CODE))}


def trust_counts(period: Period) -> dict[int, list[int]]:
    """Each demo program's trust answer counts in `period`, pooled over its observations."""
    pooled: dict = defaultdict(lambda: [0] * 5)
    rows = db.session.execute(sa.select(Observation.program_id, Observation.count_1, Observation.count_2,
                                        Observation.count_3, Observation.count_4, Observation.count_5)
                              .where(Observation.metric_id == metric("trust").id, Observation.period == str(period),
                                     Observation.program_id.in_(demo_programs())))
    for program_id, *counts in rows:
        pooled[program_id] = [a + (b or 0) for a, b in zip(pooled[program_id], counts)]
    return dict(pooled)


def changes() -> dict[str, object]:
    """Program name -> survey.compare of its trust from the prior quarter to the latest."""
    names = {pid: p.name for pid, p in demo_programs().items()}
    before, after = trust_counts(PRIOR), trust_counts(LATEST)
    return {names[pid]: compare(before[pid], after[pid], min_n=MIN_N_DEFAULT) for pid in before.keys() & after.keys()}


def statuses(period: Period) -> dict[str, str]:
    """Program name -> its trust status in `period`, as the dashboards and the status rule compute it."""
    programs = demo_programs()
    trust = metric("trust")
    book = TargetBook(db.session, period.fiscal_year)
    scores = program_scores(db.session, period, [trust.id])
    return {p.name: rag_status(scores[(pid, trust.id)], book.for_program(trust.id, p), survey=True,
                               min_n=MIN_N_DEFAULT)
            for pid, p in programs.items() if (pid, trust.id) in scores}


def plans_of(fiscal_year: int) -> list[PerformancePlan]:
    return list(db.session.scalars(sa.select(PerformancePlan).join(Leader)
                                   .where(PerformancePlan.fiscal_year == fiscal_year,
                                          Leader.email.like("%@demo.cx.gov")).order_by(PerformancePlan.id)))


# -- quarters and the v2 switch ------------------------------------------------------------------------------
def test_the_quarters_run_from_fy2023_q1_to_the_latest_complete_quarter(demo):
    with demo.app_context():
        found = set(db.session.scalars(sa.select(Observation.period).distinct().join(Agency)
                                       .where(Agency.code == DEMO_AGENCY_CODE)))
    assert sorted(found) == [str(p) for p in period_range(FIRST_PERIOD, LATEST)]
    assert str(LATEST) == "FY2026-Q4" and str(Period.from_date(DEMO_TODAY)) == "FY2027-Q1" not in found


def test_before_fy2024_q2_the_seven_drivers_after_it_the_touchpoints_import(demo):
    with demo.app_context():
        drivers = {m.id: m.code for m in db.session.scalars(sa.select(Metric).where(Metric.driver.is_not(None)))}
        programs = demo_programs()
        rows = db.session.execute(sa.select(Observation.period, Observation.metric_id, Observation.program_id,
                                            Observation.import_batch_id, Observation.touchpoint)
                                  .where(Observation.program_id.in_(programs))).all()
        batches = {b.id: b for b in db.session.scalars(sa.select(ImportBatch))}
        analyst = db.session.scalar(sa.select(User.id).where(User.email == "analyst@demo.cx.gov"))
        question = {q for q, in db.session.execute(sa.select(Observation.question_text).where(
            Observation.metric_id == metric("trust").id, Observation.period >= str(V2_FROM)).distinct())}
        v2_codes = {m.code for m in db.session.scalars(sa.select(Metric).where(Metric.code.like("a11v2_%")))}
        imported_codes = {code for code, in db.session.execute(
            sa.select(Metric.code).join(Observation, Observation.metric_id == Metric.id)
            .where(Observation.import_batch_id.is_not(None), Observation.program_id.in_(programs)).distinct())}
    v1 = [r for r in rows if r.period < str(V2_FROM) and r.metric_id in drivers]
    v2 = [r for r in rows if r.period >= str(V2_FROM) and r.metric_id in drivers]
    assert {drivers[r.metric_id] for r in v1} == set(drivers.values()) and all(r.import_batch_id is None for r in v1)
    assert {drivers[r.metric_id] for r in v2} == {"trust"}  # v2 asks one trust question
    # every v2 trust score is one Touchpoints batch: one program, one quarter, chosen at upload
    assert all(r.import_batch_id is not None and r.touchpoint == "Touchpoints A-11 v2" for r in v2)
    by_batch = defaultdict(set)
    for r in rows:
        if r.import_batch_id:
            by_batch[r.import_batch_id].add((r.program_id, r.period))
    assert len(by_batch) == len(v2) and all(len(keys) == 1 for keys in by_batch.values())
    for batch_id, ((program_id, period),) in by_batch.items():
        batch = batches[batch_id]
        assert batch.format == TOUCHPOINTS_FORMAT and batch.status is BatchStatus.committed
        assert batch.user_id == analyst and batch.total_rows > 0 and batch.inserted >= 2  # trust and shares
        assert (batch.options["program"], batch.options["period"]) == (programs[program_id].code, period)
        assert batch.options["trust_scale"] == TRUST[programs[program_id].name].scale
    # both forms of the trust question, and the what-went-well / could-be-improved shares
    assert any("thumbs" in q for q in question) and any("answers from 1 to 5" in q for q in question)
    assert imported_codes == {"trust"} | v2_codes


def test_each_batch_is_dated_when_the_analyst_uploaded_it_a_few_late(demo):
    with demo.app_context():
        batches = db.session.scalars(sa.select(ImportBatch).where(ImportBatch.format == TOUCHPOINTS_FORMAT)
                                     .order_by(ImportBatch.id)).all()
        audit = {e.entity_id: e.at for e in db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "import.commit"))}
        names = {p.code: p.name for p in demo_programs().values()}
    committed = [b.committed_at for b in batches]
    assert committed == sorted(committed)  # uploaded quarter by quarter, in batch order
    assert all(audit[b.id] == b.committed_at == b.created_at for b in batches)
    days = {(names[b.options["program"]], b.options["period"]):
            (day_of(b.committed_at) - Period.parse(b.options["period"]).end).days for b in batches}
    assert all(d > 0 for d in days.values()) and max(day_of(b.committed_at) for b in batches) < DEMO_TODAY
    late = {key for key, d in days.items() if d > 30}  # A-11 results are due 30 days after the quarter
    assert len(late) == 5 and ("Eligibility Appeals", str(LATEST)) in late


def test_a_thumbs_form_counts_down_as_1_and_up_as_5_and_the_aspects_are_shares(demo):
    with demo.app_context():
        program = next(p for p in demo_programs().values() if p.name == "Benefits Call Center")
        trust = db.session.scalar(sa.select(Observation).where(
            Observation.program_id == program.id, Observation.metric_id == metric("trust").id,
            Observation.period == str(LATEST)))
        aspects = {o.metric.code: o for o in db.session.scalars(sa.select(Observation).where(
            Observation.program_id == program.id, Observation.period == str(LATEST),
            Observation.import_batch_id == trust.import_batch_id, Observation.metric_id != trust.metric_id))}
        before = db.session.scalar(sa.select(Observation.value).join(Metric).where(
            Observation.program_id == program.id, Metric.code == "a11v2_negative_efficiency",
            Observation.period == str(PRIOR)))
    assert trust.counts[1:4] == [0, 0, 0] and sum(trust.counts) == trust.n == 250
    assert len(aspects) == 14 and all(o.n == trust.n and 0 <= o.value <= 100 for o in aspects.values())
    assert aspects["a11v2_negative_efficiency"].value > before + 10  # the complaints are about the time it took


# -- what changed in the latest quarter --------------------------------------------------------------------------
def test_the_latest_quarter_has_significant_changes_up_and_down(demo):
    with demo.app_context():
        found = changes()
    down = {name for name, c in found.items() if c.significant and c.direction == "down"}
    up = {name for name, c in found.items() if c.significant and c.direction == "up"}
    assert down == SIGNIFICANT_DOWN and up == SIGNIFICANT_UP
    assert all(found[name].ci_high < 0 for name in down) and all(found[name].ci_low > 0 for name in up)


def test_the_latest_quarter_has_moves_too_small_a_sample_can_tell(demo):
    with demo.app_context():
        found = changes()
    for name in TOO_SMALL_TO_TELL:
        change = found[name]
        assert not change.significant and change.direction == "none" and abs(change.delta) >= 0.15, name
        assert change.ci_low < 0 < change.ci_high and min(change.before.n, change.after.n) < 60, name
    steady = [c for name, c in found.items() if name not in SIGNIFICANT_UP | SIGNIFICANT_DOWN]
    assert len(steady) >= 30 and not any(c.significant for c in steady)


def test_benefits_call_center_turns_red_and_the_status_mix_is_complete(demo):
    with demo.app_context():
        now, before = statuses(LATEST), statuses(PRIOR)
        counts = trust_counts(LATEST)
        names = {pid: p.name for pid, p in demo_programs().items()}
    assert (before["Benefits Call Center"], now["Benefits Call Center"]) == (GREEN, RED)
    with demo.app_context():  # who answers for it: a C-suite commitment is tied to it (there was none)
        tied = db.session.scalars(sa.select(Commitment).join(Commitment.programs).where(
            Program.name == "Benefits Call Center")).all()
        assert tied and all(c.function is not None for c in tied)
    mix = defaultdict(set)
    for name, status in now.items():
        mix[status].add(name)
    assert {RED, AMBER, GREEN, INSUFFICIENT, NO_TARGET} <= set(mix)
    assert len(mix[RED]) >= 2 and len(mix[AMBER]) >= 5 and len(mix[GREEN]) >= 5
    assert mix[INSUFFICIENT] == {"Small Community Grants", "Survivor Annuities", "Life Insurance Claims"}
    assert all(sum(counts[pid]) < 30 for pid, name in names.items() if name in mix[INSUFFICIENT])
    assert before["Life Insurance Claims"] != INSUFFICIENT  # its sample fell below 30 this quarter
    assert mix[NO_TARGET] == NO_TRUST_TARGET
    assert "Navigator Grants" in before and "Navigator Grants" not in now  # it did not report


def test_a_programs_targets_of_several_years_read_at_once_are_each_years_own(demo):
    with demo.app_context():
        program = next(p for p in demo_programs().values() if p.name == "Benefits Call Center")
        years = range(FIRST_PERIOD.fiscal_year - 1, LATEST.fiscal_year + 2)
        books = TargetBook.of_years(db.session, years, program)
        alone = {year: TargetBook(db.session, year, program) for year in years}
        trust = metric("trust").id
        found = {year: books[year].for_program(trust, program) for year in years}
        assert found == {year: alone[year].for_program(trust, program) for year in years}
        assert {year: books[year]._plain for year in years} == {year: alone[year]._plain for year in years}
    assert found[FIRST_PERIOD.fiscal_year - 1] is None and found[LATEST.fiscal_year] is not None


# -- C-suite functions --------------------------------------------------------------------------------------------
def test_csuite_functions_have_their_own_metrics_against_function_targets(demo):
    with demo.app_context():
        functions = {f.id: f.code for f in db.session.scalars(sa.select(Function))}
        rows = db.session.execute(sa.select(Observation.function_id, Observation.period, Observation.value,
                                            Observation.metric_id)
                                  .where(Observation.function_id.is_not(None), Observation.program_id.is_(None))).all()
        targets = {(t.metric_id, t.scope_id, t.fiscal_year): t for t in db.session.scalars(
            sa.select(Target).where(Target.scope_type == ScopeType.function))}
        latest = {}
        for function_id, period, value, metric_id in rows:
            assert (metric_id, function_id, Period.parse(period).fiscal_year) in targets
            if period == str(LATEST):
                latest[functions[function_id]] = targets[(metric_id, function_id, LATEST.fiscal_year)].rag(value)
    assert {functions[r.function_id] for r in rows} >= {"CFO", "CIO", "CHCO", "GC"}
    assert {r.period for r in rows} == {str(p) for p in period_range(FIRST_PERIOD, LATEST)}
    assert latest["CFO"] == "green" and latest["CHCO"] == "red" and "amber" in latest.values()


# -- plans ------------------------------------------------------------------------------------------------------
def test_last_years_plans_are_rated_by_the_rating_official_with_summary_levels(demo):
    with demo.app_context():
        plans = plans_of(CURRENT_FY - 1)
        official = db.session.scalar(sa.select(User).where(User.email == "executive@demo.cx.gov"))
        views = [plan_view(db.session, plan) for plan in plans]
        decisions = db.session.scalars(sa.select(ElementRating).join(PlanElement).join(PerformancePlan)
                                       .where(PerformancePlan.fiscal_year == CURRENT_FY - 1)).all()
        this_year = db.session.scalar(sa.select(sa.func.count()).select_from(ElementRating).join(PlanElement)
                                      .join(PerformancePlan).where(PerformancePlan.fiscal_year == CURRENT_FY))
    assert len(plans) == 60 and official.role is Role.executive
    assert all(view.all_confirmed for view in views)
    levels = {view.summary.level for view in views}
    assert None not in levels and len(levels) >= 2 and all(view.summary.score for view in views)
    assert len(decisions) == 60 * 5 and {d.decided_by_id for d in decisions} == {official.id}
    year_end = Period(CURRENT_FY - 1, 4).end
    assert all(year_end < day_of(d.at) < DEMO_TODAY for d in decisions)
    with demo.app_context():  # each made after the files it answered were imported (10 of 49 cited a later one)
        committed = dict(db.session.execute(sa.select(ImportBatch.id, ImportBatch.committed_at)).all())
    cited = [(d.at, committed[b]) for d in decisions for e in d.basis for b in e.get("import_batches", ())]
    assert cited and all(imported < at for at, imported in cited), min(at - imported for at, imported in cited)
    # a decision that differs from the proposal (or has none to answer) says why
    assert all(d.justification for d in decisions if d.confirmed_rating != d.proposed_rating)
    assert any(d.proposed_rating is not None and d.confirmed_rating != d.proposed_rating for d in decisions)
    assert sum(d.proposed_rating is not None for d in decisions) >= 60  # every Results Driven element
    assert this_year == 0


def test_the_rules_propose_this_years_ratings_and_last_years_decisions_answer_their_proposals(evaluated):
    with evaluated.app_context():
        for fiscal_year in (CURRENT_FY, CURRENT_FY - 1):
            plans = plans_of(fiscal_year)
            requirements = [r for p in plans for e in p.elements for r in e.requirements if r.is_cx]
            findings = requirement_findings(db.session, [r.id for r in requirements])
            assert len(findings) == len(requirements), fiscal_year  # a proposal for every CX requirement
            assert {f.period for f in findings.values()} == {str(min(LATEST.next(), Period(fiscal_year, 4)))}
            assert {f.rating for f in findings.values()} >= {2, 3, 4, 5}
        views = [plan_view(db.session, plan) for plan in plans_of(CURRENT_FY - 1)]
        for view in views:
            for element in view.elements:
                assert element.decision.proposed_rating == element.proposed, element.element.name


def test_component_heads_trust_requirement_links_a_trust_commitment_for_their_programs(demo):
    with demo.app_context():
        rows = db.session.scalars(sa.select(PlanRequirement).join(PlanElement).join(PerformancePlan).join(Leader)
                                  .where(PlanRequirement.commitment_id.is_not(None))).all()
        heads = set(db.session.scalars(sa.select(Leader.id).where(Leader.email.like("leader.%"))))
        linked = []
        for requirement in rows:
            leader = requirement.element.plan.leader
            commitment = requirement.commitment
            assert leader.id in heads and requirement.metric.code == "trust"
            assert "trust" in {m.code for m in commitment.metrics}
            assert leader.component_id in {p.component_id for p in commitment.programs}
            linked.append(leader.id)
    assert sorted(set(linked)) == sorted(heads) and len(linked) == 2 * len(heads)  # both years


# -- commitments ------------------------------------------------------------------------------------------------
def test_commitments_have_histories_and_some_are_overdue_and_some_stale(demo):
    with demo.app_context():
        commitments = db.session.scalars(sa.select(Commitment)).all()
        histories = {c.id: [(u.at, u.status) for u in c.updates] for c in commitments}
        open_ = [c for c in commitments if c.status in OPEN]
        overdue = [c for c in open_ if c.due_date < DEMO_TODAY]
        stale = [c for c in open_ if (DEMO_TODAY - day_of(c.last_update_at)).days >= 30]
        very_stale = [c for c in stale if (DEMO_TODAY - day_of(c.last_update_at)).days >= 60]
        statuses_seen = {c.status for c in commitments}
    assert len(commitments) == 24 and statuses_seen >= set(OPEN) | {CommitmentStatus.complete}
    for c in commitments:
        steps = histories[c.id]
        assert steps and steps[-1] == (c.last_update_at, c.status)
        assert [at for at, _ in steps] == sorted(at for at, _ in steps)
    assert len(overdue) >= 3 and len(stale) >= 3 and very_stale
    assert not set(c.id for c in overdue) & set(c.id for c in stale)  # different problems, different commitments


@pytest.mark.parametrize("fiscal_year", [CURRENT_FY - 1, CURRENT_FY])
def test_both_years_plans_measure_component_leaders_on_the_v2_survey(demo, fiscal_year):
    with demo.app_context():
        codes = {code for code, in db.session.execute(
            sa.select(Metric.code).join(PlanRequirement, PlanRequirement.metric_id == Metric.id).join(PlanElement)
            .join(PerformancePlan).where(PerformancePlan.fiscal_year == fiscal_year).distinct())}
    assert codes == {"trust", "a11v2_positive_ease", "a11v2_negative_efficiency"}


def test_every_capacity_domain_has_action_plan_commitments(demo):
    """The capacity dashboard lists each domain's action plans: the demo gives every domain some, of
    several functions (the third commitment of each function is one)."""
    from scorecard.models import CAPACITY_DOMAINS

    with demo.app_context():
        rows = db.session.execute(sa.select(Commitment.capacity_domain, Function.code).join(Function)
                                  .where(Commitment.capacity_domain.is_not(None))).all()
    by_domain = defaultdict(set)
    for domain, code in rows:
        by_domain[domain].add(code)
    assert set(by_domain) == set(CAPACITY_DOMAINS)
    assert len(rows) == 8 and all(by_domain[d] for d in CAPACITY_DOMAINS)


def test_the_capacity_dashboard_opens_on_a_submitted_year_with_its_change_and_evidence(evaluated, demo_today):
    """Two submitted years and this year's drafts: the dashboard opens on the newest submitted year,
    where every domain has its change from the year before and Measurement the rules' evidence score."""
    from dashboards.queries import capacity

    with evaluated.app_context():
        opening = capacity.opening_year(db.session)
        assert capacity.assessment_years(db.session) == [opening + 1, opening, opening - 1]
        found = capacity.capacity(db.session, demo_today, opening)
    assert found.drafting == [opening + 1] and {row.status for row in found.rows} == {"submitted"}
    cells = [cell for row in found.rows for cell in row.cells]
    assert cells and all(cell.change is not None for cell in cells), "each domain: its change from the year before"
    measurement = [cell for cell in cells if cell.domain == "Measurement"]
    assert all(cell.evidence_score is not None for cell in measurement), "the rules' evidence beside the self-score"
