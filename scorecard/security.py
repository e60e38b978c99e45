"""Deny by default, sessions that end, and the headers every response carries.

- Every request needs a signed-in user unless its endpoint is public (`PUBLIC_ENDPOINTS`).
- A session's id is the user's id and their current session token (`User.get_id`); the user
  loader refuses any other token, so signing out (a new token) ends the session on the server
  and a copied cookie stops working. A session also ends after SESSION_IDLE_MINUTES without a
  request and SESSION_MAX_HOURS after signing in (800-53 AC-12).
- Security headers are set here rather than by Flask-Talisman: the Content-Security-Policy must
  carry the hashes of Dash's inline scripts and of the templates' own inline scripts, computed
  from the running app, and Talisman's HTTPS redirect and per-view options would only be switched
  off again (the TLS load balancer redirects; tests and `make run` serve plain http).
- Text fields refuse bidirectional control characters (U+202A-U+202E, U+2066-U+2069), which
  can make text read differently from what is stored: `BaseForm` checks every text field of a
  form and names the field in its message, shown in place with what was typed kept (sign-in,
  users, commitments, capacity assessments, API tokens, rule drafts, uploads); a form posted to a
  view whose forms do not derive from it (rating decisions) is refused with a 400 that names the field.
- A query string or form holding a character no text column keeps (NUL, an unpaired surrogate, or
  another control character but tab and line breaks; scorecard.text) is refused with a 400 that names
  the field (the REST API: a 422, by its own parser).
- A body sent in chunks (without Content-Length) beyond MAX_CONTENT_LENGTH is refused (413) as one that
  states its length is (`Request`), not read cut at the limit.
- The SQLite database file and the upload folder are readable by the owner only.
"""
import base64
import hashlib
import hmac
import logging
import os
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import flask
import sqlalchemy as sa
from flask import abort, current_app, flash, g, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix
from wtforms import FileField, HiddenField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import StopValidation, ValidationError

from scorecard.extensions import db, login_manager
from scorecard.models import AuditEvent, User
from scorecard.navigation import FOOTER, current_item, footer_links, function_page, nav_items, program_page
from scorecard.permissions import can
from scorecard.text import (
    BIDI_CONTROLS,
    BREAKS,
    UNKEPT,
    bidi_problem,
    counted,
    line_breaks,
    listed,
    shown,
    unkept_character,
    unkept_field,
    words,
)

PUBLIC_ENDPOINTS = frozenset({"auth.login", "static", "main.healthz", "main.accessibility"})

# Session keys: when the user signed in, and when the session last made a request (epoch seconds).
SIGNED_IN_AT = "_signed_in_at"
SEEN_AT = "_seen_at"
SEEN_RESOLUTION = 30  # seconds: the last-seen time is rewritten at most this often

# ---------------------------------------------------------------------------- text fields

# Blueprints whose every form derives from BaseForm: their views show the field's message in place,
# with what was typed kept, so the request-level checks (a direction control, a character no column keeps)
# leave their forms to it. Elsewhere the form is refused with 400 naming the field.
INLINE_CHECKED_BLUEPRINTS = frozenset({"auth", "admin", "commitments", "capacity", "api_tokens", "rules", "imports",
                                       "plans"})


def no_bidi_controls(form, field) -> None:
    """WTForms validator: refuse text holding a bidirectional control character."""
    code = bidi_problem(field.data)
    if code:
        raise ValidationError(f"{field.label.text} contains a hidden text-direction character ({code}); "
                              "remove it and try again.")


NOTHING_SENT = "Nothing was sent for this field (the form sends it): open the page again and send the form from it."


def sent_at_all(form, field) -> None:
    """WTForms validator: a choice whose absence would be read as a value (a blank leader: none) is refused
    when a request leaves it out (a browser always sends a select), not saved as that value. A hand-made POST
    without `leader_id` cleared a commitment's leader."""
    if field.raw_data == []:  # the form was sent, without this field
        raise StopValidation(NOTHING_SENT)


def sent_once(form, field) -> None:
    """WTForms validator: a field of one value sent more than once (a hand-made request) is refused,
    not read as its first value."""
    if field.raw_data and len(field.raw_data) > 1:
        raise StopValidation(f"This field was sent {len(field.raw_data)} times; a form sends it once. Open the page "
                             "again and send the form from it.")


