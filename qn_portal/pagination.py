"""Pagination of every list: one query for the page, one for the count; links that keep the filters."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

from flask import abort, current_app, request, url_for

from .extensions import db


def paginate(statement, per_page: int | None = None):
    """Paginate a SQLAlchemy select from the ``page`` query argument; a page past the end answers 404."""
    page = request.args.get("page", 1, type=int)
    if page < 1:
        abort(404)
    return db.paginate(
        statement,
        page=page,
        per_page=per_page or current_app.config["PER_PAGE"],
        max_per_page=100,
        error_out=True,
    )


def url_with_args(endpoint: str | None = None, drop: Iterable[str] = (), **updates) -> str:
    """The URL of ``endpoint`` (default: this page) with this request's query string, every value kept.

    ``?theme=1&theme=2`` stays ``theme=1&theme=2``: a dict of ``request.args`` keeps one value per name.
    The current view arguments fill the path. ``updates`` replace a parameter (``page=3``; ``None``
    removes it) and ``drop`` removes some. The query string is appended here instead of going through
    ``url_for``'s keyword arguments, so that a query argument can neither replace a view argument of the
    path nor reach ``url_for``'s own options (``?_external=1&_anchor=x`` changed the link).
    """
    removed = set(drop) | set(updates)
    pairs = [(name, value) for name, value in request.args.items(multi=True) if name not in removed]
    pairs += [(name, value) for name, value in updates.items() if value is not None]
    base = url_for(endpoint or request.endpoint, **(request.view_args or {}))
    if not pairs:
        return base
    return base + ("&" if "?" in base else "?") + urlencode(pairs)
