"""Pages of the co-funding plugin under /cofinancements."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from qn_portal.api import (
    COMMUNES,
    Association,
    UploadRefused,
    audit,
    audit_export,
    can,
    count_rows,
    csv_response,
    current_association,
    db,
    emit,
    flash_error,
    flash_success,
    index_document,
    paginate,
    render_markdown,
    require,
    requires,
    save_upload,
    stream_batches,
    stream_rows,
    stream_scalars,
    unindex_document,
)
from qn_portal.api import gettext as _

from .documents import application_document, funder_document, opportunity_document
from .forms import (
    ApplicationForm,
    ConfirmForm,
    FunderForm,
    ImportForm,
    NoteForm,
    OpportunityForm,
    PlanYearForm,
    ProfileForm,
    SavedSearchForm,
    choices,
)
from .importer import ImportFileError, import_aids
from .models import (
    AID_TYPES,
    APPLICATION_STATUSES,
    SCOPES,
    THEMES,
    Application,
    Follow,
    Funder,
    FunderNote,
    Opportunity,
    PlanYear,
    Profile,
    SavedSearch,
    pack,
)
from .services import (
    association_themes,
    build_plan,
    filters_from_args,
    filters_from_query,
    format_euros,
    paris_today,
    plan_chart,
    rank_for,
    refresh_search_text,
    search_statement,
)

bp = Blueprint("cofinancements", __name__, url_prefix="/cofinancements", template_folder="templates")

IMPORT_MAX_BYTES = 5 * 1024 * 1024


def today():
    return paris_today()


def warning_months() -> int:
    return int(current_app.config.get("COFINANCEMENTS_WARNING_MONTHS", 6))


def my_association():
    """The association whose private pages the person works on (members only; coordinators pick one)."""
    association = current_association()
    if association is not None and can(current_user, "cofinancements.applications", association):
        return association
    return None


def association_for_private(association_id: int) -> Association:
    association = db.get_or_404(Association, association_id)
    if not can(current_user, "cofinancements.applications", association):
        abort(404)  # another association's private data: as if it did not exist
    return association


# --- opportunities: search and "pour mon association" --------------------------------------------------


@bp.route("/")
@requires("cofinancements.view")
def index():
    filters, problems = filters_from_args(request.args)
    statement = search_statement(filters, today()).options(joinedload(Opportunity.funder))
    page = paginate(statement)
    followed = set()
    association = my_association()
    if association is not None and page.items:
        followed = set(db.session.scalars(select(Follow.opportunity_id).where(
            Follow.association_id == association.id,
            Follow.opportunity_id.in_([opportunity.id for opportunity in page.items]))))
    return render_template("cofinancements/index.html", page=page, filters=filters, problems=problems,
                           today=today(), followed=followed, themes=THEMES, aid_types=AID_TYPES, scopes=SCOPES, communes=COMMUNES,
                           can_manage=can(current_user, "cofinancements.manage"), association=association)


def euros(cents: int | None) -> Decimal | None:
    """An amount in cents as euros, a number for the spreadsheet (``None`` stays an empty cell)."""
    return None if cents is None else Decimal(cents) / 100


@bp.route("/export.csv")
@requires("cofinancements.view")
def index_csv():
    """The opportunities matching the page's search and filters, in its order, every page of them."""
    filters, _problems = filters_from_args(request.args)  # a wrong filter is ignored, as on the page
    statement = search_statement(filters, today()).options(joinedload(Opportunity.funder))
    rows = ([o.title, o.funder.name if o.funder else None, o.aid_type_label, o.scope_label,
             ", ".join(str(THEMES.get(theme, theme)) for theme in o.theme_list), euros(o.amount_min_cents),
             euros(o.amount_max_cents), o.max_rate, o.opens_on, o.deadline, o.application_url,
             url_for("cofinancements.opportunity", opportunity_id=o.id, _external=True)]
            for o in stream_scalars(statement))
    return csv_response([_("Aide"), _("Financeur"), _("Type d'aide"), _("Territoire"), _("Thématiques"),
                         _("Montant minimum (€)"), _("Montant maximum (€)"), _("Taux maximum (%)"),
                         _("Ouverture"), _("Date limite"), _("Dépôt du dossier"), _("Adresse")], rows,
                        "cofinancements-aides.csv")


