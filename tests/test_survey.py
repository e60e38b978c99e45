"""Survey statistics, checked against the real performance.gov trust file and by hand."""
import csv
import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scorecard.survey import (
    MIN_N_DEFAULT,
    compare,
    point_scale,
    pool,
    stats_from_counts,
    sufficient,
    summed_counts,
)
from tests.helpers import SHARED_DATA

DATA = SHARED_DATA
TRUST_CSV = DATA / "hisp-trust-fy2021q1-fy2023q1.csv"
COUNT_COLUMNS = ["strongly_disagree_num", "disagree_num", "neutral_num", "agree_num",
                 "strongly_agree_num"]


def parse_count(text: str) -> int:
    """Counts as written in the file: "12", "12.0", " 12 " or blank (0)."""
    text = (text or "").strip()
    if not text:
        return 0
    value = Decimal(text)
    assert value == value.to_integral_value(), f"count {text!r} is not whole"
    return int(value)


def trust_rows() -> list[dict]:
    with TRUST_CSV.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def test_point_scale_matches_every_published_row():
    rows = trust_rows()
    assert len(rows) == 478
    counted = [r for r in rows if sum(parse_count(r[c]) for c in COUNT_COLUMNS) > 0]
    assert len(counted) == 446
    mismatches = []
    for row in counted:
        counts = [parse_count(row[c]) for c in COUNT_COLUMNS]
        published = Decimal(row["point_scale"])
        ours = point_scale(counts)
        if Decimal(f"{ours:.2f}") != published:
            mismatches.append((counts, row["point_scale"], ours))
        stats = stats_from_counts(counts)
        assert stats.n == sum(counts)
        assert abs(stats.mean - float(published)) <= 0.005 + 1e-9
        top2 = parse_count(row["strongly_agree_or_agree_num"])
        assert stats.percent_agree == pytest.approx(top2 / stats.n * 100)
    assert mismatches == []


def test_rows_without_counts_are_no_data():
    empty = [r for r in trust_rows() if sum(parse_count(r[c]) for c in COUNT_COLUMNS) == 0]
    assert len(empty) == 478 - 446
    for row in empty:
        assert row["point_scale"].strip() == ""
        stats = stats_from_counts([parse_count(row[c]) for c in COUNT_COLUMNS])
        assert stats.n == 0 and not stats.has_data
        assert stats.mean is None and stats.percent_agree is None and stats.ci_low is None
        assert point_scale([parse_count(row[c]) for c in COUNT_COLUMNS]) is None


def test_hand_computed_example():
    # one answer at each level: mean 3, sample variance (4+1+0+1+4)/4 = 2.5
    stats = stats_from_counts([1, 1, 1, 1, 1])
    assert stats.n == 5 and stats.mean == 3
    assert stats.percent_agree == pytest.approx(40.0)
    assert stats.std_dev == pytest.approx(math.sqrt(2.5))
    assert stats.std_error == pytest.approx(math.sqrt(0.5))  # 0.70711
    assert stats.ci_low == pytest.approx(3 - 1.96 * 0.7071068, abs=1e-6)  # 1.61407
    assert stats.ci_high == pytest.approx(4.3859293, abs=1e-6)
    # two 4s and two 5s: mean 4.5, variance 4 * 0.25 / 3 = 1/3, SE = sqrt(1/12)
    stats = stats_from_counts([0, None, 0, 2, 2])
    assert stats.mean == 4.5 and stats.percent_agree == 100
    assert stats.std_error == pytest.approx(0.2886751, abs=1e-6)


def test_small_samples():
    one = stats_from_counts([0, 0, 1, 0, 0])
    assert one.n == 1 and one.mean == 3 and one.percent_agree == 0
    assert one.std_dev is None and one.std_error is None and one.ci_low is None
    same = stats_from_counts([0, 0, 0, 0, 7])
    assert same.std_dev == 0 and same.ci_low is None and same.ci_high is None, (
        "seven answers of 5 gave the interval 5.00 to 5.00: a certainty no sample gives")
    few = stats_from_counts([1, 0, 0, 0, 11])  # 12 answers, mean 4.67: Wald's interval reached 5.32
    assert few.ci_high == 5 and few.ci_low == pytest.approx(few.mean - 1.96 * few.std_error)


