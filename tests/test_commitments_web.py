"""Commitments on the web, tried as the people who keep them: the CFO officer of the demo sees
only CFO commitments, is refused off track without a reason and saved with one (history and
audit name them), and two sessions editing one commitment lose nothing; every route checks the
role and the commitment itself."""
import csv
import html
import io
import re
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from scorecard.clock import agency_today, day_of
from scorecard.commitments import services
from scorecard.commitments.services import CommitmentError, check, update_commitment
from scorecard.extensions import db
from scorecard.models import (
    AuditEvent,
    Commitment,
    CommitmentStatus,
    CommitmentUpdate,
    Component,
    Finding,
    Function,
    Leader,
    Metric,
    Program,
    Role,
    User,
)
from scorecard.text import line_breaks, visible

CFO_OFFICER = "cfo.officer@demo.cx.gov"


# --------------------------------------------------------------------------- helpers

class _Form(HTMLParser):
    """The fields a browser would send for one form of a page (by id): inputs, selects, textareas."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.fields = form_id, False, []
        self._select = self._textarea = None
        self._options: list = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select, self._options, self._multiple = a.get("name"), [], "multiple" in a
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), ""

    def handle_data(self, data):
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            chosen = [v for v, selected in self._options if selected]
            if not chosen and self._options and not self._multiple:
                chosen = [self._options[0][0]]
            self.fields += [(self._select, v) for v in chosen]
            self._select = None
        elif tag == "textarea" and self._textarea:
            text = self._text.replace("\r\n", "\n")  # as a browser reads it: one leading newline dropped
            self.fields.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None


def form_data(html: str, form_id: str) -> dict:
    """What submitting the form unchanged sends: {name: value, or [values] for a multiple choice}."""
    parser = _Form(form_id)
    parser.feed(html)
    assert parser.fields, f"no form #{form_id} on the page"
    data: dict = {}
    for name, value in parser.fields:
        if name in data:
            data[name] = data[name] if isinstance(data[name], list) else [data[name]]
            data[name].append(value)
        else:
            data[name] = value
    return data


def submit(client, url: str, form_id: str = "update-form", page: str | None = None, **changes):
    """Open `url` (or use `page`), change some fields, send the form as a browser would."""
    page = page if page is not None else client.get(url).get_data(as_text=True)
    data = form_data(page, form_id)
    data.update(changes)
    return client.post(url, data=data)


def user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def commitment(title: str) -> Commitment:
    return db.session.scalar(sa.select(Commitment).where(Commitment.title == title))


def signed_in(app, email: str):
    with app.app_context():
        return app.test_client(user=user(email))


def cfo_open_commitment(status=CommitmentStatus.not_started) -> Commitment:
    return db.session.scalar(sa.select(Commitment).join(Function).where(
        Function.code == "CFO", Commitment.status == status).order_by(Commitment.id))


def row_ids(page: str) -> set[int]:
    return {int(i) for i in re.findall(r'<tr data-commitment="(\d+)"', page)}


def flagged_by(rule_key: str) -> list[int]:
    """The commitments the published rule `rule_key` has a finding about (one id per finding)."""
    from scorecard.models import Rule, RuleStatus, RuleVersion

    return list(db.session.scalars(sa.select(Finding.subject_id).join(RuleVersion).join(Rule).where(
        Rule.key == rule_key, RuleVersion.status == RuleStatus.published, Finding.subject_type == "commitment")))


def counts(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --------------------------------------------------------------------------- who sees what

def test_the_cfo_officer_sees_only_cfo_commitments(demo):
    officer = signed_in(demo, CFO_OFFICER)
    page = officer.get("/commitments/").get_data(as_text=True)
    with demo.app_context():
        cfo = set(db.session.scalars(sa.select(Commitment.id).join(Function).where(Function.code == "CFO")))
        others = db.session.scalars(sa.select(Commitment).join(Function).where(Function.code != "CFO")).all()
        assert len(cfo) >= 3 and others
        assert row_ids(page) == cfo
        for other in others:
            assert other.title not in page
            # Refused, saying whose it is, never saved: the page, the update form, a POST, dropping. ("There is no
            # page at this address" read as a link out of date, of a commitment the dashboards list.)
            for url in (f"/commitments/{other.id}", f"/commitments/{other.id}/edit"):
                refused = officer.get(url)
                assert refused.status_code == 403 and (
                    f"This commitment is one of the {other.function.code}&#39;s: your role opens the CFO&#39;s "
                    "commitments.") in refused.get_data(as_text=True)
        victim = others[0]
        before = (victim.status, victim.reason, victim.version, len(victim.updates))
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    for url in (f"/commitments/{victim.id}/edit", f"/commitments/{victim.id}/drop"):
        response = officer.post(url, data={"csrf_token": token, "version": before[2], "status": "off_track",
                                           "reason": "hijacked", "title": "hijacked"})
        assert response.status_code == 403
    assert officer.get("/commitments/987654321").status_code == 404
    with demo.app_context():
        victim = db.session.get(Commitment, victim.id)
        assert (victim.status, victim.reason, victim.version, len(victim.updates)) == before


@pytest.mark.parametrize("email,sees", [("executive@demo.cx.gov", "all"), ("analyst@demo.cx.gov", "all"),
                                        ("admin@demo.cx.gov", "all"), ("leader@demo.cx.gov", "own"),
                                        ("viewer@demo.cx.gov", None)])
def test_each_role_sees_its_scope(demo, email, sees):
    client = signed_in(demo, email)
    response = client.get("/commitments/")
    if sees is None:  # viewers: the agency dashboards only (DESIGN §6)
        assert response.status_code == 403
        assert 'href="/commitments/"' not in client.get("/").get_data(as_text=True)
        return
    with demo.app_context():
        person = user(email)
        query = sa.select(Commitment.id)
        if sees == "own":
            query = query.where(Commitment.leader_id == person.leader_id)
        expected = set(db.session.scalars(query))
        any_id = min(db.session.scalars(sa.select(Commitment.id)))
    assert expected and row_ids(response.get_data(as_text=True)) == expected
    editing = client.get(f"/commitments/{min(expected)}/edit").status_code
    assert editing == (403 if person.role in (Role.executive, Role.analyst) else 200)
    if sees == "own" and any_id not in expected:
        refused = client.get(f"/commitments/{any_id}")
        assert refused.status_code == 403 and "your role opens the commitments that name you" in (
            refused.get_data(as_text=True))


# --------------------------------------------------------------------------- updating

def test_off_track_needs_a_reason_then_history_and_audit_name_the_officer(demo):
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        target = cfo_open_commitment()
        cid, version, history = target.id, target.version, len(target.updates)
        audits = counts(AuditEvent)
    url = f"/commitments/{cid}/edit"
    refused = submit(officer, url, status="off_track", reason="")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Nothing was saved" in page and "a commitment that is off track needs a reason" in page
    with demo.app_context():
        unchanged = db.session.get(Commitment, cid)
        assert (unchanged.status, unchanged.version, len(unchanged.updates)) == (
            CommitmentStatus.not_started, version, history)
        assert counts(AuditEvent) == audits

    saved = submit(officer, url, page=page, status="off_track", reason="The vendor missed the data delivery.",
                   note="Raised with the CFO on Monday.")
    assert saved.status_code == 303 and saved.headers["Location"].endswith(f"/commitments/{cid}")
    with demo.app_context():
        stored = db.session.get(Commitment, cid)
        officer_id = user(CFO_OFFICER).id
        assert stored.status is CommitmentStatus.off_track and stored.reason == "The vendor missed the data delivery."
        assert stored.version == version + 1
        latest = db.session.scalar(sa.select(CommitmentUpdate).where(CommitmentUpdate.commitment_id == cid)
                                   .order_by(CommitmentUpdate.id.desc()))
        assert latest.user_id == officer_id and latest.note == "Raised with the CFO on Monday."
        assert latest.changes["status"] == ["not_started", "off_track"]
        assert latest.changes["reason"] == [None, "The vendor missed the data delivery."]
        assert set(latest.changes) == {"status", "reason"}  # untouched fields are not news
        event = db.session.scalar(sa.select(AuditEvent).order_by(AuditEvent.id.desc()))
        assert (event.action, event.entity_type, event.entity_id, event.user_id) == (
            "commitment.update", "commitment", cid, officer_id)
        assert event.before == {"status": "not_started", "reason": None}
        assert event.after["status"] == "off_track" and event.after["note"] == "Raised with the CFO on Monday."
    shown = officer.get(f"/commitments/{cid}").get_data(as_text=True)
    history_table = shown[shown.index('id="history-table"'):]
    first_row = history_table[:history_table.index("</tr>", history_table.index("<tbody>"))]
    assert CFO_OFFICER in first_row and "Off track" in first_row and "The vendor missed the data delivery." in first_row


def test_a_hidden_text_direction_character_is_refused_in_place_and_what_was_typed_is_kept(demo):
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        target = cfo_open_commitment()
        cid, version = target.id, target.version
    url = f"/commitments/{cid}/edit"
    typed = "Finance systems freeze in December; see \u202etxt.exe"
    refused = submit(officer, url, status="at_risk", reason=typed, note="A long note the officer wrote.")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Nothing was saved" in page
    assert "contains a hidden text-direction character (U+202E)" in page
    assert typed in page and "A long note the officer wrote." in page, "what was typed is kept in the form"
    assert page.count("\u202e") == 1 and "see \\u202etxt.exe” was sent" in page, "quoted in the message as an escape"
    with demo.app_context():
        assert db.session.get(Commitment, cid).version == version
    fixed = submit(officer, url, page=page, reason=typed.replace("\u202e", ""))
    assert fixed.status_code == 303


@pytest.mark.parametrize("changes, message", [
    ({"status": "banana"}, "Not a valid choice: “banana” was sent."),
    ({"status": "a"}, "Not a valid choice: “a” was sent."),  # a short value is named too
    ({"leader_id": "999999"}, "“999999” was sent."),
    ({"program_ids": "99999"}, "Not a valid choice: “99999” was sent."),  # a multiple choice words it alike
    ({"program_ids": ["99999", "99998"]}, "Not valid choices: “99999” and “99998” were sent."),
    # one that is no number named too, once each and in the order sent (it was "Invalid choice(s): one or more
    # data inputs could not be coerced.", naming none)
    ({"metric_ids": ["99999", "abc", "99999", "x y"]}, "Not valid choices: “99999”, “abc” and “x y” were sent."),
    ({"program_ids": ["abc"]}, "Not a valid choice: “abc” was sent."),
    ({"program_ids": ["\u0665"]}, "Not a valid choice: “\u0665” was sent."),  # Arabic-Indic 5: int() read it as 5
    ({"metric_ids": ["\uff14"]}, "Not a valid choice: “\uff14” was sent."),
    # a single choice alike (int() read them: a leader chosen by "١٢" was saved as leader 12)
    ({"leader_id": "\u0661"}, "Not a valid choice: “\u0661” was sent."),
    ({"component_id": "\uff11"}, "Not a valid choice: “\uff11” was sent."),
    ({"component_id": "+1"}, "Not a valid choice: “+1” was sent."),
    ({"version": "abc"}, "“abc” was sent."),
    ({"version": "9" * 400}, "is not a number this field takes: it is larger than 2,147,483,647"),
    ({"evidence_links": "https://[::1"}, "is not a web address"),
    ({"evidence_links": "https://www.performance.gov:99999/cx"}, "is not a web address"),
    ({"due_date": "0001-01-01", "reason": "Moved for the audit."}, "0001-01-01 is not a due date: give one from 2000"),
    ({"due_date": "9999-12-31", "reason": "Moved for the audit."}, "9999-12-31 is not a due date"),
    ({"due_date": "2026-11-31", "reason": "Moved."}, "'2026-11-31' is not a date: November 2026 has 30 days"),
    ({"due_date": "2027-13-01", "reason": "Moved."}, "'2027-13-01' is not a date: the month is 01 to 12"),
    ({"due_date": "next week", "reason": "Moved."}, "'next week' is not a date: write it as YYYY-MM-DD"),
    ({"due_date": "2026-11-00", "reason": "Moved."}, "'2026-11-00' is not a date: the day is 01 to 30"),
    ({"due_date": "2023-02-29", "reason": "Moved."}, "'2023-02-29' is not a date: February 2023 has 28 days"),
    # WTForms' "Field cannot be longer than 300 characters." named neither the field nor how long it was
    ({"title": "t" * 412}, "This is 412 characters long; it takes at most 300: “ttt"),
    # saved as 2027-01-01 where an import and the API refuse it by name
    ({"due_date": "\uff12\uff10\uff12\uff17-01-01", "reason": "Moved."},
     "is written with digits of another script (Fullwidth): write it as YYYY-MM-DD with 0-9"),
    ({"due_date": "\u0662\u0660\u0662\u0667-01-01", "reason": "Moved."},
     "is written with digits of another script (Arabic-Indic): write it as YYYY-MM-DD with 0-9"),
])
def test_hostile_values_are_refused_naming_them_and_nothing_is_saved(demo, changes, message):
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        target = cfo_open_commitment()
        cid, version = target.id, target.version
    refused = submit(officer, f"/commitments/{cid}/edit", **changes)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and message in html.unescape(page), page[-3000:]
    with demo.app_context():
        assert db.session.get(Commitment, cid).version == version


@pytest.mark.parametrize("left_out", [("capacity_domain", "status"), ("leader_id",), ("component_id",)])
def test_a_choice_left_out_of_a_made_request_is_refused_not_read_as_blank(demo, left_out):
    """A hand-made POST without the capacity-assessment domain got "Not a valid choice." naming nothing; one
    without `leader_id` was saved, clearing the commitment's leader (its blank choice is "none")."""
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        target = db.session.scalar(sa.select(Commitment).join(Function).where(
            Function.code == "CFO", Commitment.leader_id.is_not(None), Commitment.component_id.is_not(None))
            .order_by(Commitment.id))
        cid, version, leader, component = target.id, target.version, target.leader_id, target.component_id
    url = f"/commitments/{cid}/edit"
    data = form_data(officer.get(url).get_data(as_text=True), "update-form")
    for name in left_out:
        del data[name]
    refused = officer.post(url, data={**data, "next_step": "Send the draft to the CFO."})
    page = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 400
    said = "Nothing was sent for this field (the form sends it): open the page again and send the form from it."
    assert page.count(said) == 2 * len(left_out), page[-3000:]  # in the summary and beside each field
    assert "Not a valid choice" not in page and "This field is required" not in page
    with demo.app_context():
        stored = db.session.get(Commitment, cid)
        assert (stored.version, stored.leader_id, stored.component_id) == (version, leader, component)


def test_putting_a_commitment_at_risk_or_off_track_needs_a_reason_written_for_it(demo):
    """The reason on file was given for another status: moving to off track needs its own."""
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        cid = cfo_open_commitment().id
    url = f"/commitments/{cid}/edit"
    assert submit(officer, url, status="at_risk", reason="The vendor is late.").status_code == 303
    refused = submit(officer, url, status="off_track")
    page = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 400 and "from at risk to off track needs a new reason" in page
    with demo.app_context():
        assert db.session.get(Commitment, cid).status is CommitmentStatus.at_risk
    assert submit(officer, url, page=refused.get_data(as_text=True), status="off_track",
                  reason="The vendor missed the delivery.").status_code == 303
    assert submit(officer, url, status="on_track").status_code == 303, "a status needing no reason keeps the old one"


def test_the_new_commitment_forms_problems_are_listed_in_the_order_of_its_fields(demo):
    """An administrator's empty form listed Title before Function, which the page shows first (WCAG 1.3.2)."""
    admin = signed_in(demo, "admin@demo.cx.gov")
    refused = submit(admin, "/commitments/new", form_id="new-form", function_id="", title="", status="at_risk",
                     reason="")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    listed = re.findall(r'<li><a class="usa-link" href="#([a-z_]+)">', page.split('id="form-problems"')[1]
                        .split("</ul>")[0])
    form = page.split('id="new-form"')[1]
    assert listed[:2] == ["function_id", "title"] and listed == sorted(listed, key=lambda f: form.index(f'id="{f}"'))


