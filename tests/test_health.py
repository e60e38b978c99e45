"""The health check an operator's load balancer and monitor read (/healthz), and what the log says when
the database does not answer: the reason, never the password or a user's data."""
import logging
import time

import sqlalchemy as sa

from scorecard import create_app
from scorecard.dispatch import JOBS_DOWN
from scorecard.errors import database_reason
from tests import served


def test_the_health_check_names_a_job_service_that_does_not_answer(app, client, redis_url):
    """With Celery, a Redis that stopped answered "ok" while every upload failed to be queued: it is
    "degraded", naming it, and still 200 (the pages render, so the host stays in rotation)."""
    assert client.get("/healthz").get_json() == {"status": "ok"}, "embedded: the server's own threads"
    app.config["REDIS_URL"] = redis_url
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.get_json() == {"status": "ok"}
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{served.free_port()}/0"  # nothing listens there
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.get_json() == {"status": "degraded", "detail": JOBS_DOWN}


def test_the_health_check_says_when_jobs_wait_minutes_for_a_worker(app, client, redis_url):
    """A worker that stopped for good left every job queued after it waiting while /healthz said "ok": jobs queued
    for minutes and not started make it "degraded", saying so (200: the pages still render)."""
    from datetime import timedelta

    from scorecard.extensions import db
    from scorecard.models import BatchStatus, BriefingJob, ImportBatch, User, utcnow

    app.config["REDIS_URL"] = redis_url
    with app.app_context():
        owner = User(email="briefing.owner@test.gov", role="viewer")
        owner.set_password("correct horse battery")
        db.session.add(owner)
        db.session.flush()
        fresh = ImportBatch(filename="new.csv", checksum="0" * 64, status=BatchStatus.pending, stage="queued",
                            heartbeat_at=utcnow())
        db.session.add(fresh)
        db.session.commit()
        assert client.get("/healthz").get_json() == {"status": "ok"}, "a job queued a moment ago waits for nothing"
        fresh.heartbeat_at = utcnow() - timedelta(minutes=3)
        db.session.add(BriefingJob(id="waiting-briefing-xxxxxxxxx", owner_id=owner.id, fmt="pdf", status="queued",
                                   stage="Queued", percent=0, created_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
        answer = client.get("/healthz")
        assert answer.status_code == 200 and answer.get_json() == {"status": "degraded", "detail": (
            "2 background jobs queued for more than 2 minutes and not started: no worker may be running "
            "(`scorecard worker`), or every worker is busy")}, answer.get_json()
        fresh.stage, fresh.heartbeat_at = "reading", utcnow()
        db.session.get(BriefingJob, "waiting-briefing-xxxxxxxxx").status = "running"
        db.session.commit()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    app.config["REDIS_URL"] = None


def test_a_database_that_does_not_answer_is_logged_with_its_reason_without_the_password(caplog):
    """The log said only "database unavailable: OperationalError" whether the server was down, the
    database missing or the password wrong: it gives the driver's reason, the password masked."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://scorecard:hunter2-secret@127.0.0.1:"
                                                 f"{served.free_port()}/scorecard",
                      "SECRET_KEY": "health " * 6, "TESTING": True})
    with caplog.at_level(logging.WARNING, logger="scorecard.errors"):
        answer = app.test_client().get("/healthz")
    assert answer.status_code == 503 and answer.get_json() == {"status": "database unavailable"}
    line = next(r.getMessage() for r in caplog.records if "database unavailable" in r.getMessage())
    assert "Connection refused" in line and "hunter2" not in line, line
    with app.app_context():
        # a driver's message that holds the password (a connection string it could not read) is masked; the
        # statement and the values SQLAlchemy adds to its own message (a user's data) are left out
        error = sa.exc.OperationalError("UPDATE users SET email = %(email)s", {"email": "someone@agency.gov"},
                                        Exception('invalid connection option "password=hunter2-secret"\n'))
        said = database_reason(error)
    assert said == 'invalid connection option "password=***"', said


def test_a_postgresql_connection_gives_up_in_seconds_on_a_server_that_stops_answering():
    """No connection timeout, keepalives or TCP user timeout were set: a server gone silent (not refusing) held
    a connection attempt, and every request on a pooled connection, for as long as the kernel waited. Each is
    set for PostgreSQL, and what DATABASE_URL says of one is kept."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql://scorecard@127.0.0.1:5432/scorecard?connect_timeout=2",
                      "SECRET_KEY": "health " * 6, "TESTING": True})
    given = app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]
    assert given == {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3,
                     "tcp_user_timeout": 30_000}, given
    with app.app_context():
        from scorecard.extensions import db
        assert db.engine.dialect.create_connect_args(db.engine.url)[1]["connect_timeout"] == "2", "the URL's own"
    default = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql://scorecard@127.0.0.1:5432/scorecard",
                          "SECRET_KEY": "health " * 6, "TESTING": True})
    assert default.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["connect_timeout"] == 5


def test_libpqs_own_connect_timeout_setting_is_kept(monkeypatch):
    """PGCONNECT_TIMEOUT, libpq's own setting of the connection timeout, was overridden by the default 5 s."""
    monkeypatch.setenv("PGCONNECT_TIMEOUT", "20")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql://scorecard@127.0.0.1:5432/scorecard",
                      "SECRET_KEY": "health " * 6, "TESTING": True})
    given = app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]
    assert "connect_timeout" not in given and given["keepalives"] == 1, given


def test_a_server_stopping_does_not_wait_for_a_health_check_the_database_never_answers(tmp_path):
    """The check's thread was a thread pool's, which the interpreter joins as it exits: a worker told to stop
    while its database was frozen waited for the check (as long as the connection timeout, 30 s here)."""
    import os
    import socket
    import subprocess
    import sys

    script = tmp_path / "check.py"
    script.write_text(
        "import sys\n"
        "from scorecard import create_app\n"
        "from scorecard.main.services import database_answers\n"
        "app = create_app({'SQLALCHEMY_DATABASE_URI': sys.argv[1], 'SECRET_KEY': 'health ' * 6, 'TESTING': True})\n"
        "print(database_answers(app, 0.5), flush=True)\n")
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)  # connections completed by the kernel, never answered
        url = f"postgresql://scorecard@127.0.0.1:{silent.getsockname()[1]}/scorecard?connect_timeout=30"
        started = time.monotonic()
        done = subprocess.run([sys.executable, str(script), url], capture_output=True, text=True, timeout=120,
                              env=dict(os.environ, SCORECARD_ENV="development"))
        took = time.monotonic() - started
    assert done.stdout.strip() == "False", done.stderr[-800:]
    assert took < 20, f"the process waited {took:.0f} s for the check's thread"
