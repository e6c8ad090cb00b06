"""Referrals by partners, the association's answer, suggestions elsewhere, and cancellation notices."""

from __future__ import annotations

from conftest import login, post_form
from sqlalchemy import select

from plugins.ateliers import services
from plugins.ateliers.models import ACCEPTED, CONFIRMED, Referral, Registration, Resident, Session, Workshop
from qn_portal.api import db, utcnow
from qn_portal.notifications.models import Notification


def upcoming(app, demo, key):
    with app.app_context():
        return db.session.scalar(select(Session.id).join(Session.workshop).where(
            Session.association_id == demo["associations"][key], Session.starts_at > utcnow(),
            Workshop.public.is_(True)).order_by(Session.starts_at).limit(1))


def kinds_for(app, user_id):
    with app.app_context():
        return set(db.session.scalars(select(Notification.kind).where(Notification.user_id == user_id)))


def test_partner_refers_association_accepts_partner_sees_outcome(app, demo, portal):
    session_id = upcoming(app, demo, "a")
    partner = portal.login_as("partenaire")
    url = f"/ateliers/seances/{session_id}/orienter"
    response = post_form(partner, url, {"first_name": "", "phone": "abc"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Indiquez un prénom" in html and "consentement" in html
    response = post_form(partner, url, {"first_name": "Mireille", "note": "Besoin d'aide pour ameli", "consent": "y"})
    assert response.status_code == 302
    assert "ateliers.referral_received" in kinds_for(app, demo["users"]["mediation.a"])
    assert "ateliers.referral_received" not in kinds_for(app, demo["users"]["mediation.b"])
    assert "En attente" in partner.get("/ateliers/orientations").get_data(as_text=True)
    with app.app_context():
        referral_id = db.session.scalar(select(Referral.id))
    # B's mediator may neither see nor answer it.
    other = portal.new_client()
    login(other, "mediation.b@example.org")
    assert "Mireille" not in other.get("/ateliers/orientations").get_data(as_text=True)
    assert post_form(other, f"/ateliers/orientations/{referral_id}/repondre", {"decision": "accept"},
                     form_url="/ateliers/orientations").status_code == 404
    mediator = portal.new_client()
    login(mediator, "mediation.a@example.org")
    assert "Mireille" in mediator.get("/ateliers/orientations").get_data(as_text=True)
    response = post_form(mediator, f"/ateliers/orientations/{referral_id}/repondre", {"decision": "accept"},
                         form_url="/ateliers/orientations")
    assert response.status_code == 302
    with app.app_context():
        referral = db.session.get(Referral, referral_id)
        assert referral.status == ACCEPTED
        registration = db.session.scalar(select(Registration).where(Registration.referral_id == referral_id))
        assert registration.session_id == session_id and registration.status == CONFIRMED
    assert "ateliers.referral_answered" in kinds_for(app, demo["users"]["partenaire"])
    assert "Acceptée" in partner.get("/ateliers/orientations").get_data(as_text=True)
    # Answering twice is refused.
    response = post_form(mediator, f"/ateliers/orientations/{referral_id}/repondre", {"decision": "decline"},
                         form_url="/ateliers/orientations", follow_redirects=True)
    assert "déjà reçu une réponse" in response.get_data(as_text=True)
    # Cancelling the session tells the mediator who registered people and the partner who referred.
    with app.app_context():
        db.session.get(Registration, registration.id).registered_by_id = demo["users"]["mediation.a"]
        db.session.commit()
    direction = portal.new_client()
    login(direction, "direction.a@example.org")
    assert post_form(direction, f"/ateliers/seances/{session_id}/annuler",
                     form_url=f"/ateliers/seances/{session_id}").status_code == 302
    assert "ateliers.session_cancelled" in kinds_for(app, demo["users"]["partenaire"])
    assert "ateliers.session_cancelled" in kinds_for(app, demo["users"]["mediation.a"])


def test_only_partners_refer(app, demo, portal):
    session_id = upcoming(app, demo, "a")
    client = portal.login_as("mediation.b")
    assert client.get(f"/ateliers/seances/{session_id}/orienter").status_code == 403


def test_full_session_suggests_matching_sessions_elsewhere(app, demo, portal):
    session_id = upcoming(app, demo, "a")
    with app.app_context():
        session = db.session.get(Session, session_id)
        # Same level and a shared theme in B: make B's workshop match A's first one.
        b_workshop = db.session.scalar(select(Workshop).where(Workshop.association_id == demo["associations"]["b"]))
        b_workshop.level, b_workshop.themes = session.workshop.level, session.workshop.themes
        session.capacity = 1
        taken = services.confirmed_count(session_id)
        for index in range(max(0, 1 - taken)):
            resident = Resident(association_id=session.association_id, first_name=f"Plein {index}")
            db.session.add(resident)
            db.session.flush()
            services.register(session_id, resident.id)
        db.session.commit()
        suggestions = services.suggestions(db.session.get(Session, session_id))
        assert suggestions and all(s.association_id == demo["associations"]["b"] for s, _ in suggestions)
        assert all(left > 0 for _, left in suggestions)
    page = portal.login_as("partenaire").get(f"/ateliers/seances/{session_id}/orienter").get_data(as_text=True)
    assert "complète" in page and "Le courriel sans stress" in page
