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
    if demo.volume:
        seed_volume(demo)


SESSIONS_PER_WORKSHOP = 4  # at volume: two held, two to come


def seed_volume(demo) -> None:
    """Bulk workshops and registrations up to the volume's totals (benchmark data), over every association.

    Each workshop has four sessions (two past, two to come); each session registers distinct residents of
    its association, below capacity, so that the pages show full, partly full and empty sessions.
    """
    from sqlalchemy import func, select

    from qn_portal.api import Membership, bulk_insert, filler_text, filler_title, paragraph_html

    from .vocabulary import LEVELS, THEMES

    rng, volume = demo.random, demo.volume
    start = utcnow().replace(minute=0, second=0, microsecond=0)
    staff: dict[int, list[int]] = {}
    for user_id, association_id in db.session.execute(select(Membership.user_id, Membership.association_id)):
        staff.setdefault(association_id, []).append(user_id)
    association_ids = [a for a in demo.association_ids if a in staff]
    count = volume.workshops - db.session.scalar(select(func.count(Workshop.id)))
    rows = []
    for _ in range(count):
        description = filler_text(rng, rng.randint(40, 100))
        association_id = rng.choice(association_ids)
        rows.append({"association_id": association_id, "title": filler_title(rng), "description": description,
                     "description_html": paragraph_html(description),
                     "themes": ",".join(rng.sample(list(THEMES), 2)), "level": rng.choice(list(LEVELS)),
                     "audience": "Tout public", "created_by_id": rng.choice(staff[association_id])})
    workshop_ids = bulk_insert(Workshop, rows)
    bulk_insert(WorkshopFacilitator, [{"workshop_id": workshop_id, "user_id": row["created_by_id"]}
                                      for workshop_id, row in zip(workshop_ids, rows, strict=True)])
    session_rows = []
    for workshop_id, row in zip(workshop_ids, rows, strict=True):
        first = start + timedelta(days=rng.randint(-60, 0), hours=rng.choice((-4, -2, 0, 3, 5)))
        for week in range(SESSIONS_PER_WORKSHOP):
            begins = first + timedelta(days=28 * week)
            session_rows.append({"workshop_id": workshop_id, "association_id": row["association_id"],
                                 "original_start": begins, "starts_at": begins,
                                 "ends_at": begins + timedelta(minutes=90), "capacity": 12})
    session_ids = bulk_insert(Session, session_rows)
    # Residents: enough per association for the most crowded session.
    per_session = -(-volume.registrations // max(len(session_ids), 1))
    resident_rows = [{"association_id": association_id, "first_name": f"Habitant·e {number}", "consent_at": start}
                     for association_id in association_ids for number in range(max(per_session, 1) * 3)]
    resident_ids = bulk_insert(Resident, resident_rows)
    residents: dict[int, list[int]] = {}
    for resident_id, resident in zip(resident_ids, resident_rows, strict=True):
        residents.setdefault(resident["association_id"], []).append(resident_id)
    wanted = volume.registrations - db.session.scalar(select(func.count(Registration.id)))
    registration_rows = []
    for session_id, session in zip(session_ids, session_rows, strict=True):
        take = min(per_session, wanted - len(registration_rows), 12)
        if take <= 0:
            break
        past = session["ends_at"] < start
        for resident_id in rng.sample(residents[session["association_id"]], take):
            registration_rows.append({"session_id": session_id, "resident_id": resident_id, "status": CONFIRMED,
                                      "attended": (rng.random() < 0.85) if past else None,
                                      "queued_at": session["starts_at"] - timedelta(days=7)})
    bulk_insert(Registration, registration_rows)
    demo.log(f"ateliers: {len(workshop_ids)} generated workshops, {len(session_ids)} sessions, "
             f"{len(registration_rows)} registrations")
