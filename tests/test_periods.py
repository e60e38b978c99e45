"""Fiscal quarters: parsing every accepted spelling, dates, boundaries and arithmetic."""
import re
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scorecard.periods import (
    Period,
    PeriodError,
    latest_complete_period,
    parse_period,
    period_range,
    quarter_of_month,
)

periods = st.builds(Period, st.integers(1900, 2200), st.integers(1, 4))
inner_periods = st.builds(Period, st.integers(1920, 2180), st.integers(1, 4))
dates = st.dates(min_value=date(1899, 10, 1), max_value=date(2200, 9, 30))

SPELLINGS = [  # (template, two-digit year?)
    ("FY{y}-Q{q}", False), ("FY{y} Q{q}", False), ("fy{yy} q{q}", True), ("FY{yy}Q{q}", True),
    ("{y}Q{q}", False), ("{y} Q{q}", False), ("{y}-Q{q}", False), ("Q{q} FY{y}", False),
    ("Q{q} FY{yy}", True), ("Q{q} {y}", False), ("{y}-{q}", False), ("{y}/{q}", False),
    ("FY{y} Quarter {q}", False), ("Quarter {q} FY{y}", False),
    ("fiscal_year={y}, quarter={q}", False),
]


def spell(template: str, p: Period) -> str:
    return template.format(y=p.fiscal_year, yy=f"{p.fiscal_year % 100:02d}", q=p.quarter)


@given(periods)
def test_canonical_text_round_trips(p):
    assert parse_period(str(p)) == p == Period.parse(p.label)
    assert str(p) == f"FY{p.fiscal_year}-Q{p.quarter}"


@given(periods, st.sampled_from(SPELLINGS), st.booleans(), st.sampled_from(["", " ", "  \t"]))
def test_every_spelling_round_trips(p, spelling, upper, pad):
    template, two_digit = spelling
    if two_digit and not 2000 <= p.fiscal_year <= 2099:
        p = Period(2000 + p.fiscal_year % 100, p.quarter)
    text = spell(template, p)
    text = text.upper() if upper else text.lower()
    assert parse_period(pad + text + pad) == p


@given(dates)
def test_every_date_falls_in_its_quarter(d):
    p = Period.from_date(d)
    assert p.contains(d) and p.start <= d <= p.end
    assert p.date_range() == (p.start, p.end)
    assert parse_period(d) == parse_period(d.isoformat()) == p
    assert parse_period(f"{d.month}/{d.day}/{d.year}") == p
    assert parse_period(datetime(d.year, d.month, d.day, 23, 59)) == p
    if Period(1900, 1) < p < Period(2200, 4):
        assert not p.next().contains(d) and not p.prev().contains(d)


@given(inner_periods, st.integers(0, 40))
def test_next_and_prev_are_inverse(p, k):
    assert p.next(k).prev(k) == p == p.prev(k).next(k)
    assert p.next(k) == p.prev(-k)


@given(inner_periods)
def test_quarters_tile_the_calendar(p):
    assert (p.next().start - p.end).days == 1
    assert p.same_quarter_last_year() == p.prev(4) == Period(p.fiscal_year - 1, p.quarter)


@given(periods, periods)
def test_ordering_matches_start_dates(a, b):
    assert (a < b) == (a.start < b.start)
    assert (a == b) == (a.start == b.start)


@pytest.mark.parametrize("text", [
    "FY2025-Q1", "FY2025 Q1", "fy25 q1", "FY25Q1", "2025Q1", "2025 Q1", "2025-Q1", "Q1 FY2025",
    "Q1 FY25", "Q1 2025", "2025-1", "2025/1", "FY2025 Quarter 1", "Quarter 1 FY2025",
    "fiscal_year=2025, quarter=1", "  Fy 2025  -  q1 ", "FISCAL_YEAR=2025,QUARTER=1",
    "2024-10-01", "2024-11-15", "2024-11-15T10:00:00", "2024-12-31 23:59", "11/15/2024",
    "2024-11", "2024-10", "2024-12",
])
def test_spellings_of_fy2025_q1(text):
    assert parse_period(text) == Period(2025, 1)


