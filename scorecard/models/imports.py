"""Import batches: one uploaded file, its counts and errors, and the rows it changed."""
import enum
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from scorecard.models.base import Base, UTCDateTime, utcnow
from scorecard.models.metrics import _enum


class BatchStatus(str, enum.Enum):
    pending = "pending"        # uploaded, being read and planned
    previewed = "previewed"    # planned, waiting for confirm / cancel
    committed = "committed"
    rejected = "rejected"      # errors; nothing written
    cancelled = "cancelled"
    reverted = "reverted"
    failed = "failed"          # the file could not be read


class ImportBatch(Base):
    """One uploaded file: who, when, checksum, format, counts, errors, status."""

    __tablename__ = "import_batches"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("users.id"))
    filename: so.Mapped[str] = so.mapped_column(sa.String(300))
    checksum: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    format: so.Mapped[Optional[str]] = so.mapped_column(sa.String(64))
    sheet: so.Mapped[Optional[str]] = so.mapped_column(sa.String(200))
    status: so.Mapped[BatchStatus] = so.mapped_column(_enum(BatchStatus), default=BatchStatus.pending)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    committed_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    reverted_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    inserted: so.Mapped[int] = so.mapped_column(default=0)
    updated: so.Mapped[int] = so.mapped_column(default=0)
    unchanged: so.Mapped[int] = so.mapped_column(default=0)
    # rows the import took away: a Touchpoints export's aspects the touchpoint's earlier export offered
    removed: so.Mapped[int] = so.mapped_column(default=0, server_default=sa.text("0"))
    rejected: so.Mapped[int] = so.mapped_column(default=0)
    total_rows: so.Mapped[int] = so.mapped_column(default=0)
    progress: so.Mapped[int] = so.mapped_column(default=0)  # rows read so far by the batch's job
    stage: so.Mapped[Optional[str]] = so.mapped_column(sa.String(20))  # the job's stage (reading, validating...)
    heartbeat_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)  # the job's last sign of life
    errors: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    preview: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)  # plan summary and sample changes
    options: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)  # format, sheet, program, period chosen
    stored_path: so.Mapped[Optional[str]] = so.mapped_column(sa.String(500))
    message: so.Mapped[Optional[str]] = so.mapped_column(sa.Text)

    def take_counts(self, counts: dict) -> None:
        """Keep a plan's counts (`Plan.counts`): what its preview will write, or its commit wrote."""
        self.inserted, self.updated = counts["inserted"], counts["updated"]
        self.unchanged, self.removed = counts["unchanged"], counts["removed"]

    @property
    def rows_written(self) -> int:
        """Rows the batch inserted, updated or removed (or, previewed, would): what a revert undoes."""
        return (self.inserted or 0) + (self.updated or 0) + (self.removed or 0)

    @property
    def format_words(self) -> str:
        """The batch's format as the pages name it: the one its file was read as, else the one chosen for a
        file that could not be read ("" when neither is known)."""
        if self.format:
            return self.format
        chosen = (self.options or {}).get("format")
        if chosen and self.status is BatchStatus.failed and self.stage == "queued":  # no job ever read it
            return f"{chosen} (as chosen; the file was not read)"
        if chosen and self.status in (BatchStatus.failed, BatchStatus.rejected):
            return f"{chosen} (as chosen; the file could not be read)"
        return ""

    @property
    def duplicate(self) -> bool:
        """A file already imported, whose rows are all stored as it says: refused, with nothing wrong in it."""
        return self.status is BatchStatus.rejected and bool((self.preview or {}).get("duplicate"))

    @property
    def status_words(self) -> str:
        """The status as the pages name it: "already imported" for a duplicate, which is stored as rejected
        (in the history it read as a file with bad rows)."""
        return "already imported (nothing changed)" if self.duplicate else self.status.value

    @property
    def confirm_refused(self) -> str:
        """Why the batch cannot be confirmed now, in words (only a previewed batch can): a second confirm of one
        confirmed a moment before was told the batch "is pending", which said nothing of what it was doing."""
        if self.status is BatchStatus.pending and self.preview:
            return f"Batch {self.id} was confirmed and is being written; its page says when it is done."
        if self.status is BatchStatus.pending:
            return f"Batch {self.id} is still being read; it can be confirmed once its preview is ready."
        if self.status is BatchStatus.committed:
            return f"Batch {self.id} is already committed."
        return f"Batch {self.id} is {self.status.value}; only a previewed import can be confirmed."

    changes: so.Mapped[list["ImportRowChange"]] = so.relationship(
        back_populates="batch", cascade="all, delete-orphan")


class ImportRowChange(Base):
    """A row an import inserted, updated or removed, with the values it replaced (for revert)."""

    __tablename__ = "import_row_changes"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    batch_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("import_batches.id", ondelete="CASCADE"), index=True)
    table_name: so.Mapped[str] = so.mapped_column(sa.String(64))
    row_id: so.Mapped[int]
    action: so.Mapped[str] = so.mapped_column(sa.String(16))  # insert | update
    before: so.Mapped[Optional[dict]] = so.mapped_column(sa.JSON)
    after: so.Mapped[Optional[dict]] = so.mapped_column(sa.JSON)

    batch: so.Mapped[ImportBatch] = so.relationship(back_populates="changes")