@pytest.mark.parametrize("sent", ["\u0663", "\uff13", "+3", " 3"])
def test_a_new_commitments_function_written_other_than_0_9_is_refused_naming_it(demo, sent):
    """int() read "٣", "３", "+3" and " 3" as function 3: a made request saved a commitment by digits no page
    writes, where the form's other choices refuse them by name."""
    admin = signed_in(demo, "admin@demo.cx.gov")
    with demo.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Commitment))
    refused = submit(admin, "/commitments/new", form_id="new-form", function_id=sent,
                     title="Publish the intake survey", status="not_started")
    assert refused.status_code == 400
    assert "Not a valid choice: " in html.unescape(refused.get_data(as_text=True))
    with demo.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Commitment)) == count


def test_the_update_forms_problems_are_listed_in_the_order_of_its_fields(demo):
    """The update form listed the history note first, the last field on the page (the form class's order)."""
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        url = f"/commitments/{cfo_open_commitment().id}/edit"
    refused = submit(officer, url, form_id="update-form", title="", status="at_risk", reason="",
                     evidence_links="ftp://files.example.gov/x", description="\u202e", note="\u202e")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    listed = re.findall(r'<li><a class="usa-link" href="#([a-z_]+)">', page.split('id="form-problems"')[1]
                        .split("</ul>")[0])
    form = page.split('id="update-form"')[1]
    assert len(listed) >= 4 and listed[0] == "title" and listed[-1] == "note", listed
    assert listed == sorted(listed, key=lambda f: form.index(f'id="{f}"')), listed


@pytest.mark.parametrize("url, form_id", [("/commitments/new", "new-form"), (None, "update-form")])
def test_one_submit_reports_every_problem_the_forms_and_the_domains(demo, url, form_id):
    """An empty title (the form's own check) does not hide the missing reason (the domain's) nor a
    bad link: each is beside its field at once, and nothing is saved."""
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        target = cfo_open_commitment()
        url, version, before = url or f"/commitments/{target.id}/edit", target.version, counts(Commitment)
    refused = submit(officer, url, form_id=form_id, title="", status="at_risk", reason="",
                     evidence_links="ftp://files.example.gov/x")
    page = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 400
    summary = page.split('id="form-problems"')[1].split("</ul>")[0]
    for field, message in (("title", "a commitment needs a title"),
                           ("reason", "a commitment that is at risk needs a reason"),
                           ("evidence_links", "ftp://files.example.gov/x")):
        assert message in summary, (field, summary)
        assert message in page.split(f'id="{field}-error"')[1].split("</span>")[0].lower(), field
    with demo.app_context():
        assert counts(Commitment) == before and db.session.get(Commitment, target.id).version == version


def test_two_sessions_edit_one_commitment_and_nothing_is_lost(demo):
    first, second = signed_in(demo, CFO_OFFICER), signed_in(demo, "admin@demo.cx.gov")
    with demo.app_context():
        target = cfo_open_commitment()
        cid, version = target.id, target.version
    url = f"/commitments/{cid}/edit"
    page_first = first.get(url).get_data(as_text=True)
    page_second = second.get(url).get_data(as_text=True)

    assert submit(first, url, page=page_first, next_step="Draft the CX spending table by Friday.").status_code == 303
    conflict = submit(second, url, page=page_second, status="at_risk", reason="Finance systems freeze in December.")
    html = conflict.get_data(as_text=True)
    assert conflict.status_code == 409
    assert "Nothing was saved" in html and CFO_OFFICER in html
    table = html[html.index('id="conflict-table"'):html.index("</table>", html.index('id="conflict-table"'))]
    # Both versions are shown: the current one's next step, and the second person's status.
    assert "Draft the CX spending table by Friday." in table and "At risk" in table and "Not started" in table
    with demo.app_context():
        stored = db.session.get(Commitment, cid)
        assert stored.version == version + 1 and stored.status is CommitmentStatus.not_started
        assert stored.next_step == "Draft the CX spending table by Friday."
    # The form came back with the second person's changes on top of the current version.
    again = form_data(html, "update-form")
    assert again["version"] == str(version + 1)
    assert again["status"] == "at_risk" and again["reason"] == "Finance systems freeze in December."
    assert again["next_step"] == "Draft the CX spending table by Friday."
    assert submit(second, url, page=html).status_code == 303
    with demo.app_context():
        stored = db.session.get(Commitment, cid)
        assert stored.status is CommitmentStatus.at_risk and stored.reason == "Finance systems freeze in December."
        assert stored.next_step == "Draft the CX spending table by Friday."
        people = [u.user_id for u in stored.updates[-2:]]
        assert people == [user(CFO_OFFICER).id, user("admin@demo.cx.gov").id]


def test_a_commitment_completed_without_a_new_reason_leaves_its_at_risk_reason_behind(demo):
    """Set complete, a commitment kept the reason it was at risk for: the function page and the commitment read
    "Complete" beside "Audit fieldwork delayed the CX cost tables.". The reason is cleared (its history keeps
    it), unless the save writes a new one; the same form sent twice is still said to be saved once."""
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        cid = cfo_open_commitment().id
    url = f"/commitments/{cid}/edit"
    late = "Audit fieldwork delayed the CX cost tables."
    assert submit(officer, url, status="at_risk", reason=late).status_code == 303
    page = officer.get(url).get_data(as_text=True)  # the form opens with the reason on file
    assert late in html.unescape(page)
    assert ("Set on track, not started or complete, it keeps no reason left as it was (the history keeps it): write "
            "one to keep one.") in " ".join(html.unescape(page).split()), "the form says so before it is sent"
    assert submit(officer, url, page=page, status="complete").status_code == 303
    with demo.app_context():
        done = db.session.get(Commitment, cid)
        assert done.status is CommitmentStatus.complete and done.reason is None
        assert done.updates[-1].changes["reason"] == [late, None] and done.updates[-2].reason == late
    again = submit(officer, url, page=page, status="complete")
    assert again.status_code == 303
    assert "The form was sent twice; it was saved once." in html.unescape(
        officer.get(again.headers["Location"]).get_data(as_text=True))
    assert submit(officer, url, status="at_risk", reason=late).status_code == 303
    written = "Delivered early by reusing the FY2026 tables."
    assert submit(officer, url, status="complete", reason=written).status_code == 303
    with demo.app_context():
        assert db.session.get(Commitment, cid).reason == written, "a reason written with the save is kept"


def test_a_save_sent_twice_by_its_author_is_said_saved_not_a_conflict_with_themselves(demo):
    """A second press after a slow answer sent the form again at the version it was opened at: the page
    said "Someone saved this commitment after you opened it. Nothing was saved" of the person's own save."""
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        cid = cfo_open_commitment().id
    url = f"/commitments/{cid}/edit"
    page = officer.get(url).get_data(as_text=True)
    changes = {"status": "at_risk", "reason": "The vendor is late.", "note": "Told the board."}
    assert submit(officer, url, page=page, **changes).status_code == 303
    with demo.app_context():
        updates = len(db.session.get(Commitment, cid).updates)
    again = submit(officer, url, page=page, **changes)
    assert again.status_code == 303 and again.headers["Location"].endswith(f"/commitments/{cid}")
    shown = html.unescape(officer.get(again.headers["Location"]).get_data(as_text=True))
    assert "The form was sent twice; it was saved once." in shown and "Nothing was saved" not in shown
    with demo.app_context():
        assert len(db.session.get(Commitment, cid).updates) == updates, "no second history row"
    other = submit(officer, url, page=page, status="off_track", reason="The vendor left.")
    assert other.status_code == 409, "other values from the old form are still a conflict to resolve"
    more = submit(officer, url, page=page, **{**changes, "note": "And told the auditors."})
    assert more.status_code == 409, "the same values with another note: the note is not lost as 'saved once'"


def test_a_conflict_with_ones_own_save_in_another_tab_says_you(demo):
    """Two tabs of one officer: the second save read "Someone saved this commitment after you opened it ...
    CFO Officer (cfo.officer@demo.cx.gov) saved it", naming the person to themselves as someone else."""
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        cid = cfo_open_commitment().id
    url = f"/commitments/{cid}/edit"
    first_tab, second_tab = officer.get(url).get_data(as_text=True), officer.get(url).get_data(as_text=True)
    assert submit(officer, url, page=first_tab, next_step="Call the budget office.").status_code == 303
    refused = submit(officer, url, page=second_tab, status="at_risk", reason="Budget data is late.")
    said = html.unescape(re.sub(r"\s+", " ", refused.get_data(as_text=True)))
    assert refused.status_code == 409
    assert "You saved this commitment in another tab or window after you opened this form. Nothing was saved." in said
    assert "Someone saved" not in said and "You saved it at " in said
    table = said[said.index('id="conflict-table"'):said.index("</table>", said.index('id="conflict-table"'))]
    assert "your other tab (the form keeps it)" in table and "them" not in table, (
        "the field saved in the other tab was said to be changed by \"them\"")
    drop_page = officer.get(f"/commitments/{cid}/drop").get_data(as_text=True)
    assert submit(officer, url, next_step="Call the budget office today.").status_code == 303
    dropped = submit(officer, f"/commitments/{cid}/drop", form_id="drop-form", page=drop_page, reason="Merged.")
    said = html.unescape(re.sub(r"\s+", " ", dropped.get_data(as_text=True)))
    assert dropped.status_code == 409 and "You saved this commitment in another tab or window" in said
    other = signed_in(demo, "admin@demo.cx.gov")
    page = other.get(url).get_data(as_text=True)
    assert submit(officer, url, next_step="Call them tomorrow.").status_code == 303
    theirs = html.unescape(submit(other, url, page=page, status="at_risk", reason="Late.").get_data(as_text=True))
    assert "Someone saved this commitment after you opened this form" in theirs, "another person's save, as before"


def test_a_conflict_with_a_note_saved_meanwhile_shows_the_note(demo):
    """Someone added a note alone after the officer opened the form: the officer's save was refused as a conflict
    whose table held only the officer's own changes, nothing of what the other person saved. The note is shown,
    by whom and when, on the update form's conflict and the drop form's; notes saved before it opened are not."""
    officer, admin = signed_in(demo, CFO_OFFICER), signed_in(demo, "admin@demo.cx.gov")
    with demo.app_context():
        cid = cfo_open_commitment().id
    url = f"/commitments/{cid}/edit"
    assert submit(admin, url, note="Before the form was opened.").status_code == 303
    page = officer.get(url).get_data(as_text=True)
    drop_page = officer.get(f"/commitments/{cid}/drop").get_data(as_text=True)
    assert submit(admin, url, note="Checked with the grants office: still on track.").status_code == 303
    refused = submit(officer, url, page=page, status="at_risk", reason="Budget data is late.")
    said = html.unescape(re.sub(r"\s+", " ", refused.get_data(as_text=True)))
    assert refused.status_code == 409
    notes = said[said.index('id="conflict-notes"'):said.index("</ul>", said.index('id="conflict-notes"'))]
    assert "Note saved since you opened it" in notes
    assert re.search(r"<li><span[^>]*>\d{4}-\d\d-\d\d</span> <span[^>]*>\d\d:\d\d E[SD]T</span>, "
                     r"Admin \(admin@demo\.cx\.gov\): “Checked with the grants office: still on track\.”</li>",
                     notes), notes
    assert "Before the form was opened." not in notes
    dropped = submit(officer, f"/commitments/{cid}/drop", form_id="drop-form", page=drop_page, reason="Merged.")
    said = html.unescape(re.sub(r"\s+", " ", dropped.get_data(as_text=True)))
    assert dropped.status_code == 409 and "Admin (admin@demo.cx.gov): “Checked with the grants office" in said


def leaders_open_commitment() -> Commitment:
    """The demo leader's first commitment that an update to on track changes."""
    return db.session.scalar(sa.select(Commitment).where(
        Commitment.leader_id == user("leader@demo.cx.gov").leader_id,
        Commitment.status.not_in([CommitmentStatus.dropped, CommitmentStatus.on_track])).order_by(Commitment.id))


def test_a_leaders_conflict_shows_what_someone_else_changed_in_a_field_their_form_lacks(demo):
    """The leader's form has no Next step: an administrator's change to it, saved after the leader opened
    the form, was missing from the conflict table, which listed only the leader's own changes."""
    leader, admin = signed_in(demo, "leader@demo.cx.gov"), signed_in(demo, "admin@demo.cx.gov")
    with demo.app_context():
        own = leaders_open_commitment()
        cid, was = own.id, own.next_step
    url = f"/commitments/{cid}/edit"
    page = leader.get(url).get_data(as_text=True)
    assert 'name="next_step"' not in page
    assert submit(admin, url, next_step="Brief the deputy secretary in March.").status_code == 303
    refused = submit(leader, url, page=page, status="on_track")
    said = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 409
    table = said[said.index('id="conflict-table"'):said.index("</table>", said.index('id="conflict-table"'))]
    row = table[table.index("Next step"):]
    row = row[:row.index("</tr>")]
    assert (was or "none") in row and "Brief the deputy secretary in March." in row and "(not on your form)" in row
    assert "them (the form keeps theirs)" in row
    assert "On track" in table, "the leader's own change is there too"
    assert submit(leader, url, page=refused.get_data(as_text=True)).status_code == 303
    with demo.app_context():
        stored = db.session.get(Commitment, cid)
        assert stored.status is CommitmentStatus.on_track
        assert stored.next_step == "Brief the deputy secretary in March.", "the other save stands"


def test_a_leader_is_told_their_dropped_commitment_is_taken_back_up_by_its_officers(demo):
    """A leader may not take a dropped commitment back up: their page offered "Update this commitment", whose
    form listed only statuses the server refused, and a form opened before the drop led to a conflict page
    asking them to save again what could never be saved."""
    leader, admin = signed_in(demo, "leader@demo.cx.gov"), signed_in(demo, "admin@demo.cx.gov")
    with demo.app_context():
        own = leaders_open_commitment()
        cid, code, was = own.id, own.function.code, own.version
    url = f"/commitments/{cid}/edit"
    opened = leader.get(url).get_data(as_text=True)
    assert submit(admin, f"/commitments/{cid}/drop", form_id="drop-form", reason="Merged into another").status_code \
        == 303
    page = html.unescape(leader.get(f"/commitments/{cid}").get_data(as_text=True))
    assert 'id="update-link"' not in page
    note = page[page.index('id="dropped-note"'):]
    note = " ".join(note[:note.index("</p>")].split())
    assert (f"was dropped by Admin (admin@demo.cx.gov) on {agency_today()} (Merged into another). Only the {code} "
            "function's officers and administrators can take it back up.") in note
    for send, tried in ((lambda: leader.get(url), False),
                        (lambda: submit(leader, url, page=opened, status="at_risk", reason="Vendor"), True)):
        sent = send()
        assert sent.status_code == 303 and sent.headers["Location"].endswith(f"/commitments/{cid}")
        said = " ".join(html.unescape(leader.get(f"/commitments/{cid}").get_data(as_text=True)).split())
        # said once, on the page: the message repeated it above the page's own note
        assert said.count(f"Only the {code} function's officers and administrators can take it back up.") == 1
        assert ("Your update was not saved: nothing was changed." in said) is tried, "a link opened changes nothing"
    with demo.app_context():
        kept = db.session.get(Commitment, cid)
        assert kept.status is CommitmentStatus.dropped and kept.version == was + 1
    assert 'id="update-link"' in admin.get(f"/commitments/{cid}").get_data(as_text=True), "an admin may"
    with demo.app_context():
        other = User(email="second.admin@demo.cx.gov", name="Sam Second", role=Role.admin)
        other.set_password("a long enough password 1")
        db.session.add(other)
        db.session.commit()
    second = signed_in(demo, "second.admin@demo.cx.gov")
    assert submit(second, url, note="Kept for the record.").status_code == 303
    note = html.unescape(leader.get(f"/commitments/{cid}").get_data(as_text=True))
    assert "was dropped by Admin (admin@demo.cx.gov)" in " ".join(note.split()), "who dropped it, not who wrote since"


