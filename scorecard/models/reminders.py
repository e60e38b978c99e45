"""Mail the app sends (over SMTP, or held in the outbox when no SMTP server is set) and the
commitment reminders each message carried, so a reminder goes out once per commitment, person,
reason and occasion however often `scorecard remind` runs."""
import enum
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from scorecard.models.base import Base, UTCDateTime, utcnow
from scorecard.models.metrics import _enum


class MailDelivery(str, enum.Enum):
    smtp = "smtp"      # handed to the SMTP server
    outbox = "outbox"  # no SMTP server set: kept here for administrators to read


class MailMessage(Base):
    """One e-mail message as it was sent (or held in the outbox). Never edited."""

    __tablename__ = "mail_messages"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("users.id"))
    to_address: so.Mapped[str] = so.mapped_column(sa.String(254))
    from_address: so.Mapped[str] = so.mapped_column(sa.String(254))
    subject: so.Mapped[str] = so.mapped_column(sa.String(300))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    delivery: so.Mapped[MailDelivery] = so.mapped_column(_enum(MailDelivery))
    message_id: so.Mapped[Optional[str]] = so.mapped_column(sa.String(255))

    reminders: so.Mapped[list["Reminder"]] = so.relationship(back_populates="message")


class ReminderReason(str, enum.Enum):
    """Why a commitment was in a reminder. The first three go to its owners (the function's
    officers and the named leader), the escalations to executives."""

    due_soon = "due_soon"
    overdue = "overdue"
    stale = "stale"
    escalation_overdue = "escalation_overdue"
    escalation_stale = "escalation_stale"


class Reminder(Base):
    """A commitment named in a message to one person for one reason. The occasion is what the
    reminder is about: the due date (due soon, overdue) or the date of the last update it has
    waited since (not updated); a new due date or a new update makes a new occasion."""

    __tablename__ = "reminders"
    __table_args__ = (sa.UniqueConstraint("commitment_id", "user_id", "reason", "occasion"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    commitment_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("commitments.id", ondelete="CASCADE"))
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    reason: so.Mapped[ReminderReason] = so.mapped_column(_enum(ReminderReason))
    occasion: so.Mapped[str] = so.mapped_column(sa.String(32))
    message_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("mail_messages.id"), index=True)
    sent_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    message: so.Mapped[MailMessage] = so.relationship(back_populates="reminders")
