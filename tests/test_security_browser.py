"""The Content-Security-Policy in a real browser: headless Chromium signs in to the app served by
gunicorn as production runs it, opens the dashboards, lets their callbacks run, and no directive
of the policy is violated (script-src allows only this site and the hashes of Dash's inline
scripts). Skipped without chromium and chromedriver, unless SCORECARD_REQUIRE_BROWSER is set."""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
EMAIL, PASSWORD = "csp.viewer@test.gov", "violet window harbor"
LISTEN = ("window.__violations = []; document.addEventListener('securitypolicyviolation', e => "
          "window.__violations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || '')));")

if not (CHROMIUM and CHROMEDRIVER):
    if os.environ.get("SCORECARD_REQUIRE_BROWSER"):
        raise RuntimeError("chromium and chromedriver are required (SCORECARD_REQUIRE_BROWSER is set)")
    pytest.skip("chromium / chromedriver not installed", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The migrated schema, one viewer, gunicorn (the production configuration, over plain http)."""
    folder = tmp_path_factory.mktemp("csp")
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{folder / 'scorecard.db'}", SCORECARD_ENV="development",
               SECRET_KEY="csp-test", SCORECARD_PASSWORD=PASSWORD)
    scorecard = [sys.executable, "-m", "scorecard.cli"]
    subprocess.run(scorecard + ["db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run(scorecard + ["create-user", EMAIL, "--role", "viewer"], env=env, cwd=ROOT, check=True,
                   capture_output=True)
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                                "wsgi:app"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("the server did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser(server, tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--window-size=1400,1000",
                 f"--user-data-dir={tmp_path_factory.mktemp('chrome')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(90)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": LISTEN})
    driver.get(server + "/auth/login")
    driver.find_element(By.NAME, "email").send_keys(EMAIL)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form.usa-form [type=submit]").click()
    WebDriverWait(driver, 60).until(lambda d: "/auth/login" not in d.current_url)
    yield driver
    driver.quit()


def _csp_messages(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if "Content Security Policy" in e["message"]
            or "Content-Security-Policy" in e["message"]]


@pytest.mark.parametrize("path", ["/dashboards/", "/dashboards/heatmap"])
def test_the_dashboards_render_and_run_their_callbacks_under_the_policy(server, browser, path):
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get_log("browser")
    browser.get(server + path)
    WebDriverWait(browser, 90).until(lambda d: d.execute_script(
        "return !!document.querySelector('#main-content h1')"))  # React drew the page: the scripts ran
    WebDriverWait(browser, 90).until(lambda d: d.execute_script(
        "return document.querySelectorAll('[data-dash-is-loading=\"true\"]').length === 0 "
        "&& !!window.dash_clientside"))
    time.sleep(2)  # the callbacks' answers arrive and are drawn
    policy = browser.execute_script(
        "return fetch(location.href).then(r => r.headers.get('Content-Security-Policy'))")
    assert "script-src 'self' 'sha256-" in policy and "'unsafe-inline'" not in policy.split(";")[0]
    if path.endswith("heatmap"):
        assert browser.execute_script("return document.querySelectorAll('.js-plotly-plot .main-svg').length") > 0
    assert browser.execute_script("return window.__violations") == []
    assert _csp_messages(browser) == []


def test_the_sign_in_page_and_the_flask_pages_keep_the_policy(server, browser):
    browser.get(server + "/api-tokens/")
    assert browser.find_element("css selector", "h1").text == "API tokens"
    assert browser.execute_script("return window.__violations") == []
    assert _csp_messages(browser) == []