@bp.route("/pour-mon-association")
@requires("cofinancements.view")
def for_my_association():
    association = None
    if request.args.get("association", type=int):
        association = association_for_private(request.args.get("association", type=int))
    else:
        association = my_association()
    associations = []
    if current_user.is_coordinator:
        associations = db.session.execute(select(Association.id, Association.name).order_by(Association.name)).all()
    if association is None and not associations:
        abort(403)
    fits = rank_for(association, today()) if association is not None else []
    plan = build_plan(association, today(), warning_months()) if association is not None else None
    return render_template("cofinancements/for_association.html", association=association, fits=fits,
                           associations=associations, gap=plan.current_gap(today()) if plan else None,
                           themes=[THEMES[t] for t in association_themes(association.id) if t in THEMES]
                           if association is not None else [])


@bp.route("/aides/<int:opportunity_id>")
@requires("cofinancements.view")
def opportunity(opportunity_id: int):
    item = db.get_or_404(Opportunity, opportunity_id)
    association = my_association()
    following = association is not None and db.session.scalar(select(Follow.id).where(
        Follow.association_id == association.id, Follow.opportunity_id == item.id)) is not None
    return render_template("cofinancements/opportunity.html", item=item, association=association,
                           following=following, today=today(), form=ConfirmForm(),
                           can_manage=can(current_user, "cofinancements.manage"), themes=THEMES)


def funder_choices():
    rows = db.session.execute(select(Funder.id, Funder.name).order_by(Funder.name)).all()
    return choices([(str(row.id), row.name) for row in rows], empty=_("— Aucun —"))


def save_opportunity(form: OpportunityForm, item: Opportunity) -> None:
    item.title = form.title.data.strip()
    item.funder = db.session.get(Funder, int(form.funder_id.data)) if form.funder_id.data else None
    item.description = form.description.data or ""
    item.description_html = render_markdown(item.description)
    item.aid_type = form.aid_type.data
    item.beneficiaries = (form.beneficiaries.data or "").strip()
    item.scope = form.scope.data
    item.communes = pack(form.communes.data if form.scope.data == "communes" else [])
    item.themes = pack(form.themes.data)
    item.amount_min_cents = form.amount_min.cents
    item.amount_max_cents = form.amount_max.cents
    item.max_rate = form.max_rate.data
    item.opens_on = form.opens_on.data
    item.deadline = form.deadline.data
    item.recurrence = form.recurrence.data
    item.application_url = (form.application_url.data or "").strip()
    item.origin_url = (form.origin_url.data or "").strip()
    refresh_search_text(item)


@bp.route("/aides/nouvelle", methods=["GET", "POST"])
@bp.route("/aides/<int:opportunity_id>/modifier", methods=["GET", "POST"])
@requires("cofinancements.manage")
def edit_opportunity(opportunity_id: int | None = None):
    item = db.get_or_404(Opportunity, opportunity_id) if opportunity_id else None
    form = OpportunityForm(obj=item if item and request.method == "GET" else None)
    form.funder_id.choices = funder_choices()
    if request.method == "GET" and item is not None:
        form.funder_id.data = str(item.funder_id or "")
        form.communes.data = item.commune_list
        form.themes.data = item.theme_list
        form.amount_min.process_data(item.amount_min_cents)
        form.amount_max.process_data(item.amount_max_cents)
    if request.method == "GET" and item is None and request.args.get("funder", type=int):
        form.funder_id.data = str(request.args.get("funder", type=int))
    if form.validate_on_submit():
        created = item is None
        item = item or Opportunity()
        save_opportunity(form, item)
        db.session.add(item)
        db.session.flush()
        index_document("cofinancements", opportunity_document(item))
        db.session.commit()
        emit("cofinancements.opportunity_saved", actor_id=current_user.id, opportunity_id=item.id, created=created)
        flash_success(_("L'aide est enregistrée."))
        return redirect(url_for("cofinancements.opportunity", opportunity_id=item.id))
    return render_template("cofinancements/opportunity_form.html", form=form, item=item)


