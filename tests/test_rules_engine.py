"""The evaluator and the facts: conditions, windows and outcomes on facts given directly; each
fact on a small in-memory agency; and the promises that must hold for any data — a better value
never lowers a proposed rating, insufficient data is never red, a decline that is not
significant is never reported."""
import copy
from datetime import UTC, date

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scorecard.models import CommitmentStatus, Direction, MetricKind, RuleSubject, ScopeType
from scorecard.rules.context import (
    CapacityDomainInfo,
    CommitmentInfo,
    ComponentInfo,
    EvaluationContext,
    MetricInfo,
    Pool,
    ProgramInfo,
    RequirementInfo,
    TargetInfo,
)
from scorecard.rules.evaluator import FactResult, FindingDraft, InputRef, Subject, evaluate
from scorecard.rules.facts import FACTS
from scorecard.rules.schema import compile_rule, validate_definition
from scorecard.rules.service import fingerprint, run_rules
from scorecard.scoring import pooled_score
from scorecard.survey import compare, compare_answers, pool, stats_from_counts

TRUST, WAIT = 1, 2
METRICS = {TRUST: MetricInfo(TRUST, "trust", "Trust", MetricKind.likert, Direction.higher, "trust"),
           WAIT: MetricInfo(WAIT, "wait_time", "Wait time", MetricKind.duration, Direction.lower)}
CODES = {m.code for m in METRICS.values()}


def rule(definition: dict):
    return compile_rule(validate_definition(definition, metric_codes=CODES))


# -- the evaluator, with facts given directly ------------------------------------------------------
def given_facts(values: dict):
    """A resolver answering from {(fact, quarter): value or FactResult}; records what it was asked."""
    asked = []

    def resolve(ref, period):
        asked.append((ref.name, period))
        value = values.get((ref.name, period), values.get(ref.name))
        return value if isinstance(value, FactResult) else FactResult(value, None if value is not None else "no_data",
                                                                      details={"value": value})
    resolve.asked = asked
    return resolve


def flag_when(condition):
    return rule({"key": "f", "title": "F", "applies_to": "program", "when": condition,
                 "then": {"flag": "look", "severity": "low"}, "explain": "{program}: {value}"})


def test_a_pooled_value_exactly_on_a_threshold_is_judged_on_it_not_below_it():
    """3.7 (n = 20) and 3.7 (n = 62) weighed is 3.6999999999999997 in floating point: red against an amber
    edge at 3.7, where the page said "3.70"."""
    a = Agency()  # trust's target: 4.0, amber from 3.7; means typed without answers pool before the v2 survey
    a.target(TRUST, ScopeType.agency, 1, 2024, 4.0, 4.0, 3.7)
    a.row(1, "FY2024-Q1", TRUST, 3.7, 20)
    a.row(1, "FY2024-Q1", TRUST, 3.7, 62)
    assert a.fact("metric_value", metric="trust", period="FY2024-Q1").value == pytest.approx(3.7)
    assert a.fact("target_status", metric="trust", period="FY2024-Q1").value == "amber"
    raised = evaluate(flag_when(leaf("metric_value", op="lt", value=3.7)), SUBJECT, "FY2025-Q4",
                      given_facts({"metric_value": (3.7 * 20 + 3.7 * 62) / 82}))
    assert raised is None, "a rule's comparison judges the value as it is shown too"


def test_quarters_in_a_row_below_target_do_not_count_a_value_on_it():
    """3.4 (n = 31) and 3.8 (n = 62) weighed is 3.9999999999999996 in floating point: on a target of 4.0, it was
    counted below it in the quarters in a row, where an `attainment lt 1.0` rule did not."""
    a = Agency()  # means typed without answers pool before the v2 survey
    for year in (2023, 2024):
        a.target(TRUST, ScopeType.agency, 1, year, 4.0, 4.0, 3.7)
    for period in ("FY2023-Q4", "FY2024-Q1"):
        a.row(1, period, TRUST, 3.4, 31)
        a.row(1, period, TRUST, 4.3, 62)
    assert a.fact("consecutive_below_target", metric="trust", period="FY2024-Q1").value == 0
    assert a.fact("consecutive_at_or_above_target", metric="trust", period="FY2024-Q1").value == 2


SUBJECT = Subject(RuleSubject.program, 7, "P7", {"program": "Passport Renewal", "subject": "Passport Renewal"})


def leaf(fact="n", op="ge", value=30, **params):
    return {"fact": fact, "metric": "trust", "op": op, "value": value, **params}


@pytest.mark.parametrize("op, expected, value, raised", [
    ("lt", 30, 29, True), ("lt", 30, 30, False), ("le", 30, 30, True), ("le", 30, 31, False),
    ("gt", 30, 31, True), ("gt", 30, 30, False), ("ge", 30, 30, True), ("ge", 30, 29, False),
    ("eq", 30, 30, True), ("eq", 30, 31, False), ("ne", 30, 31, True), ("ne", 30, 30, False),
    ("between", [10, 20], 10, True), ("between", [10, 20], 20, True), ("between", [10, 20], 21, False),
    ("in", [1, 2, 3], 2, True), ("in", [1, 2, 3], 4, False),
])
def test_every_op(op, expected, value, raised):
    draft = evaluate(flag_when(leaf(op=op, value=expected)), SUBJECT, "FY2025-Q1", given_facts({"n": value}))
    assert (draft is not None) is raised
    if raised:
        assert draft.flag == "look" and draft.severity == "low" and draft.explanation == f"Passport Renewal: {value}"


def test_all_any_not_use_three_valued_logic():
    true, false, unknown = leaf(op="ge", value=0), leaf(op="lt", value=0), leaf("metric_value", "ge", 0)
    facts = given_facts({"n": 5, "metric_value": None})  # metric_value unknown (no data)
    cases = [({"all": [true, true]}, True), ({"all": [true, unknown]}, False), ({"all": [false, unknown]}, False),
             ({"any": [false, unknown]}, False), ({"any": [true, unknown]}, True), ({"not": unknown}, False),
             ({"not": false}, True), ({"not": {"any": [false, {"all": [true, {"not": false}]}]}}, False)]
    for condition, raised in cases:
        assert (evaluate(flag_when(condition), SUBJECT, "FY2025-Q1", facts) is not None) is raised, condition