def test_other_inputs():
    p = Period(2025, 1)
    assert parse_period(p) is p
    assert parse_period(fiscal_year=2025, quarter=1) == p
    assert parse_period(fiscal_year="FY25", quarter="Q1") == p
    assert parse_period(date(2024, 11, 15)) == p
    assert parse_period(datetime(2024, 11, 15, 10, 0)) == p
    assert parse_period("2024-01") == Period(2024, 2)  # YYYY-MM is a calendar month
    assert parse_period("2024-1") == Period(2024, 1)   # YYYY-N is a fiscal quarter
    assert parse_period("2025-01-15") == Period(2025, 2)


def test_fiscal_year_boundary():
    assert parse_period("2024-09-30") == Period.from_date(date(2024, 9, 30)) == Period(2024, 4)
    assert parse_period("2024-10-01") == Period.from_date(date(2024, 10, 1)) == Period(2025, 1)
    assert Period(2025, 1).date_range() == (date(2024, 10, 1), date(2024, 12, 31))
    assert Period(2025, 2).date_range() == (date(2025, 1, 1), date(2025, 3, 31))
    assert Period(2025, 3).date_range() == (date(2025, 4, 1), date(2025, 6, 30))
    assert Period(2025, 4).date_range() == (date(2025, 7, 1), date(2025, 9, 30))
    assert Period(2024, 4).next() == Period(2025, 1) and Period(2025, 1).prev() == Period(2024, 4)


def test_a_timestamp_with_a_utc_offset_falls_on_the_agencys_day(monkeypatch):
    """An export's UTC timestamp was put in the quarter of its UTC date: 2026-10-01T03:00:00Z (30 September,
    11 p.m. in New York) in FY2027-Q1, while the same instant written -04:00 was in FY2026-Q4."""
    from zoneinfo import ZoneInfo

    from scorecard import clock
    from scorecard.periods import calendar_month

    monkeypatch.setattr(clock, "_zone", ZoneInfo("America/New_York"))
    for text in ("2026-10-01T03:00:00Z", "2026-09-30T23:00:00-04:00", "2026-10-01 03:00z", "2026-10-01T03:00:00.5+0000",
                 "2026-10-01T01:00:00+00:00"):
        assert parse_period(text) == Period(2026, 4), text
        assert calendar_month(text) == (2026, 9), text
    assert parse_period(datetime(2026, 10, 1, 3, tzinfo=UTC)) == Period(2026, 4)
    assert calendar_month(datetime(2026, 10, 1, 3, tzinfo=UTC)) == (2026, 9), "a month as its quarter is"
    assert parse_period("2026-10-01T03:00:00") == parse_period("2026-10-01") == Period(2027, 1), "no offset: as written"
    assert parse_period("2027-01-01T01:00Z") == Period(2027, 1), "31 December, 8 p.m.: not the next quarter yet"
    monkeypatch.setattr(clock, "_zone", ZoneInfo("UTC"))
    assert parse_period("2026-10-01T03:00:00Z") == Period(2027, 1), "the same text, kept per zone"
    monkeypatch.setattr(clock, "_zone", ZoneInfo("Pacific/Honolulu"))
    assert parse_period("2026-10-01T09:59:00Z") == Period(2026, 4)
    monkeypatch.setattr(clock, "_zone", ZoneInfo("America/New_York"))
    # As other tools write them (.NET and SQL Server: seven digits of a second; ISO's 24:00; a leap second):
    # refused with strptime's words when the offset was first read, where they had been taken as the day written.
    for text in ("2026-09-30T23:00:00.0000000-04:00", "2026-10-01T03:59:60Z", "2026-10-01T01:00:00+14:00"):
        assert parse_period(text) == Period(2026, 4), text
    assert parse_period("2026-10-01T24:00Z") == Period(2027, 1), "the end of 1 October UTC: 8 p.m. in New York"
    for text, said in (("2026-10-01T25:00Z", "25:00 is no time of day"), ("2026-10-01T24:01Z", "24:01 is no time"),
                       ("2026-10-01T03:00+24:00", "+24:00 is no UTC offset"), ("2026-10-01T03:00+05:60", "no UTC"),
                       ("2026-09-30T99:99:99", "99:99:99 is no time of day"),  # taken as its day without an offset
                       ("9999-12-31T23:00:00-05:00", "beyond the calendar"),  # an OverflowError, a 500 on a page
                       ("0001-01-01T00:00:00+01:00", "beyond the calendar")):
        with pytest.raises(PeriodError, match=re.escape(said)):
            parse_period(text)


