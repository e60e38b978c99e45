"""The C-suite functions dashboards: the queries on a small agency built here (commitments by
status, overdue and quiet ones, the function's own metrics pooled against their targets, the
head's proposed rating, the links each role may follow), the functions page and a function's page
as each role sees them, their downloads, and hostile values posted to their callbacks.

The agency built here (`build`) serves the leaders' and capacity dashboards' tests too, with the
helpers that read what Dash's callback endpoint answers (the request bodies are built by
tests/test_dashboard_pages.py's `body`, from the callbacks as the server declares them)."""
import base64
import csv
import io
import json
import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from dashboards.queries import common
from dashboards.queries import functions as queries
from scorecard.a11 import ensure_standard_metrics
from scorecard.extensions import db
from scorecard.models import (
    Agency,
    CapacityAssessment,
    CapacityDomainScore,
    Commitment,
    CommitmentStatus,
    Component,
    Direction,
    Finding,
    Function,
    Leader,
    Metric,
    MetricKind,
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
    User,
    subject_key,
)
from scorecard.models.capacity import CapacityStatus
from tests.test_dashboard_pages import URL, answer, body

TODAY = date(2026, 11, 22)
S = CommitmentStatus
ELEMENTS = [("Leading Change", 15), ("Leading People", 15), ("Business Acumen", 15), ("Building Coalitions", 15),
            ("Results Driven", 40)]


# ------------------------------------------------------------------------------ the agency

def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def rating_finding(session, requirement_id: int, rating: int, period="FY2027-Q1") -> Finding:
    """A published rule's proposed rating for a requirement."""
    version = session.scalar(sa.select(RuleVersion).join(Rule).where(Rule.key == "requirement-rating"))
    if version is None:
        version = RuleVersion(rule=Rule(key="requirement-rating", title="rating", subject_type=RuleSubject.requirement),
                              version=1, status=RuleStatus.published, definition={})
        session.add(version)
        session.flush()
    found = Finding(rule_version_id=version.id, subject_type=RuleSubject.requirement, subject_id=requirement_id,
                    period=period, outcome="rating", rating=rating, explanation="test proposal", fingerprint="x",
                    facts={})
    session.add(found)
    session.flush()
    return found


def make_plan(session, leader: Leader, year: int, **cx) -> PerformancePlan:
    """The five SES elements; Results Driven holds one CX requirement (`cx`: function=, metric=...)."""
    plan = PerformancePlan(leader=leader, fiscal_year=year)
    for position, (name, weight) in enumerate(ELEMENTS):
        element = PlanElement(name=name, weight=weight, position=position, is_results_driven=name == "Results Driven")
        element.requirements.append(PlanRequirement(text=f"Demonstrates {name.lower()}.", position=0))
        if name == "Results Driven":
            element.requirements.append(PlanRequirement(text="Deliver the CX commitments.", position=1, **cx))
        plan.elements.append(element)
    session.add(plan)
    session.flush()
    return plan


def cx_requirement(plan: PerformancePlan) -> PlanRequirement:
    return next(r for e in plan.elements for r in e.requirements if r.is_cx)