class _Counts(str):
    """A message WTForms fills in with `%` (its numbers as `%d`), written with thousands separators as the
    pages' other messages are ("10,250 characters", not "10250")."""

    def __mod__(self, values: dict) -> str:
        return self.format(**{name: f"{value:,}" for name, value in values.items()})


class _Words:
    """WTForms' own messages in the pages' words, where its words named nothing ("Field cannot be longer
    than 300 characters." beside a title 412 characters long): WTForms asks its forms' translations for
    them, so every form says them alike."""

    LONGER = _Counts("This is {length} characters long; it takes at most {max}.")
    WORDS = {"Field cannot be longer than %(max)d character.": LONGER,
             "Field cannot be longer than %(max)d characters.": LONGER}

    def gettext(self, text: str) -> str:
        return self.WORDS.get(text, text)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


class BaseForm(FlaskForm):
    """The base of every form: CSRF-protected (FlaskForm), every text field (StringField and its
    kinds: text areas, e-mail, search, password ...) refuses bidirectional control characters,
    every field of one value refuses being sent twice, and it reads every line break ("\\r\\n", a lone "\\r",
    Word's line and page breaks) as "\\n" (scorecard.text.line_breaks), as the API and the imports do."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return _Words()

        def wrap_formdata(self, form, formdata):
            data = super().wrap_formdata(form, formdata)
            if data is None or not any(isinstance(v, str) and BREAKS.search(v) for _, v in data.items(multi=True)):
                return data
            return MultiDict([(name, line_breaks(value)) for name, value in data.items(multi=True)])

    def process(self, *args, **kwargs):
        for field in self._fields.values():  # before the values are read: said naming each one refused
            if isinstance(field, SelectMultipleField):  # unless the form words it itself
                field.invalid_choice_message = field.invalid_choice_message or NOT_CHOICES
                field.invalid_value_message = field.invalid_value_message or NOT_CHOICES
        super().process(*args, **kwargs)

    def validate(self, extra_validators=None):
        if self._refused_unkept():
            return False
        extra = {name: list((extra_validators or {}).get(name, ())) for name in self._fields}
        for name, field in self._fields.items():
            if not isinstance(field, SelectMultipleField):
                extra[name].insert(0, sent_once)
            if isinstance(field, StringField):
                extra[name].append(no_bidi_controls)
        valid = super().validate(extra_validators=extra)
        if not valid:
            self._name_values_sent()
        return valid

    def _refused_unkept(self) -> bool:
        """Whether a text field holds a character no text column keeps (scorecard.text: a NUL, another
        control character, an unpaired surrogate): then that is each such field's message, naming the
        character, and nothing else is checked. Said before any validator reads the text: one asking the
        database for a title of the same name failed on PostgreSQL, which refuses a NUL, as a 500.

        The text is shown again without those characters (a browser shows none of them, and turns a
        NUL in a page into U+FFFD, a character that is kept): the person checks it and sends it again. A
        hidden field holding one was not typed: the form is to be opened again."""
        refused = False
        for field in self._fields.values():
            code = unkept_character(field.data) if isinstance(field, StringField) else None
            if not code:
                continue
            refused = True
            if isinstance(field, HiddenField):
                field.errors = [f"The form holds {words(code)} in a field it keeps hidden, which a page does not "
                                "send: open the page again and send the form from it."]
                continue
            if isinstance(field, PasswordField):  # never shown again: nothing to take out of
                field.errors = [f"{field.label.text} holds {words(code)}, which cannot be kept."]
                continue
            field.data = UNKEPT.sub("", field.data)
            field.errors = [f"{field.label.text} held {words(code)}, which cannot be kept: it is taken out of the "
                            "text shown here. Check the text and send the form again."]
        if refused:
            self._errors = None  # Form.errors is read from the fields again
        return refused

    def _name_values_sent(self) -> None:
        """Each message of a field that refused a value names the value sent ("Not a valid choice."
        says which), unless it does already; never a password's, a file's or the CSRF token's. A multiple
        choice names every value it refused (_not_choices); a choice left out of the request says none was sent
        (NOTHING_SENT: a browser always sends one)."""
        for field in self._fields.values():
            if isinstance(field, SelectMultipleField):
                if NOT_CHOICES in field.errors:
                    field.errors = [_not_choices(field)] + [m for m in field.errors if m != NOT_CHOICES]
                continue
            if field.errors and isinstance(field, SelectField) and field.raw_data == []:  # left out of a made request
                field.errors = [NOTHING_SENT]  # said once, not beside "Not a valid choice." or "required"
                continue
            # a single choice that is no id (WTForms could not read it): said as one not offered is
            field.errors = ["Not a valid choice." if m == NOT_AN_ID else m for m in field.errors]
            sent = field.raw_data[0] if field.errors and field.raw_data and len(field.raw_data) == 1 else None
            if not isinstance(sent, str) or not sent.strip() or isinstance(field, (PasswordField, FileField)) \
                    or field.name == "csrf_token":
                continue
            named = (f"'{sent}'", f"“{sent}”", f'"{sent}"', repr(sent))
            field.errors = [message if any(quoted in message for quoted in named)
                            else f"{message.rstrip('.')}: {_quoted(sent)} was sent." for message in field.errors]


NOT_AN_ID = "Invalid Choice: could not coerce."  # WTForms' words for a single choice its `coerce` refused

# What WTForms says of a multiple choice refusing values (one it could not read, as a number say, or one not
# offered), put in place of its own words ("Invalid choice(s): one or more data inputs could not be coerced.",
# naming none) and replaced by _not_choices, which names each.
NOT_CHOICES = "(values not among the choices)"


def _quoted(sent: str) -> str:
    """A value sent, quoted as the messages quote it: no character kept out of text, no direction control
    acting on the page, at most 80 characters."""
    text = sent if len(sent) <= 80 else sent[:80] + "…"
    return "“" + BIDI_CONTROLS.sub(lambda c: f"\\u{ord(c.group()):04x}", shown(text)) + "”"


def _not_choices(field) -> str:
    """A multiple choice's refusal naming each value it refused, in the order sent and once each, as a
    single choice's reads: "Not a valid choice: “99999” was sent.", "Not valid choices: “99999” and “abc”
    were sent."."""
    offered = set()
    for choice in field.iter_choices():
        try:
            offered.add(field.coerce(choice.value))
        except (ValueError, TypeError):
            continue
    refused = []
    for sent in field.raw_data or ():
        try:
            taken = field.coerce(sent) in offered
        except (ValueError, TypeError):
            taken = False
        if not taken and sent not in refused:
            refused.append(sent)
    if not refused:  # not expected: WTForms refused what it offers
        return "Not a valid choice."
    return (f"Not a valid choice: {_quoted(str(refused[0]))} was sent." if len(refused) == 1 else
            f"Not valid choices: {listed(_quoted(str(sent)) for sent in refused)} were sent.")


