"""Configuration classes; every setting reads an environment variable with a safe default. A setting
given in a form the app cannot read stops it at start (`load_config`), naming the variable."""
import os
import re
import secrets
from pathlib import Path
from typing import Optional
from urllib.parse import urlsplit, urlunsplit

from scorecard.clock import DEFAULT_ZONE, set_zone, zone_problem


class ConfigurationError(RuntimeError):
    """A setting the app refuses to start with; its message says which and what to do."""


# Settings read when this module is imported that could not be read: `load_config` refuses to start with
# them (a line naming each), where a bare int() said "invalid literal for int()" under a traceback.
UNREADABLE: list[str] = []


# The largest a setting in each unit may be (ten years, a port's range): a day count of 10**9 passed the start
# and then failed every sign-in when a date was counted back by it.
LARGEST = {"_DAYS": 3650, "_HOURS": 87_600, "_MINUTES": 5_256_000, "_SECONDS": 315_360_000, "_PORT": 65_535,
           "_MB": 1_000_000}


SMTP_TLS_MODES = ("starttls", "ssl", "none")  # SCORECARD_SMTP_TLS: how the mail server is reached


def setting_number(name: str, default: str, *, minimum: float = 0, whole: bool = True,
                   problems: Optional[list] = None) -> int | float:
    """The environment variable `name` as a whole number (or any finite number) from `minimum` to the
    largest its unit allows (LARGEST, by the name's ending); its default when it is not set. Another value
    is kept in `problems` (UNREADABLE: read at import) and the default used meanwhile: `load_config` then
    refuses to start, naming it."""
    raw = os.environ.get(name, default)
    kind = "a whole number" if whole else "a number"
    largest = next((most for unit, most in LARGEST.items() if name.endswith(unit)), 10**9)
    try:
        value = int(raw) if whole else float(raw)
        if not minimum <= value <= largest:  # also NaN and infinity
            raise ValueError
    except ValueError:
        (UNREADABLE if problems is None else problems).append(
            f"{name} is {raw[:40]!r}; it is {kind} from {minimum:g} to {largest:,} (default {default}).")
        return int(default) if whole else float(default)
    return value


