"""Who sees what: partners and closed categories (lists, pages by id, search, notifications), hidden
messages out of search, the search and the similar threads, the lists."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from conftest import post_form, signed_in
from echanges_helpers import OTHERS, category_id, first_post_id, new_thread, notifications, reply, thread_id


@pytest.fixture
def config_overrides():
    return {"DISABLED_PLUGINS": OTHERS}


def search(client, words: str) -> str:
    return client.get("/recherche?q=" + quote(words)).get_data(as_text=True)


def test_a_partner_sees_only_the_open_categories(app, demo):
    partner = signed_in(app, "partenaire")
    page = partner.get("/echanges/").get_data(as_text=True)
    assert "Créer un compte Ameli" in page  # Démarches en ligne is open to partners
    assert "Exercices pour prendre en main" not in page and "Ordinateurs reconditionnés" not in page
    assert "Pédagogie" not in page
    closed = thread_id(app, "Exercices pour prendre en main")
    assert partner.get(f"/echanges/sujets/{closed}").status_code == 404
    assert partner.get(f"/echanges/messages/{first_post_id(app, closed)}/historique").status_code == 404
    assert partner.get(f"/echanges/messages/{first_post_id(app, closed)}/signaler").status_code == 404
    assert partner.get(f"/echanges/?categorie={category_id(app, 'Pédagogie')}").status_code == 404
    assert partner.get(f"/echanges/sujets/{thread_id(app, 'Créer un compte Ameli')}").status_code == 200
    mediator = signed_in(app, "mediation.a")
    assert mediator.get(f"/echanges/sujets/{closed}").status_code == 200



def test_search_documents(app, demo):
    mediator = signed_in(app, "mediation.a")
    partner = signed_in(app, "partenaire")
    response = new_thread(mediator, app, title="Clés USB chiffrées pour les documents", body="Quelle marque ?")
    assert response.status_code == 302
    assert "Clés USB chiffrées" in search(mediator, "clés chiffrées")
    assert "Clés USB chiffrées" not in search(partner, "clés chiffrées")
    new_thread(mediator, app, category="Démarches en ligne", title="Rendez-vous en préfecture par internet",
               body="Les créneaux ANTS partent vite.")
    assert "Rendez-vous en préfecture" in search(partner, "préfecture")
    # Moving a thread to a closed category takes it out of the partners' search.
    coordinator = signed_in(app, "coordination")
    thread = thread_id(app, "Rendez-vous en préfecture")
    assert post_form(coordinator, f"/echanges/sujets/{thread}/deplacer",
                     {"category": str(category_id(app, "Outils"))}).status_code == 302
    assert "Rendez-vous en préfecture" not in search(partner, "préfecture")
    assert partner.get(f"/echanges/sujets/{thread}").status_code == 404
    # Opening the category to partners brings it back.
    outils = category_id(app, "Outils")
    assert post_form(coordinator, f"/echanges/categories/{outils}/modifier",
                     {"name": "Outils", "position": "20", "open_to_partners": "y"}).status_code == 302
    assert "Rendez-vous en préfecture" in search(partner, "préfecture")


def test_a_hidden_message_is_absent_from_search(app, demo):
    thread = thread_id(app, "Exercices pour prendre en main")
    mediator = signed_in(app, "mediation.a")
    reply(mediator, thread, "Essayez le logiciel zorglubix pour la souris.")
    assert "Exercices pour prendre en main" in search(mediator, "zorglubix")
    coordinator = signed_in(app, "coordination")
    from echanges_helpers import last_post_id

    post = last_post_id(app, thread)
    response = post_form(coordinator, f"/echanges/messages/{post}/masquer", {"reason": ""})
    assert response.status_code == 200 and "Indiquez la raison" in response.get_data(as_text=True)
    assert post_form(coordinator, f"/echanges/messages/{post}/masquer",
                     {"reason": "Publicité pour un logiciel payant."}).status_code == 302
    assert "Exercices pour prendre en main" not in search(mediator, "zorglubix")
    assert "Exercices pour prendre en main" not in search(coordinator, "zorglubix")
    assert post_form(coordinator, f"/echanges/messages/{post}/retablir", {},
                     form_url=f"/echanges/sujets/{thread}").status_code == 302
    assert "Exercices pour prendre en main" in search(mediator, "zorglubix")


def test_lists_and_full_text(app, demo):
    mediator = signed_in(app, "mediation.b")
    unanswered = mediator.get("/echanges/?vue=sans-reponse").get_data(as_text=True)
    assert "Exercices pour prendre en main" in unanswered and "Créer un compte Ameli" not in unanswered
    solved = mediator.get("/echanges/?vue=resolus").get_data(as_text=True)
    assert "Créer un compte Ameli" in solved and "Exercices pour prendre en main" not in solved
    mine = mediator.get("/echanges/?vue=mes-sujets").get_data(as_text=True)
    assert "Exercices pour prendre en main" in mine and "Créer un compte Ameli" in mine  # asked one, answered one
    assert "Comité de suivi" not in mine
    found = mediator.get("/echanges/?q=" + quote("ordinateurs reconditionnés")).get_data(as_text=True)
    assert "Ordinateurs reconditionnés" in found and "Créer un compte Ameli" not in found
    by_tag = mediator.get("/echanges/?tag=seniors").get_data(as_text=True)
    assert "Créer un compte Ameli" in by_tag and "Ordinateurs reconditionnés" not in by_tag
    assert mediator.get("/echanges/?vue=nimporte&page=1").status_code == 200
    assert mediator.get("/echanges/?categorie=999999").status_code == 404


def test_similar_threads_without_javascript(app, demo):
    mediator = signed_in(app, "mediation.b")
    response = post_form(mediator, "/echanges/sujets/nouveau", {
        "title": "Compte Ameli d'une personne âgée", "category": "", "body": "Mon brouillon", "tags": "ameli",
        "check": "Vérifier les sujets proches"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Sujets proches déjà ouverts" in page and "Créer un compte Ameli" in page
    assert "Mon brouillon" in page and "Compte Ameli d&#39;une personne âgée" in page  # nothing lost
    assert "error-summary" not in page  # checking is not submitting
    partner_view = post_form(signed_in(app, "coordination"), "/echanges/sujets/nouveau", {
        "title": "Zzzz inconnu", "check": "Vérifier les sujets proches"}).get_data(as_text=True)
    assert "Aucun sujet proche" in partner_view


def test_nobody_is_told_about_a_thread_they_cannot_read(app, demo):
    partner_id = demo["users"]["partenaire"]
    # The partner follows the tag "seniors"; a thread with that tag in a closed category tells them nothing.
    partner = signed_in(app, "partenaire")
    assert post_form(partner, "/echanges/mots-cles/suivre", {"tag": "seniors"},
                     form_url="/echanges/?tag=seniors").status_code == 302
    mediator = signed_in(app, "mediation.a")
    response = new_thread(mediator, app, body="Question pour @Pascale Partenaire et @Nadia Médiation")
    assert response.status_code == 302
    page = mediator.get(response.headers["Location"]).get_data(as_text=True)
    assert "Pascale Partenaire ne peut pas lire ce sujet" in page
    told = notifications(app)
    assert all(user_id != partner_id for user_id, _kind in told)
    assert (demo["users"]["mediation.b"], "echanges.mention") in told
    # In a category open to partners, they are told.
    new_thread(mediator, app, category="Démarches en ligne", title="Dossier retraite des seniors en ligne",
               body="Qui connaît le simulateur ?")
    assert (partner_id, "echanges.new_thread") in notifications(app)
