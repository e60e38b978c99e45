"""Writers that must not overlap.

An import's confirm plans against what is stored, then writes that plan; two confirms at once would
each plan against the rows as they were before the other, and the second would write over the
first unseen (recording the first's before-values as its own, so neither could be reverted). A
revert likewise restores what it read. A rule evaluation reads what the one before it wrote, and the
observations no confirm or revert may change under it (it holds both locks). Each takes its lock
first, held until its transaction ends: the second waits, then reads what the first wrote. A user's
briefing starts are counted against their limit one at a time (`one_at_a_time_of`), and so are
sign-in attempts against the throttle. A page's save that checks what the page was opened on holds
that one row first (`hold`), and a change that may leave fewer active administrators takes one lock
for all of them (`one_at_a_time_of(ADMINS)`): two administrators deactivating each other at once each
counted the other, and left none.

PostgreSQL: a transaction advisory lock per kind, taken before the job reads anything (`early`).
SQLite: the database's write lock, taken by a write that changes nothing (SQLite lets one writer at a
time in any case) as late as the plan allows, since it also holds up the job's progress reports
(written through a connection of their own); a writer waits for it up to SQLITE_WAIT_SECONDS, not
only the connection's busy timeout.
"""
import time

import sqlalchemy as sa

EVALUATION = 2804  # rule evaluations
IMPORT = 2805      # import confirms and reverts
BRIEFING = 2806    # starting a briefing (with the user's id: one user's starts, one at a time)
SIGN_IN = 2807     # one account's sign-in attempts, counted against the throttle and recorded (auth.services)
SIGN_IN_ADDRESS = 2808  # one client address's sign-in attempts, likewise
ADMINS = 2809      # a change that may leave fewer active administrators (admin.services): counted one at a time
SQLITE_WAIT_SECONDS = 600  # a confirm waiting behind a long one waits, instead of failing after 15 s


def _postgresql(session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _advisory(session, *keys: int) -> None:
    """PostgreSQL's transaction advisory lock on one key (a kind of writer) or two (a kind and an owner)."""
    names = ", ".join(f":key{i}" for i in range(len(keys)))
    session.execute(sa.text(f"SELECT pg_advisory_xact_lock({names})"), {f"key{i}": k for i, k in enumerate(keys)})


def early(session, key: int) -> None:
    """Take `key` before reading what will be planned from, where that holds up no one else's work
    (PostgreSQL); on SQLite, `one_at_a_time` takes it before the plan."""
    if _postgresql(session):
        _advisory(session, key)


def one_at_a_time_of(session, key: int, owner: int) -> None:
    """Hold the lock `key` of one owner (a user) until this session's transaction ends: PostgreSQL's
    two-part advisory lock, so other users do not wait; SQLite's write lock, waited for as any write
    is (the connection's busy timeout: a page's request, not a job, is waiting)."""
    if _postgresql(session):
        _advisory(session, key, owner)
    else:
        _sqlite_write_lock(session)


def _sqlite_write_lock(session) -> None:
    """SQLite's write lock, held until the transaction ends: a write that changes nothing."""
    from scorecard.models import Finding

    session.execute(sa.delete(Finding.__table__).where(sa.false()))


def hold(session, model, row_id: int) -> None:
    """Hold one row of `model` until this session's transaction ends, so that checking what a page was
    opened on and saving over it are one step (two saves of one rule, two decisions on one element):
    an UPDATE that changes nothing, which PostgreSQL answers with the row's lock and SQLite with its
    write lock. The second waits, then reads what the first wrote: the session's objects are expired,
    so what is read next is as it is now."""
    key = model.__table__.c.id
    session.execute(sa.update(model.__table__).where(key == row_id).values({key.name: key}))
    session.expire_all()


def one_at_a_time(session, key: int) -> bool:
    """Hold the lock `key` until this session's transaction ends (waiting for it first). True when
    every other write now waits too (SQLite: a job's progress report through another connection
    would not be recorded until the end)."""
    if _postgresql(session):
        _advisory(session, key)
        return False
    deadline = time.monotonic() + SQLITE_WAIT_SECONDS
    while True:
        try:
            _sqlite_write_lock(session)
            return True
        except sa.exc.OperationalError as error:  # the busy timeout ran out behind another writer
            if "locked" not in str(error.orig) or time.monotonic() > deadline:
                raise
