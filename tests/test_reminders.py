"""`scorecard remind` against a real SMTP server in this process (aiosmtpd on 127.0.0.1): one
digest per owner with the right commitments, escalations to executives, nothing new when run
again, a new occasion reminded once more; dry runs, the outbox without SMTP, a server that is
down. Each test builds the commitments it reasons about, dated around one fixed day."""
import email
import email.policy
import json
import os
import re
from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from scorecard.clock import day_of
from scorecard.commitments.services import update_commitment
from scorecard.extensions import db
from scorecard.models import (
    AuditEvent,
    Commitment,
    CommitmentStatus,
    Function,
    Leader,
    MailDelivery,
    MailMessage,
    Reminder,
    Role,
    User,
)
from tests.conftest import DEMO_TODAY
from tests.helpers import csrf_token
from tests.live_server import free_port

TODAY = DEMO_TODAY  # the day the `demo` fixture's template was seeded on
BASE = "https://scorecard.agency.example"


class Inbox:
    """What the SMTP server received: one parsed message per envelope, with its recipients."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> dict[str, email.message.EmailMessage]:
        found = {}
        for envelope in self.envelopes:
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            for to in envelope.rcpt_tos:
                assert to not in found, f"two messages to {to}"
                found[to] = message
        return found


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


def mail_to(app, port) -> None:
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TLS="none", SMTP_USER="", BASE_URL=BASE,
                      MAIL_FROM="CX Scorecard <scorecard@agency.example>")


def at(days_ago: int) -> datetime:
    return datetime.combine(TODAY - timedelta(days=days_ago), time(12), tzinfo=UTC)


@pytest.fixture
def agency(app):
    """Two functions, their officers (one inactive), a leader with an account, an executive, and
    commitments each due, overdue, stale, fine or closed on TODAY; returns the expected digests
    as {e-mail: {commitment titles}}."""
    with app.app_context():
        cfo = Function(code="CFO", name="Chief Financial Officer")
        cio = Function(code="CIO", name="Chief Information Officer")
        deputy = Leader(name="Dana Deputy", email="dana@agency.example", function=cfo)

        def person(email, role, **links):
            user = User(email=email, role=role, name=email.split("@")[0].title(), **links)
            user.set_password("not used here")
            db.session.add(user)
            return user

        person("cfo1@agency.example", Role.officer, function=cfo)
        person("cfo2@agency.example", Role.officer, function=cfo)
        person("gone@agency.example", Role.officer, function=cfo, active=False)
        person("cio@agency.example", Role.officer, function=cio)
        person("dana@agency.example", Role.leader, leader=deputy)
        person("exec@agency.example", Role.executive)
        person("admin@agency.example", Role.admin)

        def make(title, function, due, updated, status=CommitmentStatus.on_track, **extra):
            c = Commitment(title=title, function=function, status=status, evidence_links=[],
                           due_date=None if due is None else TODAY + timedelta(days=due),
                           last_update_at=at(updated), created_at=at(updated + 30),
                           reason="Slipping." if status.needs_reason else None, **extra)
            db.session.add(c)

        make("A due in 5 days", cfo, 5, 2)
        make("B overdue by 3 days", cfo, -3, 10)
        make("C not updated for 40 days", cfo, 100, 40)
        make("D fine", cfo, 100, 1)
        make("E complete and late", cfo, -30, 90, CommitmentStatus.complete)
        make("F not updated for 70 days", cio, None, 70)
        make("G due in 14 days, led by Dana", cfo, 14, 29, leader=deputy)
        make("H not updated for 30 days", cio, 15, 30, CommitmentStatus.at_risk)
        make("I dropped long ago", cio, -100, 200, CommitmentStatus.dropped)
        db.session.commit()
    cfo_owed = {"A due in 5 days", "B overdue by 3 days", "C not updated for 40 days", "G due in 14 days, led by Dana"}
    return {"cfo1@agency.example": cfo_owed, "cfo2@agency.example": cfo_owed,
            "dana@agency.example": {"G due in 14 days, led by Dana"},
            "cio@agency.example": {"F not updated for 70 days", "H not updated for 30 days"},
            "exec@agency.example": {"B overdue by 3 days", "F not updated for 70 days"}}


REMINDERS = 4 + 4 + 1 + 2 + 2  # per person: A, B, C, G twice; G; F, H; B, F escalated


def titles(app) -> dict[int, str]:
    with app.app_context():
        return {row.id: row.title for row in db.session.execute(sa.select(Commitment.id, Commitment.title))}


def remind(app, *args):
    result = app.test_cli_runner().invoke(args=["remind", "--today", TODAY.isoformat(), *args])
    return result


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_one_digest_per_owner_over_smtp_and_nothing_new_the_second_time(app, agency, smtp):
    mail_to(app, smtp.port)
    names = titles(app)
    result = remind(app, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["sent"] == 5 and report["skipped"] == 0 and report["failed"] == []
    assert {m["to"]: {names[i] for i in m["commitments"]} for m in report["messages"]} == agency

    received = smtp.messages()
    assert set(received) == set(agency)
    for to, message in received.items():
        body = message.get_content()
        linked = {names[int(i)] for i in re.findall(re.escape(BASE) + r"/commitments/(\d+)\b", body)}
        assert linked == agency[to], to
        for title in agency[to]:
            assert title in body
        assert message["From"] == "CX Scorecard <scorecard@agency.example>" and message["To"] == to
    assert "escalation" in received["exec@agency.example"]["Subject"]
    assert "need your update" in received["cfo1@agency.example"]["Subject"]
    assert "Overdue by 3 days" in received["cfo1@agency.example"].get_content()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MailMessage).where(
            MailMessage.delivery == MailDelivery.smtp)) == 5
        reasons = {(names[r.commitment_id], r.reason.value) for r in db.session.scalars(sa.select(Reminder))
                   if db.session.get(User, r.user_id).email == "exec@agency.example"}
        assert reasons == {("B overdue by 3 days", "escalation_overdue"),
                           ("F not updated for 70 days", "escalation_stale")}
    assert count(app, Reminder) == REMINDERS

    again = json.loads(remind(app, "--json").output)
    assert again == {**again, "sent": 0, "skipped": REMINDERS, "messages": []}
    assert len(smtp.envelopes) == 5 and count(app, MailMessage) == 5


def test_a_new_occasion_is_reminded_once_more(app, agency, smtp):
    mail_to(app, smtp.port)
    assert json.loads(remind(app, "--json").output)["sent"] == 5
    with app.app_context():
        late = db.session.scalar(sa.select(Commitment).where(Commitment.title == "B overdue by 3 days"))
        officer = db.session.scalar(sa.select(User).where(User.email == "cfo1@agency.example"))
        update_commitment(db.session, late, {"due_date": TODAY + timedelta(days=7),
                                             "reason": "The data delivery moved a week."},
                          user=officer, version=late.version)
        late_id = late.id
    report = json.loads(remind(app, "--json").output)
    # Due within 14 days on its new date: its owners hear of it again; nothing else is news.
    assert report["sent"] == 2
    assert {(m["to"], tuple(m["commitments"])) for m in report["messages"]} == {
        ("cfo1@agency.example", (late_id,)), ("cfo2@agency.example", (late_id,))}
    assert "Due in 7 days" in smtp.envelopes[-1].content.decode()


def test_a_reminder_sent_stays_sent_when_the_agencys_time_zone_changes(app, agency, smtp, monkeypatch):
    """A "not updated" reminder is sent once per last update. Its occasion was the day of that update in the
    agency's zone, so an update made in a US evening (the next day in UTC) had been recorded under another
    day by the release that counted UTC days, and changing SCORECARD_TIMEZONE sent the owners and the
    executives their "not updated" reminders a second time."""
    from zoneinfo import ZoneInfo

    from scorecard import clock

    mail_to(app, smtp.port)
    assert json.loads(remind(app, "--json").output)["sent"] == 5
    monkeypatch.setattr(clock, "_zone", ZoneInfo("Etc/GMT-14"))  # noon UTC is 2 a.m. the next day there
    again = json.loads(remind(app, "--json").output)
    assert again["sent"] == 0 and again["messages"] == [], again


@pytest.mark.parametrize("role", [Role.viewer, Role.officer, Role.executive])
def test_an_account_moved_off_the_leader_role_is_no_longer_asked_for_its_leaders_updates(app, agency, smtp, role):
    """The administrator moves Dana's account to another role and its leader link stays (the form keeps it):
    her digest still said "1 commitment needs your update", linking a page her new role is refused."""
    mail_to(app, smtp.port)
    with app.app_context():
        dana = db.session.scalar(sa.select(User).where(User.email == "dana@agency.example"))
        if role is Role.officer:  # an officer of another function than the commitment's
            dana.function = db.session.scalar(sa.select(Function).where(Function.code == "CIO"))
        dana.role = role
        db.session.commit()
    names = titles(app)
    report = json.loads(remind(app, "--json").output)
    sent = {}  # an executive's digest and escalation, as one
    for message in report["messages"]:
        sent.setdefault(message["to"], set()).update(names[i] for i in message["commitments"])
    if role is Role.officer:  # her new function's, as its officer (and still not G, her leader's, a CFO one)
        assert sent["dana@agency.example"] == agency["cio@agency.example"]
        assert {to for to, titles in sent.items() if "G due in 14 days, led by Dana" in titles} == {
            "cfo1@agency.example", "cfo2@agency.example"}
    elif role is Role.executive:  # escalations only
        assert sent["dana@agency.example"] == agency["exec@agency.example"]
    else:
        assert "dana@agency.example" not in sent
    assert {to: titles for to, titles in sent.items() if to != "dana@agency.example"} == {
        to: titles for to, titles in agency.items() if to != "dana@agency.example"}, "the others' as before"
    with app.app_context():
        from scorecard.reminders.services import Settings, plan

        owners = plan(db.session, Settings.from_config(app.config), TODAY).owners
        named = next(o for c, o in owners.items() if names[c] == "G due in 14 days, led by Dana")
    assert named[-1] == (f"dana@agency.example (the named leader's account, whose {role.value} role cannot update "
                         "it: not reminded)"), "an escalation names the account left out, not \"no named leader\""
    with app.app_context():  # her account no longer linked: the leader is named all the same
        db.session.scalar(sa.select(User).where(User.email == "dana@agency.example")).leader = None
        db.session.commit()
        owners = plan(db.session, Settings.from_config(app.config), TODAY).owners
        named = next(o for c, o in owners.items() if names[c] == "G due in 14 days, led by Dana")
    assert named[-1] == "Dana Deputy (the named leader, who has no account here: not reminded)", named


def test_dry_run_says_what_would_be_sent_and_writes_nothing(app, agency, smtp):
    mail_to(app, smtp.port)
    names = titles(app)
    result = remind(app, "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["dry_run"] is True and report["sent"] == 0
    assert {m["to"]: {names[i] for i in m["commitments"]} for m in report["messages"]} == agency
    assert smtp.envelopes == [] and count(app, MailMessage) == 0 and count(app, Reminder) == 0
    text = remind(app, "--dry-run").output
    assert "5 messages would be sent to SMTP server 127.0.0.1" in text
    assert "dana@agency.example: CX Scorecard: 1 commitment needs your update (commitment 7)\n" in text, "one is one"
    assert "cio@agency.example: CX Scorecard: 2 commitments need your update (commitments 8, 6)\n" in text


def test_without_smtp_the_messages_wait_in_the_outbox_for_admins(app, agency, client_as):
    app.config.update(SMTP_HOST="", BASE_URL=BASE)
    result = remind(app)
    assert result.exit_code == 0, result.output
    assert "5 messages sent to the outbox" in result.output
    with app.app_context():
        messages = db.session.scalars(sa.select(MailMessage).order_by(MailMessage.id)).all()
        assert len(messages) == 5 and {m.delivery for m in messages} == {MailDelivery.outbox}
        dana = next(m for m in messages if m.to_address == "dana@agency.example")
        body_id, subject = dana.id, dana.subject
    admin = client_as("admin")
    page = admin.get("/outbox/").get_data(as_text=True)
    assert subject in page and "Held in the outbox" in page and "dana@agency.example" in page
    shown = admin.get(f"/outbox/{body_id}").get_data(as_text=True)
    assert "G due in 14 days, led by Dana" in shown and f"{BASE}/commitments/" in shown
    assert json.loads(remind(app, "--json").output)["sent"] == 0
    assert client_as("officer").get("/outbox/").status_code == 403
    # That officer (officer@test.gov, CFO) is new: only they hear of the CFO's commitments now.
    assert remind(app, "--dry-run").output.startswith("1 message would be sent to the outbox ("), "not message(s)"
    again = json.loads(remind(app, "--json").output)
    assert [m["to"] for m in again["messages"]] == ["officer@test.gov"] and again["skipped"] == REMINDERS


def test_a_server_that_is_down_leaves_every_reminder_owed(app, agency, smtp):
    mail_to(app, free_port())  # nothing listens there
    result = remind(app, "--json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["sent"] == 0 and len(report["failed"]) == 5 and "Error" in report["failed"][0]["error"]
    assert count(app, Reminder) == 0 and count(app, MailMessage) == 0
    mail_to(app, smtp.port)
    assert json.loads(remind(app, "--json").output)["sent"] == 5 and len(smtp.envelopes) == 5


def test_the_outbox_pages_every_message_newest_first(app, client_as, monkeypatch):
    """The outbox listed its newest 200 and no more: an older message could not be reached from it."""
    from scorecard.reminders import routes
    monkeypatch.setattr(routes, "PAGE", 2)
    with app.app_context():
        db.session.add_all(MailMessage(to_address=f"m{i}@agency.example", from_address="cx@agency.example",
                                       subject=f"Message {i}", body="-", delivery=MailDelivery.outbox)
                           for i in range(5))
        db.session.commit()
    admin = client_as("admin")
    first, last = admin.get("/outbox/").get_data(as_text=True), admin.get("/outbox/?page=3").get_data(as_text=True)
    assert "5 messages, newest first; page 1 of 3, messages 1 to 2" in first and "<title>Outbox · CX" in first
    assert re.findall(r">Message (\d)<", first) == ["4", "3"] and 'aria-label="Pages of the outbox"' in first
    assert re.findall(r">Message (\d)<", last) == ["0"] and "<title>Outbox (page 3 of 3) · CX" in last
    assert re.findall(r">Message (\d)<", admin.get("/outbox/?page=99").get_data(as_text=True)) == ["0"]


def test_the_demo_officer_hears_of_exactly_their_commitments(demo, smtp):
    demo_today = TODAY
    mail_to(demo, smtp.port)
    result = demo.test_cli_runner().invoke(args=["remind", "--json", "--today", demo_today.isoformat()])
    assert result.exit_code == 0, result.output
    report = {m["to"]: set(m["commitments"]) for m in json.loads(result.output)["messages"]}
    closed = (CommitmentStatus.complete, CommitmentStatus.dropped)
    with demo.app_context():
        def owed(c, stale):
            since = (demo_today - day_of(c.last_update_at)).days
            return c.status not in closed and (
                (c.due_date is not None and c.due_date <= demo_today + timedelta(days=stale[0])) or since >= stale[1])
        every = db.session.scalars(sa.select(Commitment)).all()
        cfo = {c.id for c in every if c.function.code == "CFO" and owed(c, (14, 30))}
        leader = db.session.scalar(sa.select(User).where(User.email == "leader@demo.cx.gov"))
        own = {c.id for c in every if c.leader_id == leader.leader_id and owed(c, (14, 30))}
        escalated = {c.id for c in every if c.status not in closed and (
            (c.due_date is not None and c.due_date < demo_today) or (demo_today - day_of(c.last_update_at)).days >= 60)}
    assert cfo and own and escalated
    assert report["cfo.officer@demo.cx.gov"] == cfo
    assert report["leader@demo.cx.gov"] == own
    assert report["executive@demo.cx.gov"] == escalated
    assert set(report) == {"cfo.officer@demo.cx.gov", "leader@demo.cx.gov", "executive@demo.cx.gov"}
    assert len(smtp.envelopes) == 3


def test_the_demo_command_says_where_reminders_go(app):
    """`make run` runs `scorecard demo`, which prints this line."""
    from scorecard.reminders import _where_mail_goes

    app.config.update(SMTP_HOST="", BASE_URL=BASE)
    assert _where_mail_goes(app) == [
        "Mail: no SMTP server is set (SCORECARD_SMTP_HOST), so `scorecard remind` keeps reminders in the outbox: "
        f"{BASE}/outbox/ (sign in as an administrator)."]
    app.config.update(SMTP_HOST="mail.agency.example", SMTP_PORT=587, SMTP_TLS="starttls")
    assert "over SMTP server mail.agency.example:587 (starttls)" in _where_mail_goes(app)[0]
    app.config.update(SMTP_TLS="tls1.3")
    assert "SCORECARD_SMTP_TLS is 'tls1.3'; use one of starttls, ssl, none" in _where_mail_goes(app)[0]
    refused = remind(app)
    assert refused.exit_code == 1 and "SCORECARD_SMTP_TLS is 'tls1.3'" in refused.output


def test_the_outbox_button_sends_what_is_owed_in_the_background_once(demo, client_as):
    from scorecard import dispatch

    def held() -> int:
        with demo.app_context():
            return db.session.scalar(sa.select(sa.func.count()).select_from(MailMessage))
    before = held()
    admin = client_as("admin")
    page = admin.get("/outbox/").get_data(as_text=True)
    assert "Send the reminders owed today now" in page
    answer = admin.post("/outbox/send", data={"csrf_token": csrf_token(page)}, follow_redirects=True)
    assert "being sent in the background" in answer.get_data(as_text=True)
    with demo.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "reminders.send"))
        assert event is not None and db.session.get(User, event.user_id).email == "admin@test.gov", (
            "who sent the day's reminders early was not recorded")
    dispatch.drain()  # the job the button queued
    sent = held()
    assert sent > before
    admin.post("/outbox/send", data={"csrf_token": csrf_token(page)})
    dispatch.drain()
    assert held() == sent  # each reminder goes out once
    analyst = client_as("analyst")
    token = csrf_token(analyst.get("/imports/upload").get_data(as_text=True))
    assert analyst.post("/outbox/send", data={"csrf_token": token}).status_code == 403


def test_the_outbox_button_names_a_mail_setting_that_cannot_work(demo, client_as):
    demo.config["SMTP_TLS"] = "tls1.3"
    admin = client_as("admin")
    page = admin.get("/outbox/").get_data(as_text=True)
    answer = admin.post("/outbox/send", data={"csrf_token": csrf_token(page)}, follow_redirects=True)
    text = answer.get_data(as_text=True)
    assert "Nothing was sent: SCORECARD_SMTP_TLS is &#39;tls1.3&#39;" in text and "usa-alert--error" in text


def test_without_the_sites_address_reminders_refuse_to_go_out(app, agency, client_as):
    """Production has no default address: reminders linking to http://127.0.0.1:8050 went out from the
    real site. The command and the outbox button say which setting is missing, and nothing is sent."""
    app.config.update(SMTP_HOST="", BASE_URL="")
    result = remind(app)
    assert result.exit_code != 0 and "SCORECARD_BASE_URL is not set" in result.output, result.output
    admin = client_as("admin")
    page = admin.get("/outbox/").get_data(as_text=True)
    answer = admin.post("/outbox/send", data={"csrf_token": csrf_token(page)}, follow_redirects=True)
    assert "Nothing was sent: SCORECARD_BASE_URL is not set" in answer.get_data(as_text=True)
    assert count(app, MailMessage) == 0 and count(app, Reminder) == 0


def test_production_has_no_default_address_and_development_has_make_runs():
    from scorecard.config import Config, DevelopmentConfig

    assert not Config.BASE_URL or "SCORECARD_BASE_URL" in os.environ
    assert DevelopmentConfig.BASE_URL


@pytest.mark.parametrize("kind", ["owner", "escalation"])
def test_a_digest_of_one_commitment_speaks_of_one(kind):
    """A digest of one commitment opened "These CX commitments of yours need an update…" under the subject
    "1 commitment needs your update"; it speaks of one commitment, and of several as before."""
    from types import SimpleNamespace

    from scorecard.commitments.attention import Attention
    from scorecard.reminders.services import Digest, Item, Settings

    settings = Settings(due_days=14, stale_days=30, escalate_days=60, base_url=BASE)

    def item(number):
        commitment = SimpleNamespace(id=number, title=f"Commitment {number}", status=CommitmentStatus.on_track,
                                     function=SimpleNamespace(code="CFO"), due_date=TODAY)
        return Item(commitment, Attention(commitment, overdue_days=3), [])
    person = SimpleNamespace(name="Dana", email="dana@agency.example")
    one = Digest(person, kind, [item(1)]).body(settings, {})
    two = Digest(person, kind, [item(1), item(2)]).body(settings, {})
    intro_one, intro_two = one.splitlines()[2], two.splitlines()[2]
    assert intro_one.startswith("This CX commitment ") and "these" not in intro_one.lower(), intro_one
    assert intro_two.startswith("These CX commitments "), intro_two
    assert ("It names its owners" in intro_one) == (kind == "escalation")
    assert ("needs an update" in intro_one and "its status" in intro_one) == (kind == "owner")


def test_an_escalation_after_one_day_says_one_day():
    """With SCORECARD_ESCALATE_STALE_DAYS=1 the escalation read "not updated for 1 days or more", in its subject
    and its first line; the days are counted in words."""
    from types import SimpleNamespace

    from scorecard.commitments.attention import Attention
    from scorecard.reminders.services import Digest, Item, Settings

    settings = Settings(due_days=14, stale_days=1, escalate_days=1, base_url=BASE)
    commitment = SimpleNamespace(id=1, title="Commitment 1", status=CommitmentStatus.on_track,
                                 function=SimpleNamespace(code="CFO"), due_date=TODAY)
    digest = Digest(SimpleNamespace(name="Dana", email="dana@agency.example"), "escalation",
                    [Item(commitment, Attention(commitment, overdue_days=3), [])])
    said = digest.subject(settings) + "\n" + digest.body(settings, {})
    assert "1 days" not in said and said.count("for 1 day or more") == 2, said
