"""The search results page in a real Chromium: reached from the box on every page, with and without
JavaScript, grouped results, pagination, messages; every state checked with axe-core."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from conftest import DEMO_PASSWORD

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def indexed_portal(live_server):
    from sqlalchemy import delete

    from qn_portal.contributions import SearchDocument
    from qn_portal.extensions import db
    from qn_portal.search import SearchEntry, index_document

    with live_server.app.test_request_context():
        db.session.execute(delete(SearchEntry))  # what the demo data indexed would change the counts
        for number in range(24):
            index_document("example", SearchDocument(
                key=f"note:{number}", title=f"Atelier numérique n° {number}", url="/example/", kind="Note",
                text="Compte rendu de l'atelier numérique : "
                     + "les habitants ont appris à se servir d'une tablette. " * 6))
        index_document("core", SearchDocument(key="guide:1", title="Guide des ateliers", kind="Guide",
                                              text="Pour les médiateurs numériques", url="/tableau-de-bord"))
        db.session.commit()
    return live_server


def sign_in(page, base, role="mediation.a"):
    page.goto(f"{base}/connexion")
    page.fill("#email", f"{role}@example.org")
    page.fill("#password", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/tableau-de-bord")


def assert_accessible(page, label):
    violations = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}}).response["violations"]
    details = [(v["id"], [node["target"] for node in v["nodes"]][:3]) for v in violations]
    assert not violations, f"axe violations on {label}: {details}"


@pytest.mark.parametrize("javascript", [True, False])
def test_search_from_the_box_on_every_page(browser, indexed_portal, javascript):
    base = indexed_portal.url
    context = browser.new_context(java_script_enabled=javascript, locale="fr-FR")
    page = context.new_page()
    # axe-core runs in the page: without JavaScript, check what the page does, not how it reads.
    check = assert_accessible if javascript else (lambda page, label: None)
    sign_in(page, base)
    page.fill("#site-search-q", "ATELIERS numeriques")
    page.press("#site-search-q", "Enter")
    page.wait_for_url(re.compile(r"/recherche\?q="))
    main = page.locator("main")
    assert "25 résultats pour « ATELIERS numeriques »" in main.inner_text()
    assert page.locator("main h2").all_inner_texts() == ["Note (24 résultats)"]  # page 1: 20 notes, best first
    assert page.input_value("#site-search-q") == "ATELIERS numeriques"  # the box keeps the query
    assert page.locator("main mark").count() > 0
    check(page, "results")

    page.click("text=Page suivante")
    assert page.locator("main h2").all_inner_texts() == ["Note (24 résultats)", "Guide (1 résultat)"]
    check(page, "results, page 2")

    page.click("main nav.kinds >> text=Guide (1)")
    assert page.locator("main ol.results li").count() == 1
    assert page.get_attribute("main nav.kinds a[aria-current=page]", "href").endswith("type=Guide")
    check(page, "results of one kind")

    for query, message in (("okapi", "Aucun résultat"), ('"*NEAR(', "Aucun résultat"),
                           ("()", "ne contient aucun mot"), ("le de", "trop courants")):
        page.fill("#site-search-q", query)
        page.press("#site-search-q", "Enter")
        page.wait_for_load_state("load")
        assert message in page.locator("main").inner_text(), query
        check(page, f"message for {query!r}")
    context.close()


def test_results_fit_a_phone(browser, indexed_portal):
    base = indexed_portal.url
    context = browser.new_context(viewport={"width": 360, "height": 640}, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, base)
    page.goto(f"{base}/recherche?q=tablette")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.evaluate("window.innerWidth"), f"the results page scrolls horizontally: {width}px"
    context.close()
