"""Tables of the co-funding plugin. Amounts are integers of euro cents, never floats."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qn_portal.api import Association, User, UTCDateTime, db, utcnow
from qn_portal.api import lazy_gettext as _l

FUNDER_KINDS = {
    "etat": _l("État"),
    "collectivite": _l("Collectivité"),
    "caf": _l("CAF"),
    "fondation": _l("Fondation"),
    "fondation_entreprise": _l("Fondation d'entreprise"),
    "fonds_europeen": _l("Fonds européen"),
    "mecene": _l("Mécène"),
    "autre": _l("Autre"),
}

AID_TYPES = {
    "subvention": _l("Subvention"),
    "mecenat_financier": _l("Mécénat financier"),
    "mecenat_competences": _l("Mécénat de compétences"),
    "don_materiel": _l("Don de matériel"),
    "pret": _l("Prêt"),
    "autre": _l("Autre"),
}

THEMES = {
    "inclusion_numerique": _l("Inclusion numérique"),
    "acces_droits": _l("Accès aux droits"),
    "insertion_emploi": _l("Insertion et emploi"),
    "education_jeunesse": _l("Éducation et jeunesse"),
    "seniors": _l("Seniors"),
    "parentalite": _l("Familles et parentalité"),
    "politique_ville": _l("Politique de la ville"),
    "cohesion_sociale": _l("Cohésion sociale"),
    "vie_associative": _l("Vie associative"),
    "equipement": _l("Équipement"),
}

# Territory levels, from the narrowest to the widest.
SCOPES = {
    "communes": _l("Communes"),
    "metropole": _l("Bordeaux Métropole"),
    "departement": _l("Département (Gironde)"),
    "region": _l("Région (Nouvelle-Aquitaine)"),
    "national": _l("National"),
    "europe": _l("Europe"),
}

RECURRENCES = {"ponctuelle": _l("Ponctuelle"), "recurrente": _l("Récurrente"), "permanente": _l("Permanente")}

APPLICATION_STATUSES = {
    "idee": _l("Idée"),
    "preparation": _l("En préparation"),
    "depose": _l("Déposé"),
    "accorde": _l("Accordé"),
    "refuse": _l("Refusé"),
}

FREQUENCIES = {"daily": _l("Chaque jour"), "weekly": _l("Chaque semaine")}


def pack(values) -> str:
    """A list stored as ``|a|b|`` so that ``LIKE '%|a|%'`` matches one whole value."""
    values = [value for value in values if value]
    return "|" + "|".join(values) + "|" if values else ""


def unpack(stored: str | None) -> list[str]:
    return [value for value in (stored or "").split("|") if value]


class Funder(db.Model):
    __tablename__ = "cofinancements_funder"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(30), default="autre")
    territory: Mapped[str] = mapped_column(String(200), default="")
    themes: Mapped[str] = mapped_column(String(500), default="")
    contacts: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    opportunities: Mapped[list[Opportunity]] = relationship(back_populates="funder")
    notes: Mapped[list[FunderNote]] = relationship(back_populates="funder", order_by="FunderNote.id.desc()",
                                                   cascade="all, delete-orphan")

    @property
    def kind_label(self) -> str:
        return FUNDER_KINDS.get(self.kind, self.kind)

    @property
    def theme_list(self) -> list[str]:
        return unpack(self.themes)


class FunderNote(db.Model):
    """What an association learnt applying to a funder ("what worked"): shared with the community."""

    __tablename__ = "cofinancements_funder_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    funder_id: Mapped[int] = mapped_column(ForeignKey("cofinancements_funder.id", ondelete="CASCADE"), index=True)
    association_id: Mapped[int | None] = mapped_column(ForeignKey("association.id", ondelete="SET NULL"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    funder: Mapped[Funder] = relationship(back_populates="notes")
    association: Mapped[Association | None] = relationship(Association)
    author: Mapped[User | None] = relationship(User)


class Opportunity(db.Model):
    __tablename__ = "cofinancements_opportunity"
    __table_args__ = (Index("ix_cofinancements_opportunity_deadline_id", "deadline", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    funder_id: Mapped[int | None] = mapped_column(
        ForeignKey("cofinancements_funder.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    aid_type: Mapped[str] = mapped_column(String(30), default="subvention", index=True)
    beneficiaries: Mapped[str] = mapped_column(String(500), default="")
    scope: Mapped[str] = mapped_column(String(20), default="departement", index=True)
    communes: Mapped[str] = mapped_column(String(1000), default="")
    themes: Mapped[str] = mapped_column(String(500), default="")
    amount_min_cents: Mapped[int | None] = mapped_column(BigInteger)
    amount_max_cents: Mapped[int | None] = mapped_column(BigInteger)
    max_rate: Mapped[int | None] = mapped_column(Integer)
    opens_on: Mapped[date | None] = mapped_column(Date)
    deadline: Mapped[date | None] = mapped_column(Date)
    recurrence: Mapped[str] = mapped_column(String(20), default="ponctuelle")
    application_url: Mapped[str] = mapped_column(String(500), default="")
    origin_url: Mapped[str] = mapped_column(String(500), default="")
    # Set by imports: "aides-territoires:<slug>"; re-importing updates the row with this key.
    source_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    # Title, description, beneficiaries and funder, folded (lower case, no accents): what the search matches.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    funder: Mapped[Funder | None] = relationship(back_populates="opportunities")

    @property
    def aid_type_label(self) -> str:
        return AID_TYPES.get(self.aid_type, self.aid_type)

    @property
    def scope_label(self) -> str:
        return SCOPES.get(self.scope, self.scope)

    @property
    def recurrence_label(self) -> str:
        return RECURRENCES.get(self.recurrence, self.recurrence)

    @property
    def theme_list(self) -> list[str]:
        return unpack(self.themes)

    @property
    def commune_list(self) -> list[str]:
        return unpack(self.communes)

    def status(self, today: date) -> str:
        """``a_venir``, ``ouvert`` or ``clos`` on the calendar day ``today``."""
        if self.opens_on and self.opens_on > today:
            return "a_venir"
        if self.deadline and self.deadline < today:
            return "clos"
        return "ouvert"


class Follow(db.Model):
    """An association follows an opportunity: it gets deadline reminders."""

    __tablename__ = "cofinancements_follow"
    __table_args__ = (UniqueConstraint("association_id", "opportunity_id",
                                       name="uq_cofinancements_follow_association_id_opportunity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("association.id", ondelete="CASCADE"), index=True)
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("cofinancements_opportunity.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    opportunity: Mapped[Opportunity] = relationship()


class SavedSearch(db.Model):
    __tablename__ = "cofinancements_saved_search"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    query: Mapped[str] = mapped_column(String(1000), default="")
    frequency: Mapped[str] = mapped_column(String(10), default="weekly")
    last_sent_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def frequency_label(self) -> str:
        return FREQUENCIES.get(self.frequency, self.frequency)


class AlertSent(db.Model):
    """What the alerts command already sent: its unique key makes running it twice send nothing twice."""

    __tablename__ = "cofinancements_alert_sent"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    sent_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Application(db.Model):
    __tablename__ = "cofinancements_application"
    __table_args__ = (Index("ix_cofinancements_application_association_id_status", "association_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("association.id", ondelete="CASCADE"))
    opportunity_id: Mapped[int | None] = mapped_column(
        ForeignKey("cofinancements_opportunity.id", ondelete="SET NULL"), index=True)
    funder_id: Mapped[int | None] = mapped_column(
        ForeignKey("cofinancements_funder.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="idee")
    year: Mapped[int] = mapped_column(Integer, index=True)
    amount_requested_cents: Mapped[int | None] = mapped_column(BigInteger)
    amount_obtained_cents: Mapped[int | None] = mapped_column(BigInteger)
    submitted_on: Mapped[date | None] = mapped_column(Date)
    decided_on: Mapped[date | None] = mapped_column(Date)
    next_step: Mapped[str] = mapped_column(String(300), default="")
    next_step_due: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    notes_html: Mapped[str] = mapped_column(Text, default="")
    document_key: Mapped[str] = mapped_column(String(100), default="")
    document_name: Mapped[str] = mapped_column(String(255), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    association: Mapped[Association] = relationship(Association)
    opportunity: Mapped[Opportunity | None] = relationship()
    funder: Mapped[Funder | None] = relationship()

    @property
    def status_label(self) -> str:
        return APPLICATION_STATUSES.get(self.status, self.status)


class PlanYear(db.Model):
    """One year of an association's funding plan: the post's budget and BMS's share (set by coordinators)."""

    __tablename__ = "cofinancements_plan_year"
    __table_args__ = (UniqueConstraint("association_id", "year", name="uq_cofinancements_plan_year_association_id_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("association.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    budget_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    bms_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Profile(db.Model):
    """The themes an association works on, for the "pour mon association" ranking."""

    __tablename__ = "cofinancements_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("association.id", ondelete="CASCADE"), unique=True)
    themes: Mapped[str] = mapped_column(String(500), default="")


ALL_MODELS = [Funder, FunderNote, Opportunity, Follow, SavedSearch, AlertSent, Application, PlanYear, Profile]
