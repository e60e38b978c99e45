"""The agency's clock: a stored UTC time is shown, and its day counted, in the agency's time zone."""
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from scorecard import clock


@pytest.fixture
def zone(monkeypatch):
    def use(name: str) -> None:
        monkeypatch.setattr(clock, "_zone", ZoneInfo(name))
    return use


@pytest.mark.parametrize("name, stamp, shown", [
    ("America/New_York", datetime(2026, 12, 4, 3, 30, tzinfo=UTC), "2026-12-03 22:30 EST"),
    ("America/New_York", datetime(2026, 7, 4, 2, 15, tzinfo=UTC), "2026-07-03 22:15 EDT"),
    ("America/New_York", datetime(2026, 12, 4, 3, 30), "2026-12-03 22:30 EST"),  # naive: as the database keeps it
    ("America/Los_Angeles", datetime(2026, 12, 4, 3, 30, tzinfo=UTC), "2026-12-03 19:30 PST"),
    ("Pacific/Guam", datetime(2026, 12, 4, 3, 30, tzinfo=UTC), "2026-12-04 13:30 ChST"),
    ("UTC", datetime(2026, 12, 4, 3, 30, tzinfo=UTC), "2026-12-04 03:30 UTC"),
    # zones without an abbreviation: the database names them "+11", "+0545", "-03", read as their offset
    ("Australia/Lord_Howe", datetime(2026, 12, 4, 3, 30, tzinfo=UTC), "2026-12-04 14:30 UTC+11"),
    ("Asia/Kathmandu", datetime(2026, 12, 4, 3, 30, tzinfo=UTC), "2026-12-04 09:15 UTC+05:45"),
    ("America/Sao_Paulo", datetime(2026, 12, 4, 3, 30, tzinfo=UTC), "2026-12-04 00:30 UTC-03"),
    ("Etc/GMT+12", datetime(2026, 12, 4, 3, 30, tzinfo=UTC), "2026-12-03 15:30 UTC-12")])
def test_a_time_is_shown_in_the_agencys_zone_on_the_day_it_is_counted(zone, name, stamp, shown):
    zone(name)
    assert clock.moment(stamp) == shown
    assert clock.day_of(stamp).isoformat() == shown[:10]  # the time shown and the day counted agree


def test_a_time_to_the_second(zone):
    zone("America/New_York")
    assert clock.moment(datetime(2026, 12, 4, 3, 30, 5, tzinfo=UTC), seconds=True) == "2026-12-03 22:30:05 EST"


@pytest.mark.parametrize("name", ["America/New_York", "Etc/GMT+12", "Etc/GMT-14", "UTC"])
def test_a_day_begins_at_the_agencys_midnight_even_at_the_calendars_ends(zone, name):
    """The audit log's From date of 0001-01-01 east of UTC (and a To date before 9999-12-31 west of it) put the
    day's start outside the calendar: OverflowError, a server error."""
    zone(name)
    start = clock.start_of(date(2026, 12, 3))
    assert clock.day_of(start) == date(2026, 12, 3) and clock.day_of(start - timedelta(microseconds=1)) == date(
        2026, 12, 2)
    assert clock.start_of(date.min) <= datetime(1, 1, 2, tzinfo=UTC)
    assert clock.start_of(date.max) >= datetime(9999, 12, 30, tzinfo=UTC)


@pytest.mark.parametrize("name, stamp", [("Etc/GMT+12", datetime(1, 1, 1, 10, tzinfo=UTC)),
                                         ("Pacific/Kiritimati", datetime(9999, 12, 31, 11, tzinfo=UTC))])
def test_a_time_the_zone_would_put_beyond_the_calendar_is_shown_in_utc(zone, name, stamp):
    """OverflowError, a server error on the page that showed it."""
    zone(name)
    assert clock.moment(stamp) == f"{stamp:%Y-%m-%d %H:%M} UTC" and clock.day_of(stamp) == stamp.date()
