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
    from .data_inclusion.views import bp as data_inclusion
    from .notifications.views import bp as notifications
    from .public_api.token_views import bp as api_tokens
    from .public_api.views import bp as public_api
    from .views import bp as main

    return [main, auth, admin, associations, notifications, public_api, api_tokens, data_inclusion]


@hookimpl
def models():
    from .accounts.models import RecoveryCode, TrustedDevice, User, UserSession
    from .associations.models import Association, Membership, Neighbourhood
    from .audit.models import AuditEntry
    from .notifications.models import Notification, NotificationPreference
    from .plugins import PluginState
    from .public_api.models import ApiToken
    from .search import SearchEntry

    return [User, UserSession, Association, Membership, PluginState, StoredFile, SearchEntry, AuditEntry,
            Notification, NotificationPreference, Neighbourhood, RecoveryCode, TrustedDevice, ApiToken]


@hookimpl
def migrations_folder():
    return MIGRATIONS


@hookimpl
def permissions():
    return [
        Permission("plugins.manage", _l("Activer et désactiver les extensions"), roles={"admin"}),
        Permission("accounts.deactivate", _l("Désactiver des comptes"), roles={"admin"}),
        Permission("accounts.reset_two_factor", _l("Réinitialiser la double authentification d'une personne"),
                   roles={"admin"}),
        Permission("accounts.invite", _l("Inviter des personnes"), roles={"admin", "coordinator", "manager"}),
        Permission("associations.view_private", _l("Voir les données privées d'une association"),
                   roles={"coordinator", "manager", "mediator"}),
        Permission("associations.edit", _l("Modifier le profil d'une association"), roles={"coordinator", "manager"}),
        Permission("associations.manage_members", _l("Gérer les membres d'une association"),
                   roles={"coordinator", "manager"}),
        Permission("associations.create", _l("Créer des associations"), roles={"coordinator"}),
        Permission("associations.edit_programme", _l("Changer la promotion et le statut d'une association"),
                   roles={"coordinator"}),
        Permission("associations.manage_neighbourhoods", _l("Tenir la liste des quartiers prioritaires et de veille"),
                   roles={"coordinator"}),
        Permission("audit.view", _l("Lire le journal d'audit"), roles={"admin", "coordinator"}),
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
    if can(user, "associations.manage_neighbourhoods"):
        items.append(NavItem(_l("Quartiers"), "associations.neighbourhoods", order=890))
    if can(user, "accounts.invite"):
        items.append(NavItem(_l("Inviter"), "auth.invite", order=900))
    if can(user, "accounts.deactivate"):
        items.append(NavItem(_l("Personnes"), "admin.users", order=910))
    if can(user, "plugins.manage"):
        items.append(NavItem(_l("Extensions"), "admin.plugins", order=920))
    if can(user, "audit.view"):
        items.append(NavItem(_l("Journal"), "admin.journal", order=930))
    return items


@hookimpl
def dashboard_widgets(user):
    return [Widget(_l("Mes associations"), "widgets/my_associations.html", {"memberships": user.memberships}, order=0)]


@hookimpl
def search_documents():
    from .associations.services import all_association_documents

    yield from all_association_documents()


@hookimpl
def jinja_filters():
    from .text import render_markdown

    return {"markdown": render_markdown}


@hookimpl
def cli_commands():
    from .cli_commands import CORE_COMMANDS
    from .data_inclusion.cli import data_inclusion_group
    from .notifications.cli import notifications_group

    return [*CORE_COMMANDS, notifications_group, data_inclusion_group]


@hookimpl
def demo_data(demo):
    from .demo import seed_core
    from .notifications.demo import seed_notifications

    seed_core(demo)
    seed_notifications(demo)


@hookimpl
def notification_kinds():
    from .notifications.listeners import KINDS

    return KINDS


@hookimpl
def api_collections():
    from .public_api.associations import collection

    return [collection()]


@hookimpl
def on_event(event):
    from .notifications.listeners import notify_core_event

    notify_core_event(event)
