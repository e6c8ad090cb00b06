"""Plugins that break the schema rules. Their models use a metadata of their own, so that the tests' shared
database and ``db.metadata`` never see them.
"""

from pathlib import Path

from sqlalchemy import Integer
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from qn_portal.api import hookimpl


class FakeBase(DeclarativeBase):
    pass


class Note(FakeBase):
    __tablename__ = "notes"  # should be badtable_note

    id: Mapped[int] = mapped_column(Integer, primary_key=True)


class Item(FakeBase):
    __tablename__ = "nomigrations_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)


class BadTable:
    """Entry point ``badtable``: a table without the plugin's prefix."""

    @hookimpl
    def models(self):
        return [Note]

    @hookimpl
    def migrations_folder(self):
        return Path(__file__).parent


class NoMigrations:
    """Entry point ``nomigrations``: a model, and no migrations folder at all."""

    @hookimpl
    def models(self):
        return [Item]


class MissingFolder:
    """Entry point ``missingfolder``: a migrations folder that does not exist."""

    @hookimpl
    def migrations_folder(self):
        return Path(__file__).parent / "missingfolder" / "migrations"


badtable = BadTable()
nomigrations = NoMigrations()
missingfolder = MissingFolder()
