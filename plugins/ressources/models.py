"""Tables of the shared library: resources, their themes, files, links, versions, and what people do with them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qn_portal.api import Association, User, UTCDateTime, db, lazy_gettext, utcnow

_l = lazy_gettext

KINDS = {
    "fiche": _l("Fiche pédagogique"),
    "support": _l("Support d'atelier"),
    "tutoriel": _l("Tutoriel"),
    "video": _l("Vidéo"),
    "outil": _l("Outil"),
    "methode": _l("Méthode"),
    "modele": _l("Modèle de document"),
}
LEVELS = {"debutant": _l("Débutant"), "intermediaire": _l("Intermédiaire"), "avance": _l("Avancé")}
AUDIENCES = {
    "tous": _l("Tous publics"),
    "seniors": _l("Seniors"),
    "jeunes": _l("Jeunes"),
    "allophones": _l("Personnes allophones"),
    "familles": _l("Familles"),
    "handicap": _l("Personnes en situation de handicap"),
    "demandeurs-emploi": _l("Demandeurs et demandeuses d'emploi"),
    "professionnels": _l("Professionnels de la médiation"),
}
# Licences, and what each allows for an adaptation (a derivative work).
LICENCES = {
    "etalab-2.0": _l("Licence Ouverte Etalab 2.0"),
    "cc-by-4.0": _l("CC BY 4.0"),
    "cc-by-sa-4.0": _l("CC BY-SA 4.0"),
    "cc-by-nc-sa-4.0": _l("CC BY-NC-SA 4.0"),
    "tous-droits-reserves": _l("Tous droits réservés"),
}
NO_DERIVATIVES = {"tous-droits-reserves"}
# ShareAlike: an adaptation must keep the original's licence.
SHARE_ALIKE = {"cc-by-sa-4.0", "cc-by-nc-sa-4.0"}
VISIBILITIES = {
    "association": _l("Mon association seulement"),
    "community": _l("Toute la communauté (personnes connectées)"),
    "public": _l("Public (visiteurs compris)"),
}
DRAFT, PUBLISHED, UNPUBLISHED = "draft", "published", "unpublished"
STATUSES = {DRAFT: _l("Brouillon"), PUBLISHED: _l("Publiée"), UNPUBLISHED: _l("Dépubliée par la coordination")}
REPORT_REASONS = {
    "outdated": _l("Obsolète"),
    "erroneous": _l("Erronée"),
    "inappropriate": _l("Inappropriée"),
    "duplicate": _l("Doublon"),
}


# Seeded by the first migration (and by the demo when the table is empty, as after a test wipe).
THEMES = [
    ("numerique--maitriser-les-fondamentaux-du-numerique", "Maîtriser les fondamentaux du numérique"),
    ("numerique--acceder-a-des-services-en-ligne", "Accéder à des services en ligne"),
    ("numerique--acquerir-un-equipement", "Acquérir un équipement"),
    ("numerique--acceder-a-une-connexion-internet", "Accéder à une connexion internet"),
    ("smartphone", "Smartphone et tablette"),
    ("e-mail", "E-mail"),
    ("demarches-en-ligne", "Démarches en ligne"),
    ("sante", "Santé"),
    ("banque", "Banque et paiements"),
    ("emploi", "Emploi"),
    ("parentalite", "Parentalité et école"),
    ("securite", "Sécurité et vie privée"),
    ("bureautique", "Bureautique"),
    ("reseaux-sociaux", "Réseaux sociaux et communication"),
]


class Theme(db.Model):
    __tablename__ = "ressources_theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    label: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ResourceTheme(db.Model):
    __tablename__ = "ressources_resource_theme"

    resource_id: Mapped[int] = mapped_column(ForeignKey("ressources_resource.id", ondelete="CASCADE"),
                                             primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("ressources_theme.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index("ix_ressources_resource_theme_theme", "theme_id", "resource_id"),)


class ResourceAudience(db.Model):
    __tablename__ = "ressources_resource_audience"

    resource_id: Mapped[int] = mapped_column(ForeignKey("ressources_resource.id", ondelete="CASCADE"),
                                             primary_key=True)
    audience: Mapped[str] = mapped_column(String(30), primary_key=True)

    __table_args__ = (Index("ix_ressources_resource_audience_audience", "audience", "resource_id"),)


# What ``services.visible_clause`` reads besides the status: in the list's indexes so that it needs no row.
VISIBILITY_COLUMNS = ("visibility", "association_id", "author_id")


class Resource(db.Model):
    __tablename__ = "ressources_resource"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(20))
    level: Mapped[str] = mapped_column(String(20))
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    licence: Mapped[str] = mapped_column(String(30))
    visibility: Mapped[str] = mapped_column(String(20), default="community")
    status: Mapped[str] = mapped_column(String(20), default=DRAFT)
    association_id: Mapped[int | None] = mapped_column(ForeignKey("association.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    original_id: Mapped[int | None] = mapped_column(ForeignKey("ressources_resource.id", ondelete="SET NULL"),
                                                    index=True)
    # The credit of the original, copied when adapting so that it survives the original's changes.
    original_credit: Mapped[str] = mapped_column(Text, default="")
    download_count: Mapped[int] = mapped_column(Integer, default=0)
    usage_count: Mapped[int] = mapped_column(Integer, default=0)
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)
    # Average rating × 100, kept with the sums so that "best rated" sorts on an indexed column.
    rating_score: Mapped[int] = mapped_column(Integer, default=0)
    version_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    association: Mapped[Association | None] = relationship(Association)
    author: Mapped[User | None] = relationship(User)
    original: Mapped[Resource | None] = relationship("Resource", remote_side=[id])
    themes: Mapped[list[Theme]] = relationship(Theme, secondary="ressources_resource_theme", order_by=Theme.label)
    audience_rows: Mapped[list[ResourceAudience]] = relationship(ResourceAudience, cascade="all, delete-orphan")
    attachments: Mapped[list[Attachment]] = relationship("Attachment", cascade="all, delete-orphan",
                                                         order_by="Attachment.id", back_populates="resource")
    links: Mapped[list[Link]] = relationship("Link", cascade="all, delete-orphan", order_by="Link.position")

    __table_args__ = (
        # The list and its facets read only these narrow indexes, never the wide rows (a body is ~1 kB on
        # D1: one row a page). Each sort's index holds its order then the id (the tie-break), then the
        # visibility columns: the list walks it in order, checks who may read each entry from the index
        # itself, and stops after a page, with no sort. The facets' index groups kind, level and licence
        # in its own order; the association's groups by association. See ressources_0002.
        Index("ix_ressources_resource_recent", "status", "published_at", "id", *VISIBILITY_COLUMNS,
              "kind", "level", "licence"),
        Index("ix_ressources_resource_used", "status", "usage_count", "id", *VISIBILITY_COLUMNS),
        Index("ix_ressources_resource_rated", "status", "rating_score", "usage_count", "id", *VISIBILITY_COLUMNS),
        Index("ix_ressources_resource_facets", "status", "kind", "level", "licence", *VISIBILITY_COLUMNS),
        Index("ix_ressources_resource_association", "association_id", "status", "visibility", "author_id",
              "kind", "level", "licence"),
        Index("ix_ressources_resource_author", "author_id", "status"),
    )

    @property
    def audiences(self) -> list[str]:
        return [row.audience for row in self.audience_rows]

    @property
    def kind_label(self):
        return KINDS.get(self.kind, self.kind)

    @property
    def level_label(self):
        return LEVELS.get(self.level, self.level)

    @property
    def licence_label(self):
        return LICENCES.get(self.licence, self.licence)

    @property
    def visibility_label(self):
        return VISIBILITIES.get(self.visibility, self.visibility)

    @property
    def status_label(self):
        return STATUSES.get(self.status, self.status)

    @property
    def rating(self) -> float | None:
        return round(self.rating_sum / self.usage_count, 1) if self.usage_count else None

    @property
    def is_published(self) -> bool:
        return self.status == PUBLISHED


class Attachment(db.Model):
    __tablename__ = "ressources_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("ressources_resource.id", ondelete="CASCADE"), index=True)
    # The core's stored_file key (no foreign key: plugins reference only users and associations).
    file_key: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    download_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    resource: Mapped[Resource] = relationship(Resource, back_populates="attachments")


class Link(db.Model):
    __tablename__ = "ressources_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("ressources_resource.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    label: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class Version(db.Model):
    __tablename__ = "ressources_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("ressources_resource.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # Kind, level, themes, audiences, duration, licence, visibility, status, links: JSON text.
    meta: Mapped[str] = mapped_column(Text, default="{}")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship(User)

    __table_args__ = (UniqueConstraint("resource_id", "number", name="uq_ressources_version_number"),)


class Collection(db.Model):
    __tablename__ = "ressources_collection"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    shared: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    owner: Mapped[User] = relationship(User)
    items: Mapped[list[CollectionItem]] = relationship("CollectionItem", cascade="all, delete-orphan",
                                                       order_by="CollectionItem.position")


class CollectionItem(db.Model):
    __tablename__ = "ressources_collection_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("ressources_collection.id", ondelete="CASCADE"))
    resource_id: Mapped[int] = mapped_column(ForeignKey("ressources_resource.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    resource: Mapped[Resource] = relationship(Resource)

    __table_args__ = (UniqueConstraint("collection_id", "resource_id", name="uq_ressources_collection_item"),)


class Favourite(db.Model):
    __tablename__ = "ressources_favourite"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("ressources_resource.id", ondelete="CASCADE"),
                                             primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Usage(db.Model):
    """"I used this in a workshop": one per person and resource (a second one updates the first)."""

    __tablename__ = "ressources_usage"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("ressources_resource.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    rating: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User | None] = relationship(User)

    __table_args__ = (UniqueConstraint("resource_id", "user_id", name="uq_ressources_usage_user"),)


class Comment(db.Model):
    __tablename__ = "ressources_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("ressources_resource.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship(User)


class Report(db.Model):
    __tablename__ = "ressources_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("ressources_resource.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    open: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    resource: Mapped[Resource] = relationship(Resource)
    reporter: Mapped[User | None] = relationship(User, foreign_keys=[reporter_id])

    @property
    def reason_label(self):
        return REPORT_REASONS.get(self.reason, self.reason)


class Follow(db.Model):
    """Someone follows a theme or an association (exactly one of the two)."""

    __tablename__ = "ressources_follow"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("ressources_theme.id", ondelete="CASCADE"), index=True)
    association_id: Mapped[int | None] = mapped_column(ForeignKey("association.id", ondelete="CASCADE"),
                                                       index=True)

    __table_args__ = (
        UniqueConstraint("user_id", "theme_id", name="uq_ressources_follow_theme"),
        UniqueConstraint("user_id", "association_id", name="uq_ressources_follow_association"),
    )


ALL_MODELS = [Theme, ResourceTheme, ResourceAudience, Resource, Attachment, Link, Version, Collection,
              CollectionItem, Favourite, Usage, Comment, Report, Follow]
