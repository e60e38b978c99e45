"""The Users pages (create, change role, function and leader link, deactivate, reset a password,
unlock; each audited) and the audit log page (filters, pages, CSV), and the audit events of
uploads and cancelled previews."""
import csv
import html as html_module
import io
import re
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from scorecard.clock import day_of
from scorecard.extensions import db
from scorecard.models import (
    AuditEvent,
    BatchStatus,
    Commitment,
    Function,
    ImportBatch,
    Leader,
    LoginFailure,
    Role,
    User,
    utcnow,
)
from tests.conftest import PASSWORD
from tests.helpers import HEADER, ROW, csrf_token, sign_in, upload, workbook_bytes

NEW_PASSWORD = "plum orchard lantern"


def _post(client, page_url: str, action_url: str, **data):
    """`data` posted as the page's forms send it: with its CSRF token and what the account form was opened on."""
    page = client.get(page_url).get_data(as_text=True)
    return client.post(action_url, data={"csrf_token": csrf_token(page), **_opened(page), **data})


def _opened(page: str) -> dict:
    """The account form's hidden record of the fields it was opened on ({} when the page has none)."""
    found = re.search(r'<input[^>]*name="account-opened"[^>]*value="([^"]*)"', page)
    return {"account-opened": html_module.unescape(found.group(1))} if found else {}


def _user(app, email: str) -> User:
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is not None:
            _ = user.function, user.leader
            db.session.expunge_all()
        return user


def _last(app, action: str) -> AuditEvent:
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == action)
                                  .order_by(AuditEvent.id.desc()))
        db.session.expunge_all()
        return event


@pytest.fixture
def admin(app, client_as):
    with app.app_context():
        db.session.add(Function(code="CFO", name="Chief Financial Officer"))
        db.session.add(Leader(name="Lee Leader", email="lee.leader@agency.gov"))
        db.session.commit()
    return client_as("admin")


# --------------------------------------------------------------------------- users


def test_the_users_page_lists_users_with_their_state(app, admin, make_user):
    with app.app_context():
        make_user("viewer")
    page = admin.get("/admin/users")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "viewer@test.gov" in html and "admin@test.gov" in html
    assert re.search(r"viewer@test.gov.*?normal", html, re.S)
    found = admin.get("/admin/users?q=VIEW&role=viewer").get_data(as_text=True)
    assert "viewer@test.gov" in found and "admin@test.gov</a>" not in found


def test_the_users_list_names_each_role_asked_for_that_is_no_role(app, admin, make_user):
    """?role=boss listed every user without a word, as if no role had been asked for; ?role=viewer&role=officer
    listed the viewers only, the second role dropped unseen."""
    with app.app_context():
        make_user("viewer"), make_user("officer")
    page = html_module.unescape(admin.get("/admin/users?role=boss&role=viewer&role=chief&role=officer"
                                          ).get_data(as_text=True))
    assert ("Some filters were ignored: Role: 'boss' and 'chief' are not roles (the roles: admin, executive, officer, "
            "analyst, leader, viewer).") in page
    listed = page[page.index('id="users"'):]
    assert "viewer@test.gov" in listed and "officer@test.gov" in listed and "admin@test.gov</a>" not in listed
    assert re.findall(r'<option value="(\w+)" selected>', page) == ["officer", "viewer"]
    one = html_module.unescape(admin.get("/admin/users?role=boss").get_data(as_text=True))
    assert "Role: 'boss' is not a role" in one and "admin@test.gov" in one
    assert 'id="filter-problems"' not in admin.get("/admin/users?role=viewer").get_data(as_text=True)


def test_a_long_users_list_is_paged_and_keeps_its_search_and_roles(app, admin, monkeypatch):
    """The list stopped at its first 500 ("narrow the search"); 1,500 viewers could not all be reached by a
    role. Each page holds the next users by e-mail, its links keep the search and the roles chosen."""
    from scorecard.admin import routes

    monkeypatch.setattr(routes, "LIST_LIMIT", 3)
    with app.app_context():
        db.session.add_all([User(email=f"viewer{n:02d}@test.gov", name=f"Viewer {n}", role=Role.viewer,
                                 password_hash="x") for n in range(8)])
        db.session.commit()
    first = html_module.unescape(admin.get("/admin/users?q=viewer&role=viewer").get_data(as_text=True))
    assert "8 users; page 1 of 3, users 1 to 3" in first
    links = set(re.findall(r'href="(/admin/users\?[^"]*page=2[^"]*)"', first))
    assert links and all("q=viewer" in link and "role=viewer" in link for link in links), links
    listed = []
    for number in (1, 2, 3, 4):  # past the last: the last
        page = admin.get(f"/admin/users?q=viewer&role=viewer&page={number}").get_data(as_text=True)
        found = re.findall(r"(viewer\d\d@test.gov)</a>", page)
        if number < 4:
            listed += found
        else:
            assert found == listed[-2:]
    assert listed == [f"viewer{n:02d}@test.gov" for n in range(8)]


def test_the_users_page_says_what_each_role_may_do(admin):
    """The page told a new administrator the roles were "(DESIGN §6)", a document of the code, not of the
    site; it lists what each role may do, in the words of the role choices."""
    from scorecard.admin.forms import ROLE_WORDS

    html = admin.get("/admin/users").get_data(as_text=True)
    assert "DESIGN" not in html and "§" not in html
    listed = re.search(r'<ul[^>]*id="role-words".*?</ul>', html, re.S).group(0)
    assert [html_module.unescape(item) for item in re.findall(r"<li>(.*?)</li>", listed)] == list(ROLE_WORDS.values())


