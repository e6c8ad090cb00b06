"""The shared library: creating, reading (who sees what), finding, files, history, reuse, care, follows."""

from __future__ import annotations

import io
import re

import pytest
from conftest import csrf_token, signed_in
from PIL import Image
from sqlalchemy import func, select

from qn_portal.extensions import db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ" + b"\x90\x00" * 200


def gps_jpeg() -> bytes:
    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (44.0, 50.0, 12.0), 3: "W", 4: (0.0, 34.0, 5.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def theme_ids(app, *slugs):
    from plugins.ressources.models import Theme

    with app.app_context():
        return [db.session.scalar(select(Theme.id).where(Theme.slug == slug)) for slug in slugs]


def form(**overrides) -> dict:
    data = {"title": "Atelier smartphone : les applis utiles", "summary": "Installer et ranger ses applications.",
            "body": "## Déroulé\n\n- Play Store\n- dossiers", "kind": "fiche", "level": "debutant",
            "licence": "cc-by-sa-4.0", "visibility": "community", "status": "published", "duration_minutes": "60",
            "links": "https://www.service-public.fr Service public", "audiences": ["seniors"]}
    data.update(overrides)
    return data


def post(client, url, data, form_url=None, files=None):
    payload = {"csrf_token": csrf_token(client, form_url or url), **data}
    if files:
        payload.update(files)
    return client.post(url, data=payload, content_type="multipart/form-data")


def create(client, **overrides):
    response = post(client, "/ressources/nouvelle", form(**overrides))
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    return int(re.search(r"/ressources/(\d+)", response.headers["Location"]).group(1))


def resource(app, resource_id):
    from plugins.ressources.models import Resource

    with app.app_context():
        found = db.session.get(Resource, resource_id)
        db.session.expunge_all()
        return found


# --- 1. a resource ---------------------------------------------------------------------------------------


def test_mediator_creates_a_resource_with_themes_links_and_history(app, demo):
    client = signed_in(app, "mediation.a")
    sante, banque = theme_ids(app, "sante", "banque")
    rid = create(client, themes=[str(sante), str(banque)])
    page = client.get(f"/ressources/{rid}").get_data(as_text=True)
    assert "Atelier smartphone" in page and "<h2>Déroulé</h2>" in page and "Santé" in page
    assert 'href="https://www.service-public.fr"' in page and "Seniors" in page
    from plugins.ressources.models import Resource, Version

    with app.app_context():
        found = db.session.get(Resource, rid)
        assert found.association_id == demo["associations"]["a"] and found.author_id == demo["users"]["mediation.a"]
        assert found.duration_minutes == 60 and found.published_at is not None
        assert db.session.scalar(select(func.count()).where(Version.resource_id == rid)) == 1


@pytest.mark.parametrize(("field", "value", "message"), [
    ("title", "   ", "Indiquez un titre."),
    ("title", "x" * 201, "200 caractères au plus."),
    ("kind", "roman", "Choix"),
    ("licence", "wtfpl", "Choix"),
    ("duration_minutes", "0", "Entre 1 et 1440 minutes."),
    ("duration_minutes", "une heure", "entier valide"),
    ("links", "javascript:alert(1) piège", "adresse doit commencer par https://"),
    ("visibility", "everyone", "Choix"),
    ("themes", "999999", "Choix inconnu."),
    ("themes", "santé", "Choix inconnu."),  # not a theme id: the same words, not WTForms' own
])
def test_bad_input_is_refused_and_what_was_typed_is_kept(app, demo, field, value, message):
    client = signed_in(app, "mediation.a")
    response = post(client, "/ressources/nouvelle", form(**{field: value, "summary": "Résumé gardé tel quel"}))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "error-summary" in page and "Résumé gardé tel quel" in page
    if message != "Choix":
        assert message in page, page[-3000:]
    from plugins.ressources.models import Resource

    with app.app_context():
        assert db.session.scalar(select(func.count(Resource.id)).where(Resource.summary == "Résumé gardé tel quel")) == 0


def test_partner_may_not_create(app, demo):
    client = signed_in(app, "partenaire")
    assert client.get("/ressources/nouvelle").status_code == 403


# --- files ------------------------------------------------------------------------------------------------


def test_image_loses_its_gps_metadata_and_pdf_is_kept(app, demo):
    client = signed_in(app, "mediation.a")
    original = gps_jpeg()
    response = post(client, "/ressources/nouvelle", form(), files={
        "files": [(io.BytesIO(original), "photo.jpg"), (io.BytesIO(PDF), "fiche.pdf")]},
        form_url="/ressources/nouvelle")
    assert response.status_code == 302
    from plugins.ressources.models import Attachment
    from qn_portal.storage import file_path

    with app.app_context():
        attachments = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
        assert [a.name for a in attachments] == ["photo.jpg", "fiche.pdf"]
        stored = file_path(attachments[0].file_key).read_bytes()
        assert b"PhoneMaker" not in stored and stored != original
        cleaned = Image.open(io.BytesIO(stored))
        assert cleaned.size == (40, 30) and not cleaned.getexif().get_ifd(0x8825) and 0x010F not in cleaned.getexif()
        assert file_path(attachments[1].file_key).read_bytes() == PDF


@pytest.mark.parametrize(("content", "name"), [(PDF, "photo.png"), (EXE, "programme.pdf"), (gps_jpeg(), "fiche.pdf")])
def test_disguised_files_are_refused_in_french_and_fields_kept(app, demo, content, name):
    client = signed_in(app, "mediation.a")
    response = post(client, "/ressources/nouvelle", form(title="Titre conservé"),
                    files={"files": [(io.BytesIO(PDF), "bon.pdf"), (io.BytesIO(content), name)]})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Ce type de fichier n" in page and "est pas accepté." in page and name in page
    assert page.count("est pas accepté.") == 2  # next to the field and in the summary
    assert 'value="Titre conservé"' in page
    from plugins.ressources.models import Resource
    from qn_portal.storage import StoredFile

    with app.app_context():
        assert db.session.scalar(select(func.count(Resource.id))) == 24  # the demo's only
        assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 0


def test_oversized_file_is_refused(app, demo):
    app.config["UPLOAD_MAX_BYTES"] = 1024
    client = signed_in(app, "mediation.a")
    response = post(client, "/ressources/nouvelle", form(), files={"files": [(io.BytesIO(PDF + b"0" * 2000), "gros.pdf")]})
    assert response.status_code == 200
    assert "dépasse la taille maximale" in response.get_data(as_text=True)


def test_download_counts_and_checks_access(app, demo):
    client = signed_in(app, "mediation.a")
    rid = create(client, visibility="association")
    post(client, f"/ressources/{rid}/modifier", form(visibility="association"), files={"files": [(io.BytesIO(PDF), "f.pdf")]})
    from plugins.ressources.models import Attachment

    with app.app_context():
        attachment = db.session.scalar(select(Attachment).where(Attachment.resource_id == rid))
        attachment_id, key = attachment.id, attachment.file_key
    url = f"/ressources/{rid}/fichiers/{attachment_id}/telecharger"
    response = client.post(url, data={"csrf_token": csrf_token(client, f"/ressources/{rid}")})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/fichiers/{key}")
    served = client.get(f"/fichiers/{key}")
    assert served.data == PDF
    served.close()
    assert resource(app, rid).download_count == 1
    other = signed_in(app, "mediation.b")
    assert other.post(url, data={"csrf_token": csrf_token(other, "/ressources/")}).status_code == 404
    refused = other.get(f"/fichiers/{key}")
    assert refused.status_code == 403
    refused.close()
    assert resource(app, rid).download_count == 1


# --- who sees what ---------------------------------------------------------------------------------------


def test_private_resource_of_another_association_is_invisible(app, demo):
    a = signed_in(app, "mediation.a")
    rid = create(a, title="Organisation interne confidentielle", visibility="association")
    b = signed_in(app, "mediation.b")
    assert b.get(f"/ressources/{rid}").status_code == 404
    assert b.get(f"/ressources/{rid}/modifier").status_code == 404
    assert b.get(f"/ressources/{rid}/historique").status_code == 404
    assert "Organisation interne" not in b.get("/ressources/?q=confidentielle").get_data(as_text=True)
    assert "Organisation interne" not in b.get("/recherche?q=confidentielle").get_data(as_text=True)
    assert "Organisation interne" not in b.get("/ressources/").get_data(as_text=True)
    partner = signed_in(app, "partenaire")
    assert "Organisation interne" not in partner.get("/recherche?q=confidentielle").get_data(as_text=True)
    assert signed_in(app, "partenaire").get(f"/ressources/{rid}").status_code == 404
    # Members of A and coordinators find it, in the list and through the portal's search.
    assert "Organisation interne" in a.get("/ressources/?q=confidentielle").get_data(as_text=True)
    coordination = signed_in(app, "coordination")
    assert "Organisation interne" in coordination.get("/recherche?q=confidentielle").get_data(as_text=True)
    assert app.test_client().get(f"/ressources/{rid}").status_code == 404


def test_drafts_are_seen_by_author_managers_and_coordinators_only(app, demo):
    author = signed_in(app, "mediation.a")
    rid = create(author, title="Brouillon en cours", status="draft")
    assert author.get(f"/ressources/{rid}").status_code == 200
    assert signed_in(app, "direction.a").get(f"/ressources/{rid}").status_code == 200
    assert signed_in(app, "coordination").get(f"/ressources/{rid}").status_code == 200
    assert signed_in(app, "mediation.b").get(f"/ressources/{rid}").status_code == 404
    assert "Brouillon en cours" not in signed_in(app, "direction.a").get("/recherche?q=brouillon").get_data(as_text=True)


def test_public_resources_are_open_to_visitors(app, demo):
    rid = create(signed_in(app, "mediation.a"), title="Fiche ouverte à tous", visibility="public")
    visitor = app.test_client()
    assert "Fiche ouverte à tous" in visitor.get(f"/ressources/{rid}").get_data(as_text=True)
    assert "Fiche ouverte à tous" in visitor.get("/ressources/").get_data(as_text=True)
    community = create(signed_in(app, "mediation.a"), title="Fiche de la communauté", visibility="community")
    assert visitor.get(f"/ressources/{community}").status_code == 404
    assert signed_in(app, "partenaire").get(f"/ressources/{community}").status_code == 200


def test_editing_someone_elses_resource(app, demo):
    rid = create(signed_in(app, "mediation.a"))
    assert signed_in(app, "mediation.b").get(f"/ressources/{rid}/modifier").status_code == 403
    assert signed_in(app, "partenaire").get(f"/ressources/{rid}/modifier").status_code == 403
    assert signed_in(app, "coordination").get(f"/ressources/{rid}/modifier").status_code == 403
    manager = signed_in(app, "direction.a")
    response = post(manager, f"/ressources/{rid}/modifier", form(title="Relu par la direction"))
    assert response.status_code == 302
    assert resource(app, rid).title == "Relu par la direction"
    other = signed_in(app, "mediation.b")
    response = other.post(f"/ressources/{rid}/modifier",
                          data={"csrf_token": csrf_token(other, "/ressources/"), **form(title="Piraté")})
    assert response.status_code == 403 and resource(app, rid).title == "Relu par la direction"


def test_service_for_other_plugins(app, demo):
    from plugins.ressources.services import resources_visible_to
    from qn_portal.accounts.models import User

    private = create(signed_in(app, "mediation.a"), visibility="association")
    shared = create(signed_in(app, "mediation.a"))
    with app.app_context():
        b = db.session.get(User, demo["users"]["mediation.b"])
        a = db.session.get(User, demo["users"]["mediation.a"])
        assert [r.id for r in resources_visible_to(b, [private, shared, 999999])] == [shared]
        assert [r.id for r in resources_visible_to(a, [shared, private])] == [shared, private]


# --- 2. finding -----------------------------------------------------------------------------------------


def test_facets_combine_and_count(app, demo):
    client = signed_in(app, "mediation.a")
    page = client.get("/ressources/?kind=fiche&kind=tutoriel&level=debutant").get_data(as_text=True)
    # Kinds are ORed: fiche or tutoriel, AND level débutant.
    assert "Envoyer son premier SMS" in page and "Ma première adresse e-mail" in page
    assert "S&#39;inscrire à France Travail" not in page  # a tutoriel, but intermédiaire
    assert "Reconnaître un SMS frauduleux" not in page  # an outil
    # The kind facet's counts ignore the kind choice, under the level choice.
    assert re.search(r"Outil \(2\)", page)
    securite, = theme_ids(app, "securite")
    page = client.get(f"/ressources/?theme={securite}&audience=seniors").get_data(as_text=True)
    assert "Payer en ligne sans crainte" in page and "Reconnaître un SMS frauduleux" not in page
    page = client.get(f"/ressources/?association={demo['associations']['b']}&licence=etalab-2.0").get_data(as_text=True)
    assert "France Travail" in page and "Ameli" not in page
    # Stale or hostile values are ignored, never a 500.
    assert client.get("/ressources/?theme=abc&kind=<x>&association=99999999999&tri=pire&page=1").status_code == 200


def test_private_resources_do_not_count_in_facets(app, demo):
    page = signed_in(app, "mediation.a").get("/ressources/").get_data(as_text=True)
    assert "Bilan interne des ateliers de Carriet" not in page
    assert re.search(r"Carriet Numérique Solidaire \(7\)", page)  # eight of B's resources, one private
    assert re.search(r"Carriet Numérique Solidaire \(8\)", signed_in(app, "direction.b").get("/ressources/").get_data(as_text=True))


def test_full_text_search_and_sorts(app, demo):
    client = signed_in(app, "mediation.a")
    page = client.get("/ressources/?q=hameçonnage").get_data(as_text=True)
    assert "Reconnaître un SMS frauduleux" in page and "Payer en ligne" not in page
    used = client.get("/ressources/?tri=used").get_data(as_text=True)
    assert used.index("Envoyer son premier SMS") < used.index("Choisir un smartphone reconditionné")
    rated = client.get("/ressources/?tri=rated").get_data(as_text=True)
    assert rated.index("Ma première adresse e-mail") < rated.index("Créer son compte Ameli")


# --- 3. reusing ------------------------------------------------------------------------------------------


def test_usage_rating_comment_and_favourite(app, demo):
    client = signed_in(app, "mediation.a")
    rid = create(client)
    show = f"/ressources/{rid}"
    response = post(client, f"{show}/utilisation", {"usage-rating": "5", "usage-comment": "Bien"}, form_url=show)
    assert response.status_code == 200 and "Choix" not in response.get_data(as_text=True)[:0]
    assert "error-summary" in response.get_data(as_text=True)
    assert post(client, f"{show}/utilisation", {"usage-rating": "4", "usage-comment": "Top"}, form_url=show).status_code == 302
    assert post(client, f"{show}/utilisation", {"usage-rating": "2", "usage-comment": "Revu"}, form_url=show).status_code == 302
    b = signed_in(app, "mediation.b")
    # As a browser sends it: the prefixed form's own token field.
    response = b.post(f"{show}/utilisation", data={"usage-csrf_token": csrf_token(b, show), "usage-rating": "4"})
    assert response.status_code == 302
    found = resource(app, rid)
    assert (found.usage_count, found.rating_sum, found.rating_score) == (2, 6, 300)
    response = post(client, f"{show}/commentaires", {"comment-body": "  "}, form_url=show)
    assert "Écrivez un commentaire." in response.get_data(as_text=True)
    assert post(client, f"{show}/commentaires", {"comment-body": "Merci <b>!</b>"}, form_url=show).status_code == 302
    assert "Merci &lt;b&gt;!&lt;/b&gt;" in client.get(show).get_data(as_text=True)
    assert post(client, f"{show}/favori", {}, form_url=show).status_code == 302
    assert "Atelier smartphone" in client.get("/ressources/favoris").get_data(as_text=True)
    partner = signed_in(app, "partenaire")
    assert post(partner, f"{show}/utilisation", {"usage-rating": "4"}, form_url=show).status_code == 403


def test_collections_private_and_shared(app, demo):
    a = signed_in(app, "mediation.a")
    response = post(a, "/ressources/collections/nouvelle", {"title": ""})
    assert "Indiquez un titre." in response.get_data(as_text=True)
    response = post(a, "/ressources/collections/nouvelle", {"title": "Cycle seniors", "description": "4 séances"})
    cid = int(response.headers["Location"].rsplit("/", 1)[1])
    private = create(a, title="Fiche privée de A", visibility="association")
    for rid in (private, private):
        assert post(a, f"/ressources/{rid}/collection", {"add-collection_id": str(cid)}, form_url=f"/ressources/{rid}").status_code == 302
    b = signed_in(app, "mediation.b")
    assert b.get(f"/ressources/collections/{cid}").status_code == 404  # private collection of another user
    assert b.get(f"/ressources/collections/{cid}/modifier").status_code == 404
    post(a, f"/ressources/collections/{cid}/modifier", {"title": "Cycle seniors", "shared": "y"})
    page = b.get(f"/ressources/collections/{cid}").get_data(as_text=True)
    assert "Cycle seniors" in page and "Fiche privée de A" not in page  # B sees the collection, not A's private item
    assert "Fiche privée de A" in a.get(f"/ressources/collections/{cid}").get_data(as_text=True)
    # Adding to someone else's collection is refused.
    rid = create(b, title="Fiche de B")
    response = post(b, f"/ressources/{rid}/collection", {"add-collection_id": str(cid)}, form_url=f"/ressources/{rid}")
    assert response.status_code == 302
    assert "Fiche de B" not in a.get(f"/ressources/collections/{cid}").get_data(as_text=True)
    # Removing from someone else's collection too.
    assert post(b, f"/ressources/collections/{cid}/retirer/1", {}, form_url="/ressources/").status_code == 404


def test_adapting_credits_the_original_and_respects_the_licence(app, demo):
    a = signed_in(app, "mediation.a")
    rid = create(a, title="Fiche CAF", licence="cc-by-nc-sa-4.0")
    b = signed_in(app, "mediation.b")
    response = post(b, f"/ressources/{rid}/adapter", {})
    assert response.status_code == 302
    copy = int(re.search(r"/ressources/(\d+)/modifier", response.headers["Location"]).group(1))
    # ShareAlike: the adaptation keeps CC BY-NC-SA.
    response = post(b, f"/ressources/{copy}/modifier", form(title="Fiche CAF (FALC)", licence="cc-by-4.0"))
    assert response.status_code == 200 and "identique : l" in response.get_data(as_text=True)
    assert post(b, f"/ressources/{copy}/modifier",
                form(title="Fiche CAF (FALC)", licence="cc-by-nc-sa-4.0")).status_code == 302
    page = b.get(f"/ressources/{copy}").get_data(as_text=True)
    assert "Adapté de « Fiche CAF »" in page and "Grand Parc Connecté" in page and "CC BY-NC-SA 4.0" in page
    found = resource(app, copy)
    assert found.original_id == rid and found.association_id == demo["associations"]["b"]
    assert "Fiche CAF (FALC)" in a.get(f"/ressources/{rid}").get_data(as_text=True)  # listed as an adaptation
    # All rights reserved: no adaptation.
    closed = create(a, title="Fiche fermée", licence="tous-droits-reserves")
    assert "autorise pas les adaptations" in b.get(f"/ressources/{closed}/adapter").get_data(as_text=True)
    assert post(b, f"/ressources/{closed}/adapter", {}).status_code == 403
    from plugins.ressources.models import Resource

    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Resource.original_id == closed)) == 0


