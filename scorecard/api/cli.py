"""`scorecard token create EMAIL --scope read|write [--expires-days N]`: a personal access token
for a user, printed once (only its hash is kept)."""
import click
import sqlalchemy as sa
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
    """Revoke the token of user EMAIL that starts with PREFIX (as its API tokens page shows it)."""
    from scorecard.api.tokens import revoke_token
    from scorecard.auth.services import user_with_email
    from scorecard.extensions import db
    from scorecard.models import ApiToken

    user = user_with_email(db.session, email)
    token = None if user is None else db.session.scalar(
        sa.select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.prefix.startswith(prefix, autoescape=True)))
    if token is None:
        raise click.ClickException(f"{email} has no token starting {prefix!r}")
    revoke_token(db.session, user, token.id)
    click.echo(f"Revoked {token.prefix}… ({token.name}).")