def database_url(instance_path: str) -> str:
    """DATABASE_URL as SQLAlchemy takes it (psycopg 3 for PostgreSQL), or SQLite in the instance folder."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "scorecard.db")
    # Heroku-style URLs and bare postgresql:// mean psycopg 3 here.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


# The databases the app runs on (its migrations and queries are tried on both), by SQLAlchemy's backend name.
DATABASES = ("postgresql", "sqlite")
DATABASE_EXAMPLE = ("an address such as postgresql://user:password@db.internal:5432/scorecard (or, on one host, "
                    "sqlite:////srv/scorecard/scorecard.db)")


def database_problem(url: str) -> Optional[str]:
    """Why the database address `url` (DATABASE_URL, as `database_url` reads it) cannot be used, in a
    sentence naming DATABASE_URL, or None. Unread at start, an address SQLAlchemy
    cannot parse (`postgresql//host/db`), or a database it has no driver for here (mysql://), stopped
    every gunicorn worker as it booted, each with a traceback, and the master with "Worker failed to boot"."""
    import sqlalchemy as sa

    shown = f"DATABASE_URL is {without_password(url)[:80]!r}"
    try:
        parsed = sa.engine.make_url(url)
        port = parsed.port
    except (sa.exc.ArgumentError, ValueError):
        return f"{shown}; it is {DATABASE_EXAMPLE}."
    if parsed.get_backend_name() not in DATABASES:
        return f"{shown}: CX Scorecard runs on PostgreSQL or SQLite; DATABASE_URL is {DATABASE_EXAMPLE}."
    if port is not None and not 0 < port < 65536:
        return f"{shown}: its port {port} is not one (1 to 65535); it is {DATABASE_EXAMPLE}."
    try:
        parsed.get_dialect().import_dbapi()
    except (ImportError, sa.exc.NoSuchModuleError):
        return (f"{shown}: its driver ({parsed.drivername}) is not installed here; write postgresql:// (psycopg 3, "
                "which is) or sqlite:///.")
    problem = libpq_option_problem(parsed) if parsed.get_backend_name() == "postgresql" else None
    return f"{shown}: {problem}." if problem else None


# libpq's connection options whose value is a whole number (seconds; tcp_user_timeout milliseconds), and the
# values of its sslmode: libpq reads them at each connection, so one it cannot read failed every request.
PG_WHOLE_NUMBERS = ("connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count",
                    "tcp_user_timeout", "port")
PG_SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
PG_SEVERAL = ("host", "hostaddr", "port")  # given once per host of a multi-host address (?host=a&host=b)
_DIGITS = re.compile(r"\s*[0-9]+\s*", re.ASCII)  # "²" is no number libpq reads, though Python's isdigit says so


def _libpq_refusal(given: dict) -> Optional[str]:
    """libpq's own words on a value of `given` (the query's options) it cannot read (target_session_attrs=
    primary-only, gssencmode=bogus, an unknown service, an address that is none), or None. libpq reads them as
    it connects: it is asked to connect, with them, to a socket that is not there, and says what it refuses
    before it looks for that socket."""
    import ipaddress

    import psycopg
    from psycopg.conninfo import make_conninfo

    for address in filter(None, given.get("hostaddr", "").split(",")):
        try:
            ipaddress.ip_address(address.strip())
        except ValueError:
            return f'invalid hostaddr value: "{address[:40]}" is no IP address'
    probe = {name: value for name, value in given.items() if name not in ("host", "hostaddr", "port")}
    if not probe:
        return None
    try:
        psycopg.connect(make_conninfo("", **{**probe, "host": "/nonexistent/scorecard-option-check",
                                             "connect_timeout": "1"}))
    except psycopg.Error as error:
        said = " ".join(str(error).split()).removeprefix("connection is bad: ")
        return None if "scorecard-option-check" in said else said[:160]
    return None


def libpq_option_problem(url) -> Optional[str]:
    """Why an option of the PostgreSQL address `url`'s query (`?connect_timeout=10s`) is none libpq reads, or
    None: a name it does not know, a whole number that is none, an sslmode that is none of its, an option given
    twice (only a host's, as SQLAlchemy writes several hosts, may be), or a query SQLAlchemy cannot turn into
    libpq's (hosts and ports mixed)."""
    from psycopg import ProgrammingError
    from psycopg.conninfo import make_conninfo

    given = {}
    for name, value in url.query.items():
        values = value if isinstance(value, tuple) else (value,)
        if len(values) > 1 and name not in PG_SEVERAL:
            return f"its option {name} is given {len(values)} times; give it once"
        given[name] = ",".join(values)
    try:
        make_conninfo("", **given)
    except ProgrammingError as error:  # libpq's own words: invalid connection option "conect_timeout"
        return f"libpq refuses its query: {' '.join(str(error).split())[:120].rstrip('. ')}"
    for name in PG_WHOLE_NUMBERS:
        value = given.get(name)
        if value is not None and not all(_DIGITS.fullmatch(part) for part in value.split(",")):
            return f"its {name}={value[:20]!r} is not a whole number (connect_timeout=10 is 10 seconds)"
    mode = given.get("sslmode")
    if mode is not None and mode not in PG_SSL_MODES:
        return f"its sslmode={mode[:20]!r} is none of {', '.join(PG_SSL_MODES)}"
    ports = [int(part) for part in given.get("port", "").split(",") if part.strip()]
    if any(not 0 < port < 65536 for port in ports):
        return f"its port={given['port'][:20]!r} is not one (1 to 65535)"
    refused = _libpq_refusal(given)
    if refused:
        return f"libpq cannot read it: {refused}"
    try:
        url.get_dialect()().create_connect_args(url)
    except Exception as error:  # noqa: BLE001 — SQLAlchemy's own refusal of the query (hosts and ports mixed)
        return f"its query cannot be read: {str(error)[:160]}"
    return None


def _umask(raw: str):
    """An octal umask ("077"), or None for an empty setting."""
    if not raw.strip():
        return None
    try:
        value = int(raw, 8)
        if not 0 <= value <= 0o777:
            raise ValueError
    except ValueError:
        UNREADABLE.append(f"SCORECARD_UMASK is {raw[:40]!r}; it is an octal mask such as 077 (empty: the process's).")
        return 0o077
    return value


SYSTEM_USE_NOTICE = """You are accessing a U.S. Government information system, which includes this computer, this \
computer network, all computers connected to this network, and all devices and storage media attached to this network \
or to a computer on this network. This information system is provided for U.S. Government-authorized use only.

Unauthorized or improper use of this system may result in disciplinary action, as well as civil and criminal penalties.

By using this information system, you understand and consent to the following: you have no reasonable expectation of \
privacy regarding any communication or data transiting or stored on this information system. At any time, and for any \
lawful Government purpose, the Government may monitor, intercept, and search and seize any communication or data \
transiting or stored on this information system. Any communication or data transiting or stored on this information \
system may be disclosed or used for any lawful Government purpose."""


class Config:
    """Production defaults."""

    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = None  # filled in by the factory from DATABASE_URL
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}  # PostgreSQL's pool is sized and checked by _size_pool
    # PostgreSQL connections per process (_size_pool), read here with every number: a value that is none
    # stops the start in one line, from gunicorn's master too (read in the factory, it failed every worker)
    DB_POOL_SIZE = setting_number("SCORECARD_DB_POOL_SIZE", "5", minimum=1)
    # libpq's own connection timeout, read by libpq (PG_ENVIRONMENT): checked here, so that a value it cannot read
    # ("abc") stops the app at its start, naming it, not every connection with a traceback
    PGCONNECT_TIMEOUT = setting_number("PGCONNECT_TIMEOUT", "5")
    DB_MAX_OVERFLOW = setting_number("SCORECARD_DB_MAX_OVERFLOW", "10")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    WTF_CSRF_TIME_LIMIT = None
    MAX_UPLOAD_BYTES = setting_number("SCORECARD_MAX_UPLOAD_MB", "25", minimum=1) * 1024 * 1024  # a file's limit
    # A request's: the file and the form around it (its other fields, the multipart boundaries), so a file
    # of the limit exactly is taken (a 25 MB file was refused as too large); importers.jobs.store checks the file.
    MAX_CONTENT_LENGTH = MAX_UPLOAD_BYTES + 64 * 1024
    # The longest request line's URI the app answers (414 beyond it: a page, or a problem on the API);
    # below gunicorn's limit on the whole request line (8,190 bytes), so the app's own answer is given.
    MAX_URL_LENGTH = 8000
    # Sign-in throttling (NIST SP 800-63B 5.2.2, 800-53 AC-7): no lockout anyone can use against
    # anyone. After LOGIN_MAX_FAILURES failures for one e-mail within LOGIN_WINDOW_HOURS, each
    # further attempt from a browser not trusted for that account waits LOGIN_DELAY_SECONDS,
    # doubling per failure up to LOGIN_MAX_DELAY_SECONDS; a browser that signed in to the account
    # before (a signed device cookie, LOGIN_DEVICE_DAYS) only meets its own failures. One client
    # address may fail LOGIN_CLIENT_MAX_FAILURES times in LOGIN_CLIENT_WINDOW_MINUTES. Failures are
    # kept LOGIN_FAILURES_KEEP_DAYS; an administrator unlocks (Users page or `scorecard unlock`).
    LOGIN_MAX_FAILURES = setting_number("SCORECARD_LOGIN_MAX_FAILURES", "5", minimum=1)
    LOGIN_DELAY_SECONDS = setting_number("SCORECARD_LOGIN_DELAY_SECONDS", "2")
    LOGIN_MAX_DELAY_SECONDS = setting_number("SCORECARD_LOGIN_MAX_DELAY_SECONDS", "900")
    LOGIN_WINDOW_HOURS = setting_number("SCORECARD_LOGIN_WINDOW_HOURS", "24", minimum=1)
    LOGIN_CLIENT_MAX_FAILURES = setting_number("SCORECARD_LOGIN_CLIENT_MAX_FAILURES", "50", minimum=1)
    LOGIN_CLIENT_WINDOW_MINUTES = setting_number("SCORECARD_LOGIN_CLIENT_WINDOW_MINUTES", "15", minimum=1)
    LOGIN_FAILURES_KEEP_DAYS = setting_number("SCORECARD_LOGIN_FAILURES_KEEP_DAYS", "90")
    LOGIN_DEVICE_DAYS = setting_number("SCORECARD_LOGIN_DEVICE_DAYS", "90")
    # Sessions (800-53 AC-12): signed out after this long without a request, and this long after
    # signing in whatever happens; signing out ends the session on the server too.
    SESSION_IDLE_MINUTES = setting_number("SCORECARD_SESSION_IDLE_MINUTES", "30", minimum=1)
    SESSION_MAX_HOURS = setting_number("SCORECARD_SESSION_MAX_HOURS", "12", minimum=1)
    # Signed-in pages warn this long before a session ends, with "Stay signed in" (static/session.js;
    # WCAG 2.2.1 asks for at least 20 seconds).
    SESSION_WARN_SECONDS = setting_number("SCORECARD_SESSION_WARN_SECONDS", "120", minimum=20)
    # Passwords (800-63B 5.1.1.2): at least this long, and not on the common-passwords list
    # shipped in scorecard/data/common-passwords.txt.
    PASSWORD_MIN_LENGTH = setting_number("SCORECARD_PASSWORD_MIN_LENGTH", "12", minimum=8)
    # How new password hashes are made (werkzeug's method string); not read from the environment.
    PASSWORD_HASH_METHOD = "scrypt"
    # The system-use notice (800-53 AC-8) on the sign-in page; blank lines separate paragraphs.
    SYSTEM_USE_NOTICE = os.environ.get("SCORECARD_SYSTEM_USE_NOTICE", SYSTEM_USE_NOTICE)
    # Strict-Transport-Security max-age (0: no header). Browsers heed it over HTTPS only.
    HSTS_SECONDS = setting_number("SCORECARD_HSTS_SECONDS", "31536000")
    # Proxies in front of the app that set X-Forwarded-For / -Proto (a TLS load balancer: 1). The
    # client address the throttle and the audit log record is read through this many of them.
    TRUSTED_PROXIES = setting_number("SCORECARD_TRUSTED_PROXIES", "0")
    # The process's umask (octal; "" keeps the one it was started with): 077 makes every file and
    # folder the app creates (the SQLite database, uploads, their folder) readable by its owner only.
    FILE_UMASK = _umask(os.environ.get("SCORECARD_UMASK", "077"))
    # Which configuration this is: `scorecard demo` refuses to fill a production database
    # unless told --force.
    ENVIRONMENT = "production"
    SURVEY_MIN_N = setting_number("SCORECARD_SURVEY_MIN_N", "30", minimum=1)
    # The agency's time zone (IANA name): its midnight is when a day turns (overdue, "updated N days ago",
    # a report's lateness, the latest quarter; scorecard.clock), and times are shown in it, with its abbreviation.
    TIMEZONE = os.environ.get("SCORECARD_TIMEZONE", DEFAULT_ZONE)
    IMPORT_KEEP_DAYS = setting_number("SCORECARD_IMPORT_KEEP_DAYS", "7")  # unconfirmed previews, old uploads
    # Commitment reminders (`scorecard remind`) and the officer's "needs your update" list.
    # The address people open the site at: reminders link to it, and refuse to go out without it.
    BASE_URL = os.environ.get("SCORECARD_BASE_URL", "")
    REMIND_DUE_DAYS = setting_number("SCORECARD_REMIND_DUE_DAYS", "14")  # due within this many days
    REMIND_STALE_DAYS = setting_number("SCORECARD_REMIND_STALE_DAYS", "30")  # owners: not updated for
    ESCALATE_STALE_DAYS = setting_number("SCORECARD_ESCALATE_STALE_DAYS", "60")  # executives: not updated for
    # Mail: without SCORECARD_SMTP_HOST messages are kept in the outbox (/outbox/, administrators).
    SMTP_HOST = os.environ.get("SCORECARD_SMTP_HOST", "")
    SMTP_PORT = setting_number("SCORECARD_SMTP_PORT", "587", minimum=1)
    SMTP_USER = os.environ.get("SCORECARD_SMTP_USER", "")
    SMTP_PASSWORD = os.environ.get("SCORECARD_SMTP_PASSWORD", "")
    SMTP_TLS = os.environ.get("SCORECARD_SMTP_TLS", "starttls")  # one of SMTP_TLS_MODES
    SMTP_TIMEOUT = setting_number("SCORECARD_SMTP_TIMEOUT", "30", minimum=1)  # seconds
    MAIL_FROM = os.environ.get("SCORECARD_MAIL_FROM", "CX Scorecard <cx-scorecard@localhost>")
    # The dashboards' query cache (Flask-Caching), keyed by a data version: SimpleCache in each process by
    # default; FileSystemCache (SCORECARD_CACHE_DIR) or RedisCache (SCORECARD_CACHE_REDIS_URL) to share it.
    CACHE_TYPE = os.environ.get("SCORECARD_CACHE_TYPE", "SimpleCache")
    CACHE_DIR = os.environ.get("SCORECARD_CACHE_DIR") or None
    CACHE_REDIS_URL = os.environ.get("SCORECARD_CACHE_REDIS_URL") or None
    # Many hosts: with SCORECARD_REDIS_URL, background jobs go to Celery workers (`scorecard worker`)
    # through Redis, and the dashboards' cache and the API's rate limits are kept there too. Without it
    # (the embedded mode) each server runs its own jobs in threads.
    REDIS_URL = os.environ.get("SCORECARD_REDIS_URL") or None
    REDIS_TIMEOUT_SECONDS = setting_number("SCORECARD_REDIS_TIMEOUT_SECONDS", "2", minimum=0.1, whole=False)
    # A job whose worker vanished is given to another after this long (longer than the longest import).
    JOB_VISIBILITY_SECONDS = setting_number("SCORECARD_JOB_VISIBILITY_SECONDS", "3600", minimum=1)
    # A pending import whose job shows no sign of life for this long is failed as stalled.
    IMPORT_STALE_SECONDS = setting_number("SCORECARD_IMPORT_STALE_SECONDS", "1800", minimum=1)
    # Uploads: a folder (shared by every host when there are several), or s3://bucket/prefix.
    UPLOAD_FOLDER = os.environ.get("SCORECARD_UPLOAD_FOLDER") or None
    UPLOAD_STORAGE = os.environ.get("SCORECARD_UPLOAD_STORAGE", "")
    S3_ENDPOINT_URL = os.environ.get("SCORECARD_S3_ENDPOINT_URL") or None  # an S3-compatible store not AWS's
    # Briefings: their files are kept in the upload storage, their state on their rows.
    BRIEFING_KEEP_HOURS = setting_number("SCORECARD_BRIEFING_KEEP_HOURS", "24", whole=False)
    BRIEFING_STALE_SECONDS = setting_number("SCORECARD_BRIEFING_STALE_SECONDS", "600", minimum=1)
    BRIEFING_MAX_OPEN = setting_number("SCORECARD_BRIEFING_MAX_OPEN", "3", minimum=1)  # per user, being written at once
    CACHE_DEFAULT_TIMEOUT = setting_number("SCORECARD_CACHE_TIMEOUT", "3600")
    # The API's (scorecard.api): requests per user, all their tokens together (per address before a token
    # is known), any Flask-Limiter limit string; how long an upload or confirm waits for its background
    # job before answering with the batch as it is, and how many such requests of one process wait at once.
    API_RATE_LIMIT = os.environ.get("SCORECARD_API_RATE_LIMIT", "300 per minute")
    API_IMPORT_WAIT_SECONDS = setting_number("SCORECARD_API_IMPORT_WAIT_SECONDS", "30", whole=False)
    API_IMPORT_WAITERS = setting_number("SCORECARD_API_IMPORT_WAITERS", "2")


