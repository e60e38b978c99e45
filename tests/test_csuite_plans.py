"""C-suite leaders' plans read their function's commitments: a requirement that names a function
is rated by the default pack from the function's commitments (on track or complete, overdue, not
updated lately) and its function-level metrics against target; the plan page shows the proposal,
its explanation, its why-link and the commitments; the why-page lists the commitments read;
officers see only their own function's leaders' plans."""
import csv
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from markupsafe import escape

from importers.pipeline import run_import
from scorecard.extensions import db
from scorecard.models import (
    Commitment,
    CommitmentStatus,
    CommitmentUpdate,
    Finding,
    Function,
    Leader,
    PerformancePlan,
    PlanElement,
    PlanRequirement,
    Role,
    Rule,
    RuleSubject,
    RuleVersion,
    User,
)
from scorecard.plans.services import plan_view
from scorecard.rules.evaluator import FactResult, Subject
from scorecard.rules.evaluator import evaluate as evaluate_rule
from scorecard.rules.schema import RuleError, compile_rule, validate_definition
from scorecard.rules.service import evaluate
from scorecard.rules.store import default_pack
from tests.conftest import DEMO_TODAY, PASSWORD

RULE = "requirement-rating-from-function-commitments"
CSUITE = ("CFO", "CIO", "CHCO", "GC")
OPEN = (CommitmentStatus.not_started, CommitmentStatus.on_track, CommitmentStatus.at_risk, CommitmentStatus.off_track)


# -- helpers -----------------------------------------------------------------------------------------
def function(code: str) -> Function:
    return db.session.scalar(sa.select(Function).where(Function.code == code))


def head(code: str) -> Leader:
    """The function's head (the demo also has a deputy)."""
    return db.session.scalar(sa.select(Leader).where(Leader.email == f"{code.lower()}@demo.cx.gov"))


def function_requirement(leader: Leader) -> PlanRequirement:
    return db.session.scalar(sa.select(PlanRequirement).join(PlanElement).join(PerformancePlan)
                             .where(PerformancePlan.leader_id == leader.id, PlanRequirement.function_id.is_not(None)))


def finding_of(requirement: PlanRequirement) -> Finding:
    return db.session.scalar(sa.select(Finding).join(RuleVersion).join(Rule).where(
        Rule.key == RULE, Finding.subject_type == RuleSubject.requirement, Finding.subject_id == requirement.id))


def commitments_of(code: str) -> list[Commitment]:
    return list(db.session.scalars(sa.select(Commitment).where(Commitment.function_id == function(code).id)
                                   .order_by(Commitment.id)))


def expected_rating(commitments: list, today: date, below_target: int) -> int:
    """The default pack's ladder, worked out from the commitments themselves."""
    counted = [c for c in commitments if c.status is not CommitmentStatus.dropped]
    share = sum(c.status in (CommitmentStatus.on_track, CommitmentStatus.complete) for c in counted) / len(counted)
    off = sum(c.status is CommitmentStatus.off_track for c in counted) / len(counted)
    overdue = sum(1 for c in commitments if c.status in OPEN and c.due_date and c.due_date < today)
    if share >= 0.9 and overdue == 0 and below_target == 0:
        return 5
    if share >= 0.75:
        return 4
    if share >= 0.5 and overdue <= 1:
        return 3
    if off > 0.5 and overdue >= 1:
        return 1
    return 2


def below_target(finding: Finding) -> int:
    return next(v for k, v in finding.facts["values"].items() if k.startswith("function_metrics_below_target"))


def set_status(commitments, status: CommitmentStatus, *, due: date) -> None:
    for c in commitments:
        c.status, c.due_date = status, due
        c.reason = "Vendor delays." if status.needs_reason else None
        c.last_update_at = datetime.now(UTC)
    db.session.commit()


def person(role: str, email: str, **links) -> User:
    user = User(email=email, role=Role(role), **links)
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.commit()
    return user


