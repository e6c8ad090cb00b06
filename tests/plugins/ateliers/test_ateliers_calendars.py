"""Agenda views without JavaScript, iCalendar feeds checked by an independent expander, public pages, tokens."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import recurring_ical_events
from conftest import login, post_form
from icalendar import Calendar
from sqlalchemy import select

from plugins.ateliers import services
from plugins.ateliers.models import CalendarToken, Registration, Resident, Room, Session, Workshop
from qn_portal.api import db


def planned(app, demo, key="a", public=True, title="Atelier DST"):
    with app.app_context():
        room = Room(association_id=demo["associations"][key], name=f"Salle {title}", capacity=8)
        db.session.add(room)
        db.session.flush()
        workshop = Workshop(association_id=demo["associations"][key], title=title, themes="sante",
                            level="avance", room_id=room.id, public=public)
        db.session.add(workshop)
        db.session.flush()
        # Weekly on Wednesdays at 18:30 Paris, across the end of summer time (27 October 2030).
        sessions = services.plan_sessions(workshop, date(2030, 10, 9), time(18, 30), 90, True, date(2030, 11, 13),
                                          {date(2030, 10, 23)})
        services.move_session(sessions[1], date(2030, 10, 17), time(10, 0), 90)
        services.cancel_session(sessions[3])
        db.session.commit()
        return workshop.id, [s.id for s in sessions]


def expand(body: bytes, start=datetime(2030, 10, 1, tzinfo=UTC), end=datetime(2030, 12, 1, tzinfo=UTC)):
    calendar = Calendar.from_ical(body)
    events = recurring_ical_events.of(calendar).between(start, end)
    return calendar, events


def test_feed_matches_the_portal_across_dst_with_an_independent_expander(app, demo, client):
    workshop_id, session_ids = planned(app, demo)
    calendar, events = expand(client.get("/ateliers/agenda.ics").get_data())
    mine = [e for e in events if str(e["SUMMARY"]) == "Atelier DST"]
    live = sorted(e["DTSTART"].dt.astimezone(UTC) for e in mine if str(e.get("STATUS")) != "CANCELLED")
    with app.app_context():
        portal = sorted(s.starts_at for s in db.session.scalars(
            select(Session).where(Session.workshop_id == workshop_id, Session.status == "scheduled")))
    assert live == portal
    paris = [services.local(moment).strftime("%d/%m %H:%M") for moment in live]
    assert paris == ["09/10 18:30", "17/10 10:00", "30/10 18:30", "13/11 18:30"]
    # The UTC offsets differ on each side of the change: the feed did not keep a fixed offset.
    assert live[0].hour == 16 and live[-1].hour == 17
    cancelled = [e for e in mine if str(e.get("STATUS")) == "CANCELLED"]
    assert len(cancelled) == 1
    assert all((e["DTEND"].dt - e["DTSTART"].dt).total_seconds() == 90 * 60 for e in mine)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]


def test_public_feeds_hold_no_private_session_and_no_personal_data(app, demo, client):
    planned(app, demo, key="b", public=False, title="Atelier interne")
    with app.app_context():
        session = db.session.scalar(select(Session).join(Session.workshop).where(Workshop.public.is_(True)).limit(1))
        resident = Resident(association_id=session.association_id, first_name="Gisèle-Secrète", phone="0600000000")
        db.session.add(resident)
        db.session.flush()
        db.session.add(Registration(session_id=session.id, resident_id=resident.id))
        db.session.commit()
    for url in ("/ateliers/agenda.ics", f"/ateliers/a/{demo['slugs']['b']}/agenda.ics",
                f"/ateliers/a/{demo['slugs']['a']}", f"/ateliers/a/{demo['slugs']['b']}"):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        assert "Atelier interne" not in body and "Gisèle" not in body and "0600000000" not in body, url
    body = client.get(f"/ateliers/a/{demo['slugs']['a']}/agenda.ics").get_data()
    titles = {str(e["SUMMARY"]) for e in Calendar.from_ical(body).walk("VEVENT")}
    assert "Premiers pas sur smartphone" in titles and "Le courriel sans stress" not in titles
    assert client.get("/ateliers/a/pas-une-association").status_code == 404
    assert client.get("/ateliers/").status_code == 302  # the agenda itself needs an account


def test_personal_token_is_hashed_gives_the_private_view_and_can_be_revoked(app, demo, portal):
    planned(app, demo, key="a", public=False, title="Atelier interne A")
    client = portal.login_as("mediation.a")
    response = post_form(client, "/ateliers/abonnement", {"action": "create"})
    html = response.get_data(as_text=True)
    token = html.split("/ateliers/prive/")[1].split(".ics")[0]
    with app.app_context():
        stored = db.session.scalar(select(CalendarToken.token_hash))
    assert token not in stored and stored == services.hash_token(token)
    anonymous = portal.new_client()
    private = anonymous.get(f"/ateliers/prive/{token}.ics")
    assert private.status_code == 200 and b"Atelier interne A" in private.get_data()
    assert b"Atelier interne A" not in anonymous.get("/ateliers/agenda.ics").get_data()
    post_form(client, "/ateliers/abonnement", {"action": "revoke"})
    assert anonymous.get(f"/ateliers/prive/{token}.ics").status_code == 404
    assert anonymous.get("/ateliers/prive/nimportequoi.ics").status_code == 404


def test_agenda_month_week_and_list_with_filters(app, demo, portal):
    planned(app, demo)
    client = portal.login_as("partenaire")
    for view in ("mois", "semaine", "liste"):
        page = client.get(f"/ateliers/?vue={view}&date=2030-10-09&theme=sante&level=avance&commune=Bordeaux")
        assert page.status_code == 200, view
        assert "Atelier DST" in page.get_data(as_text=True), view
    filtered = client.get("/ateliers/?vue=mois&date=2030-10-09&theme=email").get_data(as_text=True)
    assert "Atelier DST" not in filtered
    # Nonsense in the query string is ignored, not a 500.
    assert client.get("/ateliers/?vue=annee&date=hier&theme=%3Cscript%3E&level=x&commune=y").status_code == 200
    assert client.get("/ateliers/?page=999").status_code == 404


def test_partner_sees_public_sessions_only(app, demo):
    planned(app, demo, key="a", public=False, title="Atelier interne A")
    client = app.test_client()
    login(client, "partenaire@example.org")
    page = client.get("/ateliers/?vue=mois&date=2030-10-09").get_data(as_text=True)
    assert "Atelier interne A" not in page
