"""Deny by default: every request needs a signed-in user unless its endpoint is public."""
from urllib.parse import urlsplit

from flask import abort, redirect, request, url_for
from flask_login import current_user

from scorecard.extensions import db, login_manager
from scorecard.models import User
from scorecard.permissions import can

PUBLIC_ENDPOINTS = frozenset({"auth.login", "static", "main.healthz"})


def init_app(app) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    app.before_request(_require_login)
    app.jinja_env.globals["can"] = lambda action: can(current_user, action)
    app.after_request(_security_headers)


@login_manager.user_loader
def _load_user(user_id: str):
    try:
        return db.session.get(User, int(user_id))
    except ValueError:
        return None


def _wants_json() -> bool:
    return "/_dash-" in request.path or "/_reload-hash" in request.path or request.is_json


def _require_login():
    if request.endpoint in PUBLIC_ENDPOINTS or current_user.is_authenticated:
        return None
    if request.endpoint is None and request.method not in ("GET", "HEAD"):
        abort(401)
    if _wants_json() or request.method not in ("GET", "HEAD"):
        abort(401)
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def safe_next(target: str | None, default: str) -> str:
    """Only same-site relative paths are followed after sign-in; anything else goes home."""
    if not target:
        return default
    target = target.replace("\\", "/")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target
