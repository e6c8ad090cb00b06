"""The ateliers' collection of the public API: workshop sessions (``/api/v1/ateliers/sessions``).

Anonymously, what the public calendar (``/ateliers/agenda.ics``) shows: the sessions of public workshops
from 90 days ago on. With a token of scope ``ateliers``, what its owner sees in the portal's calendar
(``services.visible_condition``). Never a registration, a resident or a facilitator: only the number of
seats taken, as the public page shows it.
"""

from __future__ import annotations

from datetime import timedelta

from flask import url_for
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from qn_portal.api import ApiCollection, ApiFilter, Association, db, lazy_gettext, local_day_start, utcnow

from . import services
from .models import SCHEDULED, Session, Workshop
from .vocabulary import LEVELS, THEMES

PUBLIC_HISTORY = timedelta(days=90)  # as the public calendar feed
TEXT = {"type": "string"}

ITEM_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "url", "starts_at", "ends_at", "status", "capacity", "seats_taken", "commune", "room",
                 "workshop", "association"],
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "url": {"type": "string", "format": "uri"},
        "starts_at": {"type": "string", "format": "date-time"},
        "ends_at": {"type": "string", "format": "date-time"},
        "status": {"type": "string", "enum": ["scheduled", "cancelled"]},
        "capacity": {"type": "integer", "minimum": 0},
        "seats_taken": {"type": "integer", "minimum": 0},
        "commune": TEXT,
        "room": {"type": ["string", "null"]},
        "workshop": {
            "type": "object", "additionalProperties": False,
            "required": ["id", "title", "description", "themes", "level", "audience", "language", "accessibility",
                         "free", "public"],
            "properties": {
                "id": {"type": "integer", "minimum": 1},
                "title": TEXT,
                "description": {"type": "string", "description": "Markdown"},
                "themes": {"type": "array", "items": TEXT},
                "level": TEXT,
                "audience": TEXT,
                "language": TEXT,
                "accessibility": TEXT,
                "free": {"type": "boolean"},
                "public": {"type": "boolean"},
            },
        },
        "association": {
            "type": "object", "additionalProperties": False, "required": ["id", "name", "url"],
            "properties": {"id": {"type": "integer", "minimum": 1}, "name": TEXT,
                           "url": {"type": "string", "format": "uri"}},
        },
    },
}


def visible(user):
    """What ``user`` may see: the public calendar for a visitor, the portal's calendar for a signed-in owner."""
    statement = (select(Session).join(Session.workshop).join(Association, Association.id == Session.association_id)
                 .options(joinedload(Session.workshop).joinedload(Workshop.association), joinedload(Session.room)))
    if not user.is_authenticated:
        return statement.where(Workshop.public.is_(True), Session.starts_at >= utcnow() - PUBLIC_HISTORY)
    return statement.where(services.visible_condition(user))


def query(user, filters: dict):
    statement = visible(user)
    if "commune" in filters:
        statement = statement.where(Association.commune == filters["commune"])
    if "theme" in filters:
        theme = filters["theme"]  # one of THEMES' codes (checked by the core): no LIKE wildcard in it
        statement = statement.where(or_(Workshop.themes == theme, Workshop.themes.like(f"{theme},%"),
                                        Workshop.themes.like(f"%,{theme}"), Workshop.themes.like(f"%,{theme},%")))
    if "level" in filters:
        statement = statement.where(Workshop.level == filters["level"])
    if "du" in filters:
        statement = statement.where(Session.starts_at >= local_day_start(filters["du"]))
    if "au" in filters:
        statement = statement.where(Session.starts_at < local_day_start(filters["au"] + timedelta(days=1)))
    return statement.order_by(Session.starts_at, Session.id)


def serialize(user, rows: list[Session]) -> list[dict]:
    taken = services.seats_taken(session.id for session in rows)
    items = []
    for session in rows:
        workshop, association = session.workshop, session.workshop.association
        items.append({
            "id": session.id,
            "url": url_for("ateliers.session", session_id=session.id, _external=True),
            "starts_at": session.starts_at.isoformat(),
            "ends_at": session.ends_at.isoformat(),
            "status": session.status if session.status in (SCHEDULED, "cancelled") else SCHEDULED,
            "capacity": session.capacity,
            "seats_taken": taken.get(session.id, 0),
            "commune": association.commune or "",
            "room": session.room.name if session.room else None,
            "workshop": {
                "id": workshop.id, "title": workshop.title, "description": workshop.description or "",
                "themes": [code for code in (workshop.themes or "").split(",") if code],
                "level": workshop.level or "", "audience": workshop.audience or "",
                "language": workshop.language or "", "accessibility": workshop.accessibility or "",
                "free": bool(workshop.free), "public": bool(workshop.public),
            },
            "association": {"id": association.id, "name": association.name,
                            "url": url_for("ateliers.association_page", slug=association.slug, _external=True)},
        })
    return items


def get(user, item_id: int) -> dict | None:
    session = db.session.scalar(visible(user).where(Session.id == item_id))
    return serialize(user, [session])[0] if session is not None else None


def collections() -> list[ApiCollection]:
    """The plugin's API collections (what the ``api_collections`` hook returns)."""
    return [ApiCollection(
        name="sessions",
        summary=lazy_gettext("Les séances des ateliers"),
        description=lazy_gettext("Sans jeton : les séances des ateliers publics, depuis 90 jours."),
        item_schema=ITEM_SCHEMA,
        query=query, serialize=serialize, get=get,
        filters=(
            ApiFilter("commune", "commune", lazy_gettext("Commune de l'association qui anime la séance.")),
            ApiFilter("theme", "choice", lazy_gettext("Thème de l'atelier."), choices=tuple(THEMES)),
            ApiFilter("level", "choice", lazy_gettext("Niveau de l'atelier."), choices=tuple(LEVELS)),
            ApiFilter("du", "date", lazy_gettext("Séances qui commencent ce jour-là ou après.")),
            ApiFilter("au", "date", lazy_gettext("Séances qui commencent ce jour-là ou avant.")),
        ),
        scope="ateliers",
    )]

