"""The default rule pack on the demo agency and on the real performance.gov files: findings are
persisted with inputs that reproduce them, re-running changes nothing, a what-if changes
nothing, an import re-evaluates only what it touched, and rule versions are never edited once
published."""
import copy
import csv
import hashlib
from collections import Counter

import pytest
import sqlalchemy as sa

from importers.pipeline import run_import
from importers.revert import revert_batch
from scorecard.extensions import db
from scorecard.models import (
    Agency,
    AuditEvent,
    Base,
    Finding,
    FindingInput,
    Metric,
    Observation,
    PlanRequirement,
    Program,
    Rule,
    RuleStatus,
    RuleVersion,
    ScopeType,
    Target,
)
from scorecard.periods import Period
from scorecard.rules.schema import RuleError
from scorecard.rules.service import evaluate, replay, simulate
from scorecard.rules.store import default_pack, import_rules, publish_version, retire, save
from scorecard.scoring import pooled_score
from scorecard.survey import compare
from tests.conftest import COLLECTIONS_CSV, DEMO_TODAY, TRUST_CSV
from tests.helpers import at_once


def snapshot() -> dict:
    """Row count and a checksum of every table."""
    out = {}
    for table in Base.metadata.sorted_tables:
        rows = db.session.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
        out[table.name] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return out


def findings_state() -> dict:
    rows = db.session.execute(sa.select(Finding.id, Finding.subject_type, Finding.subject_id, Finding.fingerprint,
                                        Finding.evaluated_at, Finding.rule_version_id)).all()
    return {r.id: r for r in rows}


def pack_by_key() -> dict:
    return {r["key"]: r for r in default_pack()}


@pytest.fixture
def rules_demo(published):
    """The demo agency (seeded on DEMO_TODAY: its data ends with FY2026-Q4, its plans are for FY2027) with the
    default pack published; the test runs in its app context."""
    with published.app_context():
        yield published


def check_replays(findings) -> int:
    """Every finding re-evaluated from its stored inputs gives the same outcome and explanation,
    and every stored value is what the observations it names pool to."""
    checked = 0
    for finding in findings:
        again = replay(db.session, finding.id)
        assert again is not None, finding.id
        assert (again.outcome, again.rating, again.status, again.flag, again.severity) == (
            finding.outcome, finding.rating, finding.status, finding.flag, finding.severity), finding.explanation
        assert again.score == pytest.approx(finding.score) if finding.score is not None else again.score is None
        assert again.explanation == finding.explanation and again.period == finding.period
        stored = {(i.metric_id, i.subject_key, i.period, i.target_id) for i in finding.inputs}
        assert {i.identity for i in again.inputs} == stored
        for item in finding.inputs:
            if item.observation_ids:
                observations = db.session.scalars(sa.select(Observation).where(
                    Observation.id.in_(item.observation_ids))).all()
                assert len(observations) == len(item.observation_ids)
                assert {(o.metric_id, o.subject_key, o.period) for o in observations} == {
                    (item.metric_id, item.subject_key, item.period)}
                score = pooled_score(observations[0].metric.kind, observations)
                assert item.value == pytest.approx(score.value) and item.n == score.n
                assert item.observation_id == (item.observation_ids[0] if len(item.observation_ids) == 1 else None)
            if item.target_id is not None:
                assert db.session.get(Target, item.target_id).target == item.value
        checked += 1
    return checked


def every_kind_of(findings, each: int = 3) -> list:
    """Up to `each` findings of every rule x outcome x status x rating x flag: every kind of result the pack
    gives, replayed (each replay reads the organisation again: all 363 would take ten seconds more)."""
    kinds: dict = {}
    for finding in findings:
        kinds.setdefault((finding.rule_version.rule.key, finding.outcome, finding.status, finding.rating,
                          finding.flag), []).append(finding)
    return [finding for group in kinds.values() for finding in group[:each]]


