"""The app as several hosts run it: two gunicorn servers and a Celery worker (`scorecard worker`) on
one PostgreSQL database and one Redis, sharing an upload folder. An upload on server A is
previewed by the worker, followed and confirmed on server B; a session made on A is valid on B;
a worker killed with SIGKILL in the middle of an import leaves nothing half-written: its task is
given to the next worker, or the batch is failed as stalled, saying so and keeping the upload; with
Redis gone pages still render and an upload says it could not be queued.

Runs on the PostgreSQL pass (it needs TEST_DATABASE_URL) when `redis-server` is installed
(`.ci/run` installs it)."""
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager

import pytest
import requests
import sqlalchemy as sa

from tests import served
from tests.helpers import WORKER, csrf_token, postgres_url

pytestmark = pytest.mark.postgres
REDIS = shutil.which("redis-server")
PASSWORD = "a long scaled-test password"
PROGRAMS = 10_000  # an org file long enough that its import is still running when the worker is killed


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    url = postgres_url()
    if not url:
        pytest.skip("the scaled deployment runs on the PostgreSQL pass (TEST_DATABASE_URL)")
    if not REDIS:
        if os.environ.get("SCORECARD_REQUIRE_BROWSER"):  # CI: every service is installed
            raise RuntimeError("redis-server is required in CI")
        pytest.skip("redis-server not installed")
    base = sa.make_url(url)
    name = f"{base.database}_{WORKER}_scaled"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    folder = tmp_path_factory.mktemp("scaled")
    redis_port = served.free_port()
    redis = subprocess.Popen([REDIS, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                              "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = dict(os.environ, DATABASE_URL=base.set(database=name).render_as_string(hide_password=False),
               SCORECARD_ENV="development", SECRET_KEY=served.strong_key("one key on every host"),
               SCORECARD_REDIS_URL=f"redis://127.0.0.1:{redis_port}/0", SCORECARD_UPLOAD_FOLDER=str(folder / "uploads"),
               SCORECARD_JOB_VISIBILITY_SECONDS="5", SCORECARD_IMPORT_STALE_SECONDS="15", SCORECARD_PASSWORD=PASSWORD,
               PYTHONUNBUFFERED="1")
    served.scorecard(env, "db", "upgrade")
    served.scorecard(env, "create-user", "admin@scaled.gov", "--role", "admin")
    try:
        with served.gunicorn(env, workers=1) as a, served.gunicorn(env, workers=1) as b:
            yield {"env": env, "a": a, "b": b, "folder": folder, "redis": redis, "database": env["DATABASE_URL"]}
    finally:
        redis.kill()
        redis.wait()
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def worker(env, log_path):
    start = log_path.stat().st_size if log_path.exists() else 0
    with open(log_path, "ab") as log:
        process = subprocess.Popen([sys.executable, "-m", "scorecard.cli", "worker", "--concurrency", "1"], env=env,
                                   cwd=served.ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while b" ready." not in log_path.read_bytes()[start:]:  # connected to Redis, taking tasks
            assert process.poll() is None and time.monotonic() < deadline, log_path.read_text()[-2000:]
            time.sleep(0.1)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def sign_in(base: str) -> requests.Session:
    session = requests.Session()
    token = csrf_token(session.get(f"{base}/auth/login").text)
    answer = session.post(f"{base}/auth/login", data={"csrf_token": token, "email": "admin@scaled.gov",
                                                      "password": PASSWORD}, allow_redirects=False)
    assert answer.status_code == 302, answer.text[:500]
    return session


def org_file(rows: int, tag: str) -> bytes:
    lines = ["agency,component,program,life_experiences"]
    lines += [f"Department of Scale,Bureau {tag},Program {tag} {i:05d},Retiring" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def upload(session, base: str, data: bytes, name: str) -> requests.Response:
    token = csrf_token(session.get(f"{base}/imports/upload").text)
    return session.post(f"{base}/imports/upload", data={"csrf_token": token, "format": "org"},
                        files={"file": (name, data, "text/csv")}, allow_redirects=False)


def batch_id(answer: requests.Response) -> int:
    assert answer.status_code == 302, answer.text[:500]
    return int(answer.headers["Location"].rstrip("/").rsplit("/", 1)[-1])


def wait_for(session, base: str, batch: int, done=lambda s: s["status"] != "pending", timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        status = session.get(f"{base}/imports/{batch}/status").json()
        if done(status) or time.monotonic() > deadline:
            return status
        time.sleep(0.1)


def programs(database: str, tag: str) -> int:
    engine = sa.create_engine(database, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        count = connection.execute(sa.text("SELECT count(*) FROM programs WHERE name LIKE :p"),
                                   {"p": f"Program {tag} %"}).scalar_one()
    engine.dispose()
    return count


def briefing_on(on_a, a: str, on_b, b: str) -> requests.Response:
    """Ask for an XLSX briefing on A (a worker writes it), follow it and download it on B, posting
    what the browser posts for the overview's briefing callback (read from the server's own list)."""
    url = "/dashboards/_dash-update-component"
    [entry] = [e for e in on_a.get(f"{a}/dashboards/_dash-dependencies").json()
               if "overview-briefing-job.data" in e["output"]]

    def body(values: dict, changed: str) -> dict:
        outputs = [dict(zip(("id", "property"), o.rsplit(".", 1))) for o in entry["output"].strip(".").split("...")]
        sent = [{**spec, "value": values.get(f"{spec['id']}.{spec['property']}")} for spec in entry["inputs"]]
        state = [{**spec, "value": values.get(f"{spec['id']}.{spec['property']}")} for spec in entry["state"]]
        return {"output": entry["output"], "outputs": outputs, "inputs": sent, "state": state,
                "changedPropIds": [changed]}

    answer = on_a.post(a + url, json=body({"overview-briefing-xlsx.n_clicks": 1}, "overview-briefing-xlsx.n_clicks"))
    assert answer.status_code == 200, answer.text[:500]
    job_id = answer.json()["response"]["overview-briefing-job"]["data"]
    deadline = time.monotonic() + 90
    for tick in range(1, 10_000):
        polled = on_b.post(b + url, json=body({"overview-briefing-poll.n_intervals": tick,
                                               "overview-briefing-job.data": job_id},
                                              "overview-briefing-poll.n_intervals"))
        status = polled.json()["response"]
        if status["overview-briefing-poll"]["disabled"] or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert "ready" in str(status["overview-briefing-status"]["children"]), status
    return on_b.get(f"{b}/dashboards/briefings/{job_id}")


def test_upload_on_one_server_preview_and_confirm_on_the_other_and_a_briefing_likewise(deployment, tmp_path):
    a, b = deployment["a"], deployment["b"]
    on_a = sign_in(a)
    on_b = requests.Session()
    on_b.cookies.update(on_a.cookies)  # the session made on A, presented to B
    assert on_b.get(f"{b}/imports/", allow_redirects=False).status_code == 200
    with worker(deployment["env"], tmp_path / "worker.log"):
        batch = batch_id(upload(on_a, a, org_file(3, "Alpha"), "org-alpha.csv"))
        status = wait_for(on_b, b, batch)
        assert status["status"] == "previewed", status
        token = csrf_token(on_b.get(f"{b}/imports/{batch}").text)
        assert on_b.post(f"{b}/imports/{batch}/confirm", data={"csrf_token": token},
                         allow_redirects=False).status_code == 302
        status = wait_for(on_a, a, batch)
        briefing = briefing_on(on_a, a, on_b, b)
    assert status["status"] == "committed", (status, (tmp_path / "worker.log").read_text()[-2000:])
    assert briefing.status_code == 200 and briefing.content.startswith(b"PK"), briefing.text[:300]
    assert programs(deployment["database"], "Alpha") == 3
    page = on_a.get(f"{a}/imports/{batch}").text
    assert "org-alpha.csv" in page and "committed" in page.lower()


def test_a_worker_killed_mid_import_writes_nothing_half_and_the_batch_ends_finished_or_failed(deployment, tmp_path):
    a, b = deployment["a"], deployment["b"]
    session = sign_in(a)
    log = tmp_path / "worker.log"
    with worker(deployment["env"], log) as first:
        batch = batch_id(upload(session, a, org_file(PROGRAMS, "Kill"), "org-kill.csv"))
        status = wait_for(session, b, batch)
        assert status["status"] == "previewed", (status, log.read_text()[-2000:])
        token = csrf_token(session.get(f"{a}/imports/{batch}").text)
        session.post(f"{a}/imports/{batch}/confirm", data={"csrf_token": token})
        running = wait_for(session, b, batch, done=lambda s: s["stage"] in ("validating", "planning", "writing"),
                           timeout=60)
        assert running["status"] == "pending", running
        first.send_signal(signal.SIGKILL)
        first.wait()
    assert programs(deployment["database"], "Kill") == 0  # nothing half-written
    assert wait_for(session, b, batch, timeout=1)["status"] == "pending"
    with worker(deployment["env"], log):  # the task comes back once its visibility timeout passes
        status = wait_for(session, b, batch, timeout=120)
    assert status["status"] in ("committed", "failed"), status
    if status["status"] == "committed":
        assert programs(deployment["database"], "Kill") == PROGRAMS
    else:
        assert "stopped before it finished" in status["message"] and programs(deployment["database"], "Kill") == 0
        assert any(p.name.endswith("org-kill.csv") for p in (deployment["folder"] / "uploads").iterdir())


def test_with_redis_gone_pages_render_and_an_upload_says_it_could_not_be_queued(deployment):
    a, b = deployment["a"], deployment["b"]
    session = sign_in(a)
    redis = deployment["redis"]
    redis.send_signal(signal.SIGSTOP)  # not answering (a stopped host) rather than refusing at once
    try:
        started = time.monotonic()
        for page in ("/", "/dashboards/", "/imports/"):
            assert session.get(f"{b}{page}", timeout=30).status_code == 200, page
        answer = upload(session, a, org_file(2, "Gone"), "org-gone.csv")
        batch = batch_id(answer)
        page = session.get(f"{a}/imports/{batch}").text
        assert "could not be queued" in page
        assert session.get(f"{a}/imports/{batch}/status").json()["status"] == "failed"
        assert time.monotonic() - started < 60  # nothing hangs
    finally:
        redis.send_signal(signal.SIGCONT)
    assert programs(deployment["database"], "Gone") == 0