def test_a_consecutive_window_asks_each_quarter_and_needs_all():
    condition = leaf("attainment", "lt", 1.0, window={"periods": 3, "consecutive": True})
    facts = given_facts({("attainment", "FY2024-Q3"): 0.9, ("attainment", "FY2024-Q4"): 0.95,
                         ("attainment", "FY2025-Q1"): 0.97})
    draft = evaluate(flag_when(condition), SUBJECT, "FY2025-Q1", facts)
    assert draft is not None and facts.asked == [("attainment", "FY2024-Q3"), ("attainment", "FY2024-Q4"),
                                                 ("attainment", "FY2025-Q1")]
    assert draft.facts["values"] == {"attainment(metric=trust)@FY2024-Q3": 0.9,
                                     "attainment(metric=trust)@FY2024-Q4": 0.95,
                                     "attainment(metric=trust)@FY2025-Q1": 0.97}
    broken = given_facts({("attainment", "FY2024-Q3"): 0.9, ("attainment", "FY2024-Q4"): 1.0,
                          ("attainment", "FY2025-Q1"): 0.97})
    assert evaluate(flag_when(condition), SUBJECT, "FY2025-Q1", broken) is None
    gap = given_facts({("attainment", "FY2024-Q3"): 0.9, ("attainment", "FY2025-Q1"): 0.97})
    assert evaluate(flag_when(condition), SUBJECT, "FY2025-Q1", gap) is None  # a quarter without data


BANDS = [[1.05, 5], [1.0, 4], [0.95, 3], [0.9, 2]]


def rating_rule(when=None):
    definition = {"key": "r", "title": "R", "applies_to": "requirement",
                  "then": {"rating": {"by": "attainment", "bands": BANDS, "else": 1}},
                  "explain": "{leader}: {attainment} of target, rating {rating}, {status}"}
    if when:
        definition["when"] = when
    return rule(definition)


@pytest.mark.parametrize("attainment, rating, said", [
    (1.2, 5, "120%"), (1.05, 5, "105%"), (1.049, 4, "104.9%"), (1.0, 4, "100%"), (0.9999, 3, "99.9%"),
    (0.97, 3, "97%"), (0.95, 3, "95%"), (0.93, 2, "93%"), (0.9, 2, "90%"), (0.899, 1, "89.9%"), (0.1, 1, "10%")])
def test_rating_bands(attainment, rating, said):
    """The percent said is rounded down to a tenth: 99.99% read out as 100% beside a rating 3 (the band
    starts at 100%) contradicted itself."""
    subject = Subject(RuleSubject.requirement, 3, None, {"leader": "Avery Chen"})
    facts = given_facts({"attainment": FactResult(attainment, details={"attainment": attainment})})
    draft = evaluate(rating_rule(), subject, "FY2025-Q4", facts)
    assert draft.outcome == "rating" and draft.rating == rating and draft.status is None
    assert draft.explanation == f"Avery Chen: {said} of target, rating {rating}, n/a"


def test_a_finding_keeps_the_fingerprint_it_was_stored_with():
    """Fingerprints were made while the subject type was plain text: the enum must not change them
    (or every stored finding would be rewritten by the next evaluation)."""
    draft = FindingDraft("r", 3, RuleSubject.program, 7, "P7", "FY2025-Q4", "status", status="green",
                         explanation="P7 is green.", facts={"min_n": 30, "as_of": "FY2025-Q4"},
                         inputs=(InputRef("value", metric_id=1, subject_key="program:7", period="FY2025-Q4", value=4.2,
                                          n=40, observation_ids=(5, 6)),))
    assert fingerprint(draft) == "49418b79ab9705f1a893e8a95b8133669001051a3a08642c9fea06db57c8bb52"


def test_unknown_facts_give_insufficient_data_or_nothing():
    subject = Subject(RuleSubject.requirement, 3, None, {"leader": "Avery Chen"})
    short = evaluate(rating_rule(), subject, "FY2025-Q4",
                     given_facts({"attainment": FactResult(None, "insufficient_data")}))
    assert short.rating is None and short.status == "insufficient_data" and short.summary == "insufficient_data"
    assert short.explanation == "Avery Chen: n/a of target, rating n/a, insufficient data"
    no_target = given_facts({"attainment": FactResult(None, "no_target")})
    assert evaluate(rating_rule(), subject, "FY2025-Q4", no_target) is None
    gated = rating_rule(when={"fact": "n", "op": "ge", "value": 30})
    assert evaluate(gated, subject, "FY2025-Q4", given_facts({"n": 10, "attainment": 1.0})) is None
    unknown_n = given_facts({"n": None, "attainment": 1.0})
    assert evaluate(gated, subject, "FY2025-Q4", unknown_n).status == "insufficient_data"


def test_a_score_read_from_nothing_is_no_data_and_says_so_once():
    """A capacity domain's evidence score in a year with no results yet read "no data for FY2027-Q1 yet, so nothing
    to judge (insufficient data)", stored as insufficient data: the word for too few respondents. Read from nothing,
    a score is no data, as a status is; a rating keeps insufficient data."""
    scored = rule({"key": "e", "title": "Measurement evidence", "applies_to": "program",
                   "then": {"score": {"by": "reporting_share", "metric": "trust"}}, "explain": "{program}: {score}"})
    nothing = evaluate(scored, SUBJECT, "FY2027-Q1", given_facts({"reporting_share": FactResult(None, "no_data")}))
    assert (nothing.status, nothing.summary) == ("no_data", "no_data")
    assert nothing.explanation.endswith("FY2027-Q1, the latest quarter of its agency's results, so nothing to judge "
                                        "(no data).")
    short = given_facts({"reporting_share": FactResult(None, "insufficient_data")})
    few = evaluate(scored, SUBJECT, "FY2027-Q1", short)
    assert few.status == "insufficient_data"


