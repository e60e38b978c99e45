"""People who sign in: their role, function scope, leader link, and sign-in throttling."""
import enum
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
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

    function: so.Mapped[Optional[Function]] = so.relationship()
    leader: so.Mapped[Optional[Leader]] = so.relationship()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"


class LoginFailure(Base):
    """Failed sign-ins per e-mail address, for throttling across processes."""

    __tablename__ = "login_failures"
    key: so.Mapped[str] = so.mapped_column(sa.String(254), primary_key=True)
    count: so.Mapped[int] = so.mapped_column(default=0)
    first_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    locked_until: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
