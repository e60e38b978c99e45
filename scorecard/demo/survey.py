"""The demo's survey data: the v1 drivers and other measures written directly, the v2 survey written as
Touchpoints exports and imported through the real importer (`touchpoints_responses`), and the targets."""
import csv
import tempfile
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa
from blinker import Namespace

from scorecard.a11 import V2_ASPECTS, V2_FROM
from scorecard.clock import day_of
from scorecard.demo.story import (
    CHANNELS,
    COMMENTS,
    COULD_IMPROVE,
    CUT_OVER,
    DRIVER_METRICS,
    DRIVER_OFFSETS,
    FIVE,
    FUNCTION_METRICS,
    HELP_LINE_TARGET,
    OPERATIONAL_METRICS,
    TOUCHPOINTS_HEADER,
    TRUST,
    TRUST_TARGETS,
    V2_TARGETS,
    WENT_WELL,
    DemoResponses,
    TrustStory,
    random_stream,
)
from scorecard.models import (
    Observation,
    Program,
    ScopeType,
    Target,
    subject_key,
    utcnow,
)
from scorecard.periods import Period

# Sent by `seed_demo` with the Touchpoints response files it wrote (`files`: DemoResponses), the
# `session` and the analyst's `user_id`; a receiver imports them and returns one ImportResult per file.
_signals = Namespace()
touchpoints_responses = _signals.signal("demo-touchpoints-responses")


