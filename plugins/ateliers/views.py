"""Pages of the workshops plugin, under /ateliers/."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from qn_portal.api import (
    COMMUNES,
    Association,
    Membership,
    User,
    audit,
    audit_export,
    can,
    cookieless,
    count_rows,
    csv_response,
    db,
    emit,
    flash_error,
    flash_success,
    gettext,
    paginate,
    public,
    render_markdown,
    require,
    stream_rows,
    stream_scalars,
    utcnow,
)

from . import resources, services
from .forms import (
    MoveForm,
    ReferralAnswerForm,
    ReferralForm,
    RegistrationForm,
    RoomForm,
    SessionsForm,
    WorkshopForm,
    choices,
    parse_date,
    parse_time,
)
from .ics import build_calendar
from .models import (
    ACCEPTED,
    CANCELLED,
    CONFIRMED,
    DECLINED,
    PENDING,
    SCHEDULED,
    WAITLISTED,
    Referral,
    Registration,
    Resident,
    Room,
    Session,
    Workshop,
    WorkshopFacilitator,
)
from .vocabulary import LEVELS, THEMES, level_label, theme_label

bp = Blueprint("ateliers", __name__, url_prefix="/ateliers", template_folder="templates")


@bp.app_template_global()
def ateliers_local(moment):
    return services.local(moment)


def helpers() -> dict:
    return {"theme_label": theme_label, "level_label": level_label, "local": services.local}


# --- loading with access checks ------------------------------------------------------------------------


def managed_associations() -> list[Association]:
    """The associations where the current person may create workshops (admins: every association)."""
    if current_user.role == "admin":
        return list(db.session.scalars(select(Association).order_by(Association.name)))
    ids = services.member_association_ids(current_user)
    if not ids:
        return []
    return list(db.session.scalars(select(Association).where(Association.id.in_(ids)).order_by(Association.name)))


def may_see(workshop: Workshop) -> bool:
    return workshop.public or can(current_user, "ateliers.view_private", workshop)


def workshop_or_404(workshop_id: int) -> Workshop:
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None or not may_see(workshop):
        abort(404)
    return workshop


def session_or_404(session_id: int) -> Session:
    session = db.session.scalar(select(Session).options(joinedload(Session.workshop)).where(Session.id == session_id))
    if session is None or not may_see(session.workshop):
        abort(404)
    return session


# --- agenda --------------------------------------------------------------------------------------------


def agenda_filters() -> dict:
    theme = request.args.get("theme", "")
    commune = request.args.get("commune", "")
    level = request.args.get("level", "")
    return {"theme": theme if theme in THEMES else "", "commune": commune if commune in COMMUNES else "",
            "level": level if level in LEVELS else ""}


def agenda_context(association_id: int | None = None, public_only: bool = False) -> dict:
    view = request.args.get("vue", "liste")
    if view not in ("liste", "mois", "semaine"):
        view = "liste"
    filters = agenda_filters()
    today = services.local(utcnow()).date()
    start_day = parse_date(request.args.get("date")) or today
    user = current_user
    if view == "mois":
        first = start_day.replace(day=1)
        grid = services.month_grid(first.year, first.month)
        start, end = grid[0][0], grid[-1][-1] + timedelta(days=1)
        previous, following = (first - timedelta(days=1)).replace(day=1), (first + timedelta(days=32)).replace(day=1)
    elif view == "semaine":
        first = start_day - timedelta(days=start_day.weekday())
        grid = [[first + timedelta(days=i) for i in range(7)]]
        start, end = first, first + timedelta(days=7)
        previous, following = first - timedelta(days=7), first + timedelta(days=7)
    else:
        first, grid = start_day, None
        start, end = start_day, start_day + timedelta(days=366)
        previous = following = None
    statement = services.sessions_between(user, services.to_utc(start, _midnight()), services.to_utc(end, _midnight()),
                                          association_id=association_id, public_only=public_only, **filters)
    if view == "liste":
        page = paginate(statement)
        sessions = page.items
    else:
        page = None
        sessions = db.session.scalars(statement.limit(500)).unique().all()
    by_day: dict[date, list] = {}
    for session in sessions:
        by_day.setdefault(services.local(session.starts_at).date(), []).append(session)
    return {"view": view, "filters": filters, "grid": grid, "by_day": by_day, "page": page, "sessions": sessions,
            "first": first, "previous": previous, "following": following, "today": today,
            "taken": services.seats_taken(s.id for s in sessions), "themes": THEMES, "levels": LEVELS,
            "communes": COMMUNES, **helpers()}


def _midnight():
    from datetime import time

    return time(0, 0)


def workshop_themes(workshop: Workshop) -> str:
    return ", ".join(theme_label(code) for code in workshop.themes.split(",") if code)


@bp.route("/export.csv")
def index_csv():
    """The agenda's list view as a file: the sessions of the year from ``?date=`` (today), with its filters.

    The free seats come from one correlated count in the same select: no query per session.
    """
    start_day = parse_date(request.args.get("date")) or services.local(utcnow()).date()
    end_day = start_day + timedelta(days=366)
    statement = services.sessions_between(current_user, services.to_utc(start_day, _midnight()),
                                          services.to_utc(end_day, _midnight()), **agenda_filters())
    taken = (select(func.count(Registration.id))
             .where(Registration.session_id == Session.id, Registration.status == CONFIRMED)
             .correlate(Session).scalar_subquery())
    rows = ([s.starts_at, services.local(s.ends_at).strftime("%H:%M"), s.workshop.title,
             s.workshop.association.name, s.room.name if s.room else None, level_label(s.workshop.level),
             workshop_themes(s.workshop), s.status == CANCELLED, s.capacity, max(s.capacity - count, 0),
             url_for("ateliers.session", session_id=s.id, _external=True)]
            for s, count in stream_rows(statement.add_columns(taken)))
    return csv_response([gettext("Début"), gettext("Fin"), gettext("Atelier"), gettext("Association"),
                         gettext("Salle"), gettext("Niveau"), gettext("Thématiques"), gettext("Annulée"),
                         gettext("Places"), gettext("Places libres"), gettext("Adresse")], rows,
                        f"ateliers-seances-{start_day.isoformat()}.csv")


@bp.route("/")
def index():
    return render_template("ateliers/agenda.html", title=gettext("Agenda des ateliers"),
                           endpoint="ateliers.index", endpoint_values={},
                           can_create=can(current_user, "ateliers.manage"), **agenda_context())


# --- workshops -----------------------------------------------------------------------------------------


def workshops_statement():
    """The workshops the person may see, by title (the list and its export)."""
    return (select(Workshop).options(joinedload(Workshop.association))
            .where(services.visible_condition(current_user)).order_by(Workshop.title, Workshop.id))


@bp.route("/ateliers/export.csv")
def workshops_csv():
    """Every workshop of the list, with what its page says of it (no people)."""
    rows = ([w.title, w.association.name, level_label(w.level), workshop_themes(w), w.audience, w.language,
             w.free, w.public, url_for("ateliers.workshop", workshop_id=w.id, _external=True)]
            for w in stream_scalars(workshops_statement()))
    return csv_response([gettext("Atelier"), gettext("Association"), gettext("Niveau"), gettext("Thématiques"),
                         gettext("Public visé"), gettext("Langue"), gettext("Gratuit"), gettext("Ouvert au public"),
                         gettext("Adresse")], rows, "ateliers.csv")


@bp.route("/ateliers")
def workshops():
    page = paginate(workshops_statement())
    return render_template("ateliers/workshops.html", page=page, can_create=can(current_user, "ateliers.manage"),
                           embeddable=[m.association for m in current_user.memberships
                                       if can(current_user, "ateliers.embed", m.association)],
                           **helpers())


def fill_workshop_choices(form: WorkshopForm, associations: list[Association], association_id: int | None) -> None:
    ids = [a.id for a in associations]
    if getattr(form, "association_id", None) is not None:
        form.association_id.choices = choices((str(a.id), a.name) for a in associations)
    rooms = db.session.scalars(select(Room).where(Room.association_id.in_(ids)).order_by(Room.name)).all() if ids else []
    names = {a.id: a.name for a in associations}
    form.room_id.choices = choices([("", gettext("— Aucune salle —"))] + [
        (str(r.id), f"{r.name} ({names.get(r.association_id, '')}, {r.capacity} places)") for r in rooms])
    members = db.session.execute(
        select(Membership.association_id, User).join(User, User.id == Membership.user_id)
        .where(Membership.association_id.in_(ids), Membership.role.in_(("manager", "mediator")), User.active.is_(True))
        .order_by(User.name)).all() if ids else []
    form.facilitators.choices = choices((u.id, f"{u.display_name} ({names.get(aid, '')})") for aid, u in members)
    form._rooms = {r.id: r for r in rooms}
    form._members = {(aid, u.id) for aid, u in members}


def check_workshop_choices(form: WorkshopForm, association_id: int) -> bool:
    ok = True
    if form.room_id.data:
        room = form._rooms.get(int(form.room_id.data))
        if room is None or room.association_id != association_id:
            form.room_id.errors.append(gettext("Choisissez une salle de l'association de l'atelier."))
            ok = False
    for user_id in form.facilitators.data or []:
        if (association_id, user_id) not in form._members:
            form.facilitators.errors.append(gettext("Les animateur·rices doivent être membres de l'association."))
            ok = False
            break
    return ok


def save_workshop(workshop: Workshop, form: WorkshopForm) -> None:
    workshop.title = form.title.data.strip()
    workshop.description = form.description.data or ""
    workshop.description_html = str(render_markdown(workshop.description))
    workshop.themes = ",".join(form.themes.data)
    workshop.level = form.level.data
    workshop.audience = form.audience.data or ""
    workshop.room_id = int(form.room_id.data) if form.room_id.data else None
    workshop.language = form.language.data or ""
    workshop.accessibility = form.accessibility.data or ""
    workshop.free, workshop.public = bool(form.free.data), bool(form.public.data)
    wanted = set(form.facilitators.data or [])
    workshop.facilitators = [link for link in workshop.facilitators if link.user_id in wanted]
    present = {link.user_id for link in workshop.facilitators}
    workshop.facilitators += [WorkshopFacilitator(user_id=user_id) for user_id in sorted(wanted - present)]


def prepare_resources_field(form: WorkshopForm, workshop: Workshop | None) -> str | None:
    """Remove the "Ressources liées" field when ``ressources`` is not there (the stored links stay); fill it
    on first display. Returns the field's hint when some linked resources are hidden from this person."""
    if not resources.available():
        del form.resources
        return None
    if workshop is None:
        return None
    text, hidden = resources.field_text(workshop, current_user)
    if request.method == "GET":
        form.resources.data = text
    if not hidden:
        return None
    return " ".join([str(form.resources.description), gettext(
        "%(count)s autre(s) ressource(s) liée(s), que vous ne pouvez pas lire, resteront liées.", count=hidden)])


