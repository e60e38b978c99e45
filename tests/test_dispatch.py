"""The embedded pool (no Redis): what a background task raises is logged, not left in a future nobody reads."""
import logging
from types import SimpleNamespace

import pytest


def test_an_exception_escaping_an_embedded_task_is_logged_with_its_traceback(monkeypatch, caplog):
    from scorecard import dispatch

    def failing(app_, **kwargs):
        raise RuntimeError("the database went away while the failure was being recorded")

    monkeypatch.setitem(dispatch.TASKS, "test.failing", failing)
    app = SimpleNamespace(config={})  # no REDIS_URL: the server's own threads run it
    with caplog.at_level(logging.ERROR, logger="scorecard.dispatch"):
        future = dispatch.dispatch(app, "test.failing", batch_id=7)
        with pytest.raises(RuntimeError):
            future.result(timeout=10)  # still raised to anyone who waits for it
    logged = [r for r in caplog.records if r.name == "scorecard.dispatch" and r.levelno == logging.ERROR]
    assert len(logged) == 1
    assert "test.failing" in logged[0].getMessage() and "batch_id=7" in logged[0].getMessage()
    assert logged[0].exc_info and "the database went away" in str(logged[0].exc_info[1])


def test_a_task_that_ends_well_logs_nothing(monkeypatch, caplog):
    from scorecard import dispatch

    monkeypatch.setitem(dispatch.TASKS, "test.fine", lambda app_, **kwargs: kwargs["n"] + 1)
    with caplog.at_level(logging.ERROR, logger="scorecard.dispatch"):
        assert dispatch.dispatch(SimpleNamespace(config={}), "test.fine", n=1).result(timeout=10) == 2
    assert not [r for r in caplog.records if r.name == "scorecard.dispatch"]


def test_a_worker_logs_the_app_at_its_level_and_other_libraries_from_warning():
    """`scorecard worker --loglevel INFO`: Celery sets the root logger to INFO; fontTools then wrote ~70 lines
    of font subsetting per PDF briefing into the worker's log. Other libraries log from WARNING, as under
    gunicorn; the app's packages and Celery's own task lines keep the worker's level."""
    from celery.signals import after_setup_logger

    from scorecard import dispatch

    root = logging.getLogger()
    kept = {name: logging.getLogger(name).level for name in ("", *dispatch.WORKER_LOGGERS)}
    try:
        dispatch._make_celery(SimpleNamespace(config={"REDIS_URL": "redis://127.0.0.1:1/0"}))  # never reached
        root.setLevel(logging.INFO)  # what the worker's --loglevel does
        after_setup_logger.send(sender=None, logger=root, loglevel=logging.INFO, logfile=None, format="",
                                colorize=False)
        assert not logging.getLogger("fontTools.subset").isEnabledFor(logging.INFO)
        assert logging.getLogger("fontTools.subset").isEnabledFor(logging.WARNING)
        for name in ("scorecard.rules.tasks", "importers.jobs", "dashboards.cache", "celery.app.trace"):
            assert logging.getLogger(name).isEnabledFor(logging.INFO), name
    finally:
        for name, level in kept.items():
            logging.getLogger(name or None).setLevel(level)


def _children(pid: int) -> list[int]:
    from pathlib import Path

    return [int(c) for c in (Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]


def _alive(pid: int) -> bool:
    from pathlib import Path

    status = Path(f"/proc/{pid}/status")
    return status.exists() and "\nState:\tZ" not in status.read_text()


def test_a_worker_that_stops_on_an_error_is_started_again_and_stops_with_its_supervisor(redis_url, tmp_path):
    """Celery's worker stopped for good when Redis came back while it ran a job ("Unrecoverable error"), and
    every job queued after waited unrun. `scorecard worker` runs it in a child process: a worker that dies is
    started again, SIGTERM stops it (exit 0), and a supervisor killed outright takes its worker with it."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests import served

    env = dict(os.environ, SCORECARD_ENV="development", SECRET_KEY=served.strong_key("worker supervision"),
               DATABASE_URL=f"sqlite:///{tmp_path / 'app.db'}", SCORECARD_REDIS_URL=redis_url, PYTHONUNBUFFERED="1",
               SCORECARD_UPLOAD_FOLDER=str(tmp_path / "uploads"))
    served.scorecard(env, "db", "upgrade")
    log_path = tmp_path / "worker.log"

    def started(times: int, process) -> None:
        deadline = time.monotonic() + 90
        while log_path.read_bytes().count(b" ready.") < times:
            assert process.poll() is None and time.monotonic() < deadline, log_path.read_text()[-2000:]
            time.sleep(0.2)

    with open(log_path, "ab") as log:
        supervisor = subprocess.Popen([sys.executable, "-m", "scorecard.cli", "worker", "--concurrency", "1"],
                                      env=env, cwd=served.ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        started(1, supervisor)
        (first,) = _children(supervisor.pid)
        os.kill(first, signal.SIGKILL)  # as a worker that stops on an error, or is killed
        started(2, supervisor)
        assert b"the worker stopped (killed by SIGKILL); starting it again in 1 s." in log_path.read_bytes()
        (second,) = _children(supervisor.pid)
        assert second != first
        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(timeout=60) == 0, log_path.read_text()[-2000:]
        assert not _alive(second), "the worker stops with its supervisor"
        with open(log_path, "ab") as log:
            supervisor = subprocess.Popen([sys.executable, "-m", "scorecard.cli", "worker", "--concurrency", "1"],
                                          env=env, cwd=served.ROOT, stdout=log, stderr=subprocess.STDOUT)
        started(3, supervisor)
        (third,) = _children(supervisor.pid)
        supervisor.kill()
        supervisor.wait()
        deadline = time.monotonic() + 20
        while _alive(third):
            assert time.monotonic() < deadline, "a supervisor killed outright left its worker running"
            time.sleep(0.2)
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
            supervisor.wait()
