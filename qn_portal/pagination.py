"""Pagination of every list: one query for the page, one for the count."""

from __future__ import annotations

from flask import abort, current_app, request

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
