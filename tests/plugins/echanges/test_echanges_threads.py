"""Threads, replies, solutions, thanks, edits with history and deletion, with bad input."""

from __future__ import annotations

import pytest
from conftest import post_form, signed_in
from echanges_helpers import OTHERS, category_id, first_post_id, last_post_id, m, new_thread, reply, thread_id
from sqlalchemy import func, select

from qn_portal.extensions import db


@pytest.fixture
def config_overrides():
    return {"DISABLED_PLUGINS": OTHERS}


def test_a_mediator_opens_a_thread_and_a_peer_answers(app, demo):
    author = signed_in(app, "mediation.a")
    response = new_thread(author, app)
    assert response.status_code == 302
    page = author.get(response.headers["Location"]).get_data(as_text=True)
    assert "Atelier tablette avec des seniors" in page and "<strong>première séance</strong>" in page
    thread = thread_id(app, "Atelier tablette")
    with app.app_context():
        saved = db.session.get(m().EchangesThread, thread)
        assert saved.tag_list == ["tablettes", "seniors"] and saved.reply_count == 0
    peer = signed_in(app, "mediation.b")
    assert reply(peer, thread, "Nous commençons par allumer et éteindre la tablette.").status_code == 302
    assert reply(peer, thread, "Et une deuxième idée.").status_code == 302
    with app.app_context():
        saved = db.session.get(m().EchangesThread, thread)
        assert saved.reply_count == 2
    page = author.get(f"/echanges/sujets/{thread}").get_data(as_text=True)
    assert page.index("allumer et éteindre") < page.index("deuxième idée")  # replies in order


@pytest.mark.parametrize("fields, message", [
    ({"body": "   "}, "Écrivez votre message : il est vide."),
    ({"title": ""}, "Indiquez un titre."),
    ({"title": "Abc"}, "Entre 5 et 200 caractères."),
    ({"category": "999999"}, "Choisissez une catégorie."),
    ({"tags": "a, b, c, d, e, f"}, "Indiquez au plus 5 mots-clés."),
    ({"links": "javascript:alert(1)"}, "n&#39;est pas l&#39;adresse d&#39;une page du portail"),
    ({"links": "/admin/personnes"}, "Aucun module de ressources"),
])
def test_bad_thread_input_is_refused_and_kept(app, demo, fields, message):
    client = signed_in(app, "mediation.a")
    response = new_thread(client, app, **{"title": "Un titre bien rempli", **fields})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page and "error-summary" in page
    assert "Un titre bien rempli" in page or fields.get("title") is not None  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(m().EchangesThread).where(
            m().EchangesThread.title == "Un titre bien rempli")) == 0


def test_a_partner_may_not_write(app, demo):
    partner = signed_in(app, "partenaire")
    assert partner.get("/echanges/sujets/nouveau").status_code == 403
    thread = thread_id(app, "Créer un compte Ameli")
    response = partner.post(f"/echanges/sujets/{thread}/repondre", data={"body": "Bonjour"})
    assert response.status_code in (400, 403)


def test_an_empty_reply_is_refused(app, demo):
    client = signed_in(app, "mediation.a")
    thread = thread_id(app, "Exercices pour prendre en main")
    response = reply(client, thread, "  ")
    assert response.status_code == 200 and "Écrivez votre message : il est vide." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(m().EchangesThread, thread).reply_count == 0


def test_a_reply_to_a_locked_thread_is_refused(app, demo):
    thread = thread_id(app, "Exercices pour prendre en main")
    coordinator = signed_in(app, "coordination")
    assert post_form(coordinator, f"/echanges/sujets/{thread}/verrouiller", {},
                     form_url=f"/echanges/sujets/{thread}").status_code == 302
    client = signed_in(app, "mediation.a")
    page = client.get(f"/echanges/sujets/{thread}").get_data(as_text=True)
    assert "verrouillé" in page and 'name="body"' not in page
    response = client.post(f"/echanges/sujets/{thread}/repondre",
                           data={"csrf_token": _token(client), "body": "Je réponds quand même"},
                           follow_redirects=True)
    assert "on ne peut plus y répondre" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(m().EchangesThread, thread).reply_count == 0
        assert db.session.scalar(select(func.count()).select_from(m().EchangesPost).where(
            m().EchangesPost.body == "Je réponds quand même")) == 0


def _token(client):
    from conftest import csrf_token

    return csrf_token(client, "/echanges/sujets/nouveau")


def test_the_author_marks_the_solution_and_people_say_thanks(app, demo):
    author = signed_in(app, "mediation.b")
    thread = thread_id(app, "Exercices pour prendre en main")
    peer = signed_in(app, "mediation.a")
    reply(peer, thread, "Le jeu du solitaire, tout simplement.")
    answer = last_post_id(app, thread)
    # Only the author (or the coordination) decides what solved it.
    other = signed_in(app, "direction.a")
    assert post_form(other, f"/echanges/messages/{answer}/solution", {},
                     form_url=f"/echanges/sujets/{thread}").status_code == 403
    assert post_form(author, f"/echanges/messages/{answer}/solution", {},
                     form_url=f"/echanges/sujets/{thread}").status_code == 302
    # The question itself cannot be its own solution.
    first = first_post_id(app, thread)
    post_form(author, f"/echanges/messages/{first}/solution", {}, form_url=f"/echanges/sujets/{thread}")
    with app.app_context():
        assert db.session.get(m().EchangesThread, thread).solution_post_id == answer
    page = author.get("/echanges/?vue=resolus").get_data(as_text=True)
    assert "Exercices pour prendre en main" in page
    assert post_form(author, f"/echanges/messages/{answer}/merci", {},
                     form_url=f"/echanges/sujets/{thread}").status_code == 302
    post_form(other, f"/echanges/messages/{answer}/merci", {}, form_url=f"/echanges/sujets/{thread}")
    # Thanking one's own message does nothing.
    post_form(peer, f"/echanges/messages/{answer}/merci", {}, form_url=f"/echanges/sujets/{thread}")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(m().EchangesThanks).where(
            m().EchangesThanks.post_id == answer)) == 2
    assert "2 mercis" in author.get(f"/echanges/sujets/{thread}").get_data(as_text=True)
    # A second click takes the thanks back.
    post_form(other, f"/echanges/messages/{answer}/merci", {}, form_url=f"/echanges/sujets/{thread}")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(m().EchangesThanks).where(
            m().EchangesThanks.post_id == answer)) == 1


