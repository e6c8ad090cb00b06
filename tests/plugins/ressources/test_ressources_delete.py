"""Deleting a resource: who may, the confirmation page, what goes (files from storage too) and what stays."""

from __future__ import annotations

import html
import io
import re

import pytest
from conftest import csrf_token, signed_in
from sqlalchemy import func, select

from plugins.ressources.models import (
    Attachment,
    CollectionItem,
    Comment,
    Favourite,
    Link,
    Report,
    Resource,
    ResourceAudience,
    ResourceTheme,
    Usage,
    Version,
)
from plugins.ressources.services import credit
from qn_portal.audit.models import AuditEntry
from qn_portal.extensions import db
from qn_portal.notifications.models import Notification
from qn_portal.search import SearchEntry
from qn_portal.storage import StoredFile, file_path

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def post(client, url, data=None, form_url=None, files=None):
    payload = {"csrf_token": csrf_token(client, form_url or url), **(data or {})}
    payload.update(files or {})
    return client.post(url, data=payload, content_type="multipart/form-data")


def form(**overrides) -> dict:
    data = {"title": "Remplir sa déclaration de revenus", "summary": "Pas à pas sur impots.gouv.fr.",
            "body": "Se munir de son numéro fiscal.", "kind": "fiche", "level": "debutant", "licence": "cc-by-4.0",
            "visibility": "community", "status": "published", "links": "https://www.impots.gouv.fr Impôts",
            "audiences": ["seniors"]}
    data.update(overrides)
    return data


def create(client, **overrides) -> int:
    response = post(client, "/ressources/nouvelle", form(**overrides),
                    files={"files": [(io.BytesIO(PDF), "notice.pdf")]})
    assert response.status_code == 302, text_of(response)[-2000:]
    return int(re.search(r"/ressources/(\d+)", response.headers["Location"]).group(1))


def count(app, model, column, value) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(column == value))


def file_keys(app, resource_id) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Attachment.file_key).where(Attachment.resource_id == resource_id)))


def delete(client, resource_id):
    return post(client, f"/ressources/{resource_id}/supprimer")


@pytest.fixture
def busy(app, demo):
    """A resource of mediation.a with a file, a second version, a comment, a use, a favourite, a report, a place
    in mediation.b's collection, and an adaptation by mediation.b."""
    author = signed_in(app, "mediation.a")
    rid = create(author)
    assert post(author, f"/ressources/{rid}/modifier", form(body="Version revue.")).status_code == 302
    b = signed_in(app, "mediation.b")
    assert post(b, f"/ressources/{rid}/commentaires", {"comment-body": "Très clair"},
                form_url=f"/ressources/{rid}").status_code == 302
    assert post(b, f"/ressources/{rid}/utilisation", {"usage-rating": "4", "usage-comment": "Bien passé"},
                form_url=f"/ressources/{rid}").status_code == 302
    assert post(b, f"/ressources/{rid}/favori", form_url=f"/ressources/{rid}").status_code == 302
    assert post(b, f"/ressources/{rid}/signaler", {"reason": "outdated", "comment": "Barème 2024"}).status_code == 302
    response = post(b, "/ressources/collections/nouvelle", {"title": "Cycle impôts", "shared": "y"})
    collection = int(response.headers["Location"].rsplit("/", 1)[1])
    assert post(b, f"/ressources/{rid}/collection", {"add-collection_id": str(collection)},
                form_url=f"/ressources/{rid}").status_code == 302
    response = post(b, f"/ressources/{rid}/adapter")
    adaptation = int(re.search(r"/ressources/(\d+)/modifier", response.headers["Location"]).group(1))
    assert post(b, f"/ressources/{adaptation}/modifier",
                form(title="Déclarer ses revenus (FALC)", visibility="association")).status_code == 302
    return {"resource": rid, "collection": collection, "adaptation": adaptation}


def test_confirmation_page_says_what_goes_and_what_stays(app, busy):
    rid = busy["resource"]
    page = text_of(signed_in(app, "mediation.a").get(f"/ressources/{rid}/supprimer"))
    assert "Supprimer « Remplir sa déclaration de revenus » ?" in page
    for expected in ("2 versions", "1 fichier joint, effacé du stockage : « notice.pdf »", "1 commentaire",
                     "1 retour d'atelier", "1 mise en favori", "sa place dans 1 collection", "1 signalement",
                     "1 adaptation faite à partir de cette ressource : elle reste, avec sa mention de crédit",
                     "Supprimer définitivement"):
        assert expected in page, expected
    assert "<script" not in page  # works without JavaScript: a plain form
    show = text_of(signed_in(app, "mediation.a").get(f"/ressources/{rid}"))
    assert f'href="/ressources/{rid}/supprimer"' in show
    assert f'href="/ressources/{rid}/supprimer"' not in text_of(signed_in(app, "mediation.b").get(f"/ressources/{rid}"))
    assert count(app, Resource, Resource.id, rid) == 1  # the page alone deletes nothing


