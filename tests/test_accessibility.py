"""Accessibility: axe-core in headless Chromium on every dashboard page and every Flask page (each
GET route without parameters, and the pages behind the first link of each list), signed in as the
executive (as the administrator for a page the executive may not open). No page may have a
serious or critical violation. Dashboard pages are checked once drawn and again with every
details toggle open (their data tables).

axe-core comes from its npm package: AXE_CORE_JS names axe.min.js, or it is looked for in
node_modules/ here and in the usual global folders (`npm install --prefix DIR axe-core`). Without
it, or without chromium and chromedriver, the module is skipped — unless SCORECARD_REQUIRE_BROWSER
is set, when it fails.
"""
import contextlib
import os
import re
import time
from pathlib import Path

import pytest

from scorecard.demo import DEMO_PASSWORD
from tests import served

pytestmark = [pytest.mark.browser, pytest.mark.own_sqlite_server]
ROOT = Path(__file__).resolve().parents[1]
AXE_PLACES = [ROOT / "node_modules", Path("/usr/local/lib/node_modules"), Path("/usr/lib/node_modules"),
              Path.home() / ".cache" / "scorecard-axe" / "node_modules"]
SERIOUS = ("serious", "critical")


def _axe() -> Path | None:
    named = os.environ.get("AXE_CORE_JS")
    if named:
        return Path(named) if Path(named).is_file() else None
    return next((p / "axe-core" / "axe.min.js" for p in AXE_PLACES if (p / "axe-core" / "axe.min.js").is_file()), None)


AXE = _axe()
_missing = [what for what, found in (("chromium", served.CHROMIUM), ("chromedriver", served.CHROMEDRIVER), (
    "axe-core (set AXE_CORE_JS to axe.min.js, or `npm install --prefix DIR axe-core`)", AXE)) if not found]
if _missing:
    if os.environ.get("SCORECARD_REQUIRE_BROWSER"):
        raise RuntimeError(f"{', '.join(_missing)} required (SCORECARD_REQUIRE_BROWSER is set)")
    pytest.skip(f"{', '.join(_missing)} not installed", allow_module_level=True)

# Serious violations known on pages other features own, reported to their owners: (path pattern,
# axe rule). Any other violation fails; remove an entry once its page is fixed.
KNOWN: list[tuple[str, str]] = []


def _routes() -> tuple[list[str], list[str]]:
    """(dashboard pages, Flask pages): GET routes without parameters, as the app declares them."""
    import dash

    from scorecard import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "routes"})
    flask = sorted({r.rule for r in app.url_map.iter_rules() if "GET" in r.methods and not r.arguments
                    and not r.rule.startswith(("/static", "/dashboards", "/api/v1/"))
                    and r.endpoint not in ("main.healthz", "auth.login")})
    pages = sorted(p["relative_path"] for p in dash.page_registry.values() if not p.get("path_template"))
    return pages, flask


DASHBOARD_PAGES, FLASK_PAGES = _routes()
# A list page and the pattern of the pages it links to: the first such link is checked too.
WITH_IDS = [("/commitments/", r"/commitments/\d+$"), ("/plans/", r"/plans/\d+$"), ("/rules/", r"/rules/[\w.-]+$"),
            ("/capacity/", r"/capacity/\d+/\d+$"), ("/imports/", r"/imports/\d+$"),
            ("/plans/", r"/findings/\d+$"), ("/dashboards/", r"/findings/\d+$"), ("/dashboards/", r"/commitments/\d+$"),
            # the drill-downs with a subject: a program's page (its charts, channels, chain) and a function's
            ("/dashboards/", r"/dashboards/program\?id=\d+"), ("/dashboards/functions", r"/dashboards/function\?")]
# A list page, the pattern of its pages, and of the edit form one of those links to (opened as the administrator).
FORMS = [("/commitments/", r"/commitments/\d+$", r"/commitments/\d+/edit$"),
         ("/capacity/", r"/capacity/\d+/\d+$", r"/capacity/\d+/\d+/edit$")]


@pytest.fixture(scope="module")
def server(served_demo_database, tmp_path_factory):
    """The app as production runs it, with the demo agency (whose rules `scorecard demo` evaluates)."""
    database = served.copy_database(served_demo_database, tmp_path_factory.mktemp("a11y"))
    with served.gunicorn(served.server_env(database, "a11y-test")) as base:
        yield base


class Browser:
    """One headless Chromium signed in as one demo user."""

    def __init__(self, server: str, email: str, profile: Path):
        from selenium.webdriver.common.by import By

        self.server = server
        self.driver = served.chrome(profile, page_load_timeout=180)  # generous: CI runs other tests beside these
        self.driver.set_script_timeout(180)
        self.driver.get(server + "/auth/login")
        self.driver.find_element(By.NAME, "email").send_keys(email)
        self.driver.find_element(By.NAME, "password").send_keys(DEMO_PASSWORD)
        self.driver.find_element(By.CSS_SELECTOR, "form.usa-form [type=submit]").click()
        try:
            self.wait(lambda d: "/auth/login" not in d.current_url)
        except Exception:
            page = self.driver.find_element(By.TAG_NAME, "body").text
            self.driver.quit()
            raise AssertionError(f"{email} could not sign in: {page[:500]}") from None

    def wait(self, condition, timeout=180):
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.driver, timeout).until(condition)

    def open(self, path: str) -> None:
        # On a loaded machine the driver has answered before the new document was the one read (a list
        # page's links were looked for in the page before it): the old one is marked, and the new one,
        # wherever it was redirected, waited for until it is loaded.
        self.driver.execute_script("window.scorecardLeft = true")
        self.driver.get(self.server + path)
        self.wait(lambda d: d.execute_script("return !window.scorecardLeft && document.readyState === 'complete'"))
        if path.startswith("/dashboards/"):
            self.settle()

    def settle(self) -> None:
        """Wait until the dashboard page is drawn: its heading shown, no callback in flight."""
        self.wait(lambda d: d.execute_script("return !!document.querySelector('#main-content h1')"))
        quiet = 0
        while quiet < 3:
            time.sleep(0.25)
            busy = self.driver.execute_script(
                "return document.querySelectorAll('[data-dash-is-loading=\"true\"], ._dash-loading').length")
            quiet = quiet + 1 if not busy else 0

    def status(self, path: str) -> int:
        """The HTTP status of a GET as this user (the browser's own fetch, with its cookies)."""
        return self.head(path)[0]

    def head(self, path: str) -> tuple[int, str]:
        """(status, content type) of a GET as this user (the browser's own fetch, with its cookies)."""
        return tuple(self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "fetch(arguments[0], {redirect: 'manual'}).then(r => done([r.status, r.headers.get('content-type') || '']))"
            ".catch(() => done([0, '']));", path))

    def content_type(self) -> str:
        return self.driver.execute_script("return document.contentType")

    def links(self, pattern: str) -> list[str]:
        hrefs = self.driver.execute_script("return Array.from(document.querySelectorAll('a[href]'), a => a.href)")
        return [h.replace(self.server, "") for h in hrefs if re.search(pattern, h.replace(self.server, ""))]

    def axe(self) -> list[dict]:
        """axe-core's serious and critical violations on the page as it is now."""
        if not self.driver.execute_script("return !!window.axe"):
            self.driver.execute_script(AXE.read_text(encoding="utf-8"))
        result = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations))"
            ".catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));")
        return [v for v in result if v.get("impact") in SERIOUS]

    def quit(self):
        self.driver.quit()


