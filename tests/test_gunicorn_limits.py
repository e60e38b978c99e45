"""gunicorn as configured for serving (scorecard/gunicorn_conf.py): an over-long address gets the
app's own 414, and a request line of megabytes is refused at once instead of keeping a worker busy
for minutes, so the server goes on answering."""
import contextlib
import re
import socket
import time

import pytest
import requests

from tests import served

pytestmark = pytest.mark.own_sqlite_server


def test_long_addresses_are_the_apps_414_and_a_huge_request_line_is_refused_at_once(tmp_path):
    env = served.server_env(tmp_path / "scorecard.db", "limits-test-key")
    served.scorecard(env, "db", "upgrade")
    with served.gunicorn(env, workers=1) as base:
        page = requests.get(f"{base}/plans/?q={'x' * 8050}", timeout=10)
        assert page.status_code == 414 and "The address is too long" in page.text
        host, port = base.removeprefix("http://").split(":")
        started = time.monotonic()
        with socket.create_connection((host, int(port)), timeout=10) as raw:
            with contextlib.suppress(OSError):  # refused before it was all sent
                raw.sendall(b"GET /?" + b"a" * (4 << 20) + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = b""
            while chunk := raw.recv(4096):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 414") and b"Request Line is too large" in answer, answer[:300]
        assert time.monotonic() - started < 5, "refused once the line passed gunicorn's limit"
        assert requests.get(f"{base}/healthz", timeout=5).status_code == 200


@pytest.mark.parametrize("proxies, believed", [("0", False), ("1", True)])
def test_a_forwarded_scheme_is_believed_by_the_apps_setting_alone(tmp_path, proxies, believed):
    """gunicorn's own defaults believed X-Forwarded-Proto from 127.0.0.1: with SCORECARD_TRUSTED_PROXIES=0 a proxy
    on the same machine still got HSTS and Secure cookies, a setup that looked right while every browser's
    address read as the proxy's (one failed sign-in limit for all). Only the proxies the app trusts are believed."""
    env = served.server_env(tmp_path / "scorecard.db", "proxy-test-key", SCORECARD_TRUSTED_PROXIES=proxies)
    served.scorecard(env, "db", "upgrade")
    with served.gunicorn(env, workers=1) as base:
        page = requests.get(f"{base}/auth/login", headers={"X-Forwarded-Proto": "https"}, timeout=10)
    assert page.status_code == 200
    assert ("Strict-Transport-Security" in page.headers) is believed, dict(page.headers)


def test_a_worker_writes_the_apps_log_lines_with_time_level_and_process():
    """Nothing configured logging in the served app: its INFO lines (an evaluation's result) were
    dropped, and its warnings came bare, without time or level."""
    import subprocess
    import sys

    code = ("import logging; from scorecard import gunicorn_conf as g; g.post_fork(None, None); "
            "logging.getLogger('scorecard.rules.tasks').info('evaluation after an import: 3 inserted'); "
            "logging.getLogger('fontTools.subset').info('a library at INFO'); "
            "logging.getLogger('botocore').warning('a library at WARNING')")
    lines = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           cwd=served.ROOT).stderr.splitlines()
    assert len(lines) == 2, lines
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \[\d+\] \[INFO\] scorecard\.rules\.tasks: "
                        r"evaluation after an import: 3 inserted", lines[0]), lines[0]
    assert "[WARNING] botocore: a library at WARNING" in lines[1]


def test_a_timeout_or_keep_alive_of_0_turns_it_off_as_gunicorn_has_it(monkeypatch):
    """gunicorn reads a timeout of 0 as none and a keep-alive of 0 as none; both are taken, as before the
    settings were checked."""
    import importlib

    from scorecard import gunicorn_conf

    monkeypatch.setenv("SCORECARD_REQUEST_TIMEOUT", "0")
    monkeypatch.setenv("SCORECARD_KEEPALIVE", "0")
    try:
        reloaded = importlib.reload(gunicorn_conf)
        assert (reloaded.timeout, reloaded.keepalive) == (0, 0)
        monkeypatch.setenv("SCORECARD_KEEPALIVE", "-1")
        with pytest.raises(SystemExit, match="SCORECARD_KEEPALIVE is '-1'; it is a whole number from 0 to"):
            importlib.reload(gunicorn_conf)
    finally:
        monkeypatch.undo()
        importlib.reload(gunicorn_conf)


def test_a_body_refused_as_too_long_leaves_the_connection_usable(tmp_path):
    """A PATCH of one commitment over 1 MB was answered 413 "Connection: keep-alive" with its body unread, and
    gunicorn then closed the connection: the client's next request on it failed unsent."""
    env = served.server_env(tmp_path / "scorecard.db", "limits-test-key")
    served.scorecard(env, "db", "upgrade")
    served.scorecard({**env, "SCORECARD_PASSWORD": "a long enough password"}, "create-user", "admin@test.gov",
                     "--role", "admin")
    token = re.search(r"cxs_\S+", served.scorecard(env, "token", "create", "admin@test.gov", "--scope",
                                                   "write").stdout).group(0)
    with served.gunicorn(env, workers=1) as base, requests.Session() as session:
        session.headers.update({"Authorization": f"Bearer {token}", "If-Match": "*"})
        refused = session.patch(f"{base}/api/v1/commitments/1", data=b'{"note": "' + b"x" * (2 << 20) + b'"}',
                                headers={"Content-Type": "application/json"}, timeout=30)
        assert refused.status_code == 413 and "at most 1,048,576 bytes" in refused.json()["detail"]
        listed = session.get(f"{base}/api/v1/commitments", timeout=10)  # on the same connection
        assert listed.status_code == 200 and listed.json()["total"] == 0