def test_a_hand_altered_record_of_the_form_as_opened_names_nothing_in_a_conflict(demo):
    """The form's hidden record of every field as opened names a leader, programs and metrics by id: one
    altered by hand made the conflict table name whoever the ids were, and claim changes nobody made."""
    import json

    from scorecard.models import Leader

    leader, admin = signed_in(demo, "leader@demo.cx.gov"), signed_in(demo, "admin@demo.cx.gov")
    with demo.app_context():
        own = leaders_open_commitment()
        cid, mine = own.id, own.leader_id
        other = db.session.scalar(sa.select(Leader).where(Leader.id != mine).order_by(Leader.id))
    url = f"/commitments/{cid}/edit"
    page = leader.get(url).get_data(as_text=True)
    assert submit(admin, url, next_step="Brief the deputy secretary in March.").status_code == 303
    forged = json.dumps({"leader_id": other.id, "title": "zzz", "next_step": "zzz"})
    refused = submit(leader, url, page=page, status="on_track", opened=forged)
    said = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 409
    assert other.name not in said and "zzz" not in said


def test_a_save_racing_another_is_a_conflict_not_an_overwrite(demo):
    """Both passed the version check; the database's version column stops the second."""
    from scorecard.commitments.services import EditConflict

    with demo.app_context():
        officer, target = user(CFO_OFFICER), cfo_open_commitment()
        opened = target.version
        with db.engine.begin() as other:  # someone else's transaction commits first
            other.execute(sa.update(Commitment).where(Commitment.id == target.id)
                          .values(next_step="Theirs", version=opened + 1))
        with pytest.raises(EditConflict) as caught:
            update_commitment(db.session, target, {"next_step": "Mine"}, user=officer, version=opened)
        assert caught.value.commitment.next_step == "Theirs" and caught.value.commitment.version == opened + 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CommitmentUpdate).where(
            CommitmentUpdate.note == "Mine", CommitmentUpdate.commitment_id == target.id)) == 0
        assert "Mine" not in str(db.session.get(Commitment, target.id).updates[-1].changes)


def test_dropping_a_commitment_changed_meanwhile_saves_nothing(demo):
    officer, admin = signed_in(demo, CFO_OFFICER), signed_in(demo, "admin@demo.cx.gov")
    with demo.app_context():
        cid = cfo_open_commitment().id
    page = officer.get(f"/commitments/{cid}/drop").get_data(as_text=True)
    assert submit(admin, f"/commitments/{cid}/edit", status="on_track",
                  next_step="Ask the bureau for its numbers").status_code == 303
    stale = submit(officer, f"/commitments/{cid}/drop", form_id="drop-form", page=page, reason="No longer needed.")
    assert stale.status_code == 409 and "Nothing was saved" in stale.get_data(as_text=True)
    # what was saved meanwhile, field by field: the status alone was said ("it is now on track"), a next step
    # changed not at all
    table = stale.get_data(as_text=True).split('id="conflict-table"')[1].split("</table>")[0]
    rows = {label: cells for label, *cells in (
        [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)]
        for r in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S))}
    assert rows["Next step"][1] == "Ask the bureau for its numbers" and rows["Status"][1] == "On track", rows
    assert "No longer needed.</textarea>" in stale.get_data(as_text=True), "the reason typed is kept"
    with demo.app_context():
        assert db.session.get(Commitment, cid).status is CommitmentStatus.on_track
    again = submit(officer, f"/commitments/{cid}/drop", form_id="drop-form", page=stale.get_data(as_text=True),
                   reason="No longer needed.")
    assert again.status_code == 303


def test_every_page_has_unique_ids_and_labelled_fields(demo):
    officer, admin = signed_in(demo, CFO_OFFICER), signed_in(demo, "admin@demo.cx.gov")
    with demo.app_context():
        cid = cfo_open_commitment().id
    pages = [(officer, u) for u in ("/", "/commitments/", f"/commitments/{cid}", f"/commitments/{cid}/edit",
                                    f"/commitments/{cid}/drop", "/commitments/new")]
    pages += [(admin, "/outbox/")]
    for client, url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        ids = re.findall(r'\sid="([^"]+)"', page)
        assert len(ids) == len(set(ids)), (url, sorted(i for i in ids if ids.count(i) > 1))
        labelled = set(re.findall(r'<label[^>]*\sfor="([^"]+)"', page))
        for tag, attrs in re.findall(r"<(input|select|textarea)\b([^>]*)>", page):
            if 'type="hidden"' in attrs or 'type="submit"' in attrs:
                continue
            field_id = re.search(r'\sid="([^"]+)"', attrs)
            assert field_id and field_id.group(1) in labelled, (url, tag, attrs)
        assert page.count("<h1") == 1, url


def test_two_links_run_together_are_refused_whatever_the_script_of_the_first():
    """An international site's name or a path's accented letter before a second address: the two links pasted
    together were kept as one (only a-z and 0-9 counted as the end of the first)."""
    for pasted in ("https://пример.рфhttps://www.cfo.gov/report", "https://www.cfo.gov/résuméhttps://www.cfo.gov/"):
        assert "runs two web addresses together" in (services.link_problem([pasted]) or ""), pasted
    for one in ("https://пример.рф/отчёт", "https://web.archive.org/web/2024/https://пример.рф/",
                "https://www.cfo.gov/go?to=https://www.cfo.gov/", "https://web.archive.org/web/2024id_/http://a.gov"):
        assert services.link_problem([one]) is None, one


def test_a_link_to_a_site_spelt_with_look_alike_letters_is_refused_on_commitments_and_capacity():
    """"https://раураl.com" (Cyrillic р а у among a Latin l) was kept as evidence: it draws as a known site's
    address and leads elsewhere. A site named in one alphabet is itself, and is kept."""
    from scorecard.capacity.services import evidence_links

    look_alike = "https://раураl.com/report"
    said = services.link_problem([look_alike]) or ""
    assert "the letter 'р' of another alphabet (Cyrillic Small Letter Er, U+0440)" in said and look_alike in said
    with pytest.raises(ValueError, match="line 2: .*of another alphabet"):
        evidence_links(["https://www.performance.gov/cx/", look_alike])
    for kept in ("https://пример.рф/отчёт", "https://www.cfo.gov/résumé", "https://xn--80aa0cbo65f.com/"):
        assert services.link_problem([kept]) is None and evidence_links([kept]) == kept, kept


def test_a_link_that_draws_as_another_site_through_punycode_or_a_name_before_at_is_refused():
    """"https://xn--perfrmance-hvi.gov/" (performance with a Cyrillic о, written as a browser sends it) and
    "https://www.performance.gov@evil.example/" (a site named evil.example) were kept as evidence on
    commitments and capacity assessments: each reads as one site and leads to another."""
    from scorecard.capacity.services import evidence_links

    for link, said in (("https://xn--perfrmance-hvi.gov/cx", "Cyrillic Small Letter O, U+043E"),
                       ("https://www.performance.gov@evil.example/cx", "'www.performance.gov@' before the site's "
                                                                       "name ('evil.example')"),
                       ("https://user:secret@www.cfo.gov/report", "'user:secret@'")):
        assert said in (services.link_problem([link]) or ""), link
        with pytest.raises(ValueError, match="line 1: "):
            evidence_links([link])
    for kept in ("https://xn--80aa0cbo65f.com/", "https://xn--zz.gov/", "https://www.cfo.gov/a@b"):
        assert services.link_problem([kept]) is None and evidence_links([kept]) == kept, kept


def test_evidence_links_must_be_web_links_and_the_bad_one_is_named(demo):
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        cid = cfo_open_commitment().id
    url = f"/commitments/{cid}/edit"
    links = "https://www.performance.gov/cx/\nftp://files.agency.gov/report.pdf"
    refused = submit(officer, url, evidence_links=links)
    assert refused.status_code == 400
    assert "&#39;ftp://files.agency.gov/report.pdf&#39; is not a web address" in refused.get_data(as_text=True)
    assert submit(officer, url, evidence_links="javascript:alert(1)").status_code == 400
    both = submit(officer, url, evidence_links="ftp://files.agency.gov/a.pdf\nhttps://ok.gov/\nfile:///c:/b.docx")
    words = html.unescape(both.get_data(as_text=True))
    assert both.status_code == 400
    assert "2 links are refused: 'ftp://files.agency.gov/a.pdf' is not a web address" in words
    assert "'file:///c:/b.docx' is not a web address" in words, "every bad link named at once"
    typed = "\n".join(f"ftp://files.agency.gov/{i}/" + "x" * 1_900 for i in range(20))
    long = submit(officer, url, evidence_links=typed)
    said = html.unescape(long.get_data(as_text=True))
    assert long.status_code == 400 and "20 links are refused: 'ftp://files.agency.gov/0/xxx" in said
    message = said[said.index("20 links are refused"):]
    message = message[:message.index("<")]
    assert "x" * 100 not in message and len(message) < 20 * 150, "each quoted to 60 characters, not 2,000"
    pasted = submit(officer, url, evidence_links="https://www.cfo.gov/reporthttps://www.cfo.gov/report")
    assert pasted.status_code == 400 and ("&#39;https://www.cfo.gov/reporthttps://www.cfo.gov/report&#39; runs two "
                                          "web addresses together") in pasted.get_data(as_text=True)
    archived = "https://web.archive.org/web/2024/https://www.cfo.gov/report?from=https://www.cfo.gov/"
    saved = submit(officer, url, evidence_links="https://www.performance.gov/cx/\n http://intranet.agency.gov/cfo \n"
                   + archived)
    assert saved.status_code == 303
    with demo.app_context():
        assert db.session.get(Commitment, cid).evidence_links == ["https://www.performance.gov/cx/",
                                                                 "http://intranet.agency.gov/cfo", archived]
    page = officer.get(f"/commitments/{cid}").get_data(as_text=True)
    assert 'href="https://www.performance.gov/cx/"' in page


def test_moving_the_due_date_needs_a_new_reason(demo):
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        target = cfo_open_commitment()
        cid, due = target.id, target.due_date
    later = (due + timedelta(days=45)).isoformat()
    url = f"/commitments/{cid}/edit"
    refused = submit(officer, url, due_date=later)
    assert refused.status_code == 400
    assert f"moving the due date from {due.isoformat()} to {later} needs a reason" in refused.get_data(as_text=True)
    assert submit(officer, url, due_date="31/12/2026").status_code == 400
    saved = submit(officer, url, due_date=later, reason="The report's publication date moved.")
    assert saved.status_code == 303
    with demo.app_context():
        latest = db.session.get(Commitment, cid).updates[-1]
        assert latest.changes["due_date"] == [due.isoformat(), later]


def test_check_gives_any_writer_the_same_refusals(demo):
    """The checks the web applies, callable without saving (as an import row could)."""

    with demo.app_context():
        admin, target = user("admin@demo.cx.gov"), cfo_open_commitment()
        cfo = target.function_id
        assert check(db.session, None, {"title": "New", "status": "off_track"}, user=admin, function_id=cfo) == {
            "reason": "a commitment that is off track needs a reason: say why it is off track"}
        assert check(db.session, None, {"title": target.title.upper()}, user=admin, function_id=cfo) == {
            "title": f"CFO already has a commitment titled {target.title!r} ({target.title.upper()!r} reads the same)"}
        moved = check(db.session, target, {"due_date": target.due_date + timedelta(days=1)}, user=admin)
        assert list(moved) == ["reason"] and "moving the due date" in moved["reason"]
        links = check(db.session, target, {"evidence_links": ["see the wiki"]}, user=admin)
        assert list(links) == ["evidence_links"]
        assert links["evidence_links"].startswith("'see the wiki' is not a web address; each link must start")
        assert check(db.session, target, {"next_step": "Call the vendor."}, user=admin) == {}
        assert db.session.get(Commitment, target.id).next_step is None  # nothing was saved


def test_a_leader_changes_only_status_and_reason_of_their_own(demo):
    leader = signed_in(demo, "leader@demo.cx.gov")
    with demo.app_context():
        person = user("leader@demo.cx.gov")
        own = db.session.scalar(sa.select(Commitment).where(Commitment.leader_id == person.leader_id))
        cid, due = own.id, own.due_date
    url = f"/commitments/{cid}/edit"
    page = leader.get(url).get_data(as_text=True)
    assert 'name="due_date"' not in page and 'name="title"' not in page and 'value="dropped"' not in page
    response = submit(leader, url, page=page, status="at_risk", reason="Complaint data arrives late.",
                      due_date="2030-01-01", title="Renamed")
    assert response.status_code == 303
    with demo.app_context():
        stored = db.session.get(Commitment, cid)
        assert stored.status is CommitmentStatus.at_risk and stored.due_date == due
        assert stored.title != "Renamed" and stored.updates[-1].user_id == person.id
        with pytest.raises(CommitmentError, match="leaders may change only the status and reason"):
            update_commitment(db.session, stored, {"due_date": date(2030, 1, 1)}, user=person,
                              version=stored.version)
    assert leader.get(f"/commitments/{cid}/drop").status_code == 403
    assert leader.get("/commitments/new").status_code == 403


def test_a_link_stored_before_the_rule_does_not_block_a_status_update(demo):
    """A link holding a space (the API once stored them): a leader's status update and an owner's note
    still save; the owner's form, which sends the links, names the link to fix."""
    leader = signed_in(demo, "leader@demo.cx.gov")
    with demo.app_context():
        person = user("leader@demo.cx.gov")
        own = db.session.scalar(sa.select(Commitment).where(Commitment.leader_id == person.leader_id))
        own.evidence_links = ["https://www.performance.gov/cx/ annual report.pdf"]
        db.session.commit()
        cid, function_id = own.id, own.function_id
    response = submit(leader, f"/commitments/{cid}/edit", status="at_risk", reason="Complaint data arrives late.")
    assert response.status_code == 303, html.unescape(response.get_data(as_text=True))[-1500:]
    with demo.app_context():
        stored = db.session.get(Commitment, cid)
        assert stored.status is CommitmentStatus.at_risk
        assert stored.evidence_links == ["https://www.performance.gov/cx/ annual report.pdf"], "left as it was"
        officer = db.session.scalar(sa.select(User).where(User.role == Role.admin))
        assert update_commitment(db.session, stored, {}, user=officer, version=stored.version,
                                 note="Still current.") is not None
        said = check(db.session, stored, {"evidence_links": "https://www.performance.gov/cx/ annual report.pdf"},
                     user=officer)["evidence_links"]
        assert said.startswith("2 links are refused: 'annual' is not a web address") and "'report.pdf'" in said, (
            function_id, said)


def test_drop_needs_a_reason_and_keeps_the_commitment(demo):
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        target = cfo_open_commitment()
        cid = target.id
    url = f"/commitments/{cid}/drop"
    refused = submit(officer, url, form_id="drop-form", reason="")
    assert refused.status_code == 400 and "say why the commitment is dropped" in refused.get_data(as_text=True)
    opened = officer.get(url).get_data(as_text=True)
    dropped = submit(officer, url, form_id="drop-form", page=opened, reason="Folded into the annual report commitment.")
    assert dropped.status_code == 303
    # the form sent again (a double click, the back button): said to be dropped already, not "no access"
    again = submit(officer, url, form_id="drop-form", page=opened, reason="Folded into the annual report commitment.")
    assert again.status_code == 303 and again.headers["Location"].endswith(f"/commitments/{cid}")
    shown = html.unescape(officer.get(again.headers["Location"]).get_data(as_text=True))
    assert "was already dropped by you on" in shown and "(Folded into the annual report commitment.)" in shown
    with demo.app_context():
        stored = db.session.get(Commitment, cid)
        assert stored.status is CommitmentStatus.dropped
        assert stored.reason == "Folded into the annual report commitment."
        assert stored.updates[-1].changes["status"] == ["not_started", "dropped"]
        assert db.session.scalar(sa.select(AuditEvent.action).order_by(AuditEvent.id.desc())) == "commitment.drop"
        assert [u.status for u in stored.updates].count(CommitmentStatus.dropped) == 1, "dropped once"
    assert cid in row_ids(officer.get("/commitments/?status=dropped").get_data(as_text=True))
    assert officer.get(url).status_code == 303  # already dropped: to the commitment, which says so


