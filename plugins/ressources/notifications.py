"""Who is told what: followers of a theme or an association, authors of moderated resources, coordinators."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from qn_portal.api import User, db, lazy_gettext, notify

from .models import Report, Resource
from .services import followers_of

_l = lazy_gettext


def handle(event) -> None:
    if event.name == "ressources.resource_deleted":
        deleted(event)
        return
    resource_id = event.data.get("resource_id")
    resource = db.session.scalar(select(Resource).where(Resource.id == resource_id)
                                 .options(selectinload(Resource.themes))) if resource_id else None
    if resource is None:
        return
    url = url_for("ressources.show", resource_id=resource.id)
    if event.name == "ressources.resource_published":
        people = followers_of(resource, exclude_id=event.actor_id)
        if people:
            title = (_l("Ressource mise à jour : %(title)s", title=resource.title[:200]) if event.data.get("updated")
                     else _l("Nouvelle ressource : %(title)s", title=resource.title[:200]))
            notify(people, "ressources.followed", title, url, text=resource.summary[:500])
    elif event.name == "ressources.resource_unpublished" and resource.author_id:
        notify(resource.author_id, "ressources.moderated",
               _l("Votre ressource « %(title)s » a été dépubliée par la coordination", title=resource.title[:200]),
               url)
    elif event.name == "ressources.resource_reported":
        report = db.session.get(Report, event.data.get("report_id"))
        coordinators = db.session.scalars(select(User.id).where(User.role == "coordinator", User.active.is_(True))).all()
        if report is not None and coordinators:
            notify(list(coordinators), "ressources.reported",
                   _l("Ressource signalée : %(title)s", title=resource.title[:200]), url_for("ressources.moderation"),
                   text=report.comment[:500])


def deleted(event) -> None:
    """Someone else (a manager of the association, the coordination) deleted a resource: tell its author."""
    author_id = event.data.get("author_id")
    if author_id and author_id != event.actor_id:
        notify(author_id, "ressources.moderated",
               _l("Votre ressource « %(title)s » a été supprimée", title=(event.data.get("title") or "")[:200]),
               url_for("ressources.index"))