def test_inputs_are_collected_once_each():
    one = InputRef("observations", TRUST, "program:7", "FY2025-Q1", 4.1, 120, (1, 2, 3))
    target = InputRef("target", TRUST, value=4.0, target_id=9)
    facts = given_facts({"n": FactResult(120, inputs=(one,)), "attainment": FactResult(1.02, inputs=(one, target))})
    draft = evaluate(flag_when({"all": [leaf(), leaf("attainment", "ge", 1.0)]}), SUBJECT, "FY2025-Q1", facts)
    assert draft.inputs == (one, target)


# -- facts on a small agency held in memory ------------------------------------------------------------
def counts_for(mean: float, n: int) -> list[int]:
    """Answer counts for n respondents with a mean close to `mean` (between two answers)."""
    low = int(mean) if mean < 5 else 4
    high_share = mean - low
    high = round(n * high_share)
    counts = [0] * 5
    counts[low - 1] += n - high
    counts[min(low, 4)] += high
    return counts


class Agency:
    """A tiny agency built straight into an EvaluationContext (no database)."""

    def __init__(self, today=date(2025, 11, 20), min_n=30):
        self.ctx = EvaluationContext(today=today, min_n=min_n)
        ctx = self.ctx
        ctx.metrics, ctx.metric_codes = dict(METRICS), {m.code: m for m in METRICS.values()}
        ctx.components = {1: ComponentInfo(1, "C1", "Benefits", 1, True)}
        ctx.programs = {i: ProgramInfo(i, f"P{i}", f"Program {i}", 1, 1) for i in (1, 2, 3)}
        ctx.component_programs = {1: ["program:1", "program:2", "program:3"]}
        ctx.agencies = [1]
        self.next_id = 1
        self.target(TRUST, ScopeType.agency, 1, 2025, 4.0, 4.0, 3.7)
        self.target(TRUST, ScopeType.agency, 1, 2026, 4.0, 4.0, 3.7)
        self.target(WAIT, ScopeType.agency, 1, 2025, 10, 10, 15)

    def target(self, metric, scope, scope_id, fy, target, green, amber):
        info = TargetInfo(100 + len(self.ctx.targets_by_id), self.ctx.metrics[metric], scope, scope_id, fy, target,
                          green, amber)
        self.ctx.targets[(metric, scope, scope_id, fy)] = info
        self.ctx.targets_by_id[info.id] = info
        return info

    def survey(self, program, period, *counts_list, metric=TRUST):
        for counts in counts_list:
            n = sum(counts)
            value = sum((k + 1) * c for k, c in enumerate(counts)) / n if n else None
            self.row(program, period, metric, value, n, counts)
        self.ctx.as_of_by_agency[1] = max(self.ctx.as_of_by_agency.get(1, ""), period)
        self.ctx.as_of_global = self.ctx.as_of_by_agency[1]

    def row(self, program, period, metric, value, n, counts=(None,) * 5):
        key = (f"program:{program}", metric, period)
        self.ctx.groups.setdefault(key, []).append((self.next_id, *key, value, n, *counts))
        self.next_id += 1
        self.ctx.as_of_by_agency[1] = max(self.ctx.as_of_by_agency.get(1, ""), period)
        self.ctx.as_of_global = self.ctx.as_of_by_agency[1]

    def fact(self, name, subject=None, period="FY2025-Q4", subject_type="program", **params):
        from scorecard.rules.facts import resolve
        from scorecard.rules.schema import _ref
        entity = subject or self.ctx.programs[1]
        return resolve(self.ctx, RuleSubject(subject_type), entity, _ref(name, params), period)


def test_metric_value_pools_touchpoints_and_windows():
    a = Agency()
    a.survey(1, "FY2025-Q3", [10, 10, 20, 30, 30])
    a.survey(1, "FY2025-Q4", [5, 5, 10, 40, 40], [0, 10, 10, 20, 10])
    q4 = stats_from_counts(pool([5, 5, 10, 40, 40], [0, 10, 10, 20, 10]))
    result = a.fact("metric_value", metric="trust")
    assert result.value == pytest.approx(q4.mean) and result.details["n"] == 150
    assert [i.observation_ids for i in result.inputs] == [(2, 3)]
    both = a.fact("metric_value", metric="trust", window={"periods": 2})
    assert both.value == pytest.approx(stats_from_counts(pool([10, 10, 20, 30, 30], [5, 5, 10, 40, 40],
                                                              [0, 10, 10, 20, 10])).mean)
    assert [(i.period, i.n) for i in both.inputs] == [("FY2025-Q3", 100), ("FY2025-Q4", 150)]
    assert a.fact("metric_value", metric="trust", at="FY2025-Q3").value == pytest.approx(3.6)
    assert a.fact("metric_value", metric="trust", period="FY2026-Q1").reason == "no_data"
    assert a.fact("metric_value", metric="trust", period="FY2026-Q1", at="latest").value == pytest.approx(q4.mean)


def test_below_the_minimum_sample_a_survey_value_is_unknown():
    a = Agency()
    a.survey(1, "FY2025-Q4", [1, 2, 3, 10, 13])  # n = 29
    for name in ("metric_value", "attainment", "target_status"):
        result = a.fact(name, metric="trust")
        assert result.value is None and result.reason == "insufficient_data", name
    assert a.fact("n", metric="trust").value == 29
    assert a.fact("sufficient", metric="trust").value is False
    assert a.fact("sufficient", metric="trust", min_n=20).value is True
    assert a.fact("reported", metric="trust").value is True