@pytest.fixture(scope="module")
def browsers(server, tmp_path_factory):
    opened = {}

    def signed_in(email: str) -> Browser:
        if email not in opened:
            opened[email] = Browser(server, email, tmp_path_factory.mktemp("chrome"))
        return opened[email]
    yield signed_in
    for browser in opened.values():
        browser.quit()


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        targets = "; ".join(" ".join(n.get("target", [])) for n in v.get("nodes", [])[:4])
        lines.append(f"{v['impact']}: {v['id']} — {v['help']} ({len(v.get('nodes', []))} nodes: {targets})")
    return "\n".join(lines)


def browser_for(browsers, path: str) -> Browser:
    """The executive's browser, or the administrator's for a page the executive may not open."""
    browser = browsers("executive@demo.cx.gov")
    if browser.status(path) in (401, 403):
        admin = browsers("admin@demo.cx.gov")
        if admin.status(path) == 200:
            return admin
    return browser


def audit(browsers, path: str) -> list[dict]:
    """Open `path` as the executive (as the administrator when the executive may not) and run axe;
    on a dashboard page with every details toggle open. The serious violations, but those
    KNOWN."""
    browser = browser_for(browsers, path)
    status, kind = browser.head(path)
    if status == 200 and "html" not in kind:
        pytest.skip(f"{path} is not a page ({kind})")
    browser.open(path)
    if path.startswith("/dashboards/"):  # every toggle open: what it hides is checked too, and its summary
        browser.driver.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
        time.sleep(0.3)
        browser.settle()  # a table drawn when its panel opens (the heatmap's) is in the page before axe runs
    found = browser.axe()
    return [v for v in found if not any(re.search(pattern, path) and v["id"] == rule for pattern, rule in KNOWN)]


@pytest.mark.parametrize("path", DASHBOARD_PAGES)
def test_dashboard_page_has_no_serious_violation(browsers, path):
    violations = audit(browsers, path)
    assert not violations, f"{path}:\n{describe(violations)}"


@pytest.mark.parametrize("path", FLASK_PAGES)
def test_flask_page_has_no_serious_violation(browsers, path):
    violations = audit(browsers, path)
    assert not violations, f"{path}:\n{describe(violations)}"


def test_the_sign_in_page_has_no_serious_violation_before_and_after_a_refusal(server, tmp_path_factory):
    """The sign-in page is every user's first (the pages above are opened signed in): checked as a visitor
    sees it, with the system-use notice, and as it comes back after a wrong password."""
    from selenium.webdriver.common.by import By

    browser = Browser(server, "viewer@demo.cx.gov", tmp_path_factory.mktemp("chrome"))
    try:
        browser.driver.delete_all_cookies()  # signed out: the page a visitor meets
        browser.open("/auth/login")
        assert browser.driver.find_elements(By.NAME, "password"), "not the sign-in page"
        violations = browser.axe()
        assert not violations, f"/auth/login:\n{describe(violations)}"
        browser.driver.find_element(By.NAME, "email").send_keys("viewer@demo.cx.gov")
        browser.driver.find_element(By.NAME, "password").send_keys("not the password at all")
        browser.driver.find_element(By.CSS_SELECTOR, "form.usa-form [type=submit]").click()
        browser.wait(lambda d: d.find_elements(By.CSS_SELECTOR, ".usa-alert, [role=alert]"))
        violations = browser.axe()
        assert not violations, f"/auth/login after a refusal:\n{describe(violations)}"
    finally:
        browser.quit()


@pytest.mark.parametrize("listing, pattern", WITH_IDS, ids=[f"{a}->{b}" for a, b in WITH_IDS])
def test_page_with_an_id_has_no_serious_violation(browsers, listing, pattern):
    browser = browser_for(browsers, listing)
    browser.open(listing)
    if listing.startswith("/plans/") and "findings" in pattern:  # a plan's why-links
        plans = browser.links(r"/plans/\d+$")
        assert plans, "no plan to open"
        browser.open(plans[0])
    found = browser.links(pattern)
    assert found, f"no link matching {pattern} on {listing}"
    violations = audit(browsers, found[0])
    assert not violations, f"{found[0]}:\n{describe(violations)}"


@pytest.mark.parametrize("listing, page, form", FORMS, ids=[f[2] for f in FORMS])
def test_an_edit_form_and_its_refusal_have_no_serious_violation(browsers, listing, page, form):
    """The form as opened, then as it comes back refusing a value (its messages beside the fields)."""
    from selenium.webdriver.common.by import By

    admin = browsers("admin@demo.cx.gov")
    admin.open(listing)
    pages = admin.links(page)
    assert pages, f"no link matching {page} on {listing}"
    edits = []
    for shown in pages[:8]:  # a submitted assessment has no edit link: the first page that has one
        admin.open(shown)
        edits = admin.links(form)
        if edits:
            break
    assert edits, f"no link matching {form} from {listing}"
    admin.open(edits[0])
    violations = admin.axe()
    assert not violations, f"{edits[0]}:\n{describe(violations)}"
    # A value the server refuses: a due date that does not exist, a score that is a word.
    admin.driver.execute_script("""
        const field = document.querySelector('input[name=due_date]') || document.querySelector('input[name^=score_]');
        field.type = 'text'; field.value = field.name === 'due_date' ? '2026-11-31' : 'high';
        const reason = document.querySelector('textarea[name=reason]'); if (reason) reason.value = 'Moved.';
        field.form.requestSubmit();""")
    admin.wait(lambda d: d.find_elements(By.CSS_SELECTOR, ".usa-error-message, .usa-alert--error"))
    violations = admin.axe()
    assert not violations, f"{edits[0]} refusing a value:\n{describe(violations)}"