def test_point_scale_rounds_half_up():
    assert point_scale([0, 0, 0, 7, 1]) == 4.13   # 4.125 exactly
    assert point_scale([0, 0, 1, 0, 7]) == 4.75
    assert point_scale([0, 0, 3, 0, 0]) == 3.0
    assert point_scale([0, 0, 0, 0, 0]) is None


def test_pool_sums_counts():
    assert pool([1, 2, 3, 4, 5], [None, 0, 1, 1, 1], [0.0, 0, 0, 0, 10.0]) == [1, 2, 4, 5, 16]
    assert pool() == [0, 0, 0, 0, 0]
    with pytest.raises(ValueError):
        pool([1, 2, 3])


def test_summed_counts_pools_stored_rows_in_one_pass():
    from types import SimpleNamespace

    def row(*counts):
        return SimpleNamespace(**{f"count_{k}": c for k, c in enumerate(counts, start=1)})

    rows = [row(1, 2, 3, 4, 5), row(None, None, None, None, None), row(None, 0, 1, 1, 1), row(0, 0, 0, 0, 0)]
    counts, counted = summed_counts(rows)
    assert counts == pool([1, 2, 3, 4, 5], [None, 0, 1, 1, 1]) == [1, 2, 4, 5, 6]
    assert counted == [rows[0], rows[2]]  # a row reported without counts pools nothing
    assert summed_counts([]) == ([0, 0, 0, 0, 0], [])


@pytest.mark.parametrize("counts", [[1, -1, 0, 0, 0], [0, 0, 0, 0, -3], [1.5, 0, 0, 0, 0],
                                    [1, 2, 3, 4], ["3", 0, 0, 0, 0]])
def test_bad_counts_rejected(counts):
    with pytest.raises(ValueError):
        stats_from_counts(counts)


def test_compare_significant_drop():
    change = compare([0, 0, 10, 40, 50], [20, 20, 20, 20, 20])  # 4.4 -> 3.0, n = 100 each
    assert change.delta == pytest.approx(-1.4)
    assert change.ci_high < 0 and change.significant and change.direction == "down"
    assert change.before.n == change.after.n == 100
    assert compare([20, 20, 20, 20, 20], [0, 0, 10, 40, 50]).direction == "up"


def test_compare_tiny_change_is_not_significant():
    change = compare([10, 10, 20, 30, 30], [10, 10, 21, 29, 30])
    assert change.delta == pytest.approx(-0.01)
    assert change.ci_low < 0 < change.ci_high
    assert not change.significant and change.direction == "none"


def test_compare_below_min_n_is_not_significant():
    before, after = [0, 0, 0, 0, 10], [10, 0, 0, 0, 0]  # 5.0 -> 1.0 but only 10 answers each
    change = compare(before, after)
    assert change.ci_high < 0 and not change.significant and change.direction == "none"
    assert compare(before, after, min_n=10).direction == "down"
    assert not sufficient(10) and sufficient(MIN_N_DEFAULT) and not sufficient(None)
    assert sufficient(5, min_n=5)


def test_compare_without_data_is_unknown():
    change = compare([0, 0, 0, 0, 0], [1, 2, 3, 4, 5])
    assert change.direction == "unknown" and change.delta is None and not change.significant
    assert compare([1, 2, 3, 4, 5], [None] * 5).direction == "unknown"


@given(st.lists(st.integers(0, 10**6), min_size=5, max_size=5).filter(any))
def test_mean_stays_on_the_scale(counts):
    stats = stats_from_counts(counts)
    assert stats.n == sum(counts)
    assert 1 <= stats.mean <= 5
    assert 0 <= stats.percent_agree <= 100
    assert 1 <= point_scale(counts) <= 5
    if stats.n >= 2 and stats.std_dev:
        assert 1 <= stats.ci_low <= stats.mean <= stats.ci_high <= 5


