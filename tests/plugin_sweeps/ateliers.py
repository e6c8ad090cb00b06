"""Sweeps of the ateliers plugin: every route × role, B's objects, list pages, stored payloads."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

from access_matrix import BAD, FORBIDDEN, LOGIN, NOT_FOUND, OK, REDIRECT, Route, expect, signed_in  # noqa: F401

MANAGE = expect(FORBIDDEN, anonymous=LOGIN, mediator=OK, manager=OK, admin=OK)
MANAGE_REDIRECT = expect(FORBIDDEN, anonymous=LOGIN, mediator=REDIRECT, manager=REDIRECT, admin=REDIRECT)
RESIDENTS = expect(FORBIDDEN, anonymous=LOGIN, mediator=OK, manager=OK)
RESIDENTS_REDIRECT = expect(FORBIDDEN, anonymous=LOGIN, mediator=REDIRECT, manager=REDIRECT)
EVERYONE = expect(OK)


def _w(ctx, key="a"):
    return ctx["ateliers"][f"workshop_{key}"]


def _s(ctx, name):
    return ctx["ateliers"][name]


ROUTES = [
    Route("ateliers.index", "GET", "/ateliers/?vue=mois", signed_in()),
    Route("ateliers.workshops", "GET", "/ateliers/ateliers", signed_in()),
    Route("ateliers.workshops_csv", "GET", "/ateliers/ateliers/export.csv", signed_in()),
    Route("ateliers.index_csv", "GET", "/ateliers/export.csv?vue=liste&level=debutant&commune=Bordeaux", signed_in()),
    Route("ateliers.registrations_csv", "GET", lambda ctx: f"/ateliers/seances/{_s(ctx, 'session_a')}/export.csv",
          RESIDENTS),
    Route("ateliers.residents_csv", "GET", "/ateliers/participants/export.csv", RESIDENTS),
    Route("ateliers.rooms_csv", "GET", "/ateliers/salles/export.csv",
          expect(FORBIDDEN, anonymous=LOGIN, mediator=OK, manager=OK, coordinator=OK, admin=OK)),
    Route("ateliers.workshop_new", "GET", "/ateliers/ateliers/nouveau", MANAGE),
    Route("ateliers.workshop_new", "POST", "/ateliers/ateliers/nouveau", MANAGE, data=lambda ctx: {"title": ""}),
    Route("ateliers.workshop", "GET", lambda ctx: f"/ateliers/ateliers/{_w(ctx)}", signed_in()),
    Route("ateliers.workshop_edit", "GET", lambda ctx: f"/ateliers/ateliers/{_w(ctx)}/modifier", MANAGE),
    Route("ateliers.workshop_edit", "POST", lambda ctx: f"/ateliers/ateliers/{_w(ctx)}/modifier", MANAGE,
          data=lambda ctx: {"title": ""}),
    Route("ateliers.sessions_new", "GET", lambda ctx: f"/ateliers/ateliers/{_w(ctx)}/seances", MANAGE),
    Route("ateliers.sessions_new", "POST", lambda ctx: f"/ateliers/ateliers/{_w(ctx)}/seances", MANAGE,
          data=lambda ctx: {"first_date": ""}),
    Route("ateliers.session", "GET", lambda ctx: f"/ateliers/seances/{_s(ctx, 'session_a')}", signed_in()),
    Route("ateliers.register", "POST", lambda ctx: f"/ateliers/seances/{_s(ctx, 'session_a')}/inscrire", RESIDENTS,
          data=lambda ctx: {"first_name": ""}),
    Route("ateliers.registration_cancel", "POST",
          lambda ctx: f"/ateliers/inscriptions/{_s(ctx, 'registration_a')}/annuler", RESIDENTS_REDIRECT),
    Route("ateliers.session_move", "GET", lambda ctx: f"/ateliers/seances/{_s(ctx, 'session_a')}/deplacer", MANAGE),
    Route("ateliers.session_move", "POST", lambda ctx: f"/ateliers/seances/{_s(ctx, 'session_a')}/deplacer", MANAGE,
          data=lambda ctx: {"day": ""}),
    Route("ateliers.session_cancel", "POST", lambda ctx: f"/ateliers/seances/{_s(ctx, 'session_a2')}/annuler",
          MANAGE_REDIRECT),
    Route("ateliers.attendance", "GET", lambda ctx: f"/ateliers/seances/{_s(ctx, 'past_a')}/emargement", RESIDENTS),
    Route("ateliers.attendance", "POST", lambda ctx: f"/ateliers/seances/{_s(ctx, 'past_a')}/emargement",
          RESIDENTS_REDIRECT),
    Route("ateliers.rooms", "GET", "/ateliers/salles",
          expect(FORBIDDEN, anonymous=LOGIN, mediator=OK, manager=OK, coordinator=OK, admin=OK)),
    Route("ateliers.rooms", "POST", "/ateliers/salles", MANAGE, data=lambda ctx: {"name": ""}),
    Route("ateliers.residents", "GET", "/ateliers/participants", RESIDENTS),
    Route("ateliers.figures", "GET", "/ateliers/chiffres",
          expect(OK, anonymous=LOGIN, partner=FORBIDDEN)),
    Route("ateliers.figures_csv", "GET", "/ateliers/chiffres.csv",
          expect(OK, anonymous=LOGIN, partner=FORBIDDEN)),
    Route("ateliers.agenda_ics", "GET", "/ateliers/agenda.ics", EVERYONE),
    Route("ateliers.association_page", "GET", lambda ctx: f"/ateliers/a/{ctx['slugs']['a']}", EVERYONE),
    Route("ateliers.association_ics", "GET", lambda ctx: f"/ateliers/a/{ctx['slugs']['a']}/agenda.ics", EVERYONE),
    Route("ateliers.association_widget", "GET", lambda ctx: f"/ateliers/a/{ctx['slugs']['a']}/widget.html", EVERYONE),
    Route("ateliers.embed", "GET", lambda ctx: f"/ateliers/a/{ctx['slugs']['a']}/integrer",
          expect(FORBIDDEN, anonymous=LOGIN, manager=OK, coordinator=OK, admin=OK)),
    Route("ateliers.private_ics", "GET", "/ateliers/prive/pas-un-jeton.ics", expect(NOT_FOUND)),
    Route("ateliers.subscription", "GET", "/ateliers/abonnement", signed_in()),
    Route("ateliers.subscription", "POST", "/ateliers/abonnement", signed_in(OK),
          data=lambda ctx: {"action": "create"}),
    Route("ateliers.refer", "GET", lambda ctx: f"/ateliers/seances/{_s(ctx, 'session_a')}/orienter",
          expect(FORBIDDEN, anonymous=LOGIN, partner=OK, admin=OK)),
    Route("ateliers.refer", "POST", lambda ctx: f"/ateliers/seances/{_s(ctx, 'session_a')}/orienter",
          expect(FORBIDDEN, anonymous=LOGIN, partner=OK, admin=OK), data=lambda ctx: {"first_name": ""}),
    Route("ateliers.referrals", "GET", "/ateliers/orientations", signed_in()),
    Route("ateliers.referrals_csv", "GET", "/ateliers/orientations/export.csv", signed_in()),
    Route("ateliers.referral_answer", "POST",
          lambda ctx: f"/ateliers/orientations/{_s(ctx, 'referral_a')}/repondre",
          expect(NOT_FOUND, anonymous=LOGIN, mediator=REDIRECT, manager=REDIRECT),
          data=lambda ctx: {"decision": "decline"}),
]

CROSS_ASSOCIATION = [
    ("the registrations of B's session, as CSV", "GET",
     lambda ctx: f"/ateliers/seances/{_s(ctx, 'session_b')}/export.csv"),
    ("B's private workshop", "GET", lambda ctx: f"/ateliers/ateliers/{ctx['ateliers']['private_b']}"),
    ("B's workshop form", "GET", lambda ctx: f"/ateliers/ateliers/{_w(ctx, 'b')}/modifier"),
    ("B's workshop, saved", "POST", lambda ctx: f"/ateliers/ateliers/{_w(ctx, 'b')}/modifier",
     lambda ctx: {"title": "Repris", "themes": "email", "level": "debutant", "room_id": ""}),
    ("sessions added to B's workshop", "POST", lambda ctx: f"/ateliers/ateliers/{_w(ctx, 'b')}/seances",
     lambda ctx: {"first_date": "2031-01-08", "start_time": "10:00", "end_time": "11:00"}),
    ("B's session moved", "POST", lambda ctx: f"/ateliers/seances/{_s(ctx, 'session_b')}/deplacer",
     lambda ctx: {"day": "2031-01-09", "start_time": "10:00", "end_time": "11:00"}),
    ("B's session cancelled", "POST", lambda ctx: f"/ateliers/seances/{_s(ctx, 'session_b')}/annuler"),
    ("a registration in B's session", "POST", lambda ctx: f"/ateliers/seances/{_s(ctx, 'session_b')}/inscrire",
     lambda ctx: {"first_name": "Intrus", "consent": "y", "scope": "session"}),
    ("B's registration cancelled", "POST",
     lambda ctx: f"/ateliers/inscriptions/{_s(ctx, 'registration_b')}/annuler"),
    ("B's attendance sheet", "GET", lambda ctx: f"/ateliers/seances/{_s(ctx, 'past_b')}/emargement"),
    ("B's attendance, saved", "POST", lambda ctx: f"/ateliers/seances/{_s(ctx, 'past_b')}/emargement",
     lambda ctx: {"present": []}),
    ("B's referral answered", "POST", lambda ctx: f"/ateliers/orientations/{_s(ctx, 'referral_b')}/repondre",
     lambda ctx: {"decision": "accept"}),
    ("B's widget snippets", "GET", lambda ctx: f"/ateliers/a/{ctx['slugs']['b']}/integrer"),
    ("B's figures", "GET", lambda ctx: f"/ateliers/chiffres?association={ctx['associations']['b']}"),
]

# The public API (the session cookie counts for nothing there): public sessions only.
ROUTES += [
    Route("public_api.resource", "GET", "/api/v1/ateliers/sessions?commune=Bordeaux&theme=email&du=2020-01-01",
          expect(OK)),
    Route("public_api.resource", "GET", lambda ctx: f"/api/v1/ateliers/sessions/{ctx['ateliers']['session_a']}",
          expect(OK)),
]

LIST_PAGES = [
    "/api/v1/ateliers/sessions",
    "/ateliers/export.csv", "/ateliers/ateliers/export.csv", "/ateliers/salles/export.csv",
    "/ateliers/orientations/export.csv",
    "/ateliers/", "/ateliers/?vue=mois", "/ateliers/?vue=semaine", "/ateliers/ateliers", "/ateliers/salles",
    "/ateliers/orientations", "/ateliers/chiffres", "/ateliers/agenda.ics",
    lambda ctx: f"/ateliers/a/{ctx['slugs']['a']}", lambda ctx: f"/ateliers/seances/{ctx['ateliers']['session_a']}",
    lambda ctx: f"/ateliers/ateliers/{ctx['ateliers']['workshop_a']}",
    lambda ctx: f"/ateliers/a/{ctx['slugs']['a']}/widget.html", lambda ctx: f"/ateliers/a/{ctx['slugs']['a']}/integrer",
]


def context(app, ctx):
    from sqlalchemy import select

    from plugins.ateliers import services
    from plugins.ateliers.models import Referral, Registration, Resident, Session, Workshop
    from qn_portal.api import db, utcnow

    ids = {}
    with app.app_context():
        for key in ("a", "b"):
            association_id = ctx["associations"][key]
            workshop = db.session.scalar(select(Workshop).where(Workshop.association_id == association_id,
                                                                Workshop.public.is_(True)).order_by(Workshop.id))
            upcoming = db.session.scalars(select(Session).where(Session.workshop_id == workshop.id,
                                                                Session.starts_at > utcnow())
                                          .order_by(Session.starts_at)).all()
            past = db.session.scalar(select(Session.id).where(Session.workshop_id == workshop.id,
                                                              Session.ends_at < utcnow()).limit(1))
            resident = Resident(association_id=association_id, first_name=f"Sweep {key}")
            db.session.add(resident)
            db.session.flush()
            registration = services.register(upcoming[0].id, resident.id)
            referral = Referral(session_id=upcoming[0].id, association_id=association_id,
                                partner_id=ctx["users"]["partenaire"], first_name=f"Orienté {key}")
            db.session.add(referral)
            db.session.flush()
            ids.update({f"workshop_{key}": workshop.id, f"session_{key}": upcoming[0].id,
                        f"session_{key}2": upcoming[1].id, f"past_{key}": past,
                        f"registration_{key}": registration.id, f"referral_{key}": referral.id})
        private = Workshop(association_id=ctx["associations"]["b"], title="Atelier interne de B", public=False,
                           themes="email")
        db.session.add(private)
        db.session.flush()
        ids["private_b"] = private.id
        db.session.commit()
        assert db.session.get(Registration, ids["registration_a"]) is not None
    return {"ateliers": ids}


def add_rows(app, ctx, count, offset):
    from plugins.ateliers import services
    from plugins.ateliers.models import Referral, Registration, Resident, Room, Session, Workshop
    from qn_portal.api import db

    association_id = ctx["associations"]["a"]
    with app.app_context():
        for i in range(offset, offset + count):
            room = Room(association_id=association_id, name=f"Salle {i}", capacity=10)
            workshop = Workshop(association_id=association_id, title=f"Atelier en nombre {i}", themes="email",
                                room=room)
            db.session.add_all([room, workshop])
            db.session.flush()
            day = date.today() + timedelta(days=1 + i % 5)
            start = services.to_utc(day, time(8 + i % 10, 0))
            session = Session(workshop_id=workshop.id, association_id=association_id, room_id=room.id,
                              original_start=start, starts_at=start, ends_at=start + timedelta(hours=1))
            resident = Resident(association_id=association_id, first_name=f"Personne {i}")
            db.session.add_all([session, resident])
            db.session.flush()
            db.session.add(Registration(session_id=session.id, resident_id=resident.id))
            db.session.add(Registration(session_id=ctx["ateliers"]["session_a"], resident_id=resident.id,
                                        status="waitlisted"))
            db.session.add(Referral(session_id=session.id, association_id=association_id,
                                    partner_id=ctx["users"]["admin"], first_name=f"Orienté {i}"))
            services.index_workshop(workshop)
        db.session.commit()


def linked_resource_line(client, token, payload) -> str:
    """A line for the "Ressources liées" field: a resource titled with the payload (made in ``ressources``),
    followed by the payload as the note the field ignores. Empty when the resource could not be made."""
    response = client.post("/ressources/nouvelle", content_type="multipart/form-data", data={
        "csrf_token": token, "title": payload[:200].strip() or "x", "kind": "fiche", "level": "debutant",
        "licence": "cc-by-4.0", "visibility": "community", "status": "published"})
    match = re.search(r"/ressources/(\d+)$", response.headers.get("Location", ""))
    if not match:
        return ""
    return f"/ressources/{match.group(1)} " + " ".join(payload.split())[:200]


def store_payload(client, token, payload, ctx):
    association_id = str(ctx["associations"]["a"])
    client.post("/ateliers/salles", data={"csrf_token": token, "association_id": association_id,
                                          "name": payload[:120], "capacity": "8"})
    line = linked_resource_line(client, token, payload)
    response = client.post("/ateliers/ateliers/nouveau", data={
        "csrf_token": token, "association_id": association_id, "title": payload[:200], "description": payload,
        "themes": "email", "level": "debutant", "room_id": "", "audience": payload[:200],
        "language": payload[:60], "accessibility": payload[:500], "public": "y", "resources": line})
    assert not line or response.status_code == 302, f"the workshop with a linked resource was refused: {line!r}"
    pages = ["/ateliers/ateliers", "/ateliers/salles", "/ateliers/", "/ateliers/orientations",
             f"/ateliers/a/{ctx['slugs']['a']}", "/tableau-de-bord", f"/ateliers/a/{ctx['slugs']['a']}/widget.html",
             f"/ateliers/a/{ctx['slugs']['a']}/integrer"]
    match = re.search(r"/ateliers/ateliers/(\d+)/seances", response.headers.get("Location", ""))
    if match:
        workshop_id = match.group(1)
        client.post(f"/ateliers/ateliers/{workshop_id}/seances", data={
            "csrf_token": token, "first_date": (date.today() + timedelta(days=3)).isoformat(),
            "start_time": "20:00", "end_time": "21:00"})
        pages += [f"/ateliers/ateliers/{workshop_id}", f"/ateliers/ateliers/{workshop_id}/modifier"]
    client.post(f"/ateliers/seances/{ctx['ateliers']['session_a']}/orienter", data={
        "csrf_token": token, "first_name": payload[:80], "note": payload[:500], "consent": "y"})
    pages.append(f"/ateliers/seances/{ctx['ateliers']['session_a']}")
    return pages
