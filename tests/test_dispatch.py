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
