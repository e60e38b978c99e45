"""The session timer: the server's look at a session (auth.routes.session_state) is not activity and a
POST to it is; a form sent after the session ended says so and leads back; and in a real browser the
page warns before the end, "Stay signed in" keeps the session, and a page whose session ended keeps
what was typed and saves it after signing in again in another tab (static/session.js)."""
import time

import pytest
import sqlalchemy as sa

from scorecard.extensions import db
from scorecard.models import Commitment, User
from scorecard.security import SEEN_AT
from tests.conftest import PASSWORD
from tests.helpers import csrf_token, sign_in
from tests.test_commitments_web import CFO_OFFICER, cfo_open_commitment, chrome, served  # noqa: F401  (browser fixtures)


def test_a_look_at_the_session_is_not_activity_and_a_post_is(app, client, make_user):
    with app.app_context():
        make_user("viewer")
    sign_in(client, "viewer@test.gov", PASSWORD)
    with client.session_transaction() as session:
        session[SEEN_AT] = time.time() - 20 * 60
    looked = client.get("/auth/session")
    assert looked.status_code == 200 and looked.headers["Cache-Control"] == "no-store"
    state = looked.get_json()
    assert 9 * 60 <= state["left"]["idle"] <= 10 * 60 and state["idle_minutes"] == 30
    assert state["left"]["absolute"] > 11 * 3600 and state["csrf_token"]
    with client.session_transaction() as session:
        assert time.time() - session[SEEN_AT] >= 20 * 60  # looking did not restart the clock
    page = client.get("/").get_data(as_text=True)
    assert 'data-session-timer="/auth/session"' in page and 'data-session-warn="120"' in page
    with client.session_transaction() as session:
        session[SEEN_AT] = time.time() - 20 * 60
    assert client.post("/auth/session").status_code == 400  # a POST carries the form token
    kept = client.post("/auth/session", headers={"X-CSRFToken": state["csrf_token"]})
    assert kept.status_code == 200 and kept.get_json()["left"]["idle"] >= 29 * 60
    assert state["user"] == "viewer@test.gov" and f'data-session-id="{state["session"]}"' in page
    client.post("/auth/logout", data={"csrf_token": state["csrf_token"]})
    sign_in(client, "viewer@test.gov", PASSWORD)  # a new session of the same person: another id
    assert client.get("/auth/session").get_json()["session"] != state["session"]


def test_signing_out_of_a_session_that_had_ended_signs_out(app, client, make_user):
    with app.app_context():
        make_user("viewer")
    sign_in(client, "viewer@test.gov", PASSWORD)
    token = client.get("/auth/session").get_json()["csrf_token"]
    with client.session_transaction() as session:
        session[SEEN_AT] = time.time() - 31 * 60
    sent = client.post("/auth/logout", data={"csrf_token": token})
    assert sent.status_code == 302 and sent.headers["Location"] == "/auth/login"
    assert "signed out after 30 minutes" in client.get("/auth/login").get_data(as_text=True)


def test_a_look_after_the_session_ended_is_a_401_and_signed_out_pages_have_no_timer(app, client, make_user):
    with app.app_context():
        make_user("viewer")
    assert "data-session-timer" not in client.get("/auth/login").get_data(as_text=True)
    sign_in(client, "viewer@test.gov", PASSWORD)
    with client.session_transaction() as session:
        session[SEEN_AT] = time.time() - 31 * 60
    ended = client.get("/auth/session")
    assert ended.status_code == 401 and ended.is_json
    assert client.get("/").status_code == 302


def test_a_form_sent_after_the_session_ended_says_nothing_was_saved_and_leads_back(demo, client):
    from scorecard.demo import DEMO_PASSWORD

    with demo.app_context():
        commitment = cfo_open_commitment()
        cid, version = commitment.id, commitment.version
    sign_in(client, CFO_OFFICER, DEMO_PASSWORD)
    token = csrf_token(client.get(f"/commitments/{cid}/edit").get_data(as_text=True))
    with client.session_transaction() as session:
        session[SEEN_AT] = time.time() - 31 * 60
    sent = client.post(f"/commitments/{cid}/edit", data={"csrf_token": token, "next_step": "Typed at length."},
                       headers={"Referer": f"http://localhost/commitments/{cid}/edit"})
    page = sent.get_data(as_text=True)
    assert sent.status_code == 401
    assert "nothing was saved" in page and "signed out after 30 minutes without activity" in page
    assert f'href="/auth/login?next=/commitments/{cid}/edit"' in page
    with demo.app_context():
        assert db.session.get(Commitment, cid).version == version