def test_an_administrator_creates_a_user(app, admin):
    response = _post(admin, "/admin/users/new", "/admin/users/new", email="Pat@Agency.gov", name="Pat Lee",
                     role="officer", function="CFO", leader="", password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    assert response.status_code == 303
    pat = _user(app, "pat@agency.gov")
    assert pat.role is Role.officer and pat.function.code == "CFO" and pat.check_password(NEW_PASSWORD)
    event = _last(app, "user.create")
    assert event.user_id == _user(app, "admin@test.gov").id and event.entity_id == pat.id
    # their page, where the administrator lands, lists that one event: once "The latest 1 events"
    shown = admin.get(response.headers["Location"]).get_data(as_text=True)
    caption = re.search(r'<table[^>]*id="user-events">\s*<caption>(.*?);', shown, re.S).group(1)
    assert " ".join(caption.split()) == "The one event by or about pat@agency.gov", caption
    assert event.after["role"] == "officer" and event.client_address == "127.0.0.1"
    assert sign_in(app.test_client(), "pat@agency.gov", NEW_PASSWORD).status_code == 302


def test_a_refused_form_sums_up_its_problems_above_it_each_linked_to_its_field(app, admin):
    """The new-user form refused four fields with a message beside each and the focus on the first: a screen
    reader heard one. Like every form of the site, it and the sign-in, password and token forms sum them up above
    the form (which takes the focus), each linked to its field."""
    refused = _post(admin, "/admin/users/new", "/admin/users/new", email="", name="", role="", function="",
                    leader="", password="", confirm="").get_data(as_text=True)
    summary = re.search(r'<div class="usa-alert usa-alert--error[^"]*" role="alert" id="form-problems" tabindex="-1" '
                        r'data-focus-on-load>(.*?)</div>\s*</div>', refused, re.S).group(1)
    assert "No user was made: please correct these" in summary
    linked = re.findall(r'<a class="usa-link" href="#(\w+)">', summary)
    assert {"email", "role", "password", "confirm"} <= set(linked), linked
    assert 'role="alert">' not in refused.split('id="form-problems"')[1], "the fields' messages are not alerts too"
    blank = app.test_client()
    page = blank.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    signed = blank.post("/auth/login", data={"csrf_token": token, "email": "", "password": ""}).get_data(as_text=True)
    assert "You are not signed in: please correct these" in signed and 'href="#email"' in signed


def test_a_new_users_leader_record_is_linked_whatever_their_role(app, admin):
    """An executive created with their leader record's e-mail was made without the link, not a word said (only a
    leader's was read), so they could rate their own plan; a mistyped e-mail was not refused either. The link is
    checked and kept for any role, as a change of the account keeps it."""
    made = _post(admin, "/admin/users/new", "/admin/users/new", email="lee@agency.gov", name="Lee", role="executive",
                 function="", leader="Lee.Leader@agency.gov", password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    assert made.status_code == 303
    lee = _user(app, "lee@agency.gov")
    assert lee.role is Role.executive and lee.leader is not None and lee.leader.email == "lee.leader@agency.gov"
    assert _last(app, "user.create").after["leader"] == "lee.leader@agency.gov"
    mistyped = _post(admin, "/admin/users/new", "/admin/users/new", email="pat@agency.gov", name="", role="officer",
                     function="CFO", leader="nobody@agency.gov", password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    page = mistyped.get_data(as_text=True)
    assert mistyped.status_code == 400 and _user(app, "pat@agency.gov") is None
    assert re.search(r'id="leader-error"[^>]*>No leader record with e-mail nobody@agency.gov \(leader records come '
                     r'from the Leaders import: Imports, Upload, with its template\)\.<', page), page


@pytest.mark.parametrize("fields, message", [
    ({"email": "not-an-address"}, "is not an e-mail address"),
    ({"password": "short-pw", "confirm": "short-pw"}, "at least 12 characters"),
    ({"password": "qwerty123456", "confirm": "qwerty123456"}, "commonly used"),
    ({"confirm": "something else entirely"}, "The two passwords differ."),
    ({"role": "officer"}, "An officer needs a function."),
    ({"function": "CFO"}, "Only an officer has a C-suite function (it limits their commitments to it); an account "
                          "with the viewer role takes none"),
    ({"role": "leader"}, "A leader needs a leader record, and none has this user&#39;s own e-mail (pat@agency.gov); "
                         "give the e-mail of their leader record."),
    ({"email": "admin@test.gov"}, "already exists"),
    ({"name": "Pat \u202e Lee"}, "Name contains a hidden text-direction character (U+202E)"),
])
def test_creating_a_user_refuses_what_it_must(app, admin, fields, message):
    data = {"email": "pat@agency.gov", "name": "", "role": "viewer", "function": "", "leader": "",
            "password": NEW_PASSWORD, "confirm": NEW_PASSWORD, **fields}
    response = _post(admin, "/admin/users/new", "/admin/users/new", **data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _user(app, "pat@agency.gov") is None


def test_a_new_user_made_by_another_administrator_at_the_same_moment_is_said_at_the_field(app, admin, monkeypatch):
    """Two administrators making race9@ and Race9@ at once: the second got the generic "saved at the same moment"
    page, naming neither the field nor the address, and lost the form. Both passed the checks before either was
    saved (played here by checks that pass once each): the database refuses the second, which is told at its field
    that the address is taken, the form kept."""
    from scorecard.admin import routes
    from scorecard.auth import services

    with app.app_context():
        made = User(email="race9@agency.gov", role=Role.viewer)
        made.set_password(NEW_PASSWORD)
        db.session.add(made)
        db.session.commit()
    for module in (routes, services):
        real, passed = module.new_user_problems, []

        def once(*args, real=real, passed=passed, **kwargs):
            if not passed:
                passed.append(True)
                return {}
            return real(*args, **kwargs)
        monkeypatch.setattr(module, "new_user_problems", once)
    sent = _post(admin, "/admin/users/new", "/admin/users/new", email="Race9@agency.gov", name="Ray Race",
                 role="viewer", function="", leader="", password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    page = sent.get_data(as_text=True)
    assert sent.status_code == 400, page[:300]
    assert re.search(r'id="email-error"[^>]*>A user with e-mail race9@agency\.gov already exists\.<', page), page
    assert 'value="Ray Race"' in page, "the form is kept"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(
            sa.func.lower(User.email) == "race9@agency.gov")) == 1


def test_a_new_user_gets_no_role_the_administrator_did_not_choose(app, admin):
    """The role list opened on Administrator: a form filled in and sent without touching it made an
    administrator. It opens on no role, and one must be chosen."""
    page = admin.get("/admin/users/new").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="role".*?</select>', page, re.S).group(0)
    assert re.findall(r'<option[^>]*value="(\w*)"', select)[0] == "" and "selected" not in select, select
    sent = _post(admin, "/admin/users/new", "/admin/users/new", email="pat@agency.gov", name="", role="",
                 function="", leader="", password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    assert sent.status_code == 400 and "Choose the new user&#39;s role." in sent.get_data(as_text=True)
    assert _user(app, "pat@agency.gov") is None


def test_every_problem_of_a_new_user_is_said_at_once_beside_its_field(app, admin):
    """An e-mail taken, a short password, two passwords that differ and an officer without a function came
    back one per submission."""
    response = _post(admin, "/admin/users/new", "/admin/users/new", email="admin@test.gov", name="",
                     role="officer", function="", leader="", password="short", confirm="other")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for field, message in (("email", "already exists"), ("password", "at least 12 characters"),
                           ("confirm", "The two passwords differ."), ("function", "An officer needs a function.")):
        [group] = [g for g in page.split('<div class="usa-form-group')[1:] if f'id="{field}"' in g]
        assert group.startswith(" usa-form-group--error") and message in group, (field, message)
    summary = re.search(r'id="form-problems".*?</ul>', page, re.S).group()
    assert re.findall(r'href="#(\w+)"', summary) == ["email", "function", "password", "confirm"], (
        "the summary follows the page (the form's own order put the function before the e-mail)")
    empty = _post(admin, "/admin/users/new", "/admin/users/new", email="", name="x" * 250, role="viewer",
                  function="", leader="", password="", confirm="").get_data(as_text=True)
    for field, second in (("email", "An e-mail address has"), ("password", "The password must have"),
                          ("name", "A name is at most")):  # the form's message, not a second for the same problem
        [group] = [g for g in empty.split('<div class="usa-form-group')[1:] if f'id="{field}"' in g]
        assert "usa-error-message" in group and second not in group, (field, group[:400])
    labels = re.findall(r'<label class="usa-label" for="(\w+)">([^<]+)</label>', empty)
    assert [text for field, text in labels if text.endswith(" (optional)")] == ["Name (optional)"], (
        "the one field a new user may go without is marked so; the others are required")


@pytest.mark.parametrize("name, said", [("Evil\r\nBcc: x@evil.gov", "The name holds a line break (U+000A)"),
                                         ("CFO\x0bOfficer", "The name holds a line break (U+000A)"),  # Shift+Enter
                                         # no text keeps a C1 control (scorecard.text): said as every field says it
                                         ("CFO\x85Officer", "Name held a control character (U+0085), which cannot "
                                                             "be kept"),
                                         ("CFO\u2028Officer", "The name holds a line break (U+2028)"),
                                         # a blank name in the users list and on every page
                                         ("\u200b\u2060", "name shows nothing (only invisible characters)"),
                                         ("\u3164", "name shows nothing (only invisible characters)")])
def test_a_name_is_one_line(app, admin, make_user, name, said):
    """A name with a line break in it was saved, on both forms: it opens the reminder mails ("Hello …,"),
    where it started a line of its own. Refused at the field, naming the character; nothing changed."""
    made = _post(admin, "/admin/users/new", "/admin/users/new", email="pat@agency.gov", name=name, role="viewer",
                 password=NEW_PASSWORD, function="", leader="")
    assert made.status_code == 400 and said in made.get_data(as_text=True)
    assert _user(app, "pat@agency.gov") is None
    with app.app_context():
        viewer_id = make_user("viewer").id
    page = f"/admin/users/{viewer_id}"
    changed = _post(admin, page, f"{page}/account", **{"account-name": name, "account-role": "viewer",
                                                      "account-function": "", "account-leader": ""})
    assert changed.status_code == 400 and said in changed.get_data(as_text=True)
    assert _user(app, "viewer@test.gov").name is None


def test_the_command_line_refuses_a_name_the_forms_refuse(app):
    """`scorecard create-user --name` kept a hidden text-direction character the users form refuses."""
    from scorecard.auth.services import new_user_problems

    with app.app_context():
        problems = new_user_problems("cli@agency.gov", NEW_PASSWORD, Role.viewer, name="Bidi\u202eevil")
        assert problems == {"name": "the name holds a hidden text-direction character (U+202E); remove it"}
        assert new_user_problems("cli@agency.gov", NEW_PASSWORD, Role.viewer, name="Zoë Ng") == {}


def test_an_account_of_another_role_than_officer_takes_no_function(app, admin, make_user):
    """A viewer given the CFO function was saved so, and the users list showed "CFO" beside a viewer, a scope the
    role does not have: refused at the field, and nothing changed."""
    with app.app_context():
        viewer_id = make_user("viewer").id
    page = f"/admin/users/{viewer_id}"
    refused = _post(admin, page, f"{page}/account", **{"account-name": "", "account-role": "executive",
                                                        "account-function": "CFO", "account-leader": ""})
    assert refused.status_code == 400
    assert "an account with the executive role takes none" in refused.get_data(as_text=True)
    with app.app_context():
        kept = db.session.get(User, viewer_id)
        assert kept.role is Role.viewer and kept.function is None


def test_changing_role_function_and_leader_is_audited(app, admin, make_user):
    with app.app_context():
        viewer_id = make_user("viewer").id
    page = f"/admin/users/{viewer_id}"
    made_officer = _post(admin, page, f"{page}/account", **{"account-name": "Val Viewer", "account-role": "officer",
                                                           "account-function": "CFO", "account-leader": ""})
    assert made_officer.status_code == 303
    event = _last(app, "user.role_change")
    assert event.before == {"function": None, "name": None, "role": "viewer"}
    assert event.after == {"function": "CFO", "name": "Val Viewer", "role": "officer"}
    made_leader = _post(admin, page, f"{page}/account", **{"account-name": "Val Viewer", "account-role": "leader",
                                                          "account-function": "",
                                                          "account-leader": "Lee.Leader@agency.gov"})
    assert made_leader.status_code == 303
    val = _user(app, "viewer@test.gov")
    assert val.role is Role.leader and val.leader.email == "lee.leader@agency.gov" and val.function is None
    assert _last(app, "user.role_change").after == {"function": None, "leader": "lee.leader@agency.gov",
                                                    "role": "leader"}
    same = _post(admin, page, f"{page}/account", **{"account-name": "Val Viewer", "account-role": "leader",
                                                   "account-function": "", "account-leader": "lee.leader@agency.gov"})
    assert same.status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "user.role_change")) == 2


def test_role_changes_refuse_what_the_roles_need(app, admin, make_user):
    with app.app_context():
        viewer_id = make_user("viewer").id
        admin_id = db.session.scalar(sa.select(User.id).where(User.email == "admin@test.gov"))
    page = f"/admin/users/{viewer_id}"
    for fields, message, field in (
            ({"account-role": "officer"}, "An officer needs a function.", "function"),
            ({"account-role": "leader"}, "A leader needs the e-mail of their leader record.", "leader"),
            ({"account-role": "leader", "account-leader": "nobody@agency.gov"}, "No leader record", "leader"),
            ({"account-role": "viewer", "account-function": "XYZ"}, "Not a valid choice", "function")):
        response = _post(admin, page, f"{page}/account", **{"account-name": "", "account-function": "",
                                                           "account-leader": "", **fields})
        shown = response.get_data(as_text=True)
        assert response.status_code == 400 and message in shown, message
        # said at its field (WCAG 3.3.1), as the new-user form says it: not only in an alert above the form
        control = re.search(rf'<(?:input|select)[^>]*id="account-{field}"[^>]*>', shown).group()
        assert 'aria-invalid="true"' in control, (message, control)
        described = re.search(r'aria-describedby="([^"]+)"', control).group(1)
        assert message in shown[shown.index(f'id="{described}"'):][:400], (message, described)
        ids = re.findall(r'\sid="([^"]+)"', shown)
        assert len(ids) == len(set(ids)), "every id on the page once (the forms' CSRF fields had one id)"
    own = _post(admin, f"/admin/users/{admin_id}", f"/admin/users/{admin_id}/account",
                **{"account-name": "", "account-role": "viewer", "account-function": "", "account-leader": ""})
    assert own.status_code == 400 and "cannot take the administrator role from yourself" in own.get_data(as_text=True)
    assert _user(app, "viewer@test.gov").role is Role.viewer


def _account_form(page: str) -> dict:
    """The account form's fields as the page filled them, as a browser would send them back."""
    form = page[re.search(r'action="/admin/users/\d+/account"', page).start():]
    form = form[:form.index("</form>")]
    fields = {"csrf_token": csrf_token(page), **_opened(page)}
    for name in ("account-name", "account-leader"):
        fields[name] = html_module.unescape(re.search(rf'<input[^>]*name="{name}"[^>]*?(?:value="([^"]*)")?[^>]*>',
                                                      form).group(1) or "")
    for name in ("account-role", "account-function"):
        select = re.search(rf'<select[^>]*name="{name}".*?</select>', form, re.S).group()
        chosen = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', select)
        fields[name] = next((v for v in chosen.groups() if v is not None), "") if chosen else ""
    return fields


def test_a_save_of_an_account_changed_since_the_form_was_opened_is_refused(app, admin, make_user):
    """Two administrators opened the same account; the first made the viewer an executive, the second then saved
    the name on the form opened before: the role went back to viewer, the first's change lost without a word."""
    with app.app_context():
        viewer_id = make_user("viewer").id
        other = app.test_client(user=make_user("admin", "second.admin@test.gov"))
    page = f"/admin/users/{viewer_id}"
    first, second = _account_form(admin.get(page).get_data(as_text=True)), \
        _account_form(other.get(page).get_data(as_text=True))
    assert (first["account-role"], second["account-role"]) == ("viewer", "viewer")
    assert admin.post(f"{page}/account", data={**first, "account-role": "executive"}).status_code == 303

    stale = other.post(f"{page}/account", data={**second, "account-name": "Val Viewer"})
    assert stale.status_code == 409
    said = re.sub(r"\s+", " ", html_module.unescape(stale.get_data(as_text=True)))
    assert re.search(r"Admin@test\.gov changed this account at \d{4}-\d\d-\d\d \d\d:\d\d E[SD]T, after you opened it "
                     r"\(role viewer → executive\); nothing was saved\. Yours was name “Val Viewer”\. The form now "
                     r"shows the account as it is: make your change again if it still applies\.", said, re.I), (
        said[said.find("role="):][:600])  # what was typed is said: the form shows the account as stored
    kept = _user(app, "viewer@test.gov")
    assert kept.role is Role.executive and kept.name is None
    shown = _account_form(stale.get_data(as_text=True))
    assert (shown["account-role"], shown["account-name"]) == ("executive", ""), "the form holds what is stored now"

    again = other.post(f"{page}/account", data={**shown, "account-name": "Val Viewer"})
    assert again.status_code == 303, "the form shown after the refusal stands for the account as it is now"
    kept = _user(app, "viewer@test.gov")
    assert (kept.role, kept.name) == (Role.executive, "Val Viewer")


def test_an_account_form_sent_twice_or_opened_in_two_tabs(app, admin, make_user):
    """The same save sent again (a double click) is no conflict; one's own save in another tab is named as
    one's own; a form without what it was opened on is refused, not saved blind."""
    with app.app_context():
        viewer_id = make_user("viewer").id
    page = f"/admin/users/{viewer_id}"
    tab, other_tab = (_account_form(admin.get(page).get_data(as_text=True)) for _ in range(2))
    sent = {**tab, "account-role": "executive"}
    assert admin.post(f"{page}/account", data=sent).status_code == 303
    assert admin.post(f"{page}/account", data=sent).status_code == 303, "sent twice: saved once"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "user.role_change")) == 1
    mine = admin.post(f"{page}/account", data={**other_tab, "account-name": "Val"})
    assert mine.status_code == 409
    assert "You, in another tab or window, changed this account" in html_module.unescape(mine.get_data(as_text=True))
    blind = admin.post(f"{page}/account", data={k: v for k, v in {**tab, "account-role": "viewer"}.items()
                                                  if k != "account-opened"})
    assert blind.status_code == 400 and "The form lost what it was opened on" in blind.get_data(as_text=True)
    assert _user(app, "viewer@test.gov").role is Role.executive


def test_a_leader_record_links_to_one_user_only(app, admin, make_user):
    with app.app_context():
        first = make_user("viewer", "first@test.gov").id
        second = make_user("viewer", "second@test.gov").id
    fields = {"account-name": "", "account-role": "leader", "account-function": "",
              "account-leader": "lee.leader@agency.gov"}
    assert _post(admin, f"/admin/users/{first}", f"/admin/users/{first}/account", **fields).status_code == 303
    taken = _post(admin, f"/admin/users/{second}", f"/admin/users/{second}/account", **fields)
    assert taken.status_code == 400 and "already linked to the user first@test.gov" in taken.get_data(as_text=True)


def test_deactivating_ends_sessions_and_tokens_and_is_audited(app, admin, make_user):
    from scorecard.api.tokens import create_token

    with app.app_context():
        analyst = make_user("analyst")
        _, secret = create_token(db.session, analyst, scope="read")
        analyst_id = analyst.id
    session = app.test_client()
    sign_in(session, "analyst@test.gov", PASSWORD)
    assert session.get("/").status_code == 200
    bearer = {"Authorization": f"Bearer {secret}"}
    assert app.test_client().get("/api/v1/agencies", headers=bearer).status_code == 200
    page = f"/admin/users/{analyst_id}"
    assert _post(admin, page, f"{page}/deactivate").status_code == 303
    assert session.get("/").status_code == 302
    assert sign_in(app.test_client(), "analyst@test.gov", PASSWORD).status_code == 401
    assert app.test_client().get("/api/v1/agencies", headers=bearer).status_code == 401
    event = _last(app, "user.deactivate")
    assert (event.entity_id, event.before, event.after) == (analyst_id, {"active": True},
                                                            {"active": False, "tokens_revoked": 1})
    reactivated = _post(admin, page, f"{page}/reactivate")
    assert reactivated.status_code == 303
    assert "their API tokens stay revoked: they make new ones" in admin.get(page).get_data(as_text=True)
    assert _last(app, "user.reactivate").after == {"active": True}
    assert sign_in(app.test_client(), "analyst@test.gov", PASSWORD).status_code == 302
    assert app.test_client().get("/api/v1/agencies", headers=bearer).status_code == 401  # not revived


def test_made_a_viewer_a_user_keeps_read_tokens_and_loses_write_tokens(app, admin, make_user):
    """A viewer may hold read tokens only: the analyst's write token was left usable as a write token
    after the role change (its writes then refused by role alone); it is revoked, and audited."""
    from scorecard.api.tokens import create_token

    with app.app_context():
        analyst = make_user("analyst")
        (_, read), (_, write) = (create_token(db.session, analyst, scope=scope) for scope in ("read", "write"))
        analyst_id = analyst.id
    page = f"/admin/users/{analyst_id}"
    assert _post(admin, page, f"{page}/account", **{"account-name": "", "account-role": "viewer",
                                                   "account-function": "", "account-leader": ""}).status_code == 303
    assert app.test_client().get("/api/v1/agencies", headers={"Authorization": f"Bearer {read}"}).status_code == 200
    assert app.test_client().get("/api/v1/agencies", headers={"Authorization": f"Bearer {write}"}).status_code == 401
    assert _last(app, "user.role_change").after == {"role": "viewer", "tokens_revoked": 1}


def test_an_administrator_cannot_deactivate_themselves(app, admin):
    admin_id = _user(app, "admin@test.gov").id
    response = _post(admin, f"/admin/users/{admin_id}", f"/admin/users/{admin_id}/deactivate")
    assert response.status_code == 400 and "cannot deactivate your own account" in response.get_data(as_text=True)
    assert _user(app, "admin@test.gov").active
    # the page offers no button that can only be refused: it says who can deactivate the account
    own = admin.get(f"/admin/users/{admin_id}").get_data(as_text=True)
    assert f"/admin/users/{admin_id}/deactivate" not in own and "another administrator can deactivate it" in own


def test_an_administrators_own_page_offers_no_role_it_would_refuse(app, admin, make_user):
    """Their own page offered every role, and saving any but administrator was refused ("you cannot take the
    administrator role from yourself"): it offers that one and says who can change it; another user's offers all."""
    admin_id = _user(app, "admin@test.gov").id
    own = admin.get(f"/admin/users/{admin_id}").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="account-role".*?</select>', own, re.S).group(0)
    assert re.findall(r'<option[^>]*value="(\w+)"', select) == ["admin"]
    assert "another administrator can change its role" in own
    with app.app_context():
        other_id = make_user("viewer").id
    other = admin.get(f"/admin/users/{other_id}").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="account-role".*?</select>', other, re.S).group(0)
    assert len(re.findall(r"<option", select)) == len(Role)


def test_the_last_active_administrator_stays(app, make_user):
    from scorecard.admin.services import UserChangeError, set_active, update_account

    with app.app_context():
        first = make_user("admin", "first.admin@test.gov")
        second = make_user("admin", "second.admin@test.gov")
        set_active(db.session, second, False, by=first)
        with pytest.raises(UserChangeError, match="only active administrator"):
            update_account(db.session, first, by=second, name=None, role=Role.admin, function_code=None,
                           leader_email=None) or set_active(db.session, first, False, by=second)


def test_two_administrators_deactivating_each_other_at_once_leave_one(app, make_user, monkeypatch):
    """Each counted the other as the administrator who would stay, before either change was saved: both were
    deactivated, and the agency was left with no administrator but the command line. The changes are counted
    one at a time: the second is refused."""
    from scorecard.admin import routes, services

    with app.app_context():
        first, second = make_user("admin", "first.admin@test.gov"), make_user("admin", "second.admin@test.gov")
        clients = {first.id: app.test_client(user=first), second.id: app.test_client(user=second)}
    together, original = threading.Barrier(2), services._event

    def set_active_together(*args, **kwargs):
        together.wait(10)  # both requests past their checks of the form and the user: the counting is all left
        return services.set_active(*args, **kwargs)

    def slow_event(*args, **kwargs):  # between the count and the save: wide enough for the other to count too
        time.sleep(0.3)
        return original(*args, **kwargs)
    monkeypatch.setattr(routes, "set_active", set_active_together)
    monkeypatch.setattr(services, "_event", slow_event)
    statuses = []

    def deactivate_the_other(own_id: int, other_id: int):
        client = clients[own_id]
        statuses.append(_post(client, f"/admin/users/{other_id}", f"/admin/users/{other_id}/deactivate").status_code)
    threads = [threading.Thread(target=deactivate_the_other, args=pair)
               for pair in ((first.id, second.id), (second.id, first.id))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    with app.app_context():
        active = db.session.scalars(sa.select(User.email).where(User.role == Role.admin, User.active.is_(True))).all()
    assert len(active) == 1, (active, statuses)
    assert sorted(statuses) == [303, 400], statuses


def test_resetting_a_password_ends_sessions_and_is_audited(app, admin, make_user):
    with app.app_context():
        viewer_id = make_user("viewer").id
    session = app.test_client()
    sign_in(session, "viewer@test.gov", PASSWORD)
    page = f"/admin/users/{viewer_id}"
    weak = _post(admin, page, f"{page}/password", **{"password-password": "password1234",
                                                    "password-confirm": "password1234"})
    assert weak.status_code == 400 and "commonly used" in weak.get_data(as_text=True)
    done = _post(admin, page, f"{page}/password", **{"password-password": NEW_PASSWORD,
                                                    "password-confirm": NEW_PASSWORD})
    assert done.status_code == 303
    assert session.get("/").status_code == 302
    assert sign_in(app.test_client(), "viewer@test.gov", PASSWORD).status_code == 401
    assert sign_in(app.test_client(), "viewer@test.gov", NEW_PASSWORD).status_code == 302
    event = _last(app, "user.password_reset")
    assert event.entity_id == viewer_id and NEW_PASSWORD not in str(event.after) and "hash" not in str(event.after)


def test_an_administrator_resetting_their_own_password_is_told_to_sign_in_again(app, admin):
    """Their own reset signed them out and the sign-in page read "New password set for admin@test.gov; their
    sessions have ended. Tell them through a channel other than e-mail." It speaks to them, and the form says
    beforehand that this session ends too."""
    import html

    admin_id = _user(app, "admin@test.gov").id
    own = app.test_client()
    assert sign_in(own, "admin@test.gov", PASSWORD).status_code == 302
    page = f"/admin/users/{admin_id}"
    assert "your sessions end, this one too" in own.get(page).get_data(as_text=True)
    done = _post(own, page, f"{page}/password", **{"password-password": NEW_PASSWORD,
                                                   "password-confirm": NEW_PASSWORD})
    assert done.status_code == 303 and done.headers["Location"].startswith("/auth/login?next=")
    said = html.unescape(own.get(done.headers["Location"]).get_data(as_text=True))
    assert "Your new password is set, and your sessions have ended, this one too" in said
    assert "Tell them" not in said and "their sessions" not in said
    assert sign_in(app.test_client(), "admin@test.gov", NEW_PASSWORD).status_code == 302


def test_unlocking_a_user_on_the_page(app, admin, make_user):
    with app.app_context():
        viewer_id = make_user("viewer").id
    guesser = app.test_client()
    for _ in range(6):
        sign_in(guesser, "viewer@test.gov", "guess-guess-guess")
    assert sign_in(app.test_client(), "viewer@test.gov", PASSWORD).status_code == 429
    page = admin.get(f"/admin/users/{viewer_id}").get_data(as_text=True)
    assert "delayed: 5 recent failed sign-ins" in page
    assert "delayed" in admin.get("/admin/users").get_data(as_text=True)
    assert _post(admin, f"/admin/users/{viewer_id}", f"/admin/users/{viewer_id}/unlock").status_code == 303
    assert sign_in(app.test_client(), "viewer@test.gov", PASSWORD).status_code == 302
    event = _last(app, "auth.unlock")
    assert event.entity_id == viewer_id and event.user_id == _user(app, "admin@test.gov").id
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure)) == 5, "kept, cleared"


