"""The append-only audit log of every change made by a person, and of sign-ins.

Append-only is enforced by the database itself: triggers refuse UPDATE and DELETE on the table
(SQLite and PostgreSQL; on SQLite also an INSERT OR REPLACE of an event there is). The migrations
create them, and so does `metadata.create_all` (DDL events below), so every database built from the
models has them. Each event made while a web request is handled records the client's address and
user agent, and one made through the REST API the token it was made with (`via_api_token` in `after`);
so does each event a background job writes (an import's commit, a revert), with the client of the request
that started the job. One made by a `scorecard` command names the command, and the account and host that ran
it, as its user agent."""
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from scorecard.models.base import Base, UTCDateTime, utcnow
from scorecard.text import UNKEPT_ON_ONE_LINE, shown

CLIENT_ADDRESS_MAX = 64
USER_AGENT_MAX = 300


class AuditEvent(Base):
    """Who did what, when, from where, with the values before and after. Never updated or deleted."""

    __tablename__ = "audit_events"
    __table_args__ = (
        sa.Index("ix_audit_events_entity", "entity_type", "entity_id"),
    )
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    action: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    entity_type: so.Mapped[str] = so.mapped_column(sa.String(64))
    entity_id: so.Mapped[Optional[int]]
    before: so.Mapped[Optional[dict]] = so.mapped_column(sa.JSON)
    after: so.Mapped[Optional[dict]] = so.mapped_column(sa.JSON)
    client_address: so.Mapped[Optional[str]] = so.mapped_column(sa.String(CLIENT_ADDRESS_MAX))
    user_agent: so.Mapped[Optional[str]] = so.mapped_column(sa.String(USER_AGENT_MAX))


_started_by: ContextVar[tuple] = ContextVar("audit_started_by", default=(None, None, None))


@contextmanager
def started_by(client) -> None:
    """Within a background job: `client`, the (address, user agent[, API token]) of the request that started it
    (`request_origin`; None: the command line), stands for the request's in the audit events the job writes."""
    given = list(client)[:3] if isinstance(client, (list, tuple)) and len(client) in (2, 3) else []
    address, agent, api_token = (given + [None, None, None])[:3]
    api_token = api_token if isinstance(api_token, dict) and set(api_token) == {"id", "name"} else None
    token = _started_by.set((address if isinstance(address, str) else None, agent if isinstance(agent, str) else None,
                             api_token))
    try:
        yield
    finally:
        _started_by.reset(token)


_by_the_system: ContextVar[bool] = ContextVar("audit_by_the_system", default=False)


@contextmanager
def by_the_system() -> None:
    """Within the block, work the system does on its own account while someone's request is handled (old
    previews expired as a new file arrives): its audit events name no person, client or token. They named the
    person uploading the new file, and their token, as the one who cancelled another's preview."""
    token = _by_the_system.set(True)
    try:
        yield
    finally:
        _by_the_system.reset(token)


def on_its_own_account() -> bool:
    """Whether the system is doing work on its own account here (`by_the_system`)."""
    return _by_the_system.get()


def request_origin() -> list:
    """[client address, user agent, API token] of the request being handled (`request_client`, `api_token_used`),
    as a background job it starts is handed them (`started_by`)."""
    return [*request_client(), api_token_used()]


def api_token_used() -> Optional[dict]:
    """{"id", "name"} of the personal access token the request being handled was made with (scorecard.api.auth),
    or of the request that started the background job; None for a page of the web or the command line."""
    from flask import g, has_request_context

    if _by_the_system.get():
        return None
    if not has_request_context():
        return _started_by.get()[2]
    token = g.get("api_token")
    return None if token is None else {"id": token.id, "name": token.name}


def with_origin(after: Optional[dict]) -> Optional[dict]:
    """An event's `after` with the API token the change was made with (`via_api_token`), when it was: a user
    agent is the client's to write, the token tells a change through the API from one on the web."""
    used = api_token_used()
    if used is None:
        return after
    return {**(after if isinstance(after, dict) else {}), "via_api_token": used}


def request_client() -> tuple[Optional[str], Optional[str]]:
    """(client address, user agent) of the web request being handled; in a background job, of the
    request that started it (`started_by`); on the command line, no address and the command (`command_line`);
    else (None, None)."""
    from flask import has_request_context, request

    if _by_the_system.get():
        return None, None
    if not has_request_context():
        client = _started_by.get()[:2]
        return client if client != (None, None) else (None, command_line())
    address = (request.remote_addr or "")[:CLIENT_ADDRESS_MAX] or None
    # A header is the client's to write: a control character in it (an ESC colouring a terminal, a line break)
    # is kept written as its escape, so the log and its CSV read as the client sent it and do nothing else.
    agent = shown(request.user_agent.string or "", UNKEPT_ON_ONE_LINE)[:USER_AGENT_MAX] or None
    return address, agent


