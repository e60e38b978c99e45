"""A real browser against a real server: sign in as the executive, see the heatmap drawn."""
import pytest

from scorecard.demo import DEMO_PASSWORD
from tests import served

pytestmark = [pytest.mark.browser, pytest.mark.own_sqlite_server]
served.require_browser(module=True)


@pytest.fixture(scope="module")
def server(served_demo_database, tmp_path_factory):
    """The app as production runs it: migrations, demo data, gunicorn on a local port."""
    database = served.copy_database(served_demo_database, tmp_path_factory.mktemp("served"))
    with served.gunicorn(served.server_env(database, "browser-test")) as base:
        yield base


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = served.chrome(tmp_path_factory.mktemp("chrome"), page_load_timeout=60)
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
    # the drivers by name: the quarter's column (v2 asks trust alone) and those not asked, in the title
    for driver_name in ("Trust /", "satisfaction", "employee helpfulness"):
        assert driver_name in graph_text, graph_text[-400:]
    assert "A-11 drivers by program" in graph_text
    browser.save_screenshot(str(tmp_path / "heatmap.png"))
    # The y-axis's margin is set from the names (not measured by Plotly): every name lies within the chart
    ends = browser.execute_script("""
        const chart = document.querySelector('#heatmap-graph .main-svg').getBoundingClientRect();
        return [...document.querySelectorAll('#heatmap-graph .ytick text')].map(t => {
            const box = t.getBoundingClientRect(); return [t.textContent, box.left - chart.left, box.width]; });""")
    assert len(ends) > 5 and all(left >= 0 and width > 0 for _, left, width in ends), ends
    # The chart's tool bar, reached by the keyboard, shows its focus as every control does, and its icons
    # are dark enough for a control (3:1 on white; Plotly draws them in 30% grey).
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    button = browser.find_element(By.CSS_SELECTOR, "#heatmap-graph .modebar-btn")
    browser.execute_script("arguments[0].focus()", button)
    ActionChains(browser).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).send_keys(Keys.TAB).perform()
    shown = browser.execute_script(
        "var e = document.activeElement, s = getComputedStyle(e);"
        "return [e.classList.contains('modebar-btn'), s.outlineStyle, s.outlineWidth,"
        "        getComputedStyle(e.closest('.modebar-group')).opacity,"
        "        getComputedStyle(e.querySelector('path')).fill]")
    assert shown[:4] == [True, "solid", "4px", "1"], shown
    red, green, blue = (int(part) for part in shown[4][4:-1].split(","))
    assert max(red, green, blue) <= 0x76, shown  # #767676 and darker: 4.5:1 or more on white


def sign_in(browser, server, email):
    from selenium.webdriver.common.by import By

    browser.delete_all_cookies()
    browser.get(server + "/auth/login")
    browser.find_element(By.NAME, "email").send_keys(email)
    browser.find_element(By.NAME, "password").send_keys(DEMO_PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form.usa-form [type=submit]").click()


def test_analyst_uploads_previews_and_confirms_a_workbook(server, browser, tmp_path):
    """The upload page's file picker, the background preview with its progress, confirm."""
    from openpyxl import Workbook
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    book = Workbook()
    book.active.append(["Quarterly CX report, Benefits Administration"])
    book.active.append(["component", "program", "metric", "period", "channel", "touchpoint", "n", "count_1",
                        "count_2", "count_3", "count_4", "count_5"])
    for quarter in range(1, 5):  # a new survey beside the demo's, in quarters the demo has
        book.active.append(["Benefits Administration", "Benefits Call Center", "trust", f"FY2026-Q{quarter}",
                            "phone", "Callback survey", 100, 5, 5, 10, 40, 40])
    path = tmp_path / "browser-upload.xlsx"
    book.save(path)

    sign_in(browser, server, "analyst@demo.cx.gov")
    # The page reloads itself when the background job settles: an element may go stale mid-read.
    wait = WebDriverWait(browser, 60, ignored_exceptions=(StaleElementReferenceException,))
    wait.until(ec.url_to_be(server + "/"))
    browser.get(server + "/imports/upload")
    # Sent with no file: one summary of the problem takes the focus, and the field says it too.
    browser.find_element(By.CSS_SELECTOR, "#upload-form [type=submit]").click()
    wait.until(lambda d: d.switch_to.active_element.get_attribute("id") == "form-problems")
    assert "Choose a spreadsheet to upload." in browser.find_element(By.ID, "form-problems").text
    picker = browser.find_element(By.CSS_SELECTOR, "input[type=file]")
    assert picker.get_attribute("aria-describedby") == "file-hint file-error"
    label = browser.find_element(By.CSS_SELECTOR, "label[for=file]").text
    # Its name keeps its visible label (WCAG 2.5.3), before and after a file is chosen.
    assert picker.get_attribute("aria-label").startswith(label), picker.get_attribute("aria-label")
    picker.send_keys(str(path))
    assert browser.find_element(By.ID, "file").get_attribute("aria-label").startswith(label)
    browser.find_element(By.CSS_SELECTOR, "#upload-form [type=submit]").click()
    wait.until(lambda d: d.find_element(By.ID, "batch-status").text == "previewed")
    page = browser.find_element(By.TAG_NAME, "main").text
    assert "New rows 4" in page and "Callback survey" in page
    browser.find_element(By.XPATH, "//button[normalize-space()='Confirm import']").click()
    wait.until(lambda d: d.find_element(By.ID, "batch-status").text == "committed")
    browser.save_screenshot(str(tmp_path / "import.png"))
    browser.get(server + "/imports/")
    assert "browser-upload.xlsx" in browser.find_element(By.TAG_NAME, "main").text


def test_executive_follows_a_proposed_rating_to_its_why_page(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    sign_in(browser, server, "executive@demo.cx.gov")
    wait = WebDriverWait(browser, 60)
    wait.until(ec.url_to_be(server + "/"))
    browser.get(server + "/plans/")
    links = []
    for href in _listed(browser, "main table a", "plan"):
        browser.get(href)
        links = browser.find_elements(By.CSS_SELECTOR, "a.why-link")
        if links:
            break
    assert links, "no plan shows a proposed rating with a why-link"
    links[0].click()
    wait.until(ec.presence_of_element_located((By.ID, "explanation")))
    text = browser.find_element(By.TAG_NAME, "main").text
    assert "Why this finding" in text and "gives the same outcome" in text
    browser.save_screenshot(str(tmp_path / "why.png"))


def _listed(browser, css: str, what: str) -> list[str]:
    """The addresses of the links a list page shows (`css`), waited for (a page asked while the suite's other
    worker loads the machine), else a failure that says what the page showed instead."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def listed(b):
        return [a.get_attribute("href") for a in b.find_elements(By.CSS_SELECTOR, css)
                if a.get_attribute("href").rstrip("/").split("/")[-1].isdigit()]
    for _ in range(3):
        try:
            return WebDriverWait(browser, 20).until(listed)
        except TimeoutException:
            browser.refresh()
    raise AssertionError(f"no {what} listed at {browser.current_url}: "
                         f"{browser.find_element(By.TAG_NAME, 'body').text[:800]}")


def _first_commitment(browser) -> str:
    """The address of the first commitment the list shows."""
    return _listed(browser, "tr[data-commitment] a", "commitment")[0]


def _cfo_officers_first_commitment(browser, server) -> str:
    """Sign in as the CFO officer and open the commitments list: the address of the first commitment it shows."""
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    sign_in(browser, server, "cfo.officer@demo.cx.gov")
    WebDriverWait(browser, 60).until(ec.url_to_be(server + "/"))
    browser.get(server + "/commitments/")
    return _first_commitment(browser)


def test_a_refused_form_moves_the_focus_to_what_it_says(server, browser, tmp_path):
    """An officer saves a commitment off track without a reason: the page comes back with the list of
    problems focused (read out, and the keyboard starts there), not the top of the page."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    edit = _cfo_officers_first_commitment(browser, server)
    wait = WebDriverWait(browser, 60)
    browser.get(edit + "/edit")
    Select(browser.find_element(By.ID, "status")).select_by_value("off_track")
    reason = browser.find_element(By.ID, "reason")
    reason.clear()
    browser.find_element(By.CSS_SELECTOR, "main form [type=submit]").click()
    wait.until(ec.presence_of_element_located((By.ID, "form-problems")))
    focused = browser.switch_to.active_element
    assert focused.get_attribute("id") == "form-problems", focused.get_attribute("outerHTML")[:200]
    assert "needs a reason" in focused.text
    browser.save_screenshot(str(tmp_path / "refused.png"))


def test_a_due_date_left_half_typed_is_refused_and_the_stored_date_kept(server, browser, tmp_path):
    """A keyboard user empties the year of the due date (11/25/yyyy) and saves: the browser sends such a box as
    blank, and the commitment was saved without its due date. The page names the box to the server, which says
    it is not complete; nothing is saved."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    page = _cfo_officers_first_commitment(browser, server)
    wait = WebDriverWait(browser, 60)
    browser.get(page + "/edit")
    box = browser.find_element(By.ID, "due_date")
    stored = box.get_attribute("value")
    if not stored:
        box.send_keys("11252027")
        stored = "2027-11-25"
    box.click()
    box.send_keys(Keys.TAB, Keys.TAB)  # month, day, then the year part of the box
    browser.switch_to.active_element.send_keys(Keys.BACKSPACE)
    assert browser.execute_script("return document.getElementById('due_date').validity.badInput")
    reason = browser.find_element(By.ID, "reason")
    reason.clear()
    reason.send_keys("The vendor is late.")
    browser.find_element(By.ID, "save").click()
    wait.until(ec.presence_of_element_located((By.ID, "form-problems")))
    assert "the date is not complete" in browser.find_element(By.ID, "form-problems").text
    browser.save_screenshot(str(tmp_path / "half-typed.png"))
    browser.get(page)
    assert stored in browser.find_element(By.TAG_NAME, "main").text, "the stored due date is kept"


def test_a_keyboard_user_types_into_a_filter_opened_on_its_value_and_sees_the_option_under_the_keys(
        server, browser, tmp_path):
    """Opened on a chosen program, the list put the focus on that option: typed letters went nowhere and the
    arrow keys then opened a neighbour's page. And the option under the keys was told by its colour alone."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    sign_in(browser, server, "executive@demo.cx.gov")
    wait = WebDriverWait(browser, 60)
    wait.until(lambda d: "/auth/login" not in d.current_url)
    browser.get(server + "/dashboards/heatmap")
    wait.until(ec.element_to_be_clickable((By.ID, "heatmap-agency"))).click()
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".dash-dropdown-content input.dash-dropdown-search")))
    ActionChains(browser).send_keys(Keys.ARROW_DOWN).send_keys(Keys.ARROW_DOWN).perform()

    def under_the_keys(driver) -> list:
        """The outline and shade of the option holding the focus (read again until the keys have moved it:
        on a loaded machine the list is still drawing its options as the keys arrive)."""
        return driver.execute_script(
            "var label = document.activeElement && document.activeElement.closest('label.dash-dropdown-option');"
            "if (!label) return null; var s = getComputedStyle(label);"
            "return [s.outlineStyle, s.outlineWidth, s.backgroundColor];")

    def outlined(style) -> bool:
        return bool(style) and style[0] == "solid" and style[1] != "0px" and style[2] not in (
            "rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")
    try:
        WebDriverWait(browser, 10).until(lambda d: outlined(under_the_keys(d)))
    except TimeoutException:
        raise AssertionError(f"the option under the keys is not outlined and shaded: {under_the_keys(browser)}") \
            from None
    ActionChains(browser).send_keys("Dep").perform()
    active = browser.switch_to.active_element
    assert "dash-dropdown-search" in active.get_attribute("class") and active.get_attribute("value") == "Dep"
    browser.save_screenshot(str(tmp_path / "dropdown.png"))
    # Down from the search box goes to the first option it found, not past it: the list had kept the
    # place of the option it opened on.
    found = browser.execute_script("return Array.from(document.querySelectorAll("
                                   "'.dash-dropdown-content label.dash-dropdown-option'), l => l.textContent)")
    assert len(found) > 1 and all("Dep" in text for text in found), found
    ActionChains(browser).send_keys(Keys.ARROW_DOWN).perform()
    wait.until(lambda d: d.execute_script("var l = document.activeElement.closest('label'); "
                                          "return l && l.textContent") == found[0])


