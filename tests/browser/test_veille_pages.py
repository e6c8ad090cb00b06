"""The veille's pages in a real Chromium: axe on the main pages for each role, and the post form sent with
errors without JavaScript on a phone."""

from __future__ import annotations

import pytest

from .test_journeys import assert_accessible, assert_no_horizontal_scroll, sign_in

pytestmark = pytest.mark.browser

PAGES = {
    "coordination": ["/veille/", "/veille/?category=appel", "/veille/billets/nouveau", "/veille/acteurs/",
                     "/veille/acteurs/nouveau", "/veille/sources/", "/veille/a-relire/", "/veille/preferences"],
    "mediation.a": ["/veille/", "/veille/acteurs/", "/veille/acteurs/?commune=Bordeaux", "/veille/preferences"],
    "partenaire": ["/veille/", "/veille/acteurs/"],
}


def first_link(page, selector: str) -> str:
    return page.locator(selector).first.get_attribute("href")


@pytest.mark.parametrize("role", sorted(PAGES))
def test_veille_pages_are_accessible(browser, live_server, role):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    page = context.new_page()
    sign_in(page, live_server.url, role)
    paths = list(PAGES[role])
    page.goto(live_server.url + "/veille/")
    paths.append(first_link(page, ".cards h3 a"))  # a post, with its comments and reactions
    page.goto(live_server.url + "/veille/acteurs/")
    paths.append(first_link(page, ".cards h3 a"))  # an actor, with its opening hours
    for path in paths:
        response = page.goto(live_server.url + path)
        assert response.status == 200, f"{path}: {response.status}"
        assert_accessible(page, path, role)
    context.close()


def test_post_form_errors_without_javascript_on_a_phone(browser, live_server):
    context = browser.new_context(viewport={"width": 360, "height": 640}, java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    base = live_server.url
    sign_in(page, base, "coordination")
    page.goto(base + "/veille/billets/nouveau")
    assert_no_horizontal_scroll(page, "post form")
    page.fill("#title", "Atelier CAF à Lormont")
    page.fill("#published_at", "")
    page.fill("#source_url", "pas une adresse")
    page.click("main form button[type=submit]")
    assert "Choisissez une catégorie" in page.inner_text("#category-error")
    assert "Écrivez le texte du billet." in page.inner_text("#body-error")
    assert "commençant par https://" in page.inner_text("#source_url-error")
    assert page.get_attribute("#body", "aria-invalid") == "true"
    assert "body-error" in page.get_attribute("#body", "aria-describedby")
    assert page.input_value("#title") == "Atelier CAF à Lormont"  # nothing typed is lost
    assert page.locator(".error-summary a[href='#body']").count() == 1
    assert_no_horizontal_scroll(page, "post form with errors")
    context.close()