# -- the rule on the demo agency -----------------------------------------------------------------------
def test_a_cio_requirement_is_rated_from_the_cio_commitments(evaluated):
    with evaluated.app_context():
        requirement = function_requirement(head("CIO"))
        assert requirement.function.code == "CIO" and requirement.is_cx and requirement.metric_id is None
        finding = finding_of(requirement)
        commitments = commitments_of("CIO")
        assert finding is not None and finding.rating == expected_rating(commitments, DEMO_TODAY, below_target(finding))
        on_track = sum(c.status in (CommitmentStatus.on_track, CommitmentStatus.complete) for c in commitments)
        assert f"{on_track} of {len(commitments)} CIO commitments on track or complete" in finding.explanation
        assert finding.explanation.endswith(f"proposed rating {finding.rating}.")
        keys = {i.subject_key for i in finding.inputs if i.subject_key}  # a target input names no subject
        assert {f"commitment:{c.id}" for c in commitments} <= keys
        cio = function("CIO").id
        assert any(k.startswith(f"function:{cio}@") for k in keys)  # the CIO's own metric, read against target
        assert finding.facts["today"] == DEMO_TODAY.isoformat()
        record = finding.facts["records"][f"commitment:{commitments[0].id}"]
        assert record["status"] == commitments[0].status.value and record["title"] == commitments[0].title
        # the attainment rule leaves it alone: one proposal per requirement
        others = db.session.scalars(sa.select(Finding).where(Finding.subject_type == RuleSubject.requirement,
                                                             Finding.subject_id == requirement.id)).all()
        assert [f.id for f in others] == [finding.id]


def test_changing_a_commitment_status_changes_the_proposal(evaluated):
    with evaluated.app_context():
        requirement = function_requirement(head("CIO"))
        before = finding_of(requirement)
        first, rating = before.id, before.rating
        commitments = commitments_of("CIO")

        set_status(commitments, CommitmentStatus.complete, due=DEMO_TODAY + timedelta(days=30))
        evaluate(db.session, today=DEMO_TODAY)
        done = finding_of(requirement)
        assert done.id == first and done.rating == expected_rating(commitments, DEMO_TODAY, below_target(done))
        assert done.rating in (4, 5)
        assert f"{len(commitments)} of {len(commitments)} CIO commitments on track or complete (100%)" in \
            done.explanation

        set_status(commitments, CommitmentStatus.off_track, due=DEMO_TODAY - timedelta(days=10))
        evaluate(db.session, today=DEMO_TODAY)
        late = finding_of(requirement)
        assert late.id == first and late.rating == 1 and f"{len(commitments)} overdue" in late.explanation
        assert rating != done.rating or rating != late.rating  # the proposal followed the commitments
        assert {r["status"] for r in late.facts["records"].values()} == {"off_track"}

        # a dropped commitment is left out of the share, but still listed as read
        commitments[0].status = CommitmentStatus.dropped
        for c in commitments[1:]:
            c.status = CommitmentStatus.on_track
            c.due_date = DEMO_TODAY + timedelta(days=30)
        db.session.commit()
        evaluate(db.session, today=DEMO_TODAY)
        kept = finding_of(requirement)
        assert f"{len(commitments) - 1} of {len(commitments) - 1} CIO commitments" in kept.explanation
        assert f"commitment:{commitments[0].id}" in kept.facts["records"]


def _counts(finding: Finding) -> tuple[int, int, int]:
    """(on track, commitments, overdue) as the finding's sentence gives them."""
    import re

    found = re.search(r"(\d+) of (\d+) CFO commitments on track or complete \([^)]*\), (\d+) overdue",
                      finding.explanation)
    return tuple(int(n) for n in found.groups())