def test_shift_tab_in_an_open_filter_lands_on_an_option_in_sight(server, browser, tmp_path):
    """Shift+Tab from the first option of an open filter wraps to the last, which the list focused without scrolling
    to it: the focus sat below the box, unseen, and Enter chose an agency nobody could see."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    sign_in(browser, server, "executive@demo.cx.gov")
    wait = WebDriverWait(browser, 60)
    wait.until(lambda d: "/auth/login" not in d.current_url)
    browser.get(server + "/dashboards/heatmap")
    wait.until(ec.element_to_be_clickable((By.ID, "heatmap-agency"))).send_keys(Keys.ENTER)
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".dash-dropdown-content label.dash-dropdown-option")))
    wait.until(lambda d: d.execute_script("return !!document.activeElement.closest('.dash-dropdown-content')"))
    ActionChains(browser).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()

    def in_sight(driver):
        """Whether the option holding the focus lies within the list's visible box (None: no option has it)."""
        return driver.execute_script(
            "var option = document.activeElement.closest('label.dash-dropdown-option');"
            "if (!option) return null;"
            "var list = option.closest('.dash-options-list') || option.parentElement;"
            "var box = list.getBoundingClientRect(), at = option.getBoundingClientRect();"
            "return at.top >= box.top - 1 && at.bottom <= box.bottom + 1 && at.bottom <= window.innerHeight;")
    wait.until(lambda d: in_sight(d) is not None)
    focused = browser.execute_script("return document.activeElement.closest('label').textContent")
    browser.save_screenshot(str(tmp_path / "shift-tab.png"))
    assert WebDriverWait(browser, 5).until(in_sight), f"{focused!r} holds the focus out of sight"


