"""Writing to the index: one document at a time (plugins, in their own transaction) or all at once."""

from __future__ import annotations

from flask_babel import force_locale
from sqlalchemy import delete, insert, select, text

from ..contributions import SearchDocument
from ..database import write_transaction
from ..extensions import db
from ..plugins import get_host
from .analysis import document_stems
from .models import FTS_TABLE, VISIBILITIES, SearchEntry

SOURCE_LOCALE = "fr"  # the language of msgids: kinds are stored in it and translated when shown


def index_document(plugin: str, document: SearchDocument) -> None:
    """Add or replace one document of ``plugin`` in the index (in the current transaction)."""
    values = _values(plugin, document)
    entry = db.session.scalar(
        select(SearchEntry).where(SearchEntry.plugin == plugin, SearchEntry.key == document.key)
    ) or SearchEntry(plugin=plugin, key=document.key)
    for name, value in values.items():
        setattr(entry, name, value)
    db.session.add(entry)


def unindex_document(plugin: str, key: str) -> None:
    """Remove one document of ``plugin`` from the index (in the current transaction)."""
    db.session.execute(delete(SearchEntry).where(SearchEntry.plugin == plugin, SearchEntry.key == key))


def reindex() -> int:
    """Rebuild the whole index from every loaded plugin's ``search_documents``; return the count.

    All or nothing: the documents are gathered first, so a plugin that raises leaves the index as it was;
    then the old index is replaced in one transaction, which readers never see half done.
    """
    host = get_host()
    rows: dict[tuple[str, str], dict] = {}
    for name, info in host.plugins.items():
        if not info.loaded:
            continue
        for documents in host.call_plugin(name, "search_documents"):
            for document in documents or ():
                rows[(name, document.key)] = _values(name, document)  # a repeated key: the last one wins
    with write_transaction():
        db.session.execute(delete(SearchEntry))
        if rows:
            db.session.execute(insert(SearchEntry), list(rows.values()))
        if db.session.get_bind().dialect.name == "sqlite":
            # Rebuild the FTS5 index from the table: it repairs any drift the triggers could have missed.
            db.session.execute(text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"))  # noqa: S608
    return len(rows)


def _values(plugin: str, document: SearchDocument) -> dict:
    if document.visibility not in VISIBILITIES:
        raise ValueError(f"unknown visibility {document.visibility!r}")
    title, body = document.title[:300], document.text or ""
    return {
        "plugin": plugin,
        "key": document.key,
        "kind": _label(document.kind) or plugin,
        "title": title,
        "text": body,
        "url": document.url,
        "association_id": document.association_id,
        "visibility": document.visibility,
        "title_stems": document_stems(title),
        "text_stems": document_stems(body),
    }


def _label(kind) -> str:
    """The kind's French label (its msgid), whatever the language of the request that indexes it."""
    if not kind:
        return ""
    with force_locale(SOURCE_LOCALE):
        return str(kind)[:80]
