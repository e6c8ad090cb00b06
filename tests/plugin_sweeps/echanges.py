"""Sweep declarations of the echanges plugin (see ``tests/access_matrix.py``).

The demo's thread "ameli" is in a category open to partners; "souris" and "ordinateurs" are not.
"""

from __future__ import annotations

from access_matrix import FORBIDDEN, LOGIN, NOT_FOUND, OK, REDIRECT, Route, expect, signed_in
from sqlalchemy import select

from qn_portal.extensions import db

MISSING = 999999


def coordinators(outcome: str) -> dict[str, str]:
    return expect(FORBIDDEN, anonymous=LOGIN, coordinator=outcome, admin=outcome)


def writers(outcome: str) -> dict[str, str]:
    """Members of associations, coordinators and admins; partners only read."""
    return expect(outcome, anonymous=LOGIN, partner=FORBIDDEN)


ROUTES = [
    Route("echanges.index", "GET", "/echanges/?vue=sans-reponse&tag=seniors&q=ameli", signed_in()),
    Route("echanges.index_csv", "GET", "/echanges/export.csv?vue=sans-reponse&tag=seniors&q=ameli", signed_in()),
    Route("echanges.thread", "GET", lambda ctx: f"/echanges/sujets/{ctx['echanges_open']}", signed_in()),
    Route("echanges.thread", "GET", lambda ctx: f"/echanges/sujets/{ctx['echanges_closed']}",
          expect(OK, anonymous=LOGIN, partner=NOT_FOUND)),
    Route("echanges.reply", "POST", lambda ctx: f"/echanges/sujets/{ctx['echanges_closed']}/repondre",
          writers(OK), data=lambda ctx: {"body": ""}),
    Route("echanges.new_thread", "GET", "/echanges/sujets/nouveau", writers(OK)),
    Route("echanges.new_thread", "POST", "/echanges/sujets/nouveau", writers(OK), data=lambda ctx: {"title": ""}),
    # mediation.b's reply: nobody else edits or deletes it.
    Route("echanges.edit_post", "GET", lambda ctx: f"/echanges/messages/{ctx['echanges_reply_b']}/modifier",
          expect(FORBIDDEN, anonymous=LOGIN)),
    Route("echanges.edit_post", "POST", lambda ctx: f"/echanges/messages/{ctx['echanges_reply_b']}/modifier",
          expect(FORBIDDEN, anonymous=LOGIN), data=lambda ctx: {"body": ""}),
    Route("echanges.delete_post", "POST", lambda ctx: f"/echanges/messages/{ctx['echanges_reply_b']}/supprimer",
          expect(FORBIDDEN, anonymous=LOGIN)),
    Route("echanges.history", "GET", lambda ctx: f"/echanges/messages/{ctx['echanges_reply_b']}/historique",
          signed_in()),
    Route("echanges.thank", "POST", lambda ctx: f"/echanges/messages/{ctx['echanges_reply_b']}/merci",
          writers(REDIRECT)),
    Route("echanges.mark_solution", "POST", lambda ctx: f"/echanges/messages/{ctx['echanges_reply_b']}/solution",
          expect(FORBIDDEN, anonymous=LOGIN, mediator=REDIRECT, coordinator=REDIRECT, admin=REDIRECT)),
    Route("echanges.follow_thread", "POST", lambda ctx: f"/echanges/sujets/{ctx['echanges_open']}/suivre",
          signed_in(REDIRECT)),
    Route("echanges.mark_read", "POST", lambda ctx: f"/echanges/sujets/{ctx['echanges_open']}/lu", signed_in(REDIRECT)),
    Route("echanges.mark_all_read", "POST", "/echanges/suivis/lu", signed_in(REDIRECT)),
    Route("echanges.follow_category", "POST",
          lambda ctx: f"/echanges/categories/{ctx['echanges_closed_category']}/suivre",
          expect(REDIRECT, anonymous=LOGIN, partner=NOT_FOUND)),
    Route("echanges.follow_tag", "POST", "/echanges/mots-cles/suivre", signed_in(REDIRECT),
          data=lambda ctx: {"tag": "seniors"}),
    Route("echanges.report", "GET", lambda ctx: f"/echanges/messages/{ctx['echanges_reply_b']}/signaler", signed_in()),
    Route("echanges.report", "POST", lambda ctx: f"/echanges/messages/{ctx['echanges_reply_b']}/signaler",
          signed_in(OK), data=lambda ctx: {"reason": ""}),
    Route("echanges.moderation", "GET", "/echanges/moderation", coordinators(OK)),
    Route("echanges.moderation_csv", "GET", "/echanges/moderation/export.csv", coordinators(OK)),
    Route("echanges.dismiss_report", "POST", lambda ctx: f"/echanges/signalements/{ctx['echanges_report']}/classer",
          coordinators(REDIRECT)),
    Route("echanges.hide_post", "GET", lambda ctx: f"/echanges/messages/{ctx['echanges_reply_b']}/masquer",
          coordinators(OK)),
    Route("echanges.hide_post", "POST", lambda ctx: f"/echanges/messages/{ctx['echanges_reply_b']}/masquer",
          coordinators(OK), data=lambda ctx: {"reason": ""}),
    Route("echanges.restore_post", "POST", lambda ctx: f"/echanges/messages/{ctx['echanges_reply_b']}/retablir",
          coordinators(REDIRECT)),
    Route("echanges.lock_thread", "POST", lambda ctx: f"/echanges/sujets/{ctx['echanges_locked']}/verrouiller",
          coordinators(REDIRECT)),
    Route("echanges.move_thread", "GET", lambda ctx: f"/echanges/sujets/{ctx['echanges_closed']}/deplacer",
          coordinators(OK)),
    Route("echanges.move_thread", "POST", lambda ctx: f"/echanges/sujets/{ctx['echanges_closed']}/deplacer",
          coordinators(OK), data=lambda ctx: {"category": ""}),
    Route("echanges.categories", "GET", "/echanges/categories", coordinators(OK)),
    Route("echanges.categories", "POST", "/echanges/categories", coordinators(OK), data=lambda ctx: {"name": ""}),
    Route("echanges.edit_category", "GET",
          lambda ctx: f"/echanges/categories/{ctx['echanges_closed_category']}/modifier", coordinators(OK)),
    Route("echanges.edit_category", "POST",
          lambda ctx: f"/echanges/categories/{ctx['echanges_closed_category']}/modifier", coordinators(OK),
          data=lambda ctx: {"name": ""}),
]

