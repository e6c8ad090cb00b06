"""Resources of the ``ressources`` plugin linked to a workshop: linking, who sees what, bad lines, disabling."""

from __future__ import annotations

import html
import re

import pytest
from conftest import csrf_token, post_form, signed_in
from flask import url_for
from sqlalchemy import select, text

from plugins.ateliers.models import Workshop, WorkshopResource
from qn_portal.api import db

SMS, AMELI, WIFI = "Envoyer son premier SMS avec photo", "Créer son compte Ameli pas à pas", \
    "Se connecter à un Wi-Fi public en sécurité"
INTERNAL_A, INTERNAL_B = "Planning des permanences du Grand Parc", "Bilan interne des ateliers de Carriet"
DRAFT_A = "Atelier Doctolib (brouillon)"


def resource_ids(app, *titles) -> list[int]:
    from plugins.ressources.models import Resource

    with app.app_context():
        return [db.session.scalar(select(Resource.id).where(Resource.title == title)) for title in titles]


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def workshop_data(demo, **overrides) -> dict:
    data = {"association_id": str(demo["associations"]["a"]), "title": "Démarches de santé en ligne",
            "description": "Ameli, Doctolib, Mon espace santé", "themes": ["demarches-en-ligne"],
            "level": "debutant", "room_id": "", "language": "français", "public": "y", "resources": ""}
    data.update(overrides)
    return data


def create_workshop(client, demo, lines: str, **overrides) -> int:
    response = post_form(client, "/ateliers/ateliers/nouveau", workshop_data(demo, resources=lines, **overrides))
    assert response.status_code == 302, page_text(response)[-3000:]
    return int(re.search(r"/ateliers/ateliers/(\d+)/seances", response.headers["Location"]).group(1))


def linked(app, workshop_id) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(WorkshopResource.resource_id)
                                       .where(WorkshopResource.workshop_id == workshop_id)
                                       .order_by(WorkshopResource.position)))


def section(page: str) -> str:
    """The "Ressources liées" section of a workshop page ("" when there is none)."""
    found = re.search(r'<section aria-labelledby="ressources-liees">(.*?)</section>', page, re.S)
    return found.group(1) if found else ""


def test_linking_by_address_or_number_in_the_organisers_order(app, demo):
    sms, ameli, wifi = resource_ids(app, SMS, AMELI, WIFI)
    with app.test_request_context():
        full_address = url_for("ressources.show", resource_id=sms, _external=True)
    client = signed_in(app, "mediation.a")
    lines = f"{full_address}\n\n  /ressources/{ameli}/modifier  \n{wifi} la fiche Wi-Fi\n/ressources/{sms}\n"
    workshop_id = create_workshop(client, demo, lines)
    assert linked(app, workshop_id) == [sms, ameli, wifi]  # the repeated line is kept once

    page = page_text(client.get(f"/ateliers/ateliers/{workshop_id}"))
    links = section(page)
    assert "Ressources liées" in links
    assert [int(i) for i in re.findall(r'href="/ressources/(\d+)"', links)] == [sms, ameli, wifi]
    assert SMS in links and AMELI in links and WIFI in links

    form = page_text(client.get(f"/ateliers/ateliers/{workshop_id}/modifier"))
    assert f"/ressources/{sms} {SMS}\n/ressources/{ameli} {AMELI}" in form
    # The form shows each link as "address title": sent back as it is, it changes nothing.
    textarea = re.search(r'<textarea[^>]*name="resources"[^>]*>\n?(.*?)</textarea>', form, re.S).group(1)
    data = workshop_data(demo, resources=textarea)
    del data["association_id"]
    assert post_form(client, f"/ateliers/ateliers/{workshop_id}/modifier", data).status_code == 302
    assert linked(app, workshop_id) == [sms, ameli, wifi]
    # Reordered and one removed.
    data["resources"] = f"{wifi}\n{sms}"
    assert post_form(client, f"/ateliers/ateliers/{workshop_id}/modifier", data).status_code == 302
    assert linked(app, workshop_id) == [wifi, sms]
    data["resources"] = ""
    assert post_form(client, f"/ateliers/ateliers/{workshop_id}/modifier", data).status_code == 302
    assert linked(app, workshop_id) == []
    assert "Ressources liées" not in section(page_text(client.get(f"/ateliers/ateliers/{workshop_id}")))