def build(session) -> dict:
    """One agency, two components, three functions. The CFO has six commitments (one each status;
    one overdue, one quiet for 40 days), a head and a deputy whose FY2027 plans name the CFO, and a
    metric of its own in two quarters; a program director of Bureau One has a trust requirement
    and a CIO commitment naming them. Bureau One has FY2026 and FY2027 capacity assessments,
    Bureau Two FY2027 only; Bureau One's Measurement has an evidence finding and a CFO action item."""
    metrics = ensure_standard_metrics(session)
    agency = Agency(code="TA", name="Test Agency")
    one, two = Component(agency=agency, code="B1", name="Bureau One"), Component(agency=agency, code="B2",
                                                                                  name="Bureau Two")
    program = Program(component=one, code="P1", name="Pensions")
    cfo = Function(code="CFO", name="Chief Financial Officer")
    cio = Function(code="CIO", name="Chief Information Officer")
    gc = Function(code="GC", name="General Counsel")
    budget = Metric(code="cfo_budget", name="CX budget aligned", kind=MetricKind.percent, unit="%",
                    direction=Direction.higher)
    head = Leader(name="Zoe Head", title="Chief Financial Officer", function=cfo, email="head@test.gov")
    deputy = Leader(name="Amy Deputy", title="Deputy CFO", function=cfo, email="deputy@test.gov")
    director = Leader(name="Dan Director", title="Program Director", component=one, email="director@test.gov")
    session.add_all([agency, one, two, program, cfo, cio, gc, budget, head, deputy, director])
    session.flush()

    made = {}

    def commit(title, function, status, *, due=None, updated=3, leader=None, **extra):
        c = Commitment(function=function, title=title, status=status, due_date=due, leader=leader,
                       reason="Late supplier." if status.needs_reason else None,
                       evidence_links=extra.pop("evidence", []), last_update_at=_at(TODAY - timedelta(days=updated)),
                       **extra)
        c.created_at = _at(date(2026, 1, 5))
        session.add(c)
        made[title] = c
    commit("Fund intake", cfo, S.on_track, due=TODAY + timedelta(days=60), leader=head,
           evidence=["https://example.gov/budget", "memo on file"])
    commit("Align budgets", cfo, S.at_risk, due=TODAY + timedelta(days=10))
    commit("Publish spending", cfo, S.off_track, due=TODAY - timedelta(days=12))
    commit("Quiet one", cfo, S.not_started, updated=40)
    commit("Done one", cfo, S.complete, due=TODAY - timedelta(days=50), updated=60)
    commit("Dropped one", cfo, S.dropped, updated=90)
    commit("Measure every quarter", cfo, S.on_track, component=one, capacity_domain="Measurement")
    commit("Portal speed", cio, S.on_track, leader=director)
    commit("Digital intake", cio, S.at_risk, programs=[program], capacity_domain="Measurement")

    for period, component, value in (("FY2026-Q3", None, 70.0), ("FY2026-Q4", one, 90.0), ("FY2026-Q4", two, 80.0)):
        session.add(Observation(metric=budget, agency_id=agency.id, component_id=None if component is None else
                                component.id, function_id=cfo.id, period=period, value=value,
                                subject_key=subject_key(None, cfo.id, None if component is None else component.id,
                                                        agency.id)))
    session.add(Target(metric=budget, scope_type=ScopeType.function, scope_id=cfo.id, fiscal_year=2026, target=80,
                       green_at=80, amber_at=60))

    plans = {"head": make_plan(session, head, 2027, function=cfo),
             "deputy": make_plan(session, deputy, 2027, function=cfo),
             "director": make_plan(session, director, 2027, metric=metrics["trust"]),
             "director-2026": make_plan(session, director, 2026, metric=metrics["trust"])}
    findings = {"head": rating_finding(session, cx_requirement(plans["head"]).id, 4),
                "deputy": rating_finding(session, cx_requirement(plans["deputy"]).id, 2),
                "director": rating_finding(session, cx_requirement(plans["director"]).id, 3)}

    assessments = {}
    for component, year, scores, status in ((one, 2026, [3, 4, 2, 5, 4], CapacityStatus.submitted),
                                            (one, 2027, [5, 4, 3, 5, None], CapacityStatus.draft),
                                            (two, 2027, [2, 2, 2, 2, 2], CapacityStatus.draft)):
        a = CapacityAssessment(component=component, fiscal_year=year, status=status)
        for position, (domain, score) in enumerate(zip(
                ["Measurement", "Governance & Strategy", "Culture & Organization", "Customer Understanding",
                 "Service Design & Improvement"], scores)):
            a.domain_scores.append(CapacityDomainScore(domain=domain, position=position, score=score))
        session.add(a)
        assessments[(component.code, year)] = a
    session.flush()
    rule = Rule(key="evidence", title="Measurement evidence", subject_type=RuleSubject.capacity_domain)
    version = RuleVersion(rule=rule, version=1, status=RuleStatus.published,  # a share, as the default pack's
                          definition={"then": {"score": {"by": "reporting_share", "metric": "trust"}}})
    session.add(version)
    session.flush()
    measurement = assessments[("B1", 2027)].domain_scores[0]
    evidence = Finding(rule_version_id=version.id, subject_type=RuleSubject.capacity_domain, subject_id=measurement.id,
                       period="FY2027-Q1", outcome="score", score=0.5, fingerprint="x", facts={},
                       explanation="1 of 2 Bureau One programs reported.")
    session.add(evidence)
    session.commit()
    return {"functions": {"CFO": cfo, "CIO": cio, "GC": gc}, "leaders": {"head": head, "deputy": deputy,
            "director": director}, "components": (one, two), "commitments": made, "plans": plans,
            "findings": findings, "evidence": evidence, "metric": budget}


def ids(world: dict) -> dict:
    """The world's ids, read while the session still holds its objects."""
    return {
        "functions": {k: f.id for k, f in world["functions"].items()},
        "leaders": {k: x.id for k, x in world["leaders"].items()},
        "components": [c.id for c in world["components"]],
        "commitments": {k: c.id for k, c in world["commitments"].items()},
        "plans": {k: p.id for k, p in world["plans"].items()},
        "findings": {k: f.id for k, f in world["findings"].items()},
        "evidence": world["evidence"].id,
    }


@pytest.fixture
def world(app):
    with app.app_context():
        yield build(db.session)


@pytest.fixture
def known(app):
    """The world's ids (outside any session), for the page tests."""
    with app.app_context():
        return ids(build(db.session))


