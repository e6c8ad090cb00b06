"""Sweeps of the ressources plugin: every route × role, B's private objects, list pages, XSS in every field."""

from __future__ import annotations

import io
import re

from access_matrix import BAD, FORBIDDEN, LOGIN, NOT_FOUND, OK, REDIRECT, Route, expect, signed_in

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def contributors(outcome: str = OK) -> dict[str, str]:
    return expect(outcome, anonymous=LOGIN, partner=FORBIDDEN)


def coordinators(outcome: str = OK) -> dict[str, str]:
    return expect(FORBIDDEN, anonymous=LOGIN, coordinator=outcome, admin=outcome)


def editors(outcome: str = OK) -> dict[str, str]:
    # The community resource of A is mediation.a's: its author, A's manager and admins edit it.
    return expect(outcome, anonymous=LOGIN, partner=FORBIDDEN, coordinator=FORBIDDEN)


def owner_only(outcome: str = OK) -> dict[str, str]:
    # mediation.a's shared collection: only its owner changes it.
    return expect(NOT_FOUND, anonymous=LOGIN, mediator=outcome)


def r(key: str, suffix: str = "") -> callable:
    return lambda ctx: f"/ressources/{ctx['ressources'][key]}{suffix}"


def c(key: str, suffix: str = "") -> callable:
    return lambda ctx: f"/ressources/collections/{ctx['ressources'][key]}{suffix}"


ROUTES = [
    Route("ressources.index", "GET", "/ressources/?kind=fiche&kind=outil&level=debutant&q=atelier&tri=rated", expect(OK)),
    Route("ressources.show", "GET", r("public"), expect(OK)),
    Route("ressources.create", "GET", "/ressources/nouvelle", contributors()),
    Route("ressources.create", "POST", "/ressources/nouvelle", contributors(), data=lambda ctx: {"title": ""}),
    Route("ressources.edit", "GET", r("community", "/modifier"), editors()),
    Route("ressources.edit", "POST", r("community", "/modifier"), editors(), data=lambda ctx: {"title": ""}),
    Route("ressources.remove_file", "POST", r("community", "/fichiers/999999/retirer"), editors(NOT_FOUND)),
    Route("ressources.download", "POST", lambda ctx: f"/ressources/{ctx['ressources']['community']}/fichiers/"
          f"{ctx['ressources']['attachment']}/telecharger", signed_in(REDIRECT)),
    # A resource of mediation.a kept for this route alone: the author, A's manager, coordinators and admins
    # delete it; partners read it but may not.
    Route("ressources.delete_resource", "GET", r("deletable", "/supprimer"),
          expect(OK, anonymous=LOGIN, partner=FORBIDDEN)),
    Route("ressources.delete_resource", "POST", r("deletable", "/supprimer"),
          expect(REDIRECT, anonymous=LOGIN, partner=FORBIDDEN)),
    Route("ressources.history", "GET", r("community", "/historique"), editors()),
    Route("ressources.version", "GET", r("community", "/historique/1"), editors()),
    Route("ressources.restore", "POST", r("community", "/historique/1/restaurer"), editors(REDIRECT)),
    Route("ressources.favourite", "POST", r("community", "/favori"), signed_in(REDIRECT)),
    Route("ressources.favourites", "GET", "/ressources/favoris", signed_in()),
    Route("ressources.favourites_csv", "GET", "/ressources/favoris/export.csv", signed_in()),
    Route("ressources.index_csv", "GET", "/ressources/export.csv?kind=fiche&kind=outil&q=atelier&tri=rated", expect(OK)),
    Route("ressources.use", "POST", r("community", "/utilisation"), contributors(), data=lambda ctx: {"usage-rating": "9"}),
    Route("ressources.comment", "POST", r("community", "/commentaires"), contributors(),
          data=lambda ctx: {"comment-body": ""}),
    Route("ressources.adapt", "GET", r("community", "/adapter"), contributors()),
    # A's internal planning is "all rights reserved": adapting it is refused (partners do not even see it).
    Route("ressources.adapt", "POST", r("closed", "/adapter"),
          expect(FORBIDDEN, anonymous=LOGIN, partner=NOT_FOUND)),
    Route("ressources.report", "GET", r("community", "/signaler"), signed_in()),
    Route("ressources.report", "POST", r("community", "/signaler"), signed_in(), data=lambda ctx: {"reason": ""}),
    Route("ressources.moderation", "GET", "/ressources/moderation", coordinators()),
    Route("ressources.moderation_csv", "GET", "/ressources/moderation/export.csv", coordinators()),
    Route("ressources.close_report", "POST", lambda ctx: f"/ressources/signalements/{ctx['ressources']['report']}/clore",
          coordinators(REDIRECT)),
    Route("ressources.unpublish", "POST", r("unpublishable", "/depublier"), coordinators(REDIRECT)),
    Route("ressources.republish", "POST", r("unpublishable", "/republier"), coordinators(REDIRECT)),
    Route("ressources.add_to_collection", "POST", r("community", "/collection"), contributors(REDIRECT),
          data=lambda ctx: {"add-collection_id": ""}),
    Route("ressources.collections", "GET", "/ressources/collections", signed_in()),
    Route("ressources.new_collection", "GET", "/ressources/collections/nouvelle", contributors()),
    Route("ressources.new_collection", "POST", "/ressources/collections/nouvelle", contributors(),
          data=lambda ctx: {"title": ""}),
    Route("ressources.collection", "GET", c("collection_a"), signed_in()),
    Route("ressources.edit_collection", "GET", c("collection_a", "/modifier"), owner_only()),
    Route("ressources.edit_collection", "POST", c("collection_a", "/modifier"), owner_only(),
          data=lambda ctx: {"title": ""}),
    Route("ressources.remove_from_collection", "POST", c("collection_a", "/retirer/999999"), owner_only(REDIRECT)),
    Route("ressources.themes", "GET", "/ressources/themes", coordinators()),
    Route("ressources.themes", "POST", "/ressources/themes", coordinators(), data=lambda ctx: {"label": ""}),
    Route("ressources.edit_theme", "GET", lambda ctx: f"/ressources/themes/{ctx['ressources']['theme']}/modifier",
          coordinators()),
    Route("ressources.edit_theme", "POST", lambda ctx: f"/ressources/themes/{ctx['ressources']['theme']}/modifier",
          coordinators(), data=lambda ctx: {"label": ""}),
    Route("ressources.follows", "GET", "/ressources/abonnements", signed_in()),
    Route("ressources.follow", "POST", "/ressources/abonnements", signed_in(BAD), data=lambda ctx: {"theme_id": "x"}),
]