@bp.route("/aides/<int:opportunity_id>/suivre", methods=["POST"])
@requires("cofinancements.view")
def follow(opportunity_id: int):
    item = db.get_or_404(Opportunity, opportunity_id)
    association = my_association()
    if association is None:
        abort(403)
    existing = db.session.scalar(select(Follow).where(Follow.association_id == association.id,
                                                      Follow.opportunity_id == item.id))
    if existing is not None:
        db.session.delete(existing)
        db.session.commit()
        flash_success(_("Votre association ne suit plus cette aide."))
    else:
        try:
            db.session.add(Follow(association_id=association.id, opportunity_id=item.id, created_by_id=current_user.id))
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # followed at the same moment by a colleague: the result is the same
        flash_success(_("Votre association suit cette aide : rappels 30 et 7 jours avant la date limite."))
    return redirect(url_for("cofinancements.opportunity", opportunity_id=item.id))


# --- funders ---------------------------------------------------------------------------------------------


@bp.route("/financeurs/")
@requires("cofinancements.view")
def funders():
    page = paginate(select(Funder).order_by(Funder.name, Funder.id))
    counts = {}
    if page.items:
        counts = dict(db.session.execute(
            select(Opportunity.funder_id, func.count(Opportunity.id))
            .where(Opportunity.funder_id.in_([item.id for item in page.items])).group_by(Opportunity.funder_id)).all())
    return render_template("cofinancements/funders.html", page=page, counts=counts,
                           can_manage=can(current_user, "cofinancements.manage"))


@bp.route("/financeurs/<int:funder_id>")
@requires("cofinancements.view")
def funder(funder_id: int):
    item = db.get_or_404(Funder, funder_id)
    return render_template("cofinancements/funder.html", **funder_context(item, NoteForm()))


def funder_context(item: Funder, note_form: NoteForm) -> dict:
    opportunities = db.session.scalars(select(Opportunity).where(Opportunity.funder_id == item.id)
                                       .order_by(Opportunity.deadline.is_(None), Opportunity.deadline).limit(50)).all()
    notes = db.session.scalars(select(FunderNote).where(FunderNote.funder_id == item.id)
                               .options(joinedload(FunderNote.association), joinedload(FunderNote.author))
                               .order_by(FunderNote.id.desc()).limit(50)).all()
    # Past grants inside the community: aggregate only, the details stay with each association.
    granted = db.session.execute(
        select(func.count(Application.id), func.coalesce(func.sum(Application.amount_obtained_cents), 0),
               func.count(func.distinct(Application.association_id)))
        .where(Application.status == "accorde", or_funder(item.id))).one()
    return {"item": item, "opportunities": opportunities, "notes": notes, "granted": granted, "note_form": note_form,
            "themes": THEMES, "today": today(), "can_manage": can(current_user, "cofinancements.manage"),
            "can_note": can(current_user, "cofinancements.contribute")}


def or_funder(funder_id: int):
    return or_(Application.funder_id == funder_id,
               Application.opportunity_id.in_(select(Opportunity.id).where(Opportunity.funder_id == funder_id)))


