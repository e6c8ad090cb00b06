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

# INSEE's code officiel géographique of each commune (what data·inclusion's code_insee and zone_eligibilite hold),
# and the SIREN of Bordeaux Métropole, the EPCI that the 28 communes form.
COMMUNE_CODES = {
    "Ambarès-et-Lagrave": "33003", "Ambès": "33004", "Artigues-près-Bordeaux": "33013", "Bassens": "33032",
    "Bègles": "33039", "Blanquefort": "33056", "Bordeaux": "33063", "Bouliac": "33065", "Le Bouscat": "33069",
    "Bruges": "33075", "Carbon-Blanc": "33096", "Cenon": "33119", "Eysines": "33162", "Floirac": "33167",
    "Gradignan": "33192", "Le Haillan": "33200", "Lormont": "33249", "Martignas-sur-Jalle": "33273",
    "Mérignac": "33281", "Parempuyre": "33312", "Pessac": "33318", "Saint-Aubin-de-Médoc": "33376",
    "Saint-Louis-de-Montferrand": "33434", "Saint-Médard-en-Jalles": "33449", "Saint-Vincent-de-Paul": "33487",
    "Le Taillan-Médoc": "33519", "Talence": "33522", "Villenave-d'Ornon": "33550",
}
METROPOLE_SIREN = "243300316"

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


def commune_code(value: str | None) -> str | None:
    """The INSEE code of a commune of the métropole typed in any case, or ``None`` if it is not one of them."""
    commune = canonical_commune(value)
    return COMMUNE_CODES.get(commune) if commune else None
