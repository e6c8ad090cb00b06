"""The directory of associations, each association's page and profile, its members, and the neighbourhoods."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from ..accounts.models import User
from ..audit.service import audit_export
from ..csv_export import count_rows, csv_response, stream_rows, stream_scalars
from ..events import emit
from ..extensions import db
from ..pagination import paginate
from ..permissions import can, require
from ..plugins import get_host
from ..security import audit, safe_next_url
from . import services
from .forms import (
    AssociationForm,
    ConfirmForm,
    DirectoryFilterForm,
    MemberRoleForm,
    NeighbourhoodForm,
    SwitchAssociationForm,
)
from .hours import describe_opening_hours
from .models import ROLE_LABELS, STATUS_LABELS, WEEKDAY_LABELS, Association, Membership, Neighbourhood

bp = Blueprint("associations", __name__, url_prefix="/associations")


@bp.app_context_processor
def association_globals():
    # The header's switcher and plugins' templates read the current association.
    return {"current_association": services.current_association}


def association_or_404(slug: str) -> Association:
    return db.first_or_404(select(Association).where(Association.slug == slug))


# --- the directory and an association's page -------------------------------------------------------------


def directory_filters() -> tuple[DirectoryFilterForm, dict, object]:
    """The directory's filter form read from the query string, the values chosen, and the matching select
    (the page and its CSV export filter alike)."""
    form = DirectoryFilterForm(request.args)
    form.set_choices(*services.directory_choices())
    filters = {name: form.selected(form[name]) for name in ("commune", "neighbourhood", "cohort", "status")}
    statement = services.directory_statement(filters["commune"], filters["neighbourhood"], filters["cohort"],
                                             filters["status"])
    return form, filters, statement


@bp.route("/")
@login_required
def index():
    form, filters, statement = directory_filters()
    summary = services.directory_summary(statement)
    page = paginate(statement.order_by(Association.name, Association.id))
    return render_template("associations/index.html", page=page, form=form, summary=summary,
                           filtered=any(filters.values()), status_labels=STATUS_LABELS,
                           can_create=can(current_user, "associations.create"),
                           can_manage_neighbourhoods=can(current_user, "associations.manage_neighbourhoods"))


@bp.route("/export.csv")
@login_required
def index_csv():
    """The directory with the page's filters, every page of it (what the page shows: no contact details)."""
    _form, _filters, statement = directory_filters()
    statement = statement.options(selectinload(Association.neighbourhood)).order_by(Association.name, Association.id)
    rows = ([a.name, a.neighbourhood.name if a.neighbourhood else None, a.commune, a.status_label, a.cohort]
            for a in stream_scalars(statement))
    return csv_response([_("Association"), _("Quartier"), _("Commune"), _("Statut"), _("Promotion")], rows,
                        "associations.csv")


@bp.route("/<slug>")
@login_required
def show(slug: str):
    association = association_or_404(slug)
    panels = sorted(get_host().collect("association_panels", association=association, user=current_user),
                    key=lambda panel: panel.order)
    private = can(current_user, "associations.view_private", association)
    members = []
    if private:
        members = db.session.scalars(
            select(Membership).where(Membership.association_id == association.id)
            .options(joinedload(Membership.user)).order_by(Membership.role, Membership.id).limit(50)
        ).all()
    return render_template(
        "associations/show.html", association=association, panels=panels, members=members, private=private,
        contacts=private or association.share_contacts, hours=describe_opening_hours(association.opening_hours),
        weekday_labels=WEEKDAY_LABELS,
        can_edit=can(current_user, "associations.edit", association),
        can_manage_members=can(current_user, "associations.manage_members", association),
    )


# --- profiles --------------------------------------------------------------------------------------------


@bp.route("/nouvelle", methods=["GET", "POST"])
@login_required
def create():
    require("associations.create")
    form = AssociationForm(programme=True)
    if form.validate_on_submit():
        association = services.create_association(form)
        db.session.commit()
        audit("association.created", target=association, association_id=association.id)
        emit("core.association_updated", actor_id=current_user.id, association_id=association.id, created=True)
        flash(_("L'association %(name)s est créée. Invitez maintenant sa direction.", name=association.name),
              "success")
        return redirect(url_for("associations.show", slug=association.slug))
    return render_template("associations/form.html", form=form, association=None)


@bp.route("/<slug>/modifier", methods=["GET", "POST"])
@login_required
def edit(slug: str):
    association = association_or_404(slug)
    require("associations.edit", association)
    programme = can(current_user, "associations.edit_programme", association)
    form = AssociationForm(obj=association, programme=programme)
    if request.method == "GET":
        form.neighbourhood_id.data = str(association.neighbourhood_id or "")
        form.room_days.data = association.room_weekdays
        if programme:
            form.cohort.data = str(association.cohort or "")
    if form.validate_on_submit():
        services.update_association(association, form)
        db.session.commit()
        audit("association.updated", target=association, association_id=association.id)
        emit("core.association_updated", actor_id=current_user.id, association_id=association.id)
        flash(_("Le profil est enregistré."), "success")
        return redirect(url_for("associations.show", slug=association.slug))
    return render_template("associations/form.html", form=form, association=association)


