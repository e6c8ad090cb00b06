"""Mentions, following, the fan-out of notifications (once each), the nav count, the widget, moderation."""

from __future__ import annotations

import pytest
from conftest import post_form, signed_in
from echanges_helpers import OTHERS, last_post_id, m, new_thread, notifications, reply, thread_id
from sqlalchemy import func, select

from qn_portal.extensions import db


@pytest.fixture
def config_overrides():
    return {"DISABLED_PLUGINS": OTHERS}


def add_user(app, name: str, email: str, association: str = "a", role: str = "mediator", demo=None) -> int:
    from qn_portal.accounts.models import User
    from qn_portal.associations.models import Membership

    with app.app_context():
        user = User(email=email, name=name)
        db.session.add(user)
        db.session.flush()
        db.session.add(Membership(user_id=user.id, association_id=demo["associations"][association], role=role))
        db.session.commit()
        return user.id


def test_mentions_are_resolved_case_and_accent_insensitively(app, demo):
    thread = thread_id(app, "Exercices pour prendre en main")
    client = signed_in(app, "mediation.a")
    response = reply(client, thread, "Je pense que @nadia mediation a une fiche, et @camille COORDINATION aussi.")
    assert response.status_code == 302
    page = client.get(f"/echanges/sujets/{thread}").get_data(as_text=True)
    assert "<strong>@nadia mediation</strong>" in page and "<strong>@camille COORDINATION</strong>" in page
    mentions = notifications(app, "echanges.mention")
    assert sorted(user for user, _kind in mentions) == sorted([demo["users"]["mediation.b"],
                                                              demo["users"]["coordination"]])
    # Editing the message does not tell them twice; a newly mentioned person is told.
    post = last_post_id(app, thread)
    post_form(client, f"/echanges/messages/{post}/modifier",
              {"body": "Je pense que @Nadia Médiation a une fiche, @Camille Coordination et @Bilal Direction aussi."})
    mentions = notifications(app, "echanges.mention")
    assert len(mentions) == 3 and mentions[-1][0] == demo["users"]["direction.b"]


def test_the_longest_name_wins_and_ambiguous_or_unknown_names_reach_nobody(app, demo):
    marie = add_user(app, "Marie Dupont", "marie.dupont@example.org", demo=demo)
    marie_claire = add_user(app, "Marie Dupont Lefèvre", "marie.claire@example.org", demo=demo)
    add_user(app, "Jean Martin", "jean.martin1@example.org", demo=demo)
    add_user(app, "Jean Martin", "jean.martin2@example.org", association="b", demo=demo)
    thread = thread_id(app, "Exercices pour prendre en main")
    client = signed_in(app, "mediation.a")
    response = reply(client, thread, "Merci @Marie Dupont Lefevre ! Et @Jean Martin, et @Personne Inconnue. "
                                     "Mon e-mail : contact@example.org")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Plusieurs personnes s&#39;appellent « Jean Martin »" in page
    assert "Personne ne s&#39;appelle « Personne Inconnue »" in page
    told = [user for user, _kind in notifications(app, "echanges.mention")]
    assert told == [marie_claire] and marie not in told
    # The message is saved all the same.
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(m().EchangesMention)) >= 1


def test_followers_are_told_once_each(app, demo):
    users = demo["users"]
    coordinator = signed_in(app, "coordination")
    direction = signed_in(app, "direction.a")
    # direction.a follows the category, the tag and the thread: one notification per message all the same.
    pedagogie = db_category(app, "Pédagogie")
    post_form(direction, f"/echanges/categories/{pedagogie}/suivre", {}, form_url="/echanges/")
    post_form(direction, "/echanges/mots-cles/suivre", {"tag": "souris"}, form_url="/echanges/")
    thread = thread_id(app, "Exercices pour prendre en main")
    post_form(direction, f"/echanges/sujets/{thread}/suivre", {}, form_url=f"/echanges/sujets/{thread}")
    before = len(notifications(app))
    reply(coordinator, thread, "Voici le déroulé de l'atelier souris de la rentrée, @Dominique Direction.")
    after = notifications(app)[before:]
    recipients = [user for user, _kind in after]
    assert len(recipients) == len(set(recipients))  # nobody twice
    assert (users["direction.a"], "echanges.mention") in after  # a mention wins over a follow
    assert (users["mediation.b"], "echanges.reply") in after  # the author follows their thread
    assert (users["mediation.a"], "echanges.topic_reply") in after  # follows Pédagogie in the demo
    assert all(user != users["coordination"] for user in recipients)  # not the one who wrote
    # The coordinator now follows the thread: the next reply tells them.
    before = len(notifications(app))
    reply(signed_in(app, "mediation.b"), thread, "Merci beaucoup !")
    after = notifications(app)[before:]
    assert (users["coordination"], "echanges.reply") in after
    assert all(user != users["mediation.b"] for user, _kind in after)


def test_a_new_thread_tells_the_followers_of_its_category_and_tags(app, demo):
    users = demo["users"]
    new_thread(signed_in(app, "mediation.b"), app, tags="seniors, tablettes")
    told = notifications(app, "echanges.new_thread")
    # mediation.a follows Pédagogie; mediation.b (the author) follows "seniors" but wrote it.
    assert told == [(users["mediation.a"], "echanges.new_thread")]


