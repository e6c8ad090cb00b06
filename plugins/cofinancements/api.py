"""The cofinancements' collection of the public API: funding opportunities (``/api/v1/cofinancements/opportunities``).

The catalogue of aids is for the portal's people (``cofinancements.view``): the site shows it to no visitor,
so without a token of scope ``cofinancements`` the collection is empty. With one, its owner's catalogue, as
``/cofinancements/`` lists it. Never an association's applications, funding plan or notes on funders.
"""

from __future__ import annotations

from flask import url_for
from sqlalchemy import false, select
from sqlalchemy.orm import selectinload

from qn_portal.api import ApiCollection, ApiFilter, can, db, lazy_gettext

from . import services
from .models import AID_TYPES, RECURRENCES, SCOPES, THEMES, Opportunity

TEXT = {"type": "string"}
AMOUNT = {"type": ["integer", "null"], "minimum": 0}
ITEM_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "url", "title", "description", "funder", "aid_type", "beneficiaries", "scope", "communes",
                 "themes", "amount_min_cents", "amount_max_cents", "max_rate", "opens_on", "deadline", "recurrence",
                 "status", "application_url", "origin_url", "updated_at"],
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "url": {"type": "string", "format": "uri"},
        "title": TEXT,
        "description": {"type": "string", "description": "Markdown"},
        "funder": {"type": ["object", "null"], "additionalProperties": False, "required": ["id", "name"],
                   "properties": {"id": {"type": "integer", "minimum": 1}, "name": TEXT}},
        "aid_type": {"type": "string", "enum": list(AID_TYPES)},
        "beneficiaries": TEXT,
        "scope": {"type": "string", "enum": list(SCOPES)},
        "communes": {"type": "array", "items": TEXT},
        "themes": {"type": "array", "items": TEXT},
        "amount_min_cents": AMOUNT,
        "amount_max_cents": AMOUNT,
        "max_rate": {"type": ["integer", "null"]},
        "opens_on": {"type": ["string", "null"], "format": "date"},
        "deadline": {"type": ["string", "null"], "format": "date"},
        "recurrence": {"type": "string", "enum": list(RECURRENCES)},
        "status": {"type": "string", "enum": ["a_venir", "ouvert", "clos"]},
        "application_url": TEXT,
        "origin_url": TEXT,
        "updated_at": {"type": "string", "format": "date-time"},
    },
}


def visible(user):
    statement = select(Opportunity).options(selectinload(Opportunity.funder))
    if not can(user, "cofinancements.view"):
        return statement.where(false())  # what the site shows a visitor: nothing
    return statement


def query(user, filters: dict):
    statement = visible(user)
    if "commune" in filters:
        statement = statement.where(services.covers_commune(filters["commune"]))
    if "theme" in filters:
        statement = statement.where(Opportunity.themes.like(f"%|{filters['theme']}|%"))  # a checked code
    if "aid_type" in filters:
        statement = statement.where(Opportunity.aid_type == filters["aid_type"])
    if "du" in filters:
        statement = statement.where(Opportunity.deadline.is_not(None), Opportunity.deadline >= filters["du"])
    if "au" in filters:
        statement = statement.where(Opportunity.deadline.is_not(None), Opportunity.deadline <= filters["au"])
    return statement.order_by(Opportunity.id)


def serialize(user, rows: list[Opportunity]) -> list[dict]:
    today = services.paris_today()
    return [{
        "id": item.id,
        "url": url_for("cofinancements.opportunity", opportunity_id=item.id, _external=True),
        "title": item.title,
        "description": item.description or "",
        "funder": {"id": item.funder.id, "name": item.funder.name} if item.funder else None,
        "aid_type": item.aid_type,
        "beneficiaries": item.beneficiaries or "",
        "scope": item.scope,
        "communes": item.commune_list,
        "themes": item.theme_list,
        "amount_min_cents": item.amount_min_cents,
        "amount_max_cents": item.amount_max_cents,
        "max_rate": item.max_rate,
        "opens_on": item.opens_on.isoformat() if item.opens_on else None,
        "deadline": item.deadline.isoformat() if item.deadline else None,
        "recurrence": item.recurrence,
        "status": item.status(today),
        "application_url": item.application_url or "",
        "origin_url": item.origin_url or "",
        "updated_at": item.updated_at.isoformat(),
    } for item in rows]


def get(user, item_id: int) -> dict | None:
    item = db.session.scalar(visible(user).where(Opportunity.id == item_id))
    return serialize(user, [item])[0] if item is not None else None


def collections() -> list[ApiCollection]:
    """The plugin's API collections (what the ``api_collections`` hook returns)."""
    return [ApiCollection(
        name="opportunities",
        summary=lazy_gettext("Les aides et appels à projets"),
        description=lazy_gettext("Réservé aux jetons qui ont la portée « cofinancements » : sans, la liste est vide."),
        item_schema=ITEM_SCHEMA,
        query=query, serialize=serialize, get=get,
        filters=(
            ApiFilter("commune", "commune", lazy_gettext("Aides ouvertes aux associations de cette commune.")),
            ApiFilter("theme", "choice", lazy_gettext("Thématique de l'aide."), choices=tuple(THEMES)),
            ApiFilter("aid_type", "choice", lazy_gettext("Type d'aide."), choices=tuple(AID_TYPES)),
            ApiFilter("du", "date", lazy_gettext("Date limite ce jour-là ou après.")),
            ApiFilter("au", "date", lazy_gettext("Date limite ce jour-là ou avant.")),
        ),
        scope="cofinancements",
    )]