class DevelopmentConfig(Config):
    """Local runs (`make run`): cookies may travel over plain http."""

    DEBUG = True
    ENVIRONMENT = "development"
    BASE_URL = os.environ.get("SCORECARD_BASE_URL", "http://127.0.0.1:8050")  # `make run`'s address
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False


class TestingConfig(Config):
    """The test suite (tests/conftest.py): a fixed secret and cookies over plain http; each test
    subclasses it with its own database (SQLALCHEMY_DATABASE_URI) and UPLOAD_FOLDER."""

    TESTING = True
    ENVIRONMENT = "testing"
    BASE_URL = "http://127.0.0.1:8050"
    FILE_UMASK = None  # the test process keeps its own
    SECRET_KEY = "test-secret"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    # Tests make hundreds of users; a cheap hash keeps them quick (scrypt takes 0.1 s a hash).
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    # An evaluation a request queues (a rule published, an import reverted) runs in that request,
    # so a test reads its findings next; tests of the background path turn it off.
    EVALUATIONS_INLINE = True


# The configurations SCORECARD_ENV may name. The test suite's (TestingConfig: a published secret, plain
# http cookies, cheap password hashes) is handed to create_app by the tests, never chosen by a variable.
CONFIGS = {"production": Config, "development": DevelopmentConfig}