def test_unlocking_a_client_address_on_the_page(app, admin):
    """An address refused is said at its field, with the address as typed, on the page the form is on (it was
    said in a banner above the users list, with the field emptied, and an empty one as "This field is
    required.")."""
    bad = _post(admin, "/admin/users", "/admin/unlock-address", **{"address-address": "10.0.0.999"})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert re.search(r'id="address-address-error"[^>]*>Client address \(IPv4 or IPv6\): &#39;10\.0\.0\.999&#39; '
                     r"is not an IPv4 or IPv6 address</span>", page), page
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*name="address-address"[^>]*value="10\.0\.0\.999"', page)
    assert 'id="users"' in page, "the users list is shown with it"
    empty = _post(admin, "/admin/users", "/admin/unlock-address", **{"address-address": ""})
    assert empty.status_code == 400 and "Enter the client address to unlock" in empty.get_data(as_text=True)
    assert _last(app, "auth.unlock") is None, "nothing unlocked"
    good = _post(admin, "/admin/users", "/admin/unlock-address", **{"address-address": "192.0.2.7"})
    assert good.status_code == 303 and _last(app, "auth.unlock").after["client_address"] == "192.0.2.7"
    said = html_module.unescape(admin.get(good.headers["Location"]).get_data(as_text=True))
    assert ("Sign-ins from 192.0.2.7 are no longer held back (0 recent failures cleared from its count). An account "
            "guessed at from it keeps its own delay: open the user below to unlock it.") in said


