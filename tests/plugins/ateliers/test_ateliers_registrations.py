"""Registrations: least data, consent, capacity under concurrency, ordered waiting list, cross-association refusals."""

from __future__ import annotations

import multiprocessing
import re
from datetime import date, time

from conftest import make_config, post_form
from sqlalchemy import func, select

from plugins.ateliers import services
from plugins.ateliers.models import (
    CONFIRMED,
    WAITLISTED,
    WITHDRAWN,
    Registration,
    Resident,
    Room,
    Session,
    Workshop,
)
from qn_portal.api import db


def make_session(app, demo, key="a", capacity=3, day=date(2030, 3, 6)):
    with app.app_context():
        room = Room(association_id=demo["associations"][key], name="Salle test", capacity=capacity)
        db.session.add(room)
        db.session.flush()
        workshop = Workshop(association_id=demo["associations"][key], title="Atelier inscriptions", themes="email",
                            room_id=room.id)
        db.session.add(workshop)
        db.session.flush()
        sessions = services.plan_sessions(workshop, day, time(10), 120, True, date(2030, 3, 20), set())
        db.session.commit()
        return [s.id for s in sessions]


def add_residents(app, demo, names, key="a"):
    with app.app_context():
        people = [Resident(association_id=demo["associations"][key], first_name=name) for name in names]
        db.session.add_all(people)
        db.session.commit()
        return [p.id for p in people]


def statuses(app, session_id):
    with app.app_context():
        rows = db.session.execute(select(Resident.first_name, Registration.status).join(Resident)
                                  .where(Registration.session_id == session_id).order_by(Registration.id)).all()
        return dict(rows)


