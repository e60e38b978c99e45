"""Shared fixtures: an app per test on a clean database (SQLite, or PostgreSQL when
TEST_DATABASE_URL names one), clients signed in per role, and the real data files."""
import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_login import FlaskLoginClient

from scorecard import create_app
from scorecard.extensions import db
from scorecard.models import Base, Role, User

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "performance-gov"
TRUST_CSV = SHARED_DATA / "hisp-trust-fy2021q1-fy2023q1.csv"
COLLECTIONS_CSV = SHARED_DATA / "omb-cx-reporting-collections-fy2021.csv"
PASSWORD = "correct horse battery"


def database_url(tmp_dir: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    return f"sqlite:///{tmp_dir / 'test.db'}"


@pytest.fixture(scope="session")
def db_url(tmp_path_factory):
    url = database_url(tmp_path_factory.mktemp("db"))
    engine = sa.create_engine(url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    engine.dispose()
    return url


def _empty_tables(connection) -> None:
    tables = list(reversed(Base.metadata.sorted_tables))
    if connection.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            connection.execute(table.delete())


@pytest.fixture
def app(db_url, tmp_path):
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": db_url,
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
    })
    app.test_client_class = FlaskLoginClient
    with app.app_context():
        with db.engine.begin() as connection:
            _empty_tables(connection)
    yield app
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            _empty_tables(connection)
        db.engine.dispose()


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
def analyst(app, client_as):
    """An analyst's client on the demo agency, with web imports run inline."""
    from datetime import date

    from scorecard.demo import seed_demo

    app.config["IMPORTS_INLINE"] = True
    with app.app_context():
        seed_demo(db.session, date(2026, 11, 22))
    return client_as("analyst")


@pytest.fixture
def evaluated(app):
    """The demo agency with the default pack published and evaluated."""
    from datetime import date

    from scorecard.demo import seed_demo
    from scorecard.rules.service import evaluate
    from scorecard.rules.store import default_pack, import_rules

    today = date(2026, 11, 22)
    with app.app_context():
        seed_demo(db.session, today)
        import_rules(db.session, default_pack(), publish=True)
        db.session.commit()
        evaluate(db.session, today=today)
    return app