def test_a_missing_user_is_not_found(admin):
    assert admin.get("/admin/users/999999").status_code == 404


# --------------------------------------------------------------------------- the audit log


def _seed_events(app, count: int, **values) -> None:
    with app.app_context():
        for n in range(count):
            db.session.add(AuditEvent(action=values.get("action", "test.event"), entity_type="thing",
                                      entity_id=n + 1, after={"n": n},
                                      at=values.get("at", utcnow()) - timedelta(seconds=n),
                                      user_id=values.get("user_id")))
        db.session.commit()


def test_the_audit_log_pages_newest_first(app, client_as):
    executive = client_as("executive")
    _seed_events(app, 120)
    page = executive.get("/admin/audit?action=test.event").get_data(as_text=True)
    assert "120 events matching the filters, newest first; page 1 of 3" in page
    assert page.count("<tr><td>") == 50 and '<span class="text-italic">n</span>: 0</li>' in page
    last = executive.get("/admin/audit?action=test.event&page=3").get_data(as_text=True)
    assert last.count("<tr><td>") == 20 and '<span class="text-italic">n</span>: 119</li>' in last
    assert 'aria-current="page">3<' in last and "Newer" in last and "Older" not in last
    assert executive.get("/admin/audit?action=test.event&page=99").status_code == 200
    # each page has a title of its own (WCAG 2.4.2): the first as ever, the others with their number
    assert "<title>Audit log · CX Scorecard</title>" in page
    assert "<title>Audit log (page 3 of 3) · CX Scorecard</title>" in last