@bp.route("/financeurs/<int:funder_id>/retours", methods=["POST"])
@requires("cofinancements.contribute")
def add_note(funder_id: int):
    item = db.get_or_404(Funder, funder_id)
    form = NoteForm()
    if form.validate_on_submit():
        association = current_association()
        db.session.add(FunderNote(funder_id=item.id, body=form.body.data, body_html=render_markdown(form.body.data),
                                  author_id=current_user.id, association_id=association.id if association else None))
        db.session.commit()
        flash_success(_("Merci, votre retour est publié."))
        return redirect(url_for("cofinancements.funder", funder_id=item.id) + "#retours")
    return render_template("cofinancements/funder.html", **funder_context(item, form))


@bp.route("/financeurs/export.csv")
@requires("cofinancements.view")
def funders_csv():
    """The funders with the number of their opportunities (one grouped subquery, no query per row)."""
    counts = (select(Opportunity.funder_id, func.count(Opportunity.id).label("count"))
              .group_by(Opportunity.funder_id).subquery())
    statement = (select(Funder, func.coalesce(counts.c.count, 0)).outerjoin(counts, counts.c.funder_id == Funder.id)
                 .order_by(Funder.name, Funder.id))
    rows = ([funder.name, funder.kind_label, funder.territory,
             ", ".join(str(THEMES.get(theme, theme)) for theme in funder.theme_list), funder.website, count]
            for funder, count in stream_rows(statement))
    return csv_response([_("Financeur"), _("Type"), _("Territoire"), _("Thématiques"), _("Site web"),
                         _("Aides recensées")], rows, "cofinancements-financeurs.csv")


@bp.route("/financeurs/nouveau", methods=["GET", "POST"])
@bp.route("/financeurs/<int:funder_id>/modifier", methods=["GET", "POST"])
@requires("cofinancements.manage")
def edit_funder(funder_id: int | None = None):
    item = db.get_or_404(Funder, funder_id) if funder_id else None
    form = FunderForm(obj=item if item and request.method == "GET" else None)
    if request.method == "GET" and item is not None:
        form.themes.data = item.theme_list
    if form.validate_on_submit():
        item = item or Funder()
        item.name = form.name.data.strip()
        item.kind = form.kind.data
        item.territory = (form.territory.data or "").strip()
        item.themes = pack(form.themes.data)
        item.contacts = form.contacts.data or ""
        item.website = (form.website.data or "").strip()
        db.session.add(item)
        db.session.flush()
        for opportunity in item.opportunities:  # the funder's name is part of what their aids are found by
            refresh_search_text(opportunity)
        index_document("cofinancements", funder_document(item))
        db.session.commit()
        flash_success(_("Le financeur est enregistré."))
        return redirect(url_for("cofinancements.funder", funder_id=item.id))
    return render_template("cofinancements/funder_form.html", form=form, item=item)


# --- alerts ----------------------------------------------------------------------------------------------


@bp.route("/alertes", methods=["GET", "POST"])
@requires("cofinancements.view")
def alerts():
    form = SavedSearchForm()
    if request.method == "GET":
        form.query.data = request.args.get("query", "")
    if form.validate_on_submit():
        # Keep only the filters that mean something: the stored query is rebuilt, never taken as typed.
        query = filters_from_query(form.query.data or "").to_query()
        db.session.add(SavedSearch(user_id=current_user.id, name=form.name.data.strip(), query=query,
                                   frequency=form.frequency.data))
        db.session.commit()
        flash_success(_("L'alerte est enregistrée."))
        return redirect(url_for("cofinancements.alerts"))
    page = paginate(select(SavedSearch).where(SavedSearch.user_id == current_user.id).order_by(SavedSearch.id.desc()))
    follows = []
    association = my_association()
    if association is not None:
        follows = db.session.scalars(select(Follow).where(Follow.association_id == association.id)
                                     .options(joinedload(Follow.opportunity))
                                     .join(Follow.opportunity).order_by(Opportunity.deadline).limit(50)).all()
    return render_template("cofinancements/alerts.html", form=form, page=page, follows=follows,
                           association=association, describe=describe_query, delete_form=ConfirmForm())