# ------------------------------------------------------------------------------ users and requests

def user(app, role: str, *, function: str | None = None, leader: str | None = None):
    """A test client signed in with `role` (an officer of `function`, a leader as the world's `leader`)."""
    with app.app_context():
        found = User(email=f"{role}.{function or leader or 'x'}@test.gov", role=Role(role))
        found.set_password("correct horse battery")
        if function:
            found.function = db.session.scalar(sa.select(Function).where(Function.code == function))
        if leader:
            found.leader = db.session.scalar(sa.select(Leader).where(Leader.email == f"{leader}@test.gov"))
        db.session.add(found)
        db.session.commit()
        client = app.test_client(user=found)
    assert client.get("/dashboards/_dash-dependencies").status_code == 200
    return client


def page(client, path: str, search: str = "") -> dict:
    """The page's layout as Dash Pages answers a navigation to it."""
    return answer(client, body("_pages_content.children", {"_pages_location.pathname": path,
                                                            "_pages_location.search": search},
                               "_pages_location.pathname"))


def hrefs(found) -> set[str]:
    """Every link in a Dash answer: components' href props and links in the tables' HTML."""
    words = json.dumps(found)
    return set(re.findall(r'"href": "([^"]+)"', words)) | set(re.findall(r'href=\\"([^"\\]+)\\"', words))


def of(kind: str, links: set[str]) -> set[str]:
    """The links to one kind of page ("plans", "commitments", "findings", "capacity")."""
    return {link for link in links if re.fullmatch(rf"/{kind}/\d+(/\d+)?", link)}


def downloaded(client, table_id: str, kind: str, values: dict) -> list[list]:
    """The rows (header first) the table's CSV or XLSX download sends."""
    button = f"{table_id}-{kind}"
    sent = answer(client, body(f"{table_id}-download.data", {**values, f"{button}.n_clicks": 1},
                               f"{button}.n_clicks"))[f"{table_id}-download"]["data"]
    content = base64.b64decode(sent["content"])
    if kind == "csv":
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    import openpyxl
    return [["" if v is None else str(v) for v in row]
            for row in openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)]


def shown_rows(html: str) -> int:
    return html.count("<tr>") - 1


# ------------------------------------------------------------------------------ the queries

def test_each_function_counts_its_commitments_by_status_overdue_and_quiet(world):
    found = queries.functions(db.session, TODAY, stale_days=30)
    assert [row.code for row in found.rows] == ["CFO", "CIO", "GC"]
    cfo = found.get("CFO")
    assert cfo.counts == {"off_track": 1, "at_risk": 1, "not_started": 1, "on_track": 2, "complete": 1, "dropped": 1}
    assert list(cfo.counts) == queries.STATUSES and queries.STATUSES[0] == "off_track", "worst first"
    assert (cfo.total, cfo.open, cfo.overdue, cfo.stale) == (7, 5, 1, 1)
    late = next(c for c in cfo.commitments if c.title == "Publish spending")
    assert late.overdue_days == 12 and late.status_word == "Off track" and late.reason == "Late supplier."
    done = next(c for c in cfo.commitments if c.title == "Done one")
    assert done.overdue_days is None, "a complete commitment is never overdue"
    fund = next(c for c in cfo.commitments if c.title == "Fund intake")
    assert fund.evidence_links == ["https://example.gov/budget", "memo on file"] and fund.leader == "Zoe Head"
    assert fund.last_update == TODAY - timedelta(days=3) and fund.days_since_update == 3
    gc = found.get("GC")
    assert (gc.total, gc.metrics, gc.leaders, gc.head) == (0, [], [], None)


def test_a_functions_own_metric_is_a_series_per_scope_it_was_reported_in_against_its_target(world):
    """The agency's figure and each component's are series of their own, each named by its scope: averaged (the
    two bureaus' 90 and 80 read 85, and an agency's 46 with a bureau's 55 read 50.5, green for amber) they made a
    number nobody reported."""
    cfo = queries.functions(db.session, TODAY).get("CFO")
    assert [(m.name, m.unit, m.lower_is_better) for m in cfo.metrics] == [
        ("CX budget aligned (Bureau One)", "%", False), ("CX budget aligned (Bureau Two)", "%", False),
        ("CX budget aligned (Test Agency, agency-wide)", "%", False)]
    one, two, agency = cfo.metrics
    assert [(p.period, p.value, p.n, p.target, p.status) for p in one.points] == [
        ("FY2026-Q4", 90.0, None, 80, "green")]
    assert [(p.period, p.value, p.status) for p in two.points] == [("FY2026-Q4", 80.0, "green")]
    assert [(p.period, p.value, p.target, p.status) for p in agency.points] == [("FY2026-Q3", 70.0, 80, "amber")]
    assert (cfo.metric_statuses, cfo.metrics_reported) == ({"green": 2, "amber": 1}, 3)
    assert queries.functions(db.session, TODAY).get("CIO").metrics == []


