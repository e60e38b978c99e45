"""gunicorn's settings for serving CX Scorecard: `gunicorn -c python:scorecard.gunicorn_conf wsgi:app`.

Every setting may still be given on the command line or in GUNICORN_CMD_ARGS. The app answers an
over-long address (beyond MAX_URL_LENGTH, 8,000: 414 as a page or as an API problem); gunicorn refuses
a request line beyond its own limit, 8,190 bytes, at once, with its bare page. Without that limit
one request line of megabytes kept a worker busy for minutes, past the request timeout.
"""
import logging
import multiprocessing
import os
import sys


def _whole(name: str, default: int, minimum: int = 1) -> int:
    """The environment variable `name` as a whole number of at least `minimum` (its default when unset), read
    as the app reads its own (scorecard.config.setting_number); another value stops gunicorn at start, naming
    it (an int() said "invalid literal" under a traceback)."""
    from scorecard.config import setting_number

    problems: list[str] = []
    value = setting_number(name, str(default), minimum=minimum, problems=problems)
    if problems:
        raise SystemExit("Error: " + " ".join(problems))
    return value


bind = os.environ.get("SCORECARD_BIND", "0.0.0.0:8000")
workers = _whole("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8))
threads = _whole("SCORECARD_THREADS", 4)
# With threaded workers, how long a worker may go without a sign of life (a request blocking it that long
# gets it restarted), not a limit on one request: a buffering proxy in front keeps slow clients off the
# threads (README, "Production").
timeout = _whole("SCORECARD_REQUEST_TIMEOUT", 120, minimum=0)  # 0: no timeout, as gunicorn has it
# Idle keep-alive connections stay open longer than a load balancer's own idle timeout (60 s on the
# common ones): closing first makes a reused connection fail mid-request (seen under Locust at 2 s).
keepalive = _whole("SCORECARD_KEEPALIVE", 75, minimum=0)  # 0: no keep-alive
limit_request_line = 8190  # gunicorn's largest; an address the app refuses (MAX_URL_LENGTH) fits below it
# A proxy's X-Forwarded-Proto (and -For) are believed by the app alone, from SCORECARD_TRUSTED_PROXIES proxies
# (scorecard.security, werkzeug's ProxyFix): gunicorn's own defaults believed the scheme from 127.0.0.1 and any
# UNIX socket even at 0, so a proxy on the same machine left unset looked like a working setup (Secure cookies,
# HSTS) while every browser's address read as 127.0.0.1, one failed sign-in limit for all of them.
secure_scheme_headers: dict = {}
forwarded_allow_ips = ""
accesslog = "-"
errorlog = "-"
# gunicorn's control socket (gunicornc) is one path per user by default: a second server on the host
# took it over from the first. Off unless SCORECARD_CONTROL_SOCKET names a path of this server's own.
control_socket = os.environ.get("SCORECARD_CONTROL_SOCKET", "")
control_socket_disable = not control_socket

LOG_FORMAT = "%(asctime)s [%(process)d] [%(levelname)s] %(name)s: %(message)s"
LOG_LEVEL = os.environ.get("SCORECARD_LOG_LEVEL", "INFO").upper()


def _settled() -> None:
    """The app's settings read from the environment, checked once in gunicorn's master as the app checks
    them (scorecard.config.unsettled): one line naming what is wrong, not a traceback from every worker."""
    from scorecard.config import (
        ConfigurationError,
        chosen_config,
        database_problem,
        database_url,
        secret_key_problem,
        unsettled,
    )

    try:
        config = chosen_config()
    except ConfigurationError as error:
        raise SystemExit(f"Error: {error}") from None
    settings = {name: getattr(config, name) for name in dir(config) if name.isupper()}
    found = unsettled(settings)
    settings["SQLALCHEMY_DATABASE_URI"] = settings["SQLALCHEMY_DATABASE_URI"] or database_url(".")
    found += filter(None, [database_problem(settings["SQLALCHEMY_DATABASE_URI"]),
                           secret_key_problem(settings)])
    if not isinstance(logging.getLevelName(LOG_LEVEL), int):
        found.append(f"SCORECARD_LOG_LEVEL is {LOG_LEVEL[:20]!r}; it is DEBUG, INFO, WARNING or ERROR.")
    if found:
        raise SystemExit("Error: " + " ".join(found))
    if settings.get("ENVIRONMENT") == "development":  # taken, but said: its cookies travel over plain http too
        print("Warning: SCORECARD_ENV is development: session cookies are sent without Secure and errors are not "
              "answered as in production. Set SCORECARD_ENV=production to serve people.", file=sys.stderr)


_settled()


def post_fork(server, worker):
    """The app's own log lines (an evaluation's result, a cache or database gone, a job that failed) go
    to standard error with their time, level and process, beside gunicorn's: nothing configured them,
    so INFO was dropped and the rest came bare. The app's packages log from SCORECARD_LOG_LEVEL (INFO),
    other libraries from WARNING."""
    logging.basicConfig(level=logging.WARNING, format=LOG_FORMAT)
    for package in ("scorecard", "importers", "dashboards"):
        logging.getLogger(package).setLevel(LOG_LEVEL)
