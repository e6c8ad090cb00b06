"""The work of the workshops plugin: planning, conflicts, registrations, attendance, figures, privacy.

Views stay thin and call these functions; every "check, then write" runs with the session row locked
(``lock_for_update`` on PostgreSQL, the request's or ``write_transaction``'s BEGIN IMMEDIATE on SQLite).
"""

from __future__ import annotations

import calendar as _calendar
import hashlib
import secrets
import uuid
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.orm import joinedload, selectinload

from qn_portal.api import (
    Association,
    Membership,
    SearchDocument,
    db,
    gettext,
    index_document,
    lazy_gettext,
    lock_for_update,
    utcnow,
)

from .models import (
    CANCELLED,
    CONFIRMED,
    SCHEDULED,
    WAITLISTED,
    WITHDRAWN,
    ActivityRecord,
    CalendarToken,
    Referral,
    Registration,
    Resident,
    Series,
    Session,
    Workshop,
    WorkshopFacilitator,
    folded_name,
)
from .vocabulary import theme_label

PARIS = ZoneInfo("Europe/Paris")
MAX_OCCURRENCES = 60
PLUGIN = "ateliers"


class PlanningError(ValueError):
    """A plan that cannot be saved: the message is French and says why."""


class RegistrationError(ValueError):
    """A registration that cannot be made or cancelled: the message is French and says why."""


# --- time ----------------------------------------------------------------------------------------------


def local(moment: datetime) -> datetime:
    """A stored UTC moment in Europe/Paris."""
    return moment.astimezone(PARIS)


def french_moment(moment: datetime) -> str:
    """"jeudi 3 décembre 2026 à 14 h 00": a moment in Paris time, in words, whatever the reader's language."""
    from babel.dates import format_datetime

    return format_datetime(local(moment), "EEEE d MMMM y 'à' H 'h' mm", locale="fr")


def to_utc(day: date, at: time) -> datetime:
    """The UTC moment of a local Paris wall-clock time (the offset of that very day: DST-correct)."""
    return datetime.combine(day, at, tzinfo=PARIS).astimezone(UTC)


def plan_dates(first: date, weekly: bool, until: date | None, exceptions: set[date]) -> list[date]:
    """The local dates of a single session or of a weekly recurrence (last day included), minus exceptions."""
    if not weekly:
        return [first]
    if until is None:
        raise PlanningError(gettext("Une récurrence hebdomadaire a besoin d'une date de fin."))
    if until < first:
        raise PlanningError(gettext("La date de fin de la récurrence est avant la première séance."))
    days, day = [], first
    while day <= until:
        if day not in exceptions:
            days.append(day)
        day += timedelta(days=7)
        if len(days) > MAX_OCCURRENCES:
            raise PlanningError(gettext("Une récurrence compte au plus %(count)s séances.", count=MAX_OCCURRENCES))
    if not days:
        raise PlanningError(gettext("Toutes les dates de la récurrence sont des exceptions."))
    return days


# --- conflicts -----------------------------------------------------------------------------------------


def find_conflict(slots: list[tuple[datetime, datetime]], room_id: int | None, facilitator_ids: list[int],
                  exclude_ids: tuple[int, ...] = ()) -> str | None:
    """A French message naming the first double booking of the room or of a facilitator, or ``None``."""
    if not slots or (room_id is None and not facilitator_ids):
        return None
    start, end = min(s for s, _ in slots), max(e for _, e in slots)
    busy = [Session.room_id == room_id] if room_id is not None else []
    if facilitator_ids:
        busy.append(Session.workshop_id.in_(
            select(WorkshopFacilitator.workshop_id).where(WorkshopFacilitator.user_id.in_(facilitator_ids))))
    statement = (select(Session).options(joinedload(Session.workshop).selectinload(Workshop.facilitators))
                 .where(Session.status == SCHEDULED, Session.starts_at < end, Session.ends_at > start, or_(*busy)))
    if exclude_ids:
        statement = statement.where(Session.id.not_in(exclude_ids))
    others = db.session.scalars(statement).unique().all()
    for slot_start, slot_end in slots:
        for other in others:
            if other.starts_at < slot_end and other.ends_at > slot_start:
                when = local(other.starts_at).strftime("%d/%m/%Y %H:%M")
                if room_id is not None and other.room_id == room_id:
                    return gettext("La salle est déjà réservée le %(when)s (« %(title)s »).", when=when,
                                   title=other.workshop.title)
                return gettext("Un·e animateur·rice anime déjà « %(title)s » le %(when)s.", when=when,
                               title=other.workshop.title)
    return None


