"""What the plugin gives the core: the dashboard widget, the association panel, notifications, figures."""

from __future__ import annotations

from datetime import datetime

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from qn_portal.api import Figure, can, db, lazy_gettext, notify, utcnow

from . import services
from .models import SCHEDULED, WITHDRAWN, Referral, Registration, Session, Workshop

_l = lazy_gettext


def _upcoming(condition, limit: int = 5) -> list[Session]:
    statement = (select(Session).join(Session.workshop)
                 .options(joinedload(Session.workshop).joinedload(Workshop.association))
                 .where(Session.status == SCHEDULED, Session.starts_at >= utcnow(), condition)
                 .order_by(Session.starts_at, Session.id).limit(limit))
    return list(db.session.scalars(statement).unique())


def widget_sessions(user) -> dict:
    ids = services.member_association_ids(user)
    condition = Session.association_id.in_(ids) if ids else services.visible_condition(user)
    sessions = _upcoming(condition)
    taken = services.seats_taken(s.id for s in sessions)
    return {"sessions": [(s, s.capacity - taken.get(s.id, 0)) for s in sessions], "local": services.local}


def panel_context(association, user) -> dict:
    private = can(user, "ateliers.view_private", association)
    condition = Session.association_id == association.id
    if not private:
        condition = condition & Workshop.public.is_(True)
    sessions = _upcoming(condition)
    taken = services.seats_taken(s.id for s in sessions)
    return {"sessions": [(s, s.capacity - taken.get(s.id, 0)) for s in sessions], "local": services.local,
            "association": association, "can_embed": can(user, "ateliers.embed", association)}


def handle_event(event) -> None:
    data = event.data
    if event.name == "ateliers.session_cancelled":
        session = db.session.get(Session, data["session_id"])
        if session is None:
            return
        mediators = set(db.session.scalars(select(Registration.registered_by_id).where(
            Registration.session_id == session.id, Registration.status != WITHDRAWN,
            Registration.registered_by_id.is_not(None))))
        partners = set(db.session.scalars(select(Referral.partner_id).where(Referral.session_id == session.id)))
        people = sorted((mediators | partners) - {event.actor_id})
        if people:
            when = services.local(session.starts_at).strftime("%d/%m/%Y %H:%M")
            notify(people, "ateliers.session_cancelled",
                   _l("Séance annulée : %(title)s du %(when)s", title=session.workshop.title, when=when),
                   url_for("ateliers.session", session_id=session.id))
    elif event.name == "ateliers.waitlist_promoted":
        registration = db.session.get(Registration, data["registration_id"])
        if registration is not None and registration.registered_by_id:
            session = registration.session
            notify(registration.registered_by_id, "ateliers.waitlist_promoted",
                   _l("Une place s'est libérée : %(title)s", title=session.workshop.title),
                   url_for("ateliers.session", session_id=session.id))
    elif event.name == "ateliers.referral_created":
        referral = db.session.get(Referral, data["referral_id"])
        if referral is not None:
            people = services.members_of(referral.association_id)
            if people:
                notify(people, "ateliers.referral_received",
                       _l("Nouvelle orientation pour « %(title)s »", title=referral.session.workshop.title),
                       url_for("ateliers.referrals"))
    elif event.name == "ateliers.referral_answered":
        referral = db.session.get(Referral, data["referral_id"])
        if referral is not None:
            notify(referral.partner_id, "ateliers.referral_answered",
                   _l("Réponse à votre orientation pour « %(title)s »", title=referral.session.workshop.title),
                   url_for("ateliers.referrals"))


def report(association_ids, start, end) -> list[Figure]:
    """Aggregate figures only: sessions, hours, distinct participants, attendance rate, waiting list."""
    start, end = _moment(start), _moment(end)
    data = services.figures(association_ids, start, end)
    figures = []
    for association_id, row in sorted(data.items()):
        figures += [
            Figure("ateliers.sessions_held", _l("Séances d'atelier tenues"), row["sessions"],
                   association_id=association_id),
            Figure("ateliers.hours_delivered", _l("Heures d'atelier"), row["hours"], unit=_l("h"),
                   association_id=association_id),
            Figure("ateliers.participants", _l("Participant·es distinct·es"), row["participants"],
                   unit=(_l("personne"), _l("personnes")), association_id=association_id),
            Figure("ateliers.attendance_rate", _l("Taux de présence"), row["rate"] or 0, unit="%",
                   association_id=association_id),
            Figure("ateliers.waitlisted", _l("Personnes en liste d'attente"), row["waitlisted"],
                   unit=(_l("personne"), _l("personnes")), association_id=association_id),
        ]
    return figures


def _moment(value):
    """Dates are read as Paris midnights; datetimes are kept."""
    if isinstance(value, datetime):
        return value
    return services.to_utc(value, datetime.min.time())
