"""The notification list, marking read (POST only), opening a notification, and the e-mail preferences page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..pagination import paginate
from ..security import safe_next_url
from . import services
from .forms import preferences_form

bp = Blueprint("notifications", __name__)


@bp.app_context_processor
def header_globals():
    # A function, not a number: only pages that show the header pay for the COUNT query.
    return {"unread_notifications": services.unread_count}


@bp.route("/notifications")
@login_required
def index():
    page = paginate(services.notifications_of(current_user.id))
    return render_template("notifications/index.html", page=page, kinds=services.declared_kinds())


def _own_or_404(notification_id: int):
    notification = services.own_notification(current_user.id, notification_id)
    if notification is None:
        abort(404)  # someone else's notification is none of this person's business, not even its existence
    return notification


def _back_to_list():
    page = request.form.get("page", type=int)
    return redirect(url_for("notifications.index", page=page) if page and page > 1 else url_for("notifications.index"))


@bp.route("/notifications/<int:notification_id>/lire", methods=["POST"])
@login_required
def mark_read(notification_id: int):
    services.mark_read(_own_or_404(notification_id))
    db.session.commit()
    flash(_("Notification marquée comme lue."), "success")
    return _back_to_list()


@bp.route("/notifications/<int:notification_id>/ouvrir", methods=["POST"])
@login_required
def open_notification(notification_id: int):
    notification = _own_or_404(notification_id)
    services.mark_read(notification)
    db.session.commit()
    return redirect(safe_next_url(notification.url) or url_for("notifications.index"))


@bp.route("/notifications/tout-lire", methods=["POST"])
@login_required
def mark_all_read():
    services.mark_all_read(current_user.id)
    db.session.commit()
    flash(_("Toutes vos notifications sont marquées comme lues."), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/compte/notifications", methods=["GET", "POST"])
@login_required
def preferences():
    kinds = list(services.declared_kinds().values())
    form = preferences_form(kinds, services.general_preference(current_user),
                            services.chosen_preferences(current_user.id))
    if form.validate_on_submit():
        services.save_preferences(current_user, form.chosen())
        db.session.commit()
        flash(_("Vos préférences de notification sont enregistrées."), "success")
        return redirect(url_for("notifications.preferences"))
    return render_template("notifications/preferences.html", form=form)