def test_last_years_proposal_reads_the_commitments_as_the_year_left_them(evaluated):
    """A FY2026 proposal counted a commitment made in FY2027, a due date moved since and statuses set since,
    measured to the day of the evaluation: last year's record read with this year's events."""
    from scorecard.commitments.services import create_commitment, update_commitment
    from scorecard.models import PerformancePlan as Plan
    from scorecard.rules.context import commitment_as_of, load_context

    with evaluated.app_context():
        cfo = head("CFO")

        def requirement_of(year: int) -> PlanRequirement:
            return db.session.scalar(sa.select(PlanRequirement).join(PlanElement).join(Plan).where(
                Plan.leader_id == cfo.id, Plan.fiscal_year == year, PlanRequirement.function_id.is_not(None)))
        last, this = requirement_of(2026), requirement_of(2027)
        assert finding_of(last).period == "FY2026-Q4" and finding_of(this).period == "FY2027-Q1"
        year_end = date(2026, 9, 30)
        ctx = load_context(db.session, today=DEMO_TODAY)
        then = [was for c in ctx.commitments.values() if c.function_id == cfo.function_id
                and (was := commitment_as_of(ctx, c, year_end)) is not None]
        expected = (sum(c.status in (CommitmentStatus.on_track, CommitmentStatus.complete) for c in then
                        if c.status is not CommitmentStatus.dropped),
                    sum(c.status is not CommitmentStatus.dropped for c in then),
                    sum(1 for c in then if c.status in OPEN and c.due_date and c.due_date < year_end))
        assert _counts(finding_of(last)) == expected == (1, 2, 0), (finding_of(last).explanation, expected)
        this_before = _counts(finding_of(this))
        officer = person("officer", "cfo.officer.2@csuite.gov", function_id=cfo.function_id)
        create_commitment(db.session, {"title": "Publish the FY2027 CX cost tables", "status": "off_track",
                                       "reason": "Not funded.", "due_date": DEMO_TODAY - timedelta(days=3)},
                          user=officer, function_id=cfo.function_id)
        made = commitments_of("CFO")[0]
        update_commitment(db.session, made, {"status": "off_track", "reason": "Fieldwork slipped."}, user=officer,
                          version=made.version)
        noon = datetime.combine(DEMO_TODAY, datetime.min.time(), tzinfo=UTC) + timedelta(hours=16)
        for update in db.session.scalars(sa.select(CommitmentUpdate).where(CommitmentUpdate.at > noon)):
            update.at = noon  # made on the demo's day, as the evaluations below read it
        db.session.commit()
        evaluate(db.session, today=DEMO_TODAY)
        assert _counts(finding_of(last)) == expected, "the year's record is as the year left it"
        now = _counts(finding_of(this))
        assert now[1] == this_before[1] + 1 and now[2] >= this_before[2] + 1, (this_before, now)
        assert finding_of(last).facts["records"], "the commitments read are still listed"
        # evaluated as of an earlier day, the current quarter reads the commitments as they stood that day
        evaluate(db.session, today=DEMO_TODAY - timedelta(days=10))
        assert finding_of(this).period == "FY2027-Q1"
        assert _counts(finding_of(this))[1] == this_before[1], "not the commitment made after that day"


def test_last_years_proposal_says_on_its_pages_which_day_it_read_the_commitments_as_of(evaluated):
    """The FY2026 proposal's why-page said its commitments were "as they were when read on" the evaluation's day and
    marked one due in November overdue beside a sentence saying none was; its plan page said a commitment changed
    since and "the next evaluation updates it", which it never would."""
    import html
    import re

    from scorecard.commitments.services import update_commitment
    from scorecard.models import PerformancePlan as Plan

    with evaluated.app_context():
        cfo = head("CFO")
        requirements = {year: db.session.scalar(sa.select(PlanRequirement).join(PlanElement).join(Plan).where(
            Plan.leader_id == cfo.id, Plan.fiscal_year == year, PlanRequirement.function_id.is_not(None)))
            for year in (2026, 2027)}
        last, this = finding_of(requirements[2026]), finding_of(requirements[2027])
        plan_id, last_id, this_id = requirements[2026].element.plan_id, last.id, this.id
        this_plan = requirements[2027].element.plan_id
        read, explanation = last.facts["records"], last.explanation
        officer = person("officer", "cfo.officer.3@csuite.gov", function_id=cfo.function_id)
        changed = commitments_of("CFO")[0]
        update_commitment(db.session, changed, {"next_step": "Brief the board."}, user=officer,
                          version=changed.version)
        client = evaluated.test_client(user=person("executive", "exec.2@csuite.gov"))
    why = " ".join(html.unescape(client.get(f"/findings/{last_id}").get_data(as_text=True)).split())
    assert "as they stood on 2026-09-30 (the end of FY2026-Q4: read on" in why
    overdue = re.findall(r'class="commitment-read".*?</tr>', why)
    assert len(overdue) == len(read) and all(">yes<" not in row for row in overdue), (
        "none was overdue at the year's end, as the sentence says")
    assert "0 overdue" in explanation
    plan = " ".join(html.unescape(client.get(f"/plans/{plan_id}").get_data(as_text=True)).split())
    assert "The proposal read them as they stood on 2026-09-30, the end of FY2026-Q4" in plan
    assert "A commitment changed after this proposal was made" not in plan, "no later change alters last year's"
    with evaluated.app_context():
        view = plan_view(db.session, db.session.get(Plan, this_plan))
        row = next(r for e in view.elements for r in e.requirements if r.finding and r.finding.id == this_id)
        assert row.read_as_of is None and row.changed_since, "this year's reads them as they are: it is out of date"


