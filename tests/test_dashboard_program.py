"""A program's page and the life experiences page, on a small agency built here: the measures by
quarter across A-11's method break (v1 means with their CI and target; from FY2024-Q2 v2 trust as
the share who trust, the aspects as shares), wording and import batches, channels and
touchpoints, findings, the accountability chain as each role may see it, the figures (no line
across the break), the life experiences' pooled scores, and the pages' layouts, callbacks,
downloads and hostile values."""
import base64
import csv
import io
import json
import re
from datetime import UTC, date, datetime

import plotly.graph_objects as go
import pytest
import sqlalchemy as sa

from dashboards.figures import life_experiences as life_charts
from dashboards.figures import program as charts
from dashboards.queries import common
from dashboards.queries import life_experience_rollup as rollups
from dashboards.queries import program as queries
from dashboards.queries.accountability import accountability, program_findings, quarter_evaluated, rules_published
from scorecard.a11 import ensure_standard_metrics, v2_metric_code
from scorecard.extensions import db
from scorecard.models import (
    Agency,
    BatchStatus,
    Commitment,
    CommitmentStatus,
    Component,
    ElementRating,
    Finding,
    Function,
    ImportBatch,
    Leader,
    LifeExperience,
    Observation,
    PerformancePlan,
    PlanElement,
    PlanRequirement,
    Program,
    Role,
    Rule,
    RuleStatus,
    RuleSubject,
    RuleVersion,
    ScopeType,
    Target,
    subject_key,
)
from scorecard.survey import pool, stats_from_counts
from tests.helpers import CALLBACK_URL as URL
from tests.helpers import callback_answer as answer
from tests.helpers import callback_body as body
from tests.helpers import json_objects

V1_TRUST = "This interaction increased my trust / confidence in the agency."
ODD_TRUST = "I trust the agency more than before."  # not the standard statement
THUMBS_TRUST = "Touchpoints A-11 v2 question 1, trust (thumbs up / down, counted as 5 / 1)"
FIVE_TRUST = "Touchpoints A-11 v2 question 1, trust (answers from 1 to 5)"
TODAY = date(2026, 11, 22)


def observe(session, program, code, period, *, counts=None, value=None, n=None, channel="web", touchpoint="",
            question=None, batch=None):
    metric = ensure_standard_metrics(session)[code]
    session.flush()
    counts = list(counts) if counts else [None] * 5
    if n is None and counts[0] is not None:
        n = sum(counts)
    if value is None and counts[0] is not None:
        value = stats_from_counts(counts).mean
    session.add(Observation(
        metric_id=metric.id, agency_id=program.component.agency_id, component_id=program.component_id,
        program_id=program.id, subject_key=subject_key(program_id=program.id), period=period, channel=channel,
        touchpoint=touchpoint, n=n, count_1=counts[0], count_2=counts[1], count_3=counts[2], count_4=counts[3],
        count_5=counts[4], value=value, question_text=question, import_batch_id=None if batch is None else batch.id))


def batch(session, name: str, committed: datetime) -> ImportBatch:
    found = ImportBatch(filename=name, checksum=name, status=BatchStatus.committed, committed_at=committed)
    session.add(found)
    session.flush()
    return found


def build(session) -> dict:
    """Benefits Call Center: v1 trust in FY2023-Q4 and FY2024-Q1 (the second on two channels, one
    worded off-standard), satisfaction in FY2024-Q1 and again (on 1-5) in FY2024-Q2, v2 trust on a
    thumbs form in FY2024-Q2 and FY2024-Q3, and the v2 aspects. Pension Line (another agency) shares
    its life experience and answers a 1-5 v2 form."""
    metrics = ensure_standard_metrics(session)
    a, b = Agency(code="DA", name="Department A"), Agency(code="DB", name="Department B")
    benefits = Component(agency=a, code="BA", name="Benefits", is_hisp=True)
    pensions = Component(agency=b, code="PN", name="Pensions")
    calls = Program(component=benefits, code="BA-CALL", name="Benefits Call Center")
    line = Program(component=pensions, code="PN-LINE", name="Pension Line")
    retiring = LifeExperience(name="Approaching retirement", programs=[calls, line])
    session.add_all([a, b, calls, line, retiring])
    session.flush()
    for year in (2024, 2025):
        session.add(Target(metric_id=metrics["trust"].id, scope_type=ScopeType.component, scope_id=benefits.id,
                           fiscal_year=year, target=4.0, green_at=4.0, amber_at=3.7))
        session.add(Target(metric_id=metrics[v2_metric_code("positive", "ease")].id, scope_type=ScopeType.agency,
                           scope_id=a.id, fiscal_year=year, target=30.0, green_at=30.0, amber_at=25.0))
    v2 = batch(session, "touchpoints-BA-CALL-FY2024-Q2.csv", datetime(2024, 4, 20, 12, tzinfo=UTC))
    later = batch(session, "touchpoints-BA-CALL-FY2024-Q3.csv", datetime(2024, 9, 1, tzinfo=UTC))
    observe(session, calls, "trust", "FY2023-Q4", counts=[0, 0, 20, 100, 80], question=V1_TRUST)
    observe(session, calls, "trust", "FY2024-Q1", counts=[0, 5, 15, 45, 35], question=V1_TRUST)
    observe(session, calls, "trust", "FY2024-Q1", counts=[0, 0, 5, 10, 5], channel="phone", question=ODD_TRUST)
    observe(session, calls, "satisfaction", "FY2024-Q1", counts=[0, 0, 10, 50, 40],
            question="I am satisfied with the service I received.")
    observe(session, calls, "satisfaction", "FY2024-Q2", counts=[0, 0, 10, 40, 50],
            question="I am satisfied with the service I received.")
    observe(session, calls, "trust", "FY2024-Q2", counts=[40, 0, 0, 0, 160], channel="", touchpoint="Form A",
            question=THUMBS_TRUST, batch=v2)
    observe(session, calls, "trust", "FY2024-Q3", counts=[60, 0, 0, 0, 140], channel="", touchpoint="Form A",
            question=THUMBS_TRUST, batch=later)
    observe(session, calls, v2_metric_code("positive", "ease"), "FY2024-Q2", value=35.0, n=200, channel="",
            touchpoint="Form A", question="Touchpoints A-11 v2: what went well: ease", batch=v2)
    observe(session, calls, v2_metric_code("negative", "ease"), "FY2024-Q2", value=10.0, n=200, channel="",
            touchpoint="Form A", question="Touchpoints A-11 v2: what could be improved: ease", batch=v2)
    observe(session, line, "trust", "FY2024-Q2", counts=[5, 5, 10, 40, 40], channel="", touchpoint="Form B",
            question=FIVE_TRUST)
    observe(session, line, "trust", "FY2024-Q1", counts=[0, 2, 8, 30, 20], question=V1_TRUST)
    session.commit()
    return {"calls": calls, "line": line, "benefits": benefits, "retiring": retiring, "metrics": metrics,
            "agencies": (a, b)}


@pytest.fixture
def world(app):
    with app.app_context():
        yield build(db.session)


def _version(session, subject: RuleSubject, key: str, status=RuleStatus.published) -> RuleVersion:
    version = RuleVersion(rule=Rule(key=key, title=key.replace("-", " ").capitalize(), subject_type=subject),
                          version=1, status=status, definition={})
    session.add(version)
    session.flush()
    return version


def finding(session, subject, subject_id, period, *, version=None, **what) -> Finding:
    version = version or _version(session, subject, f"rule-{subject}-{subject_id}-{period}-{len(what)}")
    found = Finding(rule_version_id=version.id, subject_type=subject, subject_id=subject_id, period=period,
                    outcome="status" if what.get("status") else "flag" if what.get("flag") else "rating",
                    explanation="test finding", fingerprint="x", facts={}, **what)
    session.add(found)
    session.commit()
    return found


# ------------------------------------------------------------------------------ measures