def test_a_reason_that_shows_nothing_is_no_reason(demo):
    """Spaces, a no-break space and zero-width characters read as blank: a rule asking for a reason
    is not met by text nobody can see."""
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        cid = cfo_open_commitment().id
    for invisible in ("\u00a0\u200b", "\u200b", " \u2060\ufeff ", "\u3164", "\u2800", "\ufe0f\u034f", "\u115f\uffa0"):
        refused = submit(officer, f"/commitments/{cid}/edit", status="at_risk", reason=invisible)
        assert refused.status_code == 400 and "needs a reason" in html.unescape(refused.get_data(as_text=True))
        dropped = submit(officer, f"/commitments/{cid}/drop", form_id="drop-form", reason=invisible)
        assert dropped.status_code == 400
    with demo.app_context():
        assert db.session.get(Commitment, cid).status is not CommitmentStatus.dropped


def test_a_dropped_or_complete_commitment_is_taken_back_up_by_an_officer_with_a_new_reason(demo):
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        target = cfo_open_commitment()
        cid = target.id
        target.leader_id = user("leader@demo.cx.gov").leader_id  # the leader's own, so they may edit it
        db.session.commit()
    assert submit(officer, f"/commitments/{cid}/drop", form_id="drop-form",
                  reason="Superseded by the annual plan.").status_code == 303
    leader = signed_in(demo, "leader@demo.cx.gov")
    refused = leader.get(f"/commitments/{cid}/edit")  # told who may take it back up (a leader may not)
    assert refused.status_code == 303 and "can take it back up." in html.unescape(
        leader.get(refused.headers["Location"]).get_data(as_text=True))
    silent = submit(officer, f"/commitments/{cid}/edit", status="on_track")
    assert silent.status_code == 400
    assert "moving a dropped commitment to on track needs a new reason: say why it is on track now (the reason on " \
           "file was given when it was dropped)" in html.unescape(
        silent.get_data(as_text=True))
    with demo.app_context():
        assert db.session.get(Commitment, cid).status is CommitmentStatus.dropped
    assert submit(officer, f"/commitments/{cid}/edit", status="on_track",
                  reason="The annual plan was withdrawn; this stands again.").status_code == 303
    assert submit(officer, f"/commitments/{cid}/edit", status="complete").status_code == 303
    reopened = submit(officer, f"/commitments/{cid}/edit", status="not_started")
    assert reopened.status_code == 400 and "moving a complete commitment to not started needs a new reason" \
        in html.unescape(reopened.get_data(as_text=True))


def test_a_due_date_set_to_a_day_already_past_is_kept_and_said_overdue(demo):
    """A due date typed as 2020 for 2026 was saved without a word; the commitment then read "overdue by 2,529
    days". It is still kept (a commitment filed late may be overdue already), and the save says so."""
    officer = signed_in(demo, CFO_OFFICER)
    today = agency_today()
    past = today - timedelta(days=1200)
    with demo.app_context():
        cid = cfo_open_commitment().id
    url = f"/commitments/{cid}/edit"
    moved = submit(officer, url, due_date=past.isoformat(), reason="Typed from the old plan.")
    assert moved.status_code == 303
    page = " ".join(officer.get(moved.headers["Location"]).get_data(as_text=True).split())
    assert (f"The due date {past.isoformat()} has already passed, so the commitment now reads overdue by "
            "1,200 days. If that date was a slip, edit the due date.") in page
    assert '<strong class="text-error-dark">overdue by 1,200 days</strong>' in page, "the page counts alike"
    again = submit(officer, url, note="Checked with the plan.")  # the date was not set by this save
    assert again.status_code == 303
    assert "has already passed" not in officer.get(again.headers["Location"]).get_data(as_text=True)
    created = submit(officer, "/commitments/new", form_id="new-form", title="Close the FY2025 audit finding",
                     due_date=(today - timedelta(days=1)).isoformat())
    assert created.status_code == 303
    page = " ".join(officer.get(created.headers["Location"]).get_data(as_text=True).split())
    assert "has already passed, so the commitment now reads overdue by 1 day." in page
    done = submit(officer, "/commitments/new", form_id="new-form", title="Closed the FY2024 finding",
                  status="complete", due_date=past.isoformat())
    assert done.status_code == 303, done.get_data(as_text=True)[:3000]
    assert "has already passed" not in officer.get(done.headers["Location"]).get_data(as_text=True)
    # taken back up past its due date, the date unchanged: it reads overdue again, and the save says so
    reopened = submit(officer, done.headers["Location"] + "/edit", status="on_track",
                      reason="The auditors reopened the finding.")
    assert reopened.status_code == 303, reopened.get_data(as_text=True)[:3000]
    page = " ".join(officer.get(reopened.headers["Location"]).get_data(as_text=True).split())
    assert "has already passed, so the commitment now reads overdue by 1,200 days." in page


def test_a_leader_who_takes_a_commitment_back_up_past_its_due_date_is_told_who_can_move_it(demo):
    """A leader changes a commitment's status and reason alone: told to "edit the due date" after reopening one
    past it, they had no such field (the API and an import refuse it from them too)."""
    leader, officer = signed_in(demo, "leader@demo.cx.gov"), signed_in(demo, "admin@demo.cx.gov")
    past = agency_today() - timedelta(days=30)
    with demo.app_context():
        own = leaders_open_commitment()
        cid = own.id
    url = f"/commitments/{cid}/edit"
    assert submit(officer, url, due_date=past.isoformat(), reason="Moved for the audit.",
                  status="complete").status_code == 303
    reopened = submit(leader, url, status="on_track", reason="Reopened: more complaints came in.")
    assert reopened.status_code == 303, reopened.get_data(as_text=True)[:3000]
    page = " ".join(html.unescape(leader.get(reopened.headers["Location"]).get_data(as_text=True)).split())
    assert (f"The due date {past.isoformat()} has already passed, so the commitment now reads overdue by 30 days. If "
            "it should move, ask the function's officers or an administrator: they can change it.") in page
    assert "edit the due date" not in page


def test_the_officer_creates_for_their_own_function_only(demo):
    officer = signed_in(demo, CFO_OFFICER)
    page = officer.get("/commitments/new").get_data(as_text=True)
    # several choices as checkboxes under their groups' names: a list box cut each long name off at its width
    assert page.count('<div class="scorecard-choices" id="') == 2 and 'type="checkbox" id="program_ids-' in page
    assert '<legend class="usa-legend">Programs it serves (optional)</legend>' in page
    assert "<select multiple" not in page
    assert page.count(">None chosen.</p>") == 2, "which are chosen, said above the box (most are out of sight)"
    with demo.app_context():
        cfo, cio = (db.session.scalar(sa.select(Function.id).where(Function.code == code)) for code in ("CFO", "CIO"))
        before = counts(Commitment)
    assert f'value="{cio}"' not in page.split('name="function_id"')[1].split("</select>")[0]
    refused = submit(officer, "/commitments/new", form_id="new-form", page=page, function_id=str(cio),
                     title="Someone else's")
    assert refused.status_code == 400
    created = submit(officer, "/commitments/new", form_id="new-form", page=page, title="Report CX cost per transaction",
                     status="at_risk", reason="No cost model yet.", due_date="2027-03-31",
                     evidence_links="https://www.cfo.gov/cx")
    assert created.status_code == 303
    with demo.app_context():
        assert counts(Commitment) == before + 1
        new = commitment("Report CX cost per transaction")
        assert new.function_id == cfo and new.status is CommitmentStatus.at_risk
        assert new.updates[0].user_id == user(CFO_OFFICER).id and new.updates[0].changes["title"][0] is None
        assert db.session.scalar(sa.select(AuditEvent.action).order_by(AuditEvent.id.desc())) == "commitment.create"
    duplicate = submit(officer, "/commitments/new", form_id="new-form", page=page,
                       title="report cx cost per transaction")
    assert duplicate.status_code == 400 and "CFO already has a commitment titled" in duplicate.get_data(as_text=True)


def test_a_link_stored_before_a_check_was_added_does_not_block_adding_another(demo):
    """A link stored before the invisible-character and look-alike checks (a zero-width space, a Cyrillic о)
    refused every save that added a link, naming links the officer never touched; a capacity assessment's such
    links were kept. Both keep them now; a new link is checked in full."""
    officer = signed_in(demo, CFO_OFFICER)
    old = ["https://www.perf\u043ermance.gov/cx/", "https://a.gov/x\u200by"]
    with demo.app_context():
        stored = cfo_open_commitment()
        stored.evidence_links = old
        db.session.commit()
        cid = stored.id
    typed = "\n".join([*old, "https://www.performance.gov/new"])
    saved = submit(officer, f"/commitments/{cid}/edit", evidence_links=typed, reason="Evidence added.")
    assert saved.status_code == 303, html.unescape(saved.get_data(as_text=True))[:400]
    with demo.app_context():
        assert db.session.get(Commitment, cid).evidence_links == [*old, "https://www.performance.gov/new"]
    refused = submit(officer, f"/commitments/{cid}/edit", evidence_links=typed + "\nhttps://b.gov/y\u200bz")
    said = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 400 and "'https://b.gov/y\\u200bz' holds a space" in said
    assert "perf" not in said.split("holds a space")[0][-80:], "the stored links are not named"


def test_a_due_date_left_half_typed_is_refused_not_saved_as_no_due_date(demo):
    """A keyboard user who emptied the year of the date box (11/25/yyyy) and saved: the browser sent the date as
    blank, and the commitment was saved "due date not set", out of the overdue list. The page's script names such
    a box (static/forms.js); the server refuses it beside the field and saves nothing."""
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        stored = cfo_open_commitment()
        cid, due, version = stored.id, stored.due_date, stored.version
    assert due is not None
    refused = submit(officer, f"/commitments/{cid}/edit", due_date="", incomplete_date="due_date",
                     reason="The vendor is late.")
    said = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 400, said[:300]
    assert "the date is not complete: enter its month, day and year, or clear all three" in said
    with demo.app_context():
        kept = db.session.get(Commitment, cid)
        assert (kept.due_date, kept.version) == (due, version), "nothing saved"
    # the box shows the stored date again: shown empty, the next press of Save removed it
    again = submit(officer, f"/commitments/{cid}/edit", page=refused.get_data(as_text=True),
                   reason="The vendor is late.")
    assert again.status_code == 303
    with demo.app_context():
        assert db.session.get(Commitment, cid).due_date == due, "Save pressed again keeps the due date"
    cleared = submit(officer, f"/commitments/{cid}/edit", due_date="", reason="No date is set any more.")
    assert cleared.status_code == 303, "a box cleared whole is still a due date taken away (with its reason)"
    years = html.unescape(submit(officer, f"/commitments/{cid}/edit", due_date="52027-12-04",
                                 reason="x").get_data(as_text=True))
    assert "'52027-12-04' is not a date: the year 52027 has more than four digits" in years


def test_two_leaders_who_read_alike_are_told_apart_in_the_leader_list(demo):
    """Two leaders of one name and title (the plans import tells them apart by e-mail) were two options "Pat Smith,
    Manager": an officer could not tell whom the commitment was given to. Those two read with where each sits and
    their e-mail; every other leader as before."""
    with demo.app_context():
        first, second = db.session.scalars(sa.select(Component).order_by(Component.id).limit(2)).all()
        names = (first.name, second.name)
        db.session.add_all([Leader(name="Pat Smith", email="pat.smith.one@demo.cx.gov", title="Manager",
                                   component=first),
                            Leader(name="Pat Smith", email="pat.smith.two@demo.cx.gov", title="Manager",
                                   component=second)])
        db.session.commit()
    page = html.unescape(signed_in(demo, CFO_OFFICER).get("/commitments/new").get_data(as_text=True))
    options = re.findall(r"<option [^>]*>(Pat Smith[^<]*)</option>", page)
    assert sorted(options) == sorted(f"Pat Smith, Manager ({name})" for name in names), options
    assert re.search(r"<option [^>]*>[^<(]+, Administrator, Benefits Administration</option>", page), (
        "a leader no other reads like keeps the plain label")


def test_an_admins_new_commitment_names_its_function_only_when_chosen(demo):
    """An admin's new-commitment form listed every function with none chosen, so the browser showed (and
    sent) the first, CAO: a commitment meant for another function was filed under CAO unless the admin
    noticed. The list now starts blank, and a form sent without a choice is refused by name."""
    admin = signed_in(demo, "admin@demo.cx.gov")
    page = admin.get("/commitments/new?capacity_domain=Measurement").get_data(as_text=True)
    listed = page.split('name="function_id"')[1].split("</select>")[0]
    assert re.search(r'<option[^>]*value=""[^>]*>Choose the function</option>', listed), listed[:200]
    with demo.app_context():
        before = counts(Commitment)
    refused = submit(admin, "/commitments/new", form_id="new-form", page=page, title="Whose is this")
    assert refused.status_code == 400
    assert "Function</a>: choose the function that owns the commitment" in html.unescape(refused.get_data(as_text=True))
    with demo.app_context():
        assert counts(Commitment) == before
    officer = signed_in(demo, CFO_OFFICER).get("/commitments/new").get_data(as_text=True)
    assert "Choose the function" not in officer, "an officer's one function is chosen already"


def test_links_stored_before_the_one_reading_of_typed_links_stay_as_they_are_on_a_save_that_leaves_them(demo):
    """A link the API took with a final semicolon, shown in the form's box and sent back as it was shown, was read
    again and saved without it: a save that only added a note changed the officer's evidence, unsaid."""
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        target = cfo_open_commitment()
        cid = target.id
        target.evidence_links = ["https://www.cfo.gov/report;", "https://www.performance.gov/cx/"]
        db.session.commit()
        history = len(target.updates)
    assert submit(officer, f"/commitments/{cid}/edit", note="Checked with the vendor.").status_code == 303
    with demo.app_context():
        saved = db.session.get(Commitment, cid)
        assert saved.evidence_links == ["https://www.cfo.gov/report;", "https://www.performance.gov/cx/"]
        assert len(saved.updates) == history + 1 and "evidence_links" not in (saved.updates[-1].changes or {})
    edited = submit(officer, f"/commitments/{cid}/edit",
                    evidence_links="https://www.cfo.gov/report;\nhttps://www.performance.gov/cx/\nhttps://x.gov/a;b "
                                   "https://y.gov/;")
    assert edited.status_code == 303, "a link added: the stored ones as they were, the new read as typed"
    with demo.app_context():
        assert db.session.get(Commitment, cid).evidence_links == [
            "https://www.cfo.gov/report;", "https://www.performance.gov/cx/", "https://x.gov/a;b", "https://y.gov/"]
    refused = submit(officer, f"/commitments/{cid}/edit", evidence_links="https://c.gov/a.pdf,https://d.gov/b.pdf")
    assert refused.status_code == 400 and "runs two web addresses together" in refused.get_data(as_text=True)


def test_a_link_typed_with_a_space_in_it_is_refused_saying_the_space_split_it(demo):
    """"https://example.gov/my report.pdf" was refused as "'report.pdf' is not a web address", with nothing to say
    that the space had cut one address in two (links are split at spaces), or how to write it."""
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        cid = cfo_open_commitment().id
    refused = submit(officer, f"/commitments/{cid}/edit", evidence_links="https://example.gov/my report.pdf")
    said = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 400
    assert ("'report.pdf' is not a web address (if it is the rest of 'https://example.gov/my', links are split at "
            "spaces, and at semicolons before them: write a space in a web address as %20); each link must start with "
            "http:// or https:// and name a site, e.g. https://www.performance.gov/cx/") in said
    alone = html.unescape(submit(officer, f"/commitments/{cid}/edit", evidence_links="report.pdf")
                          .get_data(as_text=True))
    assert "'report.pdf' is not a web address" in alone and "if it is the rest of" not in alone