def read_resources_field(form: WorkshopForm, workshop: Workshop | None) -> list[int] | None:
    """The resource ids to store, in order; ``None`` when the field is hidden (links left as they are).

    Raises ``resources.LinesRefused`` after putting the French messages on the field.
    """
    if form.resources is None:
        return None
    already = workshop.resource_ids if workshop is not None else []
    try:
        typed = resources.checked_ids(form.resources.data, current_user, already)
    except resources.LinesRefused as refused:
        form.resources.errors = [*form.resources.errors, *refused.messages]
        raise
    if workshop is None:
        return typed
    return typed + resources.kept_hidden(workshop, current_user, typed)


def check_workshop_form(form: WorkshopForm, association_id: int, workshop: Workshop | None):
    """Every check the fields cannot make alone; returns ``(ok, resource ids or None)``."""
    ok = check_workshop_choices(form, association_id)
    try:
        linked = read_resources_field(form, workshop)
    except resources.LinesRefused:
        return False, None
    return ok, linked


@bp.route("/ateliers/nouveau", methods=["GET", "POST"])
def workshop_new():
    require("ateliers.manage")
    associations = managed_associations()
    if not associations:
        abort(403)
    form = WorkshopForm()
    fill_workshop_choices(form, associations, None)
    prepare_resources_field(form, None)
    if request.method == "GET" and len(associations) == 1:
        form.association_id.data = str(associations[0].id)
    if form.validate_on_submit():
        association_id = int(form.association_id.data)
        association = db.session.get(Association, association_id)
        require("ateliers.manage", association)
        ok, linked = check_workshop_form(form, association_id, None)
        if ok:
            workshop = Workshop(association_id=association_id, created_by_id=current_user.id)
            save_workshop(workshop, form)
            if linked is not None:
                resources.save_links(workshop, linked)
            db.session.add(workshop)
            db.session.flush()
            services.index_workshop(workshop)
            db.session.commit()
            flash_success(gettext("L'atelier est créé. Ajoutez maintenant ses séances."))
            return redirect(url_for("ateliers.sessions_new", workshop_id=workshop.id))
    return render_template("ateliers/workshop_form.html", form=form, workshop=None, resources_hint=None)


