"""Demo data: funders and aids for digital inclusion in Gironde, applications and a funding plan with a gap for A.

Amounts and dates are demo values, set relative to today.
"""

from __future__ import annotations

from datetime import timedelta

from qn_portal.api import db, index_document, render_markdown

from .models import Application, Follow, Funder, FunderNote, Opportunity, PlanYear, Profile, SavedSearch, pack
from .services import paris_today, refresh_search_text

FUNDERS = [
    ("Conseil départemental de la Gironde", "collectivite", "Gironde", ["inclusion_numerique", "acces_droits", "seniors"],
     "https://www.gironde.fr"),
    ("Bordeaux Métropole", "collectivite", "Bordeaux Métropole", ["inclusion_numerique", "politique_ville"],
     "https://www.bordeaux-metropole.fr"),
    ("CAF de la Gironde", "caf", "Gironde", ["parentalite", "acces_droits"], "https://www.caf.fr"),
    ("ANCT – France Services", "etat", "National", ["inclusion_numerique", "acces_droits"],
     "https://agence-cohesion-territoires.gouv.fr"),
    ("Fondation Orange", "fondation_entreprise", "National", ["inclusion_numerique", "education_jeunesse"],
     "https://www.fondationorange.com"),
    ("Fondation SNCF", "fondation_entreprise", "National", ["education_jeunesse", "cohesion_sociale"],
     "https://www.groupe-sncf.com"),
    ("FDVA – Fonds pour le développement de la vie associative", "etat", "Gironde", ["vie_associative"],
     "https://www.associations.gouv.fr"),
    ("Banque des Territoires", "etat", "National", ["inclusion_numerique", "equipement"],
     "https://www.banquedesterritoires.fr"),
    ("Région Nouvelle-Aquitaine – fonds européens FSE+", "fonds_europeen", "Nouvelle-Aquitaine",
     ["insertion_emploi", "inclusion_numerique"], "https://www.europe-en-nouvelle-aquitaine.eu"),
]

# title, funder index, aid type, scope, communes, themes, min €, max €, rate, opens (days), deadline (days), recurrence
OPPORTUNITIES = [
    ("Appel à projets « Inclusion numérique des publics fragiles » (démo)", 0, "subvention", "departement", [],
     ["inclusion_numerique", "acces_droits"], 3000, 15000, 80, -30, 45, "recurrente"),
    ("Soutien aux lieux de médiation numérique des quartiers (démo)", 1, "subvention", "metropole", [],
     ["inclusion_numerique", "politique_ville"], 5000, 20000, 50, -10, 25, "recurrente"),
    ("Fonds « Parentalité et numérique » (démo)", 2, "subvention", "departement", [],
     ["parentalite", "inclusion_numerique"], 2000, 8000, 70, -60, 12, "ponctuelle"),
    ("Conseillers numériques : poste cofinancé (démo)", 3, "subvention", "national", [],
     ["inclusion_numerique", "acces_droits"], 10000, 25000, None, -90, None, "permanente"),
    ("Appel « Maisons digitales » (démo)", 4, "mecenat_financier", "national", [],
     ["inclusion_numerique", "education_jeunesse"], 5000, 10000, None, -5, 60, "recurrente"),
    ("Don de matériel reconditionné (démo)", 4, "don_materiel", "national", [], ["equipement"], None, None, None,
     -20, 90, "permanente"),
    ("Fondation SNCF « Apprendre pour grandir » (démo)", 5, "mecenat_financier", "national", [],
     ["education_jeunesse"], 2000, 7000, None, 20, 80, "recurrente"),
    ("FDVA 2 – fonctionnement et projets innovants (démo)", 6, "subvention", "departement", [],
     ["vie_associative"], 1000, 15000, 50, -45, 9, "recurrente"),
    ("Prêt d'amorçage des tiers-lieux numériques (démo)", 7, "pret", "national", [],
     ["equipement", "inclusion_numerique"], 10000, 50000, None, -15, 120, "permanente"),
    ("FSE+ Inclusion : accompagnement vers l'emploi (démo)", 8, "subvention", "region", [],
     ["insertion_emploi", "inclusion_numerique"], 20000, 100000, 60, -100, -5, "ponctuelle"),
    ("Contrat de ville : actions numériques au Grand Parc et à Bacalan (démo)", 1, "subvention", "communes",
     ["Bordeaux"], ["politique_ville", "inclusion_numerique"], 2000, 12000, 80, -20, 35, "ponctuelle"),
    ("Contrat de ville : Lormont et Cenon (démo)", 1, "subvention", "communes", ["Lormont", "Cenon", "Floirac"],
     ["politique_ville", "inclusion_numerique"], 2000, 12000, 80, -20, 40, "ponctuelle"),
]


def index_all(funders, opportunities) -> None:
    """Put the demo's funders and aids in the search index (url_for needs a request context outside requests)."""
    from flask import current_app, has_request_context

    from .documents import funder_document, opportunity_document

    def run():
        for funder in funders:
            index_document("cofinancements", funder_document(funder))
        for opportunity in opportunities:
            index_document("cofinancements", opportunity_document(opportunity))

    if has_request_context():
        run()
    else:
        with current_app.test_request_context("/"):
            run()


def euros(value):
    return None if value is None else value * 100


