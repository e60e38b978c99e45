"""Commitment reminders and escalations by e-mail (`scorecard remind`), and the outbox page
where administrators read every message the app sent or holds."""
from flask import Blueprint

bp = Blueprint("reminders", __name__)

from scorecard.reminders import routes  # noqa: E402,F401


def init_app(app) -> None:
    """`scorecard demo` (and so `make run`) says where reminders go."""
    from scorecard.signals import demo_seeded

    demo_seeded.connect(_where_mail_goes)


def _where_mail_goes(app, **extra) -> list[str]:
    from scorecard.reminders.mail import MailSettings

    try:
        settings = MailSettings.from_config(app.config)
    except ValueError as error:  # say so, but let the demo load
        return [f"Mail: {error}; `scorecard remind` will refuse to run until it is fixed."]
    base = (app.config.get("BASE_URL") or "").rstrip("/")
    if not base:
        return ["Mail: SCORECARD_BASE_URL is not set, so `scorecard remind` will refuse to run: reminders link "
                "to the site's address."]
    if settings.host:
        return [f"Mail: `scorecard remind` sends reminders over {settings.where()}; every message is listed "
                f"at {base}/outbox/ (administrators)."]
    return [f"Mail: no SMTP server is set (SCORECARD_SMTP_HOST), so `scorecard remind` keeps reminders in the "
            f"outbox: {base}/outbox/ (sign in as an administrator)."]
