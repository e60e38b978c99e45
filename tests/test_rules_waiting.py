"""The evaluations asked for and not yet started are gathered into one (scorecard.rules.waiting): in the
server's memory, and in a real Redis as Celery workers on other hosts share it (a web process asks, a
worker takes)."""
import time

import pytest

from scorecard.rules import waiting

COMMITMENT = ("commitment:5", None)
PROGRAM = ("program:3", "FY2026-Q4")


@pytest.fixture(params=["in process", "in redis"])
def stores(request):
    """Where the web process asks and where the job takes: one store in the server's memory, or two
    clients of one Redis."""
    if request.param == "in process":
        store = waiting.InProcess()
        return store, store
    url = request.getfixturevalue("redis_url")
    prefix = f"test-{request.node.name}:"
    return waiting.InRedis(url, prefix), waiting.InRedis(url, prefix)


def test_asks_made_while_one_waits_are_gathered_into_it(stores):
    web, worker = stores
    assert web.add([COMMITMENT], "a change to commitment 5") is True, "nothing waited: a job is queued"
    assert web.add([PROGRAM], "the revert of import batch 7") is False, "one waits: no second job"
    assert web.add([COMMITMENT], "a change to commitment 5") is False
    asked = worker.take()
    assert asked.touched == sorted([COMMITMENT, PROGRAM], key=repr)
    assert asked.reason == "a change to commitment 5 (and 2 more changes)"
    assert worker.take() is None, "taken once: the next job finds nothing"
    assert web.add([PROGRAM], "a change to commitment 6") is True, "taken: the next ask queues a job again"
    assert worker.take().reason == "a change to commitment 6"


def test_an_ask_for_everything_makes_the_gathered_evaluation_everything(stores):
    web, worker = stores
    web.add([COMMITMENT], "a change to commitment 5")
    web.add(None, "a rule published")
    web.add([PROGRAM], "a change to commitment 6")
    asked = worker.take()
    assert asked.everything and asked.touched is None
    assert asked.reason == "a change to commitment 5 (and 2 more changes)"


def test_a_job_that_could_not_be_queued_is_asked_for_again_by_the_next_ask(stores):
    web, worker = stores
    assert web.add([COMMITMENT], "a change to commitment 5") is True
    web.unqueue()  # the broker refused it
    assert web.add([PROGRAM], "a change to commitment 6") is True, "what waits has no job yet: queue one"
    assert worker.take().touched == sorted([COMMITMENT, PROGRAM], key=repr), "nothing asked for was lost"


def test_a_job_whose_turn_never_came_does_not_hold_back_the_next_ask(stores, monkeypatch):
    """A worker that lost its job (killed before it took what waits): after STALE_SECONDS the next ask
    queues another job, which takes everything asked for since."""
    web, worker = stores
    monkeypatch.setattr(waiting, "STALE_SECONDS", 1)
    assert web.add([COMMITMENT], "a change to commitment 5") is True
    assert web.add([PROGRAM], "a change to commitment 6") is False
    time.sleep(1.2)
    assert web.add([PROGRAM], "a change to commitment 7") is True
    asked = worker.take()
    assert asked.touched == sorted([COMMITMENT, PROGRAM], key=repr)
    assert asked.reason == "a change to commitment 5 (and 2 more changes)"


def test_one_ask_is_said_alone():
    store = waiting.InProcess()
    store.add([], "the revert of import batch 4")
    assert store.take().reason == "the revert of import batch 4"


def test_a_job_that_cannot_read_what_waits_says_so_and_leaves_it(app, caplog):
    """Redis not answering when the worker's job starts: a warning, no traceback out of the worker."""
    from scorecard.rules import tasks

    class Unreachable:
        def take(self, job=None):
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

        done = take
    app.extensions[tasks.WAITING] = Unreachable()
    with caplog.at_level("WARNING"):
        tasks.run(app, gathered=True)
    assert "the evaluations waiting could not be read: Error 111" in caplog.text


def test_what_a_failed_job_took_waits_again_for_the_next_one(stores):
    """A job that took what waited and failed (the database stopped answering): its subjects were lost, as
    the next ask's job evaluates that ask's subjects alone. They now wait again, for the next job."""
    web, worker = stores
    web.add([COMMITMENT], "a change to commitment 5")
    taken = worker.take()
    worker.give_back(taken)  # its evaluation failed
    assert web.add([PROGRAM], "a change to commitment 6") is True, "no job waits for what was given back"
    asked = worker.take()
    assert asked.touched == sorted([COMMITMENT, PROGRAM], key=repr), "nothing asked for was lost"
    assert asked.reason == "a change to commitment 5 (and 1 more change)"


def test_what_a_failed_job_took_joins_the_job_already_waiting(stores):
    web, worker = stores
    web.add(None, "a rule published")
    taken = worker.take()
    assert web.add([PROGRAM], "a change to commitment 6") is True, "the next job is queued while one runs"
    worker.give_back(taken)
    assert web.add([COMMITMENT], "a change to commitment 7") is False, "one waits already: it takes all"
    asked = worker.take()
    assert asked.everything and asked.asks == 3


def test_a_job_delivered_again_after_its_worker_died_takes_what_the_first_run_held(redis_url):
    """Celery delivers a task again when its worker dies mid-evaluation (acks are late); the first run had
    taken what waited, so the second found nothing and the saves it held kept their flags."""
    web, worker = waiting.InRedis(redis_url, "test-held:"), waiting.InRedis(redis_url, "test-held:")
    assert web.add([COMMITMENT], "a change to commitment 5") is True
    assert worker.take("job-1").touched == [COMMITMENT]  # ... and the worker is killed while it evaluates
    assert web.add([PROGRAM], "a change to commitment 6") is True, "taken: a new ask queues its own job"
    again = worker.take("job-1")  # the task, delivered again
    assert again.touched == sorted([COMMITMENT, PROGRAM], key=repr) and again.asks == 2
    worker.done("job-1")
    assert worker.take("job-2") is None and worker.take("job-1") is None, "let go once evaluated"
