"""Records in data·inclusion's v1 shape, built from what the portal shows publicly.

Which associations: every association of the programme except candidates (a candidate is not yet part of
the programme and its profile is a project, not a place people can go to). Which fields: the name, the
summary, the address (already shown on the public workshop page), the opening hours, the address of the
association's public page (``lien_source``, from the plugin that serves one), and the e-mail, phone,
website and SIRET only when the association chose to share its contact details (``share_contacts``).
Records are plain dicts with the schema's field names, ``None`` and empty values left out; the tests check
every one against the schema's own models, warnings included.
"""

from __future__ import annotations

import html
import logging
import re
from typing import Any

import nh3
from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from ..associations.hours import opening_hours_problem
from ..associations.identifiers import is_valid_siret
from ..associations.models import CANDIDATE, Association
from ..associations.territory import canonical_commune, commune_code
from ..contributions import InclusionService
from ..extensions import db
from ..plugins import get_host

log = logging.getLogger("qn_portal.data_inclusion")

ID_PREFIX = "qn"
NAME_MIN, NAME_MAX = 3, 150
DESCRIPTION_MIN, DESCRIPTION_MAX = 5, 10000
FRENCH_PHONE = re.compile(r"0[1-9][0-9]{8}")


def source() -> str:
    """The producer's identifier that every record carries (``DATA_INCLUSION_SOURCE``)."""
    return current_app.config["DATA_INCLUSION_SOURCE"]


def structure_id(association_id: int) -> str:
    """The stable id of an association's ``Structure``: ``qn-<id>`` (ids are never reused)."""
    return f"{ID_PREFIX}-{association_id}"


def exported_associations() -> list[Association]:
    """The associations whose ``Structure`` is exported, by id (candidates stay out)."""
    return list(db.session.scalars(select(Association).where(Association.status != CANDIDATE)
                                   .order_by(Association.id)))


# --- values fitted to the schema's rules ------------------------------------------------------------------


def fit_name(name: str, fallback_prefix: str) -> str:
    """A ``nom`` of 3 to 150 characters that does not end with a full stop (a warning of the schema)."""
    name = " ".join((name or "").split())
    if len(name) > NAME_MAX:
        name = name[:NAME_MAX].rstrip()
    while name.endswith(".") and not name.endswith("etc."):
        name = name[:-1].rstrip()
    if len(name) < NAME_MIN:
        name = f"{fallback_prefix} {name}".strip()
    return name[:NAME_MAX]


def plain_text(rendered_html: str) -> str:
    """The words of sanitised HTML (a rendered Markdown field), paragraphs kept apart by blank lines."""
    text = re.sub(r"</(p|li|h[1-6]|blockquote|pre)>|<br\s*/?>", "\n", rendered_html or "")
    text = html.unescape(nh3.clean(text, tags=set()))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def fit_description(text: str) -> str | None:
    """A ``description`` of 5 to 10,000 characters, or ``None`` when there is too little to say."""
    text = (text or "").strip()
    if len(text) < DESCRIPTION_MIN:
        return None
    return text[:DESCRIPTION_MAX]


def e164(phone: str) -> str | None:
    """A French number in E.164 (``+33536491001``), as the schema prefers; anything else as typed."""
    digits = re.sub(r"[\s.\-()]", "", phone or "")
    if not digits:
        return None
    if FRENCH_PHONE.fullmatch(digits):
        return "+33" + digits[1:]
    return phone.strip()


def drop_empty(record: dict[str, Any]) -> dict[str, Any]:
    """The record without ``None``, empty strings and empty lists: the schema reads absence as "unknown"."""
    return {key: value for key, value in record.items() if value not in (None, "", [], ())}


# --- what plugins reuse (through qn_portal.api) ------------------------------------------------------------