def describe_query(query: str) -> str:
    filters = filters_from_query(query)
    parts = []
    if filters.q:
        parts.append(_("mots : %(q)s", q=filters.q))
    if filters.theme:
        parts.append(_("thématique : %(theme)s", theme=THEMES[filters.theme]))
    if filters.aid_type:
        parts.append(_("type : %(type)s", type=AID_TYPES[filters.aid_type]))
    if filters.commune:
        parts.append(_("commune : %(commune)s", commune=filters.commune))
    if filters.scope:
        parts.append(_("territoire : %(scope)s", scope=SCOPES[filters.scope]))
    if filters.amount_cents is not None:
        parts.append(_("au moins %(amount)s", amount=format_euros(filters.amount_cents)))
    if filters.deadline_before:
        parts.append(_("date limite avant le %(date)s", date=filters.deadline_before.strftime("%d/%m/%Y")))
    if filters.open_now:
        parts.append(_("ouvertes maintenant"))
    return " · ".join(parts) or _("toutes les aides")


@bp.route("/alertes/<int:search_id>/supprimer", methods=["POST"])
@requires("cofinancements.view")
def delete_alert(search_id: int):
    search = db.get_or_404(SavedSearch, search_id)
    if search.user_id != current_user.id:
        abort(404)
    db.session.delete(search)
    db.session.commit()
    flash_success(_("L'alerte est supprimée."))
    return redirect(url_for("cofinancements.alerts"))


# --- applications ----------------------------------------------------------------------------------------

STATUS_ORDER = list(APPLICATION_STATUSES)


def applications_scope():
    """The association whose applications are listed (``None``: all, for coordinators) and their select.

    ``?association=`` picks one (404 when it is not the person's); members without one get 403.
    """
    association = None
    chosen = request.args.get("association", type=int)
    if chosen:
        association = association_for_private(chosen)
    elif not current_user.is_coordinator:
        association = my_association()
        if association is None:
            abort(403)
    order = case({status: index for index, status in enumerate(STATUS_ORDER)}, value=Application.status)
    statement = select(Application).options(joinedload(Application.association), joinedload(Application.funder),
                                            joinedload(Application.opportunity))
    if association is not None:
        statement = statement.where(Application.association_id == association.id)
    return association, statement.order_by(order, Application.next_step_due.is_(None), Application.next_step_due,
                                           Application.id)


@bp.route("/candidatures/export.csv")
@requires("cofinancements.applications")
def applications_csv():
    """The applications of the page (one association, or all for coordinators), every page of them."""
    association, statement = applications_scope()
    what = (f"cofinancements: candidatures de l'association {association.id}" if association
            else "cofinancements: candidatures de toutes les associations")
    audit_export(what, count_rows(statement), association_id=association.id if association else None)
    rows = ([a.association.name, a.title, a.funder.name if a.funder else None, a.status_label, a.year,
             euros(a.amount_requested_cents), euros(a.amount_obtained_cents), a.submitted_on, a.decided_on,
             a.next_step, a.next_step_due] for a in stream_scalars(statement))
    name = f"candidatures-{association.slug}.csv" if association else "candidatures.csv"
    return csv_response([_("Association"), _("Candidature"), _("Financeur"), _("État"), _("Année"),
                         _("Montant demandé (€)"), _("Montant obtenu (€)"), _("Déposée le"), _("Décision le"),
                         _("Prochaine étape"), _("Échéance")], rows, name)


@bp.route("/candidatures")
@requires("cofinancements.applications")
def applications():
    association, statement = applications_scope()
    page = paginate(statement, per_page=50)
    columns = defaultdict(list)
    for item in page.items:
        columns[item.status].append(item)
    associations = []
    if current_user.is_coordinator:
        associations = db.session.execute(select(Association.id, Association.name).order_by(Association.name)).all()
    return render_template("cofinancements/applications.html", page=page, columns=columns, statuses=APPLICATION_STATUSES,
                           association=association, associations=associations, today=today())


