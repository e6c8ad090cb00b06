"""The search results page in a real Chromium: reached from the box on every page, with and without
JavaScript, grouped results, pagination, messages; every state checked with axe-core."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .test_journeys import assert_accessible, sign_in

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


@pytest.mark.parametrize("javascript", [True, False])
def test_search_from_the_box_on_every_page(browser, indexed_portal, javascript):
    base = indexed_portal.url
    context = browser.new_context(java_script_enabled=javascript, locale="fr-FR")
    page = context.new_page()
    # axe-core runs in the page: without JavaScript, check what the page does, not how it reads.
    def check(page, label):
        if javascript:
            assert_accessible(page, label, "mediation.a")

    sign_in(page, base, "mediation.a")
    page.fill("#site-search-q", "ATELIERS numeriques")
    page.press("#site-search-q", "Enter")
    page.wait_for_url(re.compile(r"/recherche\?q="))
    main = page.locator("main")
    assert "25 résultats pour « ATELIERS numeriques »" in main.inner_text()
    assert page.locator("main h2").all_inner_texts() == ["Note (24 résultats)"]  # page 1: 20 notes, best first
    assert page.input_value("#site-search-q") == "ATELIERS numeriques"  # the box keeps the query
    assert page.locator("main mark").count() > 0
    check(page, "results")

    # A click returns once the next page starts loading: web-first assertions wait for what it shows.
    page.click("text=Page suivante")
    expect(page.locator("main h2")).to_have_text(["Note (24 résultats)", "Guide (1 résultat)"], use_inner_text=True)
    check(page, "results, page 2")

    page.click("main nav.kinds >> text=Guide (1)")
    expect(page.locator("main ol.results li")).to_have_count(1)
    expect(page.locator("main nav.kinds a[aria-current=page]")).to_have_attribute("href", re.compile(r"type=Guide$"))
    check(page, "results of one kind")

    for query, message in (("okapi", "Aucun résultat"), ('"*NEAR(', "Aucun résultat"),
                           ("()", "ne contient aucun mot"), ("le de", "trop courants")):
        page.fill("#site-search-q", query)
        with page.expect_navigation():
            page.press("#site-search-q", "Enter")
        assert message in page.locator("main").inner_text(), query
        check(page, f"message for {query!r}")
    context.close()


def test_results_fit_a_phone(browser, indexed_portal):
    base = indexed_portal.url
    context = browser.new_context(viewport={"width": 360, "height": 640}, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, base, "mediation.a")
    page.goto(f"{base}/recherche?q=tablette")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.evaluate("window.innerWidth"), f"the results page scrolls horizontally: {width}px"
    context.close()
