"""Demo resources: what médiateurs of Bordeaux Métropole really prepare for their workshops."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from qn_portal.api import db, render_markdown, utcnow

from .models import (
    PUBLISHED,
    THEMES,
    Collection,
    CollectionItem,
    Comment,
    Favourite,
    Follow,
    Link,
    Report,
    Resource,
    ResourceAudience,
    Theme,
    Usage,
    Version,
)

# (key, author, association, title, summary, kind, level, themes, audiences, minutes, licence, visibility, status)
RESOURCES = [
    ("sms", "mediation.a", "a", "Envoyer son premier SMS avec photo",
     "Une séance d'une heure pour apprendre à écrire, envoyer et recevoir un SMS avec une photo.",
     "fiche", "debutant", ["smartphone"], ["seniors"], 60, "cc-by-sa-4.0", "public", PUBLISHED),
    ("ameli", "mediation.a", "a", "Créer son compte Ameli pas à pas",
     "Le déroulé d'un atelier collectif sur le compte Ameli : FranceConnect, attestation, remboursements.",
     "support", "intermediaire", ["sante", "demarches-en-ligne"], ["seniors", "familles"], 90, "etalab-2.0",
     "community", PUBLISHED),
    ("arnaques", "direction.a", "a", "Reconnaître un SMS frauduleux",
     "Dix exemples réels de SMS d'hameçonnage (colis, CPF, Ameli) à trier en petits groupes.",
     "outil", "debutant", ["securite", "smartphone"], ["tous"], 45, "cc-by-4.0", "public", PUBLISHED),
    ("caf", "mediation.a", "a", "Déclarer ses ressources trimestrielles à la CAF",
     "Fiche mémo à remettre aux habitants après l'accompagnement individuel.",
     "modele", "intermediaire", ["demarches-en-ligne"], ["familles"], 30, "cc-by-nc-sa-4.0", "community",
     PUBLISHED),
    ("interne-a", "direction.a", "a", "Planning des permanences du Grand Parc",
     "Notre organisation interne des permanences : qui accueille, quand, avec quel matériel.",
     "methode", "avance", ["numerique--maitriser-les-fondamentaux-du-numerique"], ["professionnels"], None,
     "tous-droits-reserves", "association", PUBLISHED),
    ("brouillon-a", "mediation.a", "a", "Atelier Doctolib (brouillon)",
     "Prendre rendez-vous chez le médecin en ligne, annuler et recevoir les rappels.",
     "fiche", "debutant", ["sante"], ["seniors"], 60, "cc-by-sa-4.0", "community", "draft"),
    ("mail", "mediation.b", "b", "Ma première adresse e-mail",
     "Créer une adresse, choisir un mot de passe solide, envoyer un premier message à sa famille.",
     "fiche", "debutant", ["e-mail", "numerique--maitriser-les-fondamentaux-du-numerique"], ["seniors", "allophones"],
     90, "cc-by-sa-4.0", "public", PUBLISHED),
    ("pe", "mediation.b", "b", "S'inscrire à France Travail en ligne",
     "Le parcours d'inscription commenté écran par écran, avec les pièces à préparer.",
     "tutoriel", "intermediaire", ["emploi", "demarches-en-ligne"], ["demandeurs-emploi", "jeunes"], 60,
     "etalab-2.0", "community", PUBLISHED),
    ("pronote", "mediation.b", "b", "Suivre la scolarité de son enfant sur Pronote",
     "Cahier de textes, notes, messages aux professeurs : un atelier parents du mercredi.",
     "support", "debutant", ["parentalite"], ["familles", "allophones"], 75, "cc-by-4.0", "community", PUBLISHED),
    ("interne-b", "direction.b", "b", "Bilan interne des ateliers de Carriet",
     "Ce qui a marché cette année à Carriet, nos chiffres et nos pistes : document interne.",
     "methode", "avance", ["numerique--acceder-a-des-services-en-ligne"], ["professionnels"], None,
     "tous-droits-reserves", "association", PUBLISHED),
    ("banque", "mediation.b", "b", "Payer en ligne sans crainte",
     "Carte bancaire, 3-D Secure et virements : une séance pour rassurer et pratiquer sur un faux site.",
     "fiche", "intermediaire", ["banque", "securite"], ["seniors"], 90, "cc-by-sa-4.0", "community", PUBLISHED),
    ("wifi", "coordination", None, "Se connecter à un Wi-Fi public en sécurité",
     "Repérer le bon réseau, éviter les réseaux piégés, utiliser les données mobiles à la place.",
     "video", "debutant", ["numerique--acceder-a-une-connexion-internet", "securite"], ["jeunes", "tous"], 20,
     "etalab-2.0", "public", PUBLISHED),
    ("equipement", "coordination", None, "Choisir un smartphone reconditionné",
     "Les critères à expliquer avant un achat : garantie, grade, autonomie, budget.",
     "fiche", "debutant", ["numerique--acquerir-un-equipement", "smartphone"], ["tous"], 45, "cc-by-4.0",
     "community", PUBLISHED),
    ("falc", "mediation.a", "a", "Lire un courrier des impôts (FALC)",
     "Version facile à lire et à comprendre pour les personnes en situation de handicap.",
     "fiche", "debutant", ["demarches-en-ligne"], ["handicap"], 45, "cc-by-sa-4.0", "community", PUBLISHED),
    ("visio", "mediation.a", "a", "Appeler ses petits-enfants en visio",
     "WhatsApp et Google Meet : passer et recevoir un appel vidéo, couper le micro, changer de caméra.",
     "fiche", "debutant", ["smartphone"], ["seniors", "familles"], 60, "cc-by-sa-4.0", "public", PUBLISHED),
    ("photos", "direction.a", "a", "Ranger et sauvegarder ses photos",
     "Créer des albums, libérer de la place, sauvegarder dans le cloud sans tout perdre.",
     "support", "intermediaire", ["smartphone", "numerique--maitriser-les-fondamentaux-du-numerique"], ["tous"], 90,
     "cc-by-4.0", "community", PUBLISHED),
    ("qr", "mediation.a", "a", "Lire un QR code",
     "Un exercice de cinq minutes en début de séance, avec des QR codes imprimés de la vie courante.",
     "outil", "debutant", ["smartphone"], ["allophones", "seniors"], 5, "etalab-2.0", "community", PUBLISHED),
    ("cv", "mediation.b", "b", "Modèle de CV simple à compléter",
     "Un modèle de CV en traitement de texte, avec une version en gros caractères.",
     "modele", "debutant", ["emploi", "bureautique"], ["demandeurs-emploi", "jeunes"], None, "cc-by-4.0",
     "community", PUBLISHED),
    ("impots", "direction.b", "b", "Déclarer ses revenus en ligne",
     "Le parcours impots.gouv.fr commenté, de la connexion à l'accusé de réception.",
     "tutoriel", "intermediaire", ["demarches-en-ligne"], ["familles", "seniors"], 90, "etalab-2.0", "public",
     PUBLISHED),
    ("mdp", "mediation.b", "b", "Un coffre-fort pour ses mots de passe",
     "Pourquoi et comment utiliser un gestionnaire de mots de passe, démonstration avec Bitwarden.",
     "video", "avance", ["securite"], ["jeunes"], 15, "cc-by-sa-4.0", "community", PUBLISHED),
    ("accueil", "coordination", None, "Accueillir une personne éloignée du numérique",
     "Les postures de la médiation : écouter, faire faire plutôt que faire à la place, valoriser.",
     "methode", "debutant", ["numerique--maitriser-les-fondamentaux-du-numerique"], ["professionnels"], None,
     "cc-by-sa-4.0", "community", PUBLISHED),
    ("aidants", "coordination", None, "Aidants Connect : quand et comment l'utiliser",
     "Le cadre légal pour réaliser une démarche à la place de quelqu'un, et le mandat Aidants Connect.",
     "fiche", "intermediaire", ["demarches-en-ligne"], ["professionnels"], 30, "etalab-2.0", "community",
     PUBLISHED),
    ("sobriete", "coordination", None, "Numérique responsable en atelier",
     "Allonger la vie des appareils, réparer, trier ses données : une séance d'échange.",
     "support", "debutant", ["numerique--acquerir-un-equipement"], ["tous"], 60, "cc-by-sa-4.0", "public",
     PUBLISHED),
    ("box", "coordination", None, "Comparer les offres internet et les tarifs sociaux",
     "Box, forfaits mobiles et tarifs sociaux : une fiche pour aider à choisir sans se faire piéger.",
     "fiche", "intermediaire", ["numerique--acceder-a-une-connexion-internet"], ["familles"], 45, "etalab-2.0",
     "community", PUBLISHED),
]

BODY = """## Objectifs

