"""Demo exchanges: a few threads between the médiateurs of A and B and the coordination."""

from __future__ import annotations

from datetime import timedelta

from qn_portal.api import db, utcnow

from . import services
from .models import (
    FOLLOW_CATEGORY,
    FOLLOW_TAG,
    FOLLOW_THREAD,
    EchangesCategory,
    EchangesFollow,
    EchangesMention,
    EchangesPost,
    EchangesReport,
    EchangesThanks,
    EchangesThread,
    join_tags,
)

# (name, description, open to partners)
CATEGORIES = [
    ("Pédagogie", "Déroulés d'ateliers, exercices, publics qui débutent.", False),
    ("Outils", "Logiciels, applications, sites utiles en atelier.", False),
    ("Démarches en ligne", "CAF, Ameli, France Travail, ANTS, impôts : les démarches des habitants.", True),
    ("Matériel", "Ordinateurs, tablettes, connexion, reconditionnement.", False),
    ("Financement", "Appels à projets, Pass Numérique, cofinancements.", False),
    ("Vie du programme", "Comités, rencontres, calendrier de Quartiers Numériques.", False),
]

# (key, days ago, category index, author, title, tags, body, replies: (hours after, author, body))
THREADS = [
    ("ameli", 12, 2, "mediation.a", "Créer un compte Ameli pour une personne sans adresse e-mail",
     ["ameli", "seniors"],
     "Une dame de 78 ans vient à la permanence du mardi : elle n'a pas d'adresse e-mail et veut suivre ses "
     "remboursements. Faut-il lui créer une adresse, ou y a-t-il une autre voie ?",
     [(3, "mediation.b", "On commence toujours par créer l'adresse e-mail **avec elle** pendant l'atelier, puis "
                         "le compte Ameli avec le code provisoire reçu par courrier. Sans courrier, l'accueil de la "
                         "CPAM de la rue du Docteur-Finlay peut le redonner. @Maëlle Médiation je t'envoie notre "
                         "fiche pas à pas."),
      (5, "mediation.a", "Merci Nadia, ça a marché : compte ouvert, elle revient la semaine prochaine pour l'appli.")]),
    ("souris", 2, 0, "mediation.b", "Exercices pour prendre en main la souris avec de grands débutants",
     ["débutants", "souris"],
     "Nous accueillons en janvier un groupe de six personnes qui n'ont jamais utilisé d'ordinateur. Quels "
     "exercices utilisez-vous pour la souris avant d'aborder le clavier ?", []),
    ("ordinateurs", 6, 3, "direction.a", "Ordinateurs reconditionnés : vos retours sur les fournisseurs",
     ["matériel", "ordinateurs"],
     "Nous voulons équiper l'atelier de six ordinateurs portables reconditionnés. Avec qui avez-vous travaillé, et quelle "
     "garantie aviez-vous ?",
     [(20, "coordination", "Deux associations du programme ont acheté chez un atelier d'insertion de Mérignac, "
                           "garantie d'un an. @Bilal Direction, vous aviez comparé les devis l'an dernier ?"),
      (26, "direction.b", "Oui : prévoir les sacoches et les chargeurs dans le devis, c'est là que les prix "
                          "changent le plus.")]),
    ("comite", 4, 5, "coordination", "Comité de suivi de décembre : vos sujets",
     ["comité"],
     "Le prochain comité de suivi a lieu le 12 décembre au Rocher de Palmer. Envoyez ici les sujets que vous "
     "voulez y porter : fréquentation, difficultés de recrutement, besoins de formation.",
     [(30, "direction.b", "Nous aimerions parler de la fréquentation des ateliers du samedi matin, en baisse depuis "
                          "la rentrée.")]),
    ("aptic", 9, 4, "mediation.a", "Qui accepte encore les chèques APTIC à Bordeaux ?",
     ["pass numérique"],
     "Un habitant a reçu un carnet de chèques APTIC par le CCAS. Savez-vous quelles structures les acceptent "
     "encore sur la rive droite ?",
     [(8, "mediation.b", "Chez nous oui, pour les ateliers collectifs. Il peut appeler le 05 56 00 00 00 de "
                         "notre accueil.")]),
]