def test_the_why_page_lists_the_commitments_read(evaluated):
    with evaluated.app_context():
        finding_id = finding_of(function_requirement(head("CIO"))).id
        commitments = [(c.id, str(escape(c.title)), c.status.value.replace("_", " ")) for c in commitments_of("CIO")]
        client = evaluated.test_client(user=person("executive", "exec@csuite.gov"))
    page = client.get(f"/findings/{finding_id}").get_data(as_text=True)
    assert 'id="commitments-read"' in page and page.count('class="commitment-read"') == len(commitments)
    for commitment_id, title, status in commitments:
        assert f"/commitments/{commitment_id}" in page and title in page and status in page
    assert "cio_services_fully_digital" in page  # the function's observations read
    assert "gives the same outcome" in page  # replayed from exactly these inputs


def test_the_plan_page_shows_the_proposal_explanation_why_link_and_commitments(evaluated):
    with evaluated.app_context():
        leader = head("CIO")
        requirement = function_requirement(leader)
        finding = finding_of(requirement)
        plan_id = requirement.element.plan_id
        view = plan_view(db.session, requirement.element.plan)
        row = next(r for e in view.elements for r in e.requirements if r.requirement.id == requirement.id)
        assert row.proposed == finding.rating and len(row.commitments) == len(commitments_of("CIO"))
        assert not row.changed_since
        expected = (finding.id, str(escape(finding.explanation)), [c.id for c in row.commitments], requirement.id)
        client = evaluated.test_client(user=person("executive", "exec@csuite.gov"))
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    finding_id, explanation, commitment_ids, requirement_id = expected
    assert f"/findings/{finding_id}" in page and explanation in page
    assert "function: CIO (Chief Information Officer)" in page
    for commitment_id in commitment_ids:
        assert f"/commitments/{commitment_id}" in page
    assert "no finding yet" not in page.split(f'id="requirement-{requirement_id}"')[1].split("</tr>")[0]


def test_the_head_sees_their_plans_commitments_linked_only_where_their_page_opens(evaluated):
    """A leader's own plan reads the function's commitments; those naming another leader are listed
    as text, not as links to a page that would answer 404."""
    with evaluated.app_context():
        leader = head("CIO")
        requirement = function_requirement(leader)
        plan_id = requirement.element.plan_id
        commitments = commitments_of("CIO")
        own = [c.id for c in commitments if c.leader_id == leader.id]
        others = [c for c in commitments if c.leader_id != leader.id]
        if not others:  # make one another leader's, as a function's deputies' commitments are
            others = [commitments[-1]]
            others[0].leader_id = db.session.scalar(sa.select(Leader.id).where(Leader.id != leader.id))
            db.session.commit()
            own = [c.id for c in commitments if c.leader_id == leader.id]
        other_ids = [c.id for c in others]
        assert own and other_ids, "the head has commitments of their own and the function others"
        finding_id = finding_of(requirement).id
        client = evaluated.test_client(user=person("leader", "cio.head@csuite.gov", leader_id=leader.id))
    for page in (client.get(f"/plans/{plan_id}"), client.get(f"/findings/{finding_id}")):
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        for commitment_id in own:
            assert f'href="/commitments/{commitment_id}"' in html
            assert client.get(f"/commitments/{commitment_id}").status_code == 200
        for commitment_id in other_ids:
            assert f'href="/commitments/{commitment_id}"' not in html, "no link to a page that refuses them"
            assert client.get(f"/commitments/{commitment_id}").status_code == 403


def test_the_plan_page_says_when_a_commitment_changed_after_the_proposal(evaluated):
    with evaluated.app_context():
        requirement = function_requirement(head("CFO"))
        commitment = commitments_of("CFO")[0]
        commitment.last_update_at = datetime.now(UTC) + timedelta(minutes=5)
        db.session.commit()
        row = next(r for e in plan_view(db.session, requirement.element.plan).elements for r in e.requirements
                   if r.requirement.id == requirement.id)
        assert row.changed_since


