"""The directory of actors: filters, a page per actor with its opening hours in French, the form's checks."""

from __future__ import annotations

import html

import pytest
from conftest import post_form, signed_in
from sqlalchemy import select

from qn_portal.extensions import db

OTHERS = ["ressources", "ateliers", "cofinancements", "echanges", "programme"]


@pytest.fixture
def config_overrides():
    return {"DISABLED_PLUGINS": OTHERS}


def test_directory_filters(app, demo):
    partner = signed_in(app, "partenaire")
    page = partner.get("/veille/acteurs/").get_data(as_text=True)
    assert "France Services Bordeaux Grand Parc" in page and "Emmaüs Connect Bordeaux" in page
    page = partner.get("/veille/acteurs/?commune=Lormont").get_data(as_text=True)
    assert "France Services Lormont Carriet" in page and "Emmaüs Connect" not in page
    page = partner.get("/veille/acteurs/?kind=mediatheque").get_data(as_text=True)
    assert "Médiathèque de Bacalan" in page and "CCAS de Cenon" not in page
    page = partner.get("/veille/acteurs/?service=reconditionn").get_data(as_text=True)
    assert "Recyclerie numérique de Pessac" in page and "CCAS de Cenon" not in page
    assert partner.get("/veille/acteurs/?commune=Paris&kind=%3Cx%3E&service=%25").status_code == 200
    assert app.test_client().get("/veille/acteurs/").status_code == 302


def test_actor_page_describes_hours_and_linked_posts(app, demo):
    from plugins.veille.models import VeilleActor

    with app.app_context():
        actor_id = db.session.scalar(select(VeilleActor.id).where(VeilleActor.name == "Emmaüs Connect Bordeaux"))
    partner = signed_in(app, "partenaire")
    page = partner.get(f"/veille/acteurs/{actor_id}").get_data(as_text=True)
    assert "Lundi" in page and "10 h – 13 h et 14 h – 17 h" in page
    assert "Emmaüs Connect ouvre des créneaux" in page  # a public post about it
    assert partner.get("/veille/acteurs/999999").status_code == 404


def test_actor_form_checks_everything(app, demo):
    coordinator = signed_in(app, "coordination")
    response = post_form(coordinator, "/veille/acteurs/nouveau", {
        "name": "Espace numérique des Aubiers", "kind": "inconnu", "commune": "Paris", "postal_code": "75001",
        "email": "pas-une-adresse", "phone": "abc", "website": "javascript:alert(1)",
        "opening_hours": "lundi matin"})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    for message in ("Choisissez un type de la liste.", "Choisissez une commune de Bordeaux Métropole.",
                    "code postal de Gironde", "Cette adresse e-mail n'est pas valide.",
                    "Ce numéro de téléphone n'est pas valide.", "commençant par https://",
                    "syntaxe OpenStreetMap"):
        assert message in page, message
    assert 'value="lundi matin"' in page  # nothing typed is lost
    response = post_form(coordinator, "/veille/acteurs/nouveau", {
        "name": "Espace numérique des Aubiers", "kind": "collectivite", "commune": "Bordeaux",
        "postal_code": "33300", "services": "Ateliers numériques, accès libre, ateliers numériques",
        "opening_hours": "Mo-Fr 09:00-12:00; PH off", "website": "https://aubiers.example.org"})
    assert response.status_code == 302
    page = coordinator.get(response.headers["Location"]).get_data(as_text=True)
    assert "ateliers numériques, accès libre" in page and "Fermé les jours fériés." in page
    assert "Espace numérique des Aubiers" in signed_in(app, "partenaire").get(
        "/recherche?q=espace+aubiers").get_data(as_text=True)
    actor_url = response.headers["Location"].replace("http://portail.test", "")
    response = post_form(coordinator, actor_url + "/modifier", {"name": "", "kind": "collectivite",
                                                              "commune": "Bordeaux"})
    assert "Indiquez le nom de l'acteur." in html.unescape(response.get_data(as_text=True))
    assert signed_in(app, "direction.a").get(actor_url + "/modifier").status_code == 403
