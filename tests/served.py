"""The app served as production runs it, and a real headless Chromium, for the browser tests.

`demo_database(folder)` makes a SQLite database the way a user does (`scorecard db upgrade`, then
`scorecard demo`); the `served_demo_database` fixture (conftest) makes it once per test process and
each module serves a copy. `gunicorn(env)` serves the app on a free local port until the block
ends. `chrome(profile)` starts the browser with the flags every browser test uses.

Without chromium and chromedriver the browser tests are skipped (`require_browser`), unless
SCORECARD_REQUIRE_BROWSER is set, when they fail: CI sets it.
"""
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-dev-shm-usage", "--no-first-run")


def require_browser(*, module: bool = False) -> None:
    """Skip (the module, with `module`) when there is no browser, or fail when CI requires one."""
    if CHROMIUM and CHROMEDRIVER:
        return
    if os.environ.get("SCORECARD_REQUIRE_BROWSER"):
        raise RuntimeError("chromium and chromedriver are required (SCORECARD_REQUIRE_BROWSER is set)")
    pytest.skip("chromium / chromedriver not installed", allow_module_level=module)


def server_env(database: Path, secret: str, **extra: str) -> dict:
    """The environment of a served app on the SQLite file `database`, its key made from `secret` (strong, as a
    shared deployment's must be: a test may point it at PostgreSQL)."""
    return dict(os.environ, DATABASE_URL=f"sqlite:///{database}", SCORECARD_ENV="development",
                SECRET_KEY=strong_key(secret), **extra)


def strong_key(secret: str) -> str:
    """A SECRET_KEY the app takes for a shared deployment, the same for the same `secret`."""
    return hashlib.sha256(secret.encode()).hexdigest()


def scorecard(env: dict, *args: str) -> subprocess.CompletedProcess:
    """Run the `scorecard` command line as a user would (its output captured; a failure raises)."""
    return subprocess.run([sys.executable, "-m", "scorecard.cli", *args], env=env, cwd=ROOT, check=True,
                          capture_output=True, text=True)


def demo_database(folder: Path) -> Path:
    """A database migrated and seeded with the demo agency by the command line, in `folder`; what
    `scorecard demo` printed is kept beside it (DEMO_OUTPUT)."""
    database = folder / "scorecard.db"
    env = server_env(database, "demo-database")
    scorecard(env, "db", "upgrade")
    (folder / DEMO_OUTPUT).write_text(scorecard(env, "demo").stdout, encoding="utf-8")
    return database


DEMO_OUTPUT = "demo-output.txt"


def copy_database(source: Path, folder: Path) -> Path:
    target = folder / "scorecard.db"
    shutil.copyfile(source, target)
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(env: dict, workers: int = 2, access_log: Path | None = None,
             error_log: Path | None = None) -> Iterator[str]:
    """gunicorn serving `wsgi:app` with its settings (scorecard/gunicorn_conf.py) and `env` on a free
    port; yields its base URL once /healthz answers. With `access_log`, every request's line is
    written there; with `error_log`, gunicorn's and the app's own log lines."""
    port = free_port()
    logging = ["--access-logfile", str(access_log)] if access_log else []
    logging += ["--error-logfile", str(error_log)] if error_log else []
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:scorecard.gunicorn_conf", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), *logging, "wsgi:app"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a busy machine: do not fail a passed test on the way out
            process.kill()
            process.wait()


def chrome(profile: Path, *, height: int = 1000, page_load_timeout: int = 90, browser_log: bool = False):
    """A headless Chromium driven by chromedriver, with its own profile folder."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--window-size=1400,{height}", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    if browser_log:
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(page_load_timeout)
    return driver


def set_width(driver, width: int, height: int = 900) -> None:
    """Lay the pages out at `width` x `height` CSS pixels (a phone's 320 px: below Chromium's narrowest window)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})


@contextmanager
def at_width(driver, width: int, height: int = 900):
    """The block's pages at `width` (`set_width`), then the window's own size again (the next test's pages)."""
    set_width(driver, width, height)
    try:
        yield
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
