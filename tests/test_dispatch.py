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
