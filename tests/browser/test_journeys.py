"""Journeys as each demo role in a real Chromium: sign in, every nav entry, a form with bad input, sign out.

The same journeys run with JavaScript disabled, on a 360×640 phone, and with the keyboard alone. Every page
reached from the navigation is checked with axe-core (WCAG 2.1 A/AA and best practices) and weighed.
"""

from __future__ import annotations

import gzip

import pytest
from axe_playwright_python.sync_playwright import Axe
from conftest import DEMO_PASSWORD

ROLES = ["admin", "coordination", "direction.a", "mediation.a", "partenaire"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
MAX_PAGE_BYTES = 100 * 1024
MAX_PAGE_REQUESTS = 15
PROFILE_NAME_ERROR = "Indiquez votre prénom et votre nom."

pytestmark = pytest.mark.browser


class Weigher:
    """Counts the requests of one page load and their compressed bytes."""

    def __init__(self, page):
        self.requests = 0
        self.bytes = 0
        page.on("requestfinished", self._finished)

    def _finished(self, request):
        self.requests += 1
        response = request.response()
        if response is not None and not 300 <= response.status < 400:  # redirects have no body
            self.bytes += len(gzip.compress(response.body()))

    def reset(self):
        self.requests = self.bytes = 0


def sign_in(page, base, role):
    page.goto(f"{base}/connexion")
    page.fill("#email", f"{role}@example.org")
    page.fill("#password", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/tableau-de-bord")


def nav_links(page):
    return page.eval_on_selector_all("header nav a", "links => links.map(a => a.getAttribute('href'))")


def assert_no_horizontal_scroll(page, path):
    # After a form's submission Playwright returns once the new page is committed, possibly before its style
    # sheet has applied: on a busy machine the page was measured unstyled (a <pre> that did not wrap yet).
    page.wait_for_load_state("load")
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, f"{path} scrolls horizontally: {width}px in a {viewport}px viewport"


def assert_accessible(page, path, role):
    # After a click that navigates, Playwright returns once the next page is committed: audit it whole.
    page.wait_for_load_state("load")
    violations = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}}).response["violations"]
    details = [(v["id"], [node["target"] for node in v["nodes"]][:3]) for v in violations]
    assert not violations, f"axe violations on {path} as {role}: {details}"


def bad_profile_submission(page, base):
    page.goto(f"{base}/compte")
    page.fill("#name", "")
    page.click("main form button[type=submit]")
    error = page.locator("#name-error")
    assert PROFILE_NAME_ERROR in error.inner_text()
    assert page.get_attribute("#name", "aria-invalid") == "true"
    assert "name-error" in page.get_attribute("#name", "aria-describedby")


def sign_out(page, base):
    page.click("header .account button[type=submit]")
    page.wait_for_url(f"{base}/connexion")
    assert "Vous êtes déconnecté" in page.content()


@pytest.mark.parametrize("role", ROLES)
def test_journey_desktop_with_axe_and_weight(browser, live_server, role):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    page = context.new_page()
    base = live_server.url
    weigher = Weigher(page)
    sign_in(page, base, role)
    links = nav_links(page)
    assert links, "the navigation is empty"
    for href in links:
        weigher.reset()
        response = page.goto(base + href)
        page.wait_for_load_state("networkidle")
        assert response.status == 200, f"{href} answered {response.status} for {role}"
        assert weigher.requests <= MAX_PAGE_REQUESTS, f"{href}: {weigher.requests} requests"
        assert weigher.bytes <= MAX_PAGE_BYTES, f"{href}: {weigher.bytes} bytes compressed"
        assert_accessible(page, href, role)
    for path in ("/compte", "/compte/mot-de-passe"):
        page.goto(base + path)
        assert_accessible(page, path, role)
    bad_profile_submission(page, base)
    assert_accessible(page, "/compte (with errors)", role)
    sign_out(page, base)
    context.close()


def test_anonymous_pages_accessible(browser, live_server):
    context = browser.new_context()
    page = context.new_page()
    for path in ("/connexion", "/mot-de-passe-oublie", "/reinitialiser/invalid-token"):
        page.goto(live_server.url + path)
        assert_accessible(page, path, "anonymous")
    page.goto(live_server.url + "/connexion")
    page.fill("#email", "pas-une-adresse")
    page.click("main button[type=submit]")
    assert "Cette adresse e-mail n'est pas valide." in page.locator("#email-error").inner_text()
    assert_accessible(page, "/connexion (with errors)", "anonymous")
    context.close()


@pytest.mark.parametrize("role", ROLES)
def test_journey_without_javascript_on_a_phone(browser, live_server, role):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 640})
    page = context.new_page()
    base = live_server.url
    page.goto(f"{base}/connexion")
    assert_no_horizontal_scroll(page, "/connexion")
    sign_in(page, base, role)
    for href in nav_links(page):
        response = page.goto(base + href)
        assert response.status == 200
        assert_no_horizontal_scroll(page, href)
    for path in ("/compte", "/compte/mot-de-passe"):
        page.goto(base + path)
        assert_no_horizontal_scroll(page, path)
    bad_profile_submission(page, base)
    sign_out(page, base)
    context.close()


def focus_is_visible(page) -> bool:
    return page.evaluate(
        """() => { const el = document.activeElement; if (!el || el === document.body) return false;
                   const s = getComputedStyle(el);
                   return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none'; }"""
    )


def press_enter_and_wait(page) -> None:
    with page.expect_navigation():
        page.keyboard.press("Enter")


def tab_to(page, selector: str, limit: int = 60) -> None:
    """Press Tab until ``selector`` has the focus, checking that the focus is visible at every step."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        assert focus_is_visible(page), f"focus invisible on {page.evaluate('document.activeElement.outerHTML')[:120]}"
        if page.evaluate("sel => document.activeElement.matches(sel)", selector):
            return
    raise AssertionError(f"could not reach {selector} with Tab on {page.url}")


@pytest.mark.parametrize("role", ROLES)
def test_journey_with_keyboard_only(browser, live_server, role):
    context = browser.new_context()
    page = context.new_page()
    base = live_server.url
    page.goto(f"{base}/connexion")
    tab_to(page, "#email")
    page.keyboard.type(f"{role}@example.org")
    tab_to(page, "#password")
    page.keyboard.type(DEMO_PASSWORD)
    press_enter_and_wait(page)
    assert page.url == f"{base}/tableau-de-bord"
    for href in nav_links(page):
        tab_to(page, f'header nav a[href="{href}"]')
        press_enter_and_wait(page)
        assert page.url == base + href
    tab_to(page, 'header .account a')
    press_enter_and_wait(page)
    assert page.url == f"{base}/compte"
    tab_to(page, "#name")
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    press_enter_and_wait(page)
    assert PROFILE_NAME_ERROR in page.locator("#name-error").inner_text()
    tab_to(page, "header .account button")
    press_enter_and_wait(page)
    assert page.url == f"{base}/connexion"
    context.close()