CROSS_ASSOCIATION = [
    ("B's private resource", "GET", r("private_b")),
    ("B's private resource, edit form", "GET", r("private_b", "/modifier")),
    ("B's private resource, saved", "POST", r("private_b", "/modifier"), lambda ctx: {"title": "Repris", "kind": "fiche"}),
    ("B's private resource, deletion page", "GET", r("private_b", "/supprimer")),
    ("B's private resource, deleted", "POST", r("private_b", "/supprimer")),
    ("B's shared resource, deleted", "POST", r("shared_b", "/supprimer")),
    ("B's private resource, history", "GET", r("private_b", "/historique")),
    ("B's private resource, a version", "GET", r("private_b", "/historique/1")),
    ("B's private resource, restored", "POST", r("private_b", "/historique/1/restaurer")),
    ("B's private resource, favourite", "POST", r("private_b", "/favori")),
    ("B's private resource, used", "POST", r("private_b", "/utilisation"), lambda ctx: {"usage-rating": "4"}),
    ("B's private resource, comment", "POST", r("private_b", "/commentaires"), lambda ctx: {"comment-body": "Vu"}),
    ("B's private resource, report", "GET", r("private_b", "/signaler")),
    ("B's private resource, adapted", "POST", r("private_b", "/adapter")),
    ("B's private resource, collected", "POST", r("private_b", "/collection"),
     lambda ctx: {"add-collection_id": str(ctx["ressources"]["collection_a"])}),
    ("B's private resource, file", "POST", lambda ctx: f"/ressources/{ctx['ressources']['private_b']}/fichiers/"
     f"{ctx['ressources']['attachment_b']}/telecharger"),
    ("B's private resource's file", "GET", lambda ctx: f"/fichiers/{ctx['ressources']['file_b']}"),
    ("mediation.b's private collection", "GET", c("collection_b")),
    ("mediation.b's private collection, edited", "POST", c("collection_b", "/modifier"), lambda ctx: {"title": "x"}),
    ("mediation.b's private collection, emptied", "POST", c("collection_b", "/retirer/1")),
]

