"""Sign-in, sign-out, CSRF, cookies, throttling, safe redirects and the create-user command."""
import re
import shutil

import pytest
import sqlalchemy as sa

from scorecard import create_app
from scorecard.extensions import db
from scorecard.models import Function, LoginFailure, Role, User
from tests.conftest import PASSWORD
from tests.helpers import csrf_token, sign_in

# A production key as `secrets.token_hex(32)` makes one.
STRONG_KEY = "9bed5603f2670b1929ea8aae989fe2a73eb9b6440b85be7e38dad784e3adccc0"


def test_sign_in_page_has_email_and_password_fields(client):
    html = client.get("/auth/login").get_data(as_text=True)
    assert 'name="email"' in html and 'name="password"' in html and 'name="csrf_token"' in html


def test_a_sign_in_without_a_password_says_so_on_the_field(client):
    page = client.get("/auth/login").get_data(as_text=True)
    refused = client.post("/auth/login", data={"csrf_token": csrf_token(page), "email": "a@b.gov", "password": ""})
    words = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Enter your password." in words
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*name="password"|<input[^>]*name="password"[^>]*'
                     r'aria-invalid="true"', words), "the field is marked invalid for assistive technology"


def test_sign_in_then_home_then_sign_out(app, client, make_user):
    with app.app_context():
        make_user("executive")
    response = sign_in(client, "executive@test.gov", PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200 and "executive@test.gov" in home.get_data(as_text=True)
    token = csrf_token(home.get_data(as_text=True))
    elsewhere = app.test_client()
    sign_in(elsewhere, "executive@test.gov", PASSWORD)
    assert elsewhere.get("/").status_code == 200
    assert client.post("/auth/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302
    said = client.get("/auth/login").get_data(as_text=True)
    assert "You are signed out, here and in every other browser or device where you were signed in." in said, (
        "the other browser's session ended too, and the person was not told")
    assert elsewhere.get("/").status_code == 302


def test_wrong_password_is_refused_without_saying_which_part(app, client, make_user):
    with app.app_context():
        make_user("analyst")
    response = sign_in(client, "analyst@test.gov", "not the password")
    assert response.status_code == 401
    assert "do not match" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_form_posted_without_csrf_token_is_refused(app, client, make_user):
    with app.app_context():
        make_user("analyst")
    response = client.post("/auth/login", data={"email": "analyst@test.gov", "password": PASSWORD})
    assert response.status_code == 400
    assert "this form could not be checked as yours" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_sign_out_without_csrf_token_is_refused(app, client, make_user):
    with app.app_context():
        make_user("viewer")
    sign_in(client, "viewer@test.gov", PASSWORD)
    assert client.post("/auth/logout").status_code == 400
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "\\\\evil.example",
                                    "javascript:alert(1)", "/%0aX", "/%0d%0aSet-Cookie:x=y", "/a%0d"])
def test_next_redirect_never_leaves_the_site(app, client, make_user, target):
    with app.app_context():
        make_user("viewer")
    response = sign_in(client, "viewer@test.gov", PASSWORD, next_url=target)
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_next_redirect_follows_a_local_path(app, client, make_user):
    with app.app_context():
        make_user("viewer")
    response = sign_in(client, "viewer@test.gov", PASSWORD, next_url="/dashboards/heatmap")
    assert response.headers["Location"] == "/dashboards/heatmap"


def test_a_long_link_opened_signed_out_leads_to_sign_in_in_a_short_redirect(client):
    """A proxy holds an answer's headers in a few kilobytes (nginx: 4 KB) and answers 502 beyond: a link of
    thousands of characters opened signed out went into the Location header whole."""
    response = client.get("/dashboards/heatmap?sort=" + "a" * 5000)
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=/dashboards/heatmap"
    assert client.get("/" + "b" * 3000).headers["Location"] == "/auth/login"
    short = client.get("/dashboards/heatmap?sort=worst").headers["Location"]
    assert short == "/auth/login?next=/dashboards/heatmap?sort%3Dworst"


def test_repeated_failures_lock_the_account_even_for_the_right_password(app, client, make_user):
    with app.app_context():
        make_user("admin")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert sign_in(client, "admin@test.gov", "wrong-password").status_code == 401
    locked = sign_in(client, "admin@test.gov", PASSWORD)
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) >= 1
    assert "Too many failed sign-ins" in locked.get_data(as_text=True)
    with app.app_context():
        failures = db.session.scalars(sa.select(LoginFailure).where(LoginFailure.email == "admin@test.gov")).all()
        assert len(failures) == app.config["LOGIN_MAX_FAILURES"]


def test_session_cookie_is_httponly_and_lax(app, client, make_user):
    with app.app_context():
        make_user("viewer")
    cookie = sign_in(client, "viewer@test.gov", PASSWORD).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_cookie_is_secure_outside_debug(db_url, monkeypatch):
    monkeypatch.setenv("SCORECARD_ENV", "production")
    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "SECRET_KEY": "x"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    with app.app_context():
        db.engine.dispose()


def test_the_postgresql_pool_is_sized_by_its_settings():
    """Each process's connections: hosts × workers × (pool + overflow) must stay under the server's
    max_connections, so an operator sets them (nothing connects until a request does). Settings are read as
    the process starts, so a fresh one reads them."""
    import os
    import subprocess
    import sys

    script = ("from scorecard import create_app\nfrom scorecard.extensions import db\n"
              "app = create_app({'SQLALCHEMY_DATABASE_URI': 'postgresql+psycopg://nobody@127.0.0.1:1/none',"
              " 'SECRET_KEY': 'x'})\n"
              "options = app.config['SQLALCHEMY_ENGINE_OPTIONS']\n"
              "with app.app_context():\n"
              "    print(options['pool_size'], options['max_overflow'], options['pool_pre_ping'],"
              " db.engine.pool.size(), db.engine.pool._max_overflow)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env={
        **os.environ, "SCORECARD_ENV": "development", "SCORECARD_DB_POOL_SIZE": "3", "SCORECARD_DB_MAX_OVERFLOW": "2"})
    assert done.returncode == 0, done.stderr[-800:]
    assert done.stdout.split() == ["3", "2", "True", "3", "2"]


