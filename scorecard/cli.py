"""The `scorecard` command line: the Flask CLI group plus the app's own commands."""
import os

import click
from flask.cli import AppGroup, FlaskGroup, ScriptInfo, with_appcontext

from scorecard.models import Role
from scorecard.text import counted


def _create_app():
    from scorecard import create_app
    from scorecard.config import ConfigurationError

    try:
        return create_app()
    except ConfigurationError as error:  # said in a line, not under a traceback
        raise click.ClickException(str(error)) from None


# Commands that read and write none of the app's data, run whatever the database's schema: migrating it,
# serving (pages and /healthz say what is wrong), a shell, the routes, the API document, a blank template.
ON_ANY_SCHEMA = frozenset({"db", "run", "shell", "routes", "openapi", "limiter", "template"})
# `scorecard db` commands that read the release's migrations and not the database: they answer whatever the
# database is (a later release's, or none reached).
OF_THE_MIGRATIONS_ALONE = frozenset({"heads", "history", "show", "branches", "list-templates"})


class _Group(FlaskGroup):
    """Flask's group, saying a refused configuration in one line under --help too (Flask prints a
    traceback when the app does not load while it lists the commands)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        try:
            ctx.ensure_object(ScriptInfo).load_app()
        except click.ClickException as error:
            click.secho(f"Error: {error.format_message()}\n", err=True, fg="red")
            self._load_plugin_commands()
            return sorted(AppGroup.list_commands(self, ctx))  # Flask's own commands; the app's need the app
        return super().list_commands(ctx)

    def resolve_command(self, ctx: click.Context, args: list[str]):
        """The command asked for; one that reads or writes the app's data is refused on a database behind the
        release (or never migrated), saying so: `evaluate`, `remind` and `create-user` ran with this release's
        code on an older schema (cron runs them while a deploy is under way), writing what it may not hold."""
        import sqlalchemy.exc

        name, command, rest = super().resolve_command(ctx, args)
        if {"--help", "-h"} & set(rest) or (name == "db" and _subcommand(rest) in OF_THE_MIGRATIONS_ALONE):
            return name, command, rest
        try:
            said = _later_release(ctx) if name == "db" else None if name in ON_ANY_SCHEMA else _behind_release(ctx)
        except (sqlalchemy.exc.DatabaseError, sqlalchemy.exc.InterfaceError) as error:
            said = _unreachable(error)
            if said is None:
                raise
        if said is not None:
            raise click.ClickException(said)
        return name, command, rest

    def invoke(self, ctx: click.Context):
        """A database that cannot be reached (not created yet, not running, a wrong address or password) is
        said in a line naming what the server answered: `scorecard db upgrade` on a database not yet created
        printed forty lines of traceback, the cause at their foot."""
        import sqlalchemy.exc

        try:
            return super().invoke(ctx)
        except (sqlalchemy.exc.DatabaseError, sqlalchemy.exc.InterfaceError) as error:
            # a database not reached, not SQLite's, or without this release's tables (SQLite's "no such table",
            # PostgreSQL's "relation does not exist"); any other error as it was raised
            said = _unreachable(error) or (_migration_failed(error) if ctx.invoked_subcommand == "db"
                                           else _not_migrated(ctx))
            if said is None:
                raise
            raise click.ClickException(said) from None


def _subcommand(rest: list[str]):
    """The `scorecard db` command named in `rest` (`heads` of `-d migrations heads`), else None."""
    words = iter(rest)
    for word in words:
        if word in ("-d", "--directory", "-x"):
            next(words, None)  # the option's value
        elif not word.startswith("-"):
            return word
    return None


def _migration_failed(error) -> str:
    """What to say of a statement that failed under `scorecard db ...`: the database's own words (it was said
    to be behind, and to run `scorecard db upgrade`, the command that had just failed)."""
    cause = " ".join(line.strip() for line in str(getattr(error, "orig", None) or error).strip().splitlines()[:3])
    return (f"the migration failed: the database answered {type(getattr(error, 'orig', error)).__name__}: "
            f"{cause[:800]}. `scorecard db current` says the revision it reached.")


def _unreachable(error) -> "str | None":
    """What to say of a database error met while connecting (None for any other: a lock, a statement)."""
    first = str(getattr(error, "orig", None) or error).strip().splitlines()
    first = " ".join(line.strip() for line in first[:2])
    if first.startswith("file is not a database"):
        return ("the file DATABASE_URL names is not a SQLite database (file is not a database): point DATABASE_URL "
                "at the app's database, or at a new file and run `scorecard db upgrade`.")
    first = first.removeprefix("connection is bad: ")  # psycopg's words before libpq's, on a socket's address
    if not first.startswith(("connection failed", "connection to server", "could not connect",
                             "connection timeout expired", "unable to open database file")):
        return None
    return (f"the database (DATABASE_URL) could not be reached ({first[:500]}). Check that it is running and "
            "that DATABASE_URL names it; a PostgreSQL database is made once with createdb before "
            "`scorecard db upgrade`.")


def _asked(ctx: click.Context, question):
    """`question(session)` of the app's database, with the app the command line loads, and the app."""
    from scorecard.extensions import db

    app = ctx.ensure_object(ScriptInfo).load_app()
    with app.app_context():
        try:
            db.session.connection()  # a database not reached raises here, to be said so (not as one without tables)
            return question(db.session), app
        finally:
            db.session.remove()


