"""Ressources: the shared library of the médiateurs (fiches, supports, tutoriels), to reuse and adapt."""

from __future__ import annotations

from pathlib import Path

from qn_portal.api import (
    NavItem,
    NotificationKind,
    Panel,
    Permission,
    StoredFile,
    Widget,
    hookimpl,
    lazy_gettext,
)

from .models import ALL_MODELS

_l = lazy_gettext
CONTRIBUTING = {"create", "edit", "delete", "contribute"}
# What the author of a resource may always do with it.
AUTHOR_VERBS = {"edit", "delete"}


@hookimpl
def blueprints():
    from .views import bp

    return [bp]


@hookimpl
def models():
    return ALL_MODELS


@hookimpl
def migrations_folder():
    return Path(__file__).parent / "migrations" / "versions"


@hookimpl
def permissions():
    return [
        Permission("ressources.create", _l("Publier des ressources"), roles={"coordinator", "manager", "mediator"}),
        Permission("ressources.edit", _l("Modifier les ressources de son association"), roles={"manager"}),
        Permission("ressources.delete", _l("Supprimer les ressources de son association (et, pour la "
                                           "coordination, toute ressource)"), roles={"manager", "coordinator"}),
        Permission("ressources.contribute", _l("Noter, commenter et composer des collections de ressources"),
                   roles={"coordinator", "manager", "mediator"}),
        Permission("ressources.moderate", _l("Modérer les ressources"), roles={"coordinator"}),
        Permission("ressources.manage_themes", _l("Tenir la liste des thèmes des ressources"), roles={"coordinator"}),
    ]


@hookimpl
def check_permission(user, action, obj):
    if action.startswith("ressources."):
        from .models import Resource

        verb = action.split(".", 1)[1]
        # Partners read and report; they never write in the library, whatever membership they hold.
        if verb in CONTRIBUTING and user.role == "partner":
            return False
        if verb in AUTHOR_VERBS and isinstance(obj, Resource) and obj.author_id == user.id:
            return True
        return None
    if action == "files.download" and isinstance(obj, StoredFile) and obj.plugin == "ressources":
        from .services import attachment_readable

        return attachment_readable(user, obj.key)
    return None


@hookimpl
def nav_items(user):
    return [NavItem(_l("Ressources"), "ressources.index", order=30)]


@hookimpl
def dashboard_widgets(user):
    from .services import widget_context

    return [Widget(_l("Ressources"), "ressources/widget.html", widget_context(user), order=30)]


@hookimpl
def association_panels(association, user):
    from .services import panel_context

    return [Panel(_l("Ressources partagées"), "ressources/panel.html", panel_context(association, user), order=30)]


@hookimpl
def search_documents():
    from .services import all_documents

    yield from all_documents()


@hookimpl
def notification_kinds():
    return [
        NotificationKind("ressources.followed", _l("Ressources suivies"),
                         _l("Quand une ressource d'un thème ou d'une association que vous suivez est publiée ou mise à jour.")),
        NotificationKind("ressources.moderated", _l("Modération de vos ressources"),
                         _l("Quand la coordination dépublie une de vos ressources, ou quand quelqu'un "
                            "d'autre la supprime.")),
        NotificationKind("ressources.reported", _l("Signalements de ressources"),
                         _l("Quand quelqu'un signale une ressource (coordination).")),
    ]


@hookimpl
def report_figures(association_ids, start, end):
    from .services import figures

    return figures(association_ids, start, end)


@hookimpl
def on_event(event):
    if event.name.startswith("ressources."):
        from .notifications import handle

        handle(event)


@hookimpl
def demo_data(demo):
    from .demo import seed

    seed(demo)


@hookimpl
def cli_commands():
    from .cli import ressources_group

    return [ressources_group]


@hookimpl
def jinja_filters():
    return {"ressources_date": format_date}


def format_date(value) -> str:
    """A UTC datetime shown in Europe/Paris, as "26/11/2026 à 18:05"."""
    from zoneinfo import ZoneInfo

    if value is None:
        return ""
    return value.astimezone(ZoneInfo("Europe/Paris")).strftime("%d/%m/%Y %H:%M")


@hookimpl
def api_collections():
    from .api import collections

    return collections()