# The exchanges are shared by every association: what must stay out of reach is someone else's message.
CROSS_ASSOCIATION = [
    ("B's mediator's message, edited", "POST", lambda ctx: f"/echanges/messages/{ctx['echanges_reply_b']}/modifier",
     lambda ctx: {"body": "Réécrit par quelqu'un d'autre"}),
    ("B's mediator's message, deleted", "POST",
     lambda ctx: f"/echanges/messages/{ctx['echanges_reply_b']}/supprimer"),
]

LIST_PAGES = ["/echanges/export.csv", "/echanges/export.csv?vue=suivis", "/echanges/moderation/export.csv",
              "/echanges/", "/echanges/?vue=suivis", "/echanges/?vue=mes-sujets", "/echanges/moderation",
              "/echanges/categories",
              lambda ctx: f"/echanges/sujets/{ctx['echanges_open']}",
              lambda ctx: f"/echanges/messages/{ctx['echanges_reply_b']}/historique"]


def context(app, ctx) -> dict:
    from plugins.echanges.models import EchangesCategory, EchangesPost, EchangesReport, EchangesThread

    with app.app_context():
        def thread(prefix):
            return db.session.scalar(select(EchangesThread.id).where(EchangesThread.title.like(prefix + "%")))

        open_thread = thread("Créer un compte Ameli")
        closed = thread("Exercices pour prendre en main")
        return {
            "echanges_open": open_thread, "echanges_closed": closed,
            "echanges_locked": thread("Ordinateurs reconditionnés"),
            "echanges_closed_category": db.session.scalar(select(EchangesThread.category_id)
                                                          .where(EchangesThread.id == closed)),
            "echanges_open_category": db.session.scalar(select(EchangesCategory.id)
                                                        .where(EchangesCategory.open_to_partners.is_(True))),
            "echanges_reply_b": db.session.scalar(select(EchangesPost.id).where(
                EchangesPost.thread_id == open_thread, EchangesPost.author_id == ctx["users"]["mediation.b"])),
            "echanges_report": db.session.scalar(select(EchangesReport.id).limit(1)),
        }