def command_line() -> Optional[str]:
    """The `scorecard` command this thread is running, with the operating system's account and host that ran it
    ("command line: scorecard rules publish, by ops on web-1"), as its audit events' user agent: a command
    names no person, and an event that said nothing of where it came from left an auditor no one to ask.
    None outside a command (a server's own threads)."""
    import os
    import socket

    import click

    context = click.get_current_context(silent=True)
    if context is None:
        return None
    try:  # the process's own account, not $USER or $LOGNAME (getpass reads those first: anyone may set them)
        import pwd
        account = pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError, OSError):  # not Unix, or no name for the process's user id (a container's)
        account = "an account without a name"
    said = f"command line: {context.command_path}, by {account} on {socket.gethostname()}"
    return shown(said, UNKEPT_ON_ONE_LINE)[:USER_AGENT_MAX]


@sa.event.listens_for(AuditEvent, "before_insert")
def _stamp_client(mapper, connection, target):
    """Each of the client's address and user agent an event was not given (a refused sign-in names the
    address it counted, and read no browser) is the request's."""
    if target.client_address is None or target.user_agent is None:
        address, agent = request_client()
        target.client_address = target.client_address if target.client_address is not None else address
        target.user_agent = target.user_agent if target.user_agent is not None else agent
    if not (isinstance(target.after, dict) and "via_api_token" in target.after):
        target.after = with_origin(target.after)


@sa.event.listens_for(AuditEvent, "before_update")
@sa.event.listens_for(AuditEvent, "before_delete")
def _refuse_change(mapper, connection, target):
    raise PermissionError("the audit log is append-only")


# The database's own guard. TRUNCATE (PostgreSQL) and DROP TABLE are left to the table's owner.
APPEND_ONLY_MESSAGE = "audit_events is append-only"
SQLITE_TRIGGERS = {
    "audit_events_no_update": f"CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
                              f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}: UPDATE refused'); END",
    "audit_events_no_delete": f"CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
                              f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}: DELETE refused'); END",
    # INSERT OR REPLACE deletes the row it collides with and fires no DELETE trigger (recursive_triggers
    # is off): an event rewritten under its own id. A new event's id is NULL here (the table gives it).
    "audit_events_no_replace": f"CREATE TRIGGER audit_events_no_replace BEFORE INSERT ON audit_events "
                               f"WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM audit_events WHERE id = NEW.id) "
                               f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}: REPLACE refused'); END",
}
POSTGRESQL_FUNCTION = (
    "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN RAISE EXCEPTION USING MESSAGE = '{APPEND_ONLY_MESSAGE}: ' || TG_OP || ' refused', "
    "ERRCODE = 'insufficient_privilege'; END $$")
POSTGRESQL_TRIGGER = ("CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
                      "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()")
# TRUNCATE fires no row trigger: a statement trigger refuses it (PostgreSQL; SQLite has no TRUNCATE).
POSTGRESQL_TRUNCATE_TRIGGER = ("CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
                               "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()")


def create_append_only_triggers(connection) -> None:
    """Create the triggers that refuse UPDATE, DELETE (and on PostgreSQL TRUNCATE) on audit_events."""
    dialect = connection.dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_TRIGGERS.values():
            connection.exec_driver_sql(statement)
    elif dialect == "postgresql":
        connection.exec_driver_sql(POSTGRESQL_FUNCTION)
        connection.exec_driver_sql(POSTGRESQL_TRIGGER)
        connection.exec_driver_sql(POSTGRESQL_TRUNCATE_TRIGGER)


def drop_append_only_triggers(connection) -> None:
    dialect = connection.dialect.name
    if dialect == "sqlite":
        for name in SQLITE_TRIGGERS:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    elif dialect == "postgresql":
        connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")


@contextmanager
def append_only_suspended(connection):
    """Maintenance only (emptying a test database, a retention purge a records officer approved):
    the triggers are dropped for the block and created again after it, in the same transaction."""
    drop_append_only_triggers(connection)
    try:
        yield connection
    finally:
        create_append_only_triggers(connection)


@sa.event.listens_for(AuditEvent.__table__, "after_create")
def _after_create(table, connection, **_kw):
    create_append_only_triggers(connection)


@sa.event.listens_for(AuditEvent.__table__, "after_drop")
def _after_drop(table, connection, **_kw):
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("DROP FUNCTION IF EXISTS audit_events_append_only()")
