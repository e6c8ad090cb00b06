"""Sweep declarations of the veille plugin (see ``tests/access_matrix.py``)."""

from __future__ import annotations

from datetime import timedelta

from access_matrix import FORBIDDEN, LOGIN, NOT_FOUND, OK, REDIRECT, Route, expect, signed_in
from sqlalchemy import select

from qn_portal.extensions import db

MISSING = 999999


def coordinators(outcome: str, others: str = FORBIDDEN) -> dict[str, str]:
    return expect(others, anonymous=LOGIN, coordinator=outcome, admin=outcome)


def programme(outcome: str) -> dict[str, str]:
    """Members of associations, coordinators and admins; partners refused."""
    return expect(outcome, anonymous=LOGIN, partner=FORBIDDEN)


ROUTES = [
    Route("veille.index", "GET", "/veille/?category=appel&tag=seniors&commune=Bordeaux", signed_in()),
    Route("veille.index_csv", "GET", "/veille/export.csv?category=appel&tag=seniors&commune=Bordeaux", signed_in()),
    Route("veille.mark_seen", "POST", "/veille/vu", signed_in(REDIRECT)),
    Route("veille.post", "GET", lambda ctx: f"/veille/billets/{ctx['veille_intranet']}",
          expect(OK, anonymous=LOGIN, partner=NOT_FOUND)),
    Route("veille.post", "GET", lambda ctx: f"/veille/billets/{ctx['veille_public']}", expect(OK)),
    Route("veille.post", "GET", lambda ctx: f"/veille/billets/{ctx['veille_scheduled']}",
          expect(NOT_FOUND, anonymous=LOGIN, coordinator=OK, admin=OK)),
    Route("veille.react", "POST", lambda ctx: f"/veille/billets/{ctx['veille_intranet']}/utile",
          programme(REDIRECT)),
    Route("veille.comment", "POST", lambda ctx: f"/veille/billets/{ctx['veille_intranet']}/commentaires",
          programme(OK), data=lambda ctx: {"body": ""}),
    Route("veille.hide_comment", "POST", lambda ctx: f"/veille/commentaires/{ctx['veille_comment']}/masquer",
          coordinators(REDIRECT)),
    Route("veille.create_post", "GET", "/veille/billets/nouveau", coordinators(OK)),
    Route("veille.create_post", "POST", "/veille/billets/nouveau", coordinators(OK), data=lambda ctx: {"title": ""}),
    Route("veille.edit_post", "GET", lambda ctx: f"/veille/billets/{ctx['veille_intranet']}/modifier", coordinators(OK)),
    Route("veille.edit_post", "POST", lambda ctx: f"/veille/billets/{ctx['veille_intranet']}/modifier",
          coordinators(OK), data=lambda ctx: {"title": ""}),
    Route("veille.delete_post", "POST", f"/veille/billets/{MISSING}/supprimer", coordinators(NOT_FOUND)),
    Route("veille.actors", "GET", "/veille/acteurs/?commune=Bordeaux&kind=mediatheque&service=ateliers", signed_in()),
    Route("veille.actors_csv", "GET", "/veille/acteurs/export.csv?commune=Bordeaux&kind=mediatheque", signed_in()),
    Route("veille.actor", "GET", lambda ctx: f"/veille/acteurs/{ctx['veille_actor']}", signed_in()),
    Route("veille.create_actor", "GET", "/veille/acteurs/nouveau", coordinators(OK)),
    Route("veille.create_actor", "POST", "/veille/acteurs/nouveau", coordinators(OK), data=lambda ctx: {"name": ""}),
    Route("veille.edit_actor", "GET", lambda ctx: f"/veille/acteurs/{ctx['veille_actor']}/modifier", coordinators(OK)),
    Route("veille.edit_actor", "POST", lambda ctx: f"/veille/acteurs/{ctx['veille_actor']}/modifier",
          coordinators(OK), data=lambda ctx: {"name": ""}),
    Route("veille.public_feed", "GET", "/veille/flux.atom", expect(OK)),
    Route("veille.private_feed", "GET", "/veille/flux/pas-un-jeton.atom", expect(NOT_FOUND)),
    Route("veille.preferences", "GET", "/veille/preferences", signed_in()),
    Route("veille.preferences", "POST", "/veille/preferences", signed_in(OK), data=lambda ctx: {"followed": "inconnue"}),
    Route("veille.renew_feed_token", "POST", "/veille/preferences/flux-prive", signed_in(OK)),
    Route("veille.revoke_feed_token", "POST", "/veille/preferences/flux-prive/revoquer", signed_in(REDIRECT)),
    Route("veille.sources", "GET", "/veille/sources/", coordinators(OK)),
    Route("veille.sources", "POST", "/veille/sources/", coordinators(OK), data=lambda ctx: {"name": ""}),
    Route("veille.delete_source", "POST", f"/veille/sources/{MISSING}/supprimer", coordinators(NOT_FOUND)),
    Route("veille.review", "GET", "/veille/a-relire/", coordinators(OK)),
    Route("veille.review_csv", "GET", "/veille/a-relire/export.csv", coordinators(OK)),
    Route("veille.sources_csv", "GET", "/veille/sources/export.csv", coordinators(OK)),
    Route("veille.discard_item", "POST", lambda ctx: f"/veille/a-relire/{ctx['veille_item']}/ecarter",
          coordinators(REDIRECT)),
]

