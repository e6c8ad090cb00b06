"""Demo data: two months of weekly workshops in A and B (half held, with attendance), modest in size."""

from __future__ import annotations

import uuid
from datetime import time, timedelta

from qn_portal.api import db, utcnow

from .models import (
    CONFIRMED,
    WAITLISTED,
    Registration,
    Resident,
    Room,
    Series,
    Session,
    Workshop,
    WorkshopFacilitator,
)
from .services import index_workshop, local, save_attendance, to_utc

WORKSHOPS = {
    "a": [
        ("Premiers pas sur smartphone", "prendre-en-main-du-materiel,navigation-sur-internet", "debutant",
         "seniors", 1, time(14, 0), 120,
         "Allumer, déverrouiller, passer un appel, installer une application : on avance à son rythme.\n\n"
         "- téléphone prêté si besoin\n- 8 personnes au plus"),
        ("Mes démarches en ligne (CAF, ameli, impots.gouv)", "demarches-en-ligne,sante", "intermediaire",
         "résident·es du Grand Parc", 3, time(9, 30), 120,
         "Créer son compte, retrouver ses identifiants, déposer un justificatif. Venez avec vos papiers."),
    ],
    "b": [
        ("Le courriel sans stress", "email,securite-numerique", "debutant", "tout public", 2, time(10, 0), 90,
         "Créer une adresse, écrire, joindre une photo, reconnaître un message frauduleux."),
    ],
}
NAMES = {"a": ["Fatima", "Jeannine", "Mamadou", "Lucie", "Rachid", "Odette"],
         "b": ["Nadia", "Gérard", "Aminata", "Sylvie", "Karim"]}


def seed(demo) -> None:
    today = local(utcnow()).date()
    for key, items in WORKSHOPS.items():
        association = demo.associations[key]
        mediator = demo.users[f"mediation.{key}"]
        room = Room(association_id=association.id, name="Salle multimédia", capacity=8)
        residents = [Resident(association_id=association.id, first_name=name, consent_at=utcnow(),
                              created_by_id=mediator.id) for name in NAMES[key]]
        db.session.add(room)
        db.session.add_all(residents)
        db.session.flush()
        for title, themes, level, audience, weekday, at, minutes, description in items:
            from qn_portal.api import render_markdown

            workshop = Workshop(association_id=association.id, title=title, description=description,
                                description_html=str(render_markdown(description)), themes=themes, level=level,
                                audience=audience, room_id=room.id, created_by_id=mediator.id,
                                accessibility="Salle de plain-pied, accessible en fauteuil.")
            workshop.facilitators = [WorkshopFacilitator(user_id=mediator.id)]
            db.session.add(workshop)
            db.session.flush()
            first = today - timedelta(days=28)
            first += timedelta(days=(weekday - first.weekday()) % 7)
            days = [first + timedelta(days=7 * week) for week in range(9)]
            series = Series(workshop_id=workshop.id, uid=uuid.uuid4().hex, first_start=to_utc(days[0], at),
                            duration_minutes=minutes, weekly=True, until=days[-1].isoformat())
            sessions = [Session(workshop=workshop, association_id=association.id, series=series, room_id=room.id,
                                original_start=to_utc(day, at), starts_at=to_utc(day, at),
                                ends_at=to_utc(day, at) + timedelta(minutes=minutes), capacity=room.capacity)
                        for day in days]
            db.session.add_all([series, *sessions])
            db.session.flush()
            for index, session in enumerate(sessions):
                people = residents[index % 2: index % 2 + 4]
                db.session.add_all([Registration(session_id=session.id, resident_id=person.id, status=CONFIRMED,
                                                 registered_by_id=mediator.id) for person in people])
            last = sessions[-1]
            db.session.add(Registration(session_id=last.id, resident_id=residents[-1].id, status=WAITLISTED,
                                        registered_by_id=mediator.id))
            db.session.flush()
            now = utcnow()
            for index, session in enumerate(sessions):
                if session.ends_at < now:
                    db.session.refresh(session)
                    present = {r.id for r in session.registrations if r.id % 4 != index % 4}
                    save_attendance(session, present)
            index_workshop(workshop)
    demo.log("ateliers: 3 workshops, 27 sessions, registrations and attendance")