def test_bad_lines_are_named_in_french_and_nothing_typed_is_lost(app, demo):
    sms, internal_b = resource_ids(app, SMS, INTERNAL_B)
    client = signed_in(app, "mediation.a")
    lines = "\n".join([f"/ressources/{sms}", "la fiche sur les SMS", f"https://ailleurs.example/ressources/{sms}",
                       "999999999", str(internal_b), "12345678901234", "javascript:alert(1)"])
    response = post_form(client, "/ateliers/ateliers/nouveau", workshop_data(demo, resources=lines))
    page = page_text(response)
    assert response.status_code == 200
    assert "Ligne 2 : « la fiche sur les SMS » n'est ni l'adresse ni le numéro d'une ressource" in page
    assert f"Ligne 3 : « https://ailleurs.example/ressources/{sms} » est l'adresse d'un autre site" in page
    assert "Ligne 6 : « 12345678901234 » n'est ni l'adresse" in page
    assert "Ligne 7 : « javascript:alert(1) » n'est ni l'adresse" in page
    # Checked against ressources once every line reads as a resource.
    lines = f"/ressources/{sms}\n999999999\n{internal_b}"
    response = post_form(client, "/ateliers/ateliers/nouveau", workshop_data(demo, resources=lines))
    page = page_text(response)
    assert response.status_code == 200
    assert "Ligne 2 : la ressource n° 999999999 n'existe pas ou vous ne pouvez pas la lire." in page
    assert f"Ligne 3 : la ressource n° {internal_b} n'existe pas ou vous ne pouvez pas la lire." in page
    # What was typed is all there.
    assert 'value="Démarches de santé en ligne"' in page and "Ameli, Doctolib, Mon espace santé" in page
    assert lines in page
    too_many = "\n".join(str(n) for n in range(1, 22))
    page = page_text(post_form(client, "/ateliers/ateliers/nouveau", workshop_data(demo, resources=too_many)))
    assert "20 ressources au plus." in page
    with app.app_context():
        assert db.session.scalar(select(Workshop.id).where(Workshop.title == "Démarches de santé en ligne")) is None


def test_a_hostile_line_is_shown_escaped(app, demo):
    client = signed_in(app, "mediation.a")
    response = post_form(client, "/ateliers/ateliers/nouveau",
                         workshop_data(demo, resources='<script>alert(1)</script>\n"><img src=x onerror=alert(1)>'))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<script>alert(1)" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_a_private_resource_shows_only_to_who_may_read_it(app, demo, portal):
    sms, internal_a = resource_ids(app, SMS, INTERNAL_A)
    workshop_id = create_workshop(signed_in(app, "mediation.a"), demo, f"{internal_a}\n{sms}")
    assert linked(app, workshop_id) == [internal_a, sms]
    for key, sees_private in (("mediation.a", True), ("direction.a", True), ("coordination", True),
                              ("mediation.b", False), ("partenaire", False)):
        links = section(page_text(signed_in(app, key).get(f"/ateliers/ateliers/{workshop_id}")))
        assert SMS in links, key
        assert (INTERNAL_A in links) is sees_private, key
        assert (f"/ressources/{internal_a}" in links) is sees_private, key


def test_who_cannot_read_a_resource_cannot_link_it(app, demo):
    internal_a, = resource_ids(app, INTERNAL_A)
    client = signed_in(app, "mediation.b")
    response = post_form(client, "/ateliers/ateliers/nouveau", workshop_data(
        demo, association_id=str(demo["associations"]["b"]), title="Atelier de B", resources=str(internal_a)))
    assert response.status_code == 200
    assert f"Ligne 1 : la ressource n° {internal_a} n'existe pas ou vous ne pouvez pas la lire." in page_text(response)
    with app.app_context():
        assert db.session.scalar(select(Workshop.id).where(Workshop.title == "Atelier de B")) is None


def test_links_a_colleague_may_not_read_stay_when_they_save(app, demo):
    """direction.a links her own draft, which mediation.a may not read: his saving the form keeps it."""
    sms, = resource_ids(app, SMS)
    manager = signed_in(app, "direction.a")
    response = manager.post("/ressources/nouvelle", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(manager, "/ressources/nouvelle"), "title": "Brouillon de la direction",
        "kind": "fiche", "level": "debutant", "licence": "cc-by-4.0", "visibility": "association",
        "status": "draft"})
    assert response.status_code == 302
    draft = int(re.search(r"/ressources/(\d+)", response.headers["Location"]).group(1))
    workshop_id = create_workshop(manager, demo, f"{draft}\n{sms}")
    client = signed_in(app, "mediation.a")
    form = page_text(client.get(f"/ateliers/ateliers/{workshop_id}/modifier"))
    assert "Brouillon de la direction" not in form and f"/ressources/{sms} {SMS}" in form
    assert "1 autre(s) ressource(s) liée(s), que vous ne pouvez pas lire, resteront liées." in form
    assert "Brouillon de la direction" not in section(page_text(client.get(f"/ateliers/ateliers/{workshop_id}")))
    data = workshop_data(demo, resources=f"/ressources/{sms}")
    del data["association_id"]
    assert post_form(client, f"/ateliers/ateliers/{workshop_id}/modifier", data).status_code == 302
    assert linked(app, workshop_id) == [sms, draft]
    assert "Brouillon de la direction" in section(page_text(manager.get(f"/ateliers/ateliers/{workshop_id}")))


