"""The programme's pages under /programme/."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from qn_portal.api import (
    Association,
    audit,
    can,
    csv_response,
    current_association,
    db,
    emit,
    flash_error,
    flash_success,
    lazy_gettext,
    notify,
    paginate,
    render_markdown,
    require,
    requires,
    stream_batches,
    stream_scalars,
)
from qn_portal.api import (
    gettext as _,
)

from . import services
from .binome import BINOME_SIZE, alert_for, trained_counts, untrained_statement
from .forms import (
    ApplicationForm,
    CallForm,
    DecisionForm,
    MilestoneForm,
    ReportForm,
    ReviewForm,
    VisitForm,
    opts,
)
from .models import (
    CRITERIA,
    CRITERION_LABELS,
    DECLINED,
    DRAFT,
    SELECTED,
    STATUS_LABELS,
    STATUSES,
    WAITING_LIST,
    ProgrammeApplication,
    ProgrammeCall,
    ProgrammeFunder,
    ProgrammeMilestone,
    ProgrammeVisit,
)

bp = Blueprint("programme", __name__, url_prefix="/programme", template_folder="templates",
               static_folder="static", static_url_path="/static")


def get_or_404(model, object_id):
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


def visible_application(application_id: int) -> ProgrammeApplication:
    application = get_or_404(ProgrammeApplication, application_id)
    if not can(current_user, "programme.read_application", application):
        abort(404)      # another association's application does not exist for you
    return application


# --- calls -------------------------------------------------------------------------------------------------


@bp.route("/")
@requires("programme.view")
def index():
    today = services.today()
    calls = paginate(select(ProgrammeCall).order_by(ProgrammeCall.closes_on.desc(), ProgrammeCall.id.desc()))
    counts = services.count_by_status([c.id for c in calls.items]) if can(current_user, "programme.manage") else {}
    return render_template("programme/index.html", calls=calls, today=today, counts=counts,
                           applications=services.applications_of_user(current_user),
                           STATUS_LABELS=STATUS_LABELS)


@bp.route("/export.csv")
@requires("programme.view")
def index_csv():
    """The calls of the list, newest closing date first; managers also get the applications' counts by status,
    computed per batch of calls as the page computes them for its page."""
    manager = can(current_user, "programme.manage")
    shown = [status for status in STATUSES if status != DRAFT]
    statement = select(ProgrammeCall).order_by(ProgrammeCall.closes_on.desc(), ProgrammeCall.id.desc())

    def rows():
        for batch in stream_batches(statement):
            counts = services.count_by_status([call.id for call in batch]) if manager else {}
            for call in batch:
                by_status = counts.get(call.id, {})
                yield [call.title, call.cohort, call.opens_on, call.closes_on,
                       *([by_status.get(status, 0) for status in shown] if manager else [])]

    header = [_("Appel"), _("Promotion"), _("Ouverture"), _("Clôture")]
    if manager:
        header += [STATUS_LABELS[status] for status in shown]
    return csv_response(header, rows(), "programme-appels.csv")


def _save_call(call: ProgrammeCall, form: CallForm) -> None:
    call.title = form.title.data.strip()
    call.cohort = form.cohort.data
    call.opens_on, call.closes_on = form.opens_on.data, form.closes_on.data
    call.charter = form.charter.data or ""
    call.charter_html = str(render_markdown(call.charter))


@bp.route("/appels/nouveau", methods=["GET", "POST"])
@requires("programme.manage")
def create_call():
    form = CallForm()
    if form.validate_on_submit():
        call = ProgrammeCall()
        _save_call(call, form)
        db.session.add(call)
        db.session.flush()
        services.index_call(call)
        db.session.commit()
        flash_success(_("L'appel à candidatures est créé."))
        return redirect(url_for("programme.call", call_id=call.id))
    return render_template("programme/call_form.html", form=form, call=None)


@bp.route("/appels/<int:call_id>/modifier", methods=["GET", "POST"])
@requires("programme.manage")
def edit_call(call_id):
    call = get_or_404(ProgrammeCall, call_id)
    form = CallForm(obj=call)
    if form.validate_on_submit():
        _save_call(call, form)
        services.index_call(call)
        db.session.commit()
        flash_success(_("L'appel à candidatures est enregistré."))
        return redirect(url_for("programme.call", call_id=call.id))
    return render_template("programme/call_form.html", form=form, call=call)


@bp.route("/appels/<int:call_id>")
@requires("programme.view")
def call(call_id):
    call = get_or_404(ProgrammeCall, call_id)
    page, status = None, request.args.get("status", "")
    if can(current_user, "programme.manage"):
        statement = (select(ProgrammeApplication).where(ProgrammeApplication.call_id == call.id,
                                                        ProgrammeApplication.status != DRAFT)
                     .order_by(ProgrammeApplication.submitted_at.desc(), ProgrammeApplication.id.desc()))
        if status in STATUSES:
            statement = statement.where(ProgrammeApplication.status == status)
        page = paginate(statement)
    return render_template("programme/call.html", call=call, page=page, status=status, today=services.today(),
                           STATUS_LABELS=STATUS_LABELS, statuses=[s for s in STATUSES if s != DRAFT],
                           can_apply=can(current_user, "programme.apply"))


@bp.route("/appels/<int:call_id>/export.csv")
@requires("programme.manage")
def call_csv(call_id):
    """The call's submitted applications with the page's status filter, every page of them (managers)."""
    call = get_or_404(ProgrammeCall, call_id)
    status = request.args.get("status", "")
    statement = (select(ProgrammeApplication).where(ProgrammeApplication.call_id == call.id,
                                                    ProgrammeApplication.status != DRAFT)
                 .order_by(ProgrammeApplication.submitted_at.desc(), ProgrammeApplication.id.desc()))
    if status in STATUSES:
        statement = statement.where(ProgrammeApplication.status == status)
    rows = ([a.display_name, a.commune, a.status_label, a.eligible, a.submitted_at, a.decided_at,
             url_for("programme.application", application_id=a.id, _external=True)]
            for a in stream_scalars(statement))
    return csv_response([_("Association"), _("Commune"), _("Statut"), _("Critères remplis"), _("Déposée le"),
                         _("Décision le"), _("Adresse")], rows, f"programme-appel-{call.id}-candidatures.csv")


@bp.route("/appels/<int:call_id>/candidater", methods=["POST"])
@requires("programme.apply")
def apply(call_id):
    call = get_or_404(ProgrammeCall, call_id)
    if not call.is_open(services.today()):
        abort(404)
    association = current_association()
    if association is not None:
        require("programme.edit_application", ProgrammeApplication(association_id=association.id, status=DRAFT))
    application = services.start_application(call, current_user, association)
    db.session.commit()
    if application.status != DRAFT:
        return redirect(url_for("programme.application", application_id=application.id))
    return redirect(url_for("programme.edit_application", application_id=application.id))


# --- applications ------------------------------------------------------------------------------------------


@bp.route("/candidatures/<int:application_id>")
def application(application_id):
    application = visible_application(application_id)
    manage = can(current_user, "programme.manage")
    reviews = services.reviews_of([application.id]).get(application.id, {}) if manage else {}
    review_form = decision_form = None
    if manage:
        mine = {c: next((r for r in reviews.get(c, []) if r.reviewer_id == current_user.id), None) for c in CRITERIA}
        review_form = ReviewForm(data={
            **{f"score_{c}": str(r.score) if r and r.score is not None else "" for c, r in mine.items()},
            **{f"comment_{c}": r.comment if r else "" for c, r in mine.items()}})
        decision_form = DecisionForm(data={"status": application.status if application.status != "submitted"
                                           else "under_review", "note": application.decision_note})
    return render_template("programme/application.html", application=application,
                           problems=services.problems_of(application), reviews=reviews, review_form=review_form,
                           decision_form=decision_form, CRITERIA=CRITERIA, CRITERION_LABELS=CRITERION_LABELS,
                           total=services.total_score(reviews), neighbourhood=_neighbourhood_label(application),
                           submitted_at=services.as_paris(application.submitted_at))


def _neighbourhood_label(application) -> str:
    from qn_portal.api import Neighbourhood

    if not application.neighbourhood_id:
        return _("Aucun de ces quartiers")
    n = db.session.get(Neighbourhood, application.neighbourhood_id)
    return f"{n.name}, {n.commune} ({n.kind_label})" if n else _("Aucun de ces quartiers")


def _prefill(application) -> dict:
    data = {name: getattr(application, name) for name in services.ANSWER_FIELDS}
    data["neighbourhood_id"] = (str(application.neighbourhood_id) if application.neighbourhood_id
                                else "none" if application.outside_neighbourhoods else "")
    data["organisation_name"] = application.organisation_name
    return data


@bp.route("/candidatures/<int:application_id>/modifier", methods=["GET", "POST"])
def edit_application(application_id):
    application = visible_application(application_id)
    require("programme.edit_application", application)
    needs_name = application.association_id is None
    form = ApplicationForm(needs_name=needs_name) if request.method == "POST" else \
        ApplicationForm(needs_name=needs_name, data=_prefill(application))
    problems, checked = [], False
    if request.method == "POST" and form.validate():
        action = request.form.get("action", "save")
        services.save_answers(application, form)
        problems = services.problems_of(application)
        if action == "submit":
            if not application.call.is_open(services.today()):
                flash_error(_("L'appel à candidatures est clos depuis le %(date)s : la candidature ne peut plus être "
                              "envoyée. Votre brouillon est enregistré.",
                              date=application.call.closes_on.strftime("%d/%m/%Y")))
            elif needs_name and not application.organisation_name:
                form.organisation_name.errors.append(_("Indiquez le nom de l'association."))
            elif not (application.neighbourhood_id or application.outside_neighbourhoods):
                form.neighbourhood_id.errors.append(_("Choisissez un quartier, ou « Aucun de ces quartiers »."))
            elif problems and not application.explanation:
                form.explanation.errors.append(_(
                    "Un critère n'est pas rempli : expliquez pourquoi vous candidatez tout de même."))
            else:
                services.submit(application, problems)
                services.index_application(application)
                db.session.commit()
                emit("programme.application_submitted", actor_id=current_user.id, application_id=application.id)
                notify(services.coordinator_ids(), "programme.application_received",
                       lazy_gettext("Candidature reçue : %(name)s", name=application.display_name),
                       url_for("programme.application", application_id=application.id))
                flash_success(_("Votre candidature est envoyée.") if not problems else
                              _("Votre candidature est envoyée, signalée comme ne remplissant pas tous les critères."))
                return redirect(url_for("programme.application", application_id=application.id))
            db.session.commit()     # the draft is kept even when the submission is refused
        else:
            services.index_application(application)
            db.session.commit()
            if action == "check":
                checked = True
            else:
                flash_success(_("Le brouillon est enregistré : vous pourrez le reprendre plus tard."))
                return redirect(url_for("programme.edit_application", application_id=application.id))
    elif request.method == "GET":
        problems = services.problems_of(application)
    return render_template("programme/application_form.html", form=form, application=application,
                           problems=problems, checked=checked, is_open=application.call.is_open(services.today()))


@bp.route("/candidatures/<int:application_id>/evaluation", methods=["POST"])
@requires("programme.manage")
def review(application_id):
    application = visible_application(application_id)
    if application.status == DRAFT:
        abort(404)
    form = ReviewForm()
    if form.validate():
        services.save_review(application, current_user, form)
        db.session.commit()
        flash_success(_("Votre évaluation est enregistrée."))
        return redirect(url_for("programme.application", application_id=application.id) + "#evaluation")
    reviews = services.reviews_of([application.id]).get(application.id, {})
    return render_template("programme/application.html", application=application,
                           problems=services.problems_of(application), reviews=reviews, review_form=form,
                           decision_form=DecisionForm(formdata=None, data={"status": application.status}),
                           CRITERIA=CRITERIA, CRITERION_LABELS=CRITERION_LABELS, total=services.total_score(reviews),
                           neighbourhood=_neighbourhood_label(application),
                           submitted_at=services.as_paris(application.submitted_at))


@bp.route("/candidatures/<int:application_id>/decision", methods=["POST"])
@requires("programme.manage")
def decide(application_id):
    application = visible_application(application_id)
    if application.status == DRAFT:
        abort(404)
    form = DecisionForm()
    if form.validate():
        status = form.status.data
        services.decide(application, status, (form.note.data or "").strip())
        services.index_application(application)
        db.session.commit()
        audit("programme.application_decided", target=application.display_name, application_id=application.id,
              status=status)
        emit("programme.application_decided", actor_id=current_user.id, application_id=application.id,
             status=status)
        if status in (SELECTED, WAITING_LIST, DECLINED):
            notify(services.applicant_ids(application), "programme.decision",
                   lazy_gettext("Votre candidature au programme : %(status)s", status=STATUS_LABELS[status]),
                   url_for("programme.application", application_id=application.id),
                   text=application.decision_note)
        flash_success(_("La décision est enregistrée."))
        return redirect(url_for("programme.application", application_id=application.id))
    reviews = services.reviews_of([application.id]).get(application.id, {})
    return render_template("programme/application.html", application=application,
                           problems=services.problems_of(application), reviews=reviews,
                           review_form=ReviewForm(formdata=None), decision_form=form, CRITERIA=CRITERIA,
                           CRITERION_LABELS=CRITERION_LABELS, total=services.total_score(reviews),
                           neighbourhood=_neighbourhood_label(application),
                           submitted_at=services.as_paris(application.submitted_at))


@bp.route("/appels/<int:call_id>/comparer")
@requires("programme.manage")
def compare(call_id):
    call = get_or_404(ProgrammeCall, call_id)
    ids = [int(i) for i in request.args.getlist("ids") if i.isdigit()][:6]
    applications = list(db.session.scalars(select(ProgrammeApplication).where(
        ProgrammeApplication.call_id == call.id, ProgrammeApplication.id.in_(ids),
        ProgrammeApplication.status != DRAFT).order_by(ProgrammeApplication.id)))
    reviews = services.reviews_of([a.id for a in applications])
    rows = [{"application": a, "problems": {p.criterion for p in services.problems_of(a)},
             "reviews": reviews.get(a.id, {}), "total": services.total_score(reviews.get(a.id, {}))}
            for a in applications]
    return render_template("programme/compare.html", call=call, rows=rows, CRITERIA=CRITERIA,
                           CRITERION_LABELS=CRITERION_LABELS)


# --- follow-up ---------------------------------------------------------------------------------------------


@bp.route("/suivi/")
@requires("programme.manage")
def followups():
    today = services.today()
    page = paginate(services.followed_associations_statement())
    summary = services.milestone_summary([a.id for a in page.items], today)
    late = list(db.session.scalars(services.late_milestones_statement(today).limit(20)))
    untrained = db.session.execute(untrained_statement().limit(20)).all()
    return render_template("programme/followups.html", page=page, summary=summary, late=late, today=today,
                           untrained=untrained, trained=trained_counts([a.id for a in page.items]),
                           BINOME_SIZE=BINOME_SIZE)


@bp.route("/suivi/export.csv")
@requires("programme.manage")
def followups_csv():
    """The followed associations with their milestones' counts and trained binôme, as the page's table:
    the counts are computed per batch of associations, in the page's two grouped queries."""
    today = services.today()

    def rows():
        for batch in stream_batches(services.followed_associations_statement()):
            ids = [association.id for association in batch]
            summary, trained = services.milestone_summary(ids, today), trained_counts(ids)
            for association in batch:
                done, late, total = summary[association.id]
                yield [association.name, association.cohort, done, late, total, trained.get(association.id, 0),
                       BINOME_SIZE]

    return csv_response([_("Association"), _("Promotion"), _("Étapes faites"), _("Étapes en retard"),
                         _("Étapes au total"), _("Binôme formé"), _("Binôme attendu")], rows(), "programme-suivi.csv")