def test_the_end_of_a_session_is_said_in_one_minute_or_hour_as_in_several(app):
    from scorecard.security import ended_message

    with app.app_context():
        app.config.update(SESSION_IDLE_MINUTES=1, SESSION_MAX_HOURS=1)
        assert ended_message("idle").startswith("You were signed out after 1 minute without activity.")
        assert ended_message("absolute").startswith("Sessions last at most 1 hour.")
        app.config.update(SESSION_IDLE_MINUTES=15, SESSION_MAX_HOURS=12)
        assert ended_message("idle").startswith("You were signed out after 15 minutes without activity.")
        assert ended_message("absolute").startswith("Sessions last at most 12 hours.")


# --------------------------------------------------------------------------- in a real browser

@pytest.mark.browser
def test_the_page_warns_keeps_the_session_and_saves_what_was_typed_after_signing_in_again(demo, served, chrome):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    from scorecard.demo import DEMO_PASSWORD

    wait = WebDriverWait(chrome, 20)
    with demo.app_context():
        cid = cfo_open_commitment().id
    # A one-minute session that warns 58 seconds before its end: the warning comes 2 seconds after the page.
    demo.config.update(SESSION_IDLE_MINUTES=1, SESSION_WARN_SECONDS=58)

    def sign_in_here():
        chrome.get(served + "/auth/login")
        chrome.find_element(By.NAME, "email").send_keys(CFO_OFFICER)
        chrome.find_element(By.NAME, "password").send_keys(DEMO_PASSWORD)
        chrome.find_element(By.CSS_SELECTOR, "form.usa-form [type=submit]").click()
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "[data-session-timer]")))

    sign_in_here()
    chrome.get(f"{served}/commitments/{cid}/edit")
    assert chrome.switch_to.active_element.tag_name == "body", "nothing holds the focus before the warning"
    warning = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "dialog[data-kind=warning]")))
    assert "you will be signed out at" in warning.text
    assert chrome.switch_to.active_element.text == "Stay signed in"  # the dialog takes the keyboard's focus
    chrome.switch_to.active_element.click()
    wait.until(ec.invisibility_of_element_located((By.CSS_SELECTOR, "dialog.scorecard-session")))
    # focus goes to the page's heading, not back to the start of the document (WCAG 2.4.3)
    assert chrome.switch_to.active_element.tag_name == "h1"

    typed = "Funding request sent to the budget office; decision expected at the quarterly review."
    chrome.find_element(By.ID, "next_step").send_keys(typed)
    with demo.app_context():  # the session ends (signed out everywhere, as from another computer)
        db.session.scalar(sa.select(User).where(User.email == CFO_OFFICER)).end_sessions()
        db.session.commit()
    # The page asks again 2 s after "Stay signed in" (this session warns 58 s before its end): where that comes
    # before the sessions end (a loaded machine types slowly), the warning shows again and the next look is
    # 30 s on. The wait covers it.
    ended = WebDriverWait(chrome, 45).until(ec.visibility_of_element_located((By.CSS_SELECTOR,
                                                                              "dialog[data-kind=ended]")))
    assert "Nothing on this page is lost" in ended.text

    demo.config.update(SESSION_IDLE_MINUTES=30, SESSION_WARN_SECONDS=120)
    form_page = chrome.current_window_handle
    chrome.switch_to.new_window("tab")
    sign_in_here()
    chrome.close()
    chrome.switch_to.window(form_page)
    chrome.find_element(By.XPATH, "//dialog//button[.='Continue']").click()
    wait.until(ec.invisibility_of_element_located((By.CSS_SELECTOR, "dialog.scorecard-session")))
    assert chrome.find_element(By.ID, "next_step").get_attribute("value") == typed
    chrome.find_element(By.ID, "save").click()
    wait.until(ec.url_matches(rf"/commitments/{cid}$"))
    with demo.app_context():
        assert db.session.get(Commitment, cid).next_step == typed