def test_a_share_has_a_wilson_interval():
    low, high = queries.wilson(80.0, 200)
    assert 73 < low < 80 < high < 86
    assert queries.wilson(0.0, 10)[0] == 0 and queries.wilson(100.0, 10)[1] == 100
    assert queries.wilson(50.0, 0) == (None, None)


def test_the_era_of_a_quarter():
    assert queries.era_of("FY2024-Q1") == queries.V1
    assert queries.era_of("FY24 Q2") == queries.V2 and queries.era_of("FY2027-Q1") == queries.V2


def test_v1_trust_is_the_pooled_mean_with_its_ci_target_wording_and_source(world):
    trend = queries.program_trend(db.session, world["calls"].id, min_n=30)
    assert trend.periods == ["FY2023-Q4", "FY2024-Q1", "FY2024-Q2", "FY2024-Q3"]
    [v1] = trend.of(topic="trust", era=queries.V1)
    point = v1.at("FY2024-Q1")
    expected = stats_from_counts(pool([0, 5, 15, 45, 35], [0, 0, 5, 10, 5]))
    assert point.value == pytest.approx(expected.mean) and point.n == 120
    assert (point.ci_low, point.ci_high) == pytest.approx((expected.ci_low, expected.ci_high))
    assert point.target == 4.0 and point.status == "green"
    assert point.non_standard and "(non-standard wording)" in point.question_words
    assert set(point.questions) == {V1_TRUST, ODD_TRUST}
    assert point.sources == ("no import batch (entered directly)",)
    assert not v1.at("FY2023-Q4").non_standard


def test_v2_trust_is_the_share_who_trust_judged_on_the_mean(world):
    trend = queries.program_trend(db.session, world["calls"].id, min_n=30)
    [v2] = trend.of(topic="trust", era=queries.V2)
    assert v2.spec.unit == queries.SHARE and v2.label == "Trust / confidence: share who trust"
    point = v2.at("FY2024-Q2")
    assert point.value == pytest.approx(80.0) and point.n == 200 and point.scale == queries.THUMBS
    assert point.ci_low < 80 < point.ci_high
    assert point.mean == pytest.approx(1 + 4 * 0.8) and point.mean_target == 4.0
    assert point.target == pytest.approx(75.0), "a thumbs form: the 1-5 target 4.0 is a share of 75%"
    assert point.status == "green" and not point.non_standard, "the v1 statements do not apply to the v2 question"
    assert point.sources == ("batch 1: touchpoints-BA-CALL-FY2024-Q2.csv, committed 2024-04-20",)
    assert v2.at("FY2024-Q3").value == pytest.approx(70.0) and v2.at("FY2024-Q3").status == "amber"


def test_the_quarters_sentence_gives_the_mean_a_v2_share_is_judged_on_beside_its_target(world):
    """It read "share who trust 80.0% (n = 200), target 4 on the 1-5 mean (4.20)": a share beside a
    target of 4, the mean it is judged on in brackets after it."""
    from dashboards.pages.program import summary

    info = queries.program_info(db.session, world["calls"].id)
    said = summary(info, queries.quarter_trust(db.session, world["calls"].id, "FY2024-Q2"), "FY2024-Q2")
    assert said.startswith("FY2024-Q2: share who trust 80.0% (n = 200); judged on the 1-5 mean, 4.20 against a "
                           "target of 4.00; status green."), said


def test_a_mean_just_below_its_target_is_not_written_as_the_target(world):
    """3.8966 against a target of 3.90 read "3.90 against a target of 3.90; status amber" in the quarter's
    sentence, its table and its hover (the heatmap wrote 3.897): a mean beside its target takes the places it
    needs not to read as the target."""
    import dataclasses

    from dashboards.figures import program as charts
    from dashboards.pages.program import _mean_beside_target, summary

    info = queries.program_info(db.session, world["calls"].id)
    spec, point = queries.quarter_trust(db.session, world["calls"].id, "FY2024-Q2")
    below = dataclasses.replace(point, mean=3.8966, mean_target=3.9, status="amber")
    said = summary(info, (spec, below), "FY2024-Q2")
    assert "judged on the 1-5 mean, 3.897 against a target of 3.90; status amber." in said, said
    assert _mean_beside_target(below, spec.unit) == {"target_mean": 3.9, "mean": 3.897}
    [series] = queries.program_trend(db.session, world["calls"].id, min_n=30).of(topic="trust", era=queries.V2)
    assert "mean on 1-5 3.897 against target 3.90" in charts.hover(series, below)
    assert _mean_beside_target(dataclasses.replace(below, mean=4.2049), spec.unit)["mean"] == 4.2, "else 2 places"


def test_the_v2_question_is_not_marked_non_standard_anywhere(world):
    """The API and the why-pages marked every v2 trust score "non-standard wording" (the v1 statement
    was asked of it) while the program page did not."""
    import sqlalchemy as sa

    from scorecard.models import Metric
    from scorecard.scores import program_scores_for

    trust = db.session.scalar(sa.select(Metric).where(Metric.code == "trust"))
    stored = db.session.scalars(sa.select(Observation).where(
        Observation.program_id == world["calls"].id, Observation.metric_id == trust.id)).all()
    v2 = [o for o in stored if o.period >= "FY2024-Q2"]
    assert v2 and not any(o.non_standard_wording for o in v2)
    scores = program_scores_for(db.session, trust, "FY2024-Q2")
    assert scores and not any(s.non_standard_wording for s in scores)


def test_a_quarters_trust_read_alone_is_the_trends(world):
    """The quarter's summary reads the quarter's trust rows alone: the same point as the whole trend's."""
    for program in (world["calls"], world["line"]):
        trend = queries.program_trend(db.session, program.id, min_n=30)
        for period in trend.periods:
            series = next((s for s in trend.of(topic=queries.TRUST, aspects=False) if s.at(period)), None)
            alone = queries.quarter_trust(db.session, program.id, period, min_n=30)
            assert (alone is None) == (series is None), (program.name, period)
            if series is not None:
                assert alone == (series.spec, series.at(period)), (program.name, period)
    assert queries.quarter_trust(db.session, 10**6, "FY2024-Q2") is None


def test_a_1_to_5_v2_form_shares_answers_4_and_5_and_converts_no_target(world):
    line = queries.program_trend(db.session, world["line"].id, min_n=30)
    [v2] = line.of(topic="trust", era=queries.V2)
    point = v2.at("FY2024-Q2")
    assert point.value == pytest.approx(80.0) and point.scale == queries.FIVE
    assert point.target is None and point.status == "no_target"


def test_the_aspects_are_shares_with_their_targets(world):
    trend = queries.program_trend(db.session, world["calls"].id, min_n=30)
    aspects = trend.of(aspects=True)
    assert [s.label for s in aspects] == ["Ease: went well", "Ease: could be improved"]
    went_well = aspects[0].at("FY2024-Q2")
    assert (went_well.value, went_well.n, went_well.target, went_well.status) == (35.0, 200, 30.0, "green")
    assert went_well.ci_low < 35 < went_well.ci_high
    from dashboards.figures import program as charts

    figure = charts.aspects_figure(trend, "Benefits Call Center")
    legend = [t["name"] for t in figure["data"] if t.get("showlegend", True) and t.get("legendgroup", "").startswith(
        "Target")]
    assert legend == ["Target, what went well"], "one 'Target' line sat at each line's own target unnamed"
    [line] = [t for t in figure["data"] if t.get("legendgroup") == "Target, what went well" and t["x"] != [None]]
    assert line["line"]["color"] == charts.COLOURS[charts.POSITIVE]