def test_a_new_commitment_sent_twice_is_created_once_and_said_so(demo):
    """A double click (or Back and send again) on the new-commitment form answered the second press 400,
    "CFO already has a commitment titled 'Double click test'", of the person's own commitment."""
    officer = signed_in(demo, CFO_OFFICER)
    page = officer.get("/commitments/new").get_data(as_text=True)
    values = {"title": "Double click test", "status": "on_track", "due_date": "2027-03-31", "note": "From the board."}
    with demo.app_context():
        before = counts(Commitment)
        cfo = db.session.scalar(sa.select(Function.id).where(Function.code == "CFO"))
    first = submit(officer, "/commitments/new", form_id="new-form", page=page, **values)
    assert first.status_code == 303
    again = submit(officer, "/commitments/new", form_id="new-form", page=page, **values)
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    shown = html.unescape(officer.get(again.headers["Location"]).get_data(as_text=True))
    assert "The form was sent twice; the commitment was created once." in shown
    with demo.app_context():
        assert counts(Commitment) == before + 1
        assert len(commitment("Double click test").updates) == 1, "one history row"
    other = submit(officer, "/commitments/new", form_id="new-form", page=page, **{**values, "due_date": "2027-06-30"})
    assert other.status_code == 400, "other values under a taken title: refused, not said to be saved"
    elsewhere = submit(signed_in(demo, "admin@demo.cx.gov"), "/commitments/new", form_id="new-form",
                       function_id=str(cfo), **values)
    assert elsewhere.status_code == 400, "someone else's commitment of that title is no re-send of theirs"
    with demo.app_context():
        made = commitment("Double click test")
        made.updates[0].at -= services.SENT_AGAIN_WITHIN + timedelta(minutes=1)
        db.session.commit()
    later = submit(officer, "/commitments/new", form_id="new-form", page=page, **values)
    assert later.status_code == 400, "the same values sent long after are a new commitment under a taken title"


def test_a_title_taken_by_a_dropped_commitment_says_it_is_dropped_and_which(demo):
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        dropped = cfo_open_commitment()
        cid, title = dropped.id, dropped.title
    assert submit(officer, f"/commitments/{cid}/drop", form_id="drop-form", reason="Folded into another.") \
        .status_code == 303
    refused = submit(officer, "/commitments/new", form_id="new-form", title=title)
    said = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 400
    assert f"CFO already has a commitment titled '{title}': commitment #{cid}, which is dropped." in said


@pytest.mark.parametrize("title, said", [("line1\nline2", "a line break (U+000A)"),
                                         ("line1\r\nline2", "a line break (U+000A)"),  # read as "\n"
                                         ("tab\tbetween", "a tab (U+0009)"),
                                         ("next\u2028line", "a line break (U+2028)"),
                                         ("c1\x85control", "a control character (U+0085)")])
def test_a_title_is_one_line_a_line_break_or_control_character_in_it_is_refused(demo, title, said):
    """A crafted POST saved the title "line1\nline2"; the edit form then showed "line1line2", so the next
    ordinary save changed it unseen."""
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        target = cfo_open_commitment()
        cid, was = target.id, target.title
        before = counts(Commitment)
    refused = submit(officer, f"/commitments/{cid}/edit", title=title)
    shown = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 400
    # no text keeps a C1 control (scorecard.text): a form says so of it as of every field's
    assert (f"Title held {said}, which cannot be kept" if "control" in said
            else f"the title holds {said}: a title is one line of text; remove it") in shown
    created = submit(officer, "/commitments/new", form_id="new-form", title=title)
    assert created.status_code == 400 and said in html.unescape(created.get_data(as_text=True))
    with demo.app_context():
        assert db.session.get(Commitment, cid).title == was and counts(Commitment) == before
        # as every writer reads it (the forms, the API and the imports read every line break as "\n")
        problems = check(db.session, None, {"title": line_breaks(title)}, user=user(CFO_OFFICER),
                         function_id=db.session.get(Commitment, cid).function_id)
        assert said in problems["title"], "every writer (the API, an import) is refused the same"


def test_a_title_with_a_look_alike_letter_is_refused_so_it_cannot_copy_a_taken_one(demo):
    """"Αlign CX budget..." (a Greek capital Alpha) was saved beside the CFO's "Align CX budget...": the taken-title
    rule compared letters, so the list showed two commitments of one title. A title stored so is not in the way."""
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        taken, other = commitment("Align CX budget requests with HISP action plans"), cfo_open_commitment()
        cid, was, copy, function_id = other.id, other.title, "\u0391" + taken.title[1:], taken.function_id
        before = counts(Commitment)
    refused = submit(officer, f"/commitments/{cid}/edit", title=copy)
    said = "the letter 'Α' of another alphabet (Greek Capital Letter Alpha, U+0391) among Latin letters"
    assert refused.status_code == 400 and said in html.unescape(refused.get_data(as_text=True))
    created = submit(officer, "/commitments/new", form_id="new-form", title="Cut wait times in the сall centre")
    assert created.status_code == 400 and "Cyrillic Small Letter Es" in html.unescape(created.get_data(as_text=True))
    with demo.app_context():
        assert db.session.get(Commitment, cid).title == was and counts(Commitment) == before
        assert "title" not in check(db.session, None, {"title": "Пенсии: faster notices"}, user=user(CFO_OFFICER),
                                    function_id=function_id), "a word in one alphabet is itself"
        db.session.get(Commitment, cid).title = copy
        db.session.commit()
    kept = submit(officer, f"/commitments/{cid}/edit", next_step="Draft the chapter.")
    assert kept.status_code == 303, "a title stored before the rule does not block the rest of a save"


def test_a_title_taken_but_for_the_spaces_between_its_words_is_taken(demo):
    """"Align  CX budget..." (two spaces), "Align\u00a0CX budget..." (a no-break space) and "Align CX budget...\u200b"
    (a zero-width space) were saved beside "Align CX budget...": a page draws them alike, so the function's list
    showed two commitments of one title."""
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        cid, was = cfo_open_commitment().id, cfo_open_commitment().title
        before = counts(Commitment)
    taken = "Align CX budget requests with HISP action plans"
    for copy in (taken.replace("CX", " CX"), taken.replace(" ", "\u00a0", 1), taken.upper().replace(" ", "   "),
                 taken + "\u200b", "A\u00ad" + taken[1:], taken.replace("CX", "C\u2060X"),
                 taken.replace("CX", "\uff23\uff38"),  # full-width letters: "ＣＸ"
                 taken + "\u3164", taken + "\uffa0", taken.replace(" ", "\u2800 ", 1),  # fillers, blank braille
                 taken.replace("CX", "C\u200dX"), taken.replace("CX", "C\u200cX"),  # zero-width (non-)joiner
                 taken.replace("CX", "CX\ufe0f"), taken.replace("CX", "C\u034fX")):  # variation selector, CGJ
        refused = submit(officer, f"/commitments/{cid}/edit", title=copy)
        assert refused.status_code == 400, copy
        kept = visible(copy)  # a zero-width space, a word joiner, a soft hyphen: dropped as the title is read
        said = f"CFO already has a commitment titled {taken!r}" + (f" ('{kept}' reads the same" if kept != taken
                                                                    else "")
        page = html.unescape(refused.get_data(as_text=True))
        assert said in page, "the title stored is named, not the one typed"
        assert "\\x" not in page and "\\u" not in page, "a character one cannot see is named, not escaped"
        if "\u00a0" in copy:
            assert "reads the same: it holds a no-break space (U+00A0))" in page
        assert submit(officer, "/commitments/new", form_id="new-form", title=copy).status_code == 400, copy
    with demo.app_context():
        assert db.session.get(Commitment, cid).title == was and counts(Commitment) == before
    assert submit(officer, f"/commitments/{cid}/edit", title=was.replace(" ", "  ", 1)).status_code == 303, \
        "its own title, spaced otherwise, is no other commitment's"


def test_a_title_is_kept_without_the_characters_that_draw_nothing(demo):
    """A zero-width space pasted into a title was kept: the history then showed a change of title between two
    that read the same. A title drops them (a soft hyphen, a word joiner, a byte-order mark too), and not the
    zero-width joiner, which spells words in Persian and Indic scripts and joins emoji."""
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        target = cfo_open_commitment()
        cid, was, updates = target.id, target.title, len(target.updates)
    same = submit(officer, f"/commitments/{cid}/edit", title=was[:4] + "\u200b" + was[4:] + "\ufeff")
    assert same.status_code == 303
    assert "Nothing changed" in officer.get(same.headers["Location"]).get_data(as_text=True)
    created = submit(officer, "/commitments/new", form_id="new-form", title="\u2060Pub\u00adlish the\u200b CX plan")
    assert created.status_code == 303
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 faster claims"  # "I want", with its non-joiner
    assert submit(officer, "/commitments/new", form_id="new-form", title=persian).status_code == 303
    with demo.app_context():
        assert db.session.get(Commitment, cid).title == was and len(db.session.get(Commitment, cid).updates) == updates
        assert commitment("Publish the CX plan") is not None
        assert commitment(persian) is not None, "the zero-width non-joiner is part of the word"


def test_a_commitment_due_today_is_listed_as_due_today_not_in_0_days(demo):
    """The list said "2026-12-02 in 0 days" where the home page said "due today"."""

    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        due = cfo_open_commitment()
        due.due_date = agency_today()
        db.session.commit()
        cid = due.id
    page = officer.get("/commitments/").get_data(as_text=True)
    row = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.split(f'data-commitment="{cid}"')[1].split("</tr>")[0]))
    assert f"{agency_today().isoformat()} due today" in row and "in 0 days" not in row, row


@pytest.mark.parametrize("zone, overdue", [("America/New_York", False), ("UTC", True)])
def test_a_commitment_due_today_is_not_overdue_in_the_agencys_evening(demo, monkeypatch, zone, overdue):
    """Days were UTC days: from 7 p.m. Eastern a commitment due that day read "overdue by 1 day" on its page,
    in the list (and its Overdue filter) and on its officer's home page. The agency's time zone
    (SCORECARD_TIMEZONE) now says when a day turns; an agency that sets UTC counts UTC days."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from scorecard import clock

    evening = datetime(2026, 12, 3, 22, 30, tzinfo=ZoneInfo("America/New_York"))  # 03:30 on the 4th in UTC
    monkeypatch.setattr(clock, "utcnow", lambda: evening.astimezone(UTC))
    monkeypatch.setattr(clock, "_zone", ZoneInfo(zone))
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        due = cfo_open_commitment()
        due.due_date, due.last_update_at = date(2026, 12, 3), evening - timedelta(hours=7)  # 20:30 UTC
        db.session.commit()
        cid = due.id
    page = " ".join(re.sub(r"<[^>]+>", " ", officer.get(f"/commitments/{cid}").get_data(as_text=True)).split())
    listing = officer.get("/commitments/?overdue=1").get_data(as_text=True)
    home = " ".join(re.sub(r"<[^>]+>", " ", officer.get("/").get_data(as_text=True)).split())
    assert ("overdue by 1 day" in page) is overdue and ("last updated today" in page) is not overdue, page[:2000]
    assert (cid in row_ids(listing)) is overdue
    assert ("due today" in home) is not overdue and ("overdue by 1 day (due 2026-12-03)" in home) is overdue


@pytest.mark.parametrize("zone, shown", [("America/New_York", "2026-12-03 22:30 EST"), ("UTC", "2026-12-04 03:30 UTC")])
def test_a_commitments_times_are_shown_on_the_day_they_are_counted(demo, monkeypatch, zone, shown):
    """An update at 10:30 p.m. Eastern read "Last update 2026-12-04 03:30 UTC" beside "last updated today"
    on the 3rd: times were shown in UTC while days were the agency's. Both are in its zone now, the time with
    the zone's abbreviation, on the page and in its history."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from scorecard import clock

    evening = datetime(2026, 12, 4, 3, 30, tzinfo=UTC)
    monkeypatch.setattr(clock, "utcnow", lambda: evening + timedelta(minutes=5))
    monkeypatch.setattr(clock, "_zone", ZoneInfo(zone))
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        c = cfo_open_commitment()
        c.last_update_at = evening
        db.session.add(CommitmentUpdate(commitment=c, at=evening, status=c.status, note="An evening update",
                                        changes={}))
        db.session.commit()
        cid = c.id
    page = " ".join(re.sub(r"<[^>]+>", " ", officer.get(f"/commitments/{cid}").get_data(as_text=True)).split())
    assert f"Last update {shown}" in page and "last updated today" in page, page[:3000]
    history = page.split("When Who What changed")[1]
    assert f"{shown} " in history and "An evening update" in history
    assert ("UTC" in page) is (zone == "UTC"), "every time on the page in the one zone"


def test_findings_judged_before_the_latest_change_say_so_until_the_rules_read_it_again(evaluated):
    """Right after a save the page showed the rules' old verdict ("overdue ... its status still says not
    started" under the new status and due date) with nothing to say it was judged before the save; and an
    evaluation that found the finding unchanged left it dated before the save."""
    from scorecard.models import RuleSubject, utcnow
    from scorecard.rules.service import evaluate

    officer = signed_in(evaluated, CFO_OFFICER)
    with evaluated.app_context():
        evaluate(db.session)  # as of today: the next evaluation finds the findings unchanged
        judged = db.session.scalar(sa.select(Commitment).join(Function).join(
            Finding, sa.and_(Finding.subject_type == RuleSubject.commitment, Finding.subject_id == Commitment.id))
            .where(Function.code == "CFO").order_by(Commitment.id))
        cid = judged.id
        db.session.execute(sa.update(Finding).where(Finding.subject_type == RuleSubject.commitment,
                                                    Finding.subject_id == cid)
                           .values(evaluated_at=utcnow() - timedelta(minutes=2)))
        judged.updated_at = utcnow() - timedelta(minutes=1)  # a change the rules have not read yet
        db.session.commit()
    page = officer.get(f"/commitments/{cid}").get_data(as_text=True)
    said = " ".join(re.sub(r"<[^>]+>", " ", page.split('id="rules-outdated"')[1].split("</p>")[0]).split())
    assert "before the latest change to this commitment" in said and "reload in a moment" in said, said
    with evaluated.app_context():
        evaluate(db.session)
    page = officer.get(f"/commitments/{cid}").get_data(as_text=True)
    assert 'id="rules"' in page and 'id="rules-outdated"' not in page, "the rules read it again"


def test_findings_judged_on_an_earlier_day_say_the_day_they_count_from(evaluated):
    """A commitment's page read "overdue by 30 days" above the rules' "is 29 days overdue", judged the day
    before, with nothing to say when: the rules' days are said to be the day they judged it."""
    from scorecard.models import RuleSubject, utcnow

    officer = signed_in(evaluated, CFO_OFFICER)
    with evaluated.app_context():
        judged = db.session.scalar(sa.select(Commitment).join(Function).join(
            Finding, sa.and_(Finding.subject_type == RuleSubject.commitment, Finding.subject_id == Commitment.id))
            .where(Function.code == "CFO").order_by(Commitment.id))
        cid = judged.id
        before = utcnow() - timedelta(days=3)
        db.session.execute(sa.update(Finding).where(Finding.subject_type == RuleSubject.commitment,
                                                    Finding.subject_id == cid).values(evaluated_at=before))
        judged.updated_at = before - timedelta(hours=1)  # the rules read its latest change
        db.session.commit()
        day = day_of(before)
    page = officer.get(f"/commitments/{cid}").get_data(as_text=True)
    said = " ".join(re.sub(r"<[^>]+>", " ", page.split('id="rules-as-of">')[1].split("</p>")[0]).split())
    assert said.startswith(f"As the rules judged it on {day.isoformat()}: the days they count"), said
    with evaluated.app_context():
        db.session.execute(sa.update(Finding).where(Finding.subject_type == RuleSubject.commitment,
                                                    Finding.subject_id == cid).values(evaluated_at=utcnow()))
        db.session.commit()
    assert 'id="rules-as-of"' not in officer.get(f"/commitments/{cid}").get_data(as_text=True), "judged today"


def test_components_of_one_name_in_two_agencies_are_told_apart(demo):
    """The demo's Retirement Services and OPM's were two identical options, and their programs one list."""
    from scorecard.models import Agency, Component, Program

    with demo.app_context():
        twin_name = db.session.scalar(sa.select(Component.name).order_by(Component.name))
        other = Agency(code="OTHER", name="Another Department")
        twin = Component(agency=other, code="TWIN-1", name=twin_name)
        db.session.add_all([other, twin, Program(component=twin, code="TWIN-P1", name="Twin program")])
        db.session.commit()
    page = signed_in(demo, CFO_OFFICER).get("/commitments/new").get_data(as_text=True)
    select = page.split('name="component_id"')[1].split("</select>")[0]
    labels = [html.unescape(label) for label in re.findall(r"<option[^>]*>([^<]*)</option>", select)]
    assert len(labels) == len(set(labels)), "each component's option names it apart"
    assert sum(1 for label in labels if label.endswith(f": {twin_name}")) == 2
    programs = page.split('name="program_ids"')[1].split("</select>")[0]
    groups = [html.unescape(g) for g in re.findall(r'<optgroup label="([^"]*)"', programs)]
    assert len(groups) == len(set(groups)), "one group per component, its programs together"
    listing = signed_in(demo, CFO_OFFICER).get("/commitments/").get_data(as_text=True)
    filter_ = listing.split('id="f-component"')[1].split("</select>")[0]
    assert sum(1 for label in re.findall(r"<option[^>]*>([^<]*)</option>", filter_)
               if html.unescape(label).endswith(f": {twin_name}")) == 2


