"""Equipment pages: the inventory kept by coordinators, and the associations' requests with their answers."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from qn_portal.api import (
    Association,
    can,
    csv_response,
    db,
    emit,
    flash_success,
    lazy_gettext,
    notify,
    paginate,
    requires,
    stream_scalars,
)
from qn_portal.api import gettext as _

from . import equipment, services
from .forms import AnswerForm, EquipmentForm, EquipmentRequestForm
from .models import (
    REQUEST_DECLINED,
    REQUEST_NEW,
    REQUEST_STATUS_LABELS,
    REQUEST_STATUSES,
    ProgrammeEquipment,
    ProgrammeEquipmentRequest,
)
from .views import bp, get_or_404


def equipment_association(association_id: int) -> Association:
    association = get_or_404(Association, association_id)
    if not can(current_user, "programme.equipment", association):
        abort(404)      # another association's equipment does not exist for you
    return association


def visible_request(request_id: int) -> ProgrammeEquipmentRequest:
    request_ = get_or_404(ProgrammeEquipmentRequest, request_id)
    if not can(current_user, "programme.equipment", request_):
        abort(404)
    return request_


# --- inventory ---------------------------------------------------------------------------------------------


@bp.route("/suivi/<int:association_id>/equipement")
def equipment_page(association_id):
    association = equipment_association(association_id)
    page = paginate(equipment.inventory_statement(association.id))
    return render_template("programme/equipment.html", association=association, page=page)


@bp.route("/suivi/<int:association_id>/equipement/export.csv")
def equipment_csv(association_id):
    """The association's inventory (its members and the coordinators, as the page)."""
    association = equipment_association(association_id)
    rows = ([item.kind_label, item.description, item.serial_number, item.delivered_on, item.state_label, item.note]
            for item in stream_scalars(equipment.inventory_statement(association.id)))
    return csv_response([_("Matériel"), _("Description"), _("Numéro de série"), _("Livré le"), _("État"), _("Note")],
                        rows, f"materiel-{association.slug}.csv")


def request_rows(statement):
    """The requests' cells, as the lists show them (the association is loaded with each request)."""
    for request_ in stream_scalars(statement):
        yield [request_.need, request_.association.name, request_.quantity, request_.status_label,
               request_.created_on, request_.answered_at]


def request_header() -> list[str]:
    return [_("Besoin"), _("Association"), _("Quantité"), _("Statut"), _("Demandée le"), _("Réponse le")]


@bp.route("/suivi/<int:association_id>/demandes/export.csv")
def equipment_requests_csv(association_id):
    """The association's equipment requests (its members and the coordinators, as the page)."""
    association = equipment_association(association_id)
    return csv_response(request_header(), request_rows(equipment.requests_statement(association.id)),
                        f"demandes-materiel-{association.slug}.csv")


@bp.route("/equipement/export.csv")
@requires("programme.manage")
def equipment_overview_csv():
    """Every association's requests with the page's status filter (coordinators)."""
    statement = equipment.requests_statement(None, request.args.get("status", ""))
    return csv_response(request_header(), request_rows(statement), "demandes-materiel.csv")


@bp.route("/suivi/<int:association_id>/equipement/ajouter", methods=["GET", "POST"])
@requires("programme.manage")
def add_equipment(association_id):
    association = get_or_404(Association, association_id)
    form = EquipmentForm() if request.method == "POST" else EquipmentForm(data={"state": "new",
                                                                                "delivered_on": services.today()})
    if form.validate_on_submit():
        item = ProgrammeEquipment(association_id=association.id)
        equipment.save_item(item, form)
        db.session.add(item)
        db.session.commit()
        flash_success(_("Le matériel est ajouté à l'inventaire de %(name)s.", name=association.name))
        return redirect(url_for("programme.equipment_page", association_id=association.id))
    return render_template("programme/equipment_form.html", form=form, association=association, item=None)


@bp.route("/equipement/<int:item_id>/modifier", methods=["GET", "POST"])
@requires("programme.manage")
def edit_equipment(item_id):
    item = get_or_404(ProgrammeEquipment, item_id)
    association = db.session.get(Association, item.association_id)
    form = EquipmentForm() if request.method == "POST" else EquipmentForm(obj=item)
    if form.validate_on_submit():
        equipment.save_item(item, form)
        db.session.commit()
        flash_success(_("Le matériel est enregistré."))
        return redirect(url_for("programme.equipment_page", association_id=item.association_id))
    return render_template("programme/equipment_form.html", form=form, association=association, item=item)