def test_a_programs_own_target_wins_and_another_programs_never_applies(world):
    """The page reads only the targets that can apply to its program: its own, its component's,
    its agency's; a target set for another program of the same component is not one of them."""
    calls, trust = world["calls"], world["metrics"]["trust"]
    other = Program(component=world["benefits"], code="BA-WEB", name="Benefits Website")
    db.session.add(other)
    db.session.flush()
    db.session.add(Target(metric_id=trust.id, scope_type=ScopeType.program, scope_id=other.id, fiscal_year=2024,
                          target=4.5, green_at=4.5, amber_at=4.4))
    db.session.commit()
    point = queries.program_trend(db.session, calls.id, min_n=30).of(topic="trust", era=queries.V1)[0].at("FY2024-Q1")
    assert point.target == 4.0, "the component's target, not the other program's"
    db.session.add(Target(metric_id=trust.id, scope_type=ScopeType.program, scope_id=calls.id, fiscal_year=2024,
                          target=4.2, green_at=4.2, amber_at=3.9))
    db.session.commit()
    point = queries.program_trend(db.session, calls.id, min_n=30).of(topic="trust", era=queries.V1)[0].at("FY2024-Q1")
    assert point.target == 4.2, "the program's own target wins over its component's"


def test_a_question_without_counts_is_reported_without_a_score(world):
    calls = world["calls"]
    observe(db.session, calls, "ease", "FY2024-Q1", question="It was easy to complete what I needed to do.")
    db.session.commit()
    [ease] = queries.program_trend(db.session, calls.id).of(topic="ease", aspects=False)
    point = ease.at("FY2024-Q1")
    assert point.without_counts and point.value is None and point.status == "no_data"


def test_channels_and_touchpoints_of_one_quarter(world):
    calls = world["calls"]
    q1 = queries.channel_breakdown(db.session, calls.id, "FY24 Q1")
    assert q1.period == "FY2024-Q1" and q1.era == queries.V1
    trust = [r for r in q1.rows if r.measure == "Trust / confidence"]
    assert [(r.channel, r.n, r.non_standard) for r in trust] == [("phone", 20, True), ("web", 100, False)]
    assert {(v.channel, v.respondents) for v in q1.volumes} == {("phone", 20), ("web", 100)}
    q2 = queries.channel_breakdown(db.session, calls.id, "FY2024-Q2")
    shares = {r.measure: r.value for r in q2.rows if r.touchpoint == "Form A"}
    assert shares["Trust / confidence: share who trust"] == pytest.approx(80.0)
    assert shares["Ease: went well"] == 35.0
    assert queries.channel_breakdown(db.session, calls.id, None).rows == []
    # v2 trust's table row gives the 1-5 mean its status is judged on beside the share (it read "—"), and the
    # chart and the table name a channel and touchpoint alike (one said "any channel", the other "not given")
    from dashboards.figures.program import volumes_figure
    from dashboards.pages.program import channels_table
    [row] = [r for r in channels_table(calls.id, "FY2024-Q2").rows
             if r["measure"] == "Trust / confidence: share who trust" and "Form A" in r["where"]]
    trust = next(r for r in q2.rows if r.measure == "Trust / confidence: share who trust" and r.touchpoint == "Form A")
    assert row["share"] == pytest.approx(80.0) and row["mean"] == pytest.approx(trust.mean) and 1 <= row["mean"] <= 5
    drawn = volumes_figure(q2, "Calls")["data"][0]["y"]
    assert {r["where"] for r in channels_table(calls.id, "FY2024-Q2").rows} == set(drawn)


def test_findings_of_the_quarter_link_to_their_why_pages(world):
    calls = world["calls"]
    status = finding(db.session, RuleSubject.program, calls.id, "FY2024-Q2", status="green")
    flag = finding(db.session, RuleSubject.program, calls.id, "FY2024-Q2", flag="significant_decline",
                   severity="high")
    draft = _version(db.session, RuleSubject.program, "draft-rule", status=RuleStatus.draft)
    finding(db.session, RuleSubject.program, calls.id, "FY2024-Q2", version=draft, status="red")
    finding(db.session, RuleSubject.program, calls.id, "FY2024-Q3", status="amber")
    found = program_findings(db.session, calls.id, "FY2024-Q2")
    assert [(f.id, f.word, f.href) for f in found] == [(status.id, "green", f"/findings/{status.id}"),
                                                       (flag.id, "significant decline", f"/findings/{flag.id}")]
    assert found[0].status == "green" and found[1].status is None and found[1].severity == "high"


def test_a_quarter_the_rules_did_not_evaluate_is_said_to_be_one(world):
    """A program without findings in a quarter read "The published rules concluded nothing about this
    program", also for a quarter the rules never evaluated (they judge each program as of its agency's latest), beside a
    status: it now says the quarter was not evaluated and what the status is instead."""
    from dashboards.pages.program import findings_section  # a page module: the Dash app is made by the fixture

    calls, line = world["calls"], world["line"]
    finding(db.session, RuleSubject.program, calls.id, "FY2024-Q2", status="green")
    draft = _version(db.session, RuleSubject.program, "draft-only", status=RuleStatus.draft)
    finding(db.session, RuleSubject.program, calls.id, "FY2024-Q3", version=draft, status="red")
    assert quarter_evaluated(db.session, "FY2024-Q2") and quarter_evaluated(db.session, "FY24 Q2")
    assert not quarter_evaluated(db.session, "FY2024-Q3"), "a draft's findings are no published rule's"
    assert not quarter_evaluated(db.session, "FY2023-Q1")
    evaluated = findings_section(program_findings(db.session, line.id, "FY2024-Q2"), "FY2024-Q2", evaluated=True)
    assert evaluated.children == "The published rules concluded nothing about this program for FY2024-Q2."
    skipped = findings_section([], "FY2023-Q1", evaluated=False).children
    assert skipped.startswith("The published rules have no finding of FY2023-Q1 for any program") \
        and "they judge each program as of its agency's latest quarter with results" in skipped \
        and "the trust score against its target" in skipped
    # Shown on its own latest quarter, a program the rules judge as of a later one (its agency's, in which it has
    # no results) says so: it read "status green" while the overview listed it as not reported.
    from dashboards.pages.program import judged_later
    from dashboards.queries.accountability import judged_period

    info = queries.program_info(db.session, calls.id)
    assert judged_period(db.session, calls.id) == "FY2024-Q2", "a draft's later finding is no published rule's"
    finding(db.session, RuleSubject.program, calls.id, "FY2025-Q1", status="no_data")
    judged = judged_period(db.session, calls.id)
    assert judged == "FY2025-Q1" and "FY2025-Q1" not in info.periods
    said = judged_later(info, info.periods[0], judged)
    assert said == (" The rules judge it as of FY2025-Q1, its agency's latest quarter with results, in which it has "
                    "none: choose FY2025-Q1 above to see what they found.")
    assert judged_later(info, "FY2025-Q1", judged) == "" and judged_later(info, info.periods[0], None) == ""
    # Before any rule is published (a new agency), that is what the page says, and who publishes them.
    assert rules_published(db.session)
    db.session.execute(sa.update(RuleVersion).values(status=RuleStatus.draft))
    db.session.commit()
    assert not rules_published(db.session)
    unpublished = findings_section([], "FY2023-Q1", evaluated=False, published=False).children
    assert unpublished.startswith("No rule is published yet") and "an administrator publishes the rules" in unpublished


# ------------------------------------------------------------------------------ accountability