def test_an_option_reached_going_up_a_filters_list_is_not_under_its_search_box(server, browser, tmp_path):
    """Down a filter's list and back up: each option the list scrolled up to stopped at its top, under the search
    box that sticks there, 4 px of it in sight, and Enter chose an agency nobody could see."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    sign_in(browser, server, "executive@demo.cx.gov")
    wait = WebDriverWait(browser, 60)
    wait.until(lambda d: "/auth/login" not in d.current_url)
    browser.get(server + "/dashboards/heatmap")
    wait.until(ec.element_to_be_clickable((By.ID, "heatmap-agency"))).send_keys(Keys.ENTER)
    wait.until(lambda d: d.execute_script("return !!document.activeElement.closest('.dash-dropdown-content')"))
    focused = "var l = document.activeElement.closest('label.dash-dropdown-option'); return l && l.textContent"
    seen = []
    for key in [Keys.ARROW_DOWN] * 8 + [Keys.ARROW_UP] * 4:
        was = browser.execute_script(focused)
        ActionChains(browser).send_keys(key).perform()
        wait.until(lambda d, was=was: d.execute_script(focused) != was)
        if key == Keys.ARROW_UP:
            # what is drawn at the option's top and middle is the option itself, not the search box
            seen.append(browser.execute_script(
                "var o = document.activeElement.closest('label.dash-dropdown-option'), r = o.getBoundingClientRect();"
                "var x = r.left + r.width / 2;"
                "return [o.textContent, [r.top + 2, r.top + r.height / 2].every("
                "  y => o.contains(document.elementFromPoint(x, y)))]"))
    browser.save_screenshot(str(tmp_path / "going-up.png"))
    hidden = [name for name, shown in seen if not shown]
    assert not hidden, f"under the search box: {hidden}"


def test_what_a_filters_search_found_is_said_to_a_screen_reader(server, browser):
    """A search in a filter's list that matched nothing showed "No options found" and said nothing: it is said,
    as how many it found is, in a status region."""
    import time

    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    sign_in(browser, server, "executive@demo.cx.gov")
    wait = WebDriverWait(browser, 60)
    wait.until(lambda d: "/auth/login" not in d.current_url)
    browser.get(server + "/dashboards/heatmap")
    wait.until(ec.element_to_be_clickable((By.ID, "heatmap-agency"))).send_keys(Keys.ENTER)
    search = wait.until(ec.visibility_of_element_located(
        (By.CSS_SELECTOR, ".dash-dropdown-content input.dash-dropdown-search")))
    said = "var s = document.getElementById('dash-dropdown-found'); return s && [s.getAttribute('role'), s.textContent]"
    search.send_keys("nothing like this")
    wait.until(lambda d: d.execute_script(said) == ["status", "No options found"])
    search.send_keys(Keys.CONTROL, "a")
    search.send_keys("department of")
    wait.until(lambda d: d.execute_script(said)[1][:1].isdigit())
    shown = len(browser.find_elements(By.CSS_SELECTOR, ".dash-dropdown-content label.dash-options-list-option"))
    assert browser.execute_script(said)[1] == f"{shown} options found"
    # another filter opened straight from this list: what this one found is not said of it
    browser.find_element(By.ID, "heatmap-component").click()
    wait.until(lambda d: d.execute_script(said) == ["status", ""])
    browser.find_element(By.TAG_NAME, "h1").click()  # closed
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".dash-dropdown-content"))
    wait.until(ec.element_to_be_clickable((By.ID, "heatmap-agency"))).send_keys(Keys.ENTER)
    search = wait.until(ec.visibility_of_element_located(
        (By.CSS_SELECTOR, ".dash-dropdown-content input.dash-dropdown-search")))
    # a search ended at once (an option chosen with Enter) says nothing afterwards: it said "No options found"
    search.send_keys(Keys.CONTROL, "a")
    search.send_keys("department of", Keys.ENTER)
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".dash-dropdown-content"))
    time.sleep(1)  # past the count's wait (assets/scorecard.js)
    assert browser.execute_script(said) == ["status", ""]


def test_back_from_a_link_followed_in_a_table_opens_the_table_again_on_that_link(server, browser, tmp_path):
    """A keyboard user opens the heatmap's table, follows a program's link and comes back: the table was closed and
    the focus on the heading, so they tabbed through every row again. It opens again, the focus on that link."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    sign_in(browser, server, "executive@demo.cx.gov")
    wait = WebDriverWait(browser, 60)
    wait.until(lambda d: "/auth/login" not in d.current_url)
    browser.get(server + "/dashboards/heatmap?sort=name")
    toggle = wait.until(ec.element_to_be_clickable((By.ID, "heatmap-table-toggle")))
    toggle.send_keys(Keys.ENTER)
    links = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#heatmap-table a[href*='/dashboards/program']"))
    link = links[min(5, len(links) - 1)]
    href = link.get_attribute("href")
    browser.execute_script("arguments[0].focus()", link)
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    wait.until(lambda d: "/dashboards/program" in d.current_url)
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#main-content h1")))
    browser.back()
    wait.until(lambda d: "/dashboards/heatmap" in d.current_url)
    wait.until(lambda d: d.execute_script("return document.activeElement.href || ''") == href)
    assert browser.execute_script("return document.getElementById('heatmap-table-panel').open")
    browser.save_screenshot(str(tmp_path / "back-to-row.png"))
    # followed again, then the heatmap opened afresh (its address, not Back): it opens at its top, the table closed
    browser.execute_script("arguments[0].focus()", browser.switch_to.active_element)
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    wait.until(lambda d: "/dashboards/program" in d.current_url)
    browser.get(server + "/dashboards/heatmap?sort=name")
    wait.until(ec.presence_of_element_located((By.ID, "heatmap-table-panel")))
    wait.until(lambda d: d.execute_script("return !document.querySelector('[data-dash-is-loading=\"true\"]')"))
    import time
    time.sleep(1.5)  # time enough for a restore to have opened the panel, were one made
    assert not browser.execute_script("return document.getElementById('heatmap-table-panel').open")


