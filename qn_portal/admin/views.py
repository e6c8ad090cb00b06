"""Admin pages: the people of the portal, the plugins and the audit journal."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..accounts import services, two_factor
from ..accounts.forms import DeactivateForm
from ..accounts.models import User
from ..accounts.services import deactivate, send_two_factor_reset_notice
from ..accounts.views import ROLE_LABELS
from ..audit.service import audit_export
from ..csv_export import count_rows, csv_response, stream_rows, stream_scalars
from ..extensions import db
from ..pagination import paginate
from ..permissions import can, requires
from ..plugins import get_host
from ..security import audit

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/personnes")
@login_required
@requires("accounts.deactivate")
def users():
    page = paginate(select(User).order_by(User.name, User.email))
    return render_template("admin/users.html", page=page, form=DeactivateForm(), role_labels=ROLE_LABELS,
                           two_factor_roles=[ROLE_LABELS.get(role, role) for role in two_factor.required_roles()],
                           can_reset_two_factor=can(current_user, "accounts.reset_two_factor"))


@bp.route("/personnes/export.csv")
@login_required
@requires("accounts.deactivate")
def users_csv():
    """Every account of the list above, as a spreadsheet (an export of personal data: audited)."""
    # Columns, not User objects: no password hash or relationship loaded for 10⁴ accounts.
    statement = (select(User.name, User.email, User.role, User.active, User.password_hash.is_not(None),
                        User.totp_confirmed_at.is_not(None)).order_by(User.name, User.email, User.id))
    audit_export("comptes du portail", count_rows(statement))
    states = {"inactive": _("Désactivé"), "invited": _("Invitation en attente"), "active": _("Actif")}

    def rows():
        for name, email, role, active, has_password, two_factor_on in stream_rows(statement):
            state = states["inactive" if not active else "active" if has_password else "invited"]
            yield [name, email, ROLE_LABELS.get(role, role), state, bool(two_factor_on)]

    return csv_response([_("Nom"), _("E-mail"), _("Rôle"), _("État"), _("Double authentification activée")],
                        rows(), "personnes.csv")


@bp.route("/personnes/<int:user_id>/desactiver", methods=["POST"])
@login_required
@requires("accounts.deactivate")
def deactivate_user(user_id: int):
    user = db.get_or_404(User, user_id)
    if not DeactivateForm().validate_on_submit():
        abort(400)
    if user.id == current_user.id:
        flash(_("Vous ne pouvez pas désactiver votre propre compte."), "error")
        return redirect(url_for("admin.users"))
    deactivate(user)
    db.session.commit()
    audit("account.deactivated", target=user, account_id=user.id)
    flash(_("Le compte de %(name)s est désactivé ; ses sessions sont fermées.", name=user.display_name), "success")
    return redirect(url_for("admin.users"))


@bp.route("/personnes/<int:user_id>/reactiver", methods=["POST"])
@login_required
@requires("accounts.deactivate")
def reactivate_user(user_id: int):
    user = db.get_or_404(User, user_id)
    if not DeactivateForm().validate_on_submit():
        abort(400)
    user.active = True
    db.session.commit()
    audit("account.reactivated", target=user, account_id=user.id)
    flash(_("Le compte de %(name)s est réactivé.", name=user.display_name), "success")
    return redirect(url_for("admin.users"))


@bp.route("/personnes/<int:user_id>/double-authentification", methods=["POST"])
@login_required
@requires("accounts.reset_two_factor")
def reset_two_factor(user_id: int):
    """For someone who lost their phone and their recovery codes: their second factor goes, they enrol again."""
    user = db.get_or_404(User, user_id)
    if not DeactivateForm().validate_on_submit():
        abort(400)
    if user.id == current_user.id:
        # One's own second factor is switched off from one's own page, with a password or a code.
        flash(_("Pour votre propre compte, passez par la page Double authentification de votre profil."), "error")
        return redirect(url_for("admin.users"))
    if not user.totp_secret:
        flash(_("%(name)s n'a pas de double authentification à réinitialiser.", name=user.display_name), "error")
        return redirect(url_for("admin.users"))
    ended = services.reset_two_factor(user)
    db.session.commit()
    audit("two_factor.reset", target=user, account_id=user.id, sessions_ended=ended)
    send_two_factor_reset_notice(user, current_user)
    flash(_("La double authentification de %(name)s est réinitialisée ; un e-mail l'en informe.",
            name=user.display_name), "success")
    return redirect(url_for("admin.users"))


@bp.route("/extensions")
@login_required
@requires("plugins.manage")
def plugins():
    host = get_host()
    rows = [info for info in host.plugins.values() if not info.core]
    return render_template("admin/plugins.html", plugins=rows, host=host, form=DeactivateForm())


@bp.route("/extensions/<name>", methods=["POST"])
@login_required
@requires("plugins.manage")
def toggle_plugin(name: str):
    host = get_host()
    info = host.plugins.get(name)
    if info is None or info.core or not DeactivateForm().validate_on_submit():
        abort(404 if info is None or info.core else 400)
    if not info.loaded:
        flash(_("Cette extension n'a pas pu être chargée : elle ne peut pas être activée."), "error")
    elif host.disabled_by_configuration(name):
        flash(_("Cette extension est désactivée par la configuration (QN_DISABLED_PLUGINS)."), "error")
    else:
        enable = not host.is_enabled(name)
        host.set_enabled(name, enable, by_user_id=current_user.id)
        db.session.commit()
        audit("plugin.enabled" if enable else "plugin.disabled", plugin=name)
        flash(_("Extension « %(name)s » activée.", name=name) if enable
              else _("Extension « %(name)s » désactivée.", name=name), "success")
    return redirect(url_for("admin.plugins"))


def journal_filters():
    """The journal's filter form read from the query string and validated (the page and its export alike)."""
    from ..audit.journal import JournalFilterForm, recorded_actions

    form = JournalFilterForm(formdata=request.args)
    form.set_choices(recorded_actions())
    form.validate()
    return form


@bp.route("/journal")
@login_required
@requires("audit.view")
def journal():
    """The audit log, newest first, with filters sent by GET (they stay in the URL and in the page links)."""
    from ..audit.journal import ACTION_LABELS, OUTCOME_LABELS, filtered_entries

    form = journal_filters()
    page = paginate(filtered_entries(form))
    filtered = any(request.args.get(name) for name in ("action", "person", "date_from", "date_to", "outcome"))
    return render_template("admin/audit.html", form=form, page=page, filtered=filtered,
                           action_labels=ACTION_LABELS, outcome_labels=OUTCOME_LABELS)


@bp.route("/journal/export.csv")
@login_required
@requires("audit.view")
def journal_csv():
    """The filtered journal, every page of it, newest first (e-mails and addresses: the export is audited)."""
    from ..audit.journal import ACTION_LABELS, OUTCOME_LABELS, filtered_entries

    statement = filtered_entries(journal_filters())
    audit_export("journal d'audit", count_rows(statement))

    def rows():
        for entry in stream_scalars(statement):
            details = "\n".join(f"{key} : {value}" for key, value in entry.details_items)
            yield [entry.created_at, entry.actor_email, entry.address, ACTION_LABELS.get(entry.action, entry.action),
                   OUTCOME_LABELS.get(entry.outcome, entry.outcome), entry.target, details]

    return csv_response([_("Date"), _("Personne"), _("Adresse"), _("Action"), _("Résultat"), _("Sur quoi"),
                         _("Détails")], rows(), "journal-audit.csv")
