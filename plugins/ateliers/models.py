"""Tables of the workshops plugin: rooms, workshops, their sessions, residents, registrations, referrals.

Times are stored in UTC; a session keeps the local start it was planned at (``original_start``) so that a
moved occurrence is still recognised in calendars (RECURRENCE-ID).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from qn_portal.api import Association, User, UTCDateTime, db, fold_text, utcnow

SCHEDULED, CANCELLED = "scheduled", "cancelled"
CONFIRMED, WAITLISTED, WITHDRAWN = "confirmed", "waitlisted", "cancelled"
PENDING, ACCEPTED, DECLINED = "pending", "accepted", "declined"


class Room(db.Model):
    __tablename__ = "ateliers_room"

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("association.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    capacity: Mapped[int] = mapped_column(Integer, default=10)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    association: Mapped[Association] = relationship()


class WorkshopFacilitator(db.Model):
    __tablename__ = "ateliers_facilitator"
    __table_args__ = (UniqueConstraint("workshop_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("ateliers_workshop.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)

    user: Mapped[User] = relationship()


class WorkshopResource(db.Model):
    """A teaching resource of the ``ressources`` plugin linked to a workshop, in the order the organiser chose.

    ``resource_id`` has no foreign key on purpose: ``ressources`` may be disabled or uninstalled, and the links
    are kept for when it comes back. Which links a viewer sees is decided by ``ressources`` at display time.
    """

    __tablename__ = "ateliers_workshop_resource"
    __table_args__ = (UniqueConstraint("workshop_id", "resource_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("ateliers_workshop.id", ondelete="CASCADE"), index=True)
    resource_id: Mapped[int] = mapped_column(Integer, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Workshop(db.Model):
    __tablename__ = "ateliers_workshop"

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("association.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    themes: Mapped[str] = mapped_column(String(300), default="")  # comma-separated theme codes
    level: Mapped[str] = mapped_column(String(20), default="debutant", index=True)
    audience: Mapped[str] = mapped_column(String(200), default="")
    room_id: Mapped[int | None] = mapped_column(ForeignKey("ateliers_room.id", ondelete="SET NULL"), index=True)
    language: Mapped[str] = mapped_column(String(60), default="français")
    accessibility: Mapped[str] = mapped_column(String(500), default="")
    free: Mapped[bool] = mapped_column(Boolean, default=True)
    public: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    association: Mapped[Association] = relationship()
    room: Mapped[Room | None] = relationship()
    facilitators: Mapped[list[WorkshopFacilitator]] = relationship(cascade="all, delete-orphan")
    sessions: Mapped[list[Session]] = relationship(back_populates="workshop", cascade="all, delete-orphan",
                                                   order_by="Session.starts_at")
    resource_links: Mapped[list[WorkshopResource]] = relationship(
        cascade="all, delete-orphan", order_by=(WorkshopResource.position, WorkshopResource.id))

    @property
    def theme_list(self) -> list[str]:
        return [theme for theme in self.themes.split(",") if theme]

    @property
    def facilitator_ids(self) -> list[int]:
        return [link.user_id for link in self.facilitators]

    @property
    def resource_ids(self) -> list[int]:
        return [link.resource_id for link in self.resource_links]


class Series(db.Model):
    """A weekly recurrence (or a single date): what was planned, before moves and cancellations."""

    __tablename__ = "ateliers_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("ateliers_workshop.id", ondelete="CASCADE"), index=True)
    uid: Mapped[str] = mapped_column(String(64), unique=True)
    first_start: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    weekly: Mapped[bool] = mapped_column(Boolean, default=False)
    until: Mapped[str] = mapped_column(String(10), default="")  # ISO local date, last day included
    exceptions: Mapped[str] = mapped_column(Text, default="")  # ISO local dates, comma-separated
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Session(db.Model):
    """One occurrence: the unit people register for, that is held, and that is counted."""

    __tablename__ = "ateliers_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("ateliers_workshop.id", ondelete="CASCADE"), index=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("association.id", ondelete="CASCADE"), index=True)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("ateliers_series.id", ondelete="SET NULL"), index=True)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("ateliers_room.id", ondelete="SET NULL"), index=True)
    original_start: Mapped[datetime] = mapped_column(UTCDateTime)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    capacity: Mapped[int] = mapped_column(Integer, default=10)
    status: Mapped[str] = mapped_column(String(20), default=SCHEDULED, index=True)
    attendance_taken: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    workshop: Mapped[Workshop] = relationship(back_populates="sessions")
    room: Mapped[Room | None] = relationship()
    series: Mapped[Series | None] = relationship()
    registrations: Mapped[list[Registration]] = relationship(back_populates="session", cascade="all, delete-orphan")

    @property
    def cancelled(self) -> bool:
        return self.status == CANCELLED

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


# Longer than ``first_name``: folding may lengthen a text ("œ" → "oe").
FOLDED_NAME_LENGTH = 160


def folded_name(first_name: str | None) -> str:
    """The form of a first name or pseudonym that the residents' search compares: "Hélène" → "helene"."""
    return fold_text(first_name or "")[:FOLDED_NAME_LENGTH]