def test_disabled_ressources_hides_the_field_and_the_section_and_keeps_the_links(app, demo):
    sms, ameli = resource_ids(app, SMS, AMELI)
    client = signed_in(app, "mediation.a")
    workshop_id = create_workshop(client, demo, f"{sms}\n{ameli}")
    app.config["DISABLED_PLUGINS"] = ["ressources"]
    page = page_text(client.get(f"/ateliers/ateliers/{workshop_id}"))
    assert "Ressources liées" not in page and SMS not in page
    form = page_text(client.get(f"/ateliers/ateliers/{workshop_id}/modifier"))
    assert 'name="resources"' not in form and "Ressources liées" not in form
    assert 'name="resources"' not in page_text(client.get("/ateliers/ateliers/nouveau"))
    data = workshop_data(demo, title="Démarches de santé (mis à jour)")
    del data["association_id"], data["resources"]
    assert post_form(client, f"/ateliers/ateliers/{workshop_id}/modifier", data).status_code == 302
    # A field sent anyway (an old form left open) is ignored: the links are kept.
    data["resources"] = ""
    assert post_form(client, f"/ateliers/ateliers/{workshop_id}/modifier", data).status_code == 302
    # A workshop created meanwhile simply has no links.
    new_id = create_workshop(client, demo, "", title="Créé sans ressources")
    assert linked(app, new_id) == []
    assert linked(app, workshop_id) == [sms, ameli]
    app.config["DISABLED_PLUGINS"] = []
    links = section(page_text(client.get(f"/ateliers/ateliers/{workshop_id}")))
    assert SMS in links and AMELI in links


def test_disabled_by_the_admin_toggle_too(app, demo):
    from qn_portal.plugins import get_host

    sms, = resource_ids(app, SMS)
    client = signed_in(app, "mediation.a")
    workshop_id = create_workshop(client, demo, str(sms))
    with app.app_context():
        get_host(app).set_enabled("ressources", False)
        db.session.commit()
    assert "Ressources liées" not in page_text(client.get(f"/ateliers/ateliers/{workshop_id}"))
    assert linked(app, workshop_id) == [sms]
    with app.app_context():
        get_host(app).set_enabled("ressources", True)
        db.session.commit()
    assert SMS in section(page_text(client.get(f"/ateliers/ateliers/{workshop_id}")))


def test_a_failing_ressources_gives_no_section_never_an_error(app, demo, monkeypatch):
    import plugins.ressources.services as ressources_services

    sms, = resource_ids(app, SMS)
    client = signed_in(app, "mediation.a")
    workshop_id = create_workshop(client, demo, str(sms))

    def broken(user, ids):
        # A failing query: on PostgreSQL it aborts the transaction unless the seam used a savepoint.
        db.session.execute(text("SELECT no_such_column FROM no_such_table"))

    monkeypatch.setattr(ressources_services, "resources_visible_to", broken)
    response = client.get(f"/ateliers/ateliers/{workshop_id}")
    assert response.status_code == 200
    page = page_text(response)
    assert "Ressources liées" not in section(page) and "Démarches de santé en ligne" in page
    # Saving refuses new lines it cannot check, in French, and keeps the stored links.
    data = workshop_data(demo, resources=str(sms + 1))
    del data["association_id"]
    response = post_form(client, f"/ateliers/ateliers/{workshop_id}/modifier", data)
    assert response.status_code == 200 and "ne peuvent pas être vérifiées" in page_text(response)
    assert linked(app, workshop_id) == [sms]


def test_deleting_a_resource_removes_its_links(app, demo):
    sms, ameli = resource_ids(app, SMS, AMELI)
    workshop_id = create_workshop(signed_in(app, "mediation.a"), demo, f"{sms}\n{ameli}")
    author = signed_in(app, "mediation.a")
    response = author.post(f"/ressources/{ameli}/supprimer",
                           data={"csrf_token": csrf_token(author, f"/ressources/{ameli}/supprimer")})
    assert response.status_code == 302
    assert linked(app, workshop_id) == [sms]


@pytest.mark.parametrize("line", ["/ressources/", "/ressources/0", "ftp://portail.test/ressources/3",
                                  "/ressources/collections/3", "https:///ressources/3"])
def test_lines_that_are_not_a_resource(app, demo, line):
    from plugins.ateliers import resources

    with app.test_request_context():
        with pytest.raises(resources.LinesRefused) as refused:
            resources.parse(line)
        assert "Ligne 1" in refused.value.messages[0]


@pytest.mark.parametrize(("line", "expected"), [
    ("42", 42), ("/ressources/42", 42), ("ressources/42/", 42), ("https://portail.test/ressources/42", 42),
    ("http://PORTAIL.test/ressources/42?onglet=1#haut", 42), ("portail.test/ressources/42", 42),
    ("/portail/ressources/42/historique/2", 42), ("42 Titre de la fiche", 42)])
def test_lines_that_are_a_resource(app, demo, line, expected):
    from plugins.ateliers import resources

    with app.test_request_context():
        assert resources.parse(line) == [(1, expected)]