def application_choices(form: ApplicationForm) -> None:
    form.funder_id.choices = funder_choices()
    rows = db.session.execute(select(Opportunity.id, Opportunity.title).order_by(Opportunity.title).limit(500)).all()
    form.opportunity_id.choices = choices([(str(row.id), row.title) for row in rows], empty=_("— Aucune —"))


def store_document(form: ApplicationForm, item: Application) -> bool:
    upload = form.document.data
    if not getattr(upload, "filename", ""):
        return True
    try:
        stored = save_upload(upload, plugin="cofinancements", kinds=("pdf",), association_id=item.association_id,
                             uploaded_by_id=current_user.id)
    except UploadRefused as refused:
        form.document.errors = [refused.message]
        return False
    item.document_key, item.document_name = stored.key, stored.original_name
    return True


def save_application(form: ApplicationForm, item: Application) -> None:
    item.title = form.title.data.strip()
    item.opportunity_id = int(form.opportunity_id.data) if form.opportunity_id.data else None
    item.funder_id = int(form.funder_id.data) if form.funder_id.data else None
    if item.funder_id is None and item.opportunity_id:
        item.funder_id = db.session.scalar(select(Opportunity.funder_id).where(Opportunity.id == item.opportunity_id))
    item.status = form.status.data
    item.year = form.year.data
    item.amount_requested_cents = form.amount_requested.cents
    item.amount_obtained_cents = form.amount_obtained.cents
    item.submitted_on = form.submitted_on.data
    item.decided_on = form.decided_on.data
    item.next_step = (form.next_step.data or "").strip()
    item.next_step_due = form.next_step_due.data
    item.notes = form.notes.data or ""
    item.notes_html = render_markdown(item.notes)


@bp.route("/candidatures/nouvelle", methods=["GET", "POST"])
@requires("cofinancements.applications")
def new_application():
    chosen = request.values.get("association", type=int)
    association = association_for_private(chosen) if chosen else my_association()
    if association is None:
        abort(403 if not current_user.is_coordinator else 404)
    require("cofinancements.applications", association)
    form = ApplicationForm()
    application_choices(form)
    if request.method == "GET":
        form.year.data = today().year
        if request.args.get("aide", type=int):
            form.opportunity_id.data = str(request.args.get("aide", type=int))
            opp = db.session.get(Opportunity, request.args.get("aide", type=int))
            if opp is not None:
                form.title.data = opp.title
                form.funder_id.data = str(opp.funder_id or "")
    if form.validate_on_submit():
        item = Application(association_id=association.id, created_by_id=current_user.id)
        save_application(form, item)
        if store_document(form, item):
            db.session.add(item)
            db.session.flush()
            index_document("cofinancements", application_document(item))
            db.session.commit()
            emit("cofinancements.application_saved", actor_id=current_user.id, application_id=item.id)
            flash_success(_("La demande est enregistrée."))
            return redirect(url_for("cofinancements.applications", association=association.id)
                            if current_user.is_coordinator else url_for("cofinancements.applications"))
    return render_template("cofinancements/application_form.html", form=form, item=None, association=association)


@bp.route("/candidatures/<int:application_id>", methods=["GET", "POST"])
@requires("cofinancements.applications")
def application(application_id: int):
    item = db.get_or_404(Application, application_id)
    if not can(current_user, "cofinancements.applications", item):
        abort(404)
    form = ApplicationForm(obj=item if request.method == "GET" else None)
    application_choices(form)
    if request.method == "GET":
        form.opportunity_id.data = str(item.opportunity_id or "")
        form.funder_id.data = str(item.funder_id or "")
        form.amount_requested.process_data(item.amount_requested_cents)
        form.amount_obtained.process_data(item.amount_obtained_cents)
    if form.validate_on_submit():
        save_application(form, item)
        if store_document(form, item):
            index_document("cofinancements", application_document(item))
            db.session.commit()
            emit("cofinancements.application_saved", actor_id=current_user.id, application_id=item.id)
            flash_success(_("La demande est enregistrée."))
            return redirect(url_for("cofinancements.application", application_id=item.id))
    return render_template("cofinancements/application_form.html", form=form, item=item, association=item.association,
                           delete_form=ConfirmForm())


