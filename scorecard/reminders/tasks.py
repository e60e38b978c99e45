"""Reminders as background work: the outbox's "Send the reminders owed today" button hands the run
to scorecard.dispatch (the server's threads, or a Celery worker when Redis is set), as cron's
`scorecard remind` runs it in its own process. Safe to repeat: each reminder goes out once."""
import logging
from datetime import date
from typing import Optional

from scorecard.clock import agency_today
from scorecard.dispatch import dispatch, task

log = logging.getLogger(__name__)


@task("reminders.send")
def run(app, today: Optional[str] = None) -> None:
    """Send the digests owed on `today` (ISO date; default the worker's today)."""
    from scorecard.extensions import db
    from scorecard.reminders.services import remind

    with app.app_context():
        try:
            result = remind(db.session, app.config, date.fromisoformat(today) if today else None)
            log.info("reminders: %s sent, %s skipped, %s not sent", result.sent, result.skipped, len(result.failed))
        except Exception:  # noqa: BLE001 — logged; the next run sends what is still owed
            log.exception("sending reminders failed")
        finally:
            db.session.remove()


def send_in_background(app) -> None:
    """Queue a reminders run; raises scorecard.dispatch.NotQueued when no worker can be reached."""
    dispatch(app, "reminders.send", today=agency_today().isoformat())