def plan_sessions(workshop: Workshop, first: date, at: time, duration_minutes: int, weekly: bool,
                  until: date | None, exceptions: set[date], capacity: int | None = None) -> list[Session]:
    """Create the sessions of a single date or a weekly recurrence, refusing any double booking."""
    if duration_minutes <= 0:
        raise PlanningError(gettext("La fin doit être après le début."))
    days = plan_dates(first, weekly, until, exceptions)
    slots = [(to_utc(day, at), to_utc(day, at) + timedelta(minutes=duration_minutes)) for day in days]
    problem = find_conflict(slots, workshop.room_id, workshop.facilitator_ids)
    if problem:
        raise PlanningError(problem)
    series = Series(workshop_id=workshop.id, uid=uuid.uuid4().hex, first_start=slots[0][0],
                    duration_minutes=duration_minutes, weekly=weekly, until=until.isoformat() if until else "",
                    exceptions=",".join(sorted(day.isoformat() for day in exceptions)))
    db.session.add(series)
    seats = capacity or (workshop.room.capacity if workshop.room else 10)
    sessions = [Session(workshop=workshop, association_id=workshop.association_id, series=series,
                        room_id=workshop.room_id, original_start=start, starts_at=start, ends_at=end,
                        capacity=seats)
                for start, end in slots]
    db.session.add_all(sessions)
    db.session.flush()
    return sessions


def move_session(session: Session, day: date, at: time, duration_minutes: int) -> None:
    """Move one occurrence (its original start stays, for calendars), refusing any double booking."""
    if duration_minutes <= 0:
        raise PlanningError(gettext("La fin doit être après le début."))
    start = to_utc(day, at)
    end = start + timedelta(minutes=duration_minutes)
    problem = find_conflict([(start, end)], session.room_id, session.workshop.facilitator_ids, (session.id,))
    if problem:
        raise PlanningError(problem)
    session.starts_at, session.ends_at = start, end


def cancel_session(session: Session) -> None:
    session.status = CANCELLED


# --- registrations -------------------------------------------------------------------------------------


def confirmed_count(session_id: int) -> int:
    return db.session.scalar(select(func.count(Registration.id)).where(
        Registration.session_id == session_id, Registration.status == CONFIRMED)) or 0


def seats_taken(session_ids) -> dict[int, int]:
    """Confirmed registrations per session, in one query."""
    ids = list(session_ids)
    if not ids:
        return {}
    rows = db.session.execute(select(Registration.session_id, func.count(Registration.id))
                              .where(Registration.session_id.in_(ids), Registration.status == CONFIRMED)
                              .group_by(Registration.session_id))
    return dict(rows.all())