# --------------------------------------------------------------------------- list, page, home

def test_filters_sort_and_counts_travel_in_the_query_string(demo):
    admin = signed_in(demo, "admin@demo.cx.gov")
    today = agency_today()
    with demo.app_context():  # a commitment completed long ago: quiet since, and rightly so
        done = db.session.scalars(sa.select(Commitment).where(Commitment.status == CommitmentStatus.complete)).first()
        done.last_update_at = done.last_update_at - timedelta(days=400)
        db.session.commit()
        every = db.session.scalars(sa.select(Commitment)).all()
        closed = (CommitmentStatus.complete, CommitmentStatus.dropped)
        overdue = {c.id for c in every if c.due_date and c.due_date < today and c.status not in closed}
        stale = {c.id for c in every if (today - day_of(c.last_update_at)).days >= 60 and c.status not in closed}
        quiet_but_closed = {c.id for c in every if (today - day_of(c.last_update_at)).days >= 60} - stale
        cfo_off = {c.id for c in every if c.function.code == "CFO" and c.status is CommitmentStatus.off_track}
        name = next(c.capacity_domain for c in every if c.capacity_domain)
        domain = {c.id for c in every if c.capacity_domain == name}
        by_status = {s: sum(1 for c in every if c.status is s) for s in CommitmentStatus}
    assert overdue and stale and cfo_off and domain
    assert row_ids(admin.get("/commitments/?overdue=1").get_data(as_text=True)) == overdue
    assert row_ids(admin.get("/commitments/?stale=60").get_data(as_text=True)) == stale
    assert done.id in quiet_but_closed, ("a complete commitment is not listed as not updated (the home page, "
                                         "reminders and dashboards count open ones)")
    assert row_ids(admin.get("/commitments/?function=cfo&status=off_track").get_data(as_text=True)) == cfo_off
    assert row_ids(admin.get("/commitments/", query_string={"domain": name}).get_data(as_text=True)) == domain
    page = admin.get("/commitments/?sort=updated").get_data(as_text=True)
    for status, n in by_status.items():
        assert f'data-count="{status.value}">{n}<' in page
    ids = [int(i) for i in re.findall(r'<tr data-commitment="(\d+)"', page)]
    with demo.app_context():
        stamps = [db.session.get(Commitment, i).last_update_at for i in ids]
    assert stamps == sorted(stamps)
    odd = admin.get("/commitments/?due_within=soon&status=late").get_data(as_text=True)
    assert "&#39;soon&#39; is not a number of days" in odd and "&#39;late&#39; is not a commitment status" in odd
    for path in ("/commitments/?due_within=%C2%B2", "/commitments/?stale=%C2%B2"):
        response = admin.get(path)  # "²" is a digit to str.isdigit, not to int
        assert response.status_code == 200, (path, response.status_code)
    refused = admin.get("/commitments/download.csv?stale=²")  # a file cannot say a filter was left out
    assert refused.status_code == 400 and "&#39;²&#39; is not a number of days" in refused.get_data(as_text=True)
    assert "&#39;²&#39; is not a number of days" in admin.get("/commitments/?stale=²").get_data(as_text=True)
    assert "is not a number of days" not in admin.get("/commitments/?stale=0000030").get_data(as_text=True)
    huge = admin.get("/commitments/?due_within=" + "9" * 5000)  # more digits than int() reads
    assert huge.status_code == 200 and "is not a number of days" in huge.get_data(as_text=True)
    unread = admin.get("/commitments/?overdue=abc").get_data(as_text=True)
    assert "Overdue: &#39;abc&#39; is not yes or no" in unread and row_ids(unread) == row_ids(
        admin.get("/commitments/").get_data(as_text=True)), "named, and the filter left out"
    assert "is not yes or no" not in admin.get("/commitments/?overdue=0").get_data(as_text=True)
    unknown = admin.get("/commitments/?function=-1&component=NOPE").get_data(as_text=True)
    assert "Function: &#39;-1&#39; is no function&#39;s code" in unknown, "it matched nothing, silently"
    assert "Component: &#39;NOPE&#39; is no component&#39;s code" in unknown
    assert row_ids(unknown) == row_ids(admin.get("/commitments/").get_data(as_text=True)), "named, and left out"


def test_the_date_filters_say_they_count_open_commitments_only(demo):
    """Due within 30 days hid complete and overdue commitments, Not updated in hid complete and dropped
    ones, and neither the filters nor "No commitments match these filters" said so."""
    client = signed_in(demo, CFO_OFFICER)
    page = html.unescape(client.get("/commitments/").get_data(as_text=True))
    assert "not complete, dropped or already overdue (tick Overdue to add those)" in page
    assert "Open commitments only: complete and dropped ones are left out." in page
    assert 'aria-describedby="f-due-hint"' in page and 'aria-describedby="f-stale-hint"' in page
    empty = html.unescape(client.get("/commitments/", query_string={
        "due_within": "0", "stale": "3650", "status": "complete"}).get_data(as_text=True))
    assert ("No commitments match these filters. Due within 0 days counts open commitments due from today on, "
            "not overdue ones (tick Overdue to add them); Not updated in 3,650 days counts open commitments only: "
            "complete and dropped commitments are left out.") in " ".join(empty.split())
    listed = html.unescape(client.get("/commitments/", query_string={"stale": "1"}).get_data(as_text=True))
    caption = listed[listed.index("<caption>"):listed.index("</caption>")]
    assert "Not updated in 1 day counts open commitments only: complete and dropped commitments are left out." \
        in " ".join(caption.split())


def test_the_commitment_page_shows_programs_metrics_and_history(evaluated):
    officer = signed_in(evaluated, CFO_OFFICER)
    with evaluated.app_context():
        target = db.session.scalar(sa.select(Commitment).join(Function).where(
            Function.code == "CFO", Commitment.status == CommitmentStatus.off_track))
        cid = target.id
        programs = [p.name for p in target.programs]
        metric = target.metrics[0].name
        history = len(target.updates)
    page = officer.get(f"/commitments/{cid}").get_data(as_text=True)
    metrics_table = page[page.index('id="metric-status"'):]
    for name in programs:
        assert name in page and name in metrics_table
    assert metric in metrics_table
    assert re.search(r'data-status="(green|amber|red|insufficient_data|no_target|no_data)">'
                     r"(Green \(meets target\)|Amber \(near target\)|Red \(below target\)|Insufficient data[^<]*"
                     r"|No target set|No data)<",
                     metrics_table)
    assert "Vendor delays pushed the schedule." in page  # the status reason
    assert page.count("<li><strong>Status</strong>") >= 1 and history >= 2
    assert page[page.index('id="history-table"'):].count("<tr>") == history + 1  # the header row too
    assert "/findings/" in page  # the rules' findings about it (stale, program status) link to their why


def test_a_metric_the_function_reports_itself_is_shown_once_for_the_function(demo):
    """The CFO's own metric (no program reports it): one row for the function with its value and target,
    not a "no data yet" row for each program the commitment serves."""
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        target = db.session.scalar(sa.select(Commitment).join(Function).where(
            Function.code == "CFO", Commitment.metrics.any(Metric.code == "cfo_cx_budget_aligned")))
        cid, programs = target.id, [p.name for p in target.programs]
    page = officer.get(f"/commitments/{cid}").get_data(as_text=True)
    metrics_table = page[page.index('id="metric-status"'):page.index("</table>", page.index('id="metric-status"'))]
    assert programs and all(name in page for name in programs)
    assert metrics_table.count("<tr>") == 2, "the header and the function's row"
    assert "Chief Financial Officer (the function)" in metrics_table and "No data" not in metrics_table
    assert re.search(r'data-status="(green|amber|red)"', metrics_table)


def test_a_metric_it_moves_is_shown_for_the_latest_quarter_that_has_ended(demo):
    """A quarter under way holds its first results only: the page showed a tied program's trust "Green" for
    it beside the same program "Red" in the quarter before, the one the dashboards and the rules judge."""
    from scorecard.models import Observation
    from scorecard.models.commitments import commitment_metrics, commitment_programs
    from scorecard.periods import Period, latest_complete_period

    today = agency_today()
    now, ended = str(Period.from_date(today)), str(latest_complete_period(today))
    with demo.app_context():
        tied = db.session.execute(
            sa.select(Observation).join(commitment_metrics, commitment_metrics.c.metric_id == Observation.metric_id)
            .join(commitment_programs, sa.and_(
                commitment_programs.c.commitment_id == commitment_metrics.c.commitment_id,
                commitment_programs.c.program_id == Observation.program_id))
            .where(Observation.period == ended)
            .add_columns(commitment_metrics.c.commitment_id).limit(1)).first()
        assert tied is not None, "the demo has a commitment whose program reports the metric it moves"
        row, cid = tied
        program = db.session.get(Program, row.program_id).name
        db.session.add(Observation(**{column: getattr(row, column) for column in (
            "metric_id", "agency_id", "component_id", "program_id", "subject_key", "channel", "touchpoint",
            "n", "count_1", "count_2", "count_3", "count_4", "count_5", "value", "question_text")},
            period=now))
        db.session.commit()
    page = html.unescape(signed_in(demo, "admin@demo.cx.gov").get(f"/commitments/{cid}").get_data(as_text=True))
    table = page.split('id="metric-status"')[1].split("</table>")[0]
    rows = [r for r in table.split("<tr>") if program in r]
    assert rows and all(ended in r and now not in r for r in rows), rows


def test_a_program_the_rules_give_no_status_says_why(evaluated):
    """A program without a trust target has no status finding: the page says when the rules give one,
    not "yet", as if one were coming."""
    with evaluated.app_context():
        untargeted = db.session.scalar(sa.select(Commitment).where(Commitment.programs.any(Program.id.not_in(
            sa.select(Finding.subject_id).where(Finding.subject_type == "program", Finding.outcome == "status")))))
        cid = untargeted.id
    page = signed_in(evaluated, "executive@demo.cx.gov").get(f"/commitments/{cid}").get_data(as_text=True)
    assert "no status finding: the rules give one for a quarter with trust answers and a trust target" in page
    assert "Red (below target) in" in page or "Green (meets target) in" in page or "Amber (near target) in" in page or (
        "Insufficient data" in page), "its other program's status, where it has one"


def test_a_program_that_reported_nothing_reads_as_no_data_not_too_few_respondents(evaluated):
    """The rules called a quarter without any answer insufficient data, and the commitment page said "fewer
    respondents than the minimum" of a program that reported nothing (the demo's Navigator Grants): its
    status is no data, and the page says so (not "no data yet": its results were due weeks ago)."""
    from scorecard.models import FindingInput

    with evaluated.app_context():
        silent = db.session.scalar(sa.select(Finding).where(
            Finding.subject_type == "program", Finding.outcome == "status", Finding.status == "no_data",
            ~sa.exists().where(FindingInput.finding_id == Finding.id)).order_by(Finding.period.desc()))
        assert silent is not None, "the demo has a program that did not report its latest quarter"
        cid = db.session.scalar(sa.select(Commitment.id).where(
            Commitment.programs.any(Program.id == silent.subject_id)))
        period, program = silent.period, db.session.get(Program, silent.subject_id).name
    assert cid is not None, program
    page = signed_in(evaluated, "executive@demo.cx.gov").get(f"/commitments/{cid}").get_data(as_text=True)
    row = html.unescape(page).split(program)[1].split("</tr>")[0]
    assert f"No data in {period}" in row and "fewer respondents" not in row, row


def test_the_officers_home_shows_what_needs_their_update_first(demo):
    officer = signed_in(demo, CFO_OFFICER)
    page = officer.get("/").get_data(as_text=True)
    box = page[page.index('id="needs-update"'):page.index("</section>", page.index('id="needs-update"'))]
    assert page.index('id="needs-update"') < page.index("Agency heatmap")
    with demo.app_context():
        late = db.session.scalar(sa.select(Commitment).join(Function).where(
            Function.code == "CFO", Commitment.due_date < agency_today(),
            Commitment.status.not_in([CommitmentStatus.complete, CommitmentStatus.dropped])))
        other = db.session.scalar(sa.select(Commitment).join(Function).where(Function.code != "CFO"))
    assert late is not None
    assert late.title in box and "overdue by" in box
    assert other.title not in box
    assert "needs-update" not in signed_in(demo, "executive@demo.cx.gov").get("/").get_data(as_text=True)


def test_a_leader_no_commitment_names_is_told_so_not_about_their_commitments(demo):
    """Most of the demo's leaders are named on no commitment: their home page said "none of your commitments is
    overdue" and offered "All your commitments", an empty list."""
    from scorecard.auth.services import create_user
    from scorecard.models import Leader, Role

    with demo.app_context():
        named = sa.select(Commitment.leader_id).where(Commitment.leader_id.is_not(None))
        free = db.session.scalar(sa.select(Leader).where(Leader.id.not_in(named), Leader.email.is_not(None))
                                 .order_by(Leader.id))
        create_user("jordan.leader@demo.cx.gov", "a long enough pass phrase 2025", Role.leader,
                    leader_email=free.email)
        db.session.commit()
    page = " ".join(html.unescape(signed_in(demo, "jordan.leader@demo.cx.gov").get("/").get_data(as_text=True))
                    .split())
    box = page[page.index('id="needs-update"'):page.index("</section>", page.index('id="needs-update"'))]
    assert ("Nothing: no commitment names you yet. A function's officers record its commitments and name the leader "
            "accountable for each.") in box
    assert "none of your commitments" not in box and "All your commitments" not in box
    named = " ".join(signed_in(demo, "leader@demo.cx.gov").get("/").get_data(as_text=True).split())
    assert "All your commitments" in named and 'id="no-commitments"' not in named


# --------------------------------------------------------------------------- in a real browser

@pytest.fixture
def served(demo):
    """The demo app served over HTTP by a threaded werkzeug server in this process (its own copy
    of the demo database, so the test can read what the browser saved)."""
    import threading

    from werkzeug.serving import make_server

    from tests.live_server import free_port

    server = make_server("127.0.0.1", free_port(), demo, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def chrome(tmp_path_factory):
    from tests import served as served_app

    served_app.require_browser()
    driver = served_app.chrome(tmp_path_factory.mktemp("chrome"), height=1800, page_load_timeout=60)
    yield driver
    driver.quit()


@pytest.mark.browser
def test_the_cfo_officer_updates_a_commitment_in_a_browser(demo, served, chrome, tmp_path):
    """Sign in, home (needs your update), list, commitment, update refused without a reason,
    saved with one: the page's history names the officer."""
    import os
    from pathlib import Path

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    from scorecard.demo import DEMO_PASSWORD

    shots = Path(os.environ.get("SCORECARD_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    wait = WebDriverWait(chrome, 30)
    with demo.app_context():
        target = cfo_open_commitment()
        cid, title = target.id, target.title

    chrome.get(served + "/commitments/")
    assert "/auth/login" in chrome.current_url
    chrome.find_element(By.NAME, "email").send_keys(CFO_OFFICER)
    chrome.find_element(By.NAME, "password").send_keys(DEMO_PASSWORD)
    chrome.find_element(By.CSS_SELECTOR, "form.usa-form [type=submit]").click()
    wait.until(ec.presence_of_element_located((By.ID, "commitments")))
    chrome.get(served + "/")
    assert title in chrome.find_element(By.ID, "needs-update").text
    chrome.save_screenshot(str(shots / "1-home.png"))

    chrome.find_element(By.LINK_TEXT, "Commitments").click()
    wait.until(ec.presence_of_element_located((By.ID, "commitments")))
    rows = chrome.find_elements(By.CSS_SELECTOR, "#commitments tbody tr")
    assert rows and all(r.find_element(By.CSS_SELECTOR, "td[data-label=Function]").text == "CFO" for r in rows)
    chrome.save_screenshot(str(shots / "2-list.png"))

    chrome.find_element(By.LINK_TEXT, title).click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), title))
    assert "Not started" in chrome.find_element(By.ID, "status").text
    chrome.save_screenshot(str(shots / "3-commitment.png"))

    chrome.find_element(By.ID, "update-link").click()
    wait.until(ec.presence_of_element_located((By.ID, "update-form")))
    Select(chrome.find_element(By.ID, "status")).select_by_visible_text("Off track")
    chrome.find_element(By.ID, "save").click()
    wait.until(ec.presence_of_element_located((By.ID, "form-problems")))
    assert "needs a reason" in chrome.find_element(By.ID, "form-problems").text
    assert "needs a reason" in chrome.find_element(By.ID, "reason-error").text
    chrome.save_screenshot(str(shots / "4-refused.png"))
    with demo.app_context():
        assert db.session.get(Commitment, cid).status is CommitmentStatus.not_started

    reason = "The annual report template froze before the CX section.\nThe CFO's office asked for a CX annex."
    chrome.find_element(By.ID, "reason").send_keys(reason)
    chrome.find_element(By.ID, "next_step").send_keys("Ask the CFO to add a CX annex.")
    chrome.find_element(By.ID, "note").send_keys("Agreed at the Monday review.")
    chrome.find_element(By.ID, "save").click()
    wait.until(ec.presence_of_element_located((By.ID, "history-table")))
    assert "Off track" in chrome.find_element(By.ID, "status").text
    latest = chrome.find_element(By.CSS_SELECTOR, "#history-table tbody tr")
    assert CFO_OFFICER in latest.text and "Agreed at the Monday review." in latest.text
    assert chrome.find_element(By.ID, "reason").text == reason, "its line break shown, not run into one line"
    chrome.save_screenshot(str(shots / "5-saved.png"))
    with demo.app_context():
        stored = db.session.get(Commitment, cid)
        assert stored.status is CommitmentStatus.off_track and stored.next_step == "Ask the CFO to add a CX annex."
        assert stored.updates[-1].user_id == user(CFO_OFFICER).id