# A SECRET_KEY set for production is at least this long and none of these (published or guessable).
SECRET_KEY_MIN_LENGTH = 32
# Words a key copied from a tutorial or a template holds ("your-secret-key-here-change-me"): a random one
# of 32 characters or more holds one by a chance of less than one in a million (a hex key none at all).
PLACEHOLDER_WORDS = ("change", "replace", "example", "placeholder", "yoursecret", "secretkey", "insert", "sample")
KNOWN_SECRETS = {"test-secret", "changeme", "change-me", "secret", "secret-key", "secretkey", "development",
                 "dev", "password", "...", "one key on every host", "live-secret",
                 # Flask's documentation's own example of a random key, copied into public applications verbatim
                 "192b9bdd22ab9ed4d12e236c78afcb9a393ec15f71bbf5dc987d54727823bcbf"}


def chosen_config() -> type:
    """The config class SCORECARD_ENV names (production when it is not set)."""
    name = os.environ.get("SCORECARD_ENV", "production")
    if name not in CONFIGS:
        raise ConfigurationError(f"SCORECARD_ENV is {name!r}; it is one of {', '.join(map(repr, CONFIGS))} "
                                 "(production when it is not set).")
    return CONFIGS[name]


def load_config(app, config=None) -> None:
    """Apply a config class (`config` itself when it is one, else the one SCORECARD_ENV names),
    then any overrides in `config` when it is a dict. A setting that cannot be read stops the start
    with a ConfigurationError naming it (`refuse_unsettled`), before anything is written."""
    app.config.from_object(config if isinstance(config, type) and issubclass(config, Config) else chosen_config())
    if isinstance(config, dict):
        app.config.update(config)
    refuse_unsettled(app.config)
    set_zone(app.config.get("TIMEZONE", DEFAULT_ZONE))
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = database_url(app.instance_path)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        _size_pool(app.config)
    if app.config.get("REDIS_URL"):
        _share_redis(app.config)
    problem = database_problem(app.config["SQLALCHEMY_DATABASE_URI"]) or secret_key_problem(app.config)
    if problem:
        raise ConfigurationError(problem)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(app.instance_path)