@bp.route("/ateliers/<int:workshop_id>")
def workshop(workshop_id: int):
    workshop = workshop_or_404(workshop_id)
    sessions = db.session.scalars(select(Session).options(joinedload(Session.room))
                                  .where(Session.workshop_id == workshop.id).order_by(Session.starts_at)).all()
    return render_template("ateliers/workshop.html", workshop=workshop, sessions=sessions,
                           taken=services.seats_taken(s.id for s in sessions),
                           can_manage=can(current_user, "ateliers.manage", workshop),
                           resource_links=resources.links_for(workshop, current_user), **helpers())


@bp.route("/ateliers/<int:workshop_id>/modifier", methods=["GET", "POST"])
def workshop_edit(workshop_id: int):
    workshop = workshop_or_404(workshop_id)
    require("ateliers.manage", workshop)
    form = WorkshopForm(obj=workshop if request.method == "GET" else None)
    del form.association_id
    if request.method == "GET":
        form.themes.data = workshop.theme_list
        form.facilitators.data = workshop.facilitator_ids
        form.room_id.data = str(workshop.room_id) if workshop.room_id else ""
    fill_workshop_choices(form, [workshop.association], workshop.association_id)
    resources_hint = prepare_resources_field(form, workshop)
    if form.validate_on_submit():
        ok, linked = check_workshop_form(form, workshop.association_id, workshop)
        if ok:
            save_workshop(workshop, form)
            if linked is not None:
                resources.save_links(workshop, linked)
            services.index_workshop(workshop)
            db.session.commit()
            flash_success(gettext("L'atelier est enregistré."))
            return redirect(url_for("ateliers.workshop", workshop_id=workshop.id))
    return render_template("ateliers/workshop_form.html", form=form, workshop=workshop,
                           resources_hint=resources_hint)


# --- sessions ------------------------------------------------------------------------------------------