@bp.route("/suivi/<int:association_id>")
def follow(association_id):
    association = get_or_404(Association, association_id)
    if not can(current_user, "programme.follow", association):
        abort(404)
    visits = paginate(select(ProgrammeVisit).where(ProgrammeVisit.association_id == association.id)
                      .order_by(ProgrammeVisit.happened_on.desc(), ProgrammeVisit.id.desc()))
    return render_template("programme/follow.html", association=association,
                           milestones=services.timeline(association.id), visits=visits, today=services.today(),
                           visit_form=VisitForm(formdata=None, data={"happened_on": services.today()}),
                           can_update=can(current_user, "programme.update_timeline", association),
                           binome_alert=_binome_alert(association))


def _binome_alert(association):
    return alert_for(association) if can(current_user, "programme.binome", association) else None


@bp.route("/jalons/<int:milestone_id>", methods=["POST"])
def update_milestone(milestone_id):
    milestone = get_or_404(ProgrammeMilestone, milestone_id)
    if not can(current_user, "programme.follow", milestone):
        abort(404)
    require("programme.update_timeline", milestone)
    form = MilestoneForm()
    if form.validate():
        milestone.done_on = form.done_on.data
        milestone.note = (form.note.data or "").strip()
        db.session.commit()
        flash_success(_("L'étape est enregistrée."))
    else:
        flash_error(_("Étape non enregistrée : %(error)s", error=next(iter(form.errors.values()))[0]))
    return redirect(url_for("programme.follow", association_id=milestone.association_id) + f"#jalon-{milestone.id}")


