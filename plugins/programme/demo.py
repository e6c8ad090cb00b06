"""Demo data: the 2021 call with an application in every state, an open call, A's timeline in progress with
its binôme half trained, equipment and requests, and two funders to report to."""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from qn_portal.api import db, render_markdown, utcnow

from .models import (
    ABANDONED,
    COMPLETED,
    DECLINED,
    DRAFT,
    IN_PROGRESS,
    REQUEST_ACCEPTED,
    REQUEST_NEW,
    SELECTED,
    SUBMITTED,
    UNDER_REVIEW,
    WAITING_LIST,
    ProgrammeApplication,
    ProgrammeBinomeMember,
    ProgrammeCall,
    ProgrammeEquipment,
    ProgrammeEquipmentRequest,
    ProgrammeFunder,
    ProgrammeReview,
    ProgrammeVisit,
)
from .services import create_timeline, today

CHARTER = """## Charte d'engagement — Quartiers Numériques 2021

L'association s'engage à :

- flécher au moins une personne salariée sur la médiation numérique, **20 h par semaine au minimum** ;
- mettre à disposition une salle pour **10 personnes, 3 jours par semaine** au moins ;
- faire former son binôme de médiation (Sésame, Emmaüs Connect) ;
- participer à la communauté d'échanges et de pratiques du programme.

BMS s'engage à accompagner l'association pendant deux ans (2021-2022), à compléter son équipement et à
participer de manière dégressive au financement du poste d'animation.
"""

PROJECT = ("Des permanences d'aide aux démarches depuis 2019 ; nous voulons passer à des ateliers collectifs "
           "de prise en main du smartphone et de l'ordinateur.")


def seed(demo) -> None:
    now = today()
    charter_html = str(render_markdown(CHARTER))
    call_2021 = ProgrammeCall(title="Quartiers Numériques 2021", cohort=2021, opens_on=date(2021, 1, 15),
                              closes_on=date(2021, 3, 15), charter=CHARTER, charter_html=charter_html)
    open_call = ProgrammeCall(title=f"Quartiers Numériques {now.year + 1}", cohort=now.year + 1,
                              opens_on=now - timedelta(days=30), closes_on=now + timedelta(days=60),
                              charter=CHARTER, charter_html=charter_html)
    db.session.add_all([call_2021, open_call])
    db.session.flush()
    associations, users = demo.associations, demo.users
    submitted = utcnow().replace(year=2021, month=3, day=1)
    eligible = {"mediation_hours": 24, "other_people": "Deux bénévoles et une volontaire en service civique.",
                "room_capacity": 12, "room_days": 4, "training_project": PROJECT, "share_practice": True,
                "referring_partners": "Le centre social, la Maison départementale des solidarités, le CCAS.",
                "submitted_at": submitted, "eligible": True}
    rows = [
        ProgrammeApplication(call_id=call_2021.id, association_id=associations["c"].id, status=SELECTED,
                             organisation_name=associations["c"].name, commune="Bordeaux",
                             neighbourhood_id=associations["c"].neighbourhood_id, decided_at=submitted,
                             decision_note="Bienvenue dans la promotion 2021 !", **eligible),
        ProgrammeApplication(call_id=call_2021.id, association_id=associations["d"].id, status=WAITING_LIST,
                             organisation_name=associations["d"].name, commune="Bordeaux",
                             neighbourhood_id=associations["d"].neighbourhood_id, decided_at=submitted, **eligible),
        ProgrammeApplication(call_id=call_2021.id, association_id=associations["e"].id, status=DECLINED,
                             organisation_name=associations["e"].name, commune="Cenon",
                             neighbourhood_id=associations["e"].neighbourhood_id, decided_at=submitted,
                             decision_note="Le projet de formation reste à préciser.", **eligible),
        ProgrammeApplication(call_id=call_2021.id, association_id=associations["f"].id, status=UNDER_REVIEW,
                             organisation_name=associations["f"].name, commune="Pessac",
                             neighbourhood_id=associations["f"].neighbourhood_id, **eligible),
        ProgrammeApplication(call_id=call_2021.id, association_id=associations["g"].id, status=SUBMITTED,
                             organisation_name=associations["g"].name, commune="Talence",
                             neighbourhood_id=associations["g"].neighbourhood_id,
                             **dict(eligible, mediation_hours=15, eligible=False,
                                    explanation="Le poste passera à 24 h dès le recrutement prévu en septembre.")),
        # Started in 2021 and never sent: a draft left when the call closed.
        ProgrammeApplication(call_id=call_2021.id, association_id=associations["b"].id, status=DRAFT,
                             created_by_id=users["direction.b"].id, organisation_name=associations["b"].name,
                             commune=associations["b"].commune, neighbourhood_id=associations["b"].neighbourhood_id,
                             mediation_hours=10),
        ProgrammeApplication(call_id=open_call.id, association_id=associations["h"].id, status=DRAFT,
                             created_by_id=users["direction.b"].id, organisation_name=associations["h"].name,
                             commune=associations["h"].commune, neighbourhood_id=associations["h"].neighbourhood_id,
                             mediation_hours=20, room_capacity=9, room_days=2),
    ]
    db.session.add_all(rows)
    db.session.flush()
    db.session.add(ProgrammeReview(application_id=rows[3].id, reviewer_id=users["coordination"].id,
                                   criterion="project", score=2, comment="Projet solide, à chiffrer."))
    # Association A: a timeline started 14 months ago, mostly kept, with one step late.
    a = associations["a"]
    start = now - relativedelta(months=14)
    milestones = create_timeline(a.id, a.cohort or 2021, start)
    for milestone in milestones:
        if milestone.kind in ("charte", "equipment", "first_workshop", "mid_term"):
            milestone.done_on = milestone.due_on - timedelta(days=3)
    db.session.add_all([
        ProgrammeVisit(association_id=a.id, author_id=users["coordination"].id, kind="visit",
                       happened_on=start + relativedelta(months=2),
                       summary="Visite de la salle du centre social : 12 postes, connexion à renforcer.",
                       next_steps="Commander deux ordinateurs portables et un vidéoprojecteur."),
        ProgrammeVisit(association_id=a.id, author_id=users["coordination"].id, kind="meeting",
                       happened_on=start + relativedelta(months=12),
                       summary="Bilan de mi-parcours avec la direction : 48 personnes formées.",
                       next_steps="Inscrire la deuxième médiatrice à la formation Sésame."),
    ])
    seed_binomes(demo, start)
    seed_equipment(demo, start)
    db.session.add_all([
        ProgrammeFunder(name="Fondation Numérique Solidaire (exemple)",
                        associations=[associations["a"], associations["f"]]),
        ProgrammeFunder(name="Fonds de dotation des quartiers (exemple)", cohort=2021),
    ])


