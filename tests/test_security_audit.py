"""The audit log is append-only in the database itself: triggers refuse UPDATE, DELETE and a
rewrite under an event's id (SQLite's INSERT OR REPLACE, an upsert) on audit_events, on SQLite and
PostgreSQL, in a database built by the migrations and in one built by `metadata.create_all` (the
tests' databases)."""
import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from scorecard import create_app
from scorecard.extensions import db
from scorecard.models import AuditEvent
from scorecard.models.audit import append_only_suspended
from tests.test_migrations import empty_database  # noqa: F401  (a fixture)


def _one_event(connection) -> int:
    connection.execute(sa.insert(AuditEvent.__table__).values(
        at=sa.func.current_timestamp(), action="test.event", entity_type="thing"))
    return connection.scalar(sa.select(sa.func.max(AuditEvent.id)))


def _refused(engine, statement) -> str:
    with engine.connect() as connection, pytest.raises(sa.exc.DBAPIError) as refused:
        connection.execute(statement)
    return str(refused.value)


def _assert_append_only(engine) -> None:
    with engine.begin() as connection:
        event_id = _one_event(connection)
    table = AuditEvent.__table__
    assert "audit_events is append-only: UPDATE refused" in _refused(
        engine, table.update().where(table.c.id == event_id).values(action="test.changed"))
    assert "audit_events is append-only: DELETE refused" in _refused(
        engine, table.delete().where(table.c.id == event_id))
    assert "append-only" in _refused(engine, table.delete())
    # an event written again under its id, its actor or values changed: SQLite's REPLACE fires no DELETE
    # trigger, and an upsert (both engines) is an UPDATE
    rewritten = {"id": event_id, "at": sa.func.current_timestamp(), "action": "test.rewritten", "entity_type": "thing"}
    upsert = (sqlite_insert if engine.dialect.name == "sqlite" else postgresql_insert)(table).values(rewritten)
    assert "append-only" in _refused(engine, upsert.on_conflict_do_update(index_elements=["id"],
                                                                          set_={"action": "test.rewritten"}))
    if engine.dialect.name == "sqlite":
        assert "audit_events is append-only: REPLACE refused" in _refused(
            engine, table.insert().prefix_with("OR REPLACE").values(rewritten))
    if engine.dialect.name == "postgresql":  # SQLite has no TRUNCATE
        assert "audit_events is append-only: TRUNCATE refused" in _refused(engine, sa.text("TRUNCATE audit_events"))
    with engine.connect() as connection:
        assert connection.scalar(sa.select(table.c.action).where(table.c.id == event_id)) == "test.event"


def test_a_database_built_from_the_models_refuses_changes(app):
    with app.app_context():
        _assert_append_only(db.engine)


def test_the_orm_refuses_too(app):
    with app.app_context():
        event = AuditEvent(action="test.event", entity_type="thing")
        db.session.add(event)
        db.session.commit()
        event.action = "test.changed"
        with pytest.raises(PermissionError):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.get(AuditEvent, event.id))
        with pytest.raises(PermissionError):
            db.session.commit()
        db.session.rollback()


def test_inserting_still_works(app):
    with app.app_context(), db.engine.begin() as connection:
        first, second = _one_event(connection), _one_event(connection)
        assert second == first + 1


def test_maintenance_may_suspend_the_triggers_for_a_block(app):
    with app.app_context():
        with db.engine.begin() as connection:
            _one_event(connection)
        with db.engine.begin() as connection, append_only_suspended(connection):
            connection.execute(AuditEvent.__table__.delete())
        with db.engine.connect() as connection:
            assert connection.scalar(sa.select(sa.func.count()).select_from(AuditEvent.__table__)) == 0
        _assert_append_only(db.engine)


def test_a_migrated_database_refuses_changes_and_the_triggers_go_on_downgrade(empty_database):  # noqa: F811
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database, "SECRET_KEY": "x", "TESTING": True})
    with app.app_context():
        upgrade()
        _assert_append_only(db.engine)
        downgrade(revision="0008")
        with db.engine.begin() as connection:
            connection.execute(sa.text("UPDATE audit_events SET action = 'test.changed'"))
            connection.execute(sa.text("DELETE FROM audit_events"))
        upgrade()
        _assert_append_only(db.engine)
        db.engine.dispose()
