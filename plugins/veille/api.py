"""The veille's collection of the public API: published posts (``/api/v1/veille/posts``).

Anonymously, what the public Atom feed and the public post pages show: published public posts. With a token
of scope ``veille``, what its owner reads in the portal (``services.visible_clause``: intranet posts for
the programme's people, never for partners). Never comments, reactions or their authors.
"""

from __future__ import annotations

from datetime import timedelta

from flask import url_for
from sqlalchemy import select

from qn_portal.api import ApiCollection, ApiFilter, db, lazy_gettext, local_day_start

from . import services
from .models import CATEGORIES, VISIBILITIES, VeillePost

TEXT = {"type": "string"}
ITEM_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "url", "title", "body", "category", "tags", "communes", "source_url", "visibility",
                 "pinned", "published_at"],
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "url": {"type": "string", "format": "uri"},
        "title": TEXT,
        "body": {"type": "string", "description": "Markdown"},
        "category": {"type": "string", "enum": list(CATEGORIES)},
        "tags": {"type": "array", "items": TEXT},
        "communes": {"type": "array", "items": TEXT},
        "source_url": TEXT,
        "visibility": {"type": "string", "enum": list(VISIBILITIES)},
        "pinned": {"type": "boolean"},
        "published_at": {"type": "string", "format": "date-time"},
    },
}


def query(user, filters: dict):
    # The posts' own list: published, visible to ``user``, filtered by category, tag and commune as on the site.
    statement = services.posts_statement(user, category=filters.get("category", ""), tag=filters.get("tag", ""),
                                         commune=filters.get("commune", ""))
    if "du" in filters:
        statement = statement.where(VeillePost.published_at >= local_day_start(filters["du"]))
    if "au" in filters:
        statement = statement.where(VeillePost.published_at < local_day_start(filters["au"] + timedelta(days=1)))
    # A stable order for paging (the site's pins first would move posts between pages when a pin changes).
    return statement.order_by(None).order_by(VeillePost.published_at.desc(), VeillePost.id.desc())


def serialize(user, rows: list[VeillePost]) -> list[dict]:
    return [{
        "id": post.id,
        "url": url_for("veille.post", post_id=post.id, _external=True),
        "title": post.title,
        "body": post.body or "",
        "category": post.category,
        "tags": post.tag_list,
        "communes": post.commune_list,
        "source_url": post.source_url or "",
        "visibility": post.visibility,
        "pinned": bool(post.pinned),
        "published_at": post.published_at.isoformat(),
    } for post in rows]


def get(user, item_id: int) -> dict | None:
    post = db.session.scalar(select(VeillePost).where(VeillePost.id == item_id, services.visible_clause(user)))
    return serialize(user, [post])[0] if post is not None else None


def collections() -> list[ApiCollection]:
    """The plugin's API collections (what the ``api_collections`` hook returns)."""
    return [ApiCollection(
        name="posts",
        summary=lazy_gettext("Les billets de la veille"),
        description=lazy_gettext("Sans jeton : les billets publics publiés."),
        item_schema=ITEM_SCHEMA,
        query=query, serialize=serialize, get=get,
        filters=(
            ApiFilter("commune", "commune", lazy_gettext("Billets qui concernent cette commune.")),
            ApiFilter("category", "choice", lazy_gettext("Catégorie du billet."), choices=tuple(CATEGORIES)),
            ApiFilter("tag", "text", lazy_gettext("Mot-clé du billet.")),
            ApiFilter("du", "date", lazy_gettext("Publiés ce jour-là ou après.")),
            ApiFilter("au", "date", lazy_gettext("Publiés ce jour-là ou avant.")),
        ),
        scope="veille",
    )]
