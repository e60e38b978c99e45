"""PostgreSQL restarted under a running app: requests in the outage answer 503 with Retry-After at
once (never hang, never a bare 500), and the first requests after the restart succeed without the
app being restarted (the pool checks each connection before use: pool_pre_ping).

The server is a PostgreSQL cluster of this test's own (the suite's shared one must not restart
under the other tests), started from the same binaries; it runs on the PostgreSQL pass, where CI
has them installed."""
import os
import shutil
import signal
import subprocess
import time
from glob import glob
from pathlib import Path

import pytest
import requests

from tests import served
from tests.helpers import csrf_token, postgres_url

pytestmark = pytest.mark.postgres
PASSWORD = "a long fault-test password"


def _bin(name: str) -> str | None:
    found = sorted(glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if not postgres_url():
        pytest.skip("runs on the PostgreSQL pass")
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("PostgreSQL's binaries are not installed")
    base = Path("/dev/shm") if os.access("/dev/shm", os.W_OK) else tmp_path_factory.getbasetemp()
    data = Path(subprocess.check_output(["mktemp", "-d", str(base / "scorecard-fault-pg.XXXXXX")], text=True).strip())
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    port = served.free_port()
    subprocess.run(_as_postgres([initdb, "-D", str(data), "-A", "trust", "-U", "postgres"]), check=True,
                   capture_output=True)
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {data} -c fsync=off"

    def ctl(*args):
        subprocess.run(_as_postgres([pg_ctl, "-D", str(data), "-l", str(data / "server.log"), "-w", *args]),
                       check=True, capture_output=True)
    ctl("-o", options, "start")
    try:
        yield {"url": f"postgresql://postgres@127.0.0.1:{port}/postgres", "ctl": ctl, "options": options,
               "data": data}
    finally:
        subprocess.run(_as_postgres([pg_ctl, "-D", str(data), "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


def test_postgres_restarted_under_the_app_fails_cleanly_and_recovers_without_a_restart(cluster):
    env = served.server_env(Path("unused"), "fault-test-key", SCORECARD_PASSWORD=PASSWORD)
    env["DATABASE_URL"] = cluster["url"]
    served.scorecard(env, "db", "upgrade")
    served.scorecard(env, "create-user", "analyst@fault.gov", "--role", "analyst")
    secret = served.scorecard(env, "token", "create", "analyst@fault.gov", "--scope", "read").stdout.strip()
    with served.gunicorn(env, workers=1) as base:
        session = requests.Session()
        token = csrf_token(session.get(f"{base}/auth/login").text)
        assert session.post(f"{base}/auth/login", data={"csrf_token": token, "email": "analyst@fault.gov",
                                                         "password": PASSWORD}).status_code == 200
        for _ in range(3):  # the pool holds open connections
            assert session.get(f"{base}/imports/", timeout=10).status_code == 200
        cluster["ctl"]("-m", "fast", "stop")
        try:
            started = time.monotonic()
            down = session.get(f"{base}/imports/", timeout=30)
            assert down.status_code == 503 and down.headers.get("Retry-After") == "30", down.text[:300]
            assert "database is not answering" in down.text and time.monotonic() - started < 15
            malformed = requests.get(f"{base}/api/v1/programs", headers={"Authorization": "Bearer x"}, timeout=30)
            assert malformed.status_code in (401, 503)  # refusing "x" may need no database
            # A real token cannot be checked without the database: neither refused nor a failure.
            api = requests.get(f"{base}/api/v1/programs", headers={"Authorization": f"Bearer {secret}"}, timeout=30)
            assert api.status_code == 503 and api.headers.get("Retry-After") == "30", api.text[:300]
            assert api.headers["Content-Type"] == "application/problem+json"
            assert "database is not answering" in api.json()["detail"]
            health = requests.get(f"{base}/healthz", timeout=30)  # a load balancer takes this host out
            assert health.status_code == 503 and health.json() == {"status": "database unavailable"}
        finally:
            cluster["ctl"]("-o", cluster["options"], "start")
        assert requests.get(f"{base}/healthz", timeout=10).json() == {"status": "ok"}
        for _ in range(3):  # every pooled connection died with the server: each is replaced on checkout
            page = session.get(f"{base}/imports/", timeout=10)
            assert page.status_code == 200, page.text[:300]


def _server_processes(data: Path) -> list[int]:
    """The cluster's postmaster and every process it started."""
    postmaster = int((data / "postmaster.pid").read_text().split()[0])
    children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True, text=True).stdout.split()
    return [postmaster, *map(int, children)]


def test_a_database_that_stops_answering_is_unavailable_to_the_health_check_within_seconds(cluster):
    """A server that neither answers nor refuses (frozen: a failover dropping packets looks the same to the
    app) held /healthz until it came back, 25 s and more, so a load balancer kept sending it users. It answers
    503 within its wait, again while the first check still waits, and "ok" once the server is back."""
    env = served.server_env(Path("unused"), "fault-test-key")
    env["DATABASE_URL"] = cluster["url"]
    served.scorecard(env, "db", "upgrade")
    with served.gunicorn(env, workers=1) as base:
        assert requests.get(f"{base}/healthz", timeout=10).json() == {"status": "ok"}  # a pooled connection
        frozen = _server_processes(cluster["data"])
        for pid in frozen:
            os.kill(pid, signal.SIGSTOP)
        try:
            for _ in range(2):
                started = time.monotonic()
                health = requests.get(f"{base}/healthz", timeout=30)
                waited = time.monotonic() - started
                assert health.status_code == 503 and health.headers.get("Retry-After") == "30", health.text
                assert health.json() == {"status": "database unavailable", "detail": "no answer within 3 s"}
                assert waited < 8, waited
        finally:
            for pid in frozen:
                os.kill(pid, signal.SIGCONT)
        deadline = time.monotonic() + 30
        while (found := requests.get(f"{base}/healthz", timeout=30).json()) != {"status": "ok"}:
            assert time.monotonic() < deadline, found
            time.sleep(0.5)
