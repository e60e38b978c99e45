"""Federal fiscal quarters: FY2025 runs 1 Oct 2024 – 30 Sep 2025, so FY2025 Q1 is Oct–Dec 2024."""
from __future__ import annotations

import calendar
import functools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Optional

from scorecard.clock import agency_today, agency_zone

MIN_FISCAL_YEAR, MAX_FISCAL_YEAR = 1900, 2200  # a quarter's year as read from a file
# The fiscal years the product plans for: a plan's, a target's, an assessment's, a due date's, a --fy or --today,
# and the quarters the pages open. Outside them a year is a typing slip (0001, 9999, -2027), not a plan.
PLANNED_YEARS = (2000, 2100)


def planned_year(year: int) -> bool:
    """Whether `year` is one of the fiscal years the product plans for (PLANNED_YEARS)."""
    return PLANNED_YEARS[0] <= year <= PLANNED_YEARS[1]


# A fiscal year as people type it: FY2026, FY 2026, FY-2026, Fiscal Year 2026, 2026, 2026.0 (a float column written
# out), FY26. A sign or a dash only after FY ("-2027" is no year); digits of other scripts are not read as years.
_FY = r"(?:fy|fiscal\s*year)\s*[-_ ]?\s*"
_FISCAL_YEAR = re.compile(rf"(?:{_FY})?([0-9]{{4}})(?:\.0+)?|{_FY}([0-9]{{2}})")


def read_planned_year(value: str) -> int:
    """A fiscal year the product plans for, as typed (`_FISCAL_YEAR`; any number of ASCII digits is read as the year
    it names), read alike by every way in: the imports, the command line, the plans list and the dashboards. A
    ValueError naming the value otherwise."""
    text = value.strip().casefold()
    found = _FISCAL_YEAR.fullmatch(text)
    if found:
        year = int(found[1]) if found[1] else 2000 + int(found[2])
    elif text.isascii() and text.isdigit():
        year = int(text) if len(text) < 10 else None
    else:
        raise ValueError(f"{value[:40]!r} is not a fiscal year (write FY2026 or 2026)")
    if year is None or not planned_year(year):
        raise ValueError("{!r} is outside the fiscal years {}-{}, the years the scorecard plans for".format(
            value[:40], *PLANNED_YEARS))
    return year

ACCEPTED = ("FY2025-Q1, FY25 Q1, 2025Q1, 2025-Q1, Q1 FY2025, Q1 2025, 2025-1, 2025/1, "
            "FY2025 Quarter 1, 'fiscal_year=2025, quarter=1', or a date such as 2024-11-15, "
            "11/15/2024 or 2024-11 (calendar month)")


class PeriodError(ValueError):
    """A value that is not a valid fiscal quarter."""