def _refuse_unkept_characters():
    """A query string or form holding a character no text column keeps (scorecard.text): 400 naming
    the parameter or field (a form of INLINE_CHECKED_BLUEPRINTS says it beside the field: BaseForm). The
    REST API checks its own (422 naming the parameter, as its document says of every bad value:
    scorecard.api.base.Parser). An address whose path holds one names no
    page or object: 404, on every route (a rule's key read from the path went to PostgreSQL as it was)."""
    if unkept_character(request.path):
        abort(404)
    if request.path.startswith("/api/"):
        return None
    fields = [request.args]
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data") \
            and request.blueprint not in INLINE_CHECKED_BLUEPRINTS:  # their forms say it beside the field
        fields.append(request.form)
    for given in fields:
        found = unkept_field(given)
        if found:
            name, code = found
            abort(400, description=f"The field “{shown(name[:80])}” holds {words(code)}, which cannot be kept. "
                                   "Remove it and send it again; nothing was saved.")
    return None


def _refuse_bidi_in_forms():
    """A form posted to a view outside INLINE_CHECKED_BLUEPRINTS: 400 naming the field."""
    if request.method not in ("POST", "PUT", "PATCH") or request.blueprint in INLINE_CHECKED_BLUEPRINTS:
        return None
    if request.mimetype not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return None
    for name, values in request.form.lists():
        for value in values:
            code = bidi_problem(value)
            if code:
                abort(400, description=f"The field “{name}” contains a hidden text-direction character ({code}). "
                                       "Remove it and send the form again; nothing was saved.")
    return None


