"""A real browser against a real server: sign in as the executive, see the heatmap drawn."""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from scorecard.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

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
    """The app as production runs it: migrations, demo data, gunicorn on a local port."""
    folder = tmp_path_factory.mktemp("served")
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{folder / 'scorecard.db'}", SCORECARD_ENV="development",
               SECRET_KEY="browser-test")
    scorecard = [sys.executable, "-m", "scorecard.cli"]
    subprocess.run(scorecard + ["db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run(scorecard + ["demo"], env=env, cwd=ROOT, check=True, capture_output=True)
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2", "wsgi:app"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        raise RuntimeError("the server did not start")
    yield base
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-dev-shm-usage", "--no-first-run",
                 "--window-size=1400,1000", f"--user-data-dir={tmp_path_factory.mktemp('chrome')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def test_executive_signs_in_and_sees_the_heatmap(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(server + "/dashboards/heatmap")
    assert "/auth/login" in browser.current_url
    browser.find_element(By.NAME, "email").send_keys("executive@demo.cx.gov")
    browser.find_element(By.NAME, "password").send_keys(DEMO_PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form.usa-form [type=submit]").click()
    wait = WebDriverWait(browser, 60)
    wait.until(ec.url_contains("/dashboards/heatmap"))
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#heatmap-graph .heatmaplayer")))
    wait.until(lambda d: "Benefits Call Center" in d.find_element(By.ID, "heatmap-graph").text)
    graph_text = browser.find_element(By.ID, "heatmap-graph").text
    for driver_name in ("satisfaction", "trust", "employee"):
        assert driver_name in graph_text
    assert "A-11 drivers by program" in graph_text
    browser.save_screenshot(str(tmp_path / "heatmap.png"))
