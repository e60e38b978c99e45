"""Sign-in / sign-out pages."""
from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from scorecard.auth import bp
from scorecard.auth.forms import OwnPasswordForm, SignInForm
from scorecard.auth.services import (
    DEVICE_COOKIE,
    authenticate,
    change_own_password,
    check_current_password,
    own_password_problems,
    sign_out,
)
from scorecard.extensions import db
from scorecard.models.audit import request_client
from scorecard.security import end_session, safe_next, session_identity, session_left, start_session
from scorecard.text import counted

SAME_ANSWER = "That e-mail and password do not match an active account."


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = safe_next(request.args.get("next"), url_for("main.index"))
    if current_user.is_authenticated:
        return redirect(next_url)
    form = SignInForm()
    status = 200
    if form.validate_on_submit():
        address, agent = request_client()
        result = authenticate(form.email.data, form.password.data, client_address=address, user_agent=agent,
                              device_cookie_value=request.cookies.get(DEVICE_COOKIE))
        if result.retry_after:
            flash(f"Too many failed sign-ins{' from this network' if result.scope == 'client' else ''}. "
                  f"Try again in {_duration(result.retry_after)}.", "error")
            return render_template("auth/login.html", form=form, notice=_notice(), plain_http=_plain_http()), 429, {
                "Retry-After": str(result.retry_after)}
        if result.user is not None:
            start_session(result.user)
            response = redirect(next_url)
            _set_device_cookie(response, result.device)
            return response
        flash(SAME_ANSWER, "error")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form, notice=_notice(), plain_http=_plain_http()), status


def _plain_http() -> bool:
    """Opened over plain http while the session cookie is HTTPS-only: signing in cannot work (the browser
    never sends the cookie back), so the page says so before the form is filled in, not after."""
    return not request.is_secure and bool(current_app.config.get("SESSION_COOKIE_SECURE"))


@bp.route("/logout", methods=["POST"])
def logout():
    user = current_user._get_current_object() if current_user.is_authenticated else None
    if user is not None:
        sign_out(user)
    end_session(user)  # a new session token: this cookie, and any copy of it, no longer signs in
    db.session.commit()
    # one session token a person: signing out here ends their sessions in every other browser too, as it says
    flash(SIGNED_OUT if user is not None else "You are signed out.", "info")
    return redirect(url_for("auth.login"))


SIGNED_OUT = "You are signed out, here and in every other browser or device where you were signed in."


@bp.route("/password", methods=["GET", "POST"])
def own_password():
    """Any signed-in person changes their own password (an administrator gives a new one on the Users pages):
    their other sessions end, and this one goes on."""
    form = OwnPasswordForm()
    user = current_user._get_current_object()
    valid = form.validate_on_submit()
    if request.method == "POST":  # every problem at once, by its field: the form's own (required) first
        matches, wait = False, 0
        if form.current.data and not form.current.errors and not form.csrf_token.errors:  # wrong: a failed sign-in
            matches, wait = check_current_password(user, form.current.data, client_address=request_client()[0],
                                                   device_cookie_value=request.cookies.get(DEVICE_COOKIE))
        if wait:
            form.current.errors = [f"Too many wrong passwords for your account. Try again in {_duration(wait)}."]
            return render_template("auth/password.html", form=form), 429, {"Retry-After": str(wait)}
        problems = own_password_problems(user, form.current.data, form.password.data, current_matches=matches)
        for name, problem in problems.items():
            if not form[name].errors:
                form[name].errors = [problem[:1].upper() + problem[1:] + "."]
            valid = False
    if valid:
        change_own_password(user, form.current.data, form.password.data, current_matches=matches)
        start_session(user)  # on the new session token: every other session of theirs has ended
        flash("Your password is changed. Every other session of yours (another browser, another device) has "
              "ended; this one goes on.", "success")
        return redirect(url_for("main.index"), 303)
    return render_template("auth/password.html", form=form), 400 if request.method == "POST" else 200


@bp.route("/session", methods=["GET", "POST"])
def session_state():
    """The session timer's look at the session (static/session.js): the seconds left, who is signed in and
    which session, and the form token of this session (a page kept open through a new sign-in of the same
    person puts it in its forms). A GET is not activity; a POST (the timer's "Stay signed in", or typing in
    a form) is, as any other request. Signed out: 401."""
    return jsonify(left=session_left(), idle_minutes=current_app.config["SESSION_IDLE_MINUTES"],
                   max_hours=current_app.config["SESSION_MAX_HOURS"], csrf_token=generate_csrf(),
                   **session_identity())


def _notice() -> list[str]:
    """The system-use notice (AC-8) as paragraphs."""
    text = current_app.config.get("SYSTEM_USE_NOTICE") or ""
    return [" ".join(part.split()) for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]


def _duration(seconds: int) -> str:
    if seconds < 90:
        return counted(seconds, "second")
    minutes = -(-seconds // 60)
    return f"{minutes} minutes"


def _set_device_cookie(response, value) -> None:
    """The trusted-browser cookie: signed, sent only to the sign-in pages, never read by scripts."""
    if not value:
        return
    config = current_app.config
    response.set_cookie(DEVICE_COOKIE, value, max_age=config["LOGIN_DEVICE_DAYS"] * 86400, path="/auth/",
                        secure=config.get("SESSION_COOKIE_SECURE", True), httponly=True, samesite="Lax")
