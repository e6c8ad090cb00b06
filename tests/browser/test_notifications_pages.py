"""The notification pages in a real Chromium: axe on the list and the preferences (with errors too), and the
whole round without JavaScript on a phone: open a notification, mark read, set a preference."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .test_journeys import assert_accessible, assert_no_horizontal_scroll, sign_in

pytestmark = pytest.mark.browser


def add_notifications(live_server, key: str, count: int) -> None:
    from qn_portal.accounts.models import User
    from qn_portal.api import notify

    with live_server.app.app_context():
        user = User.by_email(f"{key}@example.org")
        for number in range(count):
            notify([user], "core.membership_changed", f"Essai {number}", "/associations/", text="Un détail.")


def test_notification_pages_are_accessible(browser, live_server):
    add_notifications(live_server, "direction.b", 3)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    page = context.new_page()
    base = live_server.url
    sign_in(page, base, "direction.b")
    assert "(4 non lues)" in page.locator("header .account").inner_text()
    page.click("header .account a[href='/notifications']")
    expect(page).to_have_url(f"{base}/notifications")
    page.wait_for_load_state()
    assert_accessible(page, "/notifications", "direction.b")
    page.goto(f"{base}/compte/notifications")
    assert_accessible(page, "/compte/notifications", "direction.b")
    page.evaluate("document.querySelector('#kind__core__added_to_association-0').checked = false")
    page.click("main form button[type=submit]")
    assert "Choisissez une option." in page.locator("#kind__core__added_to_association-error").inner_text()
    assert_accessible(page, "/compte/notifications (with errors)", "direction.b")
    context.close()


def test_notifications_without_javascript_on_a_phone(browser, live_server):
    add_notifications(live_server, "mediation.b", 2)
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 640})
    page = context.new_page()
    base = live_server.url
    sign_in(page, base, "mediation.b")
    page.goto(f"{base}/notifications")
    assert_no_horizontal_scroll(page, "/notifications")
    page.click("main li:first-child .notification-title")
    expect(page).to_have_url(f"{base}/associations/")
    page.goto(f"{base}/notifications")
    assert page.locator("main .notification-unread").count() == 2
    page.click("main .notification-unread button.secondary >> nth=0")
    expect(page.locator("body")).to_contain_text("Notification marquée comme lue.")
    page.click("text=Tout marquer comme lu")
    expect(page.locator("main .notification-unread")).to_have_count(0)
    expect(page.locator("header .badge")).to_have_count(0)
    page.goto(f"{base}/compte/notifications")
    assert_no_horizontal_scroll(page, "/compte/notifications")
    page.check("#kind__core__membership_changed-3")
    page.click("main form button[type=submit]")
    expect(page.locator("body")).to_contain_text("Vos préférences de notification sont enregistrées.")
    assert page.is_checked("#kind__core__membership_changed-3")
    context.close()