def test_attainment_is_direction_aware():
    a = Agency()
    a.survey(1, "FY2025-Q4", [0, 0, 20, 60, 20])  # mean 4.0
    a.row(1, "FY2025-Q4", WAIT, 8.0, None)
    a.row(2, "FY2025-Q4", WAIT, 12.5, None)
    assert a.fact("attainment", metric="trust").value == pytest.approx(1.0)
    assert a.fact("target_status", metric="trust").value == "green"
    assert a.fact("attainment", metric="wait_time").value == pytest.approx(1.2), "8 against 10: 20% better"
    assert a.fact("attainment", metric="wait_time", subject=a.ctx.programs[2]).value == pytest.approx(0.75)
    assert a.fact("target_status", metric="wait_time", subject=a.ctx.programs[2]).value == "amber"
    assert a.fact("attainment", metric="trust", period="FY2024-Q4").reason == "no_data"


def test_a_program_at_zero_does_not_lift_a_pooled_value_that_misses_the_target():
    # lower is better: 0 is a true value (no one named the wait), not ten times the target
    a = Agency()  # wait time's target: 10
    a.row(1, "FY2025-Q4", WAIT, 0.0, 100)
    a.row(2, "FY2025-Q4", WAIT, 13.4, 300)
    requirement = RequirementInfo(1, "Shorten the wait", "Results Driven", True, 2025, 1, "Avery Chen", 1, None, WAIT,
                                  None, None, (1, 2))
    a.ctx.requirements = {1: requirement}
    result = a.fact("attainment", subject=requirement, subject_type="requirement")
    assert result.details["value"] == pytest.approx(10.05), "pooled, weighted by respondents: misses 10"
    assert result.value == pytest.approx(2 - 10.05 / 10) and result.value < 1, (
        "the attainment says what the pooled value says: just below target")


def test_a_value_exactly_at_a_bands_edge_is_in_that_band():
    a = Agency()  # wait time's target: 10; lower is better
    a.row(1, "FY2025-Q4", WAIT, 11.0, None)   # 10% worse: 2 - 1.1 is 0.8999999999999999 in floating point
    a.row(2, "FY2025-Q4", WAIT, 9.5, None)    # 5% better: 1.0499999999999998
    assert a.fact("attainment", metric="wait_time").value == 0.9
    assert a.fact("attainment", metric="wait_time", subject=a.ctx.programs[2]).value == 1.05


def test_an_attainment_says_and_judges_the_programs_judged_against_a_target_only():
    """A program with no target is left out of the attainment: its respondents made ten respondents'
    5.0 pass the minimum sample, and its value was said as the one judged ("2.03 (n=1,010) ... 125% of
    target")."""
    requirement = RequirementInfo(1, "Raise trust", "Results Driven", True, 2025, 1, "Avery Chen", 1, None, TRUST,
                                  None, None, (1, 4))

    def attainment(judged_respondents):
        a = Agency()
        a.ctx.components[2] = ComponentInfo(2, "C2", "Elsewhere", 2, True)  # an agency without a trust target
        a.ctx.programs[4] = ProgramInfo(4, "P4", "Program 4", 2, 2)
        a.ctx.component_programs[2] = ["program:4"]
        a.ctx.agencies = [1, 2]
        a.survey(1, "FY2025-Q4", [0, 0, 0, 0, judged_respondents])   # 5.0 against 4.0
        a.survey(4, "FY2025-Q4", [400, 300, 200, 100, 0])             # 2.0, n = 1,000: no target
        a.ctx.requirements = {1: requirement}
        return a.fact("attainment", subject=requirement, subject_type="requirement")
    few = attainment(10)
    assert (few.value, few.reason) == (None, "insufficient_data"), "10 respondents judged: below 30"
    assert (few.details["value"], few.details["n"], few.details["reporting"]) == (5.0, 10, 1)
    enough = attainment(40)
    assert enough.value == pytest.approx(5.0 / 4.0) and enough.details["n"] == 40
    assert enough.details["left_out"] == " (left out, with no FY2025 target: Program 4)"


def test_a_requirements_explanation_names_the_linked_programs_it_left_out_and_why():
    """A rating read 1 of 6 linked programs, and its finding did not say which five were left out, nor why: it
    names them, each with its reason (no target for the year; no results in the quarters read)."""
    from scorecard.rules.explain import render

    a = Agency()
    a.ctx.components[2] = ComponentInfo(2, "C2", "Elsewhere", 2, True)  # an agency without a trust target
    for program in (4, 5):
        a.ctx.programs[program] = ProgramInfo(program, f"P{program}", f"Program {program}", 2, 2)
    a.ctx.agencies = [1, 2]
    a.survey(1, "FY2025-Q4", [0, 0, 0, 0, 40])     # judged: 5.0 against 4.0
    a.survey(4, "FY2025-Q4", [10, 10, 10, 10, 10])  # no FY2025 target in its agency
    a.ctx.requirements = {1: RequirementInfo(1, "Raise trust", "Results Driven", True, 2025, 1, "Avery Chen", 1, None,
                                             TRUST, None, None, (1, 4, 5))}  # program 5 reported nothing
    found = a.fact("attainment", subject=a.ctx.requirements[1], subject_type="requirement")
    said = render("across {reporting} of {programs} linked program(s){left_out} was {value}", found.details)
    assert said == ("across 1 of 3 linked programs (left out, with no FY2025 target: Program 4; with no results in "
                    "these quarters: Program 5) was 5.00")
    alone = Agency()
    alone.survey(1, "FY2025-Q4", [0, 0, 0, 0, 40])
    assert alone.fact("attainment", metric="trust").details["left_out"] == "", "none left out: nothing said"


def test_a_change_across_the_surveys_change_is_not_judged():
    """A-11's v1 statement on 1-5 and v2's trust question are not one measure: 4.20 then 3.80 (the
    share who trust rising from 60% to 70%) was said to be "a significant decline"."""
    a = Agency()
    a.survey(1, "FY2024-Q1", [0, 0, 120, 0, 180])   # v1: mean 4.20
    a.survey(1, "FY2024-Q2", [90, 0, 0, 0, 210])    # v2 thumbs, as 1 and 5: 70% trust
    across = a.fact("change", metric="trust", period="FY2024-Q2")
    assert (across.value, across.reason) == (None, "not_applicable")
    assert across.details["method_break"] == "FY2024-Q2"
    a.survey(1, "FY2024-Q3", [120, 0, 0, 0, 180])
    assert a.fact("change", metric="trust", period="FY2024-Q3").value is not None, "both v2: compared"


