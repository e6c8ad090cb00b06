"""Equipment: what BMS provided to each association, and the associations' requests with their answers."""

from __future__ import annotations

from datetime import date

from sqlalchemy import case, func, select

from qn_portal.api import db, utcnow

from .models import (
    REQUEST_ACCEPTED,
    REQUEST_NEW,
    REQUEST_STATUSES,
    ProgrammeEquipment,
    ProgrammeEquipmentRequest,
)


def inventory_statement(association_id: int):
    return (select(ProgrammeEquipment).where(ProgrammeEquipment.association_id == association_id)
            .order_by(ProgrammeEquipment.delivered_on.desc(), ProgrammeEquipment.id.desc()))


def requests_statement(association_id: int | None = None, status: str = ""):
    """Requests, the ones waiting for the coordinators first (new, then accepted), newest first."""
    waiting = case({REQUEST_NEW: 0, REQUEST_ACCEPTED: 1}, value=ProgrammeEquipmentRequest.status, else_=2)
    statement = select(ProgrammeEquipmentRequest).order_by(waiting, ProgrammeEquipmentRequest.created_at.desc(),
                                                           ProgrammeEquipmentRequest.id.desc())
    if association_id is not None:
        statement = statement.where(ProgrammeEquipmentRequest.association_id == association_id)
    if status in REQUEST_STATUSES:
        statement = statement.where(ProgrammeEquipmentRequest.status == status)
    return statement


def save_item(item: ProgrammeEquipment, form) -> None:
    item.kind = form.kind.data
    item.description = (form.description.data or "").strip()
    item.serial_number = (form.serial_number.data or "").strip()
    item.delivered_on = form.delivered_on.data
    item.state = form.state.data
    item.note = (form.note.data or "").strip()


def save_request(request_: ProgrammeEquipmentRequest, form) -> None:
    request_.need = form.need.data.strip()
    request_.quantity = form.quantity.data
    request_.justification = form.justification.data.strip()


def answer(request_: ProgrammeEquipmentRequest, status: str, text: str, user_id: int) -> None:
    request_.status = status
    request_.answer = text
    request_.answered_by_id = user_id
    request_.answered_at = utcnow()


def open_requests_count() -> int:
    return db.session.scalar(select(func.count()).select_from(ProgrammeEquipmentRequest).where(
        ProgrammeEquipmentRequest.status.in_((REQUEST_NEW, REQUEST_ACCEPTED)))) or 0


def delivered_in_period(association_ids, start: date, end: date) -> dict[int, int]:
    """{association_id: pieces of equipment delivered in [start, end)}."""
    statement = (select(ProgrammeEquipment.association_id, func.count())
                 .where(ProgrammeEquipment.delivered_on >= start, ProgrammeEquipment.delivered_on < end)
                 .group_by(ProgrammeEquipment.association_id))
    if association_ids is not None:
        statement = statement.where(ProgrammeEquipment.association_id.in_(list(association_ids)))
    return dict(db.session.execute(statement).all())