def _folded_name_default(context) -> str:
    # Rows inserted without the ORM's attribute events (``bulk_insert``) get it from their first name.
    return folded_name(context.get_current_parameters().get("first_name"))


class Resident(db.Model):
    """A person trained, who has no account: the least data that works, erased or anonymised later.

    ``name_folded`` is ``first_name`` in lower case without accents, kept in step by ``_fold_name``: the
    session page finds "Hélène" from "helene" with a ``LIKE`` that behaves the same on SQLite and PostgreSQL.
    """

    __tablename__ = "ateliers_resident"

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("association.id", ondelete="CASCADE"), index=True)
    first_name: Mapped[str] = mapped_column(String(80), default="")
    name_folded: Mapped[str] = mapped_column(String(FOLDED_NAME_LENGTH), default=_folded_name_default,
                                             server_default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    @validates("first_name")
    def _fold_name(self, key: str, value: str | None) -> str | None:
        # Every assignment (creation, correction, anonymisation) refreshes the searched form.
        self.name_folded = folded_name(value)
        return value


class Registration(db.Model):
    __tablename__ = "ateliers_registration"
    __table_args__ = (UniqueConstraint("session_id", "resident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("ateliers_session.id", ondelete="CASCADE"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("ateliers_resident.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=CONFIRMED, index=True)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attended: Mapped[bool | None] = mapped_column(Boolean)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("ateliers_referral.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[Session] = relationship(back_populates="registrations")
    resident: Mapped[Resident] = relationship()


class ActivityRecord(db.Model):
    """The activity record (compte rendu d'activité, La Coop de la médiation numérique): anonymous counts."""

    __tablename__ = "ateliers_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("ateliers_session.id", ondelete="SET NULL"),
                                                   unique=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("association.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="collectif")
    held_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    themes: Mapped[str] = mapped_column(String(300), default="")
    level: Mapped[str] = mapped_column(String(20), default="debutant")
    place_type: Mapped[str] = mapped_column(String(40), default="lieu_activite")
    participants: Mapped[int] = mapped_column(Integer, default=0)
    no_shows: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Referral(db.Model):
    """A partner proposes a person for a workshop; the association accepts (and registers) or declines."""

    __tablename__ = "ateliers_referral"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("ateliers_session.id", ondelete="CASCADE"), index=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("association.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    first_name: Mapped[str] = mapped_column(String(80), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(20), default=PENDING, index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("ateliers_resident.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[Session] = relationship()
    partner: Mapped[User] = relationship()


class CalendarToken(db.Model):
    """A personal calendar subscription: only the SHA-256 of the token is stored; revoking deletes the row."""

    __tablename__ = "ateliers_calendar_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


ALL_MODELS = [Room, WorkshopFacilitator, WorkshopResource, Workshop, Series, Session, Resident, Registration, ActivityRecord,
              Referral, CalendarToken]
