"""Sessions that end on the server, idle and absolute timeouts, sign-in throttling without a lockout
anyone can use against anyone, one answer for unknown e-mails and wrong passwords, the password
rules, the system-use notice, the security headers, bidirectional control characters, file
modes, and the audit events of signing in and out."""
import os
import re
import stat
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from scorecard import create_app
from scorecard.auth import services as auth_services
from scorecard.auth.services import (
    DEVICE_COOKIE,
    account_delay,
    common_passwords,
    email_problem,
    password_problem,
)
from scorecard.extensions import db
from scorecard.models import AuditEvent, LoginFailure, User, utcnow
from scorecard.security import SEEN_AT, SIGNED_IN_AT, script_hash
from tests.conftest import PASSWORD
from tests.helpers import csrf_token, sign_in

# --------------------------------------------------------------------------- helpers


def _events(app, action: str | None = None) -> list[AuditEvent]:
    with app.app_context():
        query = sa.select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        events = db.session.scalars(query).all()
        db.session.expunge_all()
        return events


def _failures(app, email: str) -> list[LoginFailure]:
    with app.app_context():
        rows = db.session.scalars(sa.select(LoginFailure).where(LoginFailure.email == email)
                                  .order_by(LoginFailure.id)).all()
        db.session.expunge_all()
        return rows


def _age_failures(app, email: str, by: timedelta) -> None:
    """Move an account's failures into the past, as if that much time had gone by."""
    with app.app_context():
        for failure in db.session.scalars(sa.select(LoginFailure).where(LoginFailure.email == email)):
            failure.at = failure.at - by
        db.session.commit()


def _sign_out(client):
    token = csrf_token(client.get("/").get_data(as_text=True))
    return client.post("/auth/logout", data={"csrf_token": token})


# --------------------------------------------------------------------------- sessions


def test_signing_out_ends_the_session_on_the_server(app, client, make_user):
    with app.app_context():
        make_user("analyst")
    sign_in(client, "analyst@test.gov", PASSWORD)
    copied = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/").status_code == 200
    assert _sign_out(client).status_code == 302
    assert client.get("/").status_code == 302
    stolen = thief.get("/")
    assert stolen.status_code == 302 and "/auth/login" in stolen.headers["Location"]
    assert thief.get("/dashboards/_dash-layout").status_code == 401


def test_a_session_ends_after_the_idle_timeout(app, client, make_user):
    with app.app_context():
        make_user("viewer")
    sign_in(client, "viewer@test.gov", PASSWORD)
    with client.session_transaction() as session:
        session[SEEN_AT] = time.time() - 29 * 60
    assert client.get("/").status_code == 200  # 29 minutes idle: still signed in, and the clock restarts
    with client.session_transaction() as session:
        assert time.time() - session[SEEN_AT] < 5
        session[SEEN_AT] = time.time() - 31 * 60
    response = client.get("/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "signed out after 30 minutes without activity" in page
    assert client.get("/").status_code == 302
    event = _events(app, "auth.session_timeout")[-1]
    assert event.after == {"reason": "idle"} and event.client_address == "127.0.0.1"


def test_a_session_ends_after_the_absolute_timeout_even_when_busy(app, client, make_user):
    with app.app_context():
        make_user("viewer")
    sign_in(client, "viewer@test.gov", PASSWORD)
    with client.session_transaction() as session:
        session[SIGNED_IN_AT] = time.time() - 12 * 3600 - 60
        session[SEEN_AT] = time.time()
    response = client.get("/dashboards/_dash-layout")
    assert response.status_code == 401
    assert client.get("/").status_code == 302
    assert _events(app, "auth.session_timeout")[-1].after == {"reason": "absolute"}


def test_the_timeouts_are_settings(app, client, make_user):
    app.config.update(SESSION_IDLE_MINUTES=5, SESSION_MAX_HOURS=1)
    with app.app_context():
        make_user("viewer")
    sign_in(client, "viewer@test.gov", PASSWORD)
    with client.session_transaction() as session:
        session[SEEN_AT] = time.time() - 6 * 60
    assert client.get("/").status_code == 302
    sign_in(client, "viewer@test.gov", PASSWORD)
    with client.session_transaction() as session:
        session[SIGNED_IN_AT] = time.time() - 3700
    assert client.get("/").status_code == 302


def test_a_session_id_with_another_token_is_refused(app, make_user):
    with app.app_context():
        user = make_user("admin")
        forged = f"{user.id}:{'0' * 32}"
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = forged
        session["_fresh"] = True
    assert client.get("/").status_code == 302
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)  # the bare id an older release kept
    assert client.get("/").status_code == 302


def test_signing_in_starts_a_new_session(app, client, make_user):
    with app.app_context():
        make_user("viewer")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    sign_in(client, "viewer@test.gov", PASSWORD)
    with client.session_transaction() as session:
        assert "planted" not in session and session[SIGNED_IN_AT] > time.time() - 60


# --------------------------------------------------------------------------- one answer


