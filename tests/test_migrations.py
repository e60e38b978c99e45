"""The migrations build exactly the schema the models declare, and run down and up again."""
import gc
import warnings
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from scorecard import create_app
from scorecard.extensions import db
from scorecard.models import Base
from tests.helpers import WORKER, postgres_url

pytestmark = pytest.mark.postgres  # its own fresh database beside the test one


@pytest.fixture
def empty_database(tmp_path):
    """A brand-new database: a SQLite file, or a fresh PostgreSQL database beside the test one."""
    url = postgres_url()
    if not url:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/')}_{WORKER}_migrations"  # one per xdist worker
    # No pool: a connection is closed when its block ends.
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield urlunsplit(parts._replace(path="/" + name))
    # What the test's app and alembic left to the collector (a connection of an engine it made) is closed
    # here, before the database goes: collected during a later test, psycopg's ResourceWarning failed it.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _differences(engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def _tables(engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}


def test_upgrade_matches_models_and_round_trips(empty_database):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database, "SECRET_KEY": "x", "TESTING": True})
    with app.app_context():
        upgrade()
        assert _tables(db.engine) == set(Base.metadata.tables)
        assert _differences(db.engine) == []
        downgrade(revision="base")
        assert _tables(db.engine) == set()
        upgrade()
        assert _differences(db.engine) == []
        db.engine.dispose()


def test_the_health_check_says_when_the_database_is_not_this_releases(empty_database):
    """A load balancer's check answered 200 on a database never migrated, while signing in failed."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database, "SECRET_KEY": "x", "TESTING": True})
    client = app.test_client()
    empty = client.get("/healthz")
    assert empty.status_code == 503 and empty.headers["Retry-After"]
    assert empty.get_json() == {"status": "database not migrated",
                                "detail": "the database has none of the app's tables: run `scorecard db upgrade`"}
    with app.app_context():
        upgrade()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    with app.app_context():
        downgrade(revision="-1")
    behind = client.get("/healthz")
    from scorecard.main.services import _head_revision

    assert behind.status_code == 503
    assert f"needs {_head_revision()}: run `scorecard db upgrade`" in behind.get_json()["detail"]
    with app.app_context():
        upgrade()
        db.session.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))  # a later release migrated
        db.session.commit()
    assert client.get("/healthz").status_code == 200, "the release before keeps serving during a deploy"
    with app.app_context():
        db.session.execute(sa.text(f"UPDATE alembic_version SET version_num = '{_head_revision()}'"))
        db.session.commit()
    assert client.get("/healthz").status_code == 200
    with app.app_context():
        db.engine.dispose()  # after the last request: a pooled connection left open was closed by the collector
        # during a later test, which then failed on psycopg's ResourceWarning


def test_pages_on_a_database_never_migrated_say_it_is_not_set_up(empty_database):
    """A deploy that skipped `scorecard db upgrade`: signing in, a page and a dashboard callback answer 503
    saying the database is not set up for this release, not that it is not answering (SQLite) nor a bare
    500 (PostgreSQL's undefined table)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database, "SECRET_KEY": "x", "TESTING": True,
                      "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    signing_in = client.post("/auth/login", data={"email": "someone@agency.gov", "password": "a password here"})
    assert signing_in.status_code == 503 and signing_in.headers["Retry-After"]
    assert "has not been set up for this release" in signing_in.get_data(as_text=True)
    page = client.get("/auth/login")
    assert page.status_code == 200, "the sign-in form itself needs no table"
    api = client.get("/api/v1/programs", headers={"Authorization": "Bearer cxs_abc"})
    assert api.status_code == 503 and "has not been set up for this release" in api.get_json()["detail"], (
        "an API client is told what is wrong, not to wait for a restart that will never mend it")
    with app.app_context():
        upgrade()
    assert client.post("/auth/login", data={"email": "someone@agency.gov", "password": "a password here"}
                       ).status_code == 401, "migrated: a sign-in that fails is the form again, refused"
    with app.app_context():
        db.engine.dispose()


def test_observations_first_batch_is_filled_from_the_change_log(empty_database, tmp_path):
    """Revision 0015 keeps the batch that first brought each observation: for a row a later import
    corrected, the batch whose insert the change log holds, not the one that last wrote it."""
    from importers.pipeline import run_import
    from scorecard.a11 import ensure_standard_metrics
    from scorecard.models import Agency, Component, Observation, Program, subject_key

    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database, "SECRET_KEY": "x", "TESTING": True})
    with app.app_context():
        upgrade()
        ensure_standard_metrics(db.session)
        agency = Agency(code="DA", name="Department A")
        able = Program(component=Component(agency=agency, code="B", name="Benefits"), code="P", name="Able")
        db.session.add(able)
        db.session.flush()
        trust = ensure_standard_metrics(db.session)["trust"]
        db.session.add(Observation(  # typed in without a batch, corrected by the second file
            metric_id=trust.id, agency_id=agency.id, component_id=able.component_id, program_id=able.id,
            subject_key=subject_key(program_id=able.id), period="FY2025-Q1", channel="mail", touchpoint="", n=40,
            count_1=0, count_2=0, count_3=6, count_4=30, count_5=4))
        db.session.commit()
        batches = []
        for name, rows in (("q1.csv", [("web", 4), ("phone", 4)]),
                           ("q1-corrected.csv", [("web", 5), ("phone", 4), ("mail", 5)])):
            path = tmp_path / name
            header = "component,program,metric,period,channel,n,count_1,count_2,count_3,count_4,count_5\n"
            path.write_text(header + "".join(f"Benefits,Able,trust,FY2025-Q1,{channel},40,0,0,{10 - top},30,{top}\n"
                                             for channel, top in rows))
            result = run_import(db.session, path, user_id=None)
            assert result.status == "imported", result.errors
            batches.append(result.batch_id)
        db.session.remove()  # no transaction of its own open while the migrations change the table
        downgrade(revision="0014")
        upgrade(revision="0015")
        found = dict(db.session.execute(sa.select(Observation.channel, Observation.first_import_batch_id)).all())
        last = dict(db.session.execute(sa.select(Observation.channel, Observation.import_batch_id)).all())
        assert last == {"web": batches[1], "phone": batches[0], "mail": batches[1]}
        assert found == {"web": batches[0], "phone": batches[0], "mail": None}, (
            "the batch that inserted each, from the change log; none for the row first stored without one")
        db.engine.dispose()