def test_the_step_before_an_action_that_cannot_be_taken_back_has_no_serious_violation(browsers):
    """confirm.html, as retiring a rule opens it (revoking a token opens it too)."""
    admin = browsers("admin@demo.cx.gov")
    admin.open("/rules/")
    asks = []
    for shown in admin.links(r"/rules/[\w.-]+$")[:8]:
        admin.open(shown)
        asks = admin.links(r"/rules/[\w.-]+/retire$")
        if asks:
            break
    assert asks, "no rule offers to be retired"
    admin.open(asks[0])
    violations = admin.axe()
    assert not violations, f"{asks[0]}:\n{describe(violations)}"


def test_an_import_refused_row_by_row_has_no_serious_violation(browsers, tmp_path):
    """The analyst's upload page, then the batch page listing each refused row, column and value."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    upload = tmp_path / "refused.csv"
    upload.write_text("component,program,metric,period,value,n\n"
                      "Benefits Administration,Benefits Call Center,trust,FY2026-Q4,4.1,120\n"
                      "Benefits Administration,Benefits Call Center,trust,FY2026-Q9,high,-3\n", encoding="utf-8")
    analyst = browsers("analyst@demo.cx.gov")
    analyst.open("/imports/upload")
    violations = analyst.axe()
    assert not violations, f"/imports/upload:\n{describe(violations)}"
    analyst.driver.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(upload))
    analyst.driver.find_element(By.CSS_SELECTOR, "#upload-form [type=submit]").click()
    WebDriverWait(analyst.driver, 120, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: d.find_element(By.ID, "batch-status").text == "rejected")
    assert "FY2026-Q9" in analyst.driver.find_element(By.TAG_NAME, "main").text
    violations = analyst.axe()
    assert not violations, f"{analyst.driver.current_url} (a refused import):\n{describe(violations)}"


def test_an_import_says_what_it_did_where_the_focus_lands(browsers, tmp_path):
    """An upload, its confirm and a revert run in the background: the batch's page shows the work under way,
    then reloads with what happened (refused rows, the preview, the rows written, the revert done or refused).
    The focus stayed at the page's top and nothing was read out; it lands on what the page says. The same
    page merely opened keeps the focus at its top."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    analyst = browsers("analyst@demo.cx.gov")
    driver = analyst.driver

    def landed(status: str) -> tuple:
        WebDriverWait(driver, 120, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda d: d.find_element(By.ID, "batch-status").text == status
            and d.execute_script("return document.readyState") == "complete")
        return tuple(driver.execute_script("const e = document.activeElement; return [e.id, e.textContent.trim()]"))

    def upload(name: str, text: str) -> None:
        (tmp_path / name).write_text("component,program,metric,period,value,n\n" + text, encoding="utf-8")
        analyst.open("/imports/upload")
        driver.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(tmp_path / name))
        driver.find_element(By.CSS_SELECTOR, "#upload-form [type=submit]").click()

    upload("refused.csv", "Benefits Administration,Benefits Call Center,trust,FY2026-Q4,high,120\n")
    focused, words = landed("rejected")
    assert focused == "batch-message" and "1 row has problems; nothing was imported. Fix it" in words, (
        focused, words)
    refused_batch = driver.current_url.replace(analyst.server, "")
    analyst.open(refused_batch)
    assert driver.execute_script("return document.activeElement === document.body"), "a page merely opened"

    upload("accepted.csv", "Benefits Administration,Benefits Call Center,trust,FY2026-Q4,4.05,99\n")
    focused, words = landed("previewed")
    assert focused == "batch-message" and "would be" in words, (focused, words)
    driver.find_element(By.CSS_SELECTOR, "form[action$='/confirm'] [type=submit]").click()
    focused, words = landed("committed")
    assert focused == "batch-message" and "1 row was inserted" in words, (focused, words)
    batch = driver.current_url.replace(analyst.server, "")
    analyst.open(batch + "/revert")
    driver.find_element(By.CSS_SELECTOR, "main form [type=submit]").click()
    focused, words = landed("reverted")
    assert focused == "revert-outcome" and "reverted" in words, (focused, words)
    for width in (1280, 320):  # the time after what the revert did read 4.06:1 on the alert's green
        with window_size(driver, width, 900):
            violations = analyst.axe()
            assert not violations, f"{batch} (reverted, at {width} px):\n{describe(violations)}"


# ------------------------------------------------------------------------------ by keyboard

