"""The workshops as data·inclusion ``Service`` records (the ``data_inclusion_services`` hook).

Each public workshop of an exported association that has a session to come is one service of type
``atelier``. The mapping to the schema's codes is explicit:

* ``thematiques``: each theme of La Coop's list (``vocabulary.THEMES``) goes to one ``numerique--*`` code
  (``THEMATIQUES`` below); a workshop without a theme is about the basics.
* ``publics``: always ``residents-qpv-frr`` (the programme works in quartiers prioritaires), plus the
  publics that the words of the workshop's free-text audience name (``AUDIENCE_PATTERNS``); the text itself
  goes to ``publics_precisions``.
* ``zone_eligibilite``: the INSEE code of the association's commune; ``frais``: ``gratuit`` or ``payant``;
  ``modes_accueil``: ``en-presentiel``; ``mobilisable_par``: professionals (partners refer people) and the
  people themselves; ``modes_mobilisation``: coming to the place, and calling or writing when the
  association shares its contact details.
"""

from __future__ import annotations

import re
import unicodedata

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from qn_portal.api import (
    InclusionService,
    commune_code,
    data_inclusion_contact,
    data_inclusion_description,
    data_inclusion_name,
    data_inclusion_place,
    db,
    gettext,
    utcnow,
)

from .models import SCHEDULED, Session, Workshop
from .vocabulary import level_label

FUNDAMENTALS = "numerique--maitriser-les-fondamentaux-du-numerique"
ONLINE_SERVICES = "numerique--acceder-a-des-services-en-ligne"
THEMATIQUES = {
    "prendre-en-main-du-materiel": FUNDAMENTALS,
    "navigation-sur-internet": FUNDAMENTALS,
    "email": FUNDAMENTALS,
    "bureautique": FUNDAMENTALS,
    "reseaux-sociaux": FUNDAMENTALS,
    "securite-numerique": FUNDAMENTALS,
    "parentalite": FUNDAMENTALS,
    "utiliser-le-numerique-au-quotidien": FUNDAMENTALS,
    "sante": ONLINE_SERVICES,
    "banque-et-achats-en-ligne": ONLINE_SERVICES,
    "demarches-en-ligne": ONLINE_SERVICES,
    "insertion-professionnelle": ONLINE_SERVICES,
}
QPV_RESIDENTS = "residents-qpv-frr"
# Patterns of the audience text (lower case, without accents) → data·inclusion publics.
AUDIENCE_PATTERNS = tuple((re.compile(pattern), public) for pattern, public in (
    (r"\bseniors?\b|\bretraite|\bagee?s?\b", "seniors"),
    (r"\bfamilles?\b|\bfamilial|\bparents?\b|\bparentalite", "familles"),
    (r"\bjeunes?\b|\badolescent", "jeunes"),
    (r"\bexile|\brefugie|\ballophone|\bmigrant|\bdemandeu(?:r|se)s? d.?asile", "personnes-exilees"),
    (r"\bhandicap", "personnes-en-situation-de-handicap"),
    (r"\bfemmes?\b", "femmes"),
    (r"\bdemandeu(?:r|se)s? d.?emploi|\bchomage|\bchomeu", "demandeurs-emploi"),
    (r"\betudiant", "etudiants"),
))


def fold(text: str) -> str:
    """Lower case without accents, so that "Âgés" and "ages" match alike."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def publics(audience: str) -> list[str]:
    """``residents-qpv-frr`` and the publics that the words of ``audience`` name, sorted."""
    text = fold(audience)
    return sorted({QPV_RESIDENTS, *(public for pattern, public in AUDIENCE_PATTERNS if pattern.search(text))})


def thematiques(themes: list[str]) -> list[str]:
    """The ``numerique--*`` codes of a workshop's themes (the basics when it has none), sorted."""
    return sorted({THEMATIQUES[theme] for theme in themes if theme in THEMATIQUES} or {FUNDAMENTALS})


def upcoming_public_workshops(association_ids: list[int]) -> list[tuple[Workshop, object]]:
    """The public workshops of these associations with a session to come, and their last change."""
    if not association_ids:
        return []
    upcoming = (select(Session.workshop_id).where(Session.status == SCHEDULED, Session.starts_at >= utcnow())
                .distinct())
    latest = (select(Session.workshop_id, func.max(Session.created_at).label("latest"))
              .group_by(Session.workshop_id).subquery())
    statement = (select(Workshop, latest.c.latest).outerjoin(latest, latest.c.workshop_id == Workshop.id)
                 .options(joinedload(Workshop.association))
                 .where(Workshop.public.is_(True), Workshop.association_id.in_(association_ids),
                        Workshop.id.in_(upcoming))
                 .order_by(Workshop.association_id, Workshop.id))
    return [(workshop, latest_session) for workshop, latest_session in db.session.execute(statement)]


def service_fields(workshop: Workshop, updated) -> dict:
    """One workshop's ``Service`` fields (the core adds ``source``, ``id`` and ``structure_id``)."""
    association = workshop.association
    contact = data_inclusion_contact(association)
    description = data_inclusion_description(workshop.description_html) or gettext(
        "Atelier collectif de médiation numérique « %(title)s », proposé par %(name)s.",
        title=workshop.title, name=association.name)
    modes = ["se-presenter"]
    if contact.get("telephone"):
        modes.append("telephoner")
    if contact.get("courriel"):
        modes.append("envoyer-un-courriel")
    code = commune_code(association.commune)
    changed = max(moment for moment in (workshop.created_at, updated) if moment is not None)
    return {
        "nom": data_inclusion_name(workshop.title, gettext("Atelier")),
        "description": description,
        "type": "atelier",
        "thematiques": thematiques(workshop.theme_list),
        "publics": publics(workshop.audience or ""),
        "publics_precisions": " ".join((workshop.audience or "").split()) or None,
        "conditions_acces": gettext("Niveau : %(level)s.", level=level_label(workshop.level).lower()),
        "frais": "gratuit" if workshop.free else "payant",
        "modes_accueil": ["en-presentiel"],
        "zone_eligibilite": [code] if code else None,
        "mobilisable_par": ["professionnels", "usagers"],
        "modes_mobilisation": modes,
        "lien_source": url_for("ateliers.association_page", slug=association.slug, _external=True),
        "date_maj": changed.date().isoformat(),
        **data_inclusion_place(association),
        **contact,
    }


def services(association_ids: list[int]) -> list[InclusionService]:
    """What the ``data_inclusion_services`` hook returns: one service per upcoming public workshop."""
    return [InclusionService(association_id=workshop.association_id, key=str(workshop.id),
                             fields=service_fields(workshop, updated))
            for workshop, updated in upcoming_public_workshops(association_ids)]