def register(session_id: int, resident_id: int, by_user_id: int | None = None,
             referral_id: int | None = None) -> Registration:
    """Register a resident: confirmed while seats are left, waitlisted after; the session row is locked."""
    session = db.session.scalar(lock_for_update(select(Session).where(Session.id == session_id)))
    if session is None:
        raise RegistrationError(gettext("Cette séance n'existe pas."))
    if session.status == CANCELLED:
        raise RegistrationError(gettext("Cette séance est annulée."))
    resident = db.session.get(Resident, resident_id)
    if resident is None or resident.association_id != session.association_id or resident.anonymised_at:
        raise RegistrationError(gettext("Cette personne n'est pas suivie par l'association de l'atelier."))
    existing = db.session.scalar(select(Registration).where(Registration.session_id == session_id,
                                                            Registration.resident_id == resident_id))
    if existing is not None and existing.status != WITHDRAWN:
        raise RegistrationError(gettext("%(name)s est déjà inscrit·e à cette séance.", name=resident.first_name))
    status = CONFIRMED if confirmed_count(session_id) < session.capacity else WAITLISTED
    if existing is None:
        existing = Registration(session_id=session_id, resident_id=resident_id)
        db.session.add(existing)
    existing.status, existing.queued_at, existing.attended = status, utcnow(), None
    existing.registered_by_id, existing.referral_id = by_user_id, referral_id
    db.session.flush()
    return existing


def register_cycle(workshop: Workshop, resident_id: int, by_user_id: int | None) -> list[Registration]:
    """Register a resident to every upcoming session of a workshop (a cycle); sessions already taken are skipped."""
    done = []
    for session in upcoming_sessions_of(workshop):
        try:
            done.append(register(session.id, resident_id, by_user_id))
        except RegistrationError:
            continue
    if not done:
        raise RegistrationError(gettext("Aucune séance à venir où inscrire cette personne."))
    return done


def upcoming_sessions_of(workshop: Workshop) -> list[Session]:
    return list(db.session.scalars(select(Session).where(
        Session.workshop_id == workshop.id, Session.status == SCHEDULED, Session.starts_at > utcnow())
        .order_by(Session.starts_at)))


def cancel_registration(registration: Registration) -> list[Registration]:
    """Withdraw a registration and promote the waiting list, in order; returns those promoted."""
    session = db.session.scalar(lock_for_update(select(Session).where(Session.id == registration.session_id)))
    if registration.status == WITHDRAWN:
        raise RegistrationError(gettext("Cette inscription est déjà annulée."))
    registration.status = WITHDRAWN
    db.session.flush()
    return promote(session)


def promote(session: Session) -> list[Registration]:
    promoted = []
    free = session.capacity - confirmed_count(session.id)
    if free <= 0 or session.status == CANCELLED:
        return promoted
    waiting = db.session.scalars(select(Registration).where(
        Registration.session_id == session.id, Registration.status == WAITLISTED)
        .order_by(Registration.queued_at, Registration.id).limit(free))
    for registration in waiting:
        registration.status = CONFIRMED
        promoted.append(registration)
    db.session.flush()
    return promoted


# --- attendance and activity records ---------------------------------------------------------------


def save_attendance(session: Session, present_ids: set[int]) -> ActivityRecord:
    """Tick who came among the confirmed, and write the session's activity record from it (no retyping)."""
    confirmed = [r for r in session.registrations if r.status == CONFIRMED]
    for registration in confirmed:
        registration.attended = registration.id in present_ids
    session.attendance_taken = True
    present = sum(1 for r in confirmed if r.attended)
    record = db.session.scalar(select(ActivityRecord).where(ActivityRecord.session_id == session.id))
    if record is None:
        record = ActivityRecord(session_id=session.id, association_id=session.association_id)
        db.session.add(record)
    workshop = session.workshop
    record.held_at, record.duration_minutes = session.starts_at, session.duration_minutes
    record.title, record.themes, record.level = workshop.title, workshop.themes, workshop.level
    record.participants, record.no_shows = present, len(confirmed) - present
    db.session.flush()
    return record


# --- figures -------------------------------------------------------------------------------------------


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    start = datetime(year, month, 1, tzinfo=PARIS)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=PARIS)
    return start.astimezone(UTC), end.astimezone(UTC)


