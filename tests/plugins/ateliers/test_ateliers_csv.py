"""CSV exports of the workshops: agenda (filters, every page), workshops, rooms, and the residents' lists
(registrations of a session, people followed): only what their pages show, to the same people, audited."""

from __future__ import annotations

from datetime import date, time, timedelta

from conftest import signed_in
from csv_checks import csv_link_in, read_csv
from query_count import count_queries
from sqlalchemy import select

from qn_portal.extensions import db


def add_sessions(app, demo, count: int, offset: int = 0) -> int:
    """``count`` sessions of A tomorrow, each with one confirmed resident, and ``count`` residents waiting
    for one more session; return that session's id."""
    from plugins.ateliers import services
    from plugins.ateliers.models import Registration, Resident, Room, Session, Workshop

    a = demo["associations"]["a"]
    with app.app_context():
        room = Room(association_id=a, name="Salle Éole", capacity=12)
        workshop = Workshop(association_id=a, title="=Atelier « tablette »", themes="email", level="debutant",
                            room=room)
        db.session.add_all([room, workshop])
        db.session.flush()
        sessions = []
        for i in range(offset, offset + count + 1):
            start = services.to_utc(date.today() + timedelta(days=1), time(8, 0)) + timedelta(minutes=i)
            sessions.append(Session(workshop_id=workshop.id, association_id=a, room_id=room.id, capacity=12,
                                    original_start=start, starts_at=start, ends_at=start + timedelta(hours=1)))
        db.session.add_all(sessions)
        db.session.flush()
        for i, session in enumerate(sessions[:-1]):
            resident = Resident(association_id=a, first_name=f"Amélie {offset + i}", phone="+33 6 00 00 00 00")
            db.session.add(resident)
            db.session.flush()
            db.session.add_all([Registration(session_id=session.id, resident_id=resident.id, status="confirmed"),
                                Registration(session_id=sessions[-1].id, resident_id=resident.id,
                                             status="waitlisted" if i else "confirmed")])
        db.session.commit()
        return sessions[-1].id


def test_agenda_export_holds_every_session_with_free_seats(app, demo):
    add_sessions(app, demo, 45)
    client = signed_in(app, "partenaire")
    page = client.get("/ateliers/?level=debutant").get_data(as_text=True)
    assert csv_link_in(page, "/ateliers/export.csv?level=debutant")
    rows = read_csv(client.get("/ateliers/export.csv?level=debutant"))
    assert rows[0][:4] == ["Début", "Fin", "Atelier", "Association"]
    mine = [row for row in rows[1:] if row[2] == "'=Atelier « tablette »"]
    assert len(mine) == 46  # beyond the agenda's pages of 20
    assert {row[9] for row in mine[:-1]} == {"11"} and mine[-1][9] == "11"  # 12 seats, one confirmed each
    assert mine[0][0] == f"{date.today() + timedelta(days=1)} 08:00" and mine[0][1] == "09:00"
    assert {row[4] for row in mine} == {"Salle Éole"} and {row[7] for row in mine} == {"non"}
    filtered = read_csv(client.get("/ateliers/export.csv?level=avance"))
    assert not any(row[2] == "'=Atelier « tablette »" for row in filtered)


def test_workshops_and_rooms_exports(app, demo):
    add_sessions(app, demo, 1)
    client = signed_in(app, "direction.a")
    assert csv_link_in(client.get("/ateliers/ateliers").get_data(as_text=True), "/ateliers/ateliers/export.csv")
    rows = read_csv(client.get("/ateliers/ateliers/export.csv"))
    workshop = next(row for row in rows if row[0] == "'=Atelier « tablette »")
    assert workshop[2] == "Débutant"  # a level label, not a code
    assert (workshop[6], workshop[7]) == ("oui", "oui")  # free, open to the public
    rooms = read_csv(client.get("/ateliers/salles/export.csv"))
    assert rooms[0] == ["Salle", "Association", "Places"]
    assert any(row[0] == "Salle Éole" and row[2] == "12" for row in rooms[1:])
    assert signed_in(app, "partenaire").get("/ateliers/salles/export.csv").status_code == 403