def test_another_agencys_figure_for_a_function_is_its_own_series(world):
    """Another department's CFO figure of 20 turned this one's 84% green into 52% red."""
    from scorecard.models import Function, Metric

    cfo = db.session.scalar(sa.select(Function).where(Function.code == "CFO"))
    budget = db.session.scalar(sa.select(Metric).where(Metric.code == "cfo_budget"))
    other = Agency(code="OA", name="Other Agency")
    db.session.add(other)
    db.session.flush()
    db.session.add(Observation(metric=budget, agency_id=other.id, function_id=cfo.id, period="FY2026-Q4", value=20.0,
                               subject_key=subject_key(None, cfo.id, None, other.id)))
    db.session.commit()
    metrics = {m.name: m for m in queries.functions(db.session, TODAY).get("CFO").metrics}
    assert [(p.value, p.status) for p in metrics["CX budget aligned (Other Agency, agency-wide)"].points] == [
        (20.0, "red")]
    assert [(p.value, p.status) for p in metrics["CX budget aligned (Bureau One)"].points] == [(90.0, "green")]


def test_two_agencies_components_of_one_name_are_series_told_apart(world):
    """Two agencies' "Bureau One" reported the CFO's figure, 90 green and 55 red: two series, tiles and table rows
    read "CX budget aligned (Bureau One)" alike, and nobody could tell which agency was off target. A component
    whose name another shares is named with its agency; the others as before."""
    from scorecard.models import Function, Metric

    cfo = db.session.scalar(sa.select(Function).where(Function.code == "CFO"))
    budget = db.session.scalar(sa.select(Metric).where(Metric.code == "cfo_budget"))
    other = Agency(code="OA", name="Other Agency")
    namesake = Component(agency=other, code="OA-B1", name="Bureau One")
    db.session.add_all([other, namesake])
    db.session.flush()
    db.session.add(Observation(metric=budget, agency_id=other.id, component_id=namesake.id, function_id=cfo.id,
                               period="FY2026-Q4", value=55.0,
                               subject_key=subject_key(None, cfo.id, namesake.id, other.id)))
    db.session.commit()
    metrics = {m.name: m for m in queries.functions(db.session, TODAY).get("CFO").metrics}
    assert [(p.value, p.status) for p in metrics["CX budget aligned (Bureau One, Test Agency)"].points] == [
        (90.0, "green")]
    assert [(p.value, p.status) for p in metrics["CX budget aligned (Bureau One, Other Agency)"].points] == [
        (55.0, "red")]
    assert "CX budget aligned (Bureau Two)" in metrics, "a name no other component has is kept as it was"


def test_the_summary_names_the_functions_whose_own_latest_metric_is_red(world):
    from dataclasses import replace

    from dashboards.pages.functions import summary

    found = queries.functions(db.session, TODAY)
    assert "No function's own latest metric is red." in summary(found)
    cfo = found.get("CFO")
    cfo.metrics[0].points[-1] = replace(cfo.metrics[0].points[-1], status="red")
    assert "Functions whose own latest metric is red: CFO." in summary(found)


def test_the_functions_table_says_how_many_own_metrics_stand_at_each_status(world):
    """The table's "Own metrics" read "0 of 1 green" for a function whose one metric was red (the CHCO's time
    to hire, 112 days against 80): only the sentence above the table said red."""
    from dataclasses import replace

    from dashboards.pages.functions import functions_table

    found = queries.functions(db.session, TODAY)
    cells = lambda: {row["function"]: row["metrics"] for row in functions_table(found).rows}  # noqa: E731
    assert cells()["CFO"] == "3 reported: 1 amber, 2 green" and cells()["CIO"] == "none reported"
    cfo = found.get("CFO")
    cfo.metrics[:] = cfo.metrics[:1]  # Bureau One's, green
    assert cells()["CFO"] == "1 reported: 1 green"
    cfo.metrics[0].points[-1] = replace(cfo.metrics[0].points[-1], status="red")
    cfo.metrics.append(replace(cfo.metrics[0], points=[replace(cfo.metrics[0].points[-1], status="insufficient_data")]))
    cfo.metrics.append(replace(cfo.metrics[0], points=[replace(cfo.metrics[0].points[-1], status="green")]))
    assert cells()["CFO"] == "3 reported: 1 red, 1 green, 1 insufficient data", "worst first, each status a word"