def test_a_windows_survey_results_are_read_on_the_last_quarters_side_of_the_surveys_change():
    """A FY2024 rating pooled FY2024-Q1's answers on 1-5 (A-11's v1 statement) with the thumbs up or down of
    FY2024-Q2 on (v2's trust question, as 1 and 5): not one measure. The window reads the v2 quarters, and says
    which it left out."""
    from scorecard.rules.explain import render

    a = Agency()
    a.target(TRUST, ScopeType.agency, 1, 2024, 4.0, 4.0, 3.7)
    a.survey(1, "FY2024-Q1", [0, 0, 100, 0, 0])      # v1: 3.00 from 100
    for quarter in ("FY2024-Q2", "FY2024-Q3", "FY2024-Q4"):
        a.survey(1, quarter, [20, 0, 0, 0, 80])      # v2: 80% thumbs up, 4.20
    found = a.fact("attainment", metric="trust", period="FY2024-Q4", window={"periods": 4})
    assert found.details["n"] == 300 and found.value == pytest.approx(4.2 / 4.0)
    said = render("in {quarters_with_data} of the {periods} quarters to {period} ({quarters_read})",
                  {**found.details, "period": "FY2024-Q4"})
    assert said == ("in 3 of the 4 quarters to FY2024-Q4 (FY2024-Q2 to FY2024-Q4; FY2024-Q1 left out, asked before "
                    "A-11's survey changed in FY2024-Q2)")
    status = a.fact("target_status", metric="trust", period="FY2024-Q4", window={"periods": 4})
    assert (status.value, status.details["n"]) == ("green", 300)
    v1 = a.fact("attainment", metric="trust", period="FY2024-Q1", window={"periods": 4})
    assert v1.details["n"] == 100 and "left out" not in v1.details["quarters_read"], "one survey: all read"
    # every fact over a window of the program's survey results reads the same quarters
    value = a.fact("metric_value", metric="trust", period="FY2024-Q4", window={"periods": 4})
    assert (value.value, value.details["n"]) == (pytest.approx(4.2), 300)
    assert value.details["quarters_read"].endswith("FY2024-Q1 left out, asked before A-11's survey changed in "
                                                   "FY2024-Q2")
    assert a.fact("n", metric="trust", period="FY2024-Q4", window={"periods": 4}).value == 300
    trend = a.fact("trend_slope", metric="trust", period="FY2024-Q4", window={"periods": 4})
    assert trend.value == pytest.approx(0.0) and not any("FY2024-Q1" in v for v in trend.details["values"])


def test_a_v2_aspects_share_is_survey_data_judged_with_enough_respondents_and_tested_for_change():
    """The v2 aspects are shares of respondents: 3 respondents' 66.7% was proposed Outstanding, 2
    respondents' 0% red, and any fall a decline."""
    ease = 3
    metric = MetricInfo(ease, "a11v2_positive_ease", "% naming ease as what went well", MetricKind.percent,
                        Direction.higher)
    assert metric.is_survey and not METRICS[WAIT].is_survey

    def agency_with(*rows):
        a = Agency()
        a.ctx.metrics[ease], a.ctx.metric_codes[metric.code] = metric, metric
        a.target(ease, ScopeType.agency, 1, 2025, 30.0, 30.0, 25.0)
        for period, value, n in rows:
            a.row(1, period, ease, value, n)
        return a
    few = agency_with(("FY2025-Q4", 66.7, 3))
    assert few.fact("attainment", metric=metric.code).reason == "insufficient_data"
    assert few.fact("target_status", metric=metric.code).reason == "insufficient_data"
    small_fall = agency_with(("FY2025-Q3", 50.0, 40), ("FY2025-Q4", 45.0, 40))
    assert small_fall.fact("change", metric=metric.code).value == 0.0, "5 points of 40 respondents: not significant"
    fall = agency_with(("FY2025-Q3", 50.0, 400), ("FY2025-Q4", 40.0, 400))
    change = fall.fact("change", metric=metric.code)
    assert change.value == pytest.approx(-10.0) and change.details["ci"][1] < 0, "percentage points, significant"


def test_a_value_of_no_respondents_weighs_nothing():
    """90% of 5,000 and a row of 0% with n = 0 pooled to 45% (n = 5,000)."""
    a = Agency()
    a.row(1, "FY2025-Q4", WAIT, 9.0, 5000)
    a.row(1, "FY2025-Q4", WAIT, 0.0, 0)
    result = a.fact("metric_value", metric="wait_time")
    assert (result.value, result.details["n"]) == (9.0, 5000)

    class Row:
        def __init__(self, id, value, n):
            self.id, self.value, self.n = id, value, n
            self.count_1 = self.count_2 = self.count_3 = self.count_4 = self.count_5 = None
    score = pooled_score(MetricKind.percent, [Row(1, 90.0, 5000), Row(2, 0.0, 0)])
    assert (score.value, score.n) == (90.0, 5000), "the dashboards' pooling too"