def test_the_audit_logs_pages_mark_the_pages_left_out(app, client_as):
    """Page 5 of 9 listed "1 4 5 6 9": nothing said pages 2, 3, 7 and 8 were there too. A gap is marked "…"
    (USWDS's overflow item), and only a gap."""
    _seed_events(app, 401)
    nav = re.search(r'<nav aria-label="Pages of the audit log".*?</nav>',
                    client_as("executive").get("/admin/audit?action=test.event&page=5").get_data(as_text=True),
                    re.S).group(0)
    shown = re.findall(r'aria-label="Page (\d+)"|usa-pagination__(overflow)', nav)
    assert [number or "…" for number, gap in shown] == ["1", "…", "4", "5", "6", "…", "9"]
    # a screen reader hears what the gap is, not a lone "…" or nothing (USWDS labels it too)
    assert nav.count('<span aria-hidden="true">…</span><span class="usa-sr-only">pages left out</span>') == 2
    near = re.search(r'<nav aria-label="Pages of the audit log".*?</nav>', client_as("admin").get(
        "/admin/audit?action=test.event&page=2").get_data(as_text=True), re.S).group(0)
    assert [n or "…" for n, _ in re.findall(r'aria-label="Page (\d+)"|usa-pagination__(overflow)', near)] == [
        "1", "2", "3", "…", "9"]