# The public API (the session cookie counts for nothing there): public resources only.
ROUTES += [
    Route("public_api.resource", "GET", "/api/v1/ressources/resources?kind=fiche&theme=smartphone&au=2100-12-31",
          expect(OK)),
    Route("public_api.resource", "GET", lambda ctx: f"/api/v1/ressources/resources/{ctx['ressources']['public']}",
          expect(OK)),
    Route("public_api.resource", "GET", lambda ctx: f"/api/v1/ressources/resources/{ctx['ressources']['community']}",
          expect(NOT_FOUND)),
]

LIST_PAGES = [
    "/api/v1/ressources/resources",
    "/ressources/",
    "/ressources/export.csv",
    lambda ctx: f"/ressources/export.csv?kind=fiche&kind=support&theme={ctx['ressources']['theme']}&q=atelier",
    "/ressources/favoris/export.csv",
    "/ressources/moderation/export.csv",
    lambda ctx: f"/ressources/?kind=fiche&kind=support&theme={ctx['ressources']['theme']}&audience=seniors&q=atelier",
    "/ressources/?tri=used",
    "/ressources/collections",
    "/ressources/favoris",
    "/ressources/moderation",
    "/ressources/abonnements",
    r("community"),
    r("community", "/historique"),
    c("collection_a"),
]


def context(app, ctx: dict) -> dict:
    from sqlalchemy import select
    from werkzeug.datastructures import FileStorage

    from plugins.ressources.models import Attachment, Collection, Report, Resource, Theme
    from qn_portal.dbtypes import utcnow
    from qn_portal.extensions import db
    from qn_portal.storage import save_upload

    def by_title(title):
        return db.session.scalar(select(Resource.id).where(Resource.title == title))

    with app.app_context():
        found = {
            "public": by_title("Envoyer son premier SMS avec photo"),
            "community": by_title("Créer son compte Ameli pas à pas"),
            "closed": by_title("Planning des permanences du Grand Parc"),
            "private_b": by_title("Bilan interne des ateliers de Carriet"),
            "unpublishable": by_title("Choisir un smartphone reconditionné"),
            "shared_b": by_title("Ma première adresse e-mail"),
            "collection_a": db.session.scalar(select(Collection.id).where(Collection.owner_id == ctx["users"]["mediation.a"])),
            "collection_b": db.session.scalar(select(Collection.id).where(Collection.owner_id == ctx["users"]["mediation.b"])),
            "report": db.session.scalar(select(Report.id)),
            "theme": db.session.scalar(select(Theme.id).where(Theme.slug == "smartphone")),
        }
        deletable = Resource(title="Fiche à supprimer", kind="fiche", level="debutant", licence="cc-by-4.0",
                             visibility="community", status="published", published_at=utcnow(),
                             association_id=ctx["associations"]["a"], author_id=ctx["users"]["mediation.a"])
        db.session.add(deletable)
        db.session.commit()
        found["deletable"] = deletable.id
        for key, resource_key, uploader, association in (("attachment", "community", "mediation.a", "a"),
                                                          ("attachment_b", "private_b", "mediation.b", "b")):
            stored = save_upload(FileStorage(io.BytesIO(PDF), filename=f"{key}.pdf"), plugin="ressources",
                                 kinds=("pdf",), association_id=ctx["associations"][association],
                                 uploaded_by_id=ctx["users"][uploader])
            attachment = Attachment(resource_id=found[resource_key], file_key=stored.key, name=stored.original_name,
                                    content_type=stored.content_type, size=stored.size)
            db.session.add(attachment)
            db.session.commit()
            found[key] = attachment.id
            if key == "attachment_b":
                found["file_b"] = stored.key
    return {"ressources": found}