def test_default_pack_on_the_demo_agency(rules_demo):
    result = evaluate(db.session)
    outcomes = result.as_json()["outcomes"]
    assert set(outcomes) == set(pack_by_key())  # every rule of the pack finds something
    statuses = outcomes["program-trust-status"]
    # every demo program but the five the Small Business Office (not a HISP) sets no trust target for
    assert sum(statuses.values()) == 35 and statuses.get("insufficient_data", 0) > 0 and statuses.get("red", 0) > 0
    ratings = outcomes["requirement-rating-from-attainment"]
    assert {k for k in ratings if k.startswith("rating")} >= {"rating 3", "rating 4", "rating 5"}
    findings = db.session.scalars(sa.select(Finding)).all()
    assert len(findings) == len(result.findings) == result.inserted
    by_rule = Counter(f.rule_version.rule.key for f in findings)
    assert by_rule["capacity-measurement-evidence"] == 18  # 6 components x 3 fiscal years, Measurement only
    requirement = next(f for f in findings if f.rule_version.rule.key == "requirement-rating-from-attainment"
                       and f.rating is not None)
    linked = db.session.get(PlanRequirement, requirement.subject_id)
    # the plan year's quarter of the day evaluated, from the four quarters up to it that have data
    assert requirement.period == str(Period.from_date(DEMO_TODAY)) and linked.metric.name in requirement.explanation
    assert requirement.rule_version.status is RuleStatus.published and len(requirement.fingerprint) == 64
    small = [f for f in findings if f.status == "insufficient_data" and f.outcome == "status"]
    assert all("insufficient data" in f.explanation for f in small)
    sample = every_kind_of(findings)
    assert {f.rule_version.rule.key for f in sample} == set(by_rule)
    assert check_replays(sample) == len(sample)


def test_rerunning_changes_nothing_and_a_dry_run_writes_nothing(rules_demo):
    before = snapshot()
    dry = evaluate(db.session, dry_run=True)
    assert dry.inserted > 0 and snapshot() == before
    evaluate(db.session)
    state, tables = findings_state(), snapshot()
    again = evaluate(db.session)
    assert again.unchanged == len(state) and again.inserted == again.updated == again.deleted == 0
    assert findings_state() == state and snapshot() == tables


def test_simulate_shows_the_difference_and_changes_nothing(rules_demo):
    evaluate(db.session)
    draft = copy.deepcopy(pack_by_key()["requirement-rating-from-attainment"])
    draft["then"]["rating"]["bands"] = [[1.1, 5], [1.05, 4], [1.0, 3], [0.95, 2]]
    before = snapshot()
    result = simulate(db.session, draft)
    db.session.commit()  # even a commit finds nothing to write
    assert snapshot() == before
    assert result.published_version == 1 and result.changes and result.unchanged
    for change in result.changes:
        assert change.subject_type == "requirement" and change.leader
        old, new = int(change.before.split()[1]), int(change.after.split()[1])
        assert new < old  # stricter bands only lower ratings
        # shown as the findings' pages write them ("rating 3" and "no_data" beside their "proposed rating 3")
        assert (change.before_words, change.after_words) == (f"proposed rating {old}", f"proposed rating {new}")
    status = copy.deepcopy(pack_by_key()["program-trust-status"])
    status["then"]["status"]["metric"] = "satisfaction"
    moved = simulate(db.session, status)
    assert {c.subject_type for c in moved.changes} == {"program"} and snapshot() == before
    brand_new = copy.deepcopy(status)
    brand_new["key"] = "program-satisfaction-status"
    fresh = simulate(db.session, brand_new)
    assert fresh.published_version is None and all(c.before is None for c in fresh.changes)
    assert len(fresh.changes) == 40 and snapshot() == before
    broken = copy.deepcopy(status)
    broken["then"]["status"]["metric"] = "nope"
    with pytest.raises(RuleError, match=r"then\.status\.metric: unknown metric 'nope'"):
        simulate(db.session, broken)


def element_proposals() -> dict:
    """{(plan id, element name): its proposed rating} of every plan, as the plans' pages give them."""
    from scorecard.models import PerformancePlan
    from scorecard.plans.services import PLAN_LOADING, plan_views

    db.session.expire_all()
    plans = db.session.scalars(sa.select(PerformancePlan).options(*PLAN_LOADING)).all()
    return {(v.plan.id, e.element.name): e.proposed for v in plan_views(db.session, plans) for e in v.elements}


