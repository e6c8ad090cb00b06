"""The co-funding pages in a real Chromium: axe on the main pages per role, and the application form
submitted with errors without JavaScript on a phone."""

from __future__ import annotations

import pytest

from .test_journeys import assert_accessible, assert_no_horizontal_scroll, sign_in

pytestmark = pytest.mark.browser

PAGES = {
    "mediation.a": ["/cofinancements/", "/cofinancements/pour-mon-association", "/cofinancements/financeurs/",
                    "/cofinancements/alertes", "/cofinancements/candidatures", "/cofinancements/candidatures/nouvelle",
                    "/cofinancements/plan", "/tableau-de-bord"],
    "direction.a": ["/cofinancements/plan", "/associations/grand-parc-connecte"],
    "coordination": ["/cofinancements/aides/nouvelle", "/cofinancements/financeurs/nouveau", "/cofinancements/import",
                     "/cofinancements/candidatures", "/cofinancements/plan", "/cofinancements/pour-mon-association"],
    "partenaire": ["/cofinancements/?open_now=y", "/cofinancements/financeurs/"],
}


@pytest.mark.parametrize("role", sorted(PAGES))
def test_cofinancements_pages_are_accessible(browser, live_server, role):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    page = context.new_page()
    sign_in(page, live_server.url, role)
    for path in PAGES[role]:
        response = page.goto(live_server.url + path)
        assert response.status == 200, f"{path}: {response.status}"
        assert_accessible(page, path, role)
    # the first aid and the first funder of the list, as everyone sees them
    page.goto(live_server.url + "/cofinancements/")
    page.click(".cards h3 a >> nth=0")
    assert_accessible(page, "an aid", role)
    page.goto(live_server.url + "/cofinancements/financeurs/")
    page.click(".cards h2 a >> nth=0")
    assert_accessible(page, "a funder", role)
    context.close()


def test_application_errors_without_javascript_on_a_phone(browser, live_server):
    context = browser.new_context(viewport={"width": 360, "height": 640}, java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    base = live_server.url
    sign_in(page, base, "mediation.a")
    page.goto(base + "/cofinancements/candidatures/nouvelle")
    assert_no_horizontal_scroll(page, "application form")
    page.fill("#title", "Ateliers tablettes")
    page.fill("#amount_requested", "-300")
    page.select_option("#status", "accorde")
    page.click("main form button[type=submit]")
    assert "montant positif" in page.inner_text("#amount_requested-error")
    assert "montant accordé" in page.inner_text("#amount_obtained-error")
    assert page.get_attribute("#amount_requested", "aria-invalid") == "true"
    assert "amount_requested-error" in page.get_attribute("#amount_requested", "aria-describedby")
    assert page.input_value("#title") == "Ateliers tablettes"
    assert page.input_value("#amount_requested") == "-300"
    assert_no_horizontal_scroll(page, "application form with errors")
    # the funding plan's chart and table fit a phone too
    page.goto(base + "/cofinancements/plan")
    assert page.locator("svg[role=img] title").count() == 1
    assert_no_horizontal_scroll(page, "funding plan")
    context.close()
