"""The one clock. Timestamps are stored in UTC; the day they are counted against is the agency's day, in
its time zone (SCORECARD_TIMEZONE, America/New_York by default): "updated 0 days ago", overdue, not
updated in 30 days, a report's lateness and the latest quarter all turn at the agency's midnight. Counted
in UTC days, a commitment due today read "overdue" from 7 p.m. Eastern. Times of day are shown in the same
zone, with its abbreviation ("2026-12-03 18:40 EST"), so a time and the day it is counted on agree."""
import functools
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, available_timezones

from markupsafe import Markup

DEFAULT_ZONE = "America/New_York"
_zone = ZoneInfo(DEFAULT_ZONE)


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones()) - {"localtime", "Factory"}  # the host's own zone; no zone at all


def zone_problem(name: str) -> str | None:
    """Why `name` is no IANA time zone (in a sentence naming SCORECARD_TIMEZONE), or None when it is one.
    Only the database's zone names are taken: not "" (an env file's blank line), a group ("America"), nor a
    file of the host's ("localtime", whatever the host is set to)."""
    if name in _zones():
        return None
    return (f"SCORECARD_TIMEZONE is {name[:60]!r}; it is an IANA time zone such as America/New_York, "
            f"America/Chicago or UTC (default {DEFAULT_ZONE}).")


def set_zone(name: str) -> None:
    """Count days in the time zone `name` (the app's TIMEZONE setting, checked at start by `zone_problem`)."""
    global _zone
    _zone = ZoneInfo(name)


def agency_zone() -> ZoneInfo:
    return _zone


def utcnow() -> datetime:
    return datetime.now(UTC)


def agency_now() -> datetime:
    """Now, in the agency's time zone."""
    return utcnow().astimezone(_zone)


def agency_today() -> date:
    """Today, in the agency's time zone."""
    return agency_now().date()


def in_zone(stamp: datetime) -> datetime:
    """A stored timestamp in the agency's zone (a naive one is read as UTC, as the database keeps it); in UTC
    when the zone would put it beyond the calendar (a stamp within hours of 0001-01-01 or 9999-12-31)."""
    stamp = stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    try:
        return stamp.astimezone(_zone)
    except OverflowError:
        return stamp.astimezone(UTC)


def day_of(stamp: datetime) -> date:
    """The agency's day a stored timestamp fell on."""
    return in_zone(stamp).date()


def start_of(day: date) -> datetime:
    """The moment (in UTC) the agency's `day` begins: every stamp from it on falls on `day` or later. The
    calendar's first day begins at its start in a zone east of UTC, which puts its midnight before it."""
    try:
        return datetime.combine(day, time.min, tzinfo=_zone).astimezone(UTC)
    except OverflowError:  # 0001-01-01 east of UTC
        return datetime.min.replace(tzinfo=UTC)


def moment(stamp: datetime, seconds: bool = False) -> str:
    """A stored timestamp as people read it: to the minute (or the second) in the agency's zone, with the
    zone's abbreviation ("2026-12-03 18:40 EST"; EDT in summer), or its offset from UTC where the zone has no
    abbreviation ("UTC+11"; `zone_name`). A naive one is read as UTC, as the database keeps it."""
    local = in_zone(stamp)
    return f"{local:%Y-%m-%d %H:%M{':%S' if seconds else ''}} {zone_name(local)}"


def zone_name(local: datetime) -> str:
    """The abbreviation of the zone a time is in ("EST"), or its offset from UTC where the zone has none
    ("UTC+11", "UTC+05:45", "UTC-03"; the database's own names for them are a bare "+11", "+0545", "-03")."""
    name = local.tzname()
    if name[0] not in "+-":
        return name
    minutes = int(local.utcoffset().total_seconds()) // 60
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{'-' if minutes < 0 else '+'}{hours:02d}" + (f":{rest:02d}" if rest else "")


def moment_on_a_page(stamp: datetime, seconds: bool = False) -> Markup:
    """`moment` in HTML, its day and its time each kept on one line: in a narrow table column "2026-12-04"
    was broken at its hyphens."""
    day, _, time_of_day = moment(stamp, seconds).partition(" ")
    return Markup('<span class="text-no-wrap">{}</span> <span class="text-no-wrap">{}</span>').format(
        day, time_of_day)
