"""The Content-Security-Policy in a real browser: headless Chromium signs in to the app served by
gunicorn as production runs it, opens the dashboards, lets their callbacks run, and no directive
of the policy is violated (script-src allows only this site and the hashes of Dash's inline
scripts). Skipped without chromium and chromedriver, unless SCORECARD_REQUIRE_BROWSER is set."""
import time

import pytest

from scorecard.demo import DEMO_PASSWORD
from tests import served

pytestmark = [pytest.mark.browser, pytest.mark.own_sqlite_server]
EMAIL, PASSWORD = "viewer@demo.cx.gov", DEMO_PASSWORD
LISTEN = ("window.__violations = []; document.addEventListener('securitypolicyviolation', e => "
          "window.__violations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || '')));")
served.require_browser(module=True)


@pytest.fixture(scope="module")
def server(served_demo_database, tmp_path_factory):
    """A copy of the demo agency (`scorecard db upgrade` and `scorecard demo`, so the dashboards draw real
    data), gunicorn (the production configuration, over plain http); its viewer signs in."""
    database = served.copy_database(served_demo_database, tmp_path_factory.mktemp("csp"))
    with served.gunicorn(served.server_env(database, "csp-test"), workers=1) as base:
        yield base


@pytest.fixture(scope="module")
def browser(server, tmp_path_factory):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver = served.chrome(tmp_path_factory.mktemp("chrome"), browser_log=True)
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