def test_unknown_email_and_wrong_password_get_the_same_answer_and_the_same_work(app, client, make_user, monkeypatch):
    with app.app_context():
        make_user("analyst")
    checked = []
    real = auth_services.check_password_hash

    def counting(pwhash, password):
        checked.append(pwhash.split("$")[0])
        return real(pwhash, password)
    monkeypatch.setattr(auth_services, "check_password_hash", counting)
    wrong = sign_in(client, "analyst@test.gov", "not the password at all")
    unknown = sign_in(client, "nobody@test.gov", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    strip = lambda r: re.sub(r'value="[^"]+"', "", r.get_data(as_text=True))  # noqa: E731 (the CSRF token)
    assert strip(wrong) == strip(unknown)
    assert "That e-mail and password do not match an active account." in strip(wrong)
    assert len(checked) == 2 and checked[0] == checked[1], "the same hashing method and cost both times"


def test_an_inactive_account_gets_the_same_answer(app, client, make_user):
    with app.app_context():
        user = make_user("analyst")
        user.active = False
        db.session.commit()
    response = sign_in(client, "analyst@test.gov", PASSWORD)
    assert response.status_code == 401 and "do not match an active account" in response.get_data(as_text=True)


# --------------------------------------------------------------------------- throttling


def test_delays_grow_with_each_failure_up_to_the_cap(app):
    with app.app_context():
        assert [account_delay(n) for n in range(4)] == [0, 0, 0, 0]
        assert [account_delay(n) for n in range(5, 10)] == [2, 4, 8, 16, 32]
        assert account_delay(40) == app.config["LOGIN_MAX_DELAY_SECONDS"] == 900


def test_a_delay_passes_and_the_failures_are_kept_after_a_success(app, client, make_user):
    with app.app_context():
        make_user("admin")
    for _ in range(5):
        assert sign_in(client, "admin@test.gov", "wrong-password-1").status_code == 401
    held = sign_in(client, "admin@test.gov", PASSWORD)
    assert held.status_code == 429 and held.headers["Retry-After"] in ("1", "2")
    assert len(_failures(app, "admin@test.gov")) == 5, "a refused attempt is not a failure of its own"
    _age_failures(app, "admin@test.gov", timedelta(seconds=3))
    assert sign_in(client, "admin@test.gov", PASSWORD).status_code == 302
    assert len(_failures(app, "admin@test.gov")) == 5, "a success deletes nothing"
    events = [e.action for e in _events(app)]
    assert events.count("auth.sign_in_failed") == 5 and events.count("auth.lockout") == 1
    assert events[-1] == "auth.sign_in"


def test_tries_refused_during_a_lockout_are_audited_at_most_once_a_minute(app, client, make_user, monkeypatch):
    """After the lockout's event, every try refused while it lasted (a wrong password or the right one) left no
    trace: an Inspector General could not see that guessing went on. One event a minute per account and address
    says so; a guesser hammering the form does not fill the log."""
    with app.app_context():
        make_user("admin")
    for _ in range(5):
        sign_in(client, "admin@test.gov", "wrong-password-1")
    for password in ("wrong-password-2", PASSWORD, "wrong-password-3"):
        assert sign_in(client, "admin@test.gov", password).status_code == 429
    [refused] = _events(app, "auth.sign_in_refused")
    assert refused.after["email"] == "admin@test.gov" and refused.after["scope"] == "account"
    assert refused.after["retry_after_seconds"] >= 1 and refused.entity_type == "user" and refused.entity_id
    assert refused.client_address == "127.0.0.1" and refused.user_agent.startswith("Werkzeug"), \
        "the browser it came from, as the audit page says every event records"
    from scorecard.auth import services

    monkeypatch.setattr(services, "REFUSALS_AUDITED_EVERY", timedelta(0))  # as a minute on
    assert sign_in(client, "admin@test.gov", "wrong-password-4").status_code == 429
    assert len(_events(app, "auth.sign_in_refused")) == 2


def test_an_address_locked_out_is_audited_once_a_minute_whatever_e_mails_it_tries_even_at_once(app, client):
    """A guesser spraying a new e-mail at each try wrote one event per try once the address was locked (80 for
    80 tries), and tries sent at once each found no event yet and wrote one."""
    import threading

    from tests.helpers import at_once

    app.config["LOGIN_CLIENT_MAX_FAILURES"] = 2
    for n in range(2):
        sign_in(client, f"guess{n}@test.gov", "guess-guess-guess")
    for n in range(2, 8):
        assert sign_in(client, f"guess{n}@test.gov", "guess-guess-guess").status_code == 429
    names, lock = iter(range(100, 112)), threading.Lock()

    def spray():
        with lock:
            n = next(names)
        sign_in(app.test_client(), f"guess{n}@test.gov", "guess-guess-guess")
    at_once(spray, 12)
    [refused] = _events(app, "auth.sign_in_refused")
    assert refused.after["scope"] == "client" and refused.client_address == "127.0.0.1"


def test_a_password_typed_into_the_e_mail_field_is_not_kept_anywhere(app, client):
    """The failure row and the audit event (which executives read) named what was typed as the e-mail:
    here, a password. A value that is no address is kept as a keyed digest; its attempts still count."""
    from scorecard.models import LoginFailure

    for typed in ("  MySecretPass2025! ", "Summer@2025secret"):
        for _ in range(2):
            assert sign_in(client, typed, "x").status_code == 401
        with app.app_context():
            stored = db.session.scalars(sa.select(LoginFailure.email).order_by(LoginFailure.id.desc()).limit(2)).all()
        events = _events(app, "auth.sign_in_failed")[-2:]
        kept = [*stored, *(e.after["email"] for e in events)]
        assert len(kept) == 4 and len(set(kept)) == 1, "one account key for the same value typed twice"
        assert kept[0].startswith("not an e-mail address #") and typed.strip().lower()[:6] not in kept[0], kept
    assert sign_in(client, "nobody@agency.gov", "x").status_code == 401
    assert _events(app, "auth.sign_in_failed")[-1].after["email"] == "nobody@agency.gov", "an address is kept"


def test_someone_guessing_elsewhere_does_not_keep_the_owner_out(app, make_user):
    with app.app_context():
        make_user("executive")
    owner = app.test_client()
    assert sign_in(owner, "executive@test.gov", PASSWORD).status_code == 302
    assert owner.get_cookie(DEVICE_COOKIE, path="/auth/") is not None
    _sign_out(owner)
    attacker = app.test_client()
    for _ in range(8):
        sign_in(attacker, "executive@test.gov", "guess-guess-guess")
    assert sign_in(attacker, "executive@test.gov", PASSWORD).status_code == 429
    assert sign_in(app.test_client(), "executive@test.gov", PASSWORD).status_code == 429, "a new browser waits"
    assert sign_in(owner, "executive@test.gov", PASSWORD).status_code == 302, "the owner's browser does not"


def test_a_trusted_browser_meets_its_own_failures(app, make_user):
    with app.app_context():
        make_user("executive")
    owner = app.test_client()
    sign_in(owner, "executive@test.gov", PASSWORD)
    _sign_out(owner)
    for _ in range(5):
        assert sign_in(owner, "executive@test.gov", "typo-typo-typo").status_code == 401
    assert sign_in(owner, "executive@test.gov", PASSWORD).status_code == 429
    assert {f.device is not None for f in _failures(app, "executive@test.gov")} == {True}
    assert _events(app, "auth.lockout")[-1].after["scope"] == "trusted browser"


def test_a_device_cookie_for_another_account_or_forged_is_ignored(app, make_user):
    with app.app_context():
        make_user("executive")
        make_user("viewer")
    browser = app.test_client()
    sign_in(browser, "viewer@test.gov", PASSWORD)
    _sign_out(browser)
    attacker = app.test_client()
    for _ in range(6):
        sign_in(attacker, "executive@test.gov", "guess-guess-guess")
    assert sign_in(browser, "executive@test.gov", PASSWORD).status_code == 429, "trusted for the viewer only"
    forged = app.test_client()
    forged.set_cookie(DEVICE_COOKIE, "eyJlIjoiZXhlY3V0aXZlQHRlc3QuZ292IiwiZCI6ImFiYyJ9.forged.sig", path="/auth/")
    assert sign_in(forged, "executive@test.gov", PASSWORD).status_code == 429


def test_one_client_address_is_limited_across_accounts(app, make_user):
    app.config["LOGIN_CLIENT_MAX_FAILURES"] = 3
    with app.app_context():
        make_user("viewer")
    busy = app.test_client()
    for n in range(3):
        assert sign_in(busy, f"someone{n}@test.gov", "guess-guess-guess").status_code == 401
    refused = sign_in(busy, "viewer@test.gov", PASSWORD)
    assert refused.status_code == 429 and "from this network" in refused.get_data(as_text=True)
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    assert sign_in(elsewhere, "viewer@test.gov", PASSWORD).status_code == 302
    lockout = _events(app, "auth.lockout")[-1]
    assert lockout.after["scope"] == "client" and lockout.after["client_address"] == "127.0.0.1"


def test_a_browser_trusted_for_the_account_is_not_held_by_its_addresss_limit(app, make_user):
    """An agency's staff leave through a few addresses: one person guessing at other accounts there kept
    every colleague out, their own trusted browsers with the right password too."""
    app.config["LOGIN_CLIENT_MAX_FAILURES"] = 3
    with app.app_context():
        make_user("executive")
        make_user("viewer")
    colleague = app.test_client()
    assert sign_in(colleague, "executive@test.gov", PASSWORD).status_code == 302
    _sign_out(colleague)
    guesser = app.test_client()
    for n in range(3):
        assert sign_in(guesser, f"someone{n}@test.gov", "guess-guess-guess").status_code == 401
    assert sign_in(guesser, "viewer@test.gov", PASSWORD).status_code == 429, "the address's limit holds"
    assert sign_in(app.test_client(), "executive@test.gov", PASSWORD).status_code == 429, "a new browser waits"
    assert sign_in(colleague, "executive@test.gov", PASSWORD).status_code == 302, "the trusted browser does not"
    _sign_out(colleague)
    for _ in range(5):
        assert sign_in(colleague, "executive@test.gov", "typo-typo-typo").status_code == 401
    assert sign_in(colleague, "executive@test.gov", PASSWORD).status_code == 429, "its own failures still count"


def test_unknown_emails_are_throttled_like_real_ones(app, client):
    for _ in range(5):
        sign_in(client, "ghost@test.gov", "guess-guess-guess")
    assert sign_in(client, "ghost@test.gov", "guess-guess-guess").status_code == 429


def test_the_unlock_command_clears_the_failures_but_keeps_them(app, client, make_user, runner):
    with app.app_context():
        make_user("admin")
    for _ in range(9):  # the last four are refused unchecked: they wait
        sign_in(client, "admin@test.gov", "wrong-password-1")
    assert sign_in(client, "admin@test.gov", PASSWORD).status_code == 429
    result = runner.invoke(args=["unlock", "Admin@test.gov"])
    assert result.exit_code == 0 and "5 recent failed sign-ins cleared" in result.output
    assert sign_in(client, "admin@test.gov", PASSWORD).status_code == 302
    failures = _failures(app, "admin@test.gov")
    assert len(failures) == 5 and all(f.cleared_at is not None for f in failures)
    assert _events(app, "auth.unlock")[-1].after["cleared_failures"] == 5
    bare = runner.invoke(args=["unlock"])
    assert bare.exit_code != 0 and "name the e-mail address of the account to unlock, or --address" in bare.output
    both = runner.invoke(args=["unlock", "admin@test.gov", "--address", "192.0.2.7"])
    assert both.exit_code != 0 and "not both" in both.output
    blank = runner.invoke(args=["unlock", "  "])
    assert blank.exit_code != 0 and "name the e-mail address of the account to unlock" in blank.output
    odd = runner.invoke(args=["unlock", "--address", "notanip"])
    assert odd.exit_code != 0 and "'notanip' is not one" in odd.output, "the web form refuses it; the command took it"
    assert len(_events(app, "auth.unlock")) == 1


def test_unlocking_an_e_mail_no_account_has_says_so(app, client, make_user, runner):
    """`scorecard unlock admin@tset.gov` (a typo) said "Unlocked admin@tset.gov: 0 recent failed sign-ins
    cleared." and the person stayed locked out. An e-mail no account has is refused when nothing failed
    under it, and named as no account's when something did (it is throttled as an account's is)."""
    with app.app_context():
        make_user("admin")
    typo = runner.invoke(args=["unlock", "admin@tset.gov"])
    assert typo.exit_code == 1 and "no account has the e-mail 'admin@tset.gov'" in typo.output
    assert "nothing was unlocked" in typo.output and "Unlocked" not in typo.output
    assert _events(app, "auth.unlock") == [], "the unlock it refused was audited as done"
    for _ in range(3):
        sign_in(client, "ghost@test.gov", "guess-guess-guess")
    ghost = runner.invoke(args=["unlock", "ghost@test.gov"])
    assert ghost.exit_code == 0, ghost.output
    assert "Unlocked ghost@test.gov (no account has this e-mail): 3 recent failed sign-ins cleared." in ghost.output
    real = runner.invoke(args=["unlock", "admin@test.gov"])
    assert real.exit_code == 0 and real.output.strip() == "Unlocked admin@test.gov: 0 recent failed sign-ins cleared."


@pytest.mark.parametrize("kept, given", [("192.0.2.7", "192.0.2.7"), ("2001:db8::7", "2001:0DB8:0:0::0007")])
def test_the_unlock_command_clears_a_client_address(app, make_user, runner, kept, given):
    """However the address is written: `2001:0DB8:0:0::0007` and `2001:db8::7` are one address, and unlocking
    the one written another way than the failures were kept said it was done and cleared nothing."""
    app.config["LOGIN_CLIENT_MAX_FAILURES"] = 2
    with app.app_context():
        make_user("viewer")
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = kept
    for n in range(2):
        sign_in(client, f"x{n}@test.gov", "guess-guess-guess")
    assert sign_in(client, "viewer@test.gov", PASSWORD).status_code == 429
    result = runner.invoke(args=["unlock", "--address", given])
    assert result.exit_code == 0 and "2 " in result.output, result.output
    assert result.output.startswith(f"Unlocked {kept}:"), "said as the audit log keeps it"
    assert sign_in(client, "viewer@test.gov", PASSWORD).status_code == 302


def test_unlocking_an_address_leaves_the_accounts_tried_from_it_delayed(app, make_user, runner, client_as):
    """An address's unlock cleared its failures from every count: the account guessed at from it signed in at
    once after, its delay gone, so tripping the address's limit on purpose bought fresh guesses at every
    account once an administrator let the office in again. It lifts the address's limit alone."""
    app.config.update(LOGIN_CLIENT_MAX_FAILURES=6, LOGIN_DELAY_SECONDS=600)
    with app.app_context():
        make_user("viewer")
        make_user("analyst")
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "192.0.2.9"
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        sign_in(client, "viewer@test.gov", "guess-guess-guess")
    while sign_in(client, "nobody@test.gov", "guess-guess-guess").status_code != 429:
        pass
    assert sign_in(client, "analyst@test.gov", PASSWORD).status_code == 429, "the address is held"
    result = runner.invoke(args=["unlock", "--address", "192.0.2.9"])
    assert result.exit_code == 0, result.output
    assert sign_in(client, "analyst@test.gov", PASSWORD).status_code == 302, "the address is let in"
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.9"
    assert sign_in(other, "viewer@test.gov", PASSWORD).status_code == 429, "the account guessed at is still delayed"
    page = client_as("admin").get("/admin/users").get_data(as_text=True)
    assert re.search(r"viewer@test\.gov.*?delayed", page, re.S), "the users page says so too"
    assert runner.invoke(args=["unlock", "viewer@test.gov"]).exit_code == 0
    assert sign_in(other, "viewer@test.gov", PASSWORD).status_code == 302, "its own unlock lifts its delay"


def test_old_failures_are_pruned(app, client):
    sign_in(client, "old@test.gov", "guess-guess-guess")
    _age_failures(app, "old@test.gov", timedelta(days=91))
    sign_in(client, "new@test.gov", "guess-guess-guess")
    assert _failures(app, "old@test.gov") == [] and len(_failures(app, "new@test.gov")) == 1


def test_failures_outside_the_window_do_not_count(app, client, make_user):
    with app.app_context():
        make_user("viewer")
    for _ in range(5):
        sign_in(client, "viewer@test.gov", "guess-guess-guess")
    _age_failures(app, "viewer@test.gov", timedelta(hours=25))
    assert sign_in(client, "viewer@test.gov", PASSWORD).status_code == 302


# --------------------------------------------------------------------------- passwords and e-mail


def test_password_rules(app):
    with app.app_context():
        assert "at least 12 characters" in password_problem("short-pw-1")
        assert "commonly used" in password_problem("qwerty123456")
        assert "commonly used" in password_problem("Password1234")
        assert "e-mail" in password_problem("kimberly-is-great-2025", "kimberly@agency.gov")
        assert "e-mail" in password_problem("my v2@demo.cx.gov pass", "v2@demo.cx.gov"), (
            "the whole address within it passed: only the address alone, or a name of 4 or more, was refused")
        assert password_problem("an2 keeps a long password", "an2@demo.cx.gov") is None, "a short name may appear"
        assert password_problem("x" * 201).startswith("the password must have at most")
        assert password_problem("correct horse battery") is None
        from scorecard.demo import DEMO_PASSWORD
        assert password_problem(DEMO_PASSWORD) is None and len(DEMO_PASSWORD) == 18
        app.config["PASSWORD_MIN_LENGTH"] = 15
        assert "at least 15 characters" in password_problem("fourteen-chars")


def test_the_common_passwords_list_is_shipped_with_thousands_of_entries():
    words = common_passwords()
    assert len(words) > 4000
    assert {"123456", "password", "qwerty123456", "iloveyou"} <= words


@pytest.mark.parametrize("email", ["pat@agency.gov", "pat.lee+cx@sub.agency.gov", "o'neil@agency.gov"])
def test_good_email_addresses(email):
    assert email_problem(email) is None


@pytest.mark.parametrize("email", ["pat", "pat@", "@agency.gov", "pat@agency", "pat agency@x.gov", "pat@@x.gov",
                                   "pat@x..gov", "pat@-x.gov", "a" * 65 + "@x.gov", "x@" + "y" * 250 + ".gov"])
def test_bad_email_addresses(email):
    assert email_problem(email)


def test_create_user_command_refuses_a_bad_email_and_a_weak_password(app, runner, monkeypatch):
    monkeypatch.setenv("SCORECARD_PASSWORD", "correct horse battery")
    bad = runner.invoke(args=["create-user", "not-an-address", "--role", "viewer"])
    assert bad.exit_code != 0 and "is not an e-mail address" in bad.output
    monkeypatch.setenv("SCORECARD_PASSWORD", "short-pw")
    weak = runner.invoke(args=["create-user", "pat@agency.gov", "--role", "viewer"])
    assert weak.exit_code != 0 and "at least 12 characters" in weak.output
    monkeypatch.setenv("SCORECARD_PASSWORD", "password1234")
    common = runner.invoke(args=["create-user", "pat@agency.gov", "--role", "viewer"])
    assert common.exit_code != 0 and "commonly used" in common.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_create_user_command_is_audited(app, runner, monkeypatch):
    monkeypatch.setenv("SCORECARD_PASSWORD", "correct horse battery")
    assert runner.invoke(args=["create-user", "pat@agency.gov", "--role", "viewer"]).exit_code == 0
    event = _events(app, "user.create")[-1]
    assert event.user_id is None and event.after["email"] == "pat@agency.gov" and event.after["role"] == "viewer"
    assert "password" not in str(event.after)


def test_demo_refuses_a_production_configuration_unless_forced(db_url, monkeypatch):
    monkeypatch.delenv("SCORECARD_ENV", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "SECRET_KEY": "x"})
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code != 0 and "production configuration" in result.output and "--force" in result.output
    assert "--force" in app.test_cli_runner().invoke(args=["demo", "--help"]).output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
        db.session.remove()
        db.engine.dispose()