def moved_as_simulated(draft: dict) -> None:
    """Simulate `draft`, publish it and evaluate: the elements whose proposal moved are those the simulation
    listed, to the proposals it gave them."""
    simulated = simulate(db.session, draft)
    before = element_proposals()
    assert all(before[(e.plan_id, e.element)] == e.proposed for e in simulated.elements)
    save(db.session, draft, publish=True)
    evaluate(db.session)
    after = element_proposals()
    assert {key: after[key] for key in after if after[key] != before[key]} == {
        (e.plan_id, e.element): e.would_be for e in simulated.elements}


def test_a_rule_narrowed_beside_another_lists_no_element_the_other_keeps(rules_demo):
    """A rule narrowed to FY2027 stops rating FY2026's requirements, which another rule rates too: the simulation
    listed 44 decided elements as losing their proposal, and publishing moved none (the other rule's stay)."""
    evaluate(db.session)
    fixed = {"key": "fixed-two", "title": "Fixed", "applies_to": "requirement",
             "select": {"has_metric": True, "fiscal_year": 2026}, "then": {"rating": 2}, "explain": "{leader}: 2."}
    save(db.session, fixed, publish=True)
    evaluate(db.session)
    narrowed = copy.deepcopy(pack_by_key()["requirement-rating-from-attainment"])
    narrowed["select"]["fiscal_year"] = 2027
    assert not any(e.fiscal_year == 2026 for e in simulate(db.session, narrowed).elements)
    moved_as_simulated(narrowed)


def test_a_requirement_rules_simulation_shows_the_elements_it_would_move_as_publishing_then_does(rules_demo):
    """A simulation listed the requirement findings a stricter band changes, and not what that did to the plans:
    publishing then moved elements' proposals, some on plans already decided. The elements it lists are those
    publishing moves, to the proposals it gives them."""
    evaluate(db.session)
    draft = copy.deepcopy(pack_by_key()["requirement-rating-from-attainment"])
    draft["then"]["rating"]["bands"] = [[1.1, 5], [1.05, 4], [1.0, 3], [0.95, 2]]
    result = simulate(db.session, draft)
    assert result.elements and all(e.would_be != e.proposed for e in result.elements)
    assert any(e.decided is not None for e in result.elements), "the demo's FY2026 plans are decided"
    assert result.as_json()["elements"][0]["would_be"] == result.elements[0].would_be
    moved_as_simulated(draft)


def test_a_new_rule_rating_requirements_another_rates_lists_the_elements_publishing_moves(rules_demo):
    """A rule under a new key rating the requirements another rule rates in the same quarter said no element would
    move: the newest finding of a quarter is the proposal, and publishing moved 44 decided elements."""
    evaluate(db.session)
    rival = {"key": "rival-rating", "title": "Rival rating", "applies_to": "requirement",
             "select": {"has_metric": True, "fiscal_year": 2026}, "then": {"rating": 1},
             "explain": "{leader}: fixed rating {rating}."}
    result = simulate(db.session, rival)
    assert result.published_version is None and result.elements and result.stale == 0
    moved_as_simulated(rival)


def test_a_simulation_says_when_the_data_changed_since_the_last_evaluation(rules_demo):
    """The findings a simulation lists compare with today's data, the elements with the plans as stored: after an
    edit not yet evaluated, publishing moved more than it listed, without a word."""
    from scorecard.models import Commitment, CommitmentStatus

    evaluate(db.session)
    rule = copy.deepcopy(pack_by_key()["requirement-rating-from-function-commitments"])
    assert simulate(db.session, rule).stale == 0
    for commitment in db.session.scalars(sa.select(Commitment).where(Commitment.status != CommitmentStatus.complete)):
        commitment.status = CommitmentStatus.complete
    db.session.commit()
    assert simulate(db.session, rule).stale > 0


def _canonical(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["component", "program", "metric", "period", "channel", "touchpoint", "n",
                         "count_1", "count_2", "count_3", "count_4", "count_5"])
        writer.writerows(rows)
    return path


