"""Funders of the programme: whom each one co-funds, and its report in one click (coordinators)."""

from __future__ import annotations

from datetime import date

from flask import redirect, render_template, request, url_for
from sqlalchemy import select

from qn_portal.api import Association, csv_response, db, flash_success, paginate, requires, stream_scalars
from qn_portal.api import gettext as _

from . import services
from .forms import FunderForm, opts
from .models import ProgrammeFunder
from .views import bp, get_or_404


@bp.route("/financeurs/")
@requires("programme.manage")
def funders():
    today = services.today()
    page = paginate(select(ProgrammeFunder).order_by(ProgrammeFunder.name, ProgrammeFunder.id))
    years = [today.year, today.year - 1]
    periods = [(year, date(year, 1, 1).isoformat(), date(year + 1, 1, 1).isoformat()) for year in years]
    return render_template("programme/funders.html", page=page, periods=periods)


@bp.route("/financeurs/export.csv")
@requires("programme.manage")
def funders_csv():
    """The programme's funders with the associations each one follows (loaded per batch)."""
    statement = select(ProgrammeFunder).order_by(ProgrammeFunder.name, ProgrammeFunder.id)
    rows = ([funder.name, funder.cohort, ", ".join(a.name for a in funder.associations)]
            for funder in stream_scalars(statement))
    return csv_response([_("Financeur"), _("Promotion"), _("Associations")], rows, "programme-financeurs.csv")


def funder_form(funder: ProgrammeFunder | None) -> FunderForm:
    if request.method == "POST":
        form = FunderForm()
    elif funder is not None:
        form = FunderForm(data={"name": funder.name, "cohort": funder.cohort,
                                "associations": [a.id for a in funder.associations]})
    else:
        form = FunderForm()
    # The programme's associations (those with a cohort), and any the funder already lists.
    listed = [a.id for a in funder.associations] if funder else []
    rows = db.session.execute(select(Association.id, Association.name, Association.cohort).where(
        Association.cohort.is_not(None) | Association.id.in_(listed)).order_by(Association.name)).all()
    form.associations.choices = opts((i, f"{name} ({cohort})" if cohort else name) for i, name, cohort in rows)
    return form


def save_funder(funder: ProgrammeFunder, form: FunderForm) -> None:
    funder.name = form.name.data.strip()
    funder.cohort = form.cohort.data
    ids = form.associations.data or []
    funder.associations = list(db.session.scalars(select(Association).where(Association.id.in_(ids)))) if ids else []


@bp.route("/financeurs/nouveau", methods=["GET", "POST"])
@requires("programme.manage")
def create_funder():
    form = funder_form(None)
    if form.validate_on_submit():
        funder = ProgrammeFunder()
        save_funder(funder, form)
        db.session.add(funder)
        db.session.commit()
        flash_success(_("Le financeur « %(name)s » est enregistré.", name=funder.name))
        return redirect(url_for("programme.funders"))
    return render_template("programme/funder_form.html", form=form, funder=None)


@bp.route("/financeurs/<int:funder_id>/modifier", methods=["GET", "POST"])
@requires("programme.manage")
def edit_funder(funder_id):
    funder = get_or_404(ProgrammeFunder, funder_id)
    form = funder_form(funder)
    if form.validate_on_submit():
        save_funder(funder, form)
        db.session.commit()
        flash_success(_("Le financeur « %(name)s » est enregistré.", name=funder.name))
        return redirect(url_for("programme.funders"))
    return render_template("programme/funder_form.html", form=form, funder=funder)


@bp.route("/financeurs/<int:funder_id>/supprimer", methods=["POST"])
@requires("programme.manage")
def delete_funder(funder_id):
    funder = get_or_404(ProgrammeFunder, funder_id)
    name = funder.name
    db.session.delete(funder)
    db.session.commit()
    flash_success(_("Le financeur « %(name)s » est supprimé (les chiffres des associations restent).", name=name))
    return redirect(url_for("programme.funders"))