# --- members ---------------------------------------------------------------------------------------------


@bp.route("/<slug>/membres")
@login_required
def members(slug: str):
    association = association_or_404(slug)
    require("associations.manage_members", association)
    page = paginate(
        select(Membership).where(Membership.association_id == association.id)
        .join(Membership.user).options(contains_eager(Membership.user))
        .order_by(User.name, User.email, Membership.id))
    return render_template("associations/members.html", association=association, page=page, role_labels=ROLE_LABELS,
                           can_invite=can(current_user, "accounts.invite"))


@bp.route("/<slug>/membres/export.csv")
@login_required
def members_csv(slug: str):
    """The members of one association with their role, for its direction (personal data: audited)."""
    association = association_or_404(slug)
    require("associations.manage_members", association)
    statement = (select(User.name, User.email, Membership.role).select_from(Membership).join(Membership.user)
                 .where(Membership.association_id == association.id).order_by(User.name, User.email, Membership.id))
    audit_export(f"membres de l'association {association.id}", count_rows(statement), association_id=association.id)
    rows = ([name, email, ROLE_LABELS.get(role, role)] for name, email, role in stream_rows(statement))
    return csv_response([_("Nom"), _("E-mail"), _("Rôle")], rows, f"membres-{association.slug}.csv")


def membership_or_404(association: Association, user_id: int) -> Membership:
    return db.first_or_404(select(Membership).where(Membership.association_id == association.id,
                                                    Membership.user_id == user_id))


@bp.route("/<slug>/membres/<int(max=2147483647):user_id>/role", methods=["POST"])
@login_required
def change_role(slug: str, user_id: int):
    association = association_or_404(slug)
    require("associations.manage_members", association)
    membership = membership_or_404(association, user_id)
    form = MemberRoleForm()
    if not form.validate_on_submit():
        flash(_("Choisissez un rôle de la liste."), "error")
        return redirect(url_for("associations.members", slug=slug))
    name = membership.user.display_name
    try:
        old = services.change_role(membership, form.role.data)
    except services.LastManager:
        db.session.rollback()
        flash(_("%(name)s est la seule personne à diriger %(association)s : nommez d'abord quelqu'un d'autre à la "
                "direction.", name=name, association=association.name), "error")
        return redirect(url_for("associations.members", slug=slug))
    if old == form.role.data:
        return redirect(url_for("associations.members", slug=slug))
    db.session.commit()
    audit("membership.role_changed", target=membership.user, user_id=user_id, association_id=association.id,
          old_role=old, new_role=form.role.data)
    emit("core.member_role_changed", actor_id=current_user.id, user_id=user_id, association_id=association.id,
         old_role=old, new_role=form.role.data)
    flash(_("%(name)s : rôle changé en « %(role)s ».", name=name, role=ROLE_LABELS[form.role.data]), "success")
    return redirect(url_for("associations.members", slug=slug))