def test_create_user_command_reads_password_from_environment(app, runner, monkeypatch):
    with app.app_context():
        db.session.add(Function(code="CFO", name="Chief Financial Officer"))
        db.session.commit()
    monkeypatch.setenv("SCORECARD_PASSWORD", "s3cret-password")
    result = runner.invoke(args=["create-user", "Pat@Agency.gov", "--role", "officer", "--function", "cfo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "pat@agency.gov"))
        assert user.role is Role.officer and user.function.code == "CFO"
        assert user.password_hash != "s3cret-password" and user.check_password("s3cret-password")


def test_create_user_command_refuses_an_officer_without_function(app, runner, monkeypatch):
    monkeypatch.setenv("SCORECARD_PASSWORD", "s3cret-password")
    result = runner.invoke(args=["create-user", "pat@agency.gov", "--role", "officer"])
    assert result.exit_code != 0 and "needs --function" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_create_user_command_refuses_a_name_longer_than_the_form_allows(app, runner, monkeypatch):
    monkeypatch.setenv("SCORECARD_PASSWORD", "s3cret-password")
    result = runner.invoke(args=["create-user", "pat@agency.gov", "--role", "viewer", "--name", "N" * 201])
    assert result.exit_code != 0 and "a name is at most 200 characters; this one has 201" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_create_user_command_prompts_for_the_password(app, runner, monkeypatch):
    monkeypatch.delenv("SCORECARD_PASSWORD", raising=False)
    result = runner.invoke(args=["create-user", "kim@agency.gov", "--role", "viewer"],
                           input="long-enough-pw\nlong-enough-pw\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == "kim@agency.gov")).check_password("long-enough-pw")


@pytest.mark.parametrize("key, why", [("changeme", "published or common"), ("test-secret", "published or common"),
                                      ("192b9bdd22ab9ed4d12e236c78afcb9a393ec15f71bbf5dc987d54727823bcbf",
                                       "published or common"),  # Flask's documentation's example
                                      # ...as an env file keeps it, in its quotes, or as the bytes literal
                                      ("'192b9bdd22ab9ed4d12e236c78afcb9a393ec15f71bbf5dc987d54727823bcbf'",
                                       "published or common"),
                                      ('b"192b9bdd22ab9ed4d12e236c78afcb9a393ec15f71bbf5dc987d54727823bcbf"',
                                       "published or common"),
                                      ("a-short-key-of-24-chars!", "is 24 characters long"),
                                      ("ab" * 20, "repeats 2 characters"),
                                      ("your-secret-key-here-change-me-in-production", "reads as a placeholder"),
                                      ("12345678901234567890123456789012", "runs in sequence"),
                                      ("0123456789abcdef0123456789abcdef", "runs in sequence"),
                                      ("Kx7#pQ2!mZ9$" * 3, "repeats a pattern of 12 characters")])
def test_production_refuses_a_secret_key_anyone_could_guess(db_url, monkeypatch, key, why):
    """A known key lets anyone sign the trusted-device cookie (and so skip an account's sign-in delay)."""
    from scorecard.config import Config

    monkeypatch.delenv("SCORECARD_ENV", raising=False)
    monkeypatch.setenv("SECRET_KEY", key)
    monkeypatch.setattr(Config, "SECRET_KEY", key)  # as the class reads it when a server starts
    with pytest.raises(RuntimeError, match=why) as refused:
        create_app({"SQLALCHEMY_DATABASE_URI": db_url})
    assert "python3 -c 'import secrets; print(secrets.token_hex(32))'" in str(refused.value), "a command Debian has"
    strong = STRONG_KEY
    monkeypatch.setenv("SECRET_KEY", strong)
    monkeypatch.setattr(Config, "SECRET_KEY", strong)
    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url})
    assert app.config["SECRET_KEY"] == strong
    with app.app_context():
        db.engine.dispose()


def test_scorecard_env_names_a_configuration_for_serving_only(db_url, monkeypatch):
    """SCORECARD_ENV=testing served on PostgreSQL with the test suite's published secret, plain-http cookies and
    cheap password hashes, replacing the operator's SECRET_KEY without a word."""
    for name in ("testing", "prod"):
        monkeypatch.setenv("SCORECARD_ENV", name)
        with pytest.raises(RuntimeError, match=f"SCORECARD_ENV is '{name}'; it is one of 'production', 'development'"):
            create_app({"SQLALCHEMY_DATABASE_URI": db_url, "SECRET_KEY": "x"})


def test_the_api_rate_limits_wait_for_redis_no_longer_than_the_cache_does(db_url, caplog):
    """A Redis that stopped answering held each API request up 5-10 s (the limiter waited for the system's
    timeouts; measured 10.1, 5.0, 5.0 s). A server that accepts connections and never answers stands for it."""
    import socket
    import time

    from scorecard.api.tokens import create_token

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)  # connections complete in the kernel's backlog; nothing ever answers
    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "SECRET_KEY": "x", "TESTING": True,
                      "REDIS_URL": f"redis://127.0.0.1:{silent.getsockname()[1]}/0", "REDIS_TIMEOUT_SECONDS": 0.5})
    assert app.config["RATELIMIT_STORAGE_OPTIONS"] == {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    with app.app_context():
        user = User(email="api@test.gov", role=Role.viewer)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        secret = create_token(db.session, user, scope="read")[1]
    client = app.test_client()
    for _ in range(3):
        started = time.perf_counter()
        response = client.get("/api/v1/commitments", headers={"Authorization": f"Bearer {secret}"})
        waited = time.perf_counter() - started
        assert response.status_code in (200, 403) and waited < 2.5, f"{response.status_code} after {waited:.1f} s"
    said = [r for r in caplog.records if r.name == "flask-limiter"]
    assert said, "the limiter says its store is not answering"
    for record in said:  # in a line, a warning: an ERROR with a traceback set off every alert on them
        assert record.levelname == "WARNING" and not record.exc_info and "\n" not in record.getMessage()
    silent.close()
    with app.app_context():
        db.engine.dispose()
    alone = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "SECRET_KEY": "x", "TESTING": True,
                        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0", "REDIS_TIMEOUT_SECONDS": 0.5})
    assert alone.config["RATELIMIT_STORAGE_OPTIONS"] == {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}, (
        "a Redis named for the limits alone waits as long")
    with alone.app_context():
        db.engine.dispose()


def test_the_limiter_swallowing_a_redis_error_says_so_in_a_line_not_an_error_with_a_traceback(app, caplog):
    """Redis frozen under load: flask-limiter logged "Failed to rate limit. Swallowing error" as an ERROR with
    the traceback, the only tracebacks of the outage (the app says its cache or jobs are not answering in a
    warning line), setting off every alert on ERROR or "Traceback"."""
    import logging

    import redis

    with caplog.at_level("INFO", logger="flask-limiter"):
        try:
            raise redis.exceptions.TimeoutError("Timeout reading from 127.0.0.1:6379")
        except redis.exceptions.TimeoutError:
            logging.getLogger("flask-limiter").exception("Failed to rate limit. Swallowing error")
    record = next(r for r in caplog.records if r.name == "flask-limiter")
    assert record.levelname == "WARNING" and not record.exc_info and "Traceback" not in caplog.text
    assert record.getMessage() == ("Failed to rate limit. Swallowing error (the rate limits' store is not answering: "
                                   "TimeoutError: Timeout reading from 127.0.0.1:6379); limits are counted in memory "
                                   "meanwhile")
    caplog.clear()
    with caplog.at_level("INFO", logger="flask-limiter"):
        try:
            raise ValueError("a fault of the limiter's own")
        except ValueError:
            logging.getLogger("flask-limiter").exception("Failed to rate limit. Swallowing error")
    record = next(r for r in caplog.records if r.name == "flask-limiter")
    assert record.levelname == "ERROR" and record.exc_info, "anything but the store not answering stays an error"


def test_a_form_posted_over_plain_http_to_a_secure_site_says_to_use_https(db_url, monkeypatch):
    """The Secure session cookie never comes back over http, so signing in failed with 'The CSRF session token is
    missing.', which pointed nowhere near the cause."""
    monkeypatch.delenv("SCORECARD_ENV", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "SECRET_KEY": "x"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    for scheme, says_https in (("http", True), ("https", False)):
        client = app.test_client()
        base = f"{scheme}://scorecard.example.gov"
        page = client.get(f"{base}/auth/login").get_data(as_text=True)
        assert ('id="plain-http"' in page) is says_https, "the sign-in page says it before the form is filled in"
        if scheme == "http":  # as a browser does: a Secure cookie sent over http is not kept
            client = app.test_client()
        refused = client.post(f"{base}/auth/login", headers={"Referer": f"{base}/auth/login"},
                              data={"email": "nobody@test.gov", "password": "guess-guess-guess",
                                    "csrf_token": csrf_token(page)})
        words = refused.get_data(as_text=True)
        if says_https:
            assert refused.status_code == 400 and "This site works over HTTPS only" in words, words[:300]
            assert "CSRF session token" not in words
        else:
            assert refused.status_code == 401 and "HTTPS only" not in words
    with app.app_context():
        db.engine.dispose()


def test_a_refused_forms_reason_is_logged_for_the_operator(db_url, monkeypatch, caplog):
    """A proxy that passes on its own Host refused every sign-in over HTTPS ("the referrer does not match the
    host"); the page says only that the form could not be checked, and no log said why."""
    monkeypatch.delenv("SCORECARD_ENV", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "SECRET_KEY": "x"})
    client = app.test_client()
    base = "https://scorecard.example.gov"
    page = client.get(f"{base}/auth/login").get_data(as_text=True)
    with caplog.at_level("WARNING", logger="scorecard.errors"):
        refused = client.post(f"{base}/auth/login", headers={"Referer": "https://127.0.0.1:8000/auth/login"},
                              data={"email": "nobody@test.gov", "password": "guess-guess-guess",
                                    "csrf_token": csrf_token(page)})
    assert refused.status_code == 400 and "referrer" not in refused.get_data(as_text=True)
    [said] = [r.getMessage() for r in caplog.records if r.name == "scorecard.errors"]
    assert said.startswith("form refused, POST /auth/login: The referrer does not match the host. (behind a "
                           "proxy: does it pass on the Host header"), said
    with app.app_context():
        db.engine.dispose()


def test_the_dashboards_reload_check_is_refused_as_json_like_their_callbacks(client):
    callback = client.post("/dashboards/_dash-update-component", json={})
    for response in (client.get("/dashboards/_reload-hash"), callback):
        assert response.status_code == 401 and response.is_json and response.get_json()["error"] == "Please sign in"


REFUSED_ENV = "Error: SCORECARD_ENV is 'testing'; it is one of 'production', 'development' (production when it " \
              "is not set)."


def _command_line(tmp_path, *args):
    import os
    import subprocess
    import sys

    env = dict(os.environ, SCORECARD_ENV="testing", DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    return subprocess.run([sys.executable, "-m", "scorecard.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120)


def test_the_command_line_says_a_refused_setting_in_a_line_not_a_traceback(tmp_path):
    done = _command_line(tmp_path, "db", "upgrade")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip() == REFUSED_ENV


def test_the_command_lines_help_says_a_refused_setting_in_a_line_and_still_helps(tmp_path):
    done = _command_line(tmp_path, "--help")
    assert "Traceback" not in done.stderr and done.stderr.strip() == REFUSED_ENV
    assert done.returncode == 0 and "Usage: " in done.stdout and "run " in done.stdout


def test_a_database_that_cannot_be_reached_is_said_in_a_line_not_a_traceback(tmp_path):
    """`scorecard db upgrade` before the database was created (or with it stopped) printed forty lines of
    traceback, what the server answered at their foot."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, SCORECARD_ENV="development", SECRET_KEY=STRONG_KEY,
               DATABASE_URL="postgresql://scorecard@127.0.0.1:9/scorecard")  # nothing listens on port 9
    done = subprocess.run([sys.executable, "-m", "scorecard.cli", "db", "upgrade"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-800:]
    assert done.stderr.startswith("Error: the database (DATABASE_URL) could not be reached (connection failed:")
    assert "port 9 failed" in done.stderr and "createdb" in done.stderr


@pytest.mark.parametrize("setting, value, said", [
    ("SCORECARD_MAX_UPLOAD_MB", "25MB", "SCORECARD_MAX_UPLOAD_MB is '25MB'; it is a whole number from 1 to 1,000,000"),
    ("SCORECARD_SESSION_IDLE_MINUTES", "30m", "SCORECARD_SESSION_IDLE_MINUTES is '30m'"),
    ("SCORECARD_TRUSTED_PROXIES", "yes", "SCORECARD_TRUSTED_PROXIES is 'yes'"),
    ("SCORECARD_REDIS_TIMEOUT_SECONDS", "nan", "it is a number from 0.1 to 315,360,000"),
    ("SCORECARD_BRIEFING_KEEP_HOURS", "inf", "SCORECARD_BRIEFING_KEEP_HOURS is 'inf'; it is a number from 0 to 87,600"),
    ("SCORECARD_LOGIN_WINDOW_HOURS", "99999999999", "SCORECARD_LOGIN_WINDOW_HOURS is '99999999999'"),
    ("SCORECARD_SMTP_PORT", "99999", "SCORECARD_SMTP_PORT is '99999'; it is a whole number from 1 to 65,535"),
    ("SCORECARD_UMASK", "rw", "SCORECARD_UMASK is 'rw'; it is an octal mask"),
    ("SCORECARD_API_IMPORT_WAITERS", "two", "SCORECARD_API_IMPORT_WAITERS is 'two'"),
    ("SCORECARD_API_RATE_LIMIT", "lots", "SCORECARD_API_RATE_LIMIT is 'lots'; it is a rate such as"),
    ("SCORECARD_UPLOAD_STORAGE", "ftp://x", "SCORECARD_UPLOAD_STORAGE is 'ftp://x'; it is empty"),
    ("SCORECARD_CACHE_TYPE", "Nope", "SCORECARD_CACHE_TYPE is 'Nope'; it is SimpleCache"),
    # Flask-Caching took Redis's default, localhost:6379: on a web host, no cache or another host's
    ("SCORECARD_CACHE_TYPE", "RedisCache", "SCORECARD_CACHE_TYPE is RedisCache: SCORECARD_CACHE_REDIS_URL (or "),
    # Flask-Caching's others need settings of their own: a Sentinel cache failed every call unseen, a module's
    # name (rediscache) stopped the start with a TypeError
    ("SCORECARD_CACHE_TYPE", "RedisSentinelCache", "SCORECARD_CACHE_TYPE is 'RedisSentinelCache'; it is SimpleCache"),
    ("SCORECARD_CACHE_TYPE", "rediscache", "SCORECARD_CACHE_TYPE is 'rediscache'; it is SimpleCache"),
    # read when mail was sent: the start passed, and the first reminders failed hours later
    ("SCORECARD_SMTP_TLS", "maybe", "SCORECARD_SMTP_TLS is 'maybe'; use one of starttls, ssl, none."),
    ("SCORECARD_TIMEZONE", "Eastern", "SCORECARD_TIMEZONE is 'Eastern'; it is an IANA time zone such as"),
    ("SCORECARD_TIMEZONE", "../../etc/passwd", "SCORECARD_TIMEZONE is '../../etc/passwd'; it is an IANA time zone"),
    ("SCORECARD_TIMEZONE", "America", "SCORECARD_TIMEZONE is 'America'; it is an IANA time zone"),  # a folder
    ("SCORECARD_TIMEZONE", "x" * 300, "SCORECARD_TIMEZONE is 'xxxxxxxxxx"),  # longer than a file name may be
    ("SCORECARD_TIMEZONE", "localtime", "SCORECARD_TIMEZONE is 'localtime'; it is an IANA time zone"),
    ("SCORECARD_TIMEZONE", "", "SCORECARD_TIMEZONE is ''; it is an IANA time zone"),
    ("SCORECARD_BASE_URL", "scorecard.agency.gov", "SCORECARD_BASE_URL is 'scorecard.agency.gov'; it is the address"),
    ("SCORECARD_REDIS_URL", "redis//:s3cret@redis.internal:6379/0",
     "SCORECARD_REDIS_URL is 'redis//:***@redis.internal:6379/0'; it is a Redis address"),
    ("SCORECARD_REDIS_URL", "redis//:p@ss@redis.internal:6379/0",  # the password holds an "@": all of it hidden
     "SCORECARD_REDIS_URL is 'redis//:***@redis.internal:6379/0'; it is a Redis address"),
    ("SCORECARD_CACHE_REDIS_URL", "redis://user:pw@redis.internal:99999", "is 'redis://user:***@redis.internal:99999'"),
    ("SCORECARD_REDIS_URL", "redis://redis.internal:99999/0", "SCORECARD_REDIS_URL is 'redis://redis.internal:99999/0'"),
    ("SCORECARD_CACHE_REDIS_URL", "redis.internal:6379", "SCORECARD_CACHE_REDIS_URL is 'redis.internal:6379'; it is a"),
    ("SCORECARD_RATELIMIT_STORAGE_URI", "redis//redis.internal",
     "SCORECARD_RATELIMIT_STORAGE_URI is 'redis//redis.internal'"),
    # an address SQLAlchemy cannot read, or a database it has no driver for here: every worker failed as it booted
    ("DATABASE_URL", "postgresql//scorecard:s3cret@db.internal:5432/scorecard",
     "DATABASE_URL is 'postgresql//scorecard:***@db.internal:5432/scorecard'; it is an address such as postgresql://"),
    ("DATABASE_URL", "mysql://scorecard@db.internal/scorecard", "CX Scorecard runs on PostgreSQL or SQLite"),
    ("DATABASE_URL", "postgresql+psycopg2://s@db.internal/x", "its driver (postgresql+psycopg2) is not installed"),
    ("DATABASE_URL", "postgresql://scorecard@db.internal:99999/x", "its port 99999 is not one (1 to 65535)"),
    # libpq reads its options at each connection: one it cannot read answered every request 500 with a traceback
    ("DATABASE_URL", "postgresql://s:pw@db.internal/x?connect_timeout=10s",
     ":***@db.internal/x?connect_timeout=10s': its connect_timeout='10s' is not a "
     "whole number"),
    ("DATABASE_URL", "postgresql://s@db.internal/x?tcp_user_timeout=5s", "its tcp_user_timeout='5s' is not a whole"),
    ("DATABASE_URL", "postgresql://s@db.internal/x?sslmode=bogus", "its sslmode='bogus' is none of disable, allow"),
    ("DATABASE_URL", "postgresql://s@db.internal/x?conect_timeout=5", "libpq refuses its query: "),
    # read by the factory on PostgreSQL only, it failed every gunicorn worker as it booted
    ("SCORECARD_DB_POOL_SIZE", "abc", "SCORECARD_DB_POOL_SIZE is 'abc'; it is a whole number from 1"),
    ("SCORECARD_DB_MAX_OVERFLOW", "-3", "SCORECARD_DB_MAX_OVERFLOW is '-3'; it is a whole number from 0"),
])
def test_a_setting_the_app_cannot_read_stops_it_naming_the_variable(tmp_path, setting, value, said):
    """A malformed number crashed the start with "invalid literal for int()" under a traceback; a malformed API
    rate limit was swallowed by the limiter on every request (nothing limited), an upload storage that is
    not s3:// silently kept each host's uploads on that host, and a Redis address without its redis:// stopped
    every gunicorn worker with a traceback as it booted. Each stops the start, in a line naming it."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "SCORECARD_ENV": "development", "DATABASE_URL": f"sqlite:///{tmp_path}/db/x.db",
           setting: value}
    scorecard = Path(sys.executable).with_name("scorecard")
    done = subprocess.run([str(scorecard), "db", "current"], env=env, capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)
    assert done.returncode != 0
    assert said in done.stderr and "Traceback" not in done.stderr, done.stderr[-800:]
    assert not (tmp_path / "db").exists(), "refused before anything is written (the database file, its folder)"
    # gunicorn's master says it in one line too, not a traceback from every worker
    gunicorn = Path(sys.executable).with_name("gunicorn")
    served = subprocess.run([str(gunicorn), "-c", "python:scorecard.gunicorn_conf", "--check-config", "wsgi:app"],
                            env={**env, "SCORECARD_ENV": "production", "SECRET_KEY": STRONG_KEY},
                            capture_output=True, text=True, timeout=120, cwd=Path(__file__).parents[1])
    assert served.returncode != 0 and said in served.stderr and "Traceback" not in served.stderr, served.stderr[-800:]


@pytest.mark.parametrize("environment, address, said", [
    ("production", "ftp://scorecard.agency.gov", "it is the address people open the site at"),
    ("production", "https://scorecard.agency.gov/?x=1", "without a query"),
    ("production", "https://scorecard.agency.gov/cx/", None),
    ("development", "http://127.0.0.1:8050", None),
    ("production", "", None),  # not set: the reminders refuse to go out and say so
    ("production", "HTTPS://Scorecard.agency.gov/", None),
    ("production", "https://scorecard.agency.gov:99999", "it is the address people open the site at"),
    ("production", "https://someone:secret@scorecard.agency.gov", "without a query or a user name"),
])
def test_the_site_address_is_one_people_can_open(environment, address, said):
    """Reminders and briefings link to SCORECARD_BASE_URL: a value that is not a web address stops the start,
    and one the start lets through is one the reminders use (an address in capitals was "not set" to them)."""
    from scorecard.config import base_url_problem, site_base_url
    from scorecard.reminders.services import Settings

    config = {"BASE_URL": address, "ENVIRONMENT": environment, "REMIND_DUE_DAYS": 14, "REMIND_STALE_DAYS": 30,
              "ESCALATE_STALE_DAYS": 60}
    problem = base_url_problem(config)
    assert (problem is None) if said is None else (said in (problem or "")), problem
    if address and problem is None:
        assert Settings.from_config(config).base_url == site_base_url(config)
        assert site_base_url(config).startswith(("https://", "http://")) and not site_base_url(config).endswith("/")


@pytest.mark.parametrize("environment, key, said", [
    ("production", "changeme", "SECRET_KEY is a published or common value"),
    ("production", None, "SECRET_KEY is required outside the single-machine mode"),
    # development settings on a shared deployment (PostgreSQL): its key was never checked, and a key of 3
    # characters let anyone sign a device cookie for every sign-in attempt (never slowed down)
    ("development", "abc", "SECRET_KEY is 3 characters long; a shared key needs at least 32"),
])
def test_gunicorns_master_refuses_a_missing_or_weak_secret_key_in_one_line(tmp_path, environment, key, said):
    """gunicorn printed "Listening", then every worker died with a traceback and gunicorn stopped with
    "Worker failed to boot": the master checks the key as the app does and says why, once."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "SCORECARD_REDIS_URL")}
    env.update(SCORECARD_ENV=environment, DATABASE_URL="postgresql://nobody@127.0.0.1:1/none")
    if key is not None:
        env["SECRET_KEY"] = key
    gunicorn = Path(sys.executable).with_name("gunicorn")
    served = subprocess.run([str(gunicorn), "-c", "python:scorecard.gunicorn_conf", "--check-config", "wsgi:app"],
                            env=env, capture_output=True, text=True, timeout=120, cwd=Path(__file__).parents[1])
    assert served.returncode != 0 and said in served.stderr, served.stderr[-800:]
    assert "Traceback" not in served.stderr and served.stderr.count(said) == 1, served.stderr[-800:]


def test_gunicorn_says_when_it_serves_development_settings(tmp_path):
    """SCORECARD_ENV=development under gunicorn started without a word, its session cookies without Secure
    behind a TLS proxy: it is taken (the tests serve so), and said once at the start."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "SCORECARD_REDIS_URL")}
    env.update(SCORECARD_ENV="development", DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    gunicorn = Path(sys.executable).with_name("gunicorn")
    served = subprocess.run([str(gunicorn), "-c", "python:scorecard.gunicorn_conf", "--check-config", "wsgi:app"],
                            env=env, capture_output=True, text=True, timeout=120, cwd=Path(__file__).parents[1])
    assert served.returncode == 0, served.stderr[-800:]
    assert served.stderr.count("Warning: SCORECARD_ENV is development: session cookies are sent without Secure") == 1


NEW_PASSWORD = "plum orchard lantern"


def _change_password(client, **data):
    page = client.get("/auth/password").get_data(as_text=True)
    return client.post("/auth/password", data={"csrf_token": csrf_token(page), **data})


def test_a_person_changes_their_own_password(app, client, make_user):
    """Only an administrator could set a password, which they had to pass on (not by e-mail) and then knew: a
    person could never make it their own. Anyone signed in changes theirs from the home page: their other
    sessions end, this one goes on, and it is audited (without the password)."""
    import html

    from scorecard.models import AuditEvent

    with app.app_context():
        make_user("viewer")
    other = app.test_client()
    assert sign_in(client, "viewer@test.gov", PASSWORD).status_code == 302
    assert sign_in(other, "viewer@test.gov", PASSWORD).status_code == 302
    assert 'href="/auth/password"' in client.get("/").get_data(as_text=True), "the home page leads there"
    done = _change_password(client, current=PASSWORD, password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    assert done.status_code == 303 and done.headers["Location"] == "/"
    home = html.unescape(client.get("/").get_data(as_text=True))
    assert "Your password is changed" in home, "this session goes on"
    assert other.get("/").status_code == 302, "another session of theirs has ended"
    assert sign_in(app.test_client(), "viewer@test.gov", PASSWORD).status_code == 401
    assert sign_in(app.test_client(), "viewer@test.gov", NEW_PASSWORD).status_code == 302
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.password_change"))
        assert event is not None and event.after == {"sessions_ended": True}


@pytest.mark.parametrize("data, field, message", [
    ({"current": "not my password at all", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
     "current", "That is not your current password."),
    ({"current": PASSWORD, "password": "short", "confirm": "short"}, "password", "at least 12 characters"),
    ({"current": PASSWORD, "password": PASSWORD, "confirm": PASSWORD}, "password", "the current one"),
    ({"current": PASSWORD, "password": NEW_PASSWORD, "confirm": "plum orchard"}, "confirm",
     "The two new passwords differ."),
    ({"current": "", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, "current", "Enter your current password."),
])
def test_a_password_change_refused_says_why_at_its_field(app, client, make_user, data, field, message):
    with app.app_context():
        make_user("leader")
    sign_in(client, "leader@test.gov", PASSWORD)
    refused = _change_password(client, **data)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert re.search(rf'id="{field}-error"[^>]*>[^<]*{re.escape(message)}', page), page[-3000:]
    assert client.get("/").status_code == 200, "still signed in"
    assert sign_in(app.test_client(), "leader@test.gov", PASSWORD).status_code == 302, "nothing changed"


def test_changing_a_password_needs_a_sign_in(client):
    assert client.get("/auth/password").status_code == 302


def test_every_problem_of_a_password_change_is_said_at_once(app, client, make_user):
    with app.app_context():
        make_user("analyst")
    sign_in(client, "analyst@test.gov", PASSWORD)
    page = _change_password(client, current="not my password at all", password="short", confirm="other")
    said = page.get_data(as_text=True)
    for field, message in (("current", "That is not your current password."),
                           ("password", "at least 12 characters"), ("confirm", "The two new passwords differ.")):
        assert re.search(rf'id="{field}-error"[^>]*>[^<]*{re.escape(message)}', said), field


def test_the_new_password_field_does_not_tell_whether_a_guess_is_the_current_one(app, client, make_user):
    """Given a wrong current password, the new password was still compared with the stored one, and "the new
    password is the current one" answered whether the guess typed there was the password; it is compared only
    when the current password was given right."""
    with app.app_context():
        make_user("viewer")
    sign_in(client, "viewer@test.gov", PASSWORD)
    page = _change_password(client, current="a wrong guess here", password=PASSWORD, confirm=PASSWORD)
    said = page.get_data(as_text=True)
    assert page.status_code == 400 and "That is not your current password." in said
    assert "the current one" not in said


def test_wrong_current_passwords_are_throttled_as_failed_sign_ins(app, client, make_user):
    """The current password could be guessed on the change page without end, unaudited, by anyone at a session
    left open; each wrong one now counts as a failed sign-in of the account, and past the limit the page waits
    (429) before it looks at the password, as signing in does."""
    from scorecard.models import AuditEvent

    with app.app_context():
        make_user("viewer")
    sign_in(client, "viewer@test.gov", PASSWORD)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert _change_password(client, current="a wrong guess here", password=NEW_PASSWORD,
                                confirm=NEW_PASSWORD).status_code == 400
    waited = _change_password(client, current=PASSWORD, password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    assert waited.status_code == 429 and int(waited.headers["Retry-After"]) >= 1
    assert re.search(r'id="current-error"[^>]*>[^<]*Too many wrong passwords', waited.get_data(as_text=True))
    assert client.get("/").status_code == 200, "still signed in"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "user.password_change_failed")) == app.config["LOGIN_MAX_FAILURES"]
        assert not db.session.scalar(sa.select(User).where(User.email == "viewer@test.gov")).check_password(
            NEW_PASSWORD), "nothing changed"


@pytest.mark.parametrize("command", [["unlock", "viewer@demo.cx.gov"], ["evaluate"],
                                     ["create-user", "a@b.gov", "--role", "admin"]])
def test_a_command_on_a_database_never_migrated_says_to_migrate_naming_the_database(tmp_path, command):
    """`scorecard unlock` (or any command but `db upgrade`) on an empty database printed a traceback with the
    statement it failed on: an operator who forgot to load the settings met it on a stray SQLite file."""
    import os
    import subprocess
    import sys

    database = tmp_path / "empty.db"
    env = dict(os.environ, SCORECARD_ENV="development", DATABASE_URL=f"sqlite:///{database}",
               SCORECARD_PASSWORD="a long enough password 1")
    done = subprocess.run([sys.executable, "-m", "scorecard.cli", *command], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-800:]
    assert done.stderr.strip() == (f"Error: the database has none of the app's tables: run `scorecard db upgrade` "
                                   f"(the database is sqlite:///{database}: if that is not the one meant, set "
                                   "DATABASE_URL).")


@pytest.fixture(scope="module")
def behind_the_release(tmp_path_factory) -> tuple:
    """A SQLite database migrated to revision 0021 only (made once: each test copies it), and the release's head."""
    import os
    import subprocess
    import sys

    database = tmp_path_factory.mktemp("behind") / "behind.db"
    env = dict(os.environ, SCORECARD_ENV="development", DATABASE_URL=f"sqlite:///{database}")
    scorecard = [sys.executable, "-m", "scorecard.cli"]
    assert subprocess.run([*scorecard, "db", "upgrade", "0021"], env=env, capture_output=True,
                          timeout=120).returncode == 0
    head = subprocess.run([*scorecard, "db", "heads"], env=env, capture_output=True, text=True,
                          timeout=120).stdout.split()[0]
    return database, head


@pytest.mark.parametrize("command", [["evaluate"], ["remind", "--dry-run"], ["create-user", "a@b.gov", "--role",
                                                                              "admin"], ["worker"]])
def test_a_command_on_a_database_behind_the_release_is_refused_before_it_writes(tmp_path, command,
                                                                                behind_the_release):
    """`evaluate`, `remind` and `create-user` (cron's commands, during a deploy) ran on a database at an older
    revision, with this release's code: they are refused, saying so, and nothing is written; `--help` and the
    commands of no data (`db current`, `template`) still run."""
    import os
    import sqlite3
    import subprocess
    import sys

    database = tmp_path / "behind.db"
    shutil.copyfile(behind_the_release[0], database)
    head = behind_the_release[1]
    env = dict(os.environ, SCORECARD_ENV="development", DATABASE_URL=f"sqlite:///{database}",
               SCORECARD_PASSWORD="a long enough password 1")
    scorecard = [sys.executable, "-m", "scorecard.cli"]
    done = subprocess.run([*scorecard, *command], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-800:]
    assert done.stderr.strip() == (f"Error: the database is at revision 0021 and this release needs {head}: run "
                                   f"`scorecard db upgrade` (the database is sqlite:///{database}: if that is not the "
                                   "one meant, set DATABASE_URL)."), done.stderr
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM users").fetchone() == (0,)
        assert connection.execute("SELECT count(*) FROM findings").fetchone() == (0,)
    harmless = [[*command[:1], "--help"]]
    if command == ["evaluate"]:  # the commands of no data, once
        harmless += [["db", "current"], ["template", "metrics", "--out", str(tmp_path / "t.xlsx")]]
    for each in harmless:
        ran = subprocess.run([*scorecard, *each], env=env, capture_output=True, text=True, timeout=120)
        assert ran.returncode == 0, (each, ran.stderr[-500:])


def test_a_database_a_later_release_migrated_is_said_so_by_the_db_commands(tmp_path):
    """`scorecard db upgrade` on a database of a later release printed Alembic's "Can't locate revision
    identified by '0099'" alone."""
    import os
    import sqlite3
    import subprocess
    import sys

    database = tmp_path / "later.db"
    env = dict(os.environ, SCORECARD_ENV="development", DATABASE_URL=f"sqlite:///{database}")
    scorecard = [sys.executable, "-m", "scorecard.cli"]
    assert subprocess.run([*scorecard, "db", "upgrade"], env=env, capture_output=True, timeout=120).returncode == 0
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099'")
    for command in (["db", "upgrade"], ["db", "current"]):
        done = subprocess.run([*scorecard, *command], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 1 and done.stderr.strip() == (
            f"Error: the database (sqlite:///{database}) is at revision 0099, which this release's migrations do not "
            "hold: a later release migrated it. Run that release's `scorecard db` commands (`db downgrade` to go "
            "back to this release's revision), or point DATABASE_URL at this release's database."), done.stderr
    for command in (["db", "heads"], ["db", "history"], ["db", "show", "head"],
                    ["db", "-d", "migrations", "heads"]):  # of the release's migrations alone
        done = subprocess.run([*scorecard, *command], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0 and done.stdout.strip(), (command, done.stderr)
        if command == ["db", "history"]:
            assert "0001" in done.stdout, done.stdout


def test_a_connection_timeout_libpq_cannot_read_is_refused_at_the_start_naming_it(tmp_path):
    """PGCONNECT_TIMEOUT=abc (libpq's own setting, kept since it is no longer overridden) ended every command that
    connected in a traceback, "bad value for connect_timeout"."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, SCORECARD_ENV="development", DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}",
               PGCONNECT_TIMEOUT="abc")
    done = subprocess.run([sys.executable, "-m", "scorecard.cli", "evaluate"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-800:]
    assert "PGCONNECT_TIMEOUT is 'abc'; it is a whole number" in done.stderr, done.stderr


@pytest.mark.parametrize("command", [["evaluate"], ["db", "current"]])
def test_a_database_server_that_answers_nothing_is_said_unreachable_not_unmigrated(tmp_path, command):
    """A PostgreSQL server gone silent (stopped mid-failover: connections accepted, never answered) was said by
    `scorecard evaluate` as "the database has none of the app's tables: run `scorecard db upgrade`"."""
    import os
    import socket
    import subprocess
    import sys

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)  # the kernel completes each connection; nothing ever answers on it
        port = silent.getsockname()[1]
        env = dict(os.environ, SCORECARD_ENV="development", SECRET_KEY=STRONG_KEY,
                   DATABASE_URL=f"postgresql://scorecard@127.0.0.1:{port}/scorecard?connect_timeout=1")
        done = subprocess.run([sys.executable, "-m", "scorecard.cli", *command], env=env, capture_output=True,
                              text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-800:]
    assert done.stderr.startswith("Error: the database (DATABASE_URL) could not be reached ("), done.stderr
    assert "timeout expired" in done.stderr, done.stderr


def test_a_database_socket_that_is_not_there_is_said_unreachable(tmp_path):
    """A PostgreSQL address naming a socket folder with no server in it ended `scorecard db current` in a
    270-line traceback (psycopg puts "connection is bad:" before libpq's words)."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, SCORECARD_ENV="development", SECRET_KEY=STRONG_KEY,
               DATABASE_URL=f"postgresql://scorecard@/scorecard?host={tmp_path}")
    done = subprocess.run([sys.executable, "-m", "scorecard.cli", "db", "current"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-800:]
    assert done.stderr.startswith("Error: the database (DATABASE_URL) could not be reached (connection to server on "
                                  "socket"), done.stderr


@pytest.mark.parametrize("query, said", [
    ("?password=hunter2&bogus=1", "x?bogus=1&password=***': libpq refuses its query: invalid connection option "
                                  '"bogus".'),
    ("?sslpassword=leak3&sslmode=bogus", "sslpassword=***"), ("?pass%77ord=hunter2&bogus=1", "password=***"),
    ("?target_session_attrs=primary-only", 'libpq cannot read it: invalid target_session_attrs value: "primary-only"'),
    ("?gssencmode=bogus", 'libpq cannot read it: invalid gssencmode value: "bogus"'),
    ("?service=nosuch", 'libpq cannot read it: definition of service "nosuch" not found'),
    ("?hostaddr=notanip", 'invalid hostaddr value: "notanip" is no IP address'),
    ("?port=99999", "its port='99999' is not one (1 to 65535)"),
    ("?target_session_attrs=read-write&gssencmode=disable&sslmode=verify-full&sslrootcert=/x.crt", None),
    ("?connect_timeout=10&connect_timeout=20", "its option connect_timeout is given 2 times; give it once."),
    ("?connect_timeout=\u00b2", "its connect_timeout='\u00b2' is not a whole number"),
    ("?host=a&host=b&port=5432&port=5433", "its query cannot be read: Can't mix 'multihost' formats"),
    ("?host=a,b&port=5432,5433", None), ("?host=a:5432&host=b:5433", None), ("?host=/var/run/postgresql", None),
    ("?sslmode=require&connect_timeout=10&application_name=cx&options=-c%20statement_timeout%3D5000", None),
])
def test_a_postgresql_address_is_read_as_libpq_and_sqlalchemy_read_it(query, said):
    """The check of DATABASE_URL's query let an option given twice through (a traceback at each connection),
    read a superscript 2 as a number, refused SQLAlchemy's own multi-host form and showed a password given in
    the query."""
    from scorecard.config import database_problem

    problem = database_problem("postgresql://u:S3cret/Pw@127.0.0.1:1/x" + query)  # a "/" in it, as base64 makes
    if said is None:
        assert problem is None, problem
    else:
        assert problem is not None and said in problem and "S3cret" not in problem and "hunter2" not in problem \
            and "leak3" not in problem, \
            problem


def test_a_migration_that_fails_says_what_the_database_answered(tmp_path):
    """A migration's failing statement (a permission, a table not as expected) was said as "the database is at
    revision 0021 and this release needs 0022: run scorecard db upgrade", the command just run."""
    import os
    import sqlite3
    import subprocess
    import sys

    database = tmp_path / "behind.db"
    env = dict(os.environ, SCORECARD_ENV="development", DATABASE_URL=f"sqlite:///{database}")
    run = [sys.executable, "-m", "scorecard.cli", "db", "upgrade"]
    assert subprocess.run([*run, "0021"], env=env, capture_output=True, timeout=120).returncode == 0
    with sqlite3.connect(database) as connection:
        connection.execute("DROP TABLE functions")  # what revision 0022 writes to
    done = subprocess.run(run, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-800:]
    said = done.stderr.strip().splitlines()[-1]
    assert said.startswith("Error: the migration failed: the database answered OperationalError: no such table: "
                           "functions"), said
    assert "run `scorecard db upgrade`" not in said


@pytest.mark.parametrize("command", [["evaluate"], ["db", "upgrade"]])
def test_a_file_that_is_not_a_database_is_said_in_a_line(tmp_path, command):
    """DATABASE_URL naming a file that is not SQLite's printed 155 lines of traceback."""
    import os
    import subprocess
    import sys

    database = tmp_path / "garbage.db"
    database.write_text("garbage\n" * 100)
    env = dict(os.environ, SCORECARD_ENV="development", DATABASE_URL=f"sqlite:///{database}")
    done = subprocess.run([sys.executable, "-m", "scorecard.cli", *command], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-800:]
    assert done.stderr.strip().startswith("Error: the file DATABASE_URL names is not a SQLite database"), done.stderr
