"""The association pages that no nav entry leads to, in a real Chromium: axe on each, a profile form with
errors, the directory's filters and the member switch without JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .test_journeys import assert_accessible, assert_no_horizontal_scroll, sign_in

pytestmark = pytest.mark.browser

PAGES = {
    "coordination": ["/associations/", "/associations/?commune=Bordeaux&status=alumni", "/associations/nouvelle",
                     "/associations/grand-parc-connecte", "/associations/grand-parc-connecte/modifier",
                     "/associations/grand-parc-connecte/membres", "/associations/quartiers/",
                     "/associations/quartiers/nouveau"],
    "direction.a": ["/associations/grand-parc-connecte", "/associations/grand-parc-connecte/modifier",
                    "/associations/grand-parc-connecte/membres"],
    "partenaire": ["/associations/carriet-numerique-solidaire", "/associations/grand-parc-connecte"],
    "direction.b": ["/tableau-de-bord"],  # with the switch between B and H in the header
}


@pytest.mark.parametrize("role", sorted(PAGES))
def test_association_pages_are_accessible(browser, live_server, role):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    page = context.new_page()
    sign_in(page, live_server.url, role)
    for path in PAGES[role]:
        response = page.goto(live_server.url + path)
        assert response.status == 200, f"{path}: {response.status}"
        assert_accessible(page, path, role)
    context.close()


def test_profile_errors_without_javascript_on_a_phone(browser, live_server):
    context = browser.new_context(viewport={"width": 360, "height": 640}, java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    base = live_server.url
    sign_in(page, base, "direction.a")
    page.goto(base + "/associations/grand-parc-connecte/modifier")
    assert_no_horizontal_scroll(page, "profile form")
    page.fill("#siret", "123")
    page.fill("#room_capacity", "0")
    page.fill("#opening_hours", "lundi 9h")
    page.click("main form button[type=submit]")
    assert "Ce SIRET n'est pas valide" in page.inner_text("#siret-error")
    assert "entre 1 et 100" in page.inner_text("#room_capacity-error")
    assert "OpenStreetMap" in page.inner_text("#opening_hours-error")
    assert page.input_value("#opening_hours") == "lundi 9h"
    assert page.get_attribute("#siret", "aria-invalid") == "true"
    assert_no_horizontal_scroll(page, "profile form with errors")
    context.close()


def test_directory_filters_and_switch_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    base = live_server.url
    sign_in(page, base, "direction.b")
    page.select_option("#current-association", label="Dravemont Avenir Numérique")
    page.click(".association-switch button")
    expect(page.locator("body")).to_contain_text("Vous travaillez maintenant pour Dravemont Avenir Numérique.")
    page.goto(base + "/associations/")
    page.select_option("#commune", "Bordeaux")
    page.select_option("#status", "alumni")
    page.click("form.filters button[type=submit]")
    expect(page.locator(".cards h3")).to_have_text(["Bacalan Clic", "Les Aubiers en Ligne"], use_inner_text=True)
    context.close()