@bp.route("/candidatures/<int:application_id>/supprimer", methods=["POST"])
@requires("cofinancements.applications")
def delete_application(application_id: int):
    item = db.get_or_404(Application, application_id)
    if not can(current_user, "cofinancements.applications", item):
        abort(404)
    association_id = item.association_id
    unindex_document("cofinancements", f"application:{item.id}")
    db.session.delete(item)
    db.session.commit()
    flash_success(_("La demande est supprimée."))
    return redirect(url_for("cofinancements.applications", association=association_id)
                    if current_user.is_coordinator else url_for("cofinancements.applications"))


# --- the funding plan ------------------------------------------------------------------------------------


@bp.route("/plan")
@requires("cofinancements.applications")
def plans():
    if not current_user.is_coordinator:
        association = my_association()
        if association is None:
            abort(403)
        return redirect(url_for("cofinancements.plan", association_id=association.id))
    page = paginate(select(Association).order_by(Association.name, Association.id))
    ids = [association.id for association in page.items]
    years = db.session.scalars(select(PlanYear).where(PlanYear.association_id.in_(ids))).all() if ids else []
    from .services import secured_by_year

    secured = secured_by_year(ids) if ids else {}
    year = today().year
    gaps = {}
    for row in years:
        if row.year == year:
            gaps[row.association_id] = max(row.budget_cents - row.bms_cents - secured.get((row.association_id, year), 0), 0)
    return render_template("cofinancements/plans.html", page=page, gaps=gaps, year=year)


@bp.route("/plan/export.csv")
@requires("cofinancements.applications")
def plans_csv():
    """Every association's gap for the current year, as the coordinators' overview shows it; members are sent
    to their own plan's file, as the page sends them to their plan."""
    if not current_user.is_coordinator:
        association = my_association()
        if association is None:
            abort(403)
        return redirect(url_for("cofinancements.plan_csv", association_id=association.id))
    from .services import secured_by_year

    year = today().year

    def rows():
        for batch in stream_batches(select(Association).order_by(Association.name, Association.id)):
            ids = [association.id for association in batch]
            plans = {row.association_id: row for row in db.session.scalars(
                select(PlanYear).where(PlanYear.association_id.in_(ids), PlanYear.year == year))}
            secured = secured_by_year(ids)
            for association in batch:
                plan = plans.get(association.id)
                gap = (max(plan.budget_cents - plan.bms_cents - secured.get((association.id, year), 0), 0)
                       if plan else None)
                yield [association.name, year, euros(gap), plan is not None]

    return csv_response([_("Association"), _("Année"), _("Reste à financer (€)"), _("Plan renseigné")], rows(),
                        f"plans-financement-{year}.csv")


def plan_context(association: Association, year_form=None, profile_form=None) -> dict:
    plan = build_plan(association, today(), warning_months())
    if year_form is None:
        year_form = PlanYearForm()
        year_form.year.data = today().year
    if profile_form is None:
        profile_form = ProfileForm()
        profile_form.themes.data = association_themes(association.id)
    return {"association": association, "plan": plan, "chart": plan_chart(plan), "year_form": year_form,
            "profile_form": profile_form, "can_edit": can(current_user, "cofinancements.plan", association),
            "can_set_bms": can(current_user, "cofinancements.manage")}


@bp.route("/plan/<int:association_id>")
@requires("cofinancements.applications")
def plan(association_id: int):
    association = association_for_private(association_id)
    return render_template("cofinancements/plan.html", **plan_context(association))


