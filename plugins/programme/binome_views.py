"""The binôme's pages: its médiateurs, their training and certificates (``/programme/suivi/<id>/binome``)."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from qn_portal.api import Association, UploadRefused, can, db, flash_error, flash_success, require
from qn_portal.api import gettext as _

from . import binome
from .forms import BinomeMemberForm, CertificateForm, person_choices
from .models import COMPLETED, ProgrammeBinomeMember, ProgrammeCertificate
from .views import bp, get_or_404


def readable_association(association_id: int) -> Association:
    association = get_or_404(Association, association_id)
    if not can(current_user, "programme.binome", association):
        abort(404)      # another association's binôme does not exist for you
    return association


def readable_member(member_id: int) -> ProgrammeBinomeMember:
    member = get_or_404(ProgrammeBinomeMember, member_id)
    if not can(current_user, "programme.binome", member):
        abort(404)
    return member


def certificate_form(member_id: int) -> CertificateForm:
    """The upload form of one médiateur: its prefix keeps the ids of the page's forms apart."""
    return CertificateForm(prefix=f"m{member_id}", formdata=None)


def render_binome(association, upload_errors: dict | None = None):
    """The binôme page; ``upload_errors`` ({member_id: message}) shows a refused file next to its field."""
    members = binome.members_of(association.id)
    trained = sum(1 for m in members if m.completion == COMPLETED)
    forms = {m.id: certificate_form(m.id) for m in members}
    for member_id, message in (upload_errors or {}).items():
        forms[member_id].file.errors = [message]
    return render_template("programme/binome.html", association=association, members=members,
                           alert=binome.alert_for(association, trained),
                           can_update=can(current_user, "programme.update_binome", association), forms=forms)


@bp.route("/suivi/<int:association_id>/binome")
def binome_page(association_id):
    return render_binome(readable_association(association_id))


def member_form(association_id: int, member: ProgrammeBinomeMember | None) -> BinomeMemberForm:
    if request.method == "POST":
        form = BinomeMemberForm()
    else:
        form = BinomeMemberForm(data=binome.form_data(member) if member else {"completion": "in_progress"})
    people = binome.association_members(association_id)
    if member is not None and member.user_id and member.user_id not in {user_id for user_id, _name in people}:
        people.append((member.user_id, member.display_name))   # no longer a member: still who they were
    form.person.choices = person_choices(people)
    taken = set(db.session.scalars(select(ProgrammeBinomeMember.user_id).where(
        ProgrammeBinomeMember.association_id == association_id, ProgrammeBinomeMember.user_id.is_not(None))))
    form.taken_user_ids = taken - ({member.user_id} if member else set())
    return form


@bp.route("/suivi/<int:association_id>/binome/ajouter", methods=["GET", "POST"])
def add_binome_member(association_id):
    association = readable_association(association_id)
    require("programme.update_binome", association)
    if binome.member_count(association.id) >= binome.MAX_MEMBERS:
        flash_error(_("Le binôme compte déjà %(max)s personnes : retirez-en une avant d'en ajouter une autre.",
                      max=binome.MAX_MEMBERS))
        return redirect(url_for("programme.binome_page", association_id=association.id))
    form = member_form(association.id, None)
    if form.validate_on_submit():
        member = ProgrammeBinomeMember(association_id=association.id)
        binome.save_member(member, form)
        db.session.add(member)
        db.session.flush()
        binome.mark_milestone(association.id)
        db.session.commit()
        flash_success(_("%(name)s est ajouté·e au binôme.", name=member.display_name))
        return redirect(url_for("programme.binome_page", association_id=association.id))
    return render_template("programme/binome_form.html", form=form, association=association, member=None)


@bp.route("/binome/<int:member_id>/modifier", methods=["GET", "POST"])
def edit_binome_member(member_id):
    member = readable_member(member_id)
    require("programme.update_binome", member)
    form = member_form(member.association_id, member)
    if form.validate_on_submit():
        binome.save_member(member, form)
        db.session.flush()
        binome.mark_milestone(member.association_id)
        db.session.commit()
        flash_success(_("La formation de %(name)s est enregistrée.", name=member.display_name))
        return redirect(url_for("programme.binome_page", association_id=member.association_id))
    return render_template("programme/binome_form.html", form=form, member=member,
                           association=db.session.get(Association, member.association_id))


@bp.route("/binome/<int:member_id>/supprimer", methods=["POST"])
def delete_binome_member(member_id):
    member = readable_member(member_id)
    require("programme.update_binome", member)
    association_id, name = member.association_id, member.display_name
    binome.delete_member(member)
    db.session.commit()
    flash_success(_("%(name)s est retiré·e du binôme.", name=name))
    return redirect(url_for("programme.binome_page", association_id=association_id))


@bp.route("/binome/<int:member_id>/attestations", methods=["POST"])
def upload_certificate(member_id):
    member = readable_member(member_id)
    require("programme.update_binome", member)
    form = certificate_form(member.id)
    association = db.session.get(Association, member.association_id)
    try:
        certificate = binome.store_certificate(member, request.files.get(form.file.name), current_user.id)
    except UploadRefused as refused:
        db.session.rollback()
        return render_binome(association, {member.id: str(refused.message)})
    db.session.commit()
    flash_success(_("L'attestation « %(name)s » est ajoutée.", name=certificate.name))
    return redirect(url_for("programme.binome_page", association_id=member.association_id) + f"#mediateur-{member.id}")


@bp.route("/attestations/<int:certificate_id>/supprimer", methods=["POST"])
def delete_certificate(certificate_id):
    certificate = get_or_404(ProgrammeCertificate, certificate_id)
    if not can(current_user, "programme.binome", certificate):
        abort(404)
    require("programme.update_binome", certificate)
    member_id, association_id, name = certificate.member_id, certificate.association_id, certificate.name
    binome.delete_certificate(certificate)
    db.session.commit()
    flash_success(_("L'attestation « %(name)s » est retirée.", name=name))
    return redirect(url_for("programme.binome_page", association_id=association_id) + f"#mediateur-{member_id}")
