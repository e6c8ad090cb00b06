"""Helpers shared by the echanges tests (imported by name: this folder is on sys.path under pytest)."""

from __future__ import annotations

import importlib

from conftest import post_form
from sqlalchemy import select

from qn_portal.extensions import db

OTHERS = ["ressources", "ateliers", "cofinancements", "programme", "veille"]


def m():
    # ``plugins.echanges.models`` is also the name of a hook function in the package: take the module itself.
    return importlib.import_module("plugins.echanges.models")


def category_id(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(m().EchangesCategory.id).where(m().EchangesCategory.name == name))


def thread_id(app, title_start: str) -> int:
    with app.app_context():
        return db.session.scalar(select(m().EchangesThread.id).where(m().EchangesThread.title.like(title_start + "%"))
                                 .order_by(m().EchangesThread.id.desc()).limit(1))


def first_post_id(app, thread: int) -> int:
    with app.app_context():
        return db.session.scalar(select(m().EchangesPost.id).where(
            m().EchangesPost.thread_id == thread, m().EchangesPost.is_first.is_(True)))


def last_post_id(app, thread: int) -> int:
    with app.app_context():
        return db.session.scalar(select(m().EchangesPost.id).where(m().EchangesPost.thread_id == thread)
                                 .order_by(m().EchangesPost.id.desc()).limit(1))


def new_thread(client, app, category="Pédagogie", **fields):
    data = {"title": "Atelier tablette avec des seniors", "category": str(category_id(app, category)),
            "body": "Comment organisez-vous la **première séance** ?", "tags": "Tablettes, seniors", "links": "",
            "submit": "Publier le sujet"}
    data.update(fields)
    return post_form(client, "/echanges/sujets/nouveau", data)


def reply(client, thread: int, body: str):
    return post_form(client, f"/echanges/sujets/{thread}/repondre", {"body": body},
                     form_url=f"/echanges/sujets/{thread}")


def notifications(app, kind: str | None = None) -> list[tuple[int, str]]:
    from qn_portal.notifications.models import Notification

    with app.app_context():
        statement = select(Notification.user_id, Notification.kind).order_by(Notification.id)
        if kind:
            statement = statement.where(Notification.kind == kind)
        return [tuple(row) for row in db.session.execute(statement)]