def test_editing_keeps_history_and_only_the_author_edits(app, demo):
    thread = thread_id(app, "Créer un compte Ameli")
    post = last_post_id(app, thread)  # mediation.a's thanks
    intruder = signed_in(app, "mediation.b")
    assert intruder.get(f"/echanges/messages/{post}/modifier").status_code == 403
    assert intruder.post(f"/echanges/messages/{post}/modifier",
                         data={"csrf_token": _token(intruder), "body": "Réécrit"}).status_code == 403
    coordinator = signed_in(app, "coordination")
    assert coordinator.get(f"/echanges/messages/{post}/modifier").status_code == 403
    author = signed_in(app, "mediation.a")
    response = post_form(author, f"/echanges/messages/{post}/modifier", {"body": ""})
    assert response.status_code == 200 and "il est vide" in response.get_data(as_text=True)
    response = post_form(author, f"/echanges/messages/{post}/modifier", {"body": "Merci Nadia, compte ouvert !"})
    assert response.status_code == 302
    page = author.get(f"/echanges/sujets/{thread}").get_data(as_text=True)
    assert "compte ouvert !" in page and "historique" in page
    history = author.get(f"/echanges/messages/{post}/historique").get_data(as_text=True)
    assert "elle revient la semaine prochaine" in history
    # The first message carries the title: editing it keeps the old title too.
    first = first_post_id(app, thread)
    response = post_form(author, f"/echanges/messages/{first}/modifier", {
        "title": "Compte Ameli sans adresse e-mail", "body": "Nouvelle version", "tags": "ameli", "links": ""})
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.get(m().EchangesThread, thread)
        assert saved.title == "Compte Ameli sans adresse e-mail" and saved.tag_list == ["ameli"]
        revision = db.session.scalar(select(m().EchangesRevision).where(m().EchangesRevision.post_id == first))
        assert revision.title.startswith("Créer un compte Ameli")


def test_deleting_leaves_a_marker(app, demo):
    thread = thread_id(app, "Créer un compte Ameli")
    with app.app_context():
        post = db.session.scalar(select(m().EchangesPost.id).where(
            m().EchangesPost.thread_id == thread, m().EchangesPost.author_id == demo["users"]["mediation.b"]))
    assert post_form(signed_in(app, "mediation.a"), f"/echanges/messages/{post}/supprimer", {},
                     form_url=f"/echanges/sujets/{thread}").status_code == 403
    author = signed_in(app, "mediation.b")
    assert post_form(author, f"/echanges/messages/{post}/supprimer", {},
                     form_url=f"/echanges/sujets/{thread}").status_code == 302
    page = author.get(f"/echanges/sujets/{thread}").get_data(as_text=True)
    assert "Message supprimé." in page and "fiche pas à pas" not in page
    assert "ça a marché" in page  # the replies still make sense
    with app.app_context():
        saved = db.session.get(m().EchangesPost, post)
        assert saved.deleted_at is not None and saved.body == ""


def test_coordinators_maintain_categories(app, demo):
    coordinator = signed_in(app, "coordination")
    response = post_form(coordinator, "/echanges/categories", {"name": "", "position": "abc"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Indiquez un nom." in page and "Indiquez un nombre entier" in page
    response = post_form(coordinator, "/echanges/categories", {"name": "pédagogie"})
    assert "Une catégorie porte déjà ce nom." in response.get_data(as_text=True)
    response = post_form(coordinator, "/echanges/categories",
                         {"name": "Accès aux droits", "position": "15", "open_to_partners": "y"})
    assert response.status_code == 302
    created = category_id(app, "Accès aux droits")
    assert signed_in(app, "partenaire").get(f"/echanges/?categorie={created}").status_code == 200
    assert signed_in(app, "mediation.a").get("/echanges/categories").status_code == 403
    response = post_form(coordinator, f"/echanges/categories/{created}/modifier", {"name": "Outils"})
    assert "Une catégorie porte déjà ce nom." in response.get_data(as_text=True)


def test_tags_are_matched_exactly_and_the_stats_command(app, demo, runner):
    client = signed_in(app, "mediation.a")
    assert new_thread(client, app, tags="pass_numérique").status_code == 302
    assert "Atelier tablette" in client.get("/echanges/?tag=pass_numérique").get_data(as_text=True)
    assert "Atelier tablette" not in client.get("/echanges/?tag=pass%25").get_data(as_text=True)
    assert "Atelier tablette" not in client.get("/echanges/?tag=pass_num_rique").get_data(as_text=True)
    result = runner.invoke(args=["echanges", "stats"])
    assert result.exit_code == 0 and "6 thread(s), 2 unanswered, 1 open report(s)." in result.output
