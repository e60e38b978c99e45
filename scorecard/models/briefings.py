"""Briefing jobs: one PDF or XLSX briefing a user asked for, its progress and its stored file.

The row is the job's state, read by every server and worker host; the file itself is kept in the
upload storage (a folder or S3) under `file_key`."""
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from scorecard.models.base import Base, UTCDateTime, utcnow


class BriefingJob(Base):
    """Whose briefing, of which filters, how far its job got, and the file once written."""

    __tablename__ = "briefing_jobs"
    id: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)  # a random token, not guessable
    owner_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    fmt: so.Mapped[str] = so.mapped_column(sa.String(8))
    period: so.Mapped[Optional[str]] = so.mapped_column(sa.String(16))
    agency_id: so.Mapped[Optional[int]] = so.mapped_column()
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default="queued")  # queued, running, done, failed
    stage: so.Mapped[str] = so.mapped_column(sa.String(200), default="Queued")
    percent: so.Mapped[int] = so.mapped_column(default=0)
    message: so.Mapped[Optional[str]] = so.mapped_column(sa.Text)
    file_key: so.Mapped[Optional[str]] = so.mapped_column(sa.String(300))  # in the upload storage
    download_name: so.Mapped[Optional[str]] = so.mapped_column(sa.String(300))
    title: so.Mapped[Optional[str]] = so.mapped_column(sa.String(300))
    size: so.Mapped[Optional[int]] = so.mapped_column()
    delivered: so.Mapped[bool] = so.mapped_column(default=False)  # sent to the browser once by itself
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)
    heartbeat_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)  # the job's last sign of life
