"""The cofinancements in the public API: the catalogue is for the portal's people, so only with a token."""

from __future__ import annotations

import json

import pytest
from api_helpers import get_json, ids, make_token
from sqlalchemy import select

from qn_portal.extensions import db

URL = "/api/v1/cofinancements/opportunities"


@pytest.fixture
def config_overrides():
    return {"RATELIMIT_ENABLED": False}


def test_opportunities_need_a_token_with_the_cofinancements_scope(app, client, demo):
    from plugins.cofinancements.models import Opportunity

    with app.app_context():
        opportunity = db.session.scalar(select(Opportunity.id).order_by(Opportunity.id))
    assert get_json(client, URL)["items"] == []
    get_json(client, f"{URL}/{opportunity}", status=404)
    wrong = make_token(app, demo["users"]["mediation.a"], ["veille"])
    assert get_json(client, URL, wrong)["items"] == []
    right = make_token(app, demo["users"]["partenaire"], ["cofinancements"])
    assert opportunity in ids(client, f"{URL}?per_page=100", right)
    item = get_json(client, f"{URL}/{opportunity}", right)
    assert item["status"] in ("a_venir", "ouvert", "clos") and item["url"].endswith(f"/cofinancements/aides/{opportunity}")


def test_no_application_leaks(app, client, demo):
    from plugins.cofinancements.models import Application

    with app.app_context():
        application = Application(association_id=demo["associations"]["a"], title="Demande confidentielle de A",
                                  year=2026, notes="Négociation en cours avec la fondation")
        db.session.add(application)
        db.session.commit()
    token = make_token(app, demo["users"]["coordination"], ["cofinancements"])
    body = json.dumps(get_json(client, f"{URL}?per_page=100", token), ensure_ascii=False)
    assert "Demande confidentielle" not in body and "Négociation en cours" not in body


def test_filters(app, client, demo):
    token = make_token(app, demo["users"]["coordination"], ["cofinancements"])
    everything = get_json(client, f"{URL}?per_page=100", token)["items"]
    assert everything
    theme = next(code for item in everything for code in item["themes"])
    assert all(theme in item["themes"] for item in get_json(client, f"{URL}?per_page=100&theme={theme}", token)["items"])
    dated = [item for item in everything if item["deadline"]]
    if dated:
        day = dated[0]["deadline"]
        assert dated[0]["id"] in ids(client, f"{URL}?per_page=100&du={day}&au={day}", token)
    error = get_json(client, f"{URL}?aid_type=cadeau", token, status=400)["error"]
    assert "« aid_type »" in error["message"]