def test_registrations_export_shows_only_the_pages_columns_to_members(app, demo):
    from qn_portal.audit.models import AuditEntry

    session_id = add_sessions(app, demo, 30)
    client = signed_in(app, "mediation.a")
    page = client.get(f"/ateliers/seances/{session_id}").get_data(as_text=True)
    assert csv_link_in(page, f"/ateliers/seances/{session_id}/export.csv")
    body = client.get(f"/ateliers/seances/{session_id}/export.csv")
    rows = read_csv(body)
    assert rows[0] == ["Prénom ou pseudonyme", "État"]
    assert len(rows) - 1 == 30 and all(len(row) == 2 for row in rows)
    assert ["Amélie 0", "confirmée"] in rows and ["Amélie 29", "liste d'attente"] in rows
    assert b"+33 6" not in body.get_data()  # the page does not show the phone: nor does the file
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "data.export")).one()
        assert f"séance {session_id}" in entry.target
    for role in ("partenaire", "coordination", "admin", "mediation.b", "direction.b"):
        response = signed_in(app, role).get(f"/ateliers/seances/{session_id}/export.csv")
        assert response.status_code in (403, 404), role


def test_residents_export_is_for_their_association_only(app, demo):
    add_sessions(app, demo, 25)
    client = signed_in(app, "direction.a")
    assert csv_link_in(client.get("/ateliers/participants").get_data(as_text=True), "/ateliers/participants/export.csv")
    rows = read_csv(client.get("/ateliers/participants/export.csv"))
    assert rows[0] == ["Prénom ou pseudonyme", "Téléphone", "Consentement"]
    amelies = [row for row in rows[1:] if row[0].startswith("Amélie ")]
    assert len(amelies) == 25 and {row[1] for row in amelies} == {"'+33 6 00 00 00 00"}
    b_rows = read_csv(signed_in(app, "direction.b").get("/ateliers/participants/export.csv"))
    assert not any(row[0].startswith("Amélie ") for row in b_rows)
    for role in ("partenaire", "coordination", "admin"):
        assert signed_in(app, role).get("/ateliers/participants/export.csv").status_code == 403


def test_residents_exports_do_not_query_per_row(app, demo):
    session_id = add_sessions(app, demo, 5)
    client = signed_in(app, "direction.a")
    paths = ["/ateliers/participants/export.csv", f"/ateliers/seances/{session_id}/export.csv"]
    small = [count_queries(app, client, path) for path in paths]
    with app.app_context():
        from plugins.ateliers.models import Registration, Resident

        for i in range(50):
            resident = Resident(association_id=demo["associations"]["a"], first_name=f"Bis {i}")
            db.session.add(resident)
            db.session.flush()
            db.session.add(Registration(session_id=session_id, resident_id=resident.id, status="waitlisted"))
        db.session.commit()
    assert [count_queries(app, client, path) for path in paths] == small


def test_referrals_export_shows_the_pages_columns_to_each_side(app, demo):
    from plugins.ateliers.models import Referral

    session_id = add_sessions(app, demo, 1)
    with app.app_context():
        db.session.add_all([Referral(session_id=session_id, association_id=demo["associations"]["a"],
                                     partner_id=demo["users"]["partenaire"], first_name=f"Noël {i}",
                                     phone="06 11 22 33 44", note="=appeler le matin") for i in range(25)])
        db.session.commit()
    manager = signed_in(app, "direction.a")
    assert csv_link_in(manager.get("/ateliers/orientations").get_data(as_text=True), "/ateliers/orientations/export.csv")
    response = manager.get("/ateliers/orientations/export.csv")
    rows = read_csv(response)
    assert rows[0] == ["Personne", "Note", "Atelier", "Séance", "Orientée par", "État"]
    noels = [row for row in rows[1:] if row[0].startswith("Noël ")]
    assert len(noels) == 25 and {row[1] for row in noels} == {"'=appeler le matin"}
    assert b"06 11 22 33 44" not in response.get_data()  # the page does not show the phone
    partner_rows = read_csv(signed_in(app, "partenaire").get("/ateliers/orientations/export.csv"))
    assert sum(row[0].startswith("Noël ") for row in partner_rows[1:]) == 25  # the ones they made
    b_rows = read_csv(signed_in(app, "direction.b").get("/ateliers/orientations/export.csv"))
    assert not any(row[0].startswith("Noël ") for row in b_rows[1:])