- comprendre à quoi sert l'outil ;
- réaliser la démarche seul·e à la fin de l'atelier ;
- savoir à qui demander de l'aide.

## Déroulé

1. Tour de table : qui l'a déjà fait ?
2. Démonstration au vidéoprojecteur.
3. Pratique en binômes, chacun sur son téléphone.

## Matériel

Un téléphone par personne, le Wi-Fi de la salle, des fiches imprimées en gros caractères.
"""


def seed(demo) -> None:
    if db.session.scalar(select(func.count(Theme.id))) == 0:
        db.session.add_all([Theme(slug=slug, label=label, active=True) for slug, label in THEMES])
        db.session.flush()
    themes = {t.slug: t for t in db.session.scalars(select(Theme))}
    now = utcnow()
    made: dict[str, Resource] = {}
    for index, (key, author, assoc, title, summary, kind, level, theme_slugs, audiences, minutes, licence,
                visibility, status) in enumerate(RESOURCES):
        published = now - timedelta(days=3 * (len(RESOURCES) - index)) if status == PUBLISHED else None
        resource = Resource(
            title=title, summary=summary, body=BODY, body_html=render_markdown(BODY), kind=kind, level=level,
            duration_minutes=minutes, licence=licence, visibility=visibility, status=status,
            association_id=demo.associations[assoc].id if assoc else None, author_id=demo.users[author].id,
            themes=[themes[s] for s in theme_slugs if s in themes],
            audience_rows=[ResourceAudience(audience=a) for a in audiences],
            links=[Link(url="https://www.service-public.fr/", label="Service-Public.fr", position=0)],
            created_at=published or now, updated_at=published or now, published_at=published, version_count=1)
        made[key] = resource
    db.session.add_all(made.values())
    db.session.flush()
    made["falc"].original_id = made["caf"].id
    made["falc"].original_credit = (
        '{"title": "Déclarer ses ressources trimestrielles à la CAF", "author": "Maëlle Médiation", '
        '"association": "Grand Parc Connecté", "licence": "cc-by-nc-sa-4.0"}')
    made["falc"].licence = "cc-by-nc-sa-4.0"
    import json

    from .services import snapshot

    db.session.add_all([
        Version(resource_id=r.id, number=1, title=r.title, summary=r.summary, body=r.body,
                meta=json.dumps(snapshot(r)), author_id=r.author_id, created_at=r.created_at)
        for r in made.values()])
    ratings = [("sms", "mediation.b", 4, "Très clair, les seniors sont repartis en envoyant des photos."),
               ("sms", "direction.a", 3, ""), ("mail", "mediation.a", 4, "Parfait pour un premier atelier."),
               ("pe", "mediation.a", 3, "Prévoir plus de temps pour la création du mot de passe."),
               ("ameli", "mediation.b", 2, "Le parcours FranceConnect a changé depuis.")]
    db.session.add_all([Usage(resource_id=made[key].id, user_id=demo.users[user].id, rating=rating, comment=text)
                        for key, user, rating, text in ratings])
    for key in {key for key, *_rest in ratings}:
        rows = [r for k, _u, r, _t in ratings if k == key]
        made[key].usage_count, made[key].rating_sum = len(rows), sum(rows)
        made[key].rating_score = sum(rows) * 100 // len(rows)
    db.session.add_all([
        Comment(resource_id=made["ameli"].id, author_id=demo.users["mediation.b"].id,
                body="Attention, l'écran de connexion a changé en septembre."),
        Comment(resource_id=made["mail"].id, author_id=demo.users["mediation.a"].id,
                body="Merci ! Je l'ai traduite en arabe pour nos ateliers du jeudi."),
        Favourite(user_id=demo.users["mediation.a"].id, resource_id=made["mail"].id),
        Follow(user_id=demo.users["mediation.a"].id, theme_id=themes["securite"].id),
        Follow(user_id=demo.users["mediation.b"].id, association_id=demo.associations["a"].id),
        Report(resource_id=made["ameli"].id, reporter_id=demo.users["mediation.b"].id, reason="outdated",
               comment="La page de connexion d'Ameli a changé."),
    ])
    cycle = Collection(owner_id=demo.users["mediation.a"].id, title="Cycle « Premiers pas sur smartphone »",
                       description="Quatre séances pour les seniors du Grand Parc.", shared=True)
    private = Collection(owner_id=demo.users["mediation.b"].id, title="Mes préparations d'ateliers",
                         description="", shared=False)
    db.session.add_all([cycle, private])
    db.session.flush()
    db.session.add_all([CollectionItem(collection_id=cycle.id, resource_id=made[key].id, position=i)
                        for i, key in enumerate(["sms", "arnaques", "mail"])])
    db.session.add_all([CollectionItem(collection_id=private.id, resource_id=made[key].id, position=i)
                        for i, key in enumerate(["interne-b", "banque"])])
    db.session.flush()
    from .services import reindex

    for resource in made.values():
        reindex(resource)
    demo.log(f"ressources: {len(made)} ressources, 2 collections")
    if demo.volume:
        seed_volume(demo)


def seed_volume(demo) -> None:
    """Bulk resources up to ``demo.volume.resources`` (benchmark data), spread over every association."""
    from qn_portal.api import bulk_insert, filler_text, filler_title, paragraph_html

    from .models import AUDIENCES, KINDS, LEVELS, LICENCES, ResourceTheme

    rng, now = demo.random, utcnow()
    count = demo.volume.resources - db.session.scalar(select(func.count(Resource.id)))
    theme_ids = list(db.session.scalars(select(Theme.id)))
    kinds, levels, licences, audiences = list(KINDS), list(LEVELS), list(LICENCES), list(AUDIENCES)
    rows = []
    for _ in range(count):
        body = filler_text(rng, rng.randint(60, 160))
        when = now - timedelta(minutes=rng.randint(0, 3 * 365 * 24 * 60))
        rows.append({
            "title": filler_title(rng), "summary": filler_text(rng, 20), "body": body,
            "body_html": paragraph_html(body), "kind": rng.choice(kinds), "level": rng.choice(levels),
            "duration_minutes": rng.choice((30, 45, 60, 90, 120, None)), "licence": rng.choice(licences),
            "visibility": rng.choices(("public", "community", "association"), (3, 6, 1))[0],
            "status": PUBLISHED if rng.random() < 0.95 else "draft",
            "association_id": rng.choice(demo.association_ids), "author_id": rng.choice(demo.user_ids),
            "created_at": when, "updated_at": when, "published_at": when, "version_count": 0})
    for row in rows:
        if row["status"] != PUBLISHED:
            row["published_at"] = None
    ids = bulk_insert(Resource, rows)
    bulk_insert(ResourceTheme, [{"resource_id": resource_id, "theme_id": theme_id} for resource_id in ids
                                for theme_id in rng.sample(theme_ids, rng.randint(1, 2))], returning=False)
    bulk_insert(ResourceAudience, [{"resource_id": resource_id, "audience": rng.choice(audiences)}
                                   for resource_id in ids], returning=False)
    demo.log(f"ressources: {len(ids)} generated resources")