def seed(demo) -> None:
    today = paris_today()
    funders = []
    for name, kind, territory, themes, website in FUNDERS:
        funders.append(Funder(name=name, kind=kind, territory=territory, themes=pack(themes), website=website,
                              contacts="Service vie associative — contact fictif (démo)"))
    db.session.add_all(funders)
    opportunities = []
    for (title, funder, aid_type, scope, communes, themes, low, high, rate, opens, deadline,
         recurrence) in OPPORTUNITIES:
        description = (f"Aide de démonstration proposée par **{funders[funder].name}**.\n\n"
                       "- Public : habitants des quartiers prioritaires\n- Dossier : budget prévisionnel, bilan de l'année")
        opportunities.append(Opportunity(
            funder=funders[funder], title=title, description=description, description_html=render_markdown(description),
            aid_type=aid_type, beneficiaries="Associations", scope=scope, communes=pack(communes), themes=pack(themes),
            amount_min_cents=euros(low), amount_max_cents=euros(high), max_rate=rate,
            opens_on=today + timedelta(days=opens), deadline=today + timedelta(days=deadline) if deadline is not None else None,
            recurrence=recurrence, application_url="https://aides-territoires.beta.gouv.fr/"))
    for opportunity in opportunities:
        refresh_search_text(opportunity)
    db.session.add_all(opportunities)
    a, b = demo.associations["a"], demo.associations["b"]
    year = today.year
    # The charte d'engagement: BMS's share of the post decreases over two years (demo amounts).
    rows = [
        PlanYear(association_id=a.id, year=year, budget_cents=euros(52000), bms_cents=euros(30000)),
        PlanYear(association_id=a.id, year=year + 1, budget_cents=euros(53000), bms_cents=euros(15000)),
        PlanYear(association_id=a.id, year=year + 2, budget_cents=euros(54000), bms_cents=euros(0)),
        PlanYear(association_id=b.id, year=year, budget_cents=euros(40000), bms_cents=euros(25000)),
        Profile(association_id=a.id, themes=pack(["inclusion_numerique", "acces_droits", "seniors"])),
    ]
    db.session.add_all(rows)
    mediation_a, mediation_b = demo.users["mediation.a"], demo.users["mediation.b"]
    db.session.add_all([
        Application(association_id=a.id, opportunity=opportunities[0], funder=funders[0], year=year,
                    title="Ateliers numériques seniors au Grand Parc", status="accorde",
                    amount_requested_cents=euros(12000), amount_obtained_cents=euros(10000),
                    submitted_on=today - timedelta(days=120), decided_on=today - timedelta(days=40),
                    created_by_id=mediation_a.id, notes="Convention signée, versement en deux fois.",
                    notes_html=render_markdown("Convention signée, versement en deux fois.")),
        Application(association_id=a.id, opportunity=opportunities[1], funder=funders[1], year=year + 1,
                    title="Médiation numérique au Grand Parc 2e année", status="preparation",
                    amount_requested_cents=euros(15000), next_step="Faire signer le budget prévisionnel",
                    next_step_due=today + timedelta(days=10), created_by_id=mediation_a.id),
        Application(association_id=a.id, funder=funders[4], year=year + 1, title="Équipement de la salle (idée)",
                    status="idee", created_by_id=mediation_a.id),
        Application(association_id=b.id, opportunity=opportunities[11], funder=funders[1], year=year,
                    title="Permanences numériques à Lormont", status="depose", amount_requested_cents=euros(8000),
                    submitted_on=today - timedelta(days=15), created_by_id=mediation_b.id),
    ])
    db.session.add_all([
        Follow(association_id=a.id, opportunity=opportunities[1], created_by_id=mediation_a.id),
        Follow(association_id=a.id, opportunity=opportunities[0], created_by_id=mediation_a.id),
        FunderNote(funder=funders[0], association_id=a.id, author_id=demo.users["direction.a"].id,
                   body="Dossier simple ; l'instructrice apprécie les chiffres de fréquentation des ateliers.",
                   body_html=render_markdown(
                       "Dossier simple ; l'instructrice apprécie les chiffres de fréquentation des ateliers.")),
        SavedSearch(user_id=mediation_a.id, name="Inclusion numérique à Bordeaux",
                    query="theme=inclusion_numerique&commune=Bordeaux&open_now=y", frequency="weekly"),
    ])
    db.session.flush()
    index_all(funders, opportunities)
    demo.log(f"cofinancements: {len(funders)} financeurs, {len(opportunities)} aides, un plan de financement pour A")
    if demo.volume:
        seed_volume(demo)


def seed_volume(demo) -> None:
    """Bulk opportunities up to ``demo.volume.opportunities`` (benchmark data), open or closed, over the funders."""
    from sqlalchemy import func, select

    from qn_portal.api import bulk_insert, filler_text, filler_title, paragraph_html

    from .models import AID_TYPES, SCOPES, THEMES
    from .services import fold

    rng, today = demo.random, paris_today()
    funders = list(db.session.execute(select(Funder.id, Funder.name)))
    count = demo.volume.opportunities - db.session.scalar(select(func.count(Opportunity.id)))
    rows = []
    for _ in range(count):
        funder_id, funder_name = rng.choice(funders)
        title, description = filler_title(rng, 6), filler_text(rng, rng.randint(60, 140))
        rows.append({"funder_id": funder_id, "title": title, "description": description,
                     "description_html": paragraph_html(description), "aid_type": rng.choice(list(AID_TYPES)),
                     "beneficiaries": "Associations", "scope": rng.choice(list(SCOPES)),
                     "themes": pack(rng.sample(list(THEMES), 2)), "amount_max_cents": rng.randint(1, 50) * 100_000,
                     "opens_on": today - timedelta(days=rng.randint(0, 400)),
                     "deadline": today + timedelta(days=rng.randint(-300, 200)), "recurrence": "annuelle",
                     "search_text": fold(" ".join([title, description, "Associations", funder_name]))})
    demo.log(f"cofinancements: {len(bulk_insert(Opportunity, rows))} generated opportunities")