# --------------------------------------------------------------------------- the sign-in page


def test_the_sign_in_page_shows_the_system_use_notice(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert 'id="system-use-notice"' in page and "System use notification" in page
    assert "U.S. Government information system" in page and "no reasonable expectation of" in page
    assert page.count("<p>", page.index('id="system-use-notice"')) >= 3
    assert "Signing in means you have read the system use notification" in page


def test_the_notice_is_a_setting(app, client):
    app.config["SYSTEM_USE_NOTICE"] = "First paragraph.\n\nSecond <b>paragraph</b>."
    page = client.get("/auth/login").get_data(as_text=True)
    assert "<p>First paragraph.</p>" in page and "<p>Second &lt;b&gt;paragraph&lt;/b&gt;.</p>" in page
    app.config["SYSTEM_USE_NOTICE"] = ""
    assert 'id="system-use-notice"' not in client.get("/auth/login").get_data(as_text=True)


def test_the_notice_is_on_the_sign_in_page_only(client_as):
    assert 'id="system-use-notice"' not in client_as("viewer").get("/").get_data(as_text=True)


# --------------------------------------------------------------------------- headers


def _csp(response) -> dict:
    return {part.split()[0]: part.split()[1:] for part in response.headers["Content-Security-Policy"].split("; ")}


def test_security_headers_on_every_page(client_as, client):
    for response in (client.get("/auth/login"), client_as("viewer").get("/")):
        headers = response.headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "camera=()" in headers["Permissions-Policy"] and "geolocation=()" in headers["Permissions-Policy"]
        assert "Strict-Transport-Security" not in headers, "over plain http, no HSTS (RFC 6797 §7.2)"
        assert headers["Cache-Control"] == "no-store"
        csp = _csp(response)
        assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
        assert csp["script-src"][0] == "'self'" and "'unsafe-inline'" not in csp["script-src"]
        assert "'unsafe-eval'" not in csp["script-src"] and csp["default-src"] == ["'self'"]


def test_static_assets_may_be_cached(client):
    response = client.get("/static/scorecard.css")
    response.close()
    assert response.status_code == 200 and "no-store" not in (response.headers.get("Cache-Control") or "")


def test_every_file_a_stylesheet_names_is_served(client):
    """The browser fetches what a stylesheet's url() names when a page needs it (the upload's file icon,
    an italic weight): each must be there, or the console shows a 404 (file.svg did, on Imports)."""
    static = Path(client.application.static_folder)
    named = {(sheet, url) for sheet in static.rglob("*.css")
             for url in re.findall(r"url\(\s*[\"']?([^\"')]+)", sheet.read_text(encoding="utf-8"))
             if not url.startswith(("data:", "#", "http:", "https:"))}
    assert named, "the stylesheets name files"
    for sheet, url in sorted(named):
        path = (sheet.parent / url.split("?")[0].split("#")[0]).resolve().relative_to(static.resolve())
        response = client.get(f"/static/{path.as_posix()}")
        response.close()
        assert response.status_code == 200, f"{sheet.name} names {url}, which is not served"


def test_downloads_are_not_stored(client_as):
    response = client_as("admin").get("/admin/audit.csv")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"


def test_every_inline_script_of_the_dashboards_is_allowed_by_its_hash(client_as):
    client = client_as("viewer")
    response = client.get("/dashboards/")
    page = response.get_data(as_text=True)
    allowed = set(_csp(response)["script-src"])
    inline = [m.group(2) for m in re.finditer(r"<script([^>]*)>(.*?)</script>", page, re.S)
              if "src=" not in m.group(1) and "application/json" not in m.group(1)]
    assert inline, "Dash renders its renderer inline"
    for body in inline:
        assert script_hash(body) in allowed, body[:80]


def test_the_templates_inline_scripts_are_allowed_by_their_hash(app, client):
    source = app.jinja_env.loader.get_source(app.jinja_env, "imports/show.html")[0]
    body = re.search(r"<script>(.*?)</script>", source, re.S).group(1)
    assert script_hash(body) in _csp(client.get("/auth/login"))["script-src"]


def test_hsts_is_a_setting(app, client):
    secure = client.get("/auth/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    app.config["HSTS_SECONDS"] = 0
    assert "Strict-Transport-Security" not in client.get("/auth/login", base_url="https://localhost").headers


def test_the_client_address_comes_through_trusted_proxies_only(db_url, tmp_path, make_user, app):
    with app.app_context():
        make_user("viewer")
    from scorecard.config import TestingConfig
    behind = create_app(type("Behind", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": db_url, "TRUSTED_PROXIES": 1,
                                                         "UPLOAD_FOLDER": str(tmp_path / "u")}))
    client = behind.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    client.post("/auth/login", data={"email": "viewer@test.gov", "password": PASSWORD, "csrf_token": csrf_token(page)},
                headers={"X-Forwarded-For": "203.0.113.9"})
    direct = app.test_client()
    page = direct.get("/auth/login").get_data(as_text=True)
    direct.post("/auth/login", data={"email": "viewer@test.gov", "password": PASSWORD, "csrf_token": csrf_token(page)},
                headers={"X-Forwarded-For": "203.0.113.9"})
    addresses = [e.client_address for e in _events(app, "auth.sign_in")]
    assert addresses == ["203.0.113.9", "127.0.0.1"]
    with behind.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_proxys_request_with_no_proxy_trusted_is_said_once_in_the_log(app, client, caplog, monkeypatch):
    """Behind a TLS proxy left at SCORECARD_TRUSTED_PROXIES=0 the app read every connection as the proxy's (no
    HSTS, one sign-in limit for everyone) and nothing said so: the first forwarded request is said, once."""
    import logging

    from scorecard.security import ForwardedUnread

    assert isinstance(app.wsgi_app, ForwardedUnread)
    monkeypatch.setattr(app.wsgi_app, "said", False)  # as a new process starts (the tests share one app)
    caplog.set_level(logging.WARNING, logger="scorecard.security")
    client.get("/auth/login")
    assert not [r for r in caplog.records if "SCORECARD_TRUSTED_PROXIES" in r.getMessage()], "a request sent direct"
    for _ in range(3):
        client.get("/auth/login", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    said = [r for r in caplog.records if "SCORECARD_TRUSTED_PROXIES is 0" in r.getMessage()]
    assert len(said) == 1 and said[0].levelname == "WARNING" and "'https'" in said[0].getMessage(), said


# --------------------------------------------------------------------------- bidirectional controls


@pytest.mark.parametrize("char", ["\u202a", "\u202e", "\u2066", "\u2069"])
def test_sign_in_refuses_bidi_controls_naming_the_field(client, char):
    page = client.get("/auth/login").get_data(as_text=True)
    response = client.post("/auth/login", data={"email": f"pat{char}@agency.gov", "password": "x" * 12,
                                                "csrf_token": csrf_token(page)})
    assert response.status_code == 400
    assert f"Email address contains a hidden text-direction character (U+{ord(char):04X})" in response.get_data(
        as_text=True)


def test_every_text_field_of_a_base_form_is_checked(app):
    from wtforms import IntegerField, StringField, TextAreaField

    from scorecard.security import BaseForm

    class Sample(BaseForm):
        title = StringField("Title")
        notes = TextAreaField("Notes")
        count = IntegerField("Count")

    with app.test_request_context(method="POST", data={"title": "ok", "notes": "evil\u202etxt.exe", "count": "3"}):
        form = Sample(meta={"csrf": False})
        assert not form.validate()
        assert list(form.errors) == ["notes"] and "Notes contains" in form.errors["notes"][0]


def test_forms_outside_the_inline_checked_blueprints_are_refused_too(demo, client_as):
    """A blueprint whose views do not show a field's message in place (the outbox's send) is covered by the
    request's own check: 400 naming the field, nothing sent."""
    from scorecard.security import INLINE_CHECKED_BLUEPRINTS

    assert "reminders" not in INLINE_CHECKED_BLUEPRINTS
    client = client_as("admin")
    token = csrf_token(client.get("/outbox/").get_data(as_text=True))
    response = client.post("/outbox/send", data={"csrf_token": token, "note": "fine\u2066x"})
    assert response.status_code == 400
    assert "The field “note” contains a hidden text-direction character (U+2066)" in response.get_data(as_text=True)


@pytest.mark.parametrize("path, data, kept", [
    ("/imports/upload", {"format": "metrics", "sheet": "Q1\u2066x"}, 'value="Q1\u2066x"'),
    ("/rules/new", {"definition": '{"key": "x\u202ey"}', "save": "Save draft"}, "x\u202ey"),
])
def test_upload_and_rule_forms_refuse_in_place_keeping_what_was_typed(demo, client_as, path, data, kept):
    client = client_as("analyst")
    token = csrf_token(client.get(path).get_data(as_text=True))
    response = client.post(path, data={"csrf_token": token, **data}, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "contains a hidden text-direction character (U+" in page
    assert kept in page, "the field keeps what was typed"


def test_a_base_form_refuses_in_place_keeping_what_was_typed(client_as):
    client = client_as("analyst")
    token = csrf_token(client.get("/api-tokens/").get_data(as_text=True))
    response = client.post("/api-tokens/", data={"csrf_token": token, "name": "report\u2066x", "scope": "read"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "contains a hidden text-direction character (U+2066)" in page
    assert 'value="report\u2066x"' in page, "the field keeps what was typed"


def test_json_and_plain_text_pass(client_as):
    client = client_as("viewer")
    assert client.get("/?q=\u202e").status_code == 200


# --------------------------------------------------------------------------- files


@pytest.fixture
def own_umask():
    """The app sets the process's umask (FILE_UMASK); the test process gets its own back."""
    previous = os.umask(0o022)
    os.umask(previous)
    yield
    os.umask(previous)


def test_the_database_file_and_the_uploads_are_the_owners_only(tmp_path, own_umask):
    from scorecard.storage import upload_folder

    database, uploads = tmp_path / "data" / "scorecard.db", tmp_path / "uploads"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "SECRET_KEY": "x",
                      "UPLOAD_FOLDER": str(uploads)})
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert not uploads.exists(), "made when the first file is uploaded"
    upload_folder(app).joinpath("q1.xlsx").write_bytes(b"data")
    assert stat.S_IMODE(uploads.stat().st_mode) == 0o700
    assert stat.S_IMODE((uploads / "q1.xlsx").stat().st_mode) == 0o600
    with app.app_context():
        db.create_all()
        db.session.remove()
        db.engine.dispose()
    for path in tmp_path.joinpath("data").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


def test_an_existing_database_and_upload_folder_are_tightened(tmp_path, own_umask):
    database, uploads = tmp_path / "old.db", tmp_path / "u"
    database.write_bytes(b"")
    database.chmod(0o644)
    uploads.mkdir(mode=0o755)
    create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "SECRET_KEY": "x", "UPLOAD_FOLDER": str(uploads)})
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert stat.S_IMODE(uploads.stat().st_mode) == 0o700


def test_a_setting_naming_another_file_leaves_its_modes_alone(tmp_path, own_umask):
    """SCORECARD_UPLOAD_FOLDER=/etc/passwd (a typo) made it 0700 as the app started, and a DATABASE_URL naming a
    file that is no database made it 0600 though the command was refused: every other process lost the file. The
    folder setting is refused at start, naming it; neither file is touched."""
    from scorecard.config import ConfigurationError, unsettled

    text, other = tmp_path / "passwd", tmp_path / "notes.txt"
    for path in (text, other):
        path.write_text("root:x:0:0:root:/root:/bin/bash\n")
        path.chmod(0o644)
    assert any("SCORECARD_UPLOAD_FOLDER is" in problem and "which is a file, not a folder" in problem
               for problem in unsettled({"UPLOAD_FOLDER": str(text)}))
    with pytest.raises(ConfigurationError):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{other}", "SECRET_KEY": "x",
                    "UPLOAD_FOLDER": str(text)})
    assert (stat.S_IMODE(text.stat().st_mode), stat.S_IMODE(other.stat().st_mode)) == (0o644, 0o644)