def test_a_keyboard_user_filters_the_heatmap_and_the_link_keeps_the_view(browsers):
    """Tab to a filter, open it, choose with the arrows: the query string follows; the link
    reopens the same view; the back button returns to the one before."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    browser = browsers("executive@demo.cx.gov")
    driver = browser.driver
    browser.open("/dashboards/heatmap")
    before = driver.current_url

    def shown(control: str) -> str:
        return driver.execute_script(f"return document.getElementById('{control}').textContent")

    assert shown("heatmap-sort") == "Worst first"
    driver.execute_script("document.getElementById('heatmap-life-experience').focus()")
    ActionChains(driver).send_keys(Keys.TAB).perform()
    focused = driver.execute_script("return document.activeElement.id")
    assert focused == "heatmap-sort", "the next tab stop is the filter"
    name = driver.execute_script("""const b = document.getElementById('heatmap-sort');
        return b.getAttribute('aria-labelledby').split(' ').map(id => document.getElementById(id))
                .filter(Boolean).map(e => e.textContent).join(', ')""")
    assert name == "Order, Worst first", "the filter is named by its label and value"
    missing = driver.execute_script("""return Array.from(document.querySelectorAll('button.dash-dropdown'))
        .flatMap(b => (b.getAttribute('aria-labelledby') || '').split(/\\s+/)
                      .filter(id => id && !document.getElementById(id)))""")
    assert missing == [], "every name a filter is labelled by is on the page (Dash names a count not drawn)"
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    # The list opens with the focus on the chosen option; the arrow moves it down the list (each step waited
    # for: on a loaded machine a key pressed before the list has drawn is lost), Enter chooses.
    focused = "const o = document.activeElement && document.activeElement.closest('.dash-options-list-option'); " \
              "return o ? o.textContent : null"
    browser.wait(lambda d: d.execute_script(focused), timeout=30)
    time.sleep(0.2)  # the list's names are set on the next frame (assets/scorecard.js)
    violations = browser.axe()
    assert not violations, f"the open list:\n{describe(violations)}"
    group = driver.execute_script("""const g = document.activeElement.closest('[role=radiogroup]');
        return g && document.getElementById(g.getAttribute('aria-labelledby')).textContent""")
    assert group == "Order", "the open list is a group of radio buttons named by the filter's label"
    for _ in range(10):  # a key the browser drops under load is pressed again
        if driver.execute_script(focused) == "Component and program name":
            break
        was = driver.execute_script(focused)
        ActionChains(driver).send_keys(Keys.ARROW_DOWN).perform()
        with contextlib.suppress(TimeoutException):
            browser.wait(lambda d, was=was: d.execute_script(focused) != was, timeout=3)
    assert driver.execute_script(focused) == "Component and program name", "the arrows move down the choices"
    for _ in range(5):
        if driver.execute_script(focused) == "Component and program name":
            ActionChains(driver).send_keys(Keys.ENTER).perform()
        with contextlib.suppress(TimeoutException):
            browser.wait(lambda d: "sort=name" in d.current_url, timeout=10)
            break
    assert "sort=name" in driver.current_url, "Enter chooses, and the address follows"
    browser.settle()
    assert shown("heatmap-sort") == "Component and program name"
    link = driver.current_url
    assert "period=FY" in link

    browser.open(link.replace(browser.server, ""))
    assert shown("heatmap-sort") == "Component and program name", "the copied link reproduces the view"
    first_row = "return (document.querySelector('#heatmap-table th[scope=row]') || {}).textContent"
    assert driver.execute_script(first_row) is None, "the table is drawn when its panel is opened"
    driver.execute_script("document.querySelector('#heatmap-table-panel summary').focus()")
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    browser.wait(lambda d: d.execute_script(first_row))
    first = driver.execute_script(first_row)
    driver.back()
    browser.wait(lambda d: d.current_url == before)
    browser.settle()
    assert shown("heatmap-sort") == "Worst first", "back returns to the view before"
    driver.execute_script("document.querySelector('#heatmap-table-panel summary').focus()")
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    browser.wait(lambda d: d.execute_script(first_row))
    assert driver.execute_script(first_row) != first


@pytest.mark.parametrize("control", ["heatmap-agency", "heatmap-period", "heatmap-sort"])
def test_space_opens_a_filter_as_enter_does(browsers, control):
    """Space presses a button. On a filter that can be searched (the quarter, the agency...) it opened the
    list and closed it again at once: a keyboard user pressing Space met nothing."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    browser = browsers("executive@demo.cx.gov")
    driver = browser.driver
    browser.open("/dashboards/heatmap")
    address = driver.current_url
    driver.execute_script(f"document.getElementById('{control}').focus()")
    ActionChains(driver).send_keys(Keys.SPACE).perform()
    in_list = "return !!(document.activeElement && document.activeElement.closest('.dash-options-list-option'))"
    with contextlib.suppress(TimeoutException):
        browser.wait(lambda d: d.execute_script(in_list), timeout=10)
    assert driver.execute_script(f"return document.getElementById('{control}').getAttribute('aria-expanded')") \
        == "true", "the list is open"
    assert driver.execute_script(in_list), "the focus is on its choices"
    ActionChains(driver).send_keys(Keys.ESCAPE).perform()
    browser.wait(lambda d: d.execute_script("return document.activeElement.id") == control)
    assert driver.current_url == address, "nothing chosen"


@pytest.mark.parametrize("path, control", [("/dashboards/heatmap", "heatmap-period"),
                                           ("/dashboards/program?id=1", "program-id")])
