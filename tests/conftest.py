"""Shared fixtures: an app per test on its own clean database (SQLite, or PostgreSQL when
TEST_DATABASE_URL names one), the demo agency, clients signed in per role, and the real data files.

Databases are built once per session as templates, shared by the xdist workers: the schema, the demo
agency, the demo agency with the default rule pack published, that pack evaluated, and `scorecard demo`
run through the command line. Each test
gets a copy of the one it asks for (through the `demo`, `published` or `evaluated` fixtures, or
just `app` for the bare schema): the template's file copied on SQLite, `CREATE DATABASE ...
TEMPLATE` on PostgreSQL. Tests may commit, open other connections and start threads: nothing is
rolled back behind their back, and no test sees another's rows.
"""
import fcntl
import re
import shutil
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_login import FlaskLoginClient

from scorecard import create_app
from scorecard.config import TestingConfig
from scorecard.extensions import db
from scorecard.models import Base, Role, User
from tests.helpers import SHARED_DATA, WORKER, postgres_url

TRUST_CSV = SHARED_DATA / "hisp-trust-fy2021q1-fy2023q1.csv"
COLLECTIONS_CSV = SHARED_DATA / "omb-cx-reporting-collections-fy2021.csv"
PASSWORD = "correct horse battery"
DEMO_TODAY = date(2026, 11, 22)  # FY2027-Q1: the demo's data ends with FY2026-Q4, its plans are for FY2027


class SqliteStore:
    """Templates are files in the session's shared folder; a worker's test database is a copy beside them
    (not in the test's tmp_path, which some tests list), removed after the test."""

    def __init__(self, folder: Path):
        self.folder = folder

    def test_url(self) -> str:
        return f"sqlite:///{self.folder / f'test-{WORKER}.db'}"

    def url(self, name: str) -> str:
        return f"sqlite:///{self.folder / name}.db"

    def create(self, name: str, source: str | None = None) -> str:
        if source:
            shutil.copyfile(self.folder / f"{source}.db", self.folder / f"{name}.db")
        else:
            engine = sa.create_engine(self.url(name))
            Base.metadata.create_all(engine)
            engine.dispose()
        return self.url(name)

    def adopt(self, name: str, database: Path) -> None:
        """A template copied from a database made elsewhere (the served demo)."""
        shutil.copyfile(database, self.folder / f"{name}.db")

    def copy(self, name: str) -> str:
        """The test's database, always at the same path (the shared app's engine points there)."""
        self.discard(self.test_url())
        shutil.copyfile(self.folder / f"{name}.db", self.folder / f"test-{WORKER}.db")
        return self.test_url()

    def discard(self, url: str) -> None:
        path = Path(sa.make_url(url).database)
        for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            leftover.unlink(missing_ok=True)

    def close(self) -> None:
        pass


class PostgresStore:
    """Templates are databases beside TEST_DATABASE_URL's, named after it and the session
    (`..._tpl_SESSION_NAME`) and shared by the workers; a worker's test database (named after it, the
    session and the worker) is made from one with CREATE
    DATABASE ... TEMPLATE (as fast as emptying every table, measured, and nothing a test left behind
    survives it)."""

    def __init__(self, url: str, session: str):
        self.base = sa.make_url(url)
        self.session = session  # this test session's: two sessions on one server never share or drop each other's
        self.admin = sa.create_engine(self.base, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool).connect()

    def _name(self, name: str) -> str:
        return f"{self.base.database}_tpl_{self.session}_{name}"

    def url(self, name: str) -> str:
        return self.base.set(database=self._name(name)).render_as_string(hide_password=False)

    def _recreate(self, database: str, template: str | None = None) -> None:
        self.admin.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        self.admin.execute(sa.text(f'CREATE DATABASE "{database}"' + (f' TEMPLATE "{template}"' if template else "")))

    def create(self, name: str, source: str | None = None) -> str:
        self._recreate(self._name(name), self._name(source) if source else None)
        if not source:
            engine = sa.create_engine(self.url(name))
            Base.metadata.create_all(engine)
            engine.dispose()
        return self.url(name)

    def _test_name(self) -> str:
        return f"{self.base.database}_{self.session}_{WORKER}"

    def test_url(self) -> str:
        return self.base.set(database=self._test_name()).render_as_string(hide_password=False)

    def copy(self, name: str) -> str:
        self._recreate(self._test_name(), self._name(name))
        return self.test_url()

    def discard(self, url: str) -> None:
        pass  # dropped when the next test recreates it, or at the end of the session

    def close(self) -> None:
        self.admin.execute(sa.text(f'DROP DATABASE IF EXISTS "{self._test_name()}" WITH (FORCE)'))
        self.admin.close()

    def drop_templates(self) -> None:
        """At the end of the whole session (every worker done): the shared templates."""
        prefix = self._name("").replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%")
        names = self.admin.scalars(sa.text("SELECT datname FROM pg_database WHERE datname LIKE :pattern ESCAPE '\\'"),
                                   {"pattern": prefix + "%"}).all()
        for database in names:
            self.admin.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


