"""Rooms, workshops and sessions: recurrence, exceptions, DST, moves, cancellations, double booking."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from conftest import post_form
from sqlalchemy import select

from plugins.ateliers import services
from plugins.ateliers.models import CANCELLED, Room, Session, Workshop, WorkshopFacilitator
from qn_portal.api import db


def make_workshop(app, demo, key="a", title="Atelier tablette", room_capacity=10, public=True, facilitator=None):
    with app.app_context():
        room = Room(association_id=demo["associations"][key], name=f"Salle {title}", capacity=room_capacity)
        db.session.add(room)
        db.session.flush()
        workshop = Workshop(association_id=demo["associations"][key], title=title, themes="email", level="debutant",
                            room_id=room.id, public=public)
        if facilitator:
            workshop.facilitators = [WorkshopFacilitator(user_id=demo["users"][facilitator])]
        db.session.add(workshop)
        db.session.commit()
        return workshop.id, room.id


def test_weekly_recurrence_keeps_paris_wall_clock_across_dst(app, demo):
    workshop_id, _ = make_workshop(app, demo)
    with app.app_context():
        workshop = db.session.get(Workshop, workshop_id)
        sessions = services.plan_sessions(workshop, date(2026, 10, 14), time(14, 0), 120, True,
                                          date(2026, 11, 4), {date(2026, 10, 28)})
        db.session.commit()
        starts = [s.starts_at.astimezone(UTC) for s in sessions]
        # Summer time (UTC+2) until 25 October 2026, winter time (UTC+1) after: same 14:00 in Paris.
        assert starts == [datetime(2026, 10, 14, 12, tzinfo=UTC), datetime(2026, 10, 21, 12, tzinfo=UTC),
                          datetime(2026, 11, 4, 13, tzinfo=UTC)]
        assert all(services.local(s).hour == 14 for s in starts)
        assert {s.duration_minutes for s in sessions} == {120}


def test_spring_forward_too(app, demo):
    workshop_id, _ = make_workshop(app, demo)
    with app.app_context():
        workshop = db.session.get(Workshop, workshop_id)
        sessions = services.plan_sessions(workshop, date(2027, 3, 24), time(9, 30), 90, True, date(2027, 4, 1), set())
        assert [s.starts_at.astimezone(UTC).hour for s in sessions] == [8, 7]


def test_recurrence_without_end_and_end_before_start_are_refused(app, demo):
    workshop_id, _ = make_workshop(app, demo)
    with app.app_context():
        workshop = db.session.get(Workshop, workshop_id)
        with pytest.raises(services.PlanningError):
            services.plan_sessions(workshop, date(2026, 10, 14), time(14), 60, True, None, set())
        with pytest.raises(services.PlanningError):
            services.plan_sessions(workshop, date(2026, 10, 14), time(14), 60, True, date(2026, 10, 1), set())
        with pytest.raises(services.PlanningError):
            services.plan_sessions(workshop, date(2026, 10, 14), time(14), 0, False, None, set())


def test_room_and_facilitator_double_booking_refused(app, demo):
    first_id, room_id = make_workshop(app, demo, title="Premier", facilitator="mediation.a")
    with app.app_context():
        first = db.session.get(Workshop, first_id)
        services.plan_sessions(first, date(2030, 12, 3), time(14), 120, False, None, set())
        db.session.commit()
        same_room = Workshop(association_id=demo["associations"]["a"], title="Même salle", room_id=room_id)
        db.session.add(same_room)
        db.session.flush()
        with pytest.raises(services.PlanningError, match="salle"):
            services.plan_sessions(same_room, date(2030, 12, 3), time(15), 60, False, None, set())
        # Back to back is fine.
        services.plan_sessions(same_room, date(2030, 12, 3), time(16), 60, False, None, set())
        db.session.rollback()
    other_id, _ = make_workshop(app, demo, title="Autre salle", facilitator="mediation.a")
    with app.app_context():
        other = db.session.get(Workshop, other_id)
        with pytest.raises(services.PlanningError, match="anime"):
            services.plan_sessions(other, date(2030, 11, 26), time(15), 60, True, date(2030, 12, 10), set())


def test_sessions_form_with_bad_input_shows_french_errors(app, demo, portal):
    workshop_id, _ = make_workshop(app, demo)
    client = portal.login_as("mediation.a")
    url = f"/ateliers/ateliers/{workshop_id}/seances"
    response = post_form(client, url, {"first_date": "2026-13-45", "start_time": "15:00", "end_time": "14:00",
                                       "weekly": "y", "until": "", "exceptions": "demain", "capacity": "0"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for message in ("Indiquez une date au format", "heure de fin doit être après",
                    "une date de fin", "séparées par des virgules", "Entre 1 et 100 places"):
        assert message in html, message
    assert 'value="demain"' in html  # nothing typed is lost
    # A last day typed wrong gets the date message alone, not "a weekly series needs a last day" on top.
    response = post_form(client, url, {"first_date": "02/12/2026", "start_time": "14:00", "end_time": "16:00",
                                       "weekly": "y", "until": "31/12/26"})
    html = response.get_data(as_text=True)
    assert "Indiquez une date au format AAAA-MM-JJ" in html and "une date de fin" not in html
    assert 'value="31/12/26"' in html
    response = post_form(client, url, {"first_date": "2026-12-02", "start_time": "14:00", "end_time": "16:00",
                                       "capacity": "500"})
    assert "Entre 1 et 100" in response.get_data(as_text=True)


def test_create_workshop_sessions_move_and_cancel_through_pages(app, demo, portal):
    client = portal.login_as("mediation.a")
    with app.app_context():
        association_id = demo["associations"]["a"]
    response = post_form(client, "/ateliers/salles", {"association_id": str(association_id), "name": "Salle bleue",
                                                      "capacity": "8"})
    assert response.status_code == 302
    with app.app_context():
        room_id = db.session.scalar(select(Room.id).where(Room.name == "Salle bleue"))
    response = post_form(client, "/ateliers/ateliers/nouveau", {
        "association_id": str(association_id), "title": "Découvrir la tablette", "description": "**Bienvenue**",
        "themes": ["prendre-en-main-du-materiel"], "level": "debutant", "room_id": str(room_id),
        "facilitators": [str(demo["users"]["mediation.a"])], "language": "français", "free": "y", "public": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        workshop_id = db.session.scalar(select(Workshop.id).where(Workshop.title == "Découvrir la tablette"))
    response = post_form(client, f"/ateliers/ateliers/{workshop_id}/seances", {
        "first_date": "2031-01-08", "start_time": "14:00", "end_time": "16:00", "weekly": "y", "until": "2031-02-05",
        "exceptions": "2031-01-22"})
    assert response.status_code == 302
    with app.app_context():
        sessions = db.session.scalars(select(Session).where(Session.workshop_id == workshop_id)
                                      .order_by(Session.starts_at)).all()
        assert len(sessions) == 4 and {s.capacity for s in sessions} == {8}
        first_id, second_id = sessions[0].id, sessions[1].id
    page = client.get(f"/ateliers/ateliers/{workshop_id}").get_data(as_text=True)
    assert "<strong>Bienvenue</strong>" in page and "08/01/2031 14:00" in page
    # Moving onto the next occurrence's slot is a double booking of the room.
    response = post_form(client, f"/ateliers/seances/{first_id}/deplacer",
                         {"day": "2031-01-15", "start_time": "15:00", "end_time": "16:00"})
    assert "déjà réservée" in response.get_data(as_text=True)
    # The move form opens on the session's day as a date input reads it; a day typed by hand is accepted.
    assert 'value="2031-01-08"' in client.get(f"/ateliers/seances/{first_id}/deplacer").get_data(as_text=True)
    response = post_form(client, f"/ateliers/seances/{first_id}/deplacer",
                         {"day": " 09/01/2031", "start_time": "10:00", "end_time": "12:00"})
    assert response.status_code == 302
    response = post_form(client, f"/ateliers/seances/{second_id}/annuler", form_url=f"/ateliers/seances/{second_id}")
    assert response.status_code == 302
    with app.app_context():
        moved = db.session.get(Session, first_id)
        assert services.local(moved.starts_at).strftime("%d %H") == "09 10"
        assert services.local(moved.original_start).strftime("%d %H") == "08 14"
        assert db.session.get(Session, second_id).status == CANCELLED


def test_room_capacity_limited_by_association(app, demo, portal):
    client = portal.login_as("direction.a")
    response = post_form(client, "/ateliers/salles", {"association_id": str(demo["associations"]["a"]),
                                                      "name": "Grande salle", "capacity": "60"})
    assert "accueille au plus" in response.get_data(as_text=True)
    response = post_form(client, "/ateliers/salles", {"association_id": str(demo["associations"]["b"]),
                                                      "name": "Chez B", "capacity": "5"})
    assert response.status_code == 200 and "Choisissez une des valeurs" in response.get_data(as_text=True)


def test_workshop_of_b_cannot_take_a_room_or_facilitator_of_a(app, demo, portal):
    _, room_b = make_workshop(app, demo, key="b", title="Chez B")
    client = portal.login_as("mediation.a")
    response = post_form(client, "/ateliers/ateliers/nouveau", {
        "association_id": str(demo["associations"]["a"]), "title": "Essai", "themes": ["email"],
        "level": "debutant", "room_id": str(room_b), "facilitators": [str(demo["users"]["mediation.b"])]})
    assert response.status_code == 200
    assert "Choisissez une des valeurs" in response.get_data(as_text=True)


def test_private_workshop_hidden_from_partner_and_other_association(app, demo, portal):
    workshop_id, _ = make_workshop(app, demo, key="b", title="Interne B", public=False)
    client = portal.login_as("mediation.a")
    assert client.get(f"/ateliers/ateliers/{workshop_id}").status_code == 404
    assert "Interne B" not in client.get("/ateliers/ateliers").get_data(as_text=True)
    coordinator = portal.new_client()
    from conftest import login
    login(coordinator, "coordination@example.org")
    assert coordinator.get(f"/ateliers/ateliers/{workshop_id}").status_code == 200


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_agenda_day_at_the_ends_of_the_calendar_falls_back_to_today(app, demo, portal, day):
    client = portal.login_as("mediation.a")
    for view in ("liste", "mois", "semaine"):
        assert client.get(f"/ateliers/?vue={view}&date={day}").status_code == 200, view
    assert client.get(f"/ateliers/export.csv?date={day}").status_code == 200
