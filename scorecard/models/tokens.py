"""Personal access tokens for the REST API: a user's own, stored only as a hash.

A token acts as its user (their role and scope) and never more; a `read` token cannot write.
The secret is shown once when the token is made; the database keeps its SHA-256, its first
characters (so a person can tell their tokens apart), when it was last used, and whether it
expired or was revoked."""
import enum
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from scorecard.models.base import Base, UTCDateTime, utcnow
from scorecard.models.metrics import _enum
from scorecard.models.users import User


class TokenScope(str, enum.Enum):
    """What a token may do with its user's permissions: read only, or read and write."""

    read = "read"
    write = "write"


class ApiToken(Base):
    """One personal access token of one user. `form_id` names the page's form it was made from: the
    same form sent again (a refresh of its answer, a double click) makes no second token."""

    __tablename__ = "api_tokens"
    __table_args__ = (sa.UniqueConstraint("user_id", "form_id"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    scope: so.Mapped[TokenScope] = so.mapped_column(_enum(TokenScope))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    prefix: so.Mapped[str] = so.mapped_column(sa.String(16))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    expires_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    last_used_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    revoked_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    form_id: so.Mapped[Optional[str]] = so.mapped_column(sa.String(32))

    user: so.Mapped[User] = so.relationship()

    def usable(self, now: datetime) -> bool:
        """Not revoked, not expired, and its user still active."""
        return (self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
                and self.user is not None and self.user.active)

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix} {self.scope.value}>"