def test_a_double_click_on_create_token_makes_one_token_and_shows_its_secret(server, browser, tmp_path):
    """The second click of a double click is not sent (static/forms.js): the page the browser shows is
    the answer with the secret, and the list holds one token of that name. Without it the second
    request's answer ("sent before") replaced the secret's."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    sign_in(browser, server, "analyst@demo.cx.gov")
    wait = WebDriverWait(browser, 60)
    wait.until(ec.url_to_be(server + "/"))
    browser.get(server + "/api-tokens/")
    browser.find_element(By.ID, "name").send_keys("double clicked")
    # the second click 30 ms after the first, its request on its way (a server slower than this one's answer)
    browser.execute_script("var b = arguments[0]; b.click(); setTimeout(function () { b.click(); }, 30);",
                           browser.find_element(By.ID, "submit"))
    secret = wait.until(ec.presence_of_element_located((By.ID, "new-token")),
                        "the page shows no secret: the second click's answer replaced the first's")
    assert secret.text.startswith("cxs_")
    names = [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, "#tokens tbody td:first-child")]
    assert names.count("double clicked") == 1, names
    browser.save_screenshot(str(tmp_path / "token.png"))


def test_a_saved_form_moves_the_focus_to_the_message_that_says_so(server, browser, tmp_path):
    """An officer saves an update: the commitment's page says "Saved" at its top, and the keyboard and the
    screen reader start there (the focus was left on the page's body)."""
    _saved_on_a_cfo_commitment(browser, server, "reason", "Vendor contract signed; rollout on schedule.")
    focused = browser.switch_to.active_element
    assert focused.get_attribute("role") == "status", focused.get_attribute("outerHTML")[:200]
    assert "Saved" in focused.text, focused.text
    browser.save_screenshot(str(tmp_path / "saved.png"))


def _saved_on_a_cfo_commitment(browser, server, field_id: str, value: str) -> str:
    """Sign in as the CFO officer, write `value` into the field of the first commitment listed and save;
    the commitment's page address."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    page = _cfo_officers_first_commitment(browser, server)
    wait = WebDriverWait(browser, 60)
    browser.get(page + "/edit")
    field = browser.find_element(By.ID, field_id)
    field.clear()
    field.send_keys(value)
    browser.find_element(By.ID, "save").click()
    wait.until(ec.url_to_be(page))
    return page


def _page_widths(browser) -> list[int]:
    return browser.execute_script("return [document.documentElement.scrollWidth, "
                                  "document.documentElement.clientWidth]")


def test_a_long_word_in_a_commitments_title_breaks_within_the_lists_phone_width(server, browser, tmp_path):
    """The commitments list is a stacked table on a phone (no scrolling region of its own): a title of one
    long word (a spreadsheet formula, a web address) made it, and the page, 611 px wide at 320 px."""
    from selenium.webdriver.common.by import By

    title = '=HYPERLINK("https://www.example.gov/cx/a11-section-280/fy2027/evidence","open")'
    _saved_on_a_cfo_commitment(browser, server, "title", title)
    with served.at_width(browser, 320):
        browser.get(server + "/commitments/")
        shown = browser.find_element(By.LINK_TEXT, title)
        widths = _page_widths(browser)
        browser.save_screenshot(str(tmp_path / "title-320.png"))
        assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"
        assert shown.rect["x"] + shown.rect["width"] <= widths[1]


def test_at_320_px_a_breadcrumb_link_is_seen_when_focused_and_the_agency_filter_reads_whole(server, browser,
                                                                                           tmp_path):
    """Below 30em USWDS moves a breadcrumb's links but the parent off screen: Tab reached "Commitments" at x =
    -16,943 px, focus seen nowhere (WCAG 2.4.7). And the capacity page's agency box, beside its button, read
    "Department" for every agency (WCAG 1.4.10)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    page = _cfo_officers_first_commitment(browser, server)
    with served.at_width(browser, 320):
        browser.get(page + "/edit")
        crumb = browser.find_element(By.CSS_SELECTOR, ".usa-breadcrumb__list-item:first-child a")
        browser.execute_script("arguments[0].focus()", crumb)
        browser.switch_to.active_element.send_keys(Keys.SHIFT, Keys.TAB)  # and back: reached by the keyboard
        browser.switch_to.active_element.send_keys(Keys.TAB)
        assert browser.switch_to.active_element == crumb
        at = crumb.rect
        browser.save_screenshot(str(tmp_path / "breadcrumb-320.png"))
        assert at["x"] >= 0 and at["x"] + at["width"] <= 320 and at["width"] > 0, at
        browser.get(server + "/capacity/?agency=DPS")
        box = browser.find_element(By.ID, "agency")
        assert box.rect["width"] >= 250, box.rect


def test_a_long_web_address_as_evidence_breaks_within_a_phones_width(server, browser, tmp_path):
    """A CFO officer's evidence link of 170 characters without a space made the commitment's page 615 px wide
    at 320 px (WCAG 1.4.10): the whole page scrolled sideways. It now breaks where it must."""
    from selenium.webdriver.common.by import By

    link = ("https://www.performance.gov/cx/assets/files/a11-section-280-capacity-assessment-evidence-for-fy2027-"
            "benefits-administration-measurement-domain-final-version-approved.pdf")
    page = _saved_on_a_cfo_commitment(browser, server, "evidence_links", link)
    with served.at_width(browser, 320):
        browser.get(page)
        shown = browser.find_element(By.CSS_SELECTOR, f'main a[href="{link}"]')
        widths = _page_widths(browser)
        browser.save_screenshot(str(tmp_path / "evidence-320.png"))
        assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"
        assert shown.rect["x"] + shown.rect["width"] <= widths[1]
        # a table's words are not broken letter by letter: in a cell of names they do not break; in one of
        # what a person wrote (the history's) a word breaks only where it must, the cell at least 12rem wide
        cells = browser.execute_script(
            "return [...document.querySelectorAll('main td li, main td p')].map(e => [getComputedStyle(e)"
            ".overflowWrap, !!e.closest('td.scorecard-words'), e.closest('td').getBoundingClientRect().width])")
        assert cells and all(wrap == ("anywhere" if words else "normal") for wrap, words, _ in cells), cells
        assert all(width >= 12 * 16 for _, words, width in cells if words), cells


@pytest.mark.parametrize("path", ["/", "/dashboards/"])
def test_the_footer_lines_up_with_the_page_on_a_wide_screen(server, browser, tmp_path, path):
    """The page widens to 87.5rem on a wide screen, but USWDS holds the footer's container (`.usa-footer >
    .grid-container`) at 64rem: at 1,400 px its line began some 180 px right of every heading and table above it."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    sign_in(browser, server, "viewer@demo.cx.gov")
    WebDriverWait(browser, 60).until(ec.url_to_be(server + "/"))
    browser.set_window_size(1400, 1000)
    browser.get(server + path)
    WebDriverWait(browser, 60).until(ec.presence_of_element_located((By.CSS_SELECTOR, "#main-content h1")))
    main, footer = browser.execute_script(
        "const box = s => document.querySelector(s).getBoundingClientRect();"
        "return [box('#main-content').left, box('footer.usa-footer > .grid-container').left]")
    browser.save_screenshot(str(tmp_path / "footer-1400.png"))
    assert footer == main, f"the footer's text starts at {footer} px, the page's at {main} px"


def test_the_api_pages_operation_headings_break_within_a_phones_width(server, browser, tmp_path):
    """The REST API page's operations are headed by their address in <h3> (`GET
    /api/v1/observations/{observation_id}`), which did not break as the page's other headings do: the
    page was 433 px wide at 320 px (WCAG 1.4.10)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    sign_in(browser, server, "viewer@demo.cx.gov")
    WebDriverWait(browser, 60).until(ec.url_to_be(server + "/"))
    with served.at_width(browser, 320):
        browser.get(server + "/api/v1/docs")
        try:
            headings = WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.CSS_SELECTOR, "main h3"))
        finally:
            browser.save_screenshot(str(tmp_path / "api-docs-320.png"))
        widths = _page_widths(browser)
        assert headings and widths[0] <= widths[1], f"the page scrolls sideways: {widths}"
        # its tables scroll in regions named by their captions: all 15 were "Parameters" (axe landmark-unique)
        names = browser.execute_script("return [...document.querySelectorAll('main [role=region]')]"
                                       ".map(r => r.getAttribute('aria-label'))")
        assert len(names) > 5 and len(set(names)) == len(names), names


@pytest.mark.parametrize("path, field", [("/admin/users", "f-q"), ("/admin/audit", "f-who")])
def test_a_filters_search_field_is_drawn_as_its_neighbours_are(server, browser, tmp_path, path, field):
    """USWDS draws every [type=search] as its search component's box: the users page's "E-mail or name contains"
    and the audit log's "Who" had no right border and stood 8 px shorter than the selects beside them."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    sign_in(browser, server, "admin@demo.cx.gov")
    WebDriverWait(browser, 60).until(ec.url_to_be(server + "/"))
    browser.get(server + path)
    search, select = (browser.find_element(By.ID, field), browser.find_element(By.CSS_SELECTOR, "main select"))
    look = ("const s = getComputedStyle(arguments[0]);"
            "return [s.borderRightStyle, s.borderRightWidth, s.height, s.float]")
    browser.save_screenshot(str(tmp_path / "filters.png"))
    drawn = browser.execute_script(look, search)
    assert drawn == browser.execute_script(look, select) == ["solid", "1px", "40px", "none"], drawn


def test_a_long_file_name_breaks_within_the_import_history(server, browser, tmp_path):
    """A file name without a space (240 characters here) is a name its author chose: it made the import
    history's table 3,480 px wide, its status and actions scrolled out of sight. It breaks in its cell."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    name = "cx_" + "quarterly_report_" * 14 + ".csv"
    path = tmp_path / name
    path.write_text("metric,program,period,value\n")  # refused as a layout, kept in the history all the same
    sign_in(browser, server, "analyst@demo.cx.gov")
    WebDriverWait(browser, 60).until(ec.url_to_be(server + "/"))
    browser.set_window_size(1280, 1000)
    browser.get(server + "/imports/upload")
    browser.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(path))
    browser.find_element(By.CSS_SELECTOR, "#upload-form [type=submit]").click()
    # the upload's own address holds "/imports/" too: wait for the batch's page the form leads to
    WebDriverWait(browser, 60).until(lambda d: "/imports/upload" not in d.current_url)
    browser.get(server + "/imports/")
    WebDriverWait(browser, 60).until(ec.presence_of_element_located((By.CSS_SELECTOR, "main table")))
    table, region = browser.execute_script(
        "const cell = [...document.querySelectorAll('main td')].find(td => td.textContent.trim() === arguments[0]);"
        "const t = cell.closest('table'); return [t.scrollWidth, t.parentElement.clientWidth]", name)
    browser.save_screenshot(str(tmp_path / "history-long-name.png"))
    assert table <= region, f"the history is {table} px wide in a region of {region} px"


def test_a_long_rule_key_breaks_within_the_rules_list(server, browser, tmp_path):
    """A rule's key is its author's choice: one of 100 characters without a hyphen widened the rules list's
    first column, and the page, past the window. It breaks within its cell."""
    import json

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    from scorecard.rules.store import default_pack

    key = "trust" + "below" * 19
    definition = {**next(r for r in default_pack() if r["key"] == "stale-commitment"), "key": key}
    sign_in(browser, server, "analyst@demo.cx.gov")
    WebDriverWait(browser, 60).until(ec.url_to_be(server + "/"))
    browser.set_window_size(1280, 1000)
    browser.get(server + "/rules/new")
    browser.execute_script("document.getElementById('definition').value = arguments[0]", json.dumps(definition))
    browser.find_element(By.CSS_SELECTOR, "button[name=save]").click()
    WebDriverWait(browser, 60).until(lambda d: "/rules/new" not in d.current_url)
    browser.set_window_size(800, 1000)
    browser.get(server + "/rules/")
    cell = WebDriverWait(browser, 60).until(ec.presence_of_element_located((By.LINK_TEXT, key)))
    widths = _page_widths(browser)
    browser.save_screenshot(str(tmp_path / "rules-long-key.png"))
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"
    assert cell.rect["width"] <= widths[1] / 2, cell.rect
    # the key in code wherever a page names it: a finding's table was 1,145 px wide at 320 (published, the rule
    # is evaluated in the background and concludes on the demo's stale commitments)
    sign_in(browser, server, "admin@demo.cx.gov")
    WebDriverWait(browser, 60).until(ec.url_to_be(server + "/"))
    browser.get(server + f"/rules/{key}/versions/1")
    publish = browser.find_element(By.XPATH, "//button[normalize-space()='Publish version 1']")
    publish.click()
    # its answer before the next page is asked for: asked at once, that page could cancel the form's sending
    # (on a loaded machine the draft stayed a draft, and the wait below ran out)
    WebDriverWait(browser, 60).until(ec.staleness_of(publish))

    def finding(b):
        b.get(server + f"/rules/{key}/versions/1")
        found = b.find_elements(By.CSS_SELECTOR, "#concluded-findings a[href^='/findings/']")
        return found[0].get_attribute("href") if found else False
    page = WebDriverWait(browser, 120, poll_frequency=2).until(finding)
    with served.at_width(browser, 320):
        browser.get(page)
        WebDriverWait(browser, 60).until(ec.presence_of_element_located((By.ID, "outcome")))
        widths = _page_widths(browser)
        table = browser.execute_script("return document.getElementById('outcome').closest('table').scrollWidth")
        browser.save_screenshot(str(tmp_path / "finding-long-key.png"))
        assert widths[0] <= widths[1] and table <= widths[1], f"the finding's table is {table} px wide: {widths}"


def test_a_long_word_someone_wrote_breaks_within_its_cell(server, browser, tmp_path):
    """A reason of 9,000 characters without a space (pasted from a log, say) made the commitment's page, its
    function's dashboard and an import's list of problems tens of thousands of pixels wide. It breaks within
    its cell: the page is as wide as the window, and a cell among others no wider than half of it."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    word = "x" * 9000
    sign_in(browser, server, "cfo.officer@demo.cx.gov")
    WebDriverWait(browser, 60).until(ec.url_to_be(server + "/"))
    browser.set_window_size(1280, 1000)
    browser.get(server + "/commitments/")
    link = WebDriverWait(browser, 60).until(ec.presence_of_element_located(
        (By.CSS_SELECTOR, "main table a[href^='/commitments/']")))
    page = link.get_attribute("href")
    browser.get(page + "/edit")
    WebDriverWait(browser, 60).until(ec.presence_of_element_located((By.ID, "update-form")))
    browser.execute_script("document.querySelector('#update-form [name=status]').value = 'at_risk';"
                           "document.querySelector('#update-form [name=reason]').value = arguments[0];", word)
    save = browser.find_element(By.ID, "save")
    save.click()
    WebDriverWait(browser, 60).until(ec.staleness_of(save))  # the form's own reason field is #reason too
    WebDriverWait(browser, 60).until(ec.presence_of_element_located((By.ID, "reason")))
    assert browser.find_element(By.ID, "reason").text.replace("\n", "") == word

    def widths(selector):
        return browser.execute_script(
            "const cell = document.querySelector(arguments[0]); return [document.documentElement.scrollWidth,"
            " window.innerWidth, cell.getBoundingClientRect().width]", selector)

    page_width, window, cell = widths("#reason")
    browser.save_screenshot(str(tmp_path / "commitment-long-reason.png"))
    assert page_width <= window and cell <= window, (page_width, window, cell)  # the details: label, then words

    browser.get(server + "/dashboards/function?code=CFO")
    WebDriverWait(browser, 60).until(ec.presence_of_element_located((By.CSS_SELECTOR, "td.dash-words")))
    page_width, window, cell = widths("td.dash-words")
    browser.save_screenshot(str(tmp_path / "function-long-reason.png"))
    assert page_width <= window and cell <= window / 2, (page_width, window, cell)

    path = tmp_path / "long-program.csv"
    path.write_text(f"metric,program,period,value\ntrust,{word},FY2025-Q1,4.1\n")
    sign_in(browser, server, "analyst@demo.cx.gov")
    WebDriverWait(browser, 60).until(ec.url_to_be(server + "/"))
    browser.get(server + "/imports/upload")
    browser.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(path))
    browser.find_element(By.CSS_SELECTOR, "#upload-form [type=submit]").click()
    WebDriverWait(browser, 60).until(ec.presence_of_element_located((By.CSS_SELECTOR, "tr.import-error mark")))
    page_width, window, cell = widths("tr.import-error td.scorecard-words")
    browser.save_screenshot(str(tmp_path / "import-long-value.png"))
    assert page_width <= window and cell <= window / 2, (page_width, window, cell)


def test_a_chart_of_quarters_opens_on_the_latest_on_a_phone(server, browser, tmp_path):
    """On a phone a program's trust chart scrolls sideways and opened on FY2023-Q1, the latest quarters out of
    sight to the right; it opens on them now. A chart that is not of quarters (the heatmap's programs) stays
    where it starts, its programs' names on the left."""
    import contextlib

    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    sign_in(browser, server, "executive@demo.cx.gov")
    WebDriverWait(browser, 60).until(lambda b: b.current_url == server + "/")
    with served.at_width(browser, 320):
        browser.get(server + "/dashboards/program?id=1")
        region = 'document.getElementById("program-trust-graph")?.closest(".dash-chart-scroll")'
        WebDriverWait(browser, 60).until(lambda b: b.execute_script(f"return {region}?.getAttribute('data-scrolled')"))
        left, width, shown = browser.execute_script(f"const r = {region}; return [r.scrollLeft, r.scrollWidth, "
                                                    "r.clientWidth]")
        browser.save_screenshot(str(tmp_path / "trust-320.png"))
        assert width > shown and left >= width - shown - 1, (left, width, shown)
        # its title stays in view at the left of what shows (scrolled to the latest quarters it read ": Benefits")
        edges = ("const t = r.querySelector('.g-gtitle').getBoundingClientRect(), a = r.getBoundingClientRect(); "
                 "return [a.left, t.left, t.right, a.left + r.clientWidth, t.height];")
        region_left, title_left, title_right, region_right, height = browser.execute_script(
            f"const r = {region}; {edges}")
        assert region_left <= title_left <= region_left + 40, (title_left, region_left)
        # and whole: wrapped for the chart's width, it ran past the right edge at 320 px, cut off at any scroll
        assert title_right <= region_right and height > 20, (title_right, region_right, height)
        browser.execute_script(f"const r = {region}; r.scrollLeft = 0; r.dispatchEvent(new Event('scroll'))")
        assert browser.execute_script(f"const r = {region}; {edges}")[2] <= region_right
        # drawn at 375 px and then narrowed (no redraw: the chart keeps its least width), it is fitted again
        served.set_width(browser, 375)
        browser.get(server + "/dashboards/program?id=1")
        WebDriverWait(browser, 60).until(lambda b: b.execute_script(f"return {region}?.getAttribute('data-scrolled')"))
        served.set_width(browser, 320)
        WebDriverWait(browser, 10).until(
            lambda b: (lambda e: e[2] <= e[3])(b.execute_script(f"const r = {region}; {edges}")))
        browser.get(server + "/dashboards/heatmap")
        WebDriverWait(browser, 60).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#heatmap-graph .main-svg"))
        heat = 'document.getElementById("heatmap-graph").closest(".dash-chart-scroll")'
        assert browser.execute_script(f"return [{heat}.scrollLeft, {heat}.getAttribute('data-latest')]") == [0, None]
        fits = f"const r = {heat}; const e = (() => {{ {edges} }})(); return e[2] <= e[3];"
        WebDriverWait(browser, 10).until(lambda b: b.execute_script(fits))
        # the compliance page's quarters opened on the oldest, the quarter it is about out of sight
        browser.get(server + "/dashboards/compliance")
        region = 'document.getElementById("compliance-graph")?.closest(".dash-chart-scroll")'
        WebDriverWait(browser, 60).until(lambda b: b.execute_script(f"return {region}?.getAttribute('data-scrolled')"))
        left, width, shown = browser.execute_script(f"const r = {region}; return [r.scrollLeft, r.scrollWidth, "
                                                    "r.clientWidth]")
        assert width > shown and left >= width - shown - 1, (left, width, shown)
        # opened at its right end, what reads it is in sight: its axis's numbers, its legend, a panel's title (the
        # legend's first entries, the function chart's axis and title were out of sight to the left)
        in_sight = ("const r = arguments[0].closest('.dash-chart-scroll'), a = r.getBoundingClientRect();"
                    "return [...r.querySelectorAll(arguments[1])].map(e => e.getBoundingClientRect())"
                    ".filter(b => b.left < a.left - 1 || b.right > a.left + r.clientWidth + 1)"
                    ".map(b => [b.left, b.right, a.left, a.left + r.clientWidth]);")
        graph = browser.find_element(By.ID, "compliance-graph")
        def in_sight_soon(chosen: str) -> None:
            """Kept in sight as the region scrolls (assets/scorecard.js, a frame later: on a loaded machine, a
            moment later)."""
            with contextlib.suppress(TimeoutException):
                WebDriverWait(browser, 10).until(lambda b: b.execute_script(in_sight, graph, chosen) == [])
            assert browser.execute_script(in_sight, graph, chosen) == []
        in_sight_soon(".ytick text, .legend .traces")
        browser.get(server + "/dashboards/function?code=CIO")
        WebDriverWait(browser, 60).until(lambda b: b.execute_script(
            "return document.getElementById('function-metrics-graph')?.closest('.dash-chart-scroll')"
            "?.getAttribute('data-scrolled')"))
        graph = browser.find_element(By.ID, "function-metrics-graph")
        in_sight_soon(".ytick text, .annotation-text")
        # small multiples, each panel of every quarter, and the respondents by channel, named at their left, stay
        # where they start: opened at their right end, a left panel's "40%" read "0%"
        browser.get(server + "/dashboards/program?id=1")
        WebDriverWait(browser, 60).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#program-aspects-graph .main-svg"))
        for graph in ("program-drivers-graph", "program-aspects-graph", "program-volumes-graph"):
            assert browser.execute_script(
                f"const r = document.getElementById('{graph}').closest('.dash-chart-scroll');"
                "return [r.scrollLeft, r.getAttribute('data-latest')]") == [0, None], graph


def test_ticking_a_program_says_which_are_chosen_above_the_list(server, browser):
    """The programs chosen sit among dozens in a box that scrolls: the line above it says which, as they
    are ticked."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    sign_in(browser, server, "cfo.officer@demo.cx.gov")
    WebDriverWait(browser, 60).until(lambda b: b.current_url == server + "/")
    browser.get(server + "/commitments/new")
    said = browser.find_element(By.ID, "program_ids-chosen")
    assert said.text == "None chosen." and said.get_attribute("aria-live") == "polite"
    first, second = browser.find_elements(By.CSS_SELECTOR, "#program_ids input[type=checkbox]")[:2]
    names = [browser.find_element(By.CSS_SELECTOR, f'label[for="{box.get_attribute("id")}"]').text
             for box in (first, second)]
    browser.execute_script("arguments[0].click(); arguments[1].click();", first, second)
    assert said.text == f"Chosen (2): {names[0]}; {names[1]}"
    browser.execute_script("arguments[0].click();", first)
    assert said.text == f"Chosen (1): {names[1]}"


@pytest.mark.parametrize("width", [1280, 320])
def test_a_choice_reached_by_tab_is_scrolled_into_sight_within_its_box(server, browser, width):
    """USWDS hides a checkbox's input off the page, positioned against the page: Tab moved the page, never the
    box of choices, and 80 of 85 programs were ticked by Space out of sight. Each choice Tab reaches is shown
    whole within its box and the window."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    sign_in(browser, server, "cfo.officer@demo.cx.gov")
    WebDriverWait(browser, 60).until(lambda b: b.current_url == server + "/")
    with served.at_width(browser, width, 800):
        browser.get(server + "/commitments/new")
        boxes = browser.find_elements(By.CSS_SELECTOR, "#program_ids-choices input[type=checkbox]")
        browser.execute_script("arguments[0].focus()", boxes[0])
        unseen = []

        def focused(b):
            return b.execute_script("""
                const input = document.activeElement, label = document.querySelector(`label[for="${input.id}"]`);
                const shown = label.getBoundingClientRect(), box = input.closest('.scorecard-choices')
                    .getBoundingClientRect();
                return [label.textContent.trim(), shown.top >= Math.max(box.top, 0) - 1
                        && shown.bottom <= Math.min(box.bottom, window.innerHeight) + 1];""")
        for _ in boxes:
            try:  # a loaded machine may still be scrolling the box to it
                WebDriverWait(browser, 3, poll_frequency=0.1).until(lambda b: focused(b)[1])
            except TimeoutException:
                unseen.append(focused(browser)[0])
            ActionChains(browser).send_keys(Keys.TAB).perform()
        assert len(boxes) > 40 and not unseen, f"{len(unseen)} of {len(boxes)} out of sight: {unseen[:5]}"


def test_typing_in_the_program_picker_finds_programs_by_their_names_alone(server, browser):
    """Dash's dropdown searched its values too, the programs' ids: "12" listed a program whose name has no 12,
    and "Program 250" listed Program 249 (id 250) first, which Enter opened."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    sign_in(browser, server, "executive@demo.cx.gov")
    WebDriverWait(browser, 60).until(lambda b: b.current_url == server + "/")
    browser.get(server + "/dashboards/program?id=1")
    wait = WebDriverWait(browser, 60)
    heading = wait.until(lambda b: b.find_element(By.TAG_NAME, "h1").text.strip() or None)

    def typed(text: str) -> list[str]:
        search = browser.find_element(By.CSS_SELECTOR, ".dash-dropdown-search")
        search.send_keys(Keys.CONTROL, "a")
        search.send_keys(Keys.BACKSPACE)
        search.send_keys(text)
        # read in one step: the list is drawn again as the search narrows it (an element read one by one went stale)
        options = "return Array.from(document.querySelectorAll('.dash-dropdown-option'), o => o.innerText.trim())"
        wait.until(lambda b: all(text in o.lower() or o == "No options found" for o in b.execute_script(options)))
        return browser.execute_script(options)

    wait.until(lambda b: b.find_element(By.ID, "program-id")).click()
    for text in ("12", "40", "7"):
        assert all(text in found.lower() or found == "No options found" or found.startswith(heading)
                   for found in typed(text)), text
    found = typed("call center")
    assert found and all("call center" in name.lower() for name in found), found
    browser.find_element(By.CSS_SELECTOR, ".dash-dropdown-search").send_keys(Keys.ENTER)
    wait.until(lambda b: b.find_element(By.TAG_NAME, "h1").text == found[0].split(" (")[0])


def test_a_table_takes_a_tab_stop_only_where_it_scrolls_and_then_by_its_caption(server, browser):
    """The capacity grid sat in a scroll container of its own that took a Tab stop with no name and no role,
    at widths where nothing scrolled. Wrapped as the other pages' tables are, only when too wide, the region is
    named by the table's caption."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    sign_in(browser, server, "executive@demo.cx.gov")
    WebDriverWait(browser, 60).until(lambda b: b.current_url == server + "/")
    unnamed = """return [...document.querySelectorAll('main [tabindex="0"]')].filter(e =>
        !e.matches('a, button, input, select, textarea, summary') && !(e.getAttribute('role')
        && (e.getAttribute('aria-label') || e.getAttribute('aria-labelledby')))).map(e => e.outerHTML.slice(0, 80));"""
    for width in (1280, 320):
        with served.at_width(browser, width):
            browser.get(server + "/capacity/")
            grid = browser.find_element(By.ID, "capacity-grid")
            assert browser.execute_script(unnamed) == [], width
            region = browser.execute_script("return arguments[0].closest('[role=region]')", grid)
            if width == 320:
                assert region is not None and region.get_attribute("aria-label").startswith("Capacity assessments")


def test_a_search_box_narrows_a_long_list_of_programs_and_keeps_what_was_ticked(server, browser):
    """82 programs stood between a keyboard and the metrics: typing in the box above the list shows only the
    programs whose name, or component's, holds the words; a program ticked and then hidden stays chosen, and
    Enter in the box does not send the form."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    sign_in(browser, server, "cfo.officer@demo.cx.gov")
    WebDriverWait(browser, 60).until(lambda b: b.current_url == server + "/")
    browser.get(server + "/commitments/new")
    find = browser.find_element(By.ID, "program_ids-find")
    assert find.is_displayed() and find.get_attribute("name") in (None, "")  # never sent with the form
    everything = browser.find_elements(By.CSS_SELECTOR, "#program_ids-choices .usa-checkbox")
    find.send_keys("call cent")
    shown = [c for c in everything if c.is_displayed()]
    assert 0 < len(shown) < len(everything)
    assert all("call cent" in (c.text + " " + c.find_element(By.XPATH, "ancestor::fieldset[1]/legend").text).lower()
               for c in shown)
    assert browser.find_element(By.ID, "program_ids-found").text == (
        f"Showing {len(shown)} of {len(everything)} programs.")
    ticked = shown[0].find_element(By.TAG_NAME, "input")
    browser.execute_script("arguments[0].click();", ticked)
    find.send_keys(Keys.ENTER)
    assert browser.current_url == server + "/commitments/new" and not browser.find_elements(By.ID, "form-problems")
    find.send_keys(Keys.ESCAPE)
    assert find.get_attribute("value") == "" and all(c.is_displayed() for c in everything[:3])
    assert ticked.is_selected() and browser.find_element(By.ID, "program_ids-chosen").text.startswith("Chosen (1): ")
    find.send_keys("no such program anywhere")
    assert browser.find_element(By.ID, "program_ids-found").text == (
        f"None of the {len(everything)} programs holds \u201cno such program anywhere\u201d.")
    assert not browser.find_element(By.ID, "program_ids-choices").is_displayed()
    find.send_keys(Keys.ESCAPE)
    find.send_keys("workers\u2019 comp")  # a curly apostrophe, as a phone types it, finds "Workers' Compensation"
    assert any(c.is_displayed() for c in everything), "the curly apostrophe reads as the straight one"


def test_a_wide_tables_caption_stays_within_its_region(server, browser):
    """The C-suite functions table scrolls sideways at 1280 px; its caption was as wide as the table and cut off at
    the region's edge ("as of 2026-1"). It wraps within the region, and stays in view as the table scrolls."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    sign_in(browser, server, "executive@demo.cx.gov")
    WebDriverWait(browser, 60).until(lambda b: b.current_url == server + "/")
    browser.set_window_size(1280, 1000)
    browser.get(server + "/dashboards/functions")
    region = WebDriverWait(browser, 60).until(lambda b: b.find_element(By.CSS_SELECTOR, ".dash-table-wrap"))
    browser.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
    measure = ("const r = arguments[0], c = r.querySelector('caption'); const a = r.getBoundingClientRect(), "
               "b = c.getBoundingClientRect(); return [r.scrollWidth > r.clientWidth, b.left >= a.left - 1, "
               "b.right <= a.right + 1]")
    assert browser.execute_script(measure, region) == [True, True, True], "a table wider than its region"
    browser.execute_script("arguments[0].scrollLeft = 400", region)
    assert browser.execute_script(measure, region)[1:] == [True, True], "in view when the table scrolls"


def test_a_reloaded_overview_shows_the_briefing_it_started(server, browser):
    """The briefing's id was kept in the page alone: reloaded while its briefing was written, the overview
    forgot it (the job went on, out of reach). The tab keeps it: the page opened again shows its link."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    sign_in(browser, server, "executive@demo.cx.gov")
    WebDriverWait(browser, 60).until(lambda b: b.current_url == server + "/")
    browser.get(server + "/dashboards/")
    wait = WebDriverWait(browser, 60)
    wait.until(lambda b: b.find_element(By.ID, "overview-briefing-xlsx").is_displayed())
    browser.find_element(By.ID, "overview-briefing-xlsx").click()
    wait.until(lambda b: b.find_element(By.ID, "overview-briefing-status").text)
    browser.refresh()
    status = wait.until(lambda b: "is ready. " in b.find_element(By.ID, "overview-briefing-status").text
                        and b.find_element(By.ID, "overview-briefing-status"))
    link = status.find_element(By.TAG_NAME, "a")
    assert "/dashboards/briefings/" in link.get_attribute("href"), link.get_attribute("href")
    assert link.text.startswith("Download cx-briefing-") and ".xlsx (Excel (XLSX), " in link.text, link.text
    # opened on another quarter, the panel says its briefing is not of it (its link only named the file)
    browser.get(server + "/dashboards/?period=FY2026-Q2")
    wait.until(lambda b: "It is not of the quarter and agency chosen now (FY2026-Q2, all agencies)"
               in b.find_element(By.ID, "overview-briefing-status").text)
    browser.execute_script("sessionStorage.clear()")


def test_back_to_a_saved_form_shows_what_is_stored_not_what_was_typed(server, browser):
    """An officer saves, a colleague saves after, the officer presses Back and saves again: the browser put the
    officer's typed words back over the form it fetched afresh (with the colleague's version), and the second
    save overwrote the colleague's change without a conflict. The forms of a record edited by several people
    are not restored on Back: they show what is stored."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    page = _saved_on_a_cfo_commitment(browser, server, "next_step", "A: meet the vendor on Jan 10")
    first = browser.current_window_handle
    browser.switch_to.new_window("tab")  # the colleague: another tab, the same commitment
    browser.get(page + "/edit")
    field = browser.find_element(By.ID, "next_step")
    field.clear()
    field.send_keys("B: escalate to the deputy CFO")
    browser.find_element(By.ID, "save").click()
    WebDriverWait(browser, 60).until(ec.url_to_be(page))
    browser.close()
    browser.switch_to.window(first)
    browser.back()
    WebDriverWait(browser, 60).until(ec.url_to_be(page + "/edit"))
    shown = WebDriverWait(browser, 60).until(lambda b: b.find_element(By.ID, "next_step")).get_attribute("value")
    assert shown == "B: escalate to the deputy CFO", shown


def test_an_error_quoting_a_long_address_wraps_within_a_phones_width(server, browser, tmp_path):
    """An evidence link written without https:// is refused, the message quoting it: its 150 characters without
    a space made the commitment form 1,201 px wide at 320 px (WCAG 1.4.10), the message running off the screen."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    address = ("agency.sharepoint.com/sites/CXOffice/Shared%20Documents/FY2027/Action_Plans/"
               "HISP_Benefits_Administration_CX_Action_Plan_FY2027_Q2_Draft.docx")
    page = _cfo_officers_first_commitment(browser, server)
    with served.at_width(browser, 320):
        browser.get(page + "/edit")
        field = browser.find_element(By.ID, "evidence_links")
        field.clear()
        field.send_keys(address)
        browser.execute_script("document.getElementById('save').click()")
        message = WebDriverWait(browser, 60).until(lambda b: b.find_element(By.ID, "evidence_links-error"))
        assert "agency.sharepoint.com/sites/CXOffice/Shared%20Documents" in message.text  # quoted to 60 characters
        widths = _page_widths(browser)
        browser.save_screenshot(str(tmp_path / "error-320.png"))
        assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"
        assert message.rect["x"] + message.rect["width"] <= widths[1], message.rect


def test_a_pasted_reason_longer_than_the_box_takes_is_counted_not_cut(server, browser, tmp_path):
    """A 10,213-character reason pasted into the box was cut at its 10,000 (the browser's maxlength) without a
    word, and saved so. The box counts what was typed, says how far over it is (its numbers grouped as the
    pages' messages write them), and the server refuses it naming the length, the whole text kept in the box."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    page = _cfo_officers_first_commitment(browser, server)
    browser.get(page + "/edit")
    field = browser.find_element(By.ID, "reason")
    field.clear()
    field.send_keys(" ")
    left = browser.find_element(By.CSS_SELECTOR, ".usa-form-group:has(#reason) ~ .usa-character-count__status")
    WebDriverWait(browser, 10).until(lambda b: left.text == "9,999 characters left",
                                     "its numbers as the refusal writes them, not 9999")
    field.clear()
    pasted = "Vendor delay. " + "x" * 11_186 + " END-OF-REASON"
    browser.execute_script("arguments[0].focus(); document.execCommand('insertText', false, arguments[1]);",
                           field, pasted)
    assert field.get_attribute("value") == pasted, "the whole text is in the box"
    counted = WebDriverWait(browser, 10).until(lambda b: b.find_element(
        By.CSS_SELECTOR, "#reason ~ .usa-character-count__status, .usa-form-group:has(#reason) ~ "
                         ".usa-character-count__status"))
    WebDriverWait(browser, 10).until(lambda b: "over limit" in counted.text)
    assert counted.text == "1,214 characters over limit", counted.text
    browser.find_element(By.ID, "save").click()
    WebDriverWait(browser, 60).until(lambda b: b.find_elements(By.ID, "form-problems"))
    assert "it takes at most 10,000" in browser.find_element(By.ID, "form-problems").text
    assert browser.find_element(By.ID, "reason").get_attribute("value") == pasted
    shown_again = browser.find_element(By.CSS_SELECTOR, ".usa-form-group:has(#reason) ~ .usa-character-count__status")
    assert shown_again.text == "1,214 characters over limit", "counted as the page opens, not when a key is pressed"
    browser.save_screenshot(str(tmp_path / "over-limit.png"))


def test_a_printed_dashboard_keeps_every_column_of_its_table_and_fits_its_chart_to_the_paper(server, browser):
    """Printed for a meeting, the heatmap's table lost what its scrolling region did not show (status, rule
    finding, question, import batch) and a chart drawn for a wide window was cut at the paper's edge."""
    import base64
    import io
    import re

    from pypdf import PdfReader
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    sign_in(browser, server, "executive@demo.cx.gov")
    wait = WebDriverWait(browser, 60)
    wait.until(lambda d: "/auth/login" not in d.current_url)
    browser.set_window_size(1400, 1000)
    browser.get(server + "/dashboards/heatmap")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#heatmap-graph .heatmaplayer"))
    browser.find_element(By.ID, "heatmap-table-toggle").click()
    rows = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#heatmap-table tbody tr"))
    last_cells = [row.find_elements(By.CSS_SELECTOR, "td")[-1].text for row in rows[:5]]
    assert all(re.fullmatch(r"batch(es)? \d+(, \d+)*", cell) for cell in last_cells), last_cells  # its batches
    assert browser.execute_script("var r = document.querySelector('#heatmap-table .dash-table-wrap');"
                                  "return r.scrollWidth > r.clientWidth"), "on screen the table scrolls in its region"
    pdf = browser.execute_cdp_cmd("Page.printToPDF", {"paperWidth": 8.5, "paperHeight": 11})
    printed = " ".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(base64.b64decode(pdf["data"])))
                               .pages).split())
    for cell in last_cells:
        assert cell in printed, f"{cell!r} was not printed"
    # A chart that draws wider than the paper is scaled to it while it prints, and drawn at its own size again
    # after; one whose cells and labels fit the paper (the heatmap's one column of v2 trust) prints as drawn.
    zooms = "return Array.from(document.querySelectorAll('.js-plotly-plot .svg-container'), c => c.style.zoom)"
    widths = ("return Array.from(document.querySelectorAll('.js-plotly-plot .svg-container'), c => Math.max("
              "...Array.from(c.querySelectorAll('svg.main-svg'), s => s.getBBox().x + s.getBBox().width))"
              " * (parseFloat(c.style.zoom) || 1))")  # how wide each prints what it draws
    browser.execute_script("window.dispatchEvent(new Event('beforeprint'))")
    assert browser.execute_script(zooms) == [""], "the heatmap's drawing fits the paper"
    browser.execute_script("window.dispatchEvent(new Event('afterprint'))")
    browser.get(server + "/dashboards/function?code=CFO")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#function-metrics-graph .scatterlayer"))
    assert max(browser.execute_script(widths)) > 640
    browser.execute_script("window.dispatchEvent(new Event('beforeprint'))")
    assert max(browser.execute_script(widths)) <= 641
    browser.execute_script("window.dispatchEvent(new Event('afterprint'))")
    assert max(browser.execute_script(widths)) > 640 and browser.execute_script(zooms) == [""]


def test_a_long_table_shows_its_first_rows_at_once_and_every_row_when_asked_or_printed(server, browser):
    """At 500 programs the heatmap's table (3,500 rows) held the page still for 2 to 5 s while the browser
    laid out every row. A long table now shows its first 500 rows, says so in its caption, and a button
    above it (not after its hundreds of links) draws the rest, the focus then on the first row it drew;
    printing draws them all. The table is the real writer's (tables.to_html), drawn by the dashboards' own
    component on a dashboard page, as components.data_table lays it out."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    from dashboards import tables
    from dashboards.components import TABLE_FIRST_ROWS

    assert TABLE_FIRST_ROWS == 500
    long = tables.to_html(tables.Table(
        caption="Programs by respondents", columns=[tables.Column("name", "Program", row_header=True),
                                                    tables.Column("n", "n", tables.COUNT)],
        rows=[{"name": f"Program {i:04d}", "n": i} for i in range(1_200)]))
    sign_in(browser, server, "executive@demo.cx.gov")
    wait = WebDriverWait(browser, 60)
    wait.until(lambda d: "/auth/login" not in d.current_url)
    browser.get(server + "/dashboards/heatmap")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#heatmap-graph .heatmaplayer"))
    draw = ("var host = document.getElementById('long-table') || document.createElement('div');"
            "host.id = 'long-table'; document.querySelector('main').appendChild(host);"
            "window.longRoot = window.longRoot || ReactDOM.createRoot(host);"
            "window.longRoot.render(React.createElement(window.dashboards.TableHtml, "
            "{html: arguments[0], firstRows: arguments[1]}));")
    rows = "return document.querySelectorAll('#long-table tbody tr').length"
    browser.execute_script(draw, long, TABLE_FIRST_ROWS)
    wait.until(lambda d: d.execute_script(rows))
    assert browser.execute_script(rows) == 500
    caption = browser.find_element(By.CSS_SELECTOR, "#long-table caption").text
    assert caption.startswith("Programs by respondents") and "the first 500 of 1,200 rows are shown" in caption
    status = browser.find_element(By.CSS_SELECTOR, "#long-table [role=status]")
    assert status.text == "The first 500 of 1,200 rows are shown."
    button = browser.find_element(By.CSS_SELECTOR, "#long-table button")
    assert button.text == "Show all 1,200 rows"
    assert browser.execute_script("return arguments[0].compareDocumentPosition(document.querySelector("
                                  "'#long-table table')) & Node.DOCUMENT_POSITION_FOLLOWING", button), "above it"
    button.send_keys(Keys.ENTER)  # by keyboard
    wait.until(lambda d: d.execute_script(rows) == 1_200)
    wait.until(lambda d: d.switch_to.active_element.text == "Program 0500")  # the first row it drew
    assert status.text == "All 1,200 rows are shown."
    assert not browser.find_elements(By.CSS_SELECTOR, "#long-table button")
    assert browser.find_element(By.CSS_SELECTOR, "#long-table caption").text == "Programs by respondents"
    last = browser.find_elements(By.CSS_SELECTOR, "#long-table tbody tr")[-1].text
    assert last == "Program 1199 1,199", "every row, in order"
    # Drawn again (other filters): its first rows; printed, every row and no button on paper
    browser.execute_script(draw, long.replace("Program 0", "Item 0"), TABLE_FIRST_ROWS)
    wait.until(lambda d: d.execute_script(rows) == 500)
    browser.execute_script("window.dispatchEvent(new Event('beforeprint'))")
    assert browser.execute_script(rows) == 1_200
    assert not browser.find_elements(By.CSS_SELECTOR, "#long-table button")
    browser.execute_script("window.dispatchEvent(new Event('afterprint'))")
    short = long.split("<tr><th scope=\"row\">Program 0010")[0] + "</tbody></table>"  # 10 rows: drawn whole
    browser.execute_script(draw, short, TABLE_FIRST_ROWS)
    wait.until(lambda d: d.execute_script(rows) == 10)
    assert not browser.find_elements(By.CSS_SELECTOR, "#long-table [role=status], #long-table button")