def test_author_deletes_everything_that_belongs_to_the_resource(app, busy):
    rid, adaptation, collection = busy["resource"], busy["adaptation"], busy["collection"]
    keys = file_keys(app, rid)
    with app.app_context():
        paths = [file_path(key) for key in keys]
    assert keys and all(path.exists() for path in paths)
    author = signed_in(app, "mediation.a")
    assert "Remplir sa déclaration" in text_of(author.get("/recherche?q=declaration"))

    response = delete(author, rid)
    assert response.status_code == 302 and response.headers["Location"].endswith("/ressources/")
    assert "La ressource « Remplir sa déclaration de revenus » est supprimée." in text_of(author.get("/ressources/"))
    assert author.get(f"/ressources/{rid}").status_code == 404
    for model in (Version, Comment, Usage, Favourite, CollectionItem, Report, Attachment, Link, ResourceAudience,
                  ResourceTheme):
        assert count(app, model, model.resource_id, rid) == 0, model.__name__
    assert count(app, Resource, Resource.id, rid) == 0
    # The files are gone from the disk and from the core's table.
    assert not any(path.exists() for path in paths)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StoredFile).where(StoredFile.key.in_(keys))) == 0
    # Search no longer finds it, neither through the portal nor in the library.
    assert count(app, SearchEntry, SearchEntry.key, f"resource:{rid}") == 0
    assert "Remplir sa déclaration" not in text_of(author.get("/recherche?q=declaration"))
    assert "Remplir sa déclaration" not in text_of(author.get("/ressources/?q=declaration"))
    # The collection stays, without it.
    b = signed_in(app, "mediation.b")
    page = text_of(b.get(f"/ressources/collections/{collection}"))
    assert "Cycle impôts" in page and "Remplir sa déclaration" not in page
    # The adaptation stays, credited, no longer linked.
    with app.app_context():
        kept = db.session.get(Resource, adaptation)
        assert kept is not None and kept.original_id is None
        assert credit(kept)["title"] == "Remplir sa déclaration de revenus"
    page = text_of(b.get(f"/ressources/{adaptation}"))
    assert "Adapté de « Remplir sa déclaration de revenus » de" in page and "CC BY 4.0" in page
    assert "Voir la ressource d'origine" not in page
    # Audited like the other moderation actions; the author deleted it, so nobody is told.
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "ressources.resource_deleted"))
        assert entry is not None and entry.target == f"resource {rid}" and entry.outcome == "ok"
        assert db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.kind == "ressources.moderated")) == 0


def test_manager_of_the_association_deletes_and_the_author_is_told(app, demo):
    rid = create(signed_in(app, "mediation.a"), visibility="association")
    assert delete(signed_in(app, "direction.a"), rid).status_code == 302
    assert count(app, Resource, Resource.id, rid) == 0
    with app.app_context():
        notice = db.session.scalar(select(Notification).where(Notification.kind == "ressources.moderated"))
        assert notice.user_id == demo["users"]["mediation.a"] and "a été supprimée" in str(notice.title)


def test_coordinator_deletes(app, demo):
    rid = create(signed_in(app, "mediation.a"))
    coordination = signed_in(app, "coordination")
    assert coordination.get(f"/ressources/{rid}/supprimer").status_code == 200
    assert delete(coordination, rid).status_code == 302
    assert count(app, Resource, Resource.id, rid) == 0


def test_others_are_refused(app, demo):
    a = signed_in(app, "mediation.a")
    shared, private = create(a), create(a, visibility="association", title="Interne à A")
    b = signed_in(app, "mediation.b")
    token = csrf_token(b, "/ressources/")
    # Another association's member: 403 on what they read, 404 on what they may not even see.
    assert b.get(f"/ressources/{shared}/supprimer").status_code == 403
    assert b.post(f"/ressources/{shared}/supprimer", data={"csrf_token": token}).status_code == 403
    assert b.post(f"/ressources/{private}/supprimer", data={"csrf_token": token}).status_code == 404
    manager_b = signed_in(app, "direction.b")
    assert manager_b.post(f"/ressources/{shared}/supprimer",
                          data={"csrf_token": csrf_token(manager_b, "/ressources/")}).status_code == 403
    partner = signed_in(app, "partenaire")
    assert partner.get(f"/ressources/{shared}/supprimer").status_code == 403
    assert partner.post(f"/ressources/{shared}/supprimer",
                        data={"csrf_token": csrf_token(partner, "/ressources/")}).status_code == 403
    visitor = app.test_client()
    response = visitor.post(f"/ressources/{shared}/supprimer", data={"csrf_token": csrf_token(visitor)})
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    # Without the form's token, even the author is refused.
    assert a.post(f"/ressources/{shared}/supprimer").status_code == 400
    assert count(app, Resource, Resource.id, shared) == 1 and count(app, Resource, Resource.id, private) == 1
    assert file_keys(app, shared) and file_keys(app, private)