# -- survey scores ----------------------------------------------------------------------------------------
def trust_path(story: TrustStory, position: int, count: int) -> float:
    """The program's trust in quarter `position` of `count` (the last is the latest quarter)."""
    last = count - 1
    if position == last:
        value = story.latest if story.latest is not None else story.before + 0.015 * (story.n // 5 % 5 - 2)
    else:
        wiggle = 0.0 if position == last - 1 else 0.03 * ((position * 5 + story.n) % 3 - 1)
        value = story.before - story.trend * (last - 1 - position) + wiggle
    return min(4.85, max(1.3, value))


def respondents(story: TrustStory, position: int, count: int) -> int:
    if position == count - 1 and story.latest_n is not None:
        return story.latest_n
    if position == count - 2:
        return story.n
    return max(5, round(story.n * (1 + 0.06 * ((position * 3 + story.n) % 5 - 2) / 2)))


def five_point_counts(mean: float, n: int) -> list[int]:
    """Answer counts 1-5 for `n` respondents whose mean is `mean` to the nearest 1/n: a smooth shape
    around the mean, then single answers moved one step at a time from the fullest answer."""
    weights = [max(0.02, 1.3 - abs(k - mean)) ** 2 for k in range(1, 6)]
    counts = [int(n * w / sum(weights)) for w in weights]
    counts[min(4, max(0, round(mean) - 1))] += n - sum(counts)
    goal, total = round(mean * n), sum(k * c for k, c in zip(range(1, 6), counts))
    while total != goal:
        step = 1 if total < goal else -1
        movable = [k for k in range(5) if counts[k] and 0 <= k + step <= 4]
        k = max(movable, key=lambda i: (counts[i], -i * step))
        counts[k] -= 1
        counts[k + step] += 1
        total += step
    return counts


def trust_counts(story: TrustStory, mean: float, n: int) -> list[int]:
    """The v2 trust question's counts as the Touchpoints import writes them (a thumbs down is 1, up is 5)."""
    if story.scale == FIVE:
        return five_point_counts(mean, n)
    up = round((mean - 1) / 4 * n)
    return [n - up, 0, 0, 0, up]


def write_observations(session, agency, programs, functions, metrics, periods):
    """The v1 drivers (before V2_FROM), each program's operational measures and the C-suite functions'
    own measures, written directly; the v2 survey comes through the Touchpoints import."""
    rows = []
    now = utcnow()
    likert, operations = random_stream("v1-drivers"), random_stream("operations")
    count = len(periods)
    for program in programs:
        story = TRUST[program.name]
        channel = CHANNELS[program.id % len(CHANNELS)]
        for position, period in enumerate(periods):
            if position == count - 1 and not story.reported_latest:
                continue
            if period < V2_FROM:
                trust = trust_path(story, position, count)
                for code, _name, question in DRIVER_METRICS:
                    mean = min(4.9, max(1.4, trust + DRIVER_OFFSETS[code] + likert.uniform(-0.025, 0.025)))
                    n = max(5, round(1.5 * respondents(story, position, count) * likert.uniform(0.95, 1.05)))
                    counts = five_point_counts(mean, n)
                    value = sum((k + 1) * c for k, c in enumerate(counts)) / n
                    rows.append(_obs(metrics[code], agency, program.component_id, program.id, None, period, channel,
                                     value, n, counts, question, now))
            for code, _name, _kind, _unit, _dir, _t, _g, _a, base_value, spread in OPERATIONAL_METRICS:
                value = round(max(0.0, base_value + operations.uniform(-spread, spread)), 1)
                if position == count - 1:
                    value = LATEST_OPERATIONS.get((program.name, code), value)
                rows.append(_obs(metrics[code], agency, program.component_id, program.id, None, period, "", value,
                                 None, None, None, now))
    measures = random_stream("function-metrics")
    for code, _name, fn, _kind, _unit, _dir, _t, _g, _a, first, latest in FUNCTION_METRICS:
        for position, period in enumerate(periods):
            share = position / max(1, count - 1)
            value = first + (latest - first) * share
            if position != count - 1:
                value += measures.uniform(-0.04, 0.04) * abs(latest - first)
            rows.append(_obs(metrics[code], agency, None, None, functions[fn].id, period, "", round(value, 1), None,
                             None, None, now))
    session.execute(sa.insert(Observation), rows)


# The latest quarter's operational measures that go with the story.
STORY_PROGRAM = "Benefits Call Center"  # turns red in the latest quarter: its leaders and a commitment answer for it
LATEST_OPERATIONS = {("Benefits Call Center", "wait_time"): 24.5, ("Benefits Call Center", "backlog"): 9800.0,
                     ("Passport Renewal Online", "digital_adoption"): 78.0,
                     ("Flood Insurance Claims", "backlog"): 11200.0}


def _obs(metric, agency, component_id, program_id, function_id, period, channel, value, n, counts, question, now):
    counts = counts or [None] * 5
    return dict(
        metric_id=metric.id, agency_id=agency.id, component_id=component_id, program_id=program_id,
        function_id=function_id, period=str(period), channel=channel, touchpoint="",
        subject_key=subject_key(program_id, function_id, component_id, agency.id),
        value=value, n=n, count_1=counts[0], count_2=counts[1], count_3=counts[2], count_4=counts[3],
        count_5=counts[4], question_text=question, created_at=now, updated_at=now,
    )


# -- the v2 survey, as Touchpoints exports it -------------------------------------------------------------------
# (program, offset from the latest quarter) -> days after the quarter's end its export was uploaded, past
# the 30 the A-11 reporting is due in; every other export arrived within three weeks.
LATE_UPLOADS = {("Disaster Recovery Centers", 8): 41, ("Flood Insurance Claims", 8): 44,
                ("Hazard Mitigation Grants", 4): 38, ("Navigator Grants", 1): 52, ("Eligibility Appeals", 0): 37}


def touchpoints_files(folder: Path, programs: dict[str, Program], periods: list[Period],
                      moment: datetime) -> list[DemoResponses]:
    """One Touchpoints A-11 v2 export per program and v2 quarter, written into `folder`, in the order
    the analyst uploaded them (quarter by quarter); none uploaded later than a day before `moment`."""
    rng = random_stream("touchpoints")
    files, response_id = [], 4_100_000
    count = len(periods)
    for position, period in enumerate(periods):
        for program in programs.values():
            story = TRUST[program.name]
            if period < V2_FROM or (position == count - 1 and not story.reported_latest):
                continue
            n = respondents(story, position, count)
            counts = trust_counts(story, trust_path(story, position, count), n)
            answers = [k + 1 for k, c in enumerate(counts) for _ in range(c)]
            rng.shuffle(answers)
            improve = CUT_OVER if (program.name == "Benefits Call Center" and position == count - 1) else COULD_IMPROVE
            path = folder / f"touchpoints-{program.code}-{period}.csv"
            with path.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(TOUCHPOINTS_HEADER)
                for answer in answers:
                    response_id += 1
                    writer.writerow(_response(rng, response_id, answer, story, improve))
            days = LATE_UPLOADS.get((program.name, count - 1 - position), 6 + (program.id * 7 + position) % 16)
            uploaded = datetime.combine(period.end, time(13, 0), tzinfo=UTC) + timedelta(days=days,
                                                                                         minutes=program.id)
            files.append(DemoResponses(path, program.code, str(period), story.scale, n,
                                       min(uploaded, moment - timedelta(days=1))))
    return sorted(files, key=lambda f: f.uploaded_at)


def _response(rng, response_id: int, answer: int, story: TrustStory, improve: dict) -> list:
    """One response row: the trust answer as the form records it, the aspects chosen, a rare comment."""
    good, bad = (1.0, 0.0) if answer >= 4 else (0.0, 1.0) if answer <= 2 else (0.5, 0.5)
    shown = answer if story.scale == FIVE else (1 if answer == 5 else 0)
    cells = [response_id, shown]
    for rate, weight in ((WENT_WELL, good), (improve, bad)):
        for aspect in V2_ASPECTS:
            offered = not (story.digital and aspect == "employee")
            cells.append(int(bool(weight) and rng.random() < rate[aspect] * weight) if offered else "null")
    cells.append(rng.choice(COMMENTS) if rng.random() < 0.03 else "")
    return cells


def import_responses(session, programs: dict[str, Program], periods: list[Period], user_id,
                      moment: datetime) -> list[str]:
    """Write the Touchpoints exports into a temporary folder and have the importers load them."""
    with tempfile.TemporaryDirectory(prefix="scorecard-demo-touchpoints-") as folder:
        files = touchpoints_files(Path(folder), programs, periods, moment)
        if not files:
            return []
        answered = touchpoints_responses.send(session=session, files=files, user_id=user_id)
    results = [result for _receiver, found in answered for result in (found or ())]
    failed = [(f, r) for f, r in zip(files, results) if r.status != "imported"]
    if len(results) != len(files) or failed:
        name, why = (failed[0][0].path.name, failed[0][1].message) if failed else ("", "not every file was imported")
        raise RuntimeError(f"the demo's Touchpoints responses did not import: {name} {why}".strip())
    batches = [r.batch_id for r in results]
    first, last = min(f.period for f in files), max(f.period for f in files)
    late = sum((day_of(f.uploaded_at) - Period.parse(f.period).end).days > 30 for f in files)
    return [f"Touchpoints A-11 v2: {len(files)} demo response files ({sum(f.responses for f in files):,} responses, "
            f"{len({f.program for f in files})} programs, {first} to {last}) imported as batches "
            f"{min(batches)}-{max(batches)}, each dated when the analyst uploaded it ({late} after the 30 days "
            "A-11 allows)."]


# -- targets, leaders, commitments, plans --------------------------------------------------------------------
def write_targets(session, agency, components, programs, metrics, functions, fiscal_years):
    hisp = {c.id: TRUST_TARGETS[c.code.split("-")[-1]] for c in components if c.is_hisp}
    for fy in sorted(fiscal_years):
        for code, *_ in DRIVER_METRICS:
            if code != "trust":
                session.add(Target(metric=metrics[code], scope_type=ScopeType.agency, scope_id=agency.id,
                                   fiscal_year=fy, target=4.0, green_at=4.0, amber_at=3.7))
        for component_id, (green, amber) in hisp.items():
            session.add(Target(metric=metrics["trust"], scope_type=ScopeType.component, scope_id=component_id,
                               fiscal_year=fy, target=green, green_at=green, amber_at=amber))
        for program in programs:
            if "Call Center" in program.name or "Help" in program.name:
                green, amber = HELP_LINE_TARGET
                session.add(Target(metric=metrics["trust"], scope_type=ScopeType.program, scope_id=program.id,
                                   fiscal_year=fy, target=green, green_at=green, amber_at=amber))
        for code, (green, amber) in V2_TARGETS.items():
            session.add(Target(metric=metrics[code], scope_type=ScopeType.agency, scope_id=agency.id,
                               fiscal_year=fy, target=green, green_at=green, amber_at=amber))
        for code, _n, _k, _u, _d, target, green, amber, *_ in OPERATIONAL_METRICS:
            session.add(Target(metric=metrics[code], scope_type=ScopeType.agency, scope_id=agency.id,
                               fiscal_year=fy, target=target, green_at=green, amber_at=amber))
        for code, _n, fn, _k, _u, _d, target, green, amber, *_ in FUNCTION_METRICS:
            session.add(Target(metric=metrics[code], scope_type=ScopeType.function, scope_id=functions[fn].id,
                               fiscal_year=fy, target=target, green_at=green, amber_at=amber))
