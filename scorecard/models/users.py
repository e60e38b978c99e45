"""People who sign in: their role, function scope, leader link, server-side session token, and
the failed sign-ins kept for throttling and the audit trail."""
import enum
import secrets
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, has_app_context
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from scorecard.models.base import Base, UTCDateTime, utcnow
from scorecard.models.metrics import _enum
from scorecard.models.org import Function, Leader


class Role(str, enum.Enum):
    """The six roles of DESIGN §6."""

    admin = "admin"
    executive = "executive"
    officer = "officer"
    analyst = "analyst"
    leader = "leader"
    viewer = "viewer"


def hash_password(password: str) -> str:
    """A new hash of `password`, made with the app's PASSWORD_HASH_METHOD (scrypt by default)."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
    return generate_password_hash(password, method=method)


def new_session_token() -> str:
    """A fresh random session token (128 bits, hex)."""
    return secrets.token_hex(16)


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint("role <> 'officer' OR function_id IS NOT NULL", name="officer_has_function"),
        sa.CheckConstraint("role <> 'leader' OR leader_id IS NOT NULL", name="leader_has_leader"),
    )
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    name: so.Mapped[Optional[str]] = so.mapped_column(sa.String(200))
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(256))
    role: so.Mapped[Role] = so.mapped_column(_enum(Role))
    function_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("functions.id"))
    leader_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("leaders.id"), unique=True)
    active: so.Mapped[bool] = so.mapped_column(default=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    last_login_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    # Part of the id every signed-in session carries (`get_id`): a new token ends every session
    # of this user on the server, so a copied cookie stops working at sign-out.
    session_token: so.Mapped[str] = so.mapped_column(sa.String(64), default=new_session_token)

    function: so.Mapped[Optional[Function]] = so.relationship()
    leader: so.Mapped[Optional[Leader]] = so.relationship()

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def end_sessions(self) -> None:
        """Every session signed in as this user stops working (sign-out, deactivation, new password)."""
        self.session_token = new_session_token()

    def get_id(self) -> str:  # Flask-Login: what the session keeps, checked by the user loader
        if not self.session_token:
            self.session_token = new_session_token()
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"


class LoginFailure(Base):
    """One failed sign-in: the e-mail tried, the client address, and the trusted-device id when the
    browser sent a valid device cookie for that e-mail. Kept (not deleted by the next success) for
    throttling and review, removed once older than LOGIN_FAILURES_KEEP_DAYS. An administrator's
    unlock of the account sets `cleared_at`, which takes the row out of the throttle's counts; an unlock
    of the client address sets `address_cleared_at`, which takes it out of the address's count alone (the
    accounts tried from there keep their delays)."""

    __tablename__ = "login_failures"
    __table_args__ = (
        sa.Index("ix_login_failures_email_at", "email", "at"),
        sa.Index("ix_login_failures_client_address_at", "client_address", "at"),
    )
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254))
    client_address: so.Mapped[Optional[str]] = so.mapped_column(sa.String(64))
    device: so.Mapped[Optional[str]] = so.mapped_column(sa.String(64))
    cleared_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    address_cleared_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
