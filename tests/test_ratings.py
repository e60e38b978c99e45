"""OPM rating math: summary bands at every boundary, the level-1 override, the majority rule,
weight validation, and monotonicity as properties."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scorecard.ratings import (
    ElementWeight,
    element_rating,
    plan_summary,
    summary_level,
    summary_score,
    validate_weights,
)

SES = [("Leading Change", 10), ("Leading People", 10), ("Business Acumen", 10), ("Building Coalitions", 10),
       ("Results Driven", 60)]


def ses(weights=None, results=None):
    weights = weights or dict(SES)
    return [ElementWeight(name, weight, name == (results or "Results Driven")) for name, weight in weights.items()]


@pytest.mark.parametrize("score, level", [
    (500, 5), (475, 5), (474, 4), (400, 4), (399, 3), (300, 3), (299, 2), (200, 2), (199, 1), (100, 1)])
def test_summary_level_at_every_band_boundary(score, level):
    assert summary_level(score) == level


def test_summary_score_is_rating_times_weight():
    # 5 x 60 + 4 x 10 + 4 x 10 + 4 x 10 + 3 x 10 = 450
    assert summary_score([(5, 60), (4, 10), (4, 10), (4, 10), (3, 10)]) == 450
    # every boundary reached by real ratings on real weights
    assert summary_score([(5, 95), (0 + 1, 5)]) == 480 and summary_score([(5, 75), (4, 25)]) == 475
    assert summary_score([(5, 70), (4, 25), (3, 5)]) == 465


def test_any_critical_element_rated_one_makes_level_one():
    assert summary_level(480, critical_ratings=[5, 5, 5, 1]) == 1
    assert summary_level(480, critical_ratings=[5, 5, 5, 2]) == 5
    summary = plan_summary([(5, 60, True), (5, 10, True), (5, 10, True), (5, 10, True), (1, 10, True)])
    assert summary.score == 460 and summary.level == 1
    non_critical = plan_summary([(5, 60, True), (5, 10, True), (5, 10, True), (5, 10, True), (1, 10, False)])
    assert non_critical.level == 4


def test_summary_waits_for_every_element():
    partial = plan_summary([(5, 60, True), (None, 40, True)])
    assert (partial.score, partial.level, partial.rated, partial.complete) == (None, None, 1, False)


@pytest.mark.parametrize("ratings, expected", [
    ([5], 5), ([5, 5, 3], 5), ([5, 4, 3, 2], 3), ([5, 5, 1, 1], 1), ([4, 4, 5], 4), ([3, 5, 5, 5, 1], 5),
    ([2, 2, 5], 2), ([1, 5, 5], 5), ([None, 4, 4], 4), ([None], None), ([], None)])
def test_majority_rule(ratings, expected):
    assert element_rating(ratings, "opm_majority") == expected


@pytest.mark.parametrize("ratings, expected", [([5, 4], 5), ([4, 4, 3], 4), ([3, 4, 4, 3], 4), ([1, 2], 2),
                                               ([5, 1, 1], 2)])
def test_weighted_mean_rounds_half_up(ratings, expected):
    assert element_rating(ratings, "weighted_mean") == expected


def test_bad_ratings_and_methods_are_refused():
    with pytest.raises(ValueError, match="from 1 to 5, not 6"):
        element_rating([6])
    with pytest.raises(ValueError, match="unknown rating method 'median'"):
        element_rating([3], "median")


def test_valid_ses_weights_pass():
    assert validate_weights(ses()) == []
    assert validate_weights(ses({"Results Driven": 20, "A": 20, "B": 20, "C": 20, "D": 20})) == []


@pytest.mark.parametrize("weights, message", [
    ({"Results Driven": 15, "A": 25, "B": 25, "C": 25, "D": 10},
     "element 'Results Driven' (Results Driven) weighs 15; Results Driven must weigh at least 20"),
    ({"Results Driven": 30, "A": 4, "B": 26, "C": 20, "D": 20},
     "element 'A' weighs 4; every element must weigh at least 5"),
    ({"Results Driven": 25, "A": 30, "B": 15, "C": 15, "D": 15},
     "element 'A' weighs 30, more than Results Driven (25)"),
    ({"Results Driven": 60, "A": 10, "B": 10, "C": 10, "D": 5}, "the weights add up to 95; they must add up to 100"),
])
def test_weights_that_break_the_rules_are_named(weights, message):
    assert any(message in problem for problem in validate_weights(ses(weights)))


def test_plan_needs_one_results_driven_element():
    problems = validate_weights([ElementWeight("A", 50), ElementWeight("B", 50)])
    assert "exactly one Results Driven element; it has 0" in problems[0]
    assert validate_weights([]) == ["the plan has no elements"]


ratings = st.lists(st.integers(1, 5), min_size=1, max_size=9)


@given(ratings, st.data(), st.sampled_from(["opm_majority", "weighted_mean"]))
def test_a_better_requirement_rating_never_lowers_the_element(values, data, method):
    index = data.draw(st.integers(0, len(values) - 1))
    better = list(values)
    better[index] = data.draw(st.integers(values[index], 5))
    assert element_rating(better, method) >= element_rating(values, method)


@given(st.lists(st.integers(1, 5), min_size=5, max_size=5), st.data())
def test_a_better_element_rating_never_lowers_the_summary(values, data):
    weights = [60, 10, 10, 10, 10]
    index = data.draw(st.integers(0, 4))
    better = list(values)
    better[index] = data.draw(st.integers(values[index], 5))
    before = plan_summary([(r, w, True) for r, w in zip(values, weights)])
    after = plan_summary([(r, w, True) for r, w in zip(better, weights)])
    assert after.score >= before.score and after.level >= before.level