# The dashboards' cache backends the settings configure, by Flask-Caching's names.
CACHE_TYPES = ("SimpleCache", "FileSystemCache", "RedisCache", "NullCache")


def unsettled(config) -> list[str]:
    """What in `config` (a mapping of settings) the app cannot start with, each in a sentence naming its
    variable: a number that could not be read (UNREADABLE), an upload storage there is none of, an API
    rate limit Flask-Limiter cannot parse (it would swallow the error on every request and limit
    nothing), a cache type the settings do not configure (CACHE_TYPES), a site address that is not one, a Redis
    or rate limits' store address that is not one, a time zone there is none of."""
    from limits import parse_many

    found = list(dict.fromkeys(UNREADABLE))
    folder = config.get("UPLOAD_FOLDER")
    if folder and Path(folder).exists() and not Path(folder).is_dir():
        found.append(f"SCORECARD_UPLOAD_FOLDER is {str(folder)[:80]!r}, which is a file, not a folder: give the folder "
                     "uploads and briefings are kept in (made if missing).")
    storage = config.get("UPLOAD_STORAGE") or ""
    if storage and not (urlsplit(storage).scheme == "s3" and urlsplit(storage).netloc):
        found.append(f"SCORECARD_UPLOAD_STORAGE is {storage[:80]!r}; it is empty (uploads and briefings in "
                     "SCORECARD_UPLOAD_FOLDER on this host) or an S3 bucket as s3://bucket/prefix.")
    try:
        parse_many(str(config.get("API_RATE_LIMIT", "300 per minute")))
    except ValueError:
        found.append(f"SCORECARD_API_RATE_LIMIT is {str(config.get('API_RATE_LIMIT'))[:60]!r}; it is a rate such "
                     "as '300 per minute' or '10/second;1000/hour'.")
    kind = str(config.get("CACHE_TYPE") or "SimpleCache")
    if kind not in CACHE_TYPES:  # another of Flask-Caching's (a Redis Sentinel or cluster) needs settings of its own
        found.append(f"SCORECARD_CACHE_TYPE is {kind[:60]!r}; it is SimpleCache (in the process, the default), "
                     "FileSystemCache (with SCORECARD_CACHE_DIR), RedisCache (with SCORECARD_CACHE_REDIS_URL) or "
                     "NullCache.")
    elif kind == "FileSystemCache" and not config.get("CACHE_DIR"):
        found.append("SCORECARD_CACHE_TYPE is FileSystemCache: SCORECARD_CACHE_DIR names its folder.")
    elif kind == "RedisCache" and not (config.get("CACHE_REDIS_URL") or config.get("REDIS_URL")):
        # Flask-Caching would take Redis's default, localhost:6379: another host's cache, or none at all.
        found.append("SCORECARD_CACHE_TYPE is RedisCache: SCORECARD_CACHE_REDIS_URL (or SCORECARD_REDIS_URL) "
                     "names its Redis.")
    tls = str(config.get("SMTP_TLS") or "starttls").strip().lower()
    if tls not in SMTP_TLS_MODES:  # read when mail is sent: a typo showed at the first reminder, hours later
        found.append(f"SCORECARD_SMTP_TLS is {str(config.get('SMTP_TLS'))[:40]!r}; use one of "
                     f"{', '.join(SMTP_TLS_MODES)}.")
    found += filter(None, [base_url_problem(config), zone_problem(str(config.get("TIMEZONE", DEFAULT_ZONE))),
                           *store_problems(config)])
    return found