def chain(world) -> dict:
    """Two plans read the Call Center (a CFO leader's and a CIO leader's), one does not; a CFO and a
    CIO commitment are tied to it."""
    session = db.session
    cfo, cio = Function(code="CFO", name="Chief Financial Officer"), Function(code="CIO", name="Chief Information")
    trust = world["metrics"]["trust"]
    made = {}
    for name, function, reads in (("Ada Lee", cfo, True), ("Bo Chan", cio, True), ("Cy Dee", cfo, False)):
        plan = PerformancePlan(leader=Leader(name=name, title="Director", function=function), fiscal_year=2025)
        element = PlanElement(name="Results Driven", weight=40, is_results_driven=True)
        requirement = PlanRequirement(text="Raise trust", metric=trust,
                                      programs=[world["calls"]] if reads else [world["line"]])
        element.requirements = [requirement, PlanRequirement(text="Lead people")]
        plan.elements.append(element)
        session.add(plan)
        session.flush()
        made[name] = (plan, element, requirement)
    low = finding(session, RuleSubject.requirement, made["Ada Lee"][2].id, "FY2025-Q1", rating=2)
    session.add(ElementRating(element=made["Ada Lee"][1], proposed_rating=2, confirmed_rating=3,
                              justification="Context"))
    owed = Commitment(function=cfo, title="Fund the phone system", status=CommitmentStatus.at_risk,
                      reason="Budget", due_date=date(2026, 1, 15), evidence_links=[], programs=[world["calls"]],
                      last_update_at=datetime(2026, 11, 1, 12, tzinfo=UTC))
    other = Commitment(function=cio, title="Replace the IVR", status=CommitmentStatus.on_track,
                       due_date=date(2027, 3, 1), evidence_links=[], programs=[world["calls"]])
    session.add_all([owed, other])
    session.commit()
    return {"plans": made, "low": low, "owed": owed, "other": other, "cfo": cfo, "cio": cio}


def test_the_plans_of_the_quarters_appraisal_year_come_first_the_others_folded(world):
    from dashboards.pages.program import plans_part

    made = chain(world)
    earlier = PerformancePlan(leader=made["plans"]["Ada Lee"][0].leader, fiscal_year=2024)
    element = PlanElement(name="Results Driven", weight=40, is_results_driven=True)
    element.requirements = [PlanRequirement(text="Raise trust", metric=world["metrics"]["trust"],
                                            programs=[world["calls"]])]
    earlier.elements.append(element)
    db.session.add(earlier)
    db.session.commit()
    found = accountability(db.session, world["calls"].id, common.Scope(Role.executive), TODAY)

    def order(parts) -> list[str]:
        text = json.dumps([p.to_plotly_json() for p in parts], default=lambda o: o.to_plotly_json())
        return re.findall(r"FY(\d{4}) plans", text)

    assert order(plans_part(found, 2024))[0] == "2024", "the quarter's year first"
    assert order(plans_part(found, None))[0] == "2025", "no quarter: the newest first"
    assert order(plans_part(found, 2031))[0] == "2025", "a year without plans reading it: the nearest first"
    assert plans_part(found, 2031)[0].children == ("No FY2031 plan reads this program; the nearest year's plans "
                                                   "that do are FY2025's."), "not the quarter's year's: it says so"
    assert order(plans_part(found, 2023))[0] == "2024", "FY2023-Q2 is answered for by FY2024's, not the newest"
    assert "No FY" not in json.dumps([p.to_plotly_json() for p in plans_part(found, 2024)],
                                     default=lambda o: o.to_plotly_json())
    assert type(plans_part(found, 2024)[1]).__name__ == "Details", "the other years folded"


def test_the_executive_sees_every_plan_and_commitment_with_links(world):
    links = chain(world)
    found = accountability(db.session, world["calls"].id, common.Scope(Role.executive), TODAY)
    assert [line.leader for line in found.plans] == ["Ada Lee", "Bo Chan"] and found.hidden_plans == 0
    ada = found.plans[0]
    assert ada.href == f"/plans/{links['plans']['Ada Lee'][0].id}"
    assert [(r.text, r.proposed, r.finding_id) for r in ada.requirements] == [("Raise trust", 2, links["low"].id)]
    assert ada.lowest.finding_id == links["low"].id
    assert [(e.name, e.proposed, e.decided) for e in ada.elements] == [("Results Driven", 2, 3)]
    assert found.plans[1].requirements[0].proposed is None and found.plans[1].elements[0].decided is None
    by_title = {c.title: c for c in found.commitments}
    owed = by_title["Fund the phone system"]
    assert (owed.function, owed.status, owed.due, owed.overdue, owed.href) == (
        "CFO", "at_risk", date(2026, 1, 15), True, f"/commitments/{links['owed'].id}")
    assert owed.last_update == date(2026, 11, 1)
    ivr = by_title["Replace the IVR"]
    assert not ivr.overdue and ivr.href == f"/commitments/{links['other'].id}"


def test_an_officer_sees_their_functions_plans_and_every_commitment(world):
    """Every role sees the dashboards' C-suite commitments (DESIGN §6, as the functions pages show them); a
    commitment the officer may not open leads to its function's page, not to a page that refuses them."""
    links = chain(world)
    officer = common.Scope(Role.officer, function_id=links["cfo"].id)
    found = accountability(db.session, world["calls"].id, officer, TODAY)
    assert [line.leader for line in found.plans] == ["Ada Lee"] and found.hidden_plans == 1
    from dashboards.pages.program import plans_part

    said = json.dumps([p.to_plotly_json() for p in plans_part(found)], default=lambda o: o.to_plotly_json())
    assert "1 more plan reads this program; your role does not show it." in said
    assert {c.title: c.href for c in found.commitments} == {
        "Fund the phone system": f"/commitments/{links['owed'].id}", "Replace the IVR": "/dashboards/function?code=CIO"}



def test_plans_none_of_which_the_role_sees_are_not_more_plans():
    """An officer on a program none of whose plans are their function's leaders' read "18 more plans read this
    program", under no plan at all: they are 18 plans, not more."""
    from dashboards.pages.program import plans_part
    from dashboards.queries.accountability import Accountability

    def said(found) -> str:
        return json.dumps([p.to_plotly_json() for p in plans_part(found)], default=lambda o: o.to_plotly_json())

    none_seen = Accountability(plans=[], hidden_plans=18)
    assert "18 plans read this program; your role does not show them." in said(none_seen)
    assert "1 plan reads this program; your role does not show it." in said(Accountability(plans=[], hidden_plans=1))


def test_a_viewer_sees_the_commitments_but_no_plans(world):
    chain(world)
    found = accountability(db.session, world["calls"].id, common.Scope(Role.viewer), TODAY)
    assert found.plans is None
    assert sorted(c.href for c in found.commitments) == ["/dashboards/function?code=CFO",
                                                         "/dashboards/function?code=CIO"]


# ------------------------------------------------------------------------------ the figures

def _x_periods(trace) -> set[str]:
    return {x for x in (trace.x or ()) if isinstance(x, str)}


def test_the_method_break_is_never_one_line_across(world):
    """No trace of any program figure holds both FY2024-Q1 and FY2024-Q2 (or any quarters on both
    sides of the break); the trust figure draws the eras apart with the labelled marker."""
    trend = queries.program_trend(db.session, world["calls"].id)
    figures = [go.Figure(build(trend, "Calls"))  # the JSON the page sends, read as a figure
               for build in (charts.trust_figure, charts.drivers_figure, charts.aspects_figure)]
    for figure in figures:
        for trace in figure.data:
            eras = {queries.era_of(p) for p in _x_periods(trace)}
            assert len(eras) <= 1, f"{trace.name} spans the break: {sorted(_x_periods(trace))}"
    trust = figures[0]
    assert trust.layout.xaxis.domain[1] < trust.layout.xaxis2.domain[0], "two panels with a gap"
    assert any(queries.BREAK_LABEL in (a.text or "") for a in trust.layout.annotations)
    assert [s.type for s in trust.layout.shapes] == ["line"]
    lines = [t for t in trust.data if t.mode == "lines+markers"]
    assert [sorted(_x_periods(t)) for t in lines] == [["FY2023-Q4", "FY2024-Q1"], ["FY2024-Q2", "FY2024-Q3"]]
    assert "n = 120" in lines[0].hovertext[1] and "non-standard wording" in lines[0].hovertext[1]
    assert "batch 1: touchpoints-BA-CALL-FY2024-Q2.csv" in lines[1].hovertext[0]
    # Satisfaction was asked on both sides: two traces and the marker between them.
    drivers = figures[1]
    satisfaction = [t for t in drivers.data if t.mode == "lines+markers"]
    assert [sorted(_x_periods(t)) for t in satisfaction] == [["FY2024-Q1"], ["FY2024-Q2"]]
    assert any(queries.BREAK_LABEL in (a.text or "") for a in drivers.layout.annotations)


