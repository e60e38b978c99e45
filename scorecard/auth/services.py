"""Authentication: the password check, sign-in throttling, the password rules, user creation.

Throttling (NIST SP 800-63B 5.2.2, 800-53 AC-7) locks nobody out for good and gives nobody a way
to lock out someone else:
- per account: after LOGIN_MAX_FAILURES failures for an e-mail within LOGIN_WINDOW_HOURS, each
  further attempt waits LOGIN_DELAY_SECONDS after the last failure, doubling with each failure
  up to LOGIN_MAX_DELAY_SECONDS. A browser that signed in to that account before carries a signed
  device cookie and meets only its own failures, so someone guessing from elsewhere does not
  keep the owner out;
- per client address: LOGIN_CLIENT_MAX_FAILURES failures within LOGIN_CLIENT_WINDOW_MINUTES stop
  that address's sign-ins until the oldest of them leaves the window;
- an administrator unlocks an account or an address (`unlock`): its failures are marked cleared.
Failed sign-ins are kept (a success deletes nothing) and removed after LOGIN_FAILURES_KEEP_DAYS.

An unknown e-mail costs the same password hash and gets the same answer as a wrong password.
"""
import hashlib
import hmac
import ipaddress
import math
import re
import secrets
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from importlib import resources
from typing import Optional

import sqlalchemy as sa
from flask import current_app, has_app_context
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.security import check_password_hash

from scorecard.extensions import db
from scorecard.models import AuditEvent, Function, Leader, LoginFailure, Role, User, utcnow
from scorecard.models.users import hash_password
from scorecard.text import UNKEPT_ON_ONE_LINE, bidi_problem, blank, unkept_character, words
from scorecard.writers import SIGN_IN, SIGN_IN_ADDRESS, one_at_a_time_of

DEVICE_COOKIE = "scorecard_device"
DEVICE_SALT = "scorecard-trusted-device"
PASSWORD_MAX_LENGTH = 200
EMAIL_MAX_LENGTH = 254


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash of a random password (made as every password hash is), checked when the e-mail is
    unknown so that answer takes as long as a wrong password's."""
    return hash_password(secrets.token_urlsafe(24))


_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")


# ---------------------------------------------------------------------------- e-mail, password

