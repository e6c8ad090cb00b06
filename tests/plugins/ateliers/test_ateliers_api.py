"""The ateliers' sessions in the public API: public workshops only without the right token, filters, no resident."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from api_helpers import get_json, ids, make_token
from sqlalchemy import select

from qn_portal.extensions import db

URL = "/api/v1/ateliers/sessions"


@pytest.fixture
def config_overrides():
    return {"RATELIMIT_ENABLED": False}


@pytest.fixture
def private_session(app, demo):
    """A session of a non-public workshop of B, tomorrow."""
    from plugins.ateliers.models import Session, Workshop
    from qn_portal.dbtypes import utcnow

    with app.app_context():
        workshop = Workshop(association_id=demo["associations"]["b"], title="Atelier interne de B", public=False,
                            themes="email")
        db.session.add(workshop)
        db.session.flush()
        start = utcnow() + timedelta(days=1)
        session = Session(workshop_id=workshop.id, association_id=workshop.association_id, original_start=start,
                          starts_at=start, ends_at=start + timedelta(hours=2), capacity=8)
        db.session.add(session)
        db.session.commit()
        return session.id


def test_a_non_public_session_needs_a_token_of_its_association_with_the_ateliers_scope(app, client, demo,
                                                                                      private_session):
    assert private_session not in ids(client, f"{URL}?per_page=100")
    get_json(client, f"{URL}/{private_session}", status=404)
    wrong_scope = make_token(app, demo["users"]["mediation.b"], ["veille", "associations"])
    get_json(client, f"{URL}/{private_session}", wrong_scope, status=404)
    other_association = make_token(app, demo["users"]["mediation.a"], ["ateliers"])
    get_json(client, f"{URL}/{private_session}", other_association, status=404)
    partner = make_token(app, demo["users"]["partenaire"], ["ateliers"])
    get_json(client, f"{URL}/{private_session}", partner, status=404)
    right = make_token(app, demo["users"]["mediation.b"], ["ateliers"])
    item = get_json(client, f"{URL}/{private_session}", right)
    assert item["workshop"]["public"] is False and item["workshop"]["title"] == "Atelier interne de B"
    assert private_session in ids(client, f"{URL}?per_page=100", right)


def test_public_sessions_carry_seats_but_never_residents(app, client, demo):
    from plugins.ateliers import services
    from plugins.ateliers.models import Resident, Session, Workshop
    from qn_portal.dbtypes import utcnow

    with app.app_context():
        session = db.session.scalar(select(Session).join(Session.workshop).where(
            Workshop.public.is_(True), Session.starts_at > utcnow()).order_by(Session.starts_at))
        resident = Resident(association_id=session.association_id, first_name="Josiane-Témoin")
        db.session.add(resident)
        db.session.flush()
        services.register(session.id, resident.id)
        db.session.commit()
        session_id = session.id
    item = get_json(client, f"{URL}/{session_id}")
    assert item["seats_taken"] >= 1 and item["url"] == f"http://portail.test/ateliers/seances/{session_id}"
    secret = make_token(app, demo["users"]["admin"], ["ateliers"])
    for who in (None, secret):
        assert "Josiane-Témoin" not in json.dumps(get_json(client, f"{URL}?per_page=100", who), ensure_ascii=False)


def test_old_public_sessions_leave_the_anonymous_list_as_they_leave_the_public_calendar(app, client, demo):
    from plugins.ateliers.models import Session, Workshop
    from qn_portal.dbtypes import utcnow

    with app.app_context():
        workshop = db.session.scalar(select(Workshop).where(Workshop.public.is_(True)).order_by(Workshop.id))
        start = utcnow() - timedelta(days=200)
        old = Session(workshop_id=workshop.id, association_id=workshop.association_id, original_start=start,
                      starts_at=start, ends_at=start + timedelta(hours=1), capacity=5)
        db.session.add(old)
        db.session.commit()
        old_id = old.id
    get_json(client, f"{URL}/{old_id}", status=404)
    secret = make_token(app, demo["users"]["coordination"], ["ateliers"])
    get_json(client, f"{URL}/{old_id}", secret)


def test_filters_commune_theme_and_dates(app, client, demo):
    from plugins.ateliers.models import Session
    from qn_portal.dbtypes import utcnow

    everything = get_json(client, f"{URL}?per_page=100")["items"]
    assert everything
    commune = everything[0]["commune"]
    in_commune = get_json(client, f"{URL}?per_page=100&commune={commune.lower()}")["items"]
    assert in_commune and {item["commune"] for item in in_commune} == {commune}
    theme = next(code for item in everything for code in item["workshop"]["themes"])
    assert all(theme in item["workshop"]["themes"] for item in get_json(client, f"{URL}?per_page=100&theme={theme}")["items"])
    with app.app_context():
        first = db.session.scalar(select(Session).where(Session.starts_at > utcnow()).order_by(Session.starts_at))
        from zoneinfo import ZoneInfo

        day = first.starts_at.astimezone(ZoneInfo("Europe/Paris")).date()
    same_day = get_json(client, f"{URL}?per_page=100&du={day}&au={day}")["items"]
    assert same_day and {item["starts_at"][:10] for item in same_day} <= {str(day), str(day - timedelta(days=1))}
    assert get_json(client, f"{URL}?du={day + timedelta(days=1)}&au={day}")["items"] == []