def figures(association_ids: list[int] | None, start: datetime, end: datetime) -> dict[int, dict]:
    """Per association: sessions held, hours, distinct participants, attendance rate, waiting list, themes."""
    result: dict[int, dict] = defaultdict(lambda: {"sessions": 0, "hours": 0.0, "participants": 0,
                                                   "present": 0, "no_shows": 0, "waitlisted": 0,
                                                   "themes": Counter()})
    records = select(ActivityRecord).where(ActivityRecord.held_at >= start, ActivityRecord.held_at < end)
    if association_ids is not None:
        records = records.where(ActivityRecord.association_id.in_(association_ids))
    for record in db.session.scalars(records):
        row = result[record.association_id]
        row["sessions"] += 1
        row["hours"] += record.duration_minutes / 60
        row["present"] += record.participants
        row["no_shows"] += record.no_shows
        for theme in record.themes.split(","):
            if theme:
                row["themes"][theme] += 1
    in_range = [Session.starts_at >= start, Session.starts_at < end]
    if association_ids is not None:
        in_range.append(Session.association_id.in_(association_ids))
    distinct = (select(Session.association_id, func.count(func.distinct(Registration.resident_id)))
                .join(Session, Session.id == Registration.session_id)
                .where(Registration.attended.is_(True), *in_range).group_by(Session.association_id))
    for association_id, count in db.session.execute(distinct):
        result[association_id]["participants"] = count
    waiting = (select(Session.association_id, func.count(Registration.id))
               .join(Session, Session.id == Registration.session_id)
               .where(Registration.status == WAITLISTED, *in_range).group_by(Session.association_id))
    for association_id, count in db.session.execute(waiting):
        result[association_id]["waitlisted"] = count
    for row in result.values():
        seen = row["present"] + row["no_shows"]
        row["rate"] = round(100 * row["present"] / seen) if seen else None
        row["hours"] = round(row["hours"], 1)
    return dict(result)


def themes_text(counter: Counter) -> str:
    return ", ".join(f"{theme_label(code)} ({count})" for code, count in counter.most_common())


# --- visibility ----------------------------------------------------------------------------------------


def member_association_ids(user) -> list[int]:
    return [m.association_id for m in user.memberships if m.role in ("manager", "mediator")]


def sees_all(user) -> bool:
    return user.is_authenticated and user.role in ("admin", "coordinator")


def visible_condition(user):
    """Which sessions/workshops ``user`` may see: public ones, their associations', or all for coordinators."""
    if user.is_authenticated and sees_all(user):
        return true()
    ids = member_association_ids(user) if user.is_authenticated else []
    if ids:
        return or_(Workshop.public.is_(True), Workshop.association_id.in_(ids))
    return Workshop.public.is_(True)


def sessions_between(user, start: datetime, end: datetime, theme: str = "", commune: str = "", level: str = "",
                     association_id: int | None = None, public_only: bool = False):
    statement = (select(Session).join(Session.workshop).join(Association, Association.id == Session.association_id)
                 .options(joinedload(Session.workshop).joinedload(Workshop.association), joinedload(Session.room))
                 .where(Session.starts_at >= start, Session.starts_at < end)
                 .order_by(Session.starts_at, Session.id))
    statement = statement.where(Workshop.public.is_(True)) if public_only else statement.where(visible_condition(user))
    if theme:
        statement = statement.where(or_(Workshop.themes == theme, Workshop.themes.like(f"{theme},%"),
                                        Workshop.themes.like(f"%,{theme}"), Workshop.themes.like(f"%,{theme},%")))
    if commune:
        statement = statement.where(Association.commune == commune)
    if level:
        statement = statement.where(Workshop.level == level)
    if association_id is not None:
        statement = statement.where(Session.association_id == association_id)
    return statement


def month_grid(year: int, month: int) -> list[list[date]]:
    return _calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)


# --- suggestions ---------------------------------------------------------------------------------------