def test_the_umask_is_a_setting_and_tests_keep_theirs(tmp_path, own_umask):
    os.umask(0o022)
    create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'a.db'}", "SECRET_KEY": "x", "FILE_UMASK": None})
    assert os.umask(0o022) == 0o022
    from scorecard.config import TestingConfig
    assert TestingConfig.FILE_UMASK is None
    create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'b.db'}", "SECRET_KEY": "x"})
    assert os.umask(0o022) == 0o077


# --------------------------------------------------------------------------- audit of signing in and out


def test_sign_in_and_sign_out_are_audited_with_the_client(app, client, make_user):
    with app.app_context():
        user_id = make_user("viewer").id
    client.environ_base["HTTP_USER_AGENT"] = "Mozilla/5.0 (audit test)"
    sign_in(client, "viewer@test.gov", "wrong-password-1")
    sign_in(client, "viewer@test.gov", PASSWORD)
    _sign_out(client)
    failed, signed_in, signed_out = (_events(app, a)[-1] for a in ("auth.sign_in_failed", "auth.sign_in",
                                                                   "auth.sign_out"))
    assert failed.user_id is None and (failed.entity_type, failed.entity_id) == ("user", user_id)
    assert failed.after == {"email": "viewer@test.gov"}
    assert signed_in.user_id == signed_out.user_id == user_id
    for event in (failed, signed_in, signed_out):
        assert event.client_address == "127.0.0.1" and event.user_agent == "Mozilla/5.0 (audit test)"