@bp.route("/ateliers/<int:workshop_id>/seances", methods=["GET", "POST"])
def sessions_new(workshop_id: int):
    workshop = workshop_or_404(workshop_id)
    require("ateliers.manage", workshop)
    form = SessionsForm()
    if form.validate_on_submit():
        start, end = parse_time(form.start_time.data), parse_time(form.end_time.data)
        minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
        capacity = form.capacity.data
        limit = workshop.association.room_capacity or 10
        if capacity and capacity > limit:
            form.capacity.errors.append(gettext("La salle de l'association accueille au plus %(count)s personnes.",
                                                count=limit))
        else:
            try:
                sessions = services.plan_sessions(workshop, form.first_date.data, start, minutes,
                                                  bool(form.weekly.data), form.until.data,
                                                  form.exception_dates() or set(), capacity)
            except services.PlanningError as problem:
                form.first_date.errors.append(str(problem))
            else:
                db.session.commit()
                flash_success(gettext("%(count)s séance(s) ajoutée(s).", count=len(sessions)))
                return redirect(url_for("ateliers.workshop", workshop_id=workshop.id))
    return render_template("ateliers/sessions_form.html", form=form, workshop=workshop)


# The session page's search among the association's residents: a plain GET parameter (no JavaScript), also
# sent back by the registration form so that a refused registration shows the same list again.
RESIDENT_QUERY = "personne"
RESIDENT_QUERY_LENGTH = 80


@dataclass(frozen=True)
class ResidentChoices:
    """What the registration form's list of residents holds, for the sentence that describes it."""

    query: str  # the search typed, "" for the most recent residents
    shown: int  # residents in the list
    total: int  # residents matching the search in all (``shown`` without a search)
    limit: int  # the list's bound


def session_page(session: Session, form: RegistrationForm | None = None, status: int = 200):
    workshop = session.workshop
    residents_allowed = can(current_user, "ateliers.residents", session)
    registrations = services.registrations_of(session) if residents_allowed else []
    taken = services.confirmed_count(session.id)
    if residents_allowed and form is None:
        form = RegistrationForm(formdata=None)
    resident_choices = None
    if form is not None:
        resident_choices = fill_resident_choices(form, session.association_id, request.values.get(RESIDENT_QUERY))
    full = taken >= session.capacity
    suggestions = services.suggestions(session) if full or request.args.get("autres") else []
    waiting = db.session.scalar(select(func.count(Registration.id)).where(
        Registration.session_id == session.id, Registration.status == WAITLISTED)) or 0
    return render_template("ateliers/session.html", session=session, workshop=workshop, form=form,
                           registrations=registrations, taken=taken, waiting=waiting, full=full,
                           suggestions=suggestions, residents_allowed=residents_allowed,
                           resident_choices=resident_choices, resident_query_name=RESIDENT_QUERY,
                           resident_query_length=RESIDENT_QUERY_LENGTH,
                           can_manage=can(current_user, "ateliers.manage", session),
                           can_refer=can(current_user, "ateliers.refer") and workshop.public
                           and session.status == SCHEDULED, **helpers()), status


def fill_resident_choices(form: RegistrationForm, association_id: int, query: str | None = None) -> ResidentChoices:
    """Offer a bounded list of the association's residents: those matching ``query``, else the most recent.

    The person the submitted form names is added when the list lacks them, if the association follows them:
    a registration may name anyone the association follows (found by an earlier search, or listed before
    someone else was registered), and a refused form shows them still chosen. Anyone else stays out of the
    choices, so the field refuses them with its own message.
    """
    query = " ".join((query or "").split())[:RESIDENT_QUERY_LENGTH]
    if query:
        residents, total = services.find_residents(association_id, query)
    else:
        residents = services.recent_residents(association_id)
        total = len(residents)
    shown = len(residents)
    chosen = str(form.resident_id.data or "")
    # ASCII digits that fit an integer column: "²" is a digit to Python, 10**20 an error to PostgreSQL.
    if (chosen.isascii() and chosen.isdigit() and len(chosen) <= 9
            and all(resident.id != int(chosen) for resident in residents)):
        resident = services.resident_of(association_id, int(chosen))
        if resident is not None:
            residents = [resident, *residents]
    form.resident_id.choices = choices([("", gettext("— Nouvelle personne —"))] +
                                       [(str(r.id), r.first_name) for r in residents])
    return ResidentChoices(query=query, shown=shown, total=total, limit=services.RESIDENT_CHOICES)


@bp.route("/seances/<int:session_id>")
def session(session_id: int):
    return session_page(session_or_404(session_id))


@bp.route("/seances/<int:session_id>/export.csv")
def registrations_csv(session_id: int):
    """The registrations of one session, exactly the columns its page shows its association's members: a
    first name (or pseudonym) and the state, nothing more (residents' data; the export is audited)."""
    session = session_or_404(session_id)
    require("ateliers.residents", session)
    registrations = services.registrations_of(session)
    audit_export(f"ateliers: inscrits de la séance {session.id}", len(registrations),
                 association_id=session.association_id)
    # Plain values now: the audit entry is written (its own transaction) before the body is sent.
    rows = [[r.resident.first_name or gettext("(anonymisé)"),
             gettext("confirmée") if r.status == CONFIRMED else gettext("liste d'attente")] for r in registrations]
    day = services.local(session.starts_at).date().isoformat()
    return csv_response([gettext("Prénom ou pseudonyme"), gettext("État")], rows,
                        f"inscriptions-{day}-seance-{session.id}.csv")