def test_at_400_percent_zoom_an_open_filter_list_stays_on_the_screen(browsers, path, control):
    """At 400% zoom (320 by 256 px) a filter's list opened 50 px above the screen or ran below it: its search box
    and the option under the keyboard out of sight, where a list fixed in place cannot be scrolled to (WCAG 1.4.10,
    2.4.7). It is no taller than the room its side of the filter has."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    browser = browsers("executive@demo.cx.gov")
    driver = browser.driver
    with served.at_width(driver, 320, 256):
        browser.open(path)
        driver.execute_script(f"document.getElementById('{control}').scrollIntoView({{block: 'center'}});"
                              f"document.getElementById('{control}').focus()")
        ActionChains(driver).send_keys(Keys.ENTER).perform()
        browser.wait(lambda d: d.execute_script(
            "return !!(document.activeElement && document.activeElement.closest('.dash-dropdown-content'))"))
        for _ in range(4):
            ActionChains(driver).send_keys(Keys.ARROW_DOWN).perform()
        time.sleep(0.3)
        seen = driver.execute_script("""
            const box = e => e.getBoundingClientRect();
            const list = box(document.querySelector('.dash-dropdown-content'));
            const search = document.querySelector('.dash-dropdown-content .dash-dropdown-search');
            const option = document.activeElement.closest('.dash-dropdown-option') || document.activeElement;
            return {list: [list.top, list.bottom], search: search && [box(search).top, box(search).bottom],
                    option: [box(option).top, box(option).bottom], screen: innerHeight};""")
        ActionChains(driver).send_keys(Keys.ESCAPE).perform()
    assert seen["list"][0] >= 0 and seen["list"][1] <= seen["screen"] + 1, seen
    assert seen["search"] is None or seen["search"][0] >= 0, seen
    assert seen["option"][0] >= 0 and seen["option"][1] <= seen["screen"] + 1, seen


def test_the_quarter_and_agency_chosen_go_with_the_dashboards_navigation(browsers):
    """A meeting held on a past quarter: the tabs open on it (and on the agency chosen), through a page that has
    no quarter; a page showing the latest forgets it. The links say so before they are used."""
    from selenium.webdriver.common.by import By

    browser = browsers("executive@demo.cx.gov")
    driver = browser.driver
    browser.open("/dashboards/")
    browser.wait(lambda d: re.search(r"What changed since (FY\d{4}-Q\d)", d.find_element(By.ID, "main-content").text))
    earlier = re.search(r"What changed since (FY\d{4}-Q\d)", driver.find_element(By.ID, "main-content").text).group(1)

    def tab(name):
        driver.find_element(By.CSS_SELECTOR, "#dash-subnav").find_element(By.LINK_TEXT, name).click()

    def hrefs():
        return dict(driver.execute_script("return Array.from(document.querySelectorAll('#dash-subnav a'), "
                                          "a => [a.textContent, a.getAttribute('href')])"))

    browser.open(f"/dashboards/?period={earlier}&agency=1")
    driver.execute_script("window.notReloaded = true")
    tab("Heatmap")
    browser.wait(lambda d: "/dashboards/heatmap" in d.current_url and earlier in d.find_element(
        By.ID, "heatmap-summary").text)
    assert driver.current_url.endswith(f"/dashboards/heatmap?period={earlier}&agency=1")
    tab("Leaders")
    browser.wait(lambda d: "/dashboards/leaders" in d.current_url)
    assert driver.current_url.endswith("/dashboards/leaders?agency=1"), "no quarter there: the agency alone"
    tab("A-11 compliance")
    browser.wait(lambda d: "/dashboards/compliance" in d.current_url)
    assert driver.current_url.endswith(f"/dashboards/compliance?through={earlier}&agency=1"), "its own names"
    assert driver.execute_script("return window.notReloaded === true"), "no reload: the app's own navigation"
    assert hrefs()["Overview"] == f"/dashboards/?period={earlier}&agency=1", "a copied link carries them too"
    # A program's page is no tab but has a quarter: opened on its own latest (from a plan, say), the tabs open
    # on the quarter it shows, not on the one chosen before it; opened on a quarter, they carry that one.
    browser.open("/dashboards/program?id=1")
    driver.find_element(By.CSS_SELECTOR, "#dash-subnav a").click()
    browser.wait(lambda d: hrefs()["Heatmap"] == "/dashboards/heatmap?agency=1")
    browser.open(f"/dashboards/program?id=1&period={earlier}")
    driver.find_element(By.CSS_SELECTOR, "#dash-subnav a").click()
    browser.wait(lambda d: hrefs()["Heatmap"] == f"/dashboards/heatmap?period={earlier}&agency=1")
    browser.open("/dashboards/")  # the latest quarter, every agency: nothing chosen to carry
    driver.find_element(By.CSS_SELECTOR, "#dash-subnav a").click()  # (the overview again: links said afresh)
    browser.wait(lambda d: hrefs()["Heatmap"] == "/dashboards/heatmap")
    # A right click on a tab ("Copy link address") reads its address with the quarter in it.
    browser.open(f"/dashboards/?period={earlier}")
    browser.wait(lambda d: earlier in d.find_element(By.ID, "main-content").text)
    driver.execute_script("document.querySelector('#dash-subnav a[data-path=\"/dashboards/heatmap\"]')"
                          ".dispatchEvent(new MouseEvent('contextmenu', {bubbles: true}))")
    assert hrefs()["Heatmap"] == f"/dashboards/heatmap?period={earlier}"
    # A value the address gave that its page refused is said there, not handed on to every tab.
    browser.open("/dashboards/heatmap?period=garbage&agency=999x")
    driver.find_element(By.CSS_SELECTOR, "#dash-subnav a").click()
    browser.wait(lambda d: "/dashboards/" in d.current_url and "heatmap" not in d.current_url)
    assert "?" not in driver.current_url and hrefs()["A-11 compliance"] == "/dashboards/compliance"


def test_focus_moves_to_the_heading_after_navigating_between_dashboards(browsers):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser = browsers("executive@demo.cx.gov")
    driver = browser.driver
    browser.open("/dashboards/")
    assert driver.execute_script("return document.activeElement.tagName") == "BODY", "a new page starts at the top"
    header = "return document.querySelector('.usa-nav a.usa-current').getAttribute('aria-current')"
    browser.wait(lambda d: d.execute_script(header) == "page")  # the Overview is the Dashboards item's own page
    assert driver.find_element(By.CSS_SELECTOR, "a.usa-skipnav").get_attribute("href").endswith("#main-content")
    driver.execute_script("document.querySelector('a.usa-skipnav').focus()")
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    browser.wait(lambda d: d.execute_script("return document.activeElement.id") == "main-content")  # skipped
    driver.find_element(By.CSS_SELECTOR, "#dash-subnav").find_element(By.LINK_TEXT, "Heatmap").click()
    browser.wait(lambda d: d.execute_script("return document.activeElement.tagName") == "H1")
    assert driver.execute_script("return document.activeElement.textContent") == "Programs × A-11 drivers"
    browser.wait(lambda d: d.title == "Heatmap · CX Scorecard")  # Dash says "Updating..." while it draws
    current = driver.execute_script(
        "return Array.from(document.querySelectorAll('#dash-subnav a'), "
        "a => [a.textContent, a.getAttribute('aria-current')])")
    assert [name for name, mark in current if mark == "page"] == ["Heatmap"], current
    assert driver.execute_script(header) == "true", "the Heatmap is below the Dashboards item"
    # A link in a table's HTML opens its page as the navigation does: no reload, the focus on its heading.
    browser.open("/dashboards/compliance")
    driver.execute_script("window.notReloaded = true")
    link = driver.find_element(By.CSS_SELECTOR, "#compliance-grid table a[href*='/dashboards/program']")
    program = link.text
    link.click()
    browser.wait(lambda d: "/dashboards/program" in d.current_url and
                 d.execute_script("return document.activeElement.tagName") == "H1")
    assert driver.execute_script("return window.notReloaded === true"), "the app was not loaded again"
    assert program in driver.execute_script("return document.activeElement.textContent")
    browser.wait(lambda d: d.title == f"{program} · CX Scorecard")  # the tab names the program, not "Program"
    # A C-suite function's page fills its heading in after the page focused it: the focus stayed on a removed
    # h1, that is on the page's body.
    browser.open("/dashboards/functions")
    link = driver.find_element(By.CSS_SELECTOR, "#main-content table a[href*='/dashboards/function?']")
    link.click()
    browser.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "#function-summary:not(:empty)"))  # the callback answered
    assert driver.execute_script("return document.activeElement.id") == "function-title"
    assert driver.title == driver.find_element(By.ID, "function-title").text + " · CX Scorecard"


def test_a_refused_form_moves_the_focus_to_what_it_says(browsers, tmp_path):
    """A keyboard or screen-reader user learns why nothing was saved where the focus lands: the summary of the
    form's problems (new user, API token, a refused decision; the first field in error heard one problem of
    four), the error a sign-in flashes. The focus stayed on the page's top."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def focused(browser) -> tuple:
        return browser.driver.execute_script(
            "const e = document.activeElement; return [e.tagName.toLowerCase(), e.id, e.className];")

    def submit(browser, selector: str) -> None:
        browser.driver.execute_script(f"document.querySelector({selector!r}).requestSubmit()")
        browser.wait(lambda d: d.execute_script("return document.readyState") == "complete"
                     and d.find_elements(By.CSS_SELECTOR, ".usa-error-message, .usa-alert--error"))

    admin = browsers("admin@demo.cx.gov")
    admin.open("/admin/users/new")
    submit(admin, "main form")  # every field empty
    assert focused(admin)[:2] == ["div", "form-problems"], focused(admin)
    said = admin.driver.find_element(By.ID, "form-problems").text
    assert all(name in said for name in ("Email address", "Role", "Password")), said
    admin.open("/api-tokens/")
    admin.driver.execute_script("document.querySelector('main form input[name=name]').value = 'x'.repeat(200)")
    submit(admin, "main form")
    assert focused(admin)[1] == "form-problems" and "Name" in admin.driver.find_element(By.ID, "form-problems").text

    executive = browsers("executive@demo.cx.gov")
    executive.open("/plans/")
    executive.open(executive.links(r"/plans/\d+$")[0])
    executive.driver.execute_script("""
        const form = document.querySelectorAll('form[action*="/decision"]')[1];
        form.querySelector('[name=rating]').value = '5'; form.querySelector('[name=justification]').value = '';
        form.requestSubmit();""")
    executive.wait(lambda d: d.find_elements(By.ID, "form-problems"))
    assert focused(executive)[1] == "form-problems"

    driver = served.chrome(tmp_path, page_load_timeout=180)  # no one signed in
    try:
        driver.get(admin.server + "/auth/login")
        driver.find_element(By.NAME, "email").send_keys("admin@demo.cx.gov")
        driver.find_element(By.NAME, "password").send_keys("not the password")
        driver.find_element(By.CSS_SELECTOR, "form.usa-form [type=submit]").click()
        WebDriverWait(driver, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".usa-alert--error"))
        assert "usa-alert--error" in driver.execute_script("return document.activeElement.className")
    finally:
        driver.quit()