def test_a_requirement_pools_its_programs_weighted_by_respondents():
    a = Agency()
    a.target(TRUST, ScopeType.program, 1, 2025, 4.5, 4.5, 4.0)  # a stricter target for program 1
    a.survey(1, "FY2025-Q4", [0, 0, 0, 100, 0])   # 4.0 against 4.5, n = 100
    a.survey(2, "FY2025-Q4", [0, 0, 0, 0, 300])   # 5.0 against 4.0, n = 300
    requirement = RequirementInfo(1, "Raise trust", "Results Driven", True, 2025, 1, "Avery Chen", 1, None, TRUST,
                                  None, None, (1, 2))
    a.ctx.requirements = {1: requirement}
    result = a.fact("attainment", subject=requirement, subject_type="requirement")
    assert result.value == pytest.approx((100 * 4.0 / 4.5 + 300 * 5.0 / 4.0) / 400)
    assert result.details["n"] == 400 and result.details["value"] == pytest.approx(4.75)
    assert result.details["target"] == "4.00 to 4.50 (each program against its own)"
    assert {i.target_id for i in result.inputs if i.role == "target"} == {100, 103}
    drafts = run_rules(a.ctx, [rule({"key": "r", "title": "R", "applies_to": "requirement",
                                     "then": {"rating": {"by": "attainment", "bands": BANDS}},
                                     "explain": "{leader} {rating}"})])
    assert [(d.subject_id, d.rating, d.period, d.explanation) for d in drafts] == [
        (1, 5, "FY2025-Q4", "Avery Chen 5")]


def test_changes_count_only_when_significant():
    a = Agency()
    a.survey(1, "FY2025-Q3", [5, 5, 10, 40, 40])
    a.survey(1, "FY2025-Q4", [20, 20, 20, 20, 20])  # a real fall
    a.survey(2, "FY2025-Q3", [5, 5, 10, 40, 40])
    a.survey(2, "FY2025-Q4", [6, 5, 10, 40, 39])    # noise
    fell = compare([5, 5, 10, 40, 40], [20, 20, 20, 20, 20])
    assert fell.significant
    assert a.fact("declined", metric="trust").value is True
    assert a.fact("change", metric="trust").value == pytest.approx(fell.delta)
    assert a.fact("change_direction", metric="trust").value == "down"
    assert a.fact("improved", metric="trust").value is False
    other = a.ctx.programs[2]
    assert a.fact("declined", metric="trust", subject=other).value is False
    assert a.fact("change", metric="trust", subject=other).value == 0.0
    assert a.fact("change_direction", metric="trust", subject=other).value == "none"
    assert a.fact("declined", metric="trust", vs="year_ago").reason == "no_data"


def test_consecutive_quarters_and_trend():
    a = Agency()
    for period, counts in (("FY2025-Q1", [0, 0, 0, 100, 0]), ("FY2025-Q2", [0, 0, 10, 90, 0]),
                           ("FY2025-Q3", [0, 0, 20, 80, 0]), ("FY2025-Q4", [0, 0, 30, 70, 0])):
        a.survey(1, period, counts)
    below = a.fact("consecutive_below_target", metric="trust")
    assert below.value == 3 and below.details["values"] == ["FY2025-Q2 3.90", "FY2025-Q3 3.80", "FY2025-Q4 3.70"]
    assert a.fact("consecutive_at_or_above_target", metric="trust", period="FY2025-Q1").value == 1
    assert a.fact("consecutive_below_target", metric="trust", max=2).value == 2
    assert a.fact("trend_slope", metric="trust").value == pytest.approx(-0.1)
    assert a.fact("trend_slope", metric="trust", period="FY2025-Q2").reason == "insufficient_data"


def test_commitment_facts():
    a = Agency(today=date(2025, 11, 20))
    from datetime import datetime
    late = CommitmentInfo(1, "Publish CX data", 1, None, None, None, CommitmentStatus.at_risk, date(2025, 10, 1),
                          datetime(2025, 9, 1, 12, tzinfo=UTC), None)
    done = CommitmentInfo(2, "Hire staff", 1, None, None, None, CommitmentStatus.complete, date(2025, 10, 1),
                          None, datetime(2025, 11, 10, 12, tzinfo=UTC))
    assert a.fact("overdue", subject=late, subject_type="commitment").value is True
    assert a.fact("days_overdue", subject=late, subject_type="commitment").value == 50
    assert a.fact("days_since_update", subject=late, subject_type="commitment").value == 80
    assert a.fact("days_to_due", subject=late, subject_type="commitment").value == -50
    assert a.fact("commitment_status", subject=late, subject_type="commitment").value == "at_risk"
    assert a.fact("overdue", subject=done, subject_type="commitment").value is False
    assert a.fact("days_since_update", subject=done, subject_type="commitment").value == 10


@pytest.mark.parametrize("today, periods, share", [
    (date(2025, 10, 20), 3, 1 / 3),  # FY2025-Q4's results are not yet due (30 days after the quarter): not judged
    (date(2025, 11, 20), 4, 0.0)])   # due since 30 October and nobody reported them: nobody reported every quarter
def test_reporting_share_and_capacity_score(today, periods, share):
    """An agency that stopped reporting read as "no data for FY2026 yet", its Measurement evidence never scored: a
    quarter whose results were due counts, reported or not."""
    a = Agency(today=today)
    for period in ("FY2025-Q1", "FY2025-Q2", "FY2025-Q3"):
        a.survey(1, period, [0, 0, 10, 30, 10])
        a.survey(2, period, [0, 0, 10, 30, 10] if period != "FY2025-Q2" else [0, 0, 5, 5, 5])
    domain = CapacityDomainInfo(1, 1, 1, 2025, "Measurement", 5.0, 1, 7)
    a.ctx.capacity = {1: domain}
    found = a.fact("reporting_share", subject=domain, subject_type="capacity_domain", metric="trust",
                   period="FY2025-Q4")
    assert found.value == pytest.approx(share) and found.details["periods"] == periods
    assert found.details["reporting"] == round(share * 3) and found.details["programs"] == 3
    assert a.fact("capacity_score", subject=domain, subject_type="capacity_domain").value == 5.0