@dataclass(frozen=True, order=True)
class Period:
    """One federal fiscal quarter; orders chronologically."""

    fiscal_year: int
    quarter: int

    def __post_init__(self) -> None:
        for name in ("fiscal_year", "quarter"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise PeriodError(f"{name} must be an integer, got {value!r}")
        if not 1 <= self.quarter <= 4:
            raise PeriodError(f"quarter must be 1-4, got {self.quarter}")
        if not MIN_FISCAL_YEAR <= self.fiscal_year <= MAX_FISCAL_YEAR:
            raise PeriodError(f"fiscal year must be {MIN_FISCAL_YEAR}-{MAX_FISCAL_YEAR}, "
                              f"got {self.fiscal_year}")

    def __str__(self) -> str:
        return f"FY{self.fiscal_year}-Q{self.quarter}"

    @property
    def label(self) -> str:
        return str(self)

    @property
    def start(self) -> date:
        """First day of the quarter (Q1 starts 1 October of the previous calendar year)."""
        if self.quarter == 1:
            return date(self.fiscal_year - 1, 10, 1)
        return date(self.fiscal_year, 3 * self.quarter - 5, 1)

    @property
    def end(self) -> date:
        """Last day of the quarter."""
        first = self.start
        month = first.month + 2
        return date(first.year, month, calendar.monthrange(first.year, month)[1])

    def date_range(self) -> tuple[date, date]:
        return self.start, self.end

    def next(self, k: int = 1) -> Period:
        """The quarter `k` steps later (negative `k` steps back), across fiscal years."""
        fiscal_year, index = divmod(self.fiscal_year * 4 + self.quarter - 1 + k, 4)
        return Period(fiscal_year, index + 1)

    def prev(self, k: int = 1) -> Period:
        return self.next(-k)

    def same_quarter_last_year(self) -> Period:
        return self.prev(4)

    def contains(self, d: date | datetime) -> bool:
        if isinstance(d, datetime):
            d = d.date()
        return self.start <= d <= self.end

    @classmethod
    def from_date(cls, d: date | datetime) -> Period:
        """The fiscal quarter a calendar date falls in."""
        return quarter_of_month(d.year, d.month)

    @classmethod
    def parse(cls, value) -> Period:
        return parse_period(value)


def quarter_of_month(year: int, month: int) -> Period:
    """The fiscal quarter of a calendar month (for rolling monthly data up to quarters)."""
    if not 1 <= month <= 12:
        raise PeriodError(f"month must be 1-12, got {month}")
    if month >= 10:
        return Period(year + 1, 1)
    return Period(year, (month - 1) // 3 + 2)


_YEAR = r"(?:fy\s*(?P<{0}>[0-9]{{4}}|[0-9]{{2}})|(?P<{0}4>[0-9]{{4}}))"
_QUARTER = r"(?:q|quarter)\s*(?P<q>[0-9])"
# [0-9], not \d: \d is every script's digits ("FY٢٠٢٥-Q١"), which the numbers of a file and the forms refuse
_PATTERNS = [  # (regex, kind); matched against lower-cased, trimmed text
    (re.compile(rf"^{_YEAR.format('y')}\s*[-_/,]?\s*{_QUARTER}$"), "fq"),
    (re.compile(rf"^{_QUARTER}\s*[-_/,]?\s*{_YEAR.format('y')}$"), "fq"),
    (re.compile(r"^(?:fy\s*)?(?P<y4>[0-9]{4})\s*[-/]\s*(?P<q>[0-9])$"), "fq"),
    (re.compile(r"^fiscal_?year\s*[=:]\s*(?:fy\s*)?(?P<y>[0-9]{4}|[0-9]{2})\s*[,;]?\s*"
                r"quarter\s*[=:]\s*q?(?P<q>[0-9])$"), "fq"),
    (re.compile(r"^quarter\s*[=:]\s*q?(?P<q>[0-9])\s*[,;]?\s*"
                r"fiscal_?year\s*[=:]\s*(?:fy\s*)?(?P<y>[0-9]{4}|[0-9]{2})$"), "fq"),
    (re.compile(r"^(?P<y4>[0-9]{4})-(?P<m>[0-9]{2})$"), "month"),
    (re.compile(r"^(?P<y4>[0-9]{4})-(?P<m>[0-9]{2})-(?P<d>[0-9]{2})"
                r"(?:[t ](?P<time>[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)"
                r"(?P<offset>z|[+-][0-9]{2}:?[0-9]{2})?)?$"),
     "date"),
    (re.compile(r"^(?P<m>[0-9]{1,2})/(?P<d>[0-9]{1,2})/(?P<y4>[0-9]{4})$"), "date"),
]


def _year(text: str) -> int:
    """Four-digit years as written; two-digit years mean 20xx."""
    return int(text) + 2000 if len(text) == 2 else int(text)


def parse_period(value=None, *, fiscal_year=None, quarter=None) -> Period:
    """Read a fiscal quarter from the spellings analysts use (case- and space-insensitive).

    Fiscal quarters: ``FY2025-Q1``, ``FY25 Q1``, ``FY25Q1``, ``2025Q1``, ``2025-Q1``,
    ``Q1 FY2025``, ``Q1 FY25``, ``Q1 2025``, ``FY2025 Quarter 1``, ``Quarter 1 FY2025``,
    ``2025-1``, ``2025/1``, ``"fiscal_year=2025, quarter=1"`` or the keyword arguments
    ``fiscal_year=2025, quarter=1``. A bare four-digit year is a *fiscal* year; a two-digit
    year (only after ``FY``) means 20xx.

    Calendar dates map to the fiscal quarter containing them: ``date``/``datetime`` objects,
    ISO ``2024-11-15`` / ``2024-11-15T10:00:00`` and US ``11/15/2024``.

    Ambiguity rule: ``YYYY-N`` with a single digit is fiscal year YYYY quarter N, while
    ``YYYY-MM`` with two digits (``2024-01``, ``2024-11``) is a calendar month, mapped to its
    fiscal quarter (``2024-11`` -> FY2025-Q1). A ``Period`` is returned unchanged.
    """
    if value is None and (fiscal_year is not None or quarter is not None):
        if fiscal_year is None or quarter is None:
            raise PeriodError("both fiscal_year and quarter are needed")
        value = f"fiscal_year={fiscal_year}, quarter={quarter}"
    elif fiscal_year is not None or quarter is not None:
        raise PeriodError("give either a value or fiscal_year= and quarter=, not both")
    if isinstance(value, Period):
        return value
    if isinstance(value, date):  # datetime is a date too
        return _checked(value, lambda: Period.from_date(_agency_day(value)))
    if not isinstance(value, str):
        raise PeriodError(f"not a fiscal quarter: {value!r}{_serial_hint(value)} (accepted: {ACCEPTED})")
    if type(value) is str and len(value) <= _KEPT_UP_TO:  # a time of day ("...T03:00Z") may turn on the zone
        return _parse_kept(value) if ":" not in value else _parse_kept_in_zone(value, agency_zone())
    return _parse_text(value)


EXCEL_EPOCH = date(1899, 12, 30)  # day 0 of Excel's date serials (its 1900 leap-year slip included)


def _serial_hint(value) -> str:
    """For a number that reads as an Excel date serial (a date cell whose formatting was lost: 45797 is
    20 May 2025), what date it would be; "" otherwise. Not read as that date: the number may be anything."""
    if isinstance(value, str) and re.fullmatch(r"\s*\d{5}(?:\.0*)?\s*", value):
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 36526 <= value <= 73415:
        return ""  # 2000-01-01 to 2100-12-31
    day = EXCEL_EPOCH + timedelta(days=int(value))
    return (f", which looks like an Excel date serial for {day:%d %B %Y} whose cell lost its date format: format "
            f"the column as dates, or write the quarter ({Period.from_date(day)})")


_KEPT_UP_TO = 40  # characters: the longest spelling of a quarter is well under; a file's long cell is not kept


def _parse_text(value: str) -> Period:
    text = " ".join(value.split()).lower()
    for pattern, kind in _PATTERNS:
        match = pattern.match(text)
        if match:
            return _checked(value, lambda kind=kind, match=match: _build(kind, match.groupdict()))
    raise PeriodError(f"not a fiscal quarter: {value!r}{_serial_hint(value)} (accepted: {ACCEPTED})")


# A quarter's short plain text, parsed once and kept (a Period is immutable): a page reads the same
# few quarters' texts thousands of times. A refusal is raised again each time, not kept. A text with a
# time of day is kept per agency time zone (a timestamp with a UTC offset is counted on the agency's day).
_parse_kept = functools.lru_cache(maxsize=4096)(_parse_text)


@functools.lru_cache(maxsize=1024)
def _parse_kept_in_zone(value: str, _zone) -> Period:
    return _parse_text(value)


def _build(kind: str, parts: dict) -> Period:
    year = _year(parts.get("y") or parts["y4"])
    if kind == "fq":
        return Period(year, int(parts["q"]))
    if kind == "month":
        return quarter_of_month(year, int(parts["m"]))
    return Period.from_date(_written_day(parts))


def _written_day(parts: dict) -> date:
    """The day a written date or timestamp falls on for the agency: a timestamp with a UTC offset
    ("2026-10-01T03:00:00Z", "...T23:00:00.0000000-04:00") on the agency's day of that instant
    (SCORECARD_TIMEZONE; the first was put in FY2027-Q1, though it is 30 September in New York), one
    without on the day written. The time is read as ISO 8601 writes it: any digits of a second, 24:00 the
    end of the day, a leap second (:60) its minute's last."""
    day = date(_year(parts["y4"]), int(parts["m"]), int(parts["d"]))
    if not parts.get("time"):
        return day
    hours, minutes, *seconds = parts["time"].split(":")
    hour, minute, second = int(hours), int(minutes), float(seconds[0]) if seconds else 0.0
    if hour > 24 or minute > 59 or second >= 61 or (hour == 24 and (minute or second)):
        raise PeriodError(f"{parts['time']} is no time of day")
    if not parts.get("offset"):
        return day
    offset = parts["offset"].upper().replace(":", "")
    east = timedelta(0) if offset == "Z" else timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5]))
    if east >= timedelta(hours=24) or (offset != "Z" and int(offset[3:5]) > 59):
        raise PeriodError(f"{parts['offset']} is no UTC offset (they run from -23:59 to +23:59)")
    written = datetime(day.year, day.month, day.day, tzinfo=UTC)
    try:
        written += timedelta(hours=hour, minutes=minute, seconds=min(second, 59))
        return _agency_day(written - east if offset.startswith(("+", "Z")) else written + east)
    except OverflowError:  # within hours of 0001-01-01 or 9999-12-31
        raise PeriodError(f"{day.isoformat()} {parts['time']}{parts['offset']} falls beyond the calendar "
                          "in the agency's time zone") from None