def test_an_error_summarys_link_shows_the_fields_label_and_its_message(browsers):
    """Following a link of a refused form's summary focuses its field with what names it in sight: as an anchor,
    the field went to the screen's top edge, its label and error message above it, out of sight (WCAG 3.3.1).
    A capacity score shows its domain's legend; the Menu button's ring is told from the button by a white band."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    def follow(browser) -> dict:
        browser.driver.find_element(By.CSS_SELECTOR, ".usa-alert--error a[href^='#']").click()
        return browser.driver.execute_script("""
            const field = document.activeElement, fieldset = field.closest('fieldset');
            const top = e => e ? Math.round(e.getBoundingClientRect().top) : null;
            return {field: field.id, label: top(document.querySelector(`label[for="${field.id}"]`)),
                    error: top(document.getElementById(field.id + '-error')), top: top(field),
                    legend: top(fieldset && fieldset.querySelector('legend')), height: innerHeight};""")

    officer = browsers("cfo.officer@demo.cx.gov")
    with window_size(officer.driver, 1280, 520):
        officer.open("/commitments/")
        officer.open(officer.links(r"/commitments/\d+$")[0] + "/edit")
        Select(officer.driver.find_element(By.NAME, "status")).select_by_value("at_risk")
        officer.driver.execute_script("document.querySelector('[name=reason]').value = ''; "
                                      "document.querySelector('main form').requestSubmit()")
        officer.wait(lambda d: d.find_elements(By.ID, "form-problems"))
        seen = follow(officer)
        assert seen["field"] == "reason" and 0 <= seen["label"] < seen["error"] < seen["top"] < seen["height"], seen
        # A group of checkboxes (a program that is no longer there, from a form kept open): its fieldset takes
        # no focus, and the focus was left on the page; its first box takes it, under the group's legend
        officer.driver.execute_script(
            "const box = document.querySelector('#program_ids input[type=checkbox]'); box.value = '999999'; "
            "box.checked = true; document.querySelector('main form').requestSubmit()")
        officer.wait(lambda d: d.find_elements(By.CSS_SELECTOR, ".usa-alert--error a[href='#program_ids']"))
        officer.driver.find_element(By.CSS_SELECTOR, ".usa-alert--error a[href='#program_ids']").click()
        seen = officer.driver.execute_script("""
            const field = document.activeElement, legend = document.querySelector('#program_ids legend');
            return {type: field.type, group: !!field.closest('#program_ids'), top: field.getBoundingClientRect().top,
                    legend: legend.getBoundingClientRect().top, height: innerHeight};""")
        assert (seen["type"], seen["group"]) == ("checkbox", True), seen
        assert 0 <= seen["legend"] < seen["top"] < seen["height"], seen

    analyst = browsers("analyst@demo.cx.gov")
    with window_size(analyst.driver, 1280, 520):
        analyst.open("/capacity/")
        analyst.open(analyst.links(r"/capacity/\d+/\d+$")[0] + "/edit")
        analyst.driver.execute_script("const score = document.getElementById('score_2'); score.value = '99'; "
                                      "score.form.querySelector('button[type=submit]').click()")
        analyst.wait(lambda d: d.find_elements(By.CSS_SELECTOR, ".usa-alert--error a[href='#score_2']"))
        seen = follow(analyst)
        assert seen["field"] == "score_2" and 0 <= seen["legend"] < seen["label"] < seen["top"] < seen["height"], seen

    with window_size(analyst.driver, 500, 700), served.at_width(analyst.driver, 320, 700):
        analyst.open("/capacity/")
        band = analyst.driver.execute_script(
            "const menu = document.querySelector('.usa-menu-btn'); menu.focus(); "
            "return getComputedStyle(menu).boxShadow;")
    assert "255, 255, 255" in band and "inset" in band, band


@contextlib.contextmanager
def window_size(driver, width: int, height: int):
    """The shared browser at a narrow size for the block, then as it was (the next test's pages at theirs)."""
    size = driver.get_window_size()
    driver.set_window_size(width, height)
    try:
        yield
    finally:
        driver.set_window_size(size["width"], size["height"])


@pytest.mark.parametrize("path", ["/commitments/", "/dashboards/"])
def test_on_a_phone_the_navigation_opens_from_the_menu_button(browsers, path):
    """USWDS hides the primary navigation on a narrow screen (a phone, a desktop at 200% zoom) behind a Menu
    button the header did not have: every link, even Sign out, was out of reach."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser = browsers("executive@demo.cx.gov")
    driver = browser.driver
    with window_size(driver, 390, 844):
        browser.open(path)
        links = lambda: [a.text for a in driver.find_elements(By.CSS_SELECTOR, ".usa-nav a") if a.is_displayed()]  # noqa: E731
        assert links() == [], "hidden until asked for"
        menu = driver.find_element(By.CSS_SELECTOR, ".usa-menu-btn")
        assert menu.is_displayed()
        menu.click()
        browser.wait(lambda d: links())
        assert {"Home", "Dashboards", "Commitments", "Plans"} <= set(links())
        assert "usa-nav__close" in driver.switch_to.active_element.get_attribute("class")
        assert not browser.axe(), "the menu open"
        stops = len([e for e in driver.find_elements(By.CSS_SELECTOR, ".usa-nav a[href], .usa-nav button")
                     if e.is_displayed()])
        for _ in range(stops):  # once round the menu: the Tab key stays in it, back to its close button
            driver.switch_to.active_element.send_keys(Keys.TAB)
            assert driver.execute_script("return document.querySelector('.usa-nav').contains(document.activeElement)")
        assert "usa-nav__close" in driver.switch_to.active_element.get_attribute("class"), "round to the close button"
        driver.switch_to.active_element.send_keys(Keys.ESCAPE)
        browser.wait(lambda d: not links())
        assert "usa-menu-btn" in driver.switch_to.active_element.get_attribute("class"), "the focus back on Menu"
        menu.click()
        browser.wait(lambda d: links())
        driver.set_window_size(1280, 900)  # the phone turned, or a zoom undone: the full navigation shows
        browser.wait(lambda d: not d.execute_script(
            "return document.body.classList.contains('usa-js-mobile-nav--active')"))


@pytest.mark.parametrize("path", ["/rules/", "/commitments/1", "/findings/1", "/commitments/"])
def test_at_a_narrow_width_a_wide_table_scrolls_in_its_own_region_not_the_page(browsers, path):
    """At a phone's width or 200% zoom one wide table (and a finding's inputs as JSON) widened the whole page:
    the header, the text and the forms scrolled sideways with it. The commitments' table, stacked on a phone,
    is a table like any other above 480 px, and did so there (at 200% zoom on a 1,280-pixel screen)."""
    from selenium.webdriver.common.by import By

    browser = browsers("executive@demo.cx.gov")
    driver = browser.driver
    with window_size(driver, 500, 900):
        browser.open(path)
        width = driver.execute_script("return [document.documentElement.scrollWidth, "
                                      "document.documentElement.clientWidth]")
        assert width[0] <= width[1], f"the page scrolls sideways: {width}"
        regions = driver.find_elements(By.CSS_SELECTOR, "main .scorecard-table-scroll")
        assert regions, "the wide table is in a region of its own"
        for region in regions:
            assert region.get_attribute("tabindex") == "0" and region.get_attribute("role") == "region"
            assert region.get_attribute("aria-label") not in ("", "Table"), "named by what labels the table"
            assert driver.execute_script("return arguments[0].scrollWidth > arguments[0].clientWidth", region)
        assert not browser.axe()


@pytest.mark.parametrize("path", ["/rules/", "/dashboards/compliance"])
def test_at_a_narrow_width_a_wide_tables_caption_reads_without_scrolling_sideways(browsers, path):
    """A caption was as wide as its table (1,600 px on a phone, in a region 240 px wide): reading it meant
    scrolling sideways along it. It wraps within the region's view and stays there while the table scrolls."""
    browser = browsers("executive@demo.cx.gov")
    driver = browser.driver
    with window_size(driver, 360, 900):
        browser.open(path)
        browser.wait(lambda d: d.execute_script(
            "return document.querySelector('main .dash-table-wrap caption, main .scorecard-table-scroll caption')"))
        outside = driver.execute_script("""
            return [...document.querySelectorAll('main .dash-table-wrap, main .scorecard-table-scroll')]
              .filter(region => region.scrollWidth > region.clientWidth && region.querySelector('caption'))
              .map(region => { region.scrollLeft = region.scrollWidth;
                               const box = region.getBoundingClientRect(), caption = region.querySelector('caption')
                                 .getBoundingClientRect();
                               return [caption.left - box.left, box.right - caption.right]; });""")
        assert outside, "a table wider than its region"
        assert all(left >= -1 and right >= -1 for left, right in outside), outside