# The stores a setting may name, by the schemes their clients read: Celery's broker, the dashboards' cache
# and the API's rate limits all read SCORECARD_REDIS_URL (the limits' store takes no unix://), redis-py
# alone the cache's own address, and Flask-Limiter its store's (scorecard.api).
REDIS_SCHEMES = ("redis", "rediss")
CACHE_REDIS_SCHEMES = ("redis", "rediss", "unix")


def store_problems(config) -> list[str]:
    """Why SCORECARD_REDIS_URL, SCORECARD_CACHE_REDIS_URL or SCORECARD_RATELIMIT_STORAGE_URI cannot be used,
    each in a sentence naming it. Unread at start, an address without its scheme (`redis//host:6379`) passed
    the start and then stopped every gunicorn worker as it booted, each with a traceback, and the master with
    "Worker failed to boot"."""
    from limits.storage import SCHEMES

    limits = sorted(scheme for scheme in SCHEMES if not scheme.startswith("async+"))
    given = [("SCORECARD_REDIS_URL", config.get("REDIS_URL"), REDIS_SCHEMES,
              "a Redis address such as redis://redis.internal:6379/0 (rediss:// over TLS)"),
             ("SCORECARD_CACHE_REDIS_URL", config.get("CACHE_REDIS_URL"), CACHE_REDIS_SCHEMES,
              "a Redis address such as redis://redis.internal:6379/1 (rediss:// over TLS, unix:// on this host)"),
             ("SCORECARD_RATELIMIT_STORAGE_URI", os.environ.get("SCORECARD_RATELIMIT_STORAGE_URI"), limits,
              "a store of the API's rate limits such as redis://redis.internal:6379/2 or memory://")]
    found = []
    for name, url, schemes, what in given:
        if url and not _reads_as(str(url), schemes):
            found.append(f"{name} is {without_password(str(url))[:80]!r}; it is {what}.")
    return found