def test_a_program_without_answers_draws_an_empty_figure(world):
    empty = queries.Trend(world["calls"].id)
    for build_figure in (charts.trust_figure, charts.drivers_figure, charts.aspects_figure):
        figure = go.Figure(build_figure(empty, "Nothing"))
        assert not figure.data and figure.layout.annotations[0].text.startswith("No ")


# ------------------------------------------------------------------------------ life experiences

def test_life_experiences_pool_their_programs_across_agencies(world):
    v1 = rollups.life_experience_rollup(db.session, "FY2024-Q1", min_n=30)
    [retiring] = v1.experiences
    assert retiring.name == "Approaching retirement" and retiring.agencies == 2
    trust = retiring.measure("trust")
    expected = stats_from_counts(pool([0, 5, 15, 45, 35], [0, 0, 5, 10, 5], [0, 2, 8, 30, 20]))
    assert trust.value == pytest.approx(expected.mean) and trust.n == expected.n and trust.programs == 2
    assert (trust.ci_low, trust.ci_high) == pytest.approx((expected.ci_low, expected.ci_high))
    assert retiring.statuses["green"] == 1 and retiring.statuses["no_target"] == 1
    calls = next(p for p in retiring.programs if p.name == "Benefits Call Center")
    assert calls.question == f"{ODD_TRUST} | {V1_TRUST} (non-standard wording)"
    assert calls.source == "no import batch (entered directly)"
    assert trust.non_standard == 1, "the Call Center asked trust off-standard on one channel"
    assert {p.name: p.href for p in retiring.programs} == {
        "Benefits Call Center": f"/dashboards/program?id={world['calls'].id}&period=FY2024-Q1",
        "Pension Line": f"/dashboards/program?id={world['line'].id}&period=FY2024-Q1"}

    v2 = rollups.life_experience_rollup(db.session, "FY2024-Q2", min_n=30)
    share = v2.experiences[0].measure("trust")
    assert v2.era == queries.V2 and share.unit == queries.SHARE
    assert share.value == pytest.approx(100 * (160 + 80) / 300) and share.n == 300
    one_agency = rollups.life_experience_rollup(db.session, "FY2024-Q2", world["agencies"][1].id)
    assert [p.name for p in one_agency.experiences[0].programs] == ["Pension Line"]
    assert next(p for p in v2.experiences[0].programs if p.name == "Benefits Call Center").source == (
        "batch 1: touchpoints-BA-CALL-FY2024-Q2.csv, committed 2024-04-20")
    figure = go.Figure(life_charts.trust_figure(v2))  # the JSON the page sends, read as a figure
    assert figure.layout.xaxis.ticksuffix == "%" and "n = 300" in figure.data[0].y[0]
    assert "2 of 2 programs reported" in figure.data[0].y[0], "the programs pooled, of those tagged"
    v1 = go.Figure(life_charts.trust_figure(rollups.life_experience_rollup(db.session, "FY2023-Q4", min_n=30)))
    assert "1 of 2 programs reported" in v1.data[0].y[0], "Pension Line did not report in FY2023-Q4"



def _same(grouped: queries.Measure, observed: queries.Measure, what) -> None:
    for name in ("value", "n", "ci_low", "ci_high", "mean"):
        got, expected = getattr(grouped, name), getattr(observed, name)
        assert (got is None) == (expected is None) and (got is None or got == pytest.approx(expected)), (what, name)
    assert (grouped.unit, grouped.scale, grouped.without_counts) == (
        observed.unit, observed.scale, observed.without_counts), what


def _pooled_both_ways(session, period: str) -> int:
    """Each program's measure of each survey metric in `period`, from the database's grouped rows
    (`grouped_measure`) against its observations pooled one by one (`pooled_measure`); the count compared."""
    metrics = common.survey_metrics(session)
    grouped, observed = {}, {}
    for row in common.pooled_rows(session, period, metrics, sourced=True, scales=True):
        grouped.setdefault((row.program_id, row.metric_id), []).append(row)
    for row in session.scalars(sa.select(Observation).where(Observation.period == period,
                                                            Observation.metric_id.in_(list(metrics)),
                                                            Observation.program_id.is_not(None))):
        observed.setdefault((row.program_id, row.metric_id), []).append(row)
    assert grouped.keys() == observed.keys()
    for key, rows in observed.items():
        metric = metrics[key[1]]
        spec = queries.spec_for(metric.code, metric.driver.value if metric.driver else None, period)
        share = spec is not None and spec.share_of_trust
        _same(queries.grouped_measure(metric.kind, grouped[key], share_of_trust=share),
              queries.pooled_measure(metric.kind, rows, share_of_trust=share), (period, key))
    return len(observed)


def test_grouped_rows_pool_to_the_numbers_of_the_observations_themselves(world):
    """A mean reported without counts beside counted answers, shares without respondents, a v2 trust
    question asked on thumbs and on 1-5 under one wording, and answers of none (n = 0): the database's
    sums give each program's measures exactly as its observations pooled one by one do."""
    calls, line = world["calls"], world["line"]
    observe(db.session, calls, "trust", "FY2024-Q1", value=4.8, n=2000, channel="mail", question=V1_TRUST)
    observe(db.session, calls, "satisfaction", "FY2024-Q1", value=3.9, n=0, channel="mail")
    observe(db.session, line, v2_metric_code("positive", "ease"), "FY2024-Q2", value=40.0, channel="kiosk")
    observe(db.session, line, v2_metric_code("positive", "ease"), "FY2024-Q2", value=20.0, n=50, channel="web")
    observe(db.session, line, "trust", "FY2024-Q2", counts=[10, 0, 0, 0, 30], channel="kiosk", question=FIVE_TRUST)
    observe(db.session, line, "trust", "FY2024-Q2", counts=[3, 0, 0, 0, 9], channel="mail")
    observe(db.session, line, "trust", "FY2024-Q2", counts=[1, 1, 1, 1, 1], channel="phone")
    db.session.commit()
    compared = sum(_pooled_both_ways(db.session, period) for period in ("FY2023-Q4", "FY2024-Q1", "FY2024-Q2",
                                                                         "FY2024-Q3"))
    assert compared == 11
    assert sum(_trend_as_observed(db.session, p.id) for p in (calls, line)) == compared
    mixed = rollups.life_experience_rollup(db.session, "FY2024-Q2").experiences[0]
    pension = next(p for p in mixed.programs if p.name == "Pension Line")
    assert pension.trust_n == 100 + 40 + 12 + 5 and pension.trust == pytest.approx(100 * (80 + 30 + 9 + 2) / 157)



def _trend_as_observed(session, program_id: int) -> int:
    """Each point of the program's trend against its quarter's observations of the measure pooled one by one
    (`pooled_measure`, `wording`); the points compared."""
    metrics = common.survey_metrics(session)
    trend = queries.program_trend.uncached(session, program_id)
    observed: dict[tuple, list] = {}
    for row in session.scalars(sa.select(Observation).where(Observation.program_id == program_id,
                                                            Observation.metric_id.in_(list(metrics)))):
        metric = metrics[row.metric_id]
        spec = queries.spec_for(metric.code, metric.driver.value if metric.driver else None, row.period)
        if spec is not None:
            observed.setdefault((spec, row.period), []).append(row)
    points = {(series.spec, point.period): point for series in trend.series for point in series.points}
    assert points.keys() == observed.keys()
    for (spec, period), point in points.items():
        rows = observed[spec, period]
        expected = queries.pooled_measure(metrics[rows[0].metric_id].kind, rows, share_of_trust=spec.share_of_trust)
        got = queries.Measure(point.value, expected.unit, point.n, point.ci_low, point.ci_high,
                              point.mean if spec.share_of_trust else expected.mean, point.scale, point.without_counts)
        _same(got, expected, (program_id, spec, period))
        assert (point.questions, point.non_standard) == queries.wording(spec, rows)
        assert len(point.sources) == len({r.import_batch_id for r in rows})
    return len(points)