def test_the_head_is_the_leader_of_the_function_who_is_not_a_deputy(world):
    found = queries.functions(db.session, TODAY)
    cfo = found.get("CFO")
    assert found.fiscal_year == 2027
    assert [(r.leader, r.is_head, r.proposed) for r in cfo.leaders] == [("Zoe Head", True, 4), ("Amy Deputy", False, 2)]
    assert cfo.head.plan_id == world["plans"]["head"].id and cfo.head.finding_id == world["findings"]["head"].id
    assert cfo.head.plan_href is None and cfo.head.why_href is None, "no links before for_scope"
    assert found.get("CIO").leaders == [], "the director's trust requirement names no function"


def test_a_plan_of_a_year_not_yet_begun_leaves_the_heads_of_the_year_that_has(world):
    """One FY2028 plan imported during FY2027 blanked every function's head ("No plan names the function in a
    CX requirement"): the functions' leaders were read from the newest year with plans, as the leaders page
    and the overview's tile no longer are."""
    make_plan(db.session, world["leaders"]["director"], 2028, metric=db.session.scalar(
        sa.select(Metric).where(Metric.code == "trust")))
    db.session.commit()
    found = queries.functions(db.session, TODAY)
    assert found.fiscal_year == 2027 and found.get("CFO").head.leader == "Zoe Head"
    assert queries.functions(db.session, date(2027, 10, 1)).fiscal_year == 2028, "once FY2028 has begun"


def _links(found: queries.Functions) -> tuple[set, set]:
    commitments = {c.href for row in found.rows for c in row.commitments if c.href}
    plans = {r.plan_href for row in found.rows for r in row.leaders if r.plan_href} | {
        r.why_href for row in found.rows for r in row.leaders if r.why_href}
    return commitments, plans


def test_each_role_gets_the_links_it_may_follow(world):
    made, plans, findings = world["commitments"], world["plans"], world["findings"]
    cfo, cio = world["functions"]["CFO"].id, world["functions"]["CIO"].id
    every_plan = {f"/plans/{plans[k].id}" for k in ("head", "deputy")} | {
        f"/findings/{findings[k].id}" for k in ("head", "deputy")}

    def links(scope):
        return _links(queries.functions_for(db.session, scope, TODAY))
    for role in (Role.admin, Role.executive, Role.analyst):
        commitments, seen = links(common.Scope(role))
        assert commitments == {f"/commitments/{c.id}" for c in made.values()} and seen == every_plan
    commitments, seen = links(common.Scope(Role.officer, function_id=cfo))
    assert commitments == {f"/commitments/{c.id}" for c in made.values() if c.function_id == cfo}
    assert seen == every_plan, "the officer sees their function's leaders' plans"
    commitments, seen = links(common.Scope(Role.officer, function_id=cio))
    assert commitments == {f"/commitments/{made[t].id}" for t in ("Portal speed", "Digital intake")} and seen == set()
    director = world["leaders"]["director"].id
    assert links(common.Scope(Role.leader, leader_id=director)) == ({f"/commitments/{made['Portal speed'].id}"}, set())
    head = world["leaders"]["head"].id
    commitments, seen = links(common.Scope(Role.leader, leader_id=head))
    assert commitments == {f"/commitments/{made['Fund intake'].id}"}
    assert seen == {f"/plans/{plans['head'].id}", f"/findings/{findings['head'].id}"}, "their own plan only"
    assert links(common.Scope(Role.viewer)) == (set(), set())
    viewer = queries.functions_for(db.session, common.Scope(Role.viewer), TODAY).get("CFO")
    assert viewer.total == 7, "the viewer sees the function's commitments, without their links"
    assert (viewer.head.proposed, viewer.head.shown) == (None, False), "but not the proposal of a plan it may not see"
    executive = queries.functions_for(db.session, common.Scope(Role.executive), TODAY).get("CFO")
    assert (executive.head.proposed, executive.head.shown) == (4, True)


def test_without_functions_or_plans(app):
    with app.app_context():
        found = queries.functions(db.session, TODAY)
        assert found.rows == [] and found.fiscal_year is None
        assert queries.visible_plan_ids(db.session, common.Scope(Role.executive), None) == frozenset()


# ------------------------------------------------------------------------------ the pages

ROLES = [("admin", None, None), ("executive", None, None), ("analyst", None, None), ("officer", "CFO", None),
         ("officer", "CIO", None), ("leader", None, "head"), ("viewer", None, None)]


def _function_page(client, code) -> dict:
    shown = page(client, "/dashboards/function", f"?code={code}")
    assert "function-body" in json.dumps(shown)
    return answer(client, body("function-body.children", {"function-code.value": code}, "function-code.value"))


