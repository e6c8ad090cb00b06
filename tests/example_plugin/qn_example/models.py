"""The example plugin's one table."""

from sqlalchemy import String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from qn_portal.api import UTCDateTime, db, utcnow


class ExampleNote(db.Model):
    __tablename__ = "example_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at = mapped_column(UTCDateTime, default=utcnow)


def latest(count: int):
    return list(db.session.scalars(select(ExampleNote).order_by(ExampleNote.id.desc()).limit(count)))


def all_notes():
    return db.session.scalars(select(ExampleNote).order_by(ExampleNote.id))