@bp.route("/suivi/<int:association_id>/visites", methods=["POST"])
@requires("programme.manage")
def add_visit(association_id):
    association = get_or_404(Association, association_id)
    form = VisitForm()
    if form.validate():
        db.session.add(ProgrammeVisit(association_id=association.id, author_id=current_user.id,
                                      happened_on=form.happened_on.data, kind=form.kind.data,
                                      summary=form.summary.data.strip(), next_steps=(form.next_steps.data or "").strip()))
        db.session.commit()
        flash_success(_("Le compte rendu est ajouté."))
        return redirect(url_for("programme.follow", association_id=association.id) + "#visites")
    visits = paginate(select(ProgrammeVisit).where(ProgrammeVisit.association_id == association.id)
                      .order_by(ProgrammeVisit.happened_on.desc(), ProgrammeVisit.id.desc()))
    return render_template("programme/follow.html", association=association,
                           milestones=services.timeline(association.id), visits=visits, today=services.today(),
                           visit_form=form, can_update=True, binome_alert=_binome_alert(association))


# --- reports -----------------------------------------------------------------------------------------------


def _report_form() -> ReportForm:
    form = ReportForm(request.args)
    funders = db.session.execute(select(ProgrammeFunder.id, ProgrammeFunder.name).order_by(ProgrammeFunder.name)).all()
    form.funder.choices = opts([("", _("— Tout le programme —"))] + [(str(i), name) for i, name in funders])
    return form