def email_problem(email: str) -> Optional[str]:
    """Why `email` is not a usable e-mail address (name@agency.gov), or None."""
    if not email or len(email) > EMAIL_MAX_LENGTH:
        return f"an e-mail address has 3 to {EMAIL_MAX_LENGTH} characters"
    if not _EMAIL.match(email) or len(email.split("@")[0]) > 64:
        return f"{email!r} is not an e-mail address (name@agency.gov)"
    return None


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The common-passwords list shipped in scorecard/data/common-passwords.txt, lower-cased."""
    text = resources.files("scorecard").joinpath("data/common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def password_problem(password: str, email: Optional[str] = None) -> Optional[str]:
    """Why `password` may not be used (800-63B: length, the common-passwords list, the account's own
    name), or None."""
    minimum = current_app.config.get("PASSWORD_MIN_LENGTH", 12) if has_app_context() else 12
    if len(password or "") < minimum:
        return f"the password must have at least {minimum} characters"
    if len(password) > PASSWORD_MAX_LENGTH:
        return f"the password must have at most {PASSWORD_MAX_LENGTH} characters"
    lowered = password.lower()
    if lowered in common_passwords() or lowered.strip() in common_passwords():
        return "that password is on the list of commonly used passwords; choose another"
    if email:
        name = email.strip().lower().split("@")[0]
        if email.strip().lower() in lowered or (len(name) >= 4 and name in lowered):  # a short name ("an2") may
            return "the password must not contain the e-mail address or its name"
    return None


# ---------------------------------------------------------------------------- sign-in

@dataclass
class SignInResult:
    """The user signed in (None when refused); `retry_after` seconds when throttled, and then
    `scope`: "account" or "client"; `device`: the cookie value to set after a success."""

    user: Optional[User] = None
    retry_after: int = 0
    scope: Optional[str] = None
    device: Optional[str] = None


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=DEVICE_SALT)


def trusted_device(cookie: Optional[str], key: str) -> tuple[Optional[str], Optional[datetime]]:
    """(device id, when it was last trusted) when `cookie` is a valid device cookie for the e-mail
    `key`; else (None, None)."""
    if not cookie:
        return None, None
    try:
        payload, issued = _serializer().loads(cookie, max_age=current_app.config["LOGIN_DEVICE_DAYS"] * 86400,
                                              return_timestamp=True)
    except BadSignature:
        return None, None
    if not isinstance(payload, dict) or payload.get("e") != key or not isinstance(payload.get("d"), str):
        return None, None
    return payload["d"], issued


def device_cookie(key: str, device: Optional[str]) -> str:
    """The signed device cookie for the e-mail `key` (a new device id unless one is given)."""
    return _serializer().dumps({"e": key, "d": device or secrets.token_hex(12)})


NOT_AN_ADDRESS = "not an e-mail address #"


def user_with_email(session, email: Optional[str]) -> Optional[User]:
    """The account whose e-mail is `email`, trimmed and compared without regard to case (as a command or
    an administrator names one); None when no account has it."""
    key = (email or "").strip().lower()
    return session.scalar(sa.select(User).where(sa.func.lower(User.email) == key)) if key else None


def account_key(email: Optional[str]) -> str:
    """The account a sign-in names: its e-mail trimmed and lower-cased. A value that is no e-mail address
    (a password typed into the wrong field) is kept only as a keyed digest, so no failure row nor audit
    event holds what was typed, and its attempts are still counted together."""
    key = (email or "").strip().lower()[:EMAIL_MAX_LENGTH]
    if key and not _EMAIL.match(key):  # as an account's address must be: "summer@2025secret" is none
        digest = hmac.new(str(current_app.config["SECRET_KEY"]).encode(), key.encode(), hashlib.sha256)
        return NOT_AN_ADDRESS + digest.hexdigest()[:12]
    return key


def is_ip_address(text: str) -> bool:
    """Whether `text` is an IPv4 or IPv6 address (a client address, as the unlock form and command take one)."""
    try:
        ipaddress.ip_address((text or "").strip())
    except ValueError:
        return False
    return True


def address_key(address: Optional[str]) -> Optional[str]:
    """A client address as failed sign-ins keep and look it up: an IP address in its one written form
    (`0::1` is `::1`, as the unlock form may be given it), anything else as it came."""
    if not address:
        return address
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return address


@dataclass(frozen=True)
class Attempt:
    """One try at an account's password (a sign-in, or the current password on the change-your-password
    page), taken in turn with the others at the account and the address (`_one_attempt_at_a_time`):
    who and where from, when, the browser trusted for the account if any, and the wait the throttle
    asks ((seconds, "client" or "account"); None when it may go on)."""

    key: str
    client_address: Optional[str]
    now: datetime
    device: Optional[str]
    trusted_since: Optional[datetime]
    wait: Optional[tuple[int, str]]

    def failed(self, user: Optional[User], action: str = "auth.sign_in_failed") -> None:
        _record_failure(self.key, user, self.client_address, self.device, self.trusted_since, self.now, action=action)


def _attempt(key: str, client_address: Optional[str], device_cookie_value: Optional[str]) -> Attempt:
    """Start an attempt at the account `key`; a throttled one ends here (audited, `_record_refusal`, and its
    transaction ended, so the next may go on) before its password is looked at."""
    client_address = address_key(client_address)
    now = utcnow()
    device, trusted_since = trusted_device(device_cookie_value, key)
    _one_attempt_at_a_time(db.session, key, client_address)
    wait = throttle(db.session, key, client_address, device, trusted_since, now)
    if wait:  # recorded (or not) while this attempt still holds its turn, then the turn is given up
        _record_refusal(key, client_address, wait, now)
    return Attempt(key, client_address, now, device, trusted_since, wait)


REFUSALS_AUDITED_EVERY = timedelta(minutes=1)  # per account and address: the guessing seen, the log not flooded


def _record_refusal(key: str, client_address: Optional[str], wait: tuple[int, str], now: datetime) -> None:
    """Audit a try the throttle refused (the lockout was audited, and none of the guessing that went on after
    it), then end the attempt's transaction (its turn: `_one_attempt_at_a_time`, so that tries at once do not
    each find no event yet). At most one event a minute for one address's lockout, whatever e-mail each try
    names, and for one account from one address, so that a guesser hammering the form does not fill the log;
    each says the wait it was told."""
    address = AuditEvent.client_address == client_address if client_address else AuditEvent.client_address.is_(None)
    scope = wait[1]
    same = [AuditEvent.after["scope"].as_string() == scope]
    if scope != "client":  # an account's lockout: that account's refusals from this address
        same.append(AuditEvent.after["email"].as_string() == key)
    if db.session.scalar(sa.select(AuditEvent.id).where(
            AuditEvent.action == "auth.sign_in_refused", AuditEvent.at > now - REFUSALS_AUDITED_EVERY, address,
            *same).limit(1)) is not None:
        db.session.rollback()
        return
    user_id = db.session.scalar(sa.select(User.id).where(sa.func.lower(User.email) == key)) if key else None
    target = {"entity_type": "user", "entity_id": user_id} if user_id else {"entity_type": "sign_in", "entity_id": None}
    whose = "this address's tries" if scope == "client" else f"tries at {key} from this address"
    db.session.add(AuditEvent(action="auth.sign_in_refused", at=now, client_address=client_address, after={
        "email": key, "scope": scope, "retry_after_seconds": wait[0],
        "note": f"refused before its password was read; at most one such event a minute is kept of {whose}"},
        **target))
    db.session.commit()


def authenticate(email: str, password: str, *, client_address: Optional[str] = None,
                 user_agent: Optional[str] = None, device_cookie_value: Optional[str] = None) -> SignInResult:
    """Check a sign-in. A throttled attempt is refused before its password is looked at."""
    key = account_key(email)
    attempt = _attempt(key, client_address, device_cookie_value)
    if attempt.wait:
        return SignInResult(retry_after=attempt.wait[0], scope=attempt.wait[1])
    now, device = attempt.now, attempt.device
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == key)) if key else None
    matches = check_password_hash(user.password_hash if user is not None else _dummy_hash(), password or "")
    if user is not None and user.active and matches:
        user.last_login_at = now
        db.session.add(AuditEvent(user_id=user.id, action="auth.sign_in", entity_type="user", entity_id=user.id,
                                  after={"email": user.email, "trusted_device": device is not None}))
        db.session.commit()
        return SignInResult(user=user, device=device_cookie(key, device))
    attempt.failed(user)
    return SignInResult()


def _one_attempt_at_a_time(session, key: str, client_address: Optional[str]) -> None:
    """Take this address's attempts, then this account's, one at a time until this one is recorded (its
    transaction ends): each counts the failures of those before it, so attempts sent at once cannot all
    pass a count none of them has added to yet (30 at once passed 16 wrong passwords where 5 are
    allowed), and a right password is never counted against anyone. PostgreSQL: advisory locks, always
    in that order (no deadlock), so other accounts and addresses do not wait; SQLite: its write lock."""
    if client_address:
        one_at_a_time_of(session, SIGN_IN_ADDRESS, _lock_number(client_address))
    one_at_a_time_of(session, SIGN_IN, _lock_number(key))


def _lock_number(text: str) -> int:
    """A lock's second number for an e-mail or an address (PostgreSQL's advisory locks take integers)."""
    return zlib.crc32(text.encode("utf-8")) & 0x7FFFFFFF


def throttle(session, key: str, client_address: Optional[str], device: Optional[str],
             trusted_since: Optional[datetime], now: datetime) -> Optional[tuple[int, str]]:
    """(seconds to wait, "client" or "account") when this attempt must wait; else None. A browser
    trusted for the account (`device`) meets only its own failures: not its address's, which every
    person behind an agency's few outbound addresses shares (one guesser there would keep them out)."""
    config = current_app.config
    if client_address and not device:
        window = timedelta(minutes=config["LOGIN_CLIENT_WINDOW_MINUTES"])
        count, oldest = session.execute(
            sa.select(sa.func.count(), sa.func.min(LoginFailure.at)).where(
                *_address_failures(client_address, now))).one()
        if count >= config["LOGIN_CLIENT_MAX_FAILURES"] and oldest is not None:
            return max(1, math.ceil((_aware(oldest) + window - now).total_seconds())), "client"
    count, last = session.execute(
        sa.select(sa.func.count(), sa.func.max(LoginFailure.at)).where(*_account_failures(key, device, trusted_since,
                                                                                          now))).one()
    delay = account_delay(count)
    if delay and last is not None:
        remaining = (_aware(last) + timedelta(seconds=delay) - now).total_seconds()
        if remaining > 0:
            return math.ceil(remaining), "account"
    return None