def test_commitment_updates_batch_is_filled_from_the_change_log(empty_database, tmp_path):
    """Revision 0016 names the import that wrote each history row of a commitment (a row with a note of its
    own said nothing of it); a row written on the web names none."""
    from importers.pipeline import run_import
    from scorecard.models import Commitment, CommitmentStatus, CommitmentUpdate, Function

    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database, "SECRET_KEY": "x", "TESTING": True})
    with app.app_context():
        upgrade()
        cfo = db.session.scalar(sa.select(Function).where(Function.code == "CFO"))  # seeded (revision 0022)
        typed = Commitment(function=cfo, title="Typed in", status=CommitmentStatus.on_track, evidence_links=[])
        typed.updates.append(CommitmentUpdate(status=CommitmentStatus.on_track, note="on the web"))
        db.session.add(typed)
        db.session.commit()
        path = tmp_path / "commitments.csv"
        path.write_text("function,title,status,note\nCFO,Imported,on_track,Kick-off\n")
        result = run_import(db.session, path, user_id=None)
        assert result.status == "imported", result.errors
        db.session.remove()
        downgrade(revision="0015")
        upgrade()
        found = dict(db.session.execute(sa.select(CommitmentUpdate.note, CommitmentUpdate.import_batch_id)).all())
        assert found == {"on the web": None, "Kick-off": result.batch_id}
        db.engine.dispose()


