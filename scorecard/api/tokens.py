"""Personal access tokens: made, listed, revoked, and found from the secret a request sends.

A secret is `cxs_` and 43 URL-safe characters (256 random bits); only its SHA-256 is stored, so
a stolen database gives no usable token. A viewer may hold only read tokens (DESIGN §6)."""
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Optional

import sqlalchemy as sa

from scorecard.models import ApiToken, AuditEvent, Role, TokenScope, User, utcnow
from scorecard.text import UNKEPT_ON_ONE_LINE, unkept_character

SECRET_PREFIX = "cxs_"
SHOWN_PREFIX = 12          # characters of the secret kept to tell tokens apart ("cxs_" and 8 more)
MAX_EXPIRES_DAYS = 3650
NAME_MAX = 100
TOUCH_EVERY = timedelta(minutes=1)  # last use is written at most this often, not on every request


class TokenError(ValueError):
    """A token that cannot be made as asked; the message says why."""


def new_form_id() -> str:
    """A name for one rendering of the new-token form (22 URL-safe characters)."""
    return secrets.token_urlsafe(16)


def made_from(session, user: User, form_id: Optional[str]) -> Optional[ApiToken]:
    """The token `user` made from the form `form_id` names, if the form was sent before."""
    if not form_id:
        return None
    return session.scalar(sa.select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.form_id == form_id))


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def scopes_for(user: User) -> list[TokenScope]:
    """The scopes `user` may give a token: viewers read only (DESIGN §6), everyone else both."""
    return [TokenScope.read] if user.role is Role.viewer else [TokenScope.read, TokenScope.write]


def create_token(session, user: User, *, scope: TokenScope | str, name: Optional[str] = None,
                 expires_days: Optional[int] = None, by: Optional[User] = None,
                 form_id: Optional[str] = None) -> tuple[ApiToken, str]:
    """A new token for `user`; returns it and its secret, which is shown once and never stored.
    `by` is who made it (the user on the web page; None on the command line); `form_id` the web
    page's form it was made from (one token per form: `made_from`)."""
    try:
        scope = TokenScope(scope)
    except ValueError:
        raise TokenError(f"scope must be read or write, not {scope!r}") from None
    if not user.active:
        raise TokenError(f"{user.email} is not an active user")
    if scope not in scopes_for(user):
        raise TokenError(f"{user.email} is a {user.role.value}, who may have read tokens only")
    if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRES_DAYS:
        raise TokenError(f"a token expires after 1 to {MAX_EXPIRES_DAYS} days, not {expires_days}")
    name = (name or "").strip() or f"{scope.value} token"
    if len(name) > NAME_MAX:
        raise TokenError(f"a token's name has at most {NAME_MAX} characters, not {len(name)}")
    unkept = unkept_character(name, UNKEPT_ON_ONE_LINE)  # as the web form's one-line box refuses it
    if unkept:
        raise TokenError(f"a token's name is one line of text: it holds the character {unkept}")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(user=user, name=name, scope=scope, token_hash=digest(secret), prefix=secret[:SHOWN_PREFIX],
                     created_at=now, expires_at=now + timedelta(days=expires_days) if expires_days else None,
                     form_id=form_id)
    session.add(token)
    session.flush()
    session.add(AuditEvent(user_id=by.id if by else None, action="api_token.create", entity_type="api_token",
                           entity_id=token.id, after={"user": user.email, "name": name, "scope": scope.value,
                                                      "prefix": token.prefix, "expires_at": _iso(token.expires_at),
                                                      **({} if by else {"by": "the command line"})}))
    session.commit()
    return token, secret


def tokens_of(session, user: User) -> list[ApiToken]:
    """The user's tokens, newest first (revoked and expired ones too, so they can see what happened)."""
    return list(session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id)
                                .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_token(session, user: User, token_id: int, *, from_command_line: bool = False) -> Optional[ApiToken]:
    """Revoke one of `user`'s tokens, by `user` themselves or (`from_command_line`) an operator at the server;
    None when they have no such token. The audit says who: a revocation from the command line was recorded
    as the token's own user's."""
    token = session.scalar(sa.select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id))
    if token is None:
        return None
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        after = {"prefix": token.prefix, "name": token.name, "user": user.email}
        session.add(AuditEvent(user_id=None if from_command_line else user.id, action="api_token.revoke",
                               entity_type="api_token", entity_id=token.id,
                               after=after | ({"by": "the command line"} if from_command_line else {})))
        session.commit()
    return token


def tokens_matching(session, user: User, given: str) -> list[ApiToken]:
    """`user`'s tokens that `given` names: the start of their prefix as the tokens page shows it, or, longer
    than a prefix, a whole secret (found in a log, say), matched by its hash (a text merely beginning with a
    token's prefix names no token)."""
    given = given.strip().removesuffix("…").removesuffix("...")  # a prefix copied as the tokens page shows it
    if len(given) > SHOWN_PREFIX:
        return [t for t in tokens_of(session, user) if hmac.compare_digest(t.token_hash, digest(given))]
    return [t for t in tokens_of(session, user) if given and t.prefix.startswith(given)]


def shown(given: str) -> str:
    """A token as a message may repeat it: its prefix alone (a whole secret pasted is not echoed into logs)."""
    given = given.strip()
    return given if len(given) <= SHOWN_PREFIX else given[:SHOWN_PREFIX] + "…"


def find_token(session, secret: str, now: Optional[datetime] = None) -> Optional[ApiToken]:
    """The usable token whose secret this is (None for an unknown, revoked or expired one, or one
    whose user is no longer active), its last use recorded."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        return None
    now = now or utcnow()
    token = session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == digest(secret)))
    if token is None or not token.usable(now):
        return None
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        # A conditional UPDATE: concurrent requests never fight over the row.
        session.execute(sa.update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now)
                        .execution_options(synchronize_session=False))
        session.commit()
        token = session.get(ApiToken, token.id)
    return token


def _iso(value: Optional[datetime]) -> Optional[str]:
    return value.isoformat() if value else None
