"""Survey statistics from 1-5 Likert answer counts: mean, top-2-box, 95% CIs and change tests.

Counts are a sequence of five numbers: how many people answered 1 (strongly disagree)
.. 5 (strongly agree). No answers means "no data" (None everywhere), never a score of 0.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, Optional

SCALE = (1, 2, 3, 4, 5)
Z_95 = 1.96
MIN_N_DEFAULT = 30


def configured_min_n() -> int:
    """The minimum sample the app is set to (SCORECARD_SURVEY_MIN_N), or MIN_N_DEFAULT outside an app."""
    from flask import current_app, has_app_context

    return current_app.config.get("SURVEY_MIN_N", MIN_N_DEFAULT) if has_app_context() else MIN_N_DEFAULT


@dataclass(frozen=True)
class SurveyStats:
    """Summary of one set of answer counts; every field but `n` is None without data."""

    n: int
    mean: Optional[float]
    percent_agree: Optional[float]
    std_dev: Optional[float]
    std_error: Optional[float]
    ci_low: Optional[float]
    ci_high: Optional[float]

    @property
    def has_data(self) -> bool:
        return self.n > 0


NO_DATA = SurveyStats(0, None, None, None, None, None, None)


def _clean(counts: Sequence) -> list[int]:
    """Five non-negative whole counts; None is 0, integral floats (12.0) are accepted."""
    if type(counts) is not list:
        counts = list(counts)
    if len(counts) != len(SCALE):
        raise ValueError(f"expected {len(SCALE)} answer counts (for 1..5), got {len(counts)}")
    c1, c2, c3, c4, c5 = counts
    # already clean (pooled sums): the common case, tested without a generator (thousands per page)
    if (type(c1) is int and type(c2) is int and type(c3) is int and type(c4) is int and type(c5) is int
            and c1 >= 0 and c2 >= 0 and c3 >= 0 and c4 >= 0 and c5 >= 0):
        return [c1, c2, c3, c4, c5]  # a list of its own, as ever
    clean = []
    for answer, count in zip(SCALE, counts):
        if count is None:
            count = 0
        if (isinstance(count, bool) or not isinstance(count, (int, float))
                or not math.isfinite(count) or count != int(count)):
            raise ValueError(f"count for answer {answer} must be a whole number, got {count!r}")
        if count < 0:
            raise ValueError(f"count for answer {answer} must not be negative, got {count!r}")
        clean.append(int(count))
    return clean


def stats_from_counts(counts: Sequence[int | None]) -> SurveyStats:
    """Mean, top-2-box percent, sample std dev, std error and 95% CI of the mean.

    The standard deviation (n-1 denominator) and everything derived from it is None below
    two answers. The interval is kept within the scale (12 answers averaging 4.42 gave 3.72 to
    5.12); answers all alike give none (their standard error is 0: "5.00 to 5.00" claimed a
    certainty three answers cannot give).
    """
    c1, c2, c3, c4, c5 = _clean(counts)  # written out: the overview takes thousands of these per view
    n = c1 + c2 + c3 + c4 + c5
    if n == 0:
        return NO_DATA
    mean = (c1 + 2 * c2 + 3 * c3 + 4 * c4 + 5 * c5) / n
    percent_agree = (c4 + c5) / n * 100
    if n < 2:
        return SurveyStats(n, mean, percent_agree, None, None, None, None)
    variance = (c1 * (1 - mean) ** 2 + c2 * (2 - mean) ** 2 + c3 * (3 - mean) ** 2 + c4 * (4 - mean) ** 2
                + c5 * (5 - mean) ** 2) / (n - 1)
    std_dev = math.sqrt(variance)
    std_error = std_dev / math.sqrt(n)
    if not std_error:
        return SurveyStats(n, mean, percent_agree, std_dev, std_error, None, None)
    return SurveyStats(n, mean, percent_agree, std_dev, std_error,
                       max(SCALE[0], mean - Z_95 * std_error), min(SCALE[-1], mean + Z_95 * std_error))


def pool(*counts_lists: Sequence[int | None]) -> list[int]:
    """Element-wise sum of several count lists (a program pools its touchpoints and channels)."""
    if not counts_lists:
        return [0] * len(SCALE)
    return [sum(column) for column in zip(*[_clean(counts) for counts in counts_lists])]


def summed_counts(rows: Iterable) -> tuple[list[int], list]:
    """The answer counts of stored rows (objects with count_1..count_5; None is 0) summed, and the
    rows that hold any: one pass, as `pool` of each row's counts would give, for the thousands of
    observations a page pools."""
    c1 = c2 = c3 = c4 = c5 = 0
    counted = []
    for row in rows:
        a, b, c, d, e = row.count_1 or 0, row.count_2 or 0, row.count_3 or 0, row.count_4 or 0, row.count_5 or 0
        if a or b or c or d or e:
            counted.append(row)
            c1, c2, c3, c4, c5 = c1 + a, c2 + b, c3 + c, c4 + d, c5 + e
    return _clean((c1, c2, c3, c4, c5)), counted


def point_scale(counts: Sequence[int | None]) -> Optional[float]:
    """The mean rounded half-up to 2 places, exactly as performance.gov publishes it."""
    counts = _clean(counts)
    n = sum(counts)
    if n == 0:
        return None
    mean = Decimal(sum(k * c for k, c in zip(SCALE, counts))) / Decimal(n)
    return float(mean.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def shown_change(before: float, after: float, decimals: int = 2) -> float:
    """`after - before` as the two read when each is shown to `decimals` places: 4.2849 -> 3.6249 reads
    "4.28 -> 3.62 (-0.66)", not the unrounded -0.65 beside them (the dashboards and the rules'
    explanations write a change so)."""
    return round(round(after, decimals) - round(before, decimals), decimals)


def sufficient(n: Optional[int], min_n: int = MIN_N_DEFAULT) -> bool:
    """Whether a sample is big enough to score (below it: "insufficient data", not red)."""
    return n is not None and n >= min_n


Direction = Literal["up", "down", "none", "unknown"]


@dataclass(frozen=True)
class Change:
    """Change of the mean from `before` to `after`, with a 95% CI of the difference."""

    before: SurveyStats
    after: SurveyStats
    delta: Optional[float]
    ci_low: Optional[float]
    ci_high: Optional[float]
    significant: bool
    direction: Direction


def compare(before_counts: Sequence[int | None], after_counts: Sequence[int | None], *,
            min_n: int = MIN_N_DEFAULT) -> Change:
    """Two-sample difference of means (after - before), SE = sqrt(se1² + se2²).

    Significant only when the 95% CI excludes 0 and both samples have at least `min_n`
    answers; otherwise the direction is "none" ("no significant change"). The direction is
    "unknown" when either side has no answers.
    """
    before, after = stats_from_counts(before_counts), stats_from_counts(after_counts)
    if not (before.has_data and after.has_data):
        return Change(before, after, None, None, None, False, "unknown")
    delta = after.mean - before.mean
    if before.std_error is None or after.std_error is None:
        return Change(before, after, delta, None, None, False, "none")
    se = math.sqrt(before.std_error ** 2 + after.std_error ** 2)
    low, high = delta - Z_95 * se, delta + Z_95 * se
    significant = (low > 0 or high < 0) and sufficient(before.n, min_n) and sufficient(after.n, min_n)
    direction: Direction = ("up" if delta > 0 else "down") if significant else "none"
    return Change(before, after, delta, low, high, significant, direction)


SHARE_POINTS_PER_MEAN = 25.0  # a share answered as thumbs (no = 1, yes = 5) has the mean 1 + 4 x share


def adjusted_share(yes: int, n: int) -> tuple[float, float]:
    """(share, variance) of `yes` in `n` as Agresti and Caffo (2000) adjust them for an interval of a
    difference: one yes and one no added. The plain p(1 - p) / n is 0 at 0% and 100%: a quarter in which
    30 of 30 trusted was taken as known exactly, and a fall to 26 of 30 called significant (Fisher's exact
    test: p = 0.11); the adjusted interval keeps its 95% coverage down to small samples."""
    share = (yes + 1) / (n + 2)
    return share, share * (1 - share) / (n + 2)


def compare_shares(before: tuple[float, int], after: tuple[float, int], *, min_n: int = MIN_N_DEFAULT) -> Change:
    """The change of a share of respondents (percent, n) from `before` to `after`: the difference of the two
    shares in percentage points, its 95% interval Agresti and Caffo's (`adjusted_share`). Significant only
    when the interval excludes 0 and both samples have at least `min_n` respondents. `before` and `after`
    are the respondents as answers of no (1) or yes (5)."""
    (before_share, before_n), (after_share, after_n) = before, after
    before_yes, after_yes = round(before_share * before_n / 100), round(after_share * after_n / 100)
    answers_before = stats_from_counts([before_n - before_yes, 0, 0, 0, before_yes])
    answers_after = stats_from_counts([after_n - after_yes, 0, 0, 0, after_yes])
    if not (answers_before.has_data and answers_after.has_data):
        return Change(answers_before, answers_after, None, None, None, False, "unknown")
    delta = (after_yes / after_n - before_yes / before_n) * 100
    (p_before, v_before), (p_after, v_after) = adjusted_share(before_yes, before_n), adjusted_share(after_yes, after_n)
    middle, half = (p_after - p_before) * 100, Z_95 * math.sqrt(v_before + v_after) * 100
    low, high = middle - half, middle + half
    significant = (low > 0 or high < 0) and sufficient(before_n, min_n) and sufficient(after_n, min_n)
    direction: Direction = ("up" if delta > 0 else "down") if significant else "none"
    return Change(answers_before, answers_after, delta, low, high, significant, direction)


def compare_answers(before_counts: Sequence[int | None], after_counts: Sequence[int | None], *, as_share: bool,
                    min_n: int = MIN_N_DEFAULT) -> Change:
    """`compare` of two quarters' answers; for a score read as the share who answered 4 or 5 (`as_share`: A-11's
    v2 trust), significant only where that share changed significantly too, the same way: a move among 4s
    and 5s alone (all trusting in both quarters, the mean 5.00 -> 4.12) was called a significant decline."""
    change = compare(before_counts, after_counts, min_n=min_n)
    if not as_share or not change.significant:
        return change
    shares = compare_shares((change.before.percent_agree, change.before.n),
                            (change.after.percent_agree, change.after.n), min_n=min_n)
    return change if shares.direction == change.direction else replace(change, significant=False, direction="none")


@dataclass(frozen=True)
class MixedChange:
    """A change across several programs with each program weighed the same in both quarters (`compare_alike`):
    `before` and `after` are those weighted scores (means on 1-5, or shares in percent), `delta` their
    difference and its 95% interval; `n_before` and `n_after` the answers counted."""

    before: Optional[float]
    after: Optional[float]
    n_before: int
    n_after: int
    delta: Optional[float]
    ci_low: Optional[float]
    ci_high: Optional[float]
    significant: bool
    direction: Direction


MAX_MEAN_VARIANCE = 4.0  # of answers on 1-5 (half 1s, half 5s): a program's one answer is given the widest spread


def compare_alike(pairs: Sequence[tuple[Sequence[int | None], Sequence[int | None]]], *, share: bool = False,
                  min_n: int = MIN_N_DEFAULT) -> MixedChange:
    """The change of several programs' score from one quarter to the next, each program weighed by its answers
    in the two quarters together, the same weight in both (a stratified comparison): pooled instead, a program
    sending fewer answers moved the score as much as any answer did, and a rise was called significant where
    most programs fell. `pairs`: each program's answer counts (before, after); `share` compares the share who
    answered 4 or 5 (in percent, the change in percentage points) instead of the mean. Its variance is the
    programs' own (within each program): a program of one answer is given the scale's widest, and a share
    Agresti and Caffo's (`adjusted_share`). Significant only
    when the interval excludes 0 and each quarter has at least `min_n` answers in all."""
    rows = []
    for before_counts, after_counts in pairs:
        before, after = stats_from_counts(before_counts), stats_from_counts(after_counts)
        if before.has_data and after.has_data:
            rows.append((before, after, before.n + after.n))
    if not rows:
        return MixedChange(None, None, 0, 0, None, None, None, False, "unknown")

    def value(stats: SurveyStats) -> float:
        return stats.percent_agree / 100 if share else stats.mean

    def variance(stats: SurveyStats) -> float:
        if share:  # Agresti and Caffo's: not 0 at 0% or 100%
            return adjusted_share(round(stats.percent_agree * stats.n / 100), stats.n)[1]
        return (stats.std_error ** 2) if stats.std_error is not None else MAX_MEAN_VARIANCE / stats.n

    total = sum(weight for _, _, weight in rows)
    before = sum(weight * value(b) for b, _, weight in rows) / total
    after = sum(weight * value(a) for _, a, weight in rows) / total
    se = math.sqrt(sum(weight ** 2 * (variance(b) + variance(a)) for b, a, weight in rows)) / total
    scale = 100 if share else 1
    difference = after - before
    delta, low, high = difference * scale, (difference - Z_95 * se) * scale, (difference + Z_95 * se) * scale
    n_before, n_after = sum(b.n for b, _, _ in rows), sum(a.n for _, a, _ in rows)
    significant = (low > 0 or high < 0) and sufficient(n_before, min_n) and sufficient(n_after, min_n)
    direction: Direction = ("up" if delta > 0 else "down") if significant else "none"
    return MixedChange(before * scale, after * scale, n_before, n_after, delta, low, high, significant, direction)
