"""OPM rating math for leader performance plans (Basic SES Appraisal System).

Pure functions, no database: weight rules, an element's rating from its requirements'
ratings, the summary score (Σ element rating × weight) and the summary level.

* Weights: Results Driven ≥ 20, every other element ≥ 5, none above Results Driven, total 100.
* Element rating from requirement ratings, by the plan's method:
  - ``opm_majority``: the highest level that a majority (more than half) of the requirements
    are rated at or above — so [5, 5, 3] → 5, [5, 4, 3, 2] → 3. Raising any requirement's
    rating never lowers the element's.
  - ``weighted_mean``: the mean of the requirements' ratings, rounded half up.
* Summary level: 475-500 → 5, 400-474 → 4, 300-399 → 3, 200-299 → 2, below 200 → 1;
  any critical element rated 1 makes the summary level 1 whatever the score.
"""
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Optional

RATING_LABELS = {5: "Outstanding", 4: "Exceeds Fully Successful", 3: "Fully Successful",
                 2: "Minimally Satisfactory", 1: "Unsatisfactory"}
LEVEL_FLOORS = ((475, 5), (400, 4), (300, 3), (200, 2))
RESULTS_DRIVEN_MIN = 20
OTHER_ELEMENT_MIN = 5
TOTAL_WEIGHT = 100
METHODS = ("opm_majority", "weighted_mean")


@dataclass(frozen=True)
class ElementWeight:
    """What weight validation needs to know of an element."""

    name: str
    weight: int
    is_results_driven: bool = False


def validate_weights(elements: Iterable) -> list[str]:
    """Every way the elements' weights break OPM's rules, one message per problem, naming the
    element and why. Accepts anything with `name`, `weight` and `is_results_driven`."""
    elements = list(elements)
    problems = []
    if not elements:
        return ["the plan has no elements"]
    results = [e for e in elements if e.is_results_driven]
    if len(results) != 1:
        problems.append(f"the plan needs exactly one Results Driven element; it has {len(results)}")
    for e in elements:
        if e.weight is None or not isinstance(e.weight, int) or e.weight < 0:
            problems.append(f"element '{e.name}': weight {e.weight!r} is not a whole number of percent")
            return problems
    for e in results:
        if e.weight < RESULTS_DRIVEN_MIN:
            problems.append(f"element '{e.name}' (Results Driven) weighs {e.weight}; "
                            f"Results Driven must weigh at least {RESULTS_DRIVEN_MIN}")
    ceiling = max((e.weight for e in results), default=None)
    for e in elements:
        if e.is_results_driven:
            continue
        if e.weight < OTHER_ELEMENT_MIN:
            problems.append(f"element '{e.name}' weighs {e.weight}; every element must weigh at least "
                            f"{OTHER_ELEMENT_MIN}")
        if ceiling is not None and e.weight > ceiling:
            problems.append(f"element '{e.name}' weighs {e.weight}, more than Results Driven ({ceiling}); "
                            "no element may weigh more than Results Driven")
    total = sum(e.weight for e in elements)
    if total != TOTAL_WEIGHT:
        problems.append(f"the weights add up to {total}; they must add up to {TOTAL_WEIGHT}")
    return problems


def element_rating(requirement_ratings: Sequence[Optional[int]], method: str = "opm_majority") -> Optional[int]:
    """An element's rating from its requirements' ratings (missing ones are left out);
    None when no requirement is rated."""
    ratings = [r for r in requirement_ratings if r is not None]
    if not ratings:
        return None
    for r in ratings:
        _check_rating(r)
    if method == "opm_majority":
        half = len(ratings) / 2
        return max(level for level in range(1, 6) if sum(r >= level for r in ratings) > half)
    if method == "weighted_mean":
        mean = Decimal(sum(ratings)) / Decimal(len(ratings))
        return int(mean.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    raise ValueError(f"unknown rating method {method!r}; known: {', '.join(METHODS)}")


def summary_score(rated: Iterable[tuple[int, int]]) -> int:
    """Σ rating × weight over (rating, weight) pairs."""
    total = 0
    for rating, weight in rated:
        _check_rating(rating)
        total += rating * weight
    return total


def summary_level(score: int, critical_ratings: Iterable[int] = ()) -> int:
    """The summary level for a score; a critical element rated 1 makes it 1."""
    if any(r == 1 for r in critical_ratings):
        return 1
    for floor, level in LEVEL_FLOORS:
        if score >= floor:
            return level
    return 1


@dataclass(frozen=True)
class PlanSummary:
    score: Optional[int]
    level: Optional[int]
    rated: int
    elements: int

    @property
    def complete(self) -> bool:
        return self.rated == self.elements and self.elements > 0


def plan_summary(elements: Iterable[tuple[Optional[int], int, bool]]) -> PlanSummary:
    """Summary over (rating, weight, is_critical) per element; the score only once every element
    is rated (a partial sum would read as a low rating), the level too — except that a critical
    element rated 1 makes the level 1 already, whatever the others will be."""
    elements = list(elements)
    rated = [(r, w, c) for r, w, c in elements if r is not None]
    if not elements or len(rated) < len(elements):
        settled = 1 if any(c and r == 1 for r, _, c in rated) else None
        return PlanSummary(None, settled, len(rated), len(elements))
    score = summary_score((r, w) for r, w, _ in rated)
    return PlanSummary(score, summary_level(score, [r for r, _, c in rated if c]), len(rated), len(elements))


def checked_summary(elements: Iterable[tuple[Optional[int], int, bool]], weights_broken: bool) -> PlanSummary:
    """`plan_summary`, without a score or level while the weights break OPM's rules (`validate_weights`):
    a plan's summary as its page, the plans list and the leaders dashboard give it."""
    found = plan_summary(elements)
    return replace(found, score=None, level=None) if weights_broken else found


def _check_rating(rating) -> None:
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValueError(f"a rating is a whole number from 1 to 5, not {rating!r}")
