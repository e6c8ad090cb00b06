"""Codes and French labels of La Coop de la médiation numérique (activity records) and data·inclusion."""

from __future__ import annotations

from qn_portal.api import lazy_gettext as _l

THEMES = {
    "prendre-en-main-du-materiel": _l("Prendre en main du matériel"),
    "navigation-sur-internet": _l("Navigation sur internet"),
    "email": _l("E-mail"),
    "bureautique": _l("Bureautique"),
    "reseaux-sociaux": _l("Réseaux sociaux communication"),
    "sante": _l("Santé"),
    "banque-et-achats-en-ligne": _l("Banque et achats en ligne"),
    "demarches-en-ligne": _l("Démarches en ligne"),
    "securite-numerique": _l("Sécurité numérique"),
    "parentalite": _l("Parentalité"),
    "insertion-professionnelle": _l("Insertion professionnelle"),
    "utiliser-le-numerique-au-quotidien": _l("Utiliser le numérique au quotidien"),
}

LEVELS = {
    "debutant": _l("Débutant"),
    "intermediaire": _l("Intermédiaire"),
    "avance": _l("Avancé"),
}

PLACE_TYPES = {
    "lieu_activite": _l("Lieu d'activité"),
    "a_distance": _l("À distance"),
    "autre": _l("Autre lieu"),
}


def theme_label(code: str) -> str:
    return str(THEMES.get(code, code))


def level_label(code: str) -> str:
    return str(LEVELS.get(code, code))