@pytest.mark.browser
def test_a_form_goes_only_as_the_person_its_page_was_drawn_for(demo, served, chrome):  # noqa: F811
    """Signed out and in again in another tab before the timer looked: Save still works (the form takes
    the new session's token on its way). Signed in there as someone else: Save is held, and the form is
    sent only once its own person is signed in again (it was saved as the other person)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    from scorecard.demo import DEMO_PASSWORD
    from scorecard.models import CommitmentUpdate

    wait = WebDriverWait(chrome, 20)
    with demo.app_context():
        cid = cfo_open_commitment().id

    def sign_in_as(email):
        chrome.get(served + "/auth/login")
        chrome.find_element(By.NAME, "email").send_keys(email)
        chrome.find_element(By.NAME, "password").send_keys(DEMO_PASSWORD)
        chrome.find_element(By.CSS_SELECTOR, "form.usa-form [type=submit]").click()
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "[data-session-timer]")))

    def in_another_tab(*emails):
        """Sign out there, then in as each of `emails` in turn (the same browser: one cookie for both)."""
        form_page = chrome.current_window_handle
        chrome.switch_to.new_window("tab")
        chrome.get(served + "/")
        chrome.find_element(By.XPATH, "//button[starts-with(., 'Sign out')]").click()
        wait.until(ec.url_contains("/auth/login"))
        for email in emails:
            sign_in_as(email)
        chrome.close()
        chrome.switch_to.window(form_page)

    def last_update():
        with demo.app_context():
            update = db.session.scalars(sa.select(CommitmentUpdate).where(CommitmentUpdate.commitment_id == cid)
                                        .order_by(CommitmentUpdate.id.desc())).first()
            return db.session.get(Commitment, cid).next_step, db.session.get(User, update.user_id).email

    sign_in_as(CFO_OFFICER)
    chrome.get(f"{served}/commitments/{cid}/edit")
    in_another_tab(CFO_OFFICER)  # the same person, a new session: this page's form token is the old one's
    chrome.find_element(By.ID, "next_step").send_keys("Sent after signing in again elsewhere.")
    chrome.find_element(By.ID, "save").click()
    wait.until(ec.url_matches(rf"/commitments/{cid}$"))
    assert last_update() == ("Sent after signing in again elsewhere.", CFO_OFFICER)

    chrome.get(f"{served}/commitments/{cid}/edit")
    next_step = chrome.find_element(By.ID, "next_step")
    next_step.clear()
    next_step.send_keys("Typed by the CFO officer.")
    in_another_tab("admin@demo.cx.gov")
    chrome.find_element(By.ID, "save").click()
    held = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "dialog[data-kind=ended]")))
    assert "You are signed in as someone else" in held.text and "admin@demo.cx.gov is signed in now" in held.text
    assert last_update()[0] == "Sent after signing in again elsewhere.", "nothing was sent as the admin"
    chrome.find_element(By.XPATH, "//dialog//button[.='Continue']").click()
    assert "admin@demo.cx.gov is signed in now" in held.text, "Continue refuses while the other person is in"

    in_another_tab(CFO_OFFICER)
    chrome.find_element(By.XPATH, "//dialog//button[.='Continue']").click()
    wait.until(ec.invisibility_of_element_located((By.CSS_SELECTOR, "dialog.scorecard-session")))
    chrome.find_element(By.ID, "save").click()
    wait.until(ec.url_matches(rf"/commitments/{cid}$"))
    assert last_update() == ("Typed by the CFO officer.", CFO_OFFICER)


def test_a_form_of_an_earlier_session_is_refused_in_plain_words(demo, client):
    """A form opened before signing out and in again carries the old session's token: it was refused with
    Flask-WTF's "The CSRF tokens do not match." and a link home."""
    from scorecard.demo import DEMO_PASSWORD

    with demo.app_context():
        cid = cfo_open_commitment().id
    sign_in(client, CFO_OFFICER, DEMO_PASSWORD)
    old = csrf_token(client.get(f"/commitments/{cid}/edit").get_data(as_text=True))
    client.post("/auth/logout", data={"csrf_token": old})
    sign_in(client, CFO_OFFICER, DEMO_PASSWORD)
    sent = client.post(f"/commitments/{cid}/edit", data={"csrf_token": old, "next_step": "Typed earlier."})
    page = sent.get_data(as_text=True)
    assert sent.status_code == 400 and "CSRF" not in page
    assert "Nothing was saved or changed: this form could not be checked as yours" in page