def account_delay(failures: int) -> int:
    """Seconds an attempt waits after the last failure, given the account's recent failures."""
    config = current_app.config
    beyond = failures - config["LOGIN_MAX_FAILURES"]
    if beyond < 0:
        return 0
    return min(config["LOGIN_MAX_DELAY_SECONDS"], config["LOGIN_DELAY_SECONDS"] * 2 ** min(beyond, 30))


def _account_failures(key: str, device: Optional[str], trusted_since: Optional[datetime], now: datetime) -> list:
    """The conditions picking the failures that throttle this attempt: a trusted browser's own since
    it was last trusted, or else every untrusted browser's."""
    conditions = [LoginFailure.email == key, LoginFailure.cleared_at.is_(None),
                  LoginFailure.at > now - timedelta(hours=current_app.config["LOGIN_WINDOW_HOURS"])]
    if device:
        conditions += [LoginFailure.device == device, LoginFailure.at > trusted_since]
    else:
        conditions.append(LoginFailure.device.is_(None))
    return conditions


def _address_failures(client_address: str, now: datetime) -> list:
    """The conditions picking the failures that count against a client address: its own of the last
    LOGIN_CLIENT_WINDOW_MINUTES not cleared, by an unlock of the address or of the account tried."""
    return [LoginFailure.client_address == client_address, LoginFailure.cleared_at.is_(None),
            LoginFailure.address_cleared_at.is_(None),
            LoginFailure.at > now - timedelta(minutes=current_app.config["LOGIN_CLIENT_WINDOW_MINUTES"])]