@bp.route("/<slug>/membres/<int(max=2147483647):user_id>/retirer", methods=["POST"])
@login_required
def remove_member(slug: str, user_id: int):
    association = association_or_404(slug)
    require("associations.manage_members", association)
    membership = membership_or_404(association, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    person = membership.user
    name = person.display_name
    try:
        services.remove_member(membership)
    except services.LastManager:
        db.session.rollback()
        flash(_("%(name)s est la seule personne à diriger %(association)s : nommez d'abord quelqu'un d'autre à la "
                "direction.", name=name, association=association.name), "error")
        return redirect(url_for("associations.members", slug=slug))
    db.session.commit()
    audit("membership.removed", target=person, user_id=user_id, association_id=association.id)
    emit("core.member_removed", actor_id=current_user.id, user_id=user_id, association_id=association.id)
    flash(_("%(name)s ne fait plus partie de %(association)s.", name=name, association=association.name), "success")
    if not can(current_user, "associations.manage_members", association):
        return redirect(url_for("associations.show", slug=slug))  # they removed themselves
    return redirect(url_for("associations.members", slug=slug))


@bp.route("/courante", methods=["POST"])
@login_required
def switch():
    form = SwitchAssociationForm()
    value = form.association_id.data or ""
    if not form.validate_on_submit() or not value.isdigit():
        abort(400)
    if not services.choose_current_association(int(value)):
        abort(403)  # not one of theirs
    association = db.session.get(Association, int(value))
    flash(_("Vous travaillez maintenant pour %(name)s.", name=association.name), "success")
    return redirect(safe_next_url(request.form.get("next")) or url_for("main.dashboard"))


# --- neighbourhoods --------------------------------------------------------------------------------------


@bp.route("/quartiers/")
@login_required
def neighbourhoods():
    require("associations.manage_neighbourhoods")
    page = paginate(select(Neighbourhood).order_by(Neighbourhood.commune, Neighbourhood.name))
    ids = [neighbourhood.id for neighbourhood in page.items]
    in_use = dict(db.session.execute(
        select(Association.neighbourhood_id, func.count()).where(Association.neighbourhood_id.in_(ids))
        .group_by(Association.neighbourhood_id)).all()) if ids else {}
    return render_template("associations/neighbourhoods.html", page=page, in_use=in_use)


@bp.route("/quartiers/export.csv")
@login_required
def neighbourhoods_csv():
    """The neighbourhoods with the number of associations in each (one grouped query, no query per row)."""
    require("associations.manage_neighbourhoods")
    in_use = (select(Association.neighbourhood_id, func.count().label("count")).group_by(Association.neighbourhood_id)
              .subquery())
    statement = (select(Neighbourhood, func.coalesce(in_use.c.count, 0))
                 .outerjoin(in_use, in_use.c.neighbourhood_id == Neighbourhood.id)
                 .order_by(Neighbourhood.commune, Neighbourhood.name, Neighbourhood.id))
    rows = ([n.name, n.commune, n.kind_label, n.code, count] for n, count in stream_rows(statement))
    return csv_response([_("Quartier"), _("Commune"), _("Type"), _("Code officiel"), _("Associations")], rows,
                        "quartiers.csv")


@bp.route("/quartiers/nouveau", methods=["GET", "POST"])
@login_required
def create_neighbourhood():
    require("associations.manage_neighbourhoods")
    form = NeighbourhoodForm()
    if form.validate_on_submit():
        neighbourhood = Neighbourhood(name=form.name.data, commune=form.commune.data, kind=form.kind.data,
                                      code=(form.code.data or "").strip().upper())
        db.session.add(neighbourhood)
        db.session.commit()
        audit("neighbourhood.created", target=neighbourhood)
        flash(_("Le quartier %(name)s est ajouté.", name=neighbourhood.name), "success")
        return redirect(url_for("associations.neighbourhoods"))
    return render_template("associations/neighbourhood_form.html", form=form, neighbourhood=None)


@bp.route("/quartiers/<int(max=2147483647):neighbourhood_id>/modifier", methods=["GET", "POST"])
@login_required
def edit_neighbourhood(neighbourhood_id: int):
    require("associations.manage_neighbourhoods")
    neighbourhood = db.get_or_404(Neighbourhood, neighbourhood_id)
    form = NeighbourhoodForm(obj=neighbourhood, editing=neighbourhood)
    if form.validate_on_submit():
        in_use = services.neighbourhood_in_use(neighbourhood)
        if in_use and form.commune.data != neighbourhood.commune:
            form.commune.errors.append(_("Des associations sont dans ce quartier : il ne peut pas changer de commune."))
        else:
            neighbourhood.name = form.name.data
            neighbourhood.commune = form.commune.data
            neighbourhood.kind = form.kind.data
            neighbourhood.code = (form.code.data or "").strip().upper()
            db.session.flush()
            # Associations show the neighbourhood's name: keep their search entries current.
            for association in db.session.scalars(
                    select(Association).where(Association.neighbourhood_id == neighbourhood.id)):
                services.index_association(association)
            db.session.commit()
            audit("neighbourhood.updated", target=neighbourhood)
            flash(_("Le quartier %(name)s est enregistré.", name=neighbourhood.name), "success")
            return redirect(url_for("associations.neighbourhoods"))
    return render_template("associations/neighbourhood_form.html", form=form, neighbourhood=neighbourhood)


@bp.route("/quartiers/<int(max=2147483647):neighbourhood_id>/supprimer", methods=["POST"])
@login_required
def delete_neighbourhood(neighbourhood_id: int):
    require("associations.manage_neighbourhoods")
    neighbourhood = db.get_or_404(Neighbourhood, neighbourhood_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    count = services.neighbourhood_in_use(neighbourhood)
    if count:
        flash(in_use_message(neighbourhood.name, count), "error")
        return redirect(url_for("associations.neighbourhoods"))
    name = neighbourhood.name
    db.session.delete(neighbourhood)
    try:
        db.session.commit()
    except IntegrityError:  # an association was attached to it meanwhile: the foreign key refused
        db.session.rollback()
        flash(in_use_message(name, 1), "error")
        return redirect(url_for("associations.neighbourhoods"))
    audit("neighbourhood.deleted", target=f"{name} (neighbourhood #{neighbourhood_id})")
    flash(_("Le quartier %(name)s est supprimé.", name=name), "success")
    return redirect(url_for("associations.neighbourhoods"))


def in_use_message(name: str, count: int) -> str:
    return ngettext("%(name)s ne peut pas être supprimé : %(num)d association y est rattachée.",
                    "%(name)s ne peut pas être supprimé : %(num)d associations y sont rattachées.", count, name=name)