# The public API (the session cookie counts for nothing there): public posts only.
ROUTES += [
    Route("public_api.resource", "GET", "/api/v1/veille/posts?category=appel&commune=Bordeaux&tag=seniors", expect(OK)),
    Route("public_api.resource", "GET", lambda ctx: f"/api/v1/veille/posts/{ctx['veille_public']}", expect(OK)),
    Route("public_api.resource", "GET", lambda ctx: f"/api/v1/veille/posts/{ctx['veille_intranet']}", expect(NOT_FOUND)),
]

LIST_PAGES = ["/api/v1/veille/posts", "/veille/", "/veille/export.csv", "/veille/acteurs/export.csv", "/veille/sources/export.csv",
              "/veille/a-relire/export.csv", "/veille/acteurs/", "/veille/sources/", "/veille/a-relire/", "/veille/flux.atom",
              lambda ctx: f"/veille/billets/{ctx['veille_intranet']}",
              lambda ctx: f"/veille/acteurs/{ctx['veille_actor']}"]


def context(app, ctx) -> dict:
    from plugins.veille.models import VeilleActor, VeilleComment, VeilleItem, VeillePost
    from qn_portal.dbtypes import utcnow

    with app.app_context():
        now = utcnow()
        posts = db.session.scalars(select(VeillePost).order_by(VeillePost.id)).all()
        intranet = next(p for p in posts if p.visibility == "intranet" and p.published_at <= now)
        public = next(p for p in posts if p.visibility == "public" and p.published_at <= now)
        scheduled = next(p for p in posts if p.published_at > now + timedelta(hours=1))
        comment = db.session.scalar(select(VeilleComment.id).where(VeilleComment.post_id == intranet.id).limit(1))
        return {
            "veille_intranet": intranet.id, "veille_public": public.id, "veille_scheduled": scheduled.id,
            "veille_comment": comment,
            "veille_actor": db.session.scalar(select(VeilleActor.id).order_by(VeilleActor.id).limit(1)),
            "veille_item": db.session.scalar(select(VeilleItem.id).where(VeilleItem.status == "pending").limit(1)),
        }


def add_rows(app, ctx, count: int, offset: int) -> None:
    from plugins.veille.models import (
        VeilleActor,
        VeilleComment,
        VeilleItem,
        VeillePost,
        VeilleReaction,
        VeilleSource,
    )
    from qn_portal.dbtypes import utcnow

    with app.app_context():
        now = utcnow()
        actor_ids = []
        for i in range(offset, offset + count):
            actor = VeilleActor(name=f"Acteur {i}", kind="association", commune="Bordeaux", services=",ateliers,")
            post = VeillePost(title=f"Billet {i}", body="texte", body_html="<p>texte</p>", category="appel",
                              tags=",seniors,", communes=",Bordeaux,", visibility="intranet" if i % 2 else "public",
                              published_at=now - timedelta(minutes=i + 5), pinned=i % 5 == 0,
                              author_id=ctx["users"]["coordination"], actors=[actor])
            source = VeilleSource(name=f"Source {i}", url=f"https://source-{i}.example.org/flux.xml")
            db.session.add_all([actor, post, source])
            db.session.flush()
            actor_ids.append(actor.id)
            db.session.add_all([
                VeilleComment(post_id=ctx["veille_intranet"], author_id=ctx["users"]["mediation.a"],
                              body=f"Commentaire {i}", body_html=f"<p>Commentaire {i}</p>"),
                VeilleReaction(post_id=post.id, user_id=ctx["users"]["mediation.a"]),
                VeilleItem(source_id=source.id, guid=f"item-{i}", title=f"Élément {i}", summary="texte"),
            ])
            # The actor's page lists its posts: link the swept actor too.
            post.actors.append(db.session.get(VeilleActor, ctx["veille_actor"]))
        db.session.commit()


def store_payload(client, token, payload, ctx) -> list[str]:
    from conftest import CSRF_RE

    page = client.get("/veille/billets/nouveau").get_data(as_text=True)
    form_token = CSRF_RE.search(page).group(1)
    client.post("/veille/billets/nouveau", data={
        "csrf_token": form_token, "title": payload[:200], "category": "actualite", "body": payload,
        "tags": payload[:300], "source_url": "https://example.org/" + payload[:100], "visibility": "public",
        "published_at": "2026-01-05T10:00"})
    client.post(f"/veille/billets/{ctx['veille_public']}/commentaires",
                data={"csrf_token": token, "body": payload})
    client.post("/veille/acteurs/nouveau", data={
        "csrf_token": token, "name": payload[:200], "kind": "association", "commune": "Bordeaux",
        "summary": payload, "services": payload[:500], "public_served": payload[:300], "address": payload[:250],
        "website": "https://example.org/" + payload[:100]})
    client.post("/veille/sources/", data={"csrf_token": token, "name": payload[:200],
                                          "url": "https://example.org/flux?" + payload[:100]})
    return ["/veille/", "/veille/acteurs/", f"/veille/billets/{ctx['veille_public']}", "/veille/sources/",
            "/veille/a-relire/", "/veille/flux.atom"]