def test_the_audit_log_shows_what_changed_as_written(app, client_as):
    """A value's & < > were written as JSON's script escapes ("Governance \\u0026 Strategy"); they read as
    themselves, escaped for the page as any text."""
    import html

    with app.app_context():
        db.session.add(AuditEvent(action="test.words", entity_type="thing", entity_id=1,
                                  before={"domain": "Governance & Strategy <b>", "proposed_rating": None,
                                          "next_step": None},
                                  after={"score": "5 — café", "links": ["https://a.gov/?x=1&y=<2>"], "kept": True,
                                         "next_step": "none", "reason": "Waiting; status: complete"}))
        db.session.commit()
    page = client_as("executive").get("/admin/audit?action=test.words").get_data(as_text=True)
    assert "\\u0026" not in page and "<b>" not in page and "<2>" not in page
    # each value named in words, one a line, not as JSON: {"proposed_rating": null} read as code to an executive;
    # a text quoted, so that "none" typed is not no value, nor "; status: ..." typed another field
    said = [html.unescape(re.sub(r"<[^>]+>", "", item)) for item in re.findall(
        r"<li>(.*?)</li>", re.search(r"<strong>Before:</strong>.*?</td>", page, re.S).group(0))]
    assert said == ['domain: "Governance & Strategy <b>"', "next step: none", "proposed rating: none",
                    "kept: yes", 'links: ["https://a.gov/?x=1&y=<2>"]', 'next step: "none"',
                    'reason: "Waiting; status: complete"', 'score: "5 — café"'], said


