"""The one clock: timestamps are stored in UTC, so the day they are counted against is the UTC day too
("updated 0 days ago", overdue, not updated in 30 days, the latest quarter). A server whose local zone
is behind UTC counted its local date against UTC timestamps and said "updated -1 days ago" in the
evening."""
from datetime import UTC, date, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def utctoday() -> date:
    """Today, in UTC: the day the stored timestamps are in."""
    return utcnow().date()