@pytest.mark.parametrize("text", ["FY2025-Q5", "2025-5", "", "Q0 2025", "hello", "2025-13",
                                  "2024-02-30", "FY2025-Q", "   "])
def test_rejected_values_name_the_value(text):
    with pytest.raises(PeriodError) as info:
        parse_period(text)
    assert repr(text) in str(info.value)
    assert "FY2025-Q1" in str(info.value)  # lists accepted spellings


def test_rejected_constructions():
    assert issubclass(PeriodError, ValueError)
    for args in [(2025, 0), (2025, 5), (1899, 1), (2201, 1)]:
        with pytest.raises(PeriodError):
            Period(*args)
    with pytest.raises(PeriodError):
        parse_period(None)
    with pytest.raises(PeriodError):
        parse_period(20251)
    with pytest.raises(PeriodError):
        parse_period(fiscal_year=2025)
    with pytest.raises(PeriodError):
        parse_period("FY2025-Q1", quarter=2)


def test_range_latest_and_months():
    assert period_range("FY2024-Q3", "FY2025-Q2") == [
        Period(2024, 3), Period(2024, 4), Period(2025, 1), Period(2025, 2)]
    assert period_range("FY2025-Q1", "FY2025-Q1") == [Period(2025, 1)]
    assert period_range("FY2025-Q2", "FY2025-Q1") == []
    assert latest_complete_period(date(2024, 11, 15)) == Period(2024, 4)
    assert latest_complete_period(date(2025, 1, 1)) == Period(2025, 1)
    assert [quarter_of_month(2024, m).quarter for m in range(1, 13)] == [2, 2, 2, 3, 3, 3, 4, 4, 4, 1, 1, 1]
    assert quarter_of_month(2024, 10).fiscal_year == 2025


def test_a_quarter_text_is_kept_only_when_short_and_plain():
    """Short texts are parsed once and kept; a long cell from a file is parsed but not kept (it would
    hold its memory), a str subclass neither (its own split or lower may differ), a refusal never."""
    from scorecard import periods

    kept = periods._parse_kept.cache_info().currsize
    padded = "FY2025" + " " * 100_000 + "Q1"
    assert parse_period(padded) == Period(2025, 1)
    assert periods._parse_kept.cache_info().currsize == kept, "a long text is not kept"

    class Odd(str):
        __hash__ = None

    assert parse_period(Odd("FY2024-Q4")) == Period(2024, 4)
    for _ in range(2):
        with pytest.raises(PeriodError, match="FY2025-Q9"):
            parse_period("FY2025-Q9")
    assert parse_period("fy25 q2") is parse_period("fy25 q2"), "a short text is parsed once"


@pytest.mark.parametrize("value", [45797, 45797.0, "45797", " 45797.0 "])
def test_an_excel_date_serial_is_refused_naming_the_date_it_would_be(value):
    """A date cell that lost its format reads as 45797: refused as before, but saying it looks like the
    serial of 20 May 2025 (FY2025-Q3) and how to fix it, not only 'not a fiscal quarter'."""
    with pytest.raises(PeriodError) as refused:
        parse_period(value)
    assert "looks like an Excel date serial for 20 May 2025" in str(refused.value)
    assert "write the quarter (FY2025-Q3)" in str(refused.value)


@pytest.mark.parametrize("value", [5, 2025, "12345", 99999])
def test_a_number_that_is_no_plausible_date_serial_gets_no_such_hint(value):
    with pytest.raises(PeriodError) as refused:
        parse_period(value)
    assert "date serial" not in str(refused.value)
