"""API tokens in a real Chromium: create one on the profile page (axe on the form, its errors, the page that shows
the secret once and the list), use it from outside the browser, revoke it; then without JavaScript on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .test_journeys import assert_accessible, assert_no_horizontal_scroll, sign_in, sign_out

pytestmark = pytest.mark.browser
KEY = "mediation.a"


def test_create_use_and_revoke_a_token(browser, live_server):
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    page = context.new_page()
    sign_in(page, base, KEY)
    page.goto(f"{base}/compte")
    page.click("main button[type=submit] >> text=Créer le jeton")  # no name: refused
    assert "Donnez un nom au jeton" in page.locator("#api-name-error").inner_text()
    assert page.get_attribute("#api-name", "aria-invalid") == "true"
    assert_accessible(page, "/compte (token form with errors)", KEY)

    page.fill("#api-name", "Tableau de la mairie")
    page.check("main input[name='api-scopes'][value='veille']")
    page.click("main button[type=submit] >> text=Créer le jeton")
    secret = page.input_value("#api-secret")
    assert secret.startswith("qnp_")
    assert_accessible(page, "/compte/jetons-api (secret shown once)", KEY)

    answer = context.request.get(f"{base}/api/v1/veille/posts", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status == 200 and answer.headers["cache-control"] == "private, no-store"

    page.goto(f"{base}/compte")
    assert secret not in page.content()
    assert "Tableau de la mairie" in page.locator("#api-tokens-section table").inner_text()
    assert_accessible(page, "/compte (with a token)", KEY)
    page.click("#api-tokens-section table button >> text=Révoquer")
    expect(page.locator("main")).to_contain_text("est révoqué")
    answer = context.request.get(f"{base}/api/v1/veille/posts", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status == 401 and answer.json()["error"]["code"] == "unauthorized"
    sign_out(page, base)
    context.close()


def test_the_token_list_fits_a_phone_without_javascript(browser, live_server):
    base = live_server.url
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 640})
    page = context.new_page()
    sign_in(page, base, KEY)
    page.goto(f"{base}/compte")
    page.fill("#api-name", "Téléphone")
    page.fill("#api-expires_on", "2099-12-31")  # a date input takes the ISO form
    page.click("main button[type=submit] >> text=Créer le jeton")
    assert "Choisissez une date dans les cinq ans." in page.locator("#api-expires_on-error").inner_text()
    page.fill("#api-expires_on", "")
    page.click("main button[type=submit] >> text=Créer le jeton")
    assert page.input_value("#api-secret").startswith("qnp_")
    assert_no_horizontal_scroll(page, "/compte/jetons-api")
    page.goto(f"{base}/compte")
    assert_no_horizontal_scroll(page, "/compte (with a token)")
    sign_out(page, base)
    context.close()