def test_a_commitment_started_from_a_capacity_domain_is_prefilled(demo):
    """The capacity page's "create one from the domain" link fills in the domain and component;
    values not among the form's choices are ignored."""
    with demo.app_context():
        component = db.session.scalars(sa.select(Component).order_by(Component.id)).first()
    client = signed_in(demo, "admin@demo.cx.gov")
    page = client.get(f"/commitments/new?capacity_domain=Measurement&component_id={component.id}")
    page = page.get_data(as_text=True)
    assert '<option selected value="Measurement">' in page
    assert f'<option selected value="{component.id}">' in page
    odd = client.get("/commitments/new?capacity_domain=Astrology&component_id=10000000000000000000000")
    assert odd.status_code == 200 and 'selected value="Astrology"' not in odd.get_data(as_text=True)


def test_an_action_plan_item_names_the_component_whose_assessment_it_answers(demo):
    """A commitment given a capacity-assessment domain but no component (nor programs) was saved, and then
    stood in no component's action plan: not on any capacity page, not on the capacity dashboard."""
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        component = db.session.scalar(sa.select(Component).where(Component.name == "Benefits Administration"))
        component_id = component.id
    fields = {"title": "Fund a CX culture programme", "description": "d", "due_date": "2027-06-30",
              "status": "not_started", "capacity_domain": "Culture & Organization"}
    refused = submit(officer, "/commitments/new", form_id="new-form", component_id="", **fields)
    assert refused.status_code == 400
    assert "an action-plan item answers a component&#39;s capacity assessment" in refused.get_data(as_text=True)
    with demo.app_context():
        assert commitment("Fund a CX culture programme") is None
    saved = submit(officer, "/commitments/new", form_id="new-form", component_id=str(component_id), **fields)
    assert saved.status_code == 303, saved.get_data(as_text=True)[:300]
    page = officer.get(f"/capacity/{component_id}/2027").get_data(as_text=True)
    assert "Fund a CX culture programme" in page


def test_a_hostile_opened_snapshot_is_read_as_none_not_a_failure(demo):
    """The form's hidden snapshot of the fields as opened comes back from the browser, and is read when
    the save meets someone else's: brackets nested too deeply for Python's parser count as no
    snapshot, as any unreadable one does, and the conflict is shown."""
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        target = cfo_open_commitment()
        cid, version = target.id, target.version
    url = f"/commitments/{cid}/edit"
    page = officer.get(url).get_data(as_text=True)
    with demo.app_context():  # someone else saves first
        db.session.execute(sa.update(Commitment).where(Commitment.id == cid)
                           .values(next_step="Theirs", version=version + 1))
        db.session.commit()
    for opened in ("[" * 30_000 + "]" * 30_000, '{"next_step": "\\ud800", "reason": "x"}',
                   '{"program_ids": [{"a": 1}], "next_step": {"b": [2]}}'):  # objects: unhashable, a 500
        answer = submit(officer, url, page=page, opened=opened, next_step="Mine")
        assert answer.status_code == 409, answer.get_data(as_text=True)[:300]  # a lone surrogate was a 500
        table = answer.get_data(as_text=True).split('id="conflict-table"')[1].split("</table>")[0]
        # not knowing how the form was opened, nothing is credited to the person alone
        assert "(not known)" in table and "<strong>both " in table
    with demo.app_context():
        assert db.session.get(Commitment, cid).next_step == "Theirs", "nothing of mine saved over theirs"


def test_a_date_typed_with_spaces_around_it_is_read(demo):
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        target = cfo_open_commitment()
        cid = target.id
    response = submit(officer, f"/commitments/{cid}/edit", due_date=" 2027-03-05 ", reason="Moved for the audit.")
    assert response.status_code == 303, html.unescape(response.get_data(as_text=True))[-1500:]
    with demo.app_context():
        assert db.session.get(Commitment, cid).due_date == date(2027, 3, 5)


def test_a_metric_it_moves_reads_in_its_own_unit(demo):
    """A v2 aspect is a share in percent (survey data, judged with enough respondents, but not on 1-5):
    its value read "30.04 on a 1-5 scale" once survey data was not only the 1-5 questions."""
    from scorecard.models import Metric
    from scorecard.models.commitments import commitment_metrics

    with demo.app_context():
        cid = db.session.scalar(sa.select(commitment_metrics.c.commitment_id)
                                .join(Metric, Metric.id == commitment_metrics.c.metric_id)
                                .where(Metric.code.like("a11v2_%")).order_by(commitment_metrics.c.commitment_id)
                                .limit(1))
    assert cid is not None, "the demo has a commitment moving a v2 aspect"
    page = signed_in(demo, "admin@demo.cx.gov").get(f"/commitments/{cid}").get_data(as_text=True)
    table = page.split('id="metric-status"')[1].split("</table>")[0]
    shares = [row for row in table.split("<tr>") if "naming" in row and "—" not in row.split("<td>")[3]]
    assert shares, table[:1000]
    assert all(re.search(r"<td>[0-9.,]+%</td>", row) and "1-5" not in row for row in shares), shares


def test_a_metric_value_and_its_target_read_in_one_unit_as_the_dashboards_write_them(demo):
    """A function's percent metric read "84.00 %" against a target "80.0" with no unit; the functions
    dashboard writes "84%" and "80%"."""
    from scorecard.models import Metric, Observation, Target

    with demo.app_context():
        metric = db.session.scalar(sa.select(Metric).where(Metric.unit == "%").join(
            Observation, Observation.metric_id == Metric.id).where(Observation.function_id.is_not(None))
            .order_by(Metric.id).limit(1))
        owner = db.session.scalar(sa.select(Observation.function_id).where(Observation.metric_id == metric.id,
                                                                            Observation.function_id.is_not(None))
                                  .order_by(Observation.function_id).limit(1))
        cid = db.session.scalar(sa.select(Commitment.id).where(Commitment.function_id == owner,
                                                               Commitment.metrics.any(Metric.id == metric.id))
                                .order_by(Commitment.id).limit(1))
        assert cid is not None and db.session.scalar(sa.select(Target.id).where(Target.metric_id == metric.id))
    page = signed_in(demo, "admin@demo.cx.gov").get(f"/commitments/{cid}").get_data(as_text=True)
    table = page.split('id="metric-status"')[1].split("</table>")[0]
    [row] = [row for row in table.split("<tr>") if "(the function)" in row]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    value, target = cells[2], cells[4]
    assert re.fullmatch(r"[0-9.,]+%", value) and re.fullmatch(r"[0-9.,]+%", target), cells


def test_a_trust_score_of_the_v2_survey_reads_as_the_share_who_trust_as_the_dashboards_lead_with(demo):
    """Eligibility Appeals' 60.7% who trust (a thumbs form) read '3.43 on a 1-5 scale' here, and its status
    'Below target' where every dashboard says red; the program dashboard leads with the share who trust."""
    from scorecard.models import Metric
    from scorecard.models.commitments import commitment_metrics

    with demo.app_context():
        cid = db.session.scalar(sa.select(commitment_metrics.c.commitment_id)
                                .join(Metric, Metric.id == commitment_metrics.c.metric_id)
                                .where(Metric.code == "trust").order_by(commitment_metrics.c.commitment_id).limit(1))
    assert cid is not None, "the demo has a commitment moving trust"
    page = signed_in(demo, "admin@demo.cx.gov").get(f"/commitments/{cid}").get_data(as_text=True)
    table = page.split('id="metric-status"')[1].split("</table>")[0]
    rows = [row for row in table.split("<tr>")[2:] if "FY20" in row]
    v2 = [row for row in rows if re.search(r"FY20(2[5-9]|24-Q[234])", row)]
    assert v2 and all(re.search(r"<td>[0-9.]+% who trust \(mean [0-9.]+ on 1-5", row) for row in v2), table[:1500]
    # the target on the mean, where one applies (a program without one reads "—")
    assert all(re.search(r"<td>(?:[0-9.]+ \(mean on 1-5\)|—)</td>", row) for row in v2), v2
    assert any(re.search(r"<td>[0-9.]+ \(mean on 1-5\)</td>", row) for row in v2), ("a target on the mean", v2)
    assert "on a 1-5 scale" not in table
    assert not re.search(r">(Below|Near|Meets) target<", table), "the dashboards' words: red, amber, green"


@pytest.mark.parametrize("zone", ["Etc/GMT+12", "Etc/GMT-14"])  # between them, one is on another day than UTC
def test_days_are_counted_on_the_agencys_day_whatever_the_servers_zone(demo, monkeypatch, zone):
    """On a server in a zone behind UTC, in the evening, a commitment updated a moment ago read "last updated
    -1 days ago": the server's local date was counted against UTC timestamps."""
    import time
    from datetime import UTC, datetime

    from scorecard.clock import agency_zone

    with demo.app_context():
        found = cfo_open_commitment()
        found.last_update_at, commitment_id = datetime.now(UTC), found.id
        db.session.commit()
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        assert agency_today() == datetime.now(agency_zone()).date()
        officer = signed_in(demo, "cfo.officer@demo.cx.gov")
        page = officer.get(f"/commitments/{commitment_id}").get_data(as_text=True)
        assert "last updated today" in " ".join(page.split()), "not '-1 days ago', nor '1 day ago'"
        listing = officer.get("/commitments/").get_data(as_text=True)
        row = re.search(rf'<tr data-commitment="{commitment_id}".*?</tr>', listing, re.S).group(0)
        assert '<td data-label="Last update">today</td>' in row
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_a_field_sent_twice_is_refused_not_read_as_its_first_value(demo):
    """A hand-made request naming a field twice (title=one&title=two) saved the first and dropped the other
    without a word; a multiple choice (programs) still takes several."""
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        target = cfo_open_commitment()
        cid, title, status = target.id, target.title, target.status
    url = f"/commitments/{cid}/edit"
    for doubled in ({"title": ["One", "Two"]}, {"status": ["on_track", "complete"]}):
        refused = submit(officer, url, **doubled, reason="Checked with the team.")
        assert refused.status_code == 400 and "This field was sent 2 times; a form sends it once" in html.unescape(
            refused.get_data(as_text=True)), doubled
    with demo.app_context():
        stored = db.session.get(Commitment, cid)
        assert (stored.title, stored.status) == (title, status), "nothing saved"


def test_a_drop_sent_twice_at_once_drops_once_and_both_are_told_it_is_dropped(demo):
    """A double click: one request dropped it, the other met its new version and answered 409, offering to
    drop it again. Both now lead to the commitment, dropped once; a long reason is shortened in the message
    (the whole of it went into the session cookie, past the 4 KB a browser keeps, and the message was lost)."""
    import threading

    from tests.helpers import at_once

    with demo.app_context():
        cid = cfo_open_commitment().id
    clients = [signed_in(demo, CFO_OFFICER) for _ in range(2)]
    url = f"/commitments/{cid}/drop"
    reason = "Folded into the annual report commitment. " + " ".join(f"step {i}" for i in range(900))
    forms = [form_data(client.get(url).get_data(as_text=True), "drop-form") | {"reason": reason} for client in clients]
    answers, lock, queue = [], threading.Lock(), list(zip(clients, forms))

    def send():
        with lock:
            client, form = queue.pop()
        answer = client.post(url, data=form)
        with lock:
            answers.append((answer.status_code, answer.headers.get("Location", "")))
    at_once(send, 2)
    assert [status for status, _ in answers] == [303, 303], answers
    assert all(where.endswith(f"/commitments/{cid}") for _, where in answers)
    with demo.app_context():
        stored = db.session.get(Commitment, cid)
        assert [u.status for u in stored.updates].count(CommitmentStatus.dropped) == 1
    told = html.unescape(clients[0].get(url, follow_redirects=True).get_data(as_text=True))
    message = re.search(r"was already dropped by you on .*?nothing more was changed\.", told, re.S).group()
    assert "(Folded into the annual report commitment. step 0" in message and "step 899" not in message
    assert "…); nothing more was changed." in message and len(message) < 300


@pytest.mark.parametrize("failure, status", [
    (sa.exc.OperationalError("SELECT", {}, Exception("server closed the connection unexpectedly")), 503),
    (RuntimeError("a fault after the save"), 500)])
def test_a_failure_after_the_commitment_was_made_says_it_was_made(demo, monkeypatch, failure, status):
    """The page reads the new commitment back for its answer: a database gone away by then answered
    "nothing was changed; try again", and trying again made it twice."""
    from scorecard.commitments import routes

    real = routes.create_commitment

    def made_then_failed(*args, **kwargs):
        real(*args, **kwargs)
        raise failure
    monkeypatch.setattr(routes, "create_commitment", made_then_failed)
    monkeypatch.setitem(demo.config, "PROPAGATE_EXCEPTIONS", False)  # answered as in production, not raised
    officer = signed_in(demo, CFO_OFFICER)
    page = officer.get("/commitments/new").get_data(as_text=True)
    with demo.app_context():
        before = counts(Commitment)
    lost = submit(officer, "/commitments/new", form_id="new-form", page=page, title="Made before the failure",
                  status="on_track")
    said = html.unescape(lost.get_data(as_text=True))
    assert lost.status_code == status and "Your change was saved" in said and "othing was changed" not in said
    with demo.app_context():
        assert counts(Commitment) == before + 1


def test_a_save_that_waits_too_long_for_another_writer_says_the_database_is_busy(demo, monkeypatch):
    """SQLite has one writer: a save that met a long revert said "The database is not answering (it may be
    restarting)", and the officer looked for an outage. It says the database is busy, nothing changed."""
    import sqlite3

    from scorecard import extensions

    with demo.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL's writers wait on the rows they change, not on one another")
        monkeypatch.setattr(extensions, "SQLITE_BUSY_MS", 100)
        db.engine.dispose()  # connections made anew, with the shorter wait
        path = db.engine.url.database
        url = f"/commitments/{cfo_open_commitment().id}/edit"
        before = counts(CommitmentUpdate)
    monkeypatch.setitem(demo.config, "PROPAGATE_EXCEPTIONS", False)
    officer = signed_in(demo, CFO_OFFICER)
    page = officer.get(url).get_data(as_text=True)
    writer = sqlite3.connect(path)
    try:
        writer.execute("BEGIN IMMEDIATE")  # another request's long change holds the write lock
        answer = submit(officer, url, page=page, status="at_risk", reason="Vendor slipped a month.")
    finally:
        writer.rollback()
        writer.close()
    said = html.unescape(answer.get_data(as_text=True))
    assert answer.status_code == 503 and "The database is busy with another long change" in said, said[-600:]
    assert "Nothing was changed; try again in a minute." in said and "restarting" not in said
    with demo.app_context():
        assert counts(CommitmentUpdate) == before