def _agency_day(value: date) -> date:
    """A date as it is; an aware datetime on the agency's day of its instant; a naive one on its own day."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        try:
            return value.astimezone(agency_zone()).date()
        except OverflowError:  # within hours of 0001-01-01 or 9999-12-31
            raise PeriodError(f"{value.isoformat()} falls beyond the calendar in the agency's time zone") from None
    return value.date() if isinstance(value, datetime) else value


def _checked(value, build) -> Period:
    """Run `build`, re-raising any failure as a PeriodError that quotes the input."""
    try:
        return build()
    except ValueError as exc:  # PeriodError, or an impossible calendar date
        raise PeriodError(f"not a valid fiscal quarter: {value!r}: {exc} "
                          f"(accepted: {ACCEPTED})") from exc


def calendar_month(value) -> Optional[tuple[int, int]]:
    """(year, month) of a period written as a calendar month or a date (``2024-11``, ``2024-11-15``,
    ``11/15/2024``, a date object): the spellings monthly data come in, which an import rolls up to
    their quarter. None for a fiscal quarter's spelling, or anything that is not a period."""
    if isinstance(value, date):
        try:
            day = _agency_day(value)  # an aware datetime on the agency's day, as parse_period reads it
        except PeriodError:
            day = value
        return day.year, day.month
    if not isinstance(value, str) or len(value) > _KEPT_UP_TO:
        return None
    text = " ".join(value.split()).lower()
    for pattern, kind in _PATTERNS:
        match = pattern.match(text)
        if match:
            if kind == "fq":
                return None
            parts = match.groupdict()
            if kind == "date":
                try:
                    day = _written_day(parts)
                    return day.year, day.month
                except ValueError:  # no such day or time: parse_period refuses it, naming it
                    pass
            return _year(parts["y4"]), int(parts["m"])
    return None


