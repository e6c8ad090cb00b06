"""Pages of the co-funding plugin, for each role, with the demo data."""

from __future__ import annotations

import pytest
from conftest import post_form
from sqlalchemy import select

from plugins.cofinancements.models import Application, Funder, Opportunity
from qn_portal.api import db


def ids(app, model, **where):
    with app.app_context():
        statement = select(model.id)
        for name, value in where.items():
            statement = statement.where(getattr(model, name) == value)
        return list(db.session.scalars(statement.order_by(model.id)))


@pytest.mark.parametrize("role", ["mediation.a", "direction.a", "coordination", "admin", "partenaire"])
def test_catalogue_pages_render_for_every_signed_in_role(portal, app, role):
    client = portal.login_as(role)
    funder_id = ids(app, Funder)[0]
    opportunity_id = ids(app, Opportunity)[0]
    for path in ("/cofinancements/", "/cofinancements/financeurs/", f"/cofinancements/financeurs/{funder_id}",
                 f"/cofinancements/aides/{opportunity_id}", "/cofinancements/alertes",
                 "/cofinancements/?q=numérique&theme=inclusion_numerique&open_now=y&commune=Bordeaux",
                 "/tableau-de-bord"):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)


def test_demo_has_gironde_funders_and_a_gap_for_a(portal, app, demo):
    client = portal.login_as("direction.a")
    page = client.get("/cofinancements/financeurs/").get_data(as_text=True)
    for name in ("Conseil départemental de la Gironde", "Bordeaux Métropole", "CAF de la Gironde", "Fondation Orange"):
        assert name in page
    plan = client.get(f"/cofinancements/plan/{demo['associations']['a']}").get_data(as_text=True)
    assert 'role="img"' in plan and "<title id=\"chart-title\">" in plan and "<desc id=\"chart-desc\">" in plan
    assert "Reste à financer" in plan and "<table>" in plan
    # 52 000 − 30 000 − 10 000 obtained = 12 000 € this year (narrow no-break spaces in French)
    assert "12\u202f000\u00a0€" in plan


def test_search_filters_and_sort_by_deadline(portal, app):
    client = portal.login_as("mediation.a")
    page = client.get("/cofinancements/?aid_type=don_materiel").get_data(as_text=True)
    assert "Don de matériel reconditionné" in page and "Fondation SNCF" not in page
    page = client.get("/cofinancements/?commune=Lormont").get_data(as_text=True)
    assert "Lormont et Cenon" in page and "Grand Parc et à Bacalan" not in page
    page = client.get("/cofinancements/?open_now=y").get_data(as_text=True)
    assert "FSE+ Inclusion" not in page  # its deadline has passed
    assert "Apprendre pour grandir" not in page  # not open yet
    page = client.get("/cofinancements/").get_data(as_text=True)
    assert page.index("FSE+ Inclusion") < page.index("FDVA 2") < page.index("Parentalité et numérique")
    response = client.get("/cofinancements/?amount=-5&deadline_before=demain")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Le montant doit être un nombre positif" in text and "La date limite doit être une date" in text


def test_partner_never_sees_applications_or_plans(portal, app, demo):
    client = portal.login_as("partenaire")
    application_id = ids(app, Application)[0]
    for path in ("/cofinancements/candidatures", f"/cofinancements/candidatures/{application_id}",
                 f"/cofinancements/plan/{demo['associations']['a']}", "/cofinancements/plan",
                 f"/cofinancements/plan/{demo['associations']['a']}.csv", "/cofinancements/pour-mon-association"):
        assert client.get(path).status_code in (403, 404), path
    assert "Grand Parc" not in client.get("/recherche?q=ateliers+seniors").get_data(as_text=True).split("<main")[1]