def suggestions(session: Session, limit: int = 5) -> list[tuple[Session, int]]:
    """The next public sessions of the same level or a shared theme in other associations, with seats left."""
    workshop = session.workshop
    themes = workshop.theme_list
    same = [Workshop.level == workshop.level]
    for theme in themes:
        same.append(Workshop.themes.like(f"%{theme}%"))
    statement = (select(Session).join(Session.workshop)
                 .options(joinedload(Session.workshop).joinedload(Workshop.association))
                 .where(Session.association_id != session.association_id, Session.status == SCHEDULED,
                        Session.starts_at > utcnow(), Workshop.public.is_(True), or_(*same))
                 .order_by(Session.starts_at).limit(limit * 3))
    candidates = db.session.scalars(statement).unique().all()
    taken = seats_taken(s.id for s in candidates)
    return [(s, s.capacity - taken.get(s.id, 0)) for s in candidates if s.capacity > taken.get(s.id, 0)][:limit]


# --- search --------------------------------------------------------------------------------------------


def workshop_document(workshop: Workshop) -> SearchDocument:
    """A workshop as the search index holds it: never a resident, never a registration."""
    # A plain path rather than url_for: the demo and the reindex command run without a request.
    return SearchDocument(
        key=f"workshop:{workshop.id}", title=workshop.title,
        text=" ".join([workshop.description, workshop.audience,
                       " ".join(theme_label(t) for t in workshop.theme_list)]),
        url=f"/ateliers/ateliers/{workshop.id}", association_id=workshop.association_id,
        visibility="public" if workshop.public else "association", kind=lazy_gettext("Atelier"))


def index_workshop(workshop: Workshop) -> None:
    index_document(PLUGIN, workshop_document(workshop))


# --- calendar tokens -----------------------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_calendar_token(user_id: int) -> str:
    """Replace the user's calendar token; only its hash is kept, so the token is shown once."""
    token = secrets.token_urlsafe(24)
    row = db.session.scalar(select(CalendarToken).where(CalendarToken.user_id == user_id))
    if row is None:
        row = CalendarToken(user_id=user_id)
        db.session.add(row)
    row.token_hash, row.created_at = hash_token(token), utcnow()
    return token


def user_for_token(token: str):
    from qn_portal.api import User

    row = db.session.scalar(select(CalendarToken).where(CalendarToken.token_hash == hash_token(token)))
    if row is None:
        return None
    user = db.session.get(User, row.user_id)
    return user if user is not None and user.active else None


# --- privacy -------------------------------------------------------------------------------------------


def export_resident(resident: Resident) -> dict:
    rows = db.session.execute(
        select(Registration, Session, Workshop).join(Session, Session.id == Registration.session_id)
        .join(Workshop, Workshop.id == Session.workshop_id).where(Registration.resident_id == resident.id)
        .order_by(Session.starts_at)).all()
    referrals = db.session.scalars(select(Referral).where(Referral.resident_id == resident.id)).all()
    return {
        "id": resident.id, "association_id": resident.association_id, "first_name": resident.first_name,
        "phone": resident.phone, "consent_at": resident.consent_at.isoformat() if resident.consent_at else None,
        "created_at": resident.created_at.isoformat(),
        "registrations": [{"workshop": w.title, "starts_at": local(s.starts_at).isoformat(), "status": r.status,
                           "attended": r.attended} for r, s, w in rows],
        "referrals": [{"note": ref.note, "status": ref.status, "created_at": ref.created_at.isoformat()}
                      for ref in referrals],
    }


def erase_resident(resident: Resident) -> None:
    """Remove every personal datum; the row stays as an anonymous id so that aggregate figures survive."""
    resident.first_name, resident.phone, resident.consent_at = "", "", None
    resident.anonymised_at = utcnow()
    for referral in db.session.scalars(select(Referral).where(Referral.resident_id == resident.id)):
        referral.first_name, referral.phone, referral.note = "", "", ""


def retention_months() -> int:
    return int(current_app.config.get("ATELIERS_RETENTION_MONTHS", 12))