# --- requests ----------------------------------------------------------------------------------------------


@bp.route("/suivi/<int:association_id>/demandes", methods=["GET", "POST"])
def equipment_requests(association_id):
    """The association's requests, and the form to make one (managers of the association, coordinators)."""
    association = equipment_association(association_id)
    form = EquipmentRequestForm() if request.method == "POST" else EquipmentRequestForm(formdata=None,
                                                                                       data={"quantity": 1})
    if form.validate_on_submit():
        request_ = ProgrammeEquipmentRequest(association_id=association.id, created_by_id=current_user.id)
        equipment.save_request(request_, form)
        db.session.add(request_)
        db.session.commit()
        emit("programme.equipment_requested", actor_id=current_user.id, request_id=request_.id)
        notify([i for i in services.coordinator_ids() if i != current_user.id], "programme.equipment",
               lazy_gettext("Demande de matériel : %(name)s", name=association.name),
               url_for("programme.equipment_request", request_id=request_.id), text=request_.need)
        flash_success(_("Votre demande est envoyée à la coordination."))
        return redirect(url_for("programme.equipment_request", request_id=request_.id))
    page = paginate(equipment.requests_statement(association.id))
    return render_template("programme/equipment_requests.html", association=association, page=page, form=form)


def render_request(request_, answer_form=None):
    if answer_form is None and can(current_user, "programme.manage") and request_.next_statuses:
        answer_form = AnswerForm(formdata=None, data={"status": request_.next_statuses[0]})
        answer_form.set_choices(request_.next_statuses)
    return render_template("programme/equipment_request.html", request_=request_, answer_form=answer_form,
                           can_edit=request_.status == REQUEST_NEW and can(current_user, "programme.equipment",
                                                                            request_))


@bp.route("/demandes/<int:request_id>")
def equipment_request(request_id):
    return render_request(visible_request(request_id))


@bp.route("/demandes/<int:request_id>/modifier", methods=["GET", "POST"])
def edit_equipment_request(request_id):
    request_ = visible_request(request_id)
    if request_.status != REQUEST_NEW:
        abort(403)      # answered: the request is the coordinators' now
    form = EquipmentRequestForm() if request.method == "POST" else EquipmentRequestForm(obj=request_)
    if form.validate_on_submit():
        equipment.save_request(request_, form)
        db.session.commit()
        flash_success(_("La demande est enregistrée."))
        return redirect(url_for("programme.equipment_request", request_id=request_.id))
    return render_template("programme/equipment_request_form.html", form=form, request_=request_,
                           association=request_.association)


@bp.route("/demandes/<int:request_id>/reponse", methods=["POST"])
@requires("programme.manage")
def answer_equipment_request(request_id):
    request_ = get_or_404(ProgrammeEquipmentRequest, request_id)
    if not request_.next_statuses:
        abort(404)      # delivered or refused: nothing more to answer
    form = AnswerForm()
    form.set_choices(request_.next_statuses)
    if form.validate():
        equipment.answer(request_, form.status.data, (form.answer.data or "").strip(), current_user.id)
        db.session.commit()
        emit("programme.equipment_answered", actor_id=current_user.id, request_id=request_.id,
             status=request_.status)
        notify(services.manager_ids(request_.association_id), "programme.equipment",
               lazy_gettext("Votre demande de matériel : %(status)s", status=REQUEST_STATUS_LABELS[request_.status]),
               url_for("programme.equipment_request", request_id=request_.id), text=request_.answer)
        flash_success(_("La réponse est enregistrée.") if request_.status != REQUEST_DECLINED
                      else _("La demande est refusée ; l'association en est prévenue."))
        return redirect(url_for("programme.equipment_request", request_id=request_.id))
    return render_request(request_, form)


@bp.route("/equipement/")
@requires("programme.manage")
def equipment_overview():
    """Every association's requests, the ones waiting first, with a status filter (coordinators)."""
    status = request.args.get("status", "")
    page = paginate(equipment.requests_statement(None, status))
    return render_template("programme/equipment_overview.html", page=page, status=status,
                           statuses=REQUEST_STATUSES, STATUS_LABELS=REQUEST_STATUS_LABELS,
                           open_count=equipment.open_requests_count())