def test_member_of_a_cannot_reach_b_application_by_id(portal, app, demo):
    client = portal.login_as("mediation.a")
    b_application = ids(app, Application, association_id=demo["associations"]["b"])[0]
    assert client.get(f"/cofinancements/candidatures/{b_application}").status_code == 404
    response = post_form(client, f"/cofinancements/candidatures/{b_application}",
                         {"title": "Piratage", "status": "idee", "year": "2027"},
                         form_url="/cofinancements/candidatures/nouvelle")
    assert response.status_code == 404
    response = post_form(client, f"/cofinancements/candidatures/{b_application}/supprimer",
                         form_url="/cofinancements/candidatures/nouvelle")
    assert response.status_code == 404
    assert client.get(f"/cofinancements/candidatures?association={demo['associations']['b']}").status_code == 404
    assert client.get(f"/cofinancements/plan/{demo['associations']['b']}").status_code == 404
    board = client.get("/cofinancements/candidatures").get_data(as_text=True)
    assert "Permanences numériques à Lormont" not in board and "Ateliers numériques seniors" in board
    with app.app_context():
        assert db.session.get(Application, b_application).title == "Permanences numériques à Lormont"


def test_coordinator_sees_every_board(portal, app, demo):
    client = portal.login_as("coordination")
    board = client.get("/cofinancements/candidatures").get_data(as_text=True)
    assert "Permanences numériques à Lormont" in board and "Ateliers numériques seniors" in board
    board = client.get(f"/cofinancements/candidatures?association={demo['associations']['b']}").get_data(as_text=True)
    assert "Permanences numériques à Lormont" in board and "Ateliers numériques seniors" not in board


def test_association_panel_for_members_and_coordinators_only(portal, app, demo):
    slug = demo["slugs"]["a"]
    client = portal.login_as("mediation.a")
    assert "Reste à financer" in client.get(f"/associations/{slug}").get_data(as_text=True)
    other = portal.new_client()
    from conftest import login

    login(other, "mediation.b@example.org")
    assert "Reste à financer" not in other.get(f"/associations/{slug}").get_data(as_text=True)
    partner = portal.new_client()
    login(partner, "partenaire@example.org")
    assert "Reste à financer" not in partner.get(f"/associations/{slug}").get_data(as_text=True)


def test_dashboard_widget_shows_gap_and_followed_deadlines(portal, app):
    page = portal.login_as("mediation.a").get("/tableau-de-bord").get_data(as_text=True)
    assert "Reste à financer pour Grand Parc Connecté" in page
    assert "Soutien aux lieux de médiation numérique" in page  # followed, deadline in 25 days


def test_nav_item_and_disabled_plugin(portal, app):
    client = portal.login_as("mediation.a")
    assert 'href="/cofinancements/"' in client.get("/tableau-de-bord").get_data(as_text=True)


@pytest.mark.parametrize("config_overrides", [{"DISABLED_PLUGINS": ["cofinancements"]}])
def test_disabled_plugin_answers_404(portal, app):
    client = portal.login_as("mediation.a")
    assert client.get("/cofinancements/").status_code == 404
    assert 'href="/cofinancements/"' not in client.get("/tableau-de-bord").get_data(as_text=True)


def test_search_ignores_case_and_accents_and_matches_the_funder(portal, app):
    client = portal.login_as("mediation.a")
    for query in ("PARENTALITE numerique", "parentalité", "caf gironde"):
        page = client.get("/cofinancements/", query_string={"q": query}).get_data(as_text=True)
        assert "Parentalité et numérique" in page, query
    page = client.get("/cofinancements/", query_string={"q": "100%_"}).get_data(as_text=True)
    assert "Aucune aide ne correspond" in page


def test_applications_are_found_only_by_their_association(portal, app, demo):
    from conftest import login

    client = portal.login_as("mediation.a")
    post_form(client, "/cofinancements/candidatures/nouvelle",
              {"title": "Dossier zygomatique", "status": "idee", "year": "2027"})
    assert "Dossier zygomatique" in client.get("/recherche?q=zygomatique").get_data(as_text=True)
    for key in ("mediation.b", "partenaire"):
        other = portal.new_client()
        login(other, f"{key}@example.org")
        assert "Dossier zygomatique" not in other.get("/recherche?q=zygomatique").get_data(as_text=True), key
    coordinator = portal.new_client()
    login(coordinator, "coordination@example.org")
    assert "Dossier zygomatique" in coordinator.get("/recherche?q=zygomatique").get_data(as_text=True)