# --- 4. history -----------------------------------------------------------------------------------------


def test_history_shows_and_restores_versions(app, demo):
    a = signed_in(app, "mediation.a")
    rid = create(a, title="Première version", body="Texte initial")
    post(a, f"/ressources/{rid}/modifier", form(title="Deuxième version", body="Texte revu", licence="etalab-2.0"))
    page = a.get(f"/ressources/{rid}/historique").get_data(as_text=True)
    assert "Version 2" in page and "Version 1" in page
    assert "Texte initial" in a.get(f"/ressources/{rid}/historique/1").get_data(as_text=True)
    assert a.get(f"/ressources/{rid}/historique/9").status_code == 404
    response = post(a, f"/ressources/{rid}/historique/1/restaurer", {}, form_url=f"/ressources/{rid}/historique")
    assert response.status_code == 302
    found = resource(app, rid)
    assert (found.title, found.body, found.licence, found.version_count) == (
        "Première version", "Texte initial", "cc-by-sa-4.0", 3)
    assert "Version 3" in a.get(f"/ressources/{rid}/historique").get_data(as_text=True)
    b = signed_in(app, "mediation.b")
    response = b.post(f"/ressources/{rid}/historique/2/restaurer", data={"csrf_token": csrf_token(b, "/ressources/")})
    assert response.status_code == 403


