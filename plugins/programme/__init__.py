"""Programme: calls for applications, eligibility, two-year follow-up and reports to funders.

BMS's own tool for Quartiers Numériques: applications checked against the call's criteria, selection by the
coordinators, the two-year timeline of each association with its visits, its binôme of trained médiateurs
and its equipment, and reports (per cohort or per funder) built from the figures that the plugins report.
"""

from __future__ import annotations

from pathlib import Path

from qn_portal.api import (
    NavItem,
    NotificationKind,
    Panel,
    Permission,
    StoredFile,
    Widget,
    can,
    hookimpl,
    lazy_gettext,
)

# Imported before the hook functions (see docs/plugins.md, "the models.py trap").
from .models import DRAFT, MODELS, ProgrammeApplication

EVERYONE_BUT_PARTNERS = {"coordinator", "member", "manager", "mediator"}


@hookimpl
def blueprints():
    from .views import bp

    return [bp]


@hookimpl
def models():
    return list(MODELS)


@hookimpl
def migrations_folder():
    return Path(__file__).parent / "migrations" / "versions"


@hookimpl
def permissions():
    return [
        Permission("programme.view", lazy_gettext("Voir les appels à candidatures du programme"),
                   roles=EVERYONE_BUT_PARTNERS),
        Permission("programme.apply", lazy_gettext("Candidater au programme pour son association"),
                   roles={"manager"}),
        Permission("programme.read_application", lazy_gettext("Lire une candidature"),
                   roles={"coordinator", "manager", "mediator"}),
        Permission("programme.edit_application", lazy_gettext("Remplir une candidature"), roles={"manager"}),
        Permission("programme.follow", lazy_gettext("Voir le calendrier d'accompagnement"),
                   roles={"coordinator", "manager", "mediator"}),
        Permission("programme.update_timeline", lazy_gettext("Mettre à jour les étapes de l'accompagnement"),
                   roles={"coordinator", "manager"}),
        Permission("programme.binome", lazy_gettext("Voir le binôme de médiation et ses formations"),
                   roles={"coordinator", "manager", "mediator"}),
        Permission("programme.update_binome", lazy_gettext("Tenir à jour le binôme, ses formations et attestations"),
                   roles={"coordinator", "manager"}),
        Permission("programme.equipment", lazy_gettext("Voir le matériel fourni et demander du matériel"),
                   roles={"coordinator", "manager"}),
        Permission("programme.manage", lazy_gettext("Gérer le programme : appels, sélection, suivi, matériel, "
                                                    "financeurs, rapports"),
                   roles={"coordinator"}),
    ]


@hookimpl
def check_permission(user, action, obj):
    if isinstance(obj, ProgrammeApplication):
        if action == "programme.edit_application" and obj.status != DRAFT:
            return False          # a submitted application is the selection's, not the applicant's
        if (action in ("programme.read_application", "programme.edit_application") and obj.association_id is None
                and obj.created_by_id == user.id):
            return True           # a person invited to apply, whose association is not in the portal yet
    if action == "programme.apply" and obj is None and user.role == "member" and not user.memberships:
        return True
    if action == "files.download" and isinstance(obj, StoredFile) and obj.plugin == "programme":
        from .binome import certificate_readable

        return certificate_readable(user, obj.key)
    return None


@hookimpl
def nav_items(user):
    if not can(user, "programme.view"):
        return []
    return [NavItem(lazy_gettext("Programme"), "programme.index", order=70)]


@hookimpl
def dashboard_widgets(user):
    from qn_portal.api import db

    from .services import applications_of_user, late_milestones_statement, open_applications_count, today

    if can(user, "programme.manage"):
        from .binome import untrained_statement
        from .equipment import open_requests_count

        late = list(db.session.scalars(late_milestones_statement(today()).limit(5)))
        untrained = db.session.execute(untrained_statement().limit(5)).all()
        return [Widget(lazy_gettext("Programme : à suivre"), "programme/widget_coordinator.html",
                       {"late": late, "open_count": open_applications_count(), "untrained": untrained,
                        "requests_count": open_requests_count()}, order=70)]
    if not can(user, "programme.view"):
        return []
    from .binome import alert_for, trained_counts
    from .services import next_milestones

    associations = [m.association for m in user.memberships]
    trained = trained_counts([a.id for a in associations])
    alerts = [(a, alert) for a in associations
              if can(user, "programme.binome", a) and (alert := alert_for(a, trained.get(a.id, 0)))]
    return [Widget(lazy_gettext("Programme : mon accompagnement"), "programme/widget_member.html",
                   {"applications": applications_of_user(user)[:3], "milestones": next_milestones(user),
                    "today": today(), "binome_alerts": alerts}, order=70)]


@hookimpl
def association_panels(association, user):
    if not can(user, "programme.follow", association):
        return []
    from .binome import alert_for, members_of
    from .services import timeline, today

    milestones = timeline(association.id)
    sees_binome = can(user, "programme.binome", association)
    members = members_of(association.id) if sees_binome else []
    alert = alert_for(association, sum(1 for m in members if m.completion == "completed")) if sees_binome else None
    if not milestones and not members and not alert:
        return []
    return [Panel(lazy_gettext("Accompagnement du programme"), "programme/panel.html",
                  {"milestones": milestones, "today": today(), "association": association, "members": members,
                   "alert": alert}, order=70)]


@hookimpl
def notification_kinds():
    return [
        NotificationKind("programme.application_received", lazy_gettext("Candidatures reçues"),
                         lazy_gettext("Quand une association envoie sa candidature au programme.")),
        NotificationKind("programme.decision", lazy_gettext("Décisions sur les candidatures"),
                         lazy_gettext("Quand la coordination décide de la candidature de votre association.")),
        NotificationKind("programme.milestone_due", lazy_gettext("Étapes de l'accompagnement à venir"),
                         lazy_gettext("Quand une étape du calendrier de votre association arrive à échéance.")),
        NotificationKind("programme.binome_missing", lazy_gettext("Binôme de médiation non formé"),
                         lazy_gettext("Quand l'étape « binôme formé » est dépassée sans que deux médiateurs aient "
                                      "terminé leur formation.")),
        NotificationKind("programme.equipment", lazy_gettext("Demandes de matériel"),
                         lazy_gettext("Quand une association demande du matériel (coordination), et quand la "
                                      "coordination répond à une demande de votre association.")),
    ]


@hookimpl
def search_documents():
    from .services import all_documents

    yield from all_documents()


@hookimpl
def report_figures(association_ids, start, end):
    from .services import programme_figures

    return programme_figures(association_ids, start, end)


@hookimpl
def cli_commands():
    from .cli import programme_group

    return [programme_group]


@hookimpl
def demo_data(demo):
    from .demo import seed

    seed(demo)
