"""The programme's pages in a real Chromium: axe for coordinators and a manager, and the application, binôme and
certificate forms submitted with errors, without JavaScript, on a phone."""

from __future__ import annotations

import pytest

from .test_journeys import assert_accessible, assert_no_horizontal_scroll, sign_in

pytestmark = pytest.mark.browser


def hrefs(page, selector: str) -> list[str]:
    return [page.locator(selector).nth(i).get_attribute("href") for i in range(page.locator(selector).count())]


def test_coordinator_pages_are_accessible(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    page = context.new_page()
    base = live_server.url
    sign_in(page, base, "coordination")
    paths = ["/programme/", "/programme/appels/nouveau", "/programme/suivi/",
             "/programme/rapport?start=2020-01-01&end=2030-01-01", "/programme/equipement/", "/programme/financeurs/",
             "/programme/financeurs/nouveau"]
    page.goto(base + "/programme/")
    call_2021 = page.locator(".cards h3 a:has-text('2021')").first.get_attribute("href")
    page.goto(base + call_2021)
    applications = [h for h in hrefs(page, "table a") if "/candidatures/" in h]
    page.goto(base + "/programme/suivi/")
    follow = [h for h in hrefs(page, "table a") if "/suivi/" in h]
    ids = "&".join("ids=" + h.rstrip("/").split("/")[-1] for h in applications[:3])
    paths += [call_2021, applications[0], call_2021 + "/comparer?" + ids, follow[0]]
    page.goto(base + "/programme/financeurs/")
    paths.append(page.locator("a:has-text('page à imprimer')").first.get_attribute("href"))
    page.goto(base + "/programme/equipement/")
    paths.append(page.locator("table th a").first.get_attribute("href"))
    grand_parc = next(h for h in follow if h)
    paths += [grand_parc + "/binome", grand_parc + "/binome/ajouter", grand_parc + "/equipement",
              grand_parc + "/equipement/ajouter", grand_parc + "/demandes"]
    for path in paths:
        response = page.goto(base + path)
        assert response.status == 200, f"{path}: {response.status}"
        assert_accessible(page, path, "coordination")
    context.close()


def test_manager_pages_are_accessible(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    page = context.new_page()
    base = live_server.url
    sign_in(page, base, "direction.a")
    page.goto(base + "/programme/")
    assert_accessible(page, "/programme/", "direction.a")
    page.goto(base + "/associations/grand-parc-connecte")
    assert_accessible(page, "/associations/grand-parc-connecte", "direction.a")
    follow = page.locator("a:has-text('Voir le suivi complet')").get_attribute("href")
    for path in (follow, follow + "/binome", follow + "/binome/ajouter", follow + "/equipement", follow + "/demandes"):
        response = page.goto(base + path)
        assert response.status == 200, path
        assert_accessible(page, path, "direction.a")
    # The application form, after an eligibility check (axe needs JavaScript: this context has it).
    page.goto(base + "/programme/")
    links = page.locator(".cards h3 a")
    open_call = next(links.nth(i).get_attribute("href") for i in range(links.count())
                     if "2021" not in links.nth(i).inner_text())
    page.goto(base + open_call)
    page.click("form button[type=submit]:has-text('Candidater')")
    page.wait_for_selector("#mediation_hours")
    page.fill("#room_capacity", "9")
    page.click("button[value=check]")
    page.wait_for_selector("#eligibility")
    assert_accessible(page, "application form", "direction.a")
    context.close()


def test_application_errors_without_javascript_on_a_phone(browser, live_server):
    context = browser.new_context(viewport={"width": 360, "height": 640}, java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(15000)
    base = live_server.url
    sign_in(page, base, "direction.a")
    page.goto(base + "/programme/")
    links = page.locator(".cards h3 a")
    open_call = next(links.nth(i).get_attribute("href") for i in range(links.count())
                     if "2021" not in links.nth(i).inner_text())
    page.goto(base + open_call)
    page.click("form button[type=submit]:has-text('Candidater')")
    page.wait_for_selector("#mediation_hours")
    assert_no_horizontal_scroll(page, "application form")
    page.fill("#mediation_hours", "vingt")
    page.fill("#room_capacity", "9")
    page.click("button[value=submit]")
    page.wait_for_selector("#mediation_hours-error")
    assert "Indiquez un nombre entier" in page.inner_text("#mediation_hours-error")
    assert page.input_value("#mediation_hours") == "vingt"
    assert page.get_attribute("#mediation_hours", "aria-invalid") == "true"
    assert page.locator(".error-summary a[href='#mediation_hours']").count() == 1
    assert_no_horizontal_scroll(page, "application form with errors")
    # Checking eligibility, still without JavaScript: the reasons in plain French.
    page.fill("#mediation_hours", "19")
    page.click("button[value=check]")
    page.wait_for_selector("#eligibility")
    assert "20 heures par semaine" in page.inner_text("#eligibility")
    assert "La salle doit accueillir 10 personnes au moins 3 jours par semaine" in page.inner_text("#eligibility")
    context.close()


def test_binome_errors_without_javascript_on_a_phone(browser, live_server, tmp_path):
    context = browser.new_context(viewport={"width": 360, "height": 640}, java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(15000)
    base = live_server.url
    sign_in(page, base, "direction.a")
    page.goto(base + "/associations/grand-parc-connecte")
    binome = page.locator("a:has-text('Le binôme')").last.get_attribute("href")
    page.goto(base + binome)
    assert "Binôme de médiation non formé" in page.inner_text("main")
    assert_no_horizontal_scroll(page, "binôme")
    # A certificate that is an executable renamed .pdf: refused next to its field, nothing stored.
    executable = tmp_path / "attestation.pdf"
    executable.write_bytes(b"MZ\x90\x00" + b"\x00" * 200)
    page.locator("input[type=file]").first.set_input_files(str(executable))
    page.locator("button:has-text(\"Ajouter l'attestation\")").first.click()
    page.wait_for_selector(".error-summary")
    assert "pas accepté" in page.inner_text(".field-error")
    assert_no_horizontal_scroll(page, "binôme with a refused certificate")
    page.goto(base + binome + "/ajouter")
    page.select_option("#person", "none")
    page.fill("#name", "Sami Ouali")
    page.fill("#training_title", "Parcours médiateur numérique")
    page.fill("#starts_on", "2026-05-10")
    page.fill("#ends_on", "2026-05-01")
    page.click("main form button[type=submit]:has-text('Enregistrer')")
    page.wait_for_selector("#ends_on-error")
    assert "La fin de la formation doit suivre son début." in page.inner_text("#ends_on-error")
    assert page.input_value("#name") == "Sami Ouali"
    assert page.get_attribute("#ends_on", "aria-invalid") == "true"
    assert page.locator(".error-summary a[href='#ends_on']").count() == 1
    assert_no_horizontal_scroll(page, "binôme form with errors")
    context.close()