def test_an_evaluation_that_reads_a_changed_commitment_to_the_same_rating_clears_the_plans_warning(evaluated):
    """A CFO officer changed a commitment's next step; the evaluation that followed proposed the same rating,
    left the finding as it was (its evaluated time too), and the plan said "A commitment changed after this
    proposal was made; the next evaluation updates it" for good, however many evaluations ran."""
    from scorecard.commitments.services import update_commitment
    from scorecard.rules.service import COMMITMENT_KEY

    with evaluated.app_context():
        requirement = function_requirement(head("CFO"))
        before = finding_of(requirement)
        finding_id, rating, evaluated_at = before.id, before.rating, before.evaluated_at
        officer = person("officer", "cfo.officer.4@csuite.gov", function_id=function("CFO").id)
        changed = commitments_of("CFO")[0]
        update_commitment(db.session, changed, {"next_step": "Brief the board again."}, user=officer,
                          version=changed.version)

        def row():
            db.session.expire_all()
            return next(r for e in plan_view(db.session, requirement.element.plan).elements for r in e.requirements
                        if r.requirement.id == requirement.id)

        assert row().changed_since, "until the rules have read it"
        evaluate(db.session, touched=[(f"{COMMITMENT_KEY}{changed.id}", None)], today=DEMO_TODAY)  # as the save queues
        after = row()
        assert after.finding.id == finding_id and after.finding.rating == rating, "the same proposal"
        assert after.finding.evaluated_at > evaluated_at and not after.changed_since
        other = function_requirement(head("CIO"))
        assert finding_of(other).evaluated_at <= evaluated_at, "another function's are not stamped"


# -- the demo ----------------------------------------------------------------------------------------------
def test_after_scorecard_demo_every_csuite_leaders_cx_requirement_has_a_proposal(app, cli_demo):
    with app.app_context():
        leaders = db.session.scalars(sa.select(Leader).where(Leader.function_id.is_not(None))).all()
        assert {leader.function.code for leader in leaders} >= set(CSUITE)
        checked, unmeasured = set(), 0
        for leader in leaders:
            assert leader.plans, leader.name
            assert commitments_of(leader.function.code), leader.function.code
            for plan in leader.plans:
                rows = [r for e in plan_view(db.session, plan).elements for r in e.requirements if r.requirement.is_cx]
                assert rows, leader.name
                for row in rows:
                    assert row.proposed is not None, (leader.name, row.requirement.text)
                    assert row.requirement.function_id == leader.function_id
                    if "0 of 0" in row.finding.explanation:  # no metric of the function measured (the PIO's)
                        assert row.proposed < 5, ("none below target is not every metric at target",
                                                  row.finding.explanation)
                        unmeasured += 1
                checked.add(leader.function.code)
        assert checked >= set(CSUITE) and unmeasured, "the demo has a function none of whose metrics is measured"


# -- who sees which plan (DESIGN §6) ---------------------------------------------------------------------
def test_an_officer_sees_only_their_own_functions_leaders_plans(evaluated):
    with evaluated.app_context():
        plans = {code: function_requirement(head(code)).element.plan_id for code in ("CFO", "CIO")}
        findings = {code: finding_of(function_requirement(head(code))).id for code in ("CFO", "CIO")}
        component_plan = db.session.scalar(sa.select(PerformancePlan.id).join(Leader).where(
            Leader.email == "leader.ba@demo.cx.gov"))
        names = {code: [leader.name for leader in db.session.scalars(sa.select(Leader).where(
            Leader.function_id == function(code).id))] for code in ("CFO", "CIO")}
        officer = person("officer", "cio.officer@csuite.gov", function=function("CIO"))
        cio_leader = person("leader", "cio.leader@csuite.gov", leader=head("CIO"))
        client = evaluated.test_client(user=officer)
        own = evaluated.test_client(user=cio_leader)
    listing = client.get("/plans/").get_data(as_text=True)
    assert all(name in listing for name in names["CIO"]) and not any(name in listing for name in names["CFO"])
    assert client.get(f"/plans/{plans['CIO']}").status_code == 200
    assert client.get(f"/findings/{findings['CIO']}").status_code == 200
    assert client.get(f"/plans/{plans['CFO']}").status_code == 404
    assert client.get(f"/findings/{findings['CFO']}").status_code == 404
    assert client.get(f"/plans/{component_plan}").status_code == 404
    assert own.get(f"/plans/{plans['CIO']}").status_code == 200  # a leader: their own plan only
    assert own.get(f"/plans/{plans['CFO']}").status_code == 404