class Templates:
    """The template databases, each built the first time a test of any worker asks for it, and shared:
    a worker that needs one another worker is building waits for it (a lock file per template in the
    session's shared folder, and a file saying it is done, holding what building it printed)."""

    def __init__(self, store, folder: Path):
        self.store = store
        self.folder = folder  # shared by the workers: the locks, and the served demo database
        self.built: set[str] = set()
        self.outputs: dict[str, str] = {}

    @contextmanager
    def _once(self, name: str):
        """Hold `name`'s lock; yields its done-file, which exists when another worker built it already."""
        with open(self.folder / f"{name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield self.folder / f"{name}.done"
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _build(self, name: str, source: str | None, step=None) -> str:
        if name not in self.built:
            with self._once(name) as done:
                if not done.exists():
                    url = self.store.create(name, source)
                    output = ""
                    if step:
                        app = create_app(_testing_config(SQLALCHEMY_DATABASE_URI=url))
                        with app.app_context():
                            output = step(db.session) or ""
                            db.session.remove()
                            db.engine.dispose()  # a PostgreSQL template must have no connections
                    done.write_text(output, encoding="utf-8")
                self.outputs[name] = done.read_text(encoding="utf-8")
            self.built.add(name)
        return name

    def schema(self) -> str:
        return self._build("schema", None)

    def demo(self, today: date) -> str:
        from scorecard.demo import seed_demo

        return self._build(f"demo_{today:%Y%m%d}", self.schema(), lambda session: seed_demo(session, today) and "")

    def served_demo(self) -> Path:
        """A SQLite file made by `scorecard db upgrade` and `scorecard demo` in a child process, as a
        user makes it: the browser tests' servers each run on a copy (tests/served.py)."""
        from tests.served import demo_database

        folder = self.folder / "served-demo"
        if "served_demo" not in self.built:
            with self._once("served_demo") as done:
                if not done.exists():
                    folder.mkdir(exist_ok=True)
                    demo_database(folder)
                    done.touch()
            self.built.add("served_demo")
        return folder / "scorecard.db"

    def cli_demo(self) -> str:
        """The bare schema after `scorecard demo`, run through the command line as a user runs it
        (today's date, the real files, the rules published and evaluated); its output is kept. On
        SQLite it is the served demo database (the same command on the same schema, made once)."""
        if isinstance(self.store, SqliteStore):
            if "cli_demo" not in self.built:
                from tests.served import DEMO_OUTPUT

                served = self.served_demo()
                with self._once("cli_demo") as done:
                    if not done.exists():
                        self.store.adopt("cli_demo", served)
                        done.write_text((served.parent / DEMO_OUTPUT).read_text(encoding="utf-8"), encoding="utf-8")
                    self.outputs["cli_demo"] = done.read_text(encoding="utf-8")
                self.built.add("cli_demo")
            return "cli_demo"

        def run(session):
            from flask import current_app

            result = current_app.test_cli_runner().invoke(args=["demo"])
            if result.exit_code != 0:
                raise RuntimeError(f"scorecard demo failed: {result.output}")
            return result.output
        return self._build("cli_demo", self.schema(), run)

    def published(self, today: date) -> str:
        from scorecard.rules.store import default_pack, import_rules

        def publish(session):
            import_rules(session, default_pack(), publish=True)
            session.commit()
        return self._build(f"published_{today:%Y%m%d}", self.demo(today), publish)

    def evaluated(self, today: date) -> str:
        from scorecard.rules.service import evaluate

        def run(session):
            evaluate(session, today=today)
        return self._build(f"evaluated_{today:%Y%m%d}", self.published(today), run)


def _testing_config(**settings) -> type:
    """TestingConfig with this test's own settings (its database, its upload folder)."""
    return type("TestConfig", (TestingConfig,), settings)


def _session_folder(tmp_path_factory) -> Path:
    """This session's temporary folder, which every xdist worker sees (each worker's own folders are below it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if WORKER != "main" else base


def _session_token(folder: Path) -> str:
    """A short name for this session (its folder's, "pytest-451" -> "pytest451"), in its PostgreSQL templates' names."""
    return re.sub(r"[^a-z0-9]", "", folder.name.lower())[-16:] or "main"


@pytest.fixture(scope="session")
def templates(tmp_path_factory):
    url = postgres_url()
    session = _session_folder(tmp_path_factory)
    folder = session / "shared-templates"
    folder.mkdir(exist_ok=True)
    store = PostgresStore(url, _session_token(session)) if url else SqliteStore(folder)
    yield Templates(store, folder)
    store.close()


def pytest_sessionfinish(session):
    """The whole session (the controller, after every worker): its PostgreSQL templates are dropped."""
    url = postgres_url()
    factory = getattr(session.config, "_tmp_path_factory", None)
    if url and factory is not None and not hasattr(session.config, "workerinput"):
        store = PostgresStore(url, _session_token(factory.getbasetemp()))
        store.drop_templates()
        store.admin.close()


@pytest.fixture(scope="session")
def served_demo_database(templates) -> Path:
    """A SQLite database made by `scorecard db upgrade` and `scorecard demo`, once per session; the
    browser tests' servers each run on a copy (tests/served.py)."""
    return templates.served_demo()


# The modules that take longest (measured on both passes), started first so that neither worker is left
# with one of them at the end while the other waits; `make test` passes --no-loadscope-reorder so that
# pytest-xdist hands modules out in this order (its own order is by test count, which put the one-test,
# sixty-second Schemathesis module last). The first two need different templates (the served demo, the
# demo agency), so that the two workers build them side by side instead of one waiting for the other.
LONGEST_FIRST = ("test_accessibility", "test_rules_service", "test_api_schemathesis", "test_scaled",
                 "test_import_batch_access", "test_capacity_web", "test_rules_cli", "test_security_browser",
                 "test_browser", "test_hostile_uploads", "test_dashboard_callbacks", "test_security",
                 "test_faults_postgres", "test_storage", "test_csuite_plans", "test_demo")


def pytest_collection_modifyitems(config, items):
    """The longest modules first, then the rest by test count. On PostgreSQL, a test runs only when it
    uses the test database (the `db_url` fixture, or the `postgres` mark): the others, and tests whose
    server runs on its own SQLite file, ran on the SQLite pass and would check nothing new."""
    counts: dict[str, int] = {}
    for item in items:
        counts[item.module.__name__] = counts.get(item.module.__name__, 0) + 1

    def cost(item) -> tuple:
        name = item.module.__name__.rpartition(".")[2]
        rank = LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)
        return rank, -counts[item.module.__name__], item.module.__name__
    items.sort(key=cost)  # stable: a module's tests keep their order
    if not postgres_url():
        return
    own_server = pytest.mark.skip(reason="its server runs on SQLite whatever the test database: checked on the "
                                         "SQLite pass")
    no_database = pytest.mark.skip(reason="it uses no database: checked on the SQLite pass")
    engine_independent = pytest.mark.skip(reason="what it checks is decided in Python, not by the database: "
                                                 "checked on the SQLite pass")
    for item in items:
        if item.get_closest_marker("own_sqlite_server"):
            item.add_marker(own_server)
        elif item.get_closest_marker("engine_independent"):
            item.add_marker(engine_independent)
        elif "db_url" not in getattr(item, "fixturenames", ()) and not item.get_closest_marker("postgres"):
            item.add_marker(no_database)


@pytest.fixture
def demo_today() -> date:
    """The day the demo agency is seeded on; a test module may override this fixture."""
    return DEMO_TODAY


@pytest.fixture
def db_url(request, templates):
    """This test's own database: a copy of the richest template its fixtures ask for
    (`cli_demo`, `evaluated`, `published`, `demo`), or of the bare schema."""
    for stage in ("cli_demo", "evaluated", "published", "demo"):
        if stage in request.fixturenames:
            name = (templates.cli_demo() if stage == "cli_demo"
                    else getattr(templates, stage)(request.getfixturevalue("demo_today")))
            break
    else:
        name = templates.schema()
    url = templates.store.copy(name)
    yield url
    templates.store.discard(url)


@pytest.fixture(scope="session")
def shared_app(templates):
    """One app per worker, its engine on the one path every test's database is copied to
    (building the app takes longer than most tests); `app` gives each test it as new."""
    app = create_app(_testing_config(SQLALCHEMY_DATABASE_URI=templates.store.test_url()))
    app.test_client_class = FlaskLoginClient
    return app, dict(app.config)


@pytest.fixture
def app(shared_app, db_url, tmp_path):
    """The app on this test's own database, with the settings it started with, an empty dashboard
    cache, fresh API rate limits and no evaluation waiting; whatever a test changed in its configuration is
    undone after it."""
    from dashboards.cache import cache
    from scorecard.rules.tasks import WAITING

    app, settings = shared_app
    assert db_url == app.config["SQLALCHEMY_DATABASE_URI"]
    app.config.clear()
    app.config.update(settings, UPLOAD_FOLDER=str(tmp_path / "uploads"))
    with app.app_context():
        cache.clear()
    for limiter in app.extensions.get("limiter", ()):
        limiter.reset()
    app.extensions.pop(WAITING, None)  # no evaluation an earlier test asked for is waiting
    yield app
    _finish_background_work()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _finish_background_work() -> None:
    """Imports and briefings a test left running finish before the next test's database is copied."""
    from scorecard import dispatch

    dispatch.drain()


@pytest.fixture
def demo(app):
    """The app on a copy of the demo agency (`scorecard demo` as of `demo_today`, seeded once
    per session into its own template by `db_url`)."""
    return app


@pytest.fixture
def cli_demo(app, templates) -> str:
    """The app on a copy of an empty database after `scorecard demo` (run once per session through
    the command line); the command's output."""
    return templates.outputs["cli_demo"]


@pytest.fixture
def published(demo):
    """The demo agency with the default rule pack published."""
    return demo


@pytest.fixture
def evaluated(published):
    """The demo agency with the default rule pack published and evaluated on `demo_today`."""
    return published


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Create a user with a role (officers get CFO, leaders a Leader record)."""
    from scorecard.models import Function, Leader

    def make(role: str, email: str | None = None) -> User:
        role = Role(role)
        user = User(email=email or f"{role.value}@test.gov", role=role)
        user.set_password(PASSWORD)
        if role is Role.officer:
            user.function = db.session.scalar(sa.select(Function).where(Function.code == "CFO")) or Function(
                code="CFO", name="Chief Financial Officer")
        if role is Role.leader:
            user.leader = Leader(name="Test Leader", email=user.email)
        db.session.add(user)
        db.session.commit()
        return user
    return make


@pytest.fixture
def client_as(app, make_user):
    """A test client already signed in with the given role."""
    def signed_in(role: str):
        with app.app_context():
            user = make_user(role)
            return app.test_client(user=user)
    return signed_in


@pytest.fixture
def analyst(demo, client_as):
    """An analyst's client on the demo agency, with web imports run inline."""
    demo.config["IMPORTS_INLINE"] = True
    return client_as("analyst")


@pytest.fixture(scope="module")
def redis_url():
    """A real redis-server of the module's own, on a free port: its redis:// address."""
    import os
    import subprocess
    import time

    from tests import served

    server = shutil.which("redis-server")
    if not server:
        if os.environ.get("SCORECARD_REQUIRE_BROWSER"):  # CI: every service is installed
            raise RuntimeError("redis-server is required in CI")
        pytest.skip("redis-server not installed")
    port = served.free_port()
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    deadline = time.monotonic() + 20
    while True:
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
    yield url
    process.kill()
    process.wait()