# ---------------------------------------------------------------------------- the request's body

class Request(flask.Request):
    """Flask's request, whose body read whole is never cut short. A body sent in chunks (no Content-Length)
    is read up to MAX_CONTENT_LENGTH, and werkzeug stops there without a word: 30 MB of JSON rows sent so
    were parsed cut at 25 MB and refused as "Invalid JSON body: Unterminated string ... column 26213877",
    where one sent with its length was refused as too large (413). Read to the limit, a body with more
    after it is refused so (413)."""

    def get_data(self, cache: bool = True, as_text: bool = False, parse_form_data: bool = False):
        data = super().get_data(cache=cache, as_text=False, parse_form_data=parse_form_data)
        limit = self.max_content_length
        if (self.content_length is None and limit is not None and len(data) >= limit
                and self.environ["wsgi.input"].read(1)):  # the input beyond what werkzeug's limited stream read
            raise RequestEntityTooLarge()
        return data.decode(errors="replace") if as_text else data


# ---------------------------------------------------------------------------- the app

def init_app(app) -> None:
    app.request_class = Request
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    app.extensions["scorecard_csp"] = {"providers": [], "templates": None}
    app.before_request(refuse_long_urls)
    app.before_request(_require_login)
    app.before_request(_refuse_unkept_characters)
    app.before_request(_refuse_bidi_in_forms)
    app.jinja_env.globals["can"] = lambda action: can(current_user, action)
    app.jinja_env.globals["nav_items"] = lambda: nav_items(current_user)  # the header's links (scorecard.navigation)
    app.jinja_env.globals["nav_current"] = current_item
    app.jinja_env.globals["footer_text"] = FOOTER
    app.jinja_env.globals["footer_links"] = footer_links
    app.jinja_env.globals["program_page"] = program_page  # a program's and a function's dashboard pages
    app.jinja_env.globals["function_page"] = function_page
    app.jinja_env.globals["session_timer"] = session_timer
    app.before_request(_head_holds_flashes)
    app.after_request(_head_leaves_flashes)
    app.after_request(_security_headers)
    protect_files(app)


_UNSET = object()


def _head_holds_flashes():
    """A HEAD asks as a GET does and changes nothing, a message kept for the next page neither: a link checker's
    HEAD on a form page left "Batch 442 is rejected; only a committed import can be reverted" on the user's next
    page. Their messages as they were before the request (`_head_leaves_flashes` puts them back)."""
    if request.method == "HEAD":
        g.flashes_before = session.get("_flashes", _UNSET)


def _head_leaves_flashes(response):
    before = g.pop("flashes_before", None) if request.method == "HEAD" else None
    if before is not None and session.get("_flashes", _UNSET) != before:
        if before is _UNSET:
            session.pop("_flashes", None)
        else:
            session["_flashes"] = before
    return response