def test_a_status_finding_read_from_nothing_becomes_no_data(empty_database):
    """Revision 0019: a status the engine could read nothing for was stored as "insufficient data"; evaluated
    again it gives "no data", and its why-page said its data had changed. Those findings take the new status
    and sentence; one that read something, or a rule's own sentence, keeps its own."""
    from scorecard.models import Finding, FindingInput, Rule, RuleStatus, RuleSubject, RuleVersion

    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database, "SECRET_KEY": "x", "TESTING": True})
    old = "Program status: no data for FY2026-Q4 yet, so nothing to judge (insufficient data)."
    with app.app_context():
        upgrade()
        downgrade(revision="0018")
        rule = Rule(key="s", title="Program status", subject_type=RuleSubject.program)
        version = RuleVersion(rule=rule, version=1, status=RuleStatus.published, definition={})
        made = {}
        own = "P3: n/a, insufficient data"  # a rule's own sentence
        for subject_id, explanation, read in ((1, old, False), (2, old, True), (3, own, False)):
            finding = Finding(rule_version=version, subject_type=RuleSubject.program, subject_id=subject_id,
                              period="FY2026-Q4", outcome="status", status="insufficient_data",
                              explanation=explanation, facts={}, fingerprint="f")
            if read:
                finding.inputs.append(FindingInput(role="observations", value=4.0, n=3))
            db.session.add(finding)
            made[subject_id] = finding
        db.session.commit()
        ids = {k: f.id for k, f in made.items()}
        db.session.remove()
        upgrade(revision="0019")
        found = {row.subject_id: (row.status, row.explanation)
                 for row in db.session.execute(sa.select(Finding.subject_id, Finding.status, Finding.explanation))}
        assert found[1] == ("no_data", "Program status: nothing the rule reads was reported for FY2026-Q4, the "
                                       "latest quarter of its agency's results, so nothing to judge (no data).")
        assert found[2] == ("insufficient_data", old) and found[3] == ("insufficient_data", own)
        db.session.remove()
        downgrade(revision="0018")
        assert db.session.get(Finding, ids[1]).explanation == old
        db.session.remove()
        db.engine.dispose()


def test_a_score_finding_read_from_nothing_becomes_no_data(empty_database):
    """Revision 0021: a capacity domain's evidence score read from nothing (a year without results yet) was stored
    as "insufficient data" beside "no data for FY2027-Q1 yet": it takes the status and sentence the engine now
    gives it; a score that read something keeps its own."""
    from scorecard.models import Finding, FindingInput, Rule, RuleStatus, RuleSubject, RuleVersion

    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database, "SECRET_KEY": "x", "TESTING": True})
    old = "Measurement evidence: no data for FY2027-Q1 yet, so nothing to judge (insufficient data)."
    with app.app_context():
        upgrade()
        downgrade(revision="0020")
        rule = Rule(key="e", title="Measurement evidence", subject_type=RuleSubject.capacity_domain)
        version = RuleVersion(rule=rule, version=1, status=RuleStatus.published, definition={})
        made = {}
        for subject_id, read in ((1, False), (2, True)):
            finding = Finding(rule_version=version, subject_type=RuleSubject.capacity_domain, subject_id=subject_id,
                              period="FY2027-Q1", outcome="score", status="insufficient_data", explanation=old,
                              facts={}, fingerprint="f")
            if read:
                finding.inputs.append(FindingInput(role="observations", value=4.0, n=3))
            db.session.add(finding)
            made[subject_id] = finding
        db.session.commit()
        ids = {k: f.id for k, f in made.items()}
        db.session.remove()
        upgrade(revision="0021")
        found = {row.subject_id: (row.status, row.explanation)
                 for row in db.session.execute(sa.select(Finding.subject_id, Finding.status, Finding.explanation))}
        assert found[1] == ("no_data", old.replace("(insufficient data)", "(no data)"))
        assert found[2] == ("insufficient_data", old)
        db.session.remove()
        downgrade(revision="0020")
        assert db.session.get(Finding, ids[1]).explanation == old
        db.session.remove()
        db.engine.dispose()


def test_the_standard_functions_are_there_after_the_upgrade(empty_database):
    """Revision 0022: only the demo made the C-suite functions, so a database set up by `scorecard db upgrade`
    could have no officer and import no commitment. They are seeded; one there already keeps its name."""
    from scorecard.models import Function
    from scorecard.models.org import STANDARD_FUNCTIONS

    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database, "SECRET_KEY": "x", "TESTING": True})
    with app.app_context():
        upgrade(revision="0021")
        db.session.add(Function(code="CFO", name="Office of the CFO"))
        db.session.commit()
        upgrade()
        found = dict(db.session.execute(sa.select(Function.code, Function.name)).all())
        assert found == {**dict(STANDARD_FUNCTIONS), "CFO": "Office of the CFO"}
        db.session.remove()
        db.engine.dispose()


