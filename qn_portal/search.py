"""One search index for the whole portal: plugins push documents, the core filters and ranks them.

This first version matches every word of the query, case-insensitively, in the title or the text, and
ranks title matches first. Results of disabled plugins and documents the user may not see are left out.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    case,
    delete,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from .contributions import SearchDocument
from .dbtypes import UTCDateTime, utcnow
from .extensions import db
from .plugins import get_host

VISIBILITIES = ("public", "community", "association")
MAX_QUERY_WORDS = 8


class SearchEntry(db.Model):
    __tablename__ = "search_entry"
    __table_args__ = (UniqueConstraint("plugin", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plugin: Mapped[str] = mapped_column(String(80), index=True)
    key: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(500))
    association_id: Mapped[int | None] = mapped_column(ForeignKey("association.id", ondelete="CASCADE"))
    visibility: Mapped[str] = mapped_column(String(20), default="community")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


def index_document(plugin: str, document: SearchDocument) -> None:
    """Add or replace one document of ``plugin`` in the index (in the current transaction)."""
    if document.visibility not in VISIBILITIES:
        raise ValueError(f"unknown visibility {document.visibility!r}")
    entry = db.session.scalar(
        select(SearchEntry).where(SearchEntry.plugin == plugin, SearchEntry.key == document.key)
    ) or SearchEntry(plugin=plugin, key=document.key)
    entry.title = document.title[:300]
    entry.text = document.text
    entry.url = document.url
    entry.association_id = document.association_id
    entry.visibility = document.visibility
    db.session.add(entry)


def unindex_document(plugin: str, key: str) -> None:
    """Remove one document of ``plugin`` from the index (in the current transaction)."""
    db.session.execute(delete(SearchEntry).where(SearchEntry.plugin == plugin, SearchEntry.key == key))


def reindex() -> int:
    """Rebuild the whole index from every loaded plugin's ``search_documents``; return the count."""
    host = get_host()
    db.session.execute(delete(SearchEntry))
    count = 0
    for name, info in host.plugins.items():
        if not info.loaded:
            continue
        for documents in host.call_plugin(name, "search_documents"):
            for document in documents or ():
                index_document(name, document)
                count += 1
    db.session.commit()
    return count


def search_statement(user, query: str):
    """The select of the entries matching ``query`` that ``user`` may see, best first."""
    words = [word for word in query.lower().split() if word][:MAX_QUERY_WORDS]
    host = get_host()
    enabled = [name for name, info in host.plugins.items() if host.is_enabled(name)]
    statement = select(SearchEntry).where(SearchEntry.plugin.in_(enabled))
    for word in words:
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        statement = statement.where(
            or_(func.lower(SearchEntry.title).like(pattern, escape="\\"),
                func.lower(SearchEntry.text).like(pattern, escape="\\"))
        )
    statement = statement.where(_visible_to(user))
    title_hit = case(*[(func.lower(SearchEntry.title).like(f"%{w}%"), 1) for w in words[:1]], else_=0) if words else 0
    return statement.order_by(title_hit.desc() if words else SearchEntry.id, SearchEntry.updated_at.desc())


def _visible_to(user):
    if user is None or not user.is_authenticated:
        return SearchEntry.visibility == "public"
    if user.is_coordinator:
        return SearchEntry.visibility.in_(VISIBILITIES)
    association_ids = [membership.association_id for membership in user.memberships]
    return or_(
        SearchEntry.visibility.in_(("public", "community")),
        (SearchEntry.visibility == "association") & SearchEntry.association_id.in_(association_ids)
        if association_ids else false(),
    )
