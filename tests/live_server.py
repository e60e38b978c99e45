"""A real server in its own process, for tests that must show it keeps answering.

`python -m tests.live_server DB_URL UPLOAD_DIR PORT` creates the schema, a small agency and an
analyst, then serves the app with werkzeug (threaded) on 127.0.0.1:PORT. `LiveServer` starts
it, signs in over HTTP with a real CSRF token, and drives the import pages like a browser.
"""
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

ANALYST = ("analyst@live.gov", "live-server-password")
PROGRAM = ("BA", "Benefits Administration", "Benefits Call Center")


def _serve(db_url: str, upload_dir: str, port: int) -> None:
    from werkzeug.serving import run_simple

    from scorecard import create_app
    from scorecard.a11 import ensure_standard_metrics
    from scorecard.extensions import db
    from scorecard.models import Agency, Base, Component, Program, Role, User

    app = create_app({"SECRET_KEY": "live-secret", "SQLALCHEMY_DATABASE_URI": db_url, "UPLOAD_FOLDER": upload_dir,
                      "SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False})
    with app.app_context():
        Base.metadata.create_all(db.engine)
        agency = Agency(code="LIVE", name="Live Test Department")
        component = Component(agency=agency, code=PROGRAM[0], name=PROGRAM[1])
        db.session.add(Program(component=component, code="BA-CALL", name=PROGRAM[2]))
        ensure_standard_metrics(db.session)
        user = User(email=ANALYST[0], role=Role.analyst)
        user.set_password(ANALYST[1])
        db.session.add(user)
        db.session.commit()
    run_simple("127.0.0.1", port, app, threaded=True, use_reloader=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """The server process plus a signed-in `requests` session."""

    def __init__(self, folder: Path):
        import requests

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = (folder / "server.log").open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.live_server", f"sqlite:///{folder / 'live.db'}", str(folder / "uploads"),
             str(self.port)], cwd=Path(__file__).resolve().parents[1], stdout=self.log, stderr=subprocess.STDOUT)
        self.http = requests.Session()
        deadline = time.monotonic() + 60
        while True:
            try:
                self.http.get(self.url + "/auth/login", timeout=2)
                break
            except requests.ConnectionError as error:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    log = (folder / "server.log").read_text()
                    raise RuntimeError("the live server did not start: " + log) from error
                time.sleep(0.2)
        page = self.http.get(self.url + "/auth/login").text
        signed = self.http.post(self.url + "/auth/login", data={
            "email": ANALYST[0], "password": ANALYST[1], "csrf_token": self.token(page)})
        assert signed.ok and "/auth/login" not in signed.url, "sign-in failed"

    @staticmethod
    def token(html: str) -> str:
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)

    def answers(self) -> bool:
        """The server is up and serving pages to the signed-in user."""
        return self.process.poll() is None and self.http.get(self.url + "/imports/", timeout=10).status_code == 200

    def upload(self, path: Path, **fields):
        page = self.http.get(self.url + "/imports/upload").text
        with path.open("rb") as handle:
            return self.http.post(self.url + "/imports/upload", data={"csrf_token": self.token(page), **fields},
                                  files={"file": (path.name, handle)}, timeout=120)

    def wait(self, batch_id: int, timeout: float = 120) -> dict:
        """Poll the status endpoint (as the page's progress bar does) until the batch's job (its import,
        or its revert) is over."""
        deadline = time.monotonic() + timeout
        while True:
            status = self.http.get(f"{self.url}/imports/{batch_id}/status", timeout=10).json()
            if not status["working"] or time.monotonic() > deadline:
                return status
            time.sleep(0.2)

    def post_form(self, path: str):
        page = self.http.get(self.url + "/imports/").text
        return self.http.post(self.url + path, data={"csrf_token": self.token(page)}, timeout=120)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


if __name__ == "__main__":
    _serve(sys.argv[1], sys.argv[2], int(sys.argv[3]))
