"""Authentication: password check with throttling after repeated failures; user creation."""
from datetime import timedelta
from typing import Optional

import sqlalchemy as sa
from flask import current_app

from scorecard.extensions import db
from scorecard.models import Function, Leader, LoginFailure, Role, User, utcnow


class SignInLocked(Exception):
    """Too many failed sign-ins for this address; try again after `retry_after` seconds."""

    def __init__(self, retry_after: int):
        super().__init__(f"locked for {retry_after} s")
        self.retry_after = retry_after


def authenticate(email: str, password: str) -> Optional[User]:
    """The active user with this e-mail and password, or None. Raises SignInLocked."""
    key = email.strip().lower()
    failure = db.session.get(LoginFailure, key)
    now = utcnow()
    if failure and failure.locked_until and failure.locked_until > now:
        raise SignInLocked(int((failure.locked_until - now).total_seconds()) + 1)
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == key))
    if user is not None and user.active and user.check_password(password):
        if failure:
            db.session.delete(failure)
        user.last_login_at = now
        db.session.commit()
        return user
    _record_failure(key, failure, now)
    return None


def _record_failure(key: str, failure: Optional[LoginFailure], now) -> None:
    cfg = current_app.config
    window = timedelta(seconds=cfg["LOGIN_LOCKOUT_SECONDS"])
    if failure is None:
        failure = LoginFailure(key=key, count=0, first_at=now)
        db.session.add(failure)
    elif now - failure.first_at > window:
        failure.count, failure.first_at, failure.locked_until = 0, now, None
    failure.count += 1
    if failure.count >= cfg["LOGIN_MAX_FAILURES"]:
        failure.locked_until = now + window
    db.session.commit()


def create_user(email: str, password: str, role: Role, *, function_code: str | None = None,
                leader_email: str | None = None, name: str | None = None) -> User:
    """Create a user, checking the role's scope (an officer needs a function, a leader a Leader)."""
    email = email.strip().lower()
    if "@" not in email:
        raise ValueError(f"{email!r} is not an e-mail address")
    if len(password) < 8:
        raise ValueError("the password must have at least 8 characters")
    if db.session.scalar(sa.select(User).where(User.email == email)):
        raise ValueError(f"a user with e-mail {email} already exists")
    user = User(email=email, role=role, name=name)
    user.set_password(password)
    if role is Role.officer:
        if not function_code:
            raise ValueError("an officer needs --function (e.g. CFO)")
        user.function = _function(function_code)
    elif function_code:
        user.function = _function(function_code)
    if role is Role.leader:
        leader = db.session.scalar(sa.select(Leader).where(sa.func.lower(Leader.email) == (leader_email or email)))
        if leader is None:
            raise ValueError(f"no leader record with e-mail {leader_email or email}; pass --leader EMAIL")
        user.leader = leader
    db.session.add(user)
    db.session.commit()
    return user


def _function(code: str) -> Function:
    function = db.session.scalar(sa.select(Function).where(sa.func.upper(Function.code) == code.upper()))
    if function is None:
        known = ", ".join(db.session.scalars(sa.select(Function.code).order_by(Function.code)))
        raise ValueError(f"unknown function {code!r}; known: {known or 'none yet (run scorecard demo or add functions)'}")
    return function