def test_an_agency_that_stopped_reporting_is_judged_on_the_years_quarters_it_did_not_report():
    """Its last results FY2023-Q1, its FY2026 capacity assessment's Measurement evidence read "no data for FY2026-Q1
    yet, so nothing to judge", beside a compliance page showing every FY2026 quarter not reported."""
    from scorecard.models import RuleSubject
    from scorecard.rules.subjects import as_of

    a = Agency(today=date(2026, 12, 7))
    a.survey(1, "FY2023-Q1", [0, 0, 10, 30, 10])
    domain = CapacityDomainInfo(1, 1, 1, 2026, "Measurement", 5.0, 1, 7)
    a.ctx.capacity = {1: domain}
    period = as_of(a.ctx, RuleSubject.capacity_domain, domain)
    assert period == "FY2026-Q4"
    found = a.fact("reporting_share", subject=domain, subject_type="capacity_domain", metric="trust", period=period)
    assert (found.value, found.details["periods"], found.details["reporting"]) == (0.0, 4, 0)
    empty = Agency(today=date(2026, 12, 7))  # an agency with no results at all has nothing to judge yet
    empty.ctx.capacity = {1: domain}
    assert empty.fact("reporting_share", subject=domain, subject_type="capacity_domain", metric="trust",
                      period=as_of(empty.ctx, RuleSubject.capacity_domain, domain)).value is None


def test_every_registered_fact_has_a_docstring_and_a_type():
    for spec in FACTS.values():
        assert spec.doc and spec.returns in ("number", "bool", "text"), spec.name


# -- promises for any data ---------------------------------------------------------------------------
ROW = st.tuples(st.integers(1, 10**6), st.one_of(st.none(), st.floats(0, 100)),
                st.one_of(st.none(), st.integers(0, 500)),
                st.lists(st.one_of(st.none(), st.integers(0, 200)), min_size=5, max_size=5))


@settings(max_examples=200, deadline=None)
@given(st.lists(ROW, min_size=1, max_size=8), st.integers(0, 7), st.sampled_from(list(MetricKind)))
def test_pooling_agrees_with_the_heatmap_scoring(rows, split, kind):
    """Pools (and pools of pools) give exactly what scorecard.scoring.pooled_score gives."""
    class Row:
        def __init__(self, i, value, n, counts):
            self.id, self.value, self.n = i, value, n
            self.count_1, self.count_2, self.count_3, self.count_4, self.count_5 = counts
    tuples = [(i, "program:1", 1, "FY2025-Q1", v, n, *c) for i, v, n, c in rows]
    expected = pooled_score(kind, [Row(i, v, n, c) for i, v, n, c in rows])
    parts = [p for p in (tuples[:split], tuples[split:]) if p]
    got = Pool.total([Pool.of_rows(p) for p in parts]).score(kind)
    assert (got.value is None) == (expected.value is None)
    if expected.value is not None:
        assert got.value == pytest.approx(expected.value)
    assert got.n == expected.n


COUNTS = st.lists(st.integers(0, 400), min_size=5, max_size=5).filter(lambda c: sum(c) >= 30)
SMALL_COUNTS = st.lists(st.integers(0, 6), min_size=5, max_size=5).filter(lambda c: 0 < sum(c) < 30)


@st.composite
def bands(draw):
    thresholds = sorted(draw(st.lists(st.floats(0.5, 1.5), min_size=1, max_size=4, unique=True)), reverse=True)
    ratings = sorted(draw(st.lists(st.integers(1, 5), min_size=len(thresholds), max_size=len(thresholds))),
                     reverse=True)
    return [[t, r] for t, r in zip(thresholds, ratings)], draw(st.integers(1, ratings[-1]))


def _rating(agency_setup, rating_definition):
    drafts = run_rules(agency_setup.ctx, [rule(rating_definition)])
    return drafts[0].rating if drafts else None


@settings(max_examples=150, deadline=None)
@given(COUNTS, COUNTS, bands(), st.floats(2.0, 5.0))
def test_a_better_survey_score_never_lowers_the_proposed_rating(first, second, band, target):
    worse, better = sorted([first, second], key=lambda c: stats_from_counts(c).mean)
    band_list, otherwise = band
    definition = {"key": "r", "title": "R", "applies_to": "program",
                  "then": {"rating": {"by": "attainment", "metric": "trust", "bands": band_list, "else": otherwise}},
                  "explain": "{rating}"}
    ratings = []
    for counts in (worse, better):
        a = Agency()
        a.target(TRUST, ScopeType.agency, 1, 2025, target, target, target * 0.9)
        a.survey(1, "FY2025-Q4", counts)
        ratings.append(_rating(a, definition))
    assert None not in ratings and ratings[1] >= ratings[0]


@settings(max_examples=150, deadline=None)
@given(st.floats(0.1, 60), st.floats(0.1, 60), bands(), st.floats(1, 30))
def test_a_shorter_wait_never_lowers_the_proposed_rating(first, second, band, target):
    better, worse = sorted([first, second])  # lower is better
    band_list, otherwise = band
    definition = {"key": "r", "title": "R", "applies_to": "program",
                  "then": {"rating": {"by": "attainment", "metric": "wait_time", "window": {"periods": 2},
                                      "bands": band_list, "else": otherwise}},
                  "explain": "{rating}"}
    ratings = []
    for value in (worse, better):
        a = Agency()
        a.target(WAIT, ScopeType.agency, 1, 2025, target, target, target * 1.5)
        a.row(1, "FY2025-Q3", WAIT, value, None)
        a.row(1, "FY2025-Q4", WAIT, value, None)
        ratings.append(_rating(a, definition))
    assert ratings[1] >= ratings[0]


RED_RULES = [
    {"then": {"status": {"by": "target_status", "metric": "trust"}}},
    {"then": {"status": {"by": "attainment", "metric": "trust", "bands": [[1.0, "green"], [0.9, "amber"]]}}},
    {"when": {"fact": "attainment", "metric": "trust", "op": "lt", "value": 1.0}, "then": {"status": "red"}},
    {"when": {"not": {"fact": "metric_value", "metric": "trust", "op": "ge", "value": 4.5}}, "then": {"status": "red"}},
    {"when": {"any": [{"fact": "metric_value", "metric": "trust", "op": "lt", "value": 4.0},
                      {"fact": "change", "metric": "trust", "op": "lt", "value": 0}]}, "then": {"status": "red"}},
    {"when": {"fact": "n", "metric": "trust", "op": "lt", "value": 30}, "then": {"status": "red"}},
    {"when": {"fact": "sufficient", "metric": "trust", "op": "eq", "value": False}, "then": {"status": "red"}},
    {"when": {"fact": "consecutive_at_or_above_target", "metric": "trust", "op": "lt", "value": 1},
     "then": {"status": "red"}},
    {"when": {"fact": "n", "metric": "trust", "op": "lt", "value": 30}, "then": {"rating": 1}},
]


