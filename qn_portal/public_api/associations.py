"""The core's own collection: associations' profiles at ``/api/v1/associations``.

Anonymously: the associations of the programme (never a candidate, whose application is not public), with
their public profile only. With a token of scope ``associations``: what its owner sees in the directory,
candidates included, and the contact details when the association shares them or the owner may see its
private data, as on its page. Never the team, the members or the training room.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..associations.models import CANDIDATE, STATUSES, Association
from ..contributions import ApiCollection, ApiFilter
from ..extensions import db
from ..permissions import can

SCOPE = "associations"
TEXT = {"type": "string"}
NULLABLE_TEXT = {"type": ["string", "null"]}

ITEM_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "url", "name", "summary", "commune", "neighbourhood", "opening_hours", "status", "cohort",
                 "contacts", "updated_at"],
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "url": {"type": "string", "format": "uri"},
        "name": TEXT,
        "summary": {"type": "string", "description": "Markdown"},
        "commune": TEXT,
        "neighbourhood": {
            "type": ["object", "null"], "additionalProperties": False, "required": ["name", "kind"],
            "properties": {"name": TEXT, "kind": {"type": "string", "enum": ["qpv", "veille"]}},
        },
        "opening_hours": {"type": "string", "description": "OpenStreetMap opening_hours"},
        "status": {"type": "string", "enum": list(STATUSES)},
        "cohort": {"type": ["integer", "null"]},
        "contacts": {
            "type": ["object", "null"], "additionalProperties": False,
            "required": ["address", "postal_code", "email", "phone", "website", "siret", "rna"],
            "properties": dict.fromkeys(("address", "postal_code", "email", "phone", "website", "siret", "rna"), TEXT),
        },
        "updated_at": {"type": "string", "format": "date-time"},
    },
}


def query(user, filters: dict):
    statement = select(Association)
    if not user.is_authenticated:
        statement = statement.where(Association.status != CANDIDATE)
    if "commune" in filters:
        statement = statement.where(Association.commune == filters["commune"])
    if "status" in filters:
        statement = statement.where(Association.status == filters["status"])
    return statement.order_by(Association.id)


def serialize_one(user, association: Association) -> dict:
    shows_contacts = user.is_authenticated and (association.share_contacts
                                                or can(user, "associations.view_private", association))
    neighbourhood = association.neighbourhood
    return {
        "id": association.id,
        "url": url_for("associations.show", slug=association.slug, _external=True),
        "name": association.name,
        "summary": association.summary or "",
        "commune": association.commune or "",
        "neighbourhood": {"name": neighbourhood.name, "kind": neighbourhood.kind} if neighbourhood else None,
        "opening_hours": association.opening_hours or "",
        "status": association.status,
        "cohort": association.cohort,
        "contacts": {name: getattr(association, name) or "" for name in
                     ("address", "postal_code", "email", "phone", "website", "siret", "rna")} if shows_contacts else None,
        "updated_at": association.updated_at.isoformat(),
    }


def serialize(user, rows: list) -> list[dict]:
    return [serialize_one(user, association) for association in rows]


def get(user, item_id: int) -> dict | None:
    association = db.session.scalar(query(user, {}).where(Association.id == item_id))
    return serialize_one(user, association) if association is not None else None


def collection() -> ApiCollection:
    return ApiCollection(
        name="associations",
        summary=_l("Les associations du programme"),
        description=_l("Le profil public des associations ; jamais les candidates sans jeton."),
        item_schema=ITEM_SCHEMA,
        query=query, serialize=serialize, get=get,
        filters=(ApiFilter("commune", "commune", _l("Commune de la métropole où l'association est installée.")),
                 ApiFilter("status", "choice", _l("Étape du programme."), choices=STATUSES)),
        scope=SCOPE,
    )