def test_token_creation_and_revocation_are_audited_with_the_client(client_as, app):
    client = client_as("analyst")
    token = csrf_token(client.get("/api-tokens/").get_data(as_text=True))
    assert client.post("/api-tokens/", data={"csrf_token": token, "name": "report", "scope": "read"}).status_code == 200
    created = _events(app, "api_token.create")[-1]
    assert created.client_address == "127.0.0.1" and created.after["name"] == "report"
    token = csrf_token(client.get("/api-tokens/").get_data(as_text=True))
    client.post(f"/api-tokens/{created.entity_id}/revoke", data={"csrf_token": token})
    assert _events(app, "api_token.revoke")[-1].client_address == "127.0.0.1"


def test_events_outside_a_request_have_no_client(app):
    with app.app_context():
        db.session.add(AuditEvent(action="test.cli", entity_type="none"))
        db.session.commit()
    event = _events(app, "test.cli")[0]
    assert event.client_address is None and event.user_agent is None and event.at <= utcnow()


def test_a_connection_lost_while_a_request_ends_keeps_the_answer(app, client, monkeypatch, caplog):
    """A database restarted mid-request drops the connection the request's session ends on: its rollback
    failed after the answer was made, and the failure reached the server as its bare 500 in place of
    the answer (found restarting PostgreSQL under gunicorn)."""
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    close = Session.close
    dropped = []

    def lost(self):
        if not dropped:
            dropped.append(1)
            raise sa.exc.OperationalError("ROLLBACK", {}, Exception("consuming input failed"))
        return close(self)

    monkeypatch.setattr(Session, "close", lost)
    answer = client.get("/healthz")
    assert dropped and answer.status_code == 200 and answer.get_json() == {"status": "ok"}
    assert "database connection lost while ending a request" in caplog.text
    assert client.get("/healthz").status_code == 200, "the next request has a session of its own"