def test_the_timers_address_answers_json_to_a_method_it_does_not_take(client, client_as):
    """A PUT to the timer's address answered its 401 and 405 as HTML pages, unlike GET and POST there."""
    anonymous = client.put("/auth/session")
    assert anonymous.status_code == 401 and anonymous.is_json
    signed_in = client_as("viewer")
    refused = signed_in.put("/auth/session")
    assert refused.status_code == 405 and refused.is_json and "GET" in refused.headers["Allow"]


def test_stay_signed_in_restarts_the_clock_however_recent_the_last_request(app, client, make_user):
    """The last-seen time is rewritten at most every SEEN_RESOLUTION seconds; a short session (1 minute, a
    warning 50 seconds before its end) warned 10 seconds after a request, and "Stay signed in" then left the
    session as it was: the warning came back a second later, and the session ended anyway."""
    app.config.update(SESSION_IDLE_MINUTES=1, SESSION_WARN_SECONDS=50)
    with app.app_context():
        make_user("viewer")
    sign_in(client, "viewer@test.gov", PASSWORD)
    with client.session_transaction() as session:
        session[SEEN_AT] = time.time() - 10
    state = client.get("/auth/session").get_json()
    assert state["left"]["idle"] <= 50, "the warning shows"
    kept = client.post("/auth/session", headers={"X-CSRFToken": state["csrf_token"]})
    assert kept.status_code == 200 and kept.get_json()["left"]["idle"] >= 58


