"""The core's own contributions, registered through the same hooks as any plugin (like Datasette's defaults)."""

from __future__ import annotations

from pathlib import Path

from flask_babel import lazy_gettext as _l

from .contributions import NavItem, Permission, Widget
from .hookspecs import hookimpl
from .storage import StoredFile

MIGRATIONS = Path(__file__).parent / "migrations" / "versions"


@hookimpl
def blueprints():
    from .accounts.views import bp as auth
    from .admin.views import bp as admin
    from .associations.views import bp as associations
    from .views import bp as main

    return [main, auth, admin, associations]


@hookimpl
def models():
    from .accounts.models import User, UserSession
    from .associations.models import Association, Membership
    from .plugins import PluginState
    from .search import SearchEntry

    return [User, UserSession, Association, Membership, PluginState, StoredFile, SearchEntry]


@hookimpl
def migrations_folder():
    return MIGRATIONS


@hookimpl
def permissions():
    return [
        Permission("plugins.manage", _l("Activer et désactiver les extensions"), roles={"admin"}),
        Permission("accounts.deactivate", _l("Désactiver des comptes"), roles={"admin"}),
        Permission("accounts.invite", _l("Inviter des personnes"), roles={"admin", "coordinator", "manager"}),
        Permission("associations.view_private", _l("Voir les données privées d'une association"),
                   roles={"coordinator", "manager", "mediator"}),
        Permission("associations.edit", _l("Modifier le profil d'une association"), roles={"coordinator", "manager"}),
        Permission("associations.manage_members", _l("Gérer les membres d'une association"),
                   roles={"coordinator", "manager"}),
        Permission("files.download", _l("Télécharger les fichiers d'une association"),
                   roles={"coordinator", "manager", "mediator"}),
    ]


@hookimpl
def check_permission(user, action, obj):
    # Whoever uploaded a file may always download it again.
    if action == "files.download" and isinstance(obj, StoredFile) and obj.uploaded_by_id == user.id:
        return True
    return None


@hookimpl
def nav_items(user):
    from .permissions import can

    items = [
        NavItem(_l("Tableau de bord"), "main.dashboard", order=0),
        NavItem(_l("Associations"), "associations.index", order=10),
    ]
    if can(user, "accounts.invite"):
        items.append(NavItem(_l("Inviter"), "auth.invite", order=900))
    if can(user, "accounts.deactivate"):
        items.append(NavItem(_l("Personnes"), "admin.users", order=910))
    if can(user, "plugins.manage"):
        items.append(NavItem(_l("Extensions"), "admin.plugins", order=920))
    return items


@hookimpl
def dashboard_widgets(user):
    return [Widget(_l("Mes associations"), "widgets/my_associations.html", {"memberships": user.memberships}, order=0)]


@hookimpl
def jinja_filters():
    from .text import render_markdown

    return {"markdown": render_markdown}


@hookimpl
def cli_commands():
    from .cli_commands import CORE_COMMANDS

    return CORE_COMMANDS


@hookimpl
def demo_data(demo):
    from .demo import seed_core

    seed_core(demo)