@bp.route("/plan/<int:association_id>/annee", methods=["POST"])
@requires("cofinancements.applications")
def plan_year(association_id: int):
    association = association_for_private(association_id)
    require("cofinancements.plan", association)
    form = PlanYearForm()
    may_set_bms = can(current_user, "cofinancements.manage")
    if form.validate_on_submit():
        row = db.session.scalar(select(PlanYear).where(PlanYear.association_id == association.id,
                                                       PlanYear.year == form.year.data))
        if row is None:
            row = PlanYear(association_id=association.id, year=form.year.data, budget_cents=0, bms_cents=0)
            db.session.add(row)
        row.budget_cents = form.budget.cents
        if may_set_bms and form.bms.cents is not None:
            row.bms_cents = form.bms.cents
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            flash_error(_("Cette année vient d'être ajoutée par quelqu'un d'autre : vérifiez et recommencez."))
            return redirect(url_for("cofinancements.plan", association_id=association.id))
        if may_set_bms:
            audit("cofinancements.plan_updated", target=association.name, association_id=association.id,
                  year=form.year.data)
        flash_success(_("Le plan de financement est enregistré."))
        return redirect(url_for("cofinancements.plan", association_id=association.id))
    return render_template("cofinancements/plan.html", **plan_context(association, year_form=form)), 200


@bp.route("/plan/<int:association_id>/thematiques", methods=["POST"])
@requires("cofinancements.applications")
def plan_themes(association_id: int):
    association = association_for_private(association_id)
    require("cofinancements.plan", association)
    form = ProfileForm()
    if form.validate_on_submit():
        profile = db.session.scalar(select(Profile).where(Profile.association_id == association.id))
        if profile is None:
            profile = Profile(association_id=association.id)
            db.session.add(profile)
        profile.themes = pack(form.themes.data)
        db.session.commit()
        flash_success(_("Les thématiques de l'association sont enregistrées."))
        return redirect(url_for("cofinancements.plan", association_id=association.id))
    return render_template("cofinancements/plan.html", **plan_context(association, profile_form=form)), 200


@bp.route("/plan/<int:association_id>.csv")
@requires("cofinancements.applications")
def plan_csv(association_id: int):
    association = association_for_private(association_id)
    plan = build_plan(association, today(), warning_months())
    # Amounts in euros, as numbers (a negative gap stays a number the spreadsheet can add up).
    rows = [[association.name, row.year, *(Decimal(value) / 100 for value in
                                          (row.budget_cents, row.bms_cents, row.secured_cents, row.gap_cents))]
            for row in plan.rows]
    audit_export(f"cofinancements: plan de financement de l'association {association.id}", len(plan.rows),
                 association_id=association.id)
    return csv_response([_("Association"), _("Année"), _("Budget (€)"), _("Part de BMS (€)"),
                         _("Cofinancements obtenus (€)"), _("Reste à financer (€)")], rows,
                        f"plan-financement-{association.slug}.csv")


# --- import ----------------------------------------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
@requires("cofinancements.manage")
def import_file():
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        raw = form.file.data.stream.read(IMPORT_MAX_BYTES + 1)
        if len(raw) > IMPORT_MAX_BYTES:
            form.file.errors = [_("Le fichier dépasse 5 Mo.")]
        else:
            try:
                report = import_aids(raw)
                db.session.flush()
            except ImportFileError as error:
                form.file.errors = [str(error)]
            except IntegrityError:
                # Another import of the same aids committed first (PostgreSQL): nothing is half-imported.
                db.session.rollback()
                report = None
                form.file.errors = [_("Un autre import est en cours : recommencez dans un instant.")]
            else:
                db.session.commit()
                audit("cofinancements.imported", created=report.created, updated=report.updated,
                      errors=len(report.errors))
    return render_template("cofinancements/import.html", form=form, report=report)