@pytest.mark.browser
def test_closing_the_warning_leaves_the_page_where_it_was_scrolled_to(demo, served, chrome):  # noqa: F811
    """With nothing focused, closing the warning gave the focus to the page's heading and scrolled the page
    back to its top: someone reading far down a dashboard lost their place at each warning."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    from scorecard.demo import DEMO_PASSWORD

    wait = WebDriverWait(chrome, 20)
    chrome.set_window_size(1000, 500)
    chrome.get(served + "/auth/login")
    chrome.find_element(By.NAME, "email").send_keys(CFO_OFFICER)
    chrome.find_element(By.NAME, "password").send_keys(DEMO_PASSWORD)
    chrome.find_element(By.CSS_SELECTOR, "form.usa-form [type=submit]").click()
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "[data-session-timer]")))
    demo.config.update(SESSION_IDLE_MINUTES=1, SESSION_WARN_SECONDS=58)  # the warning 2 seconds after the page
    chrome.get(served + "/commitments/")
    try:  # laid out (the list drawn) before it is scrolled: under the suite's load a first scroll found it short
        wait.until(lambda d: d.execute_script(
            "return document.documentElement.scrollHeight - window.innerHeight") > 300)
    except TimeoutException:
        raise AssertionError("the page is long enough to be scrolled: "
                             + chrome.find_element(By.TAG_NAME, "body").text[:800]) from None
    chrome.execute_script("window.scrollTo(0, document.documentElement.scrollHeight)")
    down = chrome.execute_script("return window.scrollY")
    assert down > 300, "the page is long enough to be scrolled"
    wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "dialog[data-kind=warning]")))
    chrome.switch_to.active_element.send_keys(Keys.ESCAPE)
    wait.until(ec.invisibility_of_element_located((By.CSS_SELECTOR, "dialog.scorecard-session")))
    assert chrome.switch_to.active_element.tag_name == "h1"
    assert chrome.execute_script("return window.scrollY") == down


def test_a_dashboard_whose_session_ended_elsewhere_says_so_when_a_filter_is_chosen(demo, served, chrome):  # noqa: F811
    """Signed out in another tab, a dashboard's filter changed its own words and nothing else: the page went
    on showing the view before under the new choice, and said nothing until the timer next looked (half an
    hour away). The callback's refusal brings the dialog that says the session ended."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    from scorecard.demo import DEMO_PASSWORD

    wait = WebDriverWait(chrome, 30)
    demo.config.update(SESSION_IDLE_MINUTES=30, SESSION_WARN_SECONDS=120)
    chrome.get(served + "/auth/login")
    chrome.find_element(By.NAME, "email").send_keys(CFO_OFFICER)
    chrome.find_element(By.NAME, "password").send_keys(DEMO_PASSWORD)
    chrome.find_element(By.CSS_SELECTOR, "form.usa-form [type=submit]").click()
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "[data-session-timer]")))
    chrome.get(served + "/dashboards/heatmap")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#heatmap-sort")))
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#session-timer[data-session-timer]")))
    for _ in range(30):  # signed out elsewhere: the session is gone
        for cookie in chrome.get_cookies():
            chrome.delete_cookie(cookie["name"])
        time.sleep(1)  # an answer still under way (the page's own callbacks, on a busy machine) sets it again
        if not chrome.get_cookies():
            break
    assert not chrome.get_cookies(), "the session cookie came back"
    chrome.execute_script("document.getElementById('heatmap-sort').focus()")
    chrome.switch_to.active_element.send_keys(Keys.ENTER)
    wait.until(lambda d: d.execute_script(
        "return !!(document.activeElement && document.activeElement.closest('.dash-options-list-option'))"))
    # another order than the one shown, chosen by its own option (the arrow keys started, now and then, on it)
    other = wait.until(lambda d: next((o for o in d.find_elements(By.CSS_SELECTOR, ".dash-options-list-option")
                                       if o.text.strip() and o.text.strip() != "Worst first"), None))
    other.click()
    wait.until(lambda d: d.find_element(By.ID, "heatmap-sort").text != "Worst first")
    wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "dialog[data-kind=ended]")))
    assert chrome.find_element(By.ID, "scorecard-session-heading").text == "You were signed out"
    chosen = chrome.find_element(By.ID, "heatmap-sort").text
    assert "sort=" not in chrome.current_url and chosen != "Worst first", "the choice shown, its view not drawn"

    # Put away to read the page (a second Escape closes it), the dialog comes back at the next choice: the
    # refusal was passed over once the session had ended, and the view before showed under the new choice.
    for _ in range(2):
        chrome.switch_to.active_element.send_keys(Keys.ESCAPE)
        time.sleep(0.3)
    wait.until(lambda d: not d.execute_script("var x = document.querySelector('dialog[data-kind=ended]');"
                                              "return !!(x && x.open)"))
    chrome.execute_script("document.getElementById('heatmap-sort').focus()")
    chrome.switch_to.active_element.send_keys(Keys.ENTER)
    again = wait.until(lambda d: next((o for o in d.find_elements(By.CSS_SELECTOR, ".dash-options-list-option")
                                       if o.text.strip() and o.text.strip() != chosen), None))
    again.click()
    wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "dialog[data-kind=ended]")))
    assert chrome.find_element(By.ID, "scorecard-session-heading").text == "You were signed out"

    # Signed in again in another tab, Continue draws the page again: its controls and its view agree again.
    here = chrome.current_window_handle
    chrome.switch_to.new_window("tab")
    chrome.get(served + "/auth/login")
    chrome.find_element(By.NAME, "email").send_keys(CFO_OFFICER)
    chrome.find_element(By.NAME, "password").send_keys(DEMO_PASSWORD)
    chrome.find_element(By.CSS_SELECTOR, "form.usa-form [type=submit]").click()
    wait.until(lambda d: "/auth/login" not in d.current_url)
    chrome.close()
    chrome.switch_to.window(here)
    chrome.execute_script("window.notReloaded = true")
    next(b for b in chrome.find_elements(By.CSS_SELECTOR, "dialog button") if b.text == "Continue").click()
    wait.until(lambda d: d.execute_script("return window.notReloaded !== true"))
    wait.until(lambda d: d.find_element(By.ID, "heatmap-sort").text == "Worst first")
    assert "sort=" not in chrome.current_url