@bp.route("/seances/<int:session_id>/inscrire", methods=["POST"])
def register(session_id: int):
    session = session_or_404(session_id)
    require("ateliers.residents", session)
    form = RegistrationForm()
    fill_resident_choices(form, session.association_id)
    if not form.validate():
        return session_page(session, form)
    try:
        if form.resident_id.data:
            resident_id = int(form.resident_id.data)
        else:
            resident = Resident(association_id=session.association_id, first_name=form.first_name.data.strip(),
                                phone=(form.phone.data or "").strip(), consent_at=utcnow(),
                                created_by_id=current_user.id)
            db.session.add(resident)
            db.session.flush()
            resident_id = resident.id
        if form.scope.data == "cycle":
            done = services.register_cycle(session.workshop, resident_id, current_user.id)
            confirmed = sum(1 for r in done if r.status == CONFIRMED)
            message = gettext("Inscription à %(count)s séance(s), dont %(confirmed)s confirmée(s).",
                              count=len(done), confirmed=confirmed)
        else:
            registration = services.register(session.id, resident_id, current_user.id)
            message = (gettext("Inscription confirmée.") if registration.status == CONFIRMED
                       else gettext("La séance est complète : la personne est sur la liste d'attente."))
    except services.RegistrationError as problem:
        db.session.rollback()
        form.resident_id.errors.append(str(problem))
        return session_page(session, form)
    db.session.commit()
    flash_success(message)
    return redirect(url_for("ateliers.session", session_id=session.id))


@bp.route("/inscriptions/<int:registration_id>/annuler", methods=["POST"])
def registration_cancel(registration_id: int):
    registration = db.get_or_404(Registration, registration_id)
    session = registration.session
    require("ateliers.residents", session)
    try:
        promoted = services.cancel_registration(registration)
    except services.RegistrationError as problem:
        flash_error(str(problem))
        return redirect(url_for("ateliers.session", session_id=session.id))
    db.session.commit()
    flash_success(gettext("Inscription annulée."))
    for promotion in promoted:
        emit("ateliers.waitlist_promoted", actor_id=current_user.id, registration_id=promotion.id)
    return redirect(url_for("ateliers.session", session_id=session.id))


@bp.route("/seances/<int:session_id>/deplacer", methods=["GET", "POST"])
def session_move(session_id: int):
    session = session_or_404(session_id)
    require("ateliers.manage", session)
    form = MoveForm()
    if request.method == "GET":
        start, end = services.local(session.starts_at), services.local(session.ends_at)
        form.day.data, form.start_time.data = start.date(), start.strftime("%H:%M")
        form.end_time.data = end.strftime("%H:%M")
    if session.status == CANCELLED:
        abort(404)
    if form.validate_on_submit():
        start, end = parse_time(form.start_time.data), parse_time(form.end_time.data)
        minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
        try:
            services.move_session(session, form.day.data, start, minutes)
        except services.PlanningError as problem:
            form.day.errors.append(str(problem))
        else:
            db.session.commit()
            emit("ateliers.session_moved", actor_id=current_user.id, session_id=session.id)
            flash_success(gettext("La séance est déplacée."))
            return redirect(url_for("ateliers.session", session_id=session.id))
    return render_template("ateliers/move.html", form=form, session=session, **helpers())


@bp.route("/seances/<int:session_id>/annuler", methods=["POST"])
def session_cancel(session_id: int):
    session = session_or_404(session_id)
    require("ateliers.manage", session)
    if session.status == CANCELLED:
        flash_error(gettext("Cette séance est déjà annulée."))
        return redirect(url_for("ateliers.session", session_id=session.id))
    services.cancel_session(session)
    db.session.commit()
    emit("ateliers.session_cancelled", actor_id=current_user.id, session_id=session.id)
    flash_success(gettext("La séance est annulée ; les personnes concernées sont prévenues."))
    return redirect(url_for("ateliers.session", session_id=session.id))


@bp.route("/seances/<int:session_id>/emargement", methods=["GET", "POST"])
def attendance(session_id: int):
    session = session_or_404(session_id)
    require("ateliers.residents", session)
    registrations = [r for r in services.registrations_of(session) if r.status == CONFIRMED]
    error = None
    if request.method == "POST":
        from flask_wtf.csrf import validate_csrf
        from wtforms import ValidationError

        try:
            validate_csrf(request.form.get("csrf_token"))
        except ValidationError:
            abort(400)
        if session.status == CANCELLED:
            error = gettext("Cette séance est annulée : pas de feuille d'émargement.")
        elif session.starts_at > utcnow():
            error = gettext("La feuille d'émargement se remplit une fois la séance commencée.")
        else:
            present = set()
            for value in request.form.getlist("present"):
                if value.isdigit():
                    present.add(int(value))
            services.save_attendance(session, present)
            db.session.commit()
            emit("ateliers.attendance_taken", actor_id=current_user.id, session_id=session.id)
            flash_success(gettext("Présences enregistrées ; la fiche d'activité est à jour."))
            return redirect(url_for("ateliers.attendance", session_id=session.id))
    template = "ateliers/attendance_print.html" if request.args.get("imprimer") else "ateliers/attendance.html"
    return render_template(template, session=session, registrations=registrations, error=error,
                           **helpers()), (200 if error is None else 400)