@pytest.mark.parametrize("role, function, leader", ROLES, ids=[f"{r}-{f or x or ''}" for r, f, x in ROLES])
def test_the_functions_pages_link_what_each_role_may_open(app, known, role, function, leader):
    client = user(app, role, function=function, leader=leader)
    overview = page(client, "/dashboards/functions")
    words = json.dumps(overview, ensure_ascii=False)
    assert "C-suite functions" in words and "Commitments by status, per function" in words
    sees_head = role in ("admin", "executive", "analyst", "leader") or function == "CFO"  # who may open the plan
    assert "Zoe Head" in words, "every role sees who heads the function"
    assert ("4 (Exceeds Fully Successful)" in words) == sees_head, "the proposal is the plan's"
    assert ("not shown to your role" in words) == (not sees_head)
    links = hrefs(overview)
    assert {"/dashboards/function?code=CFO", "/dashboards/function?code=CIO", "/dashboards/function?code=GC"} <= links
    cfo_page = _function_page(client, "CFO")
    words = json.dumps(cfo_page, ensure_ascii=False)
    for expected in ("Publish spending", "Days overdue", "Fund intake", "CX budget aligned",
                     "Zoe Head, Chief Financial Officer (head)", "Amy Deputy"):
        assert expected in words, expected
    # What an officer or leader wrote (a reason, evidence) goes with the commitment's page: every role read every
    # function's, where the commitment's page and the API refuse them
    sees_cfo = role in ("admin", "executive", "analyst") or function == "CFO"
    assert ("Late supplier." in words) == sees_cfo, "Publish spending's reason"
    assert ("https://example.gov/budget" in words) == ("memo on file" in words) == (sees_cfo or role == "leader"), (
        "Fund intake's evidence: the head's own commitment")
    assert ("not shown to your role" in words) == (not sees_cfo)
    written = downloaded(client, "function-commitments", "csv", {"function-code.value": "CFO"})
    reasons = {row[0]: row[written[0].index("Reason")] for row in written[1:]}
    assert reasons["Publish spending"] == ("Late supplier." if sees_cfo else "not shown to your role"), "downloaded"
    links = hrefs(overview) | hrefs(cfo_page) | hrefs(_function_page(client, "CIO"))
    assert ("https://example.gov/budget" in links) == (sees_cfo or role == "leader") and "memo on file" not in links
    c, p, f = known["commitments"], known["plans"], known["findings"]
    cfo_commitments = {f"/commitments/{c[t]}" for t in ("Fund intake", "Align budgets", "Publish spending", "Quiet one",
                                                         "Done one", "Dropped one", "Measure every quarter")}
    cio_commitments = {f"/commitments/{c[t]}" for t in ("Portal speed", "Digital intake")}
    cfo_plans = {f"/plans/{p['head']}", f"/plans/{p['deputy']}", f"/findings/{f['head']}", f"/findings/{f['deputy']}"}
    everything = (cfo_commitments | cio_commitments, cfo_plans)
    expected = {
        "admin": everything, "executive": everything, "analyst": everything,
        "officer-CFO": (cfo_commitments, cfo_plans), "officer-CIO": (cio_commitments, set()),
        "leader": ({f"/commitments/{c['Fund intake']}"}, {f"/plans/{p['head']}", f"/findings/{f['head']}"}),
        "viewer": (set(), set()),
    }[f"{role}-{function}" if function else role]
    assert of("commitments", links) == expected[0]
    assert of("plans", links) | of("findings", links) == expected[1]


def test_a_long_reason_is_cut_on_the_function_page_with_a_link_to_the_whole(app, known):
    """An 8,220-character reason was shown whole in its narrow column: the page 5,860 px tall, the other
    commitments far below. The table shows its start, how long it is and a link to the commitment; the
    downloads keep it whole."""
    from dashboards.pages.function import REASON_SHOWN

    reason = "Vendor delay: " + "the contract was re-competed. " * 283
    with app.app_context():
        commitment = db.session.get(Commitment, known["commitments"]["Publish spending"])
        commitment.reason = reason
        db.session.commit()
    client = user(app, "executive")
    words = json.dumps(_function_page(client, "CFO"), ensure_ascii=False)
    assert reason[:REASON_SHOWN].rstrip() + "… " in words and reason not in words
    assert f"(the whole reason, {len(reason):,} characters)" in words
    assert f"/commitments/{known['commitments']['Publish spending']}" in hrefs(_function_page(client, "CFO"))
    viewer = json.dumps(_function_page(user(app, "viewer"), "CFO"), ensure_ascii=False)
    assert reason[:40] not in viewer, "the reason goes with the commitment's page, which a viewer may not open"