SECRET_QUERY_OPTIONS = ("password", "sslpassword")  # libpq's options that hold a secret


def without_password(url: str) -> str:
    """`url` as a message may show it: its password (redis://:secret@host, one holding "/" or "@" too) and the
    secrets of its query (?password=, ?sslpassword=) written as ***, as SQLAlchemy reads them; an address it
    cannot read, from the user's ":" to the last "@", and every query option named so."""
    import sqlalchemy as sa

    try:
        parsed = sa.engine.make_url(url)
    except Exception:  # noqa: BLE001 — an address SQLAlchemy cannot read: hidden by its shape below
        parsed = None
    if parsed is not None:
        hidden = {name: "***" for name in parsed.query if name.lower() in SECRET_QUERY_OPTIONS}
        shown = (parsed.update_query_dict(hidden) if hidden else parsed).render_as_string(hide_password=True)
        return shown.replace("=%2A%2A%2A", "=***")  # the query's *** as the password's reads
    url = re.sub(r"(//[^:/@]*:).*(?=@)", r"\1***", url, count=1)
    return re.sub(r"(?i)([?&;](?:ssl)?pass(?:word|%77ord)=)[^&;]*", r"\1***", url)


def _reads_as(url: str, schemes) -> bool:
    """Whether `url` has one of `schemes` and, if it names a port, a port that is one."""
    parts = urlsplit(url.strip())
    try:
        parts.port  # noqa: B018 — read for its check: a port that is not one (99999, "x") raises
    except ValueError:
        return False
    return parts.scheme.lower() in schemes


def base_url_problem(config) -> Optional[str]:
    """Why SCORECARD_BASE_URL (the address reminders and briefings link to) cannot be used, or None. Unread
    at start, a value without its scheme let the server start, and the daily reminders then failed saying
    it was "not set" while briefings held links that lead nowhere. (An http:// address is let be: a site
    reached through a proxy on a private network may be given one.)"""
    base = str(config.get("BASE_URL") or "").strip()
    if not base:
        return None
    parts = urlsplit(base)
    try:
        parts.port  # noqa: B018 — read for its check: a port that is not one (99999) raises
    except ValueError:
        parts = None
    if (parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname or parts.query
            or parts.fragment or parts.username or parts.password):
        return (f"SCORECARD_BASE_URL is {base[:80]!r}; it is the address people open the site at, such as "
                "https://scorecard.agency.gov, with its https:// and without a query or a user name.")
    return None


def site_base_url(config) -> str:
    """The site's address as SCORECARD_BASE_URL gives it (its scheme in small letters, no slash at its
    end), or "" when it is not set: what reminders' and briefings' links start with."""
    base = str(config.get("BASE_URL") or "").strip()
    if not base or base_url_problem(config):
        return ""
    parts = urlsplit(base)
    return urlunsplit((parts.scheme.lower(), parts.netloc, parts.path.rstrip("/"), "", ""))


def refuse_unsettled(config) -> None:
    """Stop with everything `unsettled` finds, each named."""
    found = unsettled(config)
    if found:
        raise ConfigurationError(" ".join(found))


def secret_key_problem(config) -> Optional[str]:
    """Why the app cannot sign sessions with `config`'s SECRET_KEY (its database URL set), or None: none
    set outside the single-machine mode (which keeps one in its instance folder), or one set for
    production, or outside the single-machine mode (PostgreSQL or Redis: a shared deployment, whatever
    SCORECARD_ENV says), that is weak. Checked by the app and, before any worker starts, by gunicorn's master."""
    key = config.get("SECRET_KEY")
    if not key:
        if embedded(config):
            return None
        return ("SECRET_KEY is required outside the single-machine mode (a PostgreSQL DATABASE_URL or "
                "SCORECARD_REDIS_URL is set): every host must sign sessions with the same key. Set SECRET_KEY "
                "to a long random value, the same on every host (python3 -c 'import secrets; "
                "print(secrets.token_hex(32))').")
    shared = config["ENVIRONMENT"] == "production" or not embedded(config)
    weak = weak_secret(key) if shared and key == os.environ.get("SECRET_KEY") else None
    if weak:
        return (f"SECRET_KEY {weak}: anyone who guesses it can sign cookies the app believes. Set it to a long "
                "random value, the same on every host (python3 -c 'import secrets; print(secrets.token_hex(32))').")
    return None


