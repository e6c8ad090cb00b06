"""The ressources' collection of the public API: published resources (``/api/v1/ressources/resources``).

Anonymously, what a visitor finds on ``/ressources/``: published public resources. With a token of scope
``ressources``, the published resources its owner may read (``services.listed_clause``): community ones,
their association's. Drafts never: the API lists what is published. Never the author, comments or files.
"""

from __future__ import annotations

from datetime import timedelta

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from qn_portal.api import ApiCollection, ApiFilter, Association, db, lazy_gettext, local_day_start

from . import services
from .models import AUDIENCES, KINDS, LEVELS, LICENCES, VISIBILITIES, Resource, Theme

TEXT = {"type": "string"}
ITEM_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "url", "title", "summary", "kind", "level", "duration_minutes", "licence", "visibility",
                 "themes", "audiences", "association", "published_at", "updated_at"],
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "url": {"type": "string", "format": "uri"},
        "title": TEXT,
        "summary": TEXT,
        "kind": {"type": "string", "enum": list(KINDS)},
        "level": TEXT,
        "duration_minutes": {"type": ["integer", "null"]},
        "licence": TEXT,
        "visibility": {"type": "string", "enum": list(VISIBILITIES)},
        "themes": {"type": "array", "items": TEXT},
        "audiences": {"type": "array", "items": {"type": "string", "enum": list(AUDIENCES)}},
        "association": {
            "type": ["object", "null"], "additionalProperties": False, "required": ["id", "name"],
            "properties": {"id": {"type": "integer", "minimum": 1}, "name": TEXT},
        },
        "published_at": {"type": ["string", "null"], "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
    },
}


def visible(user):
    return (select(Resource).where(services.listed_clause(user))
            .options(selectinload(Resource.association), selectinload(Resource.themes),
                     selectinload(Resource.audience_rows)))


def query(user, filters: dict):
    statement = visible(user)
    if "commune" in filters:
        statement = statement.where(Resource.association_id.in_(
            select(Association.id).where(Association.commune == filters["commune"])))
    if "theme" in filters:
        statement = statement.where(Resource.themes.any(Theme.slug == filters["theme"]))
    for name in ("kind", "level", "licence"):
        if name in filters:
            statement = statement.where(getattr(Resource, name) == filters[name])
    if "du" in filters:
        statement = statement.where(Resource.published_at >= local_day_start(filters["du"]))
    if "au" in filters:
        statement = statement.where(Resource.published_at < local_day_start(filters["au"] + timedelta(days=1)))
    return statement.order_by(Resource.id)


def serialize(user, rows: list[Resource]) -> list[dict]:
    return [{
        "id": resource.id,
        "url": url_for("ressources.show", resource_id=resource.id, _external=True),
        "title": resource.title,
        "summary": resource.summary or "",
        "kind": resource.kind,
        "level": resource.level or "",
        "duration_minutes": resource.duration_minutes,
        "licence": resource.licence or "",
        "visibility": resource.visibility,
        "themes": [theme.slug for theme in resource.themes],
        "audiences": sorted(row.audience for row in resource.audience_rows if row.audience in AUDIENCES),
        "association": ({"id": resource.association.id, "name": resource.association.name}
                        if resource.association else None),
        "published_at": resource.published_at.isoformat() if resource.published_at else None,
        "updated_at": resource.updated_at.isoformat(),
    } for resource in rows]


def get(user, item_id: int) -> dict | None:
    resource = db.session.scalar(visible(user).where(Resource.id == item_id))
    return serialize(user, [resource])[0] if resource is not None else None


def collections() -> list[ApiCollection]:
    """The plugin's API collections (what the ``api_collections`` hook returns)."""
    return [ApiCollection(
        name="resources",
        summary=lazy_gettext("Les ressources pédagogiques publiées"),
        description=lazy_gettext("Sans jeton : les ressources publiques."),
        item_schema=ITEM_SCHEMA,
        query=query, serialize=serialize, get=get,
        filters=(
            ApiFilter("commune", "commune", lazy_gettext("Commune de l'association qui partage la ressource.")),
            ApiFilter("theme", "text", lazy_gettext("Thème, par son identifiant (par exemple « demarches-en-ligne »).")),
            ApiFilter("kind", "choice", lazy_gettext("Type de ressource."), choices=tuple(KINDS)),
            ApiFilter("level", "choice", lazy_gettext("Niveau."), choices=tuple(LEVELS)),
            ApiFilter("licence", "choice", lazy_gettext("Licence."), choices=tuple(LICENCES)),
            ApiFilter("du", "date", lazy_gettext("Publiées ce jour-là ou après.")),
            ApiFilter("au", "date", lazy_gettext("Publiées ce jour-là ou avant.")),
        ),
        scope="ressources",
    )]
