"""Bulk demo data for the benchmark (``qn-portal seed-demo --volume d1``): the helpers plugins use, and the core's share.

The ordinary demo adds a few hand-written rows through the ORM. At volume, tens of thousands of rows go in
with ``bulk_insert`` (multi-row INSERT … RETURNING, chunked), their text from ``filler_text``; Markdown is
not rendered row by row (the generated text is one plain paragraph, whose HTML is known). Everything generated
is found by ``qn-portal search reindex``, which ``seed-demo`` runs at the end.
"""

from __future__ import annotations

import random
from html import escape

from sqlalchemy import insert, select

from .extensions import db

CHUNK = 1000  # rows per INSERT: few round trips, and within SQLite's 32 766 bound parameters for wide rows

# Words of the domain, most frequent first: ``filler_text`` draws them on a Zipf law, so that the first ones
# are in nearly every document (the search's worst case) and the last ones in a few.
_WORDS = (
    "numérique atelier habitants accompagnement démarches ligne quartier smartphone médiation association "
    "compte ordinateur internet séance aide seniors familles formation permanence accueil mot passe "
    "sécurité courriel caf ameli impôts emploi santé école pronote franceconnect identité banque "
    "tablette photo message application téléchargement fichier document imprimer scanner rendez-vous "
    "doctolib logement retraite allocation dossier justificatif attestation inscription réseau wifi "
    "clavier souris écran navigateur recherche site arnaque hameçonnage confidentialité données partage "
    "jeunes parents enfants allophones français traduction bénévoles médiatrice médiateur coordination "
    "financement subvention appel projet partenaire mairie centre social bibliothèque métropole "
    "bordeaux lormont cenon floirac pessac talence bacalan aubiers carriet palmer saige thouars dravemont "
    "cycle initiation perfectionnement débutant intermédiaire avancé fiche support tutoriel outil méthode "
    "visioconférence agenda calendrier contacts sauvegarde nuage stockage mise jour antivirus vidéo "
    "réunion témoignage bilan évaluation indicateurs rapport budget matériel prêt reconditionné"
)
VOCABULARY = _WORDS.split()
WEIGHTS = [1 / rank for rank in range(1, len(VOCABULARY) + 1)]


def demo_random(seed: int = 11) -> random.Random:
    """A seeded generator: two runs of the same volume make the same data."""
    return random.Random(seed)  # noqa: S311 - demo data, not a secret


def filler_text(rng: random.Random, words: int) -> str:
    """``words`` words of the domain vocabulary, drawn on a Zipf law, as one sentence (no Markdown markup)."""
    text = " ".join(rng.choices(VOCABULARY, WEIGHTS, k=words))
    return text[:1].upper() + text[1:] + "."


def filler_title(rng: random.Random, words: int = 5) -> str:
    """A short title: words drawn uniformly, so that titles differ more than bodies do."""
    text = " ".join(rng.sample(VOCABULARY, words))
    return text[:1].upper() + text[1:]


def paragraph_html(text: str) -> str:
    """The HTML that ``render_markdown`` gives for one plain paragraph, without running Markdown per row."""
    return f"<p>{escape(text, quote=False)}</p>"


def bulk_insert(model, rows: list[dict], returning: bool = True) -> list[int]:
    """Insert ``rows`` (dicts of column values) into ``model``'s table in chunks; return the new ids in order.

    Column defaults of the model apply to the keys a row leaves out. ``returning=False`` for tables without
    an ``id`` (association tables); the result is then empty.
    """
    ids: list[int] = []
    for start in range(0, len(rows), CHUNK):
        part = rows[start:start + CHUNK]
        if returning:
            statement = insert(model).returning(model.id, sort_by_parameter_order=True)
            ids.extend(db.session.scalars(statement, part).all())
        else:
            db.session.execute(insert(model), part)
    return ids


def analyze() -> None:
    """Refresh the planner's statistics after a bulk load (SQLite has no autovacuum to do it; PostgreSQL's
    would, later): without them SQLite picks a low-selectivity index such as a status column."""
    from sqlalchemy import text

    db.session.execute(text("ANALYZE"))
    db.session.commit()


def seed_core_volume(demo) -> None:
    """The core's share: associations and accounts up to the volume's totals, each account in one association.

    Fills ``demo.association_ids`` and ``demo.user_ids`` (demo rows first) for the plugins that run next.
    """
    from .accounts.models import MEMBER, User
    from .associations.models import (
        ALUMNI,
        MANAGER,
        MEDIATOR,
        YEAR_1,
        YEAR_2,
        Association,
        Membership,
        Neighbourhood,
    )
    from .dbtypes import utcnow

    volume, rng = demo.volume, demo.random
    db.session.flush()
    neighbourhoods = list(db.session.execute(select(Neighbourhood.id, Neighbourhood.commune)).all())
    start = len(demo.associations)
    rows = []
    for number in range(start + 1, volume.associations + 1):
        neighbourhood_id, commune = rng.choice(neighbourhoods)
        summary = filler_text(rng, 30)
        rows.append({"name": f"Association numérique n° {number}", "slug": f"association-numerique-{number}",
                     "commune": commune, "neighbourhood_id": neighbourhood_id, "summary": summary,
                     "summary_html": paragraph_html(summary), "cohort": 2020 + number % 6,
                     "status": rng.choice((YEAR_1, YEAR_2, ALUMNI)), "postal_code": "33000",
                     "email": f"contact{number}@association-numerique.example.org"})
    demo.association_ids = [a.id for a in demo.associations.values()] + bulk_insert(Association, rows)
    password_hash = next(iter(demo.users.values())).password_hash  # hashing is slow on purpose: once
    now = utcnow()
    rows = [{"email": f"benchmark{number}@example.org", "name": f"Personne {number}", "role": MEMBER,
             "password_hash": password_hash, "password_changed_at": now}
            for number in range(len(demo.users) + 1, volume.users + 1)]
    user_ids = bulk_insert(User, rows)
    bulk_insert(Membership, [
        {"user_id": user_id, "association_id": demo.association_ids[index % len(demo.association_ids)],
         "role": MANAGER if index % 5 == 0 else MEDIATOR} for index, user_id in enumerate(user_ids)])
    demo.user_ids = [u.id for u in demo.users.values()] + user_ids
    demo.log(f"core: {len(demo.association_ids)} associations, {len(demo.user_ids)} accounts in all")
