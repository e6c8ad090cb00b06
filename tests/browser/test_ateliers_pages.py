"""The workshop pages in a real Chromium: axe on the main pages per role, and a form with errors on a phone
without JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .test_journeys import assert_accessible, assert_no_horizontal_scroll, sign_in

pytestmark = pytest.mark.browser

PAGES = {
    "mediation.a": ["/ateliers/", "/ateliers/?vue=mois", "/ateliers/?vue=semaine", "/ateliers/ateliers",
                    "/ateliers/ateliers/1", "/ateliers/ateliers/1/modifier", "/ateliers/ateliers/1/seances",
                    "/ateliers/ateliers/nouveau", "/ateliers/salles", "/ateliers/participants",
                    "/ateliers/orientations", "/ateliers/chiffres", "/ateliers/abonnement"],
    "partenaire": ["/ateliers/", "/ateliers/ateliers/1", "/ateliers/orientations"],
    "coordination": ["/ateliers/?vue=mois", "/ateliers/chiffres", "/ateliers/salles"],
}


def first_session_pages(page, base):
    """The session pages of workshop 1: its first upcoming session, from the workshop page's links."""
    page.goto(base + "/ateliers/ateliers/1")
    links = page.locator("main .results a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    return links


@pytest.mark.parametrize("role", sorted(PAGES))
def test_ateliers_pages_are_accessible(browser, live_server, role):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    page = context.new_page()
    sign_in(page, live_server.url, role)
    paths = list(PAGES[role])
    sessions = first_session_pages(page, live_server.url)
    paths += [sessions[0], sessions[-1]]
    if role == "mediation.a":
        paths += [sessions[0] + "/emargement", sessions[-1] + "/deplacer"]
    if role == "partenaire":
        paths += [sessions[-1] + "/orienter"]
    for path in paths:
        response = page.goto(live_server.url + path)
        assert response.status == 200, f"{path}: {response.status}"
        assert_accessible(page, path, role)
    context.close()


def test_public_page_is_accessible_signed_out(browser, live_server):
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    response = page.goto(live_server.url + "/ateliers/a/grand-parc-connecte")
    assert response.status == 200
    assert_accessible(page, "/ateliers/a/grand-parc-connecte", "anonymous")
    context.close()


def test_widget_snippets_page_is_accessible_on_a_phone(browser, live_server):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="fr-FR")
    page = context.new_page()
    sign_in(page, live_server.url, "direction.a")
    path = "/ateliers/a/grand-parc-connecte/integrer"
    response = page.goto(live_server.url + path)
    assert response.status == 200
    assert page.locator("textarea[readonly]").count() == 4
    assert_accessible(page, path, "direction.a")
    assert_no_horizontal_scroll(page, path)
    context.close()


def test_sessions_form_errors_without_javascript_on_a_phone(browser, live_server):
    context = browser.new_context(viewport={"width": 360, "height": 640}, java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    base = live_server.url
    sign_in(page, base, "mediation.a")
    page.goto(base + "/ateliers/ateliers/1/seances")
    assert_no_horizontal_scroll(page, "sessions form")
    page.fill("#first_date", "2030-05-06")
    page.fill("#start_time", "16:00")
    page.fill("#end_time", "14:00")
    page.check("#weekly")
    page.fill("#exceptions", "bientôt")
    page.click("main form button[type=submit]")
    assert "après l'heure de début" in page.inner_text("#end_time-error")
    assert "date de fin" in page.inner_text("#until-error")
    assert page.get_attribute("#end_time", "aria-invalid") == "true"
    assert "end_time-error" in page.get_attribute("#end_time", "aria-describedby")
    assert page.input_value("#exceptions") == "bientôt"
    page.click(".error-summary a[href='#end_time']")
    assert_no_horizontal_scroll(page, "sessions form with errors")
    context.close()


def test_linked_resources_form_without_javascript_on_a_phone_then_the_section(browser, live_server):
    from sqlalchemy import select

    from plugins.ressources.models import Resource
    from qn_portal.extensions import db

    with live_server.app.app_context():
        sms = db.session.scalar(select(Resource.id).where(Resource.title == "Envoyer son premier SMS avec photo"))
    context = browser.new_context(viewport={"width": 360, "height": 640}, java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    base = live_server.url
    sign_in(page, base, "mediation.a")
    page.goto(base + "/ateliers/ateliers/1/modifier")
    typed = f"{base}/ressources/{sms}\nla fiche des SMS"
    page.fill("#resources", typed)
    page.click("main form button[type=submit]")
    assert "Ligne 2 : « la fiche des SMS »" in page.inner_text("#resources-error")
    assert page.get_attribute("#resources", "aria-invalid") == "true"
    assert "resources-error" in page.get_attribute("#resources", "aria-describedby")
    assert page.input_value("#resources") == typed
    assert page.locator(".error-summary a[href='#resources']").count() == 1
    assert_no_horizontal_scroll(page, "workshop form with a refused resource line")
    page.fill("#resources", f"{base}/ressources/{sms}")
    page.click("main form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/ateliers/ateliers/1$"))
    assert "Envoyer son premier SMS avec photo" in page.inner_text("section[aria-labelledby=ressources-liees]")
    assert_no_horizontal_scroll(page, "workshop page with linked resources")
    context.close()
    # The page with its section, checked by axe (which needs JavaScript), for a member and a partner.
    for role in ("mediation.a", "partenaire"):
        context = browser.new_context(locale="fr-FR")
        page = context.new_page()
        sign_in(page, base, role)
        page.goto(base + "/ateliers/ateliers/1")
        assert page.locator("#ressources-liees").count() == 1
        assert_accessible(page, "/ateliers/ateliers/1 (ressources liées)", role)
        context.close()