def test_an_import_re_evaluates_only_what_it_touched_and_a_revert_restores(rules_demo, tmp_path):
    evaluate(db.session)
    before = findings_state()
    program = db.session.scalar(sa.select(Program).where(Program.name == "Disability Compensation Claims"))
    status_before = db.session.scalar(sa.select(Finding).join(RuleVersion).join(Rule).where(
        Rule.key == "program-trust-status", Finding.subject_id == program.id))
    status_id, fingerprint_before = status_before.id, status_before.fingerprint
    path = _canonical(tmp_path / "one-program.csv", [
        ["Benefits Administration", program.name, "trust", "FY2026-Q4", "phone", "follow-up survey", 2000,
         900, 600, 300, 150, 50]])
    result = run_import(db.session, path)
    assert result.status == "imported"
    after = findings_state()
    changed = {(after[i].subject_type.value, after[i].subject_id) for i in after
               if i not in before or after[i].evaluated_at != before[i].evaluated_at}
    changed |= {(before[i].subject_type.value, before[i].subject_id) for i in before if i not in after}
    assert ("program", program.id) in changed
    for kind, subject_id in changed:
        if kind == "program":
            assert subject_id == program.id
        elif kind == "requirement":
            requirement = db.session.get(PlanRequirement, subject_id)
            linked = {p.id for p in requirement.programs} or {
                p.id for p in (requirement.commitment.programs if requirement.commitment else [])}
            assert program.id in linked or requirement.element.plan.leader.component_id == program.component_id
    untouched = [i for i in before if i in after and before[i].subject_type.value == "program"
                 and before[i].subject_id != program.id]
    assert untouched and all(after[i] == before[i] for i in untouched)
    status_after = db.session.get(Finding, status_id)
    assert status_after.status == "red" and status_after.fingerprint != fingerprint_before
    assert any(i.subject_key == f"program:{program.id}" and i.n > 2000 for i in status_after.inputs)
    revert_batch(db.session, result.batch_id)
    restored = findings_state()
    assert {i: r.fingerprint for i, r in restored.items()} == {i: r.fingerprint for i, r in before.items()}


def test_an_import_into_a_new_agency_evaluates_that_agency(rules_demo):
    evaluate(db.session)
    demo_findings = findings_state()
    result = run_import(db.session, TRUST_CSV)
    assert result.status == "imported"
    real = db.session.scalars(sa.select(Program.id).join(Program.component).join(Agency).where(
        Agency.code != "DPS")).all()
    found = db.session.scalars(sa.select(Finding).where(Finding.subject_type == "program",
                                                        Finding.subject_id.in_(real))).all()
    assert found, "the hook evaluated the new agencies programs"
    assert all(demo_findings[i] == r for i, r in findings_state().items() if i in demo_findings)


def test_default_pack_on_real_performance_gov_data(app):
    with app.app_context():
        for path in (TRUST_CSV, COLLECTIONS_CSV):
            assert run_import(db.session, path).status == "imported"
        trust = db.session.scalar(sa.select(Metric).where(Metric.code == "trust"))
        for agency_id in db.session.scalars(sa.select(Agency.id)):
            for fy in (2021, 2022, 2023):
                db.session.add(Target(metric=trust, scope_type=ScopeType.agency, scope_id=agency_id, fiscal_year=fy,
                                      target=4.3, green_at=4.3, amber_at=4.0))
        import_rules(db.session, default_pack(), publish=True)
        db.session.commit()
        result = evaluate(db.session)
        outcomes = result.as_json()["outcomes"]
        statuses = outcomes["program-trust-status"]
        assert {"green", "amber", "red"} <= set(statuses) and sum(statuses.values()) > 20
        findings = db.session.scalars(sa.select(Finding)).all()
        assert check_replays(findings) == len(findings)
        for finding in findings:
            if finding.flag == "significant_decline":
                groups = sorted({(i.period, tuple(i.observation_ids)) for i in finding.inputs if i.observation_ids})
                counts = []
                for _period, ids in groups:
                    rows = db.session.scalars(sa.select(Observation).where(Observation.id.in_(ids))).all()
                    counts.append([sum(o.counts[k] or 0 for o in rows) for k in range(5)])
                change = compare(*counts)
                assert change.significant and change.direction == "down"
        assert evaluate(db.session).unchanged == len(findings)


