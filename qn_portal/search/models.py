"""The index table, and the full-text objects that the migration adds to it for one database only.

``search_entry`` holds every document with its stems (see ``analysis``), computed whenever the ORM writes a
row. The full-text index proper depends on the database and is not a model, because SQLAlchemy cannot
declare it for both:

* SQLite: an FTS5 table ``search_fts`` over the two stems columns (external content: it stores only the
  index, reading the text from ``search_entry``), kept current by three triggers on ``search_entry``,
  which also follow the rows that ``ON DELETE CASCADE`` removes.
* PostgreSQL: a stored generated column ``search_entry.search_vector`` (title stems weighted A, text stems
  B) with a GIN index.

Migrations create them (``core_0003_search``); ``is_dialect_specific`` keeps them out of the comparison of
models and schema (``db check``, autogenerate, tests/test_migrations.py), which would otherwise ask to drop
them. A later migration that rebuilds ``search_entry`` on SQLite (batch mode with ``recreate``) drops the
triggers with the old table: it must create them again, then run ``qn-portal search reindex``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from ..dbtypes import UTCDateTime, utcnow
from ..extensions import db
from .analysis import document_stems

VISIBILITIES = ("public", "community", "association", "programme")

FTS_TABLE = "search_fts"  # SQLite only, with the shadow tables where FTS5 keeps its data:
FTS_TABLES = {FTS_TABLE} | {f"{FTS_TABLE}_{suffix}" for suffix in ("data", "idx", "docsize", "config", "content")}
VECTOR_COLUMN = "search_vector"  # PostgreSQL only
VECTOR_INDEX = "ix_search_entry_search_vector"  # PostgreSQL only


class SearchEntry(db.Model):
    __tablename__ = "search_entry"
    __table_args__ = (UniqueConstraint("plugin", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plugin: Mapped[str] = mapped_column(String(80), index=True)
    key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(80), default="", server_default="")
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(500))
    association_id: Mapped[int | None] = mapped_column(ForeignKey("association.id", ondelete="CASCADE"))
    visibility: Mapped[str] = mapped_column(String(20), default="community")
    title_stems: Mapped[str] = mapped_column(Text, default="", server_default="")
    text_stems: Mapped[str] = mapped_column(Text, default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


@event.listens_for(SearchEntry, "before_insert")
@event.listens_for(SearchEntry, "before_update")
def _analyse(mapper, connection, entry: SearchEntry) -> None:
    """Every row written through the ORM carries the stems of its title and text."""
    entry.title_stems = document_stems(entry.title)
    entry.text_stems = document_stems(entry.text)
    if not entry.kind:
        entry.kind = entry.plugin


def is_dialect_specific(obj, name, type_, reflected, compare_to) -> bool:
    """True for the full-text objects that exist in the database but not in the models (see above).

    Takes the arguments of Alembic's ``include_object``.
    """
    if not reflected or compare_to is not None:
        return False
    if type_ == "table":
        return name in FTS_TABLES
    if type_ == "column":
        return name == VECTOR_COLUMN and getattr(obj.table, "name", None) == SearchEntry.__tablename__
    if type_ == "index":
        return name == VECTOR_INDEX
    return False