def add_rows(app, ctx, count: int, offset: int) -> None:
    from plugins.echanges.models import (
        EchangesCategory,
        EchangesFollow,
        EchangesPost,
        EchangesReport,
        EchangesRevision,
        EchangesThanks,
        EchangesThread,
    )

    with app.app_context():
        admin, mediator = ctx["users"]["admin"], ctx["users"]["mediation.a"]
        for i in range(offset, offset + count):
            category = EchangesCategory(name=f"Catégorie {i}", open_to_partners=bool(i % 2))
            thread = EchangesThread(category=category, title=f"Sujet {i}", tags=",seniors,", author_id=admin,
                                    reply_count=1, solution_post_id=None)
            first = EchangesPost(thread=thread, author_id=admin, is_first=True, body="question",
                                 body_html="<p>question</p>")
            reply = EchangesPost(thread_id=ctx["echanges_open"], author_id=mediator, body=f"Réponse {i}",
                                 body_html=f"<p>Réponse {i}</p>", hidden=bool(i % 3 == 0), hidden_reason="hors sujet")
            db.session.add_all([category, thread, first, reply])
            db.session.flush()
            db.session.add_all([
                EchangesFollow(user_id=admin, target_type="thread", target=str(thread.id)),
                EchangesThanks(post_id=reply.id, user_id=admin),
                EchangesReport(post_id=reply.id, reporter_id=admin, reason="autre", comment=f"Signalement {i}"),
                EchangesRevision(post_id=ctx["echanges_reply_b"], body=f"Version {i}", editor_id=mediator),
            ])
        db.session.commit()


def store_payload(client, token, payload, ctx) -> list[str]:
    client.post("/echanges/sujets/nouveau", data={
        "csrf_token": token, "title": ("Sujet " + payload)[:200], "category": str(ctx["echanges_open_category"]),
        "body": payload + " @Maëlle Médiation", "tags": payload[:25], "submit": "Publier"})
    client.post("/echanges/sujets/nouveau", data={
        "csrf_token": token, "title": ("Sujet " + payload)[:200], "check": "Vérifier", "body": payload})
    client.post(f"/echanges/sujets/{ctx['echanges_open']}/repondre", data={"csrf_token": token, "body": payload})
    client.post(f"/echanges/messages/{ctx['echanges_reply_b']}/retablir", data={"csrf_token": token})
    client.post(f"/echanges/messages/{ctx['echanges_reply_b']}/signaler",
                data={"csrf_token": token, "reason": "autre", "comment": payload[:1000]})
    client.post(f"/echanges/messages/{ctx['echanges_reply_b']}/masquer",
                data={"csrf_token": token, "reason": payload[:500]})
    client.post("/echanges/categories", data={"csrf_token": token, "name": payload[:80],
                                              "description": payload[:300], "position": "5"})
    client.post("/echanges/mots-cles/suivre", data={"csrf_token": token, "tag": payload[:25]})
    return ["/echanges/", f"/echanges/sujets/{ctx['echanges_open']}", "/echanges/moderation", "/echanges/categories",
            "/echanges/?vue=mes-sujets", "/echanges/?q=" + payload[:50], "/echanges/?tag=" + payload[:25]]
