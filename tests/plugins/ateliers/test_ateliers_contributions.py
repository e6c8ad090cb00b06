"""Nav entry, dashboard widget, association panel, search documents, demo data, disabling."""

from __future__ import annotations

import pytest
from conftest import login, post_form
from sqlalchemy import func, select

from plugins.ateliers.models import Registration, Resident, Session, Workshop
from qn_portal.api import db
from qn_portal.search import SearchEntry


def test_nav_widget_and_panel(app, demo, portal):
    client = portal.login_as("mediation.a")
    dashboard = client.get("/tableau-de-bord").get_data(as_text=True)
    assert 'href="/ateliers/"' in dashboard and "Prochains ateliers" in dashboard
    assert "place(s) libre(s)" in dashboard
    page = client.get(f"/associations/{demo['slugs']['a']}").get_data(as_text=True)
    assert "Page publique des ateliers" in page and "Premiers pas sur smartphone" in page


def test_demo_is_two_months_and_modest(app, demo):
    with app.app_context():
        sessions = db.session.scalars(select(Session)).all()
        span = max(s.starts_at for s in sessions) - min(s.starts_at for s in sessions)
        assert 50 <= span.days <= 62
        assert len(sessions) < 40 and db.session.scalar(select(func.count(Registration.id))) < 150
        assert any(s.attendance_taken for s in sessions)


def test_search_finds_workshops_never_residents(app, demo, portal):
    client = portal.login_as("mediation.a")
    response = post_form(client, "/ateliers/ateliers/nouveau", {
        "association_id": str(demo["associations"]["a"]), "title": "Visioconférence en famille",
        "description": "Appeler ses petits-enfants en visio", "themes": ["reseaux-sociaux"], "level": "debutant",
        "room_id": "", "language": "français"})
    assert response.status_code == 302
    assert "Visioconférence en famille" in client.get("/recherche?q=visioconference").get_data(as_text=True)
    # Not public (the box was left unticked): neither partners nor B find it; coordinators do.
    for key, found in (("partenaire", False), ("mediation.b", False), ("coordination", True)):
        other = portal.new_client()
        login(other, f"{key}@example.org")
        assert ("Visioconférence en famille" in other.get("/recherche?q=visioconference").get_data(as_text=True)) \
            is found, key
    with app.app_context():
        names = set(db.session.scalars(select(Resident.first_name)))
        texts = " ".join(f"{e.title} {e.text}" for e in db.session.scalars(
            select(SearchEntry).where(SearchEntry.plugin == "ateliers")))
        assert names and not any(name in texts for name in names if name)
        assert db.session.scalar(select(func.count(SearchEntry.id)).where(SearchEntry.plugin == "ateliers")) == \
            db.session.scalar(select(func.count(Workshop.id)))


def test_reindex_gives_the_same_documents(app, demo, runner):
    with app.app_context():
        before = set(db.session.execute(select(SearchEntry.key, SearchEntry.visibility)
                                        .where(SearchEntry.plugin == "ateliers")).all())
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    with app.app_context():
        after = set(db.session.execute(select(SearchEntry.key, SearchEntry.visibility)
                                       .where(SearchEntry.plugin == "ateliers")).all())
    assert before == after and before


@pytest.mark.parametrize("config_overrides", [{"DISABLED_PLUGINS": ["ateliers"]}])
def test_disabled_plugin_vanishes(app, demo, portal):
    client = portal.login_as("mediation.a")
    assert client.get("/ateliers/").status_code == 404
    assert client.get("/ateliers/agenda.ics").status_code == 404
    dashboard = client.get("/tableau-de-bord").get_data(as_text=True)
    assert "Prochains ateliers" not in dashboard and 'href="/ateliers/"' not in dashboard
