"""The library's pages in a real Chromium: axe for each role, and the resource form with errors, without
JavaScript, on a phone."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from .test_journeys import assert_accessible, assert_no_horizontal_scroll, sign_in

pytestmark = pytest.mark.browser


def ids(app) -> dict[str, int]:
    from plugins.ressources.models import Collection, Resource
    from qn_portal.extensions import db

    with app.app_context():
        return {
            "sms": db.session.scalar(select(Resource.id).where(Resource.title == "Envoyer son premier SMS avec photo")),
            "falc": db.session.scalar(select(Resource.id).where(Resource.title.like("Lire un courrier%"))),
            "collection": db.session.scalar(select(Collection.id).where(Collection.shared.is_(True))),
        }


def pages_for(role: str, found: dict[str, int]) -> list[str]:
    sms, falc, collection = found["sms"], found["falc"], found["collection"]
    common = ["/ressources/", "/ressources/?kind=fiche&level=debutant&q=atelier", f"/ressources/{sms}",
              f"/ressources/{falc}", "/ressources/collections", f"/ressources/collections/{collection}",
              "/ressources/abonnements", "/ressources/favoris"]
    return {
        "mediation.a": [*common, "/ressources/nouvelle", f"/ressources/{sms}/modifier",
                        f"/ressources/{sms}/historique", f"/ressources/{sms}/historique/1",
                        f"/ressources/{sms}/adapter", f"/ressources/{sms}/signaler", f"/ressources/{sms}/supprimer",
                        "/ressources/collections/nouvelle", "/tableau-de-bord"],
        "coordination": [*common, "/ressources/moderation", "/ressources/themes", f"/ressources/{falc}/supprimer"],
        "partenaire": common,
    }[role]


@pytest.mark.parametrize("role", ["mediation.a", "coordination", "partenaire"])
def test_ressources_pages_are_accessible(browser, live_server, role):
    found = ids(live_server.app)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    page = context.new_page()
    sign_in(page, live_server.url, role)
    for path in pages_for(role, found):
        response = page.goto(live_server.url + path)
        assert response.status == 200, f"{path}: {response.status}"
        assert_accessible(page, path, role)
    context.close()


def test_visitor_sees_public_resources_accessibly(browser, live_server):
    found = ids(live_server.app)
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    for path in ["/ressources/", f"/ressources/{found['sms']}"]:
        assert page.goto(live_server.url + path).status == 200
        assert_accessible(page, path, "anonymous")
    context.close()


def test_resource_form_errors_without_javascript_on_a_phone(browser, live_server):
    context = browser.new_context(viewport={"width": 360, "height": 640}, java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    base = live_server.url
    sign_in(page, base, "mediation.a")
    page.goto(base + "/ressources/nouvelle")
    assert_no_horizontal_scroll(page, "resource form")
    page.fill("#summary", "Un résumé à garder")
    page.fill("#duration_minutes", "0")
    page.fill("#links", "pas une adresse")
    page.click("main form button[type=submit]")
    assert "Indiquez un titre." in page.inner_text("#title-error")
    assert "Entre 1 et 1440" in page.inner_text("#duration_minutes-error")
    assert "https://" in page.inner_text("#links-error")
    assert page.input_value("#summary") == "Un résumé à garder"
    assert page.get_attribute("#title", "aria-invalid") == "true"
    assert "title-error" in page.get_attribute("#title", "aria-describedby")
    assert page.locator('.error-summary a[href="#title"]').count() == 1
    assert_no_horizontal_scroll(page, "resource form with errors")
    context.close()
