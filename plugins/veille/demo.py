"""Demo data: a realistic month of veille and a dozen actors of Bordeaux Métropole.

Addresses, e-mails, phones and sites are invented (example.org, 05 36 49 … like the core's demo): no real
person's data. Posts are spread over the last 30 days, with three pinned, one scheduled in five days.
"""

from __future__ import annotations

from datetime import timedelta

from qn_portal.api import db, render_markdown, utcnow

from .models import (
    VeilleActor,
    VeilleComment,
    VeilleItem,
    VeillePost,
    VeillePreference,
    VeilleReaction,
    VeilleSource,
    join_list,
)

ACTORS = [
    ("France Services Bordeaux Grand Parc", "france_services", "Bordeaux", "12 rue du Grand Parc", "33300",
     "accès aux droits,démarches en ligne,caf,impôts", "Tout public", "Mo-Fr 09:00-12:30,13:30-17:00; PH off"),
    ("France Services Lormont Carriet", "france_services", "Lormont", "4 place des Érables", "33310",
     "accès aux droits,démarches en ligne,ants", "Tout public", "Mo-Th 09:00-17:00; Fr 09:00-12:00; PH off"),
    ("Médiathèque de Bacalan", "mediatheque", "Bordeaux", "3 rue des Docks", "33300",
     "accès libre à internet,ateliers numériques,prêt de liseuses", "Tout public",
     "Tu-Fr 13:00-18:00; Sa 10:00-17:00; PH off"),
    ("Médiathèque du Bois Fleuri", "mediatheque", "Lormont", "1 allée du Bois Fleuri", "33310",
     "ateliers numériques,accès libre à internet", "Tout public", "We 10:00-18:00; Sa 10:00-12:30,14:00-17:00"),
    ("CCAS de Cenon", "service_public", "Cenon", "8 avenue de la Mairie", "33150",
     "aide sociale,orientation,aide aux démarches", "Personnes en difficulté, seniors", "Mo-Fr 08:30-12:00,13:30-17:00"),
    ("CCAS de Bègles", "service_public", "Bègles", "15 rue de la République", "33130",
     "aide sociale,orientation", "Personnes en difficulté", "Mo-Fr 09:00-12:00,14:00-17:00; PH off"),
    ("Emmaüs Connect Bordeaux", "association", "Bordeaux", "40 quai de Brazza", "33100",
     "recharges solidaires,matériel reconditionné,ateliers numériques", "Personnes en précarité",
     "Mo,We,Fr 10:00-13:00,14:00-17:00"),
    ("PIMMS Médiation Bordeaux Benauge", "association", "Bordeaux", "6 rue de la Benauge", "33100",
     "médiation énergie,accès aux droits,démarches en ligne", "Tout public", "Mo-Fr 09:00-12:30,13:30-17:00"),
    ("Point Info Seniors de Mérignac", "collectivite", "Mérignac", "2 place Charles de Gaulle", "33700",
     "ateliers numériques,orientation", "Seniors", "Tu,Th 09:00-12:00"),
    ("Espace public numérique de Floirac", "collectivite", "Floirac", "20 avenue Pasteur", "33270",
     "accès libre à internet,ateliers numériques,impression", "Tout public", "Mo-Fr 14:00-18:00"),
    ("Recyclerie numérique de Pessac", "entreprise", "Pessac", "9 rue de l'Industrie", "33600",
     "matériel reconditionné,réparation", "Tout public, associations", "Tu-Sa 10:00-18:00"),
    ("Fondation Solidarité Numérique Gironde", "fondation", "Bordeaux", "18 cours de l'Intendance", "33000",
     "financement de projets,appels à projets", "Associations", ""),
]