def test_the_audit_log_filters(app, client_as, make_user):
    executive = client_as("executive")
    with app.app_context():
        pat_id = make_user("analyst", "pat@test.gov").id
    _seed_events(app, 3, action="test.mine", user_id=pat_id)
    _seed_events(app, 2, action="test.old", at=utcnow() - timedelta(days=40))
    who = executive.get("/admin/audit?who=PAT").get_data(as_text=True)
    assert "3 events matching the filters" in who
    old_day = day_of(utcnow() - timedelta(days=40)).isoformat()  # the agency's day, as the filters read it
    when = executive.get(f"/admin/audit?since={old_day}&until={old_day}").get_data(as_text=True)
    assert "2 events matching the filters" in when
    thing = executive.get("/admin/audit?entity_type=thing&entity_id=2").get_data(as_text=True)
    assert "2 events matching the filters" in thing  # one of each seed
    system = executive.get("/admin/audit?who=none&action=test.old").get_data(as_text=True)
    assert "2 events matching the filters" in system
    wrong = executive.get("/admin/audit?since=yesterday&entity_id=x1&page=-2").get_data(as_text=True)
    assert "Some filters were ignored" in wrong and "is not a date" in wrong and "is not a whole number" in wrong
    trailing = executive.get("/admin/audit?since=2026-01-01garbage").get_data(as_text=True)
    assert "&#39;2026-01-01garbage&#39; is not a date" in trailing, "read as its first ten characters"
    twice = html_module.unescape(executive.get(f"/admin/audit?since={old_day}&since=2020-01-01").get_data(as_text=True))
    assert f"the “from” date is given 2 times ('{old_day}' and '2020-01-01')" in twice, "one of them was used, unsaid"
    assert "events matching the filters" not in twice, "neither is used"
    assert executive.get("/admin/audit.csv?action=test.old&action=test.mine").status_code == 400
    for path in ("/admin/audit?page=²", "/admin/audit?entity_id=%C2%B2", "/admin/audit.csv?page=²",
                 "/admin/audit?since=0001-01-01&until=9999-12-31", "/admin/audit.csv?until=9999-12-31"):
        response = executive.get(path)
        assert response.status_code == 200, (path, response.status_code)
    assert "&#39;²&#39; is not a whole number" in executive.get("/admin/audit?page=²").get_data(as_text=True)
    # -1 is a whole number: the message says what a page is; and a "from" after the "to" matched nothing while
    # the notice said it was ignored: both dates are named and left out
    backwards = html_module.unescape(executive.get(
        f"/admin/audit?page=-1&entity_id=0&since={old_day}&until=2000-01-01").get_data(as_text=True))
    assert "page '-1' is not a whole number from 1" in backwards
    assert "object id '0' is not a whole number from 1" in backwards
    assert f"the “from” date {old_day} is after the “to” date 2000-01-01" in backwards
    assert backwards.count("<tr") == executive.get("/admin/audit").get_data(as_text=True).count("<tr"), "left out"
    every = executive.get("/admin/audit?since=0001-01-01&until=9999-12-31").get_data(as_text=True)
    assert every.count("<tr") == executive.get("/admin/audit").get_data(as_text=True).count("<tr"), "every day"


def test_the_csv_holds_every_filtered_event(app, client_as):
    admin = client_as("admin")
    _seed_events(app, 120)
    _seed_events(app, 1, action="test.formula")
    with app.app_context():
        db.session.add(AuditEvent(action="test.formula", entity_type="=HYPERLINK(\"http://x\")", after={"a": 1}))
        db.session.add(AuditEvent(action="test.accents", entity_type="thing", after={"title": "Dépôt — naïve"}))
        db.session.commit()
    response = admin.get("/admin/audit.csv?action=test.event")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith("\ufeff".encode()), "UTF-8 with a byte-order mark, as every CSV download"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).removeprefix("\ufeff"))))
    assert len(rows) == 120 and {r["action"] for r in rows} == {"test.event"}
    assert rows[0]["after"] == '{"n": 119}' and rows[-1]["after"] == '{"n": 0}', "oldest first"
    assert rows[0]["user"] == "(none)" and rows[0]["at_utc"].endswith("Z")
    formula = list(csv.DictReader(io.StringIO(admin.get("/admin/audit.csv?action=test.formula").get_data(
        as_text=True).removeprefix("\ufeff"))))
    assert {r["object_type"] for r in formula} == {"thing", "'=HYPERLINK(\"http://x\")"}
    [accents] = csv.DictReader(io.StringIO(admin.get("/admin/audit.csv?action=test.accents").get_data(
        as_text=True).removeprefix("\ufeff")))
    assert accents["after"] == '{"title": "Dépôt — naïve"}', "each character as itself, not \\u00e9"


def test_an_audit_csv_whose_filters_cannot_be_read_is_refused_naming_them(app, client_as):
    """/admin/audit.csv?since=yesterday gave every event, as if filtered from a day, with nowhere to say the
    filter was left out; it is refused, each filter named. A page number is no filter of the file's."""
    admin = client_as("admin")
    _seed_events(app, 3)
    response = admin.get("/admin/audit.csv?since=yesterday&entity_id=0&action=test.event")
    text = html_module.unescape(response.get_data(as_text=True))
    assert response.status_code == 400 and "attachment" not in response.headers.get("Content-Disposition", "")
    assert "Nothing was downloaded: 2 filters in the address could not be used" in text
    assert "“from” date 'yesterday' is not a date (YYYY-MM-DD)" in text and "object id '0'" in text
    paged = admin.get("/admin/audit.csv?action=test.event&page=7")
    assert paged.status_code == 200 and len(paged.get_data(as_text=True).strip().splitlines()) == 3 + 1


def test_the_audit_log_names_the_client(app, client_as):
    admin = client_as("admin")
    admin.environ_base["HTTP_USER_AGENT"] = "AuditBrowser/1.0"
    _post(admin, "/admin/users", "/admin/unlock-address", **{"address-address": "192.0.2.8"})
    page = admin.get("/admin/audit?action=auth.unlock").get_data(as_text=True)
    assert "127.0.0.1" in page and "AuditBrowser/1.0" in page


def test_a_control_character_of_the_user_agent_is_kept_as_its_escape(app, client_as):
    """A User-Agent holding ESC [31m was stored as sent, and the log's CSV gave it to a terminal to obey."""
    admin = client_as("admin")
    admin.environ_base["HTTP_USER_AGENT"] = "-2+3\x1b[31m red\x85"
    _post(admin, "/admin/users", "/admin/unlock-address", **{"address-address": "192.0.2.8"})
    assert _last(app, "auth.unlock").user_agent == "-2+3\\u001b[31m red\\u0085"
    exported = admin.get("/admin/audit.csv?action=auth.unlock").get_data(as_text=True)
    assert "\x1b" not in exported and "\\u001b[31m" in exported


# --------------------------------------------------------------------------- uploads and cancellations


def test_an_upload_and_its_cancellation_are_audited(analyst, app):
    analyst.environ_base["HTTP_USER_AGENT"] = "UploadBrowser/2.0"
    batch_id = upload(analyst, workbook_bytes([HEADER, ROW]))
    uploaded = _last(app, "import.upload")
    assert uploaded.entity_id == batch_id and uploaded.after["filename"] == "q1.xlsx"
    assert uploaded.client_address == "127.0.0.1" and uploaded.user_agent == "UploadBrowser/2.0"
    assert uploaded.user_id == _user(app, "analyst@test.gov").id
    token = csrf_token(analyst.get(f"/imports/{batch_id}").get_data(as_text=True))
    assert analyst.post(f"/imports/{batch_id}/cancel", data={"csrf_token": token}).status_code == 302
    cancelled = _last(app, "import.cancel")
    assert (cancelled.entity_id, cancelled.user_id) == (batch_id, uploaded.user_id)
    assert cancelled.before == {"status": "previewed"} and cancelled.after["status"] == "cancelled"
    assert cancelled.client_address == "127.0.0.1"
    again = analyst.post(f"/imports/{batch_id}/cancel", data={"csrf_token": token})
    assert again.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "import.cancel")) == 1


