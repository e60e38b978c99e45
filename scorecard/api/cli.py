"""`scorecard token create EMAIL --scope read|write [--expires-days N]`: a personal access token
for a user, printed once (only its hash is kept)."""
import click
from flask.cli import with_appcontext

from scorecard.clock import moment


@click.group("token")
def token_group():
    """Personal access tokens for the REST API."""


@token_group.command("create")
@click.argument("email")
@click.option("--scope", type=click.Choice(["read", "write"]), required=True,
              help="read: read what the user may see; write: also change what the user may change.")
@click.option("--expires-days", type=click.IntRange(1, 3650), help="Days until it expires (default: never).")
@click.option("--name", help="What the token is for (shown on the user's API tokens page).")
@with_appcontext
def create_command(email, scope, expires_days, name):
    """Make a token for the user EMAIL and print it (it is shown only this once)."""
    from scorecard.api.tokens import TokenError, create_token
    from scorecard.auth.services import user_with_email
    from scorecard.extensions import db

    user = user_with_email(db.session, email)
    if user is None:
        raise click.ClickException(f"there is no user {email}")
    try:
        token, secret = create_token(db.session, user, scope=scope, name=name, expires_days=expires_days)
    except TokenError as error:
        raise click.ClickException(str(error)) from error
    expires = f", expires {moment(token.expires_at)}" if token.expires_at else ""
    click.echo(f"Created a {scope} token for {user.email} ({user.role.value}){expires}. It is shown only once:",
               err=True)
    click.echo(secret)


@token_group.command("revoke")
@click.argument("email")
@click.argument("prefix")
@with_appcontext
def revoke_command(email, prefix):
    """Revoke the token of user EMAIL that PREFIX names: the start of its prefix as its API tokens page shows
    it, or the whole token. Refused when PREFIX names several tokens still in use (each is listed)."""
    from scorecard.api.tokens import revoke_token, shown, tokens_matching
    from scorecard.auth.services import user_with_email
    from scorecard.extensions import db

    user = user_with_email(db.session, email)
    if user is None:
        raise click.ClickException(f"there is no user {email}")
    found = tokens_matching(db.session, user, prefix)
    usable = [t for t in found if t.revoked_at is None]
    if not found:
        raise click.ClickException(f"{email} has no token starting {shown(prefix)!r}" if shown(prefix) == prefix.strip()
                                   else f"{email} has no token {shown(prefix)!r} (a whole token is matched entire)")
    if not usable:
        said = "; ".join(f"{t.prefix}… ({t.name}) on {moment(t.revoked_at)}" for t in found)
        raise click.ClickException(f"nothing revoked: the token{'s' if len(found) > 1 else ''} of {email} starting "
                                   f"{shown(prefix)!r} {'were' if len(found) > 1 else 'was'} revoked already: {said}")
    if len(usable) > 1:
        raise click.ClickException(f"nothing revoked: {shown(prefix)!r} starts {len(usable)} tokens of {email} still "
                                   "in use (" + "; ".join(f"{t.prefix}… ({t.name})" for t in usable)
                                   + "): give more of the one to revoke")
    [token] = usable
    revoke_token(db.session, user, token.id, from_command_line=True)
    click.echo(f"Revoked {token.prefix}… ({token.name}).")