# -- the performance-plans import names the function --------------------------------------------------------
def test_a_performance_plan_file_links_a_requirement_to_a_function(demo, tmp_path):
    header = ["Leader", "Fiscal year", "Element", "Weight", "Requirement", "Function"]
    names = ["Leading Change", "Leading People", "Business Acumen", "Building Coalitions", "Results Driven"]
    rows = [["cio@demo.cx.gov", "FY2029", name, w, f"Demonstrates {name.lower()}.", None]
            for name, w in zip(names, (15, 15, 15, 15, 40))]
    rows.append(["cio@demo.cx.gov", "FY2029", "Results Driven", 40, "Deliver the CIO's CX commitments.", "CIO"])
    path = tmp_path / "plans.csv"
    with path.open("w", newline="") as out:
        csv.writer(out).writerows([header] + rows)
    bad = tmp_path / "bad.csv"
    with bad.open("w", newline="") as out:
        csv.writer(out).writerows([header] + rows[:-1] + [rows[-1][:-1] + ["CXX"]])
    with demo.app_context():
        result = run_import(db.session, path)
        assert result.status == "imported" and result.format == "performance-plans", result.errors
        linked = db.session.scalar(sa.select(PlanRequirement).where(
            PlanRequirement.text == "Deliver the CIO's CX commitments."))
        assert linked.function.code == "CIO" and linked.is_cx
        refused = run_import(db.session, bad)
        assert refused.status != "imported"
        assert any("unknown function 'CXX'" in str(e) for e in refused.errors), refused.errors


# -- the rule language: an outcome from the first case that holds ---------------------------------------------
def cases_rule(cases, otherwise=2):
    return {"key": "c", "title": "C", "applies_to": "requirement", "select": {"linked_function": True},
            "then": {"rating": {"cases": cases, "else": otherwise}}, "explain": "{leader}: {rating}"}


def given(values: dict):
    def resolve(ref, period):
        value = values.get(ref.name)
        return FactResult(value, None if value is not None else "no_data", details={})
    return resolve


SUBJECT = Subject(RuleSubject.requirement, 1, "Casey Chen", {"leader": "Casey Chen"})
LADDER = [{"when": {"fact": "commitments_on_track_share", "op": "ge", "value": 0.9}, "value": 5},
          {"when": {"fact": "commitments_overdue", "op": "le", "value": 1}, "value": 3}]


@pytest.mark.parametrize("share, overdue, rating, status", [
    (0.95, 5, 5, None),              # the first case holds
    (0.5, 1, 3, None),               # the second
    (0.5, 4, 2, None),               # none: else
    (None, 0, None, "insufficient_data"),  # the first cannot be told: no proposal, never a low one
])
def test_cases_take_the_first_that_holds(share, overdue, rating, status):
    rule = compile_rule(validate_definition(cases_rule(LADDER)))
    draft = evaluate_rule(rule, SUBJECT, "FY2027-Q1", given({"commitments_on_track_share": share,
                                                            "commitments_overdue": overdue}))
    assert (draft.rating, draft.status) == (rating, status)


@pytest.mark.parametrize("then, problem", [
    ({"rating": {"cases": LADDER, "by": "commitments_overdue"}}, "then.rating: give either by"),
    ({"rating": {"cases": [{"when": LADDER[0]["when"], "value": 7}]}}, "then.rating.cases[0].value: a rating is"),
    ({"rating": {"cases": [{"when": {"fact": "commitments_overdue", "op": "lte", "value": 1}, "value": 3}]}},
     "then.rating.cases[0].when.op: unknown op 'lte'"),
    ({"rating": {"cases": LADDER, "bands": [[1, 5]]}}, "then.rating: cases take only else"),
    ({"rating": {"cases": LADDER, "else": 0}}, "then.rating.else: a rating is"),
])
def test_cases_are_validated_by_path(then, problem):
    definition = {**cases_rule(LADDER), "then": then}
    with pytest.raises(RuleError) as raised:
        validate_definition(definition)
    assert any(p.startswith(problem) for p in raised.value.problems), raised.value.problems


def test_the_new_facts_apply_to_requirements_and_take_their_parameters():
    rule = next(r for r in default_pack() if r["key"] == RULE)
    validate_definition(rule)
    on_program = {**cases_rule(LADDER), "applies_to": "program", "select": {}}
    with pytest.raises(RuleError, match="does not apply to a program"):
        validate_definition(on_program)
    stale = {"fact": "commitments_not_updated", "days": 30, "op": "eq", "value": 0}
    validate_definition({**cases_rule([{"when": stale, "value": 4}])})
    with pytest.raises(RuleError, match=r"days: must be at least 1"):
        validate_definition({**cases_rule([{"when": {**stale, "days": 0}, "value": 4}])})
    with pytest.raises(RuleError, match="takes no 'days'"):
        validate_definition({**cases_rule([{"when": {**stale, "fact": "commitments_overdue"}, "value": 4}])})