def test_a_sqlite_tables_rebuild_keeps_the_rows_that_name_it(empty_database):
    """Batch mode rebuilds a SQLite table (a copy, the original dropped): with foreign keys enforced, dropping
    capacity_assessments (revision 0006) deleted every domain score by its ON DELETE CASCADE. An upgrade from
    an older release lost them."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database, "SECRET_KEY": "x", "TESTING": True})
    with app.app_context():
        upgrade(revision="0005")
        with db.engine.begin() as connection:
            connection.execute(sa.text("INSERT INTO agencies (id, code, name) VALUES (1, 'A', 'Agency')"))
            connection.execute(sa.text("INSERT INTO components (id, agency_id, code, name, is_hisp) "
                                       "VALUES (1, 1, 'C', 'Component', :hisp)"), {"hisp": True})
            connection.execute(sa.text(
                "INSERT INTO capacity_assessments (id, component_id, fiscal_year, scale_min, scale_max, created_at, "
                "updated_at) VALUES (1, 1, 2025, 1, 7, :at, :at)"), {"at": datetime(2025, 1, 1, tzinfo=UTC)})
            for position, domain in enumerate(("measurement", "governance"), start=1):
                connection.execute(sa.text(
                    "INSERT INTO capacity_domain_scores (assessment_id, domain, position, score) "
                    "VALUES (1, :domain, :position, 5)"), {"domain": domain, "position": position})
        upgrade()
        with db.engine.connect() as connection:
            assert connection.scalar(sa.text("SELECT count(*) FROM capacity_domain_scores")) == 2
            if connection.dialect.name == "sqlite":
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1, "enforced again after"
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("revision, orphan", [
    ("0021", "INSERT INTO components (agency_id, code, name, is_hisp) VALUES (999, 'X', 'Orphan', 0)"),
    # 0015 copies observations and adds a foreign key, which renumbers its keys: the same orphan read as new
    ("0014", "INSERT INTO observations (id, metric_id, agency_id, subject_key, period, channel, touchpoint, "
             "program_id, created_at, updated_at) VALUES (55, 9999, 9999, 'k', 'FY2025-Q1', 'c', 't', 9999, "
             "'2025-01-01 00:00:00', '2025-01-01 00:00:00')"),
])
def test_rows_that_named_nothing_before_the_migration_do_not_stop_it_or_db_current(empty_database, revision, orphan):
    """A row naming a row that is not there before any migration ran (made by hand, or by an old release) made
    every migration command fail after the migration was saved, `db current` too, blaming the migration."""
    from flask_migrate import current

    from scorecard.main.services import _head_revision

    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database, "SECRET_KEY": "x", "TESTING": True})
    with app.app_context():
        upgrade(revision=revision)
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's own check: PostgreSQL keeps no row naming nothing")
        with db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.exec_driver_sql(orphan)
            connection.commit()
        upgrade()
        current()
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == _head_revision()
        db.session.remove()
        db.engine.dispose()


def test_a_sqlite_table_gives_an_id_once_after_the_upgrade(empty_database):
    """SQLite gave a table's largest id again once its row was deleted (a revert deletes observations and
    commitments): migration 0025 makes every table's id AUTOINCREMENT, its rows and their ids kept."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database, "SECRET_KEY": "x", "TESTING": True})
    with app.app_context():
        upgrade(revision="0024")
        with db.engine.begin() as connection:
            for code in ("A1", "A2"):  # ids 1 and 2
                connection.execute(sa.text("INSERT INTO agencies (code, name) VALUES (:code, :code)"), {"code": code})
        upgrade()
        with db.engine.begin() as connection:
            kept = connection.execute(sa.text("SELECT id, code FROM agencies ORDER BY id")).all()
            assert kept == [(1, "A1"), (2, "A2")]
            connection.execute(sa.text("DELETE FROM agencies WHERE id = 2"))
            connection.execute(sa.text("INSERT INTO agencies (code, name) VALUES ('A3', 'A3')"))
            assert connection.scalar(sa.text("SELECT id FROM agencies WHERE code = 'A3'")) == 3
            if connection.dialect.name == "sqlite":
                plain = connection.scalars(sa.text(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE '%AUTOINCREMENT%'")).all()
                keyed = {name for name, table in Base.metadata.tables.items() if list(table.primary_key.columns.keys())
                         == ["id"] and isinstance(table.c.id.type, sa.Integer)}
                assert not keyed & set(plain), keyed & set(plain)
                # the rebuilt audit log is still append-only (its triggers went with the table it copied)
                with pytest.raises(sa.exc.DatabaseError, match="append-only"):
                    connection.execute(sa.text("INSERT INTO audit_events (at, action, entity_type) "
                                               "VALUES ('2026-01-01', 'x', 'y')"))
                    connection.execute(sa.text("DELETE FROM audit_events"))
        assert _differences(db.engine) == []
        db.session.remove()
        db.engine.dispose()