def test_unfollowing_stops_the_notifications_and_the_digest_picks_them_up(app, demo):
    from qn_portal.notifications.models import Notification

    users = demo["users"]
    thread = thread_id(app, "Exercices pour prendre en main")
    author = signed_in(app, "mediation.b")
    assert post_form(author, f"/echanges/sujets/{thread}/suivre", {},
                     form_url=f"/echanges/sujets/{thread}").status_code == 302  # stops following
    reply(signed_in(app, "direction.a"), thread, "Une réponse.")
    assert all(user != users["mediation.b"] for user, _kind in notifications(app, "echanges.reply"))
    post_form(author, f"/echanges/sujets/{thread}/suivre", {}, form_url=f"/echanges/sujets/{thread}")
    reply(signed_in(app, "direction.a"), thread, "Une autre réponse.")
    with app.app_context():
        notification = db.session.scalar(select(Notification).where(
            Notification.user_id == users["mediation.b"], Notification.kind == "echanges.reply"))
        # Demo accounts get e-mails in the daily digest by default: the core sends it.
        assert notification is not None and notification.mail_state == "pending"


def test_the_nav_counts_new_messages_in_followed_threads(app, demo):
    thread = thread_id(app, "Exercices pour prendre en main")
    author = signed_in(app, "mediation.b")
    # The demo left one new message in a thread mediation.b answered: read it.
    assert "Échanges (nouveaux messages : 1)" in author.get("/tableau-de-bord").get_data(as_text=True)
    post_form(author, f"/echanges/sujets/{thread_id(app, 'Créer un compte Ameli')}/lu", {},
              form_url=f"/echanges/sujets/{thread}")
    assert "Échanges (" not in author.get("/tableau-de-bord").get_data(as_text=True)
    reply(signed_in(app, "direction.a"), thread, "Première réponse.")
    reply(signed_in(app, "mediation.a"), thread, "Deuxième réponse.")
    assert "Échanges (nouveaux messages : 2)" in author.get("/tableau-de-bord").get_data(as_text=True)
    post_form(author, "/echanges/suivis/lu", {}, form_url="/echanges/?vue=suivis")
    assert "Échanges (" not in author.get("/tableau-de-bord").get_data(as_text=True)


def test_the_dashboard_widget_lists_unanswered_questions_in_my_themes(app, demo):
    page = signed_in(app, "mediation.a").get("/tableau-de-bord").get_data(as_text=True)
    assert "questions sans réponse dans mes thèmes" in page
    assert "Exercices pour prendre en main" in page  # Pédagogie is followed by mediation.a
    partner = signed_in(app, "partenaire").get("/tableau-de-bord").get_data(as_text=True)
    assert "Exercices pour prendre en main" not in partner


def db_category(app, name):
    from echanges_helpers import category_id

    return category_id(app, name)


def test_reports_and_the_moderation_queue(app, demo):
    from qn_portal.audit.models import AuditEntry
    from qn_portal.notifications.models import Notification

    thread = thread_id(app, "Ordinateurs reconditionnés")
    post = last_post_id(app, thread)  # direction.b's reply
    reporter = signed_in(app, "mediation.a")
    response = post_form(reporter, f"/echanges/messages/{post}/signaler", {"reason": "", "comment": "x" * 1001})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Choisissez une raison." in page and "1 000 caractères au plus." in page
    assert post_form(reporter, f"/echanges/messages/{post}/signaler",
                     {"reason": "propos_deplaces", "comment": "Ton agressif."}).status_code == 302
    assert reporter.get("/echanges/moderation").status_code == 403
    coordinator = signed_in(app, "coordination")
    queue = coordinator.get("/echanges/moderation").get_data(as_text=True)
    assert "Ton agressif." in queue and "Propos déplacés ou blessants" in queue
    assert post_form(coordinator, f"/echanges/messages/{post}/masquer",
                     {"reason": "Merci de rester courtois."}).status_code == 302
    assert "Ton agressif." not in coordinator.get("/echanges/moderation").get_data(as_text=True)
    # The author sees the reason; others see a marker only.
    author_page = signed_in(app, "direction.b").get(f"/echanges/sujets/{thread}").get_data(as_text=True)
    assert "Merci de rester courtois." in author_page and "sacoches et les chargeurs" in author_page
    other_page = reporter.get(f"/echanges/sujets/{thread}").get_data(as_text=True)
    assert "Message masqué par la modération." in other_page
    assert "sacoches et les chargeurs" not in other_page and "Merci de rester courtois." not in other_page
    with app.app_context():
        told = db.session.scalar(select(Notification).where(Notification.kind == "echanges.moderation"))
        assert told.user_id == demo["users"]["direction.b"] and "courtois" in told.text
        actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("echanges.%"))))
    assert "echanges.post_hidden" in actions
    # Thanks, reports and edits are closed on a hidden message.
    assert reporter.get(f"/echanges/messages/{post}/signaler").status_code == 404
    # Lock, move: audited.
    post_form(coordinator, f"/echanges/sujets/{thread}/verrouiller", {}, form_url=f"/echanges/sujets/{thread}")
    response = post_form(coordinator, f"/echanges/sujets/{thread}/deplacer", {"category": ""})
    assert "Choisissez une catégorie." in response.get_data(as_text=True)
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("echanges.%"))))
    assert {"echanges.post_hidden", "echanges.thread_locked"} <= actions
    # Dismissing the demo's report.
    with app.app_context():
        report = db.session.scalar(select(m().EchangesReport.id).where(m().EchangesReport.resolved_at.is_(None)))
    assert post_form(coordinator, f"/echanges/signalements/{report}/classer", {},
                     form_url="/echanges/moderation").status_code == 302
    assert "Aucun signalement à traiter." in coordinator.get("/echanges/moderation").get_data(as_text=True)


def test_the_plugin_disabled_leaves_no_trace(app, demo):
    client = signed_in(app, "mediation.a")
    assert "Échanges" in client.get("/tableau-de-bord").get_data(as_text=True)
    admin = signed_in(app, "admin")
    post_form(admin, "/admin/extensions/echanges", {"enabled": ""}, form_url="/admin/extensions")
    assert client.get("/echanges/").status_code == 404
