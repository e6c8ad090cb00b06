"""The programme's tables: calls, applications and their reviews, the two-year timeline and the visit log, the
binôme and its trainings, the equipment and its requests, the funders that reports are made for."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Boolean, Column, Date, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qn_portal.api import Association, User, UTCDateTime, db, lazy_gettext, utcnow

PARIS = ZoneInfo("Europe/Paris")

# Application statuses: a draft is the applicant's; the others are the selection's stages.
DRAFT, SUBMITTED, UNDER_REVIEW, SELECTED, WAITING_LIST, DECLINED = (
    "draft", "submitted", "under_review", "selected", "waiting_list", "declined")
STATUSES = (DRAFT, SUBMITTED, UNDER_REVIEW, SELECTED, WAITING_LIST, DECLINED)
DECISIONS = (UNDER_REVIEW, SELECTED, WAITING_LIST, DECLINED)
STATUS_LABELS = {
    DRAFT: lazy_gettext("Brouillon"),
    SUBMITTED: lazy_gettext("Nouvelle"),
    UNDER_REVIEW: lazy_gettext("En cours d'examen"),
    SELECTED: lazy_gettext("Retenue"),
    WAITING_LIST: lazy_gettext("Liste d'attente"),
    DECLINED: lazy_gettext("Non retenue"),
}

# The criteria of the call (seed: "Critères d'éligibilité" of Quartiers Numériques 2021).
CRITERIA = ("territory", "hours", "people", "room", "project", "community", "partners")
CRITERION_LABELS = {
    "territory": lazy_gettext("Implantation en QPV ou quartier de veille"),
    "hours": lazy_gettext("Médiation numérique salariée (20 h par semaine au moins)"),
    "people": lazy_gettext("Autres ressources associées"),
    "room": lazy_gettext("Salle de formation (10 personnes, 3 jours par semaine)"),
    "project": lazy_gettext("Projet de formations au numérique"),
    "community": lazy_gettext("Communauté d'échanges et de pratiques"),
    "partners": lazy_gettext("Mobilisation des usagers et des partenaires"),
}

# The milestones of the two years, with their delay in months after the selection (charte d'engagement).
MILESTONES = (("charte", 1), ("equipment", 3), ("first_workshop", 4), ("binome", 6), ("mid_term", 12),
              ("end", 24))
MILESTONE_LABELS = {
    "charte": lazy_gettext("Charte d'engagement signée"),
    "equipment": lazy_gettext("Équipement livré"),
    "first_workshop": lazy_gettext("Premier atelier"),
    "binome": lazy_gettext("Binôme de médiation formé"),
    "mid_term": lazy_gettext("Bilan de mi-parcours"),
    "end": lazy_gettext("Fin de l'accompagnement"),
}

VISIT_KINDS = ("visit", "meeting", "call")
VISIT_LABELS = {"visit": lazy_gettext("Visite"), "meeting": lazy_gettext("Réunion"),
                "call": lazy_gettext("Appel")}


class ProgrammeCall(db.Model):
    """A call for applications for one cohort."""

    __tablename__ = "programme_call"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    cohort: Mapped[int] = mapped_column(Integer, index=True)
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date, index=True)
    # The charte d'engagement, Markdown as typed and its sanitised HTML.
    charter: Mapped[str] = mapped_column(Text, default="")
    charter_html: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def is_open(self, today: date) -> bool:
        return self.opens_on <= today <= self.closes_on


class ProgrammeApplication(db.Model):
    __tablename__ = "programme_application"
    __table_args__ = (UniqueConstraint("call_id", "association_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("programme_call.id", ondelete="CASCADE"), index=True)
    # The applicant association; None for a person invited to apply whose association is not in the portal yet.
    association_id: Mapped[int | None] = mapped_column(ForeignKey("association.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=DRAFT, index=True)
    organisation_name: Mapped[str] = mapped_column(String(200), default="")
    commune: Mapped[str] = mapped_column(String(100), default="")
    # A core neighbourhood (QPV or veille) by id, or None: "none of them".
    neighbourhood_id: Mapped[int | None] = mapped_column(Integer)
    # The applicant said "none of these neighbourhoods" (kept apart from "not answered yet").
    outside_neighbourhoods: Mapped[bool] = mapped_column(Boolean, default=False)
    mediation_hours: Mapped[int | None] = mapped_column(Integer)
    other_people: Mapped[str] = mapped_column(Text, default="")
    room_capacity: Mapped[int | None] = mapped_column(Integer)
    room_days: Mapped[int | None] = mapped_column(Integer)
    training_project: Mapped[str] = mapped_column(Text, default="")
    share_practice: Mapped[bool] = mapped_column(Boolean, default=False)
    referring_partners: Mapped[str] = mapped_column(Text, default="")
    explanation: Mapped[str] = mapped_column(Text, default="")
    # Computed when submitted: the flag coordinators see.
    eligible: Mapped[bool | None] = mapped_column(Boolean)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    call = relationship(ProgrammeCall, lazy="joined")
    association = relationship(Association, lazy="joined")

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def display_name(self) -> str:
        return self.association.name if self.association else self.organisation_name


class ProgrammeReview(db.Model):
    """A coordinator's score (0 to 3) and comment on one criterion of one application."""

    __tablename__ = "programme_review"
    __table_args__ = (UniqueConstraint("application_id", "reviewer_id", "criterion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("programme_application.id", ondelete="CASCADE"),
                                                index=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    criterion: Mapped[str] = mapped_column(String(30))
    score: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ProgrammeMilestone(db.Model):
    __tablename__ = "programme_milestone"
    __table_args__ = (UniqueConstraint("association_id", "cohort", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("association.id", ondelete="CASCADE"), index=True)
    cohort: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(30))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    done_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(500), default="")

    association = relationship(Association, lazy="joined")

    @property
    def label(self) -> str:
        return MILESTONE_LABELS.get(self.kind, self.kind)

    def is_late(self, today: date) -> bool:
        return self.done_on is None and self.due_on < today

    def on_time(self) -> bool:
        return self.done_on is not None and self.done_on <= self.due_on


class ProgrammeVisit(db.Model):
    """A visit, meeting or call with an association, and the next steps agreed."""

    __tablename__ = "programme_visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("association.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    happened_on: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(20), default="visit")
    summary: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def kind_label(self) -> str:
        return VISIT_LABELS.get(self.kind, self.kind)


