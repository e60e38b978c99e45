"""`make load`: two gunicorn servers and one Celery worker on one PostgreSQL database and one Redis,
the demo agency loaded, then Locust (bench/locustfile.py) headless with 50 users for 5 minutes.
Prints Locust's table (requests, failures, p50/p95 per page) and the commitment-conflict check.

Needs a PostgreSQL database it may empty: LOAD_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/scorecard_load), and `redis-server` installed. LOAD_USERS and
LOAD_TIME change the size (defaults 50 and 5m).
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests import served  # noqa: E402 — the servers and command line, started as the tests start them


def fresh_database(url: str) -> str:
    base = sa.make_url(url)
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{base.database}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{base.database}"'))
    admin.dispose()
    return url


def main() -> int:
    database = fresh_database(os.environ.get("LOAD_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/scorecard_load"))
    redis_server = shutil.which("redis-server")
    if not redis_server:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    folder = Path(tempfile.mkdtemp(prefix="scorecard-load-"))
    redis_port = served.free_port()
    env = dict(os.environ, DATABASE_URL=database, SCORECARD_ENV="development",
               SECRET_KEY=served.strong_key("load-test-key"),
               SCORECARD_REDIS_URL=f"redis://127.0.0.1:{redis_port}/0", SCORECARD_UPLOAD_FOLDER=str(folder / "uploads"),
               SCORECARD_API_RATE_LIMIT="100000 per minute")
    processes = [subprocess.Popen([redis_server, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", ""],
                                  stdout=subprocess.DEVNULL)]
    try:
        print("== migrating and loading the demo agency")
        served.scorecard(env, "db", "upgrade")
        served.scorecard(env, "demo")
        created = served.scorecard(env, "token", "create", "cfo.officer@demo.cx.gov", "--scope", "write")
        token = created.stdout.split()[-1]  # printed last, once
        engine = sa.create_engine(database)
        with engine.connect() as connection:
            contested = connection.execute(sa.text(
                "SELECT c.id, c.version FROM commitments c JOIN functions f ON f.id = c.function_id "
                "WHERE f.code = 'CFO' AND c.status != 'dropped' ORDER BY c.id LIMIT 3")).all()
        engine.dispose()
        with ExitStack() as servers, (folder / "worker.log").open("wb") as worker_log:
            workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
            hosts = [servers.enter_context(served.gunicorn(env, workers=workers, error_log=folder / f"server-{n}.log"))
                     for n in (1, 2)]
            processes.append(subprocess.Popen([sys.executable, "-m", "scorecard.cli", "worker", "--concurrency", "2"],
                                              env=env, cwd=ROOT, stdout=worker_log, stderr=subprocess.STDOUT))
            users, duration = os.environ.get("LOAD_USERS", "50"), os.environ.get("LOAD_TIME", "5m")
            print(f"== Locust: {users} users for {duration} on {', '.join(hosts)} (logs in {folder})")
            load_env = dict(env, SCORECARD_LOAD_HOSTS=",".join(hosts), SCORECARD_LOAD_TOKEN=token,
                            SCORECARD_LOAD_COMMITMENTS=",".join(str(c.id) for c in contested),
                            SCORECARD_LOAD_VERSIONS=",".join(f"{c.id}:{c.version}" for c in contested))
            locust = subprocess.run([sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"),
                                     "--headless", "-u", users, "-r", "10", "-t", duration, "--host", hosts[0],
                                     # at the time limit, a task in flight finishes (and is counted) first
                                     "--stop-timeout", "30", "--only-summary"], env=load_env, cwd=ROOT)
            return locust.returncode
    finally:
        for process in reversed(processes):
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    sys.exit(main())
