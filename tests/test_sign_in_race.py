"""Sign-ins sent all at once to gunicorn (several workers, threads each): the throttle takes an account's
attempts (and an address's) one at a time, so a burst of wrong passwords gets no more tries than one
attempt after another would (30 at once passed 16 where 5 are allowed), and right passwords sent at
once all get in (none is counted against another while it is being checked)."""
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests import served

pytestmark = pytest.mark.own_sqlite_server
EMAIL, PASSWORD = "officer.race@test.gov", "a-long-enough-password-2025"
OWNER = "owner.race@test.gov"


def _attempt(base: str, email: str = EMAIL, password: str = "not-the-password-at-all") -> int:
    with requests.Session() as browser:
        page = browser.get(f"{base}/auth/login", timeout=30)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
        return browser.post(f"{base}/auth/login", data={"csrf_token": token, "email": email, "password": password},
                            allow_redirects=False, timeout=60).status_code


def test_a_burst_of_wrong_passwords_gets_the_tries_one_after_another_would(tmp_path):
    env = served.server_env(tmp_path / "scorecard.db", "race-test-key", SCORECARD_THREADS="4")
    served.scorecard(env, "db", "upgrade")
    for email in (EMAIL, OWNER):
        served.scorecard({**env, "SCORECARD_PASSWORD": PASSWORD}, "create-user", email, "--role", "analyst")
    with served.gunicorn(env, workers=3) as base, ThreadPoolExecutor(max_workers=24) as pool:
        signed_in = list(pool.map(lambda _: _attempt(base, OWNER, PASSWORD), range(8)))
        answers = list(pool.map(lambda _: _attempt(base), range(24)))
    assert signed_in == [302] * 8, f"right passwords sent at once all get in: {signed_in}"
    assert sorted(set(answers)) == [401, 429], answers
    assert answers.count(401) == 5, f"5 wrong passwords are allowed before the first delay, not {answers.count(401)}"
