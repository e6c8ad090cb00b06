"""Associations, the neighbourhoods they work in, and the memberships that give people a role in them."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import UTCDateTime, utcnow
from ..extensions import db
from .territory import QPV, VEILLE

MANAGER = "manager"
MEDIATOR = "mediator"
ASSOCIATION_ROLES = (MANAGER, MEDIATOR)
ROLE_LABELS = {MANAGER: _l("Direction"), MEDIATOR: _l("Médiation numérique")}

# The programme: a candidate, then two years of accompaniment, then an alumnus of the community.
CANDIDATE, YEAR_1, YEAR_2, ALUMNI = "candidate", "year1", "year2", "alumni"
STATUSES = (CANDIDATE, YEAR_1, YEAR_2, ALUMNI)
STATUS_LABELS = {
    CANDIDATE: _l("Candidate"),
    YEAR_1: _l("Accompagnée, 1re année"),
    YEAR_2: _l("Accompagnée, 2e année"),
    ALUMNI: _l("Ancienne du programme"),
}
KIND_LABELS = {QPV: _l("Quartier prioritaire (QPV)"), VEILLE: _l("Quartier de veille")}

DEFAULT_ROOM_CAPACITY = 10
MAX_ROOM_CAPACITY = 100
WEEKDAY_LABELS = (_l("Lundi"), _l("Mardi"), _l("Mercredi"), _l("Jeudi"), _l("Vendredi"), _l("Samedi"),
                  _l("Dimanche"))


class Neighbourhood(db.Model):
    """A quartier prioritaire (QPV) or quartier de veille, maintained by coordinators."""

    __tablename__ = "neighbourhood"
    __table_args__ = (UniqueConstraint("commune", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(150))
    commune: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10), default=QPV)
    code: Mapped[str] = mapped_column(String(20), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


class Association(db.Model):
    __tablename__ = "association"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    # Markdown as typed, and its sanitised HTML rendered at save time.
    summary: Mapped[str] = mapped_column(Text, default="")
    summary_html: Mapped[str] = mapped_column(Text, default="")
    siret: Mapped[str] = mapped_column(String(14), default="")
    rna: Mapped[str] = mapped_column(String(10), default="")
    address: Mapped[str] = mapped_column(String(250), default="")
    postal_code: Mapped[str] = mapped_column(String(5), default="")
    commune: Mapped[str] = mapped_column(String(100), default="", index=True)
    neighbourhood_id: Mapped[int | None] = mapped_column(
        ForeignKey("neighbourhood.id", ondelete="RESTRICT"), index=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    # OpenStreetMap opening_hours syntax (data·inclusion's horaires_accueil).
    opening_hours: Mapped[str] = mapped_column(String(500), default="")
    room_capacity: Mapped[int] = mapped_column(Integer, default=DEFAULT_ROOM_CAPACITY)
    # Days the training room is free each week: bit 0 is Monday, bit 6 Sunday.
    room_days: Mapped[int] = mapped_column(Integer, default=0)
    cohort: Mapped[int | None] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(20), default=CANDIDATE, index=True)
    # Whether partners and other associations may see the contact details (never the room or the team).
    share_contacts: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    memberships = relationship("Membership", back_populates="association", cascade="all, delete-orphan")
    neighbourhood = relationship(Neighbourhood, lazy="joined")

    @property
    def association_id(self) -> int:
        # Lets permission checks treat an association like any object that belongs to one.
        return self.id

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def room_weekdays(self) -> list[int]:
        """The free days of the training room, 0 (Monday) to 6 (Sunday)."""
        return [day for day in range(7) if self.room_days & (1 << day)]

    @room_weekdays.setter
    def room_weekdays(self, days) -> None:
        self.room_days = sum(1 << int(day) for day in set(days) if 0 <= int(day) <= 6)

    @property
    def place(self) -> str:
        """"Grand Parc, Bordeaux": the neighbourhood and the commune, as far as they are known."""
        parts = [self.neighbourhood.name if self.neighbourhood else "", self.commune]
        return ", ".join(part for part in parts if part)


class Membership(db.Model):
    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "association_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("association.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), default=MEDIATOR)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User", back_populates="memberships")
    association = relationship(Association, back_populates="memberships", lazy="joined")

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)