def add_rows(app, ctx, count: int, offset: int) -> None:
    """``count`` more resources (themes, audiences, versions), uses and comments on the shown resource,
    favourites, collection items, reports and collections."""
    from sqlalchemy import select

    from plugins.ressources.models import (
        Collection,
        CollectionItem,
        Comment,
        Favourite,
        Report,
        Resource,
        ResourceAudience,
        Theme,
        Usage,
        Version,
    )
    from qn_portal.accounts.models import User
    from qn_portal.dbtypes import utcnow
    from qn_portal.extensions import db

    ids = ctx["ressources"]
    with app.app_context():
        themes = db.session.scalars(select(Theme).limit(3)).all()
        for i in range(offset, offset + count):
            user = User(email=f"ressources{i}@example.org", name=f"Auteur {i}")
            resource = Resource(title=f"Atelier ressource {i}", summary="atelier", body="atelier", body_html="<p>atelier</p>",
                                kind="fiche" if i % 2 else "support", level="debutant", licence="etalab-2.0",
                                visibility="community", status="published", published_at=utcnow(),
                                association_id=ctx["associations"]["a" if i % 2 else "b"], author=user,
                                themes=list(themes), audience_rows=[ResourceAudience(audience="seniors")],
                                usage_count=i % 5, rating_score=(i % 4) * 100, version_count=1)
            db.session.add_all([user, resource])
            db.session.flush()
            db.session.add_all([
                Version(resource_id=ids["community"], number=100 + i, title=f"Version {i}", author_id=user.id),
                Usage(resource_id=ids["community"], user_id=user.id, rating=1 + i % 4, comment="atelier"),
                Comment(resource_id=ids["community"], author_id=user.id, body=f"Commentaire {i}"),
                Favourite(user_id=ctx["users"]["admin"], resource_id=resource.id),
                CollectionItem(collection_id=ids["collection_a"], resource_id=resource.id, position=i),
                Report(resource_id=resource.id, reporter_id=user.id, reason="duplicate", comment="doublon"),
                Collection(owner_id=user.id, title=f"Collection {i}", shared=True),
            ])
        db.session.commit()


def store_payload(client, token, payload, ctx) -> list[str]:
    """Store ``payload`` in every free-text field and file name of the plugin; return the pages that show them."""
    text = payload[:200]
    response = client.post("/ressources/nouvelle", content_type="multipart/form-data", data={
        "csrf_token": token, "title": text or "x", "summary": payload[:500], "body": payload, "kind": "fiche",
        "level": "debutant", "licence": "cc-by-4.0", "visibility": "community", "status": "published",
        "links": f"https://example.org/ {payload[:150]}".replace("\n", " ").replace("\r", " "),
        "files": [(io.BytesIO(PDF), f"{payload[:150]}.pdf")],
    })
    pages = ["/ressources/", "/ressources/collections", "/ressources/moderation", "/ressources/themes",
             "/tableau-de-bord", f"/associations/{ctx['slugs']['a']}"]
    match = re.search(r"/ressources/(\d+)$", response.headers.get("Location", ""))
    target = f"/ressources/{ctx['ressources']['community']}"
    if match:
        target = f"/ressources/{match.group(1)}"
        pages += [target, f"{target}/modifier", f"{target}/historique", f"{target}/historique/1", f"{target}/adapter",
                  f"{target}/supprimer"]
    client.post(f"{target}/commentaires", data={"csrf_token": token, "comment-body": payload})
    client.post(f"{target}/utilisation", data={"csrf_token": token, "usage-rating": "3", "usage-comment": payload})
    client.post(f"{target}/signaler", data={"csrf_token": token, "reason": "erroneous", "comment": payload})
    response = client.post("/ressources/collections/nouvelle", data={
        "csrf_token": token, "title": text or "x", "description": payload, "shared": "y"})
    if response.headers.get("Location"):
        collection = response.headers["Location"]
        client.post(f"{target}/collection", data={"csrf_token": token,
                                                  "add-collection_id": collection.rsplit("/", 1)[1]})
        pages.append(collection)
    client.post("/ressources/themes", data={"csrf_token": token, "label": payload[:120], "active": "y"})
    pages += [target, "/ressources/abonnements", "/notifications"]
    return pages