# (days ago, title, category, visibility, pinned, tags, communes, body, actor indexes)
POSTS = [
    (29, "Pass numérique : la nouvelle campagne de chèques APTIC est ouverte", "appel", "intranet", True,
     "pass numérique,aptic", "Bordeaux,Lormont",
     "La Métropole relance les **Pass numériques** : les associations labellisées peuvent demander un carnet "
     "pour les personnes qu'elles accompagnent.\n\n- dépôt avant la fin du mois ;\n- 10 pass par carnet.", [0, 1]),
    (27, "Ameli : le compte en ligne change d'écran de connexion", "actualite", "public", False,
     "ameli,démarches", "", "L'écran de connexion d'Ameli passe à FranceConnect+ : prévoir un temps "
     "d'explication en atelier.", []),
    (25, "Retour d'expérience : l'atelier smartphone des mamans du Grand Parc", "retour", "intranet", False,
     "smartphone,parentalité", "Bordeaux", "Six séances, huit participantes, et une fiche mémo imprimée à la "
     "fin de chaque séance : ce qui a marché, ce qu'on changerait.", []),
    (24, "Emmaüs Connect ouvre des créneaux de recharges solidaires", "acteur", "public", False,
     "recharges,précarité", "Bordeaux", "Les personnes orientées par une association peuvent obtenir des "
     "recharges téléphoniques et internet à tarif solidaire.", [6]),
    (22, "Réglementation : ce que change le RGPD pour vos fiches d'inscription", "reglementation", "intranet", True,
     "rgpd,données personnelles", "", "Ne gardez que ce qui sert : nom, contact, besoins. Une durée de "
     "conservation écrite, et une mention d'information sur la fiche.", []),
    (20, "Outil : Aidants Connect pour faire les démarches à la place d'une personne", "solution", "public", False,
     "aidants connect,démarches", "", "Aidants Connect sécurise le mandat entre l'aidant et la personne "
     "accompagnée. Les structures s'habilitent en ligne.", []),
    (18, "Appel à projets : inclusion numérique des seniors 2027", "appel", "public", False,
     "seniors,financement", "", "La fondation finance des projets d'ateliers pour les plus de 65 ans, "
     "jusqu'à 15 000 €. Dépôt des dossiers en ligne.", [11]),
    (17, "La médiathèque de Bacalan prête des liseuses", "acteur", "intranet", False,
     "médiathèque,lecture", "Bordeaux", "Prêt de liseuses pour trois semaines, sur simple inscription.", [2]),
    (15, "Événement : forum de l'inclusion numérique à Cenon", "evenement", "public", False,
     "forum,rencontre", "Cenon", "Stands, ateliers et table ronde au Rocher de Palmer. Entrée libre.", [4]),
    (13, "Outil : les fiches pratiques de la CAF pour les allocataires", "solution", "intranet", False,
     "caf,fiches", "", "Une série de fiches imprimables pour accompagner la déclaration trimestrielle.", []),
    (12, "CCAS de Bègles : une permanence numérique le jeudi", "acteur", "intranet", False,
     "permanence", "Bègles", "Le CCAS ouvre une permanence d'aide aux démarches le jeudi matin.", [5]),
    (10, "Retour d'expérience : prêter du matériel pendant les ateliers", "retour", "intranet", False,
     "matériel,prêt", "Lormont", "Un parc de six smartphones, une charte de prêt, zéro perte en six mois.", [10]),
    (8, "Événement : semaine du numérique responsable à Pessac", "evenement", "public", False,
     "reconditionné,événement", "Pessac", "Ateliers de réparation et vente de matériel reconditionné.", [10]),
    (6, "Actualité : l'ANTS simplifie la demande de permis en ligne", "actualite", "intranet", False,
     "ants,démarches", "", "Moins d'étapes et une photo numérique récupérée directement chez le photographe.", [1]),
    (4, "PIMMS : ateliers sur les factures d'énergie", "acteur", "public", False,
     "énergie,factures", "Bordeaux", "Comprendre sa facture et ses aides : ateliers gratuits en novembre.", [7]),
    (2, "Calendrier des formations des médiateurs", "evenement", "intranet", True,
     "formation,médiateurs", "", "Les trois prochaines journées de formation des médiateurs du programme.", []),
    (1, "Réglementation : la fin des numéros surtaxés pour les services publics", "reglementation", "public", False,
     "téléphone,services publics", "", "Les services publics ne peuvent plus utiliser de numéros surtaxés.", []),
    (-5, "Appel à projets : équipement des lieux de médiation (à paraître)", "appel", "intranet", False,
     "équipement,financement", "", "Billet programmé : l'appel paraît la semaine prochaine.", [11]),
]