# --- rooms ---------------------------------------------------------------------------------------------


def rooms_statement():
    """The rooms the person may see: all for those who see every association, else their associations'."""
    statement = select(Room).options(joinedload(Room.association)).order_by(Room.association_id, Room.name)
    if not services.sees_all(current_user):
        statement = statement.where(Room.association_id.in_(services.member_association_ids(current_user)))
    return statement


@bp.route("/salles/export.csv")
def rooms_csv():
    """The rooms of the list (same access as the page)."""
    if not managed_associations() and not can(current_user, "ateliers.view_private"):
        abort(403)
    rows = ([room.name, room.association.name, room.capacity] for room in stream_scalars(rooms_statement()))
    return csv_response([gettext("Salle"), gettext("Association"), gettext("Places")], rows, "ateliers-salles.csv")


@bp.route("/salles", methods=["GET", "POST"])
def rooms():
    associations = managed_associations()
    if not associations and not can(current_user, "ateliers.view_private"):
        abort(403)
    form = RoomForm()
    form.association_id.choices = choices((str(a.id), a.name) for a in associations)
    if request.method == "GET" and associations:
        form.association_id.data = str(associations[0].id)
    if request.method == "POST":
        if not associations:
            abort(403)
        if form.validate_on_submit():
            association = db.session.get(Association, int(form.association_id.data))
            require("ateliers.manage", association)
            limit = association.room_capacity or 10
            if form.capacity.data > limit:
                form.capacity.errors.append(gettext(
                    "L'association accueille au plus %(count)s personnes (voir sa fiche).", count=limit))
            else:
                db.session.add(Room(association_id=association.id, name=form.name.data.strip(),
                                    capacity=form.capacity.data))
                db.session.commit()
                flash_success(gettext("La salle est ajoutée."))
                return redirect(url_for("ateliers.rooms"))
    page = paginate(rooms_statement())
    return render_template("ateliers/rooms.html", form=form, page=page, can_add=bool(associations))


# --- residents -----------------------------------------------------------------------------------------


def residents_statement():
    """The residents of the person's associations, not anonymised (members only: 403 for anyone else)."""
    ids = services.member_association_ids(current_user)
    if not ids:
        abort(403)
    return (select(Resident).where(Resident.association_id.in_(ids), Resident.anonymised_at.is_(None))
            .order_by(Resident.first_name, Resident.id))


@bp.route("/participants/export.csv")
def residents_csv():
    """The residents' list, the three columns of its page and nothing more (personal data: audited)."""
    statement = residents_statement()
    audit_export("ateliers: personnes suivies", count_rows(statement))
    rows = ([r.first_name, r.phone, services.local(r.consent_at).date() if r.consent_at else None]
            for r in stream_scalars(statement))
    return csv_response([gettext("Prénom ou pseudonyme"), gettext("Téléphone"), gettext("Consentement")], rows,
                        "personnes-suivies.csv")


@bp.route("/participants")
def residents():
    page = paginate(residents_statement())
    return render_template("ateliers/residents.html", page=page,
                           retention=services.retention_months())


# --- figures -------------------------------------------------------------------------------------------


def figures_scope():
    require("ateliers.view_figures")
    year = request.args.get("annee", type=int) or services.local(utcnow()).year
    if year < 2019 or year > 2100:
        abort(404)
    if services.sees_all(current_user):
        associations = list(db.session.scalars(select(Association).order_by(Association.name)))
    else:
        ids = services.member_association_ids(current_user)
        associations = list(db.session.scalars(select(Association).where(Association.id.in_(ids))
                                               .order_by(Association.name)))
    chosen = request.args.get("association", type=int)
    if chosen is not None:
        associations = [a for a in associations if a.id == chosen]
        if not associations:
            abort(404)
    ids = [a.id for a in associations]
    rows = []
    for month in range(1, 13):
        start, end = services.month_bounds(year, month)
        data = services.figures(ids, start, end)
        for association in associations:
            if association.id in data:
                rows.append((month, association, data[association.id]))
    return year, associations, rows


@bp.route("/chiffres")
def figures():
    year, associations, rows = figures_scope()
    return render_template("ateliers/figures.html", year=year, associations=associations, rows=rows,
                           themes_text=services.themes_text)


@bp.route("/chiffres.csv")
def figures_csv():
    year, associations, rows = figures_scope()
    lines = ([f"{year}-{month:02d}", association.name, data["sessions"], data["hours"], data["participants"],
              data["rate"], data["waitlisted"], services.themes_text(data["themes"])]
             for month, association, data in rows)
    # Counts per association and month, never a person: not an export of personal data (no audit_export).
    return csv_response([gettext("Mois"), gettext("Association"), gettext("Séances tenues"), gettext("Heures"),
                         gettext("Participant·es distinct·es"), gettext("Taux de présence (%)"),
                         gettext("Liste d'attente"), gettext("Thématiques")], lines, f"ateliers-chiffres-{year}.csv")