def _report_period(form: ReportForm):
    today = services.today()
    start = form.start.data or date(today.year, 1, 1)
    end = form.end.data or date(today.year + 1, 1, 1)
    return start, end


def _report_data(form: ReportForm, valid: bool):
    start, end = _report_period(form) if valid else _report_period(ReportForm(formdata=None))
    funder = db.session.get(ProgrammeFunder, int(form.funder.data)) if valid and form.funder.data else None
    return start, end, services.report(form.cohort.data if valid else None, start, end, funder)


@bp.route("/rapport")
@requires("programme.manage")
def report():
    form = _report_form()
    valid = form.validate() if request.args else True
    start, end, data = _report_data(form, valid)
    charts = {m["key"]: services.bar_chart(m, data["associations"]) for m in data["measures"]}
    return render_template("programme/report.html", form=form, data=data, charts=charts, start=start, end=end,
                           query=request.query_string.decode())


@bp.route("/rapport.csv")
@requires("programme.manage")
def report_csv():
    form = _report_form()
    if not form.validate():
        abort(400)
    start, end, data = _report_data(form, True)
    last_day = end - timedelta(days=1)
    rows = [[_("Rapport"), data["funder"].name if data["funder"] else _("Programme Quartiers Numériques")],
            [_("Période"), _("du %(start)s au %(end)s", start=start.strftime("%d/%m/%Y"),
                             end=last_day.strftime("%d/%m/%Y"))],
            [_("Associations"), ", ".join(a.name for a in data["associations"]) or _("Aucune")],
            [],
            [_("Mesure"), _("Association"), _("Valeur"), _("Unité")]]
    names = {a.id: a.name for a in data["associations"]}
    for measure in data["measures"]:
        for association_id, value in measure["by_association"].items():
            rows.append([measure["label"], names.get(association_id, _("Tout le programme")), value,
                         measure["units"][association_id]])
        if measure["total"] is not None:
            rows.append([measure["label"], _("Total"), measure["total"], measure["unit"]])
    rows.append([_("Étapes dues sur la période"), _("Total"), data["milestones_due"], ""])
    rows.append([_("Étapes faites à temps"), _("Total"), data["milestones_on_time"], ""])
    # Aggregate figures only, never a person: not an export of personal data (no audit_export).
    scope = f"financeur-{data['funder'].id}-" if data["funder"] else ""
    # The first line is the title block's; the column headings come after the blank line, as before.
    return csv_response(rows[0], rows[1:], f"programme-rapport-{scope}{start.isoformat()}-{end.isoformat()}.csv")


# The other pages register their routes on ``bp`` (kept in their own modules to keep this one readable).
from . import binome_views, equipment_views, funder_views  # noqa: E402, F401