def test_many_long_evidence_links_are_cut_on_the_function_page_with_a_link_to_the_rest(app, known):
    """Twenty evidence links of 2,000 characters each (as many and as long as a commitment may hold) made their
    row 46,000 px tall, the commitment's title half way down it. The table shows the first few, each address cut,
    how many more there are and a link to the commitment; the downloads keep every one whole."""
    from dashboards.pages.function import EVIDENCE_SHOWN, LINK_SHOWN

    evidence = [f"https://www.example.gov/binder/{n:02d}/" + "a" * 1960 for n in range(20)]
    with app.app_context():
        commitment = db.session.get(Commitment, known["commitments"]["Publish spending"])
        commitment.evidence_links = evidence
        db.session.commit()
    client = user(app, "executive")
    shown = _function_page(client, "CFO")
    words = json.dumps(shown, ensure_ascii=False)
    for link in evidence[:EVIDENCE_SHOWN]:
        assert link[:LINK_SHOWN] + "…" in words and link in hrefs(shown), "the first ones cut, each leading whole"
        assert words.count(link) == 1, "the whole address as the link's target alone"
    assert all(link[:LINK_SHOWN] not in words for link in evidence[EVIDENCE_SHOWN:])
    assert f"({20 - EVIDENCE_SHOWN} more links on the commitment's page)" in words
    assert f"/commitments/{known['commitments']['Publish spending']}" in hrefs(shown)
    viewer = json.dumps(_function_page(user(app, "viewer"), "CFO"), ensure_ascii=False)
    assert "binder" not in viewer, "the evidence goes with the commitment's page, which a viewer may not open"
    rows = downloaded(client, "function-commitments", "csv", {"function-code.value": "CFO"})
    assert next(r for r in rows if r[0] == "Publish spending")[6] == " ".join(evidence)


def test_a_function_page_without_or_with_an_unknown_code(app, known):
    client = user(app, "executive")
    shown = answer(client, body("function-body.children", {"function-code.value": None}, "function-code.value"))
    assert "/dashboards/function?code=GC" in hrefs(shown) and "No C-suite function" not in json.dumps(shown)
    shown = answer(client, body("function-body.children", {"function-code.value": "cxo"}, "function-code.value"))
    assert "No C-suite function has the code CXO." in json.dumps(shown)
    lower = answer(client, body("function-body.children", {"function-code.value": "cfo"}, "function-code.value"))
    assert "Publish spending" in json.dumps(lower), "codes are read in capitals"
    routed = page(client, "/dashboards/function", "?code=DROP+TABLE")
    assert "C-suite function" in json.dumps(routed), "a refused code in the URL: no function chosen"
    assert "This address asks for what the page cannot show: code 'DROP TABLE'" in json.dumps(routed)
    unknown = json.dumps(page(client, "/dashboards/function", "?code=ZZZ"))
    assert "code 'ZZZ' is not one it offers" in unknown, "a code no function has: said so above the page"


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_downloads_write_exactly_the_tables_shown(app, known, kind, monkeypatch):
    # The commitments' due dates are TODAY's: overdue as of it (every `agency_today` reads the one clock, the pages'
    # and the key dashboards.cache keeps their answers under alike).
    monkeypatch.setattr("scorecard.clock.utcnow", lambda: datetime.combine(TODAY, time(12), tzinfo=UTC))
    client = user(app, "officer", function="CFO")
    shown = page(client, "/dashboards/functions")
    table = re.search(r"<table.*?</table>", json.dumps(shown)).group(0)
    rows = downloaded(client, "functions-table", kind, {})
    assert rows[0][:4] == ["Function", "Name", "Overdue", "Not updated in 30 days"], "who is behind, first"
    assert len(rows) - 1 == shown_rows(table) == 3
    assert [r[0] for r in rows[1:]] == ["CFO", "CIO", "GC"]
    cfo = next(r for r in rows if r[0] == "CFO")
    assert cfo[rows[0].index("Overdue")] in ("1", 1) and cfo[rows[0].index("Head (plan)")] == "Zoe Head"
    metrics = downloaded(client, "functions-metrics", kind, {})
    assert metrics[1][:2] == ["CFO", "CX budget aligned (Bureau One)"] and metrics[1][-1] == "green"

    values = {"function-code.value": "CFO"}
    commitments = downloaded(client, "function-commitments", kind, values)
    assert commitments[0] == ["Commitment", "Status", "Due", "Days overdue", "Last update", "Reason", "Evidence links",
                              "Leader"]
    assert len(commitments) - 1 == 7 and {r[0] for r in commitments[1:]} >= {"Publish spending", "Fund intake"}
    fund = next(r for r in commitments if r[0] == "Fund intake")
    assert fund[6] == "https://example.gov/budget memo on file"
    history = downloaded(client, "function-metrics-table", kind, values)
    assert [r[:2] for r in history[1:]] == [["CX budget aligned (Bureau One)", "FY2026-Q4"],
                                            ["CX budget aligned (Bureau Two)", "FY2026-Q4"],
                                            ["CX budget aligned (Test Agency, agency-wide)", "FY2026-Q3"]]
    header = history[0]
    assert header[2:5] == ["Value", "Target", "Unit"] and history[2][4] == "%"
    # numbers, not text with their unit ("80%" was a text cell): the workbook's cell is the number 80, shown 80.0
    assert history[2][2] == ("80" if kind == "xlsx" else "80.0")
    assert metrics[0][4:7] == ["Value", "Target", "Unit"] and metrics[1][6] == "%"
    # the leaders rated on the function: every other table of the page had its downloads, this one had none
    from dashboards.pages.function import leaders_table
    from dashboards.queries import functions as function_queries

    leaders = downloaded(client, "function-leaders-table", kind, values)
    with app.app_context():
        found = function_queries.functions(db.session, TODAY)
        expected = leaders_table(next(r for r in found.rows if r.code == "CFO"), found.fiscal_year)
    assert leaders[0] == expected.header() and len(leaders) - 1 == len(expected.rows) >= 1


