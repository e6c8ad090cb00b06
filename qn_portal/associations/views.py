"""The directory of associations and each association's page, with the panels plugins contribute."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..pagination import paginate
from ..permissions import can
from ..plugins import get_host
from .models import Association, Membership

bp = Blueprint("associations", __name__, url_prefix="/associations")


@bp.route("/")
@login_required
def index():
    page = paginate(select(Association).order_by(Association.name))
    return render_template("associations/index.html", page=page)


@bp.route("/<slug>")
@login_required
def show(slug: str):
    association = db.first_or_404(select(Association).where(Association.slug == slug))
    panels = sorted(get_host().collect("association_panels", association=association, user=current_user),
                    key=lambda panel: panel.order)
    members = []
    if can(current_user, "associations.view_private", association):
        members = db.session.scalars(
            select(Membership).where(Membership.association_id == association.id)
            .options(joinedload(Membership.user)).order_by(Membership.role, Membership.id)
        ).all()
    return render_template("associations/show.html", association=association, panels=panels, members=members)