def test_versions_draft_publish_retire(rules_demo):
    pack = pack_by_key()
    rule = copy.deepcopy(pack["significant-decline-in-trust"])
    assert save(db.session, rule).action == "unchanged"  # already published as version 1
    rule["then"]["severity"] = "high"
    saved = save(db.session, rule, user_id=None)
    assert (saved.version, saved.status, saved.action) == (2, "draft", "new version")
    first = copy.deepcopy(rule)
    rule["title"] = "Significant fall in trust"
    assert save(db.session, rule).action == "draft updated"
    db.session.commit()
    # The draft saved over lives on in the audit log: before, the definition it replaced; after, the new one.
    created, updated = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "rule.save")
                                          .order_by(AuditEvent.id)).all()[-2:]
    assert created.before is None and created.after["definition"] == first
    assert updated.before == {"definition": first, "saved_by": None} and updated.after["definition"] == rule
    versions = db.session.scalars(sa.select(RuleVersion).join(Rule).where(
        Rule.key == "significant-decline-in-trust").order_by(RuleVersion.version)).all()
    assert [(v.version, v.status.value) for v in versions] == [(1, "published"), (2, "draft")]
    assert versions[0].definition == pack["significant-decline-in-trust"]
    evaluate(db.session)
    v1_flags = db.session.scalars(sa.select(Finding).where(Finding.rule_version_id == versions[0].id)).all()
    assert v1_flags and all(f.severity == "medium" for f in v1_flags)
    versions[0].definition = {**versions[0].definition, "title": "edited in place"}
    with pytest.raises(RuleError, match="version 1 is published and cannot be edited"):
        db.session.flush()
    db.session.rollback()
    publish_version(db.session, "significant-decline-in-trust")
    db.session.commit()
    assert [v.status.value for v in versions] == ["retired", "published"]
    assert db.session.scalar(sa.select(Rule.title).where(Rule.key == "significant-decline-in-trust")) == \
        "Significant fall in trust"
    result = evaluate(db.session)
    now = db.session.scalars(sa.select(Finding).join(RuleVersion).join(Rule).where(
        Rule.key == "significant-decline-in-trust")).all()
    assert {f.rule_version_id for f in now} == {versions[1].id} and all(f.severity == "high" for f in now)
    assert len(now) == len(v1_flags) and result.updated >= len(now)
    retire(db.session, "significant-decline-in-trust")
    db.session.commit()
    gone = evaluate(db.session)
    assert gone.deleted == len(now)
    assert not db.session.scalars(sa.select(Finding).join(RuleVersion).join(Rule).where(
        Rule.key == "significant-decline-in-trust")).all()
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.entity_type == "rule_version")).all()
    assert Counter(actions)["rule.publish"] == 9 and "rule.retire" in actions and "rule.save" in actions
    other = copy.deepcopy(pack["overdue-commitment"])
    other["applies_to"] = "program"
    other["when"] = {"fact": "n", "metric": "trust", "op": "lt", "value": 30}
    other["explain"] = "{program}"
    with pytest.raises(RuleError, match="applies_to: rule 'overdue-commitment' applies to commitment"):
        save(db.session, other)


def test_import_is_all_or_nothing(app):
    from scorecard.a11 import ensure_standard_metrics

    with app.app_context():
        good = copy.deepcopy(default_pack()[0])
        bad = copy.deepcopy(default_pack()[1])
        bad["when"]["all"][0]["op"] = "lte"
        with pytest.raises(RuleError) as caught:
            import_rules(db.session, [good])
        assert caught.value.problems == ["rules[0].then.status.metric: unknown metric 'trust'; no metric has that code"]
        ensure_standard_metrics(db.session)
        db.session.commit()
        with pytest.raises(RuleError) as caught:
            import_rules(db.session, [good, bad, good])
        assert caught.value.problems == [
            "rules[1].when.all[0].op: unknown op 'lte'; known: lt, le, gt, ge, eq, ne, between, in",
            "rules[2].key: 'program-trust-status' appears twice in the file"]
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Rule)) == 0