def test_a_program_whose_rows_gave_nothing_is_not_counted_as_pooled(world):
    """Passport Services' trust rows without answer counts and of no respondents were counted among a life
    experience's "programs pooled" and its non-standard wording, where all the answers were another's."""
    line = world["line"]
    observe(db.session, line, "trust", "FY2023-Q4", question=ODD_TRUST)  # a question reported without counts
    observe(db.session, line, "trust", "FY2023-Q4", value=3.0, n=0, channel="mail", question=ODD_TRUST)
    observe(db.session, line, "satisfaction", "FY2023-Q4", value=3.5, n=0, channel="mail")
    db.session.commit()
    [retiring] = rollups.life_experience_rollup.uncached(db.session, "FY2023-Q4").experiences
    trust = retiring.measure("trust")
    assert (trust.programs, trust.non_standard, trust.n) == (1, 0, 200), "the Call Center's answers alone"
    assert [(m.label, m.programs, m.value) for m in retiring.measures if m.spec.topic == "satisfaction"] == [
        ("Satisfaction", 0, None)], "listed as reported, with no program's answers pooled"
    figure = go.Figure(life_charts.trust_figure(rollups.life_experience_rollup.uncached(db.session, "FY2023-Q4")))
    assert "1 of 2 programs reported" in figure.data[0].y[0]


def test_a_v2_trust_typed_without_its_answers_judges_nothing_on_any_page_or_in_the_rules(world):
    """From FY2024-Q2 trust is the share who trust, counted from the answers, and the import says a value
    typed without them "is kept but judges nothing". Beside 200 counted answers (4.2), a typed 1.0 from
    5,000 respondents made the overview, the heatmap, the life experiences page, the API's scores and the
    rules read red at 1.06 while the program page said green at 4.2; alone, a typed value was judged."""
    from scorecard.rules.context import load_context
    from scorecard.scores import program_scores_for
    from scorecard.scoring import program_scores

    calls, line, trust = world["calls"], world["line"], world["metrics"]["trust"]
    observe(db.session, calls, "trust", "FY2024-Q2", value=1.0, n=5000, channel="mail", question=THUMBS_TRUST)
    observe(db.session, line, "trust", "FY2024-Q3", value=4.9, n=300, channel="mail", question=FIVE_TRUST)
    observe(db.session, calls, "trust", "FY2024-Q1", value=4.8, n=2000, channel="mail", question=V1_TRUST)
    db.session.commit()
    v1 = stats_from_counts(pool([0, 5, 15, 45, 35], [0, 0, 5, 10, 5]))
    v1_pooled = (v1.mean * v1.n + 4.8 * 2000) / (v1.n + 2000)  # before the v2 survey a typed mean still pools

    def judged(period: str) -> dict:
        """{(where, program): (value, n)} of the trust score every reader gives."""
        found = {}
        for program_id, score in common.pooled_scores.uncached(db.session, period).get(trust.id, {}).items():
            found["dashboards", program_id] = (score.value, score.n)
        for score in program_scores_for(db.session, trust, period):
            found["scores", score.program.id] = (score.value, score.n)
        for (program_id, _), score in program_scores(db.session, period, [trust.id]).items():
            if score.value is not None or score.n is not None:
                found["program_scores", program_id] = (score.value, score.n)
        ctx = load_context(db.session, today=TODAY)
        for program in (calls, line):
            scored = ctx.pool(subject_key(program_id=program.id), trust.id, period).score(trust.kind)
            if scored.n is not None or scored.value is not None:
                found["rules", program.id] = (scored.value, scored.n)
        return found

    assert judged("FY2024-Q2") == {(where, calls.id): (pytest.approx(4.2), 200) for where in (
        "dashboards", "scores", "program_scores", "rules")} | {(where, line.id): (pytest.approx(
            stats_from_counts([5, 5, 10, 40, 40]).mean), 100) for where in (
                "dashboards", "scores", "program_scores", "rules")}
    status = common.program_statuses.uncached(db.session, "FY2024-Q2")[calls.id]
    assert (status.status, status.value, status.share) == ("green", pytest.approx(4.2), pytest.approx(80.0))
    point = queries.program_trend.uncached(db.session, calls.id).of(topic="trust", era=queries.V2)[0].at("FY2024-Q2")
    assert (point.status, point.mean, point.value) == ("green", pytest.approx(4.2), pytest.approx(80.0))
    pension = next(p for p in rollups.life_experience_rollup.uncached(db.session, "FY2024-Q2").experiences[0].programs
                   if p.program_id == calls.id)
    assert (pension.status, pension.judged) == ("green", pytest.approx(4.2))

    alone = judged("FY2024-Q3")
    assert ("dashboards", line.id) in alone and alone["dashboards", line.id] == (None, None), "reported, no score"
    assert not {key for key in alone if key[1] == line.id and key[0] != "dashboards"}, alone
    assert common.program_statuses.uncached(db.session, "FY2024-Q3")[line.id].status == "no_data"
    ctx = load_context(db.session, today=TODAY)
    assert not ctx.pool(subject_key(program_id=line.id), trust.id, "FY2024-Q3").ids, (
        "typed values alone: nothing read, so the rules say no data, not insufficient data")

    before = judged("FY2024-Q1")
    assert before["dashboards", calls.id] == before["scores", calls.id] == before["rules", calls.id] == (
        pytest.approx(v1_pooled), v1.n + 2000)


def test_the_life_experiences_pool_what_their_programs_observations_pool_and_judge_as_the_overview(evaluated):
    """The demo agency, every quarter with data, all agencies and each: an experience's measures are
    its programs' observations pooled one by one, and each program's status and trust are those the
    overview and the program page give."""
    with evaluated.app_context():
        metrics = common.survey_metrics(db.session)
        agencies = [None, *(a for a, _ in common.agencies(db.session))]
        periods = common.periods_with_data(db.session)
        compared = 0
        for period in periods:
            specs = {metric_id: queries.spec_for(metric.code, metric.driver.value if metric.driver else None, period)
                     for metric_id, metric in metrics.items()}
            for agency in agencies:
                rollup = rollups.life_experience_rollup.uncached(db.session, period, agency)
                statuses = common.program_statuses(db.session, period, common.ProgramFilter(agency, None, None))
                for experience in rollup.experiences:
                    ids = [p.program_id for p in experience.programs]
                    rows = db.session.scalars(sa.select(Observation).where(
                        Observation.period == period, Observation.program_id.in_(ids),
                        Observation.metric_id.in_(list(metrics)))).all()
                    for measure in experience.measures:
                        own = [r for r in rows if specs[r.metric_id] == measure.spec]
                        expected = queries.pooled_measure(metrics[own[0].metric_id].kind, own,
                                                          share_of_trust=measure.spec.share_of_trust)
                        assert (measure.value, measure.n, measure.ci_low, measure.ci_high) == pytest.approx(
                            (expected.value, expected.n, expected.ci_low, expected.ci_high), nan_ok=True), (
                            period, agency, experience.name, measure.label)
                        assert measure.programs == sum(1 for program_id in {r.program_id for r in own} if (
                            queries.pooled_measure(metrics[own[0].metric_id].kind,
                                                   [r for r in own if r.program_id == program_id],
                                                   share_of_trust=measure.spec.share_of_trust).value is not None))
                        compared += 1
                    for program in experience.programs:
                        status = statuses.get(program.program_id)
                        assert program.status == (status.status if status else "no_data"), (period, program.name)
                        assert program.finding_id == (status.finding_id if status else None)
        assert len(periods) >= 16 and compared > 500, "the demo's every quarter and agency compared"
        programs = db.session.scalars(sa.select(Observation.program_id).distinct()
                                      .where(Observation.program_id.is_not(None))).all()
        assert sum(_trend_as_observed(db.session, program_id) for program_id in programs) > 1000