def seed(demo) -> None:
    now = utcnow()
    actors = []
    for index, (name, kind, commune, address, postal_code, services, public_served, hours) in enumerate(ACTORS):
        slug = "".join(ch for ch in name.lower() if ch.isalnum())[:30]
        actors.append(VeilleActor(
            name=name, kind=kind, commune=commune, address=address, postal_code=postal_code,
            services=join_list(services.split(",")), public_served=public_served, opening_hours=hours,
            email=f"contact@{slug}.example.org", phone=f"05 36 49 20 {index + 10:02d}",
            website=f"https://{slug}.example.org",
            summary=f"{name} accueille et oriente les habitants de {commune} sur le numérique."))
    db.session.add_all(actors)
    author = demo.users["coordination"]
    posts = []
    for days, title, category, visibility, pinned, tags, communes, body, actor_indexes in POSTS:
        published = now - timedelta(days=days, hours=3)
        posts.append(VeillePost(
            title=title, category=category, visibility=visibility, pinned=pinned, body=body,
            body_html=str(render_markdown(body)), tags=join_list(tags.split(",")),
            communes=join_list(communes.split(",")) if communes else "", published_at=published,
            announced_at=published if days >= 0 else None, author=author, created_at=published,
            updated_at=published, actors=[actors[i] for i in actor_indexes]))
    db.session.add_all(posts)
    db.session.flush()
    users = demo.users
    db.session.add_all([
        VeilleReaction(post_id=posts[0].id, user_id=users["mediation.a"].id),
        VeilleReaction(post_id=posts[0].id, user_id=users["direction.b"].id),
        VeilleReaction(post_id=posts[2].id, user_id=users["mediation.b"].id),
        VeilleComment(post_id=posts[0].id, author_id=users["mediation.a"].id, is_question=True,
                      body="Peut-on demander un deuxième carnet en cours d'année ?",
                      body_html="<p>Peut-on demander un deuxième carnet en cours d'année ?</p>"),
        VeilleComment(post_id=posts[0].id, author_id=author.id,
                      body="Oui, si le premier est distribué aux trois quarts.",
                      body_html="<p>Oui, si le premier est distribué aux trois quarts.</p>"),
        VeilleComment(post_id=posts[2].id, author_id=users["direction.b"].id,
                      body="Merci, on reprend l'idée de la fiche mémo à Carriet.",
                      body_html="<p>Merci, on reprend l'idée de la fiche mémo à Carriet.</p>"),
        VeillePreference(user_id=users["mediation.a"].id, weekly_digest=True, followed=",appel,evenement,"),
        VeillePreference(user_id=users["direction.a"].id, weekly_digest=True, followed=",appel,"),
    ])
    source = VeilleSource(name="Actualités de l'inclusion numérique (exemple)",
                          url="https://inclusion-numerique.example.org/flux.atom", created_by_id=author.id,
                          last_status="ok: 2 new", last_fetched_at=now - timedelta(hours=5))
    db.session.add(source)
    db.session.flush()
    db.session.add_all([
        VeilleItem(source_id=source.id, guid="urn:exemple:1", title="Un guide pour les aidants numériques",
                   link="https://inclusion-numerique.example.org/guide-aidants", status="pending",
                   summary="Un guide gratuit pour les aidants numériques qui débutent.",
                   published_at=now - timedelta(days=1)),
        VeilleItem(source_id=source.id, guid="urn:exemple:2", title="Baromètre du numérique : les chiffres clés",
                   link="https://inclusion-numerique.example.org/barometre", status="pending",
                   summary="Un tiers des Français se disent peu à l'aise avec les démarches en ligne.",
                   published_at=now - timedelta(days=2)),
    ])
    demo.log(f"veille: {len(actors)} actors, {len(posts)} posts (one scheduled), 1 source with 2 items to review")
    if demo.volume:
        seed_volume(demo)


def seed_volume(demo) -> None:
    """Bulk posts up to ``demo.volume.veille_posts`` (benchmark data), published over three years."""
    from sqlalchemy import func, select

    from qn_portal.api import bulk_insert, filler_text, filler_title, paragraph_html

    from .models import CATEGORIES, INTRANET, PUBLIC

    rng, now = demo.random, utcnow()
    count = demo.volume.veille_posts - db.session.scalar(select(func.count(VeillePost.id)))
    categories, author_id = list(CATEGORIES), demo.users["coordination"].id
    rows = []
    for _ in range(count):
        body = filler_text(rng, rng.randint(60, 160))
        when = now - timedelta(minutes=rng.randint(60, 3 * 365 * 24 * 60))
        rows.append({"title": filler_title(rng), "body": body, "body_html": paragraph_html(body),
                     "category": rng.choice(categories), "tags": join_list(rng.sample(("caf", "ameli", "seniors",
                                                                                      "jeunes", "emploi"), 2)),
                     "visibility": PUBLIC if rng.random() < 0.3 else INTRANET, "published_at": when,
                     "announced_at": when, "pinned": False, "author_id": author_id, "created_at": when,
                     "updated_at": when})
    demo.log(f"veille: {len(bulk_insert(VeillePost, rows))} generated posts")