def _record_failure(key: str, user: Optional[User], client_address: Optional[str], device: Optional[str],
                    trusted_since: Optional[datetime], now: datetime, action: str = "auth.sign_in_failed") -> None:
    """Store the failure and audit it, and the lockout it starts (counted while the attempts of its
    account and address wait: `_one_attempt_at_a_time`, so the one that reaches a limit is audited once)."""
    config = current_app.config
    session = db.session
    session.add(LoginFailure(at=now, email=key, client_address=client_address, device=device))
    target = {"entity_type": "user", "entity_id": user.id} if user else {"entity_type": "sign_in", "entity_id": None}
    session.add(AuditEvent(user_id=user.id if user is not None and action != "auth.sign_in_failed" else None,
                           action=action, after={"email": key}, **target))
    session.flush()
    failures = session.scalar(sa.select(sa.func.count()).where(*_account_failures(key, device, trusted_since, now)))
    if failures == config["LOGIN_MAX_FAILURES"]:
        session.add(AuditEvent(action="auth.lockout", after={
            "email": key, "scope": "trusted browser" if device else "account", "failures": failures,
            "first_delay_seconds": account_delay(failures)}, **target))
    if client_address:
        from_client = session.scalar(sa.select(sa.func.count()).where(*_address_failures(client_address, now)))
        if from_client == config["LOGIN_CLIENT_MAX_FAILURES"]:
            session.add(AuditEvent(action="auth.lockout", entity_type="client_address", after={
                "client_address": client_address, "scope": "client", "failures": from_client,
                "minutes": config["LOGIN_CLIENT_WINDOW_MINUTES"]}))
    session.execute(sa.delete(LoginFailure).where(
        LoginFailure.at < now - timedelta(days=config["LOGIN_FAILURES_KEEP_DAYS"])))
    session.commit()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=utcnow().tzinfo)


def sign_in_state(session, key: str, now: Optional[datetime] = None) -> dict:
    """For the Users page: the account's recent failures from untrusted browsers and the seconds the
    next attempt from one must still wait."""
    now = now or utcnow()
    count, last = session.execute(sa.select(sa.func.count(), sa.func.max(LoginFailure.at))
                                  .where(*_account_failures(key, None, None, now))).one()
    delay = account_delay(count)
    remaining = (_aware(last) + timedelta(seconds=delay) - now).total_seconds() if delay and last else 0
    return {"failures": count, "delayed": count >= current_app.config["LOGIN_MAX_FAILURES"],
            "wait": max(0, math.ceil(remaining))}


