"""Notifications: the in-app list and its unread count, marking read, per-kind e-mail preferences, immediate
e-mails and the daily digest, delivered through a real SMTP server (aiosmtpd) listening on 127.0.0.1.
"""

from __future__ import annotations

import email
import email.policy
import html
import re
import socket
import threading
import types
from contextlib import closing

import pytest
from aiosmtpd.controller import Controller
from conftest import SHIPPED_PLUGINS, csrf_token, make_config, post_form, signed_in, wipe
from fake_plugins import installer
from sqlalchemy import select

from qn_portal import create_app
from qn_portal.accounts.models import User
from qn_portal.api import NotificationKind, emit, hookimpl, lazy_gettext, notify
from qn_portal.extensions import db
from qn_portal.notifications import services
from qn_portal.notifications.models import PENDING, SENT, SKIPPED, Notification, NotificationPreference
from qn_portal.plugins import get_host

ADDED = "core.added_to_association"
CHANGED = "core.membership_changed"
ADDED_FIELD = "kind__core__added_to_association"
CHANGED_FIELD = "kind__core__membership_changed"
ITEM_RE = re.compile(r'class="notification(?: notification-unread)?">.*?notification-title">([^<]*)</button>', re.S)


# --- a real SMTP server --------------------------------------------------------------------------------------