@pytest.mark.parametrize("path", ["/dashboards/leaders", "/dashboards/life-experiences", "/dashboards/compliance"])
def test_at_a_narrow_width_a_chart_keeps_its_width_and_scrolls_in_its_own_named_region(browsers, path):
    """At a phone's width Plotly drew each chart as narrow as the screen and cut off what did not fit: titles,
    axis titles, the life experiences' names. A chart keeps the width its words need in a region of its own
    that scrolls sideways, named for assistive technology (the drawing has no name of its own)."""
    from selenium.webdriver.common.by import By

    browser = browsers("executive@demo.cx.gov")
    driver = browser.driver
    with window_size(driver, 500, 900):
        browser.open(path)
        browser.wait(lambda d: d.find_elements(By.CSS_SELECTOR, ".dash-chart-scroll .main-svg"))
        width = driver.execute_script("return [document.documentElement.scrollWidth, "
                                      "document.documentElement.clientWidth]")
        assert width[0] <= width[1], f"the page scrolls sideways: {width}"
        for region in driver.find_elements(By.CSS_SELECTOR, ".dash-chart-scroll"):
            assert region.get_attribute("role") == "region" and region.get_attribute("tabindex") == "0"
            assert region.get_attribute("aria-label").startswith("Chart: ")
            drawn = driver.execute_script("return arguments[0].querySelector('.main-svg').getBoundingClientRect()"
                                          ".width", region)
            assert drawn >= 560, f"drawn {drawn} px wide: squeezed"
            assert driver.execute_script("return arguments[0].scrollWidth > arguments[0].clientWidth", region)