def test_an_expired_preview_is_audited_as_the_systems_cancellation(analyst, app):
    from importers import jobs

    batch_id = upload(analyst, workbook_bytes([HEADER, ROW]))
    with app.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        assert batch.status is BatchStatus.previewed
        jobs.sweep(app, db.session, now=utcnow() + timedelta(days=30))
    event = _last(app, "import.cancel")
    assert event.entity_id == batch_id and event.user_id is None
    assert event.after["by"] == "the preview expired" and event.client_address is None
    # expired as another person's upload arrives (the upload sweeps old previews): still no one's cancel; it named
    # the uploader, their browser and (through the API) their token
    second = upload(analyst, workbook_bytes([HEADER, ROW]))
    with app.app_context():
        db.session.execute(sa.update(ImportBatch).where(ImportBatch.id == second)
                           .values(created_at=utcnow() - timedelta(days=30)))
        db.session.commit()
    upload(analyst, workbook_bytes([HEADER, ROW]), name="third.xlsx")
    event = _last(app, "import.cancel")
    assert event.entity_id == second and event.user_id is None and event.client_address is None, event.after
    assert event.user_agent is None and event.after["by"] == "the preview expired"
    assert "via_api_token" not in event.after


def test_a_new_user_form_sent_twice_at_once_makes_one_account_and_says_so(app, admin, monkeypatch):
    """A double click on Create sends the form twice at once: both pass the check that the e-mail is
    free, and the second insert breaks the unique e-mail. It answered 500, then the generic "saved at the same
    moment" page; the second is told the form made the account already, and shown it. Nothing more is saved."""
    import scorecard.admin.routes
    import scorecard.auth.services

    token = csrf_token(admin.get("/admin/users/new").get_data(as_text=True))
    form = {"csrf_token": token, "email": "pat@agency.gov", "name": "Twice", "role": "viewer", "function": "",
            "leader": "", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert admin.post("/admin/users/new", data=form).status_code == 303
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    # the check, as the second request made it: before the first one's insert was committed
    monkeypatch.setattr(scorecard.auth.services, "new_user_problems", lambda *a, **k: {})
    monkeypatch.setattr(scorecard.admin.routes, "new_user_problems", lambda *a, **k: {})
    response = admin.post("/admin/users/new", data=form)
    assert response.status_code == 303 and response.headers["Location"].endswith(
        f"/admin/users/{_user(app, 'pat@agency.gov').id}")
    shown = html_module.unescape(admin.get(response.headers["Location"]).get_data(as_text=True))
    assert "pat@agency.gov was made by this form already (it was sent twice); nothing more was saved." in shown
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == before

def test_the_audit_logs_objects_open_their_pages_for_who_may_open_them(published, client_as):
    """An event's object was a bare "plan_element 12": the reader searched for the plan by hand. It links
    to its page (a rated element's plan, a capacity assessment, a rule version, an import batch, a user)
    while the object exists and the reader's role opens that page: an executive opens no import or user
    page, so those stay words for them."""
    admin, executive = client_as("admin"), client_as("executive")
    with published.app_context():
        someone = db.session.scalar(sa.select(User.id).where(User.email == "executive@test.gov"))
        db.session.add(AuditEvent(action="user.update", entity_type="user", entity_id=someone))
        commitment = db.session.scalar(sa.select(sa.func.min(Commitment.id)))
        db.session.add(AuditEvent(action="commitment.update", entity_type="commitment", entity_id=commitment))
        db.session.add(AuditEvent(action="test.gone", entity_type="user", entity_id=987654))
        db.session.commit()

    def linked(client, kind) -> list[str]:
        page = client.get(f"/admin/audit?entity_type={kind}").get_data(as_text=True)
        return re.findall(rf'<a class="usa-link" href="([^"]+)">{kind} \d+</a>', page)
    expected = {"commitment": r"/commitments/\d+", "plan_element": r"/plans/\d+",
                "capacity_assessment": r"/capacity/\d+/\d{4}", "rule_version": r"/rules/[\w.-]+/versions/\d+",
                "import_batch": r"/imports/\d+", "user": r"/admin/users/\d+"}
    for kind, shape in expected.items():
        hrefs = linked(admin, kind)
        assert hrefs and all(re.fullmatch(shape, h) for h in hrefs), (kind, hrefs[:3])
        assert admin.get(hrefs[0]).status_code == 200, hrefs[0]
        if kind in ("import_batch", "user"):
            assert linked(executive, kind) == [], f"an executive opens no {kind} page"
        else:
            assert linked(executive, kind) == hrefs
            assert executive.get(hrefs[0]).status_code == 200, hrefs[0]
    gone = admin.get("/admin/audit?action=test.gone").get_data(as_text=True)
    assert "user 987654" in gone and "/admin/users/987654" not in gone, "an object gone is not linked"


@pytest.mark.parametrize("zone, shown, day", [
    ("America/New_York", "2026-12-03 22:30:05 EST", "2026-12-03"),  # 03:30 on the 4th in UTC
    ("UTC", "2026-12-04 03:30:05 UTC", "2026-12-04")])
def test_the_audit_log_shows_times_and_filters_days_in_the_agencys_zone(app, client_as, monkeypatch, zone, shown, day):
    """Times were shown in UTC while every day in the product is the agency's: an event at 10:30 p.m. Eastern
    on the 3rd read "2026-12-04 03:30" and was found only under the 4th. Times are now shown in the agency's
    zone with its abbreviation, and the From and To dates are its days."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from scorecard import clock

    monkeypatch.setattr(clock, "_zone", ZoneInfo(zone))
    _seed_events(app, 1, action="test.evening", at=datetime(2026, 12, 4, 3, 30, 5, tzinfo=UTC))
    executive = client_as("executive")
    found = executive.get(f"/admin/audit?action=test.evening&since={day}&until={day}").get_data(as_text=True)
    cell = re.search(r"<tr><td>(.*?)</td>", found).group(1)
    assert "1 event matching the filters" in found and re.sub(r"<[^>]+>", "", cell) == shown, found[-3000:]
    assert cell.count('class="text-no-wrap"') == 2, "the day and the time each on one line"
    assert f"whole days in the agency's time zone, {zone}," in found
    other = "2026-12-04" if day == "2026-12-03" else "2026-12-03"
    assert "No events match" in executive.get(
        f"/admin/audit?action=test.evening&since={other}&until={other}").get_data(as_text=True)
    with app.app_context():
        assert _last(app, "test.evening").at == datetime(2026, 12, 4, 3, 30, 5, tzinfo=UTC)  # stored as it was
    monkeypatch.setattr(clock, "utcnow", lambda: datetime(2026, 12, 4, 3, 31, tzinfo=UTC))
    download = executive.get(f"/admin/audit.csv?action=test.evening&since={day}&until={day}")
    [row] = csv.DictReader(io.StringIO(download.get_data(as_text=True).removeprefix("\ufeff")))
    assert (row["at_utc"], row["at_agency_time"]) == ("2026-12-04T03:30:05Z", shown), (
        "the download selected by the agency's day, with the time on that day beside the UTC one")
    # the file says the filters it holds (and the agency's day it was taken)
    kept = day.replace("-", "_")  # in the letters a file name keeps everywhere
    assert (f'filename="audit-log-action-test.evening-since-{kept}-until-{kept}-{day.replace("-", "")}-'
            in download.headers["Content-Disposition"])
