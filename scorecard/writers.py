"""Writers that must not overlap.

An import's confirm plans against what is stored, then writes that plan; two confirms at once would
each plan against the rows as they were before the other, and the second would write over the
first unseen (recording the first's before-values as its own, so neither could be reverted). A
revert likewise restores what it read. A rule evaluation reads what the one before it wrote, and the
observations no confirm or revert may change under it (it holds both locks). Each takes its lock
first, held until its transaction ends: the second waits, then reads what the first wrote.

PostgreSQL: a transaction advisory lock per kind. SQLite: the database's write lock, taken at once by
a write that changes nothing (SQLite lets one writer at a time in any case); the waiting writer
waits as long as the connection's busy timeout.
"""
import sqlalchemy as sa

EVALUATION = 2804  # rule evaluations
IMPORT = 2805      # import confirms and reverts


def one_at_a_time(session, key: int) -> bool:
    """Hold the lock `key` until this session's transaction ends (waiting for it first). True when
    every other write now waits too (SQLite: a job's progress report through another connection
    would not be recorded until the end)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
        return False
    from scorecard.models import Finding

    session.execute(sa.delete(Finding.__table__).where(sa.false()))
    return True
