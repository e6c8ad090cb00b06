"""The tables of the exchanges: categories, threads, their messages (with edit history, thanks, mentions),
reports for the moderation and what people follow (a category, a tag or a thread)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qn_portal.api import User, UTCDateTime, db, utcnow
from qn_portal.api import lazy_gettext as _l

REPORT_REASONS = {
    "hors_sujet": _l("Hors sujet"),
    "donnees_personnelles": _l("Données personnelles d'un habitant"),
    "propos_deplaces": _l("Propos déplacés ou blessants"),
    "publicite": _l("Publicité ou spam"),
    "autre": _l("Autre raison"),
}
FOLLOW_CATEGORY, FOLLOW_TAG, FOLLOW_THREAD = "category", "tag", "thread"


def join_tags(values) -> str:
    """Tags are stored as ``,a,b,`` so that one LIKE finds one tag exactly."""
    values = [value for value in values if value]
    return "," + ",".join(values) + "," if values else ""


def split_tags(stored: str | None) -> list[str]:
    return [value for value in (stored or "").split(",") if value]


class EchangesCategory(db.Model):
    __tablename__ = "echanges_category"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(String(300), default="")
    # Partners (social workers, funders) read only the threads of the categories opened to them.
    open_to_partners: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EchangesThread(db.Model):
    __tablename__ = "echanges_thread"
    __table_args__ = (Index("ix_echanges_thread_listing", "category_id", "last_activity_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("echanges_category.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(200))
    tags: Mapped[str] = mapped_column(String(300), default="")
    # Links to other plugins' pages (resources, workshops, veille posts), one portal path a line.
    links: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    reply_count: Mapped[int] = mapped_column(Integer, default=0, index=True)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    # No foreign key: the thread and its messages point at each other; the view checks it belongs here.
    solution_post_id: Mapped[int | None] = mapped_column(Integer, index=True)

    category: Mapped[EchangesCategory] = relationship(EchangesCategory)
    author: Mapped[User | None] = relationship(User)

    @property
    def tag_list(self) -> list[str]:
        return split_tags(self.tags)

    @property
    def link_list(self) -> list[str]:
        return [line.strip() for line in (self.links or "").splitlines() if line.strip()]


class EchangesPost(db.Model):
    __tablename__ = "echanges_post"
    __table_args__ = (Index("ix_echanges_post_thread", "thread_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("echanges_thread.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    # The first message of a thread is its question: it is edited, hidden and reported like a reply.
    is_first: Mapped[bool] = mapped_column(Boolean, default=False)
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    hidden_reason: Mapped[str] = mapped_column(String(500), default="")

    thread: Mapped[EchangesThread] = relationship(EchangesThread)
    author: Mapped[User | None] = relationship(User)

    @property
    def shown(self) -> bool:
        return not self.hidden and self.deleted_at is None


class EchangesRevision(db.Model):
    """A message as it was before an edit."""

    __tablename__ = "echanges_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("echanges_post.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    editor: Mapped[User | None] = relationship(User)


class EchangesThanks(db.Model):
    __tablename__ = "echanges_thanks"
    __table_args__ = (UniqueConstraint("post_id", "user_id", name="uq_echanges_thanks_post_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("echanges_post.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EchangesMention(db.Model):
    """Who a message mentions: an edit notifies only the people it newly mentions."""

    __tablename__ = "echanges_mention"
    __table_args__ = (UniqueConstraint("post_id", "user_id", name="uq_echanges_mention_post_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("echanges_post.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)


class EchangesReport(db.Model):
    __tablename__ = "echanges_report"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("echanges_post.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(30))
    comment: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    post: Mapped[EchangesPost] = relationship(EchangesPost)
    reporter: Mapped[User | None] = relationship(User, foreign_keys=[reporter_id])

    @property
    def reason_label(self) -> str:
        return REPORT_REASONS.get(self.reason, self.reason)


class EchangesFollow(db.Model):
    """Someone follows a category (``target`` = its id), a tag or a thread (its id)."""

    __tablename__ = "echanges_follow"
    __table_args__ = (UniqueConstraint("user_id", "target_type", "target", name="uq_echanges_follow"),
                      Index("ix_echanges_follow_target", "target_type", "target"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    target_type: Mapped[str] = mapped_column(String(10))
    target: Mapped[str] = mapped_column(String(40))
    # For a thread: messages after this moment are "new" (the count next to the nav entry).
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