# ------------------------------------------------------------------------------ the pages

def _ready(client):
    assert client.get("/dashboards/_dash-dependencies").status_code == 200
    return client



def routed(client, path: str, search: str = "") -> str:
    shown = answer(client, body("_pages_content.children", {"_pages_location.pathname": path,
                                                            "_pages_location.search": search},
                                "_pages_location.pathname"))
    return json.dumps(shown, ensure_ascii=False)


def dropdowns(page: str, prop: str = "value") -> dict:
    """{dropdown id: its value (or another prop)} of a page's layout (as `routed` returns it)."""
    return {node["props"]["id"]: node["props"].get(prop) for node in json_objects(json.loads(page))
            if node.get("type") == "Dropdown"}


@pytest.fixture
def pages(app, client_as):
    """The small agency with its accountability chain, and signed-in clients. No application context
    stays pushed (a request would share it, and with it the signed-in user of the request before)."""
    with app.app_context():
        world = build(db.session)
        chain(world)
        ids = {"calls": world["calls"].id}
    return {**ids, "executive": _ready(client_as("executive")), "viewer": _ready(client_as("viewer"))}


def test_the_pages_render(pages):
    executive, calls = pages["executive"], pages["calls"]
    page = routed(executive, "/dashboards/program", f"?id={calls}&period=FY2024-Q2")
    assert "Benefits Call Center" in page and "Benefits (a High-Impact Service Provider (HISP)), Department A" in page
    assert "Trust by quarter" in page and "Accountability" in page
    assert dropdowns(routed(executive, "/dashboards/program", f"?id={calls}"))["program-period"] == "FY2024-Q3", (
        "no quarter asked for: the program's latest with data")
    assert dropdowns(page)["program-period"] == "FY2024-Q2"
    assert "Choose a program" in routed(executive, "/dashboards/program")
    assert "No program has the id" not in routed(executive, "/dashboards/program"), "none asked for: no complaint"
    stale = routed(executive, "/dashboards/program", "?id=-4&period=nonsense")
    assert "Choose a program" in stale and "No program has the id '-4'" in stale
    assert "No program has the id '2147483647'" in routed(executive, "/dashboards/program", "?id=2147483647"), (
        "a stale link is said to be one")
    assert "Life experiences" in routed(executive, "/dashboards/life-experiences", "?period=FY2024-Q1")
    assert "A-11 reporting compliance" in routed(executive, "/dashboards/compliance")


def test_the_program_callbacks_draw_the_page(pages):
    executive, calls = pages["executive"], pages["calls"]
    trend = answer(executive, body("program-heading.children", {"program-id.value": str(calls)},
                                   "program-id.value"))
    assert trend["program-heading"]["children"] == "Benefits Call Center"
    figure = trend["program-trust-graph"]["figure"]
    assert any(queries.BREAK_LABEL in a.get("text", "") for a in figure["layout"]["annotations"])
    table = json.dumps(trend["program-trust-table"])
    assert "share giving a thumbs up" in table and "non-standard wording" in table
    quarter = answer(executive, body("program-summary.children", {"program-id.value": str(calls),
                                                                  "program-period.value": "FY24 Q2"},
                                     "program-period.value"))
    assert quarter["program-summary"]["children"].startswith("FY2024-Q2: share who trust 80.0% (n = 200)")
    assert "Form A" in json.dumps(quarter["program-channels-table"])
    nobody = answer(executive, body("program-heading.children", {"program-id.value": str(2**31 - 1)},
                                    "program-id.value"))
    assert nobody["program-heading"]["children"] == "Program", "an id no program has: no program, not an error"


def test_the_accountability_section_follows_the_role(pages):
    request = body("program-accountability.children", {"program-id.value": str(pages["calls"])}, "program-id.value")
    shown = json.dumps(answer(pages["executive"], request))
    assert "Ada Lee" in shown and "/plans/" in shown and "/commitments/" in shown and "/findings/" in shown
    why = re.search(r'href=\\"/findings/(\d+)\\">([^<]*)</a>', shown)
    assert why and why.group(2) == f"finding {why.group(1)}", "a why-link reads as every table's: finding N"
    hidden = json.dumps(answer(pages["viewer"], request))
    assert "Your role does not show performance plans." in hidden and "Ada Lee" not in hidden
    assert "/plans/" not in hidden and "/commitments/" not in hidden


def test_the_trust_table_downloads_exactly_what_it_shows(pages):
    executive, calls = pages["executive"], pages["calls"]
    shown = answer(executive, body("program-trust-table.children", {"program-id.value": str(calls)},
                                   "program-id.value"))
    html = json.dumps(shown["program-trust-table"])
    data = answer(executive, body("program-trust-table-download.data", {
        "program-id.value": str(calls), "program-trust-table-csv.n_clicks": 1}, "program-trust-table-csv.n_clicks"))
    sent = data["program-trust-table-download"]["data"]
    assert sent["filename"] == f"program-{calls}-trust.csv"
    rows = list(csv.reader(io.StringIO(base64.b64decode(sent["content"]).decode("utf-8-sig"))))
    assert rows[0][:6] == ["Quarter", "Survey", "Measure", "Mean (1-5)", "Share (%)", "n"]
    assert rows[0][7:9] == ["Target (1-5)", "Target (%)"], "a target is a number in its measure's unit"
    assert len(rows) - 1 == html.count("<tr>") - 1 == 4
    assert rows[3][:6] == ["FY2024-Q2", "A-11 v2", "Trust / confidence: share who trust (share giving a thumbs up)",
                           "4.2", "80.0", "200"]
    # v2 trust's status is judged on its 1-5 mean: that target is given beside the share's (which a 1-5 form
    # has none of: its share does not convert from a mean), never "—" beside a status judged on it
    assert rows[3][7:10] == ["4.0", "75.0", "green"] and rows[4][7:10] == ["4.0", "75.0", "amber"]


