"""`scorecard remind`: e-mail owners about overdue, due and stale commitments, and executives
about escalations. Safe from cron and safe to repeat: what was sent is recorded, and each
reminder goes out once."""
import json

import click
from flask import current_app
from flask.cli import with_appcontext

from scorecard.cli_values import DAY
from scorecard.clock import agency_today
from scorecard.text import counted


@click.command("remind")
@click.option("--dry-run", is_flag=True, help="Say what would be sent; send and record nothing.")
@click.option("--json", "as_json", is_flag=True,
              help='Print {"sent": n, "skipped": n, "messages": [{"to", "subject", "commitments"}]}.')
@click.option("--today", type=DAY, help="Remind as of this date (default today).")
@with_appcontext
def remind_command(dry_run, as_json, today):
    """Send one digest per person: owners (the function's officers and the named leader) hear of
    commitments overdue, due soon or not updated; executives of those overdue or long without an
    update. `skipped` counts reminders already sent. Exits 1 when a message could not be sent."""
    from scorecard.extensions import db
    from scorecard.reminders.services import remind

    try:
        result = remind(db.session, current_app.config, today.date() if today else agency_today(), dry_run=dry_run)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    if as_json:
        click.echo(json.dumps(result.as_json(), indent=2))
    else:
        verb = "would be sent" if dry_run else "sent"
        click.echo(f"{counted(len(result.messages), 'message')} {verb} to {result.delivery}; "
                   f"{counted(result.skipped, 'reminder')} already sent {'was' if result.skipped == 1 else 'were'} "
                   "skipped.")
        for message in result.messages:
            ids = ", ".join(str(i) for i in message["commitments"])
            noun = "commitment" if len(message["commitments"]) == 1 else "commitments"
            click.echo(f"  {message['to']}: {message['subject']} ({noun} {ids})")
        for failure in result.failed:
            click.echo(f"  NOT SENT to {failure['to']}: {failure['error']}", err=True)
    if result.failed:
        raise SystemExit(1)
