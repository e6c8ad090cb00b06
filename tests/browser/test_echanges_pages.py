"""The exchanges' pages in a real Chromium: axe on the main pages for each role, and the new-thread form
sent with errors without JavaScript on a phone (similar threads checked on the way)."""

from __future__ import annotations

import pytest

from .test_journeys import assert_accessible, assert_no_horizontal_scroll, sign_in

pytestmark = pytest.mark.browser

PAGES = {
    "coordination": ["/echanges/", "/echanges/?vue=sans-reponse", "/echanges/sujets/nouveau",
                     "/echanges/moderation", "/echanges/categories"],
    "mediation.a": ["/echanges/", "/echanges/?vue=mes-sujets", "/echanges/?tag=seniors", "/echanges/sujets/nouveau"],
    "partenaire": ["/echanges/"],
}


@pytest.mark.parametrize("role", sorted(PAGES))
def test_echanges_pages_are_accessible(browser, live_server, role):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    page = context.new_page()
    sign_in(page, live_server.url, role)
    paths = list(PAGES[role])
    page.goto(live_server.url + "/echanges/")
    thread = page.locator(".cards h3 a").first.get_attribute("href")
    paths.append(thread)  # a thread, with its replies, thanks and reply form
    for path in paths:
        response = page.goto(live_server.url + path)
        assert response.status == 200, f"{path}: {response.status}"
        assert_accessible(page, path, role)
    if role != "partenaire":
        page.goto(live_server.url + thread)
        report = page.locator("a[href$='/signaler']").first.get_attribute("href")
        page.goto(live_server.url + report)
        assert_accessible(page, report, role)
    context.close()


def test_thread_form_without_javascript_on_a_phone(browser, live_server):
    context = browser.new_context(viewport={"width": 360, "height": 640}, java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    base = live_server.url
    sign_in(page, base, "mediation.b")
    page.goto(base + "/echanges/sujets/nouveau")
    assert_no_horizontal_scroll(page, "thread form")
    page.fill("#title", "Compte Ameli pour une personne âgée")
    page.fill("#tags", "ameli")
    # Checking similar threads keeps what was typed and saves nothing.
    page.click("#check")
    assert "Créer un compte Ameli" in page.inner_text(".similar")
    assert page.input_value("#title") == "Compte Ameli pour une personne âgée"
    page.click("#submit")
    assert "Choisissez une catégorie." in page.inner_text("#category-error")
    assert "il est vide" in page.inner_text("#body-error")
    assert page.get_attribute("#body", "aria-invalid") == "true"
    assert "body-error" in page.get_attribute("#body", "aria-describedby")
    assert page.input_value("#tags") == "ameli"  # nothing typed is lost
    assert page.locator(".error-summary a[href='#body']").count() == 1
    assert_no_horizontal_scroll(page, "thread form with errors")
    context.close()