# --- calendars and public pages ------------------------------------------------------------------------


def feed_sessions(statement):
    since = utcnow() - timedelta(days=90)
    return db.session.scalars(statement.where(Session.starts_at >= since)
                              .options(joinedload(Session.workshop).joinedload(Workshop.association),
                                       joinedload(Session.room))
                              .order_by(Session.starts_at).limit(2000)).unique().all()


def ics_response(body: bytes, name: str, private: bool = False) -> Response:
    # A personal feed is opened without a session (by a calendar client): keep it out of shared caches too.
    return Response(body, mimetype="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": f'inline; filename="{name}.ics"',
                             "Cache-Control": "no-store" if private else "no-cache"})


def public_sessions():
    return select(Session).join(Session.workshop).where(Workshop.public.is_(True))


@bp.route("/agenda.ics")
@public
def agenda_ics():
    body = build_calendar(feed_sessions(public_sessions()), gettext("Ateliers Quartiers Numériques"))
    return ics_response(body, "ateliers")


def public_association(slug: str) -> Association:
    return db.first_or_404(select(Association).where(Association.slug == slug))


@bp.route("/a/<slug>")
@public
def association_page(slug: str):
    association = public_association(slug)
    statement = (public_sessions().options(joinedload(Session.workshop), joinedload(Session.room))
                 .where(Session.association_id == association.id, Session.starts_at >= utcnow(),
                        Session.status == SCHEDULED).order_by(Session.starts_at, Session.id))
    page = paginate(statement)
    return render_template("ateliers/public.html", association=association, page=page,
                           taken=services.seats_taken(s.id for s in page.items), **helpers())


@bp.route("/a/<slug>/agenda.ics")
@public
def association_ics(slug: str):
    association = public_association(slug)
    statement = public_sessions().where(Session.association_id == association.id)
    return ics_response(build_calendar(feed_sessions(statement), association.name), f"ateliers-{association.slug}")


# --- the widget an association puts on its own website ------------------------------------------------

WIDGET_SIZE = 10  # at most the public page's first page, so that each link's anchor is found there
WIDGET_CACHE_SECONDS = 900


def widget_sessions(association: Association) -> list[Session]:
    """The association's next public sessions, in the public page's order."""
    statement = (public_sessions().options(joinedload(Session.workshop))
                 .where(Session.association_id == association.id, Session.starts_at >= utcnow(),
                        Session.status == SCHEDULED).order_by(Session.starts_at, Session.id)
                 .limit(min(WIDGET_SIZE, current_app.config["PER_PAGE"])))
    return list(db.session.scalars(statement).unique())


def render_widget(association: Association) -> str:
    """The fragment of HTML (no script, no style, absolute links) listing the association's next sessions."""
    with force_locale("fr"):  # the association's site is French, whoever asks
        return render_template("ateliers/widget_fragment.html", association=association,
                               sessions=widget_sessions(association), when=services.french_moment,
                               page_url=url_for("ateliers.association_page", slug=association.slug, _external=True))


@bp.route("/a/<slug>/widget.html")
@public
@cookieless
def association_widget(slug: str):
    """The fragment for a server-side include: public data only, cacheable, readable from any site, no cookie
    (``cookieless``: even a visitor's own session is left as it came). No frame: ``X-Frame-Options`` stays."""
    association = public_association(slug)
    return Response(render_widget(association), mimetype="text/html",
                    headers={"Cache-Control": f"public, max-age={WIDGET_CACHE_SECONDS}",
                             "Access-Control-Allow-Origin": "*"})


@bp.route("/a/<slug>/integrer")
def embed(slug: str):
    """"Mettre vos ateliers sur votre site": the snippets to copy, for the association's managers."""
    association = public_association(slug)
    require("ateliers.embed", association)
    return render_template("ateliers/embed.html", association=association, snippet=render_widget(association),
                           widget_url=url_for("ateliers.association_widget", slug=association.slug, _external=True),
                           page_url=url_for("ateliers.association_page", slug=association.slug, _external=True),
                           ics_url=url_for("ateliers.association_ics", slug=association.slug, _external=True))


@bp.route("/prive/<token>.ics")
@public
def private_ics(token: str):
    user = services.user_for_token(token)
    if user is None:
        abort(404)
    statement = select(Session).join(Session.workshop).where(services.visible_condition(user))
    return ics_response(build_calendar(feed_sessions(statement), gettext("Mes ateliers")), "mes-ateliers",
                        private=True)