PROGRAM, PERIOD = "program-id.value", "program-period.value"
# name -> (the output the request asks for, the values sent, the input at fault: the 400 names it)
HOSTILE = {
    "program id a word": ("program-heading.children", {PROGRAM: "DROP TABLE"}, PROGRAM),
    "program id negative": ("program-heading.children", {PROGRAM: "-3"}, PROGRAM),
    "program id huge": ("program-heading.children", {PROGRAM: str(10**30)}, PROGRAM),
    "program id a list": ("program-accountability.children", {PROGRAM: [1]}, PROGRAM),
    "program id a fraction": ("program-summary.children", {PROGRAM: 1.5}, PROGRAM),
    "period not a quarter": ("program-summary.children", {PROGRAM: "1", PERIOD: "soon"}, PERIOD),
    "period an object": ("program-summary.children", {PERIOD: {"q": 1}}, PERIOD),
    "download clicks negative": ("program-trust-table-download.data", {"program-trust-table-csv.n_clicks": -1},
                                 "program-trust-table-csv.n_clicks"),
    "download program a word": ("program-channels-table-download.data", {
        "program-channels-table-xlsx.n_clicks": 1, PROGRAM: "x"}, PROGRAM),
    "life quarter nonsense": ("life-graph.figure", {"life-period.value": "next year"}, "life-period.value"),
    "life agency zero": ("life-graph.figure", {"life-agency.value": 0}, "life-agency.value"),
    "life download agency a word": ("life-programs-table-download.data", {
        "life-programs-table-csv.n_clicks": 1, "life-agency.value": "all of them"}, "life-agency.value"),
    "picker program a word": ("program-nav.href", {"program-open.n_clicks": 1, "program-choice.value": "1; DROP"},
                              "program-choice.value"),
    "picker clicks a word": ("program-nav.href", {"program-open.n_clicks": "1"}, "program-open.n_clicks"),
    "program query string huge": ("dashboards-program-url.search", {"dashboards-program-url.search": "?" + "a" * 9000},
                                  "dashboards-program-url.search"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_values_answer_400(pages, name):
    writes, values, named = HOSTILE[name]
    response = pages["executive"].post(URL, json=body(writes, values, next(iter(values))))
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.get_json()["detail"].startswith(f"{named}: ")


def test_the_picker_opens_the_chosen_programs_page(pages):
    request = body("program-nav.href", {"program-open.n_clicks": 1, "program-choice.value": str(pages["calls"])},
                   "program-open.n_clicks")
    assert answer(pages["executive"], request)["program-nav"]["href"] == f"/dashboards/program?id={pages['calls']}"
    nothing = answer(pages["executive"], body("program-nav.href", {"program-open.n_clicks": 1},
                                              "program-open.n_clicks"))
    assert "program-nav" not in nothing, "no program chosen: no navigation"
    assert nothing["program-choose-first"]["children"].startswith("Choose a program first"), "and it says why"
    # a program chosen then takes the message away (it stayed under the box the reader had just filled in)
    chosen = answer(pages["executive"], body("program-nav.href", {"program-open.n_clicks": 1,
                                                                   "program-choice.value": str(pages["calls"])},
                                             "program-choice.value"))
    assert chosen["program-choose-first"]["children"] is None and "program-nav" not in chosen, "not opened yet"


def test_the_program_filter_is_written_to_the_query_string(pages):
    calls = pages["calls"]
    shown = answer(pages["executive"], body("dashboards-program-url.search", {
        "dashboards-program-url.search": "", "dashboards-program-url.pathname": "/dashboards/program",
        "program-id.value": str(calls), "program-period.value": "FY2024-Q2"}, "program-period.value"))
    assert shown["dashboards-program-url"]["search"] == f"?id={calls}&period=FY2024-Q2"


def test_program_info_names_its_component_life_experiences_and_quarters(world):
    info = queries.program_info(db.session, world["calls"].id)
    assert (info.name, info.component, info.agency, info.is_hisp) == ("Benefits Call Center", "Benefits",
                                                                      "Department A", True)
    assert info.life_experiences == [(world["retiring"].id, "Approaching retirement")]
    assert info.periods == ["FY2024-Q3", "FY2024-Q2", "FY2024-Q1", "FY2023-Q4"]
    assert queries.program_info(db.session, 2**31 - 1) is None


def test_a_programs_page_without_a_quarter_opens_on_its_own_latest(pages, app):
    """Opened as /dashboards/program?id=N, a real service's page showed the agency's latest quarter, one
    the service never reported ("no trust answers in FY2026-Q4"): the address, read again when the page
    loads, set the quarter to every program's latest. It is the program's own latest with answers."""
    import sqlalchemy as sa

    from dashboards.queries import common
    from scorecard.models import Program

    with app.app_context():
        latest = common.chosen_period(db.session, None)
        earlier = [(p, info.periods[0]) for p in db.session.scalars(sa.select(Program.id).order_by(Program.id))
                   if (info := queries.program_info(db.session, p)) and info.periods and info.periods[0] != latest]
    assert earlier, "the world has a program whose answers end before the agency's"
    program_id, own = earlier[0]
    read = answer(pages["executive"], body("dashboards-program-url.search", {
        "dashboards-program-url.search": f"?id={program_id}", "dashboards-program-url.pathname": "/dashboards/program",
        "program-id.value": str(program_id), "program-period.value": latest}, "dashboards-program-url.search"))
    assert read["program-period"]["value"] == own, read
    asked = answer(pages["executive"], body("dashboards-program-url.search", {
        "dashboards-program-url.search": f"?id={program_id}&period={latest}",
        "dashboards-program-url.pathname": "/dashboards/program", "program-id.value": str(program_id),
        "program-period.value": own}, "dashboards-program-url.search"))
    assert asked["program-period"]["value"] == latest, "a quarter the address names is kept"
    refused = answer(pages["executive"], body("dashboards-program-url.search", {
        "dashboards-program-url.search": f"?id={program_id}&period=FY2099-Q1",
        "dashboards-program-url.pathname": "/dashboards/program", "program-id.value": str(program_id),
        "program-period.value": latest}, "dashboards-program-url.search"))
    assert refused["program-period"]["value"] == own, "a quarter refused: the program's own latest, as when absent"


def test_the_quarter_list_offers_the_programs_own_quarters(pages):
    """The quarter list offered every quarter any program had; a program's page lists its own, and a quarter
    chosen without its answers (a link from the agency's latest) is listed as such."""
    executive, calls = pages["executive"], pages["calls"]
    own = ["FY2024-Q3", "FY2024-Q2", "FY2024-Q1", "FY2023-Q4"]

    def offered(period):
        found = answer(executive, body("program-period.options", {"program-id.value": str(calls),
                                                                  "program-period.value": period},
                                       "program-id.value"))["program-period"]["options"]
        return [(option["value"], option["label"]) for option in found]

    assert offered("FY2024-Q2") == [(p, p) for p in own]
    elsewhere = "FY2023-Q3"  # a quarter the program has no answers in
    listed = offered(elsewhere)
    assert [value for value, _ in listed] == sorted([*own, elsewhere], reverse=True)
    assert (elsewhere, f"{elsewhere} (no answers)") in listed
    page = dropdowns(routed(executive, "/dashboards/program", f"?id={calls}"), "options")["program-period"]
    assert [option["value"] for option in page] == own, "the page opens with the program's own quarters"


def test_the_programs_other_measures_are_on_its_page_against_their_targets(demo, client_as):
    """The demo's programs report a wait time, a backlog and digital adoption every quarter, with targets; no
    dashboard showed them, so an analyst could not see what they had imported."""
    import sqlalchemy as sa

    from scorecard.models import Metric, Observation, Program

    with demo.app_context():
        program = db.session.scalar(sa.select(Program).where(Program.name == "Benefits Call Center"))
        found = queries.other_measures.uncached(db.session, program.id, min_n=30)
        codes = {m.code for m in found}
        assert {"backlog", "digital_adoption"} <= codes and not codes & set(common.survey_metrics(db.session)), codes
        backlog = next(m for m in found if m.code == "backlog")
        latest = backlog.points[0]
        expected = db.session.scalar(sa.select(sa.func.avg(Observation.value)).join(Metric).where(
            Metric.code == "backlog", Observation.program_id == program.id, Observation.period == latest.period))
        assert latest.value == pytest.approx(expected) and latest.target is not None
        assert latest.status in ("red", "amber", "green") and [p.period for p in backlog.points] == sorted(
            (p.period for p in backlog.points), reverse=True), "newest first"
        program_id = program.id
    shown = answer(client_as("executive"), body("program-measures-table.children",
                                                {"program-id.value": str(program_id)}, "program-id.value"))
    table = json.dumps(shown, ensure_ascii=False)
    assert "Other measures by quarter, Benefits Call Center" in table and latest.period in table
    assert "amber" in table or "red" in table or "green" in table


def test_the_other_measures_table_is_open_as_the_page_opens(pages):
    """The section has no chart: its table was a closed toggle, and a wait time of 24.5 minutes against 10 (red)
    sat behind it on a red program's page."""
    page = routed(pages["executive"], "/dashboards/program", f"?id={pages['calls']}")
    panels = {json.dumps(node["props"]["children"][0]): node["props"].get("open")
              for node in json_objects(json.loads(page)) if node.get("type") == "Details"}
    [measures] = [is_open for summary, is_open in panels.items() if "program-measures-table-toggle" in summary]
    assert measures is True