def test_a_refusal_without_words_of_its_own_reads_in_the_apps_words_not_werkzeugs(client_as):
    """A viewer opening the audit log read "You don't have the permission to access the requested resource. It
    is either read-protected or not readable by the server."; an address with no page, "The requested URL was
    not found on the server. If you entered the URL manually please check your spelling"."""
    from scorecard.errors import PLAIN_WORDS

    viewer = client_as("viewer")
    for path, code in (("/admin/audit", 403), ("/no-such-page", 404)):
        answer = viewer.get(path)
        page = answer.get_data(as_text=True)
        assert answer.status_code == code and PLAIN_WORDS[code].split(":")[0].split(".")[0] in page, page[-1500:]
        assert "read-protected" not in page and "requested URL" not in page


def test_an_unexpected_failure_says_whether_anything_was_changed(app, client_as, monkeypatch):
    """A form that failed before saving anything showed "Something went wrong on our side" and nothing else:
    the person could not tell whether to send it again. It says nothing was changed (the API's words), and
    a failure after a save says the change was saved."""
    import html

    from scorecard.admin import routes

    def failed(*args, **kwargs):
        raise RuntimeError("a fault before the save")
    monkeypatch.setattr(routes, "update_account", failed)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # answered as in production, not raised
    admin = client_as("admin")
    page = admin.get("/admin/users/1").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    opened = html.unescape(re.search(r'name="account-opened" type="hidden" value="([^"]*)"', page).group(1))
    answer = admin.post("/admin/users/1/account", data={"csrf_token": token, "account-name": "Admin",
                                                          "account-role": "admin", "account-function": "",
                                                          "account-opened": opened})
    said = html.unescape(answer.get_data(as_text=True))
    assert answer.status_code == 500 and "Something went wrong on our side" in said
    assert "The request failed unexpectedly; nothing was changed." in said