def test_a_failing_re_evaluation_does_not_fail_the_import(rules_demo, tmp_path, monkeypatch, caplog):
    import scorecard.rules.service as service

    def broken(*args, **kwargs):
        raise RuntimeError("boom")
    monkeypatch.setattr(service, "evaluate", broken)
    path = _canonical(tmp_path / "x.csv", [["Benefits Administration", "Survivor Benefits", "trust", "FY2026-Q4",
                                             "web", "extra", 40, 2, 3, 5, 20, 10]])
    assert run_import(db.session, path).status == "imported"
    assert "re-evaluating rules after import batch" in caplog.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FindingInput)) == 0


def test_overlapping_evaluations_take_turns(rules_demo, app):
    """An import's re-evaluation and a cron run may overlap: each waits for the other's write."""
    db.session.remove()
    results, errors = [], []

    def run():
        with app.app_context():
            try:
                results.append(evaluate(db.session))
            except Exception as error:  # noqa: BLE001 — collected for the assertion below
                errors.append(error)
            finally:
                db.session.remove()
    at_once(run, 3)
    assert errors == []
    inserted = sorted(r.inserted for r in results)
    assert inserted[:2] == [0, 0] and inserted[2] > 0
    assert all(r.unchanged == inserted[2] for r in results if r.inserted == 0)


def test_the_quarter_under_way_is_not_an_agencys_latest_until_it_is_all_it_has(demo):
    """One program's results uploaded into the quarter under way made it the agency's quarter: the status
    rule then wrote "no data yet (insufficient data)" for every other program, and capacity evidence read 1 of
    7 programs reporting."""
    from datetime import date

    from scorecard.a11 import ensure_standard_metrics
    from scorecard.models import Agency, Component, Observation, Program, subject_key
    from scorecard.rules.context import latest_periods

    today = date(2026, 12, 1)  # FY2027-Q1 under way
    with demo.app_context():
        before, _ = latest_periods(db.session, today)
        trust = ensure_standard_metrics(db.session)["trust"]
        program = db.session.scalars(sa.select(Program).order_by(Program.id)).first()
        newcomer = Agency(code="NEW", name="A New Agency")
        only_now = Program(component=Component(agency=newcomer, code="NEWC", name="New Component"), code="NEWP",
                           name="New Program")
        db.session.add_all([newcomer, only_now])
        db.session.flush()
        for subject in (program, only_now):
            db.session.add(Observation(
                metric_id=trust.id, agency_id=subject.component.agency_id, component_id=subject.component_id,
                program_id=subject.id, subject_key=subject_key(program_id=subject.id), period="FY2027-Q1",
                channel="web", touchpoint="", n=40, count_1=0, count_2=0, count_3=10, count_4=20, count_5=10))
        db.session.commit()
        by_agency, newest = latest_periods(db.session, today)
        agency_id = program.component.agency_id
        assert by_agency[agency_id] == before[agency_id] == "FY2026-Q4" and newest == "FY2026-Q4"
        assert by_agency[newcomer.id] == "FY2027-Q1", "all it has"
        later, newest_later = latest_periods(db.session, date(2027, 1, 2))  # FY2027-Q1 has ended
        assert later[agency_id] == "FY2027-Q1" and newest_later == "FY2027-Q1"


def test_a_program_of_an_agency_with_no_results_is_not_said_to_be_judged_by_its_agencys_latest_quarter(rules_demo):
    """A program of an agency with no results is evaluated as of the newest quarter of the whole database: its
    finding said "the latest quarter of its agency's results", of an agency that has none."""
    from scorecard.models import Component

    agency = Agency(code="NEW", name="New Agency")
    program = Program(code="NEW-1", name="New service", component=Component(code="NEW-C", name="New office",
                                                                             agency=agency))
    db.session.add(program)
    db.session.commit()
    evaluate(db.session)
    said = db.session.scalars(sa.select(Finding.explanation).where(
        Finding.subject_type == "program", Finding.subject_id == program.id, Finding.status == "no_data")).all()
    newest = db.session.scalar(sa.select(sa.func.max(Observation.period)))
    assert said and all(f"reported for {newest}, the latest quarter of any agency's results (its agency has none "
                        "yet), so nothing to judge" in s for s in said), said
    others = db.session.scalars(sa.select(Finding.explanation).where(
        Finding.subject_type == "program", Finding.subject_id != program.id, Finding.status == "no_data")).all()
    assert all("any agency's" not in s for s in others) and any("of its agency's results" in s for s in others)