def test_at_a_narrow_width_the_capacity_cells_words_stay_in_their_cells(browsers):
    """At a phone's width a capacity cell is a fifth of the screen: its change and evidence score ("no change",
    "evidence: no score") ran into the next cells. There each cell keeps its score; the table holds the rest."""
    browser = browsers("executive@demo.cx.gov")
    driver = browser.driver
    overlapping = """
        const boxes = Array.from(document.querySelectorAll('#capacity-graph .heatmap-label text'))
          .map(t => t.getBoundingClientRect());
        let overlaps = 0;
        for (const a of boxes) for (const b of boxes)
          if (a !== b && a.left < b.left && a.right > b.left + 1 && a.top < b.bottom && b.top < a.bottom) overlaps++;
        return [boxes.length, overlaps];"""
    with window_size(driver, 500, 900):
        browser.open("/dashboards/capacity")
        browser.wait(lambda d: d.execute_script(overlapping)[0] > 0)
        cells, overlaps = driver.execute_script(overlapping)
        assert overlaps == 0, f"{overlaps} of {cells} cells' words run into another's"
        assert all(t.text.strip() for t in driver.find_elements("css selector", "#capacity-graph .heatmap-label text"))


FOCUS_RING_CONTRAST = """
const element = arguments[0];
function rgb(text) { return (text.match(/[\\d.]+/g) || []).slice(0, 3).map(Number); }
function luminance([r, g, b]) {
  const lin = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}
let behind = element, background = 'rgba(0, 0, 0, 0)';
while (behind && /rgba\\(.*, 0\\)|transparent/.test(background)) {
  background = getComputedStyle(behind).backgroundColor; behind = behind.parentElement;
}
const ring = getComputedStyle(element);
const [a, b] = [luminance(rgb(ring.outlineColor)), luminance(rgb(background))];
return [ring.outlineStyle, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05), ring.outlineColor, background];
"""


def test_the_focus_ring_stands_out_from_a_tinted_row_and_the_error_summary(browsers):
    """WCAG 1.4.11: USWDS's light blue ring read 2.4:1 on a table's row header (#dfe1e2) and 2.6:1 on the error
    summary (#f4e3db); it needs 3:1 against what is behind it."""
    from selenium.webdriver.common.by import By

    browser = browsers("admin@demo.cx.gov")
    driver = browser.driver
    for path, selector in (("/commitments/", "tbody th a"), ("/admin/users", "tbody th a"),
                           ("/plans/", "tbody a"), ("/commitments/new", None)):
        browser.open(path)
        if selector is None:  # the form sent empty: its error summary's first link
            driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
            browser.wait(lambda d: d.find_elements(By.CSS_SELECTOR, ".usa-alert--error a, .usa-error-summary a"))
            selector = ".usa-alert--error a, .usa-error-summary a"
        link = driver.find_element(By.CSS_SELECTOR, selector)
        driver.execute_script("arguments[0].focus()", link)
        style, ratio, ring, behind = driver.execute_script(FOCUS_RING_CONTRAST, link)
        assert style == "solid" and ratio >= 3, (path, selector, ring, behind, round(ratio, 2))


def test_in_forced_colours_the_current_tab_and_every_status_shape_stay_seen(browsers):
    """Windows High Contrast draws the page in the system's colours: every dashboard tab's transparent border
    was drawn in the text colour (all seven read as the current one), and a status badge's shape, a mask over a
    background colour forced colours replaces, vanished."""
    browser = browsers("viewer@demo.cx.gov")
    driver = browser.driver
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "forced-colors", "value": "active"}]})
    try:
        assert driver.execute_script("return matchMedia('(forced-colors: active)').matches")
        browser.open("/dashboards/")
        current, others, icons = driver.execute_script("""
            const border = e => getComputedStyle(e).borderBottomColor;
            const current = document.querySelector('.dash-subnav__link--current');
            const others = [...document.querySelectorAll('.dash-subnav__link:not(.dash-subnav__link--current)')];
            const icons = [...document.querySelectorAll('.status-icon')].map(e => {
                const s = getComputedStyle(e); return [s.forcedColorAdjust, s.backgroundColor]; });
            return [border(current), others.map(border), icons];""")
        assert others and current not in others, (current, others)
        background = driver.execute_script("return getComputedStyle(document.body).backgroundColor")
        assert icons and all(adjust == "none" and colour != background for adjust, colour in icons), icons
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})


@pytest.mark.parametrize("path, panel", [("/dashboards/function?code=CFO", "function-metrics-table"),
                                         ("/dashboards/compliance", "compliance-grid"),
                                         ("/dashboards/life-experiences", "life-programs-table")])
def test_a_download_pressed_from_the_keyboard_keeps_the_focus_on_its_button(browsers, path, panel):
    """A table panel inside the page's spinner was hidden whole while its file was written: the focus fell from
    the button pressed to the page's start, and no ring showed anywhere."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser = browsers("executive@demo.cx.gov")
    driver = browser.driver
    browser.open(path)
    button = driver.find_element(By.ID, f"{panel}-csv")
    if not button.is_displayed():
        driver.find_element(By.ID, f"{panel}-toggle").click()
    driver.execute_script("""
        window.downloadsAnswered = 0;
        const fetched = window.fetch;
        window.fetch = (...asked) => fetched(...asked).then(r => {
            if (String(asked[1] && asked[1].body).includes(arguments[0])) window.downloadsAnswered += 1;
            return r; });
        arguments[1].focus();""", f"{panel}-download", button)
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    browser.wait(lambda d: d.execute_script("return window.downloadsAnswered") > 0, timeout=60)
    browser.settle()
    assert driver.execute_script("return document.activeElement.id") == f"{panel}-csv"
    assert button.is_displayed()