def data_inclusion_place(association: Association) -> dict[str, Any]:
    """The public place of an association in schema fields: commune, code_postal, code_insee, adresse."""
    commune = canonical_commune(association.commune) or (association.commune or "").strip()
    postal = association.postal_code if re.fullmatch(r"[0-9]{5}", association.postal_code or "") else None
    return drop_empty({"commune": commune, "code_postal": postal, "code_insee": commune_code(commune),
                       "adresse": " ".join((association.address or "").split())})


def data_inclusion_contact(association: Association) -> dict[str, Any]:
    """The association's e-mail and phone in schema fields, only if it chose to share its contact details."""
    if not association.share_contacts:
        return {}
    return drop_empty({"courriel": (association.email or "").strip(), "telephone": e164(association.phone)})


def data_inclusion_name(name: str, fallback_prefix: str) -> str:
    """``name`` fitted to the schema's ``nom`` (3 to 150 characters, no final full stop)."""
    return fit_name(name, fallback_prefix)


def data_inclusion_description(rendered_html: str) -> str | None:
    """The words of a rendered Markdown field fitted to the schema's ``description``, or ``None`` if too short."""
    return fit_description(plain_text(rendered_html))


# --- the records -----------------------------------------------------------------------------------------


def public_page_url(association: Association) -> str | None:
    """The absolute URL of the association's page that visitors may open, from the first enabled plugin that
    serves one (``association_public_url``); ``None`` when none does (the core's own page needs a sign-in)."""
    for _plugin, url in get_host().call_each("association_public_url", association=association):
        if isinstance(url, str) and url.startswith(("https://", "http://")):
            return url
    return None


def structure_record(association: Association) -> dict[str, Any]:
    """One association as a data·inclusion ``Structure``.

    ``accessibilite_lieu`` (a URL such as the place's acceslibre page) is left out: the portal records no
    accessibility information about an association's place."""
    shared = association.share_contacts
    website = (association.website or "").strip()
    siret = (association.siret or "").strip()
    hours = (association.opening_hours or "").strip()
    record = {
        "source": source(),
        "id": structure_id(association.id),
        "nom": fit_name(association.name, "Association"),
        "date_maj": association.updated_at.date().isoformat(),
        "description": fit_description(plain_text(association.summary_html)),
        "lien_source": public_page_url(association),
        "siret": siret if shared and is_valid_siret(siret) else None,
        **data_inclusion_place(association),
        **data_inclusion_contact(association),
        "site_web": website if shared and website.startswith(("https://", "http://")) else None,
        # Checked when typed; checked again so that an expression saved before the check cannot go out.
        "horaires_accueil": hours if hours and opening_hours_problem(hours) is None else None,
    }
    return drop_empty(record)


def service_records(association_ids: list[int]) -> list[dict[str, Any]]:
    """Every enabled plugin's public offers of these associations, as data·inclusion ``Service`` records."""
    wanted = set(association_ids)
    records = []
    for plugin, services in get_host().call_each("data_inclusion_services", association_ids=list(association_ids)):
        for service in services or []:
            if not isinstance(service, InclusionService) or service.association_id not in wanted:
                # A plugin must never publish the offer of an association that is not exported.
                log.warning("plugin %s gave a data·inclusion service outside the export; left out", plugin)
                continue
            fields = {key: value for key, value in service.fields.items()
                      if key not in ("source", "id", "structure_id")}
            records.append(drop_empty({"source": source(), "id": f"{ID_PREFIX}-{plugin}-{service.key}",
                                       "structure_id": structure_id(service.association_id), **fields}))
    return records


def structures() -> list[dict[str, Any]]:
    """Every exported ``Structure``, in French whatever the reader's language (the schema is French)."""
    with force_locale("fr"):
        return [structure_record(association) for association in exported_associations()]


def services() -> list[dict[str, Any]]:
    """Every exported ``Service``, in French."""
    with force_locale("fr"):
        return service_records([association.id for association in exported_associations()])


def export() -> dict[str, list[dict[str, Any]]]:
    """The whole export: ``{"structures": [...], "services": [...]}``."""
    return {"structures": structures(), "services": services()}
