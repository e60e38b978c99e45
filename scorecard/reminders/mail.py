"""Sending mail: over SMTP (the standard library's smtplib and email.message) when
SCORECARD_SMTP_HOST is set, otherwise into the outbox, a table administrators read at
/outbox/. Every message is recorded as a MailMessage either way."""
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Optional

from scorecard.config import SMTP_TLS_MODES as TLS_MODES
from scorecard.models import MailDelivery, MailMessage


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    user: str
    password: str
    tls: str
    sender: str
    timeout: int

    @classmethod
    def from_config(cls, config) -> "MailSettings":
        tls = (config.get("SMTP_TLS") or "starttls").strip().lower()
        if tls not in TLS_MODES:
            raise ValueError(f"SCORECARD_SMTP_TLS is {tls!r}; use one of {', '.join(TLS_MODES)}")
        return cls(host=(config.get("SMTP_HOST") or "").strip(), port=int(config.get("SMTP_PORT") or 587),
                   user=config.get("SMTP_USER") or "", password=config.get("SMTP_PASSWORD") or "", tls=tls,
                   sender=config.get("MAIL_FROM") or "CX Scorecard <cx-scorecard@localhost>",
                   timeout=int(config.get("SMTP_TIMEOUT") or 30))

    @property
    def delivery(self) -> MailDelivery:
        return MailDelivery.smtp if self.host else MailDelivery.outbox

    def where(self) -> str:
        """Where messages go, in words (for the command line)."""
        if self.host:
            return f"SMTP server {self.host}:{self.port} ({self.tls})"
        return "the outbox (no SMTP server set: SCORECARD_SMTP_HOST)"


def compose(settings: MailSettings, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    domain = parseaddr(settings.sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(body)
    return message


class Mailer:
    """Delivers composed messages and records each one. Over SMTP one connection serves a whole
    run (opened at the first message, opened again after a failure)."""

    def __init__(self, settings: MailSettings):
        self.settings = settings
        self._smtp: Optional[smtplib.SMTP] = None

    def __enter__(self) -> "Mailer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def record(self, session, message: EmailMessage, user_id: Optional[int] = None) -> MailMessage:
        """The MailMessage row for `message` (added to the session, not yet committed)."""
        row = MailMessage(user_id=user_id, to_address=str(message["To"]), from_address=str(message["From"]),
                          subject=str(message["Subject"]), body=message.get_content(),
                          delivery=self.settings.delivery, message_id=str(message["Message-ID"]))
        session.add(row)
        return row

    def deliver(self, message: EmailMessage) -> None:
        """Hand the message to the SMTP server; in outbox mode recording it was delivery."""
        if self.settings.delivery is MailDelivery.outbox:
            return
        try:
            self._connection().send_message(message)
        except (smtplib.SMTPException, OSError):
            self.close()
            raise

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            s = self.settings
            if s.tls == "ssl":
                smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.tls == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
            if s.user:
                smtp.login(s.user, s.password)
            self._smtp = smtp
        return self._smtp

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None