def test_a_change_weighs_each_program_alike_in_both_quarters():
    from scorecard.survey import compare_alike

    same_mix = [([10, 10, 20, 30, 30], [12, 10, 20, 30, 28]), ([5, 5, 10, 40, 40], [6, 5, 10, 39, 40])]
    found = compare_alike(same_mix)
    pooled = compare(pool(*[b for b, _ in same_mix]), pool(*[a for _, a in same_mix]))
    assert (found.before, found.after) == (pytest.approx(pooled.before.mean), pytest.approx(pooled.after.mean))
    assert found.delta == pytest.approx(pooled.delta) and found.n_before == found.n_after == 200
    shifted = [([0, 0, 100, 0, 0], [0, 0, 20, 0, 0]), ([0, 0, 0, 0, 100], [0, 0, 0, 2, 98])]
    assert compare(pool(*[b for b, _ in shifted]), pool(*[a for _, a in shifted])).delta > 0.6
    assert compare_alike(shifted).delta == pytest.approx((200 * 4.98 + 120 * 3 - 200 * 5 - 120 * 3) / 320)
    share = compare_alike([([50, 0, 0, 0, 50], [30, 0, 0, 0, 70])], share=True)
    assert (share.before, share.after, share.delta) == (pytest.approx(50), pytest.approx(70), pytest.approx(20))
    assert share.significant and share.direction == "up"
    assert compare_alike([([0, 0, 0, 0, 1], [1, 0, 0, 0, 0])], min_n=1).ci_low < -4, "one answer: the widest spread"
    assert compare_alike([([0] * 5, [1, 2, 3, 4, 5])]).direction == "unknown"


def test_a_share_at_100_percent_is_not_taken_as_known_exactly():
    """30 of 30 trusting, then 26 of 30, was called a significant fall (the Wald interval's variance is 0 at
    100%); Fisher's exact test gives p = 0.11. Agresti and Caffo's interval keeps 0 in, as do the stratified
    comparison's; a large fall is still significant."""
    from scorecard.survey import compare_alike, compare_shares

    fall = compare_shares((100.0, 30), (100 * 26 / 30, 30))
    assert fall.delta == pytest.approx(-100 * 4 / 30) and fall.ci_low < 0 < fall.ci_high and not fall.significant
    assert fall.direction == "none"
    alike = compare_alike([([0, 0, 0, 0, 30], [4, 0, 0, 0, 26])], share=True)
    assert alike.ci_low < 0 < alike.ci_high and not alike.significant
    big = compare_shares((100.0, 30), (50.0, 30))
    assert big.significant and big.direction == "down" and big.delta == pytest.approx(-50)
    # by hand: (51/102 - 31/102) +- 1.96 sqrt(p(1 - p) / 102 each), the adjusted shares 31/102 and 51/102
    even = compare_shares((30.0, 100), (50.0, 100))
    p1, p2 = 31 / 102, 51 / 102
    half = 1.96 * math.sqrt(p1 * (1 - p1) / 102 + p2 * (1 - p2) / 102) * 100
    assert (even.ci_low, even.ci_high) == (pytest.approx((p2 - p1) * 100 - half), pytest.approx((p2 - p1) * 100 + half))


def test_a_v2_trust_change_is_significant_only_where_the_share_who_trust_changed():
    from scorecard.survey import compare_answers

    among_the_trusting = ([0, 0, 0, 0, 40], [0, 0, 0, 35, 5])
    assert compare(*among_the_trusting).significant, "the mean fell"
    held = compare_answers(*among_the_trusting, as_share=True)
    assert not held.significant and held.direction == "none" and held.delta == pytest.approx(-0.875)
    assert compare_answers(*among_the_trusting, as_share=False).significant
    fell = compare_answers([0, 0, 0, 0, 40], [10, 0, 0, 0, 30], as_share=True)
    assert fell.significant and fell.direction == "down"