def _later_release(ctx: click.Context) -> "str | None":
    """Why `scorecard db ...` cannot work on the database: a later release migrated it (Alembic said only
    "Can't locate revision identified by '0023'"); None otherwise."""
    from scorecard.config import without_password
    from scorecard.main.services import later_revisions

    later, app = _asked(ctx, later_revisions)
    if not later:
        return None
    url = without_password(app.config["SQLALCHEMY_DATABASE_URI"])
    return (f"the database ({url}) is at revision {', '.join(later)}, which this release's migrations do not hold: "
            "a later release migrated it. Run that release's `scorecard db` commands (`db downgrade` to go back to "
            "this release's revision), or point DATABASE_URL at this release's database.")


def _behind_release(ctx: click.Context) -> "str | None":
    """Why a command of the app's data is not run: the database's schema is older than the release's (a
    database never migrated, or not reached, fails the command itself, and `invoke` says why)."""
    from scorecard.main.services import behind_release

    behind, app = _asked(ctx, behind_release)
    return None if behind is None else _naming_the_database(behind, app)


def _not_migrated(ctx: click.Context) -> "str | None":
    """Why a command failed on a database this release's migrations have not made (never migrated, or
    behind), naming the database, or None when its schema is whole (the error was another): a command
    other than `db upgrade` run on such a database printed a traceback with the statement it failed on."""
    from scorecard.main.services import schema_problem

    def asked(session):
        session.rollback()
        return schema_problem(session)
    problem, app = _asked(ctx, asked)
    return None if problem is None else _naming_the_database(problem, app)


def _naming_the_database(problem: str, app) -> str:
    from scorecard.config import without_password

    url = without_password(app.config["SQLALCHEMY_DATABASE_URI"])
    return f"{problem} (the database is {url}: if that is not the one meant, set DATABASE_URL)."


@click.group(cls=_Group, create_app=_create_app)
def main():
    """CX Scorecard: import CX data, evaluate rules, serve dashboards."""


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--function", "function_code", help="Function code for an officer (CFO, CIO, CHCO, GC ...).")
@click.option("--leader", "leader_email", help="E-mail of the Leader record a leader user is linked to.")
@click.option("--name", help="Display name.")
@with_appcontext
def create_user_command(email, role, function_code, leader_email, name):
    """Create a user. The password comes from SCORECARD_PASSWORD or a prompt."""
    from scorecard.auth.services import create_user

    password = os.environ.get("SCORECARD_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(email, password, Role(role), function_code=function_code,
                           leader_email=leader_email, name=name)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    scope = f", function {user.function.code}" if user.function else ""
    click.echo(f"Created {user.email} ({user.role.value}{scope}).")


