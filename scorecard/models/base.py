"""Declarative base with stable constraint names, and shared column types."""
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from scorecard.clock import utcnow  # noqa: F401  (the models' defaults; scorecard.models exports it)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(so.DeclarativeBase):
    """Every model's table. On SQLite its id is AUTOINCREMENT, given once: SQLite otherwise gives a table's
    largest id again once its row is deleted (a revert deletes observations and commitments), so a client
    paging by `after_id` skipped the rows that took such ids, an If-Match read from a deleted commitment
    matched the one given its id, and a link to a finding could lead to another. PostgreSQL's sequences never
    go back. (Migration 0025 rebuilds the tables of a database made before.)"""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        table = cls.__dict__.get("__table__")
        if table is not None:
            table.dialect_options["sqlite"]["autoincrement"] = True


class UTCDateTime(sa.types.TypeDecorator):
    """Timezone-aware UTC timestamps on every backend (SQLite stores them naive)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class TimestampMixin:
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
