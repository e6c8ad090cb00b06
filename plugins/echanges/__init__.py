"""Échanges: the questions and discussions of the community of practice of the associations and BMS.

Threads in categories, replies, solved answers and thanks, @mentions, following (category, tag, thread)
with notifications and the daily digest, lists and search, similar threads, reports and moderation.
"""

from __future__ import annotations

from pathlib import Path

from qn_portal.api import NavItem, NotificationKind, Permission, Widget, can, hookimpl, lazy_gettext

# Imported here, before the hook functions: imported later, the submodule ``models`` would replace the
# ``models`` hook in this package's namespace (see docs/plugins.md, "the models.py trap").
from .models import (
    EchangesCategory,
    EchangesFollow,
    EchangesMention,
    EchangesPost,
    EchangesReport,
    EchangesRevision,
    EchangesThanks,
    EchangesThread,
)

READERS = {"coordinator", "manager", "mediator", "partner"}
WRITERS = {"coordinator", "manager", "mediator"}


@hookimpl
def blueprints():
    from .views import bp

    return [bp]


@hookimpl
def models():
    return [EchangesCategory, EchangesThread, EchangesPost, EchangesRevision, EchangesThanks, EchangesMention,
            EchangesReport, EchangesFollow]


@hookimpl
def migrations_folder():
    return Path(__file__).parent / "migrations" / "versions"


@hookimpl
def permissions():
    return [
        Permission("echanges.view", lazy_gettext("Lire les échanges (les partenaires : les catégories ouvertes)"),
                   roles=READERS),
        Permission("echanges.post", lazy_gettext("Ouvrir des sujets et répondre dans les échanges"), roles=WRITERS),
        Permission("echanges.report", lazy_gettext("Signaler un message des échanges"), roles=READERS),
        Permission("echanges.moderate", lazy_gettext("Modérer les échanges : masquer, verrouiller, déplacer"),
                   roles={"coordinator"}),
        Permission("echanges.manage_categories", lazy_gettext("Tenir les catégories des échanges"),
                   roles={"coordinator"}),
    ]


@hookimpl
def cli_commands():
    from .cli import echanges_group

    return [echanges_group]


@hookimpl
def nav_items(user):
    if not can(user, "echanges.view"):
        return []
    from .services import new_messages_count

    count = new_messages_count(user)
    label = lazy_gettext("Échanges (nouveaux messages : %(count)s)", count=count) if count else lazy_gettext("Échanges")
    return [NavItem(label, "echanges.index", order=55)]


@hookimpl
def dashboard_widgets(user):
    if not can(user, "echanges.view"):
        return []
    from .services import unanswered_in_my_themes

    return [Widget(lazy_gettext("Échanges : questions sans réponse dans mes thèmes"), "echanges/widget.html",
                   {"threads": unanswered_in_my_themes(user)}, order=55)]


@hookimpl
def search_documents():
    from .services import all_documents

    yield from all_documents()


@hookimpl
def notification_kinds():
    return [
        NotificationKind("echanges.mention", lazy_gettext("Mentions dans les échanges"),
                         lazy_gettext("Quand quelqu'un vous mentionne (@Prénom Nom) dans un message.")),
        NotificationKind("echanges.reply", lazy_gettext("Réponses dans les sujets suivis"),
                         lazy_gettext("Quand quelqu'un répond dans un sujet que vous suivez "
                                      "(vous suivez les sujets où vous écrivez).")),
        NotificationKind("echanges.new_thread", lazy_gettext("Nouveaux sujets dans vos thèmes"),
                         lazy_gettext("Quand un sujet est ouvert dans une catégorie ou avec un mot-clé que vous suivez.")),
        NotificationKind("echanges.topic_reply", lazy_gettext("Réponses dans vos thèmes"),
                         lazy_gettext("Quand quelqu'un répond dans une catégorie ou sous un mot-clé que vous suivez.")),
        NotificationKind("echanges.moderation", lazy_gettext("Modération de vos messages"),
                         lazy_gettext("Quand la coordination masque ou rétablit un de vos messages.")),
    ]


@hookimpl
def demo_data(demo):
    from .demo import seed

    seed(demo)
