"""The eligibility rules of the call (seed: "Critères d'éligibilité"), each with its reason in plain French.

Kept free of requests and forms so that every boundary can be tested on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from qn_portal.api import Neighbourhood, db, gettext

MIN_HOURS = 20          # "au moins une ressource salariée … 20h/semaine minimum"
MIN_PLACES = 10         # "une salle adaptée à la formation en groupe (jusqu'à 10 personnes)"
MIN_DAYS = 3            # "disponible au moins 3 jours par semaine"
PROGRAMME_KINDS = ("qpv", "veille")


@dataclass(frozen=True)
class Problem:
    criterion: str
    field: str
    message: str


def neighbourhood_kind(neighbourhood_id) -> str | None:
    if not neighbourhood_id:
        return None
    neighbourhood = db.session.get(Neighbourhood, int(neighbourhood_id))
    return neighbourhood.kind if neighbourhood else None


def check(values: dict) -> list[Problem]:
    """Every criterion that ``values`` (the application's answers) does not meet, with why."""
    problems = []
    if neighbourhood_kind(values.get("neighbourhood_id")) not in PROGRAMME_KINDS:
        problems.append(Problem("territory", "neighbourhood_id", gettext(
            "L'association doit être implantée dans un quartier prioritaire (QPV) ou un quartier de veille "
            "de Bordeaux Métropole.")))
    hours = values.get("mediation_hours")
    if hours is None or hours < MIN_HOURS:
        problems.append(Problem("hours", "mediation_hours", gettext(
            "Au moins une personne salariée doit consacrer %(minimum)s heures par semaine à la médiation "
            "numérique (vous indiquez %(hours)s h).", minimum=MIN_HOURS, hours=hours if hours is not None else 0)))
    if not (values.get("other_people") or "").strip():
        problems.append(Problem("people", "other_people", gettext(
            "Indiquez les autres personnes (salariés, bénévoles, services civiques) associées au programme.")))
    places, days = values.get("room_capacity"), values.get("room_days")
    if places is None or places < MIN_PLACES:
        problems.append(Problem("room", "room_capacity", gettext(
            "La salle doit accueillir %(minimum)s personnes au moins %(days)s jours par semaine (vous indiquez "
            "%(places)s places).", minimum=MIN_PLACES, days=MIN_DAYS, places=places if places is not None else 0)))
    if days is None or days < MIN_DAYS:
        problems.append(Problem("room", "room_days", gettext(
            "La salle doit être libre au moins %(minimum)s jours par semaine (vous indiquez %(days)s).",
            minimum=MIN_DAYS, days=days if days is not None else 0)))
    if not (values.get("training_project") or "").strip():
        problems.append(Problem("project", "training_project", gettext(
            "Décrivez le projet de formations au numérique déjà amorcé ou formalisé.")))
    if not values.get("share_practice"):
        problems.append(Problem("community", "share_practice", gettext(
            "Le programme demande de faire partie d'une communauté d'échanges et de pratiques.")))
    if not (values.get("referring_partners") or "").strip():
        problems.append(Problem("partners", "referring_partners", gettext(
            "Indiquez les partenaires du quartier qui orienteront des personnes vers vos formations.")))
    return problems


def application_values(application) -> dict:
    return {name: getattr(application, name) for name in (
        "neighbourhood_id", "mediation_hours", "other_people", "room_capacity", "room_days", "training_project",
        "share_practice", "referring_partners")}