def trust_proxies(app) -> None:
    """Read the client's address and scheme from the TRUSTED_PROXIES proxies in front (ProxyFix): called
    last, so that it wraps every other middleware (the dashboards' warm answers read the scheme too)."""
    proxies = app.config.get("TRUSTED_PROXIES", 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    else:
        app.wsgi_app = ForwardedUnread(app.wsgi_app)


class ForwardedUnread:
    """With no proxy trusted, the first request a proxy forwarded (X-Forwarded-Proto or -For) is said once, in a
    warning line: behind a TLS proxy left at SCORECARD_TRUSTED_PROXIES=0 the app reads every connection as the
    proxy's own, plain http from its address, and sends no HSTS, tells people on https they are on http and
    counts everyone's sign-in tries as one client's, without a word anywhere."""

    def __init__(self, app):
        self.app, self.said = app, False  # `app`, the application it wraps, as ProxyFix names it

    def __call__(self, environ, start_response):
        if not self.said and ("HTTP_X_FORWARDED_PROTO" in environ or "HTTP_X_FORWARDED_FOR" in environ):
            self.said = True
            logging.getLogger(__name__).warning(
                "a request came through a proxy (X-Forwarded-Proto %r, X-Forwarded-For %r) but "
                "SCORECARD_TRUSTED_PROXIES is 0: the app reads each connection as the proxy's (its scheme and "
                "address), so it sends no HSTS and counts every client's sign-in tries as the proxy's. Set it to the "
                "number of proxies in front (1 behind one TLS proxy); said once per process",
                environ.get("HTTP_X_FORWARDED_PROTO", "")[:20], environ.get("HTTP_X_FORWARDED_FOR", "")[:60])
        return self.app(environ, start_response)


def url_too_long() -> bool:
    """The request's URI (as the client sent it) is longer than MAX_URL_LENGTH."""
    sent = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.full_path
    return len(sent) > current_app.config["MAX_URL_LENGTH"]


def refuse_long_urls():
    if url_too_long():
        abort(414, f"The address is longer than {current_app.config['MAX_URL_LENGTH']:,} characters.")


@login_manager.user_loader
def _load_user(session_id: str):
    user_id, _, token = (session_id or "").partition(":")
    try:
        user = db.session.get(User, int(user_id))
    except ValueError:
        return None
    if user is None or not token or not user.session_token:
        return None
    return user if hmac.compare_digest(user.session_token, token) else None


def start_session(user: User) -> None:
    """Sign `user` in on a fresh session (nothing of the anonymous one is kept)."""
    session.clear()
    login_user(user)
    now = time.time()
    session[SIGNED_IN_AT] = now
    session[SEEN_AT] = now


def end_session(user: User | None = None) -> None:
    """Sign out; with `user`, end every session of theirs on the server too (a new session token)."""
    if user is not None:
        user.end_sessions()
        db.session.commit()
    logout_user()
    session.clear()


def wants_json() -> bool:
    """Whether the request is the dashboards' own (callbacks, the reload check) or sends JSON: its
    errors are answered as JSON, not as a page."""
    return ("/_dash-" in request.path or "/_reload-hash" in request.path or request.is_json
            # the session timer's address, by path: a method it does not take (PUT) matches no endpoint
            or request.path == url_for(SESSION_STATE))


def _require_login():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if g.get("api_token") is not None:  # a REST API request: its bearer token is its sign-in
        return None
    ended = None
    if current_user.is_authenticated:
        ended = _session_ended()
        if ended is None:
            return None
        _record_timeout(ended)
        logout_user()
        session.clear()
        flash(ended_message(ended), "info")
    if request.endpoint == "auth.logout":  # signing out of a session that had ended already: done
        if ended is None:
            flash("You are signed out.", "info")
        return redirect(url_for("auth.login"))
    if request.endpoint is None and request.method not in ("GET", "HEAD"):
        abort(401)
    if wants_json() or request.method not in ("GET", "HEAD"):
        abort(401)
    return redirect(_sign_in_redirect())


# The longest sign-in address a redirect carries (its `next`, encoded): a proxy keeps an answer's headers in
# one small buffer (nginx: 4 KB by default) and answers 502 when they do not fit, so the address of a long
# link opened signed out is left out of it.
SIGN_IN_REDIRECT_MAX = 2000


def _sign_in_redirect() -> str:
    """The sign-in page, then back to the page asked for: its path and query, else its path alone when
    they make the address longer than SIGN_IN_REDIRECT_MAX, else home."""
    for target in (request.full_path.rstrip("?"), request.path):
        address = url_for("auth.login", next=target)
        if len(address) <= SIGN_IN_REDIRECT_MAX:
            return address
    return url_for("auth.login")


def _session_ended() -> str | None:
    """'idle' or 'absolute' when the session is past a time limit; else None (and the session's
    last-seen time moved on, but by the session timer's look at it: `SESSION_STATE`)."""
    now = time.time()
    started, seen = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
    if not isinstance(started, (int, float)) or not isinstance(seen, (int, float)):
        session[SIGNED_IN_AT] = started if isinstance(started, (int, float)) else now
        session[SEEN_AT] = now
        return None
    idle, absolute = _seconds_left(now, started, seen)
    if absolute < 0:
        return "absolute"
    if idle < 0:
        return "idle"
    timer = request.endpoint == SESSION_STATE
    peek = timer and request.method in ("GET", "HEAD")
    # the timer's POST ("Stay signed in") always restarts the clock: with a warning longer than the
    # resolution before the end (a short session), it would otherwise keep the session as it was
    if not peek and (timer or now - seen >= SEEN_RESOLUTION):
        session[SEEN_AT] = now
    return None


# The session timer's endpoint (auth.routes.session_state, static/session.js): a GET looks at the time
# left without counting as activity (else the timer would keep an idle session alive); a POST is activity.
SESSION_STATE = "auth.session_state"


def session_timer() -> dict:
    """The attributes that start the session timer (static/session.js) on a signed-in page: where it asks,
    where to sign in again, and the seconds left now; none when no one is signed in."""
    if not current_user.is_authenticated:
        return {}
    left = session_left()
    who = session_identity()
    return {"data-session-timer": url_for(SESSION_STATE), "data-session-sign-in": url_for("auth.login"),
            "data-session-left": str(min(left["idle"], left["absolute"])),
            "data-session-warn": str(current_app.config["SESSION_WARN_SECONDS"]),
            "data-session-user": who["user"], "data-session-id": who["session"]}


def session_identity() -> dict:
    """Who is signed in (`user`, the e-mail) and which of their sessions (`session`: a digest of when it
    began): a page compares them with the session it was drawn in, so that a form is never sent as
    someone else, and a form drawn in an earlier session of the same person gets this one's token."""
    began = session.get(SIGNED_IN_AT)
    digest = hashlib.sha256(f"{current_user.id}:{began!r}".encode()).hexdigest()[:16]
    return {"user": current_user.email, "session": digest}


def session_left() -> dict:
    """The signed-in session's time left, in whole seconds: until it ends for being idle (`idle`, which
    activity extends) and at the latest (`absolute`, which nothing extends)."""
    now = time.time()
    idle, absolute = _seconds_left(now, session.get(SIGNED_IN_AT, now), session.get(SEEN_AT, now))
    return {"idle": max(0, int(idle)), "absolute": max(0, int(absolute))}


def session_current(kept: dict, now: float) -> bool:
    """Whether a request (not the session timer's) at `now` leaves the session `kept` as it is: within its
    idle and absolute limits, with a last-seen time too recent to be rewritten (`_session_ended`)."""
    started, seen = kept.get(SIGNED_IN_AT), kept.get(SEEN_AT)
    if not all(isinstance(t, (int, float)) and not isinstance(t, bool) for t in (started, seen)):
        return False
    idle, absolute = _seconds_left(now, started, seen)
    return idle >= 0 and absolute >= 0 and now - seen < SEEN_RESOLUTION


def _seconds_left(now: float, started: float, seen: float) -> tuple[float, float]:
    """Seconds until the session ends for being idle and at the latest (below 0: past that limit)."""
    config = current_app.config
    return (config["SESSION_IDLE_MINUTES"] * 60 - (now - seen),
            config["SESSION_MAX_HOURS"] * 3600 - (now - started))


def ended_message(reason: str) -> str:
    config = current_app.config
    if reason == "idle":
        return (f"You were signed out after {counted(config['SESSION_IDLE_MINUTES'], 'minute')} without activity. "
                "Please sign in again.")
    return f"Sessions last at most {counted(config['SESSION_MAX_HOURS'], 'hour')}. Please sign in again."


def _record_timeout(reason: str) -> None:
    try:
        db.session.add(AuditEvent(user_id=current_user.id, action="auth.session_timeout", entity_type="user",
                                  entity_id=current_user.id, after={"reason": reason}))
        db.session.commit()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()


def safe_next(target: str | None, default: str) -> str:
    """Only same-site relative paths are followed after sign-in; anything else goes home (so does a
    path holding a control character: a line break cannot go in the Location header)."""
    if not target or any(ord(c) < 0x20 or ord(c) == 0x7f for c in target):
        return default
    target = target.replace("\\", "/")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


# ---------------------------------------------------------------------------- headers

PERMISSIONS_POLICY = ("accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
                      "payment=(), usb=()")
# Styles: Plotly and Dash's components write inline style attributes and <style> elements; the
# risk CSP guards against is script, which stays locked to this site and known hashes.
CSP_FIXED = {
    "default-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: blob:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
_INLINE_SCRIPT = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S | re.I)


def allow_inline_scripts(app, provider) -> None:
    """Let the inline scripts `provider()` names run: it returns CSP sources such as
    "'sha256-...'" (the app factory passes the Dash app's `csp_hashes`)."""
    app.extensions["scorecard_csp"]["providers"].append(provider)


def script_hash(body: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii") + "'"


def template_script_hashes(app) -> list[str]:
    """Hashes of the inline <script> blocks written in the app's templates with no template code
    inside them (so what the browser gets is exactly the template's text)."""
    found = set()
    for name in app.jinja_env.list_templates(extensions=["html"]):
        source = app.jinja_env.loader.get_source(app.jinja_env, name)[0]
        for match in _INLINE_SCRIPT.finditer(source):
            body = match.group("body")
            if "src=" in match.group("attrs") or "{{" in body or "{%" in body or not body.strip():
                continue
            found.add(script_hash(body))
    return sorted(found)


def content_security_policy(app) -> str:
    state = app.extensions["scorecard_csp"]
    if state["templates"] is None:
        state["templates"] = template_script_hashes(app)
    scripts = ["'self'", *state["templates"]]
    for provider in state["providers"]:
        scripts.extend(source for source in provider() if source not in scripts)
    policy = {"script-src": " ".join(scripts), **CSP_FIXED}
    return "; ".join(f"{key} {value}" for key, value in policy.items())


def _is_static() -> bool:
    endpoint = request.endpoint or ""
    return (endpoint == "static" or endpoint.endswith(".static") or "/_dash-component-suites/" in request.path
            or request.path.endswith("/_favicon.ico"))


def _security_headers(response):
    add_security_headers(response.headers, secure=request.is_secure, static=_is_static())
    return response


def add_security_headers(headers, *, secure: bool, static: bool = False) -> None:
    """The headers every answer carries (a static file's may be kept by the browser), over HTTPS with
    Strict-Transport-Security where HSTS_SECONDS asks for it."""
    config = current_app.config
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers["X-Frame-Options"] = "DENY"
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Content-Security-Policy", content_security_policy(current_app))
    if config.get("HSTS_SECONDS") and secure:  # over HTTPS only (RFC 6797 §7.2: not over http)
        headers.setdefault("Strict-Transport-Security", f"max-age={config['HSTS_SECONDS']}; includeSubDomains")
    if not static and "no-store" not in (headers.get("Cache-Control") or ""):
        # Signed-in pages (and the sign-in form with its CSRF token) are never kept by a browser or proxy.
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)


# ---------------------------------------------------------------------------- files

def protect_files(app) -> None:
    """Owner only: the process's umask (FILE_UMASK) for everything created from now on, the SQLite
    database (and its -wal and -shm files) created 0600 or tightened to it, an existing upload
    folder tightened to 0700 (a new one is made by the import pages under the umask)."""
    if app.config.get("FILE_UMASK") is not None:
        os.umask(app.config["FILE_UMASK"])
    path = sqlite_path(app.config.get("SQLALCHEMY_DATABASE_URI"))
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # an empty file is an empty database
        if _is_sqlite_file(path):  # a mistyped address naming another file is refused as no database, untouched
            for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                _chmod(file, 0o600)
    uploads = Path(app.config.get("UPLOAD_FOLDER") or Path(app.instance_path) / "uploads")
    if uploads.is_dir():  # a setting naming a file (a typo) is refused at start (config.unsettled), never tightened
        _chmod(uploads, 0o700)


def _is_sqlite_file(path: Path) -> bool:
    """Whether `path` is a regular file that is empty (a database yet to be made) or begins as SQLite's do."""
    try:
        if not path.is_file():
            return False
        with path.open("rb") as handle:
            head = handle.read(16)
    except OSError:
        return False
    return head in (b"", b"SQLite format 3\x00")


def sqlite_path(url) -> Path | None:
    if not url:
        return None
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:" \
            or parsed.database.startswith("file:"):
        return None
    return Path(parsed.database)


def _chmod(path: Path, mode: int) -> None:
    try:
        if path.exists() and path.stat().st_uid == os.getuid() and (path.stat().st_mode & 0o777) != mode:
            path.chmod(mode)
    except OSError:  # a file system without modes: nothing to tighten
        pass