def weak_secret(key: str) -> Optional[str]:
    """Why a SECRET_KEY set for production or a shared deployment is too weak (in words), or None."""
    bare = key.strip()
    bare = bare[1:] if bare[:2] in ("b'", 'b"') else bare  # a Python bytes literal copied whole
    if bare.strip("'\"").strip().lower() in KNOWN_SECRETS:  # an env file keeps the quotes around a value
        return "is a published or common value"
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"is {len(key)} characters long; a shared key needs at least {SECRET_KEY_MIN_LENGTH}"
    if len(set(key)) < 8:
        return f"repeats {len(set(key))} characters"
    letters = "".join(c for c in key.lower() if c.isalpha())
    placeholder = next((word for word in PLACEHOLDER_WORDS if word in letters), None)
    if placeholder:
        return f"reads as a placeholder (it holds {placeholder!r}), not a random value"
    steps = sum(1 for a, b in zip(key, key[1:]) if ord(b) - ord(a) == 1)
    if steps * 2 >= len(key) - 1:
        return "runs in sequence (as 0123... or abcd...), not a random value"
    period = next((k for k in range(2, len(key) // 2 + 1) if key == (key[:k] * (len(key) // k + 1))[:len(key)]), None)
    if period:
        return f"repeats a pattern of {period} characters"
    return None


def embedded(config) -> bool:
    """The single-machine mode: a SQLite database and no Redis (jobs in the server's threads)."""
    return config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") and not config.get("REDIS_URL")


def _size_pool(config) -> None:
    """PostgreSQL connections per process, each checked before use: SCORECARD_DB_POOL_SIZE kept open (5) and
    SCORECARD_DB_MAX_OVERFLOW more at a peak (10). Every host's workers × (both) must stay under the
    server's max_connections (100 by default)."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    # one the server dropped (a restart, a failover) is replaced; not on SQLite, whose file is not dropped
    options.setdefault("pool_pre_ping", True)
    options.setdefault("pool_size", config.get("DB_POOL_SIZE", 5))
    options.setdefault("max_overflow", config.get("DB_MAX_OVERFLOW", 10))
    # A server that stops answering (a failover dropping packets) fails a connection in seconds, not when the
    # kernel gives up (minutes, with every worker thread waiting on it); what DATABASE_URL sets is kept.
    import sqlalchemy as sa

    try:  # the query as SQLAlchemy reads it (a "?" or "#" in the password is the password's, not a query's)
        given = set(sa.engine.make_url(config["SQLALCHEMY_DATABASE_URI"]).query)
    except Exception:  # noqa: BLE001 — an address that cannot be read: database_problem says so, next
        given = set()
    connect = dict(options.get("connect_args") or {})
    for name, value in PG_CONNECT_DEFAULTS.items():
        if name not in given and not os.environ.get(PG_ENVIRONMENT.get(name, "")):
            connect.setdefault(name, value)
    options["connect_args"] = connect
    config["SQLALCHEMY_ENGINE_OPTIONS"] = options


# libpq's connection settings (DATABASE_URL's ?connect_timeout=... overrides each, PGCONNECT_TIMEOUT its own):
# a connection attempt given up after 5 s; an open connection probed after 30 s of silence, every 10 s, dropped
# after 3 probes unanswered; data sent and not acknowledged for 30 s drops it too (Linux).
PG_CONNECT_DEFAULTS = {"connect_timeout": 5, "keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10,
                       "keepalives_count": 3, "tcp_user_timeout": 30_000}
# libpq's environment variables of those settings: one set is kept too (a connection argument overrides it).
PG_ENVIRONMENT = {"connect_timeout": "PGCONNECT_TIMEOUT"}


def _share_redis(config) -> None:
    """With Redis set, the dashboards' cache and the API's rate limits use it too, unless their own
    settings name another store."""
    if not os.environ.get("SCORECARD_CACHE_TYPE") and config.get("CACHE_TYPE") == "SimpleCache":
        config["CACHE_TYPE"] = "RedisCache"
    if config.get("CACHE_TYPE") == "RedisCache":  # one of CACHE_TYPES, as `unsettled` checked
        config["CACHE_REDIS_URL"] = config.get("CACHE_REDIS_URL") or config["REDIS_URL"]
        config.setdefault("CACHE_OPTIONS", redis_timeouts(config))
    if not os.environ.get("SCORECARD_RATELIMIT_STORAGE_URI"):
        config.setdefault("RATELIMIT_STORAGE_URI", config["REDIS_URL"])
    # (the API gives a Redis store of its limits the same timeouts: scorecard.api._limit)


def redis_timeouts(config) -> dict:
    """The Redis client's options that bound how long a Redis that stops answering holds a request up:
    REDIS_TIMEOUT_SECONDS (the dashboards' cache, the API's rate limits)."""
    wait = config.get("REDIS_TIMEOUT_SECONDS", 2)
    return {"socket_connect_timeout": wait, "socket_timeout": wait}


def _instance_secret(instance_path: str) -> str:
    """A per-installation secret kept in instance/, so sessions survive restarts."""
    path = Path(instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