def expired_residents(now: datetime | None = None) -> list[Resident]:
    """Residents whose last session (or registration, without one) is older than the retention period."""
    now = now or utcnow()
    cutoff = now - timedelta(days=round(retention_months() * 30.44))
    last = (select(Registration.resident_id, func.max(Session.ends_at).label("last"))
            .join(Session, Session.id == Registration.session_id).group_by(Registration.resident_id).subquery())
    statement = (select(Resident).outerjoin(last, last.c.resident_id == Resident.id)
                 .where(Resident.anonymised_at.is_(None),
                        or_(last.c.last < cutoff, and_(last.c.last.is_(None), Resident.created_at < cutoff))))
    return list(db.session.scalars(statement))


def anonymise_expired(now: datetime | None = None) -> int:
    residents = expired_residents(now)
    for resident in residents:
        erase_resident(resident)
    # Referrals never turned into a registration hold a name too: same retention, counted from their date.
    cutoff = (now or utcnow()) - timedelta(days=round(retention_months() * 30.44))
    stale = db.session.scalars(select(Referral).where(Referral.resident_id.is_(None), Referral.first_name != "",
                                                      Referral.created_at < cutoff)).all()
    for referral in stale:
        referral.first_name, referral.phone, referral.note = "", "", ""
    return len(residents) + len(stale)


def members_of(association_id: int) -> list[int]:
    return list(db.session.scalars(select(Membership.user_id).where(Membership.association_id == association_id)))


def residents_of(association_id: int):
    """A select of the association's residents who are not anonymised, by name."""
    return (select(Resident).where(Resident.association_id == association_id, Resident.anonymised_at.is_(None))
            .order_by(Resident.name_folded, Resident.id))


# The session page's list of residents never holds more: past it, the mediator searches by name.
RESIDENT_CHOICES = 30
RESIDENT_QUERY_WORDS = 5


def recent_residents(association_id: int, limit: int = RESIDENT_CHOICES) -> list[Resident]:
    """The ``limit`` residents most recently registered (to any session) or, never registered, created.

    A registration always follows its resident's creation, so the later of the two is the last registration
    when there is one. Returned by name, so that a screen reader's or a keyboard's type-ahead works in the list.
    """
    last = (select(Registration.resident_id, func.max(Registration.queued_at).label("at"))
            .join(Resident, Resident.id == Registration.resident_id)
            .where(Resident.association_id == association_id)
            .group_by(Registration.resident_id).subquery())
    statement = (residents_of(association_id).outerjoin(last, last.c.resident_id == Resident.id)
                 .order_by(None).order_by(func.coalesce(last.c.at, Resident.created_at).desc(), Resident.id.desc())
                 .limit(limit))
    return sorted(db.session.scalars(statement), key=lambda resident: (resident.name_folded, resident.id))


def find_residents(association_id: int, query: str, limit: int = RESIDENT_CHOICES) -> tuple[list[Resident], int]:
    """The association's residents whose first name or pseudonym holds every word of ``query``, by name.

    Case and accents do not count ("helene" finds "Hélène"): both sides are folded the same way in Python,
    so SQLite and PostgreSQL compare the same strings. Returns the first ``limit`` and how many match in all.
    """
    statement = residents_of(association_id)
    for word in folded_name(query).split()[:RESIDENT_QUERY_WORDS]:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(Resident.name_folded.like(f"%{escaped}%", escape="\\"))
    total = db.session.scalar(statement.with_only_columns(func.count(Resident.id)).order_by(None)) or 0
    residents = list(db.session.scalars(statement.limit(limit))) if total else []
    return residents, total


def resident_of(association_id: int, resident_id: int) -> Resident | None:
    """The association's resident ``resident_id``, unless anonymised or another association's."""
    return db.session.scalar(residents_of(association_id).where(Resident.id == resident_id).order_by(None))


def registrations_of(session: Session) -> list[Registration]:
    return list(db.session.scalars(
        select(Registration).options(selectinload(Registration.resident))
        .where(Registration.session_id == session.id, Registration.status != WITHDRAWN)
        .order_by(Registration.status, Registration.queued_at, Registration.id)))