HOSTILE_CODES = ["DROP TABLE", "C F O", "x" * 17, "", 5, ["CFO"], {"code": "CFO"}, True, "ĆFO"]


def test_hostile_values_answer_400_naming_the_input(app, known):
    """Each hostile value, in the page's callback and in a download's state, answers 400 naming the input."""
    client = user(app, "viewer")
    for value in HOSTILE_CODES:
        for writes, extra in (("function-body.children", {}),
                              ("function-commitments-download.data", {"function-commitments-csv.n_clicks": 1})):
            response = client.post(URL, json=body(writes, {"function-code.value": value, **extra},
                                                   "function-code.value"))
            assert response.status_code == 400, (value, response.get_data(as_text=True)[:200])
            assert response.get_json()["detail"].startswith("function-code.value: ")
    for value in (-1, "1", 1.5, True, 2**40):
        response = client.post(URL, json=body("functions-table-download.data", {"functions-table-csv.n_clicks": value},
                                              "functions-table-csv.n_clicks"))
        assert response.status_code == 400, value
        assert response.get_json()["detail"].startswith("functions-table-csv.n_clicks: ")


def test_downloading_an_unknown_functions_table_answers_400(app, known):
    client = user(app, "viewer")
    response = client.post(URL, json=body("function-commitments-download.data", {
        "function-code.value": "ZZZ", "function-commitments-csv.n_clicks": 1}, "function-commitments-csv.n_clicks"))
    assert response.status_code == 400 and "no C-suite function has the code ZZZ" in response.get_json()["detail"]


def test_the_stale_flags_and_the_dashboards_not_updated_count_the_same_commitments(evaluated):
    """The overview and functions page count open commitments not updated in 30 days; the published rule
    flagged those past 45 days: the deputy secretary read 5 on the page and found 3 flags."""
    from scorecard.models import Finding, Rule, RuleStatus, RuleVersion
    from tests.conftest import DEMO_TODAY

    with evaluated.app_context():
        found = queries.functions.uncached(db.session, DEMO_TODAY, stale_days=evaluated.config["REMIND_STALE_DAYS"])
        counted = {c.commitment_id for row in found.rows for c in row.commitments
                   if c.is_open and (c.days_since_update or 0) >= found.stale_days}
        flagged = set(db.session.scalars(sa.select(Finding.subject_id).join(RuleVersion).join(Rule).where(
            Rule.key == "stale-commitment", RuleVersion.status == RuleStatus.published,
            Finding.subject_type == "commitment", Finding.flag == "stale")))
    assert counted and counted == flagged, (sorted(counted), sorted(flagged))


def test_a_measure_without_respondents_says_so_without_brackets_inside_the_tiles():
    """The function page's tile read "FY2026-Q4: 84% (target 80%; n not reported (not a survey measure))"."""
    from dashboards.figures.functions import n_words

    assert n_words(None) == "no respondents: not a survey measure"
    assert n_words(1250) == "n = 1,250"
    assert n_words(None, survey=True) == "no answers counted"


def test_a_functions_survey_trust_typed_without_answers_is_not_called_not_a_survey_measure(world):
    """A function's v2 trust given as a value without its answer counts judges nothing (no value, no n). The
    tile called it "no respondents: not a survey measure", of the survey's own trust question."""
    from dashboards.pages.function import tiles

    cio = world["functions"]["CIO"]
    agency_id = world["components"][0].agency_id
    trust = ensure_standard_metrics(db.session)["trust"]
    db.session.add(Observation(metric=trust, agency_id=agency_id, function_id=cio.id, period="FY2026-Q4", value=4.2,
                               n=500, subject_key=subject_key(None, cio.id, None, agency_id)))
    db.session.commit()
    row = queries.functions(db.session, TODAY).get("CIO")
    [metric] = row.metrics
    assert metric.survey and (metric.latest.value, metric.latest.n) == (None, None)
    said = str(tiles(row))
    assert "no answers counted" in said and "not a survey measure" not in said
    assert not queries.functions(db.session, TODAY).get("CFO").metrics[0].survey