@bp.route("/abonnement", methods=["GET", "POST"])
def subscription():
    from .models import CalendarToken

    token = None
    if request.method == "POST":
        from flask_wtf.csrf import validate_csrf
        from wtforms import ValidationError

        try:
            validate_csrf(request.form.get("csrf_token"))
        except ValidationError:
            abort(400)
        if request.form.get("action") == "revoke":
            row = db.session.scalar(select(CalendarToken).where(CalendarToken.user_id == current_user.id))
            if row is not None:
                db.session.delete(row)
            db.session.commit()
            audit("ateliers.calendar_token_revoked")
            flash_success(gettext("Le lien d'abonnement est révoqué."))
            return redirect(url_for("ateliers.subscription"))
        token = services.new_calendar_token(current_user.id)
        db.session.commit()
        audit("ateliers.calendar_token_created")
    has_token = db.session.scalar(select(CalendarToken.id).where(CalendarToken.user_id == current_user.id)) is not None
    private_url = url_for("ateliers.private_ics", token=token, _external=True) if token else None
    return render_template("ateliers/subscription.html", token=token, private_url=private_url, has_token=has_token)


# --- referrals -----------------------------------------------------------------------------------------


@bp.route("/seances/<int:session_id>/orienter", methods=["GET", "POST"])
def refer(session_id: int):
    session = session_or_404(session_id)
    require("ateliers.refer")
    if session.status != SCHEDULED or not session.workshop.public:
        abort(404)
    form = ReferralForm()
    if form.validate_on_submit():
        referral = Referral(session_id=session.id, association_id=session.association_id,
                            partner_id=current_user.id, first_name=form.first_name.data.strip(),
                            phone=(form.phone.data or "").strip(), note=form.note.data or "")
        db.session.add(referral)
        db.session.commit()
        emit("ateliers.referral_created", actor_id=current_user.id, referral_id=referral.id)
        flash_success(gettext("La proposition est envoyée à l'association."))
        return redirect(url_for("ateliers.referrals"))
    taken = services.confirmed_count(session.id)
    return render_template("ateliers/refer.html", form=form, session=session, full=taken >= session.capacity,
                           suggestions=services.suggestions(session), **helpers())


def referrals_statement(ids: list[int]):
    """The referrals to the person's associations (``ids``) and those they made, newest first."""
    statement = select(Referral).options(joinedload(Referral.session).joinedload(Session.workshop),
                                         joinedload(Referral.partner))
    if ids:
        statement = statement.where((Referral.association_id.in_(ids)) | (Referral.partner_id == current_user.id))
    else:
        statement = statement.where(Referral.partner_id == current_user.id)
    return statement.order_by(Referral.created_at.desc(), Referral.id.desc())


@bp.route("/orientations/export.csv")
def referrals_csv():
    """The referrals the page lists to this person, its columns only (residents' data: audited)."""
    statement = referrals_statement(services.member_association_ids(current_user))
    audit_export("ateliers: orientations", count_rows(statement))
    labels = {PENDING: gettext("En attente"), ACCEPTED: gettext("Acceptée"), DECLINED: gettext("Déclinée")}
    rows = ([ref.first_name or gettext("(anonymisé)"), ref.note, ref.session.workshop.title, ref.session.starts_at,
             ref.partner.display_name if ref.partner else None, labels.get(ref.status, ref.status)]
            for ref in stream_scalars(statement))
    return csv_response([gettext("Personne"), gettext("Note"), gettext("Atelier"), gettext("Séance"),
                         gettext("Orientée par"), gettext("État")], rows, "ateliers-orientations.csv")


@bp.route("/orientations")
def referrals():
    ids = services.member_association_ids(current_user)
    page = paginate(referrals_statement(ids))
    return render_template("ateliers/referrals.html", page=page, member_ids=set(ids), form=ReferralAnswerForm(),
                           labels={PENDING: gettext("En attente"), ACCEPTED: gettext("Acceptée"),
                                   DECLINED: gettext("Déclinée")}, **helpers())


@bp.route("/orientations/<int:referral_id>/repondre", methods=["POST"])
def referral_answer(referral_id: int):
    referral = db.get_or_404(Referral, referral_id)
    if referral.association_id not in services.member_association_ids(current_user):
        abort(404)
    form = ReferralAnswerForm()
    if not form.validate_on_submit():
        flash_error(gettext("Choisissez une réponse."))
        return redirect(url_for("ateliers.referrals"))
    if referral.status != PENDING:
        flash_error(gettext("Cette proposition a déjà reçu une réponse."))
        return redirect(url_for("ateliers.referrals"))
    if form.decision.data == "accept":
        resident = Resident(association_id=referral.association_id, first_name=referral.first_name,
                            phone=referral.phone, consent_at=referral.created_at, created_by_id=current_user.id)
        db.session.add(resident)
        db.session.flush()
        try:
            registration = services.register(referral.session_id, resident.id, current_user.id, referral.id)
        except services.RegistrationError as problem:
            db.session.rollback()
            flash_error(str(problem))
            return redirect(url_for("ateliers.referrals"))
        referral.resident_id, referral.status = resident.id, ACCEPTED
        message = (gettext("Proposition acceptée : inscription confirmée.") if registration.status == CONFIRMED
                   else gettext("Proposition acceptée : la personne est sur la liste d'attente."))
    else:
        referral.status = DECLINED
        message = gettext("Proposition déclinée.")
    referral.answered_at = utcnow()
    db.session.commit()
    emit("ateliers.referral_answered", actor_id=current_user.id, referral_id=referral.id)
    flash_success(message)
    return redirect(url_for("ateliers.referrals"))