def test_a_commitment_saved_on_the_page_is_judged_again_by_the_rules(evaluated):
    """Moving an overdue commitment's due date on the page left its 'overdue' finding (and the ratings that
    read it) until the next evaluation; importing the same change evaluated at once. A save now evaluates
    what reads the commitment (inline in the tests; in the background when served)."""
    with evaluated.app_context():
        target = db.session.scalar(sa.select(Commitment).join(Function).where(
            Function.code == "CFO", Commitment.id.in_(flagged_by("overdue-commitment"))))
        assert target is not None, "the demo has an overdue CFO commitment"
        cid = target.id
    officer = signed_in(evaluated, CFO_OFFICER)
    saved = submit(officer, f"/commitments/{cid}/edit", due_date="2027-06-30", reason="The audit moved it to June.",
                   status="on_track")
    assert saved.status_code == 303, html.unescape(saved.get_data(as_text=True))[-2000:]
    with evaluated.app_context():
        assert cid not in flagged_by("overdue-commitment"), "judged again: no longer overdue"


def test_a_burst_of_saves_is_judged_again_by_one_evaluation_not_one_each(evaluated, monkeypatch):
    """Saving commitment after commitment (an officer's API script, fifteen people at once) queued one
    evaluation per save, each holding a background worker, and import previews waited behind them for tens
    of seconds. The saves made while an evaluation waits to start are now gathered into that one."""
    from scorecard.rules import tasks

    monkeypatch.setitem(evaluated.config, "EVALUATIONS_INLINE", False)  # as served
    queued = []
    monkeypatch.setattr(tasks, "dispatch", lambda app, name, **kwargs: queued.append((name, kwargs)))
    with evaluated.app_context():
        stale = sorted(set(flagged_by("stale-commitment")))
    admin = signed_in(evaluated, "admin@demo.cx.gov")
    for cid in stale:
        assert submit(admin, f"/commitments/{cid}/edit", note="Checked: still current.").status_code == 303
    assert len(stale) >= 3 and [(name, sorted(kwargs)) for name, kwargs in queued] == [
        ("rules.evaluate", ["gathered", "job"])], "one job for every save"
    tasks.run(evaluated, **queued[0][1])  # that job, when its turn comes
    with evaluated.app_context():
        assert not set(stale) & set(flagged_by("stale-commitment")), "every save judged again"
    assert tasks.waiting(evaluated).take() is None


def test_saves_whose_evaluation_failed_are_judged_again_by_the_next_one(evaluated, monkeypatch):
    """The gathered evaluation failed (the database stopped answering): the commitments it took kept their
    stale flags for good, the next save's evaluation judging that save's commitment alone. What a failed
    evaluation took now waits for the next one."""
    from scorecard.rules import service, tasks

    monkeypatch.setitem(evaluated.config, "EVALUATIONS_INLINE", False)  # as served
    monkeypatch.setattr(tasks, "dispatch", lambda app, name, **kwargs: None)
    with evaluated.app_context():
        stale = sorted(set(flagged_by("stale-commitment")))
    assert len(stale) >= 2
    admin = signed_in(evaluated, "admin@demo.cx.gov")
    for cid in stale[:-1]:
        assert submit(admin, f"/commitments/{cid}/edit", note="Checked: still current.").status_code == 303
    evaluate = service.evaluate

    def stopped(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("the database stopped"))
    monkeypatch.setattr(service, "evaluate", stopped)
    tasks.run(evaluated, gathered=True)  # their job, failing
    monkeypatch.setattr(service, "evaluate", evaluate)
    assert submit(admin, f"/commitments/{stale[-1]}/edit", note="Checked: still current.").status_code == 303
    tasks.run(evaluated, gathered=True)  # the next save's job
    with evaluated.app_context():
        assert not set(stale) & set(flagged_by("stale-commitment")), "every save judged again"


def test_a_failed_evaluation_is_queued_again_by_itself_until_it_gives_up_saying_so(evaluated, monkeypatch, caplog):
    """A database restarting under the evaluation: what it took waited for the next change, so the findings
    (a leader's proposed rating beside off-track commitments) stayed stale until someone changed something
    else. It is queued again after a while, a few times."""
    from scorecard.rules import service, tasks

    monkeypatch.setitem(evaluated.config, "EVALUATIONS_INLINE", False)  # as served
    queued = []
    monkeypatch.setattr(tasks, "dispatch", lambda app, name, **kwargs: queued.append(kwargs))
    with evaluated.app_context():
        stale = sorted(set(flagged_by("stale-commitment")))
    admin = signed_in(evaluated, "admin@demo.cx.gov")
    assert submit(admin, f"/commitments/{stale[0]}/edit", note="Checked: still current.").status_code == 303
    evaluate = service.evaluate

    def stopped(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("the database stopped"))
    monkeypatch.setattr(service, "evaluate", stopped)
    job = queued.pop()
    for attempt, wait in enumerate(tasks.RETRY_SECONDS):
        tasks.run(evaluated, **job)  # failing
        job = queued.pop()
        assert (job.pop("after"), job["attempt"], job["gathered"]) == (wait, attempt + 1, True) and not queued
    with caplog.at_level("ERROR"):
        tasks.run(evaluated, **job)
    assert not queued and "the evaluation failed 4 times in a row; what it was asked for waits" in caplog.text
    with evaluated.app_context():
        assert stale[0] in flagged_by("stale-commitment"), "not judged again yet"
    monkeypatch.setattr(service, "evaluate", evaluate)
    assert tasks.waiting(evaluated).add(None, "nothing new") is True  # given back and waiting: a job is asked for
    tasks.run(evaluated, gathered=True)
    with evaluated.app_context():
        assert stale[0] not in flagged_by("stale-commitment"), "what the failed ones took was judged in the end"


def test_a_job_dispatched_for_later_runs_then_in_the_servers_threads(app):
    """The embedded mode's threads start a job `after` seconds (the evaluation tried again)."""
    import threading
    import time

    from scorecard import dispatch

    ran = threading.Event()
    dispatch.TASKS["tests.later"] = lambda app_, **kwargs: ran.set()
    try:
        started = time.monotonic()
        assert dispatch.dispatch(app, "tests.later", after=0.3) is None
        assert not ran.is_set() and ran.wait(10)
        assert time.monotonic() - started >= 0.3
    finally:
        del dispatch.TASKS["tests.later"]


def test_a_note_alone_is_an_update_the_rules_see_at_once(evaluated):
    """An owner confirming a stale commitment is current with a note alone resets its days since the last
    update; the stale flag stayed until the next evaluation (only changed fields were evaluated again)."""
    with evaluated.app_context():
        flagged = flagged_by("stale-commitment")
        cid = min(flagged, default=None)
        assert cid is not None and flagged.count(cid) == 1
    admin = signed_in(evaluated, "admin@demo.cx.gov")
    assert submit(admin, f"/commitments/{cid}/edit", note="Checked with the owner: still current.").status_code == 303
    with evaluated.app_context():
        assert cid not in flagged_by("stale-commitment")


def test_a_save_whose_job_cannot_be_queued_is_evaluated_by_the_server(evaluated, monkeypatch):
    """Redis not answering: the save stands and its findings are evaluated in the server's own threads. They
    stayed stale: the page said the next evaluation would catch up, but the next save's job evaluates its own
    subjects alone, so only a full `scorecard evaluate` did."""
    from scorecard import dispatch
    from scorecard.rules import tasks
    from scorecard.rules.waiting import InRedis

    monkeypatch.setitem(evaluated.config, "EVALUATIONS_INLINE", False)
    monkeypatch.setitem(evaluated.extensions, tasks.WAITING,
                        InRedis("redis://127.0.0.1:9/0", "scorecard:", socket_connect_timeout=0.5))  # nothing there
    with evaluated.app_context():
        cid = min(flagged_by("stale-commitment"))
    admin = signed_in(evaluated, "admin@demo.cx.gov")
    saved = submit(admin, f"/commitments/{cid}/edit", note="Checked with the owner: still current.")
    assert saved.status_code == 303
    page = html.unescape(admin.get(saved.headers["Location"]).get_data(as_text=True))
    dispatch.drain()
    assert "Saved: " in page and tasks.WORDS[tasks.NOT_QUEUED] not in page
    with evaluated.app_context():
        assert cid not in flagged_by("stale-commitment"), "the save's findings evaluated though Redis was away"


def test_an_officer_asking_for_another_functions_commitments_is_told_so(demo):
    """The CFO officer's list for ?function=CIO was empty with no word why (they see their own function's
    commitments only); the list and its download now say so and keep to the officer's own."""
    client = signed_in(demo, CFO_OFFICER)
    own = row_ids(client.get("/commitments/").get_data(as_text=True))
    assert own, "the demo CFO has commitments"
    for path in ("/commitments/?function=CIO", "/commitments/?function=cio"):
        page = html.unescape(client.get(path).get_data(as_text=True))
        assert "Function: 'CIO' is not yours: an officer sees the CFO function's commitments only" in page, path
        assert row_ids(page) == own, "the filter is left out, not an empty list"
    assert "is not yours" not in client.get("/commitments/?function=CFO").get_data(as_text=True)
    download = client.get("/commitments/download.csv?function=CIO")
    assert download.status_code == 400 and "attachment" not in download.headers.get("Content-Disposition", "")
    assert "Function: 'CIO' is not yours" in html.unescape(download.get_data(as_text=True)), "named, not a file"
    everyone = client.get("/commitments/download.csv").get_data(as_text=True)
    assert len(everyone.strip().splitlines()) == len(own) + 1, "the download keeps to the officer's own"


def test_a_download_whose_filters_cannot_be_read_is_refused_naming_them(demo):
    """A download's address with a filter the list would leave out (a hand-edited or old link) gave every
    commitment, as if filtered, with nowhere to say so; it is refused, each filter named, and the list's
    own links (which carry only the filters it used) still download."""
    client = signed_in(demo, "executive@demo.cx.gov")
    for kind in ("csv", "xlsx"):
        response = client.get(f"/commitments/download.{kind}?status=late&due_within=abc&sort=due")
        text = html.unescape(response.get_data(as_text=True))
        assert response.status_code == 400 and response.mimetype == "text/html", kind
        assert "Nothing was downloaded: 2 filters in the address could not be used" in text
        assert "Status: 'late' is not a commitment status" in text
        assert "Due within (days): 'abc' is not a number of days" in text
    page = client.get("/commitments/?status=late&status=on_track").get_data(as_text=True)
    link = html.unescape(re.search(r'id="download-csv" href="([^"]+)"', page).group(1))
    assert "late" not in link and "status=on_track" in link
    listed = client.get(link)
    assert listed.status_code == 200 and "attachment" in listed.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(listed.get_data(as_text=True).removeprefix("\ufeff"))))
    assert rows and {r["status"] for r in rows} == {"On track"}


def test_a_commitments_page_leads_to_its_functions_dashboard_and_its_programs_pages(demo):
    """The function's dashboard linked each commitment to its page, and the page led nowhere back: its owner
    function and the programs it serves were plain text."""
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        commitment = db.session.scalar(sa.select(Commitment).join(Function).where(
            Function.code == "CFO", Commitment.programs.any()).order_by(Commitment.id))
        cid, programs = commitment.id, [p.id for p in commitment.programs]
    edit = html.unescape(officer.get(f"/commitments/{cid}/edit").get_data(as_text=True))
    with demo.app_context():
        names = [p.name for p in db.session.get(Commitment, cid).programs]
    said = re.search(r'id="program_ids-chosen"[^>]*>([^<]*)</p>', edit).group(1)
    assert said.startswith(f"Chosen ({len(names)}): ") and all(name in said for name in names), said
    page = officer.get(f"/commitments/{cid}").get_data(as_text=True)
    assert '<a class="usa-link" href="/dashboards/function?code=CFO">CFO — Chief Financial Officer' in page
    for program_id in programs:
        linked = (rf'<th scope="row"><a class="usa-link" href="/dashboards/program\?id={program_id}'
                  r'(&amp;period=FY\d{4}-Q\d)?">')
        assert re.search(linked, page), program_id


def test_a_text_box_filled_to_its_maxlength_with_line_breaks_is_saved(demo):
    """A browser's maxlength counts a line break as one character and sends it as "\\r\\n": a description of
    10 lines the box took at 10,000 characters was refused as "10010 characters long"."""
    officer = signed_in(demo, CFO_OFFICER)
    with demo.app_context():
        target = cfo_open_commitment()
        cid, version = target.id, target.version
    text = "\r\n".join(["x" * 999] * 10)  # 9,990 letters and 9 breaks: 9,999 as the box counts, 10,008 as sent
    text += "y"
    saved = submit(officer, f"/commitments/{cid}/edit", description=text)
    assert saved.status_code == 303, html.unescape(saved.get_data(as_text=True))[-2000:]
    with demo.app_context():
        stored = db.session.get(Commitment, cid)
        assert stored.description == text.replace("\r\n", "\n") and len(stored.description) == 10_000
        assert stored.version == version + 1
    again = submit(officer, f"/commitments/{cid}/edit")  # the same text sent again changes nothing
    with demo.app_context():
        assert db.session.get(Commitment, cid).version == version + 1, again.status_code


def test_every_field_a_commitment_can_be_saved_without_says_optional(demo, client_as):
    """Leader, component and domain said "(optional)"; description, next step, due date, evidence, programs and
    metrics did not, yet are as optional: a user read them as required."""
    import re

    page = client_as("admin").get("/commitments/new").get_data(as_text=True)
    named = [a or b for a, b in re.findall(r'<label class="usa-label" for="[^"]+">([^<]+)<|'
                                           r'<legend class="usa-legend">([^<]+)<', page)]
    for name in ("Description", "Next step", "Due date", "Evidence links", "Programs it serves", "Metrics it moves",
                 "Leader", "Component", "Capacity-assessment domain"):
        assert any(text.startswith(f"{name} (optional") for text in named), (name, named)
    assert {"Function", "Title", "Status"} <= set(named), named


def test_a_long_commitments_list_is_paged_and_every_commitment_is_on_one_page(demo, monkeypatch):
    """The list stopped at its first 2,000 commitments ("showing the first 2000") and ?page=2 gave the same rows:
    a large agency's others could be reached only by filters. Each page holds the next ones, in the order
    chosen, the filters kept in its links; the download holds every one."""
    from scorecard.commitments import listing

    monkeypatch.setattr(listing, "PAGE_SIZE", 7)
    admin = signed_in(demo, "admin@demo.cx.gov")
    first = admin.get("/commitments/?sort=title").get_data(as_text=True)
    total = int(re.search(r"<caption>([\d,]+) commitments", first).group(1).replace(",", ""))
    pages = -(-total // 7)
    assert total > 14 and f"page 1 of {pages}, commitments 1 to 7" in first
    seen, order = set(), []
    for number in range(1, pages + 2):  # one past the last shows the last
        page = admin.get(f"/commitments/?sort=title&page={number}").get_data(as_text=True)
        ids = [int(i) for i in re.findall(r'<tr data-commitment="(\d+)"', page)]
        if number <= pages:
            assert not seen & set(ids), "no commitment on two pages"
            seen |= set(ids)
            order += ids
        else:
            assert f"page {pages} of {pages}" in page
    assert len(seen) == total, "every commitment on a page"
    with demo.app_context():
        titles = dict(db.session.execute(sa.select(Commitment.id, Commitment.title)).all())
    assert [titles[i] for i in order] == sorted(titles[i] for i in order), "in the order chosen across pages"
    [link] = set(re.findall(r'href="(/commitments/\?[^"]*page=2[^"]*)"', first))
    assert "sort=title" in link, "the filters kept in its links"
    download = admin.get("/commitments/download.csv?sort=title").get_data(as_text=True)
    assert len(download.strip().splitlines()) == total + 1, "the download holds every one"
