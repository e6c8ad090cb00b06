"""Cofinancements: funders, opportunities, applications and each association's funding plan."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from qn_portal.api import (
    NavItem,
    NotificationKind,
    Panel,
    Permission,
    Widget,
    can,
    hookimpl,
    lazy_gettext,
)

from .models import ALL_MODELS

PRIVATE_ACTIONS = {"cofinancements.applications", "cofinancements.plan", "cofinancements.contribute"}


@hookimpl
def blueprints():
    from .views import bp

    return [bp]


@hookimpl
def models():
    return list(ALL_MODELS)


@hookimpl
def migrations_folder():
    return Path(__file__).parent / "migrations" / "versions"


@hookimpl
def permissions():
    return [
        Permission("cofinancements.view", lazy_gettext("Consulter les financeurs et les aides"),
                   roles={"coordinator", "partner", "member"}),
        Permission("cofinancements.contribute", lazy_gettext("Partager un retour d'expérience sur un financeur"),
                   roles={"coordinator", "manager", "mediator"}),
        Permission("cofinancements.manage", lazy_gettext("Gérer les financeurs, les aides et la part de BMS"),
                   roles={"coordinator"}),
        Permission("cofinancements.applications",
                   lazy_gettext("Suivre les demandes de financement et le plan de financement de l'association"),
                   roles={"coordinator", "manager", "mediator"}),
        Permission("cofinancements.plan", lazy_gettext("Modifier le budget du plan de financement"),
                   roles={"coordinator", "manager"}),
    ]


@hookimpl
def check_permission(user, action):
    # Partners refer people and read the catalogue; an association's applications and plan are never theirs,
    # even if they were given a membership.
    if action in PRIVATE_ACTIONS and getattr(user, "role", None) == "partner":
        return False
    return None


@hookimpl
def cli_commands():
    from .cli import group

    return [group]


@hookimpl
def jinja_filters():
    from .services import format_date, format_euros

    return {"cofinancements_euros": format_euros, "cofinancements_date": format_date}


@hookimpl
def demo_data(demo):
    from .demo import seed

    seed(demo)


@hookimpl
def search_documents():
    from sqlalchemy import select

    from qn_portal.api import db

    from .documents import application_document, funder_document, opportunity_document
    from .models import Application, Funder, Opportunity

    for funder in db.session.scalars(select(Funder)):
        yield funder_document(funder)
    for opportunity in db.session.scalars(select(Opportunity)):
        yield opportunity_document(opportunity)
    for application in db.session.scalars(select(Application)):
        yield application_document(application)


@hookimpl
def nav_items(user):
    if not can(user, "cofinancements.view"):
        return []
    return [NavItem(lazy_gettext("Cofinancements"), "cofinancements.index", order=60)]


@hookimpl
def notification_kinds():
    return [
        NotificationKind("cofinancements.new_opportunities", lazy_gettext("Nouvelles aides (alertes)"),
                         lazy_gettext("Quand de nouvelles aides correspondent à une recherche que vous avez enregistrée.")),
        NotificationKind("cofinancements.deadline_reminder", lazy_gettext("Dates limites des aides suivies"),
                         lazy_gettext("30 jours et 7 jours avant la date limite d'une aide que votre association suit.")),
    ]


@hookimpl
def dashboard_widgets(user):
    if not can(user, "cofinancements.view"):
        return []
    from sqlalchemy import select
    from sqlalchemy.orm import joinedload

    from qn_portal.api import current_association, db

    from .models import Follow, Opportunity
    from .services import build_plan, open_condition, paris_today

    today = paris_today()
    association = current_association()
    if association is not None and not can(user, "cofinancements.applications", association):
        association = None
    statement = (select(Opportunity).options(joinedload(Opportunity.funder))
                 .where(open_condition(today), Opportunity.deadline.is_not(None),
                        Opportunity.deadline <= today + timedelta(days=30)))
    if association is not None:
        statement = statement.where(Opportunity.id.in_(select(Follow.opportunity_id)
                                                       .where(Follow.association_id == association.id)))
    deadlines = db.session.scalars(statement.order_by(Opportunity.deadline, Opportunity.id).limit(5)).all()
    gap = build_plan(association, today).current_gap(today) if association is not None else None
    return [Widget(lazy_gettext("Cofinancements"), "cofinancements/widget.html",
                   {"deadlines": deadlines, "association": association, "gap": gap, "today": today,
                    "followed_only": association is not None}, order=60)]


@hookimpl
def association_panels(association, user):
    if not can(user, "cofinancements.applications", association):
        return []
    from flask import current_app
    from sqlalchemy import func, select

    from qn_portal.api import db

    from .models import Application
    from .services import build_plan, paris_today

    today = paris_today()
    plan = build_plan(association, today, int(current_app.config.get("COFINANCEMENTS_WARNING_MONTHS", 6)))
    counts = dict(db.session.execute(select(Application.status, func.count(Application.id))
                                     .where(Application.association_id == association.id)
                                     .group_by(Application.status)).all())
    return [Panel(lazy_gettext("Cofinancements"), "cofinancements/panel.html",
                  {"association": association, "plan": plan, "gap": plan.current_gap(today), "counts": counts,
                   "warnings": plan.warnings}, order=60)]


@hookimpl
def report_figures(association_ids, start, end):
    from .reports import figures

    return figures(association_ids, start, end)




@hookimpl
def api_collections():
    from .api import collections

    return collections()
