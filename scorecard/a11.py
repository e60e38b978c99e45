"""The standard A-11 Section 280 metric definitions every agency shares, and when a quarter's results
are due (`REPORT_DUE_DAYS` after it ends)."""
import functools
from datetime import date, timedelta
from typing import Optional

import sqlalchemy as sa

from scorecard.models import Direction, Driver, Metric, MetricKind
from scorecard.periods import Period, parse_period
from scorecard.text import listed

REPORT_DUE_DAYS = 30  # a quarter's A-11 results are due this many days after the quarter ends


@functools.lru_cache(maxsize=1024)
def report_due(period) -> date:
    """When a quarter's A-11 results are due: `REPORT_DUE_DAYS` days after the quarter ends."""
    return parse_period(period).end + timedelta(days=REPORT_DUE_DAYS)


def latest_due(today: date) -> str:
    """The latest quarter whose results were due before `today` (a program without them has not reported)."""
    quarter = Period.from_date(today)
    while report_due(str(quarter)) >= today:
        quarter = quarter.prev()
    return str(quarter)


DRIVER_STATEMENTS = {
    "satisfaction": ("Satisfaction", "I am satisfied with the service I received."),
    "trust": ("Trust / confidence", "This interaction increased my trust / confidence in the agency."),
    "effectiveness": ("Effectiveness / quality", "My need was addressed."),
    "ease": ("Ease / simplicity", "It was easy to complete what I needed to do."),
    "efficiency": ("Efficiency / speed", "It took a reasonable amount of time to do what I needed to do."),
    "transparency": ("Transparency / equity", "I was treated fairly."),
    "employee": ("Employee helpfulness", "Employees I interacted with were helpful."),
}


def driver_name(code: str) -> str:
    """A driver's name as a reader knows it ("Employee helpfulness"), not its code ("employee")."""
    return DRIVER_STATEMENTS.get(code, (code,))[0]


def driver_names(codes) -> str:
    """Several drivers named in a sentence: "satisfaction, ease / simplicity and employee helpfulness"."""
    return listed(driver_name(code).lower() for code in codes)


# A-11 changed its survey at FY2024-Q2: before it customers rated seven statements from 1 to 5; from it
# one trust question (thumbs up or down, or 1-5) and what went well / could be improved. A score before it
# and one after are not the same measure.
V2_FROM = Period(2024, 2)

# The import formats of results performance.gov has already published (the importers' names): a batch of
# them is committed when the agency's history was brought in, not when the quarter was reported, so it
# says nothing of whether a report was late.
PERFGOV_COLLECTIONS_FORMAT, PERFGOV_TRUST_FORMAT = "performance-gov-collections", "performance-gov-trust"
PUBLISHED_FORMATS = frozenset({PERFGOV_COLLECTIONS_FORMAT, PERFGOV_TRUST_FORMAT})


@functools.lru_cache(maxsize=4096)
def asked_in_v2(period) -> bool:
    """Whether a quarter's results are of the v2 survey (from V2_FROM)."""
    return parse_period(period) >= V2_FROM


def trust_as_share(driver: Optional[str], period) -> bool:
    """Whether a driver's score in a quarter reads as the share who trust: trust, from the v2 survey on
    (its thumbs up is stored as a 5, so its mean reads as if the v1 statement had been asked)."""
    return driver == "trust" and asked_in_v2(period)


def across_the_break(first, second) -> bool:
    """Whether two quarters lie on either side of the survey's change (V2_FROM)."""
    return asked_in_v2(first) != asked_in_v2(second)


# The A-11 v2 survey (FY2024 Q2 on) asks "what went well / what didn't" over these aspects.
V2_ASPECTS = ("effectiveness", "ease", "efficiency", "transparency", "humanity", "employee", "other")


def v2_metric_code(polarity: str, aspect: str) -> str:
    return f"a11v2_{polarity}_{aspect}"


def is_survey_data(kind: MetricKind, code: str) -> bool:
    """Whether a metric's values are survey results, judged only with enough respondents: a 1-5 question,
    or a v2 aspect's share (a metric's `is_survey`, in the models and the rules alike)."""
    return kind is MetricKind.likert or is_v2_aspect(code)


def is_v2_aspect(code: str) -> bool:
    """Whether a metric is one of the v2 survey's aspects (the share of respondents naming what went well,
    or could be improved): survey data with respondents, as the drivers are."""
    polarity, _, aspect = code.removeprefix("a11v2_").partition("_")
    return code.startswith("a11v2_") and polarity in ("positive", "negative") and aspect in V2_ASPECTS


def is_survey_metric() -> sa.ColumnElement[bool]:
    """Which metrics are the A-11 survey's (the v1 drivers on 1-5 and the v2 aspects): what A-11
    reporting is, and what a quarter of results is a quarter of (a backlog figure is not)."""
    codes = [v2_metric_code(polarity, aspect) for polarity in ("positive", "negative") for aspect in V2_ASPECTS]
    return sa.or_(sa.and_(Metric.driver.is_not(None), Metric.kind == MetricKind.likert), Metric.code.in_(codes))


def standard_metric_specs() -> list[dict]:
    specs = [dict(code=code, name=name, kind=MetricKind.likert, unit="1-5", direction=Direction.higher,
                  driver=Driver(code), description=f"A-11 driver; standard statement: {statement}")
             for code, (name, statement) in DRIVER_STATEMENTS.items()]
    for polarity, direction in (("positive", Direction.higher), ("negative", Direction.lower)):
        for aspect in V2_ASPECTS:
            specs.append(dict(
                code=v2_metric_code(polarity, aspect), kind=MetricKind.percent, unit="%", direction=direction,
                name=f"% naming {aspect} as what went {'well' if polarity == 'positive' else 'wrong'}",
                description="A-11 v2 multi-select, share of respondents offered the option who chose it."))
    return specs


def ensure_standard_metrics(session) -> dict[str, Metric]:
    """Create any missing standard metric; returns every metric by code."""
    existing = {m.code: m for m in session.scalars(sa.select(Metric))}
    for spec in standard_metric_specs():
        if spec["code"] not in existing:
            existing[spec["code"]] = Metric(**spec)
            session.add(existing[spec["code"]])
    return existing
