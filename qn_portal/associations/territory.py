"""The territory of the programme: the 28 communes of Bordeaux Métropole and the neighbourhoods seeded at start.

The communes are a constant (they change by law, not by a coordinator's click). The QPV and quartiers de
veille are data that coordinators maintain in the portal (``Neighbourhood``); ``SEED_NEIGHBOURHOODS`` is
only the well-known start, also written by the data migration ``core_0002_associations``. Official codes
are left empty on purpose: a coordinator fills them in from the official list.
"""

from __future__ import annotations

COMMUNES = (
    "Ambarès-et-Lagrave", "Ambès", "Artigues-près-Bordeaux", "Bassens", "Bègles", "Blanquefort", "Bordeaux",
    "Bouliac", "Le Bouscat", "Bruges", "Carbon-Blanc", "Cenon", "Eysines", "Floirac", "Gradignan",
    "Le Haillan", "Lormont", "Martignas-sur-Jalle", "Mérignac", "Parempuyre", "Pessac", "Saint-Aubin-de-Médoc",
    "Saint-Louis-de-Montferrand", "Saint-Médard-en-Jalles", "Saint-Vincent-de-Paul", "Le Taillan-Médoc",
    "Talence", "Villenave-d'Ornon",
)

QPV = "qpv"
VEILLE = "veille"
NEIGHBOURHOOD_KINDS = (QPV, VEILLE)

# (name, commune, kind): well-known quartiers prioritaires of the métropole, without invented codes.
SEED_NEIGHBOURHOODS = (
    ("Grand Parc", "Bordeaux", QPV),
    ("Bacalan", "Bordeaux", QPV),
    ("Les Aubiers", "Bordeaux", QPV),
    ("Saint-Michel", "Bordeaux", QPV),
    ("Benauge", "Bordeaux", QPV),
    ("Carriet", "Lormont", QPV),
    ("Palmer", "Cenon", QPV),
    ("Dravemont", "Floirac", QPV),
    ("Saige", "Pessac", QPV),
    ("Thouars", "Talence", QPV),
    ("Beaudésert", "Mérignac", QPV),
)


def canonical_commune(value: str | None) -> str | None:
    """The official spelling of a commune typed in any case, or ``None`` if it is not in the métropole."""
    wanted = (value or "").strip().casefold()
    for commune in COMMUNES:
        if commune.casefold() == wanted:
            return commune
    return None