def unlock(session, *, email: Optional[str] = None, client_address: Optional[str] = None,
           by: Optional[User] = None) -> int:
    """Clear the recent failures of an account (by e-mail) or of a client address, so its sign-ins are
    not delayed; audited. Returns how many failures were cleared. The failures themselves are kept. An
    address's unlock lifts the address's limit alone: the accounts tried from it keep their own delays (it
    gave one who tripped the limit on purpose fresh guesses at every account once the office was let in)."""
    if not email and not client_address:
        raise ValueError("name an e-mail address or a client address to unlock")
    client_address = address_key(client_address)
    now = utcnow()
    query = sa.update(LoginFailure).where(LoginFailure.cleared_at.is_(None))
    if email:
        key = email.strip().lower()
        query = query.where(LoginFailure.email == key).values(cleared_at=now)
        user = user_with_email(session, key)
        target = {"entity_type": "user", "entity_id": user.id} if user else {"entity_type": "sign_in",
                                                                           "entity_id": None}
    else:
        query = query.where(LoginFailure.client_address == client_address,
                            LoginFailure.address_cleared_at.is_(None)).values(address_cleared_at=now)
        target = {"entity_type": "client_address", "entity_id": None}
    cleared = session.execute(query.execution_options(synchronize_session=False)).rowcount
    if email and not cleared and target["entity_id"] is None:  # a mistyped address: nothing there, nothing done
        session.rollback()
        return 0
    session.add(AuditEvent(user_id=by.id if by else None, action="auth.unlock", **target,
                           after={"email": email.strip().lower() if email else None, "client_address": client_address,
                                  "cleared_failures": cleared}))
    session.commit()
    return cleared


def own_password_problems(user: User, current: str, new: str, *, current_matches: Optional[bool] = None
                          ) -> dict[str, str]:
    """{field: what is wrong} of a person's change of their own password, every one at once: the current
    password not theirs, the new one against the password rules or the same as the current. The new one is
    compared with the current only when the current was given right (`current_matches`, checked here when
    None): else the new field would answer whether a guess is the password, unthrottled."""
    problems = {}
    if current_matches is None:
        current_matches = user.check_password(current or "")
    if not current_matches:
        problems["current"] = "that is not your current password"
    problem = password_problem(new, user.email)
    if problem is None and current_matches and hmac.compare_digest((new or "").encode(), (current or "").encode()):
        problem = "the new password is the current one; choose another"
    if problem:
        problems["password"] = problem
    return problems


def check_current_password(user: User, current: str, *, client_address: Optional[str] = None,
                           device_cookie_value: Optional[str] = None) -> tuple[bool, int]:
    """(whether `current` is the password of `user`, seconds to wait): a wrong current password on the
    change-your-password page is a failed sign-in of the account, counted and throttled as one (a session
    left open is no way to guess the password at will), and audited as user.password_change_failed. A
    throttled attempt is refused before its password is looked at: (False, seconds)."""
    attempt = _attempt(account_key(user.email), client_address, device_cookie_value)
    if attempt.wait:
        return False, attempt.wait[0]
    if user.check_password(current or ""):
        db.session.rollback()  # let the lock go
        return True, 0
    attempt.failed(user, action="user.password_change_failed")
    return False, 0


def change_own_password(user: User, current: str, new: str, *, current_matches: Optional[bool] = None) -> None:
    """Set a person's new password (ValueError when own_password_problems has any): every session of
    theirs ends (the caller signs this one in again); audited, without the password. `current_matches`:
    the caller's check of the current password (check_current_password), which is not hashed again."""
    problems = own_password_problems(user, current, new, current_matches=current_matches)
    if problems:
        raise ValueError("; ".join(problems.values()))
    user.set_password(new)
    user.end_sessions()
    db.session.add(AuditEvent(user_id=user.id, action="user.password_change", entity_type="user",
                              entity_id=user.id, after={"sessions_ended": True}))
    db.session.commit()


def sign_out(user: User) -> None:
    """Audit the sign-out; the caller ends the session (security.end_session)."""
    db.session.add(AuditEvent(user_id=user.id, action="auth.sign_out", entity_type="user", entity_id=user.id))


# ---------------------------------------------------------------------------- users

NAME_MAX = 200  # User.name


def create_user(email: str, password: str, role: Role, *, function_code: str | None = None,
                leader_email: str | None = None, name: str | None = None, by: Optional[User] = None) -> User:
    """Create a user, checking the e-mail, the password rules and the role's scope (an officer
    needs a function, a leader a Leader record); audited (`by`: the administrator, None on the
    command line)."""
    problems = new_user_problems(email, password, role, function_code=function_code, leader_email=leader_email,
                                 name=name)
    if problems:
        raise ValueError("; ".join(problems.values()))
    email = (email or "").strip().lower()
    user = User(email=email, role=role, name=(name or "").strip() or None)
    user.set_password(password)
    if function_code:
        user.function = _function(function_code)
    if role is Role.leader or (leader_email or "").strip():
        user.leader = find_leader(leader_email or email)
    db.session.add(user)
    db.session.flush()
    db.session.add(AuditEvent(user_id=by.id if by else None, action="user.create", entity_type="user",
                              entity_id=user.id, after=describe_user(user)))
    db.session.commit()
    return user


