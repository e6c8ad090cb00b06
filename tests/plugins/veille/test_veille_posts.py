"""Veille posts: writing (with bad input), who reads what, scheduling, search, reactions, comments, moderation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import post_form, signed_in
from sqlalchemy import func, select

from qn_portal.extensions import db

OTHERS = ["ressources", "ateliers", "cofinancements", "echanges", "programme"]


@pytest.fixture
def config_overrides():
    # The other built-in plugins are left out: these tests are about the veille alone.
    return {"DISABLED_PLUGINS": OTHERS}


def models():
    import importlib

    # ``plugins.veille.models`` is also the name of a hook function in the package: take the module itself.
    return importlib.import_module("plugins.veille.models")


def paris(moment) -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo("Europe/Paris")).strftime("%Y-%m-%dT%H:%M")


def new_post(client, **fields):
    from qn_portal.dbtypes import utcnow

    data = {"title": "Un billet de test", "category": "solution", "body": "Du **texte** utile.",
            "tags": "Smartphone, CAF, smartphone", "communes": ["Lormont", "Cenon"], "visibility": "intranet",
            "published_at": paris(utcnow() - timedelta(minutes=1)), "source_url": "https://source.example.org/a"}
    data.update(fields)
    return post_form(client, "/veille/billets/nouveau", data)


def post_id(app, title: str) -> int:
    with app.app_context():
        return db.session.scalar(select(models().VeillePost.id).where(models().VeillePost.title == title))


def test_a_coordinator_publishes_a_post(app, demo):
    coordinator = signed_in(app, "coordination")
    response = new_post(coordinator, title="Ameli change d'écran", pinned="y")
    assert response.status_code == 302
    page = coordinator.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ameli change d&#39;écran" in page and "<strong>texte</strong>" in page
    with app.app_context():
        post = db.session.scalar(select(models().VeillePost).where(models().VeillePost.title == "Ameli change d'écran"))
        assert post.tag_list == ["smartphone", "caf"]
        assert post.commune_list == ["Cenon", "Lormont"]  # in the official order
        assert post.pinned and post.announced_at is not None
    listing = coordinator.get("/veille/").get_data(as_text=True)
    assert listing.index("Ameli change") < listing.index("Pass numérique")  # pinned, newest first


@pytest.mark.parametrize(("fields", "message"), [
    ({"title": ""}, "Indiquez un titre."),
    ({"category": "inconnue"}, "Choisissez une catégorie de la liste."),
    ({"body": ""}, "Écrivez le texte du billet."),
    ({"published_at": "demain"}, "Indiquez le jour et l"),
    ({"published_at": "1850-01-01T10:00"}, "entre 2000 et 2100"),
    ({"source_url": "javascript:alert(1)"}, "commençant par https://"),
    ({"visibility": "tout-le-monde"}, "Choisissez qui peut lire ce billet."),
    ({"communes": ["Paris"]}, "Cochez seulement les cases proposées."),
    ({"tags": ",".join(f"mot{i}" for i in range(12))}, "8 mots-clés au plus."),
])
def test_bad_input_is_refused_next_to_the_field(app, demo, fields, message):
    coordinator = signed_in(app, "coordination")
    response = new_post(coordinator, title=fields.pop("title", "Billet refusé"), **fields)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page and "error-summary" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(models().VeillePost).where(
            models().VeillePost.title == "Billet refusé")) == 0


def test_only_coordinators_write(app, demo):
    for key in ("mediation.a", "direction.a", "partenaire"):
        client = signed_in(app, key)
        assert client.get("/veille/billets/nouveau").status_code == 403
        assert client.get("/veille/acteurs/nouveau").status_code == 403
        assert client.get("/veille/sources/").status_code == 403


def test_intranet_posts_are_the_programmes(app, demo):
    coordinator = signed_in(app, "coordination")
    new_post(coordinator, title="Billet intranet secret", visibility="intranet")
    new_post(coordinator, title="Billet public ouvert", visibility="public")
    secret, shared = post_id(app, "Billet intranet secret"), post_id(app, "Billet public ouvert")
    mediator, partner, anonymous = signed_in(app, "mediation.b"), signed_in(app, "partenaire"), app.test_client()
    assert mediator.get(f"/veille/billets/{secret}").status_code == 200
    assert partner.get(f"/veille/billets/{secret}").status_code == 404
    assert anonymous.get(f"/veille/billets/{secret}").status_code == 302  # asked to sign in
    assert anonymous.get(f"/veille/billets/{shared}").status_code == 200
    assert partner.get(f"/veille/billets/{shared}").status_code == 200
    assert "Billet intranet secret" not in partner.get("/veille/").get_data(as_text=True)
    assert "Billet intranet secret" in mediator.get("/veille/").get_data(as_text=True)
    # The portal's search: the members find the intranet post, partners do not.
    assert "Billet intranet secret" in mediator.get("/recherche?q=billet+intranet+secret").get_data(as_text=True)
    assert "Billet intranet secret" not in partner.get("/recherche?q=billet+intranet+secret").get_data(as_text=True)
    assert "Billet public ouvert" in partner.get("/recherche?q=billet+public+ouvert").get_data(as_text=True)
    assert "Billet public ouvert" in partner.get("/recherche?q=billet+public&type=Veille").get_data(as_text=True)
    # The dashboard widget follows the same rule.
    assert "Billet intranet secret" not in partner.get("/tableau-de-bord").get_data(as_text=True)
    assert "Billet intranet secret" in mediator.get("/tableau-de-bord").get_data(as_text=True)


def test_a_scheduled_post_stays_hidden_until_its_date(app, demo, runner):
    from plugins.veille import services
    from qn_portal.dbtypes import utcnow

    coordinator = signed_in(app, "coordination")
    response = new_post(coordinator, title="Appel programmé", visibility="public",
                        published_at=paris(utcnow() + timedelta(days=2)))
    assert response.status_code == 302
    scheduled = post_id(app, "Appel programmé")
    mediator = signed_in(app, "mediation.a")
    assert "Appel programmé" in coordinator.get(f"/veille/billets/{scheduled}").get_data(as_text=True)
    assert mediator.get(f"/veille/billets/{scheduled}").status_code == 404
    assert app.test_client().get(f"/veille/billets/{scheduled}").status_code == 302
    for path in ("/veille/", "/tableau-de-bord", "/recherche?q=appel+programme"):
        assert "Appel programmé" not in mediator.get(path).get_data(as_text=True), path
    assert "Appel programmé" not in app.test_client().get("/veille/flux.atom").get_data(as_text=True)
    assert "Appel programmé" not in coordinator.get("/recherche?q=appel+programme").get_data(as_text=True)
    # Nothing is due yet: the cron job announces nothing.
    assert "0 scheduled post(s) published" in runner.invoke(args=["veille", "publish-due"]).output
    # Its date comes: it shows in lists at once, and the cron job indexes it.
    with app.app_context():
        post = db.session.get(models().VeillePost, scheduled)
        post.published_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert "Appel programmé" in mediator.get("/veille/").get_data(as_text=True)
    result = runner.invoke(args=["veille", "publish-due"])
    assert "1 scheduled post(s) published" in result.output, result.output
    assert "Appel programmé" in mediator.get("/recherche?q=appel+programme").get_data(as_text=True)
    assert "Appel programmé" in app.test_client().get("/veille/flux.atom").get_data(as_text=True)
    assert "0 scheduled post(s) published" in runner.invoke(args=["veille", "publish-due"]).output
    with app.app_context():
        assert services.publish_due() == 0


def test_rescheduling_a_post_takes_it_out_of_search(app, demo):
    from qn_portal.dbtypes import utcnow

    coordinator = signed_in(app, "coordination")
    new_post(coordinator, title="Billet reporté", visibility="public")
    target = post_id(app, "Billet reporté")
    assert "Billet reporté" in coordinator.get("/recherche?q=billet+reporte").get_data(as_text=True)
    response = post_form(coordinator, f"/veille/billets/{target}/modifier", {
        "title": "Billet reporté", "category": "evenement", "body": "Plus tard.", "visibility": "public",
        "published_at": paris(utcnow() + timedelta(days=3))})
    assert response.status_code == 302
    assert "Billet reporté" not in coordinator.get("/recherche?q=billet+reporte").get_data(as_text=True)
    assert "Billet reporté" not in signed_in(app, "mediation.a").get("/veille/").get_data(as_text=True)


def test_filters_by_category_tag_and_commune(app, demo):
    mediator = signed_in(app, "mediation.a")
    page = mediator.get("/veille/?category=appel").get_data(as_text=True)
    assert "Pass numérique" in page and "Ameli" not in page
    page = mediator.get("/veille/?tag=seniors").get_data(as_text=True)
    assert "inclusion numérique des seniors" in page and "Pass numérique" not in page
    page = mediator.get("/veille/?commune=Lormont").get_data(as_text=True)
    assert "Pass numérique" in page and "Ameli" not in page
    # Unknown values are ignored, never an error.
    assert mediator.get("/veille/?category=%3Cscript%3E&commune=Paris&tag=" + "x" * 500).status_code == 200
    assert mediator.get("/veille/?page=999").status_code == 404


def test_whats_new_since_my_last_visit(app, demo):
    mediator = signed_in(app, "mediation.a")
    page = mediator.get("/veille/").get_data(as_text=True)
    assert "Nouveau</p>" not in page
    assert post_form(mediator, "/veille/vu", form_url="/veille/").status_code == 302
    assert "Aucun nouveau billet depuis" in mediator.get("/veille/").get_data(as_text=True)
    new_post(signed_in(app, "coordination"), title="Tout frais")
    page = mediator.get("/veille/").get_data(as_text=True)
    assert "1 billet depuis" in page
    card = page[page.index("Tout frais"):]
    assert card.index("Nouveau") < card.index("</li>")
    # Someone else's visit is their own.
    assert "Nouveau</p>" not in signed_in(app, "mediation.b").get("/veille/").get_data(as_text=True)


def test_members_react_and_comment_partners_read(app, demo):
    target = post_id(app, "Pass numérique : la nouvelle campagne de chèques APTIC est ouverte")
    mediator = signed_in(app, "mediation.b")
    url = f"/veille/billets/{target}"
    assert post_form(mediator, url + "/utile", form_url=url).status_code == 302
    assert post_form(mediator, url + "/utile", form_url=url).status_code == 302  # a second click takes it back
    assert post_form(mediator, url + "/utile", form_url=url).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(models().VeilleReaction).where(
            models().VeilleReaction.post_id == target)) == 3  # two from the demo, one from this test
    response = post_form(mediator, url + "/commentaires", {"body": ""}, form_url=url)
    assert response.status_code == 200 and "Écrivez votre commentaire." in response.get_data(as_text=True)
    response = post_form(mediator, url + "/commentaires", {"body": "Et pour **Bègles** ?", "is_question": "y"},
                         form_url=url)
    assert response.status_code == 302
    assert "<strong>Bègles</strong>" in mediator.get(url).get_data(as_text=True)
    from qn_portal.notifications.models import Notification

    with app.app_context():
        told = db.session.scalars(select(Notification.user_id).where(Notification.kind == "veille.question")).all()
    assert told == [demo["users"]["coordination"]]  # the coordinators answer questions
    partner = signed_in(app, "partenaire")
    shared = post_id(app, "Ameli : le compte en ligne change d'écran de connexion")
    assert post_form(partner, f"/veille/billets/{shared}/utile", form_url=f"/veille/billets/{shared}").status_code == 403
    assert post_form(partner, f"/veille/billets/{shared}/commentaires", {"body": "Bonjour"},
                     form_url=f"/veille/billets/{shared}").status_code == 403


def test_coordinators_moderate_comments(app, demo):
    target = post_id(app, "Pass numérique : la nouvelle campagne de chèques APTIC est ouverte")
    url = f"/veille/billets/{target}"
    with app.app_context():
        comment = db.session.scalar(select(models().VeilleComment).where(
            models().VeilleComment.post_id == target, models().VeilleComment.is_question.is_(True)))
        comment_id, text = comment.id, comment.body
    mediator = signed_in(app, "mediation.a")
    assert post_form(mediator, f"/veille/commentaires/{comment_id}/masquer", form_url=url).status_code == 403
    coordinator = signed_in(app, "coordination")
    assert post_form(coordinator, f"/veille/commentaires/{comment_id}/masquer", form_url=url).status_code == 302
    assert text not in mediator.get(url).get_data(as_text=True)
    assert text in coordinator.get(url).get_data(as_text=True)  # moderators still see it, marked
    with app.app_context():
        from qn_portal.audit.models import AuditEntry

        assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "veille.comment_hidden"))


def test_following_a_category_notifies_new_posts(app, demo):
    from qn_portal.notifications.models import Notification

    mediator = signed_in(app, "mediation.b")
    response = post_form(mediator, "/veille/preferences", {"followed": ["evenement"]})
    assert response.status_code == 302
    response = post_form(mediator, "/veille/preferences", {"followed": ["nimporte"]})
    assert "Cochez seulement les cases proposées." in response.get_data(as_text=True)
    partner = signed_in(app, "partenaire")
    post_form(partner, "/veille/preferences", {"followed": ["evenement"]})
    new_post(signed_in(app, "coordination"), title="Forum à Cenon", category="evenement", visibility="intranet")
    with app.app_context():
        titles = {(n.user_id, n.title) for n in db.session.scalars(select(Notification).where(
            Notification.kind == "veille.new_post"))}
    assert (demo["users"]["mediation.b"], "Veille : Forum à Cenon") in titles
    assert all(user != demo["users"]["partenaire"] for user, _title in titles)  # not theirs to read


def test_delete_a_post(app, demo):
    coordinator = signed_in(app, "coordination")
    new_post(coordinator, title="Billet à supprimer", visibility="public")
    target = post_id(app, "Billet à supprimer")
    url = f"/veille/billets/{target}"
    assert post_form(coordinator, url + "/supprimer", form_url=url).status_code == 302
    assert coordinator.get(url).status_code == 404
    assert "Billet à supprimer" not in coordinator.get("/recherche?q=billet+supprimer").get_data(as_text=True)


def test_nav_and_widget(app, demo):
    mediator = signed_in(app, "mediation.a")
    page = mediator.get("/tableau-de-bord").get_data(as_text=True)
    assert 'href="/veille/"' in page and "Veille : les derniers billets" in page
    widget = page[page.index("Veille : les derniers billets"):]
    assert widget.index("Calendrier des formations") < widget.index("Réglementation : la fin des numéros")


@pytest.mark.parametrize("config_overrides", [{"DISABLED_PLUGINS": [*OTHERS, "veille"]}])
def test_disabled_plugin_vanishes(app, demo):
    mediator = signed_in(app, "mediation.a")
    assert mediator.get("/veille/").status_code == 404
    assert app.test_client().get("/veille/flux.atom").status_code == 404
    assert 'href="/veille/"' not in mediator.get("/tableau-de-bord").get_data(as_text=True)
