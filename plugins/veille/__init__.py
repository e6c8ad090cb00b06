"""Veille: BMS's watch on digital solutions and actors of Bordeaux Métropole, shared with the associations.

Posts (scheduled, pinned, public or intranet) with reactions and comments, a directory of actors, Atom
feeds (public and personal), a weekly digest, and external RSS/Atom sources imported into a review queue.
"""

from __future__ import annotations

from pathlib import Path

from qn_portal.api import (
    NavItem,
    NotificationKind,
    Permission,
    Widget,
    can,
    hookimpl,
    lazy_gettext,
)

# Imported here, before the hook functions: imported later, the submodule ``models`` would replace the
# ``models`` hook in this package's namespace (see docs/plugins.md, "the models.py trap").
from .models import (
    VeilleActor,
    VeilleComment,
    VeilleDigest,
    VeilleFeedToken,
    VeilleItem,
    VeillePost,
    VeillePreference,
    VeilleReaction,
    VeilleSource,
)

SIGNED_IN_ROLES = {"coordinator", "partner", "member", "manager", "mediator"}
PROGRAMME_ROLES = {"coordinator", "manager", "mediator"}


@hookimpl
def blueprints():
    from .views import bp

    return [bp]


@hookimpl
def models():
    return [VeillePost, VeilleComment, VeilleReaction, VeilleActor, VeilleFeedToken, VeillePreference,
            VeilleDigest, VeilleSource, VeilleItem]


@hookimpl
def migrations_folder():
    return Path(__file__).parent / "migrations" / "versions"


@hookimpl
def permissions():
    return [
        Permission("veille.view", lazy_gettext("Lire la veille publique et l'annuaire des acteurs"),
                   roles=SIGNED_IN_ROLES),
        Permission("veille.read", lazy_gettext("Lire les billets de veille réservés à l'intranet"),
                   roles=PROGRAMME_ROLES),
        Permission("veille.comment", lazy_gettext("Réagir aux billets de veille et les commenter"),
                   roles=PROGRAMME_ROLES),
        Permission("veille.write", lazy_gettext("Écrire la veille, tenir l'annuaire des acteurs et les sources"),
                   roles={"coordinator"}),
        Permission("veille.moderate", lazy_gettext("Modérer les commentaires de la veille"), roles={"coordinator"}),
    ]


@hookimpl
def cli_commands():
    from .cli import veille_group

    return [veille_group]


@hookimpl
def nav_items(user):
    if not can(user, "veille.view"):
        return []
    return [NavItem(lazy_gettext("Veille"), "veille.index", order=60)]


@hookimpl
def dashboard_widgets(user):
    if not can(user, "veille.view"):
        return []
    from .services import latest_posts

    return [Widget(lazy_gettext("Veille : les derniers billets"), "veille/widget.html",
                   {"posts": latest_posts(user, 5)}, order=60)]


@hookimpl
def search_documents():
    from .services import all_documents

    yield from all_documents()


@hookimpl
def notification_kinds():
    return [NotificationKind("veille.new_post", lazy_gettext("Nouveaux billets de veille"),
                             lazy_gettext("Quand un billet paraît dans une catégorie de la veille que vous suivez.")),
            NotificationKind("veille.question", lazy_gettext("Questions sur la veille"),
                             lazy_gettext("Quand quelqu'un pose une question sous un billet de veille "
                                          "(pour l'équipe de coordination)."))]


@hookimpl
def on_event(event):
    if event.name == "veille.question_asked":
        from .services import notify_question

        notify_question(event.data["post_id"], event.actor_id)


@hookimpl
def demo_data(demo):
    from .demo import seed

    seed(demo)


@hookimpl
def api_collections():
    from .api import collections

    return collections()