def function_not_taken(role: Role) -> str:
    """Why an account of `role` is given no C-suite function: it scopes an officer's work alone, and shown
    beside another role's it reads as a scope it does not have."""
    return (f"only an officer has a C-suite function (it limits their commitments to it); an account with the "
            f"{role.value} role takes none")


def new_user_problems(email: str, password: str, role: Role, *, function_code: str | None = None,
                      leader_email: str | None = None, name: str | None = None) -> dict[str, str]:
    """{field: what is wrong with it} of a user to be created, every one at once (the users form shows
    them beside their fields; one round trip each made an administrator fix them one at a time):
    the e-mail (taken?), the password rules, the name's length, the role's scope."""
    problems = {}
    email = (email or "").strip().lower()
    problem = email_problem(email)
    if problem is None and db.session.scalar(sa.select(User.id).where(sa.func.lower(User.email) == email)):
        problem = f"a user with e-mail {email} already exists"
    if problem:
        problems["email"] = problem
    problem = password_problem(password, email)
    if problem:
        problems["password"] = problem
    problem = name_problem(name)
    if problem:
        problems["name"] = problem
    if role is Role.officer and not function_code:
        problems["function"] = "an officer needs --function (e.g. CFO)"
    elif function_code and role is not Role.officer:
        problems["function"] = function_not_taken(role)
    elif function_code:
        try:
            _function(function_code)
        except ValueError as error:
            problems["function"] = str(error)
    # Any role's leader link is checked and kept, as a change of the account keeps it: an executive's stops
    # them rating their own plan (plans.services.own_plan).
    if role is Role.leader or (leader_email or "").strip():
        try:
            find_leader(leader_email or email)
        except ValueError as error:  # none given: the user's own e-mail was looked up, and is named as such
            problems["leader"] = str(error) if (leader_email or "").strip() else (
                f"a leader needs a leader record, and none has this user's own e-mail ({(email or '').strip()}); "
                "give the e-mail of their leader record; pass --leader EMAIL")
    return problems


def name_problem(name: Optional[str]) -> Optional[str]:
    """What is wrong with a user's name (as given; it is kept stripped), or None: its length, as the users
    form checks it (the command line did not), and a line break or other control character — a name is one
    line, and it opens the reminder mails ("Hello …,"), where a line break would start a line of its own."""
    name = (name or "").strip()
    if len(name) > NAME_MAX:
        return f"a name is at most {NAME_MAX} characters; this one has {len(name)}"
    code = unkept_character(name, UNKEPT_ON_ONE_LINE)
    if code:
        return f"the name holds {words(code)}: a name is one line of text; remove it"
    code = bidi_problem(name)  # as every form refuses it: the command line too
    if code:
        return f"the name holds a hidden text-direction character ({code}); remove it"
    if name and blank(name):  # a zero-width space alone: a blank name in the users list and every page
        return "the name shows nothing (only invisible characters): write the person's name, or leave it empty"
    return None


def describe_user(user: User) -> dict:
    """What the audit log keeps of a user's account (never the password hash)."""
    return {"email": user.email, "name": user.name, "role": user.role.value,
            "function": user.function.code if user.function else None,
            "leader": user.leader.email if user.leader else None, "active": user.active}


def find_leader(email: str) -> Leader:
    key = (email or "").strip().lower()
    leader = db.session.scalar(sa.select(Leader).where(sa.func.lower(Leader.email) == key)) if key else None
    if leader is None:
        raise ValueError(f"no leader record with e-mail {key or '(none given)'} (leader records come from the "
                         "Leaders import: Imports, Upload, with its template); pass --leader EMAIL")
    taken = db.session.scalar(sa.select(User).where(User.leader_id == leader.id))
    if taken is not None:
        raise ValueError(f"the leader record {key} is already linked to the user {taken.email}")
    return leader


def _function(code: str) -> Function:
    function = db.session.scalar(sa.select(Function).where(sa.func.upper(Function.code) == code.upper()))
    if function is None:
        known = ", ".join(db.session.scalars(sa.select(Function.code).order_by(Function.code)))
        raise ValueError(f"unknown function {code!r}; "
                         f"known: {known or 'none (scorecard db upgrade adds the standard ones)'}")
    return function


def function_by_code(code: str) -> Function:
    """The function with this code (any case); ValueError naming the known ones otherwise."""
    return _function(code)