def seed(demo) -> None:
    now = utcnow()
    categories = []
    for position, (name, description, opened) in enumerate(CATEGORIES):
        category = EchangesCategory(name=name, description=description, open_to_partners=opened,
                                    position=(position + 1) * 10)
        categories.append(category)
    db.session.add_all(categories)
    db.session.flush()
    threads, posts = {}, {}
    for key, days, category_index, author, title, tags, body, replies in THREADS:
        created = now - timedelta(days=days)
        thread = EchangesThread(category=categories[category_index], title=title, tags=join_tags(tags),
                                author_id=demo.users[author].id, created_at=created, last_activity_at=created,
                                reply_count=len(replies))
        first = EchangesPost(thread=thread, author_id=demo.users[author].id, is_first=True, body=body,
                             body_html=services.render_body(body, services.Mentions()), created_at=created)
        db.session.add_all([thread, first])
        thread_posts = [first]
        for hours, replier, text in replies:
            mentions = services.find_mentions(text)
            post = EchangesPost(thread=thread, author_id=demo.users[replier].id, body=text,
                                body_html=services.render_body(text, mentions),
                                created_at=created + timedelta(hours=hours))
            db.session.add(post)
            thread_posts.append((post, mentions))
            thread.last_activity_at = post.created_at
        threads[key], posts[key] = thread, thread_posts
    db.session.flush()
    for thread_posts in posts.values():
        for post, mentions in thread_posts[1:]:
            for user_id in mentions.users:
                db.session.add(EchangesMention(post_id=post.id, user_id=user_id))
    solution = posts["ameli"][1][0]
    threads["ameli"].solution_post_id = solution.id
    users = demo.users
    db.session.add_all([
        EchangesThanks(post_id=solution.id, user_id=users["mediation.a"].id),
        EchangesThanks(post_id=solution.id, user_id=users["coordination"].id),
        EchangesReport(post_id=posts["aptic"][1][0].id, reporter_id=users["direction.a"].id,
                       reason="donnees_personnelles",
                       comment="Numéro de téléphone : à vérifier que ce n'est pas celui d'une personne."),
        EchangesFollow(user_id=users["mediation.a"].id, target_type=FOLLOW_CATEGORY, target=str(categories[0].id)),
        EchangesFollow(user_id=users["mediation.b"].id, target_type=FOLLOW_TAG, target="seniors"),
        EchangesFollow(user_id=users["coordination"].id, target_type=FOLLOW_CATEGORY, target=str(categories[5].id)),
    ])
    # Authors and repliers follow their threads, as when they write through the pages.
    for key, thread in threads.items():
        writers = {thread.author_id} | {post.author_id for post, _mentions in posts[key][1:]}
        for user_id in sorted(writers):
            db.session.add(EchangesFollow(user_id=user_id, target_type=FOLLOW_THREAD, target=str(thread.id),
                                          seen_at=thread.created_at))
    db.session.flush()
    for thread in threads.values():
        services.reindex(thread)
    demo.log(f"echanges: {len(categories)} catégories, {len(threads)} sujets")
    if demo.volume:
        seed_volume(demo)


def seed_volume(demo) -> None:
    """Bulk threads up to ``demo.volume.threads`` (benchmark data), each with its question and 0 to 4 replies."""
    from sqlalchemy import func, select

    from qn_portal.api import bulk_insert, filler_text, filler_title, paragraph_html

    rng, now = demo.random, utcnow()
    category_ids = list(db.session.scalars(select(EchangesCategory.id)))
    count = demo.volume.threads - db.session.scalar(select(func.count(EchangesThread.id)))
    threads, replies = [], []
    for _ in range(count):
        created = now - timedelta(minutes=rng.randint(60, 2 * 365 * 24 * 60))
        answers = [created + timedelta(hours=rng.randint(1, 72)) for _ in range(rng.randint(0, 4))]
        replies.append(sorted(answers))
        threads.append({"category_id": rng.choice(category_ids), "title": filler_title(rng),
                        "tags": ",".join(rng.sample(("seniors", "caf", "ameli", "smartphone", "emploi"), 2)),
                        "author_id": rng.choice(demo.user_ids), "created_at": created,
                        "last_activity_at": answers[-1] if answers else created, "reply_count": len(answers)})
    thread_ids = bulk_insert(EchangesThread, threads)
    posts = []
    for thread_id, thread, answers in zip(thread_ids, threads, replies, strict=True):
        for index, when in enumerate([thread["created_at"], *answers]):
            body = filler_text(rng, rng.randint(20, 80))
            posts.append({"thread_id": thread_id, "is_first": index == 0, "body": body,
                          "body_html": paragraph_html(body), "created_at": when,
                          "author_id": thread["author_id"] if index == 0 else rng.choice(demo.user_ids)})
    bulk_insert(EchangesPost, posts)
    demo.log(f"echanges: {len(thread_ids)} generated threads, {len(posts)} messages")