class Inbox:
    """What the local SMTP server received, as parsed e-mails."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's handler protocol)
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [message for message in self.messages if message["To"] == address]


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield types.SimpleNamespace(inbox=inbox, port=controller.port)
    controller.stop()


@pytest.fixture
def inbox(smtp_server):
    smtp_server.inbox.messages.clear()
    return smtp_server.inbox


@pytest.fixture
def config_overrides(smtp_server):
    return {"MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server.port, "MAIL_TIMEOUT": 5,
            # The core's kinds and the example plugin's only: the shipped plugins add their own kinds.
            "DISABLED_PLUGINS": SHIPPED_PLUGINS}


# --- helpers -------------------------------------------------------------------------------------------------


def address(key: str) -> str:
    return f"{key}@example.org"


def set_user(app, user_id: int, **fields) -> None:
    with app.app_context():
        user = db.session.get(User, user_id)
        for name, value in fields.items():
            setattr(user, name, value)
        db.session.commit()


def add(app, user_ids, title: str, kind: str = ADDED, url: str = "/associations/", text: str = "") -> list[int]:
    with app.app_context():
        return [notification.id for notification in notify(user_ids, kind, title, url, text=text)]


def rows_of(app, user_id: int) -> list[Notification]:
    with app.app_context():
        rows = db.session.scalars(select(Notification).where(Notification.user_id == user_id)
                                  .order_by(Notification.id)).all()
        db.session.expunge_all()
        return rows


def titles_listed(page: str) -> list[str]:
    return [html.unescape(title) for title in ITEM_RE.findall(page)]


def checked(page: str) -> dict[str, str]:
    """The checked radio button of each group of a page: ``{name: value}``."""
    found = {}
    for tag in re.findall(r"<input [^>]*>", page):
        attributes = dict(re.findall(r'(\w[\w-]*)(?:="([^"]*)")?', tag[len("<input "):-1]))
        if attributes.get("type") == "radio" and "checked" in attributes:
            found[attributes["name"]] = attributes["value"]
    return found


def run_digest(runner) -> str:
    result = runner.invoke(args=["notifications", "digest"])
    assert result.exit_code == 0, result.output
    return result.output


def add_existing_member(client, association_id: int, user_key: str):
    response = post_form(client, "/inviter", {"email": address(user_key), "role": "member",
                                              "association_id": str(association_id), "association_role": "mediator"})
    assert response.status_code == 302, response.get_data(as_text=True)


# --- the list and the unread count ---------------------------------------------------------------------------


def test_demo_leaves_notifications_waiting(app, demo):
    client = signed_in(app, "mediation.a")
    page = client.get("/notifications").get_data(as_text=True)
    assert titles_listed(page) == ["Vous avez été ajouté·e à Grand Parc Connecté"]
    assert "(1 non lue)" in page
    for key in ("direction.a", "direction.b", "mediation.b"):
        assert any(row.read_at is None for row in rows_of(app, demo["users"][key])), key


def test_list_is_newest_first_with_unread_marked_and_counted_on_every_page(app, demo):
    me = demo["users"]["mediation.b"]
    for title in ("Premier", "Deuxième", "Troisième"):
        add(app, [me], title)
    add(app, [demo["users"]["mediation.a"]], "Pas pour vous")
    client = signed_in(app, "mediation.b")
    page = client.get("/notifications").get_data(as_text=True)
    assert titles_listed(page) == ["Troisième", "Deuxième", "Premier", "Vous avez été ajouté·e à Carriet Numérique Solidaire"]
    assert page.count("notification notification-unread") == 4
    assert "Pas pour vous" not in page
    for path in ("/tableau-de-bord", "/associations/", "/compte"):
        header = client.get(path).get_data(as_text=True).split("</header>")[0]
        assert '<span class="badge" aria-hidden="true">4</span>' in header and "(4 non lues)" in header, path
    # Reading the list changes nothing: GET never marks read.
    assert all(row.read_at is None for row in rows_of(app, me))


def test_list_paginates(app, demo):
    me = demo["users"]["partenaire"]
    for number in range(25):
        add(app, [me], f"Notification {number:02d}")
    client = signed_in(app, "partenaire")
    first = titles_listed(client.get("/notifications").get_data(as_text=True))
    second = titles_listed(client.get("/notifications?page=2").get_data(as_text=True))
    assert first == [f"Notification {number:02d}" for number in range(24, 4, -1)]
    assert second == [f"Notification {number:02d}" for number in range(4, -1, -1)]
    assert client.get("/notifications?page=3").status_code == 404


def test_someone_without_notifications_sees_a_plain_header(app, demo):
    client = signed_in(app, "admin")
    page = client.get("/notifications").get_data(as_text=True)
    assert "Vous n'avez aucune notification pour le moment." in page
    assert 'class="badge"' not in page


# --- marking read --------------------------------------------------------------------------------------------


def test_mark_one_read(app, demo):
    me = demo["users"]["partenaire"]
    first, second = add(app, [me], "Un") + add(app, [me], "Deux")
    client = signed_in(app, "partenaire")
    response = post_form(client, f"/notifications/{first}/lire", {"page": "1"}, form_url="/notifications")
    assert response.status_code == 302 and response.headers["Location"].endswith("/notifications")
    read = {row.id: row.read_at for row in rows_of(app, me)}
    assert read[first] is not None and read[second] is None
    page = client.get("/notifications").get_data(as_text=True)
    assert "(1 non lue)" in page and "Notification marquée comme lue." in page
    # Again: still read, still the same moment.
    post_form(client, f"/notifications/{first}/lire", form_url="/notifications")
    assert rows_of(app, me)[0].read_at == read[first]


def test_mark_all_read_touches_only_ones_own(app, demo):
    me, other = demo["users"]["mediation.a"], demo["users"]["mediation.b"]
    add(app, [me, other], "Pour deux")
    client = signed_in(app, "mediation.a")
    response = post_form(client, "/notifications/tout-lire", form_url="/notifications")
    assert response.status_code == 302
    assert all(row.read_at is not None for row in rows_of(app, me))
    assert all(row.read_at is None for row in rows_of(app, other))
    page = client.get("/notifications").get_data(as_text=True)
    assert "Tout est lu." in page and 'class="badge"' not in page


def test_opening_a_notification_marks_it_read_and_goes_to_its_url(app, demo):
    me = demo["users"]["mediation.a"]
    (notification_id,) = add(app, [me], "Regardez", url="/associations/grand-parc-connecte")
    client = signed_in(app, "mediation.a")
    response = post_form(client, f"/notifications/{notification_id}/ouvrir", form_url="/notifications")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/associations/grand-parc-connecte")
    assert next(row for row in rows_of(app, me) if row.id == notification_id).read_at is not None


def test_someone_elses_notification_is_not_found(app, demo):
    (theirs,) = add(app, [demo["users"]["mediation.b"]], "Privé")
    for key in ("mediation.a", "admin"):
        client = signed_in(app, key)
        token = csrf_token(client, "/notifications")
        for action in ("lire", "ouvrir"):
            assert client.post(f"/notifications/{theirs}/{action}", data={"csrf_token": token}).status_code == 404
        assert client.post("/notifications/999999/lire", data={"csrf_token": token}).status_code == 404
        assert "Privé" not in client.get("/notifications").get_data(as_text=True)
    assert all(row.read_at is None for row in rows_of(app, demo["users"]["mediation.b"]))


def test_marking_read_needs_a_post_with_a_csrf_token(app, demo):
    (mine,) = add(app, [demo["users"]["mediation.a"]], "À lire")
    client = signed_in(app, "mediation.a")
    assert client.get(f"/notifications/{mine}/lire").status_code == 405
    assert client.post(f"/notifications/{mine}/lire").status_code == 400
    assert client.post("/notifications/tout-lire").status_code == 400
    assert rows_of(app, demo["users"]["mediation.a"])[-1].read_at is None


# --- preferences ---------------------------------------------------------------------------------------------


def test_preferences_page_lists_kinds_and_saves_each_choice(app, demo):
    me = demo["users"]["mediation.a"]
    client = signed_in(app, "mediation.a")
    page = client.get("/compte/notifications").get_data(as_text=True)
    assert "Ajout à une association" in page and "Changements dans vos associations" in page
    assert "Comme mon réglage général (Un résumé par jour)" in page
    assert checked(page) == {ADDED_FIELD: "general", CHANGED_FIELD: "general"}
    response = post_form(client, "/compte/notifications", {ADDED_FIELD: "immediate", CHANGED_FIELD: "none"})
    assert response.status_code == 302
    with app.app_context():
        assert services.chosen_preferences(me) == {ADDED: "immediate", CHANGED: "none"}
    page = client.get("/compte/notifications").get_data(as_text=True)
    assert checked(page) == {ADDED_FIELD: "immediate", CHANGED_FIELD: "none"}
    # Back to the general setting: the row goes, the profile's choice applies again.
    post_form(client, "/compte/notifications", {ADDED_FIELD: "general", CHANGED_FIELD: "none"})
    with app.app_context():
        assert services.chosen_preferences(me) == {CHANGED: "none"}


@pytest.mark.parametrize("data, field, message", [
    ({ADDED_FIELD: "weekly", CHANGED_FIELD: "daily"}, ADDED_FIELD, "Choisissez une des options proposées."),
    ({CHANGED_FIELD: "daily"}, ADDED_FIELD, "Choisissez une option."),
    ({ADDED_FIELD: "immediate", CHANGED_FIELD: "<script>"}, CHANGED_FIELD, "Choisissez une des options proposées."),
])
def test_preferences_form_says_what_is_wrong_in_french_and_keeps_the_rest(app, demo, data, field, message):
    client = signed_in(app, "mediation.a")
    response = post_form(client, "/compte/notifications", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<p class="error" id="{field}-error">{message}</p>' in page
    assert 'class="error-summary"' in page
    kept = {name: value for name, value in data.items() if name != field}
    assert {name: value for name, value in checked(page).items() if name != field} == kept
    with app.app_context():
        assert services.chosen_preferences(demo["users"]["mediation.a"]) == {}


def test_per_kind_preference_decides_each_email(app, demo, inbox):
    me = demo["users"]["mediation.a"]
    client = signed_in(app, "mediation.a")
    post_form(client, "/compte/notifications", {ADDED_FIELD: "immediate", CHANGED_FIELD: "none"})
    with app.app_context():
        emit("core.member_role_changed", actor_id=demo["users"]["direction.a"], user_id=me,
             association_id=demo["associations"]["a"], old_role="mediator", new_role="manager")
    assert inbox.to(address("mediation.a")) == []
    changed = rows_of(app, me)[-1]
    assert (changed.kind, changed.title, changed.mail_state) == (CHANGED, "Votre rôle dans Grand Parc Connecté a changé",
                                                                 SKIPPED)
    assert changed.text == "Votre nouveau rôle : Direction."
    add_existing_member(signed_in(app, "coordination"), demo["associations"]["b"], "mediation.a")
    (mail,) = inbox.to(address("mediation.a"))
    assert mail["Subject"] == "Vous avez été ajouté·e à Carriet Numérique Solidaire"
    assert rows_of(app, me)[-1].mail_state == SENT
    # Without a choice of their own, the profile's general setting applies: "none" means no e-mail.
    set_user(app, demo["users"]["mediation.b"], notify_email="none")
    add_existing_member(signed_in(app, "coordination"), demo["associations"]["a"], "mediation.b")
    assert inbox.to(address("mediation.b")) == []
    assert rows_of(app, demo["users"]["mediation.b"])[-1].title == "Vous avez été ajouté·e à Grand Parc Connecté"


# --- immediate e-mail, through the SMTP server --------------------------------------------------------------


def test_adding_an_existing_person_mails_them_at_once_when_they_chose_so(app, demo, inbox):
    set_user(app, demo["users"]["mediation.a"], notify_email="immediate")
    add_existing_member(signed_in(app, "coordination"), demo["associations"]["b"], "mediation.a")
    (mail,) = inbox.messages
    assert mail["To"] == "mediation.a@example.org"
    assert mail["From"] == app.config["MAIL_DEFAULT_SENDER"]
    assert mail["Subject"] == "Vous avez été ajouté·e à Carriet Numérique Solidaire"
    body = mail.get_content()
    assert body.startswith("Bonjour,")
    assert ("Camille Coordination vous a ajouté·e à l'association Carriet Numérique Solidaire sur le portail "
            "Quartiers Numériques.") in body
    assert "http://portail.test/associations/carriet-numerique-solidaire" in body
    assert "http://portail.test/compte/notifications" in body
    row = rows_of(app, demo["users"]["mediation.a"])[-1]
    assert (row.kind, row.mail_state, row.read_at) == (ADDED, SENT, None)
    # A daily reader is not mailed now; the digest will.
    add_existing_member(signed_in(app, "coordination"), demo["associations"]["a"], "mediation.b")
    assert len(inbox.messages) == 1
    assert rows_of(app, demo["users"]["mediation.b"])[-1].mail_state == PENDING


def test_nobody_is_notified_of_what_they_did_or_of_an_invitation(app, demo, inbox):
    coordination = demo["users"]["coordination"]
    with app.app_context():
        emit("core.member_removed", actor_id=coordination, user_id=coordination,
             association_id=demo["associations"]["a"])
    client = signed_in(app, "coordination")
    post_form(client, "/inviter", {"email": "nouvelle@example.org", "role": "member",
                                   "association_id": str(demo["associations"]["a"]), "association_role": "mediator"})
    with app.app_context():
        assert db.session.scalar(select(Notification).where(Notification.user_id == coordination)) is None
        newcomer = User.by_email("nouvelle@example.org")
        assert db.session.scalar(select(Notification).where(Notification.user_id == newcomer.id)) is None
    (invitation,) = inbox.messages
    assert invitation["Subject"] == "Invitation au portail Quartiers Numériques"


def test_member_removed_is_told(app, demo, inbox):
    me = demo["users"]["mediation.b"]
    set_user(app, me, notify_email="immediate")
    with app.app_context():
        emit("core.member_removed", actor_id=demo["users"]["direction.b"], user_id=me,
             association_id=demo["associations"]["b"])
    (mail,) = inbox.to(address("mediation.b"))
    assert mail["Subject"] == "Vous ne faites plus partie de l'équipe de Carriet Numérique Solidaire"
    assert rows_of(app, me)[-1].kind == CHANGED


def test_an_email_that_cannot_be_sent_waits_for_the_digest(app, demo, inbox):
    me = demo["users"]["partenaire"]
    set_user(app, me, notify_email="immediate")
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = free_port()  # nobody listens there
    (notification_id,) = add(app, [me], "Envoi raté")
    assert rows_of(app, me)[-1].mail_state == PENDING
    app.config["MAIL_PORT"] = port
    run_digest(app.test_cli_runner())
    (mail,) = inbox.to(address("partenaire"))
    assert "Envoi raté" in mail.get_content()
    assert rows_of(app, me)[-1].mail_state == SENT


def test_english_recipient_gets_english_mail(app, demo, inbox):
    """A French-speaking coordinator adds an English-speaking person: the notification and mail are in English."""
    set_user(app, demo["users"]["mediation.a"], locale="en", notify_email="immediate")
    add_existing_member(signed_in(app, "coordination"), demo["associations"]["b"], "mediation.a")
    (mail,) = inbox.messages
    assert mail["Subject"] == "You have been added to Carriet Numérique Solidaire"
    assert mail.get_content().startswith("Hello,")
    assert rows_of(app, demo["users"]["mediation.a"])[-1].title == "You have been added to Carriet Numérique Solidaire"
    # ...and so is the digest, sent from the command line where nobody's request sets a language.
    set_user(app, demo["users"]["mediation.a"], notify_email="daily")
    add(app, [demo["users"]["mediation.a"], demo["users"]["mediation.b"]],
        lazy_gettext("Vous avez été ajouté·e à %(name)s", name="Test"))
    run_digest(app.test_cli_runner())
    english = inbox.to(address("mediation.a"))[-1]
    french = inbox.to(address("mediation.b"))[-1]
    assert english.get_content().startswith("Hello,") and "You have been added to Test" in english.get_content()
    assert french.get_content().startswith("Bonjour,") and "Vous avez été ajouté·e à Test" in french.get_content()


# --- the daily digest ----------------------------------------------------------------------------------------


def test_digest_sends_each_person_their_pending_notifications(app, demo, inbox):
    users = demo["users"]
    set_user(app, users["partenaire"], notify_email="none")
    set_user(app, users["coordination"], notify_email="immediate")
    add(app, [users["mediation.a"]], "Premier", url="/associations/grand-parc-connecte", text="Un détail utile.")
    add(app, [users["mediation.a"], users["partenaire"]], "Deuxième")
    (already_read,) = add(app, [users["mediation.a"]], "Déjà lu")
    add(app, [users["coordination"]], "Envoyé tout de suite")
    with app.app_context():
        db.session.get(Notification, already_read).read_at = db.session.get(Notification, already_read).created_at
        db.session.commit()
    inbox.messages.clear()

    output = run_digest(app.test_cli_runner())
    # The demo left pending notifications for direction.a, direction.b, mediation.a and mediation.b.
    assert output.strip() == "4 digest(s) sent."
    assert sorted(message["To"] for message in inbox.messages) == sorted(
        address(key) for key in ("direction.a", "direction.b", "mediation.a", "mediation.b"))
    (digest,) = inbox.to(address("mediation.a"))
    assert digest["Subject"] == "3 nouvelles notifications sur le portail Quartiers Numériques"
    body = digest.get_content()
    assert body.startswith("Bonjour,")
    positions = [body.index(title) for title in ("Vous avez été ajouté·e à Grand Parc Connecté", "Premier", "Deuxième")]
    assert positions == sorted(positions), "oldest first, as things happened"
    assert "Un détail utile." in body and "http://portail.test/associations/grand-parc-connecte" in body
    assert "Déjà lu" not in body and "Envoyé tout de suite" not in body
    assert "http://portail.test/notifications" in body and "http://portail.test/compte/notifications" in body
    (single,) = inbox.to(address("direction.b"))
    assert single["Subject"] == "1 nouvelle notification sur le portail Quartiers Numériques"
    states = {row.title: row.mail_state for row in rows_of(app, users["mediation.a"])}
    assert states == {"Vous avez été ajouté·e à Grand Parc Connecté": SENT, "Premier": SENT, "Deuxième": SENT,
                      "Déjà lu": SKIPPED}
    assert [row.mail_state for row in rows_of(app, users["partenaire"])] == [SKIPPED]


def test_digest_follows_todays_choice_for_each_kind(app, demo, inbox):
    me = demo["users"]["mediation.a"]
    add(app, [me], "Un changement", kind=CHANGED)
    with app.app_context():
        db.session.add(NotificationPreference(user_id=me, kind=ADDED, email="none"))
        db.session.commit()
    run_digest(app.test_cli_runner())
    (digest,) = inbox.to(address("mediation.a"))
    assert "Un changement" in digest.get_content()
    assert "Vous avez été ajouté·e" not in digest.get_content()


def test_digest_run_twice_sends_once(app, demo, inbox):
    runner = app.test_cli_runner()
    assert run_digest(runner).strip() == "4 digest(s) sent."
    assert len(inbox.messages) == 4
    assert run_digest(runner).strip() == "0 digest(s) sent."
    assert len(inbox.messages) == 4
    # Something new: the next run sends only that.
    add(app, [demo["users"]["mediation.a"]], "Nouveau")
    assert run_digest(runner).strip() == "1 digest(s) sent."
    assert "Nouveau" in inbox.messages[-1].get_content()
    assert "Grand Parc" not in inbox.messages[-1].get_content()


def test_concurrent_digests_send_each_digest_once(app, demo, inbox, monkeypatch):
    """Two runs that both see the same pending notifications before either claims them."""
    users = [demo["users"][key] for key in ("direction.a", "direction.b", "mediation.a", "mediation.b")]
    add(app, users, "Pour tout le monde")
    both_looked = threading.Barrier(2, timeout=10)
    original = services.users_with_pending

    def look_then_wait():
        found = original()
        both_looked.wait()
        return found

    monkeypatch.setattr(services, "users_with_pending", look_then_wait)
    results, errors = [], []

    def run():
        try:
            with app.app_context():
                results.append(services.send_digests())
                db.session.remove()
        except Exception as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    assert len(results) == 2 and sum(run.sent for run in results) == 4
    recipients = sorted(message["To"] for message in inbox.messages)
    assert recipients == sorted(address(key) for key in ("direction.a", "direction.b", "mediation.a", "mediation.b"))


def test_digest_needs_the_portals_address(app, demo, inbox):
    app.config["SERVER_NAME"] = None
    result = app.test_cli_runner().invoke(args=["notifications", "digest"])
    assert result.exit_code != 0 and "QN_SERVER_NAME" in result.output
    assert inbox.messages == []
    with app.app_context():
        assert db.session.scalar(select(Notification).where(Notification.mail_state == SENT)) is None


def test_digest_gives_back_what_it_could_not_send(app, demo, inbox):
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = free_port()
    result = app.test_cli_runner().invoke(args=["notifications", "digest"])
    assert result.exit_code != 0 and "4 digest(s) could not be sent" in result.output
    with app.app_context():
        assert db.session.scalar(select(Notification).where(Notification.mail_state == SENT)) is None
    app.config["MAIL_PORT"] = port
    assert run_digest(app.test_cli_runner()).strip() == "4 digest(s) sent."


# --- the facade ----------------------------------------------------------------------------------------------


def test_notify_refuses_unknown_kinds_and_foreign_urls_and_skips_deactivated_accounts(app, demo):
    users = demo["users"]
    with app.app_context():
        with pytest.raises(services.UnknownNotificationKind):
            notify([users["admin"]], "core.nothing_like_this", "Titre", "/")
        for url in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
            with pytest.raises(ValueError):
                notify([users["admin"]], ADDED, "Titre", url)
        db.session.get(User, users["mediation.b"]).active = False
        db.session.commit()
        created = notify([users["mediation.a"], users["mediation.b"], db.session.get(User, users["mediation.a"])],
                         ADDED, "x" * 400, "/")
        assert [notification.user_id for notification in created] == [users["mediation.a"]]
        assert len(created[0].title) == 300
        assert notify([], ADDED, "Personne", "/") == []


# --- a plugin's kinds ----------------------------------------------------------------------------------------


class Notifier:
    """Notifier: a fake plugin that declares a kind and notifies when its event is emitted."""

    kinds = [NotificationKind("notifier.something_happened", "Il s'est passé quelque chose (extension)",
                              "Une extension de test vous prévient.")]

    @hookimpl
    def notification_kinds(self):
        return self.kinds

    @hookimpl
    def on_event(self, event):
        if event.name == "notifier.something_happened":
            notify(event.data["user_ids"], "notifier.something_happened", "Quelque chose est arrivé", "/notifications")


notifier = Notifier()


@pytest.fixture
def plugin_app(migrated, tmp_path, monkeypatch, smtp_server):
    """An app with the fake ``notifier`` plugin installed as a package, and the demo."""
    from conftest import DEMO_PASSWORD, fast_hash

    from qn_portal.demo import seed_demo

    install = installer(tmp_path / "site")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    install("notifier", f"{__name__}:notifier")
    monkeypatch.setenv("QN_DEMO_PASSWORD", DEMO_PASSWORD)
    monkeypatch.setattr("qn_portal.demo.hash_password", fast_hash)
    app = create_app(make_config(migrated, tmp_path, MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1",
                                 MAIL_PORT=smtp_server.port, DISABLED_PLUGINS=SHIPPED_PLUGINS))
    with app.app_context():
        demo = seed_demo(log=lambda message: None)
        ids = {key: user.id for key, user in demo.users.items()}
    yield app, ids
    wipe(app)


def test_a_plugins_event_becomes_a_notification_and_its_kind_a_preference(plugin_app):
    app, users = plugin_app
    assert get_host(app).plugins["notifier"].loaded
    with app.app_context():
        emit("notifier.something_happened", user_ids=[users["mediation.a"]])
    assert [row.title for row in rows_of(app, users["mediation.a"])][-1] == "Quelque chose est arrivé"
    client = signed_in(app, "mediation.a")
    page = html.unescape(client.get("/compte/notifications").get_data(as_text=True))
    assert "Il s'est passé quelque chose (extension)" in page and "Une extension de test vous prévient." in page
    assert "Il s'est passé quelque chose (extension)" in html.unescape(client.get("/notifications").get_data(as_text=True))
    response = post_form(client, "/compte/notifications", {ADDED_FIELD: "general", CHANGED_FIELD: "general",
                                                           "kind__notifier__something_happened": "none"})
    assert response.status_code == 302


def test_a_disabled_plugins_kinds_vanish_from_the_preferences_page(plugin_app):
    app, users = plugin_app
    with app.app_context():
        get_host(app).set_enabled("notifier", False)
        db.session.commit()
        # A disabled plugin hears no event, and its kind creates nothing.
        emit("notifier.something_happened", user_ids=[users["mediation.a"]])
        assert notify([users["mediation.a"]], "notifier.something_happened", "Rien", "/") == []
    client = signed_in(app, "mediation.a")
    page = html.unescape(client.get("/compte/notifications").get_data(as_text=True))
    assert "Il s'est passé quelque chose (extension)" not in page
    assert "Ajout à une association" in page
    assert [row.title for row in rows_of(app, users["mediation.a"])] == ["Vous avez été ajouté·e à Grand Parc Connecté"]
    # Saving the page without the plugin's kind keeps the choice made for it while it was enabled.
    with app.app_context():
        services.save_preferences(db.session.get(User, users["mediation.a"]), {"notifier.something_happened": "none"})
        db.session.commit()
    assert post_form(client, "/compte/notifications", {ADDED_FIELD: "daily", CHANGED_FIELD: "general"}).status_code == 302
    with app.app_context():
        assert services.chosen_preferences(users["mediation.a"]) == {ADDED: "daily", "notifier.something_happened": "none"}


def test_a_kind_outside_the_plugins_name_is_refused(plugin_app, monkeypatch):
    app, users = plugin_app
    monkeypatch.setattr(notifier, "kinds", [NotificationKind("core.stolen", "Volé")])
    with app.app_context(), pytest.raises(ValueError, match="must start with notifier."):
        services.declared_kinds()
    app.config["PLUGIN_ERRORS"] = "isolate"
    with app.app_context():
        assert "core.stolen" not in services.declared_kinds()
        assert ADDED in services.declared_kinds()


def test_profile_leads_to_the_per_kind_preferences(app, demo):
    client = signed_in(app, "mediation.a")
    assert 'href="/compte/notifications"' in client.get("/compte").get_data(as_text=True)
