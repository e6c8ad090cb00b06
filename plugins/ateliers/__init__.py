"""Ateliers: workshop calendars, registrations with a waiting list, attendance and activity records."""

from __future__ import annotations

from pathlib import Path

from flask import url_for

from qn_portal.api import (
    NavItem,
    NotificationKind,
    Panel,
    Permission,
    Widget,
    hookimpl,
    lazy_gettext,
)

from .models import ALL_MODELS

_l = lazy_gettext


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
        Permission("ateliers.manage", _l("Gérer les ateliers, séances et salles de son association"),
                   roles={"manager", "mediator"}),
        Permission("ateliers.view_private", _l("Voir les ateliers non publics"),
                   roles={"coordinator", "manager", "mediator"}),
        Permission("ateliers.residents", _l("Inscrire des personnes et tenir les présences"),
                   roles={"manager", "mediator"}),
        Permission("ateliers.refer", _l("Orienter une personne vers un atelier"), roles={"partner"}),
        Permission("ateliers.embed", _l("Mettre les ateliers de son association sur son propre site"),
                   roles={"coordinator", "manager"}),
        Permission("ateliers.view_figures", _l("Voir les chiffres d'activité des ateliers"),
                   roles={"coordinator", "manager", "mediator"}),
    ]


@hookimpl
def check_permission(user, action, obj):
    # Residents' data belongs to their association's team only: not coordinators, not even admins.
    if action == "ateliers.residents" and obj is not None:
        association_id = getattr(obj, "association_id", None)
        return None if user.association_role(association_id) in ("manager", "mediator") else False
    return None


@hookimpl
def nav_items(user):
    return [NavItem(_l("Ateliers"), "ateliers.index", order=30)]


@hookimpl
def dashboard_widgets(user):
    from .contrib import widget_sessions

    return [Widget(_l("Prochains ateliers"), "ateliers/widget.html", widget_sessions(user), order=30)]


@hookimpl
def association_panels(association, user):
    from .contrib import panel_context

    return [Panel(_l("Ateliers"), "ateliers/panel.html", panel_context(association, user), order=30)]


@hookimpl
def search_documents():
    from sqlalchemy import select

    from qn_portal.api import db

    from .models import Workshop
    from .services import workshop_document

    for workshop in db.session.scalars(select(Workshop).order_by(Workshop.id)):
        yield workshop_document(workshop)


@hookimpl
def notification_kinds():
    return [
        NotificationKind("ateliers.session_cancelled", _l("Séances d'atelier annulées"),
                         _l("Quand une séance où vous avez inscrit ou orienté quelqu'un est annulée.")),
        NotificationKind("ateliers.waitlist_promoted", _l("Places libérées"),
                         _l("Quand une personne que vous avez inscrite quitte la liste d'attente.")),
        NotificationKind("ateliers.referral_received", _l("Orientations reçues"),
                         _l("Quand un partenaire propose une personne pour un atelier de votre association.")),
        NotificationKind("ateliers.referral_answered", _l("Réponses à vos orientations"),
                         _l("Quand une association accepte ou décline une personne que vous avez orientée.")),
    ]


@hookimpl
def on_event(event):
    if event.name.startswith("ateliers."):
        from .contrib import handle_event

        handle_event(event)
    elif event.name == "ressources.resource_deleted" and event.data.get("resource_id"):
        # A deleted resource is gone for good: its links go too (a disabled resource is only hidden).
        from qn_portal.api import db

        from .resources import forget

        forget(int(event.data["resource_id"]))
        db.session.commit()


@hookimpl
def report_figures(association_ids, start, end):
    from .contrib import report

    return report(association_ids, start, end)


@hookimpl
def data_inclusion_services(association_ids):
    from .data_inclusion import services

    return services(association_ids)


@hookimpl
def association_public_url(association):
    # The page of the association's workshops is public: it is the association's page for visitors.
    return url_for("ateliers.association_page", slug=association.slug, _external=True)


@hookimpl
def demo_data(demo):
    from .demo import seed

    seed(demo)


@hookimpl
def cli_commands():
    from .cli import ateliers_group

    return [ateliers_group]



@hookimpl
def api_collections():
    from .api import collections

    return collections()
