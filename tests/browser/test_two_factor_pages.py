"""Two-factor sign-in in a real Chromium: enrol from the profile (axe on the enrolment page, its errors and the
recovery codes), sign out, sign in with a code and trust the browser (axe on the code step), then, without
JavaScript on a phone, sign in with a recovery code.

Codes come from pyotp with the secret read on the page, as a phone would compute them; the code for sign-in is
the next 30-second step's, which the server accepts (one step of drift) and which is later than the one used
to enrol (a code never works twice). Nothing waits.
"""

from __future__ import annotations

import time

import pyotp
import pytest
from conftest import DEMO_PASSWORD
from playwright.sync_api import expect

from .test_journeys import assert_accessible, assert_no_horizontal_scroll, sign_in, sign_out

pytestmark = pytest.mark.browser
KEY = "direction.a"


def wrong_code(secret: str) -> str:
    """A six-digit code that is none of those accepted right now."""
    totp = pyotp.TOTP(secret)
    accepted = {totp.at(time.time() + 30 * step) for step in (-1, 0, 1, 2)}
    return next(code for code in ("000000", "111111", "222222") if code not in accepted)


def password_step(page, base):
    page.goto(f"{base}/connexion")
    page.fill("#email", f"{KEY}@example.org")
    page.fill("#password", DEMO_PASSWORD)
    page.click("main button[type=submit]")


def test_enrol_then_sign_in_with_a_code_then_with_a_recovery_code(browser, live_server):
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    page = context.new_page()
    sign_in(page, base, KEY)
    page.goto(f"{base}/compte")
    assert "non activée" in page.locator("main").inner_text()
    page.click("main a[href='/compte/double-authentification']")
    assert_accessible(page, "/compte/double-authentification (off)", KEY)
    page.click("text=Commencer l'activation")

    qr = page.locator("main svg.qr-code")
    assert qr.is_visible()
    assert qr.get_attribute("role") == "img" and "QR code" in qr.get_attribute("aria-label")
    assert_accessible(page, "/compte/double-authentification (QR code)", KEY)
    secret = page.locator("main .secret code").inner_text().replace(" ", "")
    assert len(secret) == 32

    page.fill("#code", wrong_code(secret))
    page.click("main form button[type=submit] >> text=Activer la double authentification")
    assert "Ce code ne correspond pas." in page.locator("#code-error").inner_text()
    assert page.get_attribute("#code", "aria-invalid") == "true"
    assert_accessible(page, "/compte/double-authentification (wrong code)", KEY)

    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("main form button[type=submit] >> text=Activer la double authentification")
    expect(page.locator("main .recovery-codes code")).to_have_count(10)
    codes = page.locator("main .recovery-codes code").all_inner_texts()
    assert_accessible(page, "recovery codes", KEY)
    sign_out(page, base)

    password_step(page, base)
    page.wait_for_url(f"{base}/connexion/code")
    assert page.get_attribute("#code", "autocomplete") == "one-time-code"
    assert page.get_attribute("#code", "inputmode") == "numeric"
    assert_accessible(page, "/connexion/code", KEY)
    page.fill("#code", wrong_code(secret))
    page.click("main button[type=submit]")
    assert "Ce code n'est pas valable" in page.locator("#code-error").inner_text()
    assert_accessible(page, "/connexion/code (wrong code)", KEY)
    page.fill("#code", pyotp.TOTP(secret).at(time.time() + 30))
    page.check("#trust")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/tableau-de-bord")

    page.goto(f"{base}/compte/double-authentification/appareils")
    assert "(ce navigateur)" in page.locator("main table").inner_text()
    assert_accessible(page, "/compte/double-authentification/appareils", KEY)
    sign_out(page, base)
    password_step(page, base)  # a trusted browser: no code asked
    page.wait_for_url(f"{base}/tableau-de-bord")
    context.close()

    phone = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 640})
    page = phone.new_page()
    password_step(page, base)
    page.wait_for_url(f"{base}/connexion/code")
    assert_no_horizontal_scroll(page, "/connexion/code")
    page.click("text=utiliser un code de secours")
    page.wait_for_url(f"{base}/connexion/code-de-secours")
    assert_no_horizontal_scroll(page, "/connexion/code-de-secours")
    page.fill("#recovery_code", codes[0])
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/tableau-de-bord")
    assert "Il vous en reste 9" in page.content()
    phone.close()