@click.command("unlock")
@click.argument("email", required=False)
@click.option("--address", "client_address", help="Unlock a client address instead of an account.")
@with_appcontext
def unlock_command(email, client_address):
    """Let an account (or a client address) sign in again without waiting: its recent failed
    sign-ins are marked cleared (they stay on record); audited. An address's unlock lifts its own
    limit alone: the accounts tried from it keep their delays."""
    from scorecard.auth.services import address_key, is_ip_address, unlock, user_with_email
    from scorecard.extensions import db

    email, client_address = (email or "").strip() or None, (client_address or "").strip() or None
    if email and client_address:
        raise click.UsageError("name an e-mail address or --address, not both")
    if not (email or client_address):
        raise click.UsageError("name the e-mail address of the account to unlock, or --address ADDRESS")
    if client_address and not is_ip_address(client_address):
        raise click.UsageError(f"--address takes a client's IP address (as the audit log shows it, e.g. 203.0.113.7 "
                               f"or 2001:db8::7); {client_address!r} is not one")
    client_address = address_key(client_address)  # said as the audit log keeps it (2001:0db8::0007 is 2001:db8::7)
    # An e-mail no account has is throttled as an account's is (sign-ins do not tell which exist): it may be
    # unlocked too, but a mistyped one left the person locked out while this said "Unlocked".
    account = not email or user_with_email(db.session, email) is not None
    cleared = unlock(db.session, email=email, client_address=client_address)
    if not account and not cleared:
        raise click.ClickException(f"no account has the e-mail {email.strip()!r}, and no sign-in under it failed "
                                   "lately: nothing was unlocked. Check the spelling.")
    whose = "" if account else " (no account has this e-mail)"
    kept = " from its count (the accounts tried from it keep their own delays)" if client_address else ""
    click.echo(f"Unlocked {email or client_address}{whose}: {counted(cleared, 'recent failed sign-in')} cleared{kept}.")


@click.command("demo")
@click.option("--force", is_flag=True, help="Load the demo even though this is a production configuration.")
@with_appcontext
def demo_command(force):
    """Fill an empty database with the demo agency and the real performance.gov A-11 files;
    running it again changes nothing. Refused on a production configuration (SCORECARD_ENV unset
    or production) unless --force: the demo accounts share a published password."""
    from flask import current_app

    if current_app.config.get("ENVIRONMENT") == "production" and not current_app.testing and not force:
        raise click.ClickException(
            "this is a production configuration (SCORECARD_ENV is unset or 'production'), and every demo account "
            "signs in with a published password; run it with SCORECARD_ENV=development, or pass --force")
    from scorecard.demo import DEMO_PASSWORD, DEMO_USERS, seed_demo
    from scorecard.extensions import db
    from scorecard.signals import demo_seeded

    created = seed_demo(db.session)
    click.echo("Demo data loaded." if created else "Demo data already present; nothing changed.")
    for _receiver, lines in demo_seeded.send(current_app._get_current_object(), session=db.session, created=created):
        for line in lines or ():
            click.echo(line)
    click.echo(f"Demo sign-ins (password for all: {DEMO_PASSWORD}):")
    for email, role, *_ in DEMO_USERS:
        click.echo(f"  {role:<10} {email}")


@click.command("worker")
@click.option("--concurrency", type=int, default=2, show_default=True, help="Jobs run at once by this worker.")
@click.option("--loglevel", default="INFO", show_default=True)
@click.option("--child", is_flag=True, hidden=True, help="Run the worker in this process (the supervisor's child).")
@with_appcontext
def worker_command(concurrency, loglevel, child):
    """Run background jobs (import previews and commits, rule evaluations, briefing exports,
    reminders) queued through Redis (SCORECARD_REDIS_URL): start one or more on any host that
    reaches the database, Redis and the upload storage. The worker runs in a child process, started
    again if it stops on an error (scorecard.supervise); SIGTERM stops it after its running jobs."""
    import sys

    from flask import current_app

    from scorecard.dispatch import celery, queued
    from scorecard.supervise import supervise

    app = current_app._get_current_object()
    if not queued(app):
        raise click.ClickException("SCORECARD_REDIS_URL is not set: without it each server runs its own jobs, "
                                   "and there is nothing for a worker to take")
    if not child:
        sys.exit(supervise([sys.executable, "-m", "scorecard.cli", "worker", "--child",
                            f"--concurrency={concurrency}", f"--loglevel={loglevel}"]))
    celery(app).worker_main(["worker", f"--concurrency={concurrency}", f"--loglevel={loglevel}",
                             "--pool=threads", "--without-gossip", "--without-mingle", "-Q", "scorecard"])


def register_commands(app) -> None:
    from scorecard.reminders.cli import remind_command
    for command in (create_user_command, demo_command, remind_command, unlock_command, worker_command):
        app.cli.add_command(command)
    from scorecard.rules.cli import register as register_rule_commands
    register_rule_commands(app)
    from scorecard.api.cli import token_group
    app.cli.add_command(token_group)


if __name__ == "__main__":
    main()