def test_register_new_person_with_least_data_and_consent(app, demo, portal):
    session_id = make_session(app, demo)[0]
    client = portal.login_as("mediation.a")
    url = f"/ateliers/seances/{session_id}/inscrire"
    response = post_form(client, url, {"first_name": "Zoé", "phone": "pas un numéro", "scope": "session"},
                         form_url=f"/ateliers/seances/{session_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "consentement de la personne est nécessaire" in html and "numéro de téléphone" in html
    assert 'value="Zoé"' in html
    response = post_form(client, url, {"first_name": "Zoé", "phone": "06 12 34 56 78", "consent": "y",
                                       "scope": "session"}, form_url=f"/ateliers/seances/{session_id}")
    assert response.status_code == 302, re.findall(r'class="error"[^>]*>([^<]*)', response.get_data(as_text=True))
    assert statuses(app, session_id) == {"Zoé": CONFIRMED}
    with app.app_context():
        resident_id = db.session.scalar(select(Resident.id).where(Resident.first_name == "Zoé"))
    # Registering twice is refused with a message.
    response = post_form(client, url, {"resident_id": str(resident_id), "scope": "session"},
                         form_url=f"/ateliers/seances/{session_id}")
    assert "déjà inscrit" in response.get_data(as_text=True)


def test_whole_cycle_registration(app, demo, portal):
    session_ids = make_session(app, demo)
    (resident_id,) = add_residents(app, demo, ["Paul"])
    client = portal.login_as("mediation.a")
    response = post_form(client, f"/ateliers/seances/{session_ids[0]}/inscrire",
                         {"resident_id": str(resident_id), "scope": "cycle"},
                         form_url=f"/ateliers/seances/{session_ids[0]}")
    assert response.status_code == 302
    for session_id in session_ids:
        assert statuses(app, session_id) == {"Paul": CONFIRMED}


def test_capacity_then_waiting_list_then_promotion_in_order(app, demo, portal):
    session_id = make_session(app, demo, capacity=2)[0]
    ids = add_residents(app, demo, ["Ana", "Bob", "Chloé", "Driss"])
    with app.app_context():
        for resident_id in ids:
            services.register(session_id, resident_id)
        db.session.commit()
    assert statuses(app, session_id) == {"Ana": CONFIRMED, "Bob": CONFIRMED, "Chloé": WAITLISTED, "Driss": WAITLISTED}
    with app.app_context():
        registration_id = db.session.scalar(select(Registration.id).where(Registration.resident_id == ids[0]))
    client = portal.login_as("mediation.a")
    response = post_form(client, f"/ateliers/inscriptions/{registration_id}/annuler",
                         form_url=f"/ateliers/seances/{session_id}")
    assert response.status_code == 302
    assert statuses(app, session_id) == {"Ana": WITHDRAWN, "Bob": CONFIRMED, "Chloé": CONFIRMED, "Driss": WAITLISTED}
    # Cancelling again says so, and changes nothing.
    response = post_form(client, f"/ateliers/inscriptions/{registration_id}/annuler",
                         form_url=f"/ateliers/seances/{session_id}", follow_redirects=True)
    assert "déjà annulée" in response.get_data(as_text=True)
    # Ana comes back: at the end of the queue.
    with app.app_context():
        assert services.register(session_id, ids[0]).status == WAITLISTED
        db.session.commit()


def test_resident_of_another_association_and_someone_elses_registration(app, demo, portal):
    session_id = make_session(app, demo)[0]
    (resident_b,) = add_residents(app, demo, ["Résident de B"], key="b")
    (resident_a,) = add_residents(app, demo, ["Léa"])
    with app.app_context():
        registration = services.register(session_id, resident_a)
        db.session.commit()
        registration_id = registration.id
    client = portal.login_as("mediation.a")
    response = post_form(client, f"/ateliers/seances/{session_id}/inscrire",
                         {"resident_id": str(resident_b), "scope": "session"}, form_url=f"/ateliers/seances/{session_id}")
    assert response.status_code == 200 and "Choisissez une des valeurs" in response.get_data(as_text=True)
    assert "Résident de B" not in statuses(app, session_id)
    with app.app_context():
        try:
            services.register(session_id, resident_b)
            raise AssertionError("a resident of B was registered in A's session")
        except services.RegistrationError:
            db.session.rollback()
    # B's mediator cannot cancel A's registration nor see A's residents.
    other = portal.new_client()
    from conftest import login
    login(other, "mediation.b@example.org")
    page = other.get(f"/ateliers/seances/{session_id}").get_data(as_text=True)
    assert "Léa" not in page
    response = post_form(other, f"/ateliers/inscriptions/{registration_id}/annuler", form_url="/ateliers/")
    assert response.status_code == 403
    assert statuses(app, session_id) == {"Léa": CONFIRMED}
    # Partners and coordinators neither: residents are the association's.
    for key in ("partenaire", "coordination"):
        someone = portal.new_client()
        login(someone, f"{key}@example.org")
        assert "Léa" not in someone.get(f"/ateliers/seances/{session_id}").get_data(as_text=True)
        response = post_form(someone, f"/ateliers/seances/{session_id}/inscrire",
                             {"first_name": "X", "consent": "y"}, form_url="/ateliers/")
        assert response.status_code == 403


def test_cancelled_session_refuses_registrations(app, demo):
    session_id = make_session(app, demo)[0]
    (resident_id,) = add_residents(app, demo, ["Inès"])
    with app.app_context():
        services.cancel_session(db.session.get(Session, session_id))
        db.session.commit()
        try:
            services.register(session_id, resident_id)
            raise AssertionError("registered to a cancelled session")
        except services.RegistrationError as problem:
            assert "annulée" in str(problem)


# --- concurrency: several OS processes, each with its own app and engine, on the same database -----------


def _register_many(database_url, instance, session_id, resident_ids, start, results):
    from sqlalchemy.exc import OperationalError

    from qn_portal import create_app
    from qn_portal.api import write_transaction

    app = create_app(make_config(database_url, instance))
    outcomes = []
    with app.app_context():
        start.wait(60)
        for resident_id in resident_ids:
            for _attempt in range(20):
                try:
                    with write_transaction():
                        outcomes.append(services.register(session_id, resident_id).status)
                    break
                except OperationalError:  # a deadlock or busy database: the transaction was rolled back
                    continue
        db.engine.dispose()
    results.put(outcomes)


def test_many_processes_register_for_the_last_seats_at_once(app, demo, migrated, tmp_path):
    capacity, processes, each = 6, 6, 3
    session_id = make_session(app, demo, capacity=capacity)[0]
    early = add_residents(app, demo, ["Déjà 1", "Déjà 2"])
    with app.app_context():
        for resident_id in early:
            services.register(session_id, resident_id)
        db.session.commit()
        db.engine.dispose()
    names = [f"Concurrent {i}" for i in range(processes * each)]
    ids = add_residents(app, demo, names)
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    workers = [context.Process(target=_register_many,
                               args=(migrated, tmp_path, session_id, ids[i * each:(i + 1) * each], start, results))
               for i in range(processes)]
    for worker in workers:
        worker.start()
    start.set()
    outcomes = [status for _ in workers for status in results.get(timeout=120)]
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    assert len(outcomes) == processes * each  # nothing lost
    assert outcomes.count(CONFIRMED) == capacity - len(early)
    with app.app_context():
        counts = dict(db.session.execute(select(Registration.status, func.count(Registration.id))
                                         .where(Registration.session_id == session_id).group_by(Registration.status)).all())
    assert counts == {CONFIRMED: capacity, WAITLISTED: processes * each - (capacity - len(early))}