def seed_binomes(demo, start) -> None:
    """A: one médiatrice trained (Sésame), the other in training (Emmaüs Connect): the binôme is not trained yet,
    and its milestone is late. C (2021): both trained long ago, one after a first training abandoned."""
    a, c = demo.associations["a"], demo.associations["c"]
    mediator = demo.users["mediation.a"]
    now = today()
    db.session.add_all([
        ProgrammeBinomeMember(association_id=a.id, user_id=mediator.id, name=mediator.name, organisation="sesame",
                              training_title="Parcours médiateur numérique", completion=COMPLETED,
                              starts_on=start + relativedelta(months=4), ends_on=start + relativedelta(months=7),
                              sessions_attended=12),
        ProgrammeBinomeMember(association_id=a.id, name="Karim Benali", organisation="emmaus_connect",
                              training_title="Les clés du numérique : animer un atelier", completion=IN_PROGRESS,
                              starts_on=now - relativedelta(months=2), sessions_attended=4),
        ProgrammeBinomeMember(association_id=c.id, name="Inès Moreau", organisation="sesame",
                              training_title="Parcours médiateur numérique", completion=COMPLETED,
                              starts_on=date(2021, 9, 6), ends_on=date(2021, 12, 17), sessions_attended=14),
        ProgrammeBinomeMember(association_id=c.id, name="Paul Laffitte", organisation="other",
                              organisation_name="Greta Bordeaux", training_title="Accompagner les démarches en ligne",
                              completion=ABANDONED, starts_on=date(2021, 9, 13), sessions_attended=3),
    ])


def seed_equipment(demo, start) -> None:
    a = demo.associations["a"]
    delivered = start + relativedelta(months=3) - timedelta(days=5)
    db.session.add_all([
        ProgrammeEquipment(association_id=a.id, kind="laptop", description="Ordinateur portable 14 pouces",
                           serial_number="DEMO-PC-0001", delivered_on=delivered, state="good"),
        ProgrammeEquipment(association_id=a.id, kind="laptop", description="Ordinateur portable 14 pouces",
                           serial_number="DEMO-PC-0002", delivered_on=delivered, state="good"),
        ProgrammeEquipment(association_id=a.id, kind="projector", description="Full HD, 3 000 lumens",
                           serial_number="DEMO-VP-0001", delivered_on=delivered, state="to_repair",
                           note="La lampe faiblit : à changer."),
        ProgrammeEquipmentRequest(association_id=a.id, created_by_id=demo.users["direction.a"].id,
                                  need="Des casques avec micro pour les démarches en visio", quantity=6,
                                  justification="Les rendez-vous France Travail et CAF se font de plus en plus en "
                                                "visio : les habitants n'ont pas de casque.",
                                  status=REQUEST_ACCEPTED, answer="Accepté : livraison avec la prochaine commande.",
                                  answered_by_id=demo.users["coordination"].id, answered_at=utcnow()),
        ProgrammeEquipmentRequest(association_id=a.id, created_by_id=demo.users["direction.a"].id,
                                  need="Une imprimante", quantity=1,
                                  justification="Imprimer les attestations et les documents des démarches sur place.",
                                  status=REQUEST_NEW),
    ])