# --- the binôme --------------------------------------------------------------------------------------------

# The binôme is trained when this many of its médiateurs have completed their training.
BINOME_SIZE = 2
# Associations in their two years of the programme: the ones whose binôme must be trained.
ACTIVE_STATUSES = ("year1", "year2")
ORGANISATIONS = ("sesame", "emmaus_connect", "other")
ORGANISATION_LABELS = {"sesame": lazy_gettext("Sésame"), "emmaus_connect": lazy_gettext("Emmaüs Connect"),
                       "other": lazy_gettext("Autre organisme")}
IN_PROGRESS, COMPLETED, ABANDONED = "in_progress", "completed", "abandoned"
COMPLETIONS = (IN_PROGRESS, COMPLETED, ABANDONED)
COMPLETION_LABELS = {IN_PROGRESS: lazy_gettext("En cours"), COMPLETED: lazy_gettext("Terminée"),
                     ABANDONED: lazy_gettext("Abandonnée")}


class ProgrammeBinomeMember(db.Model):
    """A médiateur of the association's binôme and their training (one training per row)."""

    __tablename__ = "programme_binome_member"
    __table_args__ = (UniqueConstraint("association_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("association.id", ondelete="CASCADE"), index=True)
    # A member of the association, or None for a person without an account (then ``name`` says who).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    # Always filled: the account's name is copied, so that the record survives the account.
    name: Mapped[str] = mapped_column(String(200), default="")
    organisation: Mapped[str] = mapped_column(String(30), default="sesame")
    # The organisation's name when it is "other".
    organisation_name: Mapped[str] = mapped_column(String(200), default="")
    training_title: Mapped[str] = mapped_column(String(200), default="")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    sessions_attended: Mapped[int | None] = mapped_column(Integer)
    completion: Mapped[str] = mapped_column(String(20), default=IN_PROGRESS, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user = relationship(User, lazy="joined")
    certificates = relationship("ProgrammeCertificate", back_populates="member", order_by="ProgrammeCertificate.id",
                                cascade="all, delete-orphan")

    @property
    def display_name(self) -> str:
        return self.user.name if self.user and self.user.name else self.name

    @property
    def organisation_label(self) -> str:
        if self.organisation == "other" and self.organisation_name:
            return self.organisation_name
        return ORGANISATION_LABELS.get(self.organisation, self.organisation)

    @property
    def completion_label(self) -> str:
        return COMPLETION_LABELS.get(self.completion, self.completion)


class ProgrammeCertificate(db.Model):
    """A training certificate: a file kept by the core's storage service (PDF or image)."""

    __tablename__ = "programme_certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("programme_binome_member.id", ondelete="CASCADE"), index=True)
    # The member's association, repeated so that every access check reads it from the row itself.
    association_id: Mapped[int] = mapped_column(ForeignKey("association.id", ondelete="CASCADE"), index=True)
    # The core's stored_file key (no foreign key: plugins reference only users and associations).
    file_key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member = relationship(ProgrammeBinomeMember, back_populates="certificates")


# --- equipment ---------------------------------------------------------------------------------------------

EQUIPMENT_KINDS = ("laptop", "desktop", "tablet", "smartphone", "projector", "printer", "network", "other")
EQUIPMENT_KIND_LABELS = {
    "laptop": lazy_gettext("Ordinateur portable"), "desktop": lazy_gettext("Ordinateur fixe"),
    "tablet": lazy_gettext("Tablette"), "smartphone": lazy_gettext("Smartphone"),
    "projector": lazy_gettext("Vidéoprojecteur"), "printer": lazy_gettext("Imprimante"),
    "network": lazy_gettext("Matériel réseau (box, borne wifi)"), "other": lazy_gettext("Autre matériel"),
}
EQUIPMENT_STATES = ("new", "good", "to_repair", "out_of_service", "returned")
EQUIPMENT_STATE_LABELS = {"new": lazy_gettext("Neuf"), "good": lazy_gettext("Bon état"),
                          "to_repair": lazy_gettext("À réparer"), "out_of_service": lazy_gettext("Hors service"),
                          "returned": lazy_gettext("Restitué")}
REQUEST_NEW, REQUEST_ACCEPTED, REQUEST_DECLINED, REQUEST_DELIVERED = "new", "accepted", "declined", "delivered"
REQUEST_STATUSES = (REQUEST_NEW, REQUEST_ACCEPTED, REQUEST_DECLINED, REQUEST_DELIVERED)
REQUEST_STATUS_LABELS = {REQUEST_NEW: lazy_gettext("Nouvelle"), REQUEST_ACCEPTED: lazy_gettext("Acceptée"),
                         REQUEST_DECLINED: lazy_gettext("Refusée"), REQUEST_DELIVERED: lazy_gettext("Livrée")}
# What a coordinator may answer, from each status: a request is accepted or refused, then delivered.
REQUEST_NEXT = {REQUEST_NEW: (REQUEST_ACCEPTED, REQUEST_DECLINED),
                REQUEST_ACCEPTED: (REQUEST_DELIVERED, REQUEST_DECLINED),
                REQUEST_DECLINED: (), REQUEST_DELIVERED: ()}


class ProgrammeEquipment(db.Model):
    """A piece of equipment that BMS provided to an association (kept by the coordinators)."""

    __tablename__ = "programme_equipment"

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("association.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(String(200), default="")
    serial_number: Mapped[str] = mapped_column(String(100), default="")
    delivered_on: Mapped[date] = mapped_column(Date, index=True)
    state: Mapped[str] = mapped_column(String(20), default="new")
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def kind_label(self) -> str:
        return EQUIPMENT_KIND_LABELS.get(self.kind, self.kind)

    @property
    def state_label(self) -> str:
        return EQUIPMENT_STATE_LABELS.get(self.state, self.state)


class ProgrammeEquipmentRequest(db.Model):
    """An association's request for equipment, and the coordinators' answer."""

    __tablename__ = "programme_equipment_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("association.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    need: Mapped[str] = mapped_column(String(200))
    justification: Mapped[str] = mapped_column(Text, default="")
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(20), default=REQUEST_NEW, index=True)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    association = relationship(Association, lazy="joined")

    @property
    def status_label(self) -> str:
        return REQUEST_STATUS_LABELS.get(self.status, self.status)

    @property
    def next_statuses(self) -> tuple[str, ...]:
        return REQUEST_NEXT.get(self.status, ())

    @property
    def created_on(self) -> date:
        """The day it was made, in Bordeaux (not UTC's, which is yesterday's until 1 or 2 a.m.)."""
        return self.created_at.astimezone(PARIS).date()


# --- funders and reminders ---------------------------------------------------------------------------------

programme_funder_association = Table(
    "programme_funder_association", db.metadata,
    Column("funder_id", ForeignKey("programme_funder.id", ondelete="CASCADE"), primary_key=True),
    Column("association_id", ForeignKey("association.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class ProgrammeFunder(db.Model):
    """A funder of the programme that reports are made for: the associations it co-funds, or a whole cohort."""

    __tablename__ = "programme_funder"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Every association of this cohort, when no association is listed.
    cohort: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    associations = relationship(Association, secondary=programme_funder_association, order_by=Association.name,
                                lazy="selectin")


class ProgrammeReminder(db.Model):
    """What ``qn-portal programme remind`` already sent (one row a reminder), so that nothing is sent twice."""

    __tablename__ = "programme_reminder"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


MODELS = [ProgrammeCall, ProgrammeApplication, ProgrammeReview, ProgrammeMilestone, ProgrammeVisit,
          ProgrammeBinomeMember, ProgrammeCertificate, ProgrammeEquipment, ProgrammeEquipmentRequest,
          ProgrammeFunder, ProgrammeReminder]