# --- 5. care --------------------------------------------------------------------------------------------


def test_report_moderation_and_author_notified(app, demo):
    a = signed_in(app, "mediation.a")
    rid = create(a, title="Fiche à vérifier")
    b = signed_in(app, "mediation.b")
    response = post(b, f"/ressources/{rid}/signaler", {"reason": "spam", "comment": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Expliquez ce qui ne va pas." in page
    assert post(b, f"/ressources/{rid}/signaler", {"reason": "outdated", "comment": "Lien mort"}).status_code == 302
    assert b.get("/ressources/moderation").status_code == 403
    coordination = signed_in(app, "coordination")
    assert "Lien mort" in coordination.get("/ressources/moderation").get_data(as_text=True)
    assert b.post(f"/ressources/{rid}/depublier", data={"csrf_token": csrf_token(b, "/ressources/")}).status_code == 403
    response = coordination.post(f"/ressources/{rid}/depublier",
                                 data={"csrf_token": csrf_token(coordination, "/ressources/moderation")})
    assert response.status_code == 302
    assert resource(app, rid).status == "unpublished"
    assert b.get(f"/ressources/{rid}").status_code == 404
    assert "Fiche à vérifier" not in b.get("/recherche?q=vérifier").get_data(as_text=True)
    assert "a été dépubliée" in a.get("/notifications").get_data(as_text=True)
    # The author cannot simply publish it again.
    post(a, f"/ressources/{rid}/modifier", form(title="Fiche à vérifier", status="published"))
    assert resource(app, rid).status == "unpublished"
    # The coordination publishes it again once corrected.
    assert "Publier de nouveau" in coordination.get(f"/ressources/{rid}").get_data(as_text=True)
    assert b.post(f"/ressources/{rid}/republier", data={"csrf_token": csrf_token(b, "/ressources/")}).status_code == 404
    response = coordination.post(f"/ressources/{rid}/republier",
                                 data={"csrf_token": csrf_token(coordination, "/ressources/moderation")})
    assert response.status_code == 302 and resource(app, rid).status == "published"
    assert "Fiche à vérifier" in b.get("/recherche?q=vérifier").get_data(as_text=True)


# --- 6. notifications -----------------------------------------------------------------------------------


def test_followers_are_notified_when_they_may_read(app, demo):
    securite, = theme_ids(app, "securite")
    b = signed_in(app, "mediation.b")
    response = b.post("/ressources/abonnements", data={"csrf_token": csrf_token(b, "/ressources/abonnements"),
                                                       "theme_id": str(securite)})
    assert response.status_code == 302
    assert b.post("/ressources/abonnements", data={"csrf_token": csrf_token(b, "/ressources/abonnements"),
                                                   "theme_id": "x"}).status_code == 400
    a = signed_in(app, "mediation.a")
    create(a, title="Mots de passe solides", themes=[str(securite)])
    create(a, title="Consignes internes de sécurité", themes=[str(securite)], visibility="association")
    rid = create(a, title="Brouillon sécurité", themes=[str(securite)], status="draft")
    notifications = b.get("/notifications").get_data(as_text=True)
    assert "Nouvelle ressource : Mots de passe solides" in notifications
    assert "Consignes internes" not in notifications and "Brouillon sécurité" not in notifications
    post(a, f"/ressources/{rid}/modifier", form(title="Brouillon sécurité", themes=[str(securite)]))
    assert "Brouillon sécurité" in b.get("/notifications").get_data(as_text=True)
    # mediation.b follows association A in the demo: an update notifies too.
    post(a, f"/ressources/{rid}/modifier", form(title="Sécurité, version revue", themes=[str(securite)]))
    assert "Ressource mise à jour : Sécurité, version revue" in b.get("/notifications").get_data(as_text=True)


# --- 7. contributions -------------------------------------------------------------------------------------


def test_nav_widget_panel_and_themes(app, demo):
    a = signed_in(app, "mediation.a")
    create(a, title="Mon brouillon du jour", status="draft")
    dashboard = a.get("/tableau-de-bord").get_data(as_text=True)
    assert 'href="/ressources/"' in dashboard and "Mon brouillon du jour" in dashboard
    panel = signed_in(app, "mediation.b").get(f"/associations/{demo['slugs']['a']}").get_data(as_text=True)
    assert "Ressources partagées" in panel and "Lire un QR code" in panel
    assert "Planning des permanences" not in panel
    coordination = signed_in(app, "coordination")
    assert "Indiquez un nom." in post(coordination, "/ressources/themes", {"label": ""}).get_data(as_text=True)
    assert post(coordination, "/ressources/themes", {"label": "Jeux vidéo", "active": "y"}).status_code == 302
    assert "Ce thème existe déjà." in post(coordination, "/ressources/themes", {"label": "jeux  vidéo"}).get_data(as_text=True)
    assert "Jeux vidéo" in a.get("/ressources/nouvelle").get_data(as_text=True)
    assert a.get("/ressources/themes").status_code == 403


def test_adaptation_of_a_private_resource_stays_in_its_association(app, demo):
    a = signed_in(app, "mediation.a")
    rid = create(a, title="Trame interne", visibility="association", licence="cc-by-4.0")
    response = post(a, f"/ressources/{rid}/adapter", {})
    copy = int(re.search(r"/ressources/(\d+)/modifier", response.headers["Location"]).group(1))
    response = post(a, f"/ressources/{copy}/modifier", form(title="Trame interne (FALC)", licence="cc-by-4.0",
                                                          visibility="public"))
    assert response.status_code == 200 and "réservé à son association" in response.get_data(as_text=True)
    assert resource(app, copy).association_id == demo["associations"]["a"]
    assert signed_in(app, "mediation.b").get(f"/ressources/{copy}").status_code == 404


def test_report_figures(app, demo):
    from datetime import date, timedelta

    from qn_portal.api import collect_figures

    with app.test_request_context():
        figures = collect_figures(None, date.today() - timedelta(days=365), date.today() + timedelta(days=1))
    published = {f.association_id: f.value for f in figures if f.key == "ressources.published"}
    assert published[demo["associations"]["a"]] == 9 and published[demo["associations"]["b"]] == 8


def test_disabled_plugin_hides_everything(app, demo):
    app.config["DISABLED_PLUGINS"] = ["ressources"]
    client = signed_in(app, "mediation.a")
    assert client.get("/ressources/").status_code == 404
    assert 'href="/ressources/"' not in client.get("/tableau-de-bord").get_data(as_text=True)