def period_range(first, last) -> list[Period]:
    """Every quarter from `first` to `last` inclusive (empty when `first` is after `last`)."""
    first, last = parse_period(first), parse_period(last)
    count = (last.fiscal_year * 4 + last.quarter) - (first.fiscal_year * 4 + first.quarter)
    return [first.next(k) for k in range(count + 1)]


def latest_complete_period(today: date | None = None) -> Period:
    """The last quarter that has fully ended: the one before the quarter containing `today`."""
    return Period.from_date(today or agency_today()).prev()


def reported_period(value, today: date | None = None) -> Period:
    """The quarter results are given for: `value` read as parse_period reads it, refused (PeriodError)
    when it has not begun (results are given for a quarter from its first day on; a later one would
    become every dashboard's latest quarter, with nothing in it)."""
    period = parse_period(value)
    if not has_begun(period, today):
        raise PeriodError(f"{period} has not begun: results can be given up to the current quarter, "
                          f"{Period.from_date(today or agency_today())}")
    return period


def has_begun(period, today: date | None = None) -> bool:
    """Whether the quarter `period` has begun on the agency's `today` (default: now)."""
    return parse_period(period) <= Period.from_date(today or agency_today())


def year_begins(fiscal_year: int, today: date | None = None) -> date | None:
    """The first day of the fiscal year `fiscal_year` when it has not begun on the agency's `today` (default: now),
    else None: a plan of an appraisal year not begun is not rated yet, nor are the pages opened on such a year."""
    first = Period(fiscal_year, 1)
    return None if has_begun(first, today) else first.start


def opening_period(available, today: date | None = None) -> str | None:
    """Of the quarters with data (`available`, newest first), the one the pages open on: the latest that has
    ended, else the latest. A quarter's results are reported after it ends: one still under way holds the
    first few programs' results, and opening on it showed nearly every program "not reported"."""
    available = list(available)
    ended = latest_complete_period(today)
    return next((p for p in available if parse_period(p) <= ended), available[0] if available else None)