@settings(max_examples=150, deadline=None)
@given(SMALL_COUNTS, st.one_of(st.none(), COUNTS), st.sampled_from(RED_RULES))
def test_insufficient_data_is_never_red(counts, prior, shape):
    a = Agency()
    a.survey(1, "FY2025-Q4", counts)
    if prior is not None:
        a.survey(1, "FY2025-Q3", prior)
    definition = {"key": "s", "title": "S", "applies_to": "program", "explain": "{status}", **copy.deepcopy(shape)}
    drafts = run_rules(a.ctx, [rule(definition)])
    assert 1 in {d.subject_id for d in drafts}  # a finding that says so, not silence
    for draft in drafts:  # programs 2 and 3 have no data at all: a status says so (no data), a rating insufficient
        assert draft.status in ("insufficient_data", "no_data"), draft.status
        assert draft.status.replace("_", " ") in draft.explanation, (draft.status, draft.explanation)
        assert draft.status == "insufficient_data" or (draft.outcome == "status" and not draft.inputs)
        assert draft.rating is None


@st.composite
def before_and_after(draw):
    """Two quarters' answer counts, the second often a small perturbation of the first."""
    before = draw(COUNTS)
    if draw(st.booleans()):
        return before, draw(COUNTS)
    shifts = draw(st.lists(st.integers(-8, 8), min_size=5, max_size=5))
    after = [max(0, c + d) for c, d in zip(before, shifts)]
    assume(sum(after) >= 30)
    return before, after


@settings(max_examples=200, deadline=None)
@given(before_and_after())
def test_a_decline_is_reported_only_when_significant(pair):
    before, after = pair
    change = compare_answers(before, after, as_share=True)  # FY2025 is A-11's v2 survey: trust is the share
    a = Agency()
    a.survey(1, "FY2025-Q3", before)
    a.survey(1, "FY2025-Q4", after)
    fell = change.significant and change.direction == "down"
    assert a.fact("declined", metric="trust").value is fell
    assert a.fact("change", metric="trust").value == (pytest.approx(change.delta) if change.significant else 0.0)
    flags = run_rules(a.ctx, [rule({"key": "d", "title": "D", "applies_to": "program",
                                    "when": {"any": [{"fact": "declined", "metric": "trust", "op": "eq", "value": True},
                                                     {"fact": "change", "metric": "trust", "op": "lt", "value": 0}]},
                                    "then": {"flag": "decline"}, "explain": "{change}"})])
    assert [d.subject_id for d in flags] == ([1] if fell else [])


def test_a_changes_interval_is_rounded_once_as_the_overview_rounds_it():
    """The interval was kept to 3 places and written to 2: -1.03501 read "-1.03" in the finding and "-1.04" on
    the overview."""
    from scorecard.rules.explain import as_text

    a = Agency()
    a.survey(1, "FY2025-Q3", [40, 0, 0, 0, 60])
    a.survey(1, "FY2025-Q4", [80, 0, 0, 0, 70])
    change = compare([40, 0, 0, 0, 60], [80, 0, 0, 0, 70])
    found = a.fact("change", metric="trust").details["ci"]
    assert found == [pytest.approx(change.ci_low, abs=1e-6), pytest.approx(change.ci_high, abs=1e-6)]
    assert as_text(found).startswith(f"{change.ci_low:.2f}"), (as_text(found), change.ci_low)


def test_v2_trust_is_not_said_to_decline_while_the_share_who_trust_holds():
    """From A-11's v2 survey on trust is the share who trust: 40 answers of 5, then 35 of 4 and 5 of 5, is all
    trusting in both quarters, and was flagged "trust fell from 5.00 to 4.12, a significant decline". Before it
    (v1's statement on 1-5) the same answers are a decline of the mean."""
    a = Agency()
    a.survey(1, "FY2025-Q3", [0, 0, 0, 0, 40])
    a.survey(1, "FY2025-Q4", [0, 0, 0, 35, 5])
    assert a.fact("declined", metric="trust").value is False
    assert a.fact("change", metric="trust").value == 0.0
    a.survey(2, "FY2025-Q3", [0, 0, 0, 0, 40])
    a.survey(2, "FY2025-Q4", [10, 0, 0, 0, 30])  # a quarter of them no longer trusting: a decline
    assert a.fact("declined", metric="trust", subject=a.ctx.programs[2]).value is True
    v1 = Agency()
    v1.target(TRUST, ScopeType.agency, 1, 2023, 4.0, 4.0, 3.7)
    v1.survey(1, "FY2023-Q3", [0, 0, 0, 0, 40])
    v1.survey(1, "FY2023-Q4", [0, 0, 0, 35, 5])
    assert v1.fact("declined", metric="trust", period="FY2023-Q4").value is True


@pytest.mark.parametrize("days, said", [(1, "is 1 day overdue;"), (5, "is 5 days overdue;")])
def test_the_default_packs_overdue_finding_counts_its_days_in_words(days, said):
    """"is 1 days overdue" on the commitment's page, where its lists say "overdue by 1 day"."""
    from scorecard.rules.explain import render
    from scorecard.rules.store import default_pack

    (template,) = [rule["explain"] for rule in default_pack() if "{days_overdue}" in rule.get("explain", "")]
    text = render(template, {"commitment": "Retire paper intake", "function": "CIO", "due_date": "2026-12-04",
                             "days_overdue": days, "commitment_status": "off_track"})
    assert said in text, text
