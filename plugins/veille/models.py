"""The veille's tables: posts (with comments, reactions, linked actors), actors, feed tokens, reading
preferences, digests sent, external sources and the review queue of what they bring in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qn_portal.api import User, UTCDateTime, db, utcnow
from qn_portal.api import lazy_gettext as _l

CATEGORIES = {
    "acteur": _l("Acteur"),
    "solution": _l("Solution ou outil"),
    "appel": _l("Appel à projets"),
    "evenement": _l("Événement"),
    "actualite": _l("Actualité"),
    "reglementation": _l("Réglementation"),
    "retour": _l("Retour d'expérience"),
}
PUBLIC, INTRANET = "public", "intranet"
VISIBILITIES = {
    INTRANET: _l("Intranet : les associations du programme et l'équipe de BMS"),
    PUBLIC: _l("Public : tout le monde, flux Atom public compris"),
}
ACTOR_KINDS = {
    "association": _l("Association"),
    "service_public": _l("Service public"),
    "france_services": _l("France Services"),
    "entreprise": _l("Entreprise"),
    "collectivite": _l("Collectivité"),
    "fondation": _l("Fondation"),
    "mediatheque": _l("Médiathèque"),
    "autre": _l("Autre"),
}
PENDING, PUBLISHED, DISCARDED = "pending", "published", "discarded"


def join_list(values) -> str:
    """Tags and communes are stored as ``,a,b,`` so that one LIKE finds one value exactly."""
    values = [value for value in values if value]
    return "," + ",".join(values) + "," if values else ""


def split_list(stored: str | None) -> list[str]:
    return [value for value in (stored or "").split(",") if value]


post_actor = db.Table(
    "veille_post_actor",
    db.Column("post_id", ForeignKey("veille_post.id", ondelete="CASCADE"), primary_key=True),
    db.Column("actor_id", ForeignKey("veille_actor.id", ondelete="CASCADE"), primary_key=True),
)


class VeillePost(db.Model):
    __tablename__ = "veille_post"
    __table_args__ = (Index("ix_veille_post_listing", "pinned", "published_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(30), index=True)
    tags: Mapped[str] = mapped_column(String(400), default="")
    communes: Mapped[str] = mapped_column(String(800), default="")
    source_url: Mapped[str] = mapped_column(String(500), default="")
    visibility: Mapped[str] = mapped_column(String(20), default=INTRANET, index=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    # When the post was announced (indexed for search, followers notified): at save time, or for a scheduled
    # post by ``qn-portal veille publish-due`` once its date has come.
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    author: Mapped[User | None] = relationship(User)
    actors: Mapped[list[VeilleActor]] = relationship(secondary=post_actor, back_populates="posts",
                                                     order_by="VeilleActor.name")

    @property
    def tag_list(self) -> list[str]:
        return split_list(self.tags)

    @property
    def commune_list(self) -> list[str]:
        return split_list(self.communes)

    @property
    def category_label(self) -> str:
        return str(CATEGORIES.get(self.category, self.category))

    @property
    def is_public(self) -> bool:
        return self.visibility == PUBLIC

    @property
    def appeared_at(self) -> datetime:
        """When readers could first see it: announced (a post backdated when written appears when saved)."""
        return self.announced_at or self.published_at

    def is_published(self, now: datetime | None = None) -> bool:
        return self.published_at <= (now or utcnow())


class VeilleComment(db.Model):
    __tablename__ = "veille_comment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("veille_post.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    is_question: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship(User)


class VeilleReaction(db.Model):
    """One "utile" per person and post."""

    __tablename__ = "veille_reaction"
    __table_args__ = (UniqueConstraint("post_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("veille_post.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VeilleActor(db.Model):
    __tablename__ = "veille_actor"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    services: Mapped[str] = mapped_column(String(600), default="")
    public_served: Mapped[str] = mapped_column(String(300), default="")
    commune: Mapped[str] = mapped_column(String(60), default="", index=True)
    address: Mapped[str] = mapped_column(String(250), default="")
    postal_code: Mapped[str] = mapped_column(String(10), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    opening_hours: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    posts: Mapped[list[VeillePost]] = relationship(secondary=post_actor, back_populates="actors")

    @property
    def kind_label(self) -> str:
        return str(ACTOR_KINDS.get(self.kind, self.kind))

    @property
    def service_list(self) -> list[str]:
        return split_list(self.services)


class VeilleFeedToken(db.Model):
    """A person's private feed token: only its SHA-256 is kept; revoked tokens answer 404."""

    __tablename__ = "veille_feed_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(User)


class VeillePreference(db.Model):
    """Per person: the weekly digest, followed categories, and the last time they marked the feed as seen."""

    __tablename__ = "veille_preference"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    weekly_digest: Mapped[bool] = mapped_column(Boolean, default=False)
    followed: Mapped[str] = mapped_column(String(300), default="")
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def followed_list(self) -> list[str]:
        return split_list(self.followed)


class VeilleDigest(db.Model):
    """A weekly digest sent (or being sent) to one person: never twice for the same week."""

    __tablename__ = "veille_digest"
    __table_args__ = (UniqueConstraint("user_id", "week"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    week: Mapped[str] = mapped_column(String(10))
    posts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VeilleSource(db.Model):
    __tablename__ = "veille_source"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(500), unique=True)
    last_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VeilleItem(db.Model):
    """An entry fetched from a source, waiting in the review queue (plain text only, never the feed's HTML)."""

    __tablename__ = "veille_item"
    __table_args__ = (UniqueConstraint("source_id", "guid"), Index("ix_veille_item_status", "status", "fetched_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("veille_source.id", ondelete="CASCADE"), index=True)
    guid: Mapped[str] = mapped_column(String(500))
    title: Mapped[str] = mapped_column(String(200))
    link: Mapped[str] = mapped_column(String(500), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default=PENDING)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("veille_post.id", ondelete="SET NULL"))

    source: Mapped[VeilleSource] = relationship(VeilleSource)
